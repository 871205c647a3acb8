//! When should each certificate in a file be renewed?
//!
//! ```text
//! cargo run --example renewal -- FILE --at RFC3339 \
//!     [--renew-before DURATION | --renew-before-percentage P] \
//!     [--policy cert-manager|step|linkerd-proxy]
//! ```
//!
//! For each certificate: `certificate: <subject>`, `renew at: <RFC3339>`,
//! `state: not-due|due|expired`, `rule: <which rule fired>`, and any `lint: <id>: <message>`
//! lines; a blank line between certificates. DURATION is Go/cert-manager syntax (`25h`,
//! `7320h0m0s`, `90m`). The flags are checked as cert-manager's admission webhook would as far
//! as possible without a duration (syntax, renewBefore >= 5m, renewBefore and percentage
//! mutually exclusive, percentage in (0, 100)); a renewBefore at or beyond a certificate's
//! actual lifetime falls back as cert-manager does at run time, and the rule line says so.
//!
//! Exit 0, or 2 with `error: …` on stderr and nothing on stdout.

#[macro_use]
#[path = "common/mod.rs"]
mod common;

use certcycle::renewal::{self, MINIMUM_RENEW_BEFORE};
use certcycle::{Certificate, GoDuration, RenewalPolicy, SpecError};
use clap::Parser;
use common::{Fail, rfc3339};

/// `--policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Policy {
    /// cert-manager's renewBefore / renewBeforePercentage (default: two thirds of the lifetime).
    CertManager,
    /// `step ca renew --daemon`'s default: two thirds of the lifetime.
    Step,
    /// linkerd-proxy: 70% of the lifetime.
    LinkerdProxy,
}

/// When should each certificate in a file be renewed?
#[derive(Debug, Parser)]
#[command(
    name = "renewal",
    after_help = "Examples:\n  \
    cargo run --example renewal -- issuer.crt --at 2026-12-06T00:00:00Z --renew-before 25h\n  \
    cargo run --example renewal -- ca.crt --at 2026-12-06T00:00:00Z --renew-before-percentage 80\n  \
    cargo run --example renewal -- leaf.crt --at 2026-12-06T00:00:00Z --policy linkerd-proxy\n\n\
DURATION is Go/cert-manager syntax (25h, 7320h0m0s, 90m).\n\
Exit status: 0, or 2 with `error: ...` on stderr and nothing on stdout."
)]
struct Cli {
    /// A PEM file of certificates (`-` for standard input).
    #[arg(value_name = "FILE")]
    file: String,
    /// The time to judge at.
    #[arg(long, value_name = "RFC3339", value_parser = common::time_arg)]
    at: time::OffsetDateTime,
    /// cert-manager's spec.renewBefore (at least 5m).
    #[arg(
        long,
        value_name = "DURATION",
        conflicts_with = "renew_before_percentage"
    )]
    renew_before: Option<String>,
    /// cert-manager's spec.renewBeforePercentage (an int32 in (0, 100)).
    #[arg(long, value_name = "P")]
    renew_before_percentage: Option<String>,
    /// Whose renewal rule.
    #[arg(long, value_enum, default_value = "cert-manager")]
    policy: Policy,
}

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Cli::parse();
        let file = &args.file;
        let at = args.at;
        let renew_before = match &args.renew_before {
            Some(s) => {
                let d: GoDuration = s
                    .parse()
                    .map_err(|e| Fail::usage(format!("--renew-before: {e}")))?;
                if d.0 < MINIMUM_RENEW_BEFORE {
                    return Err(Fail::usage(format!(
                        "--renew-before: {}",
                        SpecError::RenewBeforeTooShort(d.0)
                    )));
                }
                Some(d.0)
            }
            None => None,
        };
        let percentage = match &args.renew_before_percentage {
            Some(s) => Some(s.parse::<i32>().map_err(|_| {
                Fail::usage(format!(
                    "--renew-before-percentage: '{s}' is not a whole number (an int32, as in \
                     cert-manager's API)"
                ))
            })?),
            None => None,
        };
        renewal::validate_percentage(renew_before, percentage)
            .map_err(|e| Fail::usage(e.to_string()))?;
        let policy = match args.policy {
            Policy::CertManager => RenewalPolicy::CertManager {
                renew_before,
                renew_before_percentage: percentage,
            },
            other => {
                if renew_before.is_some() || percentage.is_some() {
                    return Err(Fail::usage(format!(
                        "--renew-before and --renew-before-percentage apply to --policy cert-manager, not {}",
                        if other == Policy::Step {
                            "step"
                        } else {
                            "linkerd-proxy"
                        }
                    )));
                }
                if other == Policy::Step {
                    RenewalPolicy::STEP_DEFAULT
                } else {
                    RenewalPolicy::LinkerdProxy
                }
            }
        };
        let certs = Certificate::all_from_pem(&common::read_input(file)?)
            .map_err(|e| Fail::usage(format!("{file}: {e}")))?;
        let mut blocks = Vec::new();
        for cert in &certs {
            let r = policy.for_certificate(cert);
            let mut text = format!(
                "certificate: {}\nrenew at: {}\nstate: {}\nrule: {}\n",
                cert.subject(),
                rfc3339(r.renew_at),
                r.state(at).as_str(),
                r.rule
            );
            if matches!(policy, RenewalPolicy::CertManager { .. }) {
                match renewal::lint_renew_before(cert.lifetime(), renew_before) {
                    Ok(lints) => {
                        for lint in lints {
                            text.push_str(&format!("lint: {lint}\n"));
                        }
                    }
                    Err(e) => text.push_str(&format!("lint: not linted: {e}\n")),
                }
            }
            blocks.push(text);
        }
        out!("{}", blocks.join("\n"));
        Ok(0)
    })
}
