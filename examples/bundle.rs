//! Merges PEM sources into one canonical trust bundle, as trust-manager does, but
//! deterministically and without silent loss:
//!
//! ```text
//! cargo run --example bundle -- [--drop-expired-at RFC3339] [--allow-non-ca] SOURCE...
//! ```
//!
//! The bundle PEM goes to stdout (byte-identical for the same set of certificates, whatever
//! the order of sources or blocks); a summary, each dropped certificate and each warning go to
//! stderr. On any error — a private key in a source, a malformed block, a non-CA certificate,
//! a source with no certificate — stdout stays empty, stderr names the source and block, and
//! the exit code is 2.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::{BundleOptions, TrustBundle};
use clap::Parser;
use common::Fail;

/// Merges PEM sources into one canonical trust bundle, as trust-manager does, but
/// deterministically and without silent loss.
#[derive(Debug, Parser)]
#[command(
    name = "bundle",
    after_help = "Examples:\n  \
    cargo run --example bundle -- ca.crt previous-ca.crt > ca-bundle.crt\n  \
    cargo run --example bundle -- --drop-expired-at 2026-12-06T00:00:00Z a.pem b.pem\n\n\
Exit status: 0 written, 2 any error (stdout empty; stderr names the source and block)."
)]
struct Cli {
    /// PEM files of certificates (`-` for standard input).
    #[arg(value_name = "SOURCE", required = true)]
    sources: Vec<String>,
    /// Drops certificates expired at this time (each one named on stderr).
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    drop_expired_at: Option<time::OffsetDateTime>,
    /// Accepts certificates that are not CAs.
    #[arg(long)]
    allow_non_ca: bool,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let mut options = BundleOptions::new().allow_non_ca(args.allow_non_ca);
        options.drop_expired_at = args.drop_expired_at;
        let texts: Vec<(String, String)> = args
            .sources
            .iter()
            .map(|f| Ok((f.clone(), common::read_input(f)?)))
            .collect::<Result<_, Fail>>()?;
        let built = TrustBundle::from_sources(
            texts.iter().map(|(l, t)| (l.as_str(), t.as_str())),
            options,
        )?;
        out!("{}", built.bundle.to_pem());
        let kept_blocks: usize = built
            .bundle
            .certificates()
            .map(|c| built.bundle.origins(c).len())
            .sum();
        let dropped_blocks: usize = built.dropped_expired.iter().map(|d| d.origins.len()).sum();
        eprintln!(
            "bundle: {} anchors from {} certificate blocks in {} sources ({} duplicates removed, {} expired dropped)",
            built.bundle.len(),
            built.blocks_read,
            texts.len(),
            kept_blocks - built.bundle.len() + dropped_blocks - built.dropped_expired.len(),
            built.dropped_expired.len()
        );
        for d in &built.dropped_expired {
            let origins: Vec<String> = d.origins.iter().map(ToString::to_string).collect();
            eprintln!(
                "dropped: {} expired at {} (from {})",
                d.certificate.subject(),
                d.certificate.not_after(),
                origins.join(", ")
            );
        }
        for w in &built.warnings {
            eprintln!("warning: {w}");
        }
        Ok(0)
    })
}
