//! Unattended anchor rotation (DESIGN §17), driven the way a Kubernetes operator would: read
//! the objects, call `rotation::reconcile`, wait until the time it names, look again. The
//! cluster is the simulator (`plan`'s engine: cert-manager, trust-manager, Linkerd's identity
//! controller and proxies, routine restarts), whose own loop takes each action `reconcile`
//! decides; this example checks at every step that what it reads back is the phase the
//! schedule expects and that the next action is the one `reconcile` announced (at its time or,
//! when a call then finds the wait not over, later).
//!
//! ```text
//! cargo run --example autorotate -- [FILE...] [--anchor DURATION] [--restart-every DURATION]
//!     [--windows robust|minimal] [--workloads N] [--rotations K] [--out DIR] [--seed S]
//! ```
//!
//! Without FILE: 30d anchors (the seed's shape otherwise: 48h identity issuer renewed 25h
//! before expiry, 24h leaves). With FILE: the cluster those manifests describe, in any topology
//! where cert-manager renews the anchor (`plan --rotation auto`'s; exit 3 naming why
//! otherwise), its anchor's own duration. Every pod restarting every 24h, robust windows, 6
//! workloads, 1 rotation, seed 1. It
//! prints the schedule (`rotation:` lines: each window, its length and why; SPIRE's windows
//! for the same anchor), then a line per step: `step-N: <RFC3339> <action>: phase <phase>;
//! next <action> at <RFC3339>`. `--out DIR` writes `DIR/auto-rotation.yaml` (the manifests),
//! `DIR/dated-actions.txt`, and `DIR/step-N/` for the state at install (N = 0) and after each
//! action, as `rotate --out` does (key files mode 0600), each with `certcycle-at` holding the
//! time it stands for, so `check DIR/step-N` reads it at that time without `--at`. Exit 0 when every step held; 1 when the simulation broke or a step was not
//! what `reconcile` announced; 2 on a usage error; 3 when no schedule exists (no restarts, or
//! an anchor too short for the windows), naming the cadence that would do.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::CertSpec;
use certcycle::plan::{self, Config, Snapshot};
use certcycle::presets::linkerd;
use certcycle::rotation::{Due, Observed, Propagation, Schedule, WindowPolicy, reconcile};
use clap::Parser;
use common::{Fail, rfc3339};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::path::PathBuf;
use time::{Duration, macros::datetime};

/// Unattended anchor rotation driven as an operator would: read the objects, call
/// `rotation::reconcile`, wait until the time it names, look again.
#[derive(Debug, Parser)]
#[command(
    name = "autorotate",
    after_help = "Examples:\n  \
    cargo run --example autorotate -- --out auto\n  \
    cargo run --example autorotate -- --anchor 90d --restart-every 12h --rotations 3\n  \
    cargo run --example autorotate -- deploy/linkerd/*.yaml --rotations 2 --out auto\n\n\
Durations: 30d, 2w, 720h, 1h30m.\n\
Exit status: 0 every step held, 1 the simulation broke or a step was not what reconcile\n\
announced, 2 usage error, 3 no schedule exists (naming the cadence that would do)."
)]
struct Cli {
    /// The cluster's manifests (YAML or JSON, or directories of them) [default: the seed's
    /// shape with --anchor].
    #[arg(value_name = "FILE")]
    files: Vec<String>,
    /// The anchor's lifetime (without FILE).
    #[arg(long, value_name = "DURATION", value_parser = common::duration_arg, default_value = "30d")]
    anchor: Duration,
    /// Every pod restarts this often.
    #[arg(long, value_name = "DURATION", value_parser = common::duration_arg, default_value = "24h")]
    restart_every: Duration,
    /// robust prepares up to SPIRE's lead (min(life/2, 30d) before expiry) with margins;
    /// minimal keeps the proven floors.
    #[arg(long, value_enum, default_value = "robust")]
    windows: WindowsArg,
    /// Workloads in the simulated mesh.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    workloads: u32,
    /// How many rotations to run.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=20))]
    rotations: i32,
    /// Writes the manifests, the dated actions and each step's state (readable by check).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The seed of the simulation's keys and serials.
    #[arg(long, value_name = "S", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    seed: u64,
    /// Replace files under --out that exist (by rename: a link there is replaced, never followed).
    #[arg(long)]
    force: bool,
}

/// `--windows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum WindowsArg {
    /// Prepare early (SPIRE's lead), margins after the propagation and the drain.
    Robust,
    /// The proven floors.
    Minimal,
}

/// The configuration to run: the cluster's manifests, or the seed's shape with `anchor`.
fn configuration(
    files: &[String],
    anchor: Duration,
    start: time::OffsetDateTime,
) -> Result<Result<Config, String>, Fail> {
    if files.is_empty() {
        let mut cfg = Config::seed(start);
        cfg.anchor = CertSpec::ca(linkerd::TRUST_ANCHOR_CN, anchor);
        return Ok(Ok(cfg));
    }
    let mut objects = certcycle::k8s::Objects::default();
    for f in files {
        objects.add_path(std::path::Path::new(f))?;
    }
    let cluster =
        certcycle::k8s::Cluster::resolve(objects, &certcycle::k8s::ResolveOptions::default());
    let cfg = match cluster.plan_config(start) {
        Ok(cfg) => cfg,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if let Some(e) = certcycle::plan::not_for_mesh(&cfg, Some("unattended rotation")) {
        return Ok(Err(format!("cannot model: {e}")));
    }
    Ok(match cfg.topology.auto_rotatable() {
        Ok(()) => Ok(cfg),
        Err(e) => Err(format!("cannot model: {e}")),
    })
}

/// What `reconcile` says on the state a run held at one time.
fn decide(state: &Snapshot, schedule: &Schedule) -> Result<certcycle::rotation::Reconciled, Fail> {
    let s = &state.secrets;
    let observed = Observed::new(
        s.anchor.certificate(),
        s.previous.as_ref(),
        &state.published,
        s.issuer.certificate(),
    );
    Ok(reconcile(&observed, schedule, state.at)?)
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let anchor = args.anchor;
        let every = args.restart_every;
        let workloads = usize::try_from(args.workloads).map_err(Fail::from)?;
        let rotations = args.rotations;
        let seed = args.seed;
        let out = args.out.clone();
        let start = datetime!(2026-01-01 0:00 UTC);
        let cfg = match configuration(&args.files, anchor, start)? {
            Ok(cfg) => cfg.restart_every(Some(every)).workloads(workloads),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(3);
            }
        };
        let policy = match args.windows {
            WindowsArg::Robust => WindowPolicy::Robust,
            WindowsArg::Minimal => WindowPolicy::Minimal,
        };
        let schedule = match Schedule::new(cfg.auto_lifetimes(), Propagation::RestartEvery(every))
            .and_then(|s| s.with_policy(policy))
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot model: {e}");
                return Ok(3);
            }
        };
        let anchor = cfg.anchor.get_duration();
        let cfg = cfg.auto_rotation(schedule.clone());
        // Up to the last retire of K rotations, and a day more.
        let horizon = anchor
            .checked_mul(rotations)
            .and_then(|d| d.checked_sub(schedule.slack()))
            .and_then(|d| d.checked_add(Duration::DAY))
            .ok_or_else(|| Fail::usage("--anchor times --rotations: out of range"))?;
        let full = plan::simulate(
            &cfg.clone().horizon(horizon),
            &mut ChaCha20Rng::seed_from_u64(seed),
        )?;
        for line in plan::auto_lines(&schedule, &full) {
            outln!("{line}");
        }
        if let Some(dir) = &out {
            let files = [
                certcycle::NewFile::public(
                    "auto-rotation.yaml",
                    certcycle::k8s::auto_manifests(&cfg, &schedule)?,
                ),
                certcycle::NewFile::public("dated-actions.txt", plan::dated_actions(&cfg, &full)),
            ];
            certcycle::write_new_files(dir, &files, args.force)?;
        }
        // The state at install and after each action's time, from one more run with the same
        // seed (the same keys and events), not one run per step.
        let times = std::iter::once(start).chain(full.actions.iter().map(|a| a.at));
        let states = plan::simulate(
            &cfg.clone().horizon(horizon).snapshots_at(times),
            &mut ChaCha20Rng::seed_from_u64(seed),
        )?
        .snapshots;
        let mut ok = true;
        let mut expected: Option<Due> = None;
        let steps = std::iter::once(None).chain(full.actions.iter().copied().map(Some));
        for (n, action) in steps.enumerate() {
            let at = action.map_or(start, |a| a.at);
            let Some(run) = states.iter().find(|s| s.at == at) else {
                eprintln!("error: step-{n}: no state recorded at {}", rfc3339(at));
                ok = false;
                continue;
            };
            let decided = decide(run, &schedule)?;
            // `next` is when to call again: a call then may find the wait not over (a
            // routine identity issuer renewal after the activate moves the retire later, the
            // drain counting from the issuer under the new anchor) and take the action later,
            // never earlier and never another.
            if let (Some(taken), Some(announced)) = (action, expected)
                && (taken.action != announced.action || taken.at < announced.at)
            {
                eprintln!(
                    "error: step-{n}: {} at {}, but reconcile announced {} at {}",
                    taken.action,
                    rfc3339(taken.at),
                    announced.action,
                    rfc3339(announced.at)
                );
                ok = false;
            }
            let next = decided.next.map_or("none".to_owned(), |d| {
                format!("{} at {}", d.action, rfc3339(d.at))
            });
            outln!(
                "step-{n}: {} {}: phase {}; next {next}",
                rfc3339(at),
                action.map_or("install".to_owned(), |a| a.action.to_string()),
                decided.phase
            );
            if decided.phase.is_broken() || decided.action.is_some() {
                eprintln!(
                    "error: step-{n}: phase {} with an action still due",
                    decided.phase
                );
                ok = false;
            }
            expected = decided.next;
            if let Some(dir) = &out {
                let step = dir.join(format!("step-{n}"));
                certcycle::k8s::write_out_dir_at(
                    &step,
                    &run.secrets,
                    &run.published,
                    Some(at),
                    args.force,
                )?;
            }
        }
        if let Some(b) = &full.first_break {
            eprintln!(
                "error: mTLS broke on day {} ({}): {} -> {}: {}",
                b.day,
                rfc3339(b.at),
                b.client,
                b.server,
                b.error
            );
            return Ok(1);
        }
        outln!("verdict: no break; {} actions", full.actions.len());
        Ok(if ok { 0 } else { 1 })
    })
}
