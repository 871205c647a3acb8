//! How much fault a [`Schedule`] takes (DESIGN §17): how long the reconcile loop, and
//! separately cert-manager, may be down at the worst moment, and how late restarts may run,
//! before any pair of workloads fails to verify. Each figure follows from the windows (the
//! reasoning is on [`Tolerance`]'s fields); the simulator proves them with injected faults
//! (`plan::Faults`, `tests/auto_tolerance.rs`).

use super::schedule::{ALLOWANCE, Schedule};
use crate::duration::GoDuration;
use time::Duration;

/// What a schedule tolerates, each fault alone, at its worst moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Tolerance {
    /// How long the reconcile loop may be down. Its worst moments are an activate (the
    /// issuer must move under the new anchor, and every proxy refresh onto it, before the old
    /// anchor's notAfter caps the old issuer and every leaf under it: drain plus slack) and a
    /// retire (it must come before cert-manager's next prepare, or the issuer's next renewal
    /// signs with an anchor nobody loaded: the anchor's life less the lead, the propagation and
    /// the drain); less [`ALLOWANCE`] for the controller to load the issuer.
    pub loop_down: Duration,
    /// How long cert-manager may be down. Its worst moments are an identity issuer renewal
    /// (the issuer expires its renewal lead later, and every leaf with it) and the prepare
    /// (each hour it is late moves the activate an hour nearer the old anchor's notAfter:
    /// drain plus slack); less [`ALLOWANCE`].
    pub cert_manager_down: Duration,
    /// How much later than the cadence restarts may run (a cadence of `c + δ`): the
    /// propagation margin. A pod that has not restarted by the activate holds only the old
    /// anchor when its peers' leaves move to the new one.
    pub restarts_late: Duration,
}

impl Schedule {
    /// What this schedule tolerates, with its lifetimes' identity issuer renewal lead
    /// ([`Lifetimes::issuer_renewal_lead`](super::Lifetimes::issuer_renewal_lead)).
    ///
    /// ```
    /// use certcycle::rotation::{Lifetimes, Propagation, Schedule};
    /// use time::Duration;
    /// let lifetimes = Lifetimes::linkerd(Duration::days(365));
    /// let daily = Propagation::RestartEvery(Duration::DAY);
    /// let minimal = Schedule::new(lifetimes, daily)?.tolerance();
    /// assert_eq!(minimal.restarts_late, Duration::ZERO);
    /// let robust = Schedule::robust(lifetimes, daily)?.tolerance();
    /// assert_eq!(robust.restarts_late, Duration::minutes(24 * 60 + 5));
    /// assert!(robust.loop_down > Duration::days(27));
    /// assert_eq!(robust.cert_manager_down, Duration::minutes(25 * 60 - 5));
    /// # Ok::<(), certcycle::rotation::ScheduleError>(())
    /// ```
    pub fn tolerance(&self) -> Tolerance {
        let issuer_renewal_lead = self.lifetimes().issuer_renewal_lead;
        let to_expiry = self.drain().saturating_add(self.slack());
        let to_next_prepare = self
            .lifetimes()
            .anchor
            .saturating_sub(self.anchor_renew_before())
            .saturating_sub(self.propagation())
            .saturating_sub(self.drain());
        let less = |d: Duration| d.saturating_sub(ALLOWANCE).max(Duration::ZERO);
        Tolerance {
            loop_down: less(to_expiry.min(to_next_prepare)),
            cert_manager_down: less(issuer_renewal_lead.min(to_expiry)),
            restarts_late: self
                .propagation()
                .saturating_sub(self.propagation_floor())
                .max(Duration::ZERO),
        }
    }
}

impl Tolerance {
    /// The `rotation: tolerates ...` lines.
    pub fn lines(&self, schedule: &Schedule) -> Vec<String> {
        let cadence = match schedule.propagation_by().bound() {
            Some(c) => format!(
                "restarts up to {} late (a cadence of {} + {})",
                GoDuration(self.restarts_late),
                GoDuration(c),
                GoDuration(self.restarts_late)
            ),
            None => "no restarts".to_owned(),
        };
        vec![
            format!(
                "rotation: tolerates the reconcile loop down for {} at the worst moment (an activate or a retire)",
                GoDuration(self.loop_down)
            ),
            format!(
                "rotation: tolerates cert-manager down for {} at the worst moment (an identity issuer renewal or the prepare)",
                GoDuration(self.cert_manager_down)
            ),
            format!("rotation: tolerates {cadence}"),
        ]
    }
}
