//! cert-manager 1.21's `Certificate.spec.renewal` (PR #8258, fix #9038; read at v1.21.0 in
//! `pkg/util/pki/renewaltime.go`, `pkg/apis/certmanager/v1/types_certificate.go` and
//! `internal/apis/certmanager/validation/certificate.go`):
//!
//! - `policy: Disabled`: `RenewalTime` returns no time, the certificate is never renewed;
//! - `policy: RenewBefore` with `windows: [{cron, windowDuration, timezone}]`: the usual
//!   renewal time (renewBefore, renewBeforePercentage or two thirds) stands when it falls in a
//!   window `[start, start + windowDuration]`; otherwise renewal waits for the first window
//!   start after it (searched up to `notAfter + windowDuration`: it can fall after notAfter);
//!   when no window is found it renews at the usual time and cert-manager logs a
//!   `WindowError`.
//!
//! Cron is robfig/cron's five fields and `@descriptors` (`util.CronParse`), parsed here by
//! croner and evaluated in the window's IANA time zone (UTC by default) with chrono-tz.

use super::{Renewal, RenewalPolicy, Rule};
use crate::spec::CertSpec;
use chrono::TimeZone as _;
use std::fmt;
use std::str::FromStr as _;
use time::{Duration, OffsetDateTime};

/// `spec.renewal`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenewalSpec {
    /// `policy`.
    pub policy: RenewalSpecPolicy,
    /// `windows` (only with [`RenewalSpecPolicy::RenewBefore`]).
    pub windows: Vec<RenewalWindow>,
}

impl RenewalSpec {
    /// `policy: Disabled`: never renewed.
    pub fn disabled() -> Self {
        Self {
            policy: RenewalSpecPolicy::Disabled,
            windows: Vec::new(),
        }
    }

    /// `policy: RenewBefore` with `windows`.
    pub fn windows(windows: Vec<RenewalWindow>) -> Self {
        Self {
            policy: RenewalSpecPolicy::RenewBefore,
            windows,
        }
    }
}

/// `spec.renewal.policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalSpecPolicy {
    /// `RenewBefore`: the usual rule, within the windows if any.
    RenewBefore,
    /// `Disabled`: never renewed.
    Disabled,
}

/// One `spec.renewal.windows` entry: renewal may start in `[start, start + duration]` for each
/// time `start` the cron expression gives in the time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenewalWindow {
    /// `cron`, as given.
    pub cron: String,
    /// `windowDuration`.
    pub duration: Duration,
    /// `timezone` (IANA), `None` for UTC.
    pub timezone: Option<String>,
}

/// Why a renewal window is refused (as cert-manager's validation webhook refuses it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// The cron expression does not parse.
    #[error("cron {cron:?} does not parse: {reason}")]
    Cron {
        /// The expression.
        cron: String,
        /// The parser's message.
        reason: String,
    },
    /// The time zone is not an IANA name.
    #[error("timezone {0:?} is not an IANA time zone")]
    TimeZone(String),
    /// `windowDuration` is not positive.
    #[error("windowDuration must be positive")]
    Duration,
}

/// The longest cron expression read (a window is one short line).
const MAX_CRON: usize = 256;

impl RenewalWindow {
    /// A window, checked as cert-manager's webhook checks it.
    ///
    /// # Errors
    /// [`WindowError`].
    pub fn new(
        cron: &str,
        duration: Duration,
        timezone: Option<&str>,
    ) -> Result<Self, WindowError> {
        if duration <= Duration::ZERO {
            return Err(WindowError::Duration);
        }
        let w = Self {
            cron: cron.to_owned(),
            duration,
            timezone: timezone.map(str::to_owned),
        };
        w.parsed()?;
        Ok(w)
    }

    fn parsed(&self) -> Result<(croner::Cron, chrono_tz::Tz), WindowError> {
        let cron_err = |reason: String| WindowError::Cron {
            cron: crate::display::visible(&self.cron).into_owned(),
            reason,
        };
        // robfig/cron: five fields (no seconds) or a descriptor.
        if self.cron.len() > MAX_CRON {
            return Err(cron_err(format!("longer than {MAX_CRON} bytes")));
        }
        let fields = self.cron.split_whitespace().count();
        if !self.cron.trim_start().starts_with('@') && fields != 5 {
            return Err(cron_err(format!("{fields} fields, not 5")));
        }
        let cron = croner::Cron::from_str(self.cron.trim()).map_err(|e| cron_err(e.to_string()))?;
        let tz = match &self.timezone {
            None => chrono_tz::Tz::UTC,
            Some(name) => chrono_tz::Tz::from_str(name)
                .map_err(|_| WindowError::TimeZone(crate::display::visible(name).into_owned()))?,
        };
        Ok((cron, tz))
    }

    /// The first window start at or after `at` (robfig's `Next(at - 1s)`), if the cron
    /// expression ever fires again.
    fn next_start(&self, at: OffsetDateTime) -> Option<OffsetDateTime> {
        let (cron, tz) = self.parsed().ok()?;
        next_of(&cron, tz, at)
    }
}

/// The first time at or after `at` that `cron` fires in `tz`.
fn next_of(cron: &croner::Cron, tz: chrono_tz::Tz, at: OffsetDateTime) -> Option<OffsetDateTime> {
    let from = tz.timestamp_opt(at.unix_timestamp(), 0).single()?;
    let next = cron.find_next_occurrence(&from, true).ok()?;
    OffsetDateTime::from_unix_timestamp(next.timestamp()).ok()
}

impl RenewalWindow {}

impl fmt::Display for RenewalWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "window {:?} for {} ({})",
            crate::display::visible(&self.cron),
            crate::duration::GoDuration(self.duration),
            self.timezone.as_deref().unwrap_or("UTC")
        )
    }
}

/// What `spec.renewal` did to a renewal time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Windowed {
    /// The usual time falls in a window (or there are none): unchanged.
    InWindow,
    /// Delayed from `desired` to the next window start.
    Delayed {
        /// The usual renewal time.
        desired: OffsetDateTime,
    },
    /// No window start up to notAfter + windowDuration: the usual time, with cert-manager's
    /// `WindowError` warning.
    NoWindow,
    /// `policy: Disabled`: never.
    Disabled,
}

/// When cert-manager renews a certificate of `spec` valid `[not_before, not_after]`: its
/// `renewBefore`/`renewBeforePercentage` rule ([`RenewalPolicy::from_spec`]), then
/// `spec.renewal` (never for `Disabled`: `renew_at` is the end of representable time; a
/// window's delay otherwise). The second value says what the windows did.
pub fn cert_manager_renewal(
    spec: &CertSpec,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> (Renewal, Windowed) {
    let mut r = RenewalPolicy::from_spec(spec).renewal_time(not_before, not_after);
    let Some(renewal) = spec.get_renewal() else {
        return (r, Windowed::InWindow);
    };
    if renewal.policy == RenewalSpecPolicy::Disabled {
        r.renew_at = NEVER;
        r.rule = Rule::Disabled;
        return (r, Windowed::Disabled);
    }
    if renewal.windows.is_empty() {
        return (r, Windowed::InWindow);
    }
    let desired = r.renew_at;
    let mut after: Option<OffsetDateTime> = None;
    for w in &renewal.windows {
        let search_min = not_before.checked_sub(w.duration).unwrap_or(not_before);
        let search_max = not_after.checked_add(w.duration).unwrap_or(not_after);
        // In a window: a start S with desired - duration <= S <= desired (and S >= searchMin).
        if desired >= search_min
            && let Some(s) = w.next_start((desired - w.duration).max(search_min))
            && s <= desired
            && s <= search_max
        {
            return (r, Windowed::InWindow);
        }
        // Else the first start at or after the desired time, up to searchMax.
        if let Some(s) = w
            .next_start(desired.max(search_min))
            .filter(|s| *s <= search_max)
        {
            after = Some(after.map_or(s, |a| a.min(s)));
        }
    }
    match after {
        Some(at) => {
            r.renew_at = at;
            (r, Windowed::Delayed { desired })
        }
        None => (r, Windowed::NoWindow),
    }
}

/// "Never": the renewal time of a `Disabled` certificate.
pub const NEVER: OffsetDateTime = time::PrimitiveDateTime::MAX.assume_utc();

/// The longest wait between the end of one window and the start of the next, over a year of
/// starts from `from` (at most 10,000 starts are looked at: a cron that fires more often
/// leaves gaps shorter than a minute's worth anyway).
pub fn longest_wait(windows: &[RenewalWindow], from: OffsetDateTime) -> Option<Duration> {
    let end = from.checked_add(Duration::days(366))?;
    let mut starts: Vec<(OffsetDateTime, Duration)> = Vec::new();
    for w in windows {
        // Parsed once for the whole year of starts.
        let Ok((cron, tz)) = w.parsed() else { continue };
        let mut at = from;
        for _ in 0..10_000 {
            let Some(s) = next_of(&cron, tz, at) else {
                break;
            };
            if s > end {
                break;
            }
            starts.push((s, w.duration));
            at = s + Duration::SECOND;
        }
    }
    starts.sort();
    let mut covered = from;
    let mut longest = Duration::ZERO;
    for (s, d) in starts {
        if s > covered {
            longest = longest.max(s - covered);
        }
        covered = covered.max(s + d);
    }
    (covered < end)
        .then(|| longest.max(end - covered))
        .or(Some(longest))
}

/// The rule of [`cert_manager_renewal`] in words, with what the windows did: `cert-manager
/// renewBefore: notAfter - 7320h0m0s, delayed 5d2h to the next renewal window ...`.
pub fn renewal_words(
    spec: &CertSpec,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> String {
    let (r, windowed) = cert_manager_renewal(spec, not_before, not_after);
    let windows = || {
        spec.get_renewal()
            .map(|s| {
                s.windows
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    match windowed {
        Windowed::InWindow | Windowed::Disabled => r.rule.to_string(),
        Windowed::Delayed { desired } => format!(
            "{}, delayed {} to the next renewal {} (it would have renewed at {})",
            r.rule,
            crate::plan::ago_text(r.renew_at - desired),
            windows(),
            crate::display::rfc3339(desired)
        ),
        Windowed::NoWindow => format!(
            "{}; no renewal window ({}) opens before notAfter + windowDuration: renewed at the usual time (cert-manager warns WindowError)",
            r.rule,
            windows()
        ),
    }
}
