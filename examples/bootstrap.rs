//! Writes the files `linkerd install` needs:
//!
//! ```text
//! cargo run --example bootstrap -- --out DIR [--anchor-cert F --anchor-key F] [--at RFC3339]
//! ```
//!
//! Without `--anchor-cert`, makes a trust anchor (the seed document's spec: one year, P-256)
//! and writes `ca.crt` and `ca.key`; with it, loads that anchor (PEM certificate and PKCS#8
//! or SEC1 key, e.g. an off-line root made by `step` or `openssl`) and signs the issuer with
//! it. Always writes `issuer.crt` and `issuer.key` (48h identity issuer). Key files are mode
//! 0600. Then:
//!
//! ```text
//! linkerd install --identity-trust-anchors-file DIR/ca.crt \
//!   --identity-issuer-certificate-file DIR/issuer.crt --identity-issuer-key-file DIR/issuer.key
//! ```
//!
//! Exit 0 on success, 2 on any error (`error: …` on stderr, no files written).

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::{Ca, NewFile, PrivateKey, presets::linkerd, write_new_files};
use clap::Parser;
use common::Fail;
use std::path::PathBuf;

/// Writes the files `linkerd install` needs: a trust anchor (or yours) and a 48h identity
/// issuer signed by it.
#[derive(Debug, Parser)]
#[command(
    name = "bootstrap",
    after_help = "Examples:\n  \
    cargo run --example bootstrap -- --out linkerd-certs\n  \
    cargo run --example bootstrap -- --out again --anchor-cert root.crt --anchor-key root.key\n\n\
Then: linkerd install --identity-trust-anchors-file DIR/ca.crt \\\n  \
    --identity-issuer-certificate-file DIR/issuer.crt --identity-issuer-key-file DIR/issuer.key\n\n\
Exit status: 0 written, 2 any error (nothing written)."
)]
struct Cli {
    /// The directory to write ca.crt, issuer.crt, issuer.key (and ca.key when the anchor is made here).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// An existing anchor's certificate (PEM); with --anchor-key, signs the issuer with it.
    #[arg(long, value_name = "FILE", requires = "anchor_key")]
    anchor_cert: Option<String>,
    /// An existing anchor's key (PEM, PKCS#8 or SEC1).
    #[arg(long, value_name = "FILE", requires = "anchor_cert")]
    anchor_key: Option<String>,
    /// The issuance time [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    at: Option<time::OffsetDateTime>,
    /// Replace files that exist (by rename: a link there is replaced, never followed).
    #[arg(long)]
    force: bool,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let out = args.out.clone();
        let now = args.at.unwrap_or_else(common::now);
        let rng = &mut rand_core::OsRng;
        let (anchor, made) = match (&args.anchor_cert, &args.anchor_key) {
            (Some(cert), Some(key)) => {
                let anchor = Ca::from_pem(&common::read_input(cert)?, &common::read_input(key)?)
                    .map_err(|e| Fail::usage(format!("loading the anchor: {e}")))?;
                (anchor, false)
            }
            (None, None) => (
                Ca::self_signed(
                    &linkerd::trust_anchor(),
                    PrivateKey::generate(rng),
                    now,
                    rng,
                )?,
                true,
            ),
            _ => return Err(Fail::usage("--anchor-cert and --anchor-key go together")),
        };
        let issued = anchor.issue_ca(
            &linkerd::identity_issuer(),
            PrivateKey::generate(rng),
            now,
            rng,
        )?;
        let issuer = issued.ca;
        // All or nothing, keys 0600 from creation, never through a link.
        let mut files = vec![NewFile::public("ca.crt", anchor.certificate().to_pem())];
        if made {
            files.push(NewFile::secret(
                "ca.key",
                anchor.private_key().secret_pkcs8_pem().as_bytes(),
            ));
        }
        files.push(NewFile::public("issuer.crt", issuer.certificate().to_pem()));
        files.push(NewFile::secret(
            "issuer.key",
            issuer.private_key().secret_pkcs8_pem().as_bytes(),
        ));
        write_new_files(&out, &files, args.force)?;
        outln!("{}", anchor.certificate().inspect());
        outln!("{}", issuer.certificate().inspect());
        if let Some(requested) = issued.capped_from {
            eprintln!(
                "note: the issuer's notAfter was capped at the anchor's ({}), {} requested",
                issuer.certificate().not_after(),
                requested
            );
        }
        eprintln!("wrote {}", out.display());
        Ok(0)
    })
}
