//! The crate's error type for parsing, loading and issuing.
//!
//! Bundle, renewal and verification have their own error types next to their code; this one
//! covers certificates, keys, CSRs and issuance. No message ever contains key material.

use crate::pem::PemError;
use time::OffsetDateTime;

/// What went wrong parsing, loading or issuing a certificate or key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// PEM text was malformed or held the wrong kind of block.
    #[error("{what}: {error}")]
    Pem {
        /// What was being read ("certificate", "private key", "CSR").
        what: &'static str,
        /// The PEM problem with its block and line (part of this error's message, so not
        /// repeated as its `source()`).
        error: PemError,
    },

    /// DER bytes broke the encoding rules or the structure of RFC 5280 / RFC 5915 / RFC 2986.
    #[error("malformed {what} at byte {offset}: {kind}")]
    Malformed {
        /// What was being read ("certificate", "private key", "CSR").
        what: &'static str,
        /// Byte offset in the DER where the problem was found.
        offset: usize,
        /// The rule that was broken.
        kind: crate::asn1::DerErrorKind,
    },

    /// The key or signature algorithm is not ECDSA P-256 (with SHA-256).
    #[error("unsupported algorithm in {what}: {found} (certcycle supports ECDSA P-256 only)")]
    UnsupportedAlgorithm {
        /// Where the algorithm was found.
        what: &'static str,
        /// The algorithm found, by name where known and by OID otherwise.
        found: String,
    },

    /// A private key does not belong to the certificate it was paired with.
    #[error("the private key does not match the certificate {subject}")]
    KeyMismatch {
        /// The certificate's subject.
        subject: String,
    },

    /// A certificate that must be a CA (to sign, or to be a trust anchor) is not one.
    #[error("{subject} is not a CA certificate: {reason}")]
    NotCa {
        /// The certificate's subject.
        subject: String,
        /// Which CA rule it fails.
        reason: &'static str,
    },

    /// A certificate spec is invalid.
    #[error("invalid certificate spec: {reason}")]
    InvalidSpec {
        /// What is wrong with it.
        reason: String,
    },

    /// A simulation ([`plan`](crate::plan), [`mesh`](crate::mesh)) refused its configuration
    /// or passed one of its bounds.
    #[error("{0}")]
    Sim(#[from] crate::sim::error::SimError),

    /// The issuer cannot issue at the requested time: it is expired or not yet valid.
    #[error(
        "issuer {issuer} is not valid at {} (valid {} .. {})",
        crate::display::rfc3339(*at),
        crate::display::rfc3339(*not_before),
        crate::display::rfc3339(*not_after)
    )]
    IssuerNotValid {
        /// The issuer's subject.
        issuer: String,
        /// The requested issuance time.
        at: OffsetDateTime,
        /// Issuer notBefore.
        not_before: OffsetDateTime,
        /// Issuer notAfter.
        not_after: OffsetDateTime,
    },

    /// The issuer's subject name cannot be reproduced byte for byte by the encoder (for
    /// example a multi-valued RDN, or an attribute type that occurs twice), so certificates
    /// it issued would not chain. Re-issue the CA with a simpler name.
    #[error("the issuer name {issuer} cannot be reproduced exactly ({reason})")]
    IssuerNameNotReproducible {
        /// The issuer's subject.
        issuer: String,
        /// Which part of the name is the problem.
        reason: &'static str,
    },

    /// A time plus a duration falls outside what `time` represents (years -9999 to 9999).
    #[error(
        "{} + {} is outside the representable range of times",
        crate::display::rfc3339(*from),
        crate::duration::GoDuration(*by)
    )]
    TimeOutOfRange {
        /// The starting time.
        from: OffsetDateTime,
        /// The duration added.
        by: time::Duration,
    },

    /// The certificate a spec describes would be rejected by certcycle's own verifier (a
    /// dNSName that is not a host name, a CN that is none of the SANs, keyCertSign on a leaf,
    /// no or any extKeyUsage, an anchor with extKeyUsage, ...): certcycle never issues it.
    #[error("refusing to issue a certificate certcycle's own verifier would reject: {reason}")]
    WouldNotVerify {
        /// The verifier's reason.
        reason: Box<crate::verify::error::VerifyError>,
    },

    /// The identity controller's issuer no longer verifies against the anchors it loaded
    /// (Linkerd's `IssuerValidationFailed`): the CSR fails.
    #[error(
        "IssuerValidationFailed: the identity issuer does not verify against the controller's anchors: {reason}"
    )]
    IssuerValidationFailed {
        /// The verifier's reason.
        reason: Box<crate::verify::error::VerifyError>,
    },

    /// The parent's pathLenConstraint leaves no room for the CA asked for (RFC 5280 §4.2.1.9).
    #[error("{issuer} has pathLenConstraint {parent_path_len}: {}", match requested {
        _ if *parent_path_len == 0 => "it may issue no CA".to_owned(),
        Some(n) => format!("a CA below it may have pathLen at most {}, not {n}", parent_path_len - 1),
        None => "the CA below it must have a smaller pathLen".to_owned(),
    })]
    PathLenConstraint {
        /// The parent CA's subject.
        issuer: String,
        /// Its pathLenConstraint.
        parent_path_len: u8,
        /// The pathLen asked for.
        requested: Option<u8>,
    },

    /// A PKCS#10 request's self-signature does not verify.
    #[error("the CSR's signature does not verify with its own public key")]
    CsrBadSignature,

    /// The certificate encoder refused the parameters.
    #[error("encoding the certificate failed: {reason}")]
    Encoding {
        /// The encoder's message.
        reason: String,
    },
}

impl Error {
    pub(crate) fn malformed(what: &'static str, e: crate::asn1::DerError) -> Self {
        Error::Malformed {
            what,
            offset: e.offset,
            kind: e.kind,
        }
    }

    /// `from + by`, or [`Error::TimeOutOfRange`].
    pub(crate) fn add_time(
        from: OffsetDateTime,
        by: time::Duration,
    ) -> Result<OffsetDateTime, Self> {
        from.checked_add(by)
            .ok_or(Error::TimeOutOfRange { from, by })
    }

    pub(crate) fn pem(what: &'static str) -> impl Fn(PemError) -> Self {
        move |error| Error::Pem { what, error }
    }
}
