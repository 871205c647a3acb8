//! Live trust with real rustls handshakes on loopback TCP: certcycle's verifier in both
//! directions, trust and identity swapped in the running process, no restart. Each result is
//! a real handshake's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::rotation::AnchorRotation;
use certcycle::testkit::tls::FixedTime;
use certcycle::tls::{CertcycleVerifier, ClientIdentities, IdentityStore, TrustStore};
use certcycle::{
    BudgetKind, Ca, PrivateKey, TrustBundle, VerifyError, VerifyOptions, presets::linkerd,
};
use rustls::CertificateError;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// One workload of a live process: its trust, its identity, its verifier.
struct Live {
    name: &'static str,
    identity_name: String,
    trust: Arc<TrustStore>,
    identity: Arc<IdentityStore>,
    verifier: Arc<CertcycleVerifier>,
}

impl Live {
    fn new(pki: &certcycle::testkit::Hierarchy, name: &'static str) -> Self {
        let w = pki.workload(name);
        let trust = Arc::new(TrustStore::new(pki.bundle()));
        let identity =
            Arc::new(IdentityStore::new(&w.certificate, &w.chain, &w.key, &provider()).unwrap());
        let verifier = Arc::new(CertcycleVerifier::new(trust.clone(), provider()));
        Self {
            name,
            identity_name: w.identity.clone(),
            trust,
            identity,
            verifier,
        }
    }

    fn configs(&self, at: OffsetDateTime) -> (rustls::ServerConfig, rustls::ClientConfig) {
        let server = certcycle::tls::server_config_at(
            self.verifier.clone(),
            self.identity.clone(),
            provider(),
            FixedTime::at(at),
        )
        .unwrap();
        let client = certcycle::tls::client_config_at(
            self.verifier.clone(),
            self.identity.clone(),
            provider(),
            FixedTime::at(at),
        )
        .unwrap();
        certcycle::tls::without_resumption(server, client)
    }
}

fn rustls_error(e: &std::io::Error) -> Option<rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned()
}

/// A full mTLS handshake over loopback TCP, then one byte each way. The error is the
/// client's, else the server's.
fn handshake(
    client: rustls::ClientConfig,
    server: rustls::ServerConfig,
    sni: &str,
) -> Result<(), rustls::Error> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Arc::new(server);
    let server_thread = std::thread::spawn(move || -> Result<(), rustls::Error> {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let conn = rustls::ServerConnection::new(server).unwrap();
        let mut s = rustls::StreamOwned::new(conn, tcp);
        let mut b = [0u8; 1];
        let r = s.read_exact(&mut b).and_then(|()| s.write_all(b"y"));
        let _ = s.flush();
        r.map_err(|e| rustls_error(&e).unwrap_or(rustls::Error::General(e.to_string())))
    });
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let name = ServerName::try_from(sni.to_owned()).unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(client), name).unwrap();
    let mut c = rustls::StreamOwned::new(conn, tcp);
    let mut b = [0u8; 1];
    let client_result = c
        .write_all(b"x")
        .and_then(|()| c.flush())
        .and_then(|()| c.read_exact(&mut b))
        .map_err(|e| rustls_error(&e).unwrap_or(rustls::Error::General(e.to_string())));
    drop(c);
    let server_result = server_thread.join().unwrap();
    match (client_result, server_result) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e @ rustls::Error::InvalidCertificate(_)), _) => Err(e),
        (_, Err(e @ rustls::Error::InvalidCertificate(_))) => Err(e),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

fn every_pair(lives: &[Live], at: OffsetDateTime) -> Vec<String> {
    let mut failures = Vec::new();
    for c in lives {
        for s in lives {
            if c.name == s.name {
                continue;
            }
            let (_, client) = c.configs(at);
            let (server, _) = s.configs(at);
            if let Err(e) = handshake(client, server, &s.identity_name) {
                failures.push(format!("{} -> {}: {e}", c.name, s.name));
            }
        }
    }
    failures
}

#[test]
fn an_anchor_rotation_with_live_stores_keeps_every_pair_talking() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api", "db"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let lives: Vec<Live> = ["web", "api", "db"]
        .into_iter()
        .map(|n| Live::new(&pki, n))
        .collect();
    assert_eq!(every_pair(&lives, at), Vec::<String>::new());

    // 1. Stage the new anchor: every store gets {old, new}; the stores report it.
    let r = &mut support::rng(1500);
    let new_anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), at, r).unwrap();
    let staged = AnchorRotation::stage(&pki.bundle(), new_anchor.trust_anchor()).unwrap();
    let not_yet = certcycle::tls::loaded_bundles(lives.iter().map(|l| (l.name, &*l.trust)));
    let staged = staged
        .confirm_bundle_rollout(not_yet.iter().map(|(n, b)| (n.as_str(), b)))
        .unwrap_err()
        .into_state();
    for l in &lives {
        l.trust.replace(staged.bundle().clone());
    }
    assert_eq!(every_pair(&lives, at), Vec::<String>::new());
    let loaded = certcycle::tls::loaded_bundles(lives.iter().map(|l| (l.name, &*l.trust)));
    let distributed = staged
        .confirm_bundle_rollout(loaded.iter().map(|(n, b)| (n.as_str(), b)))
        .unwrap();

    // 2. Re-sign the issuer under the new anchor; refresh the leaves one at a time, every
    // pair talking after each refresh.
    let resigned = distributed
        .resign_issuer(
            &new_anchor,
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            at,
            r,
        )
        .unwrap();
    let mut leaves = Vec::new();
    for l in &lives {
        let key = PrivateKey::generate(r);
        let leaf = resigned
            .issuer()
            .issue(
                &linkerd::workload(&l.identity_name),
                key.public_key(),
                at,
                r,
            )
            .unwrap()
            .certificate;
        let chain = vec![resigned.issuer().certificate().clone()];
        l.identity
            .replace(&leaf, &chain, &key, &provider())
            .unwrap();
        assert_eq!(
            every_pair(&lives, at),
            Vec::<String>::new(),
            "after {}",
            l.name
        );
        leaves.push((l.name, leaf, chain));
    }

    // 3. Every live leaf chains to the new anchor: drop the old one, in every store.
    let live: Vec<_> = leaves
        .iter()
        .map(|(n, leaf, chain)| (*n, leaf, chain.as_slice()))
        .collect();
    let rotated = resigned
        .confirm_leaf_rollout(live, at)
        .unwrap()
        .drop_old_anchor();
    for l in &lives {
        assert!(l.trust.replace(rotated.bundle.clone()) >= 3);
    }
    assert_eq!(every_pair(&lives, at), Vec::<String>::new());
}

#[test]
fn a_dropped_anchor_refuses_its_leaves_on_the_next_handshake() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let web = Live::new(&pki, "web");
    let api = Live::new(&pki, "api");
    assert_eq!(every_pair(&[web, api], at).len(), 0);
    let web = Live::new(&pki, "web");
    let api = Live::new(&pki, "api");
    // web drops the anchor api's leaf chains to (say, after a rotation api missed). The new
    // anchor has the same name, so the issuer's signature is checked against it and fails:
    // BadSignature, as rustls-webpki answers.
    let r = &mut support::rng(1501);
    let other = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), at, r).unwrap();
    web.trust
        .replace(TrustBundle::from_anchors([other.trust_anchor()]));
    let (server, _) = web.configs(at);
    let (_, client) = api.configs(at);
    assert_eq!(
        handshake(client, server, &web.identity_name),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::BadSignature
        ))
    );
}

#[test]
fn names_usage_and_expiry_refusals_give_the_rustls_errors_a_peer_expects() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let web = Live::new(&pki, "web");
    let api = Live::new(&pki, "api");
    // The client expects another identity than the server presents.
    let (server, _) = web.configs(at);
    let (_, client) = api.configs(at);
    match handshake(client, server, &api.identity_name) {
        Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected,
            presented,
        })) => {
            assert_eq!(expected.to_str(), api.identity_name);
            assert_eq!(presented, vec![web.identity_name.clone()]);
        }
        other => panic!("{other:?}"),
    }
    // Expired: both sides' clocks a day and a half later.
    let late = pki.at + Duration::hours(36);
    let (server, _) = web.configs(late);
    let (_, client) = api.configs(late);
    assert!(matches!(
        handshake(client, server, &web.identity_name),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ExpiredContext { .. }
        ))
    ));
    // Usage: a client-only leaf presented as a server.
    let client_only = certcycle::testkit::scenario::client_only_leaf().unwrap();
    let w = &client_only.workload;
    let trust = Arc::new(TrustStore::new(client_only.bundle.clone()));
    let identity =
        Arc::new(IdentityStore::new(&w.certificate, &w.chain, &w.key, &provider()).unwrap());
    let verifier = Arc::new(CertcycleVerifier::new(trust, provider()));
    let clock = FixedTime::at(client_only.at);
    let server = certcycle::tls::server_config_at(
        verifier.clone(),
        identity.clone(),
        provider(),
        clock.clone(),
    )
    .unwrap();
    let client = certcycle::tls::client_config_at(verifier, identity, provider(), clock).unwrap();
    match handshake(client, server, &w.identity) {
        Err(rustls::Error::InvalidCertificate(CertificateError::InvalidPurposeContext {
            required,
            presented,
        })) => {
            assert_eq!(required, rustls::ExtendedKeyPurpose::ServerAuth);
            assert_eq!(presented, vec![rustls::ExtendedKeyPurpose::ClientAuth]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_identities_can_be_restricted() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api", "db"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let web = Live::new(&pki, "web");
    let only_api = Arc::new(
        CertcycleVerifier::new(web.trust.clone(), provider()).with_client_identities(
            ClientIdentities::AllowList(vec![pki.workload("api").identity.clone()]),
        ),
    );
    let server = |v: &Arc<CertcycleVerifier>| {
        certcycle::tls::without_resumption(
            certcycle::tls::server_config_at(
                v.clone(),
                web.identity.clone(),
                provider(),
                FixedTime::at(at),
            )
            .unwrap(),
            web.configs(at).1,
        )
        .0
    };
    let api = Live::new(&pki, "api");
    let db = Live::new(&pki, "db");
    assert_eq!(
        handshake(api.configs(at).1, server(&only_api), &web.identity_name),
        Ok(())
    );
    assert_eq!(
        handshake(db.configs(at).1, server(&only_api), &web.identity_name),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure
        ))
    );
}

#[test]
fn a_swapped_leaf_is_served_on_the_next_handshake() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let web = Live::new(&pki, "web");
    let r = &mut support::rng(1502);
    let key = PrivateKey::generate(r);
    let fresh = pki
        .issuer
        .issue(
            &linkerd::workload(&web.identity_name),
            key.public_key(),
            at,
            r,
        )
        .unwrap()
        .certificate;
    web.identity
        .replace(
            &fresh,
            &[pki.issuer.certificate().clone()],
            &key,
            &provider(),
        )
        .unwrap();
    // Resolve as rustls does for the next handshake.
    use rustls::client::ResolvesClientCert;
    let served = ResolvesClientCert::resolve(
        &*web.identity,
        &[],
        &[rustls::SignatureScheme::ECDSA_NISTP256_SHA256],
    )
    .unwrap();
    assert_eq!(served.cert[0].as_ref(), fresh.der());
    let api = Live::new(&pki, "api");
    assert_eq!(every_pair(&[web, api], at), Vec::<String>::new());
}

/// An in-memory handshake (no sockets), for many iterations.
fn in_memory(
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
    sni: &str,
) -> Result<(), rustls::Error> {
    let mut c =
        rustls::ClientConnection::new(client, ServerName::try_from(sni.to_owned()).unwrap())?;
    let mut s = rustls::ServerConnection::new(server)?;
    for _ in 0..20 {
        let mut buf = Vec::new();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            s.read_tls(&mut rd).unwrap();
            s.process_new_packets()?;
        }
        let mut buf = Vec::new();
        while s.wants_write() {
            s.write_tls(&mut buf).unwrap();
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            c.read_tls(&mut rd).unwrap();
            c.process_new_packets()?;
        }
        if !c.is_handshaking() && !s.is_handshaking() {
            return Ok(());
        }
    }
    Err(rustls::Error::General("handshake did not finish".into()))
}

#[test]
fn concurrent_handshakes_during_replace_never_fail_spuriously() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let web = Arc::new(Live::new(&pki, "web"));
    let api = Live::new(&pki, "api");
    let r = &mut support::rng(1503);
    // Two bundles that both hold the live anchor: swapping between them must never fail a
    // handshake, whatever the interleaving.
    let extra = |r: &mut _| {
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), at, r)
            .unwrap()
            .trust_anchor()
    };
    let a = pki.bundle().with(extra(r));
    let b = pki.bundle().with(extra(r));
    let (server, _) = web.configs(at);
    let (_, client) = api.configs(at);
    let (server, client) = (Arc::new(server), Arc::new(client));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let web = web.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                web.trust.replace(if n.is_multiple_of(2) {
                    a.clone()
                } else {
                    b.clone()
                });
                n += 1;
            }
            n
        })
    };
    let failures = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (server, client, failures) = (server.clone(), client.clone(), failures.clone());
            let sni = web.identity_name.clone();
            std::thread::spawn(move || {
                for _ in 0..30 {
                    if let Err(e) = in_memory(client.clone(), server.clone(), &sni) {
                        failures.lock().unwrap().push(e.to_string());
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 2, "only {swaps} swaps");
    assert_eq!(*failures.lock().unwrap(), Vec::<String>::new());
}

#[test]
fn hostile_client_chains_are_refused_within_the_per_handshake_budget() {
    // The cache-DoS fan-out and the name-constraint fan-out, presented as client chains to a
    // server whose trust store holds their (unrelated) anchors: refused by the budget, the
    // exact VerifyError reaching the error hook.
    for (shape, kind) in [
        (support::craft::fan_out(8, 8), BudgetKind::SignatureChecks),
        (
            support::craft::nc_fan_out(500, 300, 8),
            BudgetKind::NameConstraintComparisons,
        ),
    ] {
        let (leaf, inters, bundle) = shape;
        let pki = certcycle::testkit::hierarchy()
            .leaves(["web"])
            .build()
            .unwrap();
        let at = support::T0;
        let trust = Arc::new(TrustStore::new(bundle));
        let seen: Arc<Mutex<Vec<VerifyError>>> = Arc::default();
        let hook_seen = seen.clone();
        let verifier = Arc::new(
            CertcycleVerifier::new(trust, provider())
                .with_options(VerifyOptions::default())
                .on_error(Arc::new(move |e: &VerifyError| {
                    hook_seen.lock().unwrap().push(e.clone())
                })),
        );
        let web = pki.workload("web");
        let server_identity = Arc::new(
            IdentityStore::new(&web.certificate, &web.chain, &web.key, &provider()).unwrap(),
        );
        let server = certcycle::tls::server_config_at(
            verifier,
            server_identity,
            provider(),
            FixedTime::at(at),
        )
        .unwrap();
        // The attacker's client: the hostile chain with a key of its own (rustls does not
        // check that it matches), trusting anything (its own verifier accepts the server).
        let chain: Vec<_> = std::iter::once(&leaf)
            .chain(&inters)
            .map(rustls::pki_types::CertificateDer::from)
            .collect();
        let key = PrivateKey::generate(&mut support::rng(1504));
        let signing = provider()
            .key_provider
            .load_private_key((&key).into())
            .unwrap();
        let certified = Arc::new(rustls::sign::CertifiedKey::new(chain, signing));
        #[derive(Debug)]
        struct Fixed(Arc<rustls::sign::CertifiedKey>);
        impl rustls::client::ResolvesClientCert for Fixed {
            fn resolve(
                &self,
                _: &[&[u8]],
                _: &[rustls::SignatureScheme],
            ) -> Option<Arc<rustls::sign::CertifiedKey>> {
                Some(self.0.clone())
            }
            fn has_certs(&self) -> bool {
                true
            }
        }
        let client_trust = Arc::new(TrustStore::new(pki.bundle()));
        let client = rustls::ClientConfig::builder_with_details(provider(), FixedTime::at(at))
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(CertcycleVerifier::new(
                client_trust,
                provider(),
            )))
            .with_client_cert_resolver(Arc::new(Fixed(certified)));
        let result = in_memory(Arc::new(client), Arc::new(server), &web.identity);
        assert!(result.is_err(), "a hostile chain was accepted");
        let seen = seen.lock().unwrap();
        assert!(
            matches!(seen.as_slice(), [VerifyError::BudgetExhausted { kind: k, .. }] if *k == kind),
            "{seen:?}"
        );
    }
}

/// certcycle's rustls verifier and rustls's own webpki verifier, given the same chain and
/// anchors, answer with the same `CertificateError`: users match on these in alerts and tests.
#[test]
fn signature_failures_give_the_error_rustls_webpki_gives() {
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{CertificateDer, UnixTime};
    let scenarios = [
        // The issuer is signed by another anchor of the same name: a bad signature at depth 1.
        (
            "foreign_anchor",
            certcycle::testkit::scenario::foreign_anchor().unwrap(),
        ),
        // An issuer past its notAfter.
        (
            "expired_issuer",
            certcycle::testkit::scenario::expired_issuer().unwrap(),
        ),
    ];
    for (name, s) in scenarios {
        let leaf = CertificateDer::from(s.workload.certificate.der().to_vec());
        let chain: Vec<CertificateDer<'static>> = s
            .workload
            .chain
            .iter()
            .map(|c| CertificateDer::from(c.der().to_vec()))
            .collect();
        let server = ServerName::try_from(s.workload.identity.clone()).unwrap();
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(s.at.unix_timestamp()).unwrap(),
        ));
        let mut roots = rustls::RootCertStore::empty();
        for a in s.bundle.certificates() {
            roots.add(CertificateDer::from(a.der().to_vec())).unwrap();
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        let theirs = webpki
            .verify_server_cert(&leaf, &chain, &server, &[], now)
            .map(|_| ());
        let ours = CertcycleVerifier::new(Arc::new(TrustStore::new(s.bundle.clone())), provider())
            .verify_server_cert(&leaf, &chain, &server, &[], now)
            .map(|_| ());
        assert!(theirs.is_err(), "{name}: webpki accepted it");
        // Context variants carry times; compare the kind.
        let kind = |r: &Result<(), rustls::Error>| match r {
            Err(rustls::Error::InvalidCertificate(e)) => format!("{e:?}")
                .split(['(', ' ', '{'])
                .next()
                .unwrap_or_default()
                .to_owned(),
            other => format!("{other:?}"),
        };
        assert_eq!(kind(&ours), kind(&theirs), "{name}");
    }
    // The case this is about, by name.
    let s = certcycle::testkit::scenario::foreign_anchor().unwrap();
    let leaf = CertificateDer::from(s.workload.certificate.der().to_vec());
    let chain: Vec<_> = s
        .workload
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let ours = CertcycleVerifier::new(Arc::new(TrustStore::new(s.bundle.clone())), provider())
        .verify_server_cert(
            &leaf,
            &chain,
            &ServerName::try_from(s.workload.identity.clone()).unwrap(),
            &[],
            UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                u64::try_from(s.at.unix_timestamp()).unwrap(),
            )),
        );
    assert_eq!(
        ours.map(|_| ()),
        Err(rustls::Error::InvalidCertificate(
            CertificateError::BadSignature
        ))
    );
}

/// A new leaf for `l` under `issuer`.
fn reissue(l: &Live, issuer: &Ca, at: OffsetDateTime, r: &mut impl rand_core::CryptoRngCore) {
    let key = PrivateKey::generate(r);
    let leaf = issuer
        .issue(
            &linkerd::workload(&l.identity_name),
            key.public_key(),
            at,
            r,
        )
        .unwrap()
        .certificate;
    l.identity
        .replace(&leaf, &[issuer.certificate().clone()], &key, &provider())
        .unwrap();
}

/// SPIRE's discipline on live stores, paced by a `rotation::Schedule` (DESIGN §17): prepare,
/// activate, taint, revoke, with real handshakes between three processes after every step;
/// and each wrong order refused by the store, or, forced past it, failing exactly where the
/// refusal said.
#[test]
fn live_prepare_activate_taint_revoke_follow_the_schedule() {
    use certcycle::rotation::{Lifetimes, Propagation, Schedule};
    use certcycle::tls::{LivePhase, LiveRotationError};
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api", "db"])
        .build()
        .unwrap();
    let t0 = pki.at + Duration::hours(1);
    let lives: Vec<Live> = ["web", "api", "db"]
        .into_iter()
        .map(|n| Live::new(&pki, n))
        .collect();
    // The fleet's processes pick a new bundle within 10 minutes of each other.
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::days(365)),
        Propagation::Rollout(Duration::minutes(10)),
    )
    .unwrap();
    let r = &mut support::rng(2200);
    let new_anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), t0, r).unwrap();
    let new_issuer = new_anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), t0, r)
        .unwrap()
        .ca;

    // Prepare on web and api only; web signing under the new anchor now would fail exactly
    // where db verifies web (db has not prepared; in mutual TLS, both connections between
    // the two): the wrong order, forced.
    for l in &lives[..2] {
        l.trust.prepare(new_anchor.trust_anchor(), t0).unwrap();
        assert_eq!(l.trust.live_phase(), LivePhase::Prepared);
    }
    assert_eq!(every_pair(&lives, t0), Vec::<String>::new());
    let (web_leaf, web_chain, web_key) = {
        let w = pki.workload("web");
        (w.certificate.clone(), w.chain.clone(), w.key.clone_key())
    };
    reissue(&lives[0], &new_issuer, t0, r);
    let broken = every_pair(&lives, t0);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(
        broken
            .iter()
            .all(|b| b.starts_with("db -> web:") || b.starts_with("web -> db:")),
        "{broken:?}"
    );
    lives[0]
        .identity
        .replace(&web_leaf, &web_chain, &web_key, &provider())
        .unwrap();
    lives[2]
        .trust
        .prepare(new_anchor.trust_anchor(), t0)
        .unwrap();
    assert_eq!(every_pair(&lives, t0), Vec::<String>::new());

    // Activate: refused inside the propagation window, then taken.
    let early = lives[0]
        .trust
        .activate(&schedule, t0 + Duration::minutes(1));
    assert!(
        matches!(early, Err(LiveRotationError::NotPropagated { .. })),
        "{early:?}"
    );
    let t1 = t0 + schedule.propagation();
    for l in &lives {
        l.trust.activate(&schedule, t1).unwrap();
        assert_eq!(
            l.trust.signing_anchor().as_ref(),
            Some(new_anchor.certificate())
        );
    }
    // New identities under the new anchor, one process at a time, every pair talking.
    for l in &lives[..2] {
        reissue(l, &new_issuer, t1, r);
        assert_eq!(
            every_pair(&lives, t1),
            Vec::<String>::new(),
            "after {}",
            l.name
        );
    }
    // Revoke: refused inside the drain window without a taint.
    let early = lives[0]
        .trust
        .revoke(&schedule, t1 + Duration::hours(1), &[]);
    assert!(
        matches!(early, Err(LiveRotationError::NotDrained { .. })),
        "{early:?}"
    );
    // Taint: revoke no longer waits for the drain, but for the identities: db is still under
    // the old anchor, and the refusal names it.
    let identities: Vec<&IdentityStore> = lives.iter().map(|l| &*l.identity).collect();
    for l in &lives {
        l.trust.taint().unwrap();
        assert_eq!(l.trust.live_phase(), LivePhase::Tainted);
    }
    assert!(!lives[0].trust.under_new_anchor(&lives[2].identity, t1));
    let refused = lives[0].trust.revoke(&schedule, t1, &identities);
    match &refused {
        Err(LiveRotationError::OldAnchorStillNeeded { identities }) => {
            assert_eq!(identities.len(), 1, "{identities:?}");
        }
        other => panic!("{other:?}"),
    }
    // Forced past the refusal (the old anchor dropped from api's store by hand): api refuses
    // db, as predicted, and nothing else breaks.
    let only_new = TrustBundle::from_anchors([new_anchor.trust_anchor()]);
    let api_before = lives[1].trust.current().bundle().clone();
    lives[1].trust.replace(only_new);
    let broken = every_pair(&lives, t1);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(
        broken
            .iter()
            .all(|b| b.starts_with("api -> db:") || b.starts_with("db -> api:")),
        "{broken:?}"
    );
    lives[1].trust.replace(api_before);
    // db re-issued: revoke everywhere, every pair talking, one anchor left.
    reissue(&lives[2], &new_issuer, t1, r);
    for l in &lives {
        l.trust.revoke(&schedule, t1, &identities).unwrap();
        assert_eq!(l.trust.live_phase(), LivePhase::Steady);
        assert_eq!(l.trust.current().bundle().len(), 1);
    }
    assert_eq!(every_pair(&lives, t1), Vec::<String>::new());
}

/// Issue 34, item 4: a replace that drops the staged anchor, then activate, taint and revoke.
/// Revoke published an empty bundle (every handshake failing, between peers it had just
/// checked); it now refuses, and the store keeps verifying what it verified.
#[test]
fn revoke_never_publishes_a_bundle_without_the_new_anchor() {
    use certcycle::rotation::{Lifetimes, Propagation, Schedule};
    use certcycle::tls::{LivePhase, LiveRotationError};
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let t0 = pki.at + Duration::hours(1);
    let lives: Vec<Live> = ["web", "api"]
        .into_iter()
        .map(|n| Live::new(&pki, n))
        .collect();
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::days(365)),
        Propagation::Rollout(Duration::minutes(10)),
    )
    .unwrap();
    let r = &mut support::rng(3400);
    let new_anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), t0, r).unwrap();
    let new_issuer = new_anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), t0, r)
        .unwrap()
        .ca;
    let web = &lives[0];
    web.trust.prepare(new_anchor.trust_anchor(), t0).unwrap();
    let t1 = t0 + schedule.propagation();
    web.trust.activate(&schedule, t1).unwrap();
    // The operator's reload drops the new anchor.
    web.trust.replace(pki.bundle());
    web.trust.taint().unwrap();
    let api_new = Live::new(&pki, "api");
    reissue(&api_new, &new_issuer, t1, r);
    let refused = web.trust.revoke(&schedule, t1, &[&api_new.identity]);
    assert!(
        matches!(refused, Err(LiveRotationError::NewAnchorNotTrusted(_))),
        "{refused:?}"
    );
    assert_eq!(web.trust.live_phase(), LivePhase::Tainted);
    assert_eq!(
        web.trust.current().bundle().len(),
        1,
        "nothing was published"
    );
    assert_eq!(every_pair(&lives, t1), Vec::<String>::new());

    // Activating after such a reload is refused too.
    let other = Live::new(&pki, "web");
    other.trust.prepare(new_anchor.trust_anchor(), t0).unwrap();
    other.trust.replace(pki.bundle());
    let early = other.trust.activate(&schedule, t1);
    assert!(
        matches!(early, Err(LiveRotationError::NewAnchorNotTrusted(_))),
        "{early:?}"
    );
}

/// Issue 34, item 5: prepare racing the operator's replace that removes a compromised anchor.
/// Prepare used to read the bundle, then publish later outside the writer lock, bringing the
/// removed anchor back. Two threads, a barrier, many trials; after each, the compromised
/// anchor is gone, and real handshakes show it: a leaf under it is refused, one under the
/// kept anchor is not.
#[test]
fn a_replace_racing_prepare_is_never_lost() {
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + Duration::hours(1);
    let r = &mut support::rng(3500);
    let compromised =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), at, r).unwrap();
    let compromised_issuer = compromised
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), at, r)
        .unwrap()
        .ca;
    let kept = pki.bundle();
    let with_compromised =
        TrustBundle::from_anchors(kept.anchors().cloned().chain([compromised.trust_anchor()]));
    let api = Live::new(&pki, "api");
    let intruder = Live::new(&pki, "api");
    reissue(&intruder, &compromised_issuer, at, r);
    let mut raced = 0;
    for trial in 0..200u64 {
        // A fresh process each trial, trusting the compromised anchor too.
        let web = Live::new(&pki, "web");
        web.trust.replace(with_compromised.clone());
        let new = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut support::rng(10_000 + trial)),
            at,
            &mut support::rng(20_000 + trial),
        )
        .unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (trust, b) = (web.trust.clone(), barrier.clone());
        let anchor = new.trust_anchor();
        let preparer = std::thread::spawn(move || {
            b.wait();
            trust.prepare(anchor, at)
        });
        barrier.wait();
        web.trust.replace(kept.clone());
        let prepared = preparer.join().unwrap();
        let bundle = web.trust.current().bundle().clone();
        assert!(
            !bundle.contains(compromised.certificate()),
            "trial {trial}: the removed anchor came back ({prepared:?})"
        );
        if bundle.contains(new.certificate()) {
            raced += 1; // the prepare came after the replace
        }
        if trial % 50 == 0 {
            let (server, _) = web.configs(at);
            let (_, client) = intruder.configs(at);
            assert!(
                handshake(client, server, &web.identity_name).is_err(),
                "trial {trial}: a leaf under the removed anchor was accepted"
            );
            let (server, _) = web.configs(at);
            let (_, client) = api.configs(at);
            assert_eq!(handshake(client, server, &web.identity_name), Ok(()));
        }
    }
    // Both orders happened (the test exercises the race, not one order).
    assert!(
        raced > 0 && raced < 200,
        "prepare after replace in {raced} of 200 trials"
    );
}
