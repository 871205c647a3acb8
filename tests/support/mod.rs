//! Helpers shared by the integration tests: a fixed clock, a seeded RNG, the openssl CLI.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub(crate) mod counting;
pub(crate) mod craft;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::datetime;

/// A command running example `name` from the crate's root: the binary `cargo test` built
/// beside this test's (`target/debug/deps/TEST-HASH` -> `target/debug/examples/NAME`).
pub(crate) fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(path.exists(), "{} not built", path.display());
    let mut c = Command::new(path);
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// `plan ARGS... --start 2026-01-01T00:00:00Z --timeline none --fix-out OUT`: a plan from
/// [`T0`] with each fix that holds written under `out`.
#[allow(dead_code)]
pub(crate) fn plan_fix_out<S: AsRef<std::ffi::OsStr>>(args: &[S], out: &Path) -> Output {
    example("plan")
        .args(args)
        .args([
            "--start",
            "2026-01-01T00:00:00Z",
            "--timeline",
            "none",
            "--fix-out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

/// Every `fix-out: re-check:` line of `plan`'s output `text`, as the plan arguments after
/// `--` (split as `sh` would).
pub(crate) fn re_checks(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter_map(|l| l.strip_prefix("fix-out: re-check: "))
        .map(|line| {
            let words = certcycle::k8s::shell_words(line).expect("one shell line");
            let at = words.iter().position(|w| w == "--").expect("cargo run --");
            words[at + 1..].to_vec()
        })
        .collect()
}

/// The fixed test clock.
pub(crate) const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

/// A deterministic RNG for reproducible tests.
pub(crate) fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

/// Runs `openssl` with `args`, returning its output (panics if openssl is missing: the tests
/// need the real tool, and .ci/run installs it).
pub(crate) fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI must be installed")
}

/// Runs openssl and asserts success, returning stdout.
pub(crate) fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

pub(crate) fn epoch(t: OffsetDateTime) -> String {
    t.unix_timestamp().to_string()
}

/// `n` realistic CA certificates (about 850 DER bytes each, like a public root store's:
/// a six-attribute DN, CRL distribution point, AIA, policies, SKI/AKI, basic constraints,
/// key usage), each with its own P-256 key, as PEM. Deterministic for a seed.
pub(crate) fn realistic_ca_pems(n: usize, seed: u64) -> Vec<String> {
    use certcycle::PrivateKey;
    let r = &mut rng(seed);
    let signer = PrivateKey::generate(r);
    (0..n)
        .map(|i| {
            let key = PrivateKey::generate(r);
            let mut p = rcgen::CertificateParams::default();
            p.not_before = T0;
            p.not_after = T0 + time::Duration::days(3650);
            let mut serial = [0u8; 20];
            rand_core::RngCore::fill_bytes(r, &mut serial);
            serial[0] = (serial[0] & 0x7f) | 0x40;
            p.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
            let mut dn = rcgen::DistinguishedName::new();
            dn.push(rcgen::DnType::CountryName, "US");
            dn.push(rcgen::DnType::StateOrProvinceName, "California");
            dn.push(rcgen::DnType::LocalityName, "San Francisco");
            dn.push(
                rcgen::DnType::OrganizationName,
                format!("Example Trust Services {i} Inc."),
            );
            dn.push(
                rcgen::DnType::OrganizationalUnitName,
                "Certification Authority Operations",
            );
            dn.push(
                rcgen::DnType::CommonName,
                format!("Example Global Root CA {i:05} - G3"),
            );
            p.distinguished_name = dn;
            p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(1));
            p.key_usages = vec![
                rcgen::KeyUsagePurpose::DigitalSignature,
                rcgen::KeyUsagePurpose::KeyCertSign,
                rcgen::KeyUsagePurpose::CrlSign,
            ];
            p.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
                uris: vec![format!(
                    "http://crl.example-trust-services.com/root-{i:05}-g3.crl"
                )],
            }];
            // authorityInfoAccess (caIssuers + OCSP) and certificatePolicies, as DER.
            let url = |s: String| {
                let mut v = vec![0x86, s.len() as u8];
                v.extend_from_slice(s.as_bytes());
                v
            };
            let access = |oid_last: u8, name: Vec<u8>| {
                let mut v = vec![
                    0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, oid_last,
                ];
                v.extend(name);
                let mut s = vec![0x30, v.len() as u8];
                s.extend(v);
                s
            };
            let mut aia = access(
                1,
                url(format!("http://ocsp.example-trust-services.com/r{i:05}")),
            );
            aia.extend(access(
                2,
                url(format!(
                    "http://certs.example-trust-services.com/root-{i:05}.der"
                )),
            ));
            let mut aia_seq = vec![0x30, aia.len() as u8];
            aia_seq.extend(aia);
            p.custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    aia_seq,
                ));
            let cps = format!("https://www.example-trust-services.com/repository/cps-{i:05}");
            let mut q = vec![
                0x06,
                0x08,
                0x2b,
                0x06,
                0x01,
                0x05,
                0x05,
                0x07,
                0x02,
                0x01,
                0x16,
                cps.len() as u8,
            ];
            q.extend_from_slice(cps.as_bytes());
            let mut qs = vec![0x30, q.len() as u8];
            qs.extend(q);
            let mut qss = vec![0x30, qs.len() as u8];
            qss.extend(qs);
            let mut pi = vec![0x06, 0x04, 0x55, 0x1d, 0x20, 0x00];
            pi.extend(qss);
            let mut pis = vec![0x30, pi.len() as u8];
            pis.extend(pi);
            let mut pol = vec![0x30, pis.len() as u8];
            pol.extend(pis);
            p.custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[2, 5, 29, 32],
                    pol,
                ));
            p.key_identifier_method =
                rcgen::KeyIdMethod::PreSpecified(key.public_key().key_id().to_vec());
            p.use_authority_key_identifier_extension = true;
            let mut ip = rcgen::CertificateParams::default();
            ip.distinguished_name = rcgen::DistinguishedName::new();
            ip.distinguished_name
                .push(rcgen::DnType::CommonName, "Example Cross-Signing Root");
            ip.key_identifier_method =
                rcgen::KeyIdMethod::PreSpecified(signer.public_key().key_id().to_vec());
            let rcgen_signer = craft::Signer::new(&signer);
            let issuer = rcgen::Issuer::from_params(&ip, &rcgen_signer);
            let der = p
                .signed_by(&craft::Signer::new(&key), &issuer)
                .unwrap()
                .der()
                .to_vec();
            certcycle::Certificate::from_der(der).unwrap().to_pem()
        })
        .collect()
}

/// Arbitrary bytes as a `CERTIFICATE` PEM block (64 columns), for feeding broken DER through
/// the PEM readers.
pub(crate) fn pem_wrap(der: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            b64.push(if i <= chunk.len() {
                TABLE[(n >> (18 - 6 * i)) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// The payload of a PEM text, decoded (any label; for reading what openssl printed).
pub(crate) fn pem_payload(pem: &str) -> Vec<u8> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u32, 0);
    for c in b64.bytes().filter(|c| *c != b'=') {
        acc = acc << 6 | TABLE.iter().position(|t| *t == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    out
}

/// The seed document's trust anchor, made at `at` with a key from `r`.
pub(crate) fn linkerd_anchor(
    r: &mut rand_chacha::ChaCha20Rng,
    at: OffsetDateTime,
) -> certcycle::Ca {
    use certcycle::{Ca, PrivateKey, presets::linkerd};
    Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), at, r).unwrap()
}

/// The seed document's identity issuer, signed by `anchor` at `at` with a key from `r`.
pub(crate) fn linkerd_issuer(
    anchor: &certcycle::Ca,
    r: &mut rand_chacha::ChaCha20Rng,
    at: OffsetDateTime,
) -> certcycle::Ca {
    use certcycle::{PrivateKey, presets::linkerd};
    anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), at, r)
        .unwrap()
        .ca
}

/// A fixed time for rustls.
#[derive(Debug)]
pub(crate) struct SimulatedTime(pub(crate) rustls::pki_types::UnixTime);

impl rustls::time_provider::TimeProvider for SimulatedTime {
    fn current_time(&self) -> Option<rustls::pki_types::UnixTime> {
        Some(self.0)
    }
}

/// One side of a handshake: what it presents and what it trusts (rustls' own verifiers,
/// rustls-webpki: what Linkerd's proxies run).
pub(crate) struct Side {
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) key: PrivateKeyDer<'static>,
    pub(crate) roots: Arc<rustls::RootCertStore>,
    pub(crate) identity: String,
}

/// A full mTLS handshake, `client` → `server`, at `at`; then one byte each way. `true` if both
/// sides completed.
pub(crate) fn handshake(client: Side, server: Side, at: OffsetDateTime) -> bool {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let time: Arc<dyn rustls::time_provider::TimeProvider> = Arc::new(SimulatedTime(
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.unix_timestamp() as u64)),
    ));
    let client_verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        server.roots.clone(),
        provider.clone(),
    )
    .build()
    .unwrap();
    let server_config = rustls::ServerConfig::builder_with_details(provider.clone(), time.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(client_verifier)
        .with_single_cert(server.chain, server.key)
        .unwrap();
    let client_config = rustls::ClientConfig::builder_with_details(provider, time)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(client.roots.clone())
        .with_client_auth_cert(client.chain, client.key)
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server_thread = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut conn = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut buf = [0u8; 1];
        tls.read_exact(&mut buf).is_ok() && tls.write_all(b"s").is_ok() && tls.flush().is_ok()
    });
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let name = ServerName::try_from(server.identity).unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let mut buf = [0u8; 1];
    let client_ok =
        tls.write_all(b"c").is_ok() && tls.flush().is_ok() && tls.read_exact(&mut buf).is_ok();
    let _ = tcp.shutdown(std::net::Shutdown::Both);
    let server_ok = server_thread.join().unwrap();
    client_ok && server_ok
}

/// Runs `kubectl` with `args` (no cluster: `create ... --dry-run=client`), returning its
/// standard output (panics if kubectl is missing: .ci/run installs it).
pub(crate) fn kubectl(args: &[&str]) -> String {
    let out = Command::new("kubectl")
        .args(args)
        .output()
        .expect("kubectl must be installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `kubectl create secret generic NAME -n NS --from-file=KEY=FILE ... --dry-run=client`.
pub(crate) fn secret(
    dir: &Path,
    ns: &str,
    name: &str,
    entries: &[(&str, &str)],
    format: &str,
) -> String {
    let mut args = vec![
        "create".to_owned(),
        "secret".into(),
        "generic".into(),
        name.into(),
        "-n".into(),
        ns.into(),
    ];
    for (i, (key, text)) in entries.iter().enumerate() {
        let path = dir.join(format!("{ns}-{name}-{i}"));
        std::fs::write(&path, text).unwrap();
        args.push(format!("--from-file={key}={}", path.display()));
    }
    args.extend(["--dry-run=client".into(), "-o".into(), format.into()]);
    kubectl(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard, padded base64 (as `kubectl` writes Secret data).
pub(crate) fn base64_std(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `b64` with the unused low bits of its last character before the padding set: text Go's
/// `base64.StdEncoding` decodes to the same bytes, and a strict decoder refuses. `None` when
/// there is no padding (no unused bits).
pub(crate) fn set_unused_base64_bits(b64: &str) -> Option<String> {
    let b = b64.as_bytes();
    let (at, unused) = if b64.ends_with("==") {
        (b.len() - 3, 0b1111)
    } else if b64.ends_with('=') {
        (b.len() - 2, 0b11)
    } else {
        return None;
    };
    let value = BASE64_ALPHABET.iter().position(|&c| c == b[at])?;
    let mut out = b.to_vec();
    out[at] = BASE64_ALPHABET[value | unused];
    Some(String::from_utf8(out).unwrap())
}

/// The client side of a simulated break, replayed in a real rustls handshake at `at`: the
/// evidence's leaf and chain against the bundle the server loaded in the simulation. The
/// server presents its own certificate from another hierarchy the client trusts, issued at
/// `server_from`.
pub(crate) fn replay_break(
    ev: &certcycle::plan::Evidence,
    server_from: OffsetDateTime,
    at: OffsetDateTime,
) -> bool {
    let server_pki = certcycle::testkit::hierarchy()
        .at(server_from)
        .leaf("srv")
        .build()
        .unwrap();
    let srv = server_pki.workload("srv");
    let roots = |bundle: &certcycle::TrustBundle| {
        let mut s = rustls::RootCertStore::empty();
        for c in bundle.certificates() {
            s.add(CertificateDer::from(c)).unwrap();
        }
        Arc::new(s)
    };
    let client = Side {
        chain: std::iter::once(&ev.leaf)
            .chain(&ev.chain)
            .map(CertificateDer::from)
            .collect(),
        key: PrivateKeyDer::from(&ev.key),
        roots: roots(&server_pki.bundle()),
        identity: String::new(),
    };
    let server = Side {
        chain: std::iter::once(&srv.certificate)
            .chain(&srv.chain)
            .map(CertificateDer::from)
            .collect(),
        key: PrivateKeyDer::from(&srv.key),
        roots: roots(&ev.server_bundle),
        identity: srv.identity.clone(),
    };
    handshake(client, server, at)
}
