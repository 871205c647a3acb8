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

#[path = "common/mod.rs"]
mod common;

use certcycle::renewal::{self, MINIMUM_RENEW_BEFORE};
use certcycle::{Certificate, GoDuration, RenewalPolicy, SpecError};
use common::{Args, Fail, rfc3339};

fn main() -> std::process::ExitCode {
    common::run(|| {
        let args = Args::parse(
            &[
                "--at",
                "--renew-before",
                "--renew-before-percentage",
                "--policy",
            ],
            &[],
        )?;
        let [file] = args.positional.as_slice() else {
            return Err(Fail::usage(
                "usage: renewal FILE --at RFC3339 [--renew-before D | --renew-before-percentage P] [--policy cert-manager|step|linkerd-proxy]",
            ));
        };
        let at = common::parse_time(
            args.get("--at")
                .ok_or_else(|| Fail::usage("--at RFC3339 is required"))?,
        )?;
        let renew_before = match args.get("--renew-before") {
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
        let percentage = match args.get("--renew-before-percentage") {
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
        let policy = match args.get("--policy").unwrap_or("cert-manager") {
            "cert-manager" => RenewalPolicy::CertManager {
                renew_before,
                renew_before_percentage: percentage,
            },
            other => {
                if renew_before.is_some() || percentage.is_some() {
                    return Err(Fail::usage(format!(
                        "--renew-before and --renew-before-percentage apply to --policy cert-manager, not {other}"
                    )));
                }
                match other {
                    "step" => RenewalPolicy::STEP_DEFAULT,
                    "linkerd-proxy" => RenewalPolicy::LinkerdProxy,
                    _ => {
                        return Err(Fail::usage(format!(
                            "unknown --policy {other} (cert-manager, step, linkerd-proxy)"
                        )));
                    }
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
        print!("{}", blocks.join("\n"));
        Ok(0)
    })
}
