//! cert-manager's admission checks on a Certificate's durations (its validation webhook,
//! `internal/apis/certmanager/validation/certificate.go`).

use super::WindowError;
use crate::duration::GoDuration;
use crate::spec::CertSpec;
use time::Duration;

/// cert-manager's admission limits (`MinimumCertificateDuration`, `MinimumRenewBefore`).
pub const MINIMUM_DURATION: Duration = Duration::hours(1);
/// The smallest renewBefore cert-manager admits.
pub const MINIMUM_RENEW_BEFORE: Duration = Duration::minutes(5);

/// A spec cert-manager's admission webhook would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// `duration` under 1h.
    #[error("certificate duration {} must be at least 1h0m0s", GoDuration(*.0))]
    DurationTooShort(Duration),
    /// `renewBefore` under 5m.
    #[error("certificate renewBefore {} must be at least 5m0s", GoDuration(*.0))]
    RenewBeforeTooShort(Duration),
    /// `renewBefore >= duration`.
    #[error("certificate duration {} must be greater than renewBefore {}", GoDuration(*duration), GoDuration(*renew_before))]
    RenewBeforeNotShorterThanDuration {
        /// The duration.
        duration: Duration,
        /// The renewBefore.
        renew_before: Duration,
    },
    /// Both `renewBefore` and `renewBeforePercentage` are set.
    #[error("renewBefore and renewBeforePercentage are mutually exclusive")]
    MutuallyExclusive,
    /// `renewal.windows` with `renewal.policy: Disabled` (cert-manager 1.21's webhook).
    #[error("windows cannot be set when renewal.policy is set to Disabled")]
    WindowsWithDisabled,
    /// A `renewal.windows` entry the webhook refuses.
    #[error("renewal window: {0}")]
    Window(WindowError),
    /// `renewBeforePercentage` outside (0, 100).
    #[error("renewBeforePercentage {0} must be between 0 and 100, exclusive")]
    PercentageOutOfRange(i32),
    /// A duration Go (and so cert-manager and Linkerd) cannot express: negative, or above
    /// `2562047h47m16.854775807s` (`i64::MAX` nanoseconds).
    #[error("{field} {value} is outside what Go can express (0 to 2562047h47m16.854775807s)")]
    NotExpressible {
        /// Which field (`duration`, `renewBefore`, `backdate`, `lifetime`).
        field: &'static str,
        /// The value given.
        value: Duration,
    },
}

/// Refuses a duration Go cannot express.
pub(crate) fn expressible(field: &'static str, value: Duration) -> Result<(), SpecError> {
    match GoDuration::new(value) {
        Some(_) => Ok(()),
        None => Err(SpecError::NotExpressible { field, value }),
    }
}

/// Checks `duration`, `renewBefore` and `renewBeforePercentage` as cert-manager's admission
/// webhook does. Errors come in the webhook's order; the first is returned.
///
/// # Errors
/// The first [`SpecError`] found.
pub fn validate(
    duration: Duration,
    renew_before: Option<Duration>,
    renew_before_percentage: Option<i32>,
) -> Result<(), SpecError> {
    if duration > GoDuration::MAX {
        return Err(SpecError::NotExpressible {
            field: "duration",
            value: duration,
        });
    }
    if duration < MINIMUM_DURATION {
        return Err(SpecError::DurationTooShort(duration));
    }
    if let Some(rb) = renew_before {
        if rb > GoDuration::MAX {
            return Err(SpecError::NotExpressible {
                field: "renewBefore",
                value: rb,
            });
        }
        if rb < MINIMUM_RENEW_BEFORE {
            return Err(SpecError::RenewBeforeTooShort(rb));
        }
        if rb >= duration {
            return Err(SpecError::RenewBeforeNotShorterThanDuration {
                duration,
                renew_before: rb,
            });
        }
    }
    validate_percentage(renew_before, renew_before_percentage)
}

/// The checks that need no duration: mutual exclusion and the percentage range.
///
/// # Errors
/// [`SpecError::MutuallyExclusive`], [`SpecError::PercentageOutOfRange`].
pub fn validate_percentage(
    renew_before: Option<Duration>,
    renew_before_percentage: Option<i32>,
) -> Result<(), SpecError> {
    if let Some(p) = renew_before_percentage {
        if renew_before.is_some() {
            return Err(SpecError::MutuallyExclusive);
        }
        if p <= 0 || p >= 100 {
            return Err(SpecError::PercentageOutOfRange(p));
        }
    }
    Ok(())
}

/// Validates a [`CertSpec`] as cert-manager's admission webhook would.
///
/// # Errors
/// The first [`SpecError`] found.
pub fn validate_spec(spec: &CertSpec) -> Result<(), SpecError> {
    validate(
        spec.duration,
        spec.renew_before,
        spec.renew_before_percentage,
    )
}
