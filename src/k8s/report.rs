//! Where a cluster stands: the rotation phase and next step, the health checks, the lints,
//! and when each certificate renews, as text or as one JSON document.

use super::cluster::Cluster;
use super::objects::{NamespacedName, Resource};
use crate::cert::Certificate;
use crate::display::{rfc3339, visible};
use crate::health::{self, ExpiryThreshold};
use crate::lint::{Finding, Severity};
use crate::presets::linkerd;
use crate::rotation::Phase;
use crate::spec::CertSpec;
use std::fmt;
use time::OffsetDateTime;

/// When one certificate renews, or (nothing manages it) expires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportRenewal {
    /// The object holding it (`Secret/cert-manager/linkerd-trust-anchor`).
    pub object: String,
    /// When cert-manager renews it; for a Secret nothing manages, its notAfter.
    pub at: OffsetDateTime,
    /// Whether a Certificate manages it (else nothing renews it: `at` is its expiry).
    pub managed: bool,
    /// The rule that decided it.
    pub rule: String,
}

/// A certificate held by a Secret among the inputs: where, in which role, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportCertificate {
    /// The object holding it (`Secret/linkerd/linkerd-identity-issuer`).
    pub object: String,
    /// `anchor`, `previous-anchor`, `issuer` or `other`.
    pub role: &'static str,
    /// Its notAfter.
    pub not_after: OffsetDateTime,
}

/// The answer to "where does my cluster stand?" at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckReport {
    /// The time it is about.
    pub at: OffsetDateTime,
    /// Objects read, of the kinds certcycle reads.
    pub objects: usize,
    /// Objects of other kinds (`kind/namespace/name`).
    pub ignored: Vec<String>,
    /// What was assumed.
    pub assumptions: Vec<String>,
    /// Where the certificates came from (`anchor: Secret/cert-manager/linkerd-trust-anchor`).
    pub sources: Vec<String>,
    /// The rotation phase, when the anchor, bundle and issuer certificates were all found.
    pub phase: Option<Phase>,
    /// An istio-csr set-up's phase instead, when the inputs are one (DESIGN §19) and its
    /// signing CA and root file are among them; [`phase`](Self::phase) is then `None`.
    pub istio: Option<super::IstioPhase>,
    /// The mesh, when it is not Linkerd (`Istio with cert-manager's istio-csr`).
    pub mesh: Option<&'static str>,
    /// What is missing for a phase, when it is `None`.
    pub missing: Vec<&'static str>,
    /// The health checks, then the lints.
    pub checks: Vec<Finding>,
    /// When each certificate renews.
    pub renews: Vec<ReportRenewal>,
    /// Each certificate the inputs' Secrets hold (the first of each `tls.crt`), with its
    /// role and notAfter.
    pub certificates: Vec<ReportCertificate>,
}

impl CheckReport {
    /// Builds the report of `cluster` at `at`.
    pub fn new(cluster: &Cluster, at: OffsetDateTime) -> Self {
        let state = cluster.linkerd();
        let phase = state.phase(at);
        let mut missing = Vec::new();
        for (what, present) in [
            ("anchor", state.anchor.is_some()),
            ("bundle", state.bundle.is_some()),
            ("issuer", state.issuer.is_some()),
        ] {
            if !present {
                missing.push(what);
            }
        }
        let mut checks = Vec::new();
        if let Some(problem) = &state.issuer_problem {
            checks.push(Finding::new(
                "identity-issuer-secret",
                Severity::Error,
                format!(
                    "Secret/{}/{}",
                    cluster.options.linkerd_namespace,
                    linkerd::ISSUER_SECRET
                ),
                format!("{problem}: Linkerd's identity controller cannot start with it"),
            ));
        }
        if let (Some(bundle), Some(issuer)) = (&state.bundle, &state.issuer) {
            let report = health::check(
                bundle,
                issuer,
                linkerd::WORKLOAD_DURATION,
                &[],
                at,
                ExpiryThreshold::RelativeToLifetime,
            );
            checks.extend(report.checks);
        }
        let renews = renewals(cluster);
        checks.extend(already_broken(&state, &renews, at));
        checks.extend(cluster.lints());
        let assumptions = cluster.assumptions.clone();
        let certificates = certificates(cluster);
        let (mut istio, mut mesh, mut sources) = (None, None, Vec::new());
        if cluster.is_istio() {
            mesh = Some("Istio with cert-manager's istio-csr");
            missing.clear();
            match cluster.istio_phase(at) {
                Ok((phase, from)) => {
                    istio = Some(phase);
                    sources = from;
                }
                Err(lacking) => missing = lacking,
            }
        }
        sources.extend(
            state
                .sources
                .iter()
                .map(|(what, from)| format!("{what}: {from}")),
        );
        Self {
            at,
            objects: cluster.objects.objects.len(),
            ignored: cluster
                .objects
                .ignored
                .iter()
                .map(|r| format!("{}/{}", r.kind, r.key()))
                .collect(),
            assumptions,
            sources,
            phase,
            istio,
            mesh,
            missing,
            checks,
            renews,
            certificates,
        }
    }

    /// Whether any check is an error or the phase is a broken one (exit 1).
    pub fn has_error(&self) -> bool {
        self.checks.iter().any(|c| c.severity == Severity::Error)
            || self.phase.is_some_and(|p| p.is_broken())
            || self
                .istio
                .as_ref()
                .is_some_and(super::IstioPhase::is_broken)
    }

    /// When the phase is unknown, what to give so that it can be told (the certificates not
    /// among the inputs); `None` when the phase is known.
    pub fn cannot_tell(&self) -> Option<String> {
        (self.phase.is_none() && self.istio.is_none()).then(|| {
            format!(
                "the rotation phase is unknown: the {} certificate(s) are not among the inputs; give the Secrets and ConfigMap too, e.g. kubectl get secret,configmap -A -o yaml",
                self.missing.join(", ")
            )
        })
    }

    /// The exit status `check` gives (DESIGN §8): 1 when [`CheckReport::has_error`], else 3
    /// when it [cannot tell](CheckReport::cannot_tell) the phase (a gate must not read
    /// "unknown" as healthy), else 0.
    pub fn exit_code(&self) -> u8 {
        if self.has_error() {
            1
        } else if self.cannot_tell().is_some() {
            3
        } else {
            0
        }
    }

    /// The report as one JSON document. Fields: `at`, `objects`, `ignored[]`,
    /// `assumptions[]`, `sources[]`, `phase` (string or null), `next` (`{action,
    /// precondition}` or null), `missing[]`, `checks[]` (`{status, id, message}`),
    /// `renews[]` (`{object, at, rule}`), `error` (bool). Times are RFC 3339.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let mut doc = json!({
            "at": rfc3339(self.at),
            "objects": self.objects,
            "ignored": self.ignored,
            "assumptions": self.assumptions,
            "sources": self.sources,
            "phase": self.phase.map(|p| p.as_str()),
            "next": self.phase.map(|p| {
                let n = p.next();
                json!({"action": n.action, "precondition": n.precondition})
            }),
            "missing": self.missing,
            "checks": self.checks.iter().map(|c| json!({
                "status": c.severity.as_str(), "id": c.id, "message": c.text(),
            })).collect::<Vec<_>>(),
            "renews": self.renews.iter().map(|r| json!({
                "object": r.object, "at": rfc3339(r.at), "rule": r.rule, "managed": r.managed,
            })).collect::<Vec<_>>(),
            "error": self.has_error(),
        });
        if let (Some(mesh), Some(phase)) = (self.mesh, &self.istio) {
            let (action, precondition) = phase.next();
            doc["mesh"] = mesh.into();
            doc["phase"] = phase.as_str().into();
            doc["next"] = json!({"action": action, "precondition": precondition});
        } else if let Some(mesh) = self.mesh {
            doc["mesh"] = mesh.into();
        }
        doc
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(mesh) = self.mesh {
            writeln!(f, "mesh: {mesh}")?;
        }
        writeln!(f, "at: {}", rfc3339(self.at))?;
        writeln!(f, "read: {} object(s)", self.objects)?;
        if !self.ignored.is_empty() {
            writeln!(f, "ignored: {}", visible(&self.ignored.join(", ")))?;
        }
        for a in &self.assumptions {
            writeln!(f, "assume: {}", visible(a))?;
        }
        for s in &self.sources {
            writeln!(f, "source: {}", visible(s))?;
        }
        match (self.phase, &self.istio) {
            (Some(p), _) => {
                let next = p.next();
                writeln!(f, "phase: {p}")?;
                writeln!(f, "next: {} (first: {})", next.action, next.precondition)?;
            }
            (None, Some(p)) => {
                let (action, precondition) = p.next();
                writeln!(f, "phase: {}", visible(&p.to_string()))?;
                writeln!(f, "next: {action} (first: {precondition})")?;
            }
            (None, None) => {
                writeln!(
                    f,
                    "phase: unknown (not among the inputs: the {} certificate(s); give the Secrets and ConfigMap too, e.g. kubectl get secret,configmap -A -o yaml)",
                    self.missing.join(", ")
                )?;
            }
        }
        for c in &self.checks {
            writeln!(f, "{c}")?;
        }
        for r in &self.renews {
            let verb = if r.managed { "renews" } else { "expires" };
            let line = format!("{verb}: {} at {} ({})", r.object, rfc3339(r.at), r.rule);
            writeln!(f, "{}", visible(&line))?;
        }
        Ok(())
    }
}

/// When each certificate among the inputs renews: by its Certificate's spec where one manages
/// it. Linkerd's anchor and issuer Secrets that nothing manages (a `rotate --out` directory,
/// `kubectl create secret tls`) are never renewed: their notAfter is listed as an expiry.
fn renewals(cluster: &Cluster) -> Vec<ReportRenewal> {
    let anchor = cluster.anchor_secret();
    let issuer = cluster.issuer_secret();
    secret_certificates(cluster)
        .filter_map(|(secret, cert)| {
            let object = format!("Secret/{secret}");
            match cluster.certificates.iter().find(|c| c.secret == secret) {
                Some(c) => Some(renewal(object, cert, &c.spec)),
                None if secret == anchor || secret == issuer => Some(ReportRenewal {
                    object,
                    at: cert.not_after(),
                    managed: false,
                    rule: "no Certificate manages it: nothing renews it".into(),
                }),
                None => None,
            }
        })
        .collect()
}

/// `already-broken`: a certificate of Linkerd's chain that nothing renews and that expired
/// before `at` (DESIGN §18): mTLS broke at its notAfter, a break that already happened, with
/// how long ago and how to replace it (linkerd.io's "Replacing expired certificates").
fn already_broken(
    state: &super::cluster::LinkerdState,
    renews: &[ReportRenewal],
    at: OffsetDateTime,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = renews
        .iter()
        .filter(|r| !r.managed && r.at < at)
        .map(|r| {
            let issuer = state
                .sources
                .iter()
                .any(|(what, from)| *what == "issuer" && from.starts_with(&r.object));
            let fix = if issuer {
                "make a new identity issuer under the anchor (step certificate create identity.linkerd.cluster.local issuer.crt issuer.key --profile intermediate-ca --not-after 8760h --no-password --insecure --ca ca.crt --ca-key ca.key), give it to Linkerd (helm upgrade ... --set-file identity.issuer.tls.crtPEM=issuer.crt --set-file identity.issuer.tls.keyPEM=issuer.key, or replace the Secret), then restart the control plane and every meshed workload"
            } else {
                "replace the trust anchor and the identity issuer under it by Linkerd's \"Replacing expired certificates\" procedure, then restart the control plane and every meshed workload"
            };
            broken_finding(&r.object, r.at, at, fix)
        })
        .collect();
    // An anchor known only from the trust roots (Helm values, a ConfigMap): nothing renews it.
    if let Some(anchor) = &state.anchor
        && anchor.not_after() < at
        && state
            .sources
            .iter()
            .any(|(what, from)| *what == "anchor" && !from.starts_with("Secret/"))
    {
        out.push(broken_finding(
            &format!("the trust anchor {}", anchor.subject()),
            anchor.not_after(),
            at,
            "replace the trust anchor and the identity issuer under it by Linkerd's \"Replacing expired certificates\" procedure, then restart the control plane and every meshed workload",
        ));
    }
    out
}

fn broken_finding(object: &str, expired: OffsetDateTime, at: OffsetDateTime, fix: &str) -> Finding {
    Finding::new(
        "already-broken",
        Severity::Error,
        object.to_owned(),
        format!(
            "expired at {}, {} before {}, and nothing renews it: mTLS broke then (a break that already happened); {fix}",
            crate::display::rfc3339(expired),
            crate::display::ago_text(at - expired),
            crate::display::rfc3339(at)
        ),
    )
}

/// Each Secret among the inputs with the first certificate of its `tls.crt`.
fn secret_certificates(
    cluster: &Cluster,
) -> impl Iterator<Item = (NamespacedName, &Certificate)> + '_ {
    cluster.objects.objects.iter().filter_map(|o| {
        let Resource::Secret(s) = &o.resource else {
            return None;
        };
        let cert = s.certs(linkerd::TLS_CRT).first()?;
        let secret =
            NamespacedName::new(o.at.namespace.as_deref().unwrap_or("default"), &o.at.name);
        Some((secret, cert))
    })
}

/// The first certificate of each Secret's `tls.crt`, with its role in Linkerd's chain.
fn certificates(cluster: &Cluster) -> Vec<ReportCertificate> {
    let anchor = cluster.anchor_secret();
    let previous = cluster.previous_anchor_secret();
    let issuer = cluster.issuer_secret();
    secret_certificates(cluster)
        .map(|(secret, cert)| {
            let role = if secret == issuer {
                "issuer"
            } else if secret == anchor {
                "anchor"
            } else if secret == previous {
                "previous-anchor"
            } else {
                "other"
            };
            ReportCertificate {
                object: format!("Secret/{secret}"),
                role,
                not_after: cert.not_after(),
            }
        })
        .collect()
}

fn renewal(object: String, cert: &Certificate, spec: &CertSpec) -> ReportRenewal {
    let (r, _) = crate::renewal::cert_manager_renewal(spec, cert.not_before(), cert.not_after());
    ReportRenewal {
        object,
        at: r.renew_at,
        managed: true,
        rule: crate::renewal::renewal_words(spec, cert.not_before(), cert.not_after()),
    }
}
