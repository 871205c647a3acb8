//! istio-csr's Helm values (cert-manager/istio-csr v0.17.0-16-gf96fca5,
//! `deploy/charts/istio-csr/values.yaml`): what a plan of Istio with istio-csr reads from them
//! (DESIGN §19). A values file is recognised by its `app.certmanager`, `app.tls` or
//! `app.server` mapping; only these values are kept, each with where it came from:
//! - `app.certmanager.issuer.{name,kind,group}` (default `Issuer istio-ca`, `cert-manager.io`)
//!   and `app.certmanager.namespace` (default `istio-system`): who signs every workload;
//! - `app.tls.rootCAFile` (default empty: the roots are the CA the issuer returns for
//!   istio-csr's own serving certificate), and the `volumes`/`volumeMounts` that put a Secret
//!   or ConfigMap at that path;
//! - `app.server.maxCertificateDuration` (default 1h).

use super::{Ctx, K8sError, ObjectRef};
use crate::k8s::node::{Node, Value};
use time::Duration;

/// The object a volume mounts: a Secret or a ConfigMap, by name (in istio-csr's namespace).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MountedObject {
    /// `Secret` or `ConfigMap`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The key the root file is (the file name under the mount path, `ca.pem`).
    pub key: String,
}

/// istio-csr's Helm values, as far as a plan reads them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct IstioCsrValues {
    /// `app.certmanager.issuer`: kind, name, group, when set.
    pub issuer: Option<(String, String, String)>,
    /// `app.certmanager.namespace`, when set.
    pub namespace: Option<String>,
    /// `app.tls.rootCAFile`, when set (not empty).
    pub root_ca_file: Option<String>,
    /// The Secret or ConfigMap a volume puts at [`root_ca_file`](Self::root_ca_file).
    pub root_volume: Option<MountedObject>,
    /// `app.server.maxCertificateDuration`, when set.
    pub max_certificate_duration: Option<Duration>,
    /// Where these values were read (`values-istio-csr.yaml`).
    pub origin: String,
}

/// Whether a document (no `kind`) is istio-csr's values.
pub(super) fn is_values_document(doc: &Node) -> bool {
    doc.get("kind").is_none()
        && doc.get("app").is_some_and(|app| {
            ["certmanager", "tls", "server"]
                .iter()
                .any(|k| matches!(app.get(k).map(|n| &n.value), Some(Value::Map(_))))
        })
}

fn text<'n>(node: &'n Node, path: &str) -> Option<&'n str> {
    path.split('.')
        .try_fold(node, |n, k| n.get(k))
        .and_then(Node::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// istio-csr's values from a values document.
///
/// # Errors
/// A duration that does not parse, named by its path and place.
pub(super) fn read(at: &ObjectRef, doc: &Node, file: &str) -> Result<IstioCsrValues, K8sError> {
    let mut out = IstioCsrValues {
        origin: file.to_owned(),
        ..IstioCsrValues::default()
    };
    if let Some(name) = text(doc, "app.certmanager.issuer.name") {
        out.issuer = Some((
            text(doc, "app.certmanager.issuer.kind")
                .unwrap_or("Issuer")
                .to_owned(),
            name.to_owned(),
            text(doc, "app.certmanager.issuer.group")
                .unwrap_or("cert-manager.io")
                .to_owned(),
        ));
    }
    out.namespace = text(doc, "app.certmanager.namespace").map(str::to_owned);
    out.root_ca_file = text(doc, "app.tls.rootCAFile").map(str::to_owned);
    if let Some(server) = doc.get("app").and_then(|a| a.get("server")) {
        out.max_certificate_duration = Ctx { obj: at }.duration(
            server,
            "maxCertificateDuration",
            "app.server.maxCertificateDuration",
        )?;
    }
    if let Some(file) = &out.root_ca_file {
        out.root_volume = mounted(doc, file);
    }
    Ok(out)
}

/// The Secret or ConfigMap whose volume is mounted at the directory holding `file`.
fn mounted(doc: &Node, file: &str) -> Option<MountedObject> {
    let (dir, key) = file.rsplit_once('/')?;
    let seq = |n: Option<&Node>| match n.map(|n| &n.value) {
        Some(Value::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    let volume = seq(doc.get("volumeMounts")).into_iter().find_map(|m| {
        let path = m.get("mountPath").and_then(Node::as_str)?;
        (path.trim_end_matches('/') == dir)
            .then(|| m.get("name").and_then(Node::as_str).map(str::to_owned))
            .flatten()
    })?;
    seq(doc.get("volumes")).into_iter().find_map(|v| {
        if v.get("name").and_then(Node::as_str) != Some(volume.as_str()) {
            return None;
        }
        let (kind, name) = match (v.get("secret"), v.get("configMap")) {
            (Some(s), _) => ("Secret", s.get("secretName").and_then(Node::as_str)?),
            (_, Some(c)) => ("ConfigMap", c.get("name").and_then(Node::as_str)?),
            _ => return None,
        };
        Some(MountedObject {
            kind: kind.to_owned(),
            name: name.to_owned(),
            key: key.to_owned(),
        })
    })
}
