//! Where a plan's findings point in the user's files, and the plan as SARIF 2.1.0 (DESIGN §16):
//! one result per lint and one for the first break, each at the `file:line:col` of the object
//! and, where one field decides it, of that field (the anchor Certificate's
//! `spec.renewBefore` for an anchor re-key).

use super::objects::NamespacedName;
use super::objects::{Object, Resource};
use super::{Cluster, Location, PlanReport};
use crate::lint::{Finding, Severity};
use serde_json::{Value, json};
use time::Duration;

/// A place in the user's input: the file, and the line and column (0:0 when unknown, as for a
/// JSON document read without positions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceLocation {
    /// The file, as given.
    pub file: String,
    /// Where in it.
    pub at: Location,
    /// The field, when one field decides the finding (`spec.renewBefore`).
    pub field: Option<&'static str>,
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.at)?;
        if let Some(field) = self.field {
            write!(f, " ({field})")?;
        }
        Ok(())
    }
}

/// The kinds without a namespace that certcycle reads.
const CLUSTER_SCOPED: &[&str] = &["Bundle", "ClusterBundle", "ClusterIssuer"];

/// The lint ids decided by a Certificate's renewal fields.
const RENEWAL_LINTS: &[&str] = &[
    "anchor-early-rekey",
    "anchor-rekey-in-horizon",
    "issuer-lifetime-too-short",
];

impl Cluster {
    /// The object a finding's subject names (`Certificate/cert-manager/linkerd-trust-anchor`).
    /// A cluster-scoped object (a Bundle, a ClusterIssuer) is found by its name whatever
    /// namespace its manifest wrote (`--namespace` or a stray `metadata.namespace` does not
    /// move it).
    fn object_of(&self, subject: &str) -> Option<&Object> {
        let (kind, key) = subject.split_once('/')?;
        let objects = &self.objects.objects;
        objects
            .iter()
            .find(|o| o.at.kind == kind && o.at.key() == key)
            .or_else(|| {
                CLUSTER_SCOPED.contains(&kind).then(|| {
                    let name = key.rsplit('/').next().unwrap_or(key);
                    objects
                        .iter()
                        .find(|o| o.at.kind == kind && o.at.name == name)
                })?
            })
    }

    /// Where `finding` points: its object, and the renewal field for a renewal lint. A
    /// finding about an object that is not among the inputs (an assumed Secret or ConfigMap)
    /// points at the identity issuer's object, else at the first object read: code scanning
    /// shows no result without a location. `None` only when no object was read.
    pub fn location_of_finding(&self, finding: &Finding) -> Option<SourceLocation> {
        match self.object_of(&finding.subject) {
            Some(o) => Some(self.location_in(o, RENEWAL_LINTS.contains(&finding.id))),
            None => self.fallback_location(),
        }
    }

    /// The identity issuer's Certificate or Secret, else the first object read.
    fn fallback_location(&self) -> Option<SourceLocation> {
        let NamespacedName {
            namespace: ins,
            name: inn,
        } = self.issuer_secret();
        self.identity_issuer()
            .and_then(|c| self.object_of(&format!("Certificate/{}", c.key())))
            .or_else(|| self.object_of(&format!("Secret/{ins}/{inn}")))
            .or_else(|| self.objects.objects.first())
            .map(|o| self.location_in(o, false))
    }

    fn location_in(&self, o: &Object, renewal_field: bool) -> SourceLocation {
        match &o.resource {
            Resource::Certificate(c) if renewal_field => SourceLocation {
                file: o.at.file.clone(),
                at: c.renewal_at,
                field: Some("spec.renewBefore"),
            },
            _ => SourceLocation {
                file: o.at.file.clone(),
                at: o.location,
                field: None,
            },
        }
    }

    /// Where the first break of `report` points: the anchor Certificate's renewal field when
    /// an anchor re-key is among its causes, else the identity issuer's object (its
    /// Certificate, or the Secret nothing renews), else the anchor's Secret.
    pub fn location_of_break(&self, report: &crate::plan::Report) -> Option<SourceLocation> {
        let run = &report.run;
        run.first_break.as_ref()?;
        let rekey = run
            .causes()
            .iter()
            .any(|e| e.what.contains("new trust anchor"));
        let anchor_secret = self.anchor_secret();
        let anchor = self
            .certificates
            .iter()
            .find(|c| c.secret == anchor_secret)
            .and_then(|c| self.object_of(&format!("Certificate/{}", c.key())));
        if let (true, Some(o)) = (rekey, anchor) {
            return Some(self.location_in(o, true));
        }
        let NamespacedName {
            namespace: ins,
            name: inn,
        } = self.issuer_secret();
        let issuer = self
            .identity_issuer()
            .and_then(|c| self.object_of(&format!("Certificate/{}", c.key())))
            .or_else(|| self.object_of(&format!("Secret/{ins}/{inn}")))
            .or_else(|| self.object_of(&format!("Secret/{anchor_secret}")));
        match issuer {
            Some(o) => Some(self.location_in(o, false)),
            None => self.fallback_location(),
        }
    }
}

impl PlanReport {
    /// Whether the plan breaks within `within` of its start (a CI gate: a later break is a
    /// warning).
    pub fn breaks_within(&self, within: Duration) -> bool {
        self.report
            .run
            .first_break
            .as_ref()
            .is_some_and(|b| b.at - self.report.start <= within)
    }

    /// The report as SARIF 2.1.0: the tool `certcycle` with one rule per lint id and
    /// `mtls-break`; one result per lint (`warning` or `error`) and one `error` for the first
    /// break, each located in the input files ([`PlanReport::lint_locations`],
    /// [`PlanReport::break_location`]). A finding whose object is in no file (an assumed
    /// object) is located at the identity issuer's object, else the first object read.
    pub fn to_sarif(&self) -> Value {
        let location = |l: Option<&SourceLocation>| -> Vec<Value> {
            l.map(|l| {
                let mut region = json!({});
                if l.at.line > 0 {
                    region = json!({"startLine": l.at.line, "startColumn": l.at.column.max(1)});
                }
                json!({"physicalLocation": {
                    "artifactLocation": {"uri": uri(&l.file)},
                    "region": region,
                }})
            })
            .into_iter()
            .collect()
        };
        let mut rules: Vec<&str> = self.lints.iter().map(|l| l.id).collect();
        rules.sort_unstable();
        rules.dedup();
        let mut results: Vec<Value> = self
            .lints
            .iter()
            .zip(&self.lint_locations)
            .map(|(l, at)| {
                json!({
                    "ruleId": l.id,
                    "level": match l.severity { Severity::Error => "error", Severity::Warning => "warning", _ => "note" },
                    "message": {"text": format!("{}: {}", l.subject, l.message)},
                    "locations": location(at.as_ref()),
                })
            })
            .collect();
        if let Some(b) = &self.report.run.first_break {
            rules.push("mtls-break");
            results.push(json!({
                "ruleId": "mtls-break",
                "level": "error",
                "message": {"text": format!(
                    "first mTLS break on {} ({}): {} -> {}: {}",
                    self.report.break_day().unwrap_or_default(), crate::display::rfc3339(b.at), b.client, b.server, b.error
                )},
                "locations": location(self.break_location.as_ref()),
            }));
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "certcycle",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
                }},
                "results": results,
            }],
        })
    }
}

impl PlanReport {
    /// [`PlanReport::to_sarif`] with SARIF `fixes` on the break's result: one per fix given as
    /// `(description, replacements)` (the field edits of a fix that held, as
    /// [`patch_fix`](crate::k8s::patch_fix) places them in the input files), each replacement
    /// deleting whole lines and inserting the new ones. A fix without replacements is left out.
    pub fn to_sarif_with_fixes(&self, fixes: &[(String, Vec<crate::k8s::Replacement>)]) -> Value {
        let mut sarif = self.to_sarif();
        let fixes: Vec<Value> = fixes
            .iter()
            .filter(|(_, r)| !r.is_empty())
            .map(|(description, replacements)| {
                let mut files: Vec<&str> = replacements.iter().map(|r| r.file.as_str()).collect();
                files.dedup();
                json!({
                    "description": {"text": description},
                    "artifactChanges": files.iter().map(|file| json!({
                        "artifactLocation": {"uri": uri(file)},
                        "replacements": replacements.iter().filter(|r| r.file == *file).map(|r| json!({
                            "deletedRegion": {
                                "startLine": r.start_line, "startColumn": 1,
                                "endLine": r.end_line, "endColumn": 1,
                            },
                            "insertedContent": {"text": r.text},
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        if fixes.is_empty() {
            return sarif;
        }
        if let Some(result) = sarif["runs"][0]["results"]
            .as_array_mut()
            .and_then(|r| r.iter_mut().find(|r| r["ruleId"] == "mtls-break"))
        {
            result["fixes"] = Value::Array(fixes);
        }
        sarif
    }
}

/// A file path as an RFC 3986 URI reference (§4.1 relative-ref, §2 percent-encoding): `/`
/// separates segments; every byte other than the unreserved characters (`A-Z a-z 0-9 - . _
/// ~`) is percent-encoded as UTF-8, so `ü`, `[`, a `:` in the first segment, `%`, `#`, `?` and
/// spaces are data, and `\` stays part of the name (`%5C`), never a separator that would name
/// another file.
pub(crate) fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
