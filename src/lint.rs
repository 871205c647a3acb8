//! One kind of finding for every check certcycle makes: the renewal lints of a spec
//! ([`renewal`](crate::renewal)), the health checks of a bundle and issuer
//! ([`health`](crate::health)), and the cluster objects' lints and report (feature `k8s`).
//! Each has a stable id, a severity, what it is about, and a message a user can act on.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Fine (a check that passed).
    Ok,
    /// Works now; breaks later or by surprise, or needs attention.
    Warning,
    /// Broken, or cert-manager, trust-manager or Linkerd cannot do what is asked.
    Error,
}

impl Severity {
    /// `ok`, `warn` or `error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warn",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: which rule or check (`id`), how serious, what it is about, and why.
///
/// ```
/// use certcycle::lint::{Finding, Severity};
/// let f = Finding::new("anchor-early-rekey", Severity::Warning, "Certificate/cert-manager/linkerd-trust-anchor", "re-keyed on day 60");
/// assert_eq!(f.to_string(), "[warn] anchor-early-rekey: Certificate/cert-manager/linkerd-trust-anchor: re-keyed on day 60");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// The stable id of the rule or check (`anchor-early-rekey`, `issuer-valid`).
    pub id: &'static str,
    /// How serious.
    pub severity: Severity,
    /// What it is about (`Certificate/cert-manager/linkerd-trust-anchor`); empty when the
    /// finding is about the input as a whole (a spec, the bundle and issuer checked).
    pub subject: String,
    /// What was found, in words a user can act on.
    pub message: String,
}

impl Finding {
    /// A finding about `subject` (empty: about the input as a whole).
    pub fn new(
        id: &'static str,
        severity: Severity,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            id,
            severity,
            subject: subject.into(),
            message: message.into(),
        }
    }

    /// The message with its subject in front (`subject: message`), as reports print it.
    pub fn text(&self) -> String {
        if self.subject.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.subject, self.message)
        }
    }
}

impl fmt::Display for Finding {
    /// `[warn] id: subject: message` (without `subject: ` when it is empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {}",
            self.severity,
            self.id,
            crate::display::visible(&self.text())
        )
    }
}
