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

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from big-endian magnitudes.
fn der_sig(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        let mut body = if v.first().is_none_or(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            vec![]
        };
        body.extend(v);
        let mut out = vec![0x02, body.len() as u8];
        out.extend(body);
        out
    };
    let mut inner = int(r);
    inner.extend(int(s));
    let mut out = vec![0x30, inner.len() as u8];
    out.extend(inner);
    out
}

const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// n - x for a 32-byte big-endian x < n.
fn n_minus(x: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(N[i]) - i16::from(x[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

#[test]
fn edge_cases_r_s_zero_or_n_and_high_s_match_p256() {
    use p256::ecdsa::signature::Signer;
    let signer = p256::ecdsa::SigningKey::from_slice(&[9; 32]).unwrap();
    let point = signer.verifying_key().to_encoded_point(false);
    let prepared = PreparedKey::new(PublicKey::from_sec1_point(point.as_bytes()).unwrap());
    let msg = b"edge cases";
    let sig: p256::ecdsa::Signature = signer.sign(msg);
    let (r, s): ([u8; 32], [u8; 32]) = (sig.r().to_bytes().into(), sig.s().to_bytes().into());
    let one = {
        let mut o = [0u8; 32];
        o[31] = 1;
        o
    };
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("valid", der_sig(&r, &s), true),
        // p256 verifies a high s (n - s) as valid: no low-s rule for P-256.
        ("high s", der_sig(&r, &n_minus(&s)), true),
        ("r = 0", der_sig(&[0], &s), false),
        ("s = 0", der_sig(&r, &[0]), false),
        ("r = n", der_sig(&N, &s), false),
        ("s = n", der_sig(&r, &N), false),
        ("r = n - 1", der_sig(&n_minus(&one), &s), false),
        (
            "r + 2^256 (33 octets)",
            der_sig(&[[1u8].as_slice(), &r].concat(), &s),
            false,
        ),
    ];
    for (name, der, expected) in cases {
        let ours = prepared.verify_sha256(msg, &der);
        assert_eq!(
            ours,
            plain(point.as_bytes(), msg, &der),
            "{name}: prepared vs p256"
        );
        assert_eq!(ours, expected, "{name}");
    }
}
