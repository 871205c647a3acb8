//! Trust roots given as Helm values: a values file with `identityTrustAnchorsPEM`, or a Flux
//! `HelmRelease` whose `spec.values` has it; and the objects of API groups certcycle names but
//! does not read (cert-manager before 0.11, `certmanager.k8s.io`).

use super::{Ctx, FieldError, K8sError, ObjectRef};
use crate::cert::Certificate;
use crate::k8s::node::{Node, Value};

/// The Helm value Linkerd's chart reads its trust anchors from.
pub const TRUST_ANCHORS_VALUE: &str = "identityTrustAnchorsPEM";

/// Helm values that give Linkerd's trust roots.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HelmValues {
    /// The field path (`identityTrustAnchorsPEM`, `spec.values.identityTrustAnchorsPEM`).
    pub path: String,
    /// The certificates it holds.
    pub certificates: Vec<Certificate>,
}

/// Whether a document without `kind` is a Helm values file that sets Linkerd's trust roots.
pub(super) fn is_values_document(doc: &Node) -> bool {
    matches!(doc.value, Value::Map(_))
        && doc.get("kind").is_none()
        && doc.get(TRUST_ANCHORS_VALUE).is_some()
}

/// `identityTrustAnchorsPEM` under `parent` (`prefix` names the path), if set.
pub(super) fn trust_anchors(
    c: &Ctx<'_>,
    parent: &Node,
    prefix: &str,
) -> Result<Option<HelmValues>, K8sError> {
    let path = if prefix.is_empty() {
        TRUST_ANCHORS_VALUE.to_owned()
    } else {
        format!("{prefix}.{TRUST_ANCHORS_VALUE}")
    };
    let Some(text) = c.opt_str(parent, TRUST_ANCHORS_VALUE, &path)? else {
        return Ok(None);
    };
    let at = parent.get(TRUST_ANCHORS_VALUE).map_or(parent.at, |n| n.at);
    let certificates = Certificate::all_from_pem(&text)
        .map_err(|e| c.err(&path, at, FieldError::Certificate(Box::new(e))))?;
    Ok(Some(HelmValues { path, certificates }))
}

/// A Flux `HelmRelease`'s `spec.values.identityTrustAnchorsPEM`, if set.
pub(super) fn helm_release(c: &Ctx<'_>, doc: &Node) -> Result<Option<HelmValues>, K8sError> {
    let Some(spec) = c.opt_map(doc, "spec", "spec")? else {
        return Ok(None);
    };
    let Some(values) = c.opt_map(spec, "values", "spec.values")? else {
        return Ok(None);
    };
    trust_anchors(c, values, "spec.values")
}

/// Why an object of a group certcycle recognizes is not read, if it is one.
pub(super) fn unsupported(kind: &str, group: &str) -> Option<&'static str> {
    match (kind, group) {
        ("Certificate" | "Issuer" | "ClusterIssuer", "certmanager.k8s.io") => Some(
            "API group certmanager.k8s.io is cert-manager before 0.11 (2019): not modelled; upgrade it to cert-manager.io/v1",
        ),
        _ => None,
    }
}

/// The object reference of a values file (it has no kind or name of its own).
pub(super) fn values_ref(file: &str, document: usize) -> ObjectRef {
    ObjectRef {
        file: file.to_owned(),
        document,
        kind: "HelmValues".into(),
        namespace: None,
        name: file.rsplit('/').next().unwrap_or(file).to_owned(),
    }
}
