//! Lifecycle plans: the seed's manifests simulated forward find the day-61 outage by its real
//! mechanism; the variants the issue names give their answers from YAML and from the JSON
//! List; the rotation hazard appears at the wrong hour only; each component's behaviour has
//! its test; the break replays in a real rustls handshake; proxies verify as rustls-webpki.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{Cluster, Objects, PlanInputError, ResolveOptions};
use certcycle::mesh::Procedure;
use certcycle::plan::{Config, Report, Run, Who, issuer_renewal_before, simulate};
use certcycle::verify::{VerifyError, VerifyOptions, verify};
use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
use rustls::pki_types::{CertificateDer, UnixTime};
use support::{T0, rng};
use time::Duration;

const SEED: &str = include_str!("../examples/data/seed.yaml");
const SEED_LIST: &str = include_str!("../examples/data/seed-list.json");

fn config(text: &str) -> Result<Config, PlanInputError> {
    let cluster = Cluster::resolve(
        Objects::read("in", text).unwrap(),
        &ResolveOptions::default(),
    );
    cluster.plan_config(T0)
}

fn run(cfg: &Config) -> Run {
    simulate(cfg, &mut rng(1)).unwrap()
}

fn with_policy_never(text: &str) -> String {
    text.replacen("rotationPolicy: Always", "rotationPolicy: Never", 1)
        .replacen(
            "\"rotationPolicy\": \"Always\"",
            "\"rotationPolicy\": \"Never\"",
            1,
        )
}

#[test]
fn the_seed_breaks_on_day_61_by_the_real_mechanism_from_yaml_and_json() {
    for text in [SEED, SEED_LIST] {
        let r = run(&config(text).unwrap());
        let b = r.first_break.as_ref().expect("the seed's manifests break");
        assert_eq!(b.day, 61);
        // Every leaf was capped at the old issuer's notAfter and expired with it.
        assert!(
            matches!(b.error, VerifyError::Expired { .. }),
            "{}",
            b.error
        );
        let causes: Vec<String> = r.causes().iter().map(ToString::to_string).collect();
        let has = |s: &str| causes.iter().any(|c| c.contains(s));
        assert!(
            has(
                "cert-manager: Renewed (renewal time reached) Certificate cert-manager/linkerd-trust-anchor: new trust anchor (new key"
            ),
            "{causes:#?}"
        );
        assert!(has("IssuerUpdateSkipped"), "{causes:#?}");
        assert!(has("IssuerValidationFailed"), "{causes:#?}");
        // The anchor re-key is on day 60, the skip within 23h of it.
        let rekey = r
            .timeline
            .iter()
            .find(|e| e.what.contains("new trust anchor"))
            .unwrap();
        assert_eq!((rekey.at - T0).whole_days(), 60);
        let skip = r
            .timeline
            .iter()
            .find(|e| e.what.starts_with("IssuerUpdateSkipped"))
            .unwrap();
        assert!(skip.at - rekey.at <= Duration::hours(23));
        assert_eq!(skip.who, Who::Identity);
        // trust-manager published {new, old} at once.
        let sync = r
            .timeline
            .iter()
            .find(|e| e.who == Who::TrustManager && e.at == rekey.at)
            .unwrap();
        assert!(sync.what.contains("2 anchor(s)"));
    }
}

#[test]
fn the_issue_variants_give_their_answers() {
    for text in [SEED, SEED_LIST] {
        let rb = text.replacen("7320h0m0s", "1440h0m0s", 1);
        let r = run(&config(&rb).unwrap().horizon(Duration::days(200)));
        assert!(r.first_break.is_none(), "renewBefore 1440h holds 200 days");
        let never = with_policy_never(text);
        let r = run(&config(&never).unwrap().horizon(Duration::days(300)));
        assert!(
            r.first_break.is_none(),
            "rotationPolicy Never holds 300 days"
        );
        let r = run(&config(&never).unwrap());
        let b = r.first_break.as_ref().unwrap();
        assert!(b.day == 365 || b.day == 366, "day {}", b.day);
        // The identity controller (Go semantics) stops at the anchor certificate's expiry;
        // the proxies (webpki semantics) do not: the break is the leaves running out after.
        let anchor_end = T0 + Duration::hours(8760);
        assert!(b.at > anchor_end);
        let failed = r
            .timeline
            .iter()
            .find(|e| e.what.starts_with("IssuerValidationFailed"))
            .unwrap();
        assert!(
            failed.at >= anchor_end && failed.what.contains("CN=root.linkerd.cluster.local"),
            "{failed}"
        );
    }
    // A namespaced Issuer referenced from the linkerd namespace: cert-manager cannot run it.
    let wrong = SEED.replace(
        "    name: linkerd-identity-issuer\n    kind: ClusterIssuer",
        "    name: linkerd-trust-root-issuer\n    kind: Issuer",
    );
    let e = config(&wrong).unwrap_err();
    assert!(matches!(e, PlanInputError::Unresolvable { .. }));
    assert!(
        e.to_string()
            .contains("Issuer linkerd-trust-root-issuer, which is in namespace cert-manager"),
        "{e}"
    );
}

#[test]
fn fixes_are_printed_only_when_their_re_run_holds() {
    let cfg = config(SEED).unwrap();
    let report = Report::new(&cfg, &mut rng(2)).unwrap();
    assert!(!report.fixes.is_empty());
    let text = report.to_string();
    for f in &report.fixes {
        let printed = text.contains(&format!("fix: {}", f.change));
        assert_eq!(printed, f.held(), "{}", f.change);
    }
    assert!(report.fixes.iter().any(|f| f.held()));
    // Never alone does not hold over 400 days (day 365); it is tried and not printed.
    let never = report
        .fixes
        .iter()
        .find(|f| f.change.contains("rotationPolicy: Never"))
        .unwrap();
    assert_eq!(never.first_break.map(|b| b.1), Some(365));
    // Byte-identical output for the same input, whatever the keys.
    let again = Report::new(&cfg, &mut rng(3)).unwrap();
    assert_eq!(again.to_string(), text);
}

#[test]
fn the_rotation_hazard_appears_at_the_wrong_hour_only() {
    let rb = SEED.replacen("7320h0m0s", "1440h0m0s", 1);
    let base = config(&rb).unwrap().horizon(Duration::days(120));
    let renewal = issuer_renewal_before(&base, T0 + Duration::days(100)).unwrap();
    // Right after an issuer renewal: the seven steps hold.
    let right = base
        .clone()
        .rotate_at(renewal + Duration::minutes(1), Procedure::SevenStep);
    let r = run(&right);
    assert!(
        r.first_break.is_none(),
        "{:?}",
        r.first_break.map(|b| b.error.to_string())
    );
    assert!(
        r.timeline
            .iter()
            .any(|e| e.who == Who::Operator && e.what.starts_with("step 7"))
    );
    // Three minutes before it: the automatic renewal lands between steps 1 and 3 and signs
    // the issuer with the new anchor while proxies trust only the old one.
    let wrong = base
        .clone()
        .rotate_at(renewal - Duration::minutes(3), Procedure::SevenStep);
    let r = run(&wrong);
    let b = r.first_break.as_ref().expect("the hazard breaks");
    assert!((b.at - renewal).abs() < Duration::hours(1), "{}", b.at);
    // The five steps break wherever they start.
    let five = base.rotate_at(renewal + Duration::minutes(1), Procedure::FiveStep);
    assert!(run(&five).first_break.is_some());
}

#[test]
fn the_first_break_replays_in_a_real_rustls_handshake() {
    let r = run(&config(SEED).unwrap());
    let b = r.first_break.unwrap();
    let ev = &b.evidence;
    let server_from = b.at - Duration::hours(12);
    assert!(
        !support::replay_break(ev, server_from, b.at),
        "at the break the handshake fails"
    );
    // One step before: inside the leaf's validity (it was issued shortly before the break).
    let before = ev.leaf.not_before() + (ev.leaf.not_after() - ev.leaf.not_before()) / 2;
    assert!(before < b.at);
    assert!(
        support::replay_break(ev, server_from, before),
        "before the break, it succeeds"
    );
}

#[test]
fn proxies_ignore_an_anchors_dates_as_rustls_webpki_does_and_the_controller_does_not() {
    // rotationPolicy Never: the anchor renewed with the same key; proxies still hold the old
    // anchor certificate, expired, while the issuer and leaf come from the renewed one.
    let r = &mut rng(5);
    let key = PrivateKey::generate(r);
    let old = Ca::self_signed(&linkerd::trust_anchor(), key.clone_key(), T0, r).unwrap();
    let renewed =
        Ca::self_signed(&linkerd::trust_anchor(), key, T0 + Duration::days(300), r).unwrap();
    let at = T0 + Duration::days(366);
    let issuer = renewed
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), at, r)
        .unwrap()
        .ca;
    let id = linkerd::workload_identity("web", "default");
    let leaf = issuer
        .issue(
            &linkerd::workload(&id),
            PrivateKey::generate(r).public_key(),
            at,
            r,
        )
        .unwrap()
        .certificate;
    let bundle = TrustBundle::from_anchors([old.trust_anchor()]);
    let chain = [issuer.certificate().clone()];
    let now = at + Duration::hours(1);
    let go = verify(&leaf, &chain, &bundle, now, &VerifyOptions::default());
    assert!(
        matches!(&go, Err(VerifyError::Expired { cert, .. }) if cert.depth == 2),
        "{go:?}"
    );
    let proxy = verify(
        &leaf,
        &chain,
        &bundle,
        now,
        &VerifyOptions::default().with_anchor_validity(false),
    );
    assert!(proxy.is_ok(), "{proxy:?}");
    // rustls-webpki itself.
    let anchor_der = CertificateDer::from(old.certificate());
    let anchors = [webpki::anchor_from_trusted_cert(&anchor_der)
        .unwrap()
        .to_owned()];
    let leaf_der = CertificateDer::from(&leaf);
    let inter = [CertificateDer::from(issuer.certificate())];
    let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(now.unix_timestamp()).unwrap(),
    ));
    let webpki_ok = ee
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .is_ok();
    assert!(
        webpki_ok,
        "rustls-webpki accepts a chain to an expired anchor certificate"
    );
}

#[test]
fn the_identity_controller_cannot_start_with_an_issuer_that_does_not_verify() {
    // No previous-anchor source: the re-key leaves the bundle {new}; a routine restart before
    // the issuer renews loads {new} with the old-anchor issuer: fatal at start, until the
    // issuer Secret changes (each crash-loop retry reads its inputs again).
    // No workloads: nothing to break, so the run shows the controller alone.
    let mut cfg = Config::seed(T0)
        .horizon(Duration::days(62))
        .restart_every(Some(Duration::hours(1)))
        .workloads(0);
    cfg.previous_anchor_source = false;
    let r = run(&cfg);
    let crash = r
        .timeline
        .iter()
        .find(|e| e.what.starts_with("CrashLoopBackOff"))
        .expect("it crash-loops");
    assert_eq!((crash.at - T0).whole_days(), 60);
    let back = r
        .timeline
        .iter()
        .find(|e| e.at > crash.at && e.who == Who::Identity && e.what.starts_with("started"))
        .expect("it starts once the issuer is re-signed under the new anchor");
    assert!(back.at - crash.at <= Duration::hours(23));
}

#[test]
fn a_plan_costs_a_bounded_amount_whatever_it_is_given() {
    let r = &mut rng(9);
    let too_long = Config::seed(T0).horizon(Duration::days(5000));
    assert!(simulate(&too_long, r).is_err());
    let too_often = Config::seed(T0).restart_every(Some(Duration::SECOND));
    assert!(simulate(&too_often, r).is_err());
    // 20,000 workloads restarted every minute for ten years: refused by the work budget,
    // early, not run.
    let huge = Config::seed(T0)
        .horizon(certcycle::plan::MAX_HORIZON)
        .workloads(20_000)
        .restart_every(Some(Duration::MINUTE));
    let e = simulate(&huge, r).unwrap_err();
    assert!(e.to_string().contains("work budget"), "{e}");
    // A 1h issuer renewing every 55 minutes for ten years: refused by the issuer budget.
    let hourly = certcycle::CertSpec::ca("identity.linkerd.cluster.local", Duration::hours(1))
        .renew_before(Duration::minutes(5));
    // (The anchor keeps its key, so nothing breaks before the budget is reached.)
    let cfg = Config::seed(T0)
        .anchor_spec(linkerd::trust_anchor().rotation_policy(certcycle::RotationPolicy::Never))
        .issuer_spec(hourly)
        .workloads(1)
        .horizon(certcycle::plan::MAX_HORIZON);
    let e = simulate(&cfg, r).unwrap_err();
    assert!(e.to_string().contains("identity issuers"), "{e}");
}

#[test]
fn a_year_of_a_thousand_workloads_fits_the_work_budget() {
    let cfg = Config::seed(T0)
        .anchor_spec(linkerd::trust_anchor().rotation_policy(certcycle::RotationPolicy::Never))
        .workloads(1000)
        .horizon(Duration::days(360));
    let r = run(&cfg);
    assert!(r.first_break.is_none());
    // One real leaf per issuer generation, not per workload: a few per generation.
    assert!(r.verifications < 2_000, "{}", r.verifications);
}

#[test]
fn a_plan_starts_from_todays_secrets() {
    // Today's Secrets (a rotate --out layout) beside the seed's manifests: the plan starts at
    // the newest notBefore with the certificates the cluster holds.
    let dir = tempfile::tempdir().unwrap();
    let today = T0 + Duration::days(30);
    let r = &mut rng(31);
    let anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), today, r).unwrap();
    let issuer = anchor
        .issue_ca(
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            today + Duration::hours(5),
            r,
        )
        .unwrap()
        .ca;
    let put = |path: &str, text: &str| {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    put(
        "cert-manager/linkerd-trust-anchor/tls.crt",
        &anchor.certificate().to_pem(),
    );
    put(
        "cert-manager/linkerd-trust-anchor/tls.key",
        &anchor.private_key().secret_pkcs8_pem(),
    );
    put(
        "cert-manager/linkerd-previous-anchor/tls.crt",
        &anchor.certificate().to_pem(),
    );
    put(
        "linkerd/linkerd-identity-issuer/tls.crt",
        &issuer.certificate().to_pem(),
    );
    put(
        "linkerd/linkerd-identity-issuer/tls.key",
        &issuer.private_key().secret_pkcs8_pem(),
    );
    let mut objects = Objects::read_path(dir.path()).unwrap();
    objects.add("seed.yaml", SEED).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(today + Duration::hours(5)).unwrap();
    assert_eq!(cfg.start, today + Duration::hours(5));
    let plan = run(&cfg);
    assert!(
        plan.timeline[0]
            .what
            .starts_with("Secret holds (today) Certificate cert-manager/linkerd-trust-anchor")
    );
    // The seed's re-key comes 60 days after *this* anchor's notBefore.
    let b = plan.first_break.unwrap();
    let rekey = plan
        .timeline
        .iter()
        .find(|e| e.what.contains("new trust anchor"))
        .unwrap();
    assert_eq!(rekey.at, today + Duration::days(60));
    assert!(
        b.at > rekey.at && b.at - rekey.at < Duration::days(3),
        "{}",
        b.at
    );
    // A key that does not match its certificate is named, without its content.
    put(
        "linkerd/linkerd-identity-issuer/tls.key",
        &PrivateKey::generate(r).secret_pkcs8_pem(),
    );
    let mut objects = Objects::read_path(dir.path()).unwrap();
    objects.add("seed.yaml", SEED).unwrap();
    let e = Cluster::resolve(objects, &ResolveOptions::default())
        .plan_config(today)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Secret/linkerd/linkerd-identity-issuer: "),
        "{e}"
    );
    assert!(!e.to_string().contains("PRIVATE"));
}
