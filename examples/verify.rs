//! Verifies a certificate chain the way a strict RFC 5280 verifier does:
//!
//! ```text
//! cargo run --example verify -- --trusted F [--untrusted F] --leaf F [--at RFC3339]
//!     [--usage server|client] [--dns-name N | --ip A] [--max-depth N]
//! ```
//!
//! The first stdout line is `VALID` (then the path, leaf first) or `INVALID: <reason>`.
//! Exit 0 valid; 1 invalid (a malformed certificate too); 2 usage or I/O error; 3 an
//! unsupported request. `--at` absent means now (read by this example, never by the library).

#[path = "common/mod.rs"]
mod common;

use certcycle::verify::{PeerName, Usage, VerifyOptions, verify};
use certcycle::{BundleOptions, Certificate, TrustBundle};
use common::{Args, Fail};

fn invalid(reason: impl std::fmt::Display) -> Result<u8, Fail> {
    println!("INVALID: {reason}");
    Ok(1)
}

fn read_certs(path: &str) -> Result<Result<Vec<Certificate>, certcycle::Error>, Fail> {
    Ok(Certificate::all_from_pem(&common::read_input(path)?))
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(
            &[
                "--trusted",
                "--untrusted",
                "--leaf",
                "--at",
                "--usage",
                "--dns-name",
                "--ip",
                "--max-depth",
            ],
            &[],
        )?;
        if let Some(extra) = args.positional.first() {
            return Err(Fail::usage(format!("unexpected argument {extra}")));
        }
        let trusted = args
            .get("--trusted")
            .ok_or_else(|| Fail::usage("--trusted FILE is required"))?;
        let leaf = args
            .get("--leaf")
            .ok_or_else(|| Fail::usage("--leaf FILE is required"))?;
        let at = match args.get("--at") {
            Some(s) => common::parse_time(s)?,
            None => common::now(),
        };
        let mut options = VerifyOptions::default();
        options.usage = match args.get("--usage") {
            None => None,
            Some("server") => Some(Usage::ServerAuth),
            Some("client") => Some(Usage::ClientAuth),
            Some(other) => {
                eprintln!("error: unsupported --usage {other} (server, client)");
                return Ok(3);
            }
        };
        options.name = match (args.get("--dns-name"), args.get("--ip")) {
            (Some(_), Some(_)) => return Err(Fail::usage("--dns-name and --ip are exclusive")),
            (Some(d), None) => Some(PeerName::Dns(d.to_owned())),
            (None, Some(ip)) => {
                Some(PeerName::Ip(ip.parse().map_err(|_| {
                    Fail::usage(format!("--ip: '{ip}' is not an IP address"))
                })?))
            }
            (None, None) => None,
        };
        if let Some(n) = args.get("--max-depth") {
            options.max_intermediates = n
                .parse()
                .map_err(|_| Fail::usage(format!("--max-depth: '{n}' is not a count")))?;
        }
        let trusted_text = common::read_input(trusted)?;
        let bundle = match TrustBundle::from_sources(
            [(trusted, trusted_text.as_str())],
            BundleOptions::new().allow_non_ca(true),
        ) {
            Ok(b) => b.bundle,
            Err(e) => return invalid(format!("trusted certificates: {e}")),
        };
        let intermediates = match args.get("--untrusted") {
            Some(f) => match read_certs(f)? {
                Ok(v) => v,
                Err(e) => return invalid(format!("untrusted certificates: {e}")),
            },
            None => Vec::new(),
        };
        let leaf = match read_certs(leaf)? {
            Ok(mut v) if v.len() == 1 => v.remove(0),
            Ok(v) => {
                return Err(Fail::usage(format!(
                    "--leaf must hold one certificate, it holds {}",
                    v.len()
                )));
            }
            Err(e) => return invalid(format!("leaf: {e}")),
        };
        match verify(&leaf, &intermediates, &bundle, at, &options) {
            Ok(chain) => {
                println!("VALID");
                print!("{chain}");
                Ok(0)
            }
            Err(e) => invalid(e),
        }
    })
}
