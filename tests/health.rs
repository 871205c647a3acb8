//! The health report: stable ids, relative thresholds by default, Linkerd's absolute one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::health::{self, ExpiryThreshold, Severity};
use certcycle::{PrivateKey, TrustBundle, presets::linkerd};
use support::{T0, rng};
use time::Duration;

#[test]
fn a_healthy_linkerd_layout_is_all_ok_and_linkerd_check_would_warn() {
    let r = &mut rng(1);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    let leaf = issuer
        .issue(
            &linkerd::workload("web.default.serviceaccount.identity.linkerd.cluster.local"),
            PrivateKey::generate(r).public_key(),
            T0,
            r,
        )
        .unwrap()
        .certificate;
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let at = T0 + Duration::hours(2);
    let report = health::check(
        &bundle,
        issuer.certificate(),
        linkerd::WORKLOAD_DURATION,
        std::slice::from_ref(&leaf),
        at,
        ExpiryThreshold::RelativeToLifetime,
    );
    assert_eq!(report.worst(), Severity::Ok, "{report}");
    assert_eq!(report.checks.len(), 13);
    // linkerd check's 60-day rule warns on the 48h issuer, always.
    let strict = health::check(
        &bundle,
        issuer.certificate(),
        linkerd::WORKLOAD_DURATION,
        &[leaf],
        at,
        ExpiryThreshold::LINKERD,
    );
    assert_eq!(
        strict.get("issuer-not-expiring").unwrap().severity,
        Severity::Warning
    );
    assert_eq!(
        strict.get("anchors-not-expiring").unwrap().severity,
        Severity::Ok
    );
    assert_eq!(strict.worst(), Severity::Warning);
}

#[test]
fn broken_layouts_are_named() {
    let r = &mut rng(2);
    let anchor = support::linkerd_anchor(r, T0);
    let other = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&other, r, T0);
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    // Signed by an anchor that is not in the bundle.
    let report = health::check(
        &bundle,
        issuer.certificate(),
        linkerd::WORKLOAD_DURATION,
        &[],
        T0 + Duration::hours(1),
        ExpiryThreshold::RelativeToLifetime,
    );
    assert_eq!(
        report.get("issuer-signed-by-anchor").unwrap().severity,
        Severity::Error
    );
    assert!(report.get("workloads-verify").is_none());
    // Late in the issuer's life: it warns, and cannot cover a full workload lifetime.
    let late = T0 + Duration::hours(40);
    let report = health::check(
        &TrustBundle::from_anchors([other.trust_anchor()]),
        issuer.certificate(),
        linkerd::WORKLOAD_DURATION,
        &[],
        late,
        ExpiryThreshold::RelativeToLifetime,
    );
    assert_eq!(
        report.get("issuer-not-expiring").unwrap().severity,
        Severity::Warning
    );
    assert_eq!(
        report.get("issuer-can-issue-workloads").unwrap().severity,
        Severity::Warning
    );
    assert_eq!(
        report.get("issuer-signed-by-anchor").unwrap().severity,
        Severity::Ok
    );
    // Past it: errors.
    let report = health::check(
        &bundle,
        issuer.certificate(),
        linkerd::WORKLOAD_DURATION,
        &[],
        T0 + Duration::hours(49),
        ExpiryThreshold::RelativeToLifetime,
    );
    assert_eq!(
        report.get("issuer-valid").unwrap().severity,
        Severity::Error
    );
    assert_eq!(report.worst(), Severity::Error);
}
