//! Renewal: cert-manager's own cases as facts, the seed document's specs, validation errors,
//! step's and Linkerd's rules, properties, and lints.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

mod support;

use certcycle::renewal::{self, Fallback, LintId, Rule, SpecError};
use certcycle::{
    Ca, CertSpec, GoDuration, PrivateKey, RenewalPolicy, RenewalState, presets::linkerd,
};
use proptest::prelude::*;
use support::{T0, rng};
use time::Duration;

fn h(n: i64) -> Duration {
    Duration::hours(n)
}

fn cm(rb: Option<Duration>, pct: Option<i32>) -> RenewalPolicy {
    RenewalPolicy::CertManager {
        renew_before: rb,
        renew_before_percentage: pct,
    }
}

/// cert-manager `pkg/util/pki/renewaltime_test.go`, TestRenewalTime: (name, lifetime,
/// renewBefore, percentage, expected renewal time after notBefore).
#[test]
fn cert_manager_renewal_time_cases() {
    let cases: &[(&str, Duration, Option<Duration>, Option<i32>, Duration)] = &[
        (
            "short lived cert, spec.renewBefore is not set",
            h(3),
            None,
            None,
            h(2),
        ),
        (
            "long lived cert, spec.renewBefore is not set",
            h(4380),
            None,
            None,
            h(2920),
        ),
        ("spec.renewBefore is set", h(24), Some(h(20)), None, h(4)),
        (
            "long lived cert, renew every day",
            h(730),
            Some(h(706)),
            None,
            h(24),
        ),
        (
            "spec.renewBefore would result in renewal after expiry",
            h(24),
            Some(h(25)),
            None,
            h(16),
        ),
        (
            "renewBeforePercentage 30% before expiry",
            h(730),
            None,
            Some(30),
            h(511),
        ),
        (
            "renewBefore slightly less than the duration",
            h(24) + Duration::minutes(3),
            Some(h(24)),
            None,
            Duration::minutes(3),
        ),
        (
            "duration skewed by a second",
            h(24) - Duration::seconds(1),
            None,
            None,
            h(16) - Duration::seconds(1),
        ),
    ];
    for (name, life, rb, pct, expected) in cases {
        let r = cm(*rb, *pct).renewal_time(T0, T0 + *life);
        assert_eq!(r.renew_at, T0 + *expected, "case: {name}");
    }
}

/// cert-manager TestRenewBefore: a 3h certificate (unless given), expected renewBefore.
#[test]
fn cert_manager_renew_before_cases() {
    let ten_years = h(24 * 365 * 10);
    let three_years = h(24 * 365 * 3);
    let cases: &[(&str, Duration, Option<Duration>, Option<i32>, Duration)] = &[
        ("neither set", h(3), None, None, h(1)),
        (
            "percentage valid",
            h(3),
            None,
            Some(25),
            Duration::minutes(45),
        ),
        (
            "percentage too large, default used",
            h(3),
            None,
            Some(100),
            h(1),
        ),
        (
            "percentage too small, default used",
            h(3),
            None,
            Some(0),
            h(1),
        ),
        ("renewBefore valid", h(3), Some(h(1)), None, h(1)),
        (
            "renewBefore invalid, default used",
            h(3),
            Some(h(4)),
            None,
            h(1),
        ),
        // Go's float64(d) * 0.99 in those tests equals d*99/100 exactly for these lifetimes.
        (
            "99% of 10 years does not overflow",
            ten_years,
            None,
            Some(99),
            ten_years * 99 / 100,
        ),
        (
            "99% of 3 years does not overflow",
            three_years,
            None,
            Some(99),
            three_years * 99 / 100,
        ),
    ];
    for (name, life, rb, pct, expected) in cases {
        let r = cm(*rb, *pct).renewal_time(T0, T0 + *life);
        assert_eq!(T0 + *life - r.renew_at, *expected, "case: {name}");
    }
}

#[test]
fn seed_document_specs() {
    // Anchor: 8760h, renewBefore 7320h → renews at notBefore + 1440h (60 days after issuance).
    let anchor = RenewalPolicy::from_spec(&linkerd::trust_anchor()).renewal_time(T0, T0 + h(8760));
    assert_eq!(anchor.renew_at, T0 + h(1440));
    assert_eq!(anchor.rule, Rule::RenewBefore(h(7320)));
    // Issuer: 48h, renewBefore 25h → notBefore + 23h.
    let issuer = RenewalPolicy::from_spec(&linkerd::identity_issuer()).renewal_time(T0, T0 + h(48));
    assert_eq!(issuer.renew_at, T0 + h(23));
    // On real issued certificates too.
    let r = &mut rng(1);
    let ca = support::linkerd_anchor(r, T0);
    let iss = support::linkerd_issuer(&ca, r, T0);
    let rr =
        RenewalPolicy::from_spec(&linkerd::identity_issuer()).for_certificate(iss.certificate());
    assert_eq!(rr.renew_at, T0 + h(23));
    assert_eq!(
        rr.state(T0 + h(23) - Duration::seconds(1)),
        RenewalState::NotDue {
            renew_at: T0 + h(23)
        }
    );
    assert_eq!(
        rr.state(T0 + h(23)),
        RenewalState::Due { since: T0 + h(23) }
    );
    assert_eq!(
        rr.state(T0 + h(48)),
        RenewalState::Due { since: T0 + h(23) }
    );
    assert_eq!(
        rr.state(T0 + h(48) + Duration::seconds(1)),
        RenewalState::Expired { since: T0 + h(48) }
    );
}

#[test]
fn actual_lifetime_not_spec_and_fallbacks() {
    // Lifetimes not divisible by 3: 100s → renew 33.333…s before expiry, truncated to seconds.
    let r = RenewalPolicy::CERT_MANAGER_DEFAULT.renewal_time(T0, T0 + Duration::seconds(100));
    assert_eq!(r.renew_at, T0 + Duration::seconds(66)); // 100 - 33.33 = 66.67 → 66
    let r = RenewalPolicy::CERT_MANAGER_DEFAULT.renewal_time(T0, T0 + h(1) + Duration::seconds(1));
    assert_eq!(r.renew_at, T0 + Duration::seconds(2400)); // 3601 - 1200.33 = 2400.67 → 2400
    // A renewBefore at or beyond the actual lifetime (a leaf capped at its issuer) falls back.
    for rb in [h(24), h(30)] {
        let r = cm(Some(rb), None).renewal_time(T0, T0 + h(24));
        assert!(
            matches!(
                r.rule,
                Rule::TwoThirds {
                    fallback: Some(Fallback { renew_before, lifetime, .. })
                } if renew_before == rb && lifetime == h(24)
            ),
            "{:?}",
            r.rule
        );
        assert_eq!(r.renew_at, T0 + h(16));
        assert!(r.rule.to_string().contains("ignored"));
    }
    // …to the percentage when one is given (cert-manager's order).
    let r = cm(Some(h(30)), Some(50)).renewal_time(T0, T0 + h(24));
    assert_eq!(r.renew_at, T0 + h(12));
}

#[test]
fn validation_errors() {
    use renewal::validate;
    let cases: &[(
        &str,
        Duration,
        Option<Duration>,
        Option<i32>,
        Result<(), SpecError>,
    )] = &[
        ("seed anchor", h(8760), Some(h(7320)), None, Ok(())),
        ("seed issuer", h(48), Some(h(25)), None, Ok(())),
        (
            "duration under 1h",
            Duration::minutes(59),
            None,
            None,
            Err(SpecError::DurationTooShort(Duration::minutes(59))),
        ),
        (
            "renewBefore under 5m",
            h(2),
            Some(Duration::minutes(4)),
            None,
            Err(SpecError::RenewBeforeTooShort(Duration::minutes(4))),
        ),
        (
            "renewBefore = duration",
            h(2),
            Some(h(2)),
            None,
            Err(SpecError::RenewBeforeNotShorterThanDuration {
                duration: h(2),
                renew_before: h(2),
            }),
        ),
        (
            "both set",
            h(2),
            Some(h(1)),
            Some(50),
            Err(SpecError::MutuallyExclusive),
        ),
        (
            "percentage 0",
            h(2),
            None,
            Some(0),
            Err(SpecError::PercentageOutOfRange(0)),
        ),
        (
            "percentage 100",
            h(2),
            None,
            Some(100),
            Err(SpecError::PercentageOutOfRange(100)),
        ),
        ("percentage 99", h(2), None, Some(99), Ok(())),
        (
            "exactly 1h and 5m",
            h(1),
            Some(Duration::minutes(5)),
            None,
            Ok(()),
        ),
    ];
    for (name, d, rb, p, expected) in cases {
        assert_eq!(&validate(*d, *rb, *p), expected, "case: {name}");
    }
    assert_eq!(
        SpecError::RenewBeforeNotShorterThanDuration {
            duration: h(2),
            renew_before: h(3)
        }
        .to_string(),
        "certificate duration 2h0m0s must be greater than renewBefore 3h0m0s"
    );
}

#[test]
fn step_and_linkerd_proxy_rules() {
    // step: due at 66% used. 100h → 66h.
    let r = RenewalPolicy::STEP_DEFAULT.renewal_time(T0, T0 + h(100));
    assert_eq!(r.renew_at, T0 + h(66));
    assert_eq!(
        r.state(T0 + h(66) - Duration::nanoseconds(1)).as_str(),
        "not-due"
    );
    assert_eq!(r.state(T0 + h(66)).as_str(), "due");
    // Linkerd proxy: 70% of 24h = 16h48m; clamps at 10s and 24h.
    let r = RenewalPolicy::LinkerdProxy.renewal_time(T0, T0 + h(24));
    assert_eq!(r.renew_at, T0 + h(16) + Duration::minutes(48));
    assert_eq!(r.rule, Rule::LinkerdProxy { clamped: false });
    assert_eq!(
        renewal::linkerd_proxy_refresh_in(Duration::seconds(5)),
        (Duration::seconds(10), true)
    );
    assert_eq!(renewal::linkerd_proxy_refresh_in(h(720)), (h(24), true));
}

#[test]
fn next_action_over_a_hierarchy() {
    let anchor = RenewalPolicy::from_spec(&linkerd::trust_anchor()).renewal_time(T0, T0 + h(8760));
    let issuer = RenewalPolicy::from_spec(&linkerd::identity_issuer()).renewal_time(T0, T0 + h(48));
    let leaf = RenewalPolicy::LinkerdProxy.renewal_time(T0 + h(10), T0 + h(34));
    let items = [("anchor", anchor), ("issuer", issuer), ("leaf", leaf)];
    let a = renewal::next_action(items, T0 + h(1)).unwrap();
    assert_eq!((a.label.as_str(), a.at), ("issuer", T0 + h(23)));
    assert_eq!(
        a.state,
        RenewalState::NotDue {
            renew_at: T0 + h(23)
        }
    );
    // At 30h both the issuer (since 23h) and the leaf (since 26h48m) are due: the older first.
    let a = renewal::next_action(items, T0 + h(30)).unwrap();
    assert_eq!(
        (a.label.as_str(), a.state),
        ("issuer", RenewalState::Due { since: T0 + h(23) })
    );
    // With a leaf renewing before the issuer, the leaf comes first.
    let early_leaf = RenewalPolicy::LinkerdProxy.renewal_time(T0, T0 + h(24));
    let a = renewal::next_action([("issuer", issuer), ("leaf", early_leaf)], T0).unwrap();
    assert_eq!((a.index, a.at), (1, T0 + h(16) + Duration::minutes(48)));
    // At 49h the leaf (34h) and the issuer (48h) have expired: the longest-expired first.
    let a = renewal::next_action(items, T0 + h(49)).unwrap();
    assert_eq!(
        (a.label.as_str(), a.state),
        ("leaf", RenewalState::Expired { since: T0 + h(34) })
    );
    assert!(renewal::next_action([], T0).is_none());
}

#[test]
fn lints_fire_on_crafted_cases_and_stay_silent_on_good_presets() {
    let ids = |v: Result<Vec<certcycle::lint::Finding>, certcycle::SpecError>| {
        v.unwrap().into_iter().map(|l| l.id).collect::<Vec<_>>()
    };
    // The seed anchor: the famous mismatch.
    let lints = renewal::lint_spec(&linkerd::trust_anchor()).unwrap();
    assert_eq!(
        ids(Ok(lints.clone())),
        vec![LintId::RenewBeforeOverTwoThirds.as_str()]
    );
    assert_eq!(
        lints[0].message,
        "renewBefore is 84% of duration: this renews 60 days after issuance, not 60 days before \
         expiry (renewBefore counts back from notAfter; for that, set renewBefore to 1440h0m0s)"
    );
    // The intended anchor, the seed issuer (25h of 48h is right: more than a leaf lifetime).
    let intended =
        linkerd::trust_anchor().renew_before(linkerd::TRUST_ANCHOR_RENEW_BEFORE_INTENDED);
    let leaf = linkerd::workload("x");
    assert!(
        renewal::lint_hierarchy(&intended, &linkerd::identity_issuer(), &leaf)
            .unwrap()
            .is_empty()
    );
    // The seed hierarchy as written: only the anchor's lint.
    assert_eq!(
        ids(renewal::lint_hierarchy(
            &linkerd::trust_anchor(),
            &linkerd::identity_issuer(),
            &leaf
        )),
        vec![LintId::RenewBeforeOverTwoThirds.as_str()]
    );
    // Issuer renewing 12h before expiry, leaves of 24h: too late.
    let late = CertSpec::ca("i", h(48)).renew_before(h(12));
    assert_eq!(
        ids(renewal::lint_hierarchy(&intended, &late, &leaf)),
        vec![LintId::IssuerRenewsTooLate.as_str()]
    );
    // Leaves longer than the issuer.
    let long_leaf = CertSpec::leaf(h(72)).dns_name("x");
    assert_eq!(
        ids(renewal::lint_hierarchy(
            &intended,
            &linkerd::identity_issuer(),
            &long_leaf
        )),
        vec![LintId::LeafOutlivesIssuer.as_str()]
    );
    // Issuer outliving its anchor, and an anchor renewing every 2 days.
    let short_anchor = CertSpec::ca("a", h(100)).renew_before(h(60));
    let long_issuer = CertSpec::ca("i", h(200)).renew_before(h(100));
    let got = ids(renewal::lint_hierarchy(&short_anchor, &long_issuer, &leaf));
    assert!(
        got.contains(&LintId::IssuerOutlivesAnchor.as_str()),
        "{got:?}"
    );
    assert!(
        got.contains(&LintId::AnchorRenewsBeforeDistribution.as_str()),
        "{got:?}"
    );
    // On real certificates: an issuer capped at its anchor's expiry does not outlive it.
    let r = &mut rng(2);
    let a = Ca::self_signed(&CertSpec::ca("a", h(10)), PrivateKey::generate(r), T0, r).unwrap();
    let i = a
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), T0, r)
        .unwrap();
    assert!(i.capped_from.is_some());
    assert!(renewal::lint_chain(a.certificate(), i.ca.certificate(), None).is_empty());
    // Lint ids are stable strings.
    assert_eq!(
        LintId::IssuerRenewsTooLate.as_str(),
        "issuer-renews-too-late"
    );
    let _ = GoDuration(h(1));
}

proptest! {
    #[test]
    fn renewal_time_within_validity(life_s in 1i64..100_000_000, rb_s in proptest::option::of(0i64..200_000_000), pct in proptest::option::of(-5i32..120)) {
        let r = cm(rb_s.map(Duration::seconds), pct).renewal_time(T0, T0 + Duration::seconds(life_s));
        prop_assert!(r.renew_at >= T0 && r.renew_at <= T0 + Duration::seconds(life_s));
    }

    #[test]
    fn renewal_time_is_monotonic_in_renew_before(life_s in 600i64..100_000_000, a in 1i64..100_000_000, b in 1i64..100_000_000) {
        let (lo, hi) = (a.min(b), a.max(b));
        prop_assume!(hi < life_s);
        let t_lo = cm(Some(Duration::seconds(lo)), None).renewal_time(T0, T0 + Duration::seconds(life_s)).renew_at;
        let t_hi = cm(Some(Duration::seconds(hi)), None).renewal_time(T0, T0 + Duration::seconds(life_s)).renew_at;
        prop_assert!(t_hi <= t_lo);
    }

    #[test]
    fn policies_agree_where_they_should(life_s in 3i64..92_000_000) {
        // (Lives under Go's 292 years: beyond, notAfter.Sub(notBefore) saturates and the
        // percentage is of the saturated duration, as in cert-manager.)
        // renewBeforePercentage p equals renewBefore = life·p/100 (whole seconds) to within
        // the second: cert-manager 1.21 computes it in float64 nanoseconds (#8947's fix), a
        // few nanoseconds off for long lives, and the truncation to the second can then drop
        // one. The default equals percentage 33⅓: between p=33 and p=34.
        let life = Duration::seconds(life_s * 100);
        let by_pct = cm(None, Some(25)).renewal_time(T0, T0 + life).renew_at;
        let by_rb = cm(Some(Duration::seconds(life_s * 25)), None).renewal_time(T0, T0 + life).renew_at;
        prop_assert!((by_pct - by_rb).abs() <= Duration::SECOND, "{} {}", by_pct, by_rb);
        let def = RenewalPolicy::CERT_MANAGER_DEFAULT.renewal_time(T0, T0 + life).renew_at;
        let p33 = cm(None, Some(33)).renewal_time(T0, T0 + life).renew_at;
        let p34 = cm(None, Some(34)).renewal_time(T0, T0 + life).renew_at;
        prop_assert!(p34 <= def && def <= p33);
    }

    #[test]
    fn go_durations_round_trip(n in 0i64..i64::MAX) {
        let d = GoDuration(Duration::nanoseconds(n));
        prop_assert_eq!(d.to_string().parse::<GoDuration>().unwrap(), d);
    }
}

#[test]
fn extreme_dates_never_panic() {
    use time::macros::datetime;
    let end = datetime!(9999-12-31 23:59:59 UTC);
    for policy in [
        RenewalPolicy::LinkerdProxy,
        RenewalPolicy::STEP_DEFAULT,
        RenewalPolicy::CERT_MANAGER_DEFAULT,
    ] {
        let r = policy.renewal_time(end - Duration::seconds(5), end);
        assert!(r.renew_at <= end);
    }
    let r = &mut rng(3);
    let late = datetime!(9999-12-31 00:00 UTC);
    assert!(matches!(
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), late, r),
        Err(certcycle::Error::TimeOutOfRange { .. })
    ));
}

#[test]
fn one_percentage_type_from_spec_to_policy_to_lints() {
    // The same i32 through CertSpec → RenewalPolicy → validation and lints, as cert-manager's
    // int32 field.
    let p: i32 = 25;
    let spec = CertSpec::ca("a", h(100)).renew_before_percentage(p);
    assert_eq!(spec.get_renew_before_percentage(), Some(p));
    let policy = RenewalPolicy::from_spec(&spec);
    assert_eq!(
        policy,
        RenewalPolicy::CertManager {
            renew_before: None,
            renew_before_percentage: Some(p)
        }
    );
    let r = policy.renewal_time(T0, T0 + h(100));
    assert_eq!(r.renew_at, T0 + h(75));
    assert!(renewal::validate_spec(&spec).is_ok());
    assert!(renewal::lint_spec(&spec).unwrap().is_empty());
    let bad = CertSpec::ca("a", h(100)).renew_before_percentage(-1);
    assert_eq!(
        renewal::validate_spec(&bad),
        Err(SpecError::PercentageOutOfRange(-1))
    );
}
