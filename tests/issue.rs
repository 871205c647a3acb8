//! Issuance: chains verified by two independent verifiers (openssl CLI, rustls-webpki),
//! certificates inspected by `openssl x509 -text`, interop with OpenSSL-made anchors and keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::{Ca, CertSpec, Certificate, Error, PrivateKey, RotationPolicy, presets::linkerd};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use support::{T0, epoch, openssl, openssl_ok, rng, write};
use time::Duration;

struct Chain {
    anchor: Ca,
    issuer: Ca,
    leaf: Certificate,
    leaf_key: PrivateKey,
}

const IDENTITY: &str = "default.default.serviceaccount.identity.linkerd.cluster.local";

fn chain(seed: u64) -> Chain {
    let r = &mut rng(seed);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    let leaf_key = PrivateKey::generate(r);
    let leaf = issuer
        .issue(
            &linkerd::workload(IDENTITY),
            leaf_key.public_key(),
            T0 + Duration::hours(1),
            r,
        )
        .unwrap()
        .certificate;
    Chain {
        anchor,
        issuer,
        leaf,
        leaf_key,
    }
}

#[test]
fn openssl_verify_accepts_the_chain() {
    let c = chain(1);
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.crt", &c.anchor.certificate().to_pem());
    let issuer = write(dir.path(), "issuer.crt", &c.issuer.certificate().to_pem());
    let leaf = write(dir.path(), "leaf.crt", &c.leaf.to_pem());
    let at = epoch(T0 + Duration::hours(2));
    for purpose in ["sslserver", "sslclient"] {
        let out = openssl_ok(&[
            "verify",
            "-x509_strict",
            "-attime",
            &at,
            "-purpose",
            purpose,
            "-CAfile",
            &ca,
            "-untrusted",
            &issuer,
            &leaf,
        ]);
        assert!(out.contains(": OK"), "{out}");
    }
    // The issuer alone against the anchor.
    openssl_ok(&[
        "verify",
        "-x509_strict",
        "-attime",
        &at,
        "-CAfile",
        &ca,
        &issuer,
    ]);
    // Past the leaf's 24h life, openssl rejects it: the check is real.
    let late = epoch(T0 + Duration::hours(26));
    let out = openssl(&[
        "verify",
        "-attime",
        &late,
        "-CAfile",
        &ca,
        "-untrusted",
        &issuer,
        &leaf,
    ]);
    assert!(!out.status.success());
}

#[test]
fn openssl_text_shows_the_rfc5280_profile() {
    let c = chain(2);
    let dir = tempfile::tempdir().unwrap();
    for (name, cert, issuer) in [
        ("anchor", c.anchor.certificate(), None),
        (
            "issuer",
            c.issuer.certificate(),
            Some(c.anchor.certificate()),
        ),
        ("leaf", &c.leaf, Some(c.issuer.certificate())),
    ] {
        let path = write(dir.path(), name, &cert.to_pem());
        let text = openssl_ok(&["x509", "-in", &path, "-noout", "-text"]);
        assert!(text.contains("ASN1 OID: prime256v1"), "{name}: {text}");
        assert!(text.contains("NIST CURVE: P-256"), "{name}");
        assert!(
            text.contains("Signature Algorithm: ecdsa-with-SHA256"),
            "{name}"
        );
        assert!(
            text.contains("X509v3 Subject Key Identifier"),
            "{name}: no SKI"
        );
        let ski = colon_hex(cert.subject_key_id().unwrap());
        assert!(text.contains(&ski), "{name}: SKI {ski} not in {text}");
        if name == "leaf" {
            assert!(!text.contains("CA:TRUE"), "{name}");
            assert!(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"));
            assert!(text.contains(&format!("DNS:{IDENTITY}")));
        } else {
            assert!(
                text.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"),
                "{name}: {text}"
            );
            assert!(
                text.contains(
                    "X509v3 Key Usage: critical\n                Certificate Sign, CRL Sign"
                ),
                "{name}: {text}"
            );
        }
        match issuer {
            Some(issuer) => {
                let aki = colon_hex(issuer.subject_key_id().unwrap());
                assert!(text.contains("X509v3 Authority Key Identifier"), "{name}");
                assert!(
                    text.contains(&aki),
                    "{name}: AKI must equal the issuer's SKI {aki}"
                );
                assert_eq!(cert.issuer_der(), issuer.subject_der());
            }
            None => assert!(!text.contains("Authority Key Identifier")),
        }
        // Serial: random, positive, 20 octets.
        assert_eq!(cert.serial().len(), 20, "{name}");
        assert!(cert.serial()[0] & 0x80 == 0, "{name}");
    }
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn rustls_webpki_accepts_the_chain() {
    let c = chain(3);
    let anchor_der = CertificateDer::from(c.anchor.certificate());
    let anchors = vec![
        webpki::anchor_from_trusted_cert(&anchor_der)
            .unwrap()
            .to_owned(),
    ];
    let issuer_der = CertificateDer::from(c.issuer.certificate());
    let leaf_der = CertificateDer::from(&c.leaf);
    let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        (T0 + Duration::hours(2)).unix_timestamp() as u64,
    ));
    for usage in [
        webpki::KeyUsage::server_auth(),
        webpki::KeyUsage::client_auth(),
    ] {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            std::slice::from_ref(&issuer_der),
            at,
            usage,
            None,
            None,
        )
        .unwrap();
    }
    ee.verify_is_valid_for_subject_name(&ServerName::try_from(IDENTITY).unwrap())
        .unwrap();
    // A wrong anchor is refused: the verification is real.
    let other = chain(4);
    let wrong = CertificateDer::from(other.anchor.certificate());
    let wrong = vec![webpki::anchor_from_trusted_cert(&wrong).unwrap().to_owned()];
    let intermediates = [issuer_der];
    let result = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &wrong,
        &intermediates,
        at,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    );
    // Same subject name, different key: webpki finds the candidate and rejects its signature.
    assert!(result.is_err());
    // The key converts for rustls.
    let _: rustls_pki_types::PrivateKeyDer<'static> = (&c.leaf_key).into();
}

#[test]
fn openssl_made_anchor_signs_through_certcycle() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    openssl_ok(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.crt"),
        "-subj",
        "/O=Example Org/CN=Offline Root",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    let cert_pem = std::fs::read_to_string(p("ca.crt")).unwrap();
    let key_pem = std::fs::read_to_string(p("ca.key")).unwrap();
    let root = Ca::from_pem(&cert_pem, &key_pem).unwrap();
    // OpenSSL's key id is SHA-1 of the key: different from certcycle's own method.
    let ossl_ski = root.certificate().subject_key_id().unwrap().to_vec();
    assert_eq!(ossl_ski.len(), 20);
    assert_ne!(ossl_ski, root.private_key().public_key().key_id());
    let now = root.certificate().not_before() + Duration::minutes(1);
    let r = &mut rng(5);
    let issuer = support::linkerd_issuer(&root, r, now);
    assert_eq!(issuer.certificate().authority_key_id(), Some(&ossl_ski[..]));
    assert_eq!(
        issuer.certificate().issuer_der(),
        root.certificate().subject_der()
    );
    assert_eq!(
        issuer.certificate().issuer(),
        "CN=Offline Root,O=Example Org"
    );
    let issuer_path = write(dir.path(), "issuer.crt", &issuer.certificate().to_pem());
    let at = epoch(now + Duration::hours(1));
    openssl_ok(&[
        "verify",
        "-x509_strict",
        "-attime",
        &at,
        "-CAfile",
        &p("ca.crt"),
        &issuer_path,
    ]);
}

#[test]
fn keys_interoperate_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let key = PrivateKey::generate(&mut rng(6));
    write(dir.path(), "pkcs8.key", &key.secret_pkcs8_pem());
    write(dir.path(), "sec1.key", &key.secret_sec1_pem());
    let pub_a = openssl_ok(&["pkey", "-in", &p("pkcs8.key"), "-pubout"]);
    let pub_b = openssl_ok(&["pkey", "-in", &p("sec1.key"), "-pubout"]);
    assert_eq!(pub_a, pub_b);
    let spki = certcycle::PublicKey::from_spki_der(&support::pem_payload(&pub_a)).unwrap();
    assert_eq!(&spki, key.public_key());

    // SEC1 from `openssl ecparam -genkey` (with its EC PARAMETERS block) loads.
    let sec1 = openssl_ok(&["ecparam", "-name", "prime256v1", "-genkey"]);
    assert!(sec1.contains("EC PARAMETERS"));
    let loaded = PrivateKey::from_pem(&sec1).unwrap();
    let their_key = write(dir.path(), "o.key", &sec1);
    let their_pub = openssl_ok(&["ec", "-pubout", "-in", &their_key]);
    let their_pub = certcycle::PublicKey::from_spki_der(&support::pem_payload(&their_pub)).unwrap();
    assert_eq!(&their_pub, loaded.public_key());
}

#[test]
fn unsupported_keys_are_named() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["ecparam", "-name", "secp384r1", "-genkey", "-noout"],
            "P-384",
        ),
        (
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
            ],
            "P-384",
        ),
        (
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:1024",
            ],
            "RSA",
        ),
        (&["genpkey", "-algorithm", "ED25519"], "Ed25519"),
    ];
    for (args, name) in cases {
        let pem = openssl_ok(args);
        match PrivateKey::from_pem(&pem) {
            Err(Error::UnsupportedAlgorithm { found, .. }) => {
                assert!(found.contains(name), "{args:?}: {found}")
            }
            other => panic!("{args:?}: expected UnsupportedAlgorithm, got {other:?}"),
        }
        // The message never contains key material.
        let msg = PrivateKey::from_pem(&pem).unwrap_err().to_string();
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!msg.contains(line), "{msg}");
        }
    }
    // A P-384 certificate is named too.
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    openssl_ok(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-384",
        "-nodes",
        "-keyout",
        &p("k"),
        "-out",
        &p("c"),
        "-subj",
        "/CN=p384",
        "-days",
        "1",
    ]);
    let cert = Certificate::from_pem(&std::fs::read_to_string(p("c")).unwrap()).unwrap();
    match cert.public_key() {
        Err(Error::UnsupportedAlgorithm { found, .. }) => assert!(found.contains("P-384")),
        other => panic!("{other:?}"),
    }
    let key = std::fs::read_to_string(p("k")).unwrap();
    assert!(matches!(
        Ca::from_pem(&std::fs::read_to_string(p("c")).unwrap(), &key),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn mismatched_key_and_non_ca_are_refused() {
    let c = chain(7);
    let other = PrivateKey::generate(&mut rng(8));
    let err = Ca::new(c.issuer.certificate().clone(), other).unwrap_err();
    assert_eq!(
        err,
        Error::KeyMismatch {
            subject: "CN=identity.linkerd.cluster.local".into()
        }
    );
    let err = Ca::new(c.leaf.clone(), c.leaf_key).unwrap_err();
    assert!(matches!(err, Error::NotCa { .. }), "{err:?}");
}

#[test]
fn leaf_is_capped_at_the_issuer_expiry() {
    let c = chain(9);
    let r = &mut rng(10);
    let key = PrivateKey::generate(r);
    let late = c.issuer.certificate().not_after() - Duration::hours(2);
    let issued = c
        .issuer
        .issue(&linkerd::workload(IDENTITY), key.public_key(), late, r)
        .unwrap();
    assert_eq!(
        issued.certificate.not_after(),
        c.issuer.certificate().not_after()
    );
    assert_eq!(issued.capped_from, Some(late + Duration::hours(24)));
    assert_eq!(
        issued.certificate.not_before(),
        late - Duration::seconds(20)
    );
    // Uncapped in the middle of the issuer's life.
    assert_eq!(
        c.leaf.lifetime(),
        Duration::hours(24) + Duration::seconds(20)
    );
    // Past the issuer's life: a typed error, not a certificate.
    let err = c
        .issuer
        .issue(
            &linkerd::workload(IDENTITY),
            key.public_key(),
            late + Duration::hours(3),
            r,
        )
        .unwrap_err();
    assert!(matches!(err, Error::IssuerNotValid { .. }), "{err:?}");
}

#[test]
fn serials_are_random_even_for_one_key() {
    let c = chain(11);
    let r = &mut rng(12);
    let spec = linkerd::workload(IDENTITY).rotation_policy(RotationPolicy::Never);
    let a = c
        .issuer
        .issue(&spec, c.leaf_key.public_key(), T0, r)
        .unwrap()
        .certificate;
    let b = c
        .issuer
        .issue(&spec, c.leaf_key.public_key(), T0, r)
        .unwrap()
        .certificate;
    assert_ne!(a.serial(), b.serial());
    assert_eq!(a.subject_key_id(), b.subject_key_id());
}

#[test]
fn csr_from_openssl_is_honoured_but_not_trusted() {
    let c = chain(13);
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    openssl_ok(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        &p("k"),
    ]);
    openssl_ok(&[
        "req",
        "-new",
        "-key",
        &p("k"),
        "-subj",
        "/CN=admin",
        "-addext",
        "subjectAltName=DNS:evil.example",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-out",
        &p("csr"),
    ]);
    let csr = certcycle::csr_der_from_pem(&std::fs::read_to_string(p("csr")).unwrap()).unwrap();
    let r = &mut rng(14);
    let issued = c
        .issuer
        .issue_from_csr(&csr, &linkerd::workload(IDENTITY), T0, r)
        .unwrap();
    let cert = issued.certificate;
    assert_eq!(cert.dns_names(), vec![IDENTITY.to_owned()]);
    assert!(!cert.is_ca());
    assert_eq!(cert.subject(), "");
    let key = PrivateKey::from_pem(&std::fs::read_to_string(p("k")).unwrap()).unwrap();
    assert_eq!(&cert.public_key().unwrap(), key.public_key());

    // A tampered request: flip a byte inside the subject.
    let mut bad = csr.clone();
    let pos = bad.windows(5).position(|w| w == b"admin").unwrap();
    bad[pos] = b'b';
    assert_eq!(
        c.issuer
            .issue_from_csr(&bad, &linkerd::workload(IDENTITY), T0, r)
            .unwrap_err(),
        Error::CsrBadSignature
    );
    // Garbage and an RSA request.
    assert!(matches!(
        c.issuer
            .issue_from_csr(b"\x30\x03\x02\x01", &linkerd::workload(IDENTITY), T0, r),
        Err(Error::Malformed { what: "CSR", .. })
    ));
    openssl_ok(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:1024",
        "-out",
        &p("rsa"),
    ]);
    openssl_ok(&[
        "req",
        "-new",
        "-key",
        &p("rsa"),
        "-subj",
        "/CN=x",
        "-out",
        &p("rsa.csr"),
    ]);
    let rsa = certcycle::csr_der_from_pem(&std::fs::read_to_string(p("rsa.csr")).unwrap()).unwrap();
    assert!(matches!(
        c.issuer
            .issue_from_csr(&rsa, &linkerd::workload(IDENTITY), T0, r),
        Err(Error::UnsupportedAlgorithm { what: "CSR", .. })
    ));
}

#[test]
fn bad_pem_gets_typed_errors() {
    use certcycle::PemErrorKind;
    let c = chain(15);
    let good = c.leaf.to_pem();
    let cases: Vec<(String, PemErrorKind)> = vec![
        ("no pem here".into(), PemErrorKind::NoBlock),
        (
            good[..good.len() - 30].to_owned(),
            PemErrorKind::Unterminated,
        ),
        (
            good.replace("CERTIFICATE", "PRIVATE KEY"),
            PemErrorKind::WrongLabel {
                expected: "CERTIFICATE",
                found: "PRIVATE KEY".into(),
            },
        ),
        (good.replacen("M", "!", 1), PemErrorKind::Base64 { line: 2 }),
    ];
    for (text, kind) in cases {
        match Certificate::from_pem(&text) {
            Err(Error::Pem { error, .. }) => assert_eq!(error.kind, kind, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    // Valid PEM around a truncated DER: Malformed with an offset.
    let der = c.leaf.der();
    let truncated = support::pem_wrap(&der[..der.len() - 10]);
    assert!(matches!(
        Certificate::from_pem(&truncated),
        Err(Error::Malformed { .. })
    ));
}

#[test]
fn spec_errors_are_typed() {
    let r = &mut rng(16);
    let key = PrivateKey::generate(r);
    let bad = CertSpec::ca("x", Duration::ZERO);
    assert!(matches!(
        Ca::self_signed(&bad, key, T0, r),
        Err(Error::InvalidSpec { .. })
    ));
    let key = PrivateKey::generate(r);
    let leaf = CertSpec::leaf(Duration::hours(1)).dns_name("a.example");
    assert!(matches!(
        Ca::self_signed(&leaf, key, T0, r),
        Err(Error::InvalidSpec { .. })
    ));
}

#[test]
fn one_certificate_expected_names_the_extra_block() {
    let c = chain(17);
    let two = format!(
        "{}junk\n{}",
        c.leaf.to_pem(),
        c.issuer.certificate().to_pem()
    );
    match Certificate::from_pem(&two) {
        Err(Error::Pem { error: source, .. }) => {
            assert_eq!(
                source.kind,
                certcycle::PemErrorKind::MoreThanOneBlock { count: 2 }
            );
            assert_eq!(source.block, 2);
            assert_eq!(source.line, c.leaf.to_pem().lines().count() + 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(Certificate::all_from_pem(&two).unwrap().len(), 2);
}
