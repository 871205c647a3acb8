//! The rotation demo: the seed document's certificate lifecycle on a simulated clock and a
//! simulated mesh, ending in an anchor rotation — by the corrected seven-step procedure (the
//! default) or by the original five steps, which break mTLS. It runs on the same engine as
//! `plan` ([`certcycle::plan`]): cert-manager renews and signs as it does, trust-manager
//! publishes, Linkerd's identity controller loads its anchors at start and skips an issuer
//! that does not verify, and proxies load the bundle when their pod starts.
//!
//! ```text
//! cargo run --example rotate -- [--procedure seven-step|five-step] [--workloads N]
//!     [--out DIR] [--stop-after N] [--days D] [--seed S]
//! ```
//!
//! It creates the trust anchor and identity issuer of the seed document, starts the control
//! plane's three pods and N workloads (default 6), runs D days (default 3) of automatic
//! issuer renewals (cert-manager, renewBefore 25h) and leaf refreshes (linkerd-proxy, 70% of
//! the remaining life), then rotates the anchor, one step every 5 minutes, rolling restarts
//! replacing one pod after another. Every 6 hours, after every step and after every single
//! restart it prints `continuity: K/K workload pairs verify` — every ordered pair of pods
//! checked with certcycle's verifier against the bundle the verifying pod loaded — and the
//! first broken pairs with their reason.
//!
//! `--out DIR` writes the Secret/ConfigMap data of the state reached (key files mode 0600);
//! `--stop-after N` stops after step N. Exit 0 only if continuity held at every step; 1 with
//! the first broken pair named; 2 on a usage error.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::mesh::Procedure;
use certcycle::plan::{self, Checkpoint, Config, RotationVerdict, Secrets};
use certcycle::{Ca, PrivateKey, presets::linkerd};
use clap::Parser;
use common::{Fail, rfc3339};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::path::PathBuf;
use time::{Duration, macros::datetime};

/// The control plane's meshed pods, in restart order.
const CONTROL_PLANE: [&str; 3] = [
    certcycle::mesh::CONTROLLER,
    "linkerd/destination",
    "linkerd/proxy-injector",
];

/// `--procedure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ProcedureArg {
    /// Linkerd's corrected procedure (continuity holds).
    SevenStep,
    /// The procedure as first published (it breaks mTLS).
    FiveStep,
}

/// The rotation demo: the seed document's lifecycle on a simulated clock and mesh, ending in
/// an anchor rotation by the chosen procedure, with continuity checked after every step.
#[derive(Debug, Parser)]
#[command(
    name = "rotate",
    after_help = "Examples:\n  \
    cargo run --example rotate                               # seven steps: continuity holds\n  \
    cargo run --example rotate -- --procedure five-step      # the first broken pair, exit 1\n  \
    cargo run --example rotate -- --stop-after 1 --out step1 # the state after step 1, for check\n\n\
Exit status: 0 continuity held at every step, 1 it broke (the first broken pair named),\n\
2 usage error."
)]
struct Cli {
    /// The rotation procedure.
    #[arg(long, value_enum, default_value = "seven-step")]
    procedure: ProcedureArg,
    /// Workloads in the simulated mesh.
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    workloads: u32,
    /// Writes the Secret/ConfigMap data of the state reached (key files mode 0600).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Stops after step N of the procedure.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    stop_after: Option<u32>,
    /// Days of routine renewals and refreshes before the rotation.
    #[arg(long, value_name = "D", default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=3650))]
    days: u32,
    /// The seed of the simulation's keys and serials.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Replace files under --out that exist (by rename: a link there is replaced, never followed).
    #[arg(long)]
    force: bool,
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn show(what: &str, cp: &Checkpoint) {
    outln!("  [{}] {what}: {cp}", rfc3339(cp.at));
    for b in &cp.examples {
        outln!("    broken: {b}");
    }
    if cp.broken > cp.examples.len() {
        outln!(
            "    ... and {} more broken pairs",
            cp.broken - cp.examples.len()
        );
    }
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let procedure = match args.procedure {
            ProcedureArg::SevenStep => Procedure::SevenStep,
            ProcedureArg::FiveStep => Procedure::FiveStep,
        };
        // Every pod's restart is a checkpoint counting every pair: a demo's size.
        let workloads = usize::try_from(args.workloads).map_err(Fail::from)?;
        let titles = procedure.steps();
        let stop_after = match args.stop_after.map(usize::try_from) {
            Some(Ok(n)) if n <= titles.len() => Some(n),
            Some(_) => {
                return Err(Fail::usage(format!(
                    "--stop-after: a step from 1 to {}",
                    titles.len()
                )));
            }
            None => None,
        };
        let days = i32::try_from(args.days).map_err(Fail::from)?;
        let mut rng = ChaCha20Rng::seed_from_u64(args.seed);
        let out = args.out.clone();

        let t0 = datetime!(2026-01-01 00:00 UTC);
        outln!("== setup at {} (simulated clock)", rfc3339(t0));
        let anchor = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut rng),
            t0,
            &mut rng,
        )?;
        outln!(
            "trust anchor (Certificate linkerd-trust-anchor: 8760h, renewBefore 7320h):\n{}",
            indent(&anchor.certificate().inspect().to_string())
        );
        let issuer = anchor
            .issue_ca(
                &linkerd::identity_issuer(),
                PrivateKey::generate(&mut rng),
                t0,
                &mut rng,
            )?
            .ca;
        outln!(
            "identity issuer (Certificate linkerd-identity-issuer: 48h, renewBefore 25h):\n{}",
            indent(&issuer.certificate().inspect().to_string())
        );
        let previous = anchor.certificate().clone();
        let config = Config::seed(t0)
            .from_secrets(Secrets::new(anchor, issuer, Some(previous)))
            .control_plane(CONTROL_PLANE)
            .workload_prefix("default/web-")
            .workloads(workloads)
            .checkpoints(Some(Duration::hours(6)))
            .stop_after(stop_after)
            .through_breaks(true);

        // Rotate right after an issuer renewal, not just before one (plan::rotation_start).
        let start = plan::rotation_start(&config, t0 + Duration::days(1) * days);
        let (rotate_at, wait) = (start.at, start.after_renewal);
        let steps = stop_after.unwrap_or(titles.len());
        let steps_i32 = i32::try_from(steps).unwrap_or(i32::MAX);
        let config = config
            .rotate_at(rotate_at, procedure)
            .horizon(rotate_at - t0 + Duration::minutes(5) * steps_i32 + Duration::MINUTE);
        let run = plan::simulate(&config, &mut rng)?;

        let name = match procedure {
            Procedure::SevenStep => "seven-step (corrected)",
            Procedure::FiveStep => "five-step (as first published)",
            _ => "another procedure",
        };
        let mut rotating = false;
        let mut step_seen = 0;
        for (i, cp) in run.checkpoints.iter().enumerate() {
            if let Some(step) = cp.step {
                if !rotating {
                    rotating = true;
                    if let Some(renewal) = wait {
                        outln!(
                            "\n(the issuer renews at {}: waited for it before rotating the anchor)",
                            rfc3339(renewal)
                        );
                    }
                    outln!("\n== anchor rotation, {name} procedure");
                }
                if step != step_seen {
                    step_seen = step;
                    outln!("\n== step {step}: {}", titles[step - 1]);
                }
            }
            for e in &run.timeline[cp.events.clone()] {
                outln!("  {e}");
            }
            if i == 0 || cp.step.is_some() {
                show(&cp.what, cp);
            } else {
                show(
                    &format!("{}, {} leaves issued", cp.what, cp.leaves_issued),
                    cp,
                );
            }
            if i == 0 {
                outln!("\n== {days} days of automatic issuer renewals and leaf refreshes");
            }
        }
        for e in run
            .timeline
            .iter()
            .skip(run.checkpoints.last().map_or(0, |c| c.events.end))
        {
            outln!("  {e}");
        }
        outln!(
            "\ntrust anchor now:\n{}",
            indent(&run.secrets.anchor.certificate().inspect().to_string())
        );
        outln!(
            "identity issuer now:\n{}",
            indent(&run.secrets.issuer.certificate().inspect().to_string())
        );
        outln!(
            "workloads still trusting a dropped anchor: {}",
            run.trusting_dropped_anchors.len()
        );
        if run.last_step < titles.len() {
            outln!("stopped after step {} (--stop-after)", run.last_step);
        }
        if let Some(dir) = &out {
            certcycle::k8s::write_out_dir(dir, &run.secrets, &run.published, args.force)?;
            eprintln!("wrote {}", dir.display());
        }
        match run.rotation_verdict() {
            RotationVerdict::BrokeAt(cp) => {
                let pair = cp
                    .examples
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                eprintln!(
                    "error: mTLS continuity broke at step {} ({}): {pair}",
                    cp.step.unwrap_or(0),
                    cp.what
                );
                Ok(1)
            }
            RotationVerdict::BrokeBefore => {
                eprintln!("error: mTLS continuity broke before the rotation");
                Ok(1)
            }
            RotationVerdict::Held => {
                outln!("continuity held at every step");
                Ok(0)
            }
            _ => {
                eprintln!("error: the rotation did not run");
                Ok(1)
            }
        }
    })
}
