//! A cluster's objects as a plan configuration (DESIGN §11).

use super::cluster::{Cluster, IssuerResolution};
use crate::plan::{Config, Names};
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
    /// The plan configuration of these objects, starting at `start`: the anchor and identity
    /// issuer Certificates' specs (rotation policies as resolved), whether the trust-roots
    /// Bundle has a previous-anchor source, and the objects' names. Every other setting is
    /// the [`Config::seed`] default, to be set by the caller.
    ///
    /// # Errors
    /// [`PlanInputError`]: no anchor, no identity issuer, or an issuerRef cert-manager cannot
    /// resolve (an `Issuer` in another namespace, ...).
    pub fn plan_config(&self, start: OffsetDateTime) -> Result<Config, PlanInputError> {
        let issuer = self.identity_issuer().ok_or_else(|| {
            PlanInputError::NoIssuer(format!(
                "{}/{}",
                self.options.linkerd_namespace,
                linkerd::ISSUER_SECRET
            ))
        })?;
        let anchor_secret = match &issuer.issuer {
            IssuerResolution::Ca { namespace, name } => (namespace.clone(), name.clone()),
            IssuerResolution::Unresolved(reason) => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer.key(),
                    reason: reason.clone(),
                });
            }
            other => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer.key(),
                    reason: format!(
                        "its issuer is not a CA issuer over the anchor Secret ({other:?})"
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
        let mut cfg = Config::seed(start);
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
        };
        Ok(cfg)
    }
}
