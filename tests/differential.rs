//! Differential tests: chains made by the `openssl` CLI with defects, judged by certcycle,
//! `openssl verify -x509_strict -attime` and rustls-webpki. The verdicts must agree, except
//! where a documented strictness choice of certcycle differs (noted per case).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::verify::{Usage, VerifyOptions, verify};
use certcycle::{Certificate, TrustAnchor, TrustBundle};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::path::Path;
use support::{openssl, openssl_ok};
use time::OffsetDateTime;

const CONF: &str = "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n\
[root]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n\
[root_pathlen0]\nbasicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n\
[ica]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n\
[ica_not_ca]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n\
[ica_no_ski]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = none\nauthorityKeyIdentifier = keyid:always\n\
[leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth,clientAuth\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\nsubjectAltName = DNS:web.default.svc\n\
[leaf_opt_aki]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth,clientAuth\nsubjectKeyIdentifier = hash\nsubjectAltName = DNS:web.default.svc\n";

struct Dir(tempfile::TempDir);

impl Dir {
    fn p(&self, name: &str) -> String {
        self.0.path().join(name).to_str().unwrap().to_owned()
    }

    fn key(&self, name: &str) {
        openssl_ok(&[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &self.p(name),
        ]);
    }

    fn root(&self, name: &str, cn: &str, section: &str) {
        self.key(&format!("{name}.key"));
        openssl_ok(&[
            "req",
            "-x509",
            "-new",
            "-config",
            &self.p("conf"),
            "-key",
            &self.p(&format!("{name}.key")),
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            "30",
            "-extensions",
            section,
            "-out",
            &self.p(&format!("{name}.crt")),
        ]);
    }

    /// Issues `name` (new key unless `key` names an existing one) signed by `issuer`.
    fn issue(&self, name: &str, cn: &str, issuer: &str, section: &str, days: &str) {
        if !Path::new(&self.p(&format!("{name}.key"))).exists() {
            self.key(&format!("{name}.key"));
        }
        openssl_ok(&[
            "req",
            "-new",
            "-config",
            &self.p("conf"),
            "-key",
            &self.p(&format!("{name}.key")),
            "-subj",
            &format!("/CN={cn}"),
            "-out",
            &self.p(&format!("{name}.csr")),
        ]);
        openssl_ok(&[
            "x509",
            "-req",
            "-in",
            &self.p(&format!("{name}.csr")),
            "-CA",
            &self.p(&format!("{issuer}.crt")),
            "-CAkey",
            &self.p(&format!("{issuer}.key")),
            "-set_serial",
            "0x1234567890abcdef",
            "-days",
            days,
            "-extfile",
            &self.p("conf"),
            "-extensions",
            section,
            "-out",
            &self.p(&format!("{name}.crt")),
        ]);
    }

    fn cert(&self, name: &str) -> Certificate {
        Certificate::from_pem(&std::fs::read_to_string(self.p(&format!("{name}.crt"))).unwrap())
            .unwrap()
    }
}

fn new_dir() -> Dir {
    let d = Dir(tempfile::tempdir().unwrap());
    std::fs::write(d.p("conf"), CONF).unwrap();
    d
}

/// (certcycle, openssl, webpki) verdicts for leaf + intermediates under anchors at `at`.
fn verdicts(
    d: &Dir,
    anchors: &[&str],
    inters: &[&str],
    leaf: &str,
    at: OffsetDateTime,
) -> (bool, bool, bool) {
    let anchor_certs: Vec<Certificate> = anchors.iter().map(|a| d.cert(a)).collect();
    let inter_certs: Vec<Certificate> = inters.iter().map(|i| d.cert(i)).collect();
    let leaf_cert = d.cert(leaf);
    let bundle = TrustBundle::from_anchors(
        anchor_certs
            .iter()
            .map(|c| TrustAnchor::new(c.clone()).unwrap()),
    );
    let ours = verify(
        &leaf_cert,
        &inter_certs,
        &bundle,
        at,
        &VerifyOptions::for_usage(Usage::ServerAuth),
    )
    .is_ok();

    let cafile = d.p("cafile.pem");
    std::fs::write(
        &cafile,
        anchor_certs
            .iter()
            .map(Certificate::to_pem)
            .collect::<String>(),
    )
    .unwrap();
    let untrusted = d.p("untrusted.pem");
    std::fs::write(
        &untrusted,
        inter_certs
            .iter()
            .map(Certificate::to_pem)
            .collect::<String>(),
    )
    .unwrap();
    let epoch = at.unix_timestamp().to_string();
    let leaf_path = d.p(&format!("{leaf}.crt"));
    let mut args = vec![
        "verify",
        "-x509_strict",
        "-purpose",
        "sslserver",
        "-attime",
        &epoch,
        "-CAfile",
        &cafile,
    ];
    if !inter_certs.is_empty() {
        args.extend(["-untrusted", &untrusted]);
    }
    args.push(&leaf_path);
    let theirs = openssl(&args).status.success();

    let anchor_ders: Vec<CertificateDer<'static>> =
        anchor_certs.iter().map(CertificateDer::from).collect();
    let wanchors: Vec<_> = anchor_ders
        .iter()
        .map(|a| webpki::anchor_from_trusted_cert(a).unwrap().to_owned())
        .collect();
    let inter_ders: Vec<CertificateDer<'static>> =
        inter_certs.iter().map(CertificateDer::from).collect();
    let leaf_der = CertificateDer::from(&leaf_cert);
    let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
    let time =
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.unix_timestamp() as u64));
    let webpki_ok = ee
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &wanchors,
            &inter_ders,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .is_ok();
    (ours, theirs, webpki_ok)
}

fn now() -> OffsetDateTime {
    // openssl stamps notBefore with the wall clock: verify an hour later.
    OffsetDateTime::now_utc() + time::Duration::hours(1)
}

#[test]
fn verdicts_agree_with_openssl_and_webpki() {
    let d = new_dir();
    d.root("root", "Diff Root", "root");
    d.issue("ica", "Diff ICA", "root", "ica", "20");
    d.issue("leaf", "web", "ica", "leaf", "1");
    // Defects.
    d.issue("ica_not_ca", "Diff ICA NotCA", "root", "ica_not_ca", "20");
    d.issue("leaf_under_not_ca", "web", "ica_not_ca", "leaf", "1");
    d.root("root_pl0", "Diff Root PL0", "root_pathlen0");
    d.issue("ica_pl", "Diff ICA PL", "root_pl0", "ica", "20");
    d.issue("leaf_pl", "web", "ica_pl", "leaf", "1");
    d.issue("ica_no_ski", "Diff ICA NoSKI", "root", "ica_no_ski", "20");
    d.issue("leaf_no_ski", "web", "ica_no_ski", "leaf_opt_aki", "1");
    // Same subject as "ica" but another key: the leaf signed by it does not chain to "ica".
    d.issue("ica_twin", "Diff ICA", "root", "ica", "20");
    d.issue("leaf_twin", "web", "ica_twin", "leaf", "1");
    // Two anchors with one subject (a rotation); the leaf chains to the second.
    d.root("root_b", "Diff Root", "root");
    d.issue("ica_b", "Diff ICA B", "root_b", "ica", "20");
    d.issue("leaf_b", "web", "ica_b", "leaf", "1");
    // A tampered copy of the good leaf (one byte of the TBS).
    let mut der = d.cert("leaf").der().to_vec();
    let pos = der.windows(3).position(|w| w == b"web").unwrap();
    der[pos] ^= 0x01;
    let tampered = Certificate::from_der(der).unwrap();
    std::fs::write(d.p("tampered.crt"), tampered.to_pem()).unwrap();

    let t = now();
    let late = t + time::Duration::days(2);
    let cases: Vec<(
        &str,
        Vec<&str>,
        Vec<&str>,
        &str,
        OffsetDateTime,
        (bool, bool, bool),
    )> = vec![
        (
            "good",
            vec!["root"],
            vec!["ica"],
            "leaf",
            t,
            (true, true, true),
        ),
        (
            "expired leaf",
            vec!["root"],
            vec!["ica"],
            "leaf",
            late,
            (false, false, false),
        ),
        (
            "intermediate not a CA",
            vec!["root"],
            vec!["ica_not_ca"],
            "leaf_under_not_ca",
            t,
            (false, false, false),
        ),
        // Documented: certcycle applies the anchor certificate's own constraints (RFC 5937
        // style, as OpenSSL does); webpki reduces an anchor to its name and key.
        (
            "root pathlen 0",
            vec!["root_pl0"],
            vec!["ica_pl"],
            "leaf_pl",
            t,
            (false, false, true),
        ),
        (
            "wrong key, same issuer name",
            vec!["root"],
            vec!["ica"],
            "leaf_twin",
            t,
            (false, false, false),
        ),
        (
            "tampered signature",
            vec!["root"],
            vec!["ica"],
            "tampered",
            t,
            (false, false, false),
        ),
        (
            "same-subject anchors, first",
            vec!["root", "root_b"],
            vec!["ica", "ica_b"],
            "leaf",
            t,
            (true, true, true),
        ),
        (
            "same-subject anchors, second",
            vec!["root", "root_b"],
            vec!["ica", "ica_b"],
            "leaf_b",
            t,
            (true, true, true),
        ),
        (
            "same-subject anchors, reversed",
            vec!["root_b", "root"],
            vec!["ica_b", "ica"],
            "leaf",
            t,
            (true, true, true),
        ),
        // Documented strictness: certcycle (pedantic) and openssl -x509_strict require an SKI
        // on CAs; webpki does not look.
        (
            "intermediate without SKI",
            vec!["root"],
            vec!["ica_no_ski"],
            "leaf_no_ski",
            t,
            (false, false, true),
        ),
    ];
    for (name, anchors, inters, leaf, at, expected) in cases {
        let got = verdicts(&d, &anchors, &inters, leaf, at);
        assert_eq!(got, expected, "case {name}: (certcycle, openssl, webpki)");
    }
}
