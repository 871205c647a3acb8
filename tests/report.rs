//! Reports people can read and CI can gate on (DESIGN §16): the summarized timeline, typed
//! durations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::HumanDuration;
use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::plan::TimelineView;
use time::{Duration, macros::datetime};

fn seed_report() -> PlanReport {
    let objects = Objects::read(
        "examples/data/seed.yaml",
        include_str!("../examples/data/seed.yaml"),
    )
    .unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster
        .plan_config(Some(datetime!(2026-01-01 0:00 UTC)))
        .unwrap();
    PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng).unwrap()
}

#[test]
fn the_seeds_summary_fits_a_screen_and_keeps_what_matters() {
    let report = seed_report();
    let text = report.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() < 40, "{} lines:\n{text}", lines.len());
    for needle in [
        "routine renewals of Certificate linkerd/linkerd-identity-issuer, every 23h0m0s (#2..#63)",
        "Renewed (renewal time reached) Certificate cert-manager/linkerd-trust-anchor: new trust anchor",
        "IssuerUpdateSkipped: identity issuer #64",
        "IssuerUpdateSkipped: identity issuer #65",
        "identity issuer #63 expired",
        "first break: 2026-03-03T10:00:01Z (day 61)",
        "fix: ",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // Every event within a day before the break is kept as it is: #63's renewal on day 59 is
    // in the collapsed run, the skip on day 60 is not.
    let full = {
        let mut r = seed_report();
        r.report.timeline = TimelineView::Full;
        r.to_string()
    };
    assert!(full.lines().count() > 140);
    assert!(full.contains("2026-03-01T10:00:00Z cert-manager: Renewed Certificate linkerd/linkerd-identity-issuer: identity issuer #63"));
    let mut none = seed_report();
    none.report.timeline = TimelineView::None;
    let none = none.to_string();
    assert!(!none.lines().any(|l| l.starts_with("2026-")), "{none}");
    assert!(none.contains("first break: "));
}

#[test]
fn durations_a_person_types() {
    for (text, want) in [
        ("400d", Duration::days(400)),
        ("2w", Duration::days(14)),
        ("1w2d", Duration::days(9)),
        ("1d12h", Duration::hours(36)),
        ("9600h", Duration::days(400)),
        ("90m", Duration::minutes(90)),
    ] {
        assert_eq!(text.parse::<HumanDuration>().unwrap().0, want, "{text}");
    }
    for bad in ["", "d", "5y", "2d1w", "-1d", "99999999999d", "1.5d", "3"] {
        assert!(bad.parse::<HumanDuration>().is_err(), "{bad}");
    }
}
