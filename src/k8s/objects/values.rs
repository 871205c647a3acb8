//! Linkerd's Helm values wherever users keep them (DESIGN §18): a values file (the values at
//! the top, or under a wrapping chart's key such as `linkerd-control-plane:`), a Flux
//! `HelmRelease` (`spec.values`, `spec.valuesFrom`), an Argo CD `Application`'s Helm source
//! (`values`, `valuesObject`, `parameters`), Buoyant's `ControlPlane`, the `linkerd-config`
//! ConfigMap of older versions. Only the values certcycle reads are kept, each with where it
//! came from, so that later sources override earlier ones leaf by leaf as Helm merges them.
//!
//! The paths are those of linkerd2's `charts/linkerd-control-plane/values.yaml` (stable-2.14
//! to edge-25.x): `identityTrustAnchorsPEM`, `identity.issuer.tls.crtPEM`/`keyPEM`,
//! `identity.issuer.scheme` (`linkerd.io/tls`, the default: the chart renders the
//! `linkerd-identity-issuer` Secret with `crt.pem`/`key.pem` from the values;
//! `kubernetes.io/tls`: cert-manager or the user writes it), `identity.externalCA` and, before
//! stable-2.12, `identity.issuer.crtExpiry`; the `linkerd2` chart of stable-2.8 and earlier
//! kept the anchors in `global.identityTrustAnchorsPEM`.

use crate::k8s::node::{Node, Value};
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

/// `identityTrustAnchorsPEM`.
pub(crate) const ANCHORS: &str = "identityTrustAnchorsPEM";
/// `global.identityTrustAnchorsPEM` (the `linkerd2` chart before stable-2.9).
pub(crate) const GLOBAL_ANCHORS: &str = "global.identityTrustAnchorsPEM";
/// `identity.issuer.tls.crtPEM`.
pub(crate) const ISSUER_CRT: &str = "identity.issuer.tls.crtPEM";
/// `identity.issuer.tls.keyPEM`.
pub(crate) const ISSUER_KEY: &str = "identity.issuer.tls.keyPEM";
/// `identity.issuer.crtExpiry`.
pub(crate) const ISSUER_EXPIRY: &str = "identity.issuer.crtExpiry";
/// `identity.issuer.scheme`.
pub(crate) const ISSUER_SCHEME: &str = "identity.issuer.scheme";
/// `identity.externalCA`.
pub(crate) const EXTERNAL_CA: &str = "identity.externalCA";

const PATHS: [&str; 7] = [
    ANCHORS,
    GLOBAL_ANCHORS,
    ISSUER_CRT,
    ISSUER_KEY,
    ISSUER_EXPIRY,
    ISSUER_SCHEME,
    EXTERNAL_CA,
];

/// One value and where it came from (`values.yaml:12:3 linkerd-control-plane.identityTrustAnchorsPEM`).
#[derive(Clone, PartialEq, Eq)]
pub struct ValueText {
    text: Zeroizing<String>,
    /// Where it came from: the file or object, the field path and the place.
    pub origin: String,
}

impl ValueText {
    /// The value (a private key for `identity.issuer.tls.keyPEM`: never print it).
    pub(crate) fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for ValueText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The issuer's private key may be one: no value is printed.
        write!(f, "ValueText({} [value not shown])", self.origin)
    }
}

/// The Linkerd values certcycle reads, by their path in the chart's values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkerdValues {
    entries: BTreeMap<&'static str, ValueText>,
}

/// Why values could not be read: the path and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValuesError {
    /// The field path within the document (`linkerd-control-plane.identityTrustAnchorsPEM`).
    pub(crate) path: String,
    pub(crate) at: crate::k8s::Location,
    pub(crate) found: &'static str,
}

impl LinkerdValues {
    /// The value at `path` (one of this module's constants), if set.
    pub(crate) fn get(&self, path: &str) -> Option<&ValueText> {
        self.entries.get(path)
    }

    /// Whether no Linkerd value is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The trust anchors: `identityTrustAnchorsPEM`, else `global.identityTrustAnchorsPEM`.
    pub(crate) fn anchors(&self) -> Option<&ValueText> {
        self.get(ANCHORS).or_else(|| self.get(GLOBAL_ANCHORS))
    }

    /// Whether the chart renders the identity issuer Secret from these values (scheme
    /// `linkerd.io/tls`, the default, and a certificate given).
    pub(crate) fn renders_issuer(&self) -> bool {
        self.get(ISSUER_CRT).is_some()
            && self
                .get(ISSUER_SCHEME)
                .is_none_or(|s| s.text().trim() != "kubernetes.io/tls")
    }

    /// The Linkerd values of a values tree: at its top, else under the first key whose
    /// mapping holds any (a wrapping chart's key: `linkerd-control-plane:`, `linkerd2:`).
    /// `origin` names the document (`values.yaml`, `HelmRelease linkerd/linkerd spec.values`),
    /// `prefix` the path of `node` within it.
    pub(crate) fn from_tree(node: &Node, origin: &str, prefix: &str) -> Result<Self, ValuesError> {
        let join = |a: &str, b: &str| {
            if a.is_empty() {
                b.to_owned()
            } else {
                format!("{a}.{b}")
            }
        };
        let (root, prefix) = if holds_any(node) {
            (node, prefix.to_owned())
        } else {
            let child = match &node.value {
                Value::Map(entries) => entries.iter().find(|(_, v)| holds_any(v)),
                _ => None,
            };
            match child {
                Some((k, v)) => (v, join(prefix, k)),
                None => return Ok(Self::default()),
            }
        };
        let mut out = Self::default();
        for path in PATHS {
            let Some(n) = lookup(root, path) else {
                continue;
            };
            let full = join(&prefix, path);
            let text = match &n.value {
                Value::Null => continue,
                Value::Str(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(x) => x.to_string(),
                Value::Seq(_) | Value::Map(_) => {
                    return Err(ValuesError {
                        path: full,
                        at: n.at,
                        found: n.type_name(),
                    });
                }
            };
            out.entries.insert(
                path,
                ValueText {
                    text: Zeroizing::new(text),
                    origin: format!("{origin} {full} ({})", n.at),
                },
            );
        }
        Ok(out)
    }

    /// Sets the value at `path` (Flux's `targetPath`, an Argo CD parameter's name; under a
    /// wrapping chart's key too: `linkerd-control-plane.identityTrustAnchorsPEM`). Returns
    /// whether `path` is one certcycle reads.
    pub(crate) fn set(&mut self, path: &str, text: Zeroizing<String>, origin: String) -> bool {
        let wrapped = |p: &&str| {
            path.strip_suffix(*p)
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|key| !key.is_empty() && !key.contains('.'))
        };
        let known = PATHS
            .into_iter()
            .find(|p| path == *p)
            .or_else(|| PATHS.into_iter().find(wrapped));
        match known {
            Some(p) => {
                self.entries.insert(p, ValueText { text, origin });
                true
            }
            None => false,
        }
    }

    /// Merges `over` on top of these values, leaf by leaf (Helm's and Flux's merge of a later
    /// values source over an earlier one).
    pub(crate) fn merge(&mut self, over: Self) {
        self.entries.extend(over.entries);
    }
}

/// Whether a mapping holds any of the values certcycle reads.
fn holds_any(node: &Node) -> bool {
    matches!(node.value, Value::Map(_)) && PATHS.iter().any(|p| lookup(node, p).is_some())
}

/// The node at a dotted path.
fn lookup<'n>(node: &'n Node, path: &str) -> Option<&'n Node> {
    path.split('.').try_fold(node, |n, k| n.get(k))
}
