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

#[path = "common/mod.rs"]
mod common;

use certcycle::{BundleOptions, TrustBundle};
use common::{Args, Fail};

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(&["--drop-expired-at"], &["--allow-non-ca"])?;
        if args.positional.is_empty() {
            return Err(Fail::usage(
                "usage: bundle [--drop-expired-at RFC3339] [--allow-non-ca] SOURCE...",
            ));
        }
        let mut options = BundleOptions::new().allow_non_ca(args.has("--allow-non-ca"));
        options.drop_expired_at = args
            .get("--drop-expired-at")
            .map(common::parse_time)
            .transpose()?;
        let texts: Vec<(String, String)> = args
            .positional
            .iter()
            .map(|f| Ok((f.clone(), common::read_input(f)?)))
            .collect::<Result<_, Fail>>()?;
        let built = TrustBundle::from_sources(
            texts.iter().map(|(l, t)| (l.as_str(), t.as_str())),
            options,
        )?;
        print!("{}", built.bundle.to_pem());
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
