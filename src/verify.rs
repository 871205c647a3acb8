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
use std::fmt;
use time::OffsetDateTime;

mod budget;
mod cache;
mod checks;
mod constraints;
pub(crate) mod error;
mod names;
use budget::Budget;
pub use budget::BudgetKind;
pub use cache::SignatureCache;
pub(crate) use checks::{Role, check_issued};
use checks::{check_ca, check_leaf};
pub use error::{CertRef, PeerName, ProfileRule, Usage, VerifyError};

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

impl CertRef {
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
        if let Some(cache) = self.cache.filter(|c| c.keeps(child))
            && cache.hit(&(child.fingerprint().0, issuer.fingerprint().0))
        {
            return Ok(true);
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
