//! Istio with cert-manager's istio-csr as its CA (DESIGN §19): a model of each of its
//! components, on the engine's clock and event vocabulary, in place of Linkerd's identity
//! controller and proxy CSRs. cert-manager, trust-manager, the verifier and the continuity
//! check are the engine's own.
//!
//! | component | file | what it does | source |
//! |---|---|---|---|
//! | istio-csr | `sim/istio/csr.rs` | signs each CSR through cert-manager, refuses a chain its root file does not verify, reloads the file without a restart, writes `istio-ca-root-cert` | cert-manager/istio-csr v0.17.0-16-gf96fca5 `pkg/server/server.go`, `pkg/tls/rootca/rootca.go`, `pkg/controller/configmap.go` |
//! | istiod | `sim/istio/istiod.rs` | reads the root file at start (before 1.31) | istio/istio `pilot/pkg/bootstrap/certcontroller.go`, `releasenotes/notes/istiod-root-cert-file-watch.yaml` |
//! | sidecar agent | `sim/istio/agent.rs` | refreshes its leaf at half its life, trusts the roots of its last CSR response | istio/istio `security/pkg/nodeagent/cache/secretcache.go` |

mod agent;
mod csr;
mod istiod;

use super::event::{BundleId, EventId};
use super::verdicts::ChainVerdicts;
use crate::presets::istio;
use time::Duration;

/// istio-csr's and Istio's settings a plan depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IstioCsr {
    /// `app.server.maxCertificateDuration` (1h): istio-csr signs the smaller of this and what
    /// the agent asks for.
    pub max_certificate_duration: Duration,
    /// What the agent asks for (`SECRET_TTL`, 24h).
    pub requested_duration: Duration,
    /// Istio's version (`1.30` is `(1, 30)`), where behaviour depends on it; `None`: unknown,
    /// and istiod is assumed to read its root file only at start (every release before 1.31).
    pub version: Option<(u32, u32)>,
}

impl Default for IstioCsr {
    fn default() -> Self {
        Self {
            max_certificate_duration: istio::MAX_CERTIFICATE_DURATION,
            requested_duration: istio::REQUESTED_DURATION,
            version: None,
        }
    }
}

impl IstioCsr {
    /// How long a workload certificate lives: `min(requested, maxCertificateDuration)`
    /// (`pkg/server/server.go` `CreateCertificate`).
    pub fn leaf_duration(&self) -> Duration {
        self.requested_duration.min(self.max_certificate_duration)
    }

    /// Whether istiod reloads its root file when it changes (Istio 1.31 and later).
    pub fn istiod_reloads_root(&self) -> bool {
        self.version.is_some_and(|(major, minor)| {
            major > 1 || minor >= istio::ISTIOD_WATCHES_ROOT_FILE_FROM
        })
    }

    /// Sets Istio's version.
    pub fn version(mut self, major: u32, minor: u32) -> Self {
        self.version = Some((major, minor));
        self
    }

    /// Sets `app.server.maxCertificateDuration`.
    pub fn max_certificate_duration(mut self, d: Duration) -> Self {
        self.max_certificate_duration = d;
        self
    }
}

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
    istiod_root: Option<BundleId>,
}

impl State {
    /// Whether istio-csr has started (the install's first root file is not a change).
    pub(crate) fn started(&self) -> bool {
        self.started
    }
}
