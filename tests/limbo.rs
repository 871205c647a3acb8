//! x509-limbo conformance through the library API: zero false accepts, and the cases where
//! certcycle disagrees with the suite are exactly the ones listed here, each with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::verify::{PeerName, ProfileRule, Usage, VerifyError, VerifyOptions, verify};
use certcycle::{BundleOptions, Certificate, TrustBundle};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The verification time for cases that give none ("any current time works"): fixed, so the
/// test is deterministic.
const DEFAULT_TIME: OffsetDateTime = datetime!(2025-06-01 00:00 UTC);

/// Cases certcycle disagrees with, each with the reason certcycle's verdict is the one to keep.
/// Every one is a rejection of an expected SUCCESS: there is no false accept to excuse.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "cve::cve-2024-0567",
        "the only path ends in a trusted 'Root A' issued by another name and lacking an AKI; the \
         profile rule that every certificate not self-issued carries an AKI also applies to \
         anchors (rfc5280::aki::cross-signed-root-missing-aki expects exactly that rejection)",
    ),
    (
        "pathlen::validation-ignores-pathlen-in-leaf",
        "a CA certificate as the end entity is rejected when a usage is requested (CA/B Forum \
         7.1.2.7.8; webpki::ca-as-leaf expects the rejection)",
    ),
    (
        "rfc5280::ca-as-leaf",
        "conflicts with webpki::ca-as-leaf; certcycle rejects CAs as leaves",
    ),
    (
        "rfc5280::eku::ee-without-eku",
        "conflicts with webpki::eku::ee-without-eku: a leaf needs an extKeyUsage (CA/B Forum \
         7.1.2.7.10) when a usage is requested",
    ),
    (
        "webpki::nc::permitted-dns-match-noncritical",
        "conflicts with rfc5280::nc::permitted-dns-match-noncritical: nameConstraints MUST be \
         critical (RFC 5280 4.2.1.10)",
    ),
];

/// A category of disagreement: an expected SUCCESS whose leaf has a host-like subject CN that
/// is none of its SAN values. CA/B Forum 7.1.4.3 forbids it and x509-limbo's nine
/// `webpki::cn::*` cases expect the rejection; the BetterTLS cases (and ten rfc5280/webpki
/// cases with `CN=example.com`) expect the CN to be ignored. Both cannot hold, and giving up
/// the rule would accept those nine: certcycle keeps it.
fn cn_not_in_san(error: &VerifyError) -> bool {
    matches!(
        error,
        VerifyError::Profile {
            rule: ProfileRule::CommonNameNotInSan,
            ..
        }
    )
}

fn load(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["testcases"].as_array().unwrap().clone()
}

fn certs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

/// Runs one case: `Ok` = accepted, `Err(None)` = rejected while reading the inputs.
fn run(case: &Value) -> Result<(), Option<VerifyError>> {
    let trusted = certs(&case["trusted_certs"]).concat();
    let bundle = TrustBundle::from_sources(
        [("trusted", trusted.as_str())],
        BundleOptions::new().allow_non_ca(true),
    )
    .map_err(|_| None)?
    .bundle;
    let mut intermediates = Vec::new();
    for p in certs(&case["untrusted_intermediates"]) {
        intermediates.push(Certificate::from_pem(&p).map_err(|_| None)?);
    }
    let leaf =
        Certificate::from_pem(case["peer_certificate"].as_str().unwrap()).map_err(|_| None)?;
    let at = match case["validation_time"].as_str() {
        Some(t) => {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        }
        None => DEFAULT_TIME,
    };
    let mut options = VerifyOptions::for_usage(match case["validation_kind"].as_str() {
        Some("CLIENT") => Usage::ClientAuth,
        _ => Usage::ServerAuth,
    });
    if let Some(name) = case["expected_peer_name"].as_object() {
        let value = name["value"].as_str().unwrap().to_owned();
        options.name = match name["kind"].as_str().unwrap() {
            "DNS" => Some(PeerName::Dns(value)),
            "IP" => Some(PeerName::Ip(value.parse().unwrap())),
            // Any other kind is unsupported: never a pass.
            _ => return Err(None),
        };
    }
    if let Some(depth) = case["max_chain_depth"].as_u64() {
        options.max_intermediates = depth as usize;
    }
    verify(&leaf, &intermediates, &bundle, at, &options)
        .map(|_| ())
        .map_err(Some)
}

/// Scores a suite; panics on any false accept, on any disagreement not explained by
/// [`EXCEPTIONS`] or the CN category, and on any exception that no longer disagrees.
fn score(cases: &[Value]) -> (usize, usize, usize) {
    let mut false_accepts = Vec::new();
    let mut unexplained = Vec::new();
    let mut excepted = Vec::new();
    let mut cn_category = 0;
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let expected = case["expected_result"].as_str().unwrap() == "SUCCESS";
        match (run(case), expected) {
            (Ok(()), true) | (Err(_), false) => {}
            (Ok(()), false) => false_accepts.push(id.to_owned()),
            (Err(e), true) => {
                if EXCEPTIONS.iter().any(|(x, _)| *x == id) {
                    excepted.push(id.to_owned());
                } else if e.as_ref().is_some_and(cn_not_in_san) {
                    cn_category += 1;
                } else {
                    unexplained.push(format!("{id}: {e:?}"));
                }
            }
        }
    }
    assert!(
        false_accepts.is_empty(),
        "false accepts: {false_accepts:#?}"
    );
    assert!(
        unexplained.is_empty(),
        "new disagreements: {unexplained:#?}"
    );
    let stale: Vec<&&str> = EXCEPTIONS
        .iter()
        .map(|(id, _)| id)
        .filter(|id| {
            cases.iter().any(|c| c["id"].as_str() == Some(**id))
                && !excepted.iter().any(|e| e == **id)
        })
        .collect();
    assert!(
        stale.is_empty(),
        "exceptions that now agree (remove them): {stale:#?}"
    );
    let misses = excepted.len() + cn_category;
    (cases.len() - misses, cases.len(), cn_category)
}

#[test]
fn core_suite() {
    let (agree, total, cn) = score(&load("tests/data/limbo/limbo-p256-core.json"));
    println!("limbo core: {agree}/{total} ({cn} CN-not-in-SAN)");
    assert!(agree >= 116);
}

#[test]
fn no_bettertls_nc_suite() {
    let (agree, total, cn) = score(&load("tests/data/limbo/limbo-p256-no-bettertls-nc.json"));
    println!("limbo without BetterTLS name constraints: {agree}/{total} ({cn} CN-not-in-SAN)");
}

/// The whole P-256 suite (9,732 cases, mostly BetterTLS name constraints). Slow in a debug
/// build: `.ci/run` runs it as `cargo test --release --test limbo -- --ignored`.
#[test]
#[ignore]
fn full_suite() {
    let file = std::fs::File::open("tests/data/limbo/limbo-p256.json.gz").unwrap();
    let v: Value = serde_json::from_reader(flate2::read::GzDecoder::new(file)).unwrap();
    let cases = v["testcases"].as_array().unwrap();
    let start = std::time::Instant::now();
    let (agree, total, cn) = score(cases);
    println!(
        "limbo full P-256 suite: {agree}/{total} = {:.2}% ({cn} CN-not-in-SAN), {:.1}s",
        100.0 * agree as f64 / total as f64,
        start.elapsed().as_secs_f64()
    );
}
