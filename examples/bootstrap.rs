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

#[path = "common/mod.rs"]
mod common;

use certcycle::{Ca, PrivateKey, presets::linkerd};
use common::{Args, Fail};
use std::path::PathBuf;

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(&["--out", "--anchor-cert", "--anchor-key", "--at"], &[])?;
        if let Some(extra) = args.positional.first() {
            return Err(Fail::usage(format!("unexpected argument {extra}")));
        }
        let out = PathBuf::from(
            args.get("--out")
                .ok_or_else(|| Fail::usage("--out DIR is required"))?,
        );
        let now = match args.get("--at") {
            Some(at) => common::parse_time(at)?,
            None => common::now(),
        };
        let rng = &mut rand_core::OsRng;
        let (anchor, made) = match (args.get("--anchor-cert"), args.get("--anchor-key")) {
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
        common::write_file(&out.join("ca.crt"), &anchor.certificate().to_pem(), false)?;
        if made {
            common::write_file(
                &out.join("ca.key"),
                &anchor.private_key().secret_pkcs8_pem(),
                true,
            )?;
        }
        common::write_file(
            &out.join("issuer.crt"),
            &issuer.certificate().to_pem(),
            false,
        )?;
        common::write_file(
            &out.join("issuer.key"),
            &issuer.private_key().secret_pkcs8_pem(),
            true,
        )?;
        println!("{}", anchor.certificate().inspect());
        println!("{}", issuer.certificate().inspect());
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
