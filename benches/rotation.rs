//! Rotation speed: continuity over a 100-workload mesh (9,900 ordered pairs) and the whole
//! seven-step procedure on it.
//!
//! `cargo bench --bench rotation` — group `rotation`: `continuity_100`, `seven_step_100`, and
//! beside them `verify_one` (one full chain verification, as `verify/certcycle`): the target is
//! `continuity_100` ≤ 150 × `verify_one`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::mesh::{Mesh, Procedure};
use certcycle::verify::{PeerName, Usage, VerifyOptions, verify};
use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use time::{Duration, macros::datetime};

fn mesh(n: usize) -> (Mesh<ChaCha20Rng>, Ca) {
    let t0 = datetime!(2026-01-01 00:00 UTC);
    let r = &mut ChaCha20Rng::seed_from_u64(7);
    let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), t0, r).unwrap();
    let issuer = anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), t0, r)
        .unwrap()
        .ca;
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let mut m = Mesh::new(
        t0,
        bundle,
        issuer,
        Some(anchor.clone_ca()),
        ChaCha20Rng::seed_from_u64(8),
    );
    for name in ["identity", "destination", "proxy-injector"] {
        m.add_pod(name, "linkerd", true).unwrap();
    }
    for i in 0..n - 3 {
        m.add_pod(&format!("web-{i}"), "default", false).unwrap();
    }
    m.advance(Duration::minutes(30)).unwrap();
    (m, anchor)
}

fn bench(c: &mut Criterion) {
    let (m, _) = mesh(100);
    assert_eq!(m.continuity().pairs, 9900);
    let w = &m.pods()[5];
    let options = VerifyOptions::for_usage(Usage::ServerAuth)
        .with_name(PeerName::Dns(w.identity().to_owned()));
    let mut g = c.benchmark_group("rotation");
    g.sample_size(10);
    g.bench_function("verify_one", |b| {
        b.iter(|| {
            verify(
                black_box(w.leaf()),
                w.chain(),
                w.loaded_bundle(),
                m.now(),
                &options,
            )
            .unwrap()
        })
    });
    g.bench_function("continuity_100", |b| b.iter(|| black_box(&m).continuity()));
    let r = &mut ChaCha20Rng::seed_from_u64(9);
    let new = Ca::self_signed(
        &linkerd::trust_anchor(),
        PrivateKey::generate(r),
        m.now(),
        r,
    )
    .unwrap();
    g.bench_function("seven_step_100", |b| {
        b.iter_batched(
            || mesh(100).0,
            |mut m| {
                let report = m
                    .rotate_anchor(
                        Procedure::SevenStep,
                        &new,
                        Duration::minutes(5),
                        None,
                        |_, _| (),
                    )
                    .unwrap();
                assert!(report.first_break().is_none());
                report
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
