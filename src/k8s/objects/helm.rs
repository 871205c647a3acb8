//! Linkerd's Helm values as the objects that carry them hold them (a values file, a Flux
//! `HelmRelease`, an Argo CD `Application`, Buoyant's `ControlPlane`; see `values.rs` for the
//! values themselves), and the objects of API groups certcycle names but does not read
//! (cert-manager before 0.11, `certmanager.k8s.io`).

use super::values::LinkerdValues;
use super::{Ctx, FieldError, K8sError, ObjectRef};
use crate::cert::Certificate;
use crate::k8s::node::{Node, Value};

/// The Helm value Linkerd's chart reads its trust anchors from.
pub const TRUST_ANCHORS_VALUE: &str = "identityTrustAnchorsPEM";

/// The most `valuesFrom` entries read from one `HelmRelease` (each may name a large
/// ConfigMap: the entries are bounded, and so is the text they parse, see
/// [`Cluster`](crate::k8s::Cluster)).
pub const MAX_VALUES_FROM: usize = 64;

/// Linkerd's Helm values as one source gives them (DESIGN §18): a values file, a Flux
/// `HelmRelease`, an Argo CD `Application`'s Helm source, Buoyant's `ControlPlane`. Its trust
/// anchors are static trust roots; its identity issuer certificate and key are the
/// `linkerd-identity-issuer` Secret the chart renders from them (a Secret nothing renews).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HelmValues {
    /// Where the trust anchors were read (`values.yaml identityTrustAnchorsPEM (3:1)`); empty
    /// when these values set none.
    pub path: String,
    /// The trust anchors they hold (empty when they set none).
    pub certificates: Vec<Certificate>,
    /// The values read from the object itself (without its `valuesFrom`).
    pub values: LinkerdValues,
    /// A Flux `HelmRelease`'s `spec.valuesFrom`, in order, resolved against the Secrets and
    /// ConfigMaps among the inputs.
    pub values_from: Vec<ValuesFrom>,
    /// The namespace the release installs into (`spec.targetNamespace`,
    /// `spec.destination.namespace`, the object's own), when it says.
    pub release_namespace: Option<String>,
}

impl HelmValues {
    /// Values without anchors parsed yet, read from one source.
    pub(crate) fn from_values(values: LinkerdValues) -> Self {
        let mut out = empty();
        out.values = values;
        out
    }
}

/// One entry of a Flux `HelmRelease`'s `spec.valuesFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValuesFrom {
    /// `Secret` or `ConfigMap`.
    pub kind: String,
    /// Its name (in the HelmRelease's namespace).
    pub name: String,
    /// The data key (`values.yaml` by default).
    pub values_key: String,
    /// Where the value goes (`identity.issuer.tls.crtPEM`); `None`: the key holds YAML values.
    pub target_path: Option<String>,
    /// `optional: true`: a missing object or key is no error to Flux.
    pub optional: bool,
}

/// Whether a document without `kind` is a Helm values file that sets Linkerd values (at its
/// top, or under a wrapping chart's key).
pub(super) fn is_values_document(doc: &Node) -> bool {
    matches!(doc.value, Value::Map(_))
        && doc.get("kind").is_none()
        // A value of the wrong type is still Linkerd's: read it, to say where it is wrong.
        && match LinkerdValues::from_tree(doc, "", "") {
            Ok(v) => !v.is_empty(),
            Err(_) => true,
        }
}

/// Values read from a tree, with their anchors parsed.
fn values_at(c: &Ctx<'_>, node: &Node, origin: &str, prefix: &str) -> Result<HelmValues, K8sError> {
    let values = LinkerdValues::from_tree(node, origin, prefix).map_err(|e| {
        c.err(
            &e.path,
            e.at,
            FieldError::WrongType {
                expected: "a string",
                found: e.found,
            },
        )
    })?;
    let mut out = empty();
    out.values = values;
    anchors_of(c, node, &mut out)?;
    Ok(out)
}

fn empty() -> HelmValues {
    HelmValues {
        path: String::new(),
        certificates: Vec::new(),
        values: LinkerdValues::default(),
        values_from: Vec::new(),
        release_namespace: None,
    }
}

/// A values file.
pub(super) fn values_document(c: &Ctx<'_>, doc: &Node, file: &str) -> Result<HelmValues, K8sError> {
    values_at(c, doc, file, "")
}

/// A Flux `HelmRelease`: `spec.values` and `spec.valuesFrom`; `None` when it has neither
/// Linkerd values nor `valuesFrom`.
pub(super) fn helm_release(c: &Ctx<'_>, doc: &Node) -> Result<Option<HelmValues>, K8sError> {
    let Some(spec) = c.opt_map(doc, "spec", "spec")? else {
        return Ok(None);
    };
    let origin = format!("HelmRelease {}", c.obj.key());
    let mut out = match c.opt_map(spec, "values", "spec.values")? {
        Some(values) => values_at(c, values, &origin, "spec.values")?,
        None => empty(),
    };
    out.values_from = values_from(c, spec)?;
    // Another chart's valuesFrom is not Linkerd's business (and its Secrets are not ours to
    // ask for): a release is Linkerd's when its chart, chartRef or name says so, or its own
    // values set Linkerd's.
    let linkerd = release_named(c.obj, spec, "linkerd");
    if out.values.is_empty() && (out.values_from.is_empty() || !linkerd) {
        return Ok(None);
    }
    out.release_namespace = c
        .opt_str(spec, "targetNamespace", "spec.targetNamespace")?
        .or_else(|| c.obj.namespace.clone());
    Ok(Some(out))
}

/// Whether a Flux `HelmRelease` (`obj`, its `spec`) installs a chart whose name holds
/// `name`: its chart, chartRef, release name or own name says so.
pub(super) fn release_named(obj: &ObjectRef, spec: &Node, name: &str) -> bool {
    let named = |n: Option<&Node>| n.and_then(Node::as_str).is_some_and(|s| s.contains(name));
    named(
        spec.get("chart")
            .and_then(|c| c.get("spec"))
            .and_then(|c| c.get("chart")),
    ) || named(spec.get("chartRef").and_then(|c| c.get("name")))
        || named(spec.get("releaseName"))
        || obj.name.contains(name)
}

/// A Flux `HelmRelease`'s `spec.valuesFrom` entries, in order (at most [`MAX_VALUES_FROM`]).
pub(super) fn values_from(c: &Ctx<'_>, spec: &Node) -> Result<Vec<ValuesFrom>, K8sError> {
    let mut out = Vec::new();
    let from = c.opt_seq(spec, "valuesFrom", "spec.valuesFrom")?;
    if from.len() > MAX_VALUES_FROM {
        return Err(c.err(
            "spec.valuesFrom",
            spec.at,
            FieldError::TooMany {
                count: from.len(),
                max: MAX_VALUES_FROM,
            },
        ));
    }
    for (i, entry) in from.iter().enumerate() {
        let path = format!("spec.valuesFrom[{i}]");
        let kind = super::issuer::secret_or_config_map(c, entry, &path)?;
        out.push(ValuesFrom {
            kind,
            name: c.req_name(entry, "name", &format!("{path}.name"))?,
            values_key: c
                .opt_str(entry, "valuesKey", &format!("{path}.valuesKey"))?
                .unwrap_or_else(|| "values.yaml".into()),
            target_path: c.opt_str(entry, "targetPath", &format!("{path}.targetPath"))?,
            optional: c
                .opt_bool(entry, "optional", &format!("{path}.optional"))?
                .unwrap_or(false),
        });
    }
    Ok(out)
}

/// An Argo CD `Application`'s Helm sources (`spec.source`, `spec.sources[]`): `values` (YAML
/// text), then `valuesObject`, then `parameters` over them (Argo CD's precedence); `None`
/// when they set no Linkerd value.
pub(super) fn application(c: &Ctx<'_>, doc: &Node) -> Result<Option<HelmValues>, K8sError> {
    let Some(spec) = c.opt_map(doc, "spec", "spec")? else {
        return Ok(None);
    };
    let mut sources: Vec<(String, &Node)> = Vec::new();
    if let Some(s) = c.opt_map(spec, "source", "spec.source")? {
        sources.push(("spec.source".into(), s));
    }
    for (i, s) in c
        .opt_seq(spec, "sources", "spec.sources")?
        .iter()
        .enumerate()
    {
        sources.push((format!("spec.sources[{i}]"), s));
    }
    let origin = format!("Application {}", c.obj.key());
    let mut merged = LinkerdValues::default();
    for (path, source) in sources {
        let Some(helm) = c.opt_map(source, "helm", &format!("{path}.helm"))? else {
            continue;
        };
        let hp = format!("{path}.helm");
        if let Some(text) = c.opt_str(helm, "values", &format!("{hp}.values"))? {
            let at = helm.get("values").map_or(helm.at, |n| n.at);
            let docs = crate::k8s::node::read_documents(&format!("{origin} {hp}.values"), &text)
                .map_err(|e| c.err(&format!("{hp}.values"), at, FieldError::Yaml(e.to_string())))?;
            for d in &docs {
                merged.merge(values_at(c, d, &format!("{origin} {hp}.values"), "")?.values);
            }
        }
        if let Some(object) = c.opt_map(helm, "valuesObject", &format!("{hp}.valuesObject"))? {
            merged.merge(values_at(c, object, &origin, &format!("{hp}.valuesObject"))?.values);
        }
        for (i, p) in c
            .opt_seq(helm, "parameters", &format!("{hp}.parameters"))?
            .iter()
            .enumerate()
        {
            let pp = format!("{hp}.parameters[{i}]");
            let name = c.req_str(p, "name", &format!("{pp}.name"))?;
            let value = c
                .opt_str(p, "value", &format!("{pp}.value"))?
                .unwrap_or_default();
            merged.set(
                &name,
                zeroize::Zeroizing::new(value),
                format!("{origin} {pp} {name} ({})", p.at),
            );
        }
    }
    if merged.is_empty() {
        return Ok(None);
    }
    let mut out = empty();
    out.values = merged;
    out.release_namespace = match c.opt_map(spec, "destination", "spec.destination")? {
        Some(d) => c.opt_str(d, "namespace", "spec.destination.namespace")?,
        None => None,
    };
    anchors_of(c, doc, &mut out)?;
    Ok(Some(out))
}

/// Buoyant Enterprise for Linkerd's `ControlPlane` (`linkerd.buoyant.io/v1alpha1`): the
/// chart's values in `spec.components.linkerd.controlPlaneConfig` (as Buoyant's docs and
/// public set-ups write it; `values` read too).
pub(super) fn control_plane(c: &Ctx<'_>, doc: &Node) -> Result<Option<HelmValues>, K8sError> {
    let linkerd = ["spec", "components", "linkerd"]
        .iter()
        .try_fold(doc, |n, k| n.get(k));
    let origin = format!("ControlPlane {}", c.obj.key());
    let mut out = empty();
    for key in ["values", "controlPlaneConfig"] {
        let Some(values) = linkerd
            .and_then(|l| l.get(key))
            .filter(|v| matches!(v.value, Value::Map(_)))
        else {
            continue;
        };
        let path = format!("spec.components.linkerd.{key}");
        out.values
            .merge(values_at(c, values, &origin, &path)?.values);
    }
    if out.values.is_empty() {
        return Ok(None);
    }
    anchors_of(c, doc, &mut out)?;
    Ok(Some(out))
}

/// Parses the anchors of merged values into `out`.
fn anchors_of(c: &Ctx<'_>, doc: &Node, out: &mut HelmValues) -> Result<(), K8sError> {
    if let Some(a) = out.values.anchors() {
        out.certificates = Certificate::all_from_pem(a.text())
            .map_err(|e| c.err(&a.origin, doc.at, FieldError::Certificate(Box::new(e))))?;
        out.path = a.origin.clone();
    }
    Ok(())
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
