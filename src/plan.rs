//! Lifecycle plans (DESIGN §11): a year of a cluster's own configuration in a second, with
//! the first mTLS break, the events that caused it, and fixes the simulator re-ran.
//!
//! The engine models what the components do (DESIGN §6, from Linkerd's and cert-manager's
//! sources), not a simplification:
//! - **cert-manager** renews the anchor and the identity issuer by their own rules (the
//!   anchor too: the seed's renewBefore 7320h re-keys it on day 60), with a fresh key under
//!   `rotationPolicy: Always` and the same key under `Never`; its CA issuer signs the identity
//!   issuer with whatever the anchor Secret holds at that moment.
//! - **trust-manager** rebuilds the bundle from its sources (the anchor Secret and, where the
//!   Bundle has one, the previous-anchor Secret) as soon as a source changes.
//! - **identity** (Linkerd's identity controller) loads the anchors once, at start, and the
//!   issuer; an issuer that does not verify against them is fatal at start (it stays down
//!   until its inputs change); a changed issuer Secret is verified against the loaded anchors
//!   (`IssuerUpdated`, or `IssuerUpdateSkipped` keeping the old one); before each CSR it
//!   re-verifies its issuer (`IssuerValidationFailed` fails the CSR). It verifies as Go's
//!   `crypto/x509` does: an expired anchor certificate is rejected.
//! - **proxies** load the bundle when their pod is created, refresh their leaf at 70% of its
//!   remaining life (clamped to [10s, 24h]), retry failed CSRs, and keep their leaf until it
//!   expires. Leaves are 24h, backdated 20s, capped at the issuer's notAfter. Proxies verify
//!   peers as rustls-webpki does: a trust anchor certificate's dates are not checked.
//!
//! Continuity is checked with the real verifier after every change of a chain, a loaded
//! bundle or a validity boundary, over equivalence classes: workloads holding leaves of the
//! same issuer generation (valid or not at that moment) under the same loaded bundle behave
//! alike, and each issuer generation has one real representative leaf. So the cost grows
//! with the number of distinct states, not with workloads² × events.
//!
//! ```
//! use certcycle::plan::{Config, simulate};
//! use time::{Duration, macros::datetime};
//! // The seed document's manifests: anchor 8760h renewBefore 7320h, issuer 48h / 25h.
//! let config = Config::seed(datetime!(2026-01-01 0:00 UTC)).horizon(Duration::days(100));
//! let run = simulate(&config, &mut rand_core::OsRng)?;
//! let brk = run.first_break.as_ref().expect("the seed's manifests break");
//! assert_eq!(brk.day, 61); // the unplanned re-key on day 60, the issuer skipped, then expired
//! # Ok::<(), certcycle::Error>(())
//! ```

use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::engine::Engine;
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::mesh::{BrokenPair, Procedure};
use crate::presets::linkerd;
use crate::spec::{CertSpec, RotationPolicy};
use crate::verify::VerifyError;
use rand_core::CryptoRngCore;
use std::fmt;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// What to simulate: the Linkerd layout of the seed document, with the user's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// When the simulation starts (the anchor and issuer are issued then).
    pub start: OffsetDateTime,
    /// How long to simulate.
    pub horizon: Duration,
    /// The anchor Certificate's spec (self-signed; its renewal rule and rotation policy).
    pub anchor: CertSpec,
    /// The identity issuer Certificate's spec (signed by the anchor Secret).
    pub issuer: CertSpec,
    /// Whether the Bundle has a second source holding the previous anchor (the seed's
    /// `linkerd-previous-anchor` Secret, a copy of the anchor made at install).
    pub previous_anchor_source: bool,
    /// How many meshed workloads (proxies).
    pub workloads: usize,
    /// Routine restarts: every workload, and the control plane, restart this often,
    /// staggered evenly.
    pub restart_every: Option<Duration>,
    /// A planned anchor rotation: when it starts and by which procedure (steps 5 minutes
    /// apart, each restart step restarting everything it names at once).
    pub rotation: Option<(OffsetDateTime, Procedure)>,
    /// Names for messages: the anchor's, issuer's and bundle's objects.
    pub names: Names,
    /// Today's certificates to start from (the Secrets' anchor and issuer, with keys, and
    /// the previous-anchor Secret's certificate); `None`: both are issued at `start`.
    pub state: Option<std::sync::Arc<State>>,
    /// The control plane's meshed pods (`linkerd/identity`, `linkerd/destination`, ...), in
    /// restart order, besides the [`workloads`](Self::workloads). Their proxies are proxies
    /// like any other, restarted by the procedure's control-plane steps; restarting the one
    /// named [`CONTROLLER`](crate::mesh::CONTROLLER) restarts the identity controller. Empty
    /// (the default): the controller is modelled alone and a control-plane step restarts it.
    pub control_plane: Vec<String>,
    /// Record a [`Checkpoint`] (pair counts) after each planned step, after each pod a
    /// rolling restart replaces, and every this often otherwise; `None` (the default): none.
    pub checkpoints: Option<Duration>,
    /// Run the planned procedure only up to this step (1-based).
    pub stop_after: Option<usize>,
    /// Keep simulating after the first break (to the horizon); the run's
    /// [`first_break`](Run::first_break) is still the first. Default `false`: stop there.
    pub through_breaks: bool,
}

/// The state a plan starts from: what the cluster's Secrets hold today. It holds the anchor's
/// and issuer's private keys (cert-manager signs with them), zeroized on drop, never printed.
#[derive(Debug)]
#[non_exhaustive]
pub struct State {
    /// The anchor Secret's certificate and key.
    pub anchor: Ca,
    /// The identity issuer Secret's certificate and key.
    pub issuer: Ca,
    /// The previous-anchor Secret's certificate, if the Bundle has that source.
    pub previous: Option<Certificate>,
}

impl State {
    /// Today's state from its parts.
    pub fn new(anchor: Ca, issuer: Ca, previous: Option<Certificate>) -> Self {
        Self {
            anchor,
            issuer,
            previous,
        }
    }

    /// The newest notBefore among its certificates: the default start of a plan.
    pub fn newest_not_before(&self) -> OffsetDateTime {
        [self.anchor.certificate(), self.issuer.certificate()]
            .into_iter()
            .chain(self.previous.as_ref())
            .map(Certificate::not_before)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.anchor.certificate() == other.anchor.certificate()
            && self.issuer.certificate() == other.issuer.certificate()
            && self.previous == other.previous
    }
}

impl Eq for State {}

/// The objects' names, as the report prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Names {
    /// The anchor Certificate (`cert-manager/linkerd-trust-anchor`).
    pub anchor: String,
    /// The identity issuer Certificate (`linkerd/linkerd-identity-issuer`).
    pub issuer: String,
    /// The Bundle (`linkerd-identity-trust-roots`).
    pub bundle: String,
    /// The previous-anchor Secret (`cert-manager/linkerd-previous-anchor`).
    pub previous: String,
    /// The workloads' names: this prefix and their number (`default/w0`, `default/w1`, ...).
    pub workload: String,
}

impl Default for Names {
    fn default() -> Self {
        Self {
            anchor: format!("cert-manager/{}", linkerd::TRUST_ANCHOR_SECRET),
            issuer: format!("linkerd/{}", linkerd::ISSUER_SECRET),
            bundle: linkerd::TRUST_ROOTS_CONFIGMAP.to_owned(),
            previous: format!("cert-manager/{}", linkerd::PREVIOUS_ANCHOR_SECRET),
            workload: "default/w".to_owned(),
        }
    }
}

impl Config {
    /// The seed document's configuration: anchor 8760h renewBefore 7320h `Always`, issuer
    /// 48h renewBefore 25h `Always`, a Bundle with the previous-anchor source, 6 workloads,
    /// no routine restarts, 400 days.
    pub fn seed(start: OffsetDateTime) -> Self {
        Self {
            start,
            horizon: Duration::days(400),
            anchor: linkerd::trust_anchor(),
            issuer: linkerd::identity_issuer(),
            previous_anchor_source: true,
            workloads: 6,
            restart_every: None,
            rotation: None,
            names: Names::default(),
            state: None,
            control_plane: Vec::new(),
            checkpoints: None,
            stop_after: None,
            through_breaks: false,
        }
    }

    /// Adds the control plane's meshed pods (see [`Config::control_plane`]).
    pub fn control_plane<S: Into<String>>(mut self, pods: impl IntoIterator<Item = S>) -> Self {
        self.control_plane = pods.into_iter().map(Into::into).collect();
        self
    }

    /// Names the workloads `{prefix}0`, `{prefix}1`, ... (default `default/w`).
    pub fn workload_prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.names.workload);
        self
    }

    /// Records checkpoints (see [`Config::checkpoints`]).
    pub fn checkpoints(mut self, every: Option<Duration>) -> Self {
        self.checkpoints = every;
        self
    }

    /// Runs the planned procedure only up to step `n`.
    pub fn stop_after(mut self, n: Option<usize>) -> Self {
        self.stop_after = n;
        self
    }

    /// Keeps simulating after the first break.
    pub fn through_breaks(mut self, on: bool) -> Self {
        self.through_breaks = on;
        self
    }

    /// Starts from today's certificates instead of issuing new ones at `start`.
    pub fn from_state(mut self, state: State) -> Self {
        self.state = Some(std::sync::Arc::new(state));
        self
    }

    /// Sets the horizon.
    pub fn horizon(mut self, horizon: Duration) -> Self {
        self.horizon = horizon;
        self
    }

    /// Sets the number of workloads.
    pub fn workloads(mut self, n: usize) -> Self {
        self.workloads = n;
        self
    }

    /// Sets routine restarts.
    pub fn restart_every(mut self, every: Option<Duration>) -> Self {
        self.restart_every = every;
        self
    }

    /// Plans an anchor rotation.
    pub fn rotate_at(mut self, at: OffsetDateTime, procedure: Procedure) -> Self {
        self.rotation = Some((at, procedure));
        self
    }

    /// Replaces the anchor's spec.
    pub fn anchor_spec(mut self, spec: CertSpec) -> Self {
        self.anchor = spec;
        self
    }

    /// Replaces the issuer's spec.
    pub fn issuer_spec(mut self, spec: CertSpec) -> Self {
        self.issuer = spec;
        self
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
}

impl Who {
    /// `cert-manager`, `trust-manager`, `identity`, `proxy`, `operator`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::CertManager => "cert-manager",
            Self::TrustManager => "trust-manager",
            Self::Identity => "identity",
            Self::Proxy => "proxy",
            Self::Operator => "operator",
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
    /// The checkpoints recorded (when [`Config::checkpoints`] asks for them), in time order.
    pub checkpoints: Vec<Checkpoint>,
    /// The last planned step run (0: none).
    pub last_step: usize,
    /// What the Secrets hold where the run stopped: the anchor and identity issuer (with
    /// their keys) and the previous-anchor Secret's certificate.
    pub secrets: State,
    /// The bundle trust-manager published last.
    pub published: TrustBundle,
    /// The pods whose loaded bundle still holds an anchor the published bundle no longer has.
    pub trusting_dropped_anchors: Vec<String>,
}

/// A moment at which the whole mesh was counted: every ordered pair of distinct pods (the
/// control plane's and the workloads'), one presenting its leaf and chain, the other
/// verifying them under the bundle it loaded, with the real verifier — over equivalence
/// classes, so the count costs one verification per distinct (leaf class, bundle).
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
    /// The first failing pairs in pod order, at most [`Checkpoint::EXAMPLES`].
    pub examples: Vec<BrokenPair>,
    /// The timeline entries since the previous checkpoint (indices into
    /// [`Run::timeline`]).
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

/// The longest horizon simulated: ten years.
pub const MAX_HORIZON: Duration = Duration::days(3660);

/// The most work one run does, counted as proxies visited (each due refresh, restart or leaf
/// expiry, and every proxy at each continuity check and each controller change), so a run is
/// bounded whatever its configuration.
pub const MAX_WORK: usize = 500_000_000;

/// The most pods (workloads and control-plane pods) one run simulates.
pub const MAX_PODS: usize = 100_000;

/// The most periodic checkpoints one run records (a year every 6 minutes is 87,600).
pub const MAX_CHECKPOINTS: usize = 100_000;

/// The most certificate generations one run issues, anchors and identity issuers together
/// (each costs real keys and signatures): ten years of the seed's 48h issuer renewed every
/// 23h is about 3,800.
pub const MAX_GENERATIONS: usize = 5_000;

/// Runs the configuration forward to its horizon, stopping at the first break.
///
/// # Errors
/// Issuing errors at the start (a spec certcycle refuses), [`Error::TimeOutOfRange`],
/// [`Error::InvalidSpec`] for a horizon over [`MAX_HORIZON`] or a negative one, more than
/// [`MAX_PODS`] pods, restarts or checkpoints less than a minute apart, more than
/// [`MAX_CHECKPOINTS`] checkpoints, and a run past [`MAX_WORK`] (routine restarts every minute of
/// 100,000 workloads) or past [`MAX_GENERATIONS`] issuers (a 1h issuer over a year).
pub fn simulate<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Run, Error> {
    if cfg.horizon > MAX_HORIZON || cfg.horizon < Duration::ZERO {
        return Err(Error::InvalidSpec {
            reason: format!(
                "horizon {} is outside 0 to {} days",
                GoDuration(cfg.horizon),
                MAX_HORIZON.whole_days()
            ),
        });
    }
    let pods = cfg.workloads.saturating_add(cfg.control_plane.len());
    if pods > MAX_PODS {
        return Err(Error::InvalidSpec {
            reason: format!("{pods} pods: a plan simulates at most {MAX_PODS}"),
        });
    }
    if let Some(every) = cfg.checkpoints {
        let n = cfg.horizon.whole_seconds() / every.whole_seconds().max(1);
        if every < Duration::MINUTE || n > MAX_CHECKPOINTS as i64 {
            return Err(Error::InvalidSpec {
                reason: format!(
                    "checkpoints every {} over {} days: at least a minute apart and at most {MAX_CHECKPOINTS} of them",
                    GoDuration(every),
                    cfg.horizon.whole_days()
                ),
            });
        }
    }
    if cfg.restart_every.is_some_and(|e| e < Duration::MINUTE) {
        return Err(Error::InvalidSpec {
            reason: "routine restarts must be at least a minute apart".into(),
        });
    }
    // The issuer renews on a fixed period: refuse before working when that alone passes the
    // generation budget.
    let period = issuer_period(cfg).ok_or(Error::TimeOutOfRange {
        from: cfg.start,
        by: cfg.issuer.get_duration(),
    })?;
    let expected = cfg.horizon.whole_seconds() / period.whole_seconds().max(1);
    if usize::try_from(expected).unwrap_or(usize::MAX) >= MAX_GENERATIONS {
        return Err(Error::InvalidSpec {
            reason: format!(
                "the plan needs about {expected} identity issuers (one every {}), more than {MAX_GENERATIONS}: a shorter horizon or a longer-lived issuer",
                GoDuration(period)
            ),
        });
    }
    // So does the anchor (cert-manager accepts any renewBefore under the duration: 87600h
    // renewing 87599h59m59s before expiry re-keys it every second). Every managed CA counts
    // against the same budget, refused before working.
    let anchor_period = crate::renewal::renews_after(&cfg.anchor).ok_or(Error::TimeOutOfRange {
        from: cfg.start,
        by: cfg.anchor.get_duration(),
    })?;
    let anchors = cfg.horizon.whole_seconds() / anchor_period.whole_seconds().max(1);
    if usize::try_from(expected.saturating_add(anchors)).unwrap_or(usize::MAX) >= MAX_GENERATIONS {
        return Err(Error::InvalidSpec {
            reason: format!(
                "the plan needs about {anchors} trust anchors (one every {}) and {expected} identity issuers, more than {MAX_GENERATIONS} certificate generations: a shorter horizon or a later anchor renewal",
                GoDuration(anchor_period)
            ),
        });
    }
    // Staggered routine restarts are an event time each, and each costs about two workload
    // visits (the restart, and the queue entry its new leaf's refresh leaves behind): refuse
    // before working when they alone pass the work budget (100,000 workloads restarting every
    // minute: about 41 hours).
    if let Some(every) = cfg.restart_every {
        let per_workload = cfg.horizon.whole_seconds() / every.whole_seconds().max(1);
        let n = i64::try_from(cfg.workloads.saturating_add(cfg.control_plane.len()))
            .unwrap_or(i64::MAX);
        let work = n.saturating_mul(per_workload.max(1)).saturating_mul(2);
        if usize::try_from(work).unwrap_or(usize::MAX) > MAX_WORK {
            return Err(Error::InvalidSpec {
                reason: format!(
                    "the plan needs more than its work budget ({MAX_WORK} workload visits): {} workloads restarting every {} over {}; fewer workloads or rarer restarts",
                    cfg.workloads,
                    GoDuration(every),
                    GoDuration(cfg.horizon)
                ),
            });
        }
    }
    let end = Error::add_time(cfg.start, cfg.horizon)?;
    let anchor = match &cfg.state {
        Some(state) => state.anchor.clone_ca(),
        None => Ca::self_signed(&cfg.anchor, PrivateKey::generate(rng), cfg.start, rng)?,
    };
    let mut sim = Engine::new(Arc::new(cfg.clone()), end, anchor, rng);
    sim.install()?;
    sim.run()?;
    sim.into_run()
}

/// A fix the simulator re-ran over the same horizon, and whether it held.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fix {
    /// What to change, in manifest terms.
    pub change: String,
    /// The re-run's first break, if it did not hold.
    pub first_break: Option<(OffsetDateTime, i64)>,
}

impl Fix {
    /// Whether the re-run held over the horizon.
    pub fn held(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Candidate fixes for a configuration that breaks, each re-simulated over the same
/// horizon: a renewBefore that keeps the anchor's renewal past the horizon (where its
/// lifetime allows), `rotationPolicy: Never` on the anchor, routine restarts every 24h or 6h,
/// and renewBefore 1440h with the seven-step procedure started one minute after the issuer
/// renewal a week before the anchor's automatic renewal.
///
/// # Errors
/// As [`simulate`].
pub fn fixes<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Vec<Fix>, Error> {
    let mut out = Vec::new();
    let mut attempt = |change: String, c: Config, rng: &mut R| -> Result<(), Error> {
        let run = simulate(&c, rng)?;
        out.push(Fix {
            change,
            first_break: run.first_break.map(|b| (b.at, b.day)),
        });
        Ok(())
    };
    let d = cfg.anchor.get_duration();
    let past = cfg.horizon + Duration::days(1);
    if d > past + crate::renewal::MINIMUM_RENEW_BEFORE {
        let rb = d - past;
        attempt(
            format!(
                "renewBefore: {} on {} (its renewal falls after the horizon)",
                GoDuration(Duration::hours(rb.whole_hours())),
                cfg.names.anchor
            ),
            cfg.clone().anchor_spec(
                cfg.anchor
                    .clone()
                    .renew_before(Duration::hours(rb.whole_hours())),
            ),
            rng,
        )?;
    }
    if cfg.anchor.get_rotation_policy() != RotationPolicy::Never {
        attempt(
            format!(
                "privateKey.rotationPolicy: Never on {} (renewals keep the key; the anchor certificate proxies loaded still expires at its notAfter)",
                cfg.names.anchor
            ),
            cfg.clone()
                .anchor_spec(cfg.anchor.clone().rotation_policy(RotationPolicy::Never)),
            rng,
        )?;
    }
    for every in [Duration::hours(24), Duration::hours(6)] {
        if cfg.restart_every.is_none_or(|e| e > every) {
            attempt(
                format!(
                    "restart the control plane and every workload every {} (staggered)",
                    GoDuration(every)
                ),
                cfg.clone().restart_every(Some(every)),
                rng,
            )?;
        }
    }
    let intended = cfg
        .anchor
        .clone()
        .renew_before(linkerd::TRUST_ANCHOR_RENEW_BEFORE_INTENDED);
    let probe = Config {
        rotation: None,
        ..cfg.clone().anchor_spec(intended.clone())
    };
    let auto = Error::add_time(probe.start, d - linkerd::TRUST_ANCHOR_RENEW_BEFORE_INTENDED)?;
    if let Some(at) = issuer_renewal_before(&probe, auto - Duration::days(7)) {
        let at = at + Duration::MINUTE;
        attempt(
            format!(
                "renewBefore: 1440h0m0s on {}, and the seven-step rotation started at {} (one minute after an issuer renewal, a week before the anchor's automatic renewal)",
                cfg.names.anchor,
                rfc3339(at)
            ),
            probe.rotate_at(at, Procedure::SevenStep),
            rng,
        )?;
    }
    Ok(out)
}

/// How long an issuer of `cfg` serves before cert-manager renews it: the period of the
/// automatic renewals.
fn issuer_period(cfg: &Config) -> Option<Duration> {
    crate::renewal::renews_after(&cfg.issuer)
}

/// The last automatic issuer renewal at or before `before`, for a configuration without
/// planned operations (its schedule is fixed: notBefore + duration - renewBefore, again).
pub fn issuer_renewal_before(cfg: &Config, before: OffsetDateTime) -> Option<OffsetDateTime> {
    let period = issuer_period(cfg)?;
    if period <= Duration::ZERO || before < cfg.start {
        return None;
    }
    let n = ((before - cfg.start).whole_seconds() / period.whole_seconds().max(1)).max(1);
    cfg.start.checked_add(period * i32::try_from(n).ok()?)
}

/// The report of a plan: the run, and the fixes (only those that held are printed).
#[derive(Debug)]
#[non_exhaustive]
pub struct Report {
    /// The configuration's own run.
    pub run: Run,
    /// The fixes tried (empty when the run held).
    pub fixes: Vec<Fix>,
    /// The horizon, for the verdict line.
    pub horizon: Duration,
    /// The start.
    pub start: OffsetDateTime,
}

impl Report {
    /// Simulates `cfg` and, if it breaks, tries the fixes.
    ///
    /// # Errors
    /// As [`simulate`].
    pub fn new<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Self, Error> {
        let run = simulate(cfg, rng)?;
        let fixes = if run.first_break.is_some() {
            fixes(cfg, rng)?
        } else {
            Vec::new()
        };
        Ok(Self {
            run,
            fixes,
            horizon: cfg.horizon,
            start: cfg.start,
        })
    }

    /// The report as one JSON document: `start`, `horizon`, `timeline[]` (`{at, who, what}`),
    /// `verdict` (`"no-break"` or `"break"`), `first_break` (`{at, day, client, server,
    /// reason}` or null), `causes[]` (timeline entries), `fixes[]` (`{change, held,
    /// first_break_day}` — every fix tried), `verifications`.
    #[cfg(feature = "k8s")]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let ev =
            |e: &PlanEvent| json!({"at": rfc3339(e.at), "who": e.who.as_str(), "what": e.what});
        json!({
            "start": rfc3339(self.start),
            "horizon": horizon_text(self.horizon),
            "timeline": self.run.timeline.iter().map(ev).collect::<Vec<_>>(),
            "verdict": if self.run.first_break.is_some() { "break" } else { "no-break" },
            "first_break": self.run.first_break.as_ref().map(|b| json!({
                "at": rfc3339(b.at), "day": b.day, "client": b.client, "server": b.server,
                "reason": b.error.to_string(),
            })),
            "causes": self.run.causes().into_iter().map(ev).collect::<Vec<_>>(),
            "fixes": self.fixes.iter().map(|f| json!({
                "change": f.change, "held": f.held(),
                "first_break_day": f.first_break.map(|b| b.1),
            })).collect::<Vec<_>>(),
            "verifications": self.run.verifications,
        })
    }
}

/// `400d` for whole days, else Go's form.
fn horizon_text(h: Duration) -> String {
    if h.whole_seconds() % 86_400 == 0 {
        format!("{}d", h.whole_days())
    } else {
        GoDuration(h).to_string()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.run.timeline {
            writeln!(f, "{e}")?;
        }
        match &self.run.first_break {
            None => writeln!(f, "verdict: no break within {}", horizon_text(self.horizon))?,
            Some(b) => {
                writeln!(
                    f,
                    "first break: {} (day {}): {} -> {}: {} refuses {}'s certificate: {}",
                    rfc3339(b.at),
                    b.day,
                    b.client,
                    b.server,
                    b.server,
                    b.client,
                    b.error
                )?;
                for c in self.run.causes() {
                    writeln!(f, "cause: {c}")?;
                }
                let held: Vec<&Fix> = self.fixes.iter().filter(|x| x.held()).collect();
                for x in &held {
                    writeln!(
                        f,
                        "fix: {} (re-simulated: no break within {})",
                        x.change,
                        horizon_text(self.horizon)
                    )?;
                }
                if held.is_empty() {
                    writeln!(
                        f,
                        "fix: none of the {} fixes tried held over the horizon",
                        self.fixes.len()
                    )?;
                }
            }
        }
        Ok(())
    }
}
