//! Prints the seed document's `inspect_cert` view of every certificate in the given files:
//!
//! ```text
//! cargo run --example inspect -- FILE...      (- reads stdin)
//! Issuer:  5c455d3e9bd77e91... CN=root.linkerd.cluster.local
//! Subject: 56bfe071553c16ad... CN=identity.linkerd.cluster.local
//! Validity: 2026-01-01T00:00:00Z .. 2026-01-03T00:00:00Z
//! ```
//!
//! Certificates are separated by a blank line. Exit 0, or 2 with `error: …` on stderr and
//! nothing on stdout when any input fails.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::Certificate;
use clap::Parser;
use common::Fail;

/// Prints the seed document's `inspect_cert` view of every certificate in the given files.
#[derive(Debug, Parser)]
#[command(
    name = "inspect",
    after_help = "Examples:\n  \
    cargo run --example inspect -- ca.crt issuer.crt\n  \
    kubectl get secret -n linkerd linkerd-identity-issuer -o jsonpath='{.data.tls\\.crt}' | base64 -d | cargo run --example inspect -- -\n\n\
Exit status: 0, or 2 when any input fails (nothing on stdout)."
)]
struct Cli {
    /// PEM files (`-` for standard input).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let mut views = Vec::new();
        for file in &args.files {
            let text = common::read_input(file)?;
            let certs = Certificate::all_from_pem(&text)
                .map_err(|e| Fail::usage(format!("{file}: {e}")))?;
            views.extend(certs.iter().map(Certificate::inspect));
        }
        let text: Vec<String> = views
            .iter()
            .map(|v| format!("{v}\n{}\n", v.validity_line()))
            .collect();
        out!("{}", text.join("\n"));
        Ok(0)
    })
}
