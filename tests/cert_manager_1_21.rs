//! Issue 32, items 1-3: cert-manager as it runs at the end of 2026 (v1.21.0): `spec.renewal`
//! (`policy: Disabled`, cron windows in a time zone), `renewBeforePercentage` computed as each
//! release computes it, and v1.19.0's re-issue of Certificates whose issuerRef omits kind or
//! group. Manifests in the shapes of cert-manager's docs, on the seed document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{CertManagerVersion, Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::renewal::{RenewalSpec, RenewalWindow, Windowed, cert_manager_renewal};
use certcycle::{CertSpec, Rule};
use support::{T0, rng};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const SEED: &str = include_str!("../examples/data/seed.yaml");

/// The seed with `renewal` added to the anchor Certificate's spec (after its privateKey).
fn seed_with_anchor_renewal(renewal: &str) -> String {
    let anchor_end = "  privateKey:\n    rotationPolicy: Always\n    algorithm: ECDSA\n---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer";
    assert!(SEED.contains(anchor_end));
    SEED.replacen(
        anchor_end,
        &anchor_end.replacen("---", &format!("{renewal}---"), 1),
        1,
    )
}

fn plan(text: &str, options: &ResolveOptions, days: i64) -> PlanReport {
    let objects = Objects::read("seed.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let cluster = Cluster::resolve(objects, options);
    let cfg = cluster
        .plan_config(T0)
        .unwrap_or_else(|e| panic!("{e}"))
        .horizon(Duration::days(days));
    PlanReport::new(&cluster, &cfg, &mut rng(3)).unwrap()
}

fn rekey(report: &PlanReport) -> Option<OffsetDateTime> {
    report
        .report
        .run
        .timeline
        .iter()
        .find(|e| e.what.contains("new trust anchor"))
        .map(|e| e.at)
}

#[test]
fn a_disabled_anchor_never_rekeys_and_breaks_when_it_expires() {
    let text = seed_with_anchor_renewal("  renewal:\n    policy: Disabled\n");
    let report = plan(&text, &ResolveOptions::default(), 400);
    let out = report.to_string();
    assert_eq!(rekey(&report), None, "{out}");
    let b = report.report.run.first_break.as_ref().expect(&out);
    // The anchor expires on day 365; the identity issuer (48h) it signed is refused then.
    assert!((365..=366).contains(&b.day), "day {}: {out}", b.day);
    assert!(
        report.lints.iter().any(|l| l.id == "renewal-disabled"),
        "{out}"
    );
    // The seed's re-key on day 60 is gone, and so is its lint.
    assert!(!out.contains("lint: anchor-early-rekey"), "{out}");
    // cert-manager 1.20 has no spec.renewal: the seed's day-61 break, and an assume line.
    let old = ResolveOptions::default().cert_manager_version("1.20.3".parse().unwrap());
    let report = plan(&text, &old, 400);
    let out = report.to_string();
    assert_eq!(
        report.report.run.first_break.as_ref().unwrap().day,
        61,
        "{out}"
    );
    assert!(
        out.contains("spec.renewal is ignored: cert-manager v1.20.3 has no such field"),
        "{out}"
    );
}

#[test]
fn a_saturday_window_moves_the_rekey_from_monday_to_saturday_and_the_break_with_it() {
    // The seed re-keys the anchor 60 days after its issue: Monday 2026-03-02 00:00 UTC.
    let seed = plan(SEED, &ResolveOptions::default(), 100);
    assert_eq!(rekey(&seed), Some(datetime!(2026-03-02 00:00 UTC)));
    let seed_break = seed.report.run.first_break.as_ref().unwrap().at;
    let text = seed_with_anchor_renewal(
        "  renewal:\n    policy: RenewBefore\n    windows:\n      - cron: \"0 2 * * 6\"\n        windowDuration: 4h\n",
    );
    let report = plan(&text, &ResolveOptions::default(), 100);
    let out = report.to_string();
    assert_eq!(
        rekey(&report),
        Some(datetime!(2026-03-07 02:00 UTC)),
        "{out}"
    );
    // The break follows the re-key as the seed's follows its own (the old issuer's last
    // renewal, then its expiry): within three days after it, days after the seed's.
    let b = report.report.run.first_break.as_ref().expect(&out);
    let rekeyed = datetime!(2026-03-07 02:00 UTC);
    assert!(
        b.at > rekeyed && b.at - rekeyed < Duration::days(3),
        "{out}"
    );
    assert!(b.at - seed_break > Duration::days(4), "{out}");
    // The renewal line says the window delayed it, and by how much.
    assert!(
        out.contains("delayed 5d2h to the next renewal window \"0 2 * * 6\" for 4h0m0s (UTC)"),
        "{out}"
    );
    // In New York's time zone the same cron opens at 02:00 EST, 07:00 UTC.
    let ny = text.replace(
        "        windowDuration: 4h\n",
        "        windowDuration: 4h\n        timezone: America/New_York\n",
    );
    let report = plan(&ny, &ResolveOptions::default(), 100);
    assert_eq!(rekey(&report), Some(datetime!(2026-03-07 07:00 UTC)));
}

#[test]
fn windows_follow_cert_managers_search() {
    let nb = datetime!(2026-01-01 00:00 UTC);
    let w = |cron: &str, h: i64| RenewalWindow::new(cron, Duration::hours(h), None).unwrap();
    let spec = |windows| {
        CertSpec::ca("a", Duration::hours(8760))
            .renew_before(Duration::hours(7320))
            .renewal(RenewalSpec::windows(windows))
    };
    let na = nb + Duration::hours(8760);
    // Desired Monday 2026-03-02 00:00: inside a Sunday 22:00 + 4h window: unchanged.
    let (r, how) = cert_manager_renewal(&spec(vec![w("0 22 * * 0", 4)]), nb, na);
    assert_eq!(
        (r.renew_at, how),
        (datetime!(2026-03-02 00:00 UTC), Windowed::InWindow)
    );
    // At the window's end exactly: still in (cert-manager's candidate is the window end).
    let (r, how) = cert_manager_renewal(&spec(vec![w("0 22 * * 0", 2)]), nb, na);
    assert_eq!(
        (r.renew_at, how),
        (datetime!(2026-03-02 00:00 UTC), Windowed::InWindow)
    );
    // The earliest of several windows after the desired time wins.
    let (r, _) = cert_manager_renewal(&spec(vec![w("0 2 * * 6", 4), w("30 9 * * 3", 1)]), nb, na);
    assert_eq!(r.renew_at, datetime!(2026-03-04 09:30 UTC));
    // A window that never opens before notAfter + windowDuration: the usual time (WindowError).
    let (r, how) = cert_manager_renewal(&spec(vec![w("0 0 30 2 *", 1)]), nb, na);
    assert_eq!(
        (r.renew_at, how),
        (datetime!(2026-03-02 00:00 UTC), Windowed::NoWindow)
    );
    // February 30th never comes: found once, when the window is read, not in every search.
    assert!(!w("0 0 30 2 *", 1).fires());
    assert!(w("0 0 29 2 *", 1).fires());
    // A yearly window after notAfter is taken: the certificate expires first.
    let short = CertSpec::ca("a", Duration::hours(720)).renewal(RenewalSpec::windows(vec![
        RenewalWindow::new("@yearly", Duration::hours(1), None).unwrap(),
    ]));
    let (r, how) = cert_manager_renewal(&short, nb, nb + Duration::hours(720));
    assert_eq!(r.renew_at, nb + Duration::hours(480), "{how:?}");
    // Refused as the webhook refuses them.
    assert!(RenewalWindow::new("0 2 * *", Duration::hours(1), None).is_err());
    assert!(RenewalWindow::new("0 2 * * 6", Duration::ZERO, None).is_err());
    assert!(RenewalWindow::new("0 2 * * 6", Duration::hours(1), Some("Mars/Olympus")).is_err());
}

#[test]
fn renew_before_percentage_is_computed_as_each_release_computes_it() {
    // 3 years at 99%: 94608000s * 1e9 * 99 overflows int64 (about 9.37e18 > 9.22e18).
    let nb = datetime!(2026-01-01 00:00 UTC);
    let spec = CertSpec::ca("a", Duration::hours(26280)).renew_before_percentage(99);
    let na = nb + Duration::hours(26280);
    let (now, _) = cert_manager_renewal(&spec, nb, na);
    // v1.21: float64, 99% of the life before expiry: 1% in.
    assert_eq!(now.renew_at, nb + Duration::seconds(946_080));
    assert!(matches!(
        now.rule,
        Rule::RenewBeforePercentage { percentage: 99, .. }
    ));
    // v1.20: the wrapped product, as Go computed it.
    let ns: i64 = 26_280 * 3_600 * 1_000_000_000;
    let wrapped = Duration::nanoseconds(ns.wrapping_mul(99) / 100);
    let (old, _) = cert_manager_renewal(&spec.clone().percentage_wraps(true), nb, na);
    assert_eq!(old.renew_at, (na - wrapped).replace_nanosecond(0).unwrap());
    assert!(
        old.renew_at > na,
        "the wrapped renewBefore is negative: {}",
        old.renew_at
    );
    // The version option sets it for every Certificate.
    let yaml = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: long, namespace: cert-manager}
spec:
  secretName: long
  issuerRef: {name: root, kind: Issuer, group: cert-manager.io}
  commonName: long
  isCA: true
  duration: 26280h
  renewBeforePercentage: 99
";
    for (v, wraps) in [("1.20.3", true), ("1.21.0", false), ("v1.19.1", true)] {
        let options = ResolveOptions::default().cert_manager_version(v.parse().unwrap());
        let c = Cluster::resolve(Objects::read("c.yaml", yaml).unwrap(), &options);
        assert_eq!(c.certificates[0].spec.get_percentage_wraps(), wraps, "{v}");
    }
}

#[test]
fn cert_manager_1_19_0_reissues_cas_whose_issuer_ref_omits_kind_or_group() {
    let lints = |v: &str| {
        let options = ResolveOptions::default().cert_manager_version(v.parse().unwrap());
        let c = Cluster::resolve(Objects::read("seed.yaml", SEED).unwrap(), &options);
        c.lints()
            .into_iter()
            .filter(|l| l.id == "issuer-ref-incomplete")
            .collect::<Vec<_>>()
    };
    // The seed's anchor names kind but not group.
    // Both of the seed's CAs (the anchor and the identity issuer) name kind but not group.
    let at = lints("1.19.0");
    assert_eq!(at.len(), 2, "{at:?}");
    assert!(
        at.iter()
            .all(|l| l.message.contains("omits group") && l.message.contains("re-keys this CA"))
    );
    assert!(lints("1.19.1").is_empty());
    assert!(lints("1.21.0").is_empty());
    assert_eq!(CertManagerVersion::CURRENT.to_string(), "v1.21.0");
    assert!("1.x".parse::<CertManagerVersion>().is_err());
}

#[test]
fn cert_managers_webhook_refusals_are_input_errors_with_their_place() {
    let e = Objects::read(
        "seed.yaml",
        &seed_with_anchor_renewal("  renewal:\n    policy: Disabled\n    windows:\n      - cron: \"0 2 * * 6\"\n        windowDuration: 4h\n"),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("windows cannot be set when renewal.policy is set to Disabled"),
        "{e}"
    );
    let e = Objects::read(
        "seed.yaml",
        &seed_with_anchor_renewal("  renewal:\n    policy: Sometimes\n"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("spec.renewal.policy"), "{e}");
    let e = Objects::read(
        "seed.yaml",
        &seed_with_anchor_renewal("  renewal:\n    policy: RenewBefore\n    windows:\n      - cron: \"61 2 * * 6\"\n        windowDuration: 4h\n"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("spec.renewal.windows[0]"), "{e}");
}

/// The seed's Bundle written as trust-manager's ClusterBundle (`trust-manager.io/v1alpha2`),
/// as trust-manager's migration docs map the fields.
fn seed_with_cluster_bundle() -> String {
    let i = SEED
        .find("apiVersion: trust.cert-manager.io/v1alpha1")
        .expect("the seed's Bundle");
    let end = SEED[i..].find("\n---").map_or(SEED.len(), |j| i + j + 1);
    let cluster_bundle = "apiVersion: trust-manager.io/v1alpha2
kind: ClusterBundle
metadata:
  name: linkerd-identity-trust-roots
spec:
  sourceRefs:
    - kind: Secret
      name: linkerd-trust-anchor
      key: tls.crt
    - kind: Secret
      name: linkerd-previous-anchor
      key: tls.crt
  target:
    configMap:
      data:
        - key: ca-bundle.crt
    namespaceSelector:
      matchLabels:
        linkerd.io/is-control-plane: \"true\"
";
    format!("{}{cluster_bundle}{}", &SEED[..i], &SEED[end..])
}

#[test]
fn the_seed_with_an_equivalent_cluster_bundle_forecasts_the_same() {
    let text = seed_with_cluster_bundle();
    assert!(!text.contains("kind: Bundle\n"), "{text}");
    let seed = plan(SEED, &ResolveOptions::default(), 100);
    let cb = plan(&text, &ResolveOptions::default(), 100);
    let (a, b) = (
        seed.report.run.first_break.as_ref().unwrap(),
        cb.report.run.first_break.as_ref().unwrap(),
    );
    assert_eq!((a.at, a.day), (b.at, b.day));
    assert_eq!(seed.report.run.timeline.len(), cb.report.run.timeline.len());
    let c = Cluster::resolve(
        Objects::read("s.yaml", &text).unwrap(),
        &ResolveOptions::default(),
    );
    let roots = c.trust_roots().unwrap();
    assert_eq!(roots.object.as_ref().unwrap().kind, "ClusterBundle");
    assert_eq!(roots.sources.len(), 2);
    // key "*", a selector and defaultCAs are read too (the selector is named, not modelled).
    let more = text.replace(
        "      key: tls.crt\n  target:",
        "      key: \"*\"\n    - kind: ConfigMap\n      selector:\n        matchLabels: {trust: \"yes\"}\n      key: ca.crt\n  defaultCAs:\n    provider: System\n  target:",
    );
    let c = Cluster::resolve(
        Objects::read("s.yaml", &more).unwrap(),
        &ResolveOptions::default(),
    );
    let labels: Vec<&str> = c
        .trust_roots()
        .unwrap()
        .sources
        .iter()
        .map(|(l, _)| l.as_str())
        .collect();
    assert!(
        labels.contains(&"configmap by label selector (not modelled)"),
        "{labels:?}"
    );
    assert!(labels.contains(&"useDefaultCAs"), "{labels:?}");
}

#[test]
fn trust_managers_filter_flags_leave_out_expired_and_non_ca_certificates() {
    use certcycle::plan::BundleFilter;
    use certcycle::{Ca, PrivateKey};
    // The previous-anchor Secret still holds an anchor that expired 35 days ago.
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(41);
    let old = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(365)),
        PrivateKey::generate(&mut r),
        T0 - Duration::days(400),
        &mut r,
    )
    .unwrap();
    let previous = support::secret(
        dir.path(),
        "cert-manager",
        "linkerd-previous-anchor",
        &[("tls.crt", &old.certificate().to_pem())],
        "yaml",
    );
    let synced = |filter: BundleFilter| {
        let mut objects = Objects::read("seed.yaml", SEED).unwrap();
        objects.add("previous.yaml", &previous).unwrap();
        let mut options = ResolveOptions::default();
        options.trust_manager_filter = filter;
        let cluster = Cluster::resolve(objects, &options);
        let cfg = cluster.plan_config(T0).unwrap().horizon(Duration::days(10));
        let run = certcycle::plan::simulate(&cfg, &mut rng(42)).unwrap();
        run.timeline
            .iter()
            .find(|e| e.what.starts_with("Synced Bundle"))
            .map(|e| e.what.clone())
            .unwrap()
    };
    assert!(synced(BundleFilter::default()).contains(": 2 anchor(s)"));
    assert!(synced(BundleFilter::new(true, false)).contains(": 1 anchor(s)"));
}
