//! Bundle speed beside its peers and its limit, over one 10,000-certificate PEM text.
//!
//! `cargo bench --bench bundle` — group `bundle`: `certcycle_merge` (two overlapping sources →
//! validated, de-duplicated, canonically ordered bundle), `certcycle_to_pem` (emit it),
//! `pki_types_pem` (rustls-pki-types' PEM iterator over the same text, decoding only) and
//! `base64_limit` (a bare base64 decode of each block's payload, lines pre-joined: the limit).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/support/mod.rs"]
mod support;

use base64::Engine;
use certcycle::{BundleOptions, TrustBundle};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

fn bundle(c: &mut Criterion) {
    let pems = support::realistic_ca_pems(10_000, 2026);
    // Two overlapping sources covering all 10,000: A = 0..6000, B = 4000..10000.
    let a = pems[..6000].concat();
    let b = pems[4000..].concat();
    let all = pems.concat();
    eprintln!(
        "bundle bench input: {} certificates, {} PEM bytes in all, sources {} + {} bytes",
        pems.len(),
        all.len(),
        a.len(),
        b.len()
    );
    // The base64 payload of every block of both sources, lines joined: what any PEM reader
    // must decode at the least.
    let payloads: Vec<String> = [&a, &b]
        .iter()
        .flat_map(|t| t.split("-----END CERTIFICATE-----"))
        .filter_map(|chunk| {
            chunk
                .split_once("-----BEGIN CERTIFICATE-----\n")
                .map(|(_, body)| body)
        })
        .map(|body| body.lines().collect())
        .collect();
    let built = TrustBundle::from_sources(
        [("a", a.as_str()), ("b", b.as_str())],
        BundleOptions::default(),
    )
    .unwrap();
    assert_eq!(built.bundle.len(), 10_000);
    let der: usize = built.bundle.certificates().map(|c| c.der().len()).sum();
    eprintln!("DER total {der} bytes");

    let mut g = c.benchmark_group("bundle");
    g.sample_size(20);
    g.bench_function("certcycle_merge", |bch| {
        bch.iter(|| {
            TrustBundle::from_sources(
                [("a", black_box(a.as_str())), ("b", black_box(b.as_str()))],
                BundleOptions::default(),
            )
            .unwrap()
        })
    });
    g.bench_function("certcycle_to_pem", |bch| {
        bch.iter(|| black_box(&built.bundle).to_pem())
    });
    g.bench_function("pki_types_pem", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for text in [&a, &b] {
                for cert in CertificateDer::pem_slice_iter(black_box(text.as_bytes())) {
                    n += cert.unwrap().len();
                }
            }
            n
        })
    });
    g.bench_function("base64_limit", |bch| {
        bch.iter(|| {
            let mut n = 0;
            for p in black_box(&payloads) {
                n += base64::engine::general_purpose::STANDARD
                    .decode(p)
                    .unwrap()
                    .len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bundle);
criterion_main!(benches);
