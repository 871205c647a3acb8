//! Durations and times built in code, at the edges: every one of these panicked inside
//! `time` (its own `expect`) or wrapped before the hostile-input fixes. Each now gives a typed
//! error, or a bounded answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::mesh::{Event, Mesh};
use certcycle::presets::linkerd;
use certcycle::renewal::{self, lint_hierarchy, lint_renew_before, lint_spec, validate_spec};
use certcycle::{Ca, CertSpec, Error, GoDuration, PrivateKey, SpecError, TrustBundle};
use support::{T0, rng};
use time::Duration;

#[test]
fn lints_refuse_durations_go_cannot_express() {
    assert_eq!(
        lint_renew_before(Duration::MAX, None),
        Err(SpecError::NotExpressible {
            field: "lifetime",
            value: Duration::MAX
        })
    );
    assert_eq!(
        lint_renew_before(Duration::hours(48), Some(Duration::MAX)),
        Err(SpecError::NotExpressible {
            field: "renewBefore",
            value: Duration::MAX
        })
    );
    let huge = CertSpec::ca("a", Duration::days(3_000_000));
    assert_eq!(
        lint_spec(&huge),
        Err(SpecError::NotExpressible {
            field: "lifetime",
            value: Duration::days(3_000_000)
        })
    );
    assert!(matches!(
        lint_hierarchy(&huge, &linkerd::identity_issuer(), &linkerd::workload("x")),
        Err(SpecError::NotExpressible { .. })
    ));
    // The largest duration Go can express still lints (no overflow inside).
    let max = CertSpec::ca("a", GoDuration::MAX).renew_before(GoDuration::MAX - Duration::hours(1));
    let lints = lint_hierarchy(&max, &linkerd::identity_issuer(), &linkerd::workload("x")).unwrap();
    assert!(!lints.is_empty());
    assert!(
        lint_renew_before(GoDuration::MAX, Some(GoDuration::MAX))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn specs_refuse_durations_go_cannot_express() {
    let over = GoDuration::MAX + Duration::nanoseconds(1);
    assert_eq!(
        validate_spec(&CertSpec::ca("a", over)),
        Err(SpecError::NotExpressible {
            field: "duration",
            value: over
        })
    );
    assert_eq!(
        renewal::validate(Duration::hours(48), Some(Duration::MAX), None),
        Err(SpecError::NotExpressible {
            field: "renewBefore",
            value: Duration::MAX
        })
    );
    let r = &mut rng(1200);
    for spec in [
        CertSpec::ca("a", Duration::MAX),
        CertSpec::ca("a", over),
        CertSpec::ca("a", Duration::hours(1)).backdate(Duration::MAX),
        CertSpec::ca("a", Duration::hours(1)).renew_before(over),
    ] {
        let e = Ca::self_signed(&spec, PrivateKey::generate(r), T0, r).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidSpec { reason } if reason.contains("Go can express")),
            "{e}"
        );
    }
    // Within Go's range but past year 9999: a typed error, not a panic.
    let e = Ca::self_signed(
        &CertSpec::ca("a", GoDuration::MAX),
        PrivateKey::generate(r),
        time::macros::datetime!(9900-01-01 0:00 UTC),
        r,
    )
    .unwrap_err();
    assert!(matches!(e, Error::TimeOutOfRange { .. }), "{e}");
}

#[test]
fn the_mesh_refuses_to_advance_past_the_end_of_time_and_bounds_hopeless_retries() {
    let r = &mut rng(1201);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let mut m = Mesh::new(T0, bundle, issuer, None, rng(1202));
    m.add_pod("web", "default", false).unwrap();
    m.add_pod("api", "default", false).unwrap();
    assert!(matches!(
        m.advance(Duration::days(3_000_000)),
        Err(Error::TimeOutOfRange { .. })
    ));
    // Without an anchor to renew it, the issuer expires after 48h; ten years on, each
    // workload records its failed refreshes a bounded number of times, not once per 10 s.
    let events = m.advance(Duration::days(3_650)).unwrap();
    let failures = events
        .iter()
        .filter(|e| matches!(e, Event::LeafRefreshFailed { .. }))
        .count();
    assert!((2..=8).contains(&failures), "{failures} failure events");
    assert_eq!(m.now(), T0 + Duration::days(3_650));
}
