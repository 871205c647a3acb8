//! Issuance speed beside its limit: bare p256 key generation plus one signature.
//!
//! `cargo bench --bench issue` — group `issue`: `anchor`, `leaf`, `leaf_from_csr`, and the
//! limit `p256_keygen_sign`. Report `anchor / p256_keygen_sign` and `leaf / p256_keygen_sign`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs)]

/// The tests' fixed clock (`craft` reads it as `super::T0`).
const T0: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);
#[path = "../tests/support/craft.rs"]
#[allow(dead_code)]
mod craft;

use certcycle::{Ca, CertSpec, PrivateKey, presets::linkerd};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use p256::ecdsa::signature::Signer;
use time::macros::datetime;

fn issue(c: &mut Criterion) {
    let now = datetime!(2026-01-01 00:00 UTC);
    // Fixtures from the testkit (seeded); only what is measured runs below.
    let pki = certcycle::testkit::hierarchy().at(now).build().unwrap();
    let issuer = &pki.issuer;
    let rng = &mut rand_core::OsRng;
    let spec = linkerd::workload("web.default.serviceaccount.identity.linkerd.cluster.local");
    let anchor_spec = linkerd::trust_anchor();
    // A CSR as a proxy would send it (rcgen, signed by a certcycle key).
    let csr_key = PrivateKey::generate(rng);
    let csr = rcgen::CertificateParams::new(vec!["web".to_owned()])
        .unwrap()
        .serialize_request(&craft::Signer::new(&csr_key))
        .unwrap()
        .der()
        .to_vec();
    // A TBS-sized message for the bare signature.
    let msg = vec![0x5a_u8; 400];

    let mut g = c.benchmark_group("issue");
    g.bench_function("p256_keygen_sign", |b| {
        b.iter(|| {
            let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            let sig: p256::ecdsa::DerSignature = key.sign(black_box(&msg));
            black_box(sig)
        })
    });
    g.bench_function("anchor", |b| {
        b.iter(|| {
            let rng = &mut rand_core::OsRng;
            Ca::self_signed(black_box(&anchor_spec), PrivateKey::generate(rng), now, rng).unwrap()
        })
    });
    g.bench_function("leaf", |b| {
        b.iter(|| {
            let rng = &mut rand_core::OsRng;
            let key = PrivateKey::generate(rng);
            issuer
                .issue(black_box(&spec), key.public_key(), now, rng)
                .unwrap()
        })
    });
    g.bench_function("leaf_from_csr", |b| {
        b.iter(|| {
            issuer
                .issue_from_csr(black_box(&csr), &spec, now, &mut rand_core::OsRng)
                .unwrap()
        })
    });
    g.finish();
    let _ = CertSpec::leaf;
}

criterion_group!(benches, issue);
criterion_main!(benches);
