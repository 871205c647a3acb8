//! Chain verification: RFC 5280 §6 path validation for the subset a mesh needs, strict by
//! default, with path building over every candidate issuer.
//!
//! What is checked, for the path leaf → intermediates → anchor:
//! - **Path building**: the candidates for a certificate's issuer are the anchors and
//!   intermediates whose subject DER equals its issuer DER; candidates whose SKI matches the
//!   child's AKI are tried first, but none is skipped for a mismatch. Two anchors (or issuers)
//!   sharing a subject — an anchor rotation — verify in any order. A CA already on the path
//!   (same subject and key) is not tried again, so cross-signing loops end. Depth is bounded
//!   by [`VerifyOptions::max_intermediates`] (self-issued intermediates do not count, up to
//!   four of them) and the work by
//!   [`VerifyOptions::max_signature_checks`], so hostile input cannot make it slow.
//! - **Signatures**: ECDSA P-256 with SHA-256 or SHA-384, parameters absent (RFC 5758 §3.2),
//!   the outer and TBS algorithm identifiers identical (RFC 5280 §4.1.1.2). Anything else is
//!   [`VerifyError::UnsupportedAlgorithm`], a rejection. The anchor's own signature is not
//!   checked (RFC 5280 §6.1.1 (d): a trust anchor is trusted as given).
//! - **Validity** of every certificate, the anchor included, both bounds inclusive
//!   (§4.1.2.5), at the given time truncated to whole seconds.
//! - **CA rules**: every issuer is v3 with basicConstraints `cA=TRUE`, keyUsage (if present)
//!   with keyCertSign, and path length constraints (§4.2.1.9; self-issued intermediates and the
//!   leaf do not count; the leaf's own constraint is ignored). When a usage is requested, a
//!   leaf that is a CA is rejected ([`VerifyError::CaUsedAsEndEntity`]).
//! - **EKU**: with a requested usage, a leaf or CA that has an extKeyUsage extension must list
//!   that usage (anyExtendedKeyUsage is not accepted: the CA/Browser profile forbids it).
//! - **Extensions**: an unknown critical extension anywhere on the path is a rejection;
//!   malformed or duplicate extensions never parse.
//! - **Name constraints** (RFC 5280 §4.2.1.10) for dNSName, iPAddress, rfc822Name and
//!   directoryName, permitted and excluded, applied during path building (so a constrained
//!   path is abandoned for an unconstrained alternative); see the `constraints` notes in
//!   [`VerifyError::NameConstraintViolation`]. Certificate policies are not processed: a
//!   critical certificatePolicies or policyConstraints is an unhandled critical extension.
//! - **Profile** ([`VerifyOptions::pedantic`], on by default; certcycle's own certificates
//!   always pass): serials positive and at most 20 octets, v3 only, non-empty issuer names,
//!   non-empty CA subjects, critical basicConstraints on CAs, keyCertSign only with `cA`, SKI on
//!   every CA, AKI (with a keyIdentifier, without issuer/serial) on every certificate that is not
//!   self-signed, neither SKI nor AKI critical, a self-signed anchor's AKI equal to its SKI.
//! - **Names** (with [`VerifyOptions::name`]): dNSName and iPAddress SANs only, never the
//!   subject CN; wildcards per RFC 6125 §6.4.3 (the whole leftmost label only).

use crate::bundle::TrustBundle;
use crate::cert::{Certificate, SignatureAlgorithm};
use crate::key::PreparedKey;
use crate::oid;
use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

mod budget;
mod checks;
mod constraints;
mod names;
use budget::Budget;
pub use budget::BudgetKind;
pub(crate) use checks::{Role, check_issued};
use checks::{check_ca, check_leaf};

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
    fn oid(self) -> &'static [u8] {
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

/// Options for [`verify()`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The usage the leaf must allow; `None` checks the chain only.
    pub usage: Option<Usage>,
    /// The name the leaf must carry.
    pub name: Option<PeerName>,
    /// The most intermediates a path may have (default 8).
    pub max_intermediates: usize,
    /// The most signature verifications one call may do, cache hits included (default 64).
    pub max_signature_checks: usize,
    /// The most candidate issuers one call may consider while building paths (default 1,000).
    pub max_path_building_steps: usize,
    /// The most name-against-constraint comparisons one call may make, over every CA of
    /// every path it tries (default 250,000, rustls-webpki's figure).
    pub max_name_comparisons: usize,
    /// Apply the RFC 5280 profile rules listed in the module docs (default true).
    pub pedantic: bool,
    /// Let a leftmost `*` label in a dNSName SAN match one label (RFC 6125 §6.4.3). Off by
    /// default: matching wildcards safely needs the Public Suffix List (a `*.co.uk` or
    /// `*.s3.amazonaws.com` SAN must not match), which certcycle does not ship, and mesh
    /// identities never use wildcards. Turn it on only for names under a domain you control.
    pub wildcards: bool,
    /// Check the trust anchor's own validity period (default true, as RFC 5280 §6.1 leaves
    /// to the implementation and as Go's `crypto/x509` and OpenSSL do). `false` is
    /// rustls-webpki's semantics (a trust anchor is a name and a key; its certificate's dates
    /// are not checked): Linkerd's proxies verify this way, its Go identity controller the
    /// other.
    pub anchor_validity: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            usage: None,
            name: None,
            max_intermediates: 8,
            max_signature_checks: 64,
            max_path_building_steps: 1_000,
            max_name_comparisons: 250_000,
            pedantic: true,
            wildcards: false,
            anchor_validity: true,
        }
    }
}

impl VerifyOptions {
    /// Options for a TLS peer with a usage and no name check.
    pub fn for_usage(usage: Usage) -> Self {
        Self {
            usage: Some(usage),
            ..Self::default()
        }
    }

    /// Adds a peer name to check.
    pub fn with_name(mut self, name: PeerName) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets the usage the leaf must allow ([`VerifyOptions::usage`]).
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.usage = Some(usage);
        self
    }

    /// Sets [`VerifyOptions::max_intermediates`].
    pub fn with_max_intermediates(mut self, max: usize) -> Self {
        self.max_intermediates = max;
        self
    }

    /// Sets [`VerifyOptions::max_signature_checks`].
    pub fn with_max_signature_checks(mut self, max: usize) -> Self {
        self.max_signature_checks = max;
        self
    }

    /// Sets [`VerifyOptions::max_path_building_steps`].
    pub fn with_max_path_building_steps(mut self, max: usize) -> Self {
        self.max_path_building_steps = max;
        self
    }

    /// Sets [`VerifyOptions::max_name_comparisons`].
    pub fn with_max_name_comparisons(mut self, max: usize) -> Self {
        self.max_name_comparisons = max;
        self
    }

    /// Sets [`VerifyOptions::pedantic`].
    pub fn with_pedantic(mut self, pedantic: bool) -> Self {
        self.pedantic = pedantic;
        self
    }

    /// Sets [`VerifyOptions::anchor_validity`] (`false`: rustls-webpki's semantics).
    pub fn with_anchor_validity(mut self, check: bool) -> Self {
        self.anchor_validity = check;
        self
    }

    /// Sets [`VerifyOptions::wildcards`].
    pub fn with_wildcards(mut self, wildcards: bool) -> Self {
        self.wildcards = wildcards;
        self
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

    /// The reference to `cert` at `depth` of a path.
    pub fn of(depth: usize, cert: &Certificate) -> Self {
        let subject = cert.subject();
        let san = if subject.is_empty() {
            cert.subject_alt_names()
                .into_iter()
                .find_map(|san| match san {
                    crate::SubjectAltName::Dns(d) => Some(format!("DNS:{d}")),
                    crate::SubjectAltName::Ip(ip) => Some(format!("IP:{ip}")),
                    crate::SubjectAltName::Uri(u) => Some(format!("URI:{u}")),
                    crate::SubjectAltName::Email(e) => Some(format!("email:{e}")),
                    crate::SubjectAltName::Other(_) => None,
                })
        } else {
            None
        };
        Self {
            depth,
            subject,
            san: san.map(String::into_boxed_str),
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

/// An RFC 5280 profile rule (checked when [`VerifyOptions::pedantic`] is on).
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
    /// [`VerifyOptions::max_signature_checks`] and its neighbours.
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
    fn depth(&self) -> usize {
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

/// A path that verified: leaf first, anchor last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    certificates: Vec<Certificate>,
}

impl VerifiedChain {
    /// The path, leaf first, anchor last.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.certificates[0]
    }

    /// The trust anchor the path ends in.
    pub fn anchor(&self) -> &Certificate {
        &self.certificates[self.certificates.len() - 1]
    }
}

impl fmt::Display for VerifiedChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (depth, c) in self.certificates.iter().enumerate() {
            let role = match depth {
                0 => "leaf",
                d if d + 1 == self.certificates.len() => "anchor",
                _ => "intermediate",
            };
            writeln!(f, "  {depth}: {role:<12} {}", c.subject())?;
        }
        Ok(())
    }
}

/// (child certificate fingerprint, issuer certificate fingerprint).
type SignatureKey = ([u8; 32], [u8; 32]);

/// A bounded cache of signature links that verified, keyed by the child's and the issuer's
/// DER fingerprints. A signature over fixed bytes with a fixed key verifies forever, so an
/// entry never goes stale; every other check (validity, CA rules, usage, names, the anchor's
/// membership in the bundle) is redone on each call.
///
/// Only the links of paths that verified are kept, so a peer's chain that fails adds nothing,
/// and a hit costs a verification as much budget as the signature check it saves
/// ([`VerifyOptions::max_signature_checks`]): what the cache holds never makes a call do more
/// work. The cache holds at most its capacity ([`SignatureCache::DEFAULT_CAPACITY`] = 1,024
/// links unless set with [`SignatureCache::with_capacity`]); the least recently used links go
/// first (two generations of half the capacity each: a link used in the current or the
/// previous generation stays).
///
/// [`SignatureCache::new`] keeps only links whose child is a CA (issuer → anchor): each
/// workload leaf's own signature is still checked on every call.
/// [`SignatureCache::including_leaves`] also keeps leaf links, for one batch that verifies
/// the same leaves many times (such as checking every pair of a mesh).
///
/// It also keeps [`PreparedKey`]s (DESIGN §13) for issuer keys it meets again: a key that
/// signed a link of a path that verified is remembered; the second such path builds its
/// table, and from then on signatures under it (each workload leaf's, under its issuer) are
/// checked on the prepared path, several times faster. Only keys of verified paths qualify,
/// so a peer cannot make it build tables for keys of its own. At most
/// [`SignatureCache::DEFAULT_PREPARED_KEYS`] tables are kept (unless set with
/// [`SignatureCache::with_limits`]), each [`PreparedKey::TABLE_BYTES`] (about 400 KB); the
/// least recently used goes first.
#[derive(Debug)]
pub struct SignatureCache {
    links: Mutex<Generations>,
    leaves: bool,
    prepared: Mutex<PreparedKeys>,
}

/// The prepared-key side of a [`SignatureCache`].
#[derive(Debug)]
struct PreparedKeys {
    /// (SEC1 point, table, last use), at most `max`.
    tables: Vec<([u8; 65], Arc<PreparedKey>, u64)>,
    /// Keys seen once on a verified path (bounded: cleared past 1,024).
    seen: HashSet<[u8; 65]>,
    tick: u64,
    max: usize,
}

impl PreparedKeys {
    fn new(max: usize) -> Self {
        Self {
            tables: Vec::new(),
            seen: HashSet::new(),
            tick: 0,
            max,
        }
    }

    fn get(&mut self, point: &[u8; 65]) -> Option<Arc<PreparedKey>> {
        self.tick += 1;
        let tick = self.tick;
        self.tables
            .iter_mut()
            .find(|(p, _, _)| p == point)
            .map(|(_, t, used)| {
                *used = tick;
                Arc::clone(t)
            })
    }

    /// Whether `point` was seen before (and so deserves a table now); remembers it.
    fn second_sighting(&mut self, point: &[u8; 65]) -> bool {
        if self.max == 0 || self.tables.iter().any(|(p, _, _)| p == point) {
            return false;
        }
        if self.seen.contains(point) {
            return true;
        }
        if self.seen.len() >= 1_024 {
            self.seen.clear();
        }
        self.seen.insert(*point);
        false
    }

    fn insert(&mut self, point: [u8; 65], table: Arc<PreparedKey>) {
        self.seen.remove(&point);
        if self.tables.iter().any(|(p, _, _)| *p == point) {
            return;
        }
        if self.tables.len() >= self.max {
            if let Some(oldest) = self
                .tables
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(i, _)| i)
            {
                self.tables.swap_remove(oldest);
            }
        }
        self.tick += 1;
        self.tables.push((point, table, self.tick));
    }
}

#[derive(Debug)]
struct Generations {
    current: HashSet<SignatureKey>,
    previous: HashSet<SignatureKey>,
    /// Entries per generation (half the capacity, at least one).
    half: usize,
}

impl Generations {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            current: HashSet::new(),
            previous: HashSet::new(),
            half: (capacity / 2).max(1),
        }
    }

    fn contains(&mut self, key: &SignatureKey) -> bool {
        if self.current.contains(key) {
            return true;
        }
        if self.previous.remove(key) {
            self.insert(*key);
            return true;
        }
        false
    }

    fn insert(&mut self, key: SignatureKey) {
        if self.current.len() >= self.half && !self.current.contains(&key) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key);
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

impl Default for SignatureCache {
    fn default() -> Self {
        Self::with_limits(Self::DEFAULT_CAPACITY, Self::DEFAULT_PREPARED_KEYS)
    }
}

impl SignatureCache {
    /// The default bound: 1,024 links (about 70 KB).
    pub const DEFAULT_CAPACITY: usize = 1_024;

    /// An empty cache of CA links, holding at most [`Self::DEFAULT_CAPACITY`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The default bound on prepared keys: 8 tables (about 3.2 MB).
    pub const DEFAULT_PREPARED_KEYS: usize = 8;

    /// An empty cache of CA links holding at most `capacity` (at least 2).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_limits(capacity, Self::DEFAULT_PREPARED_KEYS)
    }

    /// An empty cache of CA links holding at most `links` links and `prepared_keys` prepared
    /// keys (0: none, every signature on p256's plain path).
    pub fn with_limits(links: usize, prepared_keys: usize) -> Self {
        Self {
            links: Mutex::new(Generations::with_capacity(links)),
            leaves: false,
            prepared: Mutex::new(PreparedKeys::new(prepared_keys)),
        }
    }

    /// How many prepared keys are held.
    pub fn prepared_keys(&self) -> usize {
        self.prepared.lock().map(|p| p.tables.len()).unwrap_or(0)
    }

    fn prepared_key(&self, point: &[u8; 65]) -> Option<Arc<PreparedKey>> {
        self.prepared.lock().ok().and_then(|mut p| p.get(point))
    }

    /// An empty cache that also keeps leaf → issuer links, holding at most `capacity`.
    pub fn including_leaves(capacity: usize) -> Self {
        Self {
            leaves: true,
            ..Self::with_capacity(capacity)
        }
    }

    /// How many links are cached.
    pub fn len(&self) -> usize {
        self.links.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn keeps(&self, child: &Certificate) -> bool {
        self.leaves || child.is_ca()
    }

    fn hit(&self, key: &SignatureKey) -> bool {
        self.links.lock().is_ok_and(|mut m| m.contains(key))
    }

    /// Keeps the links of a path that verified (leaf first, anchor last), and prepares the
    /// issuer keys met on a verified path for the second time.
    fn keep_path(&self, path: &[&Certificate], anchor: &Certificate) {
        let issuers: Vec<&Certificate> = path.iter().skip(1).copied().chain([anchor]).collect();
        if let Ok(mut m) = self.links.lock() {
            for (child, issuer) in path.iter().zip(&issuers) {
                if self.keeps(child) {
                    m.insert((child.fingerprint().0, issuer.fingerprint().0));
                }
            }
        }
        // Only the leaf's issuer signs many signatures worth a table (CA links are cached).
        let Some(key) = issuers.first().and_then(|i| i.public_key().ok()) else {
            return;
        };
        let point = *key.sec1_bytes();
        let build = self
            .prepared
            .lock()
            .is_ok_and(|mut p| p.second_sighting(&point));
        if build {
            // Built outside the lock: other verifications go on meanwhile.
            let table = Arc::new(PreparedKey::new(key));
            if let Ok(mut p) = self.prepared.lock() {
                p.insert(point, table);
            }
        }
    }
}

/// Verifies `leaf` against `bundle` at `at`, using `intermediates` to build the path.
///
/// ```
/// use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
/// use certcycle::verify::{verify, PeerName, Usage, VerifyOptions};
/// let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// let rng = &mut rand_core::OsRng;
/// let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let issuer = anchor.issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(rng), now, rng)?.ca;
/// let id = linkerd::workload_identity("web", "default");
/// let leaf = issuer.issue(&linkerd::workload(&id), PrivateKey::generate(rng).public_key(), now, rng)?;
/// let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
/// let options = VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns(id));
/// let chain = verify(&leaf.certificate, &[issuer.certificate().clone()], &bundle, now, &options)?;
/// assert_eq!(chain.anchor(), anchor.certificate());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The [`VerifyError`] of the path that got furthest, naming the certificate it is about.
pub fn verify(
    leaf: &Certificate,
    intermediates: &[Certificate],
    bundle: &TrustBundle,
    at: OffsetDateTime,
    options: &VerifyOptions,
) -> Result<VerifiedChain, VerifyError> {
    verify_cached(leaf, intermediates, bundle, at, options, None)
}

/// [`verify()`] with a [`SignatureCache`]: verifying many leaves under one issuer checks the
/// issuer → anchor signature once.
///
/// # Errors
/// As [`verify()`].
pub fn verify_cached(
    leaf: &Certificate,
    intermediates: &[Certificate],
    bundle: &TrustBundle,
    at: OffsetDateTime,
    options: &VerifyOptions,
    cache: Option<&SignatureCache>,
) -> Result<VerifiedChain, VerifyError> {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    check_leaf(leaf, at, options)?;
    let mut builder = Builder {
        intermediates,
        bundle,
        at,
        options,
        cache,
        budget: Budget::new(options),
        best: None,
    };
    let mut path = vec![leaf];
    match builder.extend(&mut path) {
        Ok(anchor) => {
            if let Some(cache) = cache {
                cache.keep_path(&path, anchor);
            }
            let mut certificates: Vec<Certificate> = path.into_iter().cloned().collect();
            certificates.push(anchor.clone());
            Ok(VerifiedChain { certificates })
        }
        Err(e @ VerifyError::BudgetExhausted { .. }) => Err(e),
        Err(e) => Err(builder.best.take().unwrap_or(e)),
    }
}

/// How many self-issued intermediates a path may hold beyond the logical limit.
const SELF_ISSUED_ALLOWANCE: usize = 4;

struct Builder<'a> {
    intermediates: &'a [Certificate],
    bundle: &'a TrustBundle,
    at: OffsetDateTime,
    options: &'a VerifyOptions,
    cache: Option<&'a SignatureCache>,
    budget: Budget,
    best: Option<VerifyError>,
}

enum Step<'a> {
    Done(&'a Certificate),
    Failed(VerifyError),
}

impl<'a> Builder<'a> {
    fn note(&mut self, e: VerifyError) {
        let better = match &self.best {
            None => true,
            Some(b) => {
                e.depth() > b.depth()
                    || (is_generic(b) && !is_generic(&e) && e.depth() == b.depth())
            }
        };
        if better {
            self.best = Some(e);
        }
    }

    /// Extends `path` (whose last element needs an issuer) to an anchor.
    fn extend(&mut self, path: &mut Vec<&'a Certificate>) -> Result<&'a Certificate, VerifyError> {
        // `path` starts with the leaf and never shrinks below it.
        let depth = path.len();
        let child = path[depth - 1];
        let unknown = || VerifyError::UnknownIssuer {
            cert: CertRef::of(depth - 1, child),
            issuer: child.issuer(),
        };
        let mut result = Err(unknown());
        // Anchors first (the shortest path wins), then intermediates; within each, the
        // candidates whose SKI matches the child's AKI first.
        let mut anchors: Vec<&'a Certificate> = self
            .bundle
            .by_subject(child.issuer_der())
            .map(|a| a.certificate())
            .collect();
        prefer_matching_key_id(&mut anchors, child);
        let mut intermediates: Vec<&'a Certificate> = self
            .intermediates
            .iter()
            .filter(|c| c.subject_der() == child.issuer_der())
            .collect();
        prefer_matching_key_id(&mut intermediates, child);
        let candidates = anchors
            .into_iter()
            .map(|c| (c, true))
            .chain(intermediates.into_iter().map(|c| (c, false)));
        for (cand, is_anchor) in candidates {
            self.budget.step()?;
            if !is_anchor {
                if path.iter().any(|p| {
                    p.subject_der() == cand.subject_der() && p.spki_der() == cand.spki_der()
                }) {
                    continue; // a loop: this CA is already on the path
                }
                // Depth counts logical intermediates: self-issued ones (a CA re-keying under
                // its own name) do not count, as for pathLenConstraint; a hard cap bounds them.
                let logical = path[1..].iter().filter(|c| !c.is_self_issued()).count()
                    + usize::from(!cand.is_self_issued());
                if logical > self.options.max_intermediates
                    || path.len() > self.options.max_intermediates + SELF_ISSUED_ALLOWANCE
                {
                    let e = VerifyError::MaxDepthExceeded {
                        max: self.options.max_intermediates,
                    };
                    self.note(e.clone());
                    result = Err(e);
                    continue;
                }
            }
            match self.try_issuer(path, cand, is_anchor) {
                Step::Done(a) => return Ok(a),
                Step::Failed(e @ VerifyError::BudgetExhausted { .. }) => return Err(e),
                Step::Failed(e) => {
                    self.note(e.clone());
                    result = Err(e);
                }
            }
        }
        result
    }

    fn try_issuer(
        &mut self,
        path: &mut Vec<&'a Certificate>,
        issuer: &'a Certificate,
        is_anchor: bool,
    ) -> Step<'a> {
        let depth = path.len();
        if let Err(e) = check_ca(
            issuer,
            depth,
            path,
            self.at,
            self.options,
            is_anchor,
            &mut self.budget,
        ) {
            return Step::Failed(e);
        }
        let child = path[depth - 1];
        match self.signature_ok(child, issuer, depth - 1) {
            Ok(true) => {}
            Ok(false) => {
                return Step::Failed(VerifyError::BadSignature {
                    cert: CertRef::of(depth - 1, child),
                    issuer: issuer.subject(),
                });
            }
            Err(e) => return Step::Failed(e),
        }
        if is_anchor {
            return Step::Done(issuer);
        }
        path.push(issuer);
        match self.extend(path) {
            Ok(a) => Step::Done(a),
            Err(e) => {
                path.pop();
                Step::Failed(e)
            }
        }
    }

    fn signature_ok(
        &mut self,
        child: &Certificate,
        issuer: &Certificate,
        depth: usize,
    ) -> Result<bool, VerifyError> {
        if !child.signature_algorithms_match() {
            return Err(VerifyError::SignatureAlgorithmMismatch {
                cert: CertRef::of(depth, child),
            });
        }
        if child.signature_algorithm() == SignatureAlgorithm::Other {
            return Err(VerifyError::UnsupportedAlgorithm {
                cert: CertRef::of(depth, child),
                algorithm: child.signature_algorithm_name(),
            });
        }
        let key = issuer
            .public_key()
            .map_err(|e| VerifyError::UnsupportedAlgorithm {
                cert: CertRef::of(depth + 1, issuer),
                algorithm: match e {
                    crate::Error::UnsupportedAlgorithm { found, .. } => found,
                    other => other.to_string(),
                },
            })?;
        // A hit costs the budget what the check it saves would have: a cache saves CPU, not
        // budget, so what the cache holds never lets one call do more work.
        self.budget.signature()?;
        if let Some(cache) = self.cache.filter(|c| c.keeps(child)) {
            if cache.hit(&(child.fingerprint().0, issuer.fingerprint().0)) {
                return Ok(true);
            }
        }
        let prepared = self.cache.and_then(|c| c.prepared_key(key.sec1_bytes()));
        let ok = match prepared {
            Some(p) => child.is_signed_by_prepared(&p),
            None => child.is_signed_by(&key),
        };
        Ok(ok)
    }
}

fn is_generic(e: &VerifyError) -> bool {
    matches!(
        e,
        VerifyError::UnknownIssuer { .. } | VerifyError::MaxDepthExceeded { .. }
    )
}

/// Puts candidates whose SKI equals the child's AKI first (stable otherwise).
fn prefer_matching_key_id(candidates: &mut [&Certificate], child: &Certificate) {
    if let Some(aki) = child.authority_key_id() {
        candidates.sort_by_key(|c| c.subject_key_id() != Some(aki));
    }
}
