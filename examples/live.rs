//! `cargo run --example live` — live trust in one process (DESIGN §8, §12).
//!
//! Three workloads (`web`, `api`, `db`), each a real TLS server on a loopback port with its own
//! trust store and identity store, and each a client of the others. The anchor is rotated
//! through the typed steps — stage the new anchor, re-sign the issuer, refresh every leaf, drop
//! the old anchor — by swapping stores, restarting nothing. After every step each workload opens
//! a new connection to each other one and prints `handshake <client> -> <server>: ok|<error>`;
//! a connection opened before the rotation keeps echoing through it.
//!
//! Then the same with the issuer re-signed before the two-anchor bundle reached `db`'s store:
//! `db` refuses the new leaves, and the example says why.
//!
//! Exit 0 only if every handshake of the rotation succeeded and the wrong order failed where
//! predicted; 1 otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;

use certcycle::rotation::AnchorRotation;
use certcycle::tls::{CertcycleVerifier, IdentityStore, TrustStore};
use certcycle::{Ca, Certificate, PrivateKey, TrustBundle, presets::linkerd};
use clap::Parser;
use common::Fail;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const NAMES: [&str; 3] = ["web", "api", "db"];

struct Workload {
    name: &'static str,
    identity: String,
    trust: Arc<TrustStore>,
    ids: Arc<IdentityStore>,
    client: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
}

/// Starts `name`'s TLS server (an echo of one line per connection, threads, no restart ever)
/// and builds its client config; both read the live stores at every handshake.
fn start(
    name: &'static str,
    bundle: &TrustBundle,
    issuer: &Ca,
    provider: &Arc<CryptoProvider>,
    stop: &Arc<AtomicBool>,
) -> Result<Workload, Fail> {
    let now = time::OffsetDateTime::now_utc();
    let identity = linkerd::workload_identity(name, "default");
    let key = PrivateKey::generate_os();
    let leaf = issuer
        .issue(
            &linkerd::workload(&identity),
            key.public_key(),
            now,
            &mut rand_core::OsRng,
        )?
        .certificate;
    let trust = Arc::new(TrustStore::new(bundle.clone()));
    let ids = Arc::new(IdentityStore::new(
        &leaf,
        &[issuer.certificate().clone()],
        &key,
        provider,
    )?);
    let verifier = Arc::new(CertcycleVerifier::new(trust.clone(), provider.clone()));
    let (server, client) = certcycle::tls::without_resumption(
        certcycle::tls::server_config(verifier.clone(), ids.clone(), provider.clone())?,
        certcycle::tls::client_config(verifier, ids.clone(), provider.clone())?,
    );
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let stop = stop.clone();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((tcp, _)) => {
                    let server = server.clone();
                    std::thread::spawn(move || serve(tcp, server));
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
    });
    Ok(Workload {
        name,
        identity,
        trust,
        ids,
        client: Arc::new(client),
        addr,
    })
}

/// Echoes lines until the peer closes (handshake errors end the connection).
fn serve(tcp: TcpStream, config: Arc<rustls::ServerConfig>) {
    let _ = tcp.set_nonblocking(false);
    let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut stream = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    let mut line = String::new();
    while stream.read_line(&mut line).is_ok_and(|n| n > 0) {
        if stream.get_mut().write_all(line.as_bytes()).is_err() {
            return;
        }
        let _ = stream.get_mut().flush();
        line.clear();
    }
}

/// A client connection: handshake, then one echoed line.
struct Conn(BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>);

impl Conn {
    fn open(client: &Workload, server: &Workload) -> Result<Self, String> {
        let tcp = TcpStream::connect(server.addr).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let name = ServerName::try_from(server.identity.clone()).map_err(|e| e.to_string())?;
        let conn = rustls::ClientConnection::new(client.client.clone(), name)
            .map_err(|e| e.to_string())?;
        let mut c = Self(BufReader::new(rustls::StreamOwned::new(conn, tcp)));
        c.echo("hello")?;
        Ok(c)
    }

    fn echo(&mut self, text: &str) -> Result<(), String> {
        let reason =
            |e: std::io::Error| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                Some(tls) => tls.to_string(),
                None => e.to_string(),
            };
        let s = self.0.get_mut();
        s.write_all(format!("{text}\n").as_bytes())
            .map_err(reason)?;
        s.flush().map_err(reason)?;
        let mut back = String::new();
        self.0.read_line(&mut back).map_err(reason)?;
        if back.trim_end() == text {
            Ok(())
        } else {
            Err("the peer closed the connection (it refused our certificate)".into())
        }
    }
}

/// Every workload to every other one, on new connections; the number that failed.
fn all_pairs(ws: &[Workload]) -> usize {
    let mut failed = 0;
    for c in ws {
        for s in ws {
            if c.name == s.name {
                continue;
            }
            match Conn::open(c, s) {
                Ok(_) => outln!("handshake {} -> {}: ok", c.name, s.name),
                Err(e) => {
                    failed += 1;
                    outln!("handshake {} -> {}: {e}", c.name, s.name);
                }
            }
        }
    }
    failed
}

fn new_ca(spec: &certcycle::CertSpec, parent: Option<&Ca>) -> Result<Ca, Fail> {
    let now = time::OffsetDateTime::now_utc();
    let rng = &mut rand_core::OsRng;
    Ok(match parent {
        None => Ca::self_signed(spec, PrivateKey::generate(rng), now, rng)?,
        Some(p) => p.issue_ca(spec, PrivateKey::generate(rng), now, rng)?.ca,
    })
}

/// A new leaf under `issuer`, served from the next handshake on.
fn refresh(w: &Workload, issuer: &Ca, provider: &CryptoProvider) -> Result<Certificate, Fail> {
    let key = PrivateKey::generate_os();
    let now = time::OffsetDateTime::now_utc();
    let leaf = issuer
        .issue(
            &linkerd::workload(&w.identity),
            key.public_key(),
            now,
            &mut rand_core::OsRng,
        )?
        .certificate;
    w.ids
        .replace(&leaf, &[issuer.certificate().clone()], &key, provider)?;
    Ok(leaf)
}

/// Live trust in one process: three loopback TLS workloads rotate the anchor by swapping
/// trust and identity stores, restarting nothing; a handshake in each direction after every
/// step.
#[derive(Debug, Parser)]
#[command(
    name = "live",
    after_help = "Example:\n  cargo run --example live\n\n\
Exit status: 0 every handshake of the rotation succeeded and the wrong order failed where\n\
predicted, 1 otherwise."
)]
struct Cli {}

fn main() -> std::process::ExitCode {
    let Cli {} = Cli::parse();
    common::run(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let stop = Arc::new(AtomicBool::new(false));
        let mut failed = 0;

        outln!("== the rotation with live trust stores (no restart)");
        let old = new_ca(&linkerd::trust_anchor(), None)?;
        let issuer = new_ca(&linkerd::identity_issuer(), Some(&old))?;
        let bundle = TrustBundle::from_anchors([old.trust_anchor()]);
        let ws: Vec<Workload> = NAMES
            .into_iter()
            .map(|n| start(n, &bundle, &issuer, &provider, &stop))
            .collect::<Result<_, _>>()?;
        failed += all_pairs(&ws);
        let mut long_lived = Conn::open(&ws[1], &ws[0]).map_err(Fail::from)?;
        outln!("long-lived connection api -> web opened");

        outln!("-- step 1: stage the new anchor in every store");
        let new = new_ca(&linkerd::trust_anchor(), None)?;
        let staged = AnchorRotation::stage(&bundle, new.trust_anchor())?;
        for w in &ws {
            w.trust.replace(staged.bundle().clone());
        }
        let loaded = certcycle::tls::loaded_bundles(ws.iter().map(|w| (w.name, &*w.trust)));
        let distributed =
            staged.confirm_bundle_rollout(loaded.iter().map(|(n, b)| (n.as_str(), b)))?;
        outln!("every store reports the two-anchor bundle");
        failed += all_pairs(&ws);

        outln!("-- step 2: re-sign the issuer under the new anchor");
        let key = PrivateKey::generate_os();
        let now = time::OffsetDateTime::now_utc();
        let resigned = distributed.resign_issuer(
            &new,
            &linkerd::identity_issuer(),
            key,
            now,
            &mut rand_core::OsRng,
        )?;
        failed += all_pairs(&ws);

        outln!("-- step 3: every workload refreshes its leaf under the new issuer");
        let mut leaves = Vec::new();
        for w in &ws {
            leaves.push((w.name, refresh(w, resigned.issuer(), &provider)?));
        }
        failed += all_pairs(&ws);
        let chain = [resigned.issuer().certificate().clone()];
        let live: Vec<_> = leaves
            .iter()
            .map(|(n, l)| (*n, l, chain.as_slice()))
            .collect();
        let rotated = resigned
            .confirm_leaf_rollout(live, time::OffsetDateTime::now_utc())?
            .drop_old_anchor();

        outln!("-- step 4: drop the old anchor from every store");
        for w in &ws {
            w.trust.replace(rotated.bundle.clone());
        }
        failed += all_pairs(&ws);
        match long_lived.echo("still here") {
            Ok(()) => outln!("long-lived connection api -> web: still echoing"),
            Err(e) => {
                failed += 1;
                outln!("long-lived connection api -> web: {e}");
            }
        }

        outln!();
        outln!("== the wrong order: the issuer re-signed before db's store had the new anchor");
        let old = new_ca(&linkerd::trust_anchor(), None)?;
        let issuer = new_ca(&linkerd::identity_issuer(), Some(&old))?;
        let bundle = TrustBundle::from_anchors([old.trust_anchor()]);
        let ws: Vec<Workload> = NAMES
            .into_iter()
            .map(|n| start(n, &bundle, &issuer, &provider, &stop))
            .collect::<Result<_, _>>()?;
        let new = new_ca(&linkerd::trust_anchor(), None)?;
        let staged = AnchorRotation::stage(&bundle, new.trust_anchor())?;
        for w in ws.iter().filter(|w| w.name != "db") {
            w.trust.replace(staged.bundle().clone());
        }
        let new_issuer = new_ca(&linkerd::identity_issuer(), Some(&new))?;
        refresh(&ws[0], &new_issuer, &provider)?;
        outln!(
            "web serves a leaf under the new anchor; db's store is at generation {} and holds {} anchor(s)",
            ws[2].trust.generation(),
            ws[2].trust.current().bundle().len()
        );
        let predicted_to_fail = ["web -> db", "db -> web"];
        let mut wrong = Vec::new();
        for c in &ws {
            for s in &ws {
                if c.name == s.name {
                    continue;
                }
                let pair = format!("{} -> {}", c.name, s.name);
                match Conn::open(c, s) {
                    Ok(_) => outln!("handshake {pair}: ok"),
                    Err(e) => {
                        outln!("handshake {pair}: {e}");
                        wrong.push(pair);
                    }
                }
            }
        }
        outln!(
            "why: web's leaf chains to the new anchor, which db never loaded, so db refuses web \
             (as a server and as a client); the typed rotation would have refused to re-sign the \
             issuer until every store reported the two-anchor bundle"
        );
        stop.store(true, Ordering::Relaxed);
        let as_predicted = wrong == predicted_to_fail;
        if !as_predicted {
            outln!("unexpected: failures {wrong:?}, predicted {predicted_to_fail:?}");
        }
        outln!();
        if failed == 0 && as_predicted {
            outln!(
                "every handshake of the rotation succeeded; the wrong order failed where predicted"
            );
            Ok(0)
        } else {
            outln!("{failed} handshake(s) of the rotation failed");
            Ok(1)
        }
    })
}
