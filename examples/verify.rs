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

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::verify::{PeerName, Usage, VerifyOptions, verify};
use certcycle::{BundleOptions, Certificate, TrustBundle};
use clap::Parser;
use common::Fail;

/// Verifies a certificate chain as RFC 5280 path validation does (strictly), and prints the
/// path.
#[derive(Debug, Parser)]
#[command(
    name = "verify",
    after_help = "Examples:\n  \
    cargo run --example verify -- --trusted ca.crt --leaf issuer.crt\n  \
    cargo run --example verify -- --trusted ca.crt --untrusted issuer.crt --leaf web.crt --usage server --dns-name web.default.svc\n\n\
Exit status: 0 valid, 1 invalid (malformed certificates too), 2 usage or I/O error,\n\
3 unsupported request."
)]
struct Cli {
    /// The trust anchors (PEM).
    #[arg(long, value_name = "FILE")]
    trusted: String,
    /// Intermediates the path may use (PEM).
    #[arg(long, value_name = "FILE")]
    untrusted: Option<String>,
    /// The certificate to verify (PEM, one certificate).
    #[arg(long, value_name = "FILE")]
    leaf: String,
    /// The time to verify at [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    at: Option<time::OffsetDateTime>,
    /// The extended key usage required: server or client (another value is exit 3).
    #[arg(long, value_name = "USAGE")]
    usage: Option<String>,
    /// The DNS name the leaf must be valid for.
    #[arg(long, value_name = "NAME", conflicts_with = "ip")]
    dns_name: Option<String>,
    /// The IP address the leaf must be valid for.
    #[arg(long, value_name = "ADDRESS")]
    ip: Option<std::net::IpAddr>,
    /// At most this many intermediates in the path.
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
}

fn invalid(reason: impl std::fmt::Display) -> Result<u8, Fail> {
    outln!("INVALID: {reason}");
    Ok(1)
}

fn read_certs(path: &str) -> Result<Result<Vec<Certificate>, certcycle::Error>, Fail> {
    Ok(Certificate::all_from_pem(&common::read_input(path)?))
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let trusted = args.trusted.as_str();
        let leaf = args.leaf.as_str();
        let at = args.at.unwrap_or_else(common::now);
        let mut options = VerifyOptions::default();
        options.usage = match args.usage.as_deref() {
            None => None,
            Some("server") => Some(Usage::ServerAuth),
            Some("client") => Some(Usage::ClientAuth),
            Some(other) => {
                eprintln!("error: unsupported --usage {other} (server, client)");
                return Ok(3);
            }
        };
        options.name = match (&args.dns_name, args.ip) {
            (Some(d), _) => Some(PeerName::Dns(d.clone())),
            (None, Some(ip)) => Some(PeerName::Ip(ip)),
            (None, None) => None,
        };
        if let Some(n) = args.max_depth {
            options.max_intermediates = n;
        }
        let trusted_text = common::read_input(trusted)?;
        let bundle = match TrustBundle::from_sources(
            [(trusted, trusted_text.as_str())],
            BundleOptions::new().allow_non_ca(true),
        ) {
            Ok(b) => b.bundle,
            Err(e) => return invalid(format!("trusted certificates: {e}")),
        };
        let intermediates = match &args.untrusted {
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
                outln!("VALID");
                out!("{chain}");
                Ok(0)
            }
            Err(e) => invalid(e),
        }
    })
}
