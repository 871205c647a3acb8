//! Fixes as data (DESIGN §16, issue 31): a fix's dated operations as `operations.yaml`, a
//! versioned document `plan --operations FILE` replays, so that `plan ORIGINAL... DIR/fix-N/*
//! --operations DIR/fix-N/operations.yaml` re-checks a fix from the files alone.
//!
//! ```yaml
//! apiVersion: certcycle.io/v1alpha1     # OPERATIONS_API_VERSION; any other is refused
//! kind: Operations
//! operations:
//! - kind: rotate                        # rotate | rotate-auto | restart-every | replace-issuer
//!   at: 2026-10-25T02:01:00Z            # rotate: when the first step runs (RFC 3339)
//!   procedure: seven-step               # rotate: seven-step | five-step | istio-root
//!   objects: [Certificate cert-manager/linkerd-trust-anchor, ...]
//!   steps:                              # what a person runs, dated (not read)
//!   - {step: 1, at: ..., what: ..., command: ...}
//! - kind: rotate-auto                   # unattended rotation (plan --rotation auto)
//!   restart-every: 24h0m0s              # the cadence its schedule is proven for
//!   windows: robust                     # robust (default) | minimal
//! - kind: replace-issuer                # a static identity issuer Secret replaced by hand
//!   at: 2026-12-20T00:00:00Z            # when (RFC 3339)
//! - kind: restart-every
//!   every: 24h0m0s                      # restart-every: a Go duration
//!   objects: [every meshed pod]
//!   command: kubectl rollout restart deploy -n linkerd; then each meshed namespace
//! ```
//!
//! Only `kind`, `at`, `procedure`, `every`, `restart-every` and `windows` are read back; `objects`, `steps` and `command`
//! are for people. An unknown `kind` or field value is an error naming the operation and
//! field with its line, never skipped.

use super::{Ctx, ObjectRef};
use crate::duration::GoDuration;
use crate::k8s::node::{Node, read_documents};
use crate::k8s::{FieldError, K8sError};
use crate::mesh::Procedure;
use crate::plan::Operation;
use crate::rotation::WindowPolicy;
use serde_json::{Value, json};

/// The `apiVersion` of an operations document.
pub const OPERATIONS_API_VERSION: &str = "certcycle.io/v1alpha1";

/// The shortest restart cadence an operations file may ask for, as `--restart-every`: a
/// file cannot make a re-run cost what a flag may not.
pub const MIN_RESTART_EVERY: time::Duration = time::Duration::MINUTE;

/// At most this many operations are read from one document.
pub const MAX_OPERATIONS: usize = 64;

/// `ops` as an operations document (see the module docs), in `cfg`'s objects, with the
/// commands a person would run: `lines(op)` gives each step's `(at, what, command)`.
///
/// # Errors
/// [`crate::Error::InvalidSpec`] if the serializer refuses a value.
pub fn operations_yaml(
    ops: &[Operation],
    cfg: &crate::plan::Config,
    lines: impl Fn(&Operation) -> Vec<(String, String, String)>,
) -> Result<String, crate::Error> {
    let items: Vec<Value> = ops
        .iter()
        .map(|op| {
            let steps: Vec<Value> = lines(op)
                .into_iter()
                .enumerate()
                .map(|(i, (at, what, command))| {
                    json!({"step": i + 1, "at": at, "what": what, "command": command})
                })
                .collect();
            match op {
                Operation::RestartEvery(every) => json!({
                    "kind": "restart-every",
                    "every": GoDuration(*every).to_string(),
                    "objects": op.objects(cfg),
                    "command": steps.first().map_or(Value::Null, |s| s["command"].clone()),
                }),
                Operation::Rotate { at, procedure } => json!({
                    "kind": "rotate",
                    "at": crate::display::rfc3339(*at),
                    "procedure": procedure.to_string(),
                    "objects": op.objects(cfg),
                    "steps": steps,
                }),
                Operation::ReplaceIssuer { at } => json!({
                    "kind": "replace-issuer",
                    "at": crate::display::rfc3339(*at),
                    "objects": op.objects(cfg),
                    "steps": steps,
                }),
                Operation::RotateAuto {
                    restart_every,
                    windows,
                } => json!({
                    "kind": "rotate-auto",
                    "restart-every": GoDuration(*restart_every).to_string(),
                    "windows": windows.to_string(),
                    "objects": op.objects(cfg),
                    "steps": steps,
                }),
            }
        })
        .collect();
    let doc = json!({
        "apiVersion": OPERATIONS_API_VERSION,
        "kind": "Operations",
        "operations": items,
    });
    let yaml = serde_saphyr::to_string(&doc).map_err(|e| crate::Error::InvalidSpec {
        reason: format!("writing the operations: {e}"),
    })?;
    Ok(format!(
        "# certcycle operations ({OPERATIONS_API_VERSION}): the dated operations of a fix; plan --operations FILE replays them.\n{yaml}"
    ))
}

/// Reads an operations document (see the module docs) into the operations it names, in
/// order.
///
/// # Errors
/// [`K8sError`]: YAML that does not parse, not one document, another `apiVersion` or
/// `kind`, more than [`MAX_OPERATIONS`], or an operation whose `kind`, `at`, `procedure` or
/// `every` does not read (named with its path and line).
pub fn read_operations(file: &str, text: &str) -> Result<Vec<Operation>, K8sError> {
    let docs = read_documents(file, text)?;
    let [doc] = docs.as_slice() else {
        return Err(K8sError::NotAnObject {
            file: file.to_owned(),
            document: docs.len().min(2),
            at: docs.get(1).map_or(crate::k8s::Location::UNKNOWN, |d| d.at),
            what: "one operations document",
        });
    };
    let at = ObjectRef {
        file: file.to_owned(),
        document: 1,
        kind: "Operations".into(),
        namespace: None,
        name: "operations".into(),
    };
    let c = Ctx { obj: &at };
    for (key, want) in [
        ("apiVersion", OPERATIONS_API_VERSION),
        ("kind", "Operations"),
    ] {
        let got = c.req_str(doc, key, key)?;
        if got != want {
            let node_at = doc.get(key).map_or(doc.at, |n| n.at);
            return Err(c.err(
                key,
                node_at,
                FieldError::NotOneOf {
                    value: got,
                    allowed: if key == "kind" {
                        "Operations"
                    } else {
                        OPERATIONS_API_VERSION
                    },
                },
            ));
        }
    }
    let items = c.opt_seq(doc, "operations", "operations")?;
    if items.len() > MAX_OPERATIONS {
        return Err(c.err(
            "operations",
            doc.at,
            FieldError::TooMany {
                count: items.len(),
                max: MAX_OPERATIONS,
            },
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| operation(&c, item, &format!("operations[{i}]")))
        .collect()
}

fn operation(c: &Ctx<'_>, item: &Node, p: &str) -> Result<Operation, K8sError> {
    let kind = c.req_str(item, "kind", &format!("{p}.kind"))?;
    let field_at = |key: &str| item.get(key).map_or(item.at, |n| n.at);
    match kind.as_str() {
        "restart-every" => Ok(Operation::RestartEvery(cadence(c, item, "every", p)?)),
        "replace-issuer" => Ok(Operation::ReplaceIssuer {
            at: time_at(c, item, p)?,
        }),
        "rotate" => {
            let at = time_at(c, item, p)?;
            let path = format!("{p}.procedure");
            let procedure = match c.req_str(item, "procedure", &path)?.as_str() {
                "seven-step" => Procedure::SevenStep,
                "five-step" => Procedure::FiveStep,
                "istio-root" => Procedure::IstioRoot,
                other => {
                    return Err(c.err(
                        &path,
                        field_at("procedure"),
                        FieldError::NotOneOf {
                            value: other.to_owned(),
                            allowed: "seven-step, five-step, istio-root",
                        },
                    ));
                }
            };
            Ok(Operation::Rotate { at, procedure })
        }
        "rotate-auto" => {
            let every = cadence(c, item, "restart-every", p)?;
            let path = format!("{p}.windows");
            let windows = match c.opt_str(item, "windows", &path)?.as_deref() {
                None | Some("robust") => WindowPolicy::Robust,
                Some("minimal") => WindowPolicy::Minimal,
                Some(other) => {
                    return Err(c.err(
                        &path,
                        field_at("windows"),
                        FieldError::NotOneOf {
                            value: other.to_owned(),
                            allowed: "robust, minimal",
                        },
                    ));
                }
            };
            Ok(Operation::RotateAuto {
                restart_every: every,
                windows,
            })
        }
        other => Err(c.err(
            &format!("{p}.kind"),
            field_at("kind"),
            FieldError::NotOneOf {
                value: other.to_owned(),
                allowed: "rotate, restart-every, rotate-auto, replace-issuer",
            },
        )),
    }
}

/// The RFC 3339 time in `item`'s field `at`.
fn time_at(c: &Ctx<'_>, item: &Node, p: &str) -> Result<time::OffsetDateTime, K8sError> {
    let path = format!("{p}.at");
    let text = c.req_str(item, "at", &path)?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).map_err(
        |_| {
            c.err(
                &path,
                item.get("at").map_or(item.at, |n| n.at),
                FieldError::NotOneOf {
                    value: text.clone(),
                    allowed: "an RFC 3339 time",
                },
            )
        },
    )
}

/// The restart cadence in `item`'s field `key` (a Go duration of at least
/// [`MIN_RESTART_EVERY`]).
fn cadence(c: &Ctx<'_>, item: &Node, key: &str, p: &str) -> Result<time::Duration, K8sError> {
    let path = format!("{p}.{key}");
    let at = item.get(key).map_or(item.at, |n| n.at);
    let text = c.req_str(item, key, &path)?;
    let every = text
        .parse::<GoDuration>()
        .map_err(|e| c.err(&path, at, FieldError::Duration(e)))?
        .0;
    if every < MIN_RESTART_EVERY {
        return Err(c.err(
            &path,
            at,
            FieldError::NotOneOf {
                value: text,
                allowed: "a duration of at least 1m (as --restart-every)",
            },
        ));
    }
    Ok(every)
}
