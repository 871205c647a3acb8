//! What a verification refuses, as plain data: which certificate ([`CertRef`]), which rule,
//! and the usage and name asked for. Nothing here reads a certificate, so the crate's own
//! [`Error`](crate::Error) can carry a [`VerifyError`] without importing the verifier.

use super::budget::BudgetKind;
use crate::oid;
use std::fmt;
use std::net::IpAddr;
use time::OffsetDateTime;

/// What a certificate is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Usage {
    /// TLS server authentication (`id-kp-serverAuth`).
    ServerAuth,
    /// TLS client authentication (`id-kp-clientAuth`).
    ClientAuth,
}

impl Usage {
    pub(super) fn oid(self) -> &'static [u8] {
        match self {
            Self::ServerAuth => oid::KP_SERVER_AUTH,
            Self::ClientAuth => oid::KP_CLIENT_AUTH,
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ServerAuth => "serverAuth",
            Self::ClientAuth => "clientAuth",
        })
    }
}

/// The name the peer is expected to have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerName {
    /// A DNS name (such as a Linkerd identity).
    Dns(String),
    /// An IP address.
    Ip(IpAddr),
}

impl fmt::Display for PeerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(d) => write!(f, "DNS name {d}"),
            Self::Ip(ip) => write!(f, "IP address {ip}"),
        }
    }
}

/// Which certificate of a path an error is about: its depth (0 = leaf), its subject, and —
/// for a certificate with an empty subject, as mesh leaves have — its first subjectAltName,
/// which is what messages call it by.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertRef {
    /// 0 for the leaf, 1 for its issuer, and so on.
    pub depth: usize,
    /// The subject (RFC 4514), empty for a subject-less certificate.
    pub subject: String,
    /// The first subjectAltName (`DNS:…`, `IP:…`, `URI:…`, `email:…`) when the subject is
    /// empty.
    pub san: Option<Box<str>>,
}

impl CertRef {
    /// The reference to the certificate at `depth` with `subject` (RFC 4514) and, for a
    /// subject-less one, its first subjectAltName: to build the expected value of an
    /// `assert_eq!` (match with `CertRef { depth, .. }` otherwise: the struct may grow).
    ///
    /// ```
    /// use certcycle::CertRef;
    /// let r = CertRef::new(1, "CN=identity.linkerd.cluster.local", None);
    /// assert_eq!(r.depth, 1);
    /// ```
    pub fn new(depth: usize, subject: &str, san: Option<&str>) -> Self {
        Self {
            depth,
            subject: subject.to_owned(),
            san: san.map(Box::from),
        }
    }
}

impl fmt::Display for CertRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match (&self.subject, &self.san) {
            (s, _) if !s.is_empty() => s.as_str(),
            (_, Some(san)) => san,
            _ => "no subject, no subjectAltName",
        };
        write!(f, "certificate at depth {} ({name})", self.depth)
    }
}

/// An RFC 5280 profile rule (checked when [`VerifyOptions::pedantic`](super::VerifyOptions::pedantic) is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileRule {
    /// The serial number is zero or negative (§4.1.2.2).
    SerialNotPositive,
    /// The serial number is longer than 20 octets (§4.1.2.2).
    SerialTooLong,
    /// Not an X.509 v3 certificate.
    NotV3,
    /// The issuer name is empty (§4.1.2.4).
    EmptyIssuer,
    /// A CA's subject is empty (§4.1.2.6).
    EmptyCaSubject,
    /// A CA's basicConstraints is not critical (§4.2.1.9).
    BasicConstraintsNotCritical,
    /// keyCertSign is asserted without `cA=TRUE` (§4.2.1.3).
    KeyCertSignWithoutCa,
    /// A CA has no subjectKeyIdentifier (§4.2.1.2).
    MissingSubjectKeyId,
    /// A certificate that is not self-signed has no authorityKeyIdentifier (§4.2.1.1).
    MissingAuthorityKeyId,
    /// The authorityKeyIdentifier has no keyIdentifier.
    AuthorityKeyIdWithoutKeyId,
    /// The authorityKeyIdentifier names an issuer and serial (CA/B Forum 7.1.2.11.1).
    AuthorityKeyIdWithIssuerAndSerial,
    /// A key identifier extension is marked critical (§4.2.1.1, §4.2.1.2).
    CriticalKeyIdentifier,
    /// A self-signed anchor's AKI differs from its own SKI.
    SelfSignedAuthorityKeyIdMismatch,
    /// Name constraints in an end-entity certificate (§4.2.1.10: CA certificates only).
    NameConstraintsInEndEntity,
    /// A nameConstraints extension that is not critical (§4.2.1.10: MUST be critical).
    NameConstraintsNotCritical,
    /// A policyConstraints extension that is not critical (§4.2.1.11).
    PolicyConstraintsNotCritical,
    /// subjectAltName criticality does not fit the subject: critical iff the subject is empty
    /// (§4.2.1.6; CA/B Forum 7.1.2.7.12).
    SubjectAltNameCriticality,
    /// A dNSName SAN that is not a valid preferred-name-syntax host name (§4.2.1.6).
    InvalidDnsNameInSan,
    /// The leaf's extKeyUsage is critical (CA/B Forum 7.1.2.7.10).
    CriticalExtendedKeyUsage,
    /// The leaf's extKeyUsage lists anyExtendedKeyUsage (CA/B Forum 7.1.2.7.10).
    AnyExtendedKeyUsage,
    /// A usage was requested and the leaf has no extKeyUsage (CA/B Forum 7.1.2.7.10).
    MissingExtendedKeyUsage,
    /// The leaf's subject CN is not one of its SAN values (CA/B Forum 7.1.4.3).
    CommonNameNotInSan,
    /// A trust anchor carries an extKeyUsage (CA/B Forum 7.1.2.1.2).
    AnchorWithExtendedKeyUsage,
}

impl fmt::Display for ProfileRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SerialNotPositive => "serial number is not positive (RFC 5280 4.1.2.2)",
            Self::SerialTooLong => "serial number is longer than 20 octets (RFC 5280 4.1.2.2)",
            Self::NotV3 => "not an X.509 v3 certificate",
            Self::EmptyIssuer => "empty issuer name (RFC 5280 4.1.2.4)",
            Self::EmptyCaSubject => "CA certificate with an empty subject (RFC 5280 4.1.2.6)",
            Self::BasicConstraintsNotCritical => {
                "CA certificate whose basicConstraints is not critical (RFC 5280 4.2.1.9)"
            }
            Self::KeyCertSignWithoutCa => "keyCertSign asserted without cA=TRUE (RFC 5280 4.2.1.3)",
            Self::MissingSubjectKeyId => "CA certificate without subjectKeyIdentifier (RFC 5280 4.2.1.2)",
            Self::MissingAuthorityKeyId => {
                "certificate without authorityKeyIdentifier (RFC 5280 4.2.1.1)"
            }
            Self::AuthorityKeyIdWithoutKeyId => "authorityKeyIdentifier without keyIdentifier",
            Self::AuthorityKeyIdWithIssuerAndSerial => {
                "authorityKeyIdentifier with authorityCertIssuer/SerialNumber"
            }
            Self::CriticalKeyIdentifier => "critical key identifier extension (RFC 5280 4.2.1.1-2)",
            Self::SelfSignedAuthorityKeyIdMismatch => {
                "self-signed certificate whose authorityKeyIdentifier differs from its subjectKeyIdentifier"
            }
            Self::NameConstraintsInEndEntity => "name constraints in an end-entity certificate",
            Self::NameConstraintsNotCritical => "nameConstraints is not critical (RFC 5280 4.2.1.10)",
            Self::PolicyConstraintsNotCritical => "policyConstraints is not critical (RFC 5280 4.2.1.11)",
            Self::SubjectAltNameCriticality => {
                "subjectAltName must be critical exactly when the subject is empty"
            }
            Self::InvalidDnsNameInSan => "subjectAltName dNSName is not a valid host name",
            Self::CriticalExtendedKeyUsage => "end-entity extKeyUsage is critical",
            Self::AnyExtendedKeyUsage => "end-entity extKeyUsage lists anyExtendedKeyUsage",
            Self::MissingExtendedKeyUsage => "end-entity certificate without extKeyUsage",
            Self::CommonNameNotInSan => "subject CN is not one of the subjectAltName values",
            Self::AnchorWithExtendedKeyUsage => "trust anchor with an extKeyUsage extension",
        })
    }
}

/// Why a chain did not verify. Each variant names the certificate it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// `at` is after notAfter.
    #[error("{cert} expired at {}", crate::display::rfc3339(*not_after))]
    Expired {
        /// The certificate.
        cert: CertRef,
        /// Its notAfter.
        not_after: OffsetDateTime,
    },
    /// `at` is before notBefore.
    #[error("{cert} is not valid before {}", crate::display::rfc3339(*not_before))]
    NotYetValid {
        /// The certificate.
        cert: CertRef,
        /// Its notBefore.
        not_before: OffsetDateTime,
    },
    /// No anchor or intermediate has this certificate's issuer name.
    #[error("{cert}: no trusted or intermediate certificate is its issuer ({issuer})")]
    UnknownIssuer {
        /// The certificate.
        cert: CertRef,
        /// Its issuer name.
        issuer: String,
    },
    /// A candidate issuer has the right name, but the signature does not verify with its key.
    #[error("{cert}: signature does not verify with the key of {issuer}")]
    BadSignature {
        /// The certificate.
        cert: CertRef,
        /// The candidate issuer's subject.
        issuer: String,
    },
    /// An issuer that is not a CA (basicConstraints missing or `cA=FALSE`).
    #[error("{cert} is not a CA but would issue the certificate below it")]
    NotCa {
        /// The certificate.
        cert: CertRef,
    },
    /// An issuer's keyUsage lacks keyCertSign.
    #[error("{cert} has a keyUsage without keyCertSign")]
    MissingKeyCertSign {
        /// The certificate.
        cert: CertRef,
    },
    /// A pathLenConstraint is exceeded.
    #[error("{cert} allows {path_len} intermediate(s) below it, the path has more")]
    PathLenExceeded {
        /// The constraining CA.
        cert: CertRef,
        /// Its pathLenConstraint.
        path_len: u8,
    },
    /// The path would need more intermediates than allowed.
    #[error("no path within {max} intermediate(s)")]
    MaxDepthExceeded {
        /// The limit.
        max: usize,
    },
    /// The verification's work budget ran out (hostile or pathological input): see
    /// [`VerifyOptions::max_signature_checks`](super::VerifyOptions::max_signature_checks) and its neighbours.
    #[error("gave up after {limit} {kind} without finding a valid path")]
    BudgetExhausted {
        /// Which kind of work ran out.
        kind: BudgetKind,
        /// Its limit.
        limit: usize,
    },
    /// A signature or key algorithm certcycle does not verify.
    #[error("{cert}: unsupported algorithm {algorithm}")]
    UnsupportedAlgorithm {
        /// The certificate.
        cert: CertRef,
        /// What was found.
        algorithm: String,
    },
    /// The outer and TBS signature algorithm identifiers differ (RFC 5280 §4.1.1.2).
    #[error("{cert}: signatureAlgorithm differs from the TBS signature field")]
    SignatureAlgorithmMismatch {
        /// The certificate.
        cert: CertRef,
    },
    /// A critical extension certcycle does not process.
    #[error("{cert} has an unhandled critical extension {oid}")]
    UnhandledCriticalExtension {
        /// The certificate.
        cert: CertRef,
        /// The extension's OID.
        oid: crate::oid::Oid,
    },
    /// A name of a certificate on the path breaks the name constraints of a CA above it.
    #[error("{cert}: {name} is {} the name constraints of {constrained_by}", if *.excluded { "excluded by" } else { "not permitted by" })]
    NameConstraintViolation {
        /// The certificate carrying the name.
        cert: CertRef,
        /// The CA whose constraints it breaks.
        constrained_by: CertRef,
        /// The name, prefixed by its form (`DNS:`, `IP:`, `email:`, `DN:`).
        name: Box<str>,
        /// Whether it is excluded (rather than outside every permitted subtree).
        excluded: bool,
    },
    /// Name constraints that certcycle cannot apply (an unimplemented name form that a
    /// certificate below uses, minimum/maximum, or a malformed extension): a rejection.
    #[error("{cert}: cannot apply its name constraints: {reason}")]
    NameConstraintsUnsupported {
        /// The CA.
        cert: CertRef,
        /// Why.
        reason: &'static str,
    },
    /// The extKeyUsage of a certificate on the path does not allow the requested usage.
    #[error("{cert} does not allow {usage}")]
    WrongUsage {
        /// The certificate.
        cert: CertRef,
        /// The requested usage.
        usage: Usage,
    },
    /// A CA certificate presented as the end entity while a usage was requested.
    #[error("{cert} is a CA certificate used as an end entity")]
    CaUsedAsEndEntity {
        /// The certificate.
        cert: CertRef,
    },
    /// The leaf does not carry the requested name.
    #[error("the leaf is not valid for {name}")]
    NameMismatch {
        /// The requested name.
        name: PeerName,
    },
    /// The requested name is not a valid DNS name.
    #[error("'{0}' is not a valid DNS name to verify against")]
    InvalidReferenceName(String),
    /// An RFC 5280 profile rule is broken.
    #[error("{cert}: {rule}")]
    Profile {
        /// The certificate.
        cert: CertRef,
        /// The rule.
        rule: ProfileRule,
    },
}

impl VerifyError {
    /// How far path building got before this error (for choosing the most telling error).
    pub(super) fn depth(&self) -> usize {
        match self {
            Self::Expired { cert, .. }
            | Self::NotYetValid { cert, .. }
            | Self::UnknownIssuer { cert, .. }
            | Self::BadSignature { cert, .. }
            | Self::NotCa { cert }
            | Self::MissingKeyCertSign { cert }
            | Self::PathLenExceeded { cert, .. }
            | Self::UnsupportedAlgorithm { cert, .. }
            | Self::SignatureAlgorithmMismatch { cert }
            | Self::UnhandledCriticalExtension { cert, .. }
            | Self::NameConstraintsUnsupported { cert, .. }
            | Self::NameConstraintViolation {
                constrained_by: cert,
                ..
            }
            | Self::WrongUsage { cert, .. }
            | Self::CaUsedAsEndEntity { cert }
            | Self::Profile { cert, .. } => cert.depth,
            Self::MaxDepthExceeded { max } => *max + 1,
            Self::BudgetExhausted { .. } => usize::MAX,
            Self::NameMismatch { .. } | Self::InvalidReferenceName(_) => 0,
        }
    }
}
