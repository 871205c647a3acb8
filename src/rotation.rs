//! Rotation: routine issuer renewal, and the anchor rotation as a typed procedure whose unsafe
//! orders do not compile.
//!
//! The anchor rotation follows Linkerd's corrected (seven-step) procedure. Each step consumes
//! the previous state:
//!
//! ```text
//! AnchorRotation::stage(bundle, new anchor)  -> Staged            bundle = {new, old}
//!   .confirm_bundle_rollout(loaded bundles)  -> BundleDistributed every workload loaded it
//!   .resign_issuer(..) / .adopt_issuer(..)   -> IssuerResigned    issuer under the new anchor
//!   .confirm_leaf_rollout(live leaves, at)   -> LeavesRolledOut   no leaf needs the old anchor
//!   .drop_old_anchor()                       -> Rotated           bundle = {new}
//! ```
//!
//! So the issuer cannot be re-signed before every workload holds the two-anchor bundle (the
//! seed document's five-step order, which breaks mTLS), and the old anchor cannot be dropped
//! while a live leaf still chains only to it.

use crate::anchor::TrustAnchor;
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::error::Error;
use crate::issue::{Ca, IssuedCa};
use crate::key::PrivateKey;
use crate::renewal::RenewalState;
use crate::spec::{CertSpec, RotationPolicy};
use crate::verify::{VerifyError, VerifyOptions, verify};
use rand_core::CryptoRngCore;
use time::OffsetDateTime;

mod phase;
mod procedure;
mod reconcile;
mod schedule;
mod tolerance;
pub use phase::{Broken, NextStep, Observed, Phase};
pub use procedure::{CONTROLLER, Procedure, Step, is_identity_controller};
pub use reconcile::{Action, Due, Reconciled, reconcile};
pub use schedule::{
    ALLOWANCE, Bound, Lifetimes, MAX_ROTATIONS, Propagation, SPIRE_ACTIVATE_CAP, SPIRE_PREPARE_CAP,
    Schedule, ScheduleError, Window, WindowPolicy, Windows,
};
pub use tolerance::Tolerance;

/// Why a rotation step was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The new anchor is already in the bundle, or is not a self-signed CA.
    #[error("the new anchor cannot be staged: {0}")]
    BadNewAnchor(String),
    /// Some workloads have not loaded the two-anchor bundle yet.
    #[error("not every workload loaded the two-anchor bundle yet: {}", .workloads.join(", "))]
    BundleNotLoaded {
        /// The workloads still holding another bundle.
        workloads: Vec<String>,
    },
    /// The issuer brought for the new anchor does not chain to it.
    #[error("the new issuer does not chain to the new anchor: {0}")]
    IssuerNotUnderNewAnchor(Box<VerifyError>),
    /// Live leaves still chain only to the old anchor: dropping it would break them.
    #[error(
        "the old anchor is still needed by {} live leaf/leaves: {}",
        .offenders.len(),
        .offenders.join(", ")
    )]
    OldAnchorStillNeeded {
        /// The workloads whose leaves chain only to the old anchor.
        offenders: Vec<String>,
    },
    /// An acknowledgement that names no workload: "everyone" cannot be nobody. List every
    /// workload of the mesh (a mesh with no workload has nothing to rotate).
    #[error("the acknowledgement of {step} names no workload")]
    EmptyAcknowledgement {
        /// Which acknowledgement (`bundle rollout`, `leaf rollout`).
        step: &'static str,
    },
    /// A mesh with no identity-controller pod: restarting the control plane would reload no
    /// anchors, so the rotation cannot be simulated (name it with
    /// [`Mesh::set_identity_controller`](crate::mesh::Mesh::set_identity_controller)).
    #[error(
        "the mesh has no identity-controller pod among its control plane ({}): name it with Mesh::set_identity_controller (Linkerd's is linkerd/linkerd-identity)",
        if .control_plane.is_empty() { "none".to_owned() } else { .control_plane.join(", ") }
    )]
    NoIdentityController {
        /// The control-plane workloads the mesh has.
        control_plane: Vec<String>,
    },
    /// A procedure of another mesh's: [`Procedure::IstioRoot`] asked of the Linkerd mesh
    /// [`Mesh`](crate::mesh::Mesh) drives, whose proxies load their roots at start.
    #[error(
        "{procedure} is Istio's procedure (istio-csr's root file, no restarts), not Linkerd's: rotate this mesh with seven-step"
    )]
    NotForMesh {
        /// The procedure asked for.
        procedure: Procedure,
    },
    /// Issuing failed.
    #[error("issuing: {0}")]
    Issue(#[from] Error),
}

/// A refused rotation step: the error, and the state the step was called on, handed back
/// unchanged so the caller can retry (a controller polling "has everyone restarted yet?"
/// keeps its staged bundle and its new issuer). `?` turns it into its [`RotationError`].
///
/// ```
/// # use certcycle::{rotation::{AnchorRotation, RotationError}, TrustBundle, Ca, PrivateKey, presets::linkerd};
/// # let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// # let rng = &mut rand_core::OsRng;
/// # let old = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// # let new = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let current = TrustBundle::from_anchors([old.trust_anchor()]);
/// let staged = AnchorRotation::stage(&current, new.trust_anchor())?;
/// // "web" still holds the old bundle: refused, and the staged state comes back.
/// let refused = staged.confirm_bundle_rollout([("web", &current)]).unwrap_err();
/// assert!(matches!(refused.error(), RotationError::BundleNotLoaded { .. }));
/// let staged = refused.into_state();
/// let both = staged.bundle().clone();
/// let distributed = staged.confirm_bundle_rollout([("web", &both)])?; // web restarted
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Refused<S> {
    /// Boxed: the states are large, and an error travels by value.
    state: Box<S>,
    error: RotationError,
}

impl<S> Refused<S> {
    fn new(state: S, error: RotationError) -> Self {
        Self {
            state: Box::new(state),
            error,
        }
    }

    /// Why the step was refused.
    pub fn error(&self) -> &RotationError {
        &self.error
    }

    /// The state the step was called on, to retry from.
    pub fn state(&self) -> &S {
        &self.state
    }

    /// The state back, to retry from.
    pub fn into_state(self) -> S {
        *self.state
    }

    /// Both parts.
    pub fn into_parts(self) -> (S, RotationError) {
        (*self.state, self.error)
    }
}

impl<S> std::fmt::Display for Refused<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rotation step refused: {}", self.error)
    }
}

impl<S: std::fmt::Debug> std::error::Error for Refused<S> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<S> From<Refused<S>> for RotationError {
    fn from(r: Refused<S>) -> Self {
        r.error
    }
}

/// Renews the issuer if `policy` says it is due (or expired) at `now`: a new issuer signed by
/// `anchor`, with a fresh key under [`RotationPolicy::Always`] (from `rng`) or the current key
/// under [`RotationPolicy::Never`]. The old issuer stays valid for the leaves it issued.
/// Returns `None` when not due.
///
/// # Errors
/// Issuing errors ([`Error`]).
pub fn renew_issuer_if_due(
    anchor: &Ca,
    current: &Ca,
    spec: &CertSpec,
    now: OffsetDateTime,
    rng: &mut impl CryptoRngCore,
) -> Result<Option<IssuedCa>, Error> {
    let c = current.certificate();
    let renewal = crate::renewal::cert_manager_renewal(spec, c.not_before(), c.not_after()).0;
    if let RenewalState::NotDue { .. } = renewal.state(now) {
        return Ok(None);
    }
    let key = renewal_key(spec, Some(current.private_key()), rng);
    anchor.issue_ca(spec, key, now, rng).map(Some)
}

/// The key cert-manager renews a certificate with: a new one under `rotationPolicy: Always`
/// (or when there is no current key), the current one under `Never`.
pub(crate) fn renewal_key(
    spec: &CertSpec,
    current: Option<&PrivateKey>,
    rng: &mut impl CryptoRngCore,
) -> PrivateKey {
    match (spec.rotation_policy, current) {
        (RotationPolicy::Never, Some(key)) => key.clone_key(),
        _ => PrivateKey::generate(rng),
    }
}

/// A new anchor must be self-issued.
fn self_issued(cert: &Certificate) -> Result<(), RotationError> {
    if cert.is_self_issued() {
        Ok(())
    } else {
        Err(RotationError::BadNewAnchor(format!(
            "{} is not self-issued",
            cert.subject()
        )))
    }
}

/// The start of an anchor rotation.
#[derive(Debug, Clone, Copy)]
pub struct AnchorRotation;

impl AnchorRotation {
    /// Stages `new_anchor` beside the anchors of `current`: the bundle to publish becomes
    /// `current ∪ {new}`.
    ///
    /// # Errors
    /// [`RotationError::BadNewAnchor`] if it is already in the bundle or not self-issued.
    pub fn stage(current: &TrustBundle, new_anchor: TrustAnchor) -> Result<Staged, RotationError> {
        let cert = new_anchor.certificate();
        if current.contains(cert) {
            return Err(RotationError::BadNewAnchor(
                "it is already in the bundle".into(),
            ));
        }
        self_issued(cert)?;
        let old: Vec<Certificate> = current.certificates().cloned().collect();
        Ok(Staged {
            bundle: current.with(new_anchor.clone()),
            old,
            new: new_anchor,
        })
    }

    /// Resumes a rotation observed in [`Phase::AnchorStaged`]: `published` already holds
    /// `new_anchor` and the old anchors (every other certificate of it).
    ///
    /// # Errors
    /// [`RotationError::BadNewAnchor`] if `published` does not hold `new_anchor` and at least
    /// one other anchor, or `new_anchor` is not self-issued.
    pub fn resume_staged(
        published: &TrustBundle,
        new_anchor: TrustAnchor,
    ) -> Result<Staged, RotationError> {
        let cert = new_anchor.certificate();
        if !published.contains(cert) || published.len() < 2 {
            return Err(RotationError::BadNewAnchor(
                "the published bundle must hold the new anchor and the old one".into(),
            ));
        }
        self_issued(cert)?;
        let old = published
            .certificates()
            .filter(|c| *c != cert)
            .cloned()
            .collect();
        Ok(Staged {
            bundle: published.clone(),
            old,
            new: new_anchor,
        })
    }

    /// Resumes a rotation observed in [`Phase::IssuerResigned`]: the bundle holds both
    /// anchors and `issuer` already chains to `new_anchor` at `at` (so the bundle rollout it
    /// needed is behind it). Next: [`IssuerResigned::confirm_leaf_rollout`].
    ///
    /// # Errors
    /// As [`AnchorRotation::resume_staged`], and [`RotationError::IssuerNotUnderNewAnchor`].
    pub fn resume_resigned(
        published: &TrustBundle,
        new_anchor: TrustAnchor,
        issuer: &Ca,
        at: OffsetDateTime,
    ) -> Result<IssuerResigned, RotationError> {
        let staged = Self::resume_staged(published, new_anchor)?;
        BundleDistributed { staged }
            .adopt_issuer(issuer, at)
            .map_err(RotationError::from)
    }
}

/// Step 1 done: the bundle holds old and new anchors. Roll it out everywhere next.
#[derive(Debug, Clone)]
pub struct Staged {
    bundle: TrustBundle,
    old: Vec<Certificate>,
    new: TrustAnchor,
}

impl Staged {
    /// The bundle to publish (old anchors and the new one).
    pub fn bundle(&self) -> &TrustBundle {
        &self.bundle
    }

    /// Confirms that the control plane and every workload loaded the staged bundle: each
    /// loaded bundle (labelled by workload) must contain every anchor of it.
    ///
    /// # Errors
    /// [`RotationError::BundleNotLoaded`] naming the workloads that have not,
    /// [`RotationError::EmptyAcknowledgement`]; the [`Refused`] error hands this state back.
    pub fn confirm_bundle_rollout<'a>(
        self,
        loaded: impl IntoIterator<Item = (&'a str, &'a TrustBundle)>,
    ) -> Result<BundleDistributed, Refused<Self>> {
        let mut seen = 0usize;
        let missing: Vec<String> = loaded
            .into_iter()
            .inspect(|_| seen += 1)
            .filter(|(_, b)| self.bundle.certificates().any(|c| !b.contains(c)))
            .map(|(name, _)| name.to_owned())
            .collect();
        if seen == 0 {
            let error = RotationError::EmptyAcknowledgement {
                step: "bundle rollout",
            };
            return Err(Refused::new(self, error));
        }
        if !missing.is_empty() {
            let error = RotationError::BundleNotLoaded { workloads: missing };
            return Err(Refused::new(self, error));
        }
        Ok(BundleDistributed { staged: self })
    }
}

/// Steps 2–3 done: everyone trusts both anchors. Re-sign the issuer with the new anchor next.
#[derive(Debug, Clone)]
pub struct BundleDistributed {
    staged: Staged,
}

impl BundleDistributed {
    /// The bundle everyone holds.
    pub fn bundle(&self) -> &TrustBundle {
        &self.staged.bundle
    }

    /// Issues the new identity issuer with the new anchor's key (held by the caller as a
    /// [`Ca`] whose certificate must be the staged anchor).
    ///
    /// # Errors
    /// [`RotationError::BadNewAnchor`] if `new_anchor` is not the staged anchor; issuing
    /// errors. The [`Refused`] error hands this state back.
    pub fn resign_issuer(
        self,
        new_anchor: &Ca,
        spec: &CertSpec,
        key: PrivateKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<IssuerResigned, Refused<Self>> {
        if new_anchor.certificate() != self.staged.new.certificate() {
            let error = RotationError::BadNewAnchor("that CA is not the staged anchor".into());
            return Err(Refused::new(self, error));
        }
        let issued = match new_anchor.issue_ca(spec, key, now, rng) {
            Ok(issued) => issued,
            Err(e) => return Err(Refused::new(self, e.into())),
        };
        Ok(IssuerResigned {
            distributed: self,
            issuer: issued.ca,
        })
    }

    /// Adopts an issuer made off-line by the new anchor (the anchor's key never comes near
    /// certcycle); it must chain to the new anchor at `now`. A copy of it is kept.
    ///
    /// # Errors
    /// [`RotationError::IssuerNotUnderNewAnchor`]; the [`Refused`] error hands this state
    /// back.
    pub fn adopt_issuer(
        self,
        issuer: &Ca,
        now: OffsetDateTime,
    ) -> Result<IssuerResigned, Refused<Self>> {
        let only_new = TrustBundle::from_anchors([self.staged.new.clone()]);
        let checked = verify(
            issuer.certificate(),
            &[],
            &only_new,
            now,
            &VerifyOptions::default(),
        );
        if let Err(e) = checked {
            let error = RotationError::IssuerNotUnderNewAnchor(Box::new(e));
            return Err(Refused::new(self, error));
        }
        Ok(IssuerResigned {
            distributed: self,
            issuer: issuer.clone_ca(),
        })
    }
}

/// Step 4 done: the issuer is signed by the new anchor. Restart everything so that every live
/// leaf comes from it, then confirm with the live leaves.
#[derive(Debug)]
pub struct IssuerResigned {
    distributed: BundleDistributed,
    issuer: Ca,
}

impl IssuerResigned {
    /// The new issuer (to hand to the identity controller).
    pub fn issuer(&self) -> &Ca {
        &self.issuer
    }

    /// The bundle everyone holds.
    pub fn bundle(&self) -> &TrustBundle {
        &self.distributed.staged.bundle
    }

    /// Confirms the second rollout with every live leaf (labelled by workload, each with the
    /// intermediates it presents): each must verify under the new anchor alone at `at`.
    ///
    /// # Errors
    /// [`RotationError::OldAnchorStillNeeded`] naming the leaves that do not,
    /// [`RotationError::EmptyAcknowledgement`]; the [`Refused`] error hands this state back.
    pub fn confirm_leaf_rollout<'a>(
        self,
        live: impl IntoIterator<Item = (&'a str, &'a Certificate, &'a [Certificate])>,
        at: OffsetDateTime,
    ) -> Result<LeavesRolledOut, Refused<Self>> {
        let only_new = TrustBundle::from_anchors([self.distributed.staged.new.clone()]);
        let mut seen = 0usize;
        let offenders: Vec<String> = live
            .into_iter()
            .inspect(|_| seen += 1)
            .filter(|(_, leaf, chain)| {
                verify(leaf, chain, &only_new, at, &VerifyOptions::default()).is_err()
            })
            .map(|(name, _, _)| name.to_owned())
            .collect();
        if seen == 0 {
            let error = RotationError::EmptyAcknowledgement {
                step: "leaf rollout",
            };
            return Err(Refused::new(self, error));
        }
        if !offenders.is_empty() {
            let error = RotationError::OldAnchorStillNeeded { offenders };
            return Err(Refused::new(self, error));
        }
        Ok(LeavesRolledOut { resigned: self })
    }
}

/// Steps 5–6 done: every live leaf chains to the new anchor. Drop the old one.
#[derive(Debug)]
pub struct LeavesRolledOut {
    resigned: IssuerResigned,
}

impl LeavesRolledOut {
    /// Step 7: the bundle without the old anchors. Publish it and restart once more so that
    /// nobody trusts the old anchor any longer.
    pub fn drop_old_anchor(self) -> Rotated {
        let staged = &self.resigned.distributed.staged;
        let bundle = staged
            .old
            .iter()
            .fold(staged.bundle.clone(), |b, old| b.without(old));
        Rotated {
            bundle,
            issuer: self.resigned.issuer,
            dropped: staged.old.clone(),
        }
    }
}

/// The rotation is complete.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rotated {
    /// The bundle to publish: the new anchor only.
    pub bundle: TrustBundle,
    /// The issuer under the new anchor.
    pub issuer: Ca,
    /// The anchors that were dropped.
    pub dropped: Vec<Certificate>,
}
