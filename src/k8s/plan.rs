//! A cluster's objects as a plan configuration (DESIGN §11).

use super::cluster::{Cluster, IssuerResolution};
use crate::issue::Ca;
use crate::plan::{Config, Names, State};
use crate::presets::linkerd;
use time::OffsetDateTime;

/// Why a cluster's objects cannot be planned: a configuration cert-manager or Linkerd cannot
/// run, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanInputError {
    /// No self-signed CA Certificate (the trust anchor) among the objects.
    #[error("no trust anchor Certificate (a self-signed CA Certificate) among the objects")]
    NoAnchor,
    /// No Certificate writes the identity issuer Secret.
    #[error("no Certificate writes the identity issuer Secret {0}")]
    NoIssuer(String),
    /// A Secret's certificate and key do not make a CA (the key does not parse or match).
    #[error("Secret/{secret}: {error}")]
    Secret {
        /// The Secret.
        secret: String,
        /// Why (never the key's content).
        error: Box<crate::Error>,
    },
    /// cert-manager cannot resolve the identity issuer's issuerRef.
    #[error("Certificate/{certificate}: cert-manager cannot issue it: {reason}")]
    Unresolvable {
        /// The Certificate.
        certificate: String,
        /// Why.
        reason: String,
    },
}

impl Cluster {
    /// The plan configuration of these objects: the anchor and identity issuer Certificates'
    /// specs (rotation policies as resolved), whether the trust-roots Bundle has a
    /// previous-anchor source, the objects' names, and — when the anchor and issuer Secrets
    /// are among the objects with their `tls.crt` and `tls.key` — today's certificates as the
    /// starting [`State`]. It starts at `start`, else at the newest notBefore of today's
    /// certificates, else at 2026-01-01T00:00:00Z. Every other setting is the
    /// [`Config::seed`] default, to be set by the caller.
    ///
    /// # Errors
    /// [`PlanInputError`]: no anchor, no identity issuer, an issuerRef cert-manager cannot
    /// resolve (an `Issuer` in another namespace, ...), a Secret whose key does not parse or
    /// match its certificate.
    pub fn plan_config(&self, start: Option<OffsetDateTime>) -> Result<Config, PlanInputError> {
        let issuer = self.identity_issuer().ok_or_else(|| {
            PlanInputError::NoIssuer(format!(
                "{}/{}",
                self.options.linkerd_namespace,
                linkerd::ISSUER_SECRET
            ))
        })?;
        let anchor_secret = match &issuer.issuer {
            IssuerResolution::Ca { namespace, name } => (namespace.clone(), name.clone()),
            unresolvable if unresolvable.is_unresolvable() => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer.key(),
                    reason: unresolvable.to_string(),
                });
            }
            other => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer.key(),
                    reason: format!(
                        "its issuer is not a CA issuer over the anchor Secret ({other})"
                    ),
                });
            }
        };
        let anchor = self
            .certificates
            .iter()
            .find(|c| c.is_anchor() && c.secret == anchor_secret)
            .or_else(|| self.certificates.iter().find(|c| c.is_anchor()))
            .ok_or(PlanInputError::NoAnchor)?;
        let bundle = self.trust_roots();
        let previous = bundle.is_some_and(|b| b.sources.len() >= 2);
        let state = self.plan_state(&anchor_secret, &issuer.secret)?;
        let start = start
            .or_else(|| state.as_ref().map(State::newest_not_before))
            .unwrap_or(time::macros::datetime!(2026-01-01 00:00 UTC));
        let mut cfg = Config::seed(start);
        if let Some(state) = state {
            cfg = cfg.from_state(state);
        }
        cfg.anchor = anchor.spec.clone();
        cfg.issuer = issuer.spec.clone();
        cfg.previous_anchor_source = previous;
        let (pns, pn) = self.previous_anchor_secret();
        cfg.names = Names {
            anchor: anchor.key(),
            issuer: issuer.key(),
            bundle: bundle.map_or_else(
                || linkerd::TRUST_ROOTS_CONFIGMAP.to_owned(),
                |b| b.name.clone(),
            ),
            previous: format!("{pns}/{pn}"),
            ..Names::default()
        };
        Ok(cfg)
    }

    /// Today's anchor and issuer (with keys) and previous anchor, when their Secrets are given.
    fn plan_state(
        &self,
        anchor: &(String, String),
        issuer: &(String, String),
    ) -> Result<Option<State>, PlanInputError> {
        let ca = |(ns, name): &(String, String)| -> Result<Option<Ca>, PlanInputError> {
            let Some(secret) = self.secret(ns, name) else {
                return Ok(None);
            };
            // Another application's Secret may hold what certcycle cannot read; Linkerd's own
            // may not.
            if let Some(e) = secret.entry_error(linkerd::TLS_CRT) {
                return Err(PlanInputError::Secret {
                    secret: format!("{ns}/{name}"),
                    error: Box::new(e.clone()),
                });
            }
            let (Some(cert), Some(key)) =
                (secret.certs(linkerd::TLS_CRT).first(), secret.private_key())
            else {
                return Ok(None);
            };
            let err = |e| PlanInputError::Secret {
                secret: format!("{ns}/{name}"),
                error: Box::new(e),
            };
            let key = key.map_err(err)?;
            Ca::new(cert.clone(), key).map(Some).map_err(err)
        };
        let (Some(anchor), Some(issuer)) = (ca(anchor)?, ca(issuer)?) else {
            return Ok(None);
        };
        let (pns, pn) = self.previous_anchor_secret();
        let previous = self
            .secret(&pns, &pn)
            .and_then(|s| s.certs(linkerd::TLS_CRT).first().cloned());
        Ok(Some(State::new(anchor, issuer, previous)))
    }
}

/// What `plan` answers for a cluster's objects: the `assume:` and `lint:` lines, then the
/// [`plan::Report`](crate::plan::Report) (timeline, verdict, causes, fixes), as text or one
/// JSON document.
///
/// ```
/// use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
/// use time::{Duration, macros::datetime};
/// let objects = Objects::read("seed.yaml", include_str!("../../examples/data/seed.yaml"))?;
/// let cluster = Cluster::resolve(objects, &ResolveOptions::default());
/// let cfg = cluster.plan_config(Some(datetime!(2026-01-01 0:00 UTC)))?.horizon(Duration::days(100));
/// let report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)?;
/// assert!(report.has_break());
/// assert!(report.to_string().contains("(day 61)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct PlanReport {
    /// What was assumed (`rotationPolicy: Always for ...`).
    pub assumptions: Vec<String>,
    /// The cross-object lints.
    pub lints: Vec<crate::lint::Finding>,
    /// The plan.
    pub report: crate::plan::Report,
}

impl PlanReport {
    /// Plans `cfg` (from [`Cluster::plan_config`], with the caller's horizon, workloads,
    /// restarts and rotation) and tries the fixes if it breaks.
    ///
    /// # Errors
    /// As [`plan::Report::new`](crate::plan::Report::new).
    pub fn new<R: rand_core::CryptoRngCore>(
        cluster: &Cluster,
        cfg: &Config,
        rng: &mut R,
    ) -> Result<Self, crate::Error> {
        Ok(Self {
            assumptions: cluster.assumptions.clone(),
            lints: cluster.lints(),
            report: crate::plan::Report::new(cfg, rng)?,
        })
    }

    /// The `assume:` and `lint:` lines of `cluster`, as the report starts (also what to print
    /// when its objects cannot be planned).
    pub fn preamble(cluster: &Cluster) -> String {
        preamble(&cluster.assumptions, &cluster.lints())
    }

    /// Whether the plan found a break.
    pub fn has_break(&self) -> bool {
        self.report.run.first_break.is_some()
    }

    /// The report as one JSON document: [`plan::Report::to_json`](crate::plan::Report::to_json)
    /// with `assumptions[]` and `lints[]` (`{id, object, message}`).
    pub fn to_json(&self) -> serde_json::Value {
        let mut doc = self.report.to_json();
        doc["assumptions"] = self.assumptions.clone().into();
        doc["lints"] = self
            .lints
            .iter()
            .map(|l| serde_json::json!({"id": l.id, "object": l.subject, "message": l.message}))
            .collect::<Vec<_>>()
            .into();
        doc
    }
}

fn preamble(assumptions: &[String], lints: &[crate::lint::Finding]) -> String {
    let mut out = String::new();
    for a in assumptions {
        out.push_str(&format!("assume: {a}\n"));
    }
    for l in lints {
        out.push_str(&format!("lint: {}: {}\n", l.id, l.text()));
    }
    out
}

impl std::fmt::Display for PlanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&preamble(&self.assumptions, &self.lints))?;
        write!(f, "{}", self.report)
    }
}
