//! [`reconcile`]: the next action of unattended rotation from the objects as observed, the
//! [`Schedule`] and the time (DESIGN §17).

use super::phase::{Broken, Observed, Phase};
use super::schedule::{Schedule, ScheduleError};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// What [`reconcile`] says to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// Put a new anchor (new key) into the anchor Secret: trust-manager publishes {new, old}.
    /// cert-manager does it by itself when the anchor Certificate's renewBefore is
    /// [`Schedule::anchor_renew_before`]; `kubectl cert-manager renew` otherwise.
    Prepare,
    /// Switch the identity issuer Certificate's issuerRef to the anchor's CA issuer:
    /// cert-manager re-issues the identity issuer under the new anchor.
    Activate,
    /// Copy the anchor Secret into the previous-anchor Secret (trust-manager drops the old
    /// anchor) and switch the issuerRef back to the previous-anchor CA issuer.
    Retire,
    /// Re-issue the identity issuer with its issuerRef's CA (`kubectl cert-manager renew`).
    ReissueIssuer,
    /// Make the bundle what its sources give: the anchor and previous-anchor Secrets.
    SyncBundle,
    /// The anchor expired: issue a new anchor and identity issuer and restart everything.
    /// mTLS is down until then; nothing recovers it without a break.
    Replace,
}

impl Action {
    /// The stable name (`prepare`, `activate`, `retire`, `reissue-issuer`, `sync-bundle`,
    /// `replace`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Prepare => "prepare",
            Self::Activate => "activate",
            Self::Retire => "retire",
            Self::ReissueIssuer => "reissue-issuer",
            Self::SyncBundle => "sync-bundle",
            Self::Replace => "replace",
        }
    }

    /// The objects it writes, in the seed's names.
    pub fn writes(&self) -> &'static str {
        match self {
            Self::Prepare => {
                "Secret cert-manager/linkerd-trust-anchor: a new anchor (cert-manager re-keys the Certificate at its renewBefore; `kubectl cert-manager renew -n cert-manager linkerd-trust-anchor` if it has not)"
            }
            Self::Activate => {
                "Certificate linkerd/linkerd-identity-issuer: spec.issuerRef.name = linkerd-trust-anchor (cert-manager re-issues it under the new anchor)"
            }
            Self::Retire => {
                "Secret cert-manager/linkerd-previous-anchor: the anchor Secret's tls.crt, tls.key and ca.crt (trust-manager drops the old anchor); Certificate linkerd/linkerd-identity-issuer: spec.issuerRef.name = linkerd-previous-anchor"
            }
            Self::ReissueIssuer => {
                "Secret linkerd/linkerd-identity-issuer: re-issued (`kubectl cert-manager renew -n linkerd linkerd-identity-issuer`)"
            }
            Self::SyncBundle => {
                "ConfigMap linkerd-identity-trust-roots: the Bundle's sources, the anchor and previous-anchor Secrets"
            }
            Self::Replace => {
                "every Secret: a new anchor and identity issuer, then restart the control plane and every workload"
            }
        }
    }

    /// Whether cert-manager times it by itself (only [`Action::Prepare`], through the anchor's
    /// renewBefore); the others are dated actions someone or something must take.
    pub fn timed_by_cert_manager(&self) -> bool {
        *self == Self::Prepare
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action and when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Due {
    /// When.
    pub at: OffsetDateTime,
    /// What.
    pub action: Action,
}

/// What [`reconcile`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Reconciled {
    /// The phase observed.
    pub phase: Phase,
    /// What to do now, if anything.
    pub action: Option<Action>,
    /// The action after it (or the next, when nothing is due now), and when: the time to
    /// call again.
    pub next: Option<Due>,
}

/// The next action from the objects as observed, the schedule and the time: pure and
/// idempotent (the same observation gives the same answer), the function an operator calls
/// every loop.
///
/// ```
/// use certcycle::rotation::{reconcile, Action, Lifetimes, Observed, Phase, Propagation, Schedule};
/// use time::Duration;
/// let h = certcycle::testkit::hierarchy().build()?;
/// let (anchor, issuer) = (h.anchor.certificate(), h.issuer.certificate());
/// let schedule = Schedule::new(
///     Lifetimes::linkerd(anchor.not_after() - anchor.not_before()),
///     Propagation::RestartEvery(Duration::DAY),
/// )?;
/// let bundle = h.bundle();
/// let observed = Observed::new(anchor, Some(anchor), &bundle, issuer);
/// let r = reconcile(&observed, &schedule, h.at)?;
/// assert_eq!(r.phase, Phase::Steady);
/// assert_eq!(r.action, None);
/// let next = r.next.unwrap();
/// assert_eq!(next.action, Action::Prepare);
/// assert_eq!(next.at, anchor.not_after() - schedule.anchor_renew_before());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ScheduleError::Overflow`] for times out of range.
pub fn reconcile(
    observed: &Observed<'_>,
    schedule: &Schedule,
    now: OffsetDateTime,
) -> Result<Reconciled, ScheduleError> {
    let phase = Phase::observe(observed, now);
    let add = |t: OffsetDateTime, d: Duration| t.checked_add(d).ok_or(ScheduleError::Overflow);
    let due = |at: OffsetDateTime, action: Action| Some(Due { at, action });
    let (action, next) = match phase {
        Phase::Steady => {
            let w = schedule.after(observed.anchor.not_after())?;
            if now >= w.prepare {
                let activate = w.activate.max(add(now, schedule.propagation())?);
                (Some(Action::Prepare), due(activate, Action::Activate))
            } else {
                (None, due(w.prepare, Action::Prepare))
            }
        }
        Phase::AnchorStaged => {
            let old = observed.previous.unwrap_or(observed.anchor);
            let w = schedule.after(old.not_after())?;
            let activate = w
                .activate
                .max(add(published_since(observed), schedule.propagation())?);
            if now >= activate {
                let retire = w.retire.max(add(now, schedule.drain())?);
                (Some(Action::Activate), due(retire, Action::Retire))
            } else {
                (None, due(activate, Action::Activate))
            }
        }
        Phase::IssuerResigned => {
            let old = observed.previous.unwrap_or(observed.anchor);
            let w = schedule.after(old.not_after())?;
            // The drain counts from the activate: no earlier than the propagation after the
            // bundle changed, and the proven drain no earlier than the issuer under the new
            // anchor was issued (a late loop or cert-manager activated late). The issuer's own
            // notBefore is what can be observed, so a routine renewal since moves the retire
            // later too (never past the old anchor's notAfter plus the drain): `next` is when
            // to call again, and a call then may find the wait not over.
            let since = add(published_since(observed), schedule.propagation())?;
            let issued = observed.issuer.not_before().min(old.not_after());
            let retire = w
                .retire
                .max(add(since, schedule.drain())?)
                .max(add(issued, schedule.drain_floor())?);
            if now >= retire {
                let next = schedule.after(observed.anchor.not_after())?.prepare;
                (Some(Action::Retire), due(next.max(now), Action::Prepare))
            } else {
                (None, due(retire, Action::Retire))
            }
        }
        Phase::Broken(b) => (Some(repair(b, observed)), None),
    };
    // Never sleep past a certificate the chain or the bundle depends on: wake at the first
    // notAfter ahead (at the instant after it, when it is that instant now), so the loop sees
    // the state it leads to in time.
    let next = next.map(|d| Due {
        at: d.at.min(wake_cap(observed, now).unwrap_or(d.at)),
        action: d.action,
    });
    Ok(Reconciled {
        phase,
        action,
        next,
    })
}

/// When the new anchor started to reach pods: the later of its notBefore and the bundle's
/// last change, where that is known.
fn published_since(o: &Observed<'_>) -> OffsetDateTime {
    o.bundle_since
        .map_or(o.anchor.not_before(), |t| t.max(o.anchor.not_before()))
}

/// The earliest notAfter ahead among the anchors the issuer's chain and the bundle depend on:
/// the anchor, the previous anchor and the bundle's anchors (the instant after it when it is
/// `now`). The issuer's own expiry is cert-manager's to renew (and a broken phase if missed).
fn wake_cap(o: &Observed<'_>, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let certs = [Some(o.anchor), o.previous]
        .into_iter()
        .flatten()
        .chain(o.bundle.certificates());
    certs
        .filter_map(|c| {
            let t = c.not_after();
            match t.cmp(&now) {
                std::cmp::Ordering::Greater => Some(t),
                std::cmp::Ordering::Equal => t.checked_add(Duration::SECOND),
                std::cmp::Ordering::Less => None,
            }
        })
        .min()
}

/// The action that repairs a broken state.
fn repair(broken: Broken, o: &Observed<'_>) -> Action {
    match broken {
        Broken::AnchorExpired | Broken::AnchorNotYetValid => Action::Replace,
        Broken::AnchorsSwapped => Action::Prepare,
        Broken::PreviousAnchorExpired => Action::Activate,
        Broken::BundleWithoutCurrentAnchor
        | Broken::BundleWithoutPreviousAnchor
        | Broken::StaleAnchorInBundle => Action::SyncBundle,
        Broken::IssuerUnderAnchorNotInBundle
            if o.previous.is_some_and(|p| o.issuer.is_issued_by(p)) =>
        {
            Action::SyncBundle
        }
        Broken::IssuerExpired
        | Broken::IssuerUnderUnknownAnchor
        | Broken::IssuerUnderAnchorNotInBundle
        | Broken::IssuerSecretWithoutCertificate
        | Broken::IssuerKeyUnusable
        | Broken::IssuerNotYetValid => Action::ReissueIssuer,
    }
}
