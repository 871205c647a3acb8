//! Istio with cert-manager's istio-csr as its CA (DESIGN §19): a model of each of its
//! components, on the engine's clock and event vocabulary, in place of Linkerd's identity
//! controller and proxy CSRs. cert-manager, trust-manager, the verifier and the continuity
//! check are the engine's own.
//!
//! | component | file | what it does | source |
//! |---|---|---|---|
//! | istio-csr | `sim/istio/csr.rs` | signs each CSR through cert-manager, refuses a chain its root file does not verify, reloads the file without a restart, writes `istio-ca-root-cert` | cert-manager/istio-csr v0.17.0-16-gf96fca5 `pkg/server/server.go`, `pkg/tls/rootca/rootca.go`, `pkg/controller/configmap.go` |
//! | istiod | `sim/istio/istiod.rs` | reads the root file at start (before 1.31) | istio/istio `pilot/pkg/bootstrap/certcontroller.go`, `releasenotes/notes/istiod-root-cert-file-watch.yaml` |
//! | the operator's root rotation | `sim/istio/rotation.rs` | stages the new root in the root file beside the old while a copy of the old signs, moves the signer a leaf lifetime later, drops the old root a leaf lifetime after that | cert-manager/istio-csr v0.17.0-16-gf96fca5 `test/carotation/` |
//! | ztunnel (ambient) | `sim/istio/ztunnel.rs` | trusts the first root of each response alone (before 1.26); its channel to istio-csr keeps the roots read at its start (before 1.30) | istio/ztunnel 1.31.0-alpha.0-18-g62d82653 `src/tls/certificate.rs`, `src/identity/caclient.rs` |
//! | sidecar agent | `sim/istio/agent.rs` | refreshes its leaf at half its life, trusts the roots of its last CSR response | istio/istio `security/pkg/nodeagent/cache/secretcache.go` |

mod agent;
mod csr;
mod istiod;
mod rotation;
mod ztunnel;

use super::event::{BundleId, EventId};
use super::verdicts::ChainVerdicts;

/// The Istio components' state in a run.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Whether istio-csr has started.
    started: bool,
    /// The event that explains istio-csr's state (its start, a reload, a refusal).
    pub(crate) why: Option<EventId>,
    /// istio-csr's verdicts on the chains cert-manager signs, by root file.
    verdicts: ChainVerdicts,
    /// The root file istiod read (at its start, before 1.31).
    pub(in crate::sim) istiod_root: Option<BundleId>,
    /// ztunnel before 1.26: the one root it keeps of each root file.
    one_root: std::collections::HashMap<BundleId, BundleId>,
    /// ztunnel before 1.30: the root file its channel to istio-csr read at its start.
    channel_roots: Option<BundleId>,
    /// ztunnel's verdicts on istio-csr's serving chain (rustls-webpki's).
    channel_verdicts: ChainVerdicts,
}

impl State {
    /// Whether istio-csr has started (the install's first root file is not a change).
    pub(crate) fn started(&self) -> bool {
        self.started
    }
}
