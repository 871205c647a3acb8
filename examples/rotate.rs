//! The main job: the seed document's certificate lifecycle on a simulated clock and a
//! simulated mesh, ending in an anchor rotation — by the corrected seven-step procedure (the
//! default) or by the original five steps, which break mTLS.
//!
//! ```text
//! cargo run --example rotate -- [--procedure seven-step|five-step] [--workloads N]
//!     [--out DIR] [--stop-after N] [--days D] [--seed S]
//! ```
//!
//! It creates the trust anchor and identity issuer of the seed document, starts the control
//! plane and N workloads (default 6), runs D days (default 3) of automatic issuer renewals
//! (cert-manager, renewBefore 25h) and leaf refreshes (linkerd-proxy, 70% of the remaining
//! life), then rotates the anchor. After every step, and after every single restart, it
//! prints `continuity: K/K workload pairs verify` — every ordered pair of workloads checked
//! with certcycle's verifier against the bundle the verifying workload loaded — and each
//! broken pair with its reason.
//!
//! `--out DIR` writes the Secret/ConfigMap data of the state reached (key files mode 0600);
//! `--stop-after N` stops after step N. Exit 0 only if continuity held at every step; 1 with
//! the first broken pair named; 2 on a usage error.

#[path = "common/mod.rs"]
mod common;

use certcycle::mesh::{Checkpoint, Event, Mesh, Procedure};
use certcycle::{Ca, Certificate, PrivateKey, TrustBundle, presets::linkerd};
use common::{Args, Fail, rfc3339};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::path::{Path, PathBuf};
use time::{Duration, macros::datetime};

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn report(e: &Event) {
    match e {
        Event::IssuerRenewed { at, issuer } => println!(
            "  [{}] cert-manager renewed the identity issuer:\n{}",
            rfc3339(*at),
            indent(&issuer.to_string())
        ),
        Event::LeafRefreshFailed {
            at,
            workload,
            error,
        } => {
            println!(
                "  [{}] {workload} could not refresh its leaf: {error}",
                rfc3339(*at)
            )
        }
        Event::IssuerUpdateSkipped { at, error, .. } => println!(
            "  [{}] identity: IssuerUpdateSkipped: the new issuer does not verify against the anchors it loaded at start ({error}); keeping the old one",
            rfc3339(*at)
        ),
        _ => {}
    }
}

fn show(what: &str, at: time::OffsetDateTime, continuity: &certcycle::mesh::Continuity) {
    println!("  [{}] {what}: {continuity}", rfc3339(at));
    for b in continuity.broken.iter().take(3) {
        println!("    broken: {b}");
    }
    if continuity.broken.len() > 3 {
        println!(
            "    ... and {} more broken pairs",
            continuity.broken.len() - 3
        );
    }
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(
            &[
                "--procedure",
                "--workloads",
                "--out",
                "--stop-after",
                "--days",
                "--seed",
            ],
            &[],
        )?;
        if let Some(extra) = args.positional.first() {
            return Err(Fail::usage(format!("unexpected argument {extra}")));
        }
        let number = |flag: &str, default: u64| -> Result<u64, Fail> {
            args.get(flag).map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| Fail::usage(format!("{flag}: '{v}' is not a whole number")))
            })
        };
        let procedure = match args.get("--procedure").unwrap_or("seven-step") {
            "seven-step" => Procedure::SevenStep,
            "five-step" => Procedure::FiveStep,
            other => {
                return Err(Fail::usage(format!(
                    "unknown --procedure {other} (seven-step, five-step)"
                )));
            }
        };
        let workloads = number("--workloads", 6)? as usize;
        if workloads == 0 {
            return Err(Fail::usage("--workloads must be at least 1"));
        }
        let stop_after = match args.get("--stop-after") {
            Some(_) => Some(number("--stop-after", 0)? as usize),
            None => None,
        };
        let days = number("--days", 3)? as i64;
        let mut rng = ChaCha20Rng::seed_from_u64(number("--seed", 1)?);
        let out = args.get("--out").map(PathBuf::from);

        let t0 = datetime!(2026-01-01 00:00 UTC);
        println!("== setup at {} (simulated clock)", rfc3339(t0));
        let anchor = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut rng),
            t0,
            &mut rng,
        )?;
        println!(
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
        println!(
            "identity issuer (Certificate linkerd-identity-issuer: 48h, renewBefore 25h):\n{}",
            indent(&issuer.certificate().inspect().to_string())
        );
        let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
        let mesh_rng = ChaCha20Rng::from_rng(&mut rng).map_err(|e| Fail::usage(e.to_string()))?;
        let mut mesh = Mesh::new(t0, bundle, issuer, Some(anchor.clone_ca()), mesh_rng);
        for name in ["identity", "destination", "proxy-injector"] {
            mesh.add_workload(name, "linkerd", true)?;
        }
        for i in 0..workloads {
            mesh.advance(Duration::minutes(7))?;
            mesh.add_workload(&format!("web-{i}"), "default", false)?;
        }
        let mut held = true;
        let c = mesh.continuity();
        held &= c.holds();
        show(
            &format!("3 control-plane and {workloads} data-plane workloads started"),
            mesh.now(),
            &c,
        );

        println!("\n== {days} days of automatic issuer renewals and leaf refreshes");
        for _ in 0..days * 4 {
            let events = mesh.advance(Duration::hours(6))?;
            events.iter().for_each(report);
            let refreshed = events
                .iter()
                .filter(|e| matches!(e, Event::LeafRefreshed { .. }))
                .count();
            let c = mesh.continuity();
            held &= c.holds();
            show(
                &format!("6h later, {refreshed} leaf refreshes"),
                mesh.now(),
                &c,
            );
        }

        // cert-manager signs the issuer with whatever the anchor Secret holds: an issuer
        // renewal inside the rotation window would re-sign it under the new anchor before
        // everyone trusts it. Rotate right after a renewal, not just before one.
        let next_renewal = certcycle::RenewalPolicy::from_spec(&linkerd::identity_issuer())
            .for_certificate(mesh.issuer().certificate())
            .renew_at;
        if next_renewal - mesh.now() < Duration::hours(3) {
            println!(
                "\n(the issuer renews at {}: waiting for it before rotating the anchor)",
                rfc3339(next_renewal)
            );
            let events = mesh.advance(next_renewal - mesh.now() + Duration::minutes(1))?;
            events.iter().for_each(report);
        }
        let now = mesh.now();
        let new_anchor = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut rng),
            now,
            &mut rng,
        )?;
        let name = match procedure {
            Procedure::SevenStep => "seven-step (corrected)",
            Procedure::FiveStep => "five-step (as first published)",
            _ => "another procedure",
        };
        println!("\n== anchor rotation, {name} procedure");
        println!(
            "new trust anchor:\n{}",
            indent(&new_anchor.certificate().inspect().to_string())
        );
        let titles = procedure.steps();
        let mut step_seen = 0;
        let report_cp = |cp: &Checkpoint| {
            if cp.step != step_seen {
                step_seen = cp.step;
                println!("\n== step {}: {}", cp.step, titles[cp.step - 1]);
            }
            cp.events.iter().for_each(report);
            show(&cp.what, cp.at, &cp.continuity);
        };
        let rotation = mesh.rotate_anchor(
            procedure,
            &new_anchor,
            Duration::minutes(5),
            stop_after,
            report_cp,
        )?;
        println!(
            "\nnew identity issuer:\n{}",
            indent(&mesh.issuer().certificate().inspect().to_string())
        );
        println!(
            "workloads still trusting a dropped anchor: {}",
            mesh.trusting_dropped_anchors().len()
        );
        if rotation.last_step < titles.len() {
            println!("stopped after step {} (--stop-after)", rotation.last_step);
        }
        if let Some(dir) = &out {
            // The seed's last step copies the new anchor into linkerd-previous-anchor: after
            // it, trust-manager builds the one-anchor bundle from two identical sources.
            let previous = if rotation.last_step == titles.len() {
                new_anchor.certificate()
            } else {
                &rotation.previous_anchor
            };
            write_out(dir, &mesh, &new_anchor, previous)?;
            eprintln!("wrote {}", dir.display());
        }
        match rotation.first_break() {
            Some(cp) if held => {
                let pair = cp
                    .continuity
                    .broken
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                eprintln!(
                    "error: mTLS continuity broke at step {} ({}): {pair}",
                    cp.step, cp.what
                );
                Ok(1)
            }
            _ if !held => {
                eprintln!("error: mTLS continuity broke before the rotation");
                Ok(1)
            }
            _ => {
                println!("continuity held at every step");
                Ok(0)
            }
        }
    })
}

/// The Secret/ConfigMap data files of the state reached.
fn write_out<R>(dir: &Path, mesh: &Mesh<R>, anchor: &Ca, previous: &Certificate) -> Result<(), Fail>
where
    R: rand_core::CryptoRngCore,
{
    let a = dir.join("cert-manager/linkerd-trust-anchor");
    common::write_file(
        &a.join(linkerd::TLS_CRT),
        &anchor.certificate().to_pem(),
        false,
    )?;
    common::write_file(
        &a.join(linkerd::TLS_KEY),
        &anchor.private_key().secret_pkcs8_pem(),
        true,
    )?;
    common::write_file(
        &a.join(linkerd::CA_CRT),
        &anchor.certificate().to_pem(),
        false,
    )?;
    let p = dir.join("cert-manager/linkerd-previous-anchor");
    common::write_file(&p.join(linkerd::TLS_CRT), &previous.to_pem(), false)?;
    common::write_file(&p.join(linkerd::CA_CRT), &previous.to_pem(), false)?;
    let issuer = mesh.issuer();
    let signer = [anchor.certificate(), previous]
        .into_iter()
        .find(|c| issuer.certificate().authority_key_id() == c.subject_key_id())
        .map(Certificate::to_pem)
        .unwrap_or_default();
    let i = dir.join("linkerd/linkerd-identity-issuer");
    common::write_file(
        &i.join(linkerd::TLS_CRT),
        &issuer.certificate().to_pem(),
        false,
    )?;
    common::write_file(
        &i.join(linkerd::TLS_KEY),
        &issuer.private_key().secret_pkcs8_pem(),
        true,
    )?;
    common::write_file(&i.join(linkerd::CA_CRT), &signer, false)?;
    let r = dir.join("linkerd/linkerd-identity-trust-roots");
    common::write_file(
        &r.join(linkerd::CA_BUNDLE_CRT),
        &mesh.bundle_source().to_pem(),
        false,
    )?;
    Ok(())
}
