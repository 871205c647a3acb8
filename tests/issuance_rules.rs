//! Issuance never mints what it should not: no CA for a key someone else presents, no CA a
//! parent's pathLen forbids, and nothing that certcycle's own strict verifier rejects (one set
//! of profile rules for both, proven over random specs). Each case issued fine before the
//! hostile-input fixes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::verify::{ProfileRule, Usage, VerifyError, VerifyOptions, verify};
use certcycle::{
    Ca, CertSpec, Error, ExtendedKeyUsage, KeyUsage, PrivateKey, TrustBundle, presets::linkerd,
};
use proptest::prelude::*;
use support::{T0, rng};
use time::Duration;

fn hierarchy(seed: u64) -> (Ca, Ca) {
    let r = &mut rng(seed);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    (anchor, issuer)
}

fn leaf_spec() -> CertSpec {
    CertSpec::leaf(Duration::hours(24))
}

#[test]
fn leaf_paths_refuse_ca_specs() {
    let (_, issuer) = hierarchy(1300);
    let r = &mut rng(1301);
    let requester = PrivateKey::generate(r);
    let e = issuer
        .issue(
            &CertSpec::ca("evil", Duration::hours(24)),
            requester.public_key(),
            T0,
            r,
        )
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSpec { .. }), "{e}");
    // The same through a CSR (its requested extensions are ignored anyway).
    let params = rcgen::CertificateParams::new(vec!["evil.example".to_owned()]).unwrap();
    let csr = params
        .serialize_request(&support::craft::Signer::new(&requester))
        .unwrap()
        .der()
        .to_vec();
    let e = issuer
        .issue_from_csr(&csr, &CertSpec::ca("evil", Duration::hours(24)), T0, r)
        .unwrap_err();
    assert!(matches!(e, Error::InvalidSpec { .. }), "{e}");
    // A leaf spec through the CSR path still works.
    issuer
        .issue_from_csr(&csr, &linkerd::workload("web.default.svc"), T0, r)
        .unwrap();
}

#[test]
fn issue_ca_respects_the_parents_path_len() {
    let r = &mut rng(1302);
    let root = Ca::self_signed(
        &CertSpec::ca("root", Duration::days(30)).path_len(1),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap();
    let e = root
        .issue_ca(
            &CertSpec::ca("wide", Duration::days(2)).path_len(5),
            PrivateKey::generate(r),
            T0,
            r,
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::PathLenConstraint {
            issuer: "CN=root".into(),
            parent_path_len: 1,
            requested: Some(5)
        }
    );
    let mid = root
        .issue_ca(
            &CertSpec::ca("mid", Duration::days(2)).path_len(0),
            PrivateKey::generate(r),
            T0,
            r,
        )
        .unwrap()
        .ca;
    let e = mid
        .issue_ca(
            &CertSpec::ca("below", Duration::days(1)),
            PrivateKey::generate(r),
            T0,
            r,
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::PathLenConstraint {
            issuer: "CN=mid".into(),
            parent_path_len: 0,
            requested: None
        }
    );
    assert_eq!(
        e.to_string(),
        "CN=mid has pathLenConstraint 0: it may issue no CA"
    );
    // Without its own constraint under pathLen 1: allowed (the parent's still applies).
    root.issue_ca(
        &CertSpec::ca("free", Duration::days(2)),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap();
}

fn refused(spec: &CertSpec) -> VerifyError {
    let (_, issuer) = hierarchy(1303);
    let r = &mut rng(1304);
    match issuer.issue(spec, PrivateKey::generate(r).public_key(), T0, r) {
        Err(Error::WouldNotVerify { reason }) => *reason,
        other => panic!("{spec:?}: {other:?}"),
    }
}

fn profile(e: &VerifyError) -> ProfileRule {
    match e {
        VerifyError::Profile { rule, .. } => *rule,
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_the_verifier_would_reject_is_never_issued() {
    let long = format!("{}.example", vec!["a".repeat(60); 5].join("."));
    assert!(long.len() > 253);
    for name in [
        "_",
        "a..example",
        "a.example.",
        "-a.example",
        "a b.example",
        "*.*",
        long.as_str(),
    ] {
        let e = refused(&leaf_spec().dns_name(name));
        assert_eq!(profile(&e), ProfileRule::InvalidDnsNameInSan, "{name}");
    }
    let cases = [
        (
            leaf_spec()
                .dns_name("web.example")
                .common_name("api.example"),
            ProfileRule::CommonNameNotInSan,
        ),
        (
            leaf_spec()
                .dns_name("web.example")
                .key_usage(KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_CERT_SIGN),
            ProfileRule::KeyCertSignWithoutCa,
        ),
        (
            leaf_spec()
                .dns_name("web.example")
                .ext_key_usage(vec![ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::Any]),
            ProfileRule::AnyExtendedKeyUsage,
        ),
        (
            leaf_spec().dns_name("web.example").ext_key_usage(vec![]),
            ProfileRule::MissingExtendedKeyUsage,
        ),
    ];
    for (spec, rule) in cases {
        assert_eq!(profile(&refused(&spec)), rule, "{spec:?}");
    }
    // An anchor with an extKeyUsage.
    let r = &mut rng(1305);
    let e = Ca::self_signed(
        &CertSpec::ca("root", Duration::days(30)).ext_key_usage(vec![ExtendedKeyUsage::ServerAuth]),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap_err();
    match e {
        Error::WouldNotVerify { reason } => {
            assert_eq!(profile(&reason), ProfileRule::AnchorWithExtendedKeyUsage)
        }
        other => panic!("{other:?}"),
    }
    // A CA without a subject.
    let e = Ca::self_signed(
        &CertSpec::ca("", Duration::days(30)).dns_name("root.example"),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap_err();
    assert!(matches!(e, Error::WouldNotVerify { .. }), "{e}");
}

/// Pieces of specs, good and bad.
fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("web.default.svc".to_owned()),
        Just("a.b".to_owned()),
        Just("*.example.com".to_owned()),
        Just("*.*".to_owned()),
        Just("_".to_owned()),
        Just("a..b".to_owned()),
        Just("x.".to_owned()),
        Just("-x.y".to_owned()),
        Just("A.Example".to_owned()),
        Just("1.2.3.4".to_owned()),
        "[a-z0-9.*_ -]{0,20}",
    ]
}

fn any_eku() -> impl Strategy<Value = Vec<ExtendedKeyUsage>> {
    prop::collection::vec(
        prop_oneof![
            Just(ExtendedKeyUsage::ServerAuth),
            Just(ExtendedKeyUsage::ClientAuth),
            Just(ExtendedKeyUsage::Any),
            Just(ExtendedKeyUsage::Other(
                "1.3.6.1.5.5.7.3.4".parse().unwrap()
            )),
        ],
        0..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Whatever spec is asked for, a certificate that issues verifies under the strict
    /// verifier: as the end entity for each TLS usage it lists (with each of its DNS names),
    /// and as a CA above a good leaf.
    #[test]
    fn whatever_issues_verifies(
        cn in prop::option::of(any_name()),
        names in prop::collection::vec(any_name(), 0..3),
        ca in any::<bool>(),
        path_len in prop::option::of(0u8..3),
        ku_bits in 0u8..4,
        eku in any_eku(),
    ) {
        let (anchor, issuer) = hierarchy(1306);
        let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
        let r = &mut rng(1307);
        let mut spec = if ca {
            CertSpec::ca(cn.clone().unwrap_or_default(), Duration::hours(24))
        } else {
            let s = leaf_spec();
            match &cn { Some(cn) => s.common_name(cn.clone()), None => s }
        };
        for n in &names {
            spec = spec.dns_name(n.clone());
        }
        if let Some(p) = path_len.filter(|_| ca) {
            spec = spec.path_len(p);
        }
        let ku = [
            KeyUsage::DIGITAL_SIGNATURE,
            KeyUsage::KEY_CERT_SIGN | KeyUsage::CRL_SIGN,
            KeyUsage::DIGITAL_SIGNATURE | KeyUsage::KEY_CERT_SIGN,
            KeyUsage::CRL_SIGN,
        ][ku_bits as usize];
        spec = spec.key_usage(ku).ext_key_usage(eku.clone());
        let at = T0 + Duration::hours(1);
        if ca {
            let Ok(issued) = issuer.issue_ca(&spec, PrivateKey::generate(r), at, r) else {
                return Ok(());
            };
            let leaf = issued
                .ca
                .issue(&linkerd::workload("web.default.svc"), PrivateKey::generate(r).public_key(), at, r)
                .unwrap();
            let chain = [issued.ca.certificate().clone(), issuer.certificate().clone()];
            let usage = if eku.is_empty() || eku.contains(&ExtendedKeyUsage::ServerAuth) {
                VerifyOptions::for_usage(Usage::ServerAuth)
            } else {
                VerifyOptions::default()
            };
            let v = verify(&leaf.certificate, &chain, &bundle, at, &usage);
            prop_assert!(v.is_ok(), "{spec:?}: {v:?}");
        } else {
            let Ok(issued) = issuer.issue(&spec, PrivateKey::generate(r).public_key(), at, r) else {
                return Ok(());
            };
            let chain = [issuer.certificate().clone()];
            let leaf = &issued.certificate;
            let v = verify(leaf, &chain, &bundle, at, &VerifyOptions::default());
            prop_assert!(v.is_ok(), "{spec:?}: {v:?}");
            for (e, u) in [
                (ExtendedKeyUsage::ServerAuth, Usage::ServerAuth),
                (ExtendedKeyUsage::ClientAuth, Usage::ClientAuth),
            ] {
                if !eku.contains(&e) {
                    continue;
                }
                for name in leaf.dns_names() {
                    if name.starts_with('*') || name.parse::<std::net::IpAddr>().is_ok() {
                        // Wildcards are off by default (matching them is a separate choice);
                        // an address is no DNS reference name.
                        continue;
                    }
                    let o = VerifyOptions::for_usage(u)
                        .with_name(certcycle::PeerName::Dns(name.clone()));
                    let v = verify(leaf, &chain, &bundle, at, &o);
                    prop_assert!(v.is_ok(), "{spec:?} as {u} for {name}: {v:?}");
                }
            }
        }
    }
}
