//! Unattended rotation (DESIGN §17): a schedule proven from the restart cadence, run by the
//! simulator's reconcile loop.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::plan::{Config, simulate};
use certcycle::rotation::{Action, Lifetimes, Propagation, Schedule};
use time::{Duration, macros::datetime};

fn start() -> time::OffsetDateTime {
    datetime!(2026-01-01 0:00 UTC)
}

/// The issue's acceptance line: the seed's topology with daily restarts over three years holds
/// through at least two anchor rotations, with each rotation's windows.
#[test]
fn seed_with_daily_restarts_rotates_unattended_for_three_years() {
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::hours(8760)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let cfg = Config::seed(start())
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::hours(26280))
        .auto_rotation(schedule.clone());
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    let lines = certcycle::plan::auto_lines(&schedule, &run);
    for l in &lines {
        println!("{l}");
    }
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    let rotations = certcycle::plan::rotations(&run);
    assert!(rotations.len() >= 2, "{rotations:?}");
    for r in &rotations {
        let (activate, retire) = (r.activate.unwrap(), r.retire.unwrap());
        assert_eq!(activate - r.prepare, schedule.propagation());
        assert_eq!(retire - activate, schedule.drain());
    }
    // The first anchor (notAfter 2027-01-01) is prepared 64h58m before it expires.
    assert_eq!(
        rotations[0].prepare,
        datetime!(2027-01-01 0:00 UTC) - schedule.anchor_renew_before()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("rotation 2: prepare 2027-12-"))
    );
    let json = certcycle::plan::auto_json(&schedule, &run);
    assert_eq!(json["rotations"].as_array().unwrap().len(), rotations.len());
    assert_eq!(json["windows"][0]["seconds"], 24 * 3600 + 300);
}

/// No restarts: refused, naming a cadence that would make a schedule possible, and that
/// cadence does.
#[test]
fn no_restarts_is_refused_with_the_cadence_that_would_do() {
    let lifetimes = Lifetimes::linkerd(Duration::hours(8760));
    let e = Schedule::new(lifetimes, Propagation::Never).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("no schedule can propagate an anchor"),
        "{text}"
    );
    let certcycle::rotation::ScheduleError::NoPropagation {
        longest_cadence: Some(cadence),
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert!(
        text.contains(&format!(
            "--restart-every {}",
            certcycle::GoDuration(cadence)
        )),
        "{text}"
    );
    assert!(Schedule::new(lifetimes, Propagation::RestartEvery(cadence)).is_ok());
    let over = cadence + Duration::minutes(1);
    assert!(matches!(
        Schedule::new(lifetimes, Propagation::RestartEvery(over)),
        Err(certcycle::rotation::ScheduleError::AnchorTooShort { .. })
    ));
}

/// SPIRE's fractions on the same cluster: with weekly restarts and 14-day anchors SPIRE
/// activates 4d16h after the prepare, before every pod restarted, and the mesh breaks; the
/// proven schedule refuses these lifetimes instead (they need 16d9h). With daily restarts and
/// one-year anchors both hold, the proven one preparing 64h58m before expiry where SPIRE takes
/// 30 days.
#[test]
fn spire_fractions_break_where_the_restart_cadence_is_slower_than_their_window() {
    let weekly = Propagation::RestartEvery(Duration::days(7));
    let short = Lifetimes::linkerd(Duration::days(14));
    let refused = Schedule::new(short, weekly).unwrap_err();
    println!("{refused}");
    assert!(matches!(
        refused,
        certcycle::rotation::ScheduleError::AnchorTooShort { .. }
    ));
    let spire = Schedule::spire_like(short).unwrap();
    assert!(spire.propagation() < Duration::days(7));
    let (broke, _) = run_schedule(&spire, Duration::days(7), 12, 2);
    println!("SPIRE's fractions: break on day {broke:?}");
    assert!(broke.is_some());
    let year = Lifetimes::linkerd(Duration::days(365));
    let proven = Schedule::new(year, Propagation::RestartEvery(Duration::DAY)).unwrap();
    assert_eq!(
        Schedule::spire_like(year).unwrap().anchor_renew_before(),
        Duration::days(30)
    );
    assert_eq!(
        proven.anchor_renew_before(),
        Duration::hours(64) + Duration::minutes(58)
    );
}

/// One simulated run of `schedule` (anchors of its lifetime) with restarts every `every`,
/// `workloads` proxies, over `anchors` anchor lifetimes: the first break's day, if any, and
/// how many rotations completed.
fn run_schedule(
    schedule: &Schedule,
    every: Duration,
    workloads: usize,
    anchors: i32,
) -> (Option<i64>, usize) {
    let mut cfg = Config::seed(start())
        .restart_every(Some(every))
        .workloads(workloads)
        .horizon(schedule.lifetimes().anchor * anchors);
    cfg.anchor = certcycle::CertSpec::ca("root.linkerd.cluster.local", schedule.lifetimes().anchor);
    let run = simulate(&cfg.auto_rotation(schedule.clone()), &mut rand_core::OsRng).unwrap();
    let retired = run
        .actions
        .iter()
        .filter(|a| a.action == Action::Retire)
        .count();
    (run.first_break.map(|b| b.day), retired)
}

/// For random restart cadences (1h to 3d) and anchor lifetimes (the least the schedule accepts
/// to three times that), the accepted schedule never breaks over three anchor lifetimes; and
/// the windows are tight: cutting the propagation or the drain window by 10% breaks some runs.
#[test]
fn accepted_schedules_hold_and_their_windows_are_tight() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as PConfig, TestRunner};
    use std::cell::Cell;
    let cut_breaks = [Cell::new(0u32), Cell::new(0u32)];
    let cases = Cell::new(0u32);
    let mut runner = TestRunner::new(PConfig {
        cases: 16,
        ..PConfig::default()
    });
    let strategy = (60i64..=3 * 24 * 60, 100u32..=300);
    runner
        .run(&strategy, |(every_minutes, stretch)| {
            let every = Duration::minutes(every_minutes);
            let probe = Schedule::new(Lifetimes::linkerd(Duration::days(3650)), Propagation::RestartEvery(every)).unwrap();
            // The least lifetime the schedule accepts, stretched by 100%..300%.
            let least = probe.shortest_anchor();
            let lifetime = Duration::minutes(least.whole_minutes() * i64::from(stretch) / 100 + 1);
            let schedule = Schedule::new(Lifetimes::linkerd(lifetime), Propagation::RestartEvery(every))
                .expect("accepted inside the bounds");
            assert!(schedule.is_proven());
            let (broke, retired) = run_schedule(&schedule, every, 12, 3);
            prop_assert!(broke.is_none(), "the proven schedule broke on day {broke:?} (restart every {every}, anchors {lifetime})");
            prop_assert!(retired >= 2, "only {retired} rotations in three lifetimes");
            cases.set(cases.get() + 1);
            for (i, window) in [certcycle::rotation::Window::Propagation, certcycle::rotation::Window::Drain].into_iter().enumerate() {
                let length = match window {
                    certcycle::rotation::Window::Propagation => schedule.propagation(),
                    _ => schedule.drain(),
                };
                let cut = schedule.clone().with_window(window, length * 9 / 10);
                assert!(!cut.is_proven());
                if run_schedule(&cut, every, 12, 3).0.is_some() {
                    cut_breaks[i].set(cut_breaks[i].get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{} cases; cutting the propagation window by 10% broke {}, the drain window {}",
        cases.get(),
        cut_breaks[0].get(),
        cut_breaks[1].get()
    );
    assert!(
        cut_breaks[0].get() > 0,
        "a 10% shorter propagation window never broke"
    );
    assert!(
        cut_breaks[1].get() > 0,
        "a 10% shorter drain window never broke"
    );
}

/// Certificates for a start in a given phase: an old anchor (30d, issued 25 days before the
/// start), a new one (issued an hour before), and the identity issuer (half an hour before)
/// under the new one when `resigned`, else the old.
fn secrets(new_anchor: bool, resigned: bool) -> (certcycle::plan::Secrets, Duration) {
    use certcycle::{Ca, CertSpec, PrivateKey, presets::linkerd};
    let r = &mut rand_core::OsRng;
    let life = Duration::days(30);
    let spec = CertSpec::ca(linkerd::TRUST_ANCHOR_CN, life);
    let old = Ca::self_signed(
        &spec,
        PrivateKey::generate(r),
        start() - Duration::days(25),
        r,
    )
    .unwrap();
    let new = Ca::self_signed(
        &spec,
        PrivateKey::generate(r),
        start() - Duration::hours(1),
        r,
    )
    .unwrap();
    let signer = if resigned { &new } else { &old };
    let issuer = signer
        .issue_ca(
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            start() - Duration::minutes(30),
            r,
        )
        .unwrap()
        .ca;
    let s = if new_anchor {
        certcycle::plan::Secrets::new(new, issuer, None).with_previous_ca(old)
    } else {
        let previous = old.certificate().clone();
        certcycle::plan::Secrets::new(old, issuer, Some(previous))
    };
    (s, life)
}

/// `reconcile` replayed from each phase a cluster can be in (steady, anchor-staged,
/// issuer-resigned), from today's Secrets: the simulated loop reaches steady with no break,
/// and each start's first action is the one the phase calls for.
#[test]
fn reconcile_from_every_phase_reaches_steady_without_a_break() {
    use certcycle::rotation::Phase;
    for (phase, new_anchor, resigned, first) in [
        (Phase::Steady, false, false, Action::Prepare),
        (Phase::AnchorStaged, true, false, Action::Activate),
        (Phase::IssuerResigned, true, true, Action::Retire),
    ] {
        let (secrets, life) = secrets(new_anchor, resigned);
        let schedule = Schedule::new(
            Lifetimes::linkerd(life),
            Propagation::RestartEvery(Duration::DAY),
        )
        .unwrap();
        let mut cfg = Config::seed(start())
            .restart_every(Some(Duration::DAY))
            .workloads(12)
            .horizon(Duration::days(10))
            .from_secrets(secrets);
        cfg.anchor = certcycle::CertSpec::ca("root.linkerd.cluster.local", life);
        let run = simulate(&cfg.auto_rotation(schedule.clone()), &mut rand_core::OsRng).unwrap();
        let actions: Vec<_> = run.actions.iter().map(|a| a.action).collect();
        println!("{phase}: {actions:?}");
        assert!(run.first_break.is_none(), "{phase}: {:?}", run.first_break);
        assert_eq!(actions.first(), Some(&first), "{phase}");
        assert!(
            actions.contains(&Action::Retire),
            "{phase}: never back to steady"
        );
        let s = &run.secrets;
        let end = certcycle::rotation::Observed::new(
            s.anchor.certificate(),
            s.previous.as_ref(),
            &run.published,
            s.issuer.certificate(),
        );
        assert_eq!(Phase::observe(&end, run.end), Phase::Steady, "{phase}");
    }
}

/// From the broken states it can recover from, `reconcile` names the repair, and the repaired
/// objects read as a phase the loop goes on from; the same observation gives the same answer.
#[test]
fn reconcile_repairs_broken_states_and_is_idempotent() {
    use certcycle::rotation::{Broken, Observed, Phase, reconcile};
    use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
    let r = &mut rand_core::OsRng;
    let (secrets, life) = secrets(true, false);
    let schedule = Schedule::new(
        Lifetimes::linkerd(life),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let (anchor, old) = (
        secrets.anchor.certificate(),
        secrets.previous.as_ref().unwrap(),
    );
    let issuer = secrets.issuer.certificate();
    let now = start();
    // The ConfigMap lost the previous anchor (edited, or trust-manager not synced).
    let only_new = TrustBundle::from_anchors([secrets.anchor.trust_anchor()]);
    let o = Observed::new(anchor, Some(old), &only_new, issuer);
    let a = reconcile(&o, &schedule, now).unwrap();
    assert_eq!(a.phase, Phase::Broken(Broken::IssuerUnderAnchorNotInBundle));
    assert_eq!(a.action, Some(Action::SyncBundle));
    assert_eq!(a, reconcile(&o, &schedule, now).unwrap());
    let both = TrustBundle::from_anchors([
        secrets.anchor.trust_anchor(),
        secrets.previous_ca.as_ref().unwrap().trust_anchor(),
    ]);
    let repaired = reconcile(
        &Observed::new(anchor, Some(old), &both, issuer),
        &schedule,
        now,
    )
    .unwrap();
    assert_eq!(repaired.phase, Phase::AnchorStaged);
    // The identity issuer expired: re-issue it with its issuerRef's CA (the previous anchor).
    let later = issuer.not_after() + Duration::seconds(1);
    let a = reconcile(
        &Observed::new(anchor, Some(old), &both, issuer),
        &schedule,
        later,
    )
    .unwrap();
    assert_eq!(a.phase, Phase::Broken(Broken::IssuerExpired));
    assert_eq!(a.action, Some(Action::ReissueIssuer));
    let reissued = secrets
        .previous_ca
        .as_ref()
        .unwrap()
        .issue_ca(
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            later,
            r,
        )
        .unwrap()
        .ca;
    let repaired = reconcile(
        &Observed::new(anchor, Some(old), &both, reissued.certificate()),
        &schedule,
        later,
    )
    .unwrap();
    assert_eq!(repaired.phase, Phase::AnchorStaged);
    // A stale anchor in the bundle after a retire: sync the bundle.
    let stray = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), now, r).unwrap();
    let stale = TrustBundle::from_anchors([secrets.anchor.trust_anchor(), stray.trust_anchor()]);
    let resigned = secrets
        .anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), now, r)
        .unwrap()
        .ca;
    let a = reconcile(
        &Observed::new(anchor, Some(anchor), &stale, resigned.certificate()),
        &schedule,
        now,
    )
    .unwrap();
    assert_eq!(a.phase, Phase::Broken(Broken::StaleAnchorInBundle));
    assert_eq!(a.action, Some(Action::SyncBundle));
    // An expired anchor: nothing recovers it without a break.
    let dead = anchor.not_after() + Duration::seconds(1);
    let a = reconcile(
        &Observed::new(anchor, Some(anchor), &both, resigned.certificate()),
        &schedule,
        dead,
    )
    .unwrap();
    assert_eq!(a.action, Some(Action::Replace));
}

/// The manifests `plan --rotation auto` writes read back as unattended rotation's shape: the
/// identity issuer is signed through the previous-anchor Secret. Without the loop the anchor
/// re-keys on schedule and nobody activates it, so the plan breaks when the old anchor
/// expires (day 365); with the loop it holds. `check` on those manifests with a staged
/// cluster's Secrets reads `anchor-staged` (the anchor is the Certificate's Secret, not the
/// one the issuerRef names).
#[test]
fn the_emitted_manifests_read_back_as_the_shape_they_run() {
    use certcycle::k8s::{CheckReport, Cluster, Objects, ResolveOptions};
    use certcycle::rotation::Phase;
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::hours(8760)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let seed = Config::seed(start()).restart_every(Some(Duration::DAY));
    let yaml = certcycle::k8s::auto_manifests(&seed, &schedule).unwrap();
    let cluster = Cluster::resolve(
        Objects::read("auto-rotation.yaml", &yaml).unwrap(),
        &ResolveOptions::default(),
    );
    let cfg = cluster.plan_config(start()).unwrap();
    assert!(cfg.topology.issuer_via_previous);
    assert!(cfg.topology.is_seed_shape());
    assert_eq!(
        cfg.anchor.get_renew_before(),
        Some(schedule.anchor_renew_before())
    );
    let cfg = cfg
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::days(500));
    let alone = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    let b = alone.first_break.expect("nobody activates the new anchor");
    assert_eq!(b.day, 365, "{b:?}");
    let looped = simulate(
        &cfg.clone().auto_rotation(schedule.clone()),
        &mut rand_core::OsRng,
    )
    .unwrap();
    assert!(looped.first_break.is_none(), "{:?}", looped.first_break);

    // A staged cluster: its Secrets (as rotate --out writes them) with the manifests.
    let staged_at = certcycle::plan::rotations(&looped)[0].prepare;
    let cfg30 = cfg
        .clone()
        .auto_rotation(schedule)
        .horizon(staged_at - start());
    let run = simulate(&cfg30, &mut rand_core::OsRng).unwrap();
    let dir = tempfile::tempdir().unwrap();
    certcycle::k8s::write_out_dir(dir.path(), &run.secrets, &run.published, false).unwrap();
    let mut objects = Objects::read("auto-rotation.yaml", &yaml).unwrap();
    objects.add_path(dir.path()).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let report = CheckReport::new(&cluster, staged_at);
    assert_eq!(report.phase, Some(Phase::AnchorStaged), "{report}");
}

/// Only a copy of the anchor counts as the previous-anchor Secret: when the Secret the
/// identity issuer's CA issuer names holds another CA (here `CN=other-root`, a static CA also
/// in the Bundle), it is that CA that signs, as before unattended rotation existed.
#[test]
fn a_bundle_source_holding_another_ca_is_not_read_as_the_previous_anchor() {
    use certcycle::k8s::{Cluster, Objects, ResolveOptions};
    use certcycle::{Ca, CertSpec, PrivateKey};
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::hours(8760)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let yaml = certcycle::k8s::auto_manifests(&Config::seed(start()), &schedule).unwrap();
    let r = &mut rand_core::OsRng;
    let other = Ca::self_signed(
        &CertSpec::ca("other-root", Duration::days(3650)),
        PrivateKey::generate(r),
        start(),
        r,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crt = support::write(dir.path(), "tls.crt", &other.certificate().to_pem());
    let key = support::write(
        dir.path(),
        "tls.key",
        &other.private_key().secret_pkcs8_pem(),
    );
    let secret = support::kubectl(&[
        "create",
        "secret",
        "tls",
        "linkerd-previous-anchor",
        "-n",
        "cert-manager",
        &format!("--cert={crt}"),
        &format!("--key={key}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    let read = |with_secret: bool| {
        let mut objects = Objects::read("auto-rotation.yaml", &yaml).unwrap();
        if with_secret {
            objects.add("secret.yaml", &secret).unwrap();
        }
        Cluster::resolve(objects, &ResolveOptions::default())
    };
    assert!(read(false).signs_through_previous().is_some());
    let cluster = read(true);
    assert_eq!(cluster.signs_through_previous(), None);
    let cfg = cluster.plan_config(start()).unwrap();
    assert!(!cfg.topology.issuer_via_previous);
}
