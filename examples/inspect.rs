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

#[path = "common/mod.rs"]
mod common;

use certcycle::Certificate;
use common::{Args, Fail};

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(&[], &[])?;
        if args.positional.is_empty() {
            return Err(Fail::usage("usage: inspect FILE... (- for stdin)"));
        }
        let mut views = Vec::new();
        for file in &args.positional {
            let text = common::read_input(file)?;
            let certs = Certificate::all_from_pem(&text)
                .map_err(|e| Fail::usage(format!("{file}: {e}")))?;
            views.extend(certs.iter().map(Certificate::inspect));
        }
        let text: Vec<String> = views
            .iter()
            .map(|v| format!("{v}\n{}\n", v.validity_line()))
            .collect();
        print!("{}", text.join("\n"));
        Ok(0)
    })
}
