//! The mesh's signer, dispatched by [`Config::mesh`](super::Config::mesh): Linkerd's
//! identity controller or istio-csr. The engine's shared paths (continuity's evidence and
//! causes) ask here, never a mesh's model directly.

use super::event::{self, EventId};
use super::{Engine, Error, Mesh};
use crate::verify::VerifyError;
use rand_core::CryptoRngCore;

impl<R: CryptoRngCore> Engine<R> {
    /// Whether the mesh is Istio (its components are `sim/istio/`'s).
    pub(super) fn is_istio(&self) -> bool {
        matches!(self.cfg.mesh, Mesh::Istio(_))
    }

    /// The event that explains the mesh's signer's state (Linkerd's identity controller,
    /// istio-csr).
    pub(super) fn signer_why(&self) -> Option<EventId> {
        if self.is_istio() {
            self.istio.why
        } else {
            self.identity.why
        }
    }

    /// The event that marks the mesh's signer's issuer generation `g` running out, logged the
    /// first time a break needs it (Linkerd's identity issuer; istio-csr has none of its own).
    pub(super) fn signer_expiry_event(&mut self, g: event::GenerationId) -> Option<EventId> {
        if self.is_istio() {
            None
        } else {
            self.issuer_expiry_event(g)
        }
    }

    /// Whether the mesh's signer signs with issuer generation `g` under the published trust
    /// roots now.
    pub(super) fn signer_verifies(
        &mut self,
        g: event::GenerationId,
        roots: event::BundleId,
    ) -> Result<Result<(), VerifyError>, Error> {
        if self.is_istio() {
            self.gate(g)
        } else {
            Ok(self.controller_verifies(g, roots))
        }
    }
}
