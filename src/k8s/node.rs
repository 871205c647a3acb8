//! YAML and JSON documents as a tree of located nodes, read within budgets.
//!
//! Every node remembers the line and column it came from, so an error found after parsing
//! (a Secret whose `tls.crt` is not base64) still names its place in the file. YAML goes
//! through `serde-saphyr` (panic-free, no unsafe, with its parser budgets); JSON is checked by
//! `serde_json` first (so JSON syntax errors are JSON's), then read through the same located
//! tree (JSON is YAML's flow style), falling back to `serde_json`'s own tree, without
//! positions, where the two disagree.

use super::{K8sError, Location};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The largest input read, in bytes: a `kubectl get secret -A -o yaml` of a large cluster is
/// a few MiB; anything past this is refused before parsing.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// How deep `items` of `List`s may nest (kubectl prints one level).
const MAX_LIST_DEPTH: usize = 4;

/// The most nodes (mappings, sequences and scalars) one input may hold, YAML or JSON alike:
/// a `kubectl get secret -A -o yaml` of a thousand Secrets, managedFields and all, is about
/// 60,000; [`MAX_INPUT_BYTES`] of Secrets without managedFields about 250,000. A node costs
/// about 64 bytes in the tree, so the budget holds the tree under 100 MB. One budget for both syntaxes: JSON that the YAML reader refuses is read by
/// `serde_json` under the same count, never into an unbounded tree.
pub const MAX_NODES: usize = 1_000_000;

/// The most YAML parser events one input may cause (about two a node).
const MAX_EVENTS: usize = 2 * MAX_NODES;

/// The deepest nesting one input may hold, YAML or JSON alike. Kubernetes objects nest about
/// 20 levels at most (a `List`'s items' managedFields); each level is a recursion of the
/// reader, so the bound also keeps the stack small: an unoptimized build used about 35 KB a
/// level, and 64 levels overflowed a 2 MiB thread stack.
pub const MAX_DEPTH: usize = 32;

/// One located value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) at: Location,
    pub(crate) value: Value,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The entry `key` of a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A string scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// What kind of value this is, for "expected a string, found a mapping".
    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            at: Location {
                line: u32::try_from(s.referenced.line()).unwrap_or(u32::MAX),
                column: u32::try_from(s.referenced.column()).unwrap_or(u32::MAX),
            },
            value: s.value,
        })
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(i128::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k.0, v));
        }
        Ok(Value::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

/// A mapping key: any scalar, as text (`1: x` is the key `"1"`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_owned()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Key, E> {
                Ok(Key("null".to_owned()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

/// A JSON value read by `serde_json` into the located tree (at an unknown place), counting
/// every node against what is `left` of [`MAX_NODES`] and refusing nesting past [`MAX_DEPTH`].
struct JsonSeed<'b> {
    left: &'b mut usize,
    depth: usize,
}

impl JsonSeed<'_> {
    fn child(&mut self) -> JsonSeed<'_> {
        JsonSeed {
            left: self.left,
            depth: self.depth + 1,
        }
    }

    fn node<E: de::Error>(&mut self, value: Value) -> Result<Node, E> {
        Ok(Node {
            at: Location::UNKNOWN,
            value,
        })
    }
}

impl<'de> de::DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.depth >= MAX_DEPTH {
            return Err(de::Error::custom(format_args!(
                "nested deeper than {MAX_DEPTH} levels: over the reader's budget"
            )));
        }
        *self.left = self.left.checked_sub(1).ok_or_else(|| {
            de::Error::custom(format_args!(
                "more than {MAX_NODES} nodes: over the reader's budget"
            ))
        })?;
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self.child())? {
            items.push(self.node(v)?);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(self.child())?;
            let v = self.node(v)?;
            // Go's encoding/json (kubectl, the API server): the last of duplicate keys wins.
            match index.get(&k) {
                Some(&i) => entries[i].1 = v,
                None => {
                    index.insert(k.clone(), entries.len());
                    entries.push((k, v));
                }
            }
        }
        Ok(Value::Map(entries))
    }
}

/// Is this text JSON (its first non-blank character opens an object or an array)?
pub(crate) fn looks_like_json(text: &str) -> bool {
    matches!(
        text.trim_start_matches('\u{feff}')
            .trim_start()
            .as_bytes()
            .first(),
        Some(b'{' | b'[')
    )
}

/// Shortens what a parser quoted from the input: an error about a Secret's value must not
/// carry the value (it may be key material).
fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(400));
    let mut quoted = String::new();
    let mut in_quote = false;
    for c in message.chars() {
        if c == '"' || c == '`' {
            if in_quote {
                if quoted.chars().count() > 24 {
                    out.push('…');
                } else {
                    out.push_str(&quoted);
                }
                quoted.clear();
            }
            in_quote = !in_quote;
            out.push(c);
        } else if in_quote {
            quoted.push(c);
        } else {
            out.push(c);
        }
    }
    if in_quote {
        out.push_str(if quoted.chars().count() > 24 {
            "…"
        } else {
            &quoted
        });
    }
    // Parsers may append "at line L column C": the caller prints the place itself.
    if let Some(i) = out.find(" at line ") {
        out.truncate(i);
    }
    out.chars().take(300).collect()
}

/// Reads every document of `text` (YAML, or JSON when it looks like JSON).
pub(crate) fn read_documents(file: &str, text: &str) -> Result<Vec<Node>, K8sError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(K8sError::TooLarge {
            file: file.to_owned(),
            size: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    // A UTF-8 byte order mark, as some Windows editors write: kubectl and YAML skip it, and
    // so does JSON here (serde_json alone would call it "expected value").
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let syntax = |at: Location, message: String| K8sError::Syntax {
        file: file.to_owned(),
        at,
        message: redact(&message),
    };
    if looks_like_json(text) {
        // serde_json checks the syntax (its messages and positions are JSON's) without
        // building a tree; the located tree comes from the YAML reader (JSON is YAML's flow
        // style), and serde_json's own tree, without positions, only where the two disagree.
        let json_error = |e: serde_json::Error| {
            syntax(
                Location {
                    line: u32::try_from(e.line()).unwrap_or(u32::MAX),
                    column: u32::try_from(e.column()).unwrap_or(u32::MAX),
                },
                e.to_string(),
            )
        };
        serde_json::from_str::<de::IgnoredAny>(text).map_err(json_error)?;
        return match yaml_documents(text) {
            Ok(mut docs) if docs.len() == 1 => Ok(vec![docs.remove(0)]),
            _ => {
                // Where YAML's reading of the flow style differs (duplicate keys, which Go's
                // encoding/json accepts, the last winning), or YAML's budget refused it:
                // serde_json under the same node and depth budget.
                let mut left = MAX_NODES;
                let mut d = serde_json::Deserializer::from_str(text);
                let value = de::DeserializeSeed::deserialize(
                    JsonSeed {
                        left: &mut left,
                        depth: 0,
                    },
                    &mut d,
                )
                .and_then(|v| d.end().map(|()| v))
                .map_err(json_error)?;
                Ok(vec![Node {
                    at: Location::UNKNOWN,
                    value,
                }])
            }
        };
    }
    yaml_documents(text).map_err(|e| {
        let at = e.location().map_or(Location::UNKNOWN, |l| Location {
            line: u32::try_from(l.line()).unwrap_or(u32::MAX),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        syntax(at, yaml_message(&e))
    })
}

fn yaml_message(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::budget::BudgetBreach;
    if let serde_saphyr::Error::Budget { breach, .. } = e {
        // In words (serde-saphyr prints the breach with `Debug`).
        let what = match breach {
            BudgetBreach::Nodes { .. } => format!("more than {MAX_NODES} nodes"),
            BudgetBreach::Depth { .. } => format!("nested deeper than {MAX_DEPTH} levels"),
            BudgetBreach::Events { .. } => format!("more than {MAX_EVENTS} parser events"),
            BudgetBreach::Documents { .. } => "too many YAML documents".to_owned(),
            BudgetBreach::Aliases { .. }
            | BudgetBreach::Anchors { .. }
            | BudgetBreach::AliasAnchorRatio { .. } => {
                "too many aliases or anchors (an alias expansion)".to_owned()
            }
            BudgetBreach::ScalarBytes { .. } => "too much scalar text".to_owned(),
            _ => "too much work".to_owned(),
        };
        return format!("{what}: over the reader's budget");
    }
    // The first line: serde-saphyr may add a source excerpt below it, which could quote a
    // Secret's value.
    e.to_string()
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .to_owned()
}

fn yaml_documents(text: &str) -> Result<Vec<Node>, serde_saphyr::Error> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    // YAML 1.2's core schema: only true/false are booleans (`namespace: n` is the string "n").
    options.strict_booleans = true;
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_nodes = MAX_NODES;
    budget.max_depth = MAX_DEPTH;
    budget.max_events = MAX_EVENTS;
    options.budget = Some(budget);
    let docs: Vec<Node> = serde_saphyr::from_multiple_with_options(text, options)?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// A document's objects: the document itself, or the `items` of a `kind: List` (as `kubectl
/// get -o yaml|json` prints several objects), flattened.
///
/// # Errors
/// A `List` whose `items` is not a sequence (or null): its objects would vanish otherwise.
pub(crate) fn flatten_lists(
    file: &str,
    doc: Node,
    out: &mut Vec<Node>,
    depth: usize,
) -> Result<(), K8sError> {
    let is_list = doc
        .get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k == "List" || k.ends_with("List"))
        && doc.get("items").is_some();
    if !is_list || depth >= MAX_LIST_DEPTH {
        out.push(doc);
        return Ok(());
    }
    if let Value::Map(entries) = doc.value {
        for (k, v) in entries {
            if k != "items" {
                continue;
            }
            match v.value {
                Value::Seq(items) => {
                    for item in items {
                        flatten_lists(file, item, out, depth + 1)?;
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(K8sError::NotAnObject {
                        file: file.to_owned(),
                        document: out.len() + 1,
                        at: v.at,
                        what: "a List's items must be a sequence",
                    });
                }
            }
        }
    }
    Ok(())
}
