//! Injected faults, to prove a schedule's [`Tolerance`](crate::rotation::Tolerance) (DESIGN
//! §17): the reconcile loop or cert-manager down for a while. Late restarts need no fault of
//! their own: run with a longer [`Config::restart_every`](super::Config::restart_every) than
//! the schedule was made for.

use time::{Duration, OffsetDateTime};

/// A component down from `from` for `length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Outage {
    /// When it goes down.
    pub from: OffsetDateTime,
    /// How long it stays down.
    pub length: Duration,
}

impl Outage {
    /// Down from `from` for `length`.
    pub fn new(from: OffsetDateTime, length: Duration) -> Self {
        Self { from, length }
    }

    /// When it is back (the latest representable time if that overflows).
    pub fn until(&self) -> OffsetDateTime {
        self.from
            .checked_add(self.length)
            .unwrap_or(time::PrimitiveDateTime::MAX.assume_utc())
    }

    /// Whether it is down at `t`.
    pub fn covers(&self, t: OffsetDateTime) -> bool {
        self.from <= t && t < self.until()
    }
}

/// The faults a run injects; none by default.
///
/// ```
/// use certcycle::plan::{Config, Faults, Outage};
/// use time::{Duration, macros::datetime};
/// let down = Outage::new(datetime!(2026-01-01 22:00 UTC), Duration::hours(30));
/// let cfg = Config::seed(datetime!(2026-01-01 0:00 UTC))
///     .faults(Faults::default().cert_manager_down(down));
/// // cert-manager misses the identity issuer's renewal (day 0, 23:00) by 30h: it expires.
/// let run = certcycle::plan::simulate(&cfg.horizon(Duration::days(5)), &mut rand_core::OsRng)?;
/// assert!(run.first_break.is_some());
/// # Ok::<(), certcycle::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Faults {
    /// The unattended rotation loop does not run: what it would do waits until it is back.
    pub loop_down: Option<Outage>,
    /// cert-manager renews nothing and acts on no issuerRef change until it is back (what a
    /// loop writes meanwhile waits for it); trust-manager and Linkerd go on.
    pub cert_manager_down: Option<Outage>,
}

impl Faults {
    /// The reconcile loop down for `outage`.
    pub fn loop_down(mut self, outage: Outage) -> Self {
        self.loop_down = Some(outage);
        self
    }

    /// cert-manager down for `outage`.
    pub fn cert_manager_down(mut self, outage: Outage) -> Self {
        self.cert_manager_down = Some(outage);
        self
    }

    /// When cert-manager acts on something due at `t`: then, or when it is back.
    pub(crate) fn cert_manager_at(&self, t: OffsetDateTime) -> OffsetDateTime {
        match self.cert_manager_down {
            Some(o) if o.covers(t) => o.until(),
            _ => t,
        }
    }

    /// When cert-manager is back, if it is down at `t`.
    pub(crate) fn cert_manager_back(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        self.cert_manager_down
            .filter(|o| o.covers(t))
            .map(|o| o.until())
    }

    /// When the loop is back, if it is down at `t`.
    pub(crate) fn loop_back(&self, t: OffsetDateTime) -> Option<OffsetDateTime> {
        self.loop_down.filter(|o| o.covers(t)).map(|o| o.until())
    }
}
