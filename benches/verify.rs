//! Verification speed beside a peer and the limit, over one 3-certificate Linkerd chain.
//!
//! `cargo bench --bench verify` — group `verify`: `ring_one_verify`, `p256_one_verify` and
//! `prepared_one_verify` (one certificate signature: ring, p256, certcycle's prepared key
//! with its table built), `prepare_key` (building one table), `certcycle` (a full verification),
//! `certcycle_prepared` (the same with a warm `SignatureCache`: the issuer → anchor link is
//! not re-checked, the leaf's signature is checked under the issuer's prepared key, every
//! other rule as always), `webpki` (rustls-webpki's
//! end-entity verification of the same chain, with ring), and `p256_two_verifies` (the two bare
//! p256 signature checks with pre-parsed keys and signatures: the limit for our backend).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::verify::{PeerName, SignatureCache, Usage, VerifyOptions, verify, verify_cached};
use certcycle::{PrivateKey, TrustBundle, presets::linkerd};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use p256::ecdsa::signature::Verifier;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::macros::datetime;

fn bench(c: &mut Criterion) {
    let now = datetime!(2026-01-01 00:00 UTC);
    // Fixtures from the testkit (seeded); only what is measured runs below.
    let pki = certcycle::testkit::hierarchy().at(now).build().unwrap();
    let (anchor, issuer) = (&pki.anchor, &pki.issuer);
    let rng = &mut rand_core::OsRng;
    let id = linkerd::workload_identity("web", "default");
    let leaf = issuer
        .issue(
            &linkerd::workload(&id),
            PrivateKey::generate(rng).public_key(),
            now,
            rng,
        )
        .unwrap()
        .certificate;
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let inters = vec![issuer.certificate().clone()];
    let at = now + time::Duration::hours(1);
    let options = VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns(id.clone()));
    verify(&leaf, &inters, &bundle, at, &options).unwrap();

    // The limit: the two signature checks alone.
    let key_of = |cert: &certcycle::Certificate| {
        p256::ecdsa::VerifyingKey::from_sec1_bytes(cert.public_key().unwrap().sec1_bytes()).unwrap()
    };
    let (issuer_key, anchor_key) = (key_of(issuer.certificate()), key_of(anchor.certificate()));
    let sig_of = |cert: &certcycle::Certificate| {
        p256::ecdsa::DerSignature::from_bytes(cert.signature()).unwrap()
    };
    let (leaf_sig, issuer_sig) = (sig_of(&leaf), sig_of(issuer.certificate()));

    // rustls-webpki over the same chain.
    let anchor_der = CertificateDer::from(anchor.certificate());
    let anchors = vec![
        webpki::anchor_from_trusted_cert(&anchor_der)
            .unwrap()
            .to_owned(),
    ];
    let inter_der = vec![CertificateDer::from(issuer.certificate())];
    let leaf_der = CertificateDer::from(&leaf);
    let time =
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.unix_timestamp() as u64));
    let server_name = ServerName::try_from(id.as_str()).unwrap();

    // Two verified paths: the CA link is cached and the issuer's key prepared.
    let cache = SignatureCache::new();
    for _ in 0..2 {
        verify_cached(&leaf, &inters, &bundle, at, &options, Some(&cache)).unwrap();
    }
    assert_eq!(cache.prepared_keys(), 1);

    // One certificate signature (the leaf's, under the issuer's key), four ways.
    let issuer_pub = issuer.certificate().public_key().unwrap();
    let prepared = certcycle::PreparedKey::new(issuer_pub.clone());
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        issuer_pub.sec1_bytes().to_vec(),
    );
    assert!(prepared.verify_sha256(leaf.tbs_der(), leaf.signature()));
    ring_key.verify(leaf.tbs_der(), leaf.signature()).unwrap();

    let mut g = c.benchmark_group("verify");
    g.bench_function("ring_one_verify", |b| {
        b.iter(|| {
            ring_key
                .verify(black_box(leaf.tbs_der()), leaf.signature())
                .unwrap()
        })
    });
    g.bench_function("p256_one_verify", |b| {
        b.iter(|| {
            let sig = p256::ecdsa::DerSignature::from_bytes(leaf.signature()).unwrap();
            issuer_key.verify(black_box(leaf.tbs_der()), &sig).unwrap()
        })
    });
    g.bench_function("prepared_one_verify", |b| {
        b.iter(|| assert!(prepared.verify_sha256(black_box(leaf.tbs_der()), leaf.signature())))
    });
    g.bench_function("prepare_key", |b| {
        b.iter(|| certcycle::PreparedKey::new(black_box(issuer_pub.clone())))
    });
    g.bench_function("p256_two_verifies", |b| {
        b.iter(|| {
            issuer_key
                .verify(black_box(leaf.tbs_der()), &leaf_sig)
                .unwrap();
            anchor_key
                .verify(black_box(issuer.certificate().tbs_der()), &issuer_sig)
                .unwrap();
        })
    });
    g.bench_function("certcycle", |b| {
        b.iter(|| verify(black_box(&leaf), &inters, &bundle, at, &options).unwrap())
    });
    g.bench_function("certcycle_prepared", |b| {
        b.iter(|| {
            verify_cached(
                black_box(&leaf),
                &inters,
                &bundle,
                at,
                &options,
                Some(&cache),
            )
            .unwrap()
        })
    });
    g.bench_function("webpki", |b| {
        b.iter(|| {
            let ee = webpki::EndEntityCert::try_from(black_box(&leaf_der)).unwrap();
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &inter_der,
                time,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .unwrap();
            ee.verify_is_valid_for_subject_name(&server_name).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
