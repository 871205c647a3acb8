//! certcycle's DER parser against x509-cert's decoder, by single-byte mutation of real
//! certificates (x509-limbo's P-256 core suite and certcycle's own chain): every mutant that
//! one accepts and the other refuses must be a listed, explained difference
//! (`tests/fuzz_logic/mod.rs`), the same oracle as the `cert_der_differential` fuzz target.
//! This is how the parser's DER holes (unvalidated OIDs, a TBS AlgorithmIdentifier taken on
//! trust, trailing bytes in the outer one, unchecked SPKI unused bits) were found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_logic;

use certcycle::Certificate;

fn limbo_certificates() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string("tests/data/limbo/limbo-p256-core.json").unwrap();
    let suite: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for case in suite["testcases"].as_array().unwrap() {
        let mut pems: Vec<&str> = Vec::new();
        for field in ["trusted_certs", "untrusted_intermediates"] {
            pems.extend(
                case[field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|v| v.as_str()),
            );
        }
        pems.extend(case["peer_certificate"].as_str());
        for pem in pems {
            if let Ok(c) = Certificate::from_pem(pem) {
                out.push(c.der().to_vec());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn single_byte_mutants_agree_or_differ_for_a_listed_reason() {
    let certs = limbo_certificates();
    assert!(certs.len() > 100, "{} certificates", certs.len());
    let mut mutants = 0;
    // certcycle's own anchor, issuer and leaf, and every 7th limbo certificate; every byte,
    // four mutations.
    let own: Vec<Vec<u8>> = ["anchor", "issuer", "leaf"]
        .iter()
        .map(|n| std::fs::read(format!("fuzz/seeds/cert_der/{n}.der")).unwrap())
        .collect();
    for der in own.iter().chain(certs.iter().step_by(7)) {
        fuzz_logic::cert_der_differential(der);
        for i in 0..der.len() {
            for m in [0x00u8, 0x80, 0xff, der[i] ^ 0x01] {
                if der[i] == m {
                    continue;
                }
                let mut d = der.clone();
                d[i] = m;
                fuzz_logic::cert_der_differential(&d);
                mutants += 1;
            }
        }
    }
    assert!(mutants > 10_000);
}

/// certcycle's own leaf, with `from` replaced by `to` (same length) at the `nth` occurrence.
fn mutated(nth: usize, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut der = std::fs::read("fuzz/seeds/cert_der/leaf.der").unwrap();
    Certificate::from_der(der.clone()).unwrap();
    let at = der
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .map(|(i, _)| i)
        .nth(nth)
        .unwrap();
    der[at..at + from.len()].copy_from_slice(to);
    der
}

const ECDSA_SHA256: &[u8] = &[
    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
];

fn refused(der: Vec<u8>, fragment: &str) {
    let e = Certificate::from_der(der).unwrap_err();
    assert!(e.to_string().contains(fragment), "{e}");
}

#[test]
fn the_der_holes_are_closed() {
    // An OID that ends inside an arc, and one with a non-minimal arc, in the TBS signature
    // AlgorithmIdentifier (0 = TBS, 1 = outer).
    for nth in [0, 1] {
        let mut unterminated = ECDSA_SHA256.to_vec();
        unterminated[11] = 0x82;
        refused(
            mutated(nth, ECDSA_SHA256, &unterminated),
            "ends inside an arc",
        );
        let mut padded = ECDSA_SHA256.to_vec();
        padded[10] = 0x80;
        refused(mutated(nth, ECDSA_SHA256, &padded), "not minimally encoded");
        // A second parameter after the first: trailing data inside the AlgorithmIdentifier.
        let trailing = [
            0x30, 0x0a, 0x06, 0x04, 0x2a, 0x86, 0x48, 0x3d, 0x05, 0x00, 0x05, 0x00,
        ];
        refused(mutated(nth, ECDSA_SHA256, &trailing), "trailing data");
    }
    // subjectPublicKey with unused bits.
    refused(
        mutated(0, &[0x03, 0x42, 0x00, 0x04], &[0x03, 0x42, 0x01, 0x04]),
        "BIT STRING with unused bits",
    );
}

#[test]
fn tag_zero_is_not_der() {
    let anchor = std::fs::read("fuzz/seeds/cert_der/anchor.der").unwrap();
    // The subject CN's UTF8String tag (0x0c) after the CN OID, made 0x00.
    let cn = [0x06, 0x03, 0x55, 0x04, 0x03, 0x0c];
    let at = anchor.windows(6).position(|w| w == cn).unwrap();
    let mut der = anchor.clone();
    der[at + 5] = 0x00;
    refused(der, "tag 0x00");
}

#[test]
fn fuzz_finding_a_primitive_sequence_as_parameters() {
    // cert_der_differential's first finding: the SPKI AlgorithmIdentifier's parameters with
    // tag 0x10 (SEQUENCE in primitive form), which x509-cert refuses and certcycle read.
    let der =
        std::fs::read("fuzz/seeds/cert_der_differential/finding-primitive-sequence-params.der")
            .unwrap();
    refused(der.clone(), "wrong form");
    fuzz_logic::cert_der_differential(&der);
}

#[test]
fn fuzz_finding_a_unique_identifier_that_is_no_bit_string() {
    // cert_der_differential's fourth run: extensions turned into a subjectUniqueID [2] whose
    // first octet (48 unused bits) makes it no BIT STRING; x509-cert refused, certcycle read.
    let der =
        std::fs::read("fuzz/seeds/cert_der_differential/finding-unique-id-bit-string.der").unwrap();
    refused(der.clone(), "BIT STRING");
    fuzz_logic::cert_der_differential(&der);
}
