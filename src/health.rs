//! A health report like `linkerd check`'s identity section, as data: each check has a stable
//! id, a status and a message, so a caller can turn warnings into failures.

use crate::bundle::{BundleWarning, TrustBundle};
use crate::cert::Certificate;
use crate::duration::GoDuration;
use crate::verify::{VerifyOptions, verify};
use std::fmt;
use time::{Duration, OffsetDateTime};

pub use crate::lint::{Finding, Severity};

/// When "expiring soon" starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryThreshold {
    /// Warn once less than a third of a certificate's lifetime remains: the point where
    /// cert-manager's default rule has already renewed it, so a certificate still in place
    /// then is not being renewed. Fits a 48h issuer and a one-year anchor alike.
    RelativeToLifetime,
    /// Warn when less than this remains. `linkerd check` uses 60 days for both anchors and
    /// issuer, which warns forever on the seed document's 48h issuer.
    Absolute(Duration),
}

impl ExpiryThreshold {
    /// `linkerd check`'s fixed threshold: 60 days.
    pub const LINKERD: Self = Self::Absolute(Duration::days(60));

    fn expiring(&self, cert: &Certificate, at: OffsetDateTime) -> Option<String> {
        let remaining = cert.not_after() - at;
        let (limit, why) = match *self {
            Self::RelativeToLifetime => (cert.lifetime() / 3, "a third of its lifetime"),
            Self::Absolute(d) => (d, "the threshold"),
        };
        (remaining < limit).then(|| {
            format!(
                "{} expires in {}, less than {why} ({})",
                cert.subject(),
                GoDuration(Duration::seconds(remaining.whole_seconds().max(0))),
                GoDuration(Duration::seconds(limit.whole_seconds()))
            )
        })
    }
}

/// The checks of a trust bundle, an identity issuer and optionally workload certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HealthReport {
    /// Every check, in a fixed order.
    pub checks: Vec<Finding>,
}

impl HealthReport {
    /// The worst status.
    pub fn worst(&self) -> Severity {
        self.checks
            .iter()
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// The check with `id`, if it ran.
    pub fn get(&self, id: &str) -> Option<&Finding> {
        self.checks.iter().find(|c| c.id == id)
    }
}

impl fmt::Display for HealthReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let mark = match c.severity {
                Severity::Ok => "ok  ",
                Severity::Warning => "warn",
                Severity::Error => "FAIL",
            };
            writeln!(f, "{mark} {}: {}", c.id, c.message)?;
        }
        Ok(())
    }
}

/// Runs the identity checks at `at`.
///
/// Check ids: `anchors-present`, `anchors-valid`, `anchors-not-expiring`,
/// `anchors-algorithm`, `bundle-clean`, `issuer-valid`, `issuer-not-expiring`,
/// `issuer-algorithm`, `issuer-is-ca`, `issuer-signed-by-anchor`,
/// `issuer-can-issue-workloads` (its remaining life covers one workload lifetime), and with
/// leaves, `workloads-within-issuer` and `workloads-verify`.
pub fn check(
    bundle: &TrustBundle,
    issuer: &Certificate,
    workload_lifetime: Duration,
    leaves: &[Certificate],
    at: OffsetDateTime,
    threshold: ExpiryThreshold,
) -> HealthReport {
    let mut checks = Vec::new();
    let mut push = |id, status, message: String| {
        checks.push(Finding {
            id,
            severity: status,
            subject: String::new(),
            message,
        })
    };
    let ok = |what: &str| what.to_owned();

    push(
        "anchors-present",
        if bundle.is_empty() {
            Severity::Error
        } else {
            Severity::Ok
        },
        format!("{} trust anchor(s)", bundle.len()),
    );
    let invalid: Vec<String> = bundle
        .certificates()
        .filter(|c| !c.is_valid_at(at))
        .map(|c| format!("{} ({} .. {})", c.subject(), c.not_before(), c.not_after()))
        .collect();
    push(
        "anchors-valid",
        if invalid.is_empty() {
            Severity::Ok
        } else {
            Severity::Error
        },
        if invalid.is_empty() {
            ok("all trust anchors are within their validity")
        } else {
            format!("outside validity: {}", invalid.join("; "))
        },
    );
    let expiring: Vec<String> = bundle
        .certificates()
        .filter_map(|c| threshold.expiring(c, at))
        .collect();
    push(
        "anchors-not-expiring",
        if expiring.is_empty() {
            Severity::Ok
        } else {
            Severity::Warning
        },
        if expiring.is_empty() {
            ok("no trust anchor expires soon")
        } else {
            expiring.join("; ")
        },
    );
    let unsupported: Vec<String> = bundle
        .certificates()
        .filter_map(|c| {
            c.public_key()
                .err()
                .map(|e| format!("{}: {e}", c.subject()))
        })
        .collect();
    push(
        "anchors-algorithm",
        if unsupported.is_empty() {
            Severity::Ok
        } else {
            Severity::Error
        },
        if unsupported.is_empty() {
            ok("all trust anchors use ECDSA P-256")
        } else {
            unsupported.join("; ")
        },
    );
    let dup_keys = bundle
        .warnings()
        .iter()
        .filter(|w| matches!(w, BundleWarning::SameKeyInSeveralCertificates { .. }))
        .count();
    let expired = bundle.certificates().filter(|c| c.not_after() < at).count();
    push(
        "bundle-clean",
        if dup_keys + expired == 0 {
            Severity::Ok
        } else {
            Severity::Warning
        },
        format!("{expired} expired anchor(s), {dup_keys} key(s) under several anchors"),
    );

    let issuer_valid = issuer.is_valid_at(at);
    push(
        "issuer-valid",
        if issuer_valid {
            Severity::Ok
        } else {
            Severity::Error
        },
        format!(
            "{} is valid {} .. {}",
            issuer.subject(),
            crate::display::rfc3339(issuer.not_before()),
            crate::display::rfc3339(issuer.not_after())
        ),
    );
    match threshold.expiring(issuer, at) {
        Some(m) => push("issuer-not-expiring", Severity::Warning, m),
        None => push(
            "issuer-not-expiring",
            Severity::Ok,
            ok("the issuer does not expire soon"),
        ),
    }
    match issuer.public_key() {
        Ok(_) => push(
            "issuer-algorithm",
            Severity::Ok,
            ok("the issuer uses ECDSA P-256"),
        ),
        Err(e) => push("issuer-algorithm", Severity::Error, e.to_string()),
    }
    let is_ca = issuer.is_ca()
        && issuer
            .key_usage()
            .is_none_or(|ku| ku.contains(crate::KeyUsage::KEY_CERT_SIGN));
    push(
        "issuer-is-ca",
        if is_ca { Severity::Ok } else { Severity::Error },
        if is_ca {
            ok("the issuer is a CA with keyCertSign")
        } else {
            format!("{} is not a CA able to sign certificates", issuer.subject())
        },
    );
    match verify(issuer, &[], bundle, at, &VerifyOptions::default()) {
        Ok(chain) => push(
            "issuer-signed-by-anchor",
            Severity::Ok,
            format!("the issuer chains to {}", chain.anchor().subject()),
        ),
        Err(e) => push("issuer-signed-by-anchor", Severity::Error, e.to_string()),
    }
    let remaining = issuer.not_after() - at;
    push(
        "issuer-can-issue-workloads",
        if remaining >= workload_lifetime {
            Severity::Ok
        } else {
            Severity::Warning
        },
        if remaining >= workload_lifetime {
            format!(
                "the issuer outlives a new {} workload certificate",
                GoDuration(workload_lifetime)
            )
        } else {
            format!(
                "a workload certificate cannot outlive its issuer: new ones are capped at {} \
                 (renew the issuer)",
                crate::display::rfc3339(issuer.not_after())
            )
        },
    );
    if !leaves.is_empty() {
        let outliving: Vec<String> = leaves
            .iter()
            .filter(|l| l.not_after() > issuer.not_after())
            .map(Certificate::subject)
            .collect();
        push(
            "workloads-within-issuer",
            if outliving.is_empty() {
                Severity::Ok
            } else {
                Severity::Error
            },
            if outliving.is_empty() {
                ok("no workload certificate outlives the issuer")
            } else {
                format!("outlive the issuer: {}", outliving.join("; "))
            },
        );
        let inters = [issuer.clone()];
        let failing: Vec<String> = leaves
            .iter()
            .filter_map(|l| {
                verify(l, &inters, bundle, at, &VerifyOptions::default())
                    .err()
                    .map(|e| format!("{}: {e}", l.dns_names().join(",")))
            })
            .collect();
        push(
            "workloads-verify",
            if failing.is_empty() {
                Severity::Ok
            } else {
                Severity::Error
            },
            if failing.is_empty() {
                format!("{} workload certificate(s) verify", leaves.len())
            } else {
                failing.join("; ")
            },
        );
    }
    HealthReport { checks }
}
