//! Runs the committed fuzz seeds through the fuzz targets' logic on stable, so CI exercises
//! the targets' invariants; `write_seeds` (ignored) regenerates the seeds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_logic;
mod support;

use certcycle::{Ca, CertSpec, PrivateKey, presets::linkerd};
use std::path::Path;
use support::{T0, rng};
use time::Duration;

type Target = fn(&[u8]);
const TARGETS: &[(&str, Target)] = &[
    ("pem_parse", fuzz_logic::pem_parse),
    ("pem_roundtrip", fuzz_logic::pem_roundtrip),
    ("bundle_merge", fuzz_logic::bundle_merge),
    ("cert_der", fuzz_logic::cert_der),
    ("verify_chain", fuzz_logic::verify_chain),
    ("go_duration", fuzz_logic::go_duration),
    ("cert_der_differential", fuzz_logic::cert_der_differential),
    ("prepared_verify", fuzz_logic::prepared_verify),
    ("k8s_objects", fuzz_logic::k8s_objects),
    ("k8s_plan", fuzz_logic::k8s_plan),
    ("rotation_schedule", fuzz_logic::rotation_schedule),
    ("shell_words", fuzz_logic::outputs::shell_words_roundtrip),
    (
        "auto_manifests",
        fuzz_logic::outputs::auto_manifests_roundtrip,
    ),
    ("operations", fuzz_logic::outputs::operations_roundtrip),
];

#[test]
fn seeds_run_through_every_target() {
    let mut ran = 0;
    for (name, target) in TARGETS {
        let dir = Path::new("fuzz/seeds").join(name);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        assert!(entries.len() >= 5, "{name}: too few seeds");
        for path in entries {
            let data = std::fs::read(&path).unwrap();
            target(&data);
            ran += 1;
        }
    }
    assert!(ran >= 20);
}

/// `cargo test --test fuzz_seeds -- --ignored write_seeds` writes the seeds (deterministic:
/// fixed clock, seeded RNG).
#[test]
#[ignore]
fn write_seeds() {
    let r = &mut rng(42);
    let anchor = support::linkerd_anchor(r, T0);
    let other = Ca::self_signed(
        &CertSpec::ca("other", Duration::hours(5)),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap();
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    let leaf = issuer
        .issue(
            &linkerd::workload("web.default.serviceaccount.identity.linkerd.cluster.local"),
            PrivateKey::generate(r).public_key(),
            T0,
            r,
        )
        .unwrap()
        .certificate;
    let (a, o, i, l) = (
        anchor.certificate().to_pem(),
        other.certificate().to_pem(),
        issuer.certificate().to_pem(),
        leaf.to_pem(),
    );
    let key = PrivateKey::generate(r).secret_pkcs8_pem().to_string();
    let pem_seeds: Vec<(&str, String)> = vec![
        ("anchor.pem", a.clone()),
        ("two-anchors.pem", format!("{a}{o}")),
        ("crlf.pem", format!("{a}{o}").replace('\n', "\r\n")),
        (
            "junk-before.pem",
            format!("Subject: CN=root\nissuer=x\n\n{a}"),
        ),
        ("trailing-text.pem", format!("{a}-- trailing --\n")),
        ("chain.pem", format!("{l}{i}{a}")),
        ("with-key.pem", format!("{a}{key}")),
        ("wrong-label.pem", a.replace("CERTIFICATE", "X509 CRL")),
        (
            "mismatched-end.pem",
            a.replacen("END CERTIFICATE", "END CERT", 1),
        ),
        (
            "headers.pem",
            a.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1),
        ),
        ("unterminated.pem", a[..a.len() - 30].to_owned()),
        ("bad-padding.pem", a.replacen("==\n", "=\n", 1)),
    ];
    for target in ["pem_parse", "pem_roundtrip", "bundle_merge"] {
        let dir = Path::new("fuzz/seeds").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &pem_seeds {
            let data = if target == "bundle_merge" {
                // First byte chooses the split point.
                let mut d = vec![(a.len() % 251) as u8];
                d.extend_from_slice(text.as_bytes());
                d
            } else {
                text.as_bytes().to_vec()
            };
            std::fs::write(dir.join(name), data).unwrap();
        }
    }
    let dir = Path::new("fuzz/seeds/cert_der");
    std::fs::create_dir_all(dir).unwrap();
    let der = anchor.certificate().der().to_vec();
    let mut trailing = der.clone();
    trailing.push(0);
    let mut truncated = der.clone();
    truncated.truncate(der.len() - 7);
    let mut tampered = leaf.der().to_vec();
    let n = tampered.len();
    tampered[n / 2] ^= 0x55;
    write_verify_seeds(&anchor, &issuer, &leaf);
    for (name, bytes) in [
        ("anchor.der", der),
        ("issuer.der", issuer.certificate().der().to_vec()),
        ("leaf.der", leaf.der().to_vec()),
        ("trailing.der", trailing),
        ("truncated.der", truncated),
        ("tampered.der", tampered),
        ("empty.der", Vec::new()),
    ] {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// verify_chain seeds: certcycle's own chain, the first 40 x509-limbo core cases and the
/// suite's name-constraint cases.
fn write_verify_seeds(anchor: &Ca, issuer: &Ca, leaf: &certcycle::Certificate) {
    let dir = Path::new("fuzz/seeds/verify_chain");
    std::fs::create_dir_all(dir).unwrap();
    let own = fuzz_logic::join_chain(
        &[anchor.certificate().der().to_vec()],
        &[issuer.certificate().der().to_vec()],
        leaf.der(),
        1,
    );
    std::fs::write(dir.join("certcycle-chain"), own).unwrap();
    let text = std::fs::read_to_string("tests/data/limbo/limbo-p256-core.json").unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut cases: Vec<serde_json::Value> = v["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .take(40)
        .cloned()
        .collect();
    // Name-constraint shapes too (the cases small enough to be useful seeds).
    let text = std::fs::read_to_string("tests/data/limbo/limbo-p256-no-bettertls-nc.json").unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    cases.extend(
        v["testcases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["id"].as_str().is_some_and(|id| id.contains("::nc::")))
            .cloned(),
    );
    for case in &cases {
        let ders = |key: &str| -> Vec<Vec<u8>> {
            case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    certcycle::Certificate::from_pem(p.as_str().unwrap()).map(|c| c.der().to_vec())
                })
                .filter_map(Result::ok)
                .collect()
        };
        let Ok(leaf) = certcycle::Certificate::from_pem(case["peer_certificate"].as_str().unwrap())
        else {
            continue;
        };
        let data = fuzz_logic::join_chain(
            &ders("trusted_certs"),
            &ders("untrusted_intermediates"),
            leaf.der(),
            1,
        );
        let name = case["id"].as_str().unwrap().replace("::", "-");
        std::fs::write(dir.join(name), data).unwrap();
    }
}
