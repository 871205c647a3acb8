//! What hostile chains cost, beside an ordinary verification in the same run.
//!
//! `cargo bench --bench hostile` — group `hostile`: `verify_one` (an ordinary 3-certificate
//! chain: the unit), `fanout_plain` and `fanout_warm_cache` (8 layers of 8 same-name
//! intermediates under a stranger's key, uncached and through a cache shared by earlier calls),
//! `nc_fanout_plain` and `nc_fanout_warm_cache` (a constrained anchor with 500 subtrees, a leaf
//! with 300 names, 8 intermediates the anchor did not sign). Targets: each warm-cache figure
//! at most ~3× its plain one, and the fan-out at most ~100× `verify_one`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The tests' fixed clock (`craft` reads it as `super::T0`).
const T0: time::OffsetDateTime = time::macros::datetime!(2026-01-01 00:00 UTC);
#[path = "../tests/support/craft.rs"]
#[allow(dead_code)]
mod craft;

use certcycle::verify::{SignatureCache, Usage, VerifyOptions, verify, verify_cached};
use criterion::{Criterion, black_box, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let options = VerifyOptions::for_usage(Usage::ServerAuth);
    let pki = certcycle::testkit::hierarchy()
        .at(T0)
        .leaves(["web"])
        .build()
        .unwrap();
    let web = pki.workload("web");
    let bundle = pki.bundle();
    let at = T0 + time::Duration::hours(1);
    verify(&web.certificate, &web.chain, &bundle, at, &options).unwrap();

    let (fan_leaf, fan_inters, fan_bundle) = craft::fan_out(8, 8);
    let (nc_leaf, nc_inters, nc_bundle) = craft::nc_fan_out(500, 300, 8);
    let warm = SignatureCache::new();
    for _ in 0..10 {
        let _ = verify_cached(
            &fan_leaf,
            &fan_inters,
            &fan_bundle,
            T0,
            &options,
            Some(&warm),
        );
        let _ = verify_cached(&nc_leaf, &nc_inters, &nc_bundle, T0, &options, Some(&warm));
        let _ = verify_cached(
            &web.certificate,
            &web.chain,
            &bundle,
            at,
            &options,
            Some(&warm),
        );
    }

    let mut g = c.benchmark_group("hostile");
    g.bench_function("verify_one", |b| {
        b.iter(|| {
            verify(
                black_box(&web.certificate),
                &web.chain,
                &bundle,
                at,
                &options,
            )
            .unwrap()
        })
    });
    g.bench_function("fanout_plain", |b| {
        b.iter(|| verify(black_box(&fan_leaf), &fan_inters, &fan_bundle, T0, &options).unwrap_err())
    });
    g.bench_function("fanout_warm_cache", |b| {
        b.iter(|| {
            verify_cached(
                black_box(&fan_leaf),
                &fan_inters,
                &fan_bundle,
                T0,
                &options,
                Some(&warm),
            )
            .unwrap_err()
        })
    });
    g.bench_function("nc_fanout_plain", |b| {
        b.iter(|| verify(black_box(&nc_leaf), &nc_inters, &nc_bundle, T0, &options).unwrap_err())
    });
    g.bench_function("nc_fanout_warm_cache", |b| {
        b.iter(|| {
            verify_cached(
                black_box(&nc_leaf),
                &nc_inters,
                &nc_bundle,
                T0,
                &options,
                Some(&warm),
            )
            .unwrap_err()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
