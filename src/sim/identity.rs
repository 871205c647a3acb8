//! Linkerd's identity controller (`pkg/identity/service.go`): loads the anchors once, at
//! start, and the issuer; an issuer that does not verify against them is fatal at start (it
//! stays down until its inputs change); a changed issuer Secret is verified against the loaded
//! anchors (`IssuerUpdated`, or `IssuerUpdateSkipped` keeping the old one); before each CSR it
//! re-verifies its issuer. It verifies as Go's `crypto/x509` does: an expired anchor
//! certificate is rejected.

use super::event::{BundleId, EventId, GenerationId};
use super::verdicts::ChainVerdicts;
use crate::rotation::is_identity_controller;
use crate::verify::VerifyError;
use time::OffsetDateTime;

/// The controller's state.
#[derive(Debug, Default)]
pub(crate) struct IdentityController {
    /// The anchors it loaded at its last start (`None`: not started).
    pub(crate) anchors: Option<BundleId>,
    /// The issuer it signs with (`None` while it crash-loops).
    pub(crate) generation: Option<GenerationId>,
    /// The event that explains its state (start, update, skip, failure).
    pub(crate) why: Option<EventId>,
    /// Its next routine restart, when it restarts on its own (no pod of its own modelled).
    pub(crate) next_restart: Option<OffsetDateTime>,
    /// Why it is down (crash-looping), if it is.
    pub(crate) down: Option<VerifyError>,
    /// Its pod, when named (else Linkerd's names are recognised).
    controller: Option<String>,
    /// Go crypto/x509's verdicts on the issuer generations under the anchors it loaded,
    /// cached by what they depend on (`verdicts.rs`, shared with istio-csr's gate).
    pub(crate) verdicts: ChainVerdicts,
}

impl IdentityController {
    /// Whether the control-plane pod `name` is the controller's: the one named, else one of
    /// Linkerd's names.
    pub(crate) fn is_controller(&self, name: &str) -> bool {
        match &self.controller {
            Some(c) => c == name,
            None => is_identity_controller(name),
        }
    }

    pub(crate) fn set_controller(&mut self, name: String) {
        self.controller = Some(name);
    }

    /// Whether it signs: started, with an issuer that verified.
    pub(crate) fn signing(&self) -> Option<(BundleId, GenerationId)> {
        self.anchors.zip(self.generation)
    }

    /// Crash-looping: started, with no issuer it could verify.
    pub(crate) fn crash_looping(&self) -> bool {
        self.anchors.is_some() && self.generation.is_none()
    }

    /// It started with `anchors` and issuer `generation`, which verified.
    pub(crate) fn started(&mut self, anchors: BundleId, generation: GenerationId, why: EventId) {
        self.anchors = Some(anchors);
        self.generation = Some(generation);
        self.why = Some(why);
        self.down = None;
    }

    /// It started with `anchors`, and its issuer did not verify: down until its inputs change.
    pub(crate) fn crashed(&mut self, anchors: BundleId, why: EventId, error: VerifyError) {
        self.anchors = Some(anchors);
        self.generation = None;
        self.why = Some(why);
        self.down = Some(error);
    }
}
