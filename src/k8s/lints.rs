//! Cross-object lints: what cert-manager, trust-manager or Linkerd will do wrong with these
//! objects, each with a stable id.

use super::cluster::{Cluster, IssuerResolution, ManagedCertificate, SourceCerts};
use super::objects::NamespacedName;
use super::objects::Resource;
use crate::bundle::TrustBundle;
use crate::duration::GoDuration;
use crate::lint::{Finding, Severity};
use crate::presets::linkerd;
use crate::spec::RotationPolicy;
use std::collections::BTreeSet;

impl Cluster {
    /// Cross-object lints (stable ids), in a fixed order: `issuer-ref-other-namespace`,
    /// `issuer-ref-unresolved`, `identity-issuer-not-ca`, `issuer-lifetime-too-short`,
    /// `ca-key-not-ecdsa`, `anchor-early-rekey`, `ca-rotation-policy-implicit`,
    /// `bundle-single-source`, `bundle-no-configmap-target`, `bundle-pkcs12-key-collides`,
    /// `bundle-target-key`, `bundle-source-unreadable`,
    /// `bundle-configmap-unreadable`, `bundle-configmap-mismatch`,
    /// `issuer-ref-incomplete`, `renewal-disabled`, `renewal-window-after-expiry`,
    /// `trust-roots-other-namespace`, `trust-anchors-disagree`, `linkerd-secret-unreadable`,
    /// the values' `helm-values-unreadable` and `issuer-crt-expiry-disagrees`,
    /// `duplicate-object`.
    pub fn lints(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut lint = |id, severity, object: String, message: String| {
            out.push(Finding {
                id,
                severity,
                subject: object,
                message,
            });
        };
        self.certificate_lints(&mut lint);
        self.bundle_lints(&mut lint);
        if !self.is_istio() {
            self.linkerd_lints(&mut lint);
        }
        for f in &self.values_findings {
            lint(f.id, f.severity, f.subject.clone(), f.message.clone());
        }
        for d in &self.objects.duplicates {
            lint(
                "duplicate-object",
                Severity::Warning,
                format!("{}/{}", d.kept.kind, d.kept.key()),
                format!(
                    "given twice: {}:{} and {}:{}; kubectl apply keeps the last one given, and so does certcycle (the first is ignored)",
                    d.dropped.file, d.dropped_at, d.kept.file, d.kept_at
                ),
            );
        }
        out
    }

    /// The Linkerd namespace's trust roots given only in other namespaces; Linkerd's anchor
    /// Secrets holding data certcycle cannot read.
    fn linkerd_lints(&self, lint: &mut impl FnMut(&'static str, Severity, String, String)) {
        self.anchors_disagree(lint);
        let lns = &self.options.linkerd_namespace;
        if let Some(b) = self.trust_roots()
            && !b.published.is_empty()
            && !b.published.iter().any(|(ns, _)| ns == lns)
        {
            let elsewhere: Vec<String> = b
                .published
                .iter()
                .map(|(ns, _)| format!("ConfigMap/{ns}/{}", b.name))
                .collect();
            lint(
                "trust-roots-other-namespace",
                Severity::Warning,
                format!("ConfigMap/{lns}/{}", b.name),
                format!(
                    "not among the inputs, but {} is: Linkerd loads its trust anchors only from namespace {lns}, so that copy is not used in its place",
                    elsewhere.join(", ")
                ),
            );
        }
        let NamespacedName {
            namespace: ans,
            name: an,
        } = self.anchor_secret();
        let NamespacedName {
            namespace: pns,
            name: pn,
        } = self.previous_anchor_secret();
        let mut seen = BTreeSet::new();
        for (ns, name) in [(ans, an), (pns, pn)] {
            if !seen.insert((ns.clone(), name.clone())) {
                continue;
            }
            let Some(object) = self.secret_object(&ns, &name) else {
                continue;
            };
            let Resource::Secret(secret) = &object.resource else {
                continue;
            };
            for (key, why) in &secret.unsupported {
                lint(
                    "linkerd-secret-unreadable",
                    Severity::Error,
                    format!("Secret/{ns}/{name}"),
                    format!(
                        "data[{key:?}] (in {}:{}) is unusable: {why}",
                        object.at.file, object.location
                    ),
                );
            }
        }
    }

    fn certificate_lints(&self, lint: &mut impl FnMut(&'static str, Severity, String, String)) {
        // The leaf every identity issuer must cover: Linkerd's workload certificate.
        let leaf = linkerd::workload(&linkerd::workload_identity("w", "default"));
        // Once, not per Certificate: finding it walks the objects.
        let anchor_secret = self.anchor_secret();
        for c in &self.certificates {
            let obj = format!("Certificate/{}", c.key());
            match &c.issuer {
                why @ IssuerResolution::OtherNamespace { .. } => lint(
                    "issuer-ref-other-namespace",
                    Severity::Error,
                    obj.clone(),
                    format!("cert-manager cannot resolve it: {why}"),
                ),
                why @ IssuerResolution::UnknownKind(_) => lint(
                    "issuer-ref-unresolved",
                    Severity::Error,
                    obj.clone(),
                    format!("cert-manager cannot resolve it: {why}"),
                ),
                _ => {}
            }
            self.renewal_spec_lints(c, &obj, lint);
            // The lints below are about the renewBefore rule (windows only delay it; a
            // Disabled CA never renews: none of them applies, renewal-disabled says it).
            let disabled = c
                .spec
                .get_renewal()
                .is_some_and(|r| r.policy == crate::renewal::RenewalSpecPolicy::Disabled);
            let base = c.spec.clone().without_renewal();
            let spec = &base;
            let duration = spec.get_duration();
            let renews_after = crate::renewal::renews_after(spec).unwrap_or(duration);
            let renew_before = duration - renews_after;
            let is_identity_issuer = self.identity_issuer().is_some_and(|i| i.object == c.object);
            if is_identity_issuer && !spec.is_ca() {
                lint(
                    "identity-issuer-not-ca",
                    Severity::Error,
                    obj.clone(),
                    "the identity issuer must set isCA: true: Linkerd's identity controller signs workload certificates with it".into(),
                );
            }
            let too_late = crate::renewal::issuer_renews_too_late(spec, &leaf);
            if let (true, false, Some((window, need))) = (is_identity_issuer, disabled, too_late) {
                lint(
                    "issuer-lifetime-too-short",
                    Severity::Warning,
                    obj.clone(),
                    format!(
                        "duration {} renewing {} before expiry cannot cover one {} workload certificate (backdated {}): leaves issued before the renewal are cut short at the issuer's notAfter (set renewBefore to at least {} and duration above it)",
                        GoDuration(duration),
                        GoDuration(window),
                        GoDuration(leaf.duration),
                        GoDuration(leaf.backdate),
                        GoDuration(need),
                    ),
                );
            }
            // Linkerd's anchor: the CA whose Secret the identity issuer's CA issuer signs
            // with (self-signed or not: an intermediate anchor counts).
            let is_anchor = spec.is_ca() && c.secret == anchor_secret;
            let linkerd_ca = is_identity_issuer || is_anchor;
            if linkerd_ca
                && !c
                    .algorithm
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case("ECDSA"))
            {
                lint(
                    "ca-key-not-ecdsa",
                    Severity::Error,
                    obj.clone(),
                    format!(
                        "privateKey.algorithm is {}: Linkerd needs ECDSA P-256 (set privateKey.algorithm: ECDSA)",
                        c.algorithm
                            .as_deref()
                            .unwrap_or("not set (cert-manager's default: RSA)")
                    ),
                );
            }
            if is_anchor
                && !disabled
                && spec.get_rotation_policy() == RotationPolicy::Always
                && crate::renewal::renews_early(duration, renew_before)
            {
                let days = renews_after.whole_days();
                lint(
                    "anchor-early-rekey",
                    Severity::Warning,
                    obj.clone(),
                    format!(
                        "renewBefore {} of {} makes cert-manager re-key this anchor automatically on day {days}, an unplanned anchor rotation: trust-manager publishes {{new, old}}, but proxies load anchors only when their pod starts, and the identity issuer renewed under the new anchor is refused by the identity controller; keep the renewal past the planned rotation (a renewBefore under half the duration) and rotate by the procedure",
                        GoDuration(renew_before),
                        GoDuration(duration),
                    ),
                );
            }
            if let Some(parent) = self
                .signer_certificate(c)
                .filter(|p| spec.is_ca() && spec.get_duration() > p.spec.get_duration())
            {
                lint(
                    "ca-outlives-parent",
                    Severity::Warning,
                    obj.clone(),
                    format!(
                        "duration {} is longer than its signer Certificate/{}'s {}: cert-manager's CA issuer does not cap it, so this CA's notAfter outlives the certificate that signed it, and a verifier that trusts the signer rejects the chain after the signer expires",
                        GoDuration(duration),
                        parent.key(),
                        GoDuration(parent.spec.get_duration())
                    ),
                );
            }
            if spec.is_ca() && !disabled && !c.explicit_rotation_policy {
                lint(
                    "ca-rotation-policy-implicit",
                    Severity::Warning,
                    obj.clone(),
                    "a CA Certificate without privateKey.rotationPolicy: cert-manager 1.18 changed the default from Never to Always, so an upgrade starts re-keying this CA; set it explicitly".into(),
                );
            }
        }
    }

    fn bundle_lints(&self, lint: &mut impl FnMut(&'static str, Severity, String, String)) {
        // Istio with istio-csr: the Bundle writes istio-csr's root file, at the key its
        // rootCAFile names.
        let istio = self.is_istio();
        let istio_key = self.istio_root_key();
        for b in &self.bundles {
            let obj = format!("Bundle/{}", b.name);
            if b.object.is_some() {
                let kept = b
                    .sources
                    .iter()
                    .filter(|(l, _)| l.starts_with("secret ") || l.starts_with("configMap "))
                    .count();
                if kept < 2 {
                    lint(
                        "bundle-single-source",
                        Severity::Warning,
                        obj.clone(),
                        if istio {
                            "one root source: when the root changes, istio-csr's root file loses the old root at once; agents that refreshed since present leaves of the new root and trust it alone, those that did not yet trust the old root alone, for up to half a certificate's life; add a second source holding the previous root, and put a new root in the file before anything signs with it".into()
                        } else {
                            "one anchor source: when the anchor changes, the bundle loses the old anchor at once and every workload that has not restarted stops verifying the others; add a second source holding the previous anchor (the seed's linkerd-previous-anchor Secret)".into()
                        },
                    );
                }
            }
            if b.object.is_some() && !b.config_map_target && !istio {
                lint(
                    "bundle-no-configmap-target",
                    Severity::Error,
                    obj.clone(),
                    format!(
                        "its target writes no ConfigMap (spec.target has no configMap: trust-manager's newer Bundles may have no target, or a Secret one only): Linkerd loads the {} ConfigMap's {} and nothing updates it; set spec.target.configMap.key: {}",
                        b.name,
                        linkerd::CA_BUNDLE_CRT,
                        linkerd::CA_BUNDLE_CRT
                    ),
                );
            }
            if let Some((key, _)) = b.pkcs12.as_ref().filter(|(k, _)| *k == b.target_key) {
                lint(
                    "bundle-pkcs12-key-collides",
                    Severity::Error,
                    obj.clone(),
                    format!(
                        "the PKCS#12 target key {key} is also the PEM target key: trust-manager writes PEM to data[{key}] and PKCS#12 to binaryData[{key}], and the API server refuses a ConfigMap with a key in both, so the trust roots are never written; give the PKCS#12 store its own key"
                    ),
                );
            }
            if istio {
                if let Some(key) = istio_key.as_ref().filter(|k| **k != b.target_key) {
                    lint(
                        "bundle-target-key",
                        Severity::Error,
                        obj.clone(),
                        format!(
                            "target key {}: istio-csr's app.tls.rootCAFile reads {key} from the {} it mounts",
                            b.target_key, b.name
                        ),
                    );
                }
            } else if b.target_key != linkerd::CA_BUNDLE_CRT {
                lint(
                    "bundle-target-key",
                    Severity::Error,
                    obj.clone(),
                    format!(
                        "target key {}: Linkerd reads {} from the {} ConfigMap",
                        b.target_key,
                        linkerd::CA_BUNDLE_CRT,
                        b.name
                    ),
                );
            }
            for (label, certs) in &b.sources {
                if let SourceCerts::Unreadable(why) = certs {
                    lint(
                        "bundle-source-unreadable",
                        Severity::Error,
                        obj.clone(),
                        format!("source {label} does not read: {why}"),
                    );
                }
            }
            for (ns, published) in &b.published {
                if let Err(why) = published {
                    lint(
                        "bundle-configmap-unreadable",
                        Severity::Error,
                        format!("ConfigMap/{ns}/{}", b.name),
                        format!("{why}: Linkerd cannot load its trust anchors from it"),
                    );
                }
            }
            if let Some(built) = &b.built {
                for (ns, published) in &b.published {
                    let Ok(published) = published else {
                        continue;
                    };
                    if !same_set(published, built) {
                        lint(
                            "bundle-configmap-mismatch",
                            Severity::Error,
                            format!("ConfigMap/{ns}/{}", b.name),
                            format!(
                                "holds {} anchor(s), but the Bundle's sources give {}: trust-manager will rewrite it to what the sources hold (is a source Secret stale?)",
                                published.len(),
                                built.len()
                            ),
                        );
                    }
                }
            }
        }
    }
}

impl Cluster {
    /// The Certificate that writes the Secret `c`'s CA issuer signs with, if given.
    fn signer_certificate(&self, c: &ManagedCertificate) -> Option<&ManagedCertificate> {
        let IssuerResolution::Ca { namespace, name } = &c.issuer else {
            return None;
        };
        self.certificates
            .iter()
            .find(|p| p.secret.namespace == *namespace && p.secret.name == *name)
    }
}

impl Cluster {
    /// cert-manager 1.21's `spec.renewal` on a CA (`renewal-disabled`,
    /// `renewal-window-after-expiry`) and, for a cluster on v1.19.0, its re-issue of
    /// Certificates whose issuerRef omits kind or group (`issuer-ref-incomplete`, #8158).
    fn renewal_spec_lints(
        &self,
        c: &super::cluster::ManagedCertificate,
        obj: &str,
        lint: &mut impl FnMut(&'static str, Severity, String, String),
    ) {
        use crate::renewal::{RenewalSpecPolicy, Windowed, cert_manager_renewal, longest_wait};
        let spec = &c.spec;
        let version = self.options.cert_manager;
        if spec.is_ca() {
            let omitted = self.objects.objects.iter().find_map(|o| match &o.resource {
                Resource::Certificate(co) if o.at == c.object => Some(&co.issuer_ref.omitted),
                _ => None,
            });
            // Only 1.19.0 does it (upgrading to it); at any other release it is history, and
            // a lint on every seed-shaped manifest would be noise.
            let at_risk = version == crate::k8s::CertManagerVersion::new(1, 19, 0);
            if let Some(omitted) = omitted.filter(|m| at_risk && !m.is_empty()) {
                lint(
                    "issuer-ref-incomplete",
                    Severity::Error,
                    obj.to_owned(),
                    format!(
                        "a CA whose issuerRef omits {}: cert-manager v1.19.0 re-issued such Certificates on upgrade (#8158, reverted in v1.19.1){}; set issuerRef.kind and issuerRef.group explicitly",
                        omitted.join(" and "),
                        if spec.get_rotation_policy() == RotationPolicy::Always {
                            ", and with rotationPolicy Always that re-keys this CA: an unplanned rotation"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        let Some(renewal) = spec.get_renewal() else {
            return;
        };
        if renewal.policy == RenewalSpecPolicy::Disabled && spec.is_ca() {
            let when = c.current.as_ref().map_or_else(
                || format!("{} after each issuance", GoDuration(spec.get_duration())),
                |cert| crate::display::rfc3339(cert.not_after()),
            );
            lint(
                "renewal-disabled",
                Severity::Warning,
                obj.to_owned(),
                format!(
                    "renewal.policy Disabled: cert-manager never renews this CA; it expires at its notAfter ({when}) and every certificate under it stops verifying then, unless it is replaced by hand before"
                ),
            );
            return;
        }
        if renewal.windows.is_empty() {
            return;
        }
        // Today's certificate: when its renewal falls; else how long a renewal can wait for a
        // window against the time the rule leaves before notAfter.
        if let Some(cert) = &c.current {
            let (r, w) = cert_manager_renewal(spec, cert.not_before(), cert.not_after());
            if matches!(w, Windowed::Delayed { .. }) && r.renew_at > cert.not_after() {
                lint(
                    "renewal-window-after-expiry",
                    Severity::Error,
                    obj.to_owned(),
                    format!(
                        "its renewal waits for the next renewal window, at {}, after its notAfter {}: it expires first",
                        crate::display::rfc3339(r.renew_at),
                        crate::display::rfc3339(cert.not_after())
                    ),
                );
                return;
            }
        }
        let base = spec.clone().without_renewal();
        let duration = spec.get_duration();
        let slack = duration - crate::renewal::renews_after(&base).unwrap_or(duration);
        let from = c
            .current
            .as_ref()
            .map_or(time::OffsetDateTime::UNIX_EPOCH, |cert| cert.not_before());
        if let Some(wait) = longest_wait(&renewal.windows, from).filter(|w| *w > slack) {
            lint(
                "renewal-window-after-expiry",
                Severity::Warning,
                obj.to_owned(),
                format!(
                    "a renewal can wait up to {} for its next renewal window, more than the {} its rule leaves before notAfter: some renewals fall after expiry",
                    GoDuration(wait),
                    GoDuration(slack)
                ),
            );
        }
    }

    /// `trust-anchors-disagree`: Helm values whose anchors are not the ones the proxies load
    /// (the `linkerd-identity-trust-roots` ConfigMap: `--trust-roots`, the Bundle's or the
    /// given ConfigMap's, else the last values source given, as `helm -f` merges them).
    fn anchors_disagree(&self, lint: &mut impl FnMut(&'static str, Severity, String, String)) {
        let values: Vec<(&str, &[crate::cert::Certificate], String)> = self
            .objects
            .objects
            .iter()
            .filter_map(|o| match &o.resource {
                Resource::HelmValues(h) if !h.certificates.is_empty() => Some((
                    h.path.as_str(),
                    h.certificates.as_slice(),
                    format!("{}/{}", o.at.kind, o.at.key()),
                )),
                _ => None,
            })
            .collect();
        let lns = &self.options.linkerd_namespace;
        let loaded: Option<(String, Vec<crate::cert::Certificate>)> =
            if let Some((label, certs)) = &self.options.trust_roots {
                Some((label.clone(), certs.clone()))
            } else if let Some((b, (ns, Ok(bundle)))) = self
                .trust_roots()
                .and_then(|b| b.published.iter().find(|(ns, _)| ns == lns).map(|p| (b, p)))
            {
                Some((
                    format!("ConfigMap/{ns}/{} {}", b.name, b.target_key),
                    bundle.certificates().cloned().collect(),
                ))
            } else {
                values
                    .last()
                    .map(|(path, certs, _)| ((*path).to_owned(), certs.to_vec()))
            };
        let Some((loaded_from, loaded)) = loaded else {
            return;
        };
        let key = |c: &[crate::cert::Certificate]| {
            let mut v: Vec<Vec<u8>> = c.iter().map(|c| c.der().to_vec()).collect();
            v.sort();
            v.dedup();
            v
        };
        for (path, certs, object) in &values {
            if *path == loaded_from || key(certs) == key(&loaded) {
                continue;
            }
            lint(
                "trust-anchors-disagree",
                Severity::Warning,
                object.clone(),
                format!(
                    "{path} holds {} anchor(s) that are not the {} the proxies load from {loaded_from}: the proxies trust what the linkerd-identity-trust-roots ConfigMap holds, and a helm upgrade with these values would replace it",
                    certs.len(),
                    loaded.len()
                ),
            );
        }
    }
}

fn same_set(a: &TrustBundle, b: &TrustBundle) -> bool {
    let set = |x: &TrustBundle| -> BTreeSet<Vec<u8>> {
        x.certificates().map(|c| c.der().to_vec()).collect()
    };
    set(a) == set(b)
}
