//! istio-csr's values in a Flux `HelmRelease` with `valuesFrom` (DESIGN §19), merged as
//! helm-controller merges them (fluxcd/pkg `chartutil.ChartValuesFromReferences`, Flux v2.x:
//! each entry in order, maps merged key by key and any other value replaced, `targetPath`
//! setting the entry's text at one path; `spec.values` over all), then read as istio-csr's
//! values file is. What cannot be read is a `helm-values-unreadable` finding naming the
//! entry, and the chart's defaults stand in for values that are not known.

use super::super::K8sError;
use super::super::node::{Node, Value, read_documents};
use super::super::objects::istio_csr::{self, Pending};
use super::super::objects::{IstioCsrValues, Object, Resource};
use super::Cluster;
use crate::lint::{Finding, Severity};

impl Cluster {
    /// Merges every istio-csr `HelmRelease`'s `valuesFrom` with its `spec.values`, within the
    /// `budget` of text read out of other objects.
    pub(super) fn resolve_istio_values(&mut self, budget: &mut usize, findings: &mut Vec<Finding>) {
        for i in 0..self.objects.objects.len() {
            let o = &self.objects.objects[i];
            let Resource::IstioCsrValues(v) = &o.resource else {
                continue;
            };
            let Some(pending) = v.pending.as_deref() else {
                continue;
            };
            let values = self.istio_values_from(o, pending, budget, findings);
            if let Resource::IstioCsrValues(v) = &mut self.objects.objects[i].resource {
                *v = values;
            }
        }
    }

    fn istio_values_from(
        &self,
        o: &Object,
        p: &Pending,
        budget: &mut usize,
        findings: &mut Vec<Finding>,
    ) -> IstioCsrValues {
        let ns = o.at.namespace.as_deref().unwrap_or_default();
        let release = format!("HelmRelease {}", o.at.key());
        let unreadable = |message: String| Finding {
            id: "helm-values-unreadable",
            severity: Severity::Error,
            subject: format!("HelmRelease/{}", o.at.key()),
            message,
        };
        // (where, tree) in the order they are merged: the last that sets a value gives it.
        let mut sources: Vec<(String, Node)> = Vec::new();
        for (i, vf) in p.from.iter().enumerate() {
            let origin = format!(
                "{release} spec.valuesFrom[{i}] ({} {ns}/{} {})",
                vf.kind, vf.name, vf.values_key
            );
            let Some(text) = self.values_from_text(ns, vf, (&origin, o), findings, "istio-csr ")
            else {
                continue;
            };
            if !super::values::spend_for(budget, text.len(), (&origin, o), findings, "istio-csr") {
                continue;
            }
            let tree = match &vf.target_path {
                Some(path) => istio_csr::at_path(path, &text, p.values.at),
                None => first_mapping(&origin, &text),
            };
            match tree {
                Ok(tree) => sources.push((origin, tree)),
                Err(why) => findings.push(unreadable(format!(
                    "{origin}: {why}: its istio-csr values are not read"
                ))),
            }
        }
        sources.push((format!("{release} spec.values"), p.values.clone()));
        let mut merged = Node {
            at: p.values.at,
            value: Value::Map(Vec::new()),
        };
        for (_, tree) in &sources {
            istio_csr::merge(&mut merged, tree.clone());
        }
        let origin = format!("{release} spec.valuesFrom and spec.values");
        match istio_csr::read(&o.at, &merged, &origin) {
            Ok(v) => v,
            Err(e) => {
                let (path, why) = match &e {
                    K8sError::Field {
                        path, at, error, ..
                    } => {
                        let from = sources
                            .iter()
                            .rev()
                            .find(|(_, t)| has_path(t, path))
                            .map_or(origin.as_str(), |(w, _)| w.as_str());
                        (path.as_str(), format!("{from} {path} ({at}): {error}"))
                    }
                    other => ("", other.to_string()),
                };
                findings.push(unreadable(format!(
                    "{why}: istio-csr's values are not read{}, the chart's defaults are assumed",
                    if path.is_empty() { "" } else { " from it" }
                )));
                IstioCsrValues {
                    origin,
                    issuer_enabled: true,
                    ..IstioCsrValues::default()
                }
            }
        }
    }
}

/// The first document of a `valuesFrom` entry's text, which must be a mapping (or empty, as
/// Flux reads an empty key: no values).
fn first_mapping(origin: &str, text: &str) -> Result<Node, String> {
    let docs =
        read_documents(origin, text).map_err(|e| format!("its YAML does not parse ({e})"))?;
    match docs.into_iter().next() {
        None => Ok(empty_map(super::super::Location::default())),
        Some(Node {
            at,
            value: Value::Null,
        }) => Ok(empty_map(at)),
        Some(
            n @ Node {
                value: Value::Map(_),
                ..
            },
        ) => Ok(n),
        Some(n) => Err(format!("it is {}, not a mapping of values", n.type_name())),
    }
}

fn empty_map(at: super::super::Location) -> Node {
    Node {
        at,
        value: Value::Map(Vec::new()),
    }
}

/// Whether `tree` sets the value at an error's `path` (`app.tls.rootCAFile`,
/// `volumes[].secret.secretName`: a list is the value that counts).
fn has_path(tree: &Node, path: &str) -> bool {
    let mut n = tree;
    for k in path.split('.') {
        let (k, list) = k.strip_suffix("[]").map_or((k, false), |k| (k, true));
        match n.get(k) {
            Some(next) if list => return matches!(next.value, Value::Seq(_)),
            Some(next) => n = next,
            None => return false,
        }
    }
    true
}
