//! Unattended anchor rotation (DESIGN §17): a schedule whose windows follow from the lifetimes
//! and the cluster's restart cadence ([`Schedule`] says how), widened past the proven floors
//! for robustness by default ([`Schedule::robust`]). `reconcile` (`rotation/reconcile.rs`) is
//! the pure function an operator calls every loop; `rotation/tolerance.rs` says how much fault
//! a schedule takes.

use crate::duration::GoDuration;
use crate::presets::linkerd;
use crate::renewal::linkerd_proxy_refresh_in;
use std::fmt;
use time::{Duration, OffsetDateTime};

/// How long a restarted pod may take to start and load its bundle, added to the restart
/// cadence; and how long the identity controller may take to reload the issuer Secret and
/// answer a CSR, added to the refresh time.
pub const ALLOWANCE: Duration = Duration::minutes(5);

/// SPIRE's prepare point: half the predecessor's lifetime before its expiry, at most this.
pub const SPIRE_PREPARE_CAP: Duration = Duration::days(30);

/// SPIRE's activate point: a sixth of the predecessor's lifetime before its expiry, at most
/// this.
pub const SPIRE_ACTIVATE_CAP: Duration = Duration::days(7);

/// How a new anchor reaches every pod: the only ways a Linkerd proxy or the identity
/// controller loads anchors is by (re)starting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Propagation {
    /// Every pod and the control plane restart at least this often (`--restart-every`).
    RestartEvery(Duration),
    /// A rollout that restarts every pod, finished within this long after the bundle
    /// changes (something outside certcycle starts it, e.g. a reloader watching the
    /// ConfigMap).
    Rollout(Duration),
    /// Pods are never restarted: no new anchor ever reaches them.
    Never,
}

impl Propagation {
    /// The longest time until every pod loaded a bundle published now, if there is one.
    pub fn bound(&self) -> Option<Duration> {
        match *self {
            Self::RestartEvery(d) | Self::Rollout(d) if d > Duration::ZERO => Some(d),
            _ => None,
        }
    }
}

impl fmt::Display for Propagation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::RestartEvery(d) => write!(f, "every pod restarts every {}", GoDuration(d)),
            Self::Rollout(d) => write!(f, "a rollout restarts every pod within {}", GoDuration(d)),
            Self::Never => f.write_str("pods are never restarted"),
        }
    }
}

/// The lifetimes a schedule depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Lifetimes {
    /// Each anchor generation's lifetime (the anchor Certificate's `duration`).
    pub anchor: Duration,
    /// A workload leaf's lifetime (Linkerd's `issuanceLifetime`, 24h).
    pub leaf: Duration,
    /// How long before its notAfter cert-manager renews the identity issuer (the seed's 48h
    /// issuer with renewBefore 25h: 25h): how long cert-manager may miss a renewal
    /// ([`Tolerance::cert_manager_down`](super::Tolerance::cert_manager_down)).
    pub issuer_renewal_lead: Duration,
}

impl Lifetimes {
    /// An anchor lifetime and a leaf lifetime, with the seed's identity issuer (renewed 25h
    /// before its notAfter).
    pub fn new(anchor: Duration, leaf: Duration) -> Self {
        Self {
            anchor,
            leaf,
            issuer_renewal_lead: linkerd::ISSUER_RENEW_BEFORE,
        }
    }

    /// An anchor lifetime with Linkerd's 24h leaves and the seed's identity issuer.
    pub fn linkerd(anchor: Duration) -> Self {
        Self::new(anchor, linkerd::WORKLOAD_DURATION)
    }

    /// Sets how long before its notAfter cert-manager renews the identity issuer.
    pub fn issuer_renewal_lead(mut self, lead: Duration) -> Self {
        self.issuer_renewal_lead = lead;
        self
    }
}

/// One of a schedule's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Window {
    /// Prepare to activate.
    Propagation,
    /// Activate to retire.
    Drain,
    /// Retire to the old anchor's notAfter.
    Slack,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Propagation => "propagation (prepare to activate)",
            Self::Drain => "drain (activate to retire)",
            Self::Slack => "slack (retire to the old anchor's notAfter)",
        })
    }
}

/// A window's length and why it cannot be shorter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bound {
    /// Which window.
    pub window: Window,
    /// Its length.
    pub length: Duration,
    /// Why.
    pub reason: String,
}

/// Why no schedule was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// Nothing restarts the pods, so no new anchor ever reaches them.
    #[error(
        "no schedule can propagate an anchor: {propagation}, and proxies and the identity controller load anchors only when they start; {}",
        match .longest_cadence {
            Some(d) => format!("restarting every pod at least every {} (--restart-every {}) would make one possible with {} anchors", GoDuration(*d), GoDuration(*d), GoDuration(*.anchor_lifetime)),
            None => format!("no restart cadence is enough for {} anchors with {} leaves", GoDuration(*.anchor_lifetime), GoDuration(*.leaf)),
        }
    )]
    NoPropagation {
        /// What was given.
        propagation: Propagation,
        /// The anchor lifetime.
        anchor_lifetime: Duration,
        /// The leaf lifetime.
        leaf: Duration,
        /// The longest restart cadence that would give a schedule, if any.
        longest_cadence: Option<Duration>,
    },
    /// The anchor does not live long enough for two propagations and two drains: its
    /// successor would have to be prepared before it is itself retired.
    #[error(
        "no safe schedule: an anchor lifetime of {} is shorter than two propagation windows ({} each), two drain windows ({} each), the slack ({}) and 5m between a retire and the next prepare, {} in all{}",
        GoDuration(*.lifetime), GoDuration(*.propagation), GoDuration(*.drain), GoDuration(*.slack), GoDuration(*.needed),
        match .longest_cadence {
            Some(d) => format!("; restarting every pod at least every {} would make one possible", GoDuration(*d)),
            None => String::new(),
        }
    )]
    AnchorTooShort {
        /// The anchor lifetime.
        lifetime: Duration,
        /// What it would need.
        needed: Duration,
        /// The propagation window.
        propagation: Duration,
        /// The drain window.
        drain: Duration,
        /// The slack asked for.
        slack: Duration,
        /// The longest restart cadence that would give a schedule, if any.
        longest_cadence: Option<Duration>,
    },
    /// A lifetime that is zero or negative.
    #[error("{what} must be positive, not {}", GoDuration(*.value))]
    NotPositive {
        /// Which.
        what: &'static str,
        /// The value.
        value: Duration,
    },
    /// A time or duration past what can be represented.
    #[error("the schedule's times overflow")]
    Overflow,
    /// The rotations would not move forward in time: the anchor lifetime is not longer than
    /// the lead the windows take before each notAfter (the renewBefore), so each successor
    /// would expire no later than its predecessor.
    #[error(
        "the rotations do not move forward: an anchor lives {} but is prepared {} before its notAfter",
        GoDuration(*.lifetime), GoDuration(*.renew_before)
    )]
    NoProgress {
        /// The anchor lifetime.
        lifetime: Duration,
        /// How long before notAfter each successor is prepared.
        renew_before: Duration,
    },
    /// More rotations up to `until` than [`MAX_ROTATIONS`]: asked for as a whole, not cut
    /// short silently.
    #[error("more than {limit} rotations before the end asked for")]
    TooManyRotations {
        /// The limit.
        limit: usize,
    },
}

/// When one anchor generation is prepared and activated, and when its predecessor retires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Windows {
    /// The new anchor is put into the bundle (nothing signs with it yet).
    pub prepare: OffsetDateTime,
    /// The identity issuer is re-signed under it.
    pub activate: OffsetDateTime,
    /// The predecessor leaves the bundle.
    pub retire: OffsetDateTime,
    /// The predecessor's notAfter.
    pub expires: OffsetDateTime,
}

/// At most this many rotations are listed by [`Schedule::rotations`] (more is an error, not a
/// silent cut).
pub const MAX_ROTATIONS: usize = 10_000;

/// A proven rotation schedule (DESIGN §17).
///
/// SPIRE prepares a new authority at half its predecessor's remaining life (at most 30 days
/// before expiry) and activates it at a sixth (at most 7 days): safe there because bundles
/// reach workloads in seconds. A Linkerd proxy loads its anchors only when its pod starts, and
/// the identity controller only when it starts, so here the windows are set by the restart
/// cadence and the leaf lifetime, and each one is as short as is safe:
///
/// ```text
///   prepare ──── propagation ────> activate ──── drain ────> retire ─ slack ─> old anchor's notAfter
///   new anchor in the bundle        identity issuer           old anchor out
///   (cert-manager re-keys the       re-signed under the       of the bundle
///    anchor: renewBefore)           new anchor (issuerRef)
/// ```
///
/// - **propagation**: every pod, and the identity controller, restarts within the cadence, so
///   after it everyone holds {new, old}; activating earlier hands new-anchor leaves to proxies
///   that trust only the old anchor, or has the controller skip the new issuer;
/// - **drain**: a proxy refreshes its leaf at 70% of its life, so this long after the switch no
///   leaf under the old issuer is presented; retiring earlier lets a pod that restarts in
///   between load a bundle without the anchor its peers' leaves still chain to;
/// - **slack**: time kept between retiring and the old anchor's notAfter, one leaf lifetime by
///   default (24h): a loop that runs late still has that long before anything expires, and
///   every leaf under the old anchor lives its full lifetime, so the drain (not the anchor's
///   notAfter, which caps the identity issuer and every leaf under it) bounds the retire.
///   With less than 30% of a leaf lifetime of slack, that cap ends the old leaves first, and
///   the drain window is longer than it needs to be (safe, not tight).
///
/// The shape to run it with cert-manager: the anchor Certificate's renewBefore is
/// [`Schedule::anchor_renew_before`], so cert-manager prepares by itself; the identity issuer
/// Certificate's issuerRef names a CA issuer on the previous-anchor Secret (a copy of the
/// anchor Secret), so a routine issuer renewal after the re-key still signs with the old
/// anchor. What cert-manager cannot time are the two dated actions: switching that issuerRef
/// to the anchor's CA issuer (activate) and, at retire, copying the anchor Secret into the
/// previous-anchor Secret and switching the issuerRef back.
///
/// ```
/// use certcycle::rotation::{Lifetimes, Propagation, Schedule};
/// use time::Duration;
/// let s = Schedule::new(
///     Lifetimes::linkerd(Duration::days(365)),
///     Propagation::RestartEvery(Duration::DAY),
/// )?;
/// assert_eq!(s.propagation(), Duration::hours(24) + Duration::minutes(5));
/// assert_eq!(s.drain(), Duration::minutes(16 * 60 + 48 + 5)); // 70% of 24h, and 5m
/// assert_eq!(s.slack(), Duration::hours(24)); // one leaf lifetime
/// // The anchor Certificate's renewBefore, so cert-manager prepares by itself:
/// assert_eq!(s.anchor_renew_before(), Duration::hours(64) + Duration::minutes(58));
/// // No restarts at all: refused, naming a cadence that would do.
/// let never = Schedule::new(Lifetimes::linkerd(Duration::days(365)), Propagation::Never);
/// assert!(never.unwrap_err().to_string().contains("--restart-every"));
/// # Ok::<(), certcycle::rotation::ScheduleError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schedule {
    lifetimes: Lifetimes,
    propagation_by: Propagation,
    propagation: Duration,
    drain: Duration,
    slack: Duration,
    /// The proven floors: propagation, drain, and the slack asked for.
    floors: (Duration, Duration, Duration),
    policy: WindowPolicy,
    proven: bool,
}

/// How a schedule's windows are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WindowPolicy {
    /// The proven floors: each window as short as is safe, the rest of the anchor's life
    /// before the prepare (`--windows minimal`).
    Minimal,
    /// Prepare as early as the lifetime allows up to SPIRE's lead (`min(life/2, 30d)` before
    /// expiry); activate after the propagation floor plus a margin, retire after the drain
    /// floor plus a margin (each margin up to the floor itself, and at most a third of the
    /// room), the rest slack (`--windows robust`, the default).
    #[default]
    Robust,
}

impl fmt::Display for WindowPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Minimal => "minimal",
            Self::Robust => "robust",
        })
    }
}

impl Schedule {
    /// The shortest safe windows for these lifetimes and this propagation, with one leaf
    /// lifetime of slack.
    ///
    /// # Errors
    /// [`ScheduleError::NoPropagation`] when nothing restarts the pods;
    /// [`ScheduleError::AnchorTooShort`] when the anchor cannot hold two propagation and two
    /// drain windows; [`ScheduleError::NotPositive`] for a lifetime of zero or less.
    pub fn new(lifetimes: Lifetimes, propagation: Propagation) -> Result<Self, ScheduleError> {
        for (what, value) in [
            ("the anchor lifetime", lifetimes.anchor),
            ("the leaf lifetime", lifetimes.leaf),
        ] {
            if value <= Duration::ZERO {
                return Err(ScheduleError::NotPositive { what, value });
            }
        }
        let drain = drain_of(lifetimes.leaf)?;
        let Some(bound) = propagation.bound() else {
            return Err(ScheduleError::NoPropagation {
                propagation,
                anchor_lifetime: lifetimes.anchor,
                leaf: lifetimes.leaf,
                longest_cadence: longest_cadence(lifetimes.anchor, drain, lifetimes.leaf),
            });
        };
        let propagation_floor = bound
            .checked_add(ALLOWANCE)
            .ok_or(ScheduleError::Overflow)?;
        let schedule = Self {
            lifetimes,
            propagation_by: propagation,
            propagation: propagation_floor,
            drain,
            slack: lifetimes.leaf,
            floors: (propagation_floor, drain, lifetimes.leaf),
            policy: WindowPolicy::Minimal,
            proven: true,
        };
        schedule.check()?;
        Ok(schedule)
    }

    /// The floors of [`Schedule::new`], widened for robustness ([`WindowPolicy::Robust`]):
    /// the prepare moves to `min(life/2, 30d)` before expiry (never later than the floors
    /// put it), and the room this makes goes to margins after the propagation and the drain
    /// (each up to its floor, at most a third of the room) and to slack.
    ///
    /// ```
    /// use certcycle::rotation::{Lifetimes, Propagation, Schedule};
    /// use time::Duration;
    /// let s = Schedule::robust(
    ///     Lifetimes::linkerd(Duration::days(365)),
    ///     Propagation::RestartEvery(Duration::DAY),
    /// )?;
    /// assert_eq!(s.anchor_renew_before(), Duration::days(30)); // SPIRE's lead
    /// assert_eq!(s.propagation(), Duration::minutes(2 * (24 * 60 + 5))); // floor + margin
    /// assert_eq!(s.propagation_floor(), Duration::minutes(24 * 60 + 5));
    /// # Ok::<(), certcycle::rotation::ScheduleError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Schedule::new`].
    pub fn robust(lifetimes: Lifetimes, propagation: Propagation) -> Result<Self, ScheduleError> {
        Self::new(lifetimes, propagation)?.with_policy(WindowPolicy::Robust)
    }

    /// The same floors with windows chosen by `policy`.
    ///
    /// # Errors
    /// As [`Schedule::new`].
    pub fn with_policy(mut self, policy: WindowPolicy) -> Result<Self, ScheduleError> {
        self.policy = policy;
        self.widen()?;
        Ok(self)
    }

    /// Sets the windows from the floors and the policy.
    fn widen(&mut self) -> Result<(), ScheduleError> {
        let (p, d, s) = self.floors;
        (self.propagation, self.drain, self.slack) = (p, d, s);
        if self.policy == WindowPolicy::Minimal {
            return self.check();
        }
        let floor_lead = p
            .checked_add(d)
            .and_then(|x| x.checked_add(s))
            .ok_or(ScheduleError::Overflow)?;
        let lead = spire_leads(self.lifetimes.anchor).0.max(floor_lead);
        let room = lead - floor_lead;
        let (mp, md) = (p.min(room / 3_i32), d.min(room / 3_i32));
        let widened = (p + mp, d + md, lead - p - mp - d - md);
        (self.propagation, self.drain, self.slack) = widened;
        if self.check().is_err() {
            // No room for margins in this lifetime: the floors.
            (self.propagation, self.drain, self.slack) = (p, d, s);
        }
        self.check()
    }

    /// How the windows were chosen.
    pub fn policy(&self) -> WindowPolicy {
        self.policy
    }

    /// The proven propagation window (what [`Schedule::new`] uses).
    pub fn propagation_floor(&self) -> Duration {
        self.floors.0
    }

    /// The proven drain window (what [`Schedule::new`] uses).
    pub fn drain_floor(&self) -> Duration {
        self.floors.1
    }

    /// The slack asked for (one leaf lifetime unless [`Schedule::with_slack`]).
    pub fn slack_floor(&self) -> Duration {
        self.floors.2
    }

    /// Keeps `slack` between retiring an anchor and its notAfter (prepare and activate move
    /// earlier by as much; with [`WindowPolicy::Robust`], at least `slack`, the margins
    /// taking the room first).
    ///
    /// # Errors
    /// As [`Schedule::new`], when the anchor cannot hold the windows and the slack.
    pub fn with_slack(mut self, slack: Duration) -> Result<Self, ScheduleError> {
        if slack < Duration::ZERO {
            return Err(ScheduleError::NotPositive {
                what: "the slack",
                value: slack,
            });
        }
        self.floors.2 = slack;
        self.widen()?;
        Ok(self)
    }

    /// The same schedule with one window set to `length`: for experiments (showing a shorter
    /// window breaks). [`Schedule::is_proven`] stays `true` only when the length is the proven
    /// one or longer *and* the windows still fit the anchor (two propagation and two drain
    /// windows, the slack and the allowance; so the renewBefore stays under the anchor's
    /// duration, as cert-manager's webhook requires). A negative length counts as zero.
    pub fn with_window(mut self, window: Window, length: Duration) -> Self {
        let length = length.max(Duration::ZERO);
        let at_least_floor = match window {
            Window::Propagation => length >= self.propagation,
            Window::Drain => length >= self.drain,
            Window::Slack => true,
        };
        // A window cut below its floor takes the floor with it (what reconcile falls back
        // on), so the experiment runs the cut.
        match window {
            Window::Propagation => {
                self.propagation = length;
                self.floors.0 = self.floors.0.min(length);
            }
            Window::Drain => {
                self.drain = length;
                self.floors.1 = self.floors.1.min(length);
            }
            Window::Slack => self.slack = length,
        }
        self.proven = self.proven && at_least_floor && self.check().is_ok();
        self
    }

    fn check(&self) -> Result<(), ScheduleError> {
        let needed = needed(self.propagation, self.drain, self.slack)?;
        if self.lifetimes.anchor < needed {
            return Err(ScheduleError::AnchorTooShort {
                lifetime: self.lifetimes.anchor,
                needed,
                propagation: self.propagation,
                drain: self.drain,
                slack: self.slack,
                longest_cadence: longest_cadence(self.lifetimes.anchor, self.drain, self.slack),
            });
        }
        Ok(())
    }

    /// Whether every window is at least its proven length.
    pub fn is_proven(&self) -> bool {
        self.proven
    }

    /// The lifetimes it was made for.
    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }

    /// How new anchors reach the pods.
    pub fn propagation_by(&self) -> Propagation {
        self.propagation_by
    }

    /// Prepare to activate.
    pub fn propagation(&self) -> Duration {
        self.propagation
    }

    /// Activate to retire.
    pub fn drain(&self) -> Duration {
        self.drain
    }

    /// Retire to the old anchor's notAfter.
    pub fn slack(&self) -> Duration {
        self.slack
    }

    /// How long before an anchor's notAfter its successor is prepared: the anchor
    /// Certificate's `renewBefore`, so that cert-manager re-keys it then by itself.
    pub fn anchor_renew_before(&self) -> Duration {
        self.propagation
            .saturating_add(self.drain)
            .saturating_add(self.slack)
    }

    /// The shortest anchor lifetime these windows fit: two propagation and two drain windows,
    /// the slack, and [`ALLOWANCE`] between a retire and the next prepare.
    pub fn shortest_anchor(&self) -> Duration {
        needed(self.propagation, self.drain, self.slack).unwrap_or(Duration::MAX)
    }

    /// Time between two anchor generations.
    pub fn period(&self) -> Duration {
        self.lifetimes
            .anchor
            .saturating_sub(self.anchor_renew_before())
    }

    /// Each window's length and why it cannot be shorter.
    pub fn bounds(&self) -> Vec<Bound> {
        let mut out = self.floor_bounds();
        for b in &mut out {
            let floor = match b.window {
                Window::Propagation => self.floors.0,
                Window::Drain => self.floors.1,
                Window::Slack => self.floors.2,
            };
            if b.length > floor {
                b.reason = format!(
                    "{} (floor) + {} (margin): {}",
                    GoDuration(floor),
                    GoDuration(b.length - floor),
                    b.reason
                );
            }
        }
        out
    }

    fn floor_bounds(&self) -> Vec<Bound> {
        let leaf = GoDuration(self.lifetimes.leaf);
        let refresh = GoDuration(linkerd_proxy_refresh_in(self.lifetimes.leaf).0);
        vec![
            Bound {
                window: Window::Propagation,
                length: self.propagation,
                reason: format!(
                    "{}, and a pod may take {} to start: only then does every proxy and the identity controller hold the new anchor; activating earlier hands new-anchor leaves to proxies that trust only the old one, or the controller skips the new issuer",
                    self.propagation_by,
                    GoDuration(ALLOWANCE)
                ),
            },
            Bound {
                window: Window::Drain,
                length: self.drain,
                reason: format!(
                    "a proxy refreshes its {leaf} leaf after 70% of it ({refresh}), and the controller may take {} to load the new issuer: only then is no leaf under the old anchor presented; retiring earlier lets a pod that restarts in between load a bundle without the anchor its peers' leaves chain to",
                    GoDuration(ALLOWANCE)
                ),
            },
            Bound {
                window: Window::Slack,
                length: self.slack,
                reason: format!(
                    "a margin before the old anchor expires (one {leaf} leaf lifetime by default): a late loop still has it, and old leaves live their full lifetime, so the drain bounds the retire"
                ),
            },
        ]
    }

    /// The windows for the successor of an anchor that expires at `expires`.
    ///
    /// # Errors
    /// [`ScheduleError::Overflow`] for times out of range.
    pub fn after(&self, expires: OffsetDateTime) -> Result<Windows, ScheduleError> {
        let sub = |t: OffsetDateTime, d: Duration| t.checked_sub(d).ok_or(ScheduleError::Overflow);
        let retire = sub(expires, self.slack)?;
        let activate = sub(retire, self.drain)?;
        let prepare = sub(activate, self.propagation)?;
        Ok(Windows {
            prepare,
            activate,
            retire,
            expires,
        })
    }

    /// The rotations from an anchor that expires at `expires` up to `until`, each successor
    /// issued at its prepare time and living [`Lifetimes::anchor`]; each later than the one
    /// before.
    ///
    /// # Errors
    /// [`ScheduleError::Overflow`] for times out of range; [`ScheduleError::NoProgress`] when
    /// successors would not expire later than their predecessors (an anchor lifetime not
    /// longer than [`Schedule::anchor_renew_before`], as an experiment's windows can make);
    /// [`ScheduleError::TooManyRotations`] past [`MAX_ROTATIONS`].
    pub fn rotations(
        &self,
        expires: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<Windows>, ScheduleError> {
        if self.lifetimes.anchor <= self.anchor_renew_before() {
            return Err(ScheduleError::NoProgress {
                lifetime: self.lifetimes.anchor,
                renew_before: self.anchor_renew_before(),
            });
        }
        let mut out = Vec::new();
        let mut expires = expires;
        loop {
            let w = self.after(expires)?;
            if w.prepare > until {
                return Ok(out);
            }
            if out.len() >= MAX_ROTATIONS {
                return Err(ScheduleError::TooManyRotations {
                    limit: MAX_ROTATIONS,
                });
            }
            out.push(w);
            expires = w
                .prepare
                .checked_add(self.lifetimes.anchor)
                .ok_or(ScheduleError::Overflow)?;
        }
    }

    /// SPIRE's windows for the same anchor lifetime, for comparison: (prepare, activate) as
    /// time before the predecessor's notAfter.
    pub fn spire(&self) -> (Duration, Duration) {
        spire_leads(self.lifetimes.anchor)
    }

    /// SPIRE's fractions as a schedule, not proven: prepare at half the predecessor's life
    /// (at most 30 days before its notAfter), activate at a sixth (at most 7 days), the old
    /// anchor retired as it expires. To compare with the proven one on the same cluster.
    ///
    /// ```
    /// use certcycle::rotation::{Lifetimes, Schedule};
    /// use time::Duration;
    /// let spire = Schedule::spire_like(Lifetimes::linkerd(Duration::days(365)))?;
    /// assert_eq!(spire.anchor_renew_before(), Duration::days(30));
    /// assert_eq!(spire.propagation(), Duration::days(23));
    /// assert!(!spire.is_proven());
    /// assert!(Schedule::spire_like(Lifetimes::linkerd(-Duration::days(1))).is_err());
    /// # Ok::<(), certcycle::rotation::ScheduleError>(())
    /// ```
    ///
    /// # Errors
    /// [`ScheduleError::NotPositive`] for a lifetime of zero or less.
    pub fn spire_like(lifetimes: Lifetimes) -> Result<Self, ScheduleError> {
        for (what, value) in [
            ("the anchor lifetime", lifetimes.anchor),
            ("the leaf lifetime", lifetimes.leaf),
        ] {
            if value <= Duration::ZERO {
                return Err(ScheduleError::NotPositive { what, value });
            }
        }
        let (prepare, activate) = spire_leads(lifetimes.anchor);
        let (propagation, drain) = (prepare.saturating_sub(activate), activate);
        Ok(Self {
            lifetimes,
            propagation_by: Propagation::Never,
            propagation,
            drain,
            slack: Duration::ZERO,
            floors: (propagation, drain, Duration::ZERO),
            policy: WindowPolicy::Minimal,
            proven: false,
        })
    }
}

fn spire_leads(anchor: Duration) -> (Duration, Duration) {
    (
        (anchor / 2_i32).min(SPIRE_PREPARE_CAP),
        (anchor / 6_i32).min(SPIRE_ACTIVATE_CAP),
    )
}

fn drain_of(leaf: Duration) -> Result<Duration, ScheduleError> {
    linkerd_proxy_refresh_in(leaf)
        .0
        .checked_add(ALLOWANCE)
        .ok_or(ScheduleError::Overflow)
}

/// What an anchor must live: its successor is prepared `propagation + drain + slack` before
/// it expires, and must itself last until its own successor's prepare comes at least
/// [`ALLOWANCE`] after this one's retire (the retire is a dated write, the prepare
/// cert-manager's own: they must not race).
fn needed(
    propagation: Duration,
    drain: Duration,
    slack: Duration,
) -> Result<Duration, ScheduleError> {
    propagation
        .checked_add(drain)
        .and_then(|d| d.checked_mul(2))
        .and_then(|d| d.checked_add(slack))
        .and_then(|d| d.checked_add(ALLOWANCE))
        .ok_or(ScheduleError::Overflow)
}

/// The longest restart cadence with which an anchor of `lifetime` gets a schedule.
fn longest_cadence(lifetime: Duration, drain: Duration, slack: Duration) -> Option<Duration> {
    let room = lifetime
        .checked_sub(slack)?
        .checked_sub(ALLOWANCE)?
        .checked_sub(drain.checked_mul(2)?)?;
    let cadence = (room / 2_i32).checked_sub(ALLOWANCE)?;
    // Whole minutes, rounded down.
    let cadence = Duration::minutes(cadence.whole_minutes());
    (cadence > Duration::ZERO).then_some(cadence)
}
