//! A downstream project's test, written against the public API only, as an outside crate
//! would: stand up an mTLS pair on loopback with the testkit's rustls configs, rotate the trust
//! anchor with the typed procedure, and keep talking at every stage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::rotation::AnchorRotation;
use certcycle::testkit::{self, Workload, tls};
use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
use rand_core::SeedableRng;
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use time::OffsetDateTime;

/// One request/response over mutual TLS: `client` (trusting `client_bundle`) calls `server`
/// (trusting `server_bundle`). Returns the server's reply, or `None` if the handshake failed.
fn call(
    client: &Workload,
    client_bundle: &TrustBundle,
    server: &Workload,
    server_bundle: &TrustBundle,
    at: OffsetDateTime,
) -> Option<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = tls::server_config(server, server_bundle, provider.clone(), at).unwrap();
    let client_config = tls::client_config(client, client_bundle, provider, at).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut conn = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut req = [0u8; 4];
        if tls.read_exact(&mut req).is_ok() && &req == b"ping" {
            let _ = tls.write_all(b"pong").and_then(|()| tls.flush());
        }
    });
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let name = ServerName::try_from(server.identity.clone()).unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let mut reply = vec![0u8; 4];
    let ok =
        tls.write_all(b"ping").is_ok() && tls.flush().is_ok() && tls.read_exact(&mut reply).is_ok();
    let _ = tcp.shutdown(std::net::Shutdown::Both);
    handle.join().unwrap();
    ok.then_some(reply)
}

#[test]
fn an_mtls_pair_keeps_talking_through_an_anchor_rotation() {
    // Three lines: a hierarchy, and the pair's credentials.
    let pki = testkit::hierarchy().leaves(["web", "api"]).build().unwrap();
    let (web, api) = (pki.workload("web"), pki.workload("api"));
    let at = pki.at + time::Duration::minutes(5);
    let bundle = pki.bundle();
    assert_eq!(
        call(api, &bundle, web, &bundle, at).as_deref(),
        Some(&b"pong"[..])
    );

    // Rotation, step 1: a new anchor beside the old one; both sides load {new, old}.
    let rng = &mut rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let new_anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), at, rng).unwrap();
    let staged = AnchorRotation::stage(&bundle, new_anchor.trust_anchor()).unwrap();
    let both = staged.bundle().clone();
    assert_eq!(
        call(api, &both, web, &both, at).as_deref(),
        Some(&b"pong"[..])
    );

    // Step 4: the issuer is re-signed by the new anchor; web restarts first with a new leaf,
    // api still presents its old one. Both trust both anchors: they keep talking.
    let distributed = staged
        .confirm_bundle_rollout([("web", &both), ("api", &both)])
        .unwrap();
    let resigned = distributed
        .resign_issuer(
            &new_anchor,
            &linkerd::identity_issuer(),
            PrivateKey::generate(rng),
            at,
            rng,
        )
        .unwrap();
    // Leaves from the re-signed issuer, built through the public issuing API.
    let reissue = |w: &Workload| {
        let key = PrivateKey::generate(&mut rand_core::OsRng);
        let cert = resigned
            .issuer()
            .issue(
                &linkerd::workload(&w.identity),
                key.public_key(),
                at,
                &mut rand_core::OsRng,
            )
            .unwrap()
            .certificate;
        Workload::new(
            w.name.clone(),
            w.identity.clone(),
            cert,
            key,
            vec![resigned.issuer().certificate().clone()],
        )
    };
    let web2 = reissue(web);
    assert_eq!(
        call(api, &both, &web2, &both, at).as_deref(),
        Some(&b"pong"[..])
    );
    assert_eq!(
        call(&web2, &both, api, &both, at).as_deref(),
        Some(&b"pong"[..])
    );
    // A peer that never loaded the new bundle would refuse web's new leaf: the break the
    // seven steps avoid.
    assert_eq!(call(api, &bundle, &web2, &bundle, at), None);

    // Steps 5–7: api restarts too; the old anchor is dropped; they keep talking.
    let api2 = reissue(api);
    let live = [
        ("web", &web2.certificate, web2.chain.as_slice()),
        ("api", &api2.certificate, api2.chain.as_slice()),
    ];
    let rotated = resigned
        .confirm_leaf_rollout(live, at)
        .unwrap()
        .drop_old_anchor();
    assert_eq!(rotated.bundle.len(), 1);
    assert_eq!(
        call(&api2, &rotated.bundle, &web2, &rotated.bundle, at).as_deref(),
        Some(&b"pong"[..])
    );
}
