//! [`TrustAnchor`]: a CA certificate with no key, what trust bundles hold.

use crate::cert::Certificate;
use crate::error::Error;

/// A trust anchor: a CA certificate, public data only. This is what bundles hold.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrustAnchor {
    cert: Certificate,
}

impl TrustAnchor {
    /// Wraps a CA certificate as a trust anchor.
    ///
    /// # Errors
    /// [`Error::NotCa`] if it is not a CA certificate.
    pub fn new(cert: Certificate) -> Result<Self, Error> {
        if !cert.is_ca() {
            return Err(Error::NotCa {
                subject: cert.subject(),
                reason: "basicConstraints does not say cA=TRUE",
            });
        }
        Ok(Self { cert })
    }

    /// Wraps any certificate (for bundles that allow non-CA entries).
    pub(crate) fn new_unchecked(cert: Certificate) -> Self {
        Self { cert }
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}
