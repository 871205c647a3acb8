//! The testkit: seeded hierarchies are byte-identical, unseeded ones differ, scenarios give
//! their documented errors, and the file layouts are what tools read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::VerifyError;
use certcycle::testkit::{self, scenario};
use support::openssl_ok;

#[test]
fn seeded_hierarchies_are_byte_identical_across_runs_and_machines() {
    let a = testkit::hierarchy().leaves(["web", "api"]).build().unwrap();
    let b = testkit::hierarchy().leaves(["web", "api"]).build().unwrap();
    assert_eq!(a.anchor.certificate().der(), b.anchor.certificate().der());
    assert_eq!(a.issuer.certificate().der(), b.issuer.certificate().der());
    for (x, y) in a.workloads.iter().zip(&b.workloads) {
        assert_eq!(x.certificate.der(), y.certificate.der());
        assert_eq!(*x.key.secret_pkcs8_der(), *y.key.secret_pkcs8_der());
    }
    // Across machines: ChaCha20 and RFC 6979 ECDSA are deterministic, so the bytes are fixed.
    // This fingerprint was computed once and must never change for the default seed.
    assert_eq!(
        a.anchor.certificate().fingerprint().to_string(),
        GOLDEN_ANCHOR_FINGERPRINT,
        "the default-seed anchor changed: downstream fixtures would churn"
    );
    let other = testkit::hierarchy().seed(99).leaf("web").build().unwrap();
    assert_ne!(
        other.anchor.certificate().der(),
        a.anchor.certificate().der()
    );
}

const GOLDEN_ANCHOR_FINGERPRINT: &str = include_str!("data/testkit-golden-anchor.sha256");

#[test]
fn unseeded_hierarchies_differ() {
    let a = testkit::hierarchy().unseeded().leaf("web").build().unwrap();
    let b = testkit::hierarchy().unseeded().leaf("web").build().unwrap();
    assert_ne!(a.anchor.certificate().der(), b.anchor.certificate().der());
    assert_ne!(
        a.workload("web").certificate.der(),
        b.workload("web").certificate.der()
    );
}

#[test]
fn hierarchies_verify_and_scenarios_fail_as_documented() {
    let pki = testkit::hierarchy().leaves(["web", "api"]).build().unwrap();
    for w in &pki.workloads {
        w.verify(&pki.bundle(), pki.at).unwrap();
    }
    assert!(
        matches!(scenario::expired_leaf().unwrap().verify(), Err(VerifyError::Expired { cert, .. }) if cert.depth == 0)
    );
    assert!(
        matches!(scenario::not_yet_valid_leaf().unwrap().verify(), Err(VerifyError::NotYetValid { cert, .. }) if cert.depth == 0)
    );
    assert!(
        matches!(scenario::expired_issuer().unwrap().verify(), Err(VerifyError::Expired { cert, .. }) if cert.depth == 1)
    );
    assert!(
        matches!(scenario::foreign_anchor().unwrap().verify(), Err(VerifyError::BadSignature { cert, .. }) if cert.depth == 1)
    );
    assert!(
        matches!(scenario::issuer_without_key_cert_sign().unwrap().verify(), Err(VerifyError::MissingKeyCertSign { cert }) if cert.depth == 1)
    );
    assert!(matches!(
        scenario::wrong_identity().unwrap().verify(),
        Err(VerifyError::NameMismatch { .. })
    ));
    assert!(matches!(
        scenario::client_only_leaf().unwrap().verify(),
        Err(VerifyError::WrongUsage { .. })
    ));
    let r = scenario::mid_rotation().unwrap();
    r.old_leaf.verify(&r.both, r.at).unwrap();
    r.new_leaf.verify(&r.both, r.at).unwrap();
    r.new_leaf.verify(&r.new_only, r.at).unwrap();
    assert!(r.old_leaf.verify(&r.new_only, r.at).is_err());
}

#[test]
fn written_layouts_are_what_tools_read() {
    let pki = testkit::hierarchy().leaf("web").build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_linkerd_install(dir.path()).unwrap();
    pki.write_cert_manager(&dir.path().join("cm")).unwrap();
    let p = |rel: &str| dir.path().join(rel).to_str().unwrap().to_owned();
    let at = (pki.at + time::Duration::hours(1))
        .unix_timestamp()
        .to_string();
    openssl_ok(&[
        "verify",
        "-attime",
        &at,
        "-CAfile",
        &p("ca.crt"),
        &p("issuer.crt"),
    ]);
    openssl_ok(&["pkey", "-in", &p("issuer.key"), "-noout"]);
    openssl_ok(&[
        "verify",
        "-attime",
        &at,
        "-CAfile",
        &p("cm/linkerd-identity-trust-roots/ca-bundle.crt"),
        &p("cm/linkerd-identity-issuer/tls.crt"),
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for key in [
            "issuer.key",
            "cm/linkerd-trust-anchor/tls.key",
            "cm/linkerd-identity-issuer/tls.key",
        ] {
            let mode = std::fs::metadata(p(key)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{key}");
        }
    }
}

#[test]
fn a_subject_less_leaf_is_named_by_its_san_and_times_are_rfc3339() {
    let s = certcycle::testkit::scenario::expired_leaf().unwrap();
    let e = s.verify().unwrap_err();
    let leaf = &s.workload.certificate;
    assert!(leaf.subject().is_empty());
    assert_eq!(
        e.to_string(),
        format!(
            "certificate at depth 0 (DNS:web.default.serviceaccount.identity.linkerd.cluster.local) \
             expired at {}",
            leaf.not_after()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        )
    );
    assert!(e.to_string().ends_with('Z'));
}

#[test]
fn leaves_do_not_depend_on_their_order() {
    let a = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let b = certcycle::testkit::hierarchy()
        .leaves(["api", "web", "db"])
        .build()
        .unwrap();
    for name in ["web", "api"] {
        assert_eq!(
            a.workload(name).certificate.der(),
            b.workload(name).certificate.der(),
            "{name}"
        );
        assert_eq!(
            a.workload(name).key.public_key(),
            b.workload(name).key.public_key()
        );
    }
    assert_ne!(
        a.workload("web").certificate.der(),
        a.workload("api").certificate.der()
    );
}
