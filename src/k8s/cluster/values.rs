//! Linkerd's Helm values resolved against the other inputs (DESIGN §18): a Flux
//! `HelmRelease`'s `valuesFrom` (Secrets and ConfigMaps among the inputs, `valuesKey`,
//! `targetPath`, later entries over earlier ones and `spec.values` over all, as
//! helm-controller's `chartutil.ChartValuesFromReferences` merges them in Flux v2.x), the
//! `linkerd-config` ConfigMap of older versions (`values`, stable-2.9 to 2.11; `global`,
//! JSON, stable-2.8 and earlier), and the identity issuer Secret the chart renders from the
//! values (`charts/linkerd-control-plane/templates/identity.yaml`: `crt.pem`/`key.pem` when
//! `identity.issuer.scheme` is `linkerd.io/tls`, the default).

use super::super::node::{MAX_INPUT_BYTES, Node, read_documents};
use super::super::objects::values::{self as lv, LinkerdValues};
use super::super::objects::{HelmValues, Object, ObjectRef, Resource, secret_of_type};
use super::Cluster;
use crate::cert::Certificate;
use crate::lint::{Finding, Severity};
use crate::presets::linkerd;
use zeroize::Zeroizing;

/// The ConfigMap older Linkerd versions keep their configuration (and anchors) in.
const LINKERD_CONFIG: &str = "linkerd-config";

impl Cluster {
    /// Resolves every values source, renders the identity issuer Secret where the chart
    /// would, and records what could not be read (`helm-values-unreadable`) or disagrees
    /// (`issuer-crt-expiry-disagrees`) as findings.
    pub(super) fn resolve_values(&mut self) {
        // The YAML text parsed out of other objects (valuesFrom, linkerd-config) is bounded
        // as one input is: a HelmRelease naming one large ConfigMap sixty times parses it
        // until the budget is spent, then says so.
        let mut budget = MAX_INPUT_BYTES;
        let mut findings = Vec::new();
        let mut added = Vec::new();
        for o in &self.objects.objects {
            if let Resource::ConfigMap(cm) = &o.resource
                && o.at.name == LINKERD_CONFIG
                && let Some(v) = self.linkerd_config(o, &cm.data, &mut budget, &mut findings)
            {
                added.push(v);
            }
        }
        self.objects.objects.extend(added);
        for i in 0..self.objects.objects.len() {
            let o = &self.objects.objects[i];
            let Resource::HelmValues(h) = &o.resource else {
                continue;
            };
            if h.values_from.is_empty() {
                continue;
            }
            let merged = self.values_from(o, h, &mut budget, &mut findings);
            let at = o.at.clone();
            if let Resource::HelmValues(h) = &mut self.objects.objects[i].resource {
                h.values = merged;
                set_anchors(h, &at, &mut findings);
            }
        }
        self.resolve_istio_values(&mut budget, &mut findings);
        self.render_issuer(&mut findings);
        self.values_findings = findings;
    }

    /// A Flux HelmRelease's values: each `valuesFrom` entry in order, then `spec.values`.
    fn values_from(
        &self,
        o: &Object,
        h: &HelmValues,
        budget: &mut usize,
        findings: &mut Vec<Finding>,
    ) -> LinkerdValues {
        let ns = o.at.namespace.as_deref().unwrap_or_default();
        let mut merged = LinkerdValues::default();
        for (i, vf) in h.values_from.iter().enumerate() {
            let origin = format!(
                "HelmRelease {} spec.valuesFrom[{i}] ({} {ns}/{} {})",
                o.at.key(),
                vf.kind,
                vf.name,
                vf.values_key
            );
            let Some(text) = self.values_from_text(ns, vf, (&origin, o), findings, "") else {
                continue;
            };
            match &vf.target_path {
                Some(path) => {
                    // Copied text counts against the same budget as parsed text.
                    if !spend(budget, text.len(), &origin, o, findings) {
                        continue;
                    }
                    merged.set(path, text, format!("{origin} -> {path}"));
                }
                None => merged.merge(parse_values(&text, &origin, o, budget, findings)),
            }
        }
        merged.merge(h.values.clone());
        merged
    }

    /// The `linkerd-config` ConfigMap's values as a values source of its own.
    fn linkerd_config(
        &self,
        o: &Object,
        data: &std::collections::BTreeMap<String, String>,
        budget: &mut usize,
        findings: &mut Vec<Finding>,
    ) -> Option<Object> {
        let origin = format!("ConfigMap {}", o.at.key());
        let values = if let Some(text) = data.get("values") {
            parse_values(text, &format!("{origin} data.values"), o, budget, findings)
        } else if let Some(text) = data.get("global") {
            // stable-2.8 and earlier: JSON, `identityContext.trustAnchorsPem`.
            let mut v = LinkerdValues::default();
            if !spend(budget, text.len(), &origin, o, findings) {
                return None;
            }
            let pem = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|j| {
                    j.pointer("/identityContext/trustAnchorsPem")
                        .and_then(|p| p.as_str().map(str::to_owned))
                });
            if let Some(pem) = pem {
                v.set(
                    lv::ANCHORS,
                    Zeroizing::new(pem),
                    format!("{origin} data.global identityContext.trustAnchorsPem"),
                );
            }
            v
        } else {
            return None;
        };
        if values.is_empty() {
            return None;
        }
        let mut h = HelmValues::from_values(values);
        h.release_namespace = o.at.namespace.clone();
        set_anchors(&mut h, &o.at, findings);
        Some(Object {
            at: ObjectRef {
                kind: "HelmValues".into(),
                ..o.at.clone()
            },
            location: o.location,
            api_version: String::new(),
            resource: Resource::HelmValues(h),
            rendered_from: Some(origin),
        })
    }

    /// The text a `valuesFrom` entry (read at `origin` of HelmRelease `o`) names: its
    /// Secret's or ConfigMap's key in the HelmRelease's namespace `ns`, when it is among the
    /// inputs; a required one that is not is a finding about `whose` values (`""`,
    /// `"istio-csr "`).
    pub(super) fn values_from_text(
        &self,
        ns: &str,
        vf: &super::super::objects::ValuesFrom,
        (origin, o): (&str, &Object),
        findings: &mut Vec<Finding>,
        whose: &str,
    ) -> Option<Zeroizing<String>> {
        let text = match vf.kind.as_str() {
            "Secret" => self
                .secret(ns, &vf.name)
                .and_then(|s| s.text(&vf.values_key)),
            _ => self.config_map_text(ns, &vf.name, &vf.values_key),
        };
        if text.is_none() && !vf.optional {
            findings.push(Finding {
                id: "helm-values-unreadable",
                severity: Severity::Warning,
                subject: format!("HelmRelease/{}", o.at.key()),
                message: format!(
                    "{origin} is not among the inputs: its {whose}values are not known (give the {} too; Flux fails the release without it)",
                    vf.kind
                ),
            });
        }
        text
    }

    fn config_map_text(&self, ns: &str, name: &str, key: &str) -> Option<Zeroizing<String>> {
        self.objects.objects.iter().find_map(|o| match &o.resource {
            Resource::ConfigMap(cm)
                if o.at.name == name && o.at.namespace.as_deref() == Some(ns) =>
            {
                cm.data.get(key).map(|t| Zeroizing::new(t.clone()))
            }
            _ => None,
        })
    }

    /// The `linkerd-identity-issuer` Secret the chart renders from the last values source
    /// that gives `identity.issuer.tls.crtPEM` (scheme `linkerd.io/tls`), unless the inputs
    /// hold that Secret themselves (what the cluster holds wins over what a chart would
    /// render).
    fn render_issuer(&mut self, findings: &mut Vec<Finding>) {
        let Some((o, h)) = self
            .objects
            .objects
            .iter()
            .rev()
            .find_map(|o| match &o.resource {
                Resource::HelmValues(h) if h.values.renders_issuer() => Some((o, h)),
                _ => None,
            })
        else {
            return;
        };
        let ns = h
            .release_namespace
            .clone()
            .unwrap_or_else(|| self.options.linkerd_namespace.clone());
        let crt = h.values.get(lv::ISSUER_CRT);
        let key = h.values.get(lv::ISSUER_KEY);
        let origin = crt.map_or_else(String::new, |c| c.origin.clone());
        let mut data = Vec::new();
        if let Some(c) = crt {
            data.push(("crt.pem".to_owned(), Zeroizing::new(c.text().to_owned())));
        }
        if let Some(k) = key {
            data.push(("key.pem".to_owned(), Zeroizing::new(k.text().to_owned())));
        }
        let secret = secret_of_type(Some(super::super::objects::LINKERD_TLS), data);
        // identity.issuer.crtExpiry (stable-2.11 and earlier: the Secret's
        // linkerd.io/identity-issuer-expiry annotation) against the certificate.
        if let (Some(expiry), Some(cert)) = (
            h.values.get(lv::ISSUER_EXPIRY),
            secret.certs(linkerd::TLS_CRT).first(),
        ) {
            let said = time::OffsetDateTime::parse(
                expiry.text().trim(),
                &time::format_description::well_known::Rfc3339,
            );
            if said.is_ok_and(|t| t != cert.not_after()) || said.is_err() {
                findings.push(Finding {
                    id: "issuer-crt-expiry-disagrees",
                    severity: Severity::Warning,
                    subject: format!("HelmValues/{}", o.at.name),
                    message: format!(
                        "{} says {:?}, but the identity issuer certificate ({}) expires at {}: the value is only a label (the chart's linkerd.io/identity-issuer-expiry annotation), the certificate's notAfter is what counts; set it to {} or drop it",
                        expiry.origin,
                        crate::display::visible(
                            &expiry.text().trim().chars().take(64).collect::<String>()
                        ),
                        origin,
                        crate::display::rfc3339(cert.not_after()),
                        crate::display::rfc3339(cert.not_after())
                    ),
                });
            }
        }
        if self.secret(&ns, linkerd::ISSUER_SECRET).is_some() {
            return;
        }
        let rendered = Object {
            at: ObjectRef {
                kind: "Secret".into(),
                namespace: Some(ns),
                name: linkerd::ISSUER_SECRET.into(),
                ..o.at.clone()
            },
            location: o.location,
            api_version: "v1".into(),
            resource: Resource::Secret(secret),
            rendered_from: Some(origin),
        };
        self.objects.objects.push(rendered);
    }
}

/// Values parsed out of `text` (YAML, one or more documents), within `budget` bytes.
fn parse_values(
    text: &str,
    origin: &str,
    o: &Object,
    budget: &mut usize,
    findings: &mut Vec<Finding>,
) -> LinkerdValues {
    let mut out = LinkerdValues::default();
    if !spend(budget, text.len(), origin, o, findings) {
        return out;
    }
    let mut unreadable = |why: String| {
        findings.push(Finding {
            id: "helm-values-unreadable",
            severity: Severity::Error,
            subject: format!("{}/{}", o.at.kind, o.at.key()),
            message: format!("{origin}: {why}: its Linkerd values are not read"),
        });
    };
    let docs: Vec<Node> = match read_documents(origin, text) {
        Ok(d) => d,
        Err(e) => {
            unreadable(format!("its YAML does not parse ({e})"));
            return out;
        }
    };
    for d in &docs {
        match LinkerdValues::from_tree(d, origin, "") {
            Ok(v) => out.merge(v),
            Err(e) => unreadable(format!(
                "{} ({}) is {}, not a string",
                e.path, e.at, e.found
            )),
        }
    }
    out
}

/// Takes `len` bytes from the budget of text read out of other objects; when it is spent, a
/// finding says so and nothing is taken.
fn spend(
    budget: &mut usize,
    len: usize,
    origin: &str,
    o: &Object,
    findings: &mut Vec<Finding>,
) -> bool {
    spend_for(budget, len, (origin, o), findings, "Linkerd")
}

/// [`spend`], the finding naming `whose` values are not read (`Linkerd`, `istio-csr`).
pub(super) fn spend_for(
    budget: &mut usize,
    len: usize,
    (origin, o): (&str, &Object),
    findings: &mut Vec<Finding>,
    whose: &str,
) -> bool {
    if len > *budget {
        findings.push(Finding {
            id: "helm-values-unreadable",
            severity: Severity::Error,
            subject: format!("{}/{}", o.at.kind, o.at.key()),
            message: format!(
                "{origin}: more text than the {MAX_INPUT_BYTES} bytes read out of other objects in all: its {whose} values are not read"
            ),
        });
        return false;
    }
    *budget -= len;
    true
}

/// Parses the anchors of resolved values into `h`; a PEM that does not parse is a finding.
fn set_anchors(h: &mut HelmValues, at: &ObjectRef, findings: &mut Vec<Finding>) {
    let Some(a) = h.values.anchors() else {
        return;
    };
    match Certificate::all_from_pem(a.text()) {
        Ok(certs) => {
            h.path = a.origin.clone();
            h.certificates = certs;
        }
        Err(e) => findings.push(Finding {
            id: "helm-values-unreadable",
            severity: Severity::Error,
            subject: format!("{}/{}", at.kind, at.key()),
            message: format!("{}: {e}", a.origin),
        }),
    }
}
