//! Test-fixture speed: a 3-level hierarchy with 10 leaves, beside its limit.
//!
//! `cargo bench --bench testkit` — group `testkit`: `hierarchy_10` (anchor + issuer + 10
//! workload leaves, seeded) and `leaf_x12` (12 × what `issue/leaf` measures: key generation
//! plus an issuer-signed leaf — the 12 key generations and signatures the hierarchy needs).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::testkit;
use certcycle::{PrivateKey, presets::linkerd};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

const NAMES: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

fn bench(c: &mut Criterion) {
    let pki = testkit::hierarchy().leaf("x").build().unwrap();
    let spec = linkerd::workload("web.default.serviceaccount.identity.linkerd.cluster.local");
    let mut g = c.benchmark_group("testkit");
    g.bench_function("leaf_x12", |b| {
        b.iter(|| {
            let rng = &mut rand_core::OsRng;
            for _ in 0..12 {
                let key = PrivateKey::generate(rng);
                black_box(
                    pki.issuer
                        .issue(&spec, key.public_key(), pki.at, rng)
                        .unwrap(),
                );
            }
        })
    });
    g.bench_function("hierarchy_10", |b| {
        b.iter(|| {
            testkit::hierarchy()
                .leaves(black_box(NAMES))
                .build()
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
