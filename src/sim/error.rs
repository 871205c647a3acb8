//! Why the simulator refused or stopped: its own typed errors, carried as
//! [`Error::Sim`](crate::Error::Sim).

use crate::display::rfc3339;
use crate::duration::GoDuration;
use time::{Duration, OffsetDateTime};

/// Why a simulation ([`plan::simulate`](crate::plan::simulate), [`Mesh`](crate::mesh::Mesh))
/// refused a configuration before working, or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Unattended rotation's [`reconcile`](crate::rotation::reconcile) could not decide: its
    /// times overflow (an anchor whose windows end past year 9999).
    #[error("the rotation schedule's times overflow at {}", rfc3339(*at))]
    ScheduleOverflow {
        /// When the loop ran.
        at: OffsetDateTime,
    },
    /// A starting [`Secrets`](super::Secrets) with another number of CAs above the anchor than
    /// the [`Topology`](super::Topology) has.
    #[error("the starting state has {given} CA(s) above the anchor; the topology has {topology}")]
    StateAbove {
        /// CAs above the anchor in the state.
        given: usize,
        /// CAs above the anchor in the topology.
        topology: usize,
    },
    /// The horizon is negative or longer than [`MAX_HORIZON`](super::MAX_HORIZON).
    #[error("horizon {} is outside 0 to {} days", GoDuration(*horizon), max.whole_days())]
    Horizon {
        /// The horizon asked for.
        horizon: Duration,
        /// The longest one simulated.
        max: Duration,
    },
    /// More pods than a simulation holds.
    #[error("{pods} pods: a simulation holds at most {max}")]
    TooManyPods {
        /// The pods asked for.
        pods: usize,
        /// The most it holds ([`MAX_PODS`](super::MAX_PODS) for a plan,
        /// [`MAX_MESH_PODS`](super::MAX_MESH_PODS) by hand).
        max: usize,
    },
    /// A procedure of one mesh's asked of another (Linkerd's seven steps, its unattended loop,
    /// `linkerd upgrade`'s issuer replacement, on an Istio plan; Istio's root rotation on a
    /// Linkerd one): refused before any work.
    #[error("{what} is not {mesh}'s procedure: {instead}")]
    NotForMesh {
        /// The procedure asked for.
        what: &'static str,
        /// The mesh it was asked of.
        mesh: &'static str,
        /// What the mesh's own procedure is.
        instead: &'static str,
    },
    /// An Istio plan whose workload certificates are so short that its pods' refreshes pass
    /// [`MAX_CSRS`](super::MAX_CSRS) over the horizon: refused before any work.
    #[error(
        "{pods} pods refreshing certificates of {} at half their life over {days} days ask for about {csrs} certificates, more than the {} a plan simulates: give fewer workloads, a shorter --horizon, or a longer app.server.maxCertificateDuration",
        crate::duration::GoDuration(*leaf),
        super::MAX_CSRS
    )]
    TooManyCsrs {
        /// The pods.
        pods: usize,
        /// The certificates' lifetime.
        leaf: Duration,
        /// The days simulated.
        days: u32,
        /// The certificates it would sign.
        csrs: u64,
    },
    /// Checkpoints less than a minute apart, or more than
    /// [`MAX_CHECKPOINTS`](super::MAX_CHECKPOINTS) of them.
    #[error(
        "checkpoints every {} over {} days: at least a minute apart and at most {max} of them",
        GoDuration(*every),
        horizon.whole_days()
    )]
    Checkpoints {
        /// How often.
        every: Duration,
        /// Over what.
        horizon: Duration,
        /// The most recorded.
        max: usize,
    },
    /// Routine restarts less than a minute apart.
    #[error("routine restarts must be at least a minute apart (asked: every {})", GoDuration(*every))]
    RestartsTooFrequent {
        /// How often.
        every: Duration,
    },
    /// The routine restarts alone pass the work budget ([`MAX_WORK`](super::MAX_WORK)):
    /// refused before working.
    #[error(
        "the plan needs more than its work budget ({max} workload visits): {workloads} workloads restarting every {} over {}; fewer workloads or rarer restarts",
        GoDuration(*every),
        GoDuration(*horizon)
    )]
    RestartWork {
        /// The workloads.
        workloads: usize,
        /// How often each restarts.
        every: Duration,
        /// Over what.
        horizon: Duration,
        /// The budget.
        max: usize,
    },
    /// The leaf refreshes and routine restarts together pass the work budget
    /// ([`MAX_WORK`](super::MAX_WORK)): refused before working.
    #[error(
        "the plan needs about {estimate} workload visits, more than its work budget ({max}): {workloads} workloads refreshing their leaves every {}{} over {}; fewer workloads or a shorter horizon",
        GoDuration(*leaf_refresh),
        restart_every.map_or_else(String::new, |e| format!(" and restarting every {}", GoDuration(e))),
        GoDuration(*horizon)
    )]
    EstimatedWork {
        /// The workloads.
        workloads: usize,
        /// How often each refreshes its leaf.
        leaf_refresh: Duration,
        /// How often each restarts, if at all.
        restart_every: Option<Duration>,
        /// Over what.
        horizon: Duration,
        /// The estimate.
        estimate: usize,
        /// The budget.
        max: usize,
    },
    /// The run reached its work budget ([`MAX_WORK`](super::MAX_WORK)).
    #[error(
        "the plan needs more than its work budget ({max} workload visits, reached at {}): fewer workloads or rarer restarts",
        rfc3339(*at)
    )]
    WorkBudget {
        /// The budget.
        max: usize,
        /// When it ran out.
        at: OffsetDateTime,
    },
    /// The identity issuer's renewals alone pass the generation budget
    /// ([`MAX_GENERATIONS`](super::MAX_GENERATIONS)): refused before working.
    #[error(
        "the plan needs about {issuers} identity issuers (one every {}), more than {max}: a shorter horizon or a longer-lived issuer",
        GoDuration(*every)
    )]
    IssuerGenerations {
        /// About how many issuers.
        issuers: i64,
        /// How often one renews.
        every: Duration,
        /// The budget.
        max: usize,
    },
    /// The anchor's renewals, with the issuer's, pass the generation budget: refused before
    /// working (cert-manager accepts any renewBefore under the duration: 87600h renewing
    /// 87599h59m59s before expiry re-keys the anchor every second).
    #[error(
        "the plan needs about {anchors} trust anchors (one every {}) and {issuers} identity issuers, more than {max} certificate generations: a shorter horizon or a later anchor renewal",
        GoDuration(*every)
    )]
    AnchorGenerations {
        /// About how many anchors.
        anchors: i64,
        /// How often one renews.
        every: Duration,
        /// About how many issuers.
        issuers: i64,
        /// The budget.
        max: usize,
    },
    /// The run issued as many certificate generations as its budget allows.
    #[error(
        "the plan needs more than {max} certificate generations (at {}: {anchors} trust anchors, {issuers} identity issuers): a shorter horizon or a later anchor renewal",
        rfc3339(*at)
    )]
    Generations {
        /// Anchors renewed so far.
        anchors: usize,
        /// Identity issuers so far.
        issuers: usize,
        /// The budget.
        max: usize,
        /// When it ran out.
        at: OffsetDateTime,
    },
    /// Nothing advances the clock: the same moment comes back without end.
    #[error("the simulation makes no progress at {}", rfc3339(*at))]
    NoProgress {
        /// The moment.
        at: OffsetDateTime,
    },
    /// No workload of that name.
    #[error("no workload named {name}")]
    UnknownWorkload {
        /// The name asked for.
        name: String,
    },
    /// A CSR failed because the identity controller is not running (it crash-loops).
    #[error("the identity controller is not running")]
    ControllerDown,
    /// The identity issuer cannot be issued under the anchor at the start.
    #[error("the identity issuer cannot be issued under the anchor")]
    IssuerNotIssuable,
    /// The simulation has no anchor Secret (a plan always has one).
    #[error("the plan has no anchor Secret")]
    NoAnchor,
    /// A leaf past its notAfter verified (the verifier would be wrong: never expected).
    #[error("a leaf past its notAfter verified")]
    ExpiredLeafVerified,
}
