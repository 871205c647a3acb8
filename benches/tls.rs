//! A full mutual TLS 1.3 handshake in memory, certcycle's verifier against rustls' own.
//!
//! `cargo bench --bench tls` — group `tls`: `handshake_certcycle` (certcycle's
//! `CertcycleVerifier` on both sides, live stores, resumption off) beside `handshake_webpki`
//! (rustls' `WebPkiServerVerifier` / `WebPkiClientVerifier`), same ring provider, same
//! certificates, same clock. Report `handshake_certcycle / handshake_webpki`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::testkit::tls::FixedTime;
use criterion::{Criterion, criterion_group, criterion_main};
use rustls::pki_types::{CertificateDer, ServerName};
use std::sync::Arc;

fn handshake(
    client: &Arc<rustls::ClientConfig>,
    server: &Arc<rustls::ServerConfig>,
    sni: &ServerName<'static>,
) {
    let mut c = rustls::ClientConnection::new(client.clone(), sni.clone()).unwrap();
    let mut s = rustls::ServerConnection::new(server.clone()).unwrap();
    let mut buf = Vec::with_capacity(4096);
    while c.is_handshaking() || s.is_handshaking() {
        buf.clear();
        while c.wants_write() {
            c.write_tls(&mut buf).unwrap();
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            s.read_tls(&mut rd).unwrap();
            s.process_new_packets().unwrap();
        }
        buf.clear();
        while s.wants_write() {
            s.write_tls(&mut buf).unwrap();
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            c.read_tls(&mut rd).unwrap();
            c.process_new_packets().unwrap();
        }
    }
}

fn bench(c: &mut Criterion) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let pki = certcycle::testkit::hierarchy()
        .leaves(["web", "api"])
        .build()
        .unwrap();
    let at = pki.at + time::Duration::hours(1);
    let (web, api) = (pki.workload("web"), pki.workload("api"));
    let sni = ServerName::try_from(web.identity.clone()).unwrap();

    // certcycle's verifier on both sides.
    let server =
        certcycle::testkit::tls::server_config(web, &pki.bundle(), provider.clone(), at).unwrap();
    let client =
        certcycle::testkit::tls::client_config(api, &pki.bundle(), provider.clone(), at).unwrap();
    let (server, client) = certcycle::tls::without_resumption(server, client);
    let (cc_server, cc_client) = (Arc::new(server), Arc::new(client));

    // rustls' own verifiers, same certificates.
    let roots = Arc::new(certcycle::tls::root_cert_store(&pki.bundle()).unwrap());
    let chain = |w: &certcycle::testkit::Workload| -> Vec<CertificateDer<'static>> {
        std::iter::once(&w.certificate)
            .chain(&w.chain)
            .map(CertificateDer::from)
            .collect()
    };
    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        roots.clone(),
        provider.clone(),
    )
    .build()
    .unwrap();
    let server = rustls::ServerConfig::builder_with_details(provider.clone(), FixedTime::at(at))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(chain(web), (&web.key).into())
        .unwrap();
    let client = rustls::ClientConfig::builder_with_details(provider, FixedTime::at(at))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain(api), (&api.key).into())
        .unwrap();
    let (server, client) = certcycle::tls::without_resumption(server, client);
    let (wp_server, wp_client) = (Arc::new(server), Arc::new(client));

    handshake(&cc_client, &cc_server, &sni);
    handshake(&wp_client, &wp_server, &sni);

    let mut g = c.benchmark_group("tls");
    g.bench_function("handshake_certcycle", |b| {
        b.iter(|| handshake(&cc_client, &cc_server, &sni))
    });
    g.bench_function("handshake_webpki", |b| {
        b.iter(|| handshake(&wp_client, &wp_server, &sni))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
