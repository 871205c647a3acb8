//! Issue 29: real certificates, real time. The certificates a Linkerd cluster actually holds
//! (Secrets in both layouts, Helm values in their many homes, `linkerd install` output), with
//! their real dates, planned from the present.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::{Ca, CertSpec, PrivateKey};
use support::{T0, kubectl, rng, secret};
use time::{Duration, OffsetDateTime};

/// A `step certificate create root.linkerd.cluster.local ... --profile root-ca` anchor: ten
/// years from `at`.
fn anchor(seed: u64, at: OffsetDateTime) -> Ca {
    let mut r = rng(seed);
    Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(3650)),
        PrivateKey::generate(&mut r),
        at,
        &mut r,
    )
    .unwrap()
}

/// A `step certificate create identity.linkerd.cluster.local ... --profile intermediate-ca
/// --not-after 8760h` issuer: a year from `at`.
fn issuer(anchor: &Ca, seed: u64, at: OffsetDateTime, days: i64) -> Ca {
    let mut r = rng(seed);
    anchor
        .issue_ca(
            &CertSpec::ca("identity.linkerd.cluster.local", Duration::days(days)),
            PrivateKey::generate(&mut r),
            at,
            &mut r,
        )
        .unwrap()
        .ca
}

fn objects(docs: &[(&str, String)]) -> Objects {
    let mut objects = Objects::default();
    for (name, text) in docs {
        objects
            .add(name, text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    objects
}

fn plan_at(objects: Objects, now: OffsetDateTime, days: i64) -> PlanReport {
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster
        .plan_config(now)
        .unwrap_or_else(|e| panic!("{e}\n{}", PlanReport::preamble(&cluster)))
        .horizon(Duration::days(days));
    PlanReport::new(&cluster, &cfg, &mut rng(7)).unwrap()
}

/// The issuer Secret as `kubectl create secret tls` writes it, and the anchors as the
/// `linkerd-identity-trust-roots` ConfigMap.
fn static_install(dir: &std::path::Path, anchor: &Ca, issuer: &Ca) -> Vec<(&'static str, String)> {
    let key = issuer.private_key().secret_pkcs8_pem();
    let issuer_secret = secret(
        dir,
        "linkerd",
        "linkerd-identity-issuer",
        &[
            ("tls.crt", &issuer.certificate().to_pem()),
            ("tls.key", &key),
        ],
        "yaml",
    );
    let path = support::write(dir, "ca.crt", &anchor.certificate().to_pem());
    let roots = kubectl(&[
        "create",
        "configmap",
        "linkerd-identity-trust-roots",
        "-n",
        "linkerd",
        &format!("--from-file=ca-bundle.crt={path}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    vec![("issuer.yaml", issuer_secret), ("roots.yaml", roots)]
}

#[test]
fn a_static_issuer_that_expired_before_today_is_a_break_that_already_happened() {
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(1, T0 - Duration::days(800));
    // Made 395 days ago for a year: it expired 30 days ago.
    let i = issuer(&a, 2, T0 - Duration::days(395), 365);
    let report = plan_at(objects(&static_install(dir.path(), &a, &i)), T0, 400);
    let text = report.to_string();
    let b = report.report.run.first_break.as_ref().expect(&text);
    // Valid through its notAfter (RFC 5280), refused a second later.
    assert_eq!(b.at, T0 - Duration::days(30) + Duration::SECOND, "{text}");
    assert_eq!(b.day, -30, "{text}");
    assert!(report.report.broke_before_start());
    assert!(
        text.contains("(day -30: 30d before the start, already happened)"),
        "{text}"
    );
    assert!(
        text.contains("fix: none undoes a break that already happened"),
        "{text}"
    );
    let json = report.to_json();
    assert_eq!(json["first_break"]["already_happened"], true);
    assert_eq!(json["first_break"]["before_start"], "30d");
    assert_eq!(json["start"], "2026-01-01T00:00:00Z");
    let sarif = serde_json::to_string(&report.to_sarif()).unwrap();
    assert!(
        sarif.contains("30d before the start, already happened"),
        "{sarif}"
    );
    let html = report.to_html("t");
    assert!(html.contains("30d before the start, already happened"));
}
