//! A year of your own cluster in a second: the first mTLS break, its causes, and fixes the
//! simulator re-ran.
//!
//! ```text
//! cargo run --example plan -- [FILE...] [--horizon DURATION] [--workloads N]
//!     [--restart-every DURATION] [--rotate-at RFC3339 [--procedure seven-step|five-step]]
//!     [--start RFC3339] [--format text|json|sarif|html] [--timeline summary|full|none]
//!     [--fail-within DURATION] [--rotation none|auto [--slack DURATION]]
//!     [--cert-manager-before-1.18]
//!     [--namespace NS] [--issuer-secret NS/NAME] [--linkerd-namespace NS] [--trust-roots FILE]
//! ```
//!
//! FILE: cert-manager / trust-manager manifests (YAML or JSON, `kubectl get -o yaml|json`
//! Lists too); without FILE, the seed document's manifests (`examples/data/seed.yaml`,
//! embedded). Prints `assume:` and `lint:` lines, the timeline `<RFC3339> <who>: <what>`
//! (`--timeline summary`, the default, collapses runs of routine identity issuer renewals into
//! one `<RFC3339> .. <RFC3339> cert-manager: N routine renewals ...` line; `full` prints every
//! event, `none` none),
//! then `verdict: no break within <horizon>` or `first break: <RFC3339> (day <d>): <client>
//! -> <server>: <reason>`, the `cause:` lines (oldest first) and the `fix:` lines — each fix
//! re-simulated over the same horizon and printed only if it held. `--format json`: one JSON
//! document (fields documented on `certcycle::k8s::PlanReport::to_json`). Defaults: horizon
//! 400d, 6 workloads, no routine restarts, start 2026-01-01T00:00:00Z (or the newest notBefore). The output depends
//! only on the input (keys are random, but nothing printed depends on them). With the anchor
//! and issuer Secrets among the inputs (`kubectl get secret -A -o yaml`), the plan starts from
//! today's certificates, at the newest notBefore unless `--start` says otherwise.
//! The chain is read from the identity issuer Secret up (DESIGN §15): each CA a Certificate,
//! a Secret nothing manages, or an external signer (Vault, Venafi, ...); the trust roots from a
//! Bundle, a static `linkerd-identity-trust-roots` ConfigMap, Helm values
//! (`identityTrustAnchorsPEM`, a Flux `HelmRelease`) or `--trust-roots FILE`. `--namespace NS`
//! places manifests without `metadata.namespace` (as `kubectl apply -n NS`);
//! `--issuer-secret NS/NAME` names another identity issuer Secret. `unsupported:` lines name
//! objects certcycle recognizes but does not model (`certmanager.k8s.io`).
//! `--format html`: one self-contained page (inline SVG and CSS, no script): a lane per CA
//! with its certificates (re-keys marked), the trust roots over time, the identity
//! controller's and the operator's events, and the first break in red with its causes.
//! `--fix-out DIR`: each fix that held is written into your own documents under `DIR/fix-N/`
//! (only the changed documents; field order and other fields as given), with
//! `kubectl-patch.sh` and the dated `operations.txt`, then re-planned from the written files;
//! a `fix-out:` line per fix says where it went or why it was not written.
//! Durations take days and weeks too (`400d`, `2w`, `9600h`). `--format sarif`: SARIF 2.1.0,
//! one result per lint and for the first break, located at the object and field that cause
//! it (the anchor Certificate's `spec.renewBefore` for an anchor re-key). `--fail-within D`: a
//! break later than D after the start is a warning on stderr and exit 0 (a CI gate).
//! `--rotation auto` (DESIGN §17): the anchor rotates unattended by a schedule proven from the
//! restart cadence (`rotation::Schedule`), run by the reconcile loop (`rotation::reconcile`);
//! prints the `rotation:` lines (each window, its length and why; SPIRE's fractions on the same
//! anchor; each rotation's prepare, activate and retire) before the verdict. With `--fix-out
//! DIR` it writes `DIR/auto-rotation.yaml` (the manifests) and `DIR/dated-actions.txt` (what
//! cert-manager cannot time). No restarts, or an anchor too short for the windows: exit 3,
//! naming the restart cadence that would do. `--slack D` keeps D between retiring an anchor
//! and its notAfter. With `--format json` the same is the document's `rotation` object
//! (`certcycle::plan::auto_json`).
//! Exit 0 no break, 1 a break (or a configuration cert-manager/Linkerd cannot run), 2 input
//! error (`error: <file>:<line>:<col>: ...`), 3 cannot model (`error: cannot model: ...` with
//! the input or flag that would make it modelable).

#[path = "common/mod.rs"]
mod common;

use certcycle::k8s::{Cluster, Objects, PlanReport, patch_fix};
use certcycle::mesh::Procedure;
use certcycle::plan::{self, TimelineView};
use certcycle::rotation::{Lifetimes, Propagation, Schedule};
use common::{Args, Fail};
use std::path::Path;

const SEED: &str = include_str!("data/seed.yaml");

/// The schedule for `--rotation auto`: the seed's shape only (a self-signed anchor Certificate
/// and a trust-manager Bundle), propagated by the restart cadence.
fn auto_schedule(
    cfg: &plan::Config,
    slack: Option<time::Duration>,
) -> Result<Schedule, Box<dyn std::error::Error>> {
    if !cfg.topology.is_seed_shape() {
        return Err("--rotation auto drives a self-signed anchor Certificate under a trust-manager Bundle (the seed's shape); this set-up's anchor or trust roots are not that: give such manifests, or rotate by --rotate-at".into());
    }
    let propagation = cfg
        .restart_every
        .map_or(Propagation::Never, Propagation::RestartEvery);
    let schedule = Schedule::new(Lifetimes::linkerd(cfg.anchor.get_duration()), propagation)?;
    Ok(match slack {
        Some(s) => schedule.with_slack(s)?,
        None => schedule,
    })
}

/// `--fix-out DIR`: each fix that held, written into the input documents under
/// `DIR/fix-N/`, with `kubectl-patch.sh` and `operations.txt`, and re-planned from the files
/// written; a `fix-out:` line says where, or why a fix was not written.
fn write_fixes(
    dir: &Path,
    inputs: &[(String, String)],
    options: &certcycle::k8s::ResolveOptions,
    cfg: &certcycle::plan::Config,
    report: &PlanReport,
) -> Result<(), Fail> {
    let held = report.report.fixes.iter().filter(|f| f.held());
    for (n, fix) in held.enumerate().map(|(i, f)| (i + 1, f)) {
        let out = dir.join(format!("fix-{n}"));
        let patched = match patch_fix(inputs, options, cfg, fix, &mut rand_core::OsRng) {
            Ok(p) => p,
            Err(e) => {
                println!("fix-out: fix {n} not written: {e}");
                continue;
            }
        };
        if let Some(day) = patched.first_break_day {
            println!(
                "fix-out: fix {n} not written: re-planned from the written documents, it breaks on day {day}"
            );
            continue;
        }
        std::fs::create_dir_all(&out)
            .map_err(|e| Fail::usage(format!("{}: {e}", out.display())))?;
        for (file, text) in &patched.documents {
            let name = Path::new(file)
                .file_name()
                .map_or_else(|| "fix.yaml".into(), |n| n.to_string_lossy().into_owned());
            common::write_file(&out.join(name), text, false)?;
        }
        if !patched.kubectl.is_empty() {
            common::write_file(
                &out.join("kubectl-patch.sh"),
                &(patched.kubectl.join("\n") + "\n"),
                false,
            )?;
        }
        if !patched.operations.is_empty() {
            common::write_file(
                &out.join("operations.txt"),
                &(patched.operations.join("\n") + "\n"),
                false,
            )?;
        }
        println!(
            "fix-out: {}: {} (re-planned from the written documents: no break within {}d)",
            out.display(),
            fix.change,
            cfg.horizon.whole_days()
        );
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(
            &[
                "--horizon",
                "--workloads",
                "--restart-every",
                "--rotate-at",
                "--procedure",
                "--start",
                "--format",
                "--timeline",
                "--fail-within",
                "--fix-out",
                "--namespace",
                "--issuer-secret",
                "--linkerd-namespace",
                "--trust-roots",
                "--rotation",
                "--slack",
            ],
            &["--cert-manager-before-1.18"],
        )?;
        let format = args.get("--format").unwrap_or("text");
        if !["text", "json", "sarif", "html"].contains(&format) {
            return Err(Fail::usage(format!(
                "--format: '{format}' is not text, json, sarif or html"
            )));
        }
        let fail_within = args.duration("--fail-within")?;
        let mut objects = Objects::default();
        // The input texts, for --fix-out (which writes fixes into the user's own documents).
        let mut inputs: Vec<(String, String)> = Vec::new();
        if args.positional.is_empty() {
            objects.add("examples/data/seed.yaml", SEED)?;
            inputs.push(("examples/data/seed.yaml".into(), SEED.into()));
        }
        for file in &args.positional {
            objects.add_path(Path::new(file))?;
            if args.get("--fix-out").is_some() && Path::new(file).is_file() {
                inputs.push((file.clone(), common::read_input(file)?));
            }
        }
        common::place(&mut objects, &args);
        let options = common::resolve_options(&args)?;
        print!("{}", common::unsupported(&objects));
        let cluster = Cluster::resolve(objects, &options);
        let start = match args.get("--start") {
            Some(t) => Some(common::parse_time(t)?),
            None => None,
        };
        let mut cfg = match cluster.plan_config(start) {
            Ok(cfg) => cfg,
            Err(e) => {
                print!("{}", PlanReport::preamble(&cluster));
                eprintln!("error: {e}");
                return Ok(match () {
                    () if e.is_break() => 1,
                    () if e.cannot_model() => 3,
                    () => 2,
                });
            }
        };
        if let Some(h) = args.duration("--horizon")? {
            cfg = cfg.horizon(h);
        }
        if let Some(n) = args.get("--workloads") {
            let n: usize = n
                .parse()
                .ok()
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| Fail::usage("--workloads: a number from 1 to 100000"))?;
            cfg = cfg.workloads(n);
        }
        if let Some(every) = args.duration("--restart-every")? {
            if every < time::Duration::minutes(1) {
                return Err(Fail::usage("--restart-every: at least 1m"));
            }
            cfg = cfg.restart_every(Some(every));
        }
        let procedure = match args.get("--procedure").unwrap_or("seven-step") {
            "seven-step" => Procedure::SevenStep,
            "five-step" => Procedure::FiveStep,
            other => return Err(Fail::usage(format!("--procedure: unknown '{other}'"))),
        };
        if let Some(at) = args.get("--rotate-at") {
            cfg = cfg.rotate_at(common::parse_time(at)?, procedure);
        }
        let auto = match args.get("--rotation").unwrap_or("none") {
            "none" => None,
            "auto" if args.get("--rotate-at").is_some() => {
                return Err(Fail::usage(
                    "--rotation auto and --rotate-at: one rotation or the other",
                ));
            }
            "auto" => match auto_schedule(&cfg, args.duration("--slack")?) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("error: cannot model: {e}");
                    return Ok(3);
                }
            },
            other => {
                return Err(Fail::usage(format!(
                    "--rotation: '{other}' is not none or auto"
                )));
            }
        };
        if let Some(schedule) = &auto {
            cfg = cfg.auto_rotation(schedule.clone());
        }
        let view = args
            .get("--timeline")
            .unwrap_or("summary")
            .parse::<TimelineView>()
            .map_err(|e| Fail::usage(format!("--timeline: {e}")))?;
        let mut report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)?;
        report.report.timeline = view;
        match format {
            "json" => {
                let mut json = report.to_json();
                if let Some(schedule) = &auto {
                    json["rotation"] = plan::auto_json(schedule, &report.report.run);
                }
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json).map_err(Fail::from)?
                );
            }
            "sarif" => println!(
                "{}",
                serde_json::to_string_pretty(&report.to_sarif()).map_err(Fail::from)?
            ),
            "html" => print!("{}", report.to_html("certcycle plan")),
            _ => {
                if let Some(schedule) = &auto {
                    for line in plan::auto_lines(schedule, &report.report.run) {
                        println!("{line}");
                    }
                }
                print!("{report}");
            }
        }
        if let (Some(dir), Some(schedule)) = (args.get("--fix-out"), &auto) {
            let dir = Path::new(dir);
            common::write_file(
                &dir.join("auto-rotation.yaml"),
                &plan::auto_manifests(&cfg, schedule)?,
                false,
            )?;
            common::write_file(
                &dir.join("dated-actions.txt"),
                &plan::dated_actions(&report.report.run),
                false,
            )?;
            println!(
                "fix-out: {}/auto-rotation.yaml, {}/dated-actions.txt",
                dir.display(),
                dir.display()
            );
        } else if let Some(dir) = args.get("--fix-out") {
            write_fixes(Path::new(dir), &inputs, &options, &cfg, &report)?;
        }
        // The CI gate: a break later than --fail-within is a warning.
        match (fail_within, &report.report.run.first_break) {
            (Some(within), Some(b)) if !report.breaks_within(within) => {
                eprintln!(
                    "warning: first break on day {} ({}), after --fail-within {}: not failing",
                    b.day,
                    common::rfc3339(b.at),
                    args.get("--fail-within").unwrap_or_default()
                );
                Ok(0)
            }
            _ => Ok(u8::from(report.has_break())),
        }
    })
}
