//! Fixes as data (issue 31, in part): `--fix-out` writes each fix's dated operations as
//! `operations.yaml` (certcycle.io/v1alpha1, documented in `k8s::read_operations`), and
//! `plan ORIGINAL... DIR/fix-N/... --operations DIR/fix-N/operations.yaml` re-checks the fix
//! from the files alone; the `fix-out: re-check:` line is that command.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::{example, re_checks};

use certcycle::k8s::read_operations;
use certcycle::mesh::Procedure;
use certcycle::plan::Operation;
use time::macros::datetime;

/// The plan arguments of the first `fix-out: re-check:` line in `text` (after `--`).
fn re_check_args(text: &str) -> Vec<String> {
    re_checks(text).into_iter().next().expect("a re-check line")
}

/// The seed: its fix (renewBefore 1440h and the seven steps on 2026-10-25) is written with
/// its operations.yaml; the printed re-check command holds over the same 400 days, and the
/// same documents without the operations break (day 306: the anchor re-keys unplanned).
#[test]
fn the_seeds_fix_re_checks_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixes");
    let run = support::plan_fix_out::<&str>(&[], &out);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{text}");
    let yaml = std::fs::read_to_string(out.join("fix-1/operations.yaml")).unwrap();
    let ops = read_operations("operations.yaml", &yaml).unwrap();
    assert_eq!(
        ops,
        [Operation::Rotate {
            at: datetime!(2026-10-25 02:01 UTC),
            procedure: Procedure::SevenStep,
        }]
    );
    let args = &re_check_args(&text);
    assert!(args.iter().any(|a| a == "--operations"), "{args:?}");
    let again = example("plan").args(args).output().unwrap();
    let again_text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{again_text}");
    assert!(
        again_text.contains("verdict: no break within 400d"),
        "{again_text}"
    );
    // Without the operations the written documents alone break.
    let i = args.iter().position(|a| a == "--operations").unwrap();
    let mut without: Vec<&String> = args.iter().collect();
    without.drain(i..i + 2);
    let alone = example("plan").args(without).output().unwrap();
    assert_eq!(alone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&alone.stdout).contains("(day 306)"));
}

/// The re-check line re-plans what the fix was checked on: `--workloads` always, the
/// planned `--rotate-at` only under a fix that does not rotate (a fix's rotation replaces
/// it), and every printed re-check holds.
#[test]
fn the_re_check_line_repeats_the_plans_own_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fixes");
    let run = support::plan_fix_out(
        &[
            "--workloads",
            "9",
            "--rotate-at",
            "2026-06-01T00:00:00Z",
            "--procedure",
            "seven-step",
        ],
        &out,
    );
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{text}");
    let checks = re_checks(&text);
    assert!(checks.len() >= 2, "{text}");
    let has = |args: &[String], flag: &str, value: &str| {
        args.windows(2).any(|w| w[0] == flag && w[1] == value)
    };
    let mut rotating = 0;
    for args in &checks {
        assert!(has(args, "--workloads", "9"), "{args:?}");
        let fix_rotates = args.iter().any(|a| a == "--operations");
        rotating += usize::from(fix_rotates);
        assert_eq!(
            has(args, "--rotate-at", "2026-06-01T00:00:00Z"),
            !fix_rotates,
            "{args:?}"
        );
        let again = example("plan").args(args).output().unwrap();
        let again_text = String::from_utf8_lossy(&again.stdout);
        assert_eq!(again.status.code(), Some(0), "{args:?}\n{again_text}");
    }
    assert!(rotating >= 1 && rotating < checks.len(), "{checks:?}");
}

/// A hostile or mistaken operations file is an input error naming the operation, field and
/// line, never a silent skip: another apiVersion, an unknown kind, a bad time or duration,
/// more than MAX_OPERATIONS.
#[test]
fn a_bad_operations_file_names_the_field_and_line() {
    let head = "apiVersion: certcycle.io/v1alpha1\nkind: Operations\noperations:\n";
    for (body, want) in [
        (
            "apiVersion: certcycle.io/v2\nkind: Operations\n".to_owned(),
            "apiVersion: \"certcycle.io/v2\" is not one of certcycle.io/v1alpha1",
        ),
        (
            format!("{head}- kind: pause\n"),
            "operations[0].kind: \"pause\" is not one of rotate, restart-every",
        ),
        (
            format!("{head}- kind: rotate\n  at: tomorrow\n  procedure: seven-step\n"),
            "operations[0].at: \"tomorrow\" is not one of an RFC 3339 time",
        ),
        (
            format!("{head}- kind: replace-issuer\n  at: 2026-02-30T00:00:00Z\n"),
            "5:7: document 1 (Operations/operations): operations[0].at: \"2026-02-30T00:00:00Z\" is not one of an RFC 3339 time",
        ),
        (
            format!("{head}- kind: replace-issuer\n"),
            "operations[0].at",
        ),
        (
            format!("{head}- kind: restart-every\n  every: 0s\n"),
            "operations[0].every",
        ),
        (
            format!("{head}- kind: restart-every\n  every: 3 days\n"),
            "operations[0].every",
        ),
        (
            // A cadence no flag may ask for: bounded like --restart-every.
            format!("{head}- kind: rotate-auto\n  restart-every: 1s\n"),
            "operations[0].restart-every: \"1s\" is not one of a duration of at least 1m",
        ),
        (
            format!(
                "{head}{}",
                "- kind: restart-every\n  every: 1h\n".repeat(65)
            ),
            "65 entries, more than the 64",
        ),
    ] {
        let e = read_operations("ops.yaml", &body).unwrap_err().to_string();
        assert!(e.starts_with("ops.yaml:"), "{e}");
        assert!(e.contains(want), "{want}: {e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops.yaml");
    std::fs::write(&path, format!("{head}- kind: pause\n")).unwrap(); // line 4, column 9: the value
    let run = example("plan")
        .arg("--operations")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("p.yaml:4:9:")
            || String::from_utf8_lossy(&run.stderr).contains("ops.yaml:4:9:")
    );
}

/// cert-manager's default 90-day anchor behind a one-source Bundle (the shape of
/// BuoyantIO/service-mesh-academy's trust-manager set-up), the most common real shape: no
/// single-field fix holds, and the unattended rotation does; written as auto-rotation.yaml in
/// the cluster's names with its operations.yaml and dated actions, it re-checks from the files
/// over 400 days.
#[test]
fn the_default_90_day_anchor_is_fixed_by_unattended_rotation_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("linkerd-certs.yaml");
    std::fs::write(&input, NINETY).unwrap();
    let out = dir.path().join("fixes");
    let run = support::plan_fix_out(&[&input], &out);
    let text = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains("(day 61)"), "{text}");
    let held: Vec<&str> = text.lines().filter(|l| l.starts_with("fix: ")).collect();
    // Fixes are numbered in the order printed (smallest first): find the unattended one.
    let n = 1 + held
        .iter()
        .position(|l| l.contains("rotate the anchor unattended"))
        .unwrap_or_else(|| panic!("{text}"));
    let fix = out.join(format!("fix-{n}"));
    let actions = std::fs::read_to_string(fix.join("dated-actions.txt")).unwrap();
    assert!(
        actions.contains("get secret -n cert-manager linkerd-identity-trust-roots"),
        "{actions}"
    );
    let ops = read_operations(
        "operations.yaml",
        &std::fs::read_to_string(fix.join("operations.yaml")).unwrap(),
    )
    .unwrap();
    assert!(matches!(ops[..], [Operation::RotateAuto { .. }]), "{ops:?}");
    let check = text
        .lines()
        .filter(|l| l.starts_with("fix-out: re-check: "))
        .nth(n - 1)
        .unwrap();
    let again = example("plan").args(re_check_args(check)).output().unwrap();
    let again_text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{again_text}");
}

/// cert-manager's default 90-day anchor behind a one-source Bundle (BuoyantIO's shape).
const NINETY: &str = include_str!("data/k8s/ninety-day-one-source.yaml");
