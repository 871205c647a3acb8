//! The examples as a person and a CI job meet them (DESIGN §8, §16): `--help`, a mistyped
//! flag, a closed stdout, `check`'s "cannot tell", and both Prometheus outputs read back by a
//! real parser of the text exposition format. The examples are the binaries `cargo test`
//! builds beside the tests (`target/debug/examples/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The example binary `name`, built by `cargo test` next to this test's own binary.
fn example(name: &str) -> Command {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/cli-HASH -> target/debug/examples/NAME
    let dir: PathBuf = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} not built: `cargo test` builds the examples (the README's test command does)",
        path.display()
    );
    let mut c = Command::new(path);
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const EXAMPLES: [&str; 10] = [
    "plan",
    "check",
    "rotate",
    "autorotate",
    "live",
    "bootstrap",
    "inspect",
    "renewal",
    "bundle",
    "verify",
];

#[test]
fn every_example_answers_help_with_its_flags_and_examples() {
    for name in EXAMPLES {
        let (code, out, err) = run(example(name).arg("--help"));
        assert_eq!(code, 0, "{name} --help: {err}");
        assert!(out.contains("Usage: "), "{name}: {out}");
        assert!(
            out.contains("Example"),
            "{name} --help shows no example: {out}"
        );
        assert!(out.contains("Exit status"), "{name} --help: {out}");
        assert!(!out.contains("doc comment"), "{name}: {out}");
    }
    let (_, out, _) = run(example("plan").arg("--help"));
    for flag in [
        "--horizon",
        "[default: 400d]",
        "--workloads",
        "[default: 6]",
        "--restart-every",
        "--start",
        "--format",
        "prometheus",
        "--fail-within",
        "--fix-out",
        "--rotation",
        "--namespace",
        "--trust-roots",
        "--cert-manager-before-1.18",
    ] {
        assert!(out.contains(flag), "plan --help lacks {flag}: {out}");
    }
}

#[test]
fn a_mistyped_flag_gets_a_suggestion_and_exit_2() {
    let (code, out, err) = run(example("plan").args(["--horizn", "5d"]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("'--horizon'"), "no suggestion: {err}");
    let (code, _, err) = run(example("check").args(["x.yaml", "--formt", "json"]));
    assert_eq!(code, 2);
    assert!(err.contains("'--format'"), "{err}");
}

#[test]
fn a_bad_value_names_its_own_flag() {
    // Both were reported as `--at` by the hand-written parser.
    for flag in ["--start", "--rotate-at"] {
        let (code, _, err) = run(example("plan").args([flag, "yesterday"]));
        assert_eq!(code, 2);
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(flag), "{flag}: {err}");
        assert!(!err.contains("--at "), "{flag}: {err}");
    }
    let (code, _, err) = run(example("plan").args(["--horizon", "5y"]));
    assert_eq!(code, 2);
    assert!(err.contains("--horizon"), "{err}");
    let (code, _, err) = run(example("plan").args(["--format", "yaml"]));
    assert_eq!(code, 2);
    assert!(err.contains("prometheus"), "the possible values: {err}");
}

#[test]
fn a_closed_stdout_ends_plan_quietly() {
    // `plan | head -1` with the reader gone before plan writes: it used to panic (exit 101,
    // "failed printing to stdout: Broken pipe").
    let mut child = example("plan")
        .args(["--start", "2026-01-01T00:00:00Z", "--timeline", "full"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "not quiet: {err}");
    assert_eq!(out.status.code(), Some(141), "as a tool ended by SIGPIPE");
}

#[test]
fn check_cannot_tell_on_manifests_alone_exit_3() {
    let (code, out, err) =
        run(example("check").args(["examples/data/seed.yaml", "--at", "2026-01-01T00:00:00Z"]));
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("phase: unknown"), "{out}");
    assert!(
        err.starts_with("error: cannot tell: ") && err.contains("kubectl get secret"),
        "{err}"
    );
}

/// Every line is a HELP, a TYPE or a sample as the format defines them (prometheus-parse
/// ignores what it cannot read, so that is checked line by line), every family has HELP and
/// TYPE, and the samples parse.
fn parse_prometheus(text: &str) -> prometheus_parse::Scrape {
    use prometheus_parse::LineInfo;
    let mut typed = std::collections::BTreeSet::new();
    let mut helped = std::collections::BTreeSet::new();
    for line in text.lines() {
        match LineInfo::parse(line) {
            LineInfo::Ignored | LineInfo::Empty => panic!("not exposition format: {line:?}"),
            LineInfo::Doc { metric_name, .. } => {
                helped.insert(metric_name.to_owned());
            }
            LineInfo::Type { metric_name, .. } => {
                typed.insert(metric_name);
            }
            LineInfo::Sample { metric_name, .. } => {
                assert!(typed.contains(metric_name), "no TYPE before {line}");
                assert!(helped.contains(metric_name), "no HELP before {line}");
            }
        }
    }
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let sample_lines = text.lines().filter(|l| !l.starts_with('#')).count();
    assert_eq!(scrape.samples.len(), sample_lines);
    scrape
}

fn gauge(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Gauge(v) => v,
            ref other => panic!("{metric} is not a gauge: {other:?}"),
        })
}

#[test]
fn plan_in_prometheus_format() {
    let (code, out, err) =
        run(example("plan").args(["--start", "2026-01-01T00:00:00Z", "--format", "prometheus"]));
    assert_eq!(code, 1, "{err}");
    let s = parse_prometheus(&out);
    // The seed's break: 2026-03-03T10:00:01Z.
    assert_eq!(
        gauge(&s, "certcycle_first_break_timestamp_seconds", &[]),
        Some(1_772_532_001.0)
    );
    // 2026-01-01 + 400d.
    assert_eq!(
        gauge(&s, "certcycle_plan_horizon_end_timestamp_seconds", &[]),
        Some(1_801_785_600.0)
    );
    let anchor = [
        ("kind", "Certificate"),
        ("namespace", "cert-manager"),
        ("name", "linkerd-trust-anchor"),
        ("role", "anchor"),
    ];
    // notAfter 2027-01-01, renewed by its 7320h renewBefore on 2026-03-02T00:00:00Z.
    assert_eq!(
        gauge(
            &s,
            "certcycle_certificate_expiry_timestamp_seconds",
            &anchor
        ),
        Some(1_798_761_600.0)
    );
    assert_eq!(
        gauge(
            &s,
            "certcycle_certificate_renewal_timestamp_seconds",
            &anchor
        ),
        Some(1_772_409_600.0)
    );
    assert!(
        gauge(
            &s,
            "certcycle_certificate_expiry_timestamp_seconds",
            &[("role", "issuer")]
        )
        .is_some()
    );

    // The corrected renewBefore holds 200 days: no first-break sample, the horizon's end is.
    let dir = tempfile::tempdir().unwrap();
    let rb = dir.path().join("rb.yaml");
    std::fs::write(
        &rb,
        include_str!("../examples/data/seed.yaml")
            .replace("renewBefore: 7320h0m0s", "renewBefore: 1440h0m0s"),
    )
    .unwrap();
    let (code, out, err) = run(example("plan").arg(&rb).args([
        "--start",
        "2026-01-01T00:00:00Z",
        "--horizon",
        "200d",
        "--format",
        "prometheus",
    ]));
    assert_eq!(code, 0, "{err}");
    let s = parse_prometheus(&out);
    assert_eq!(
        gauge(&s, "certcycle_first_break_timestamp_seconds", &[]),
        None
    );
    assert!(gauge(&s, "certcycle_plan_horizon_end_timestamp_seconds", &[]).is_some());
}

#[test]
fn check_in_prometheus_format_on_a_rotation_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("step1");
    let (code, _, err) = run(example("rotate")
        .args(["--stop-after", "1", "--out"])
        .arg(&out_dir));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(example("check").arg(&out_dir).args([
        "--at",
        "2026-01-04T02:00:00Z",
        "--format",
        "prometheus",
    ]));
    assert_eq!(code, 0, "{err}");
    let s = parse_prometheus(&out);
    assert_eq!(
        gauge(
            &s,
            "certcycle_rotation_phase",
            &[("phase", "anchor-staged")]
        ),
        Some(1.0)
    );
    assert_eq!(
        gauge(&s, "certcycle_check_timestamp_seconds", &[]),
        Some(1_767_492_000.0)
    );
    for role in ["anchor", "previous-anchor", "issuer"] {
        let expiry = gauge(
            &s,
            "certcycle_certificate_expiry_timestamp_seconds",
            &[("role", role), ("kind", "Secret")],
        );
        assert!(expiry.is_some_and(|t| t > 1_767_492_000.0), "{role}: {out}");
    }

    // Manifests alone: the phase is `unknown` (and the exit status 3).
    let (code, out, _) = run(example("check").args([
        "examples/data/seed.yaml",
        "--at",
        "2026-01-01T00:00:00Z",
        "--format",
        "prometheus",
    ]));
    assert_eq!(code, 3);
    let s = parse_prometheus(&out);
    assert_eq!(
        gauge(&s, "certcycle_rotation_phase", &[("phase", "unknown")]),
        Some(1.0)
    );
}

/// The README's yaml blocks, in order.
fn readme_yaml_blocks() -> Vec<&'static str> {
    let readme = include_str!("../README.md");
    let mut out = Vec::new();
    let mut rest = readme;
    while let Some(i) = rest.find("```yaml\n") {
        rest = &rest[i + "```yaml\n".len()..];
        let end = rest.find("```").unwrap();
        out.push(&rest[..end]);
        rest = &rest[end + 3..];
    }
    out
}

#[test]
fn the_readmes_cronjob_and_alert_rules_use_what_the_outputs_emit() {
    let blocks = readme_yaml_blocks();
    let cron = blocks
        .iter()
        .find(|b| b.contains("kind: CronJob"))
        .expect("the README's CronJob");
    let rules = blocks
        .iter()
        .find(|b| b.contains("groups:"))
        .expect("the README's alert rules");
    let cron: serde_json::Value = serde_saphyr::from_str(cron).unwrap();
    assert_eq!(cron["apiVersion"], "batch/v1");
    let container = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let script = container["args"][0].as_str().unwrap();
    assert!(script.contains("check /tmp/state.yaml --at \"$now\" --format prometheus"));
    assert!(script.contains("plan /tmp/state.yaml --start \"$now\""));
    // Every flag the script passes is one the examples accept.
    let (code, _, err) = run(example("plan").args([
        "examples/data/seed.yaml",
        "--start",
        "2026-01-01T00:00:00Z",
        "--horizon",
        "90d",
        "--format",
        "prometheus",
    ]));
    assert!(code == 0 || code == 1, "{err}");

    let rules: serde_json::Value = serde_saphyr::from_str(rules).unwrap();
    let rules = rules["groups"][0]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    let exprs: Vec<&str> = rules.iter().map(|r| r["expr"].as_str().unwrap()).collect();
    assert!(exprs[0].contains("certcycle_first_break_timestamp_seconds"));
    assert!(exprs[1].contains("certcycle_rotation_phase{phase=~\"broken.*\"}"));
    // The metric names are the ones plan and check write.
    let (_, plan_out, _) =
        run(example("plan").args(["--start", "2026-01-01T00:00:00Z", "--format", "prometheus"]));
    assert!(plan_out.contains("\ncertcycle_first_break_timestamp_seconds "));
    let (_, check_out, _) =
        run(example("check").args(["examples/data/seed.yaml", "--format", "prometheus"]));
    assert!(check_out.contains("\ncertcycle_rotation_phase{phase="));
}

#[test]
fn a_broken_phase_reads_as_the_alert_rules_regex_expects() {
    // The alert matches phase=~"broken.*": the phase label of a broken state starts so.
    let phase = certcycle::rotation::Phase::Broken(certcycle::rotation::Broken::AnchorExpired);
    assert!(phase.to_string().starts_with("broken"), "{phase}");
}
