//! Reports people can read and CI can gate on (DESIGN §16): the summarized timeline, typed
//! durations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::HumanDuration;
use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::plan::TimelineView;
use time::{Duration, macros::datetime};

fn seed_report() -> PlanReport {
    let objects = Objects::read(
        "examples/data/seed.yaml",
        include_str!("../examples/data/seed.yaml"),
    )
    .unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC)).unwrap();
    PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng).unwrap()
}

#[test]
fn the_seeds_summary_fits_a_screen_and_keeps_what_matters() {
    let report = seed_report();
    let text = report.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() < 40, "{} lines:\n{text}", lines.len());
    for needle in [
        "routine renewals of Certificate linkerd/linkerd-identity-issuer, every 23h0m0s (#2..#63)",
        "Renewed (renewal time reached) Certificate cert-manager/linkerd-trust-anchor: new trust anchor",
        "IssuerUpdateSkipped: identity issuer #64",
        "IssuerUpdateSkipped: identity issuer #65",
        "identity issuer #63 expired",
        "first break: 2026-03-03T10:00:01Z (day 61)",
        "fix: ",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // Every event within a day before the break is kept as it is: #63's renewal on day 59 is
    // in the collapsed run, the skip on day 60 is not.
    let full = {
        let mut r = seed_report();
        r.report.timeline = TimelineView::Full;
        r.to_string()
    };
    assert!(full.lines().count() > 140);
    assert!(full.contains("2026-03-01T10:00:00Z cert-manager: Renewed Certificate linkerd/linkerd-identity-issuer: identity issuer #63"));
    let mut none = seed_report();
    none.report.timeline = TimelineView::None;
    let none = none.to_string();
    assert!(!none.lines().any(|l| l.starts_with("2026-")), "{none}");
    assert!(none.contains("first break: "));
}

#[test]
fn durations_a_person_types() {
    for (text, want) in [
        ("400d", Duration::days(400)),
        ("2w", Duration::days(14)),
        ("1w2d", Duration::days(9)),
        ("1d12h", Duration::hours(36)),
        ("9600h", Duration::days(400)),
        ("90m", Duration::minutes(90)),
    ] {
        assert_eq!(text.parse::<HumanDuration>().unwrap().0, want, "{text}");
    }
    for bad in ["", "d", "5y", "2d1w", "-1d", "99999999999d", "1.5d", "3"] {
        assert!(bad.parse::<HumanDuration>().is_err(), "{bad}");
    }
}

/// The 1-based line of the first line of the seed's manifests that contains `needle`.
fn seed_line(needle: &str) -> u64 {
    let text = include_str!("../examples/data/seed.yaml");
    text.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn sarif_validates_against_the_2_1_0_schema_and_points_at_the_renew_before() {
    let report = seed_report();
    let sarif = report.to_sarif();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The schema is not a rubber stamp: a result without its message is refused.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken));

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let brk = results
        .iter()
        .find(|r| r["ruleId"] == "mtls-break")
        .expect("the break is a result");
    assert_eq!(brk["level"], "error");
    let loc = &brk["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "examples/data/seed.yaml");
    // The anchor Certificate's spec.renewBefore: the field whose value re-keys it on day 60.
    assert_eq!(loc["region"]["startLine"], seed_line("renewBefore: 7320h"));
    let lint = results
        .iter()
        .find(|r| r["ruleId"] == "anchor-early-rekey")
        .expect("the lint is a result");
    assert_eq!(lint["level"], "warning");
    assert_eq!(
        lint["locations"][0]["physicalLocation"]["region"]["startLine"],
        seed_line("renewBefore: 7320h")
    );
    // The JSON carries the same places.
    let json = report.to_json();
    let at = format!(
        "examples/data/seed.yaml:{}:",
        seed_line("renewBefore: 7320h")
    );
    assert!(
        json["first_break"]["location"]
            .as_str()
            .unwrap()
            .starts_with(&at),
        "{}",
        json["first_break"]
    );
}

#[test]
fn fail_within_gates_on_the_breaks_day() {
    let at_start = seed_report();
    assert!(at_start.has_break());
    assert!(
        !at_start.breaks_within(Duration::days(30)),
        "day 61 is after 30 days"
    );
    assert!(
        !at_start.breaks_within(Duration::days(61)),
        "61 days and 10 hours"
    );
    assert!(at_start.breaks_within(Duration::days(62)));
    // Forty days after install (the Secrets as they are then, as `kubectl get secret` gives
    // them) the same manifests break on day 21: inside 30 days.
    let objects = Objects::read(
        "examples/data/seed.yaml",
        include_str!("../examples/data/seed.yaml"),
    )
    .unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let t0 = datetime!(2026-01-01 0:00 UTC);
    let cfg = cluster.plan_config(t0).unwrap();
    let day40 = certcycle::plan::simulate(
        &cfg.clone().horizon(Duration::days(40)),
        &mut rand_core::OsRng,
    )
    .unwrap();
    let mut later_cfg = cfg.from_secrets(day40.secrets);
    later_cfg.start = t0 + Duration::days(40);
    let later = PlanReport::new(&cluster, &later_cfg, &mut rand_core::OsRng).unwrap();
    let b = later.report.run.first_break.as_ref().unwrap();
    assert_eq!(b.day, 21);
    assert!(later.breaks_within("30d".parse::<HumanDuration>().unwrap().0));
}

#[test]
fn the_readmes_github_actions_workflow_is_valid_yaml_running_plan_with_sarif() {
    let readme = include_str!("../README.md");
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Workflow {
        name: String,
        on: serde_json::Value,
        jobs: std::collections::BTreeMap<String, Job>,
    }
    #[derive(serde::Deserialize)]
    struct Job {
        #[serde(rename = "runs-on")]
        runs_on: String,
        steps: Vec<serde_json::Value>,
    }
    let wf: Workflow = serde_saphyr::from_str(block).unwrap();
    let job = &wf.jobs["plan"];
    assert_eq!(job.runs_on, "ubuntu-latest");
    let run = job
        .steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<String>();
    assert!(run.contains("--example plan"), "{run}");
    assert!(
        run.contains("--fail-within 30d") && run.contains("--format sarif"),
        "{run}"
    );
    assert!(job.steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
    }),);
}

#[test]
fn fix_out_writes_the_users_documents_that_plan_and_kubectl_accept() {
    let seed = include_str!("../examples/data/seed.yaml");
    let inputs = vec![("examples/data/seed.yaml".to_owned(), seed.to_owned())];
    let report = seed_report();
    let objects = Objects::read("examples/data/seed.yaml", seed).unwrap();
    let options = ResolveOptions::default();
    let cluster = Cluster::resolve(objects, &options);
    let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC)).unwrap();
    let fix = report
        .report
        .fixes
        .iter()
        .find(|f| f.held() && !f.fields.is_empty())
        .expect("a fix that changes a field held");
    let patched =
        certcycle::k8s::patch_fix(&inputs, &options, &cfg, fix, &mut rand_core::OsRng).unwrap();
    assert!(patched.held(), "re-planned from the written documents");
    assert_eq!(patched.documents.len(), 1);
    let (file, written) = &patched.documents[0];
    assert_eq!(file, "examples/data/seed.yaml");
    // Only the changed document, its comments and field order as given, one field changed.
    assert_eq!(written.matches("kind: Certificate").count(), 1);
    assert!(
        written.contains("# This is the name of the Certificate resource"),
        "{written}"
    );
    let original: &str = seed
        .split("\n---\n")
        .find(|d| d.contains("kind: Certificate") && d.contains("name: linkerd-trust-anchor\n"))
        .unwrap();
    let diff: Vec<(&str, &str)> = original
        .lines()
        .zip(written.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        diff,
        [("  renewBefore: 7320h0m0s", "  renewBefore: 1440h0m0s")]
    );

    // The written documents among the other inputs: a plan of them holds for 400 days, with
    // the fix's rotation.
    let replaced = seed.replacen(original.trim_end(), written.trim_end(), 1);
    let c2 = Cluster::resolve(Objects::read("fixed.yaml", &replaced).unwrap(), &options);
    let mut cfg2 = c2.plan_config(datetime!(2026-01-01 0:00 UTC)).unwrap();
    for op in &fix.operations {
        cfg2 = op.apply(cfg2);
    }
    let run = certcycle::plan::simulate(&cfg2, &mut rand_core::OsRng).unwrap();
    assert!(run.first_break.is_none());

    // kubectl reads the written document, and its own merge patch (the kubectl-patch line,
    // applied offline with --local) gives the same Certificate.
    let dir = tempfile::tempdir().unwrap();
    let written_path = dir.path().join("written.yaml");
    std::fs::write(&written_path, written).unwrap();
    let orig_path = dir.path().join("original.yaml");
    std::fs::write(&orig_path, original).unwrap();
    let read_back = support::kubectl(&[
        "patch",
        "--local",
        "-f",
        written_path.to_str().unwrap(),
        "--type",
        "merge",
        "-p",
        "{}",
        "-o",
        "yaml",
    ]);
    let line = &patched.kubectl[0];
    let body = line.split('\'').nth(1).expect("a quoted merge patch");
    assert!(line.starts_with(
        "kubectl patch certificate linkerd-trust-anchor -n cert-manager --type merge -p '"
    ));
    let merged = support::kubectl(&[
        "patch",
        "--local",
        "-f",
        orig_path.to_str().unwrap(),
        "--type",
        "merge",
        "-p",
        body,
        "-o",
        "yaml",
    ]);
    let spec = |text: &str| match &Objects::read("k", text).unwrap().objects[0].resource {
        certcycle::k8s::Resource::Certificate(c) => c.spec.clone(),
        _ => panic!("not a Certificate"),
    };
    assert_eq!(spec(&read_back), spec(&merged));
    assert_eq!(
        spec(&merged).get_renew_before(),
        Some(Duration::hours(1440))
    );
}
