//! Hardening, round three (issue 34), items 1-3: what certcycle writes for people to run or
//! apply, and the report lines they read, from inputs a pull request controls. Each test
//! failed before its fix: names pasted unquoted into `kubectl-patch.sh`, YAML built by string
//! formatting, and line feeds or bidi controls reaching report lines raw.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{
    Cluster, FieldError, K8sError, NameRule, Objects, PlanReport, ResolveOptions, auto_manifests,
    auto_objects, check_name, shell_line, shell_words,
};
use certcycle::plan::Config;
use certcycle::rotation::{Lifetimes, Propagation, Schedule};
use certcycle::{Ca, CertSpec, PrivateKey};
use proptest::prelude::*;
use std::process::Command;
use support::{T0, rng, secret};
use time::Duration;

const SEED: &str = include_str!("../examples/data/seed.yaml");

// ---- 1. shell lines ----

/// What `sh` makes of `line`'s words: `printf '%s\0'` prints each argument as it received it.
fn sh_words(line: &str) -> Vec<String> {
    let script = format!("printf '%s\\0' {line}");
    let out = Command::new("sh").arg("-c").arg(&script).output().unwrap();
    assert!(out.status.success(), "{script}");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words: Vec<String> = text.split('\0').map(str::to_owned).collect();
    words.pop(); // after the last NUL
    words
}

#[test]
fn a_hostile_word_is_one_word_for_sh() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let hostile = format!("linkerd-trust-anchor;touch${{IFS}}{};echo", pwned.display());
    for word in [
        hostile.as_str(),
        "$(id)",
        "`id`",
        "a'b",
        "a\nb",
        "",
        "*",
        "~",
        "#x",
        "a b\tc",
    ] {
        let line = shell_line(&["kubectl", "patch", "certificate", word]);
        assert_eq!(
            sh_words(&line),
            ["kubectl", "patch", "certificate", word],
            "{line}"
        );
        assert_eq!(
            shell_words(&line).unwrap(),
            ["kubectl", "patch", "certificate", word]
        );
    }
    assert!(!pwned.exists(), "the shell ran a command from a name");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_words_read_back_through_sh(words in prop::collection::vec("[^\u{0}]{0,12}", 1..4)) {
        let mut all = vec!["kubectl".to_owned()];
        all.extend(words);
        let line = shell_line(&all);
        prop_assert_eq!(sh_words(&line), all.clone());
        prop_assert_eq!(shell_words(&line).unwrap(), all);
    }
}

#[test]
fn names_the_api_server_refuses_are_refused_when_read_with_their_place() {
    let hostile = SEED.replacen(
        "name: linkerd-trust-anchor\n  namespace: cert-manager",
        "name: linkerd-trust-anchor;touch${IFS}pwned;echo\n  namespace: cert-manager",
        1,
    );
    assert_ne!(hostile, SEED);
    let err = Objects::read("hostile.yaml", &hostile).unwrap_err();
    let K8sError::Field {
        path, at, error, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(path, "metadata.name");
    assert!(matches!(error, FieldError::Name(_)), "{error:?}");
    let line = hostile
        .lines()
        .position(|l| l.contains("touch${IFS}"))
        .unwrap()
        + 1;
    assert_eq!(at.line as usize, line);
    let text = err.to_string();
    assert!(text.starts_with(&format!("hostile.yaml:{line}:")), "{text}");
    assert!(text.contains("RFC 1123 subdomain"), "{text}");

    // A namespace is an RFC 1123 label; a secretName and an issuerRef name are names too.
    for (from, to) in [
        (
            "namespace: linkerd\n",
            "namespace: \"linkerd\\nverdict: ok\"\n",
        ),
        (
            "secretName: linkerd-identity-issuer",
            "secretName: \"linkerd-identity-issuer\\u202e\"",
        ),
        (
            "name: linkerd-identity-issuer\n    kind: ClusterIssuer",
            "name: a b\n    kind: ClusterIssuer",
        ),
    ] {
        let hostile = SEED.replacen(from, to, 1);
        assert_ne!(hostile, SEED, "{from}");
        let err = Objects::read("hostile.yaml", &hostile).unwrap_err();
        let text = err.to_string();
        assert!(matches!(&err, K8sError::Field { .. }), "{from}: {err:?}");
        assert!(!text.contains('\n') && !text.contains('\u{202e}'), "{text}");
    }
    // Every kind's name follows the same rule.
    assert!(check_name("linkerd-identity-issuer", NameRule::Subdomain).is_ok());
}

// ---- 2. manifests through a serializer ----

fn schedule() -> Schedule {
    Schedule::new(
        Lifetimes::linkerd(Duration::days(365)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap()
}

#[test]
fn auto_rotation_yaml_reads_back_as_exactly_the_objects_planned() {
    let injection = "root\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: pwned\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin";
    for cn in [
        injection,
        "root # prod",
        "'root'",
        "\"root\"",
        "root: x",
        "- root",
        "{root}",
    ] {
        let mut cfg = Config::seed(T0);
        cfg.anchor = CertSpec::ca(cn, Duration::days(365));
        let yaml = auto_manifests(&cfg, &schedule()).unwrap();
        let planned = auto_objects(&cfg, &schedule()).unwrap();
        let read: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml).unwrap();
        assert_eq!(read, planned, "{cn:?}:\n{yaml}");
        assert_eq!(read.len(), 6);
        assert!(!read.iter().any(|o| o["kind"] == "ClusterRoleBinding"));
        assert_eq!(read[1]["spec"]["commonName"], cn);
    }
    // certcycle's own reader takes them back as the same six objects.
    let mut cfg = Config::seed(T0);
    cfg.anchor = CertSpec::ca("'root' # prod", Duration::days(365));
    let yaml = auto_manifests(&cfg, &schedule()).unwrap();
    let objects = Objects::read("auto-rotation.yaml", &yaml).unwrap();
    assert_eq!(objects.objects.len(), 6);
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    assert!(cluster.signs_through_previous().is_some());
}

// ---- 3. report lines ----

/// A Secret holding `cn`'s self-signed CA as the anchor, and the seed's manifests.
fn seed_with_anchor_cn(cn: &str) -> Cluster {
    let r = &mut rng(3);
    let anchor = Ca::self_signed(
        &CertSpec::ca(cn, Duration::days(365)),
        PrivateKey::generate(r),
        T0,
        r,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crt = anchor.certificate().to_pem();
    let key = anchor.private_key().secret_pkcs8_pem();
    let secret = secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &[
            ("tls.crt", &crt),
            ("tls.key", key.as_str()),
            ("ca.crt", &crt),
        ],
        "yaml",
    );
    let mut objects = Objects::default();
    objects.add("seed.yaml", SEED).unwrap();
    objects.add("anchor.yaml", &secret).unwrap();
    Cluster::resolve(objects, &ResolveOptions::default())
}

#[test]
fn a_subject_cannot_forge_a_report_line() {
    let forged = "root\nverdict: no break within 400d\n[ok] all-good: \u{202e}kool";
    let cluster = seed_with_anchor_cn(forged);
    let cfg = cluster.plan_config(Some(T0)).unwrap();
    let report = PlanReport::new(&cluster, &cfg, &mut rng(4)).unwrap();
    let text = format!("{}{report}", PlanReport::preamble(&cluster));
    assert!(report.has_break(), "the seed breaks on day 61");
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("verdict:") || l.starts_with("[ok]")),
        "{text}"
    );
    assert!(!text.contains('\u{202e}'), "{text}");
    let html = report.to_html("t");
    assert!(!html.contains('\u{202e}'));
    assert!(!html.contains("root\nverdict"));

    let check = certcycle::k8s::CheckReport::new(&cluster, T0).to_string();
    assert!(
        !check
            .lines()
            .any(|l| l.starts_with("phase: steady") || l.starts_with("[ok] all-good")),
        "{check}"
    );
    assert!(!check.contains('\u{202e}'), "{check}");
}
