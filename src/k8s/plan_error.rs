//! Why a cluster's objects cannot be planned ([`PlanInputError`]): its own module so that the
//! topology builder and the plan front both import it, and neither imports the other.

/// Why a cluster's objects cannot be planned: a configuration cert-manager or Linkerd cannot
/// run (a break: exit 1), or one certcycle cannot model from these inputs (exit 3, with the
/// input or flag that would make it modelable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanInputError {
    /// Namespaced objects without `metadata.namespace` (Kustomize, Argo CD and Flux set it at
    /// apply time): they are not placed anywhere silently.
    #[error(
        "cannot model: {} without metadata.namespace: pass --namespace NS (as kubectl apply -n NS)",
        .0.join(", ")
    )]
    NoNamespace(Vec<String>),
    /// No Certificate writes, and no given Secret holds, the identity issuer Secret.
    #[error(
        "cannot model: not a Linkerd set-up certcycle can see: no Certificate writes, and no Secret holds, the identity issuer Secret {secret}; found: {found}. Name the issuer Secret with --issuer-secret NS/NAME (or its namespace with --linkerd-namespace)"
    )]
    NoIssuer {
        /// The identity issuer Secret looked for.
        secret: String,
        /// What the objects hold instead.
        found: String,
    },
    /// The identity issuer Certificate does not set `isCA: true`: cert-manager issues it as a
    /// leaf, and Linkerd's identity controller cannot sign workload certificates with it.
    #[error(
        "Certificate/{certificate} ({at}): spec.isCA is not true: cert-manager issues the identity issuer as a leaf, and Linkerd's identity controller cannot sign workload certificates with it (set spec.isCA: true)"
    )]
    IssuerNotCa {
        /// The Certificate.
        certificate: String,
        /// Where its document starts (`file:line:col`).
        at: String,
    },
    /// A Certificate of the chain above the identity issuer does not set `isCA: true`: the CA
    /// issuer over its Secret cannot sign with what cert-manager issues for it.
    #[error(
        "Certificate/{certificate} ({at}): spec.isCA is not true: cert-manager issues it as a leaf, and the CA issuer over its Secret cannot sign the CA below it (set spec.isCA: true)"
    )]
    ChainCaNotCa {
        /// The Certificate.
        certificate: String,
        /// Where its document starts (`file:line:col`).
        at: String,
    },
    /// A Secret's certificate and key do not make a CA (the key does not parse or match).
    #[error("Secret/{secret}: {error}")]
    Secret {
        /// The Secret.
        secret: String,
        /// Why (never the key's content).
        error: Box<crate::Error>,
    },
    /// cert-manager cannot resolve a chain Certificate's issuerRef.
    #[error("Certificate/{certificate}: cert-manager cannot issue it: {reason}")]
    Unresolvable {
        /// The Certificate.
        certificate: String,
        /// Why.
        reason: String,
    },
    /// A shape certcycle cannot model from these inputs.
    #[error("cannot model: {what}: {give}")]
    CannotModel {
        /// What cannot be modelled.
        what: String,
        /// What input or flag would make it modelable.
        give: String,
    },
}

impl PlanInputError {
    /// Whether this is a configuration cert-manager or Linkerd cannot run (a break), as
    /// opposed to one certcycle cannot model ([`PlanInputError::cannot_model`]) or an input
    /// that does not read.
    pub fn is_break(&self) -> bool {
        matches!(
            self,
            Self::IssuerNotCa { .. } | Self::ChainCaNotCa { .. } | Self::Unresolvable { .. }
        )
    }

    /// Whether certcycle cannot model these inputs (exit 3): more input or a flag would make
    /// them modelable.
    pub fn cannot_model(&self) -> bool {
        matches!(
            self,
            Self::NoNamespace(_) | Self::NoIssuer { .. } | Self::CannotModel { .. }
        )
    }
}
