//! [`TrustBundle`]: merge, de-duplicate and order PEM trust anchors (trust-manager's job, as a
//! library), with nothing lost silently and no key ever copied.
//!
//! Rules (DESIGN §4):
//! - Sources are labelled PEM texts. Text outside blocks is ignored (RFC 7468 §2); CRLF and LF
//!   are accepted; base64 is strict.
//! - Only `CERTIFICATE` blocks are accepted. A private-key block is an error naming source and
//!   block, and its bytes are never decoded, copied, or quoted. Any other label, a block that
//!   is not a valid X.509 certificate, a non-CA certificate (unless allowed), and a source
//!   with no certificate at all are errors naming the source (and block).
//! - Certificates are de-duplicated by DER bytes; every (source, block) each came from is kept.
//! - **Canonical order**: by subject name DER, then notBefore, then the whole DER (all
//!   byte-wise ascending). It depends only on the set of certificates, never on the order of
//!   sources or blocks, so the same inputs always give byte-identical PEM (no ConfigMap
//!   churn); unlike trust-manager's SHA-256 order, it also keeps anchors with the same subject
//!   (a rotation's old and new anchor) next to each other, oldest first.
//! - Expired certificates are dropped only on request, and each one dropped is reported.

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, Fingerprint};
use crate::pem::{Blocks, PemError};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use time::OffsetDateTime;

/// Where a certificate was found: the source label and the 1-based block number in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Origin {
    /// The source's label (a file name, a Secret key, …).
    pub source: Arc<str>,
    /// 1-based block number in that source.
    pub block: usize,
}

impl Origin {
    /// Block `block` (1-based) of the source labelled `source` (to build the expected value of
    /// an `assert_eq!`).
    ///
    /// ```
    /// use certcycle::Origin;
    /// assert_eq!(Origin::new("ca.crt", 2).to_string(), "ca.crt block 2");
    /// ```
    pub fn new(source: &str, block: usize) -> Self {
        Self {
            source: Arc::from(source),
            block,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} block {}", self.source, self.block)
    }
}

/// Why a bundle could not be built. Every variant names the source, and the block where
/// there is one; none ever contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The PEM text of a source is malformed.
    #[error("source '{input}': {error}")]
    Pem {
        /// The source's label.
        input: String,
        /// The PEM problem, with block and line.
        error: PemError,
    },
    /// A source holds a private key. Its content is neither decoded nor copied.
    #[error(
        "source '{input}' block {block} (line {line}) is a '{label}' block: private keys never \
         belong in a trust bundle (nothing from it was copied)"
    )]
    PrivateKey {
        /// The source's label.
        input: String,
        /// 1-based block number.
        block: usize,
        /// 1-based line of the block's BEGIN line.
        line: usize,
        /// The block's label.
        label: String,
    },
    /// A block that is neither a certificate nor a key.
    #[error(
        "source '{input}' block {block} (line {line}): expected 'CERTIFICATE', found '{label}'"
    )]
    WrongLabel {
        /// The source's label.
        input: String,
        /// 1-based block number.
        block: usize,
        /// 1-based line of the block's BEGIN line.
        line: usize,
        /// The block's label.
        label: String,
    },
    /// A `CERTIFICATE` block that is not a valid X.509 certificate.
    #[error("source '{input}' block {block} (line {line}): {error}")]
    Malformed {
        /// The source's label.
        input: String,
        /// 1-based block number.
        block: usize,
        /// 1-based line of the block's BEGIN line.
        line: usize,
        /// The parse error, with the byte offset in the DER.
        error: crate::Error,
    },
    /// A certificate that is not a CA, where only CAs are allowed.
    #[error(
        "source '{input}' block {block} (line {line}): {subject} is not a CA certificate \
         (basicConstraints cA is not TRUE); allow non-CA entries explicitly if this is intended"
    )]
    NotCa {
        /// The source's label.
        input: String,
        /// 1-based block number.
        block: usize,
        /// 1-based line of the block's BEGIN line.
        line: usize,
        /// The certificate's subject.
        subject: String,
    },
    /// A source with no certificate at all (usually the wrong file or key).
    #[error("source '{input}' holds no PEM certificate")]
    NoCertificates {
        /// The source's label.
        input: String,
    },
}

/// A warning about a built bundle: legitimate in some situations, suspicious in others.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleWarning {
    /// Two or more anchors share a subject but have different keys. Expected while an anchor
    /// rotates (old and new anchor side by side); suspicious otherwise.
    SameSubjectDifferentKeys {
        /// The shared subject.
        subject: String,
        /// The anchors' fingerprints, in bundle order.
        fingerprints: Vec<Fingerprint>,
    },
    /// One public key appears under two or more certificates (a re-issued anchor with
    /// `rotationPolicy: Never`, or a copy with other extensions).
    SameKeyInSeveralCertificates {
        /// The certificates' subjects.
        subjects: Vec<String>,
        /// Their fingerprints, in bundle order.
        fingerprints: Vec<Fingerprint>,
    },
}

impl fmt::Display for BundleWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SameSubjectDifferentKeys {
                subject,
                fingerprints,
            } => write!(
                f,
                "{} anchors share the subject {subject} with different keys (expected during an \
                 anchor rotation, suspicious otherwise)",
                fingerprints.len()
            ),
            Self::SameKeyInSeveralCertificates { subjects, .. } => write!(
                f,
                "one public key is in {} certificates ({})",
                subjects.len(),
                subjects.join("; ")
            ),
        }
    }
}

/// A certificate dropped because it was expired at the requested time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dropped {
    /// The certificate.
    pub certificate: Certificate,
    /// Where it came from.
    pub origins: Vec<Origin>,
}

/// What building a bundle produced: the bundle, what was dropped, and warnings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Built {
    /// The bundle.
    pub bundle: TrustBundle,
    /// Certificates dropped as expired (only with [`BundleOptions::drop_expired_at`]).
    pub dropped_expired: Vec<Dropped>,
    /// Warnings about the bundle.
    pub warnings: Vec<BundleWarning>,
    /// How many certificate blocks were read in all.
    pub blocks_read: usize,
}

/// Options for building a bundle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BundleOptions {
    /// Accept certificates that are not CAs (default: reject them).
    pub allow_non_ca: bool,
    /// Drop certificates whose notAfter is before this time, and report them.
    pub drop_expired_at: Option<OffsetDateTime>,
}

impl BundleOptions {
    /// The defaults: CAs only, nothing dropped.
    pub const fn new() -> Self {
        Self {
            allow_non_ca: false,
            drop_expired_at: None,
        }
    }

    /// Sets [`BundleOptions::allow_non_ca`].
    pub const fn allow_non_ca(mut self, allow: bool) -> Self {
        self.allow_non_ca = allow;
        self
    }

    /// Sets [`BundleOptions::drop_expired_at`].
    pub const fn drop_expired_at(mut self, at: OffsetDateTime) -> Self {
        self.drop_expired_at = Some(at);
        self
    }
}

#[derive(Debug, Clone)]
struct Entry {
    anchor: TrustAnchor,
    origins: Vec<Origin>,
}

/// An ordered, de-duplicated set of trust anchors. Public data only: it cannot hold a key.
///
/// ```
/// use certcycle::{Ca, PrivateKey, TrustBundle, BundleOptions, presets::linkerd};
/// let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// let rng = &mut rand_core::OsRng;
/// let old = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let new = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let (a, b) = (old.certificate().to_pem(), new.certificate().to_pem());
/// let both = format!("{a}{b}");
/// let built = TrustBundle::from_sources(
///     [("ca.crt", a.as_str()), ("previous/ca.crt", b.as_str()), ("both", both.as_str())],
///     BundleOptions::default(),
/// )?;
/// assert_eq!(built.bundle.len(), 2);               // de-duplicated
/// assert_eq!(built.warnings.len(), 1);             // same subject, two keys: a rotation
/// let pem = built.bundle.to_pem();
/// assert_eq!(TrustBundle::from_pem(&pem)?.to_pem(), pem); // byte-identical on re-emit
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct TrustBundle {
    entries: Vec<Entry>,
}

impl PartialEq for TrustBundle {
    /// Set equality of the certificates (the order is canonical, so this is also list
    /// equality); where they came from is not compared.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.anchor == b.anchor)
    }
}

impl Eq for TrustBundle {}

/// Added and removed anchors between two bundles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BundleDiff {
    /// In the new bundle only.
    pub added: Vec<Certificate>,
    /// In the old bundle only.
    pub removed: Vec<Certificate>,
}

impl BundleDiff {
    /// Whether the bundles hold the same certificates.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

fn canonical_cmp(a: &Certificate, b: &Certificate) -> std::cmp::Ordering {
    a.subject_der()
        .cmp(b.subject_der())
        .then_with(|| a.not_before().cmp(&b.not_before()))
        .then_with(|| a.der().cmp(b.der()))
}

impl TrustBundle {
    /// Builds a bundle from labelled PEM sources.
    ///
    /// # Errors
    /// The first [`BundleError`] in source order, naming the source and block. On error no
    /// partial bundle is returned.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
        options: BundleOptions,
    ) -> Result<Built, BundleError> {
        let mut parsed: Vec<(Certificate, Origin)> = Vec::new();
        for (label, text) in sources {
            let before = parsed.len();
            read_source(label, text, options, &mut parsed)?;
            if parsed.len() == before {
                return Err(BundleError::NoCertificates {
                    input: label.to_owned(),
                });
            }
        }
        let blocks_read = parsed.len();
        parsed.sort_unstable_by(|(a, oa), (b, ob)| canonical_cmp(a, b).then_with(|| oa.cmp(ob)));
        let mut entries: Vec<Entry> = Vec::with_capacity(parsed.len());
        let mut dropped_expired = Vec::new();
        for (cert, origin) in parsed {
            if let Some(last) = entries.last_mut()
                && last.anchor.certificate().der() == cert.der()
            {
                last.origins.push(origin);
                continue;
            }
            if let Some(d) = dropped_expired
                .last_mut()
                .filter(|d: &&mut Dropped| d.certificate == cert)
            {
                d.origins.push(origin);
                continue;
            }
            if options
                .drop_expired_at
                .is_some_and(|t| cert.not_after() < t)
            {
                dropped_expired.push(Dropped {
                    certificate: cert,
                    origins: vec![origin],
                });
                continue;
            }
            entries.push(Entry {
                anchor: TrustAnchor::new_unchecked(cert),
                origins: vec![origin],
            });
        }
        let bundle = TrustBundle { entries };
        let warnings = bundle.warnings();
        Ok(Built {
            bundle,
            dropped_expired,
            warnings,
            blocks_read,
        })
    }

    /// Reads a bundle from one PEM text (labelled `bundle`), CAs only, nothing dropped.
    ///
    /// # Errors
    /// As [`TrustBundle::from_sources`].
    pub fn from_pem(text: &str) -> Result<Self, BundleError> {
        Ok(Self::from_sources([("bundle", text)], BundleOptions::default())?.bundle)
    }

    /// A bundle of the given anchors.
    pub fn from_anchors(anchors: impl IntoIterator<Item = TrustAnchor>) -> Self {
        let origin = Origin {
            source: Arc::from("anchors"),
            block: 0,
        };
        let mut entries: Vec<Entry> = anchors
            .into_iter()
            .map(|anchor| Entry {
                anchor,
                origins: vec![origin.clone()],
            })
            .collect();
        entries.sort_by(|a, b| canonical_cmp(a.anchor.certificate(), b.anchor.certificate()));
        entries.dedup_by(|a, b| a.anchor == b.anchor);
        Self { entries }
    }

    /// The bundle as RFC 7468 PEM: one `CERTIFICATE` block per anchor in canonical order,
    /// 64-column lines, LF. Byte-identical for equal bundles.
    pub fn to_pem(&self) -> String {
        let total: usize = self
            .entries
            .iter()
            .map(|e| e.anchor.certificate().der().len())
            .sum();
        let mut out = String::with_capacity(total * 4 / 3 + total / 24 + self.entries.len() * 64);
        for e in &self.entries {
            crate::pem::encode_into("CERTIFICATE", e.anchor.certificate().der(), &mut out);
        }
        out
    }

    /// The number of anchors.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the bundle is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The anchors in canonical order.
    pub fn anchors(&self) -> impl ExactSizeIterator<Item = &TrustAnchor> + '_ {
        self.entries.iter().map(|e| &e.anchor)
    }

    /// The certificates in canonical order.
    pub fn certificates(&self) -> impl ExactSizeIterator<Item = &Certificate> + '_ {
        self.entries.iter().map(|e| e.anchor.certificate())
    }

    fn position(&self, cert: &Certificate) -> Option<usize> {
        self.entries
            .binary_search_by(|e| canonical_cmp(e.anchor.certificate(), cert))
            .ok()
    }

    /// Whether the bundle holds exactly this certificate (by DER).
    pub fn contains(&self, cert: &Certificate) -> bool {
        self.position(cert).is_some()
    }

    /// Whether the bundle holds a certificate with this SHA-256 fingerprint.
    pub fn contains_fingerprint(&self, fingerprint: &Fingerprint) -> bool {
        self.certificates().any(|c| c.fingerprint() == *fingerprint)
    }

    /// Where a certificate of the bundle came from (empty if it is not in the bundle).
    pub fn origins(&self, cert: &Certificate) -> &[Origin] {
        self.position(cert)
            .map(|i| self.entries[i].origins.as_slice())
            .unwrap_or(&[])
    }

    /// The anchors whose subject name equals `name_der` (the issuer name of a child).
    pub fn by_subject<'s>(
        &'s self,
        name_der: &'s [u8],
    ) -> impl Iterator<Item = &'s TrustAnchor> + 's {
        let start = self
            .entries
            .partition_point(|e| e.anchor.certificate().subject_der() < name_der);
        self.entries[start..]
            .iter()
            .take_while(move |e| e.anchor.certificate().subject_der() == name_der)
            .map(|e| &e.anchor)
    }

    /// What changed from `old` to `self`.
    pub fn diff(&self, old: &TrustBundle) -> BundleDiff {
        let added = self
            .certificates()
            .filter(|c| !old.contains(c))
            .cloned()
            .collect();
        let removed = old
            .certificates()
            .filter(|c| !self.contains(c))
            .cloned()
            .collect();
        BundleDiff { added, removed }
    }

    /// A copy with `anchor` added (no-op if present).
    pub fn with(&self, anchor: TrustAnchor) -> Self {
        let mut out = self.clone();
        if let Err(i) = out
            .entries
            .binary_search_by(|e| canonical_cmp(e.anchor.certificate(), anchor.certificate()))
        {
            let origin = Origin {
                source: Arc::from("added"),
                block: 0,
            };
            out.entries.insert(
                i,
                Entry {
                    anchor,
                    origins: vec![origin],
                },
            );
        }
        out
    }

    /// A copy without `cert` (no-op if absent).
    pub fn without(&self, cert: &Certificate) -> Self {
        let mut out = self.clone();
        if let Some(i) = out.position(cert) {
            out.entries.remove(i);
        }
        out
    }

    /// Warnings: same subject with different keys, one key under several certificates.
    pub fn warnings(&self) -> Vec<BundleWarning> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.entries.len() {
            let subject = self.entries[i].anchor.certificate().subject_der();
            let mut j = i + 1;
            while j < self.entries.len()
                && self.entries[j].anchor.certificate().subject_der() == subject
            {
                j += 1;
            }
            let group: Vec<&Certificate> = self.entries[i..j]
                .iter()
                .map(|e| e.anchor.certificate())
                .collect();
            let mut keys: Vec<&[u8]> = group.iter().map(|c| c.spki_der()).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.len() > 1 {
                out.push(BundleWarning::SameSubjectDifferentKeys {
                    subject: group[0].subject(),
                    fingerprints: group.iter().map(|c| c.fingerprint()).collect(),
                });
            }
            i = j;
        }
        let mut by_key: HashMap<&[u8], Vec<&Certificate>> = HashMap::new();
        for c in self.certificates() {
            by_key.entry(c.spki_der()).or_default().push(c);
        }
        let mut shared: Vec<Vec<&Certificate>> =
            by_key.into_values().filter(|v| v.len() > 1).collect();
        shared.sort_by(|a, b| canonical_cmp(a[0], b[0]));
        for group in shared {
            out.push(BundleWarning::SameKeyInSeveralCertificates {
                subjects: group.iter().map(|c| c.subject()).collect(),
                fingerprints: group.iter().map(|c| c.fingerprint()).collect(),
            });
        }
        out
    }
}

fn read_source(
    label: &str,
    text: &str,
    options: BundleOptions,
    out: &mut Vec<(Certificate, Origin)>,
) -> Result<(), BundleError> {
    let source: Arc<str> = Arc::from(label);
    for block in Blocks::new(text) {
        let block = block.map_err(|error| BundleError::Pem {
            input: label.to_owned(),
            error,
        })?;
        match block.label {
            "CERTIFICATE" => {}
            l if l.contains("PRIVATE KEY") => {
                return Err(BundleError::PrivateKey {
                    input: label.to_owned(),
                    block: block.block,
                    line: block.line,
                    label: l.to_owned(),
                });
            }
            l => {
                return Err(BundleError::WrongLabel {
                    input: label.to_owned(),
                    block: block.block,
                    line: block.line,
                    label: l.to_owned(),
                });
            }
        }
        let mut der = Vec::with_capacity(block.decoded_len_hint());
        block
            .decode_into(&mut der)
            .map_err(|error| BundleError::Pem {
                input: label.to_owned(),
                error,
            })?;
        let cert = Certificate::from_der(der).map_err(|error| BundleError::Malformed {
            input: label.to_owned(),
            block: block.block,
            line: block.line,
            error,
        })?;
        if !options.allow_non_ca && !cert.is_ca() {
            return Err(BundleError::NotCa {
                input: label.to_owned(),
                block: block.block,
                line: block.line,
                subject: cert.subject(),
            });
        }
        out.push((
            cert,
            Origin {
                source: source.clone(),
                block: block.block,
            },
        ));
    }
    Ok(())
}
