//! The simulator's vocabulary: who did what and why (the timeline), the first break with its
//! evidence, checkpoints, the run, and the typed events of a mesh driven by hand. `plan` and
//! `mesh` re-export these; nothing here imports them.

use super::config::Secrets;
use crate::bundle::TrustBundle;
use crate::cert::{Certificate, Inspection};
use crate::display::rfc3339;
use crate::error::Error;
use crate::key::PrivateKey;
use crate::verify::VerifyError;
use std::fmt;
use time::OffsetDateTime;

/// A pod (its proxy), by its place in the order pods were added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PodId(pub(crate) usize);

/// A bundle trust-manager (or the operator) published, by its place in publication order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct BundleId(pub(crate) usize);

/// An identity issuer generation: the issuer Secret's content at one time, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct GenerationId(pub(crate) usize);

impl GenerationId {
    /// The issuer's number as the timeline prints it (`identity issuer #3`).
    pub(crate) fn number(self) -> usize {
        self.0 + 1
    }
}

/// An entry of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct EventId(pub(crate) usize);

/// The timeline: every notable event with its causes, in time order.
#[derive(Debug, Default)]
pub(crate) struct Timeline {
    pub(crate) events: Vec<PlanEvent>,
}

impl Timeline {
    /// Records what `who` did at `at`, caused by `causes`.
    pub(crate) fn log(
        &mut self,
        at: OffsetDateTime,
        who: Who,
        what: String,
        causes: Vec<EventId>,
    ) -> EventId {
        self.events.push(PlanEvent {
            at,
            who,
            what,
            causes: causes.into_iter().map(|e| e.0).collect(),
            routine: None,
        });
        EventId(self.events.len() - 1)
    }

    /// Marks event `e` as part of a routine renewal (see [`PlanEvent::routine`]).
    pub(crate) fn mark_routine(&mut self, e: EventId, routine: Routine) {
        if let Some(event) = self.events.get_mut(e.0) {
            event.routine = Some(routine);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn last(&self) -> Option<&PlanEvent> {
        self.events.last()
    }

    /// The events behind `roots`, transitively, oldest first.
    pub(crate) fn cause_chain(&self, roots: &[EventId]) -> Vec<usize> {
        let mut seen = vec![false; self.events.len()];
        let mut stack: Vec<usize> = roots.iter().map(|e| e.0).collect();
        while let Some(i) = stack.pop() {
            if i >= seen.len() || seen[i] {
                continue;
            }
            seen[i] = true;
            stack.extend(self.events[i].causes.iter().copied());
        }
        (0..seen.len()).filter(|&i| seen[i]).collect()
    }
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Who {
    /// cert-manager's controllers.
    CertManager,
    /// trust-manager.
    TrustManager,
    /// Linkerd's identity controller.
    Identity,
    /// The proxies.
    Proxy,
    /// A person running a planned procedure.
    Operator,
    /// cert-manager's istio-csr, Istio's CA (DESIGN §19).
    IstioCsr,
    /// Istio's istiod.
    Istiod,
    /// Istio's ztunnel (ambient mode).
    Ztunnel,
}

impl Who {
    /// `cert-manager`, `trust-manager`, `identity`, `proxy`, `operator`, `istio-csr`,
    /// `istiod`, `ztunnel`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CertManager => "cert-manager",
            Self::TrustManager => "trust-manager",
            Self::Identity => "identity",
            Self::Proxy => "proxy",
            Self::Operator => "operator",
            Self::IstioCsr => "istio-csr",
            Self::Istiod => "istiod",
            Self::Ztunnel => "ztunnel",
        }
    }
}

/// One event of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanEvent {
    /// When.
    pub at: OffsetDateTime,
    /// Which component.
    pub who: Who,
    /// What happened, as the component names it (`IssuerUpdateSkipped: ...`).
    pub what: String,
    /// The events (indices into the timeline) that caused it.
    pub causes: Vec<usize>,
    /// Part of a routine identity issuer renewal (cert-manager's renewal at its time, and the
    /// identity controller loading it): what a summary collapses. `None`: notable.
    pub routine: Option<Routine>,
}

/// A routine identity issuer renewal's event: which Certificate and generation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Routine {
    /// The identity issuer Certificate (`linkerd/linkerd-identity-issuer`).
    pub object: String,
    /// The generation (`identity issuer #N`).
    pub generation: usize,
    /// Whether this is cert-manager's renewal (else the identity controller loading it).
    pub renewal: bool,
}

impl fmt::Display for PlanEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            rfc3339(self.at),
            self.who.as_str(),
            self.what
        )
    }
}

/// The first break: a pair of workloads whose mTLS fails.
#[derive(Debug)]
#[non_exhaustive]
pub struct Break {
    /// When.
    pub at: OffsetDateTime,
    /// Whole days since the start.
    pub day: i64,
    /// The workload whose connection fails (it presents the refused certificate).
    pub client: String,
    /// The workload that refuses it.
    pub server: String,
    /// The real verifier's answer.
    pub error: VerifyError,
    /// The events that led to it, oldest first (indices into the timeline).
    pub causes: Vec<usize>,
    /// The refused leaf and chain, and the bundle the server loaded (for a real handshake).
    pub evidence: Evidence,
}

/// The certificates of a break: what the client presents, and what the server trusts — for
/// replaying the break in a real handshake. It holds the client leaf's private key (a key
/// made for this evidence, zeroized on drop, never printed): it is no part of the report.
#[derive(Debug)]
#[non_exhaustive]
pub struct Evidence {
    /// The client's leaf.
    pub leaf: Certificate,
    /// The leaf's private key.
    pub key: PrivateKey,
    /// Its chain (the issuer).
    pub chain: Vec<Certificate>,
    /// The bundle the server loaded at its start.
    pub server_bundle: TrustBundle,
}

/// A simulation run.
#[derive(Debug)]
#[non_exhaustive]
pub struct Run {
    /// Every notable event, in time order.
    pub timeline: Vec<PlanEvent>,
    /// The first break within the horizon, if any.
    pub first_break: Option<Break>,
    /// The end of the horizon.
    pub end: OffsetDateTime,
    /// How many real verifications the run made.
    pub verifications: usize,
    /// How many continuity checks (over equivalence classes) it made.
    pub checks: usize,
    /// The checkpoints recorded (when [`Config::checkpoints`](super::Config::checkpoints) asks for them), in time order.
    pub checkpoints: Vec<Checkpoint>,
    /// The last planned step run (0: none).
    pub last_step: usize,
    /// What the Secrets hold where the run stopped: the anchor and identity issuer (with
    /// their keys) and the previous-anchor Secret's certificate.
    pub secrets: Secrets,
    /// The bundle trust-manager published last.
    pub published: TrustBundle,
    /// The pods whose loaded bundle still holds an anchor the published bundle no longer has.
    pub trusting_dropped_anchors: Vec<String>,
    /// Each CA's certificates over the run, top down (the CAs above the anchor, the anchor,
    /// the identity issuer): what a picture of the run draws as lanes.
    pub lanes: Vec<Lane>,
    /// The trust roots as published over the run: from when, and which anchors.
    pub roots: Vec<RootsSpan>,
    /// Unattended rotation ([`Config::auto`](super::Config::auto)): the actions
    /// [`reconcile`](crate::rotation::reconcile) took, with when.
    pub actions: Vec<crate::rotation::Due>,
    /// The states asked for by [`Config::snapshots`](super::Config::snapshots) up to where
    /// the run stopped, in time order.
    pub snapshots: Vec<Snapshot>,
}

/// What the Secrets held and trust-manager had published at one time of a run, after
/// everything due then: what a run up to that time ends with.
#[derive(Debug)]
#[non_exhaustive]
pub struct Snapshot {
    /// When.
    pub at: OffsetDateTime,
    /// The Secrets (anchor and identity issuer with their keys, the previous anchor).
    pub secrets: Secrets,
    /// The bundle published last.
    pub published: TrustBundle,
}

/// One CA's certificates over a run, in issuance order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lane {
    /// The CA (`Certificate cert-manager/linkerd-trust-anchor`).
    pub name: String,
    /// Its certificates: validity, and whether each has a new key (a re-key).
    pub certificates: Vec<Span>,
}

/// One certificate of a [`Lane`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Span {
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// When it was written (issued, or adopted at the start).
    pub written: OffsetDateTime,
    /// Whether its key differs from the previous certificate's (a re-key).
    pub new_key: bool,
    /// A short label (`#12`, or the subject).
    pub label: String,
}

/// The trust roots from one publication to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RootsSpan {
    /// When this content was published.
    pub from: OffsetDateTime,
    /// Its anchors: subject and the first bytes of the key id (`CN=root... 1a2b3c4d`).
    pub anchors: Vec<String>,
}

/// A moment at which the whole mesh was counted: every ordered pair of distinct pods (the
/// control plane's and the workloads'), one presenting its leaf and chain, the other
/// verifying them under the bundle it loaded, with the real verifier. One type for both
/// observers: a plan counts over equivalence classes (one verification per distinct leaf
/// class and bundle) and names the first [`Checkpoint::EXAMPLES`] failing pairs; a mesh driven
/// by hand ([`Mesh::rotate_anchor`](crate::mesh::Mesh::rotate_anchor)) verifies every pair's
/// real leaf and names every failing pair.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Checkpoint {
    /// When.
    pub at: OffsetDateTime,
    /// The planned step it belongs to (1-based), if any.
    pub step: Option<usize>,
    /// What just happened (`restarted linkerd/identity`, `6h0m0s later`, ...).
    pub what: String,
    /// Ordered pairs counted (pods holding a leaf, times the other pods).
    pub pairs: usize,
    /// How many of them fail.
    pub broken: usize,
    /// The failing pairs in pod order: at most [`Checkpoint::EXAMPLES`] in a plan, every one
    /// by hand.
    pub examples: Vec<BrokenPair>,
    /// The events since the previous checkpoint: indices into [`Run::timeline`] (a plan) or
    /// into [`RotationReport::events`](crate::mesh::RotationReport::events) (by hand).
    pub events: std::ops::Range<usize>,
    /// Leaves the identity controller issued since the previous checkpoint.
    pub leaves_issued: usize,
}

impl Checkpoint {
    /// How many failing pairs a checkpoint names.
    pub const EXAMPLES: usize = 3;

    /// Whether every pair verifies.
    pub fn holds(&self) -> bool {
        self.broken == 0
    }
}

impl fmt::Display for Checkpoint {
    /// `continuity: K/N workload pairs verify`, as [`mesh::Continuity`](crate::mesh::Continuity).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "continuity: {}/{} workload pairs verify",
            self.pairs.saturating_sub(self.broken),
            self.pairs
        )
    }
}

impl Run {
    /// The cause lines of the first break, oldest first.
    pub fn causes(&self) -> Vec<&PlanEvent> {
        self.first_break
            .iter()
            .flat_map(|b| b.causes.iter().map(|&i| &self.timeline[i]))
            .collect()
    }
}

/// An ordered pair of pods that cannot talk: `client`'s leaf does not verify under the bundle
/// `server` loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BrokenPair {
    /// The pod presenting its certificate (the connection's client, as in [`Break`]).
    pub client: String,
    /// The pod refusing it (the server).
    pub server: String,
    /// Why it fails.
    pub error: VerifyError,
}

impl fmt::Display for BrokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}: {}", self.client, self.server, self.error)
    }
}

/// Something that happened in a mesh driven by hand ([`Mesh`](crate::mesh::Mesh)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// cert-manager renewed the issuer; the controller picked it up.
    IssuerRenewed {
        /// When.
        at: OffsetDateTime,
        /// The new issuer's inspect view.
        issuer: Inspection,
    },
    /// A workload refreshed its leaf.
    LeafRefreshed {
        /// When.
        at: OffsetDateTime,
        /// The workload.
        workload: String,
    },
    /// A workload could not get a leaf (the issuer was not valid); it retries in 10s.
    LeafRefreshFailed {
        /// When.
        at: OffsetDateTime,
        /// The workload.
        workload: String,
        /// Why.
        error: Error,
    },
    /// A workload refused the new leaf it was handed: the leaf does not verify against the
    /// anchors its proxy loaded at start (linkerd2-proxy validates its own new leaf); it keeps
    /// its leaf and retries at 70% of that leaf's remaining life.
    LeafRefused {
        /// When.
        at: OffsetDateTime,
        /// The workload.
        workload: String,
        /// Why the new leaf does not verify.
        error: Box<VerifyError>,
    },
    /// The identity controller refused a new issuer: it does not verify against the anchors
    /// the controller loaded at start (Linkerd's `IssuerUpdateSkipped`); it keeps the old one.
    IssuerUpdateSkipped {
        /// When.
        at: OffsetDateTime,
        /// The refused issuer's inspect view.
        issuer: Inspection,
        /// Why it does not verify.
        error: Box<VerifyError>,
    },
    /// A workload restarted: it reloaded the bundle and got a new key and leaf.
    Restarted {
        /// When.
        at: OffsetDateTime,
        /// The workload.
        workload: String,
    },
}
