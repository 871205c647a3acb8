//! Where a cluster's Linkerd certificates stand today, from its Kubernetes objects:
//!
//! ```text
//! cargo run --example check -- FILE... [--at RFC3339] [--format text|json|prometheus] [--cert-manager-before-1.18]
//! ```
//!
//! FILE is YAML or JSON as written by hand or by `kubectl get -o yaml|json` (a `List` too:
//! `kubectl get secret,configmap -A -o yaml`), or a `rotate --out` directory. Prints
//! `phase: <phase>`, `next: <what to do> (first: <precondition>)`, the health checks and the
//! cross-object lints as `[ok|warn|error] <id>: <message>`, and `renews: <object> at
//! <RFC3339> (<rule>)` for each certificate; `assume:` lines say what was assumed (the
//! rotationPolicy default, a Bundle not given). `--format json`: one JSON document with the
//! same content (fields documented on `certcycle::k8s::CheckReport::to_json`).
//! `--namespace`, `--issuer-secret`, `--linkerd-namespace` and `--trust-roots` as `plan` has
//! them. Exit 0 no error, 1 an error check (or a broken phase), 2 input error (`error:
//! <file>:<line>:<col>: ...`), 3 cannot tell (namespace-less objects without `--namespace`; the phase unknown because the
//! Secrets holding the certificates are not among the inputs: what to give is on stderr). `--at` absent means the time a written directory stands for (its `certcycle-at` file, as `autorotate --out` writes each step; an `at:` line says so), else now (read here, never by the library).

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::k8s::{CheckReport, Cluster, Objects};
use clap::Parser;
use common::{Fail, Resolve};
use std::path::Path;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Lines for people.
    Text,
    /// One JSON document (`certcycle::k8s::CheckReport::to_json`).
    Json,
    /// Prometheus's text exposition format (node_exporter's textfile collector, Pushgateway).
    Prometheus,
}

/// Where a cluster's Linkerd certificates stand today: the rotation phase, what to do next,
/// health checks and when each certificate renews or expires.
#[derive(Debug, Parser)]
#[command(
    name = "check",
    after_help = "Examples:\n  \
    kubectl get secret,configmap,certificate,bundle -A -o yaml | cargo run --example check -- -\n  \
    cargo run --example check -- linkerd-certs/ --at 2026-01-04T02:00:00Z\n  \
    cargo run --example check -- cluster.yaml --format prometheus > certcycle.prom\n\n\
Exit status: 0 no error, 1 an error check or a broken phase, 2 input or usage error,\n\
3 cannot tell (the phase is unknown from these inputs: what to give is on stderr)."
)]
struct Cli {
    /// Kubernetes objects, YAML or JSON (`kubectl get -o yaml` Lists too), a `rotate --out`
    /// directory, or `-` for standard input.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<String>,
    /// The time to judge at [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    at: Option<time::OffsetDateTime>,
    /// The report's format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    resolve: Resolve,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let text = args.format == Format::Text;
        let mut objects = Objects::default();
        for file in &args.files {
            if file == "-" {
                objects.add_reader("-", std::io::stdin().lock())?;
            } else {
                objects.add_path(Path::new(file))?;
            }
        }
        // --at, else the time a written directory stands for (its certcycle-at), else now.
        let at = match (args.at, objects.stands_for) {
            (Some(at), _) => at,
            (None, Some(at)) => at,
            (None, None) => common::now(),
        };
        args.resolve.place(&mut objects);
        let missing = objects.without_namespace();
        if !missing.is_empty() {
            let e = certcycle::k8s::PlanInputError::NoNamespace(missing);
            eprintln!("error: {e}");
            return Ok(3);
        }
        let options = args.resolve.options()?;
        if text {
            out!("{}", common::unsupported(&objects));
        }
        let cluster = Cluster::resolve(objects, &options);
        let report = CheckReport::new(&cluster, at);
        match args.format {
            Format::Json => outln!(
                "{}",
                serde_json::to_string_pretty(&report.to_json()).map_err(Fail::from)?
            ),
            Format::Prometheus => out!("{}", report.to_prometheus()),
            Format::Text => out!("{report}"),
        }
        if let Some(give) = report.cannot_tell()
            && !report.has_error()
        {
            eprintln!("error: cannot tell: {give}");
        }
        Ok(report.exit_code())
    })
}
