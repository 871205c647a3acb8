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
    /// Istio with cert-manager's istio-csr (DESIGN §19): no restarts, since every agent takes
    /// its roots from each certificate response; the steps are a leaf lifetime apart
    /// ([`Procedure::gap`]). The new root goes into istio-csr's root file beside the old one
    /// while the old one still signs; the signer moves to the new root once every agent has
    /// refreshed (half a leaf lifetime; the gap waits a whole one); the old root leaves the
    /// file once every certificate it signed has expired. istio-csr's own CA-rotation test
    /// (`test/carotation/` at v0.17.0-16-gf96fca5) runs the middle of it: a root file holding
    /// both roots, then istio-csr's issuer switched to the second.
    IstioRoot,
}

/// `seven-step`, `five-step` or `istio-root`, as the command line and `operations.yaml` name
/// them.
impl std::fmt::Display for Procedure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SevenStep => "seven-step",
            Self::FiveStep => "five-step",
            Self::IstioRoot => "istio-root",
        })
    }
}

impl Procedure {
    /// Whether it is Istio's (istio-csr's root rotation) rather than Linkerd's.
    pub fn is_istio(&self) -> bool {
        matches!(self, Self::IstioRoot)
    }

    /// The time between two steps, for workload certificates that live `leaf`: five
    /// minutes for Linkerd's procedures (a rolling restart's time), a whole leaf lifetime
    /// for Istio's (every agent refreshes within half of one and takes the roots then; every
    /// certificate the old signer signed has expired after one).
    ///
    /// ```
    /// use certcycle::rotation::Procedure;
    /// use time::Duration;
    /// assert_eq!(Procedure::SevenStep.gap(Duration::HOUR), Duration::minutes(5));
    /// assert_eq!(Procedure::IstioRoot.gap(Duration::HOUR), Duration::HOUR);
    /// ```
    pub fn gap(&self, leaf: time::Duration) -> time::Duration {
        match self {
            Self::IstioRoot => leaf,
            Self::SevenStep | Self::FiveStep => time::Duration::minutes(5),
        }
    }

    /// When step `i` (0-based) of a rotation started at `at` runs, for workload certificates
    /// that live `leaf` (`None` past year 9999).
    pub fn step_at(
        &self,
        at: time::OffsetDateTime,
        i: usize,
        leaf: time::Duration,
    ) -> Option<time::OffsetDateTime> {
        at.checked_add(self.gap(leaf).checked_mul(i32::try_from(i).ok()?)?)
    }

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
            Self::IstioRoot => &[Step::StageRoot, Step::SignWithNewRoot, Step::DropOldRoot],
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
    /// Istio: copy the root (with its key) into a second Secret and sign with that copy, renew
    /// the root (new key), and put the new root into istio-csr's root file beside the old.
    StageRoot,
    /// Istio: sign with the new root (istio-csr's issuer back on the root's CA issuer, or the
    /// intermediate re-signed by it), once every agent holds both roots.
    SignWithNewRoot,
    /// Istio: drop the old root from istio-csr's root file, once every certificate it signed
    /// has expired.
    DropOldRoot,
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
            Self::StageRoot => {
                "sign with a copy of the root; renew the root (new key); write the root file {new, old}"
            }
            Self::SignWithNewRoot => "sign with the new root",
            Self::DropOldRoot => "drop the old root from the root file",
        })
    }
}
