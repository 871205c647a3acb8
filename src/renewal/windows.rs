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
use crate::spec::window::next_of;
use crate::spec::{CertSpec, RenewalSpecPolicy, RenewalWindow};
use time::{Duration, OffsetDateTime};

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
        if !w.fires() {
            continue;
        }
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
            crate::display::ago_text(r.renew_at - desired),
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
