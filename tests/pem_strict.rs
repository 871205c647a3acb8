//! PEM: nothing is skipped silently. A boundary line that is indented, prefixed or stray is a
//! typed error, never explanatory text; a key text holds one key; keys and certificates are
//! read by one line reader. Each case was silently accepted (or mis-reported) before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::{
    BundleError, BundleOptions, Error, PemError, PemErrorKind, PrivateKey, TrustBundle,
};
use support::{T0, rng};

fn build(text: &str) -> Result<usize, BundleError> {
    TrustBundle::from_sources([("src.pem", text)], BundleOptions::default()).map(|b| b.bundle.len())
}

fn key_pem(seed: u64) -> String {
    PrivateKey::generate(&mut rng(seed))
        .secret_pkcs8_pem()
        .to_string()
}

fn misplaced(e: BundleError) -> (usize, usize) {
    match e {
        BundleError::Pem {
            input,
            error:
                PemError {
                    block,
                    kind: PemErrorKind::MisplacedBoundary { line },
                    ..
                },
        } => {
            assert_eq!(input, "src.pem");
            (block, line)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_indented_or_prefixed_key_block_in_a_bundle_source_is_an_error() {
    let anchor = support::linkerd_anchor(&mut rng(1400), T0);
    let ca = anchor.certificate().to_pem();
    assert_eq!(build(&ca).unwrap(), 1);
    let key = key_pem(1401);
    let indent = |prefix: &str| {
        key.lines()
            .map(|l| format!("{prefix}{l}\n"))
            .collect::<String>()
    };
    for prefix in ["  ", "\t", "key: "] {
        let text = format!("{ca}{}", indent(prefix));
        let e = build(&text).unwrap_err();
        // Block 2, at the line after the certificate's last.
        assert_eq!(misplaced(e), (2, ca.lines().count() + 1), "{prefix:?}");
    }
    // A private key that no longer slips past, whatever it says.
    assert!(
        !build(&format!("{ca}{}", indent(" ")))
            .unwrap_err()
            .to_string()
            .contains("MII")
    );
}

#[test]
fn an_indented_second_certificate_is_an_error_not_dropped() {
    let r = &mut rng(1402);
    let a = support::linkerd_anchor(r, T0).certificate().to_pem();
    let b = support::linkerd_anchor(r, T0).certificate().to_pem();
    let indented: String = b.lines().map(|l| format!("    {l}\n")).collect();
    let e = build(&format!("{a}{indented}")).unwrap_err();
    assert_eq!(misplaced(e), (2, a.lines().count() + 1));
    // A stray END line, and a boundary inside a block's base64.
    let e = build(&format!("{a}-----END CERTIFICATE-----\n")).unwrap_err();
    assert_eq!(misplaced(e), (2, a.lines().count() + 1));
    let mut lines: Vec<&str> = a.lines().collect();
    lines.insert(3, " -----END CERTIFICATE-----");
    let e = build(&(lines.join("\n") + "\n")).unwrap_err();
    match e {
        BundleError::Pem {
            error:
                PemError {
                    block: 1,
                    kind: PemErrorKind::MisplacedBoundary { line: 4 },
                    ..
                },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // Text that only mentions dashes stays explanatory text.
    assert_eq!(build(&format!("notes ---- here\n{a}")).unwrap(), 1);
}

#[test]
fn a_key_text_holds_one_key() {
    let two = format!("{}{}", key_pem(1403), key_pem(1404));
    let e = PrivateKey::from_pem(&two).unwrap_err();
    let Error::Pem {
        what,
        error: source,
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(what, "private key");
    assert_eq!(source.block, 2);
    assert_eq!(source.line, key_pem(1403).lines().count() + 1);
    assert_eq!(source.kind, PemErrorKind::MoreThanOneBlock { count: 2 });
    // EC PARAMETERS + one key is still one key.
    let params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
    let sec1 = PrivateKey::generate(&mut rng(1405))
        .secret_sec1_pem()
        .to_string();
    PrivateKey::from_pem(&format!("{params}{sec1}")).unwrap();
}

#[test]
fn keys_and_certificates_share_one_line_reader() {
    let key = PrivateKey::generate(&mut rng(1406));
    let pem = key.secret_pkcs8_pem().to_string();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    // 76-column lines (MIME writers) and trailing spaces: accepted, as for certificates.
    let mut wide = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in body.as_bytes().chunks(76) {
        wide.push_str(std::str::from_utf8(chunk).unwrap());
        wide.push_str("  \n");
    }
    wide.push_str("-----END PRIVATE KEY-----\n");
    let back = PrivateKey::from_pem(&wide).unwrap();
    assert_eq!(back.public_key(), key.public_key());
    // A bad character names its own line (here the third base64 line, line 4).
    let mut lines: Vec<String> = pem.lines().map(str::to_owned).collect();
    lines[3].replace_range(5..6, "*");
    let e = PrivateKey::from_pem(&(lines.join("\n") + "\n")).unwrap_err();
    match e {
        Error::Pem {
            error:
                PemError {
                    kind: PemErrorKind::Base64 { line: 4 },
                    ..
                },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    // Over 76 columns: the same error a certificate gets.
    let long = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    assert!(matches!(
        PrivateKey::from_pem(&long),
        Err(Error::Pem {
            error: PemError {
                kind: PemErrorKind::LineTooLong { line: 2 },
                ..
            },
            ..
        })
    ));
}
