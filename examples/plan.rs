//! A year of your own cluster in a second: the first mTLS break, its causes, and fixes the
//! simulator re-ran.
//!
//! ```text
//! cargo run --example plan -- [FILE...] [--horizon DURATION] [--workloads N]
//!     [--restart-every DURATION] [--rotate-at RFC3339 [--procedure seven-step|five-step|istio-root]]
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
//! 400d, 6 workloads, no routine restarts, dated from now (`--start` pins the present; the
//! output depends only on the input and `--start`: keys are random, but nothing printed
//! depends on them). With the anchor and issuer Secrets among the inputs (`kubectl get secret
//! -A -o yaml`), the plan starts from today's certificates with their real dates; a
//! certificate nothing renews that expired before the start is a break that already happened
//! (exit 1, `first break: ... (day -N: ... before the start, already happened)`). FILE `-`
//! reads standard input (`kubectl kustomize DIR | plan -`).
//! The chain is read from the identity issuer Secret up (DESIGN §15): each CA a Certificate,
//! a Secret nothing manages, or an external signer (Vault, Venafi, ...); the trust roots from a
//! Bundle, a static `linkerd-identity-trust-roots` ConfigMap, Helm values or `--trust-roots
//! FILE`. Installed certificates are read where Linkerd reads them (DESIGN §18): Helm values
//! files (at the top or under a wrapping chart's key, `global.` forms,
//! `identity.issuer.tls.crtPEM`/`keyPEM`), Flux `HelmRelease` `values` and `valuesFrom`, Argo
//! CD `Application` Helm sources, Buoyant's `ControlPlane`, the issuer Secret with `tls.crt`
//! or `crt.pem`, old `linkerd-config` ConfigMaps; a `kustomization.yaml` places the files it
//! lists in its namespace. `--namespace NS`
//! places manifests without `metadata.namespace` (as `kubectl apply -n NS`);
//! `--issuer-secret NS/NAME` names another identity issuer Secret. `unsupported:` lines name
//! objects certcycle recognizes but does not model (`certmanager.k8s.io`).
//! `--format html`: one self-contained page (inline SVG and CSS, no script): a lane per CA
//! with its certificates (re-keys marked), the trust roots over time, the identity
//! controller's and the operator's events, and the first break in red with its causes.
//! `--fix-out DIR`: each fix that held is written into your own documents under `DIR/fix-N/`
//! (only the changed documents; field order and other fields as given; an unattended-rotation
//! fix as `auto-rotation.yaml` with `dated-actions.txt`), with `kubectl-patch.sh`, the dated
//! `operations.txt` and `operations.yaml` (`certcycle.io/v1alpha1`, see
//! `certcycle::k8s::read_operations`), then re-planned from the written files; a `fix-out:`
//! line per fix says where it went or why it was not written, and a `fix-out: re-check:` line
//! gives the command that re-checks it from the files. `--operations FILE` replays an
//! operations file.
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

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::k8s::{Cluster, Objects, PlanReport, fix_relative_path, patch_fix};
use certcycle::mesh::Procedure;
use certcycle::plan::{self, TimelineView};
use certcycle::rotation::{Propagation, Schedule, WindowPolicy};
use certcycle::{NewFile, write_new_files};
use clap::Parser;
use common::{Fail, Resolve};
use std::path::Path;

const SEED: &str = include_str!("data/seed.yaml");

/// The schedule for `--rotation auto`: every topology in which cert-manager renews the anchor
/// (`Topology::auto_rotatable`), propagated by the restart cadence.
fn auto_schedule(
    cfg: &plan::Config,
    slack: Option<time::Duration>,
    policy: WindowPolicy,
) -> Result<Schedule, Box<dyn std::error::Error>> {
    cfg.topology
        .auto_rotatable()
        .map_err(|e| format!("--rotation auto: {e}"))?;
    let propagation = cfg
        .restart_every
        .map_or(Propagation::Never, Propagation::RestartEvery);
    let schedule = Schedule::new(cfg.auto_lifetimes(), propagation)?.with_policy(policy)?;
    Ok(match slack {
        Some(s) => schedule.with_slack(s)?,
        None => schedule,
    })
}

/// `--fix-out DIR`: each fix that held, written into the input documents under
/// `DIR/fix-N/`, with `kubectl-patch.sh` and `operations.txt`, and re-planned from the files
/// written; a `fix-out:` line says where, or why a fix was not written, and a
/// `fix-out: re-check:` line the command (with the flags the plan was given, see [`ReCheck`]) that re-checks it.
fn write_fixes(
    dir: &Path,
    inputs: &[(String, String)],
    (options, again): (&certcycle::k8s::ResolveOptions, &ReCheck),
    cfg: &certcycle::plan::Config,
    report: &PlanReport,
    force: bool,
) -> Result<(), Fail> {
    let held = report.report.fixes.iter().filter(|f| f.held());
    for (n, fix) in held.enumerate().map(|(i, f)| (i + 1, f)) {
        let out = dir.join(format!("fix-{n}"));
        let patched = match patch_fix(inputs, options, cfg, fix, &mut rand_core::OsRng) {
            Ok(p) => p,
            Err(e) => {
                outln!("fix-out: fix {n} not written: {e}");
                continue;
            }
        };
        if let Some(day) = patched.first_break_day {
            outln!(
                "fix-out: fix {n} not written: re-planned from the written documents, it breaks on day {day}"
            );
            continue;
        }
        // Each document at its path as given (a/linkerd.yaml and b/linkerd.yaml stay two
        // files), all or nothing.
        let mut files: Vec<NewFile> = patched
            .documents
            .iter()
            .map(|(file, text)| NewFile::public(fix_relative_path(file), text))
            .collect();
        if !patched.kubectl.is_empty() {
            files.push(NewFile::public(
                "kubectl-patch.sh",
                patched.kubectl.join("\n") + "\n",
            ));
        }
        if !patched.operations.is_empty() {
            files.push(NewFile::public(
                "operations.txt",
                patched.operations.join("\n") + "\n",
            ));
        }
        if let Some(yaml) = &patched.operations_yaml {
            files.push(NewFile::public("operations.yaml", yaml.as_str()));
        }
        for (name, text) in &patched.notes {
            files.push(NewFile::public(name.as_str(), text.as_str()));
        }
        write_new_files(&out, &files, force)?;
        outln!(
            "fix-out: {}: {} (re-planned from the written documents: no break within {}d)",
            out.display(),
            fix.change,
            cfg.horizon.whole_days()
        );
        // The contract: the original inputs, the written documents and the operations hold.
        let mut words: Vec<String> = vec![
            "cargo".into(),
            "run".into(),
            "--example".into(),
            "plan".into(),
            "--".into(),
        ];
        words.extend(inputs.iter().map(|(f, _)| f.clone()));
        words.extend(
            patched
                .documents
                .iter()
                .map(|(f, _)| out.join(fix_relative_path(f)).display().to_string()),
        );
        if patched.operations_yaml.is_some() {
            words.push("--operations".into());
            words.push(out.join("operations.yaml").display().to_string());
        }
        words.extend(again.flags.iter().cloned());
        // A fix that rotates replaces the planned rotations (as its re-plan did).
        if !fix
            .operations
            .iter()
            .any(|o| matches!(o, plan::Operation::Rotate { .. }))
        {
            words.extend(again.rotations.iter().cloned());
        }
        words.extend(["--start".into(), common::rfc3339(cfg.now())]);
        words.extend(["--horizon".into(), format!("{}d", cfg.horizon.whole_days())]);
        if let Some(every) = cfg.restart_every {
            words.extend([
                "--restart-every".into(),
                format!("{}m", every.whole_minutes()),
            ]);
        }
        outln!("fix-out: re-check: {}", certcycle::k8s::shell_line(&words));
    }
    Ok(())
}

/// `--workloads`'s default.
const DEFAULT_WORKLOADS: u32 = 6;

/// The flags a fix's `fix-out: re-check:` line repeats, so that it re-plans what the fix was
/// checked on.
#[derive(Debug, Default)]
struct ReCheck {
    /// Always repeated: resolution flags, `--workloads`, operations files without rotations.
    flags: Vec<String>,
    /// Repeated unless the fix rotates: `--rotate-at`/`--procedure`, operations files with
    /// rotations.
    rotations: Vec<String>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Lines for people: assume, lint, timeline, verdict or first break, causes, fixes.
    Text,
    /// One JSON document (`certcycle::k8s::PlanReport::to_json`).
    Json,
    /// SARIF 2.1.0 for code scanning: one located result per lint and for the first break.
    Sarif,
    /// One self-contained HTML page (inline SVG and CSS, no script).
    Html,
    /// Prometheus's text exposition format (node_exporter's textfile collector, Pushgateway).
    Prometheus,
}

/// `--procedure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProcedureArg {
    /// Linkerd's corrected procedure.
    SevenStep,
    /// The procedure as first published (it breaks mTLS).
    FiveStep,
    /// Istio with istio-csr: the new root in the root file beside the old, the signer moved
    /// a leaf lifetime later, the old root dropped a leaf lifetime after that.
    IstioRoot,
}

/// `--rotation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Rotation {
    /// No unattended rotation (cert-manager and the inputs' own operations only).
    None,
    /// The anchor rotates unattended by a schedule proven from the restart cadence.
    Auto,
}

/// `--windows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum WindowsArg {
    /// Prepare early (SPIRE's lead), margins after the propagation and the drain.
    Robust,
    /// The proven floors.
    Minimal,
}

impl WindowsArg {
    fn policy(self) -> WindowPolicy {
        match self {
            Self::Robust => WindowPolicy::Robust,
            Self::Minimal => WindowPolicy::Minimal,
        }
    }
}

/// `--timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Timeline {
    /// Routine identity issuer renewals collapsed into one line per run.
    Summary,
    /// Every event.
    Full,
    /// No timeline.
    None,
}

/// Forecasts a cluster's Linkerd mTLS certificates: the first break, its causes, and fixes the
/// simulator re-ran.
///
/// Reads cert-manager / trust-manager manifests (and the Secrets and ConfigMaps holding
/// today's certificates, if given) and simulates them forward with what cert-manager,
/// trust-manager, Linkerd's identity controller and proxies really do.
#[derive(Debug, Parser)]
#[command(
    name = "plan",
    after_help = "Examples:\n  \
    cargo run --example plan                                 # the seed document's manifests: a break on day 61, and a fix\n  \
    cargo run --example plan -- deploy/linkerd/*.yaml --namespace linkerd --horizon 400d\n  \
    cargo run --example plan -- cluster.yaml --fail-within 30d --format sarif > plan.sarif\n  \
    cargo run --example plan -- --rotation auto --restart-every 24h --horizon 1095d\n\n\
Exit status: 0 no break, 1 a break (or a configuration cert-manager/Linkerd cannot run),\n\
2 input or usage error, 3 cannot model (with the input or flag that would make it modelable).\n\
Durations: 400d, 2w, 9600h, 1h30m."
)]
struct Cli {
    /// Manifests, YAML or JSON (`kubectl get -o yaml` Lists too), or directories of them.
    /// Without FILE, the seed document's manifests (examples/data/seed.yaml).
    #[arg(value_name = "FILE")]
    files: Vec<String>,
    /// How far to simulate.
    #[arg(long, value_name = "DURATION", value_parser = common::duration_arg, default_value = "400d")]
    horizon: time::Duration,
    /// How many workloads the simulated mesh runs.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WORKLOADS, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    workloads: u32,
    /// Routine restarts of every pod (a proxy loads the trust roots when it starts) [default: none].
    #[arg(long, value_name = "DURATION", value_parser = common::duration_arg)]
    restart_every: Option<time::Duration>,
    /// Rotates the anchor by hand at this time, by --procedure.
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    rotate_at: Option<time::OffsetDateTime>,
    /// The procedure --rotate-at follows.
    #[arg(long, value_enum, default_value = "seven-step")]
    procedure: ProcedureArg,
    /// The present the plan is dated from [default: now, from the clock]. Certificates keep
    /// their real dates; one nothing renews that expired before it is a break that already
    /// happened.
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    start: Option<time::OffsetDateTime>,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// How much of the timeline the text shows.
    #[arg(long, value_enum, default_value = "summary")]
    timeline: Timeline,
    /// A CI gate: a break later than this after the start is a warning (exit 0).
    #[arg(long, value_name = "DURATION", value_parser = common::spelled_duration_arg)]
    fail_within: Option<common::SpelledDuration>,
    /// Writes each fix that held into your own documents under DIR/fix-N/ (with
    /// --rotation auto: DIR/auto-rotation.yaml and DIR/dated-actions.txt).
    #[arg(long, value_name = "DIR")]
    fix_out: Option<String>,
    /// Replace files under --fix-out that exist (by rename: a link there is replaced, never
    /// followed).
    #[arg(long)]
    force: bool,
    /// Unattended rotation of the anchor.
    #[arg(long, value_enum, default_value = "none")]
    rotation: Rotation,
    /// With --rotation auto: the time kept between retiring an anchor and its notAfter
    /// [default: one leaf lifetime].
    #[arg(long, value_name = "DURATION", value_parser = common::duration_arg)]
    slack: Option<time::Duration>,
    /// Replays the dated operations of an operations file (a fix's operations.yaml, as
    /// --fix-out writes it: rotations by a procedure, routine restarts); may be given more
    /// than once, replayed in order.
    #[arg(long, value_name = "FILE")]
    operations: Vec<String>,
    /// With --rotation auto: robust prepares up to SPIRE's lead (min(life/2, 30d) before
    /// expiry) with margins after the propagation and the drain; minimal keeps the proven
    /// floors.
    #[arg(long, value_enum, default_value = "robust")]
    windows: WindowsArg,
    #[command(flatten)]
    resolve: Resolve,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let fail_within = args.fail_within.as_ref().map(|d| d.value);
        let mut objects = Objects::default();
        // The input texts, for --fix-out (which writes fixes into the user's own documents).
        let mut inputs: Vec<(String, String)> = Vec::new();
        if args.files.is_empty() {
            objects.add("examples/data/seed.yaml", SEED)?;
            inputs.push(("examples/data/seed.yaml".into(), SEED.into()));
        }
        for file in &args.files {
            if file == "-" {
                let text = common::read_input("-")?;
                objects.add("-", &text)?;
                inputs.push(("-".into(), text));
                continue;
            }
            objects.add_path(Path::new(file))?;
            if (args.fix_out.is_some() || args.format == Format::Sarif) && Path::new(file).is_file()
            {
                inputs.push((file.clone(), common::read_input(file)?));
            }
        }
        args.resolve.place(&mut objects);
        let options = args.resolve.options()?;
        out!("{}", common::unsupported(&objects));
        let cluster = Cluster::resolve(objects, &options);
        let mut cfg = match cluster.plan_config(args.start.unwrap_or_else(common::now_to_second)) {
            Ok(cfg) => cfg,
            Err(e) => {
                out!("{}", PlanReport::preamble(&cluster));
                eprintln!("error: {e}");
                return Ok(match () {
                    () if e.is_break() => 1,
                    () if e.cannot_model() => 3,
                    () => 2,
                });
            }
        };
        cfg = cfg.horizon(args.horizon);
        let workloads = usize::try_from(args.workloads).map_err(Fail::from)?;
        cfg = cfg.workloads(workloads);
        if let Some(every) = args.restart_every {
            if every < time::Duration::minutes(1) {
                return Err(Fail::usage("--restart-every: at least 1m"));
            }
            cfg = cfg.restart_every(Some(every));
        }
        let procedure = match args.procedure {
            ProcedureArg::SevenStep => Procedure::SevenStep,
            ProcedureArg::FiveStep => Procedure::FiveStep,
            ProcedureArg::IstioRoot => Procedure::IstioRoot,
        };
        if let Some(at) = args.rotate_at {
            cfg = cfg.rotate_at(at, procedure);
        }
        // What the plan replays beyond the files, for a fix's re-check line: the fix's own
        // rotation replaces these rotations, not the rest.
        let mut again = ReCheck::default();
        if args.workloads != DEFAULT_WORKLOADS {
            again
                .flags
                .extend(["--workloads".into(), args.workloads.to_string()]);
        }
        if let Some(at) = args.rotate_at {
            again.rotations.extend([
                "--rotate-at".into(),
                common::rfc3339(at),
                "--procedure".into(),
                procedure.to_string(),
            ]);
        }
        for path in &args.operations {
            let text = common::read_input(path)?;
            let ops = certcycle::k8s::read_operations(path, &text)?;
            let list = if ops
                .iter()
                .any(|op| matches!(op, plan::Operation::Rotate { .. }))
            {
                &mut again.rotations
            } else {
                &mut again.flags
            };
            list.extend(["--operations".into(), path.clone()]);
            for op in ops {
                if args.rotation == Rotation::Auto && matches!(op, plan::Operation::Rotate { .. }) {
                    return Err(Fail::usage(format!(
                        "--rotation auto and {path}'s rotation: one rotation or the other"
                    )));
                }
                cfg = op.apply(cfg);
            }
        }
        let auto_asked =
            (args.rotation == Rotation::Auto).then_some("unattended rotation (--rotation auto)");
        if let Some(e) = plan::not_for_mesh(&cfg, auto_asked) {
            eprintln!("error: cannot model: {e}");
            return Ok(3);
        }
        let auto = match args.rotation {
            Rotation::None => None,
            Rotation::Auto if args.rotate_at.is_some() => {
                return Err(Fail::usage(
                    "--rotation auto and --rotate-at: one rotation or the other",
                ));
            }
            Rotation::Auto => match auto_schedule(&cfg, args.slack, args.windows.policy()) {
                Ok(s) => Some(s),
                Err(e) => {
                    eprintln!("error: cannot model: {e}");
                    return Ok(3);
                }
            },
        };
        if let Some(schedule) = &auto {
            cfg = cfg.auto_rotation(schedule.clone());
        }
        let view = match args.timeline {
            Timeline::Summary => TimelineView::Summary,
            Timeline::Full => TimelineView::Full,
            Timeline::None => TimelineView::None,
        };
        let mut report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)?;
        report.report.timeline = view;
        match args.format {
            Format::Json => {
                let mut json = report.to_json();
                if let Some(schedule) = &auto {
                    json["rotation"] = plan::auto_json(schedule, &report.report.run);
                }
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&json).map_err(Fail::from)?
                );
            }
            Format::Sarif => {
                // Each fix that held by field edits alone, placed in the input files and
                // re-planned from them, becomes a SARIF fix on the break's result.
                let mut fixes = Vec::new();
                for fix in report.report.fixes.iter().filter(|f| f.held()) {
                    if !fix.operations.is_empty() {
                        continue;
                    }
                    if let Ok(p) = patch_fix(&inputs, &options, &cfg, fix, &mut rand_core::OsRng)
                        && p.held()
                    {
                        fixes.push((fix.change.clone(), p.replacements));
                    }
                }
                outln!(
                    "{}",
                    serde_json::to_string_pretty(&report.to_sarif_with_fixes(&fixes))
                        .map_err(Fail::from)?
                )
            }
            Format::Html => out!("{}", report.to_html("certcycle plan")),
            Format::Prometheus => out!("{}", report.to_prometheus()),
            Format::Text => {
                if let Some(schedule) = &auto {
                    for line in plan::auto_lines(schedule, &report.report.run) {
                        outln!("{line}");
                    }
                }
                out!("{report}");
            }
        }
        if let (Some(dir), Some(schedule)) = (&args.fix_out, &auto) {
            let dir = Path::new(dir);
            let files = [
                NewFile::public(
                    "auto-rotation.yaml",
                    certcycle::k8s::auto_manifests(&cfg, schedule)?,
                ),
                NewFile::public(
                    "dated-actions.txt",
                    plan::dated_actions(&cfg, &report.report.run),
                ),
            ];
            write_new_files(dir, &files, args.force)?;
            outln!(
                "fix-out: {}/auto-rotation.yaml, {}/dated-actions.txt",
                dir.display(),
                dir.display()
            );
        } else if let Some(dir) = &args.fix_out {
            again.flags.extend(args.resolve.words());
            write_fixes(
                Path::new(dir),
                &inputs,
                (&options, &again),
                &cfg,
                &report,
                args.force,
            )?;
        }
        // The CI gate: a break later than --fail-within is a warning.
        match (fail_within, &report.report.run.first_break) {
            (Some(within), Some(b)) if !report.breaks_within(within) => {
                eprintln!(
                    "warning: first break on day {} ({}), after --fail-within {}: not failing",
                    b.day,
                    common::rfc3339(b.at),
                    args.fail_within.as_ref().map_or("", |d| d.text.as_str())
                );
                Ok(0)
            }
            _ => Ok(u8::from(report.has_break())),
        }
    })
}
