//! Prepared keys (DESIGN §13) give p256's verdicts: on every Wycheproof ECDSA P-256 / SHA-256
//! vector (both paths equal to the vector's result), on random, tampered and re-used
//! signatures (proptest), and through the verifier and its cache.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_logic;
mod support;

use certcycle::{PreparedKey, PublicKey};
use proptest::prelude::*;
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestName, TestSet};

fn plain(key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    let Ok(key) = p256::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
        return false;
    };
    let Ok(sig) = p256::ecdsa::DerSignature::from_bytes(sig) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

#[test]
fn every_wycheproof_vector_agrees() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let (mut valid, mut invalid, mut acceptable) = (0, 0, 0);
    for group in &set.test_groups {
        let point: &[u8] = &group.key.key;
        let Some(key) = PublicKey::from_sec1_point(point) else {
            // Wycheproof's keys are all valid points; none is skipped silently.
            panic!("a group key certcycle refuses: {:02x?}", point);
        };
        let prepared = PreparedKey::new(key);
        for t in &group.tests {
            let ours = prepared.verify_sha256(&t.msg, &t.sig);
            let theirs = plain(point, &t.msg, &t.sig);
            assert_eq!(
                ours, theirs,
                "tcId {} ({}): prepared vs p256",
                t.tc_id, t.comment
            );
            match t.result {
                TestResult::Valid => {
                    valid += 1;
                    assert!(ours, "tcId {} ({}) must verify", t.tc_id, t.comment);
                }
                TestResult::Invalid => {
                    invalid += 1;
                    assert!(!ours, "tcId {} ({}) must not verify", t.tc_id, t.comment);
                }
                TestResult::Acceptable => acceptable += 1,
            }
        }
    }
    // The whole file ran (484 vectors in this version of it).
    assert!(
        valid > 100 && invalid > 300,
        "{valid} valid, {invalid} invalid"
    );
    println!("wycheproof P-256/SHA-256: {valid} valid, {invalid} invalid, {acceptable} acceptable");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random keys and messages: a signature verifies on both paths; a flipped message bit,
    /// a flipped signature bit and another key's table give p256's verdict too.
    #[test]
    fn prepared_equals_p256(seed in any::<u64>(), msg in prop::collection::vec(any::<u8>(), 0..200), flip in any::<u16>()) {
        use p256::ecdsa::signature::Signer;
        let mut r = support::rng(seed);
        let signer = p256::ecdsa::SigningKey::random(&mut r);
        let other = p256::ecdsa::SigningKey::random(&mut r);
        let point = signer.verifying_key().to_encoded_point(false);
        let prepared = PreparedKey::new(PublicKey::from_sec1_point(point.as_bytes()).unwrap());
        let sig: p256::ecdsa::DerSignature = signer.sign(&msg);
        let sig = sig.as_bytes().to_vec();
        prop_assert!(prepared.verify_sha256(&msg, &sig));
        prop_assert!(plain(point.as_bytes(), &msg, &sig));
        // Tampered message.
        let mut m2 = msg.clone();
        if m2.is_empty() { m2.push(0); } else { let i = flip as usize % m2.len(); m2[i] ^= 1; }
        prop_assert_eq!(prepared.verify_sha256(&m2, &sig), plain(point.as_bytes(), &m2, &sig));
        // Tampered signature (any bit, DER framing included).
        let mut s2 = sig.clone();
        let bit = flip as usize % (s2.len() * 8);
        s2[bit / 8] ^= 1 << (bit % 8);
        prop_assert_eq!(prepared.verify_sha256(&msg, &s2), plain(point.as_bytes(), &msg, &s2));
        // The signature re-used under another key.
        let other_point = other.verifying_key().to_encoded_point(false);
        let other_prepared = PreparedKey::new(PublicKey::from_sec1_point(other_point.as_bytes()).unwrap());
        prop_assert!(!other_prepared.verify_sha256(&msg, &sig));
        prop_assert!(!plain(other_point.as_bytes(), &msg, &sig));
    }
}

#[test]
fn the_cache_prepares_a_key_seen_twice_and_verdicts_do_not_change() {
    use certcycle::verify::{SignatureCache, Usage, VerifyOptions, verify, verify_cached};
    let pki = certcycle::testkit::hierarchy()
        .leaves(["a", "b", "c", "d"])
        .build()
        .unwrap();
    let bundle = pki.bundle();
    let at = pki.at + time::Duration::hours(1);
    let cache = SignatureCache::new();
    let options = VerifyOptions::for_usage(Usage::ServerAuth);
    for (i, name) in ["a", "b", "c", "d"].into_iter().enumerate() {
        let w = pki.workload(name);
        let cached = verify_cached(
            &w.certificate,
            &w.chain,
            &bundle,
            at,
            &options,
            Some(&cache),
        );
        assert_eq!(
            cached,
            verify(&w.certificate, &w.chain, &bundle, at, &options)
        );
        // The first path remembers the issuer key; the second builds its table.
        assert_eq!(cache.prepared_keys(), usize::from(i >= 1), "after {name}");
    }
    // A leaf with a tampered signature is still refused on the prepared path.
    let w = pki.workload("a");
    let mut der = w.certificate.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1;
    let tampered = certcycle::Certificate::from_der(der).unwrap();
    let e = verify_cached(&tampered, &w.chain, &bundle, at, &options, Some(&cache)).unwrap_err();
    assert!(
        matches!(e, certcycle::VerifyError::BadSignature { .. }),
        "{e}"
    );
    // No tables when none are allowed.
    let none = SignatureCache::with_limits(16, 0);
    for name in ["a", "b", "c"] {
        let w = pki.workload(name);
        verify_cached(&w.certificate, &w.chain, &bundle, at, &options, Some(&none)).unwrap();
    }
    assert_eq!(none.prepared_keys(), 0);
}

#[test]
fn fuzz_seeds_of_prepared_verify_run() {
    for entry in std::fs::read_dir("fuzz/seeds/prepared_verify").unwrap() {
        fuzz_logic::prepared_verify(&std::fs::read(entry.unwrap().path()).unwrap());
    }
}
