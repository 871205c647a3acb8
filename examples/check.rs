//! Where a cluster's Linkerd certificates stand today, from its Kubernetes objects:
//!
//! ```text
//! cargo run --example check -- FILE... [--at RFC3339] [--format text|json] [--cert-manager-before-1.18]
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
//! <file>:<line>:<col>: ...`), 3 cannot model (namespace-less objects without `--namespace`). `--at` absent means now (read here, never by the library).

#[path = "common/mod.rs"]
mod common;

use certcycle::k8s::{CheckReport, Cluster, Objects};
use common::{Args, Fail};
use std::path::Path;

fn main() -> std::process::ExitCode {
    common::run(|| {
        let mut flags = vec!["--at", "--format"];
        flags.extend(common::RESOLVE_FLAGS);
        let args = Args::parse(&flags, &["--cert-manager-before-1.18"])?;
        if args.positional.is_empty() {
            return Err(Fail::usage(
                "usage: check FILE... [--at RFC3339] [--format text|json]",
            ));
        }
        let json = common::json_format(&args)?;
        let at = match args.get("--at") {
            Some(t) => common::parse_time(t)?,
            None => common::now(),
        };
        let mut objects = Objects::default();
        for file in &args.positional {
            if file == "-" {
                objects.add_reader("-", std::io::stdin().lock())?;
            } else {
                objects.add_path(Path::new(file))?;
            }
        }
        common::place(&mut objects, &args);
        let missing = objects.without_namespace();
        if !missing.is_empty() {
            let e = certcycle::k8s::PlanInputError::NoNamespace(missing);
            eprintln!("error: {e}");
            return Ok(3);
        }
        let options = common::resolve_options(&args)?;
        if !json {
            print!("{}", common::unsupported(&objects));
        }
        let cluster = Cluster::resolve(objects, &options);
        let report = CheckReport::new(&cluster, at);
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report.to_json()).map_err(Fail::from)?
            );
        } else {
            print!("{report}");
        }
        Ok(u8::from(report.has_error()))
    })
}
