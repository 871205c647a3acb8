//! When to renew: cert-manager's rule exactly, step's and Linkerd's proxy rule beside it, the
//! admission checks cert-manager applies to a spec, and lints for lifetime mistakes.
//!
//! cert-manager (`pkg/util/pki/renewaltime.go`) computes the renewal time from the issued
//! certificate's *actual* lifetime `d = notAfter - notBefore`:
//! - `renewBefore` if `0 < renewBefore < d` → `notAfter - renewBefore`;
//! - else `renewBeforePercentage` `p` if `0 < p < 100` → `notAfter - d·p/100`;
//! - else `notAfter - d/3` (two thirds through the life);
//!
//! then truncates to whole seconds. A certificate is due when `renewal time <= now`.

mod admission;
mod windows;
pub use crate::spec::{RenewalSpec, RenewalSpecPolicy, RenewalWindow, WindowError};
pub(crate) use admission::expressible;
pub use admission::{
    MINIMUM_DURATION, MINIMUM_RENEW_BEFORE, SpecError, validate, validate_percentage, validate_spec,
};
pub use windows::{NEVER, Windowed, cert_manager_renewal, longest_wait, renewal_words};

use crate::cert::Certificate;
use crate::duration::GoDuration;
use crate::lint::{Finding, Severity};
use crate::spec::CertSpec;
use std::fmt;
use time::{Duration, OffsetDateTime};

/// A renewal rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalPolicy {
    /// cert-manager's `Certificate` renewal (`renewBefore`, `renewBeforePercentage`, default
    /// two thirds).
    CertManager {
        /// `spec.renewBefore`.
        renew_before: Option<Duration>,
        /// `spec.renewBeforePercentage`.
        renew_before_percentage: Option<i32>,
    },
    /// `step certificate needs-renewal` with a percent-used threshold (step's default: 66):
    /// due once `int((1 - remaining/lifetime)·100) >= threshold`.
    Step {
        /// The percent of the lifetime used at which renewal is due.
        percent_used: u8,
    },
    /// linkerd2-proxy's identity refresh: 70% of the remaining life after the certificate was
    /// received, clamped to [10s, 24h]. certcycle takes notBefore as the receipt time.
    LinkerdProxy,
    /// cert-manager before 1.21: as [`RenewalPolicy::CertManager`], but `renewBeforePercentage`
    /// is `d * p / 100` in int64 nanoseconds, which wraps for lifetimes over about 292.5/p
    /// years (v1.20 `pkg/util/pki/renewaltime.go` `RenewBefore`; #8947).
    CertManagerBefore1_21 {
        /// `spec.renewBefore`.
        renew_before: Option<Duration>,
        /// `spec.renewBeforePercentage`.
        renew_before_percentage: Option<i32>,
    },
}

impl RenewalPolicy {
    /// cert-manager with neither field set: renew two thirds through the lifetime.
    pub const CERT_MANAGER_DEFAULT: Self = Self::CertManager {
        renew_before: None,
        renew_before_percentage: None,
    };
    /// step's default threshold, 66% of the lifetime used.
    pub const STEP_DEFAULT: Self = Self::Step { percent_used: 66 };

    /// cert-manager's policy with a spec's `renewBefore` / `renewBeforePercentage`.
    pub fn from_spec(spec: &CertSpec) -> Self {
        if spec.percentage_wraps {
            return Self::CertManagerBefore1_21 {
                renew_before: spec.renew_before,
                renew_before_percentage: spec.renew_before_percentage,
            };
        }
        Self::CertManager {
            renew_before: spec.renew_before,
            renew_before_percentage: spec.renew_before_percentage,
        }
    }

    /// The renewal time of a certificate valid `[not_before, not_after]`, and the rule that
    /// decided it.
    pub fn renewal_time(&self, not_before: OffsetDateTime, not_after: OffsetDateTime) -> Renewal {
        let lifetime = not_after - not_before;
        let (renew_before, rule) = match *self {
            Self::CertManager {
                renew_before,
                renew_before_percentage,
            } => cert_manager_renew_before(lifetime, renew_before, renew_before_percentage, false),
            Self::CertManagerBefore1_21 {
                renew_before,
                renew_before_percentage,
            } => cert_manager_renew_before(lifetime, renew_before, renew_before_percentage, true),
            Self::Step { percent_used } => {
                // Smallest t with (t - notBefore)·100 >= percent·lifetime.
                let ns = lifetime.whole_nanoseconds().max(0);
                let used = (ns * i128::from(percent_used) + 99) / 100;
                let at = not_before.checked_add(nanos(used)).unwrap_or(not_after);
                return Renewal {
                    renew_at: at,
                    rule: Rule::StepPercentUsed(percent_used),
                    not_before,
                    not_after,
                };
            }
            Self::LinkerdProxy => {
                let (refresh, clamped) = linkerd_proxy_refresh_in(lifetime);
                return Renewal {
                    renew_at: not_before.checked_add(refresh).unwrap_or(not_after),
                    rule: Rule::LinkerdProxy { clamped },
                    not_before,
                    not_after,
                };
            }
        };
        let at = truncate_to_second(not_after.checked_sub(renew_before).unwrap_or(not_before));
        Renewal {
            renew_at: at,
            rule,
            not_before,
            not_after,
        }
    }

    /// The renewal of a certificate.
    pub fn for_certificate(&self, cert: &Certificate) -> Renewal {
        self.renewal_time(cert.not_before(), cert.not_after())
    }
}

/// `n` nanoseconds exactly (a `Duration` holds i64 seconds: any lifetime between years 1 and
/// 9999 fits; beyond, it saturates instead of wrapping).
fn nanos(n: i128) -> Duration {
    let secs = i64::try_from(n / 1_000_000_000).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX });
    let sub = i32::try_from(n % 1_000_000_000).unwrap_or(0);
    Duration::new(secs, sub)
}

/// cert-manager's `desiredRenewalTime`: how long before expiry to renew, and why. `wraps`:
/// before 1.21, whose percentage product wrapped in int64 nanoseconds.
fn cert_manager_renew_before(
    lifetime: Duration,
    renew_before: Option<Duration>,
    percentage: Option<i32>,
    wraps: bool,
) -> (Duration, Rule) {
    // Go's notAfter.Sub(notBefore) saturates at the int64 nanosecond range (about 292 years).
    let go_ns =
        i64::try_from(lifetime.whole_nanoseconds()).unwrap_or(if lifetime < Duration::ZERO {
            i64::MIN
        } else {
            i64::MAX
        });
    let lifetime = Duration::nanoseconds(go_ns);
    if let Some(rb) = renew_before.filter(|rb| *rb > Duration::ZERO && *rb < lifetime) {
        return (rb, Rule::RenewBefore(rb));
    }
    let fallback = renew_before.map(|rb| Fallback {
        renew_before: rb,
        lifetime,
    });
    if let Some(p) = percentage.filter(|p| *p > 0 && *p < 100) {
        let rb = if wraps {
            // v1.20: `actualDuration * time.Duration(pct) / 100`, int64 arithmetic that wraps.
            Duration::nanoseconds(go_ns.wrapping_mul(i64::from(p)) / 100)
        } else {
            // v1.21: `time.Duration(float64(actualDuration) * float64(pct) / 100)`; the
            // conversion truncates toward zero (in range: p < 100).
            #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
            let ns = (go_ns as f64 * f64::from(p) / 100.0) as i64;
            Duration::nanoseconds(ns)
        };
        return (
            rb,
            Rule::RenewBeforePercentage {
                percentage: p,
                fallback,
            },
        );
    }
    let rb = Duration::nanoseconds(go_ns / 3);
    (rb, Rule::TwoThirds { fallback })
}

/// linkerd2-proxy's refresh delay for a certificate with `remaining` life when received:
/// 70% of it, clamped to [10s, 24h]. Returns the delay and whether it was clamped.
pub fn linkerd_proxy_refresh_in(remaining: Duration) -> (Duration, bool) {
    let raw = nanos(remaining.whole_nanoseconds().max(0) * 7 / 10);
    let clamped = raw.clamp(Duration::seconds(10), Duration::hours(24));
    (clamped, clamped != raw)
}

fn truncate_to_second(t: OffsetDateTime) -> OffsetDateTime {
    // Go's Time.Truncate(time.Second) rounds toward the zero time: for times after 1970,
    // down to the whole second.
    t.replace_nanosecond(0).unwrap_or(t)
}

/// A renewBefore that did not apply because it was not shorter than the actual lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fallback {
    /// The renewBefore asked for.
    pub renew_before: Duration,
    /// The certificate's actual lifetime.
    pub lifetime: Duration,
}

impl Fallback {
    /// The fallback for `renew_before` on a certificate that lives `lifetime` (to build the
    /// expected value of an `assert_eq!`).
    ///
    /// ```
    /// use certcycle::renewal::Fallback;
    /// use time::Duration;
    /// let f = Fallback::new(Duration::hours(60), Duration::hours(48));
    /// assert_eq!(f.renew_before, Duration::hours(60));
    /// ```
    pub fn new(renew_before: Duration, lifetime: Duration) -> Self {
        Self {
            renew_before,
            lifetime,
        }
    }
}

/// Which rule decided a renewal time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// cert-manager: `notAfter - renewBefore`.
    RenewBefore(Duration),
    /// cert-manager: `notAfter - lifetime·p/100`.
    RenewBeforePercentage {
        /// The percentage.
        percentage: i32,
        /// Set when a renewBefore was given but ignored.
        fallback: Option<Fallback>,
    },
    /// cert-manager's default: two thirds through the lifetime.
    TwoThirds {
        /// Set when a renewBefore was given but ignored.
        fallback: Option<Fallback>,
    },
    /// step: percent of the lifetime used.
    StepPercentUsed(u8),
    /// linkerd2-proxy: 70% of the remaining life.
    LinkerdProxy {
        /// Whether the [10s, 24h] clamp applied.
        clamped: bool,
    },
    /// cert-manager 1.21 `renewal.policy: Disabled`: never renewed.
    Disabled,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fallback = |f: &mut fmt::Formatter<'_>, fb: &Option<Fallback>| match fb {
            Some(fb) => write!(
                f,
                " (renewBefore {} is not shorter than the actual lifetime {}, so it is ignored, as \
                 cert-manager does)",
                GoDuration(fb.renew_before),
                GoDuration(fb.lifetime)
            ),
            None => Ok(()),
        };
        match self {
            Self::RenewBefore(rb) => write!(
                f,
                "cert-manager renewBefore: notAfter - {}",
                GoDuration(*rb)
            ),
            Self::RenewBeforePercentage {
                percentage,
                fallback: fb,
            } => {
                write!(
                    f,
                    "cert-manager renewBeforePercentage: notAfter - {percentage}% of the lifetime"
                )?;
                fallback(f, fb)
            }
            Self::TwoThirds { fallback: fb } => {
                write!(f, "cert-manager default: two thirds through the lifetime")?;
                fallback(f, fb)
            }
            Self::StepPercentUsed(p) => write!(f, "step needs-renewal: {p}% of the lifetime used"),
            Self::Disabled => f.write_str(
                "cert-manager renewal.policy Disabled: never renewed, it expires at its notAfter",
            ),
            Self::LinkerdProxy { clamped } => write!(
                f,
                "linkerd-proxy: 70% of the remaining life{}",
                if *clamped {
                    ", clamped to [10s, 24h]"
                } else {
                    ""
                }
            ),
        }
    }
}

/// When a certificate should be renewed.
///
/// ```
/// use certcycle::{RenewalPolicy, RenewalState};
/// use time::{Duration, macros::datetime};
/// // The seed document's trust anchor: 8760h, renewBefore 7320h.
/// let nb = datetime!(2026-01-01 0:00 UTC);
/// let policy = RenewalPolicy::CertManager {
///     renew_before: Some(Duration::hours(7320)),
///     renew_before_percentage: None,
/// };
/// let r = policy.renewal_time(nb, nb + Duration::hours(8760));
/// assert_eq!(r.renew_at, nb + Duration::hours(1440)); // 60 days *after* issuance
/// assert_eq!(r.state(nb), RenewalState::NotDue { renew_at: r.renew_at });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Renewal {
    /// The renewal time.
    pub renew_at: OffsetDateTime,
    /// The rule that decided it.
    pub rule: Rule,
    /// The certificate's notBefore.
    pub not_before: OffsetDateTime,
    /// The certificate's notAfter.
    pub not_after: OffsetDateTime,
}

/// A renewal answer at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RenewalState {
    /// Not due until `renew_at`.
    NotDue {
        /// When it becomes due.
        renew_at: OffsetDateTime,
    },
    /// Due since `since` (the renewal time), still valid.
    Due {
        /// The renewal time.
        since: OffsetDateTime,
    },
    /// Past notAfter.
    Expired {
        /// The certificate's notAfter.
        since: OffsetDateTime,
    },
}

impl RenewalState {
    /// `not-due`, `due` or `expired`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotDue { .. } => "not-due",
            Self::Due { .. } => "due",
            Self::Expired { .. } => "expired",
        }
    }
}

impl Renewal {
    /// The state at `at`: expired once `at > notAfter` (notAfter is inclusive, RFC 5280
    /// §4.1.2.5), due once `renew_at <= at`, not due before.
    pub fn state(&self, at: OffsetDateTime) -> RenewalState {
        if at > self.not_after {
            RenewalState::Expired {
                since: self.not_after,
            }
        } else if self.renew_at <= at {
            RenewalState::Due {
                since: self.renew_at,
            }
        } else {
            RenewalState::NotDue {
                renew_at: self.renew_at,
            }
        }
    }
}

/// The earliest next action over a set of certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NextAction {
    /// Index of the certificate in the input.
    pub index: usize,
    /// Its label.
    pub label: String,
    /// Its state.
    pub state: RenewalState,
    /// When the action is (or was) due: the renewal time, or notAfter if that came first.
    pub at: OffsetDateTime,
}

/// Of labelled renewals (anchor, issuer, leaves…), the one needing action first at `at`.
/// Expired certificates come first, then due ones (earliest renewal time first), then the
/// earliest renewal time to come. `None` for an empty input.
pub fn next_action<'a>(
    items: impl IntoIterator<Item = (&'a str, Renewal)>,
    at: OffsetDateTime,
) -> Option<NextAction> {
    items
        .into_iter()
        .enumerate()
        .map(|(index, (label, r))| {
            let state = r.state(at);
            let (rank, when) = match state {
                RenewalState::Expired { since } => (0, since),
                RenewalState::Due { since } => (1, since),
                RenewalState::NotDue { renew_at } => (2, renew_at),
            };
            (
                rank,
                when,
                NextAction {
                    index,
                    label: label.to_owned(),
                    state,
                    at: when,
                },
            )
        })
        .min_by_key(|(rank, when, a)| (*rank, *when, a.index))
        .map(|(_, _, a)| a)
}

/// How long after its notBefore cert-manager renews a certificate issued from `spec` (its
/// rule on the spec's own duration); `None` past the end of time.
pub(crate) fn renews_after(spec: &CertSpec) -> Option<Duration> {
    let start = OffsetDateTime::UNIX_EPOCH;
    let end = start.checked_add(spec.get_duration())?;
    // `Disabled` never renews: a period past any horizon (NEVER - 1970 is about 8000 years).
    Some(cert_manager_renewal(spec, start, end).0.renew_at - start)
}

/// A lint's stable identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LintId {
    /// renewBefore is more than two thirds of the duration: the certificate renews before a
    /// third of its life is used — usually renewBefore misread as "renew this long after
    /// issuance" (the seed document's anchor: 7320h of 8760h).
    RenewBeforeOverTwoThirds,
    /// The issuer renews later than one leaf lifetime + clock skew before its expiry, so leaves
    /// issued just before its renewal are capped short.
    IssuerRenewsTooLate,
    /// A leaf lifetime longer than the issuer's lifetime (or remaining life).
    LeafOutlivesIssuer,
    /// An issuer lifetime (or notAfter) beyond its anchor's.
    IssuerOutlivesAnchor,
    /// The anchor renews sooner after issuance than a rotation takes to roll out (one issuer
    /// plus one leaf lifetime), or keeps less than that before expiry once renewed.
    AnchorRenewsBeforeDistribution,
}

impl LintId {
    /// The stable id string.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::RenewBeforeOverTwoThirds => "renew-before-over-two-thirds",
            Self::IssuerRenewsTooLate => "issuer-renews-too-late",
            Self::LeafOutlivesIssuer => "leaf-outlives-issuer",
            Self::IssuerOutlivesAnchor => "issuer-outlives-anchor",
            Self::AnchorRenewsBeforeDistribution => "anchor-renews-before-distribution",
        }
    }
}

impl fmt::Display for LintId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The rule behind `renew-before-over-two-thirds` (any spec) and `anchor-early-rekey` (a
/// cluster's anchor): a renewBefore over two thirds of the lifetime renews before a third of
/// the life is used, earlier than cert-manager's default point (two thirds through). Written
/// once, used by both.
///
/// ```
/// use certcycle::renewal::renews_early;
/// use time::Duration;
/// // The seed's anchor: 7320h of 8760h renews on day 60.
/// assert!(renews_early(Duration::hours(8760), Duration::hours(7320)));
/// assert!(!renews_early(Duration::hours(8760), Duration::hours(1440)));
/// ```
pub fn renews_early(lifetime: Duration, renew_before: Duration) -> bool {
    // Both are at most i64::MAX ns (about 9.2e9 s), so these products fit in i128.
    renew_before < lifetime
        && renew_before.whole_nanoseconds() * 3 > lifetime.whole_nanoseconds() * 2
}

/// The rule behind `issuer-renews-too-late` (a hierarchy) and `issuer-lifetime-too-short` (a
/// cluster's identity issuer): the issuer renews less than one leaf lifetime plus its backdate
/// before its expiry, so leaves issued just before the renewal are cut short at its notAfter.
/// `Some((how long before expiry it renews, what a leaf needs))`; `None` when it is in time or
/// the leaf outlives the issuer anyway. Written once, used by both.
pub fn issuer_renews_too_late(issuer: &CertSpec, leaf: &CertSpec) -> Option<(Duration, Duration)> {
    let nb = OffsetDateTime::UNIX_EPOCH;
    let r = RenewalPolicy::from_spec(issuer).renewal_time(nb, nb.saturating_add(issuer.duration));
    let window = r.not_after - r.renew_at;
    let need = leaf.duration.saturating_add(leaf.backdate);
    (leaf.duration <= issuer.duration && window < need).then_some((window, need))
}

impl LintId {
    /// This rule's finding (a warning about the spec or hierarchy as a whole).
    pub fn finding(self, message: impl Into<String>) -> Finding {
        Finding::new(self.as_str(), Severity::Warning, "", message)
    }

    /// Whether `finding` is this rule's.
    pub fn is(self, finding: &Finding) -> bool {
        finding.id == self.as_str()
    }
}

fn lint(id: LintId, message: String) -> Finding {
    id.finding(message)
}

fn days(d: Duration) -> String {
    let hours = d.whole_hours();
    if hours % 24 == 0 {
        format!("{} days", hours / 24)
    } else {
        GoDuration(d).to_string()
    }
}

/// Lints a lifetime and renewBefore (a spec, or a certificate's actual lifetime).
///
/// # Errors
/// [`SpecError::NotExpressible`] for a duration Go cannot express (negative, or beyond
/// `2562047h47m16.854775807s`).
pub fn lint_renew_before(
    lifetime: Duration,
    renew_before: Option<Duration>,
) -> Result<Vec<Finding>, SpecError> {
    expressible("lifetime", lifetime)?;
    if let Some(rb) = renew_before {
        expressible("renewBefore", rb)?;
    }
    let mut out = Vec::new();
    // Two thirds, not one half: an issuer must renew more than one leaf lifetime before its
    // expiry, which for Linkerd's 48h issuer and 24h leaves is already over half (25h).
    // Both are at most i64::MAX ns (about 9.2e9 s), so these products fit in i128 and i64.
    if let Some(rb) = renew_before.filter(|rb| renews_early(lifetime, *rb)) {
        let life_s = lifetime.whole_seconds().max(1);
        let pct = (rb.whole_seconds() * 100 + life_s / 2) / life_s;
        let after = lifetime - rb;
        out.push(lint(
            LintId::RenewBeforeOverTwoThirds,
            format!(
                "renewBefore is {pct}% of duration: this renews {} after issuance, not {} before \
                 expiry (renewBefore counts back from notAfter; for that, set renewBefore to {})",
                days(after),
                days(after),
                GoDuration(after)
            ),
        ));
    }
    Ok(out)
}

/// Lints a spec on its own.
///
/// # Errors
/// [`SpecError::NotExpressible`] for a duration Go cannot express.
pub fn lint_spec(spec: &CertSpec) -> Result<Vec<Finding>, SpecError> {
    expressible("backdate", spec.backdate)?;
    lint_renew_before(spec.duration, spec.renew_before)
}

/// Lints a whole hierarchy of specs: anchor, issuer, and the workload leaf (its duration and
/// backdate, the clock skew).
///
/// # Errors
/// [`SpecError::NotExpressible`] for a duration Go cannot express (every duration of the
/// three specs is checked first, so the arithmetic below cannot overflow).
pub fn lint_hierarchy(
    anchor: &CertSpec,
    issuer: &CertSpec,
    leaf: &CertSpec,
) -> Result<Vec<Finding>, SpecError> {
    let mut out = lint_spec(anchor)?;
    out.extend(lint_spec(issuer)?);
    lint_spec(leaf)?;
    let life = |s: &CertSpec| s.duration;
    // Every duration is within Go's range (under 293 years), so from 1970 nothing leaves
    // `time`'s range and no sum of two overflows.
    let renew_window = |s: &CertSpec| {
        let nb = OffsetDateTime::UNIX_EPOCH;
        let r = RenewalPolicy::from_spec(s).renewal_time(nb, nb.saturating_add(s.duration));
        r.not_after - r.renew_at
    };
    let leaf_need = leaf.duration.saturating_add(leaf.backdate);
    let too_late = issuer_renews_too_late(issuer, leaf);
    if leaf.duration > issuer.duration {
        out.push(lint(
            LintId::LeafOutlivesIssuer,
            format!(
                "a workload certificate ({}) would outlive its issuer ({}): every leaf is capped \
                 at the issuer's notAfter",
                GoDuration(leaf.duration),
                GoDuration(issuer.duration)
            ),
        ));
    } else if too_late.is_some() {
        out.push(lint(
            LintId::IssuerRenewsTooLate,
            format!(
                "the issuer renews {} before its expiry, less than a workload certificate's \
                 lifetime plus skew ({}): leaves issued just before renewal are cut short; renew \
                 the issuer at least {} before expiry",
                GoDuration(renew_window(issuer)),
                GoDuration(leaf_need),
                GoDuration(leaf_need)
            ),
        ));
    }
    if life(issuer) > life(anchor) {
        out.push(lint(
            LintId::IssuerOutlivesAnchor,
            format!(
                "the issuer's lifetime ({}) is longer than the anchor's ({}): the issuer would be \
                 capped at the anchor's expiry",
                GoDuration(issuer.duration),
                GoDuration(anchor.duration)
            ),
        ));
    }
    let rollout = issuer.duration.saturating_add(leaf.duration);
    let anchor_window = renew_window(anchor);
    let anchor_interval = anchor.duration.saturating_sub(anchor_window);
    if anchor_interval < rollout || anchor_window < rollout {
        out.push(lint(
            LintId::AnchorRenewsBeforeDistribution,
            format!(
                "the anchor renews {} after issuance and {} before expiry; a rotation needs at \
                 least one issuer plus one leaf lifetime ({}) on each side to distribute the new \
                 anchor and move every workload to it",
                GoDuration(anchor_interval),
                GoDuration(anchor_window),
                GoDuration(rollout)
            ),
        ));
    }
    Ok(out)
}

/// Lints a real chain: an issuer outliving its anchor, a leaf outliving its issuer.
pub fn lint_chain(
    anchor: &Certificate,
    issuer: &Certificate,
    leaf: Option<&Certificate>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if issuer.not_after() > anchor.not_after() {
        out.push(lint(
            LintId::IssuerOutlivesAnchor,
            format!(
                "issuer {} expires at {}, after its anchor {} ({})",
                issuer.subject(),
                crate::display::rfc3339(issuer.not_after()),
                anchor.subject(),
                crate::display::rfc3339(anchor.not_after())
            ),
        ));
    }
    if let Some(leaf) = leaf.filter(|l| l.not_after() > issuer.not_after()) {
        out.push(lint(
            LintId::LeafOutlivesIssuer,
            format!(
                "workload certificate {} expires at {}, after its issuer ({})",
                leaf.subject(),
                crate::display::rfc3339(leaf.not_after()),
                crate::display::rfc3339(issuer.not_after())
            ),
        ));
    }
    out
}
