//! A signer's verdicts on a CA's chain under a set of roots, cached by what they depend on:
//! the issuer generation, the roots, and which of those certificates are valid at that
//! moment. Linkerd's identity controller checks its issuer this way; istio-csr checks every
//! chain cert-manager signs for it this way.

use super::Verifier;
use super::event::{BundleId, GenerationId};
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::verify::{VerifyError, VerifyOptions, verify_cached};
use std::collections::HashMap;
use time::OffsetDateTime;

/// What a verdict depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct VerdictKey {
    generation: GenerationId,
    roots: BundleId,
    valid: Vec<bool>,
}

/// Verdicts, as Go's `crypto/x509` gives them (an expired root is rejected), or as
/// rustls-webpki gives them ([`ChainVerdicts::webpki`]: a root's own dates are not checked).
#[derive(Debug, Default)]
pub(crate) struct ChainVerdicts {
    verdicts: HashMap<VerdictKey, Result<(), VerifyError>>,
    webpki: bool,
}

impl ChainVerdicts {
    /// Verdicts as rustls-webpki gives them: a trust anchor's own dates are not checked.
    pub(crate) fn webpki() -> Self {
        Self {
            verdicts: HashMap::new(),
            webpki: true,
        }
    }

    /// Whether it gives rustls-webpki's verdicts.
    pub(crate) fn is_webpki(&self) -> bool {
        self.webpki
    }

    /// The verdict (Go crypto/x509's, or rustls-webpki's) on `target` (of issuer generation `generation`, presented
    /// with `intermediates`) under `roots` (`bundle`) at `now`, cached by what it depends on;
    /// `verifier` counts the real ones.
    pub(crate) fn verify(
        &mut self,
        (generation, target, intermediates): (GenerationId, &Certificate, &[Certificate]),
        (roots, bundle): (BundleId, &TrustBundle),
        now: OffsetDateTime,
        verifier: &mut Verifier,
    ) -> Result<(), VerifyError> {
        let valid: Vec<bool> = std::iter::once(target)
            .chain(intermediates)
            .chain(bundle.certificates())
            .map(|c| c.is_valid_at(now))
            .collect();
        let key = VerdictKey {
            generation,
            roots,
            valid,
        };
        if let Some(r) = self.verdicts.get(&key) {
            return r.clone();
        }
        verifier.verifications += 1;
        let r = verify_cached(
            target,
            intermediates,
            bundle,
            now,
            &VerifyOptions::default().with_anchor_validity(!self.webpki),
            Some(&verifier.cache),
        )
        .map(|_| ());
        self.verdicts.insert(key, r.clone());
        r
    }
}
