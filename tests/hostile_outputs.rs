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
    let cfg = cluster.plan_config(T0).unwrap();
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

// ---- 14, 15: messages and SARIF URIs ----

#[test]
fn negative_durations_say_negative() {
    use certcycle::{DurationError, HumanDuration};
    for d in ["-5d", "-1w", "-1h", "-1d12h"] {
        assert_eq!(
            d.parse::<HumanDuration>(),
            Err(DurationError::Negative(d.into())),
            "{d}"
        );
    }
}

#[test]
fn sarif_uris_are_rfc_3986_references_that_keep_the_name() {
    let file = "a:b/\u{fc} [x]\\c%#?.yaml";
    let mut objects = Objects::default();
    objects.add(file, SEED).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(T0).unwrap();
    let report = PlanReport::new(&cluster, &cfg, &mut rng(5)).unwrap();
    let sarif = report.to_sarif();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert_eq!(uri, "a%3Ab/%C3%BC%20%5Bx%5D%5Cc%25%23%3F.yaml");
        // RFC 3986: unreserved characters, '/' and pct-encoded triplets only.
        let bytes = uri.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                assert!(bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit());
                i += 3;
            } else {
                assert!(
                    bytes[i].is_ascii_alphanumeric() || b"-._~/".contains(&bytes[i]),
                    "{uri}"
                );
                i += 1;
            }
        }
        // Decoding gives the name back.
        let mut decoded = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                decoded.push(u8::from_str_radix(&uri[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), file);
    }
}

// ---- 10: outputs bounded by their inputs ----

#[test]
fn long_names_and_common_names_are_refused_before_any_report_repeats_them() {
    let long = "a".repeat(100 * 1024);
    let hostile = SEED.replacen(
        "name: linkerd-identity-issuer\n  namespace: linkerd",
        &format!("name: {long}\n  namespace: linkerd"),
        1,
    );
    assert!(matches!(
        Objects::read("long.yaml", &hostile),
        Err(K8sError::Field {
            error: FieldError::Name(certcycle::k8s::NameError::TooLong { .. }),
            ..
        })
    ));
    let hostile = SEED.replacen(
        "commonName: identity.linkerd.cluster.local",
        &format!("commonName: {long}"),
        1,
    );
    let err = Objects::read("long.yaml", &hostile).unwrap_err();
    assert!(
        matches!(
            &err,
            K8sError::Field {
                error: FieldError::TooLong { max: 64, .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().len() < 300, "the error repeats the input");
}

#[test]
fn a_ten_year_plan_with_names_at_kubernetes_limits_stays_proportionate() {
    // Every name at its limit (253 characters; the namespace, a label, at 63), a ten-year
    // horizon: 1,800 identity issuer renewals. The reports grow with the events, not with
    // the names times the events.
    let name = |c: char| std::iter::repeat_n(c, 253).collect::<String>();
    let (issuer, anchor) = (name('i'), name('a'));
    let text = SEED
        .replace("linkerd-identity-issuer", &issuer)
        .replace("linkerd-trust-anchor", &anchor);
    let mut objects = Objects::default();
    objects.add("long.yaml", &text).unwrap();
    let mut options = ResolveOptions::default();
    options.issuer_secret = Some(certcycle::k8s::NamespacedName::new("linkerd", &issuer));
    let cluster = Cluster::resolve(objects, &options);
    let cfg = cluster
        .plan_config(T0)
        .unwrap()
        .horizon(Duration::days(3650));
    let report = PlanReport::new(&cluster, &cfg, &mut rng(6)).unwrap();
    let html = report.to_html("t").len();
    let json = report.to_json().to_string().len();
    let text_len = report.to_string().len();
    println!(
        "input {} bytes: html {html}, json {json}, text {text_len}",
        text.len()
    );
    for (what, len) in [("html", html), ("json", json), ("text", text_len)] {
        assert!(len < 4 * 1024 * 1024, "{what}: {len} bytes");
    }
}

// ---- 11, 12: writers ----

#[cfg(unix)]
#[test]
fn writers_never_follow_links_refuse_existing_files_and_write_all_or_nothing() {
    use certcycle::{NewFile, WriteError, write_new_files};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // A dangling issuer.key link: the key was created wherever it pointed.
    let elsewhere = dir.path().join("stolen.key");
    std::os::unix::fs::symlink(&elsewhere, out.join("issuer.key")).unwrap();
    let files = [
        NewFile::public("ca.crt", "CA"),
        NewFile::secret("issuer.key", "KEY"),
    ];
    assert!(matches!(
        write_new_files(&out, &files, false),
        Err(WriteError::Exists(_))
    ));
    assert!(
        !out.join("ca.crt").exists(),
        "all or nothing: nothing written"
    );
    // --force replaces the link itself, never writing through it.
    write_new_files(&out, &files, true).unwrap();
    assert!(!elsewhere.exists(), "the key went through the link");
    let key = std::fs::symlink_metadata(out.join("issuer.key")).unwrap();
    assert!(key.file_type().is_file());
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    // A reader holding the old 0644 file keeps reading the old bytes (no write in place).
    std::fs::write(out.join("old.key"), "OLD").unwrap();
    std::fs::set_permissions(out.join("old.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let held = std::fs::File::open(out.join("old.key")).unwrap();
    let before = held.metadata().unwrap().ino();
    write_new_files(&out, &[NewFile::secret("old.key", "NEW SECRET")], true).unwrap();
    let mut old = String::new();
    std::io::Read::read_to_string(&mut &held, &mut old).unwrap();
    assert_eq!(old, "OLD");
    let now = std::fs::metadata(out.join("old.key")).unwrap();
    assert_ne!(now.ino(), before);
    assert_eq!(now.permissions().mode() & 0o777, 0o600);
    // A linked directory below the output directory is refused, force or not.
    let target = dir.path().join("etc");
    std::fs::create_dir(&target).unwrap();
    std::os::unix::fs::symlink(&target, out.join("linkerd")).unwrap();
    for force in [false, true] {
        assert!(matches!(
            write_new_files(&out, &[NewFile::public("linkerd/ca.crt", "x")], force),
            Err(WriteError::LinkedDirectory(_))
        ));
    }
    assert!(!target.join("ca.crt").exists());
    // No path escapes the directory.
    assert!(write_new_files(&out, &[NewFile::public("../x", "x")], true).is_err());
}

#[cfg(unix)]
#[test]
fn the_testkit_install_files_keep_the_key_private_when_they_existed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("issuer.key"), "old").unwrap();
    std::fs::set_permissions(
        dir.path().join("issuer.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let pki = certcycle::testkit::hierarchy().build().unwrap();
    pki.write_linkerd_install(dir.path()).unwrap();
    let mode = std::fs::metadata(dir.path().join("issuer.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn fixes_of_same_named_inputs_keep_their_paths() {
    use certcycle::k8s::fix_relative_path;
    assert_ne!(
        fix_relative_path("a/linkerd.yaml"),
        fix_relative_path("b/linkerd.yaml")
    );
    for hostile in ["../../etc/passwd", "/etc/passwd", "./../x"] {
        let p = fix_relative_path(hostile);
        assert!(
            p.components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{hostile}: {}",
            p.display()
        );
    }
}
