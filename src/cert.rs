//! [`Certificate`]: an X.509 v3 certificate (RFC 5280 §4.1), parsed once, DER kept as given.

use crate::asn1::{self, Reader, tag};
use crate::error::Error;
use crate::key::PublicKey;
use crate::oid;
use crate::pem::{Blocks, PemError, PemErrorKind};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::{Arc, OnceLock};
use time::OffsetDateTime;

mod parse;
use parse::parse;

/// An X.509 certificate: the DER exactly as given plus the fields certcycle uses, parsed once.
///
/// Parsing is strict DER (X.690 §10) and checks the structure of RFC 5280 §4.1 and of every
/// extension certcycle reads (basicConstraints, keyUsage, extKeyUsage, subjectAltName, subject
/// and authority key identifiers); duplicate extensions and extensions in a v1/v2 certificate
/// are rejected. Policy (is it a CA, is it valid now) is not judged here: see
/// the verifier. Cloning is cheap (the parsed certificate is shared).
///
/// ```
/// # use certcycle::{Ca, presets, PrivateKey};
/// # let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// let anchor = Ca::self_signed(&presets::linkerd::trust_anchor(), PrivateKey::generate_os(), now,
///     &mut rand_core::OsRng)?;
/// let pem = anchor.certificate().to_pem();
/// let parsed = certcycle::Certificate::from_pem(&pem)?;
/// assert_eq!(parsed.subject(), "CN=root.linkerd.cluster.local");
/// assert!(parsed.is_ca());
/// assert_eq!(parsed.der(), anchor.certificate().der());
/// # Ok::<(), certcycle::Error>(())
/// ```
#[derive(Clone)]
pub struct Certificate {
    inner: Arc<Parsed>,
}

#[derive(Debug)]
struct Parsed {
    der: Box<[u8]>,
    tbs: Range<usize>,
    tbs_signature_algorithm: Range<usize>,
    signature_algorithm: Range<usize>,
    signature_oid: Range<usize>,
    signature: Range<usize>,
    version: u8,
    serial: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    spki: Range<usize>,
    ext: Extensions,
    fingerprint: OnceLock<Fingerprint>,
}

#[derive(Debug, Default)]
struct Extensions {
    basic_constraints: Option<BasicConstraints>,
    key_usage: Option<KeyUsage>,
    ext_key_usage: Option<Range<usize>>,
    subject_alt_name: Option<Range<usize>>,
    subject_key_id: Option<Range<usize>>,
    authority_key_id: Option<Range<usize>>,
    name_constraints: Option<(Range<usize>, bool)>,
    unhandled_critical: Option<Range<usize>>,
    /// Criticality and shape flags the verifier's profile checks read.
    flags: ExtFlags,
}

/// Facts about extensions that only profile checks need.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ExtFlags {
    pub(crate) basic_constraints_critical: bool,
    pub(crate) subject_key_id_critical: bool,
    pub(crate) authority_key_id_present: bool,
    pub(crate) authority_key_id_critical: bool,
    pub(crate) authority_key_id_has_issuer_or_serial: bool,
    pub(crate) has_extensions: bool,
    pub(crate) subject_alt_name_critical: bool,
    pub(crate) ext_key_usage_critical: bool,
    pub(crate) policy_constraints_present: bool,
}

/// The basicConstraints extension (RFC 5280 §4.2.1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BasicConstraints {
    /// `cA`.
    pub ca: bool,
    /// `pathLenConstraint`, when present.
    pub path_len: Option<u8>,
}

/// The keyUsage bits (RFC 5280 §4.2.1.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyUsage(u16);

impl KeyUsage {
    /// `digitalSignature` (bit 0).
    pub const DIGITAL_SIGNATURE: Self = Self(0x8000);
    /// `keyEncipherment` (bit 2).
    pub const KEY_ENCIPHERMENT: Self = Self(0x2000);
    /// `keyAgreement` (bit 4).
    pub const KEY_AGREEMENT: Self = Self(0x0800);
    /// `keyCertSign` (bit 5).
    pub const KEY_CERT_SIGN: Self = Self(0x0400);
    /// `cRLSign` (bit 6).
    pub const CRL_SIGN: Self = Self(0x0200);

    const NAMES: [&'static str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];

    /// No bits.
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of both.
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// The raw bits, bit 0 (`digitalSignature`) as the most significant bit of a `u16`.
    pub const fn bits(self) -> u16 {
        self.0
    }

    fn rcgen(self) -> Vec<rcgen::KeyUsagePurpose> {
        use rcgen::KeyUsagePurpose as P;
        let all = [
            (Self::DIGITAL_SIGNATURE, P::DigitalSignature),
            (Self::KEY_ENCIPHERMENT, P::KeyEncipherment),
            (Self::KEY_AGREEMENT, P::KeyAgreement),
            (Self::KEY_CERT_SIGN, P::KeyCertSign),
            (Self::CRL_SIGN, P::CrlSign),
        ];
        all.into_iter()
            .filter(|(k, _)| self.contains(*k))
            .map(|(_, p)| p)
            .collect()
    }
}

impl std::ops::BitOr for KeyUsage {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

impl fmt::Debug for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (0x8000 >> i) != 0)
            .map(|(_, n)| *n)
            .collect();
        write!(f, "KeyUsage({})", names.join(" | "))
    }
}

pub(crate) fn key_usage_to_rcgen(ku: KeyUsage) -> Vec<rcgen::KeyUsagePurpose> {
    ku.rcgen()
}

/// One extended key usage purpose (RFC 5280 §4.2.1.12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtendedKeyUsage {
    /// `id-kp-serverAuth`.
    ServerAuth,
    /// `id-kp-clientAuth`.
    ClientAuth,
    /// `anyExtendedKeyUsage`.
    Any,
    /// Any other purpose.
    Other(crate::oid::Oid),
}

/// One subjectAltName entry (RFC 5280 §4.2.1.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectAltName {
    /// `dNSName`.
    Dns(String),
    /// `uniformResourceIdentifier`.
    Uri(String),
    /// `iPAddress`.
    Ip(IpAddr),
    /// `rfc822Name`.
    Email(String),
    /// Any other kind, by its context tag number.
    Other(u8),
}

/// A SHA-256 fingerprint of a certificate's DER. `Display` is lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::display::hex(&self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// The signature algorithm of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// `ecdsa-with-SHA256` (RFC 5758 §3.2).
    EcdsaSha256,
    /// `ecdsa-with-SHA384`.
    EcdsaSha384,
    /// Anything else.
    Other,
}

const WHAT: &str = "certificate";

impl Certificate {
    /// Parses a DER certificate. The bytes are kept exactly as given.
    ///
    /// # Errors
    /// [`Error::Malformed`] with the byte offset of the first problem.
    pub fn from_der(der: impl Into<Box<[u8]>>) -> Result<Self, Error> {
        let der = der.into();
        let parsed = parse(der).map_err(|e| Error::malformed(WHAT, e))?;
        Ok(Self {
            inner: Arc::new(parsed),
        })
    }

    /// Parses the single `CERTIFICATE` block of a PEM text (other text is ignored).
    ///
    /// # Errors
    /// [`Error::Pem`] if there is no block, a block of another kind, or more than one block
    /// (use [`Certificate::all_from_pem`] for chains); [`Error::Malformed`] for bad DER.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let mut all = Self::all_from_pem(text)?;
        if all.len() > 1 {
            // Name the second block and its line.
            let second = Blocks::new(text)
                .nth(1)
                .and_then(Result::ok)
                .map_or((2, 0), |b| (b.block, b.line));
            return Err(Error::Pem {
                what: WHAT,
                error: PemError {
                    block: second.0,
                    line: second.1,
                    kind: PemErrorKind::MoreThanOneBlock { count: all.len() },
                },
            });
        }
        all.pop().ok_or(Error::Pem {
            what: WHAT,
            error: PemError {
                block: 0,
                line: 1,
                kind: PemErrorKind::NoBlock,
            },
        })
    }

    /// Parses every block of a PEM text; each must be a `CERTIFICATE`.
    ///
    /// # Errors
    /// [`Error::Pem`] naming the first bad block; [`Error::Malformed`] for bad DER.
    pub fn all_from_pem(text: &str) -> Result<Vec<Self>, Error> {
        let mut out = Vec::new();
        for block in Blocks::new(text) {
            let block = block.map_err(Error::pem(WHAT))?;
            if block.label != "CERTIFICATE" {
                return Err(Error::Pem {
                    what: WHAT,
                    error: block.error(PemErrorKind::WrongLabel {
                        expected: "CERTIFICATE",
                        found: block.label.into(),
                    }),
                });
            }
            let mut der = Vec::new();
            block.decode_into(&mut der).map_err(Error::pem(WHAT))?;
            out.push(Self::from_der(der)?);
        }
        if out.is_empty() {
            return Err(Error::Pem {
                what: WHAT,
                error: PemError {
                    block: 0,
                    line: 1,
                    kind: PemErrorKind::NoBlock,
                },
            });
        }
        Ok(out)
    }

    /// The DER encoding, exactly as parsed.
    pub fn der(&self) -> &[u8] {
        &self.inner.der
    }

    /// RFC 7468 PEM: `-----BEGIN CERTIFICATE-----`, 64 columns, LF.
    pub fn to_pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", self.der())
    }

    fn slice(&self, r: &Range<usize>) -> &[u8] {
        &self.inner.der[r.clone()]
    }

    /// The subject as an RFC 4514 string, most specific RDN first (`CN=…,O=…`).
    pub fn subject(&self) -> String {
        crate::dn::to_rfc4514(self.subject_der())
    }

    /// The subject Name, DER, exactly as encoded.
    pub fn subject_der(&self) -> &[u8] {
        self.slice(&self.inner.subject)
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> String {
        crate::dn::to_rfc4514(self.issuer_der())
    }

    /// The issuer Name, DER, exactly as encoded.
    pub fn issuer_der(&self) -> &[u8] {
        self.slice(&self.inner.issuer)
    }

    /// The serial number's big-endian two's-complement content bytes.
    pub fn serial(&self) -> &[u8] {
        self.slice(&self.inner.serial)
    }

    /// The serial number as colon-free lowercase hex (leading zero octet dropped).
    pub fn serial_hex(&self) -> String {
        match self.serial() {
            [0, rest @ ..] if !rest.is_empty() => crate::display::hex(rest),
            s => crate::display::hex(s),
        }
    }

    /// The certificate version (1, 2 or 3).
    pub fn version(&self) -> u8 {
        self.inner.version
    }

    /// Start of validity (inclusive).
    pub fn not_before(&self) -> OffsetDateTime {
        self.inner.not_before
    }

    /// End of validity (inclusive, RFC 5280 §4.1.2.5).
    pub fn not_after(&self) -> OffsetDateTime {
        self.inner.not_after
    }

    /// `notAfter - notBefore`: the actual lifetime.
    pub fn lifetime(&self) -> time::Duration {
        self.inner.not_after - self.inner.not_before
    }

    /// Whether `at` lies within `[notBefore, notAfter]`.
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.inner.not_before <= at && at <= self.inner.not_after
    }

    /// The subjectKeyIdentifier, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.inner
            .ext
            .subject_key_id
            .as_ref()
            .map(|r| self.slice(r))
    }

    /// The authorityKeyIdentifier's keyIdentifier, if present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.inner
            .ext
            .authority_key_id
            .as_ref()
            .map(|r| self.slice(r))
    }

    /// The basicConstraints extension, if present.
    pub fn basic_constraints(&self) -> Option<BasicConstraints> {
        self.inner.ext.basic_constraints
    }

    /// Whether basicConstraints says `cA=TRUE`.
    pub fn is_ca(&self) -> bool {
        self.inner.ext.basic_constraints.is_some_and(|b| b.ca)
    }

    /// The pathLenConstraint, if any.
    pub fn path_len(&self) -> Option<u8> {
        self.inner.ext.basic_constraints.and_then(|b| b.path_len)
    }

    /// The keyUsage extension, if present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.inner.ext.key_usage
    }

    /// The extKeyUsage purposes, if the extension is present.
    pub fn extended_key_usage(&self) -> Option<Vec<ExtendedKeyUsage>> {
        let range = self.inner.ext.ext_key_usage.as_ref()?;
        let mut r = Reader::new(self.slice(range), 0);
        let mut out = Vec::new();
        while let Ok(oid) = r.read(tag::OID) {
            out.push(match oid.value {
                oid::KP_SERVER_AUTH => ExtendedKeyUsage::ServerAuth,
                oid::KP_CLIENT_AUTH => ExtendedKeyUsage::ClientAuth,
                oid::ANY_EXT_KEY_USAGE => ExtendedKeyUsage::Any,
                other => ExtendedKeyUsage::Other(oid::Oid::from_checked(other)),
            });
        }
        Some(out)
    }

    #[allow(dead_code)] // read by the verifier
    pub(crate) fn ext_key_usage_raw(&self) -> Option<&[u8]> {
        self.inner.ext.ext_key_usage.as_ref().map(|r| self.slice(r))
    }

    pub(crate) fn subject_alt_name_raw(&self) -> Option<&[u8]> {
        self.inner
            .ext
            .subject_alt_name
            .as_ref()
            .map(|r| self.slice(r))
    }

    #[allow(dead_code)] // read by the verifier
    pub(crate) fn ext_flags(&self) -> ExtFlags {
        self.inner.ext.flags
    }

    pub(crate) fn name_constraints_raw(&self) -> Option<(&[u8], bool)> {
        self.inner
            .ext
            .name_constraints
            .as_ref()
            .map(|(r, c)| (self.slice(r), *c))
    }

    /// The first critical extension certcycle does not process.
    pub fn unhandled_critical_extension(&self) -> Option<oid::Oid> {
        self.inner
            .ext
            .unhandled_critical
            .as_ref()
            .map(|r| oid::Oid::from_checked(self.slice(r)))
    }

    /// The subjectAltName entries (empty when the extension is absent).
    pub fn subject_alt_names(&self) -> Vec<SubjectAltName> {
        let Some(raw) = self.subject_alt_name_raw() else {
            return Vec::new();
        };
        let mut r = Reader::new(raw, 0);
        let mut out = Vec::new();
        while let Ok(gn) = r.read_any() {
            let text = || String::from_utf8_lossy(gn.value).into_owned();
            out.push(match gn.tag {
                0x81 => SubjectAltName::Email(text()),
                0x82 => SubjectAltName::Dns(text()),
                0x86 => SubjectAltName::Uri(text()),
                0x87 => match gn.value.len() {
                    4 => {
                        let b: [u8; 4] = gn.value.try_into().unwrap_or([0; 4]);
                        SubjectAltName::Ip(IpAddr::from(b))
                    }
                    16 => {
                        let b: [u8; 16] = gn.value.try_into().unwrap_or([0; 16]);
                        SubjectAltName::Ip(IpAddr::from(b))
                    }
                    _ => SubjectAltName::Other(7),
                },
                t => SubjectAltName::Other(t & 0x1f),
            });
        }
        out
    }

    /// The subject's common name values (for profile checks and messages).
    pub(crate) fn common_names(&self) -> Vec<String> {
        crate::dn::common_names(self.subject_der())
    }

    /// The dNSName entries of the subjectAltName.
    pub fn dns_names(&self) -> Vec<String> {
        self.subject_alt_names()
            .into_iter()
            .filter_map(|n| {
                if let SubjectAltName::Dns(d) = n {
                    Some(d)
                } else {
                    None
                }
            })
            .collect()
    }

    /// The SHA-256 fingerprint of the DER (computed on first use).
    pub fn fingerprint(&self) -> Fingerprint {
        *self
            .inner
            .fingerprint
            .get_or_init(|| Fingerprint(Sha256::digest(&self.inner.der).into()))
    }

    /// The subject public key, if it is a P-256 key.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] naming the key type otherwise.
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        let spki = asn1::parse_one(self.spki_der(), tag::SEQUENCE)
            .map_err(|e| Error::malformed(WHAT, e))?;
        PublicKey::from_spki_tlv(&spki, "certificate public key")
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.slice(&self.inner.spki)
    }

    /// Whether subject and issuer names are the same bytes (RFC 5280 §3.2 "self-issued").
    pub fn is_self_issued(&self) -> bool {
        self.subject_der() == self.issuer_der()
    }

    /// The signature algorithm, when the outer and inner (TBS) identifiers agree.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        if !self.signature_algorithms_match() {
            return SignatureAlgorithm::Other;
        }
        // RFC 5758 §3.2: the parameters field MUST be absent, so the whole
        // AlgorithmIdentifier is exactly SEQUENCE { OID }.
        let alg = self.slice(&self.inner.signature_algorithm);
        match (alg.len(), self.slice(&self.inner.signature_oid)) {
            (12, oid::ECDSA_SHA256) => SignatureAlgorithm::EcdsaSha256,
            (12, oid::ECDSA_SHA384) => SignatureAlgorithm::EcdsaSha384,
            _ => SignatureAlgorithm::Other,
        }
    }

    /// The signature algorithm's name (for messages).
    pub(crate) fn signature_algorithm_name(&self) -> String {
        oid::algorithm_name(self.slice(&self.inner.signature_oid), None)
    }

    /// Whether the outer signatureAlgorithm equals the TBS `signature` field byte for byte
    /// (RFC 5280 §4.1.1.2).
    pub fn signature_algorithms_match(&self) -> bool {
        self.slice(&self.inner.signature_algorithm)
            == self.slice(&self.inner.tbs_signature_algorithm)
    }

    /// The signed part (TBSCertificate DER).
    pub fn tbs_der(&self) -> &[u8] {
        self.slice(&self.inner.tbs)
    }

    /// The signature value (a DER ECDSA-Sig-Value for ECDSA).
    pub fn signature(&self) -> &[u8] {
        self.slice(&self.inner.signature)
    }

    /// Whether `issuer_key` signed this certificate (ECDSA P-256 with SHA-256 or SHA-384).
    pub fn is_signed_by(&self, issuer_key: &PublicKey) -> bool {
        match self.signature_algorithm() {
            SignatureAlgorithm::EcdsaSha256 => {
                issuer_key.verify(self.tbs_der(), self.signature(), false)
            }
            SignatureAlgorithm::EcdsaSha384 => {
                issuer_key.verify(self.tbs_der(), self.signature(), true)
            }
            SignatureAlgorithm::Other => false,
        }
    }

    /// Whether this certificate names `ca` as its issuer and carries `ca`'s signature.
    pub(crate) fn is_issued_by(&self, ca: &Certificate) -> bool {
        self.issuer_der() == ca.subject_der()
            && ca.public_key().is_ok_and(|k| self.is_signed_by(&k))
    }

    /// [`Certificate::is_signed_by`] with a [`crate::PreparedKey`]: the same verdict, faster.
    pub fn is_signed_by_prepared(&self, issuer_key: &crate::PreparedKey) -> bool {
        match self.signature_algorithm() {
            SignatureAlgorithm::EcdsaSha256 => {
                issuer_key.verify(self.tbs_der(), self.signature(), false)
            }
            SignatureAlgorithm::EcdsaSha384 => {
                issuer_key.verify(self.tbs_der(), self.signature(), true)
            }
            SignatureAlgorithm::Other => false,
        }
    }

    /// The seed document's two-line view (see [`Inspection`]).
    pub fn inspect(&self) -> Inspection {
        Inspection {
            issuer_key_id: self.authority_key_id().map(crate::display::hex),
            issuer: self.issuer(),
            subject_key_id: self.subject_key_id().map(crate::display::hex),
            subject: self.subject(),
            not_before: self.not_before(),
            not_after: self.not_after(),
        }
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .field("serial", &self.serial_hex())
            .field("not_before", &self.not_before())
            .field("not_after", &self.not_after())
            .field("ca", &self.is_ca())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der() == other.der()
    }
}

impl Eq for Certificate {}

impl std::hash::Hash for Certificate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.der().hash(state);
    }
}

impl From<&Certificate> for rustls_pki_types::CertificateDer<'static> {
    fn from(cert: &Certificate) -> Self {
        rustls_pki_types::CertificateDer::from(cert.der().to_vec())
    }
}

impl TryFrom<&rustls_pki_types::CertificateDer<'_>> for Certificate {
    type Error = Error;

    fn try_from(der: &rustls_pki_types::CertificateDer<'_>) -> Result<Self, Error> {
        Self::from_der(der.as_ref().to_vec())
    }
}

/// The seed document's `inspect_cert` view of a certificate:
///
/// ```text
/// Issuer:  5c455d3e9bd77e91... CN=root.linkerd.cluster.local
/// Subject: 56bfe071553c16ad... CN=identity.linkerd.cluster.local
/// ```
///
/// The hex is the first 16 digits of the authority (or subject) key identifier; a missing
/// AKI prints as 16 dots, as `step certificate inspect` piped through the seed's `jq` does.
/// [`Inspection::validity_line`] gives the `Validity:` line of the `inspect` example.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Inspection {
    /// Hex of the authorityKeyIdentifier, if present.
    pub issuer_key_id: Option<String>,
    /// The issuer DN (RFC 4514).
    pub issuer: String,
    /// Hex of the subjectKeyIdentifier, if present.
    pub subject_key_id: Option<String>,
    /// The subject DN (RFC 4514).
    pub subject: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

impl Inspection {
    /// `Validity: <notBefore> .. <notAfter>` in RFC 3339.
    pub fn validity_line(&self) -> String {
        format!(
            "Validity: {} .. {}",
            crate::display::rfc3339(self.not_before),
            crate::display::rfc3339(self.not_after)
        )
    }
}

fn key_id_16(id: &Option<String>) -> String {
    match id {
        Some(hex) => hex.chars().take(16).collect(),
        None => ".".repeat(16),
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Issuer:  {}... {}",
            key_id_16(&self.issuer_key_id),
            self.issuer
        )?;
        write!(
            f,
            "Subject: {}... {}",
            key_id_16(&self.subject_key_id),
            self.subject
        )
    }
}
