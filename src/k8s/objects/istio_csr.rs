//! istio-csr's Helm values (cert-manager/istio-csr v0.17.0-16-gf96fca5,
//! `deploy/charts/istio-csr/values.yaml`): what a plan of Istio with istio-csr reads from them
//! (DESIGN §19). A values file is recognised by its `app.certmanager`, `app.tls` or
//! `app.server` mapping; only these values are kept, each with where it came from:
//! - `app.certmanager.issuer.{name,kind,group}` (default `Issuer istio-ca`, `cert-manager.io`)
//!   and `app.certmanager.namespace` (default `istio-system`): who signs every workload;
//! - `app.tls.rootCAFile` (default empty: the roots are the CA the issuer returns for
//!   istio-csr's own serving certificate), and the `volumes`/`volumeMounts` that put a Secret
//!   or ConfigMap at that path;
//! - `app.server.maxCertificateDuration` (default 1h);
//! - `app.tls.istiodCertificateDuration` and `istiodCertificateRenewBefore` (1h, 30m):
//!   istiod's serving certificate (`pkg/istiodcert/worker.go`), checked as the chart asks;
//! - `app.runtimeConfiguration` (`name`, `create`, `issuer`), the deprecated
//!   `app.runtimeIssuanceConfigMap` and `app.certmanager.issuer.enabled`: a ConfigMap that
//!   overrides the issuer at runtime (`pkg/certmanager/certmanager.go`,
//!   `templates/runtime-configmap.yaml`).

use super::{Ctx, FieldError, K8sError, ObjectRef};
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
    /// The runtime configuration ConfigMap istio-csr watches in its namespace for the issuer
    /// it signs through (`app.runtimeConfiguration.name`, the deprecated
    /// `app.runtimeIssuanceConfigMap`, or the chart's name when `create` is set):
    /// `pkg/certmanager/certmanager.go` `handleRuntimeConfigIssuerChange`.
    pub runtime_config: Option<String>,
    /// The issuer the chart writes into that ConfigMap (`app.runtimeConfiguration.create`,
    /// `app.runtimeConfiguration.issuer`): kind, name, group.
    pub runtime_issuer: Option<(String, String, String)>,
    /// `app.certmanager.issuer.enabled` (default true): without it, istio-csr signs only
    /// through the runtime configuration's issuer.
    pub issuer_enabled: bool,
    /// `app.tls.istiodCertificateDuration` and `istiodCertificateRenewBefore` (1h, 30m), when
    /// set: istiod's serving certificate, a Certificate istio-csr makes through the same
    /// issuer (`pkg/istiodcert/worker.go`).
    pub istiod_certificate: (Option<Duration>, Option<Duration>),
    /// Where these values were read (`values-istio-csr.yaml`).
    pub origin: String,
    /// A Flux `HelmRelease`'s values before its `valuesFrom` is resolved against the other
    /// inputs (the cluster does it; afterwards `None`).
    pub(crate) pending: Option<Box<Pending>>,
    /// A Flux `HelmRelease` or Argo CD `Application` of istio-csr's chart that holds none of
    /// the values certcycle reads (an Application's `valueFiles` are in Git): it says how
    /// istio-csr is installed, and values from a values file among the inputs are over it.
    pub release_only: bool,
}

/// A Flux `HelmRelease`'s `spec.values` and `spec.valuesFrom`, to be merged when the Secrets
/// and ConfigMaps they name are known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    /// `spec.values` (an empty mapping when it has none).
    pub(crate) values: Node,
    /// `spec.valuesFrom`, in order.
    pub(crate) from: Vec<super::ValuesFrom>,
}

// A tree read from YAML compares equal to itself: its floats are never NaN in values certcycle
// keeps (and equality is only used by tests comparing whole reads).
impl Eq for Pending {}

/// Whether a document (no `kind`) is istio-csr's values.
pub(super) fn is_values_document(doc: &Node) -> bool {
    doc.get("kind").is_none()
        && doc.get("app").is_some_and(|app| {
            ["certmanager", "tls", "server", "runtimeConfiguration"]
                .iter()
                .any(|k| matches!(app.get(k).map(|n| &n.value), Some(Value::Map(_))))
        })
}

/// A boolean value at `path` (`true`, or the text `"true"` as `--set` writes it).
fn flag(node: &Node, path: &str) -> Option<bool> {
    let n = path.split('.').try_fold(node, |n, k| n.get(k))?;
    match &n.value {
        Value::Bool(b) => Some(*b),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
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
pub(crate) fn read(at: &ObjectRef, doc: &Node, file: &str) -> Result<IstioCsrValues, K8sError> {
    let mut out = IstioCsrValues {
        origin: file.to_owned(),
        issuer_enabled: flag(doc, "app.certmanager.issuer.enabled").is_none_or(|on| on),
        ..IstioCsrValues::default()
    };
    let create = flag(doc, "app.runtimeConfiguration.create").unwrap_or(false);
    out.runtime_config = text(doc, "app.runtimeConfiguration.name")
        .or_else(|| text(doc, "app.runtimeIssuanceConfigMap"))
        .map(str::to_owned)
        .or_else(|| create.then(|| "cert-manager-istio-csr".to_owned()));
    if create {
        let or = |path: &str, default: &str| text(doc, path).unwrap_or(default).to_owned();
        out.runtime_issuer = Some((
            or("app.runtimeConfiguration.issuer.kind", "Issuer"),
            or("app.runtimeConfiguration.issuer.name", "istio-ca"),
            or("app.runtimeConfiguration.issuer.group", "cert-manager.io"),
        ));
    }
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
    let c = Ctx { obj: at };
    if let Some(server) = doc.get("app").and_then(|a| a.get("server")) {
        let path = "app.server.maxCertificateDuration";
        out.max_certificate_duration = c.duration(server, "maxCertificateDuration", path)?;
        if let Some(d) = out.max_certificate_duration.filter(|d| !d.is_positive()) {
            let node = server.get("maxCertificateDuration").unwrap_or(server);
            return Err(c.err(
                path,
                node.at,
                FieldError::NotOneOf {
                    value: crate::duration::GoDuration(d).to_string(),
                    allowed: "a positive duration",
                },
            ));
        }
    }
    if let Some(tls) = doc.get("app").and_then(|a| a.get("tls")) {
        let d = c.duration(
            tls,
            "istiodCertificateDuration",
            "app.tls.istiodCertificateDuration",
        )?;
        let rb = c.duration(
            tls,
            "istiodCertificateRenewBefore",
            "app.tls.istiodCertificateRenewBefore",
        )?;
        let duration = d.unwrap_or(Duration::HOUR);
        let renew_before = rb.unwrap_or(Duration::minutes(30));
        // The chart's own rule: renewBefore smaller than the duration, both positive.
        if !duration.is_positive() || !renew_before.is_positive() || renew_before >= duration {
            let (path, key) = if rb.is_some() {
                (
                    "app.tls.istiodCertificateRenewBefore",
                    "istiodCertificateRenewBefore",
                )
            } else {
                (
                    "app.tls.istiodCertificateDuration",
                    "istiodCertificateDuration",
                )
            };
            return Err(c.err(
                path,
                tls.get(key).unwrap_or(tls).at,
                FieldError::NotOneOf {
                    value: format!(
                        "duration {} with renewBefore {}",
                        crate::duration::GoDuration(duration),
                        crate::duration::GoDuration(renew_before)
                    ),
                    allowed: "positive durations, renewBefore smaller than the duration",
                },
            ));
        }
        out.istiod_certificate = (d, rb);
    }
    // Names reach reports and shell lines: they must be names the API server takes.
    let names = [
        (
            "app.certmanager.issuer.name",
            out.issuer.as_ref().map(|i| i.1.as_str()),
            NameRule::Subdomain,
        ),
        (
            "app.certmanager.issuer.kind",
            out.issuer.as_ref().map(|i| i.0.as_str()),
            NameRule::Kind,
        ),
        (
            "app.certmanager.namespace",
            out.namespace.as_deref(),
            NameRule::Label,
        ),
        (
            "app.runtimeConfiguration.name",
            out.runtime_config.as_deref(),
            NameRule::Subdomain,
        ),
        (
            "app.runtimeConfiguration.issuer.name",
            out.runtime_issuer.as_ref().map(|i| i.1.as_str()),
            NameRule::Subdomain,
        ),
        (
            "app.runtimeConfiguration.issuer.kind",
            out.runtime_issuer.as_ref().map(|i| i.0.as_str()),
            NameRule::Kind,
        ),
    ];
    for (path, name, rule) in names {
        check(&c, doc, path, name, rule)?;
    }
    if let Some(file) = &out.root_ca_file {
        out.root_volume = mounted(doc, file);
    }
    if let Some(m) = &out.root_volume {
        check(
            &c,
            doc,
            "volumes[].secret.secretName",
            Some(&m.name),
            NameRule::Subdomain,
        )?;
        check(&c, doc, "app.tls.rootCAFile", Some(&m.key), NameRule::Key)?;
    }
    Ok(out)
}

/// Which rule a value read from the values must follow.
#[derive(Clone, Copy)]
enum NameRule {
    Subdomain,
    Label,
    /// A kind (`Issuer`, `ClusterIssuer`): letters only.
    Kind,
    /// A Secret or ConfigMap data key: `[-._a-zA-Z0-9]+`.
    Key,
}

/// `name` (read at `path`) as the API server would take it.
fn check(
    c: &Ctx<'_>,
    doc: &Node,
    path: &str,
    name: Option<&str>,
    rule: NameRule,
) -> Result<(), K8sError> {
    let Some(name) = name else {
        return Ok(());
    };
    let at = locate(doc, &path.split('.').collect::<Vec<_>>(), name).map_or(doc.at, |n| n.at);
    let result = match rule {
        NameRule::Subdomain => crate::k8s::check_name(name, crate::k8s::NameRule::Subdomain),
        NameRule::Label => crate::k8s::check_name(name, crate::k8s::NameRule::Label),
        NameRule::Kind | NameRule::Key => {
            let ok = !name.is_empty()
                && name.len() <= 253
                && name.chars().all(|ch| match rule {
                    NameRule::Kind => ch.is_ascii_alphabetic(),
                    _ => ch.is_ascii_alphanumeric() || matches!(ch, '-' | '.' | '_'),
                });
            if ok {
                Ok(())
            } else {
                return Err(c.err(
                    path,
                    at,
                    FieldError::NotOneOf {
                        value: crate::display::visible(name).into_owned(),
                        allowed: match rule {
                            NameRule::Kind => "a kind (Issuer, ClusterIssuer)",
                            _ => "a data key ([-._a-zA-Z0-9]+)",
                        },
                    },
                ));
            }
        }
    };
    result.map_err(|e| c.err(path, at, FieldError::Name(e)))
}

/// The node at `keys` (`volumes[]` is the list entry whose rest of the path is `name`).
fn locate<'n>(node: &'n Node, keys: &[&str], name: &str) -> Option<&'n Node> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(node);
    };
    match first.strip_suffix("[]") {
        Some(list) => match &node.get(list)?.value {
            Value::Seq(items) => items.iter().find_map(|item| {
                locate(item, rest, name).filter(|n| n.as_str().is_some_and(|s| s.trim() == name))
            }),
            _ => None,
        },
        None => locate(node.get(first)?, rest, name),
    }
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

/// istio-csr's values inside a Flux `HelmRelease` (`spec.values`) or an Argo CD
/// `Application` (each Helm source's `valuesObject`, then its `values` text), when they are
/// istio-csr's: the first such values, named by the object and the field they came from.
/// A `HelmRelease` of istio-csr's chart (`cert-manager-istio-csr`) with `valuesFrom` is
/// istio-csr's whatever its own values hold: the merge is read once the Secrets and
/// ConfigMaps it names are known ([`Cluster`](crate::k8s::Cluster)).
///
/// # Errors
/// As [`read`], for the values found.
pub(super) fn embedded(at: &ObjectRef, doc: &Node) -> Result<Option<IstioCsrValues>, K8sError> {
    let Some(spec) = doc.get("spec") else {
        return Ok(None);
    };
    let origin = |field: &str| format!("{} {} {field}", at.kind, at.key());
    if at.kind == "HelmRelease" {
        let values = spec
            .get("values")
            .filter(|v| matches!(v.value, Value::Map(_)));
        let from = super::helm::values_from(&Ctx { obj: at }, spec)?;
        if !from.is_empty() && super::helm::release_named(at, spec, "istio-csr") {
            // The values are known only once valuesFrom is merged (a check across two
            // values, renewBefore under the duration, may need both): the cluster reads
            // the merge, and names the source of what is wrong in it.
            let values = values.cloned().unwrap_or(Node {
                at: spec.at,
                value: Value::Map(Vec::new()),
            });
            return Ok(Some(IstioCsrValues {
                origin: origin("spec.valuesFrom"),
                issuer_enabled: true,
                pending: Some(Box::new(Pending { values, from })),
                ..IstioCsrValues::default()
            }));
        }
        return match values.filter(|v| is_values_document(v)) {
            Some(values) => read(at, values, &origin("spec.values")).map(Some),
            None if super::helm::release_named(at, spec, "istio-csr") => {
                Ok(Some(release_only(origin("spec.chart"))))
            }
            None => Ok(None),
        };
    }
    let mut sources: Vec<(String, &Node)> = spec
        .get("source")
        .map(|s| ("spec.source".to_owned(), s))
        .into_iter()
        .collect();
    if let Some(Value::Seq(items)) = spec.get("sources").map(|n| &n.value) {
        for (i, s) in items.iter().enumerate() {
            sources.push((format!("spec.sources[{i}]"), s));
        }
    }
    let mut istio_chart = None;
    for (path, source) in sources {
        let chart = source
            .get("chart")
            .and_then(Node::as_str)
            .is_some_and(|c| c.contains("istio-csr"));
        if chart && istio_chart.is_none() {
            istio_chart = Some(origin(&path));
        }
        let Some(helm) = source.get("helm") else {
            continue;
        };
        let mut base = helm
            .get("valuesObject")
            .filter(|v| is_values_document(v))
            .map(|v| (v.clone(), format!("{path}.helm.valuesObject")));
        if base.is_none()
            && let Some(text) = helm.get("values").and_then(Node::as_str)
        {
            let field = format!("{path}.helm.values");
            // Text that does not parse is the Application reader's to report.
            if let Ok(docs) = crate::k8s::node::read_documents(&origin(&field), text) {
                base = docs
                    .into_iter()
                    .find(is_values_document)
                    .map(|d| (d, field));
            }
        }
        // Helm parameters are over values and valuesObject (Argo CD's precedence), as
        // `argocd app set --helm-set` writes them.
        let params = parameters(at, helm, &path)?;
        let (mut tree, mut field) = match base {
            Some(b) => b,
            None if chart && !params.is_empty() => (
                Node {
                    at: helm.at,
                    value: Value::Map(Vec::new()),
                },
                format!("{path}.helm.parameters"),
            ),
            None => continue,
        };
        if !params.is_empty() && !field.ends_with("parameters") {
            field.push_str(" and parameters");
        }
        for p in params {
            merge(&mut tree, p);
        }
        return read(at, &tree, &origin(&field)).map(Some);
    }
    Ok(istio_chart.map(release_only))
}

/// A release of istio-csr's chart with none of its values among the inputs.
fn release_only(origin: String) -> IstioCsrValues {
    IstioCsrValues {
        origin: format!("{origin}, none of its values among the inputs"),
        issuer_enabled: true,
        release_only: true,
        ..IstioCsrValues::default()
    }
}

/// A Helm source's `parameters` that set istio-csr values certcycle reads (`app.*`,
/// `volumes`, `volumeMounts`), each as a tree to merge; others are not istio-csr's concern
/// here.
///
/// # Errors
/// A parameter of those that indexes a list, or has no `name` or `value` string.
fn parameters(at: &ObjectRef, helm: &Node, path: &str) -> Result<Vec<Node>, K8sError> {
    let c = Ctx { obj: at };
    let mut out = Vec::new();
    let Some(Value::Seq(items)) = helm.get("parameters").map(|n| &n.value) else {
        return Ok(out);
    };
    for (i, p) in items.iter().enumerate() {
        let pp = format!("{path}.helm.parameters[{i}]");
        let Some(name) = p.get("name").and_then(Node::as_str) else {
            continue;
        };
        let ours = ["app.", "volumes", "volumeMounts"]
            .iter()
            .any(|k| name.starts_with(k));
        if !ours {
            continue;
        }
        let value = match p.get("value").map(|v| &v.value) {
            Some(Value::Str(s)) => s.clone(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Int(n)) => n.to_string(),
            _ => {
                return Err(c.err(
                    &format!("{pp}.value"),
                    p.at,
                    FieldError::WrongType {
                        expected: "a string",
                        found: p.get("value").map_or("nothing", Node::type_name),
                    },
                ));
            }
        };
        let tree = at_path(name, &value, p.at).map_err(|why| {
            c.err(
                &format!("{pp}.name"),
                p.at,
                FieldError::NotOneOf {
                    value: why,
                    allowed: "a dotted path of mapping keys",
                },
            )
        })?;
        out.push(tree);
    }
    Ok(out)
}

/// At most the first 64 characters of `path`, made visible, for a message.
fn short(path: &str) -> String {
    let head: String = path.chars().take(64).collect();
    let more = if head.len() < path.len() { "..." } else { "" };
    format!("{}{more}", crate::display::visible(&head))
}

/// A `targetPath` entry or an Argo CD Helm parameter: the text as a string at a dotted path (`app.tls.rootCAFile`, a `\.`
/// inside a key), as Flux passes `path=text` to Helm's `strvals`. A list index (`a[0]`) is
/// not read.
pub(crate) fn at_path(path: &str, text: &str, at: crate::k8s::Location) -> Result<Node, String> {
    let mut keys = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => key.extend(chars.next()),
            '.' => keys.push(std::mem::take(&mut key)),
            '[' | ']' => {
                return Err(format!(
                    "path {:?} indexes a list, which certcycle does not read",
                    short(path)
                ));
            }
            _ => key.push(ch),
        }
    }
    keys.push(key);
    if keys.iter().any(String::is_empty) {
        return Err(format!("path {:?} has an empty key", short(path)));
    }
    // As deep as YAML read from a file may be, no deeper: the tree is merged and dropped
    // recursively.
    if keys.len() >= crate::k8s::node::MAX_DEPTH {
        return Err(format!(
            "path of {} keys: deeper than the {} levels values are read to",
            keys.len(),
            crate::k8s::node::MAX_DEPTH
        ));
    }
    let leaf = Node {
        at,
        value: Value::Str(text.to_owned()),
    };
    Ok(keys.into_iter().rev().fold(leaf, |n, k| Node {
        at,
        value: Value::Map(vec![(k, n)]),
    }))
}

/// `over` merged into `base` as Flux's `MergeMaps` does: a mapping over a mapping merges key
/// by key; anything else replaces. Linear in the keys (an index, not a search per key).
pub(crate) fn merge(base: &mut Node, over: Node) {
    let Node { at, value } = over;
    match (&mut base.value, value) {
        (Value::Map(b), Value::Map(o)) => {
            let mut index: std::collections::HashMap<String, usize> = b
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            for (k, v) in o {
                match index.get(&k) {
                    Some(&i) => merge(&mut b[i].1, v),
                    None => {
                        index.insert(k.clone(), b.len());
                        b.push((k, v));
                    }
                }
            }
        }
        (_, value) => *base = Node { at, value },
    }
}
