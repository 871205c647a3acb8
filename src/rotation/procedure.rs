//! The anchor rotation procedures as data: which steps, in which order, titled once. The
//! simulator, [`Mesh::rotate_anchor`](crate::mesh::Mesh::rotate_anchor) and the `rotate`
//! example all run these steps, matching on [`Step`] exhaustively.

use std::fmt;

/// The control-plane workload that is Linkerd's identity controller, as certcycle's own
/// examples name it. Linkerd's own names are recognised too: see [`is_identity_controller`].
pub const CONTROLLER: &str = "linkerd/identity";

/// Whether a control-plane pod named `name` (`namespace/name`) is Linkerd's identity
/// controller when none was named with [`Mesh::set_identity_controller`](crate::mesh::Mesh::set_identity_controller): [`CONTROLLER`], or
/// a pod of Linkerd's `linkerd-identity` Deployment in any namespace
/// (`linkerd/linkerd-identity`, `linkerd-prod/linkerd-identity`).
///
/// ```
/// use certcycle::mesh::is_identity_controller;
/// assert!(is_identity_controller("linkerd/identity"));
/// assert!(is_identity_controller("linkerd-prod/linkerd-identity"));
/// assert!(!is_identity_controller("linkerd/destination"));
/// ```
pub fn is_identity_controller(name: &str) -> bool {
    name == CONTROLLER
        || name
            .split_once('/')
            .is_some_and(|(_, n)| n == "linkerd-identity")
}

/// An anchor rotation procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Procedure {
    /// Linkerd's corrected procedure: new anchor (bundle {new, old}); restart the control
    /// plane; restart the data plane; re-sign the issuer with the new anchor; restart the
    /// control plane; restart the data plane; drop the old anchor and restart everything.
    /// Driven through the typed [`AnchorRotation`](crate::rotation::AnchorRotation).
    ///
    /// One hazard remains outside the seven steps: cert-manager's CA issuer signs with
    /// whatever the anchor Secret holds, so an identity-issuer renewal that falls between
    /// step 1 and the end of step 3 re-signs the issuer under the new anchor early — the
    /// five-step break. Start the rotation right after an issuer renewal (a 48h issuer renews
    /// every 23h), or point the issuer's CA at the previous anchor until step 4.
    SevenStep,
    /// The seed document's original procedure: new anchor (bundle {new, old}); re-sign the
    /// issuer; restart the control plane; restart the data plane; drop the old anchor. It
    /// cannot be written with the typed rotation, so it drives the mesh directly.
    FiveStep,
}

/// `seven-step` or `five-step`, as the command line and `operations.yaml` name them.
impl std::fmt::Display for Procedure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SevenStep => "seven-step",
            Self::FiveStep => "five-step",
        })
    }
}

impl Procedure {
    /// The steps, in order.
    ///
    /// ```
    /// use certcycle::rotation::{Procedure, Step};
    /// let steps = Procedure::SevenStep.steps();
    /// assert_eq!(steps.len(), 7);
    /// assert_eq!(steps[3], Step::ResignIssuer);
    /// assert_eq!(steps[3].to_string(), "re-sign the identity issuer with the new anchor");
    /// ```
    pub fn steps(&self) -> &'static [Step] {
        match self {
            Self::SevenStep => &[
                Step::StageAnchor,
                Step::RestartControlPlane,
                Step::RestartDataPlane,
                Step::ResignIssuer,
                Step::RestartControlPlane,
                Step::RestartDataPlane,
                Step::DropOldAnchorAndRestart,
            ],
            Self::FiveStep => &[
                Step::StageAnchor,
                Step::RenewIssuerEarly,
                Step::RestartControlPlane,
                Step::RestartDataPlane,
                Step::DropOldAnchor,
            ],
        }
    }
}

/// One step of an anchor rotation procedure ([`Procedure::steps`]); its title is its
/// `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Put a new anchor (new key) in the anchor Secret: trust-manager publishes the bundle
    /// {new, old}; nobody has loaded it yet.
    StageAnchor,
    /// Restart the control plane (the identity controller reloads its anchors).
    RestartControlPlane,
    /// Restart the data plane, pod after pod (each proxy reloads the bundle).
    RestartDataPlane,
    /// Re-sign the identity issuer with the new anchor, once every pod holds both anchors
    /// (the corrected procedure's step 4).
    ResignIssuer,
    /// Renew the identity issuer under the new anchor before anyone restarted (the seed's
    /// original step 2: the break).
    RenewIssuerEarly,
    /// Drop the old anchor from the bundle, then restart everything (the corrected last step).
    DropOldAnchorAndRestart,
    /// Remove the old anchor from the bundle and stop there (the seed's original last step).
    DropOldAnchor,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StageAnchor => "renew the trust anchor (new key); publish the bundle {new, old}",
            Self::RestartControlPlane => "restart the control plane",
            Self::RestartDataPlane => "restart the data plane (rolling)",
            Self::ResignIssuer => "re-sign the identity issuer with the new anchor",
            Self::RenewIssuerEarly => "renew the identity issuer (signed by the new anchor)",
            Self::DropOldAnchorAndRestart => {
                "drop the old anchor from the bundle, then restart everything"
            }
            Self::DropOldAnchor => "remove the old anchor from the trust bundle",
        })
    }
}
