//! cert-manager 1.21's `Certificate.spec.renewal` as data (`pkg/apis/certmanager/v1/
//! types_certificate.go` at v1.21.0), checked as its webhook checks it
//! (`internal/apis/certmanager/validation/certificate.go`); what it does to a renewal time is
//! [`crate::renewal::cert_manager_renewal`].

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
    /// Whether the expression fires at all (`0 0 30 2 *` never does: the webhook accepts it,
    /// and every search for it would run to the cron library's limit, so it is found once).
    fires: bool,
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

/// Where [`RenewalWindow::new`] probes whether an expression fires: 2024-01-01, a leap year.
const NEVER_PROBE: OffsetDateTime = time::macros::datetime!(2024-01-01 00:00 UTC);

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
        let mut w = Self {
            cron: cron.to_owned(),
            duration,
            timezone: timezone.map(str::to_owned),
            fires: true,
        };
        let (cron, tz) = w.parsed()?;
        // From a leap year's start, a day-of-month, month and weekday that ever meet do
        // within the cron library's search.
        w.fires = next_of(&cron, tz, NEVER_PROBE).is_some();
        Ok(w)
    }

    pub(crate) fn parsed(&self) -> Result<(croner::Cron, chrono_tz::Tz), WindowError> {
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
    pub(crate) fn next_start(&self, at: OffsetDateTime) -> Option<OffsetDateTime> {
        if !self.fires {
            return None;
        }
        let (cron, tz) = self.parsed().ok()?;
        next_of(&cron, tz, at)
    }

    /// Whether the expression ever fires (`0 0 30 2 *` does not).
    pub fn fires(&self) -> bool {
        self.fires
    }
}

/// The first time at or after `at` that `cron` fires in `tz`.
pub(crate) fn next_of(
    cron: &croner::Cron,
    tz: chrono_tz::Tz,
    at: OffsetDateTime,
) -> Option<OffsetDateTime> {
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
