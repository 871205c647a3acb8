//! Trust bundles: every rule of DESIGN §4 with the exact error variant, order independence,
//! openssl interop, and a real Mozilla root set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::{
    BundleError, BundleOptions, BundleWarning, Ca, CertSpec, Certificate, PemErrorKind, PrivateKey,
    TrustBundle, presets::linkerd,
};
use proptest::prelude::*;
use support::{T0, openssl_ok, rng, write};
use time::Duration;

fn anchors(n: usize, seed: u64) -> Vec<Ca> {
    let r = &mut rng(seed);
    (0..n)
        .map(|i| {
            let spec = CertSpec::ca(format!("anchor-{i}"), Duration::hours(100 + i as i64));
            Ca::self_signed(&spec, PrivateKey::generate(r), T0, r).unwrap()
        })
        .collect()
}

fn pems(cas: &[Ca]) -> Vec<String> {
    cas.iter().map(|c| c.certificate().to_pem()).collect()
}

fn build(sources: &[(&str, &str)]) -> Result<certcycle::Built, BundleError> {
    TrustBundle::from_sources(sources.iter().copied(), BundleOptions::default())
}

#[test]
fn merges_dedupes_and_remembers_origins() {
    let cas = anchors(3, 1);
    let p = pems(&cas);
    let a = format!("{}{}", p[0], p[1]);
    let b = format!("junk before\n{}\n{}trailing text\n", p[1], p[2]);
    let built = build(&[("a.pem", &a), ("b.pem", &b)]).unwrap();
    assert_eq!(built.bundle.len(), 3);
    assert_eq!(built.blocks_read, 4);
    let origins: Vec<String> = built
        .bundle
        .origins(cas[1].certificate())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(origins, vec!["a.pem block 2", "b.pem block 1"]);
    assert!(built.warnings.is_empty());
    for ca in &cas {
        assert!(built.bundle.contains(ca.certificate()));
        assert!(
            built
                .bundle
                .contains_fingerprint(&ca.certificate().fingerprint())
        );
    }
}

#[test]
fn output_is_canonical_and_round_trips() {
    let p = pems(&anchors(4, 2));
    let one = build(&[("x", &p.concat())]).unwrap().bundle;
    let rev: String = p.iter().rev().cloned().collect();
    let two = build(&[("y", &p[3]), ("z", &rev), ("w", &p[0])])
        .unwrap()
        .bundle;
    assert_eq!(one.to_pem(), two.to_pem());
    assert_eq!(one, two);
    let pem = one.to_pem();
    assert!(pem.lines().all(|l| l.len() <= 64) && !pem.contains('\r'));
    let again = TrustBundle::from_pem(&pem).unwrap();
    assert_eq!(again, one);
    assert_eq!(again.to_pem(), pem);
    // CRLF input gives the same bundle.
    let crlf = build(&[("crlf", &p.concat().replace('\n', "\r\n"))])
        .unwrap()
        .bundle;
    assert_eq!(crlf.to_pem(), pem);
}

#[test]
fn private_keys_are_refused_by_source_and_block_and_never_echoed() {
    let p = pems(&anchors(1, 3));
    let key = PrivateKey::generate(&mut rng(4));
    for (label, text) in [
        ("PRIVATE KEY", key.secret_pkcs8_pem().to_string()),
        ("EC PRIVATE KEY", key.secret_sec1_pem().to_string()),
        (
            "ENCRYPTED PRIVATE KEY",
            key.secret_pkcs8_pem()
                .replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
        ),
        (
            "RSA PRIVATE KEY",
            key.secret_pkcs8_pem()
                .replace("PRIVATE KEY", "RSA PRIVATE KEY"),
        ),
    ] {
        let src = format!("{}{}", p[0], text);
        let err = build(&[("ok.pem", &p[0]), ("tls.key", &src)]).unwrap_err();
        assert_eq!(
            err,
            BundleError::PrivateKey {
                input: "tls.key".into(),
                block: 2,
                line: p[0].lines().count() + 1,
                label: label.into()
            }
        );
        let msg = err.to_string();
        for line in text.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!msg.contains(line));
        }
    }
}

#[test]
fn every_bad_input_names_its_source_and_block() {
    let cas = anchors(1, 5);
    let p = pems(&cas);
    let r = &mut rng(6);
    let leaf = cas[0]
        .issue(
            &CertSpec::leaf(Duration::hours(1)).dns_name("x.example"),
            PrivateKey::generate(r).public_key(),
            T0,
            r,
        )
        .unwrap()
        .certificate;
    // Not a CA.
    let err = build(&[("leaf.pem", &format!("{}{}", p[0], leaf.to_pem()))]).unwrap_err();
    assert!(
        matches!(err, BundleError::NotCa { block: 2, ref input, .. } if input == "leaf.pem"),
        "{err:?}"
    );
    let ok = TrustBundle::from_sources(
        [("leaf.pem", leaf.to_pem().as_str())],
        BundleOptions::new().allow_non_ca(true),
    )
    .unwrap();
    assert_eq!(ok.bundle.len(), 1);
    // Not a certificate (truncated DER inside valid PEM).
    let der = cas[0].certificate().der();
    let broken = support::pem_wrap(&der[..der.len() - 1]);
    let err = build(&[("a", &p[0]), ("broken.pem", &format!("{}{broken}", p[0]))]).unwrap_err();
    assert!(
        matches!(err, BundleError::Malformed { block: 2, ref input, error: certcycle::Error::Malformed { .. }, .. } if input == "broken.pem"),
        "{err:?}"
    );
    // Trailing bytes after the certificate inside the block.
    let mut trailing = der.to_vec();
    trailing.push(0);
    let err = build(&[("t", &support::pem_wrap(&trailing))]).unwrap_err();
    assert!(
        matches!(err, BundleError::Malformed { block: 1, .. }),
        "{err:?}"
    );
    // Bad base64, headers, wrong label, unterminated, empty source.
    let mut lines: Vec<String> = p[0].lines().map(str::to_owned).collect();
    lines[2].replace_range(0..1, "*");
    let bad_b64 = lines.join("\n");
    let err = build(&[("b64", &bad_b64)]).unwrap_err();
    assert!(
        matches!(
            err,
            BundleError::Pem {
                error: certcycle::PemError {
                    kind: PemErrorKind::Base64 { line: 3 },
                    block: 1,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let headers = p[0].replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1);
    let err = build(&[("h", &headers)]).unwrap_err();
    assert!(
        matches!(
            err,
            BundleError::Pem {
                error: certcycle::PemError {
                    kind: PemErrorKind::Headers,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let csr = p[0].replace("CERTIFICATE", "CERTIFICATE REQUEST");
    let err = build(&[("csr", &csr)]).unwrap_err();
    assert!(
        matches!(err, BundleError::WrongLabel { block: 1, ref label, .. } if label == "CERTIFICATE REQUEST")
    );
    let cut = &p[0][..p[0].len() - 26];
    let err = build(&[("cut", cut)]).unwrap_err();
    assert!(
        matches!(
            err,
            BundleError::Pem {
                error: certcycle::PemError {
                    kind: PemErrorKind::Unterminated,
                    ..
                },
                ..
            }
        ),
        "{err:?}"
    );
    let err = build(&[("a", &p[0]), ("empty.pem", "no certificates here\n")]).unwrap_err();
    assert_eq!(
        err,
        BundleError::NoCertificates {
            input: "empty.pem".into()
        }
    );
}

#[test]
fn expired_anchors_are_dropped_only_on_request_and_reported() {
    let cas = anchors(3, 7); // lifetimes 100h, 101h, 102h
    let p = pems(&cas).concat();
    let at = T0 + Duration::hours(101) + Duration::minutes(30);
    let built = TrustBundle::from_sources(
        [("src", p.as_str())],
        BundleOptions::new().drop_expired_at(at),
    )
    .unwrap();
    assert_eq!(built.bundle.len(), 1);
    assert_eq!(built.dropped_expired.len(), 2);
    assert!(
        built
            .dropped_expired
            .iter()
            .all(|d| d.certificate.not_after() < at)
    );
    assert_eq!(build(&[("src", &p)]).unwrap().bundle.len(), 3);
}

#[test]
fn diff_membership_and_rotation_warnings() {
    let r = &mut rng(8);
    let old = support::linkerd_anchor(r, T0);
    let new = support::linkerd_anchor(r, T0 + Duration::hours(1));
    let b_old = TrustBundle::from_anchors([old.trust_anchor()]);
    let b_both = b_old.with(new.trust_anchor());
    let d = b_both.diff(&b_old);
    assert_eq!(d.added, vec![new.certificate().clone()]);
    assert!(d.removed.is_empty());
    assert!(b_both.diff(&b_both).is_empty());
    // Same subject, different keys: the rotation warning; old anchor first (notBefore order).
    match b_both.warnings().as_slice() {
        [BundleWarning::SameSubjectDifferentKeys { fingerprints, .. }] => {
            assert_eq!(fingerprints[0], old.certificate().fingerprint())
        }
        other => panic!("{other:?}"),
    }
    let subject = old.certificate().subject_der();
    assert_eq!(b_both.by_subject(subject).count(), 2);
    assert_eq!(
        b_both.without(old.certificate()),
        TrustBundle::from_anchors([new.trust_anchor()])
    );
    // One key under two certificates (re-issued with rotationPolicy: Never).
    let (cert, key) = old.into_parts();
    let again = Ca::self_signed(&linkerd::trust_anchor(), key, T0 + Duration::hours(2), r).unwrap();
    let b = TrustBundle::from_anchors([
        certcycle::TrustAnchor::new(cert).unwrap(),
        again.trust_anchor(),
    ]);
    assert!(matches!(
        b.warnings().as_slice(),
        [BundleWarning::SameKeyInSeveralCertificates { .. }]
    ));
}

#[test]
fn openssl_reads_the_bundle_with_the_right_count() {
    let p = pems(&anchors(5, 9));
    let bundle = build(&[("a", &p.concat()), ("b", &p[2])]).unwrap().bundle;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bundle.pem", &bundle.to_pem());
    let der = openssl_ok(&["crl2pkcs7", "-nocrl", "-certfile", &path, "-outform", "PEM"]);
    let p7 = write(dir.path(), "b.p7", &der);
    let listed = openssl_ok(&["pkcs7", "-in", &p7, "-print_certs", "-noout"]);
    assert_eq!(listed.matches("subject=").count(), 5);
}

#[test]
fn a_mozilla_root_set_works() {
    // tests/data/mozilla-roots.pem: Debian's ca-certificates bundle (RSA and EC roots,
    // including Trustwave's P-256 root with a zero-padded keyUsage BIT STRING).
    let text = std::fs::read_to_string("tests/data/mozilla-roots.pem").unwrap();
    let blocks = text.matches("-----BEGIN CERTIFICATE-----").count();
    let built = build(&[("mozilla", &text)]).unwrap();
    assert_eq!(built.blocks_read, blocks);
    assert_eq!(built.bundle.len(), blocks);
    let again = TrustBundle::from_pem(&built.bundle.to_pem()).unwrap();
    assert_eq!(again, built.bundle);
    for c in built.bundle.certificates() {
        assert!(text.contains(&c.to_pem()[28..92]), "{}", c.subject());
    }
    let _ = Certificate::from_pem;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn any_order_of_sources_and_blocks_is_byte_identical(
        perm in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle(),
        split in 0..6usize,
    ) {
        thread_local!(static P: Vec<String> = pems(&anchors(6, 10)));
        P.with(|p| {
            let shuffled: Vec<&str> = perm.iter().map(|i| p[*i].as_str()).collect();
            let a = shuffled[..split].concat();
            let b = shuffled[split..].concat();
            let mut sources = vec![("a", a.as_str()), ("b", b.as_str()), ("all", "")];
            let all = p.concat();
            sources[2].1 = &all;
            let got = TrustBundle::from_sources(sources.into_iter().filter(|(_, t)| !t.is_empty()), BundleOptions::default()).unwrap();
            let want = TrustBundle::from_pem(&all).unwrap();
            prop_assert_eq!(got.bundle.to_pem(), want.to_pem());
            Ok(())
        })?;
    }
}
