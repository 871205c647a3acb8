//! Which step of an anchor rotation a cluster is in, from its certificates alone.

use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use std::fmt;
use time::OffsetDateTime;

/// What a cluster holds today, as certificates: the anchor Secret's certificate, the
/// previous-anchor Secret's (if there is one), the published trust bundle and the identity
/// issuer.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Observed<'a> {
    /// The current trust anchor (cert-manager's `linkerd-trust-anchor` Secret).
    pub anchor: &'a Certificate,
    /// The previous anchor (the seed's `linkerd-previous-anchor` Secret), if kept.
    pub previous: Option<&'a Certificate>,
    /// The bundle proxies load (the `linkerd-identity-trust-roots` ConfigMap).
    pub bundle: &'a TrustBundle,
    /// The identity issuer (`linkerd-identity-issuer`).
    pub issuer: &'a Certificate,
    /// When the bundle last changed, where that is known (trust-manager's Bundle status, or
    /// the annotation a loop writes with a static ConfigMap): a new anchor reaches pods only
    /// from then, so [`reconcile`](super::reconcile) counts propagation from the later of it
    /// and the anchor's notBefore. `None`: from the anchor's notBefore (trust-manager
    /// publishes as soon as the anchor Secret changes).
    pub bundle_since: Option<OffsetDateTime>,
}

impl<'a> Observed<'a> {
    /// The four observations.
    pub fn new(
        anchor: &'a Certificate,
        previous: Option<&'a Certificate>,
        bundle: &'a TrustBundle,
        issuer: &'a Certificate,
    ) -> Self {
        Self {
            anchor,
            previous,
            bundle,
            issuer,
            bundle_since: None,
        }
    }

    /// When the bundle last changed (see [`Observed::bundle_since`]).
    pub fn with_bundle_since(mut self, at: OffsetDateTime) -> Self {
        self.bundle_since = Some(at);
        self
    }
}

/// A state no step of the procedure leads to: something to repair first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Broken {
    /// The current anchor is past its notAfter: nothing verifies.
    AnchorExpired,
    /// The identity issuer is past its notAfter: every CSR fails.
    IssuerExpired,
    /// The issuer is signed by the previous anchor, which is past its notAfter.
    PreviousAnchorExpired,
    /// The bundle does not hold the current anchor.
    BundleWithoutCurrentAnchor,
    /// The bundle lacks the previous anchor its sources name (trust-manager has not synced,
    /// or the ConfigMap is not what the Bundle builds).
    BundleWithoutPreviousAnchor,
    /// The issuer is signed by neither the anchor nor the previous anchor.
    IssuerUnderUnknownAnchor,
    /// The issuer is signed by an anchor that is not in the bundle.
    IssuerUnderAnchorNotInBundle,
    /// The previous-anchor Secret equals the current anchor, but the bundle still holds
    /// another anchor: no source names it any longer.
    StaleAnchorInBundle,
    /// The identity issuer Secret is there but holds no usable certificate (`tls.crt` empty,
    /// absent, or not an ECDSA P-256 certificate): Linkerd's identity controller cannot start.
    IssuerSecretWithoutCertificate,
    /// The identity issuer Secret's `tls.key` is absent, does not parse, or is not the key of
    /// its `tls.crt` (the anchor's key in its place): Linkerd's identity controller cannot
    /// start.
    IssuerKeyUnusable,
    /// The anchor's notBefore is still ahead: nothing verifies under it yet (certcycle refuses
    /// to issue under it), though it may be in use.
    AnchorNotYetValid,
    /// The identity issuer's notBefore is still ahead: every leaf it signs is refused, and
    /// certcycle refuses to issue under it.
    IssuerNotYetValid,
    /// The anchor and previous-anchor Secrets are swapped: the previous-anchor Secret holds
    /// the newer anchor (the one signing the issuer), the anchor Secret the older one. Read as
    /// staged it would wait for the older anchor to be retired after it has expired.
    AnchorsSwapped,
}

/// Where a rotation stands (DESIGN §10), with [`Phase::next`] saying what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Bundle = {anchor}, previous = anchor (or none), issuer under the anchor.
    Steady,
    /// Step 1 done: previous ≠ anchor, the bundle holds both, the issuer is still under the
    /// previous anchor. Resume with
    /// [`AnchorRotation::resume_staged`](super::AnchorRotation::resume_staged).
    AnchorStaged,
    /// Step 4 done: the issuer is under the new anchor, the bundle still holds both. Resume
    /// with [`AnchorRotation::resume_resigned`](super::AnchorRotation::resume_resigned).
    IssuerResigned,
    /// A named broken state.
    Broken(Broken),
}

/// The next step, and what must be true before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NextStep {
    /// What to do.
    pub action: &'static str,
    /// What must hold first.
    pub precondition: &'static str,
}

impl Phase {
    /// Reads the phase from the observations at `at`.
    ///
    /// ```
    /// use certcycle::rotation::{Observed, Phase};
    /// let h = certcycle::testkit::hierarchy().build()?;
    /// let (anchor, issuer) = (h.anchor.certificate(), h.issuer.certificate());
    /// let phase = Phase::observe(&Observed::new(anchor, Some(anchor), &h.bundle(), issuer), h.at);
    /// assert_eq!(phase, Phase::Steady);
    /// assert_eq!(phase.to_string(), "steady");
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    pub fn observe(o: &Observed<'_>, at: OffsetDateTime) -> Self {
        let expired = |c: &Certificate| c.not_after() < at;
        if expired(o.anchor) {
            return Self::Broken(Broken::AnchorExpired);
        }
        if expired(o.issuer) {
            return Self::Broken(Broken::IssuerExpired);
        }
        // Not yet valid (issued ahead of the clock): certcycle's verifier and issuer refuse it.
        if o.anchor.not_before() > at {
            return Self::Broken(Broken::AnchorNotYetValid);
        }
        if o.issuer.not_before() > at {
            return Self::Broken(Broken::IssuerNotYetValid);
        }
        if !o.bundle.contains(o.anchor) {
            return Self::Broken(Broken::BundleWithoutCurrentAnchor);
        }
        let previous = o.previous.filter(|p| p.der() != o.anchor.der());
        let under_anchor = o.issuer.is_issued_by(o.anchor);
        let under_previous = previous.is_some_and(|p| o.issuer.is_issued_by(p));
        match previous {
            None => {
                if !under_anchor {
                    return Self::Broken(under_other(o));
                }
                if o.bundle.len() > 1 && o.previous.is_some() {
                    Self::Broken(Broken::StaleAnchorInBundle)
                } else {
                    Self::Steady
                }
            }
            Some(p) => {
                if !o.bundle.contains(p) {
                    return Self::Broken(if under_previous {
                        Broken::IssuerUnderAnchorNotInBundle
                    } else {
                        Broken::BundleWithoutPreviousAnchor
                    });
                }
                if under_anchor {
                    Self::IssuerResigned
                } else if under_previous {
                    if expired(p) {
                        Self::Broken(Broken::PreviousAnchorExpired)
                    } else if p.not_after() > o.anchor.not_after() {
                        // The "previous" anchor outlives the current one: the Secrets are
                        // swapped, not staged.
                        Self::Broken(Broken::AnchorsSwapped)
                    } else {
                        Self::AnchorStaged
                    }
                } else {
                    Self::Broken(under_other(o))
                }
            }
        }
    }

    /// The stable name (`steady`, `anchor-staged`, `issuer-resigned`, `broken:<state>`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Steady => "steady",
            Self::AnchorStaged => "anchor-staged",
            Self::IssuerResigned => "issuer-resigned",
            Self::Broken(b) => match b {
                Broken::AnchorExpired => "broken:anchor-expired",
                Broken::IssuerExpired => "broken:issuer-expired",
                Broken::PreviousAnchorExpired => "broken:previous-anchor-expired",
                Broken::BundleWithoutCurrentAnchor => "broken:bundle-without-current-anchor",
                Broken::BundleWithoutPreviousAnchor => "broken:bundle-without-previous-anchor",
                Broken::IssuerUnderUnknownAnchor => "broken:issuer-under-unknown-anchor",
                Broken::IssuerUnderAnchorNotInBundle => "broken:issuer-under-anchor-not-in-bundle",
                Broken::StaleAnchorInBundle => "broken:stale-anchor-in-bundle",
                Broken::IssuerSecretWithoutCertificate => {
                    "broken:issuer-secret-without-certificate"
                }
                Broken::IssuerKeyUnusable => "broken:issuer-key-unusable",
                Broken::AnchorNotYetValid => "broken:anchor-not-yet-valid",
                Broken::IssuerNotYetValid => "broken:issuer-not-yet-valid",
                Broken::AnchorsSwapped => "broken:anchors-swapped",
            },
        }
    }

    /// Whether this is a broken state.
    pub fn is_broken(&self) -> bool {
        matches!(self, Self::Broken(_))
    }

    /// The next step of Linkerd's corrected procedure from here, and its precondition.
    pub fn next(&self) -> NextStep {
        let (action, precondition) = match self {
            Self::Steady => (
                "nothing to do now; to rotate the anchor, put the new anchor in the anchor Secret (trust-manager then publishes {new, old})",
                "the previous-anchor Secret holds the current anchor, so the bundle has one anchor",
            ),
            Self::AnchorStaged => (
                "restart the control plane, then every meshed workload, so each loads the two-anchor bundle; then re-sign the identity issuer under the new anchor",
                "every workload restarted after the bundle gained the new anchor, before the issuer is re-signed",
            ),
            Self::IssuerResigned => (
                "restart the control plane, then every meshed workload, so every leaf chains to the new anchor; then copy the new anchor into the previous-anchor Secret (drops the old one)",
                "no live leaf still chains only to the old anchor: every workload restarted or refreshed since the issuer changed",
            ),
            Self::Broken(b) => match b {
                Broken::AnchorExpired => (
                    "issue a new anchor and identity issuer, publish the bundle, and restart the control plane and every workload: mTLS is down",
                    "none: nothing verifies until then",
                ),
                Broken::IssuerExpired => (
                    "renew the identity issuer under the current anchor (see its cert-manager Certificate's status), then restart the control plane",
                    "the anchor Secret holds a CA key cert-manager can sign with",
                ),
                Broken::PreviousAnchorExpired => (
                    "re-sign the identity issuer under the current anchor now, then restart the control plane and every workload",
                    "every workload holds the bundle with the current anchor",
                ),
                Broken::BundleWithoutCurrentAnchor => (
                    "add the current anchor to the bundle (check the Bundle's sources and trust-manager's sync) before anything is signed by it",
                    "none",
                ),
                Broken::BundleWithoutPreviousAnchor => (
                    "make the bundle hold the previous anchor again (the ConfigMap is not what the Bundle's sources give: trust-manager has not synced, or it was edited)",
                    "none: workloads that restart now lose the anchor their peers' leaves chain to",
                ),
                Broken::IssuerUnderUnknownAnchor => (
                    "re-sign the identity issuer under the current anchor; no workload can verify the leaves it issues",
                    "none",
                ),
                Broken::IssuerUnderAnchorNotInBundle => (
                    "put the issuer's anchor back into the bundle, or re-sign the issuer under the current anchor",
                    "none",
                ),
                Broken::StaleAnchorInBundle => (
                    "remove the extra anchor's source from the Bundle (or let trust-manager re-sync), then restart so nobody trusts it",
                    "no live leaf chains to that anchor",
                ),
                Broken::IssuerSecretWithoutCertificate => (
                    "write the identity issuer's certificate (tls.crt, ECDSA P-256, isCA, signed by the current anchor) and its key into the issuer Secret (see its cert-manager Certificate's status), then restart the control plane",
                    "none: the identity controller cannot start, and CSRs fail once the control plane restarts",
                ),
                Broken::IssuerKeyUnusable => (
                    "write the identity issuer's own private key (tls.key, the key of tls.crt) into the issuer Secret, or re-issue the issuer, then restart the control plane",
                    "none: the identity controller cannot start, and CSRs fail once the control plane restarts",
                ),
                Broken::AnchorNotYetValid => (
                    "issue the anchor again with a notBefore in the past (check the clock of whatever issued it), then the identity issuer under it, and restart the control plane and every workload",
                    "none: nothing verifies under an anchor before its notBefore",
                ),
                Broken::IssuerNotYetValid => (
                    "re-issue the identity issuer now (check the clock of whatever issued it), then restart the control plane",
                    "the anchor is valid now",
                ),
                Broken::AnchorsSwapped => (
                    "put a new anchor into the anchor Secret now (cert-manager renew): the bundle then holds it and the newer of the two, and the rotation continues from anchor-staged",
                    "the previous-anchor Secret's anchor is in the bundle",
                ),
            },
        };
        NextStep {
            action,
            precondition,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many same-subject bundle anchors [`under_other`] tries: a published bundle is input,
/// and each try is a signature check.
const MAX_SIGNER_CANDIDATES: usize = 64;

fn under_other(o: &Observed<'_>) -> Broken {
    let signed = o
        .bundle
        .certificates()
        .filter(|c| o.issuer.issuer_der() == c.subject_der())
        .take(MAX_SIGNER_CANDIDATES)
        .any(|c| o.issuer.is_issued_by(c));
    if signed {
        // Signed by a bundle anchor that neither the anchor nor the previous Secret holds.
        Broken::IssuerUnderUnknownAnchor
    } else {
        Broken::IssuerUnderAnchorNotInBundle
    }
}
