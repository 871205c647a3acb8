//! The verifier rule by rule: each negative case asserts the exact `VerifyError` variant.
//! Certificates are crafted with rcgen (signing through certcycle keys) so that every
//! extension, its criticality and its presence can be chosen.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::verify::{
    BudgetKind, CertRef, PeerName, ProfileRule, SignatureCache, Usage, VerifyError, VerifyOptions,
    verify, verify_cached,
};
use certcycle::{Certificate, PrivateKey, TrustBundle, presets::linkerd};
use rcgen::{ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};
use support::craft::{Craft, ca, ext, leaf, make};
use support::{T0, rng};
use time::{Duration, OffsetDateTime};

struct Chain {
    root: Certificate,
    ica: Certificate,
    leaf: Certificate,
}

const NAME: &str = "web.default.svc";

/// root → ica → leaf, with overrides.
fn chain(seed: u64, root_c: Craft, ica_c: Craft, leaf_c: Craft) -> Chain {
    let r = &mut rng(seed);
    let (rk, ik, lk) = (
        PrivateKey::generate(r),
        PrivateKey::generate(r),
        PrivateKey::generate(r),
    );
    let root = make(
        &Craft {
            aki: false,
            ..root_c.clone()
        },
        &rk,
        None,
    );
    let ica = make(&ica_c, &ik, Some((root_c.cn, &rk)));
    let leaf = make(&leaf_c, &lk, Some((ica_c.cn, &ik)));
    Chain { root, ica, leaf }
}

fn good(seed: u64) -> Chain {
    chain(seed, ca("root"), ca("ica"), leaf(NAME))
}

fn run(c: &Chain, at: OffsetDateTime, options: &VerifyOptions) -> Result<(), VerifyError> {
    let bundle = TrustBundle::from_anchors([certcycle::TrustAnchor::new(c.root.clone()).unwrap()]);
    verify(&c.leaf, std::slice::from_ref(&c.ica), &bundle, at, options).map(|_| ())
}

fn server() -> VerifyOptions {
    VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns(NAME.into()))
}

fn at(c: &Chain, depth: usize) -> CertRef {
    CertRef::of(depth, [&c.leaf, &c.ica, &c.root][depth])
}

const T1: OffsetDateTime = T0;

#[test]
fn the_good_chain_verifies_for_both_usages() {
    let c = good(1);
    run(&c, T1 + Duration::hours(1), &server()).unwrap();
    let client = VerifyOptions::for_usage(Usage::ClientAuth);
    run(&c, T1 + Duration::hours(1), &client).unwrap();
    // Validity bounds are inclusive.
    run(&c, c.leaf.not_before(), &server()).unwrap();
    run(&c, c.leaf.not_after(), &server()).unwrap();
}

#[test]
fn validity_of_every_certificate() {
    let c = good(2);
    let e = run(&c, c.leaf.not_after() + Duration::seconds(1), &server()).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Expired {
            cert: at(&c, 0),
            not_after: c.leaf.not_after()
        }
    );
    let e = run(&c, T0 - Duration::seconds(1), &server()).unwrap_err();
    assert_eq!(
        e,
        VerifyError::NotYetValid {
            cert: at(&c, 0),
            not_before: T0
        }
    );
    let short_ica = Craft {
        not_after: T0 + Duration::hours(2),
        ..ca("ica")
    };
    let c = chain(3, ca("root"), short_ica, leaf(NAME));
    let e = run(&c, T0 + Duration::hours(3), &server()).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Expired {
            cert: at(&c, 1),
            not_after: c.ica.not_after()
        }
    );
    let short_root = Craft {
        not_after: T0 + Duration::hours(2),
        ..ca("root")
    };
    let c = chain(4, short_root, ca("ica"), leaf(NAME));
    let e = run(&c, T0 + Duration::hours(3), &server()).unwrap_err();
    assert_eq!(
        e,
        VerifyError::Expired {
            cert: at(&c, 2),
            not_after: c.root.not_after()
        }
    );
}

#[test]
fn issuer_problems() {
    let c = good(5);
    let bundle = TrustBundle::from_anchors([certcycle::TrustAnchor::new(c.root.clone()).unwrap()]);
    let e = verify(&c.leaf, &[], &bundle, T0, &server()).unwrap_err();
    assert_eq!(
        e,
        VerifyError::UnknownIssuer {
            cert: at(&c, 0),
            issuer: "CN=ica".into()
        }
    );
    // Same names, other keys: the candidate is found and its signature fails.
    let other = good(6);
    let e = verify(
        &c.leaf,
        std::slice::from_ref(&other.ica),
        &bundle,
        T0,
        &server(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        VerifyError::BadSignature {
            cert: at(&c, 0),
            issuer: "CN=ica".into()
        }
    );
    // A tampered TBS byte (inside the SAN) breaks the signature.
    let mut der = c.leaf.der().to_vec();
    let pos = der.windows(3).position(|w| w == b"web").unwrap();
    der[pos] = b'w' ^ 0x20;
    let tampered = Certificate::from_der(der).unwrap();
    let opts = VerifyOptions::for_usage(Usage::ServerAuth);
    let e = verify(&tampered, std::slice::from_ref(&c.ica), &bundle, T0, &opts).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::BadSignature {
                cert: CertRef { depth: 0, .. },
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn ca_rules() {
    let not_ca = Craft {
        ca: None,
        ku: vec![Ku::DigitalSignature],
        ..ca("ica")
    };
    let c = chain(7, ca("root"), not_ca, leaf(NAME));
    assert_eq!(
        run(&c, T0, &server()).unwrap_err(),
        VerifyError::NotCa { cert: at(&c, 1) }
    );
    let no_cert_sign = Craft {
        ku: vec![Ku::DigitalSignature],
        ..ca("ica")
    };
    let c = chain(8, ca("root"), no_cert_sign, leaf(NAME));
    assert_eq!(
        run(&c, T0, &server()).unwrap_err(),
        VerifyError::MissingKeyCertSign { cert: at(&c, 1) }
    );
    let root_pathlen_0 = Craft {
        ca: Some(Some(0)),
        ..ca("root")
    };
    let c = chain(9, root_pathlen_0, ca("ica"), leaf(NAME));
    assert_eq!(
        run(&c, T0, &server()).unwrap_err(),
        VerifyError::PathLenExceeded {
            cert: at(&c, 2),
            path_len: 0
        }
    );
    // pathLen 0 on the intermediate itself is fine: no intermediate below it.
    let c = chain(
        10,
        ca("root"),
        Craft {
            ca: Some(Some(0)),
            ..ca("ica")
        },
        leaf(NAME),
    );
    run(&c, T0, &server()).unwrap();
    // A CA as the leaf.
    let ca_leaf = Craft {
        ca: Some(None),
        ..leaf(NAME)
    };
    let c = chain(11, ca("root"), ca("ica"), ca_leaf);
    assert_eq!(
        run(&c, T0, &server()).unwrap_err(),
        VerifyError::CaUsedAsEndEntity { cert: at(&c, 0) }
    );
    // Max depth 0: the intermediate is one too many.
    let c = good(12);
    let opts = server().with_max_intermediates(0);
    assert_eq!(
        run(&c, T0, &opts).unwrap_err(),
        VerifyError::MaxDepthExceeded { max: 0 }
    );
}

#[test]
fn usage_names_and_extensions() {
    let server_only = Craft {
        eku: vec![Eku::ServerAuth],
        ..leaf(NAME)
    };
    let c = chain(13, ca("root"), ca("ica"), server_only);
    let client = VerifyOptions::for_usage(Usage::ClientAuth);
    assert_eq!(
        run(&c, T0, &client).unwrap_err(),
        VerifyError::WrongUsage {
            cert: at(&c, 0),
            usage: Usage::ClientAuth
        }
    );
    let c = good(14);
    let other = VerifyOptions::for_usage(Usage::ServerAuth)
        .with_name(PeerName::Dns("api.default.svc".into()));
    assert_eq!(
        run(&c, T0, &other).unwrap_err(),
        VerifyError::NameMismatch {
            name: PeerName::Dns("api.default.svc".into())
        }
    );
    let bad = VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns("a..b".into()));
    assert_eq!(
        run(&c, T0, &bad).unwrap_err(),
        VerifyError::InvalidReferenceName("a..b".into())
    );
    // Case-insensitive DNS match, trailing dot in the reference allowed.
    let upper = VerifyOptions::for_usage(Usage::ServerAuth)
        .with_name(PeerName::Dns("WEB.default.svc.".into()));
    run(&c, T0, &upper).unwrap();
    let ip = VerifyOptions::for_usage(Usage::ServerAuth)
        .with_name(PeerName::Ip("10.0.0.1".parse().unwrap()));
    assert!(matches!(
        run(&c, T0, &ip).unwrap_err(),
        VerifyError::NameMismatch { .. }
    ));
    // Unknown critical extension on the intermediate; harmless when not critical.
    let crit = Craft {
        extra: vec![ext(&[1, 3, 6, 1, 4, 1, 99999, 1], true, vec![0x05, 0x00])],
        ..ca("ica")
    };
    let c = chain(15, ca("root"), crit, leaf(NAME));
    assert_eq!(
        run(&c, T0, &server()).unwrap_err(),
        VerifyError::UnhandledCriticalExtension {
            cert: at(&c, 1),
            oid: "1.3.6.1.4.1.99999.1".parse().unwrap()
        }
    );
    let noncrit = Craft {
        extra: vec![ext(&[1, 3, 6, 1, 4, 1, 99999, 1], false, vec![0x05, 0x00])],
        ..ca("ica")
    };
    run(&chain(16, ca("root"), noncrit, leaf(NAME)), T0, &server()).unwrap();
}

#[test]
fn profile_rules() {
    let cases: Vec<(&str, Chain, usize, ProfileRule)> = vec![
        (
            "serial 21 octets",
            chain(
                20,
                ca("root"),
                ca("ica"),
                Craft {
                    serial: vec![0x11; 21],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::SerialTooLong,
        ),
        (
            "serial zero",
            chain(
                21,
                ca("root"),
                ca("ica"),
                Craft {
                    serial: vec![0],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::SerialNotPositive,
        ),
        (
            "leaf without AKI",
            chain(
                22,
                ca("root"),
                ca("ica"),
                Craft {
                    aki: false,
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::MissingAuthorityKeyId,
        ),
        (
            "intermediate without SKI",
            chain(
                23,
                ca("root"),
                Craft {
                    ski: false,
                    ..ca("ica")
                },
                leaf(NAME),
            ),
            1,
            ProfileRule::MissingSubjectKeyId,
        ),
        (
            "intermediate without AKI",
            chain(
                24,
                ca("root"),
                Craft {
                    aki: false,
                    ..ca("ica")
                },
                leaf(NAME),
            ),
            1,
            ProfileRule::MissingAuthorityKeyId,
        ),
        (
            "non-critical basicConstraints",
            chain(
                25,
                ca("root"),
                Craft {
                    bc_critical: false,
                    ..ca("ica")
                },
                leaf(NAME),
            ),
            1,
            ProfileRule::BasicConstraintsNotCritical,
        ),
        (
            "root without SKI",
            chain(
                26,
                Craft {
                    ski: false,
                    ..ca("root")
                },
                ca("ica"),
                leaf(NAME),
            ),
            2,
            ProfileRule::MissingSubjectKeyId,
        ),
        (
            "keyCertSign on a leaf",
            chain(
                27,
                ca("root"),
                ca("ica"),
                Craft {
                    ku: vec![Ku::DigitalSignature, Ku::KeyCertSign],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::KeyCertSignWithoutCa,
        ),
        (
            "leaf without EKU",
            chain(
                28,
                ca("root"),
                ca("ica"),
                Craft {
                    eku: vec![],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::MissingExtendedKeyUsage,
        ),
        (
            "anyEKU on a leaf",
            chain(
                29,
                ca("root"),
                ca("ica"),
                Craft {
                    eku: vec![Eku::ServerAuth, Eku::Any],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::AnyExtendedKeyUsage,
        ),
        (
            "root with EKU",
            chain(
                30,
                Craft {
                    eku: vec![Eku::ServerAuth],
                    ..ca("root")
                },
                ca("ica"),
                leaf(NAME),
            ),
            2,
            ProfileRule::AnchorWithExtendedKeyUsage,
        ),
        (
            "underscore in SAN",
            chain(
                31,
                ca("root"),
                ca("ica"),
                Craft {
                    dns: vec!["web_1.default.svc"],
                    ..leaf(NAME)
                },
            ),
            0,
            ProfileRule::InvalidDnsNameInSan,
        ),
    ];
    for (name, c, depth, rule) in cases {
        let opts = VerifyOptions::for_usage(Usage::ServerAuth);
        assert_eq!(
            run(&c, T0, &opts).unwrap_err(),
            VerifyError::Profile {
                cert: at(&c, depth),
                rule
            },
            "case: {name}"
        );
        // Not pedantic: the same chain passes (the rule was the only problem).
        let lax = opts.clone().with_pedantic(false);
        assert_eq!(run(&c, T0, &lax), Ok(()), "case: {name} (not pedantic)");
    }
}

#[test]
fn rotation_two_anchors_two_issuers_one_name_any_order() {
    let r = &mut rng(40);
    let old = support::linkerd_anchor(r, T0);
    let new = support::linkerd_anchor(r, T0 + Duration::hours(1));
    let at_time = T0 + Duration::hours(2);
    let iss_old = support::linkerd_issuer(&old, r, at_time);
    let iss_new = support::linkerd_issuer(&new, r, at_time);
    let id = linkerd::workload_identity("web", "default");
    let leaf_old = iss_old
        .issue(
            &linkerd::workload(&id),
            PrivateKey::generate(r).public_key(),
            at_time,
            r,
        )
        .unwrap()
        .certificate;
    let leaf_new = iss_new
        .issue(
            &linkerd::workload(&id),
            PrivateKey::generate(r).public_key(),
            at_time,
            r,
        )
        .unwrap()
        .certificate;
    let opts = VerifyOptions::for_usage(Usage::ClientAuth).with_name(PeerName::Dns(id));
    let both = [old.trust_anchor(), new.trust_anchor()];
    for bundle in [
        TrustBundle::from_anchors(both.clone()),
        TrustBundle::from_anchors(both.into_iter().rev()),
    ] {
        for issuers in [
            vec![iss_old.certificate().clone(), iss_new.certificate().clone()],
            vec![iss_new.certificate().clone(), iss_old.certificate().clone()],
        ] {
            let a = verify(&leaf_old, &issuers, &bundle, at_time, &opts).unwrap();
            assert_eq!(a.anchor(), old.certificate());
            let b = verify(&leaf_new, &issuers, &bundle, at_time, &opts).unwrap();
            assert_eq!(b.anchor(), new.certificate());
        }
    }
    // Under the old anchor alone, the new leaf fails at its issuer's signature.
    let old_only = TrustBundle::from_anchors([old.trust_anchor()]);
    let e = verify(
        &leaf_new,
        &[iss_new.certificate().clone()],
        &old_only,
        at_time,
        &opts,
    )
    .unwrap_err();
    assert_eq!(
        e,
        VerifyError::BadSignature {
            cert: CertRef::of(1, iss_new.certificate()),
            issuer: "CN=root.linkerd.cluster.local".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "certificate at depth 1 (CN=identity.linkerd.cluster.local): signature does not verify \
         with the key of CN=root.linkerd.cluster.local"
    );
}

#[test]
fn hostile_inputs_are_bounded() {
    // 40 intermediates sharing one subject, each with its own key, none reaching a root:
    // every one is a candidate for every other.
    let r = &mut rng(50);
    let root_key = PrivateKey::generate(r);
    let root = make(
        &Craft {
            aki: false,
            ..ca("root")
        },
        &root_key,
        None,
    );
    let keys: Vec<PrivateKey> = (0..40).map(|_| PrivateKey::generate(r)).collect();
    let ica = Craft {
        cn: "loop",
        ..ca("loop")
    };
    let inters: Vec<Certificate> = (0..40)
        .map(|i| make(&ica, &keys[i], Some(("loop", &keys[(i + 1) % 40]))))
        .collect();
    let leaf_c = make(
        &leaf(NAME),
        &PrivateKey::generate(r),
        Some(("loop", &keys[0])),
    );
    let bundle = TrustBundle::from_anchors([certcycle::TrustAnchor::new(root).unwrap()]);
    let opts = VerifyOptions::for_usage(Usage::ServerAuth);
    let e = verify(&leaf_c, &inters, &bundle, T0, &opts).unwrap_err();
    assert_eq!(
        e,
        VerifyError::BudgetExhausted {
            kind: BudgetKind::SignatureChecks,
            limit: 64
        }
    );
}

#[test]
fn the_signature_cache_skips_repeated_checks() {
    let c = good(60);
    let cache = SignatureCache::new();
    let bundle = TrustBundle::from_anchors([certcycle::TrustAnchor::new(c.root.clone()).unwrap()]);
    for _ in 0..3 {
        verify_cached(
            &c.leaf,
            std::slice::from_ref(&c.ica),
            &bundle,
            T0,
            &server(),
            Some(&cache),
        )
        .unwrap();
    }
    assert_eq!(cache.len(), 1); // the issuer → anchor link only
    let all = SignatureCache::including_leaves(16);
    verify_cached(
        &c.leaf,
        std::slice::from_ref(&c.ica),
        &bundle,
        T0,
        &server(),
        Some(&all),
    )
    .unwrap();
    assert_eq!(all.len(), 2);
    // A cached link is still subject to every other check.
    let late = c.ica.not_after() + Duration::seconds(1);
    assert!(
        verify_cached(
            &c.leaf,
            std::slice::from_ref(&c.ica),
            &bundle,
            late,
            &server(),
            Some(&cache)
        )
        .is_err()
    );
}

/// DER of a NameConstraints value: `permitted` and `excluded` GeneralName bases (tag, value).
fn name_constraints(permitted: &[(u8, Vec<u8>)], excluded: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let subtrees = |tag: u8, bases: &[(u8, Vec<u8>)]| {
        let mut inner = Vec::new();
        for (t, v) in bases {
            let mut base = vec![*t, v.len() as u8];
            base.extend(v);
            inner.push(0x30);
            inner.push(base.len() as u8);
            inner.extend(base);
        }
        let mut out = vec![tag, inner.len() as u8];
        out.extend(inner);
        out
    };
    let mut body = Vec::new();
    if !permitted.is_empty() {
        body.extend(subtrees(0xa0, permitted));
    }
    if !excluded.is_empty() {
        body.extend(subtrees(0xa1, excluded));
    }
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

fn dns(name: &str) -> (u8, Vec<u8>) {
    (0x82, name.as_bytes().to_vec())
}

fn ip(addr_mask: &[u8]) -> (u8, Vec<u8>) {
    (0x87, addr_mask.to_vec())
}

/// root → ica (with these name constraints) → leaf.
fn constrained(seed: u64, nc: Vec<u8>, critical: bool, leaf_c: Craft) -> Chain {
    let ica = Craft {
        extra: vec![ext(&[2, 5, 29, 30], critical, nc)],
        ..ca("ica")
    };
    chain(seed, ca("root"), ica, leaf_c)
}

fn nc_result(c: &Chain) -> Result<(), VerifyError> {
    run(c, T0, &VerifyOptions::for_usage(Usage::ServerAuth))
}

fn violation(c: &Chain, name: &str, excluded: bool) -> VerifyError {
    VerifyError::NameConstraintViolation {
        cert: at(c, 0),
        constrained_by: at(c, 1),
        name: name.into(),
        excluded,
    }
}

#[test]
fn dns_name_constraints() {
    let leaf_web = || leaf("web.example.com");
    let ok = |permitted: &[(u8, Vec<u8>)], excluded: &[(u8, Vec<u8>)]| {
        nc_result(&constrained(
            70,
            name_constraints(permitted, excluded),
            true,
            leaf_web(),
        ))
    };
    assert_eq!(ok(&[dns("example.com")], &[]), Ok(()));
    // Case folding: constraints and names compare case-insensitively.
    assert_eq!(ok(&[dns("EXAMPLE.Com")], &[]), Ok(()));
    assert_eq!(ok(&[dns(".example.com")], &[]), Ok(()));
    assert_eq!(ok(&[dns("web.example.com")], &[]), Ok(()));
    assert_eq!(ok(&[dns("")], &[]), Ok(()));
    assert_eq!(ok(&[dns("other.com"), dns("example.com")], &[]), Ok(()));
    let c = constrained(
        71,
        name_constraints(&[dns("other.com")], &[]),
        true,
        leaf_web(),
    );
    assert_eq!(
        nc_result(&c),
        Err(violation(&c, "DNS:web.example.com", false))
    );
    // Label boundaries: "badexample.com" is not under "example.com".
    let c = constrained(
        72,
        name_constraints(&[dns("example.com")], &[]),
        true,
        leaf("web.badexample.com"),
    );
    assert_eq!(
        nc_result(&c),
        Err(violation(&c, "DNS:web.badexample.com", false))
    );
    // A leading dot means strict subdomains.
    let c = constrained(
        73,
        name_constraints(&[dns(".example.com")], &[]),
        true,
        leaf("example.com"),
    );
    assert_eq!(nc_result(&c), Err(violation(&c, "DNS:example.com", false)));
    // Excluded wins over permitted, case-insensitively.
    let c = constrained(
        74,
        name_constraints(&[dns("example.com")], &[dns("WEB.example.com")]),
        true,
        leaf_web(),
    );
    assert_eq!(
        nc_result(&c),
        Err(violation(&c, "DNS:web.example.com", true))
    );
    // An excluded subtree with a trailing dot on the name's side still matches.
    let c = constrained(
        75,
        name_constraints(&[], &[dns("example.com")]),
        true,
        leaf_web(),
    );
    assert_eq!(
        nc_result(&c),
        Err(violation(&c, "DNS:web.example.com", true))
    );
}

#[test]
fn ip_name_constraints_and_masks() {
    let leaf_ip = |addr: &str| Craft {
        dns: vec![],
        other_sans: vec![rcgen::SanType::IpAddress(addr.parse().unwrap())],
        ..leaf("")
    };
    let v4_10_8 = [10, 0, 0, 0, 255, 0, 0, 0];
    let c = constrained(
        80,
        name_constraints(&[ip(&v4_10_8)], &[]),
        true,
        leaf_ip("10.1.2.3"),
    );
    assert_eq!(nc_result(&c), Ok(()));
    let c = constrained(
        81,
        name_constraints(&[ip(&v4_10_8)], &[]),
        true,
        leaf_ip("11.0.0.1"),
    );
    assert_eq!(nc_result(&c), Err(violation(&c, "IP:11.0.0.1", false)));
    // An IPv6 name against IPv4-only permitted subtrees is outside them.
    let c = constrained(
        82,
        name_constraints(&[ip(&v4_10_8)], &[]),
        true,
        leaf_ip("2001:db8::1"),
    );
    assert_eq!(nc_result(&c), Err(violation(&c, "IP:2001:db8::1", false)));
    // IPv6 masks: /0 permits all, /128 one address, /127 a pair.
    let v6 = |addr: &str, prefix: u32| {
        let a: std::net::Ipv6Addr = addr.parse().unwrap();
        let mask = if prefix == 0 {
            0u128
        } else {
            u128::MAX << (128 - prefix)
        };
        let mut v = a.octets().to_vec();
        v.extend(mask.to_be_bytes());
        v
    };
    for (prefix, addr, name, permitted) in [
        (0, "::", "2001:db8::1", true),
        (128, "2001:db8::1", "2001:db8::1", true),
        (128, "2001:db8::1", "2001:db8::2", false),
        (127, "2001:db8::2", "2001:db8::3", true),
        (127, "2001:db8::2", "2001:db8::4", false),
        (32, "2001:db8::", "2001:db9::1", false),
    ] {
        let c = constrained(
            83,
            name_constraints(&[ip(&v6(addr, prefix))], &[]),
            true,
            leaf_ip(name),
        );
        let expected = if permitted {
            Ok(())
        } else {
            Err(violation(&c, &format!("IP:{name}"), false))
        };
        assert_eq!(nc_result(&c), expected, "{addr}/{prefix} vs {name}");
    }
    // Excluded /128 of the very address.
    let c = constrained(
        84,
        name_constraints(&[], &[ip(&v6("2001:db8::1", 128))]),
        true,
        leaf_ip("2001:db8::1"),
    );
    assert_eq!(nc_result(&c), Err(violation(&c, "IP:2001:db8::1", true)));
    // A mask that is not contiguous is malformed: the constraints cannot be applied.
    let c = constrained(
        85,
        name_constraints(&[ip(&[10, 0, 0, 0, 255, 0, 255, 0])], &[]),
        true,
        leaf_ip("10.0.0.1"),
    );
    assert!(matches!(
        nc_result(&c),
        Err(VerifyError::NameConstraintsUnsupported { .. })
    ));
}

#[test]
fn email_uri_criticality_and_alternative_paths() {
    let leaf_mail = |addr: &'static str| Craft {
        other_sans: vec![rcgen::SanType::Rfc822Name(addr.try_into().unwrap())],
        ..leaf("web.example.com")
    };
    let mail = |c: &str| (0x81, c.as_bytes().to_vec());
    let c = constrained(
        90,
        name_constraints(&[mail("example.com"), dns("example.com")], &[]),
        true,
        leaf_mail("a@example.com"),
    );
    assert_eq!(nc_result(&c), Ok(()));
    let c = constrained(
        91,
        name_constraints(&[mail("other.com"), dns("example.com")], &[]),
        true,
        leaf_mail("a@example.com"),
    );
    assert_eq!(
        nc_result(&c),
        Err(violation(&c, "email:a@example.com", false))
    );
    // A URI constraint is not implemented: harmless without URI names, a rejection with one.
    let uri = (0x86, b"example.com".to_vec());
    let c = constrained(
        92,
        name_constraints(std::slice::from_ref(&uri), &[]),
        true,
        leaf("web.example.com"),
    );
    assert_eq!(nc_result(&c), Ok(()));
    let with_uri = Craft {
        other_sans: vec![rcgen::SanType::URI(
            "spiffe://example.com/web".try_into().unwrap(),
        )],
        ..leaf("web.example.com")
    };
    let c = constrained(93, name_constraints(&[uri], &[]), true, with_uri);
    assert!(matches!(
        nc_result(&c),
        Err(VerifyError::NameConstraintsUnsupported { .. })
    ));
    // Not critical: a profile violation; applied anyway when not pedantic.
    let c = constrained(
        94,
        name_constraints(&[dns("other.com")], &[]),
        false,
        leaf("web.example.com"),
    );
    assert_eq!(
        nc_result(&c),
        Err(VerifyError::Profile {
            cert: at(&c, 1),
            rule: ProfileRule::NameConstraintsNotCritical
        })
    );
    let lax = VerifyOptions::for_usage(Usage::ServerAuth).with_pedantic(false);
    assert!(matches!(
        run(&c, T0, &lax),
        Err(VerifyError::NameConstraintViolation { .. })
    ));
    // Two intermediates with one name: the constrained one is abandoned for the other.
    let r = &mut rng(95);
    let (rk, ik) = (PrivateKey::generate(r), PrivateKey::generate(r));
    let root = make(
        &Craft {
            aki: false,
            ..ca("root")
        },
        &rk,
        None,
    );
    let nc = name_constraints(&[dns("other.com")], &[]);
    let constrained_ica = make(
        &Craft {
            extra: vec![ext(&[2, 5, 29, 30], true, nc)],
            ..ca("ica")
        },
        &ik,
        Some(("root", &rk)),
    );
    let free_ica = make(&ca("ica"), &ik, Some(("root", &rk)));
    let leaf_c = make(
        &leaf("web.example.com"),
        &PrivateKey::generate(r),
        Some(("ica", &ik)),
    );
    let bundle = TrustBundle::from_anchors([certcycle::TrustAnchor::new(root).unwrap()]);
    let opts = VerifyOptions::for_usage(Usage::ServerAuth);
    let chain = verify(
        &leaf_c,
        &[constrained_ica.clone(), free_ica.clone()],
        &bundle,
        T0,
        &opts,
    )
    .unwrap();
    assert_eq!(chain.certificates()[1], free_ica);
    assert!(verify(&leaf_c, &[constrained_ica], &bundle, T0, &opts).is_err());
}
