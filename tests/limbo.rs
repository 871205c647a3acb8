//! x509-limbo conformance through the library API: zero false accepts, and the cases where
//! certcycle disagrees with the suite are exactly the ones listed here, each with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::verify::{PeerName, Usage, VerifyOptions, verify};
use certcycle::{BundleOptions, Certificate, TrustBundle};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// The verification time for cases that give none ("any current time works"): fixed, so the
/// test is deterministic.
const DEFAULT_TIME: OffsetDateTime = datetime!(2025-06-01 00:00 UTC);

/// Expected disagreements shared by both subsets, with the reason each is right.
const KNOWN_CORE: &[(&str, &str)] = &[
    (
        "cve::cve-2024-0567",
        "the only path ends in a trusted 'Root A' issued by another name and lacking an AKI; the \
         profile rule that every certificate not self-issued carries an AKI also applies to \
         anchors (rfc5280::aki::cross-signed-root-missing-aki expects exactly that rejection)",
    ),
    (
        "pathlen::validation-ignores-pathlen-in-leaf",
        "a CA certificate as the end entity is rejected when a usage is requested (CA/B Forum \
         7.1.2.7.8; webpki does the same; webpki::ca-as-leaf expects the rejection)",
    ),
    (
        "rfc5280::ca-as-leaf",
        "conflicts with webpki::ca-as-leaf; certcycle rejects CAs as leaves",
    ),
];

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

/// Runs one case; `true` = accepted.
fn run(case: &Value) -> bool {
    let trusted = certs(&case["trusted_certs"]).concat();
    let Ok(bundle) = TrustBundle::from_sources(
        [("trusted", trusted.as_str())],
        BundleOptions {
            allow_non_ca: true,
            drop_expired_at: None,
        },
    ) else {
        return false;
    };
    let mut intermediates = Vec::new();
    for p in certs(&case["untrusted_intermediates"]) {
        match Certificate::from_pem(&p) {
            Ok(c) => intermediates.push(c),
            Err(_) => return false,
        }
    }
    let Ok(leaf) = Certificate::from_pem(case["peer_certificate"].as_str().unwrap()) else {
        return false;
    };
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
            _ => return false,
        };
    }
    if let Some(depth) = case["max_chain_depth"].as_u64() {
        options.max_intermediates = depth as usize;
    }
    verify(&leaf, &intermediates, &bundle.bundle, at, &options).is_ok()
}

fn score(path: &str, known: &[&str]) -> (usize, usize) {
    let cases = load(path);
    let mut false_accepts = Vec::new();
    let mut misses = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let accepted = run(case);
        let expected = case["expected_result"].as_str().unwrap() == "SUCCESS";
        if accepted && !expected {
            false_accepts.push(id.to_owned());
        } else if accepted != expected {
            misses.push(id.to_owned());
        }
    }
    assert!(
        false_accepts.is_empty(),
        "{path}: false accepts: {false_accepts:#?}"
    );
    let unexpected: Vec<&String> = misses
        .iter()
        .filter(|m| !known.contains(&m.as_str()))
        .collect();
    let fixed: Vec<&&str> = known
        .iter()
        .filter(|k| !misses.iter().any(|m| m == *k))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{path}: new disagreements: {unexpected:#?}"
    );
    assert!(
        fixed.is_empty(),
        "{path}: now agreeing (update the list): {fixed:#?}"
    );
    (cases.len() - misses.len(), cases.len())
}

#[test]
fn core_suite() {
    let known: Vec<&str> = KNOWN_CORE.iter().map(|(id, _)| *id).collect();
    let (agree, total) = score("tests/data/limbo/limbo-p256-core.json", &known);
    println!("limbo core: {agree}/{total}");
    assert!(agree >= 116);
}

/// The wider subset: the core's disagreements plus name constraints (not implemented yet, so
/// rejected), CA/B Forum rules that conflict with RFC 5280-only cases, and wildcards (off by
/// default: no Public Suffix List).
#[test]
fn no_bettertls_nc_suite() {
    let mut known: Vec<&str> = KNOWN_CORE.iter().map(|(id, _)| *id).collect();
    known.extend([
        // Name constraints: rejected until implemented (never ignored).
        "rfc5280::nc::permitted-dns-match",
        "rfc5280::nc::permitted-dns-match-more",
        "rfc5280::nc::permitted-ipv4-match",
        "rfc5280::nc::permitted-ipv6-match",
        "rfc5280::nc::permitted-dn-match",
        "rfc5280::nc::permitted-self-issued",
        "rfc5280::nc::permitted-different-constraint-type",
        "rfc5280::nc::excluded-different-constraint-type",
        "rfc5280::nc::nc-forbids-alternate-chain-ica",
        "rfc5280::nc::nc-permits-email-exact",
        "rfc5280::nc::nc-permits-email-domain",
        "rfc5280::nc::nc-permits-email-literal-asterisk-exact-match",
        "rfc5280::nc::nc-permits-email-literal-double-asterisk",
        "rfc5280::nc::nc-permits-email-literal-mid-asterisk",
        "rfc5280::nc::nc-forbids-othername-noop",
        "webpki::nc::permitted-dns-match-noncritical",
        "webpki::nc::nc-permits-dns-san-pattern",
        // Conflicts with webpki::eku::ee-without-eku (CA/B Forum requires the EKU).
        "rfc5280::eku::ee-without-eku",
        // CN not among the SAN values (CA/B Forum 7.1.4.3; conflicts with webpki::cn::*).
        "webpki::san::exact-localhost-ip-san",
        // Wildcards are off by default (no Public Suffix List to refuse `*.co.uk`).
        "webpki::san::leftmost-wildcard-san",
    ]);
    let (agree, total) = score("tests/data/limbo/limbo-p256-no-bettertls-nc.json", &known);
    println!("limbo without BetterTLS name constraints: {agree}/{total}");
}
