//! The sidecar agent (istio/istio 1.31.0-alpha.0-109-g86c9f01fd73,
//! `security/pkg/nodeagent/cache/secretcache.go`): it refreshes its workload certificate at
//! `notAfter - ratio × (notAfter - notBefore)` with `SECRET_GRACE_PERIOD_RATIO` 0.5
//! (`pilot/cmd/pilot-agent/options/options.go`), jittered by ±0.01
//! (`releasenotes/notes/grace-ratio-jitter.yaml`; the plan takes the midpoint, so runs are
//! deterministic); and it trusts the roots of its last CSR response (the response's trust
//! bundle, else the chain's last element, which istio-csr makes its root file's PEM), so a new
//! root reaches a pod with its next certificate, not at pod start. It never checks a new leaf
//! against the roots it held before.

use time::{Duration, OffsetDateTime};

/// When a leaf valid over `[not_before, not_after]` is refreshed, counted from `now` (at
/// least a second).
pub(super) fn refresh_in(
    now: OffsetDateTime,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
) -> Duration {
    let half = (not_after - not_before) / 2;
    let at: OffsetDateTime = not_after - half;
    Duration::seconds((at - now).whole_seconds().max(1))
}

/// Pod `i` of `n`'s first refresh, `(i + 1) / (n + 1)` of the way to `refresh` (at least a
/// second): pods started at different times refresh out of step, as the agent's jitter and
/// real start times spread them.
pub(super) fn spread(refresh: Duration, (i, n): (usize, usize)) -> Duration {
    let seconds = i128::from(refresh.whole_seconds()) * (i as i128 + 1) / (n as i128 + 1);
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX).max(1))
}
