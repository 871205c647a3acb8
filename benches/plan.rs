//! Lifecycle plans beside one chain verification.
//!
//! `cargo bench --bench plan` — group `plan`: `year_1000` (the seed's configuration with the
//! anchor on `rotationPolicy: Never`, 1,000 workloads, 360 days: no break, the whole horizon
//! runs), `seed_6` (the seed's own configuration, 6 workloads, to its first break on day 61),
//! `restarts_1000` (1,000 workloads restarted daily, staggered, for 100 days, to its first
//! break: what each moment costs when every proxy has its own), `three_tier_1000` (a
//! self-signed root Certificate above an intermediate anchor Certificate on
//! `rotationPolicy: Never`, the seed's identity issuer below, 1,000 workloads, 360 days: the
//! intermediate is re-signed by the root on day 243, no break), `auto_1000` (unattended
//! rotation, DESIGN §17: 30-day anchors rotated by the proven schedule, 1,000 workloads
//! restarted daily, 100 days: three rotations, no break), and `verify_one` (one
//! certcycle verification of a Linkerd chain, the unit the target is
//! stated in: `year_1000` ≤ 5,000 × `verify_one`), and `fixes_seed` (the seed's whole fix
//! search, every candidate re-simulated over 400 days: at most 12 × `seed_6`). The number of real verifications each run
//! makes is printed once.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::CertSpec;
use certcycle::plan::{CaKind, CaNode, Config, Topology, fix_search, simulate};
use certcycle::verify::{PeerName, Usage, VerifyOptions, verify};
use certcycle::{PrivateKey, RotationPolicy, TrustBundle, presets::linkerd};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use time::{Duration, macros::datetime};

fn bench(c: &mut Criterion) {
    let start = datetime!(2026-01-01 00:00 UTC);
    let year = Config::seed(start)
        .anchor_spec(linkerd::trust_anchor().rotation_policy(RotationPolicy::Never))
        .workloads(1000)
        .horizon(Duration::days(360));
    let seed = Config::seed(start);
    let restarts = Config::seed(start)
        .workloads(1000)
        .restart_every(Some(Duration::hours(24)))
        .horizon(Duration::days(100));
    let root = CaNode::new(
        "Certificate cert-manager/linkerd-root",
        CaKind::Managed,
        CertSpec::ca("root.linkerd.cluster.local", Duration::hours(87600)),
    );
    let three_tier = Config::seed(start)
        .topology(Topology::default().above(vec![root]))
        .anchor_spec(
            CertSpec::ca("anchor.linkerd.cluster.local", Duration::hours(8760))
                .rotation_policy(RotationPolicy::Never),
        )
        .workloads(1000)
        .horizon(Duration::days(360));
    let schedule = certcycle::rotation::Schedule::new(
        certcycle::rotation::Lifetimes::linkerd(Duration::days(30)),
        certcycle::rotation::Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let auto = Config::seed(start)
        .anchor_spec(CertSpec::ca(linkerd::TRUST_ANCHOR_CN, Duration::days(30)))
        .workloads(1000)
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::days(100))
        .auto_rotation(schedule);
    let rng = &mut rand_core::OsRng;
    let run = simulate(&auto, rng).unwrap();
    assert!(run.first_break.is_none());
    let retired = certcycle::plan::rotations(&run)
        .iter()
        .filter(|r| r.retire.is_some())
        .count();
    assert!(retired >= 3, "{retired}");
    eprintln!(
        "auto_1000: {retired} rotations, {} real verifications, {} continuity checks",
        run.verifications, run.checks
    );
    let run = simulate(&three_tier, rng).unwrap();
    assert!(run.first_break.is_none());
    assert!(run.timeline.iter().any(|e| {
        e.what
            .contains("signed by Certificate cert-manager/linkerd-root")
    }));
    eprintln!(
        "three_tier_1000: {} real verifications, {} continuity checks, {} timeline events",
        run.verifications,
        run.checks,
        run.timeline.len()
    );
    let run = simulate(&year, rng).unwrap();
    assert!(run.first_break.is_none());
    eprintln!(
        "year_1000: {} real verifications, {} continuity checks, {} timeline events",
        run.verifications,
        run.checks,
        run.timeline.len()
    );
    let run = simulate(&seed, rng).unwrap();
    assert_eq!(run.first_break.as_ref().map(|b| b.day), Some(61));
    eprintln!(
        "seed_6: {} real verifications, {} continuity checks",
        run.verifications, run.checks
    );

    let (fixes, search) = fix_search(&seed, rng).unwrap();
    eprintln!(
        "fixes_seed: {} candidates simulated of a budget of {}, {} held",
        search.runs,
        search.budget,
        fixes.iter().filter(|f| f.held()).count()
    );

    let pki = certcycle::testkit::hierarchy().at(start).build().unwrap();
    let id = linkerd::workload_identity("web", "default");
    let leaf = pki
        .issuer
        .issue(
            &linkerd::workload(&id),
            PrivateKey::generate(rng).public_key(),
            start,
            rng,
        )
        .unwrap()
        .certificate;
    let bundle = TrustBundle::from_anchors([pki.anchor.trust_anchor()]);
    let chain = vec![pki.issuer.certificate().clone()];
    let at = start + Duration::hours(1);
    let options = VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns(id));

    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    g.bench_function("verify_one", |b| {
        b.iter(|| verify(black_box(&leaf), &chain, &bundle, at, &options).unwrap())
    });
    g.bench_function("year_1000", |b| {
        b.iter(|| simulate(black_box(&year), rng).unwrap())
    });
    g.bench_function("seed_6", |b| {
        b.iter(|| simulate(black_box(&seed), rng).unwrap())
    });
    g.bench_function("fixes_seed", |b| {
        b.iter(|| fix_search(black_box(&seed), rng).unwrap())
    });
    g.bench_function("three_tier_1000", |b| {
        b.iter(|| simulate(black_box(&three_tier), rng).unwrap())
    });
    g.bench_function("restarts_1000", |b| {
        b.iter(|| simulate(black_box(&restarts), rng).unwrap())
    });
    g.bench_function("auto_1000", |b| {
        b.iter(|| simulate(black_box(&auto), rng).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
