//! What to simulate (the Linkerd layout of the seed document, with the user's numbers), the
//! state to start from, and the simulator's bounds.

use super::topology::Topology;
use crate::cert::Certificate;
use crate::issue::Ca;
use crate::presets::linkerd;
use crate::rotation::{Procedure, Schedule};
use crate::spec::CertSpec;
use time::{Duration, OffsetDateTime};

/// What to simulate: the Linkerd layout of the seed document, with the user's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// When the simulation starts (the anchor and issuer are issued then).
    pub start: OffsetDateTime,
    /// The present the report is dated from, when the run starts before it to replay a break
    /// that already happened (DESIGN §18: a certificate nothing renews that expired before
    /// the present); `None` (the default): [`start`](Self::start). Days are counted from it
    /// and the horizon ends [`horizon`](Self::horizon) after it. See [`Config::present`].
    pub present: Option<OffsetDateTime>,
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
    /// Further planned rotations after [`rotation`](Self::rotation), each run whole by its
    /// procedure ([`stop_after`](Self::stop_after) applies to the first only): an anchor that
    /// lives less than the horizon needs one each lifetime. Set with
    /// [`Config::rotate_again_at`]; empty by default.
    pub later_rotations: Vec<(OffsetDateTime, Procedure)>,
    /// Times at which an operator replaces a static identity issuer Secret by hand: a new
    /// issuer (new key, the same spec) signed by the anchor, as `step certificate create ...
    /// --ca ca.crt --ca-key ca.key` and `linkerd upgrade --identity-issuer-certificate-file`
    /// do. Set with [`Config::replace_issuer_at`]; empty by default.
    pub issuer_replacements: Vec<OffsetDateTime>,
    /// Names for messages: the anchor's, issuer's and bundle's objects.
    pub names: Names,
    /// Today's certificates to start from (the Secrets' anchor and issuer, with keys, and
    /// the previous-anchor Secret's certificate); `None`: both are issued at `start`.
    pub secrets: Option<std::sync::Arc<Secrets>>,
    /// The control plane's meshed pods (`linkerd/identity`, `linkerd/destination`, ...), in
    /// restart order, besides the [`workloads`](Self::workloads). Their proxies are proxies
    /// like any other, restarted by the procedure's control-plane steps; restarting the one
    /// named [`CONTROLLER`](crate::mesh::CONTROLLER) restarts the identity controller. Empty
    /// (the default): the controller is modelled alone and a control-plane step restarts it.
    pub control_plane: Vec<String>,
    /// Record a [`Checkpoint`](super::Checkpoint) (pair counts) after each planned step, after each pod a
    /// rolling restart replaces, and every this often otherwise; `None` (the default): none.
    pub checkpoints: Option<Duration>,
    /// Run the planned procedure only up to this step (1-based).
    pub stop_after: Option<usize>,
    /// Keep simulating after the first break (to the horizon); the run's
    /// [`first_break`](super::Run::first_break) is still the first. Default `false`: stop there.
    pub through_breaks: bool,
    /// The chain above the identity issuer and where the trust roots come from (DESIGN §15);
    /// the default is the seed's shape.
    pub topology: Topology,
    /// Unattended rotation (DESIGN §17): [`reconcile`](crate::rotation::reconcile) with this
    /// schedule runs whenever it said it would, and its actions are taken; set with
    /// [`Config::auto_rotation`]. `None` (the default): no rotation loop.
    pub auto: Option<Schedule>,
    /// Times at which the run records what the Secrets hold and the bundle published, after
    /// everything due at that time ([`Run::snapshots`](super::Run::snapshots)): one run gives
    /// the state at many times, where one run per time gave them before. Set with
    /// [`Config::snapshots_at`].
    pub snapshots: Vec<OffsetDateTime>,
    /// Faults injected (the loop or cert-manager down for a while); none by default.
    pub faults: super::faults::Faults,
    /// Which mesh consumes the certificates (DESIGN §19); Linkerd by default.
    pub mesh: Mesh,
}

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
    /// and the oldest behaviour modelled is assumed (istiod reads its root file only at
    /// start, as before 1.31; ztunnel trusts one root, as before 1.26).
    pub version: Option<(u32, u32)>,
    /// Ambient mode: ztunnel, one per node, holds the workloads' certificates in place of
    /// the sidecar agents (`sim/istio/ztunnel.rs`).
    pub ambient: bool,
    /// The runtime configuration ConfigMap (`namespace/name`) istio-csr takes its issuer
    /// from, when it has one: a rotation switches the issuer by writing it, not by a
    /// `helm upgrade`.
    pub runtime_config: Option<String>,
    /// The object istio-csr's Helm values live in, when a GitOps controller installs it:
    /// a rotation then changes its issuer there (a `helm upgrade` under Flux or Argo CD is
    /// put back at their next sync). `None`: a `helm install` with values, or not known.
    pub values_home: Option<ValuesHome>,
}

/// The object a GitOps controller installs istio-csr from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValuesHome {
    /// A Flux `HelmRelease` (`spec.values` is over every `valuesFrom` entry).
    HelmRelease {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
    },
    /// An Argo CD `Application` (a Helm parameter is over `values` and `valuesObject`).
    Application {
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// The 1-based position of its Helm source in `spec.sources` (`None`: `spec.source`).
        source_position: Option<usize>,
    },
}

impl Default for IstioCsr {
    fn default() -> Self {
        Self {
            max_certificate_duration: crate::presets::istio::MAX_CERTIFICATE_DURATION,
            requested_duration: crate::presets::istio::REQUESTED_DURATION,
            version: None,
            ambient: false,
            runtime_config: None,
            values_home: None,
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
            major > 1 || minor >= crate::presets::istio::ISTIOD_WATCHES_ROOT_FILE_FROM
        })
    }

    /// Whether the version is known and at least `1.minor`.
    fn at_least(&self, minor: u32) -> bool {
        self.version
            .is_some_and(|(major, m)| major > 1 || (major == 1 && m >= minor))
    }

    /// Ambient mode, where ztunnel trusts only the first root of each response (before
    /// Istio 1.26; assumed when the version is unknown).
    pub fn ztunnel_trusts_one_root(&self) -> bool {
        self.ambient && !self.at_least(crate::presets::istio::ZTUNNEL_MULTI_ROOT_FROM)
    }

    /// Ambient mode, where ztunnel reads the root file for its channel to istio-csr only at
    /// its start (before Istio 1.30; assumed when the version is unknown).
    pub fn ztunnel_channel_static(&self) -> bool {
        self.ambient && !self.at_least(crate::presets::istio::ZTUNNEL_RELOADS_CA_ROOT_FROM)
    }

    /// Sets ambient mode (ztunnel) on or off.
    pub fn ambient(mut self, on: bool) -> Self {
        self.ambient = on;
        self
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

/// Which mesh consumes the certificates: each is a model of its own components on the same
/// clock and events (DESIGN §19). cert-manager, trust-manager, the verifier, continuity, the
/// reports and the fix search are the same for both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mesh {
    /// Linkerd: its identity controller loads the trust anchors at start and signs leaves with
    /// its identity issuer; proxies load the anchors at pod start (`sim/identity.rs`,
    /// `sim/proxies.rs`, `sim/csr.rs`).
    #[default]
    Linkerd,
    /// Istio with cert-manager's istio-csr as its CA (`sim/istio/`).
    Istio(IstioCsr),
}

impl Mesh {
    /// The mesh's name as reports print it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Linkerd => "Linkerd",
            Self::Istio(_) => "Istio with cert-manager's istio-csr",
        }
    }

    /// The identity in the leaf of pod `namespace/name` (its service account taken to be its
    /// name): Linkerd's DNS name, Istio's SPIFFE URI.
    pub(crate) fn pod_identity(&self, pod: &str) -> String {
        let (namespace, name) = pod.split_once('/').unwrap_or(("default", pod));
        match self {
            Self::Linkerd => linkerd::workload_identity(name, namespace),
            Self::Istio(_) => crate::presets::istio::workload_identity(name, namespace),
        }
    }

    /// How a pod verifies a peer's leaf: as a client certificate, Linkerd's proxies as
    /// rustls-webpki does (the trust anchors' own dates not checked,
    /// [`proxy_verify_options`](super::proxy_verify_options)), Istio's Envoy as BoringSSL
    /// does (the roots' dates checked too), Istio's ztunnel as rustls-webpki does.
    pub(crate) fn peer_verify_options(&self) -> crate::verify::VerifyOptions {
        match self {
            // ztunnel verifies with rustls-webpki (src/tls/workload.rs), as Linkerd's do.
            Self::Linkerd => super::proxy_verify_options(),
            Self::Istio(csr) if csr.ambient => super::proxy_verify_options(),
            Self::Istio(_) => {
                crate::verify::VerifyOptions::for_usage(crate::verify::Usage::ClientAuth)
            }
        }
    }

    /// How long a workload certificate lives: Linkerd's 24h, istio-csr's
    /// [`IstioCsr::leaf_duration`].
    pub fn leaf_lifetime(&self) -> Duration {
        self.workload("w").get_duration()
    }

    /// A workload leaf for `identity`, as the mesh has it signed.
    pub(crate) fn workload(&self, identity: &str) -> CertSpec {
        match self {
            Self::Linkerd => linkerd::workload(identity),
            Self::Istio(csr) => crate::presets::istio::workload(identity, csr.leaf_duration()),
        }
    }
}

/// The state a plan starts from: what the cluster's Secrets hold today. It holds the anchor's
/// and issuer's private keys (cert-manager signs with them), zeroized on drop, never printed.
#[derive(Debug)]
#[non_exhaustive]
pub struct Secrets {
    /// The anchor Secret's certificate and key.
    pub anchor: Ca,
    /// The identity issuer Secret's certificate and key.
    pub issuer: Ca,
    /// The previous-anchor Secret's certificate, if the Bundle has that source.
    pub previous: Option<Certificate>,
    /// The previous-anchor Secret's key too, when a CA issuer signs with it (unattended
    /// rotation signs the identity issuer through it until the new anchor is activated).
    pub previous_ca: Option<Ca>,
    /// The CAs above the anchor, top down, one per [`Topology::above`] node (with keys, or
    /// stand-ins of the same subject and validity when the inputs hold no key).
    pub above: Vec<Ca>,
}

impl Secrets {
    /// Today's state from its parts.
    pub fn new(anchor: Ca, issuer: Ca, previous: Option<Certificate>) -> Self {
        Self {
            anchor,
            issuer,
            previous,
            previous_ca: None,
            above: Vec::new(),
        }
    }

    /// Sets the previous-anchor Secret with its key (its certificate becomes
    /// [`Secrets::previous`]).
    pub fn with_previous_ca(mut self, previous: Ca) -> Self {
        self.previous = Some(previous.certificate().clone());
        self.previous_ca = Some(previous);
        self
    }

    /// Sets the CAs above the anchor (top down), one per [`Topology::above`] node.
    pub fn with_above(mut self, above: Vec<Ca>) -> Self {
        self.above = above;
        self
    }

    /// The newest notBefore among its certificates: the default start of a plan.
    pub fn newest_not_before(&self) -> OffsetDateTime {
        [self.anchor.certificate(), self.issuer.certificate()]
            .into_iter()
            .chain(self.above.iter().map(Ca::certificate))
            .chain(self.previous.as_ref())
            .map(Certificate::not_before)
            .max()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

impl PartialEq for Secrets {
    fn eq(&self, other: &Self) -> bool {
        self.anchor.certificate() == other.anchor.certificate()
            && self.issuer.certificate() == other.issuer.certificate()
            && self.previous == other.previous
            && self.above.len() == other.above.len()
            && self
                .above
                .iter()
                .zip(&other.above)
                .all(|(a, b)| a.certificate() == b.certificate())
    }
}

impl Eq for Secrets {}

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
    /// The kind of object static trust roots are, as messages print it before
    /// [`bundle`](Self::bundle) (`ConfigMap`; istio-csr's root file is often a `Secret`).
    pub roots_kind: String,
    /// The previous-anchor Secret (`cert-manager/linkerd-previous-anchor`).
    pub previous: String,
    /// The workloads' names: this prefix and their number (`default/w0`, `default/w1`, ...).
    pub workload: String,
    /// The anchor Secret (`cert-manager/linkerd-trust-anchor`).
    pub anchor_secret: String,
    /// The anchor Certificate's issuer, `Kind/name` (`ClusterIssuer/linkerd-self-signed-issuer`;
    /// `Kind.group/name` for an issuer outside `cert-manager.io`).
    pub anchor_issuer: String,
    /// The CA issuer on the anchor Secret, `Kind/name` (`ClusterIssuer/linkerd-trust-anchor`):
    /// what unattended rotation's activate points the identity issuer at.
    pub anchor_ca_issuer: String,
    /// The CA issuer on the previous-anchor Secret, `Kind/name`
    /// (`ClusterIssuer/linkerd-previous-anchor`).
    pub previous_ca_issuer: String,
    /// What the mesh calls the CA its pods trust, as messages print it (`anchor` for
    /// Linkerd's trust anchor, `root` for Istio's).
    pub anchor_noun: String,
}

impl Names {
    /// The identity issuer's `namespace/name` alone, without the words a static issuer's
    /// [`issuer`](Self::issuer) carries (`linkerd/linkerd-identity-issuer (a Secret nothing
    /// renews)`).
    pub fn issuer_key(&self) -> &str {
        self.issuer.split(' ').next().unwrap_or_default()
    }
}

impl Default for Names {
    fn default() -> Self {
        Self {
            anchor: format!("cert-manager/{}", linkerd::TRUST_ANCHOR_SECRET),
            issuer: format!("linkerd/{}", linkerd::ISSUER_SECRET),
            bundle: linkerd::TRUST_ROOTS_CONFIGMAP.to_owned(),
            roots_kind: "ConfigMap".to_owned(),
            previous: format!("cert-manager/{}", linkerd::PREVIOUS_ANCHOR_SECRET),
            workload: "default/w".to_owned(),
            anchor_secret: format!("cert-manager/{}", linkerd::TRUST_ANCHOR_SECRET),
            anchor_issuer: "ClusterIssuer/linkerd-self-signed-issuer".to_owned(),
            anchor_ca_issuer: format!("ClusterIssuer/{}", linkerd::TRUST_ANCHOR_SECRET),
            previous_ca_issuer: format!("ClusterIssuer/{}", linkerd::PREVIOUS_ANCHOR_SECRET),
            anchor_noun: "anchor".to_owned(),
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
            present: None,
            horizon: Duration::days(400),
            anchor: linkerd::trust_anchor(),
            issuer: linkerd::identity_issuer(),
            previous_anchor_source: true,
            workloads: 6,
            restart_every: None,
            rotation: None,
            later_rotations: Vec::new(),
            issuer_replacements: Vec::new(),
            names: Names::default(),
            secrets: None,
            control_plane: Vec::new(),
            checkpoints: None,
            stop_after: None,
            through_breaks: false,
            topology: Topology::default(),
            auto: None,
            faults: super::faults::Faults::default(),
            snapshots: Vec::new(),
            mesh: Mesh::Linkerd,
        }
    }

    /// Istio with istio-csr as its install guide sets it up: a self-signed root Certificate
    /// `istio-system/istio-ca` (2160h, no renewBefore, so cert-manager renews it on day 60)
    /// whose CA Issuer signs every workload certificate, and istio-csr's root file a copy of
    /// that root made once at install; 6 workloads, 400 days.
    pub fn istio_csr(start: OffsetDateTime) -> Self {
        use crate::presets::istio;
        let root = CertSpec::ca(istio::CA_NAME, istio::ROOT_DURATION);
        let mut topology = Topology {
            signer_is_anchor: true,
            ..Topology::default()
        };
        topology.roots.kind = super::topology::RootsKind::Static;
        let ca = format!("{}/{}", istio::NAMESPACE, istio::CA_NAME);
        Self {
            anchor: root.clone(),
            issuer: root,
            previous_anchor_source: false,
            names: Names {
                anchor: ca.clone(),
                issuer: format!("Issuer {ca}"),
                bundle: "cert-manager/istio-root-ca (istio-csr's root file, a copy of the root made at install)".to_owned(),
                roots_kind: "Secret".to_owned(),
                previous: format!("{ca}-previous"),
                workload: "default/w".to_owned(),
                anchor_secret: ca,
                anchor_issuer: "Issuer/selfsigned".to_owned(),
                anchor_ca_issuer: format!("Issuer/{}", istio::CA_NAME),
                previous_ca_issuer: format!("Issuer/{}-previous", istio::CA_NAME),
                anchor_noun: "root".to_owned(),
            },
            topology,
            mesh: Mesh::Istio(IstioCsr::default()),
            ..Self::seed(start)
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

    /// Records the state at each of `times` ([`Config::snapshots`]); at most
    /// [`MAX_CHECKPOINTS`] of them, sorted, duplicates dropped.
    pub fn snapshots_at(mut self, times: impl IntoIterator<Item = OffsetDateTime>) -> Self {
        let mut times: Vec<OffsetDateTime> = times.into_iter().take(MAX_CHECKPOINTS).collect();
        times.sort_unstable();
        times.dedup();
        self.snapshots = times;
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
    pub fn from_secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = Some(std::sync::Arc::new(secrets));
        self
    }

    /// The present the plan is dated from: [`Config::present`](Self::present) if set, else
    /// the start.
    pub fn now(&self) -> OffsetDateTime {
        self.present.unwrap_or(self.start)
    }

    /// Starts the run at `at`, before the present (the current start), to replay what
    /// happened since: the present stays the date days and the horizon count from. A time
    /// after the present changes nothing.
    pub fn replay_from(mut self, at: OffsetDateTime) -> Self {
        let now = self.now();
        if at < now {
            self.present = Some(now);
            self.start = at;
        }
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

    /// Plans an anchor rotation (replacing the first planned one, if any).
    pub fn rotate_at(mut self, at: OffsetDateTime, procedure: Procedure) -> Self {
        self.rotation = Some((at, procedure));
        self
    }

    /// Plans one more anchor rotation: the first if none is planned yet, else one of the
    /// [`later_rotations`](Self::later_rotations).
    ///
    /// ```
    /// use certcycle::plan::Config;
    /// use certcycle::rotation::Procedure;
    /// use time::{Duration, macros::datetime};
    /// let t = datetime!(2026-01-01 0:00 UTC);
    /// let cfg = Config::seed(t)
    ///     .rotate_again_at(t + Duration::days(50), Procedure::SevenStep)
    ///     .rotate_again_at(t + Duration::days(100), Procedure::SevenStep);
    /// assert_eq!(cfg.rotation, Some((t + Duration::days(50), Procedure::SevenStep)));
    /// assert_eq!(cfg.later_rotations.len(), 1);
    /// ```
    pub fn rotate_again_at(mut self, at: OffsetDateTime, procedure: Procedure) -> Self {
        if self.rotation.is_none() {
            self.rotation = Some((at, procedure));
        } else {
            self.later_rotations.push((at, procedure));
        }
        self
    }

    /// Plans one more replacement of the identity issuer Secret by hand, at `at`
    /// ([`issuer_replacements`](Self::issuer_replacements)).
    pub fn replace_issuer_at(mut self, at: OffsetDateTime) -> Self {
        self.issuer_replacements.push(at);
        self
    }

    /// Every planned rotation, in the order planned.
    pub fn rotations(&self) -> impl Iterator<Item = (OffsetDateTime, Procedure)> + '_ {
        self.rotation
            .into_iter()
            .chain(self.later_rotations.iter().copied())
    }

    /// Rotates the anchor unattended by `schedule` (DESIGN §17): the anchor Certificate's
    /// renewBefore becomes [`Schedule::anchor_renew_before`] (so cert-manager prepares by
    /// itself), the identity issuer is signed through the previous-anchor Secret's CA issuer
    /// until [`reconcile`](crate::rotation::reconcile) activates the new anchor, and the
    /// Bundle keeps its previous-anchor source.
    pub fn auto_rotation(mut self, schedule: Schedule) -> Self {
        self.anchor = self.anchor.renew_before(schedule.anchor_renew_before());
        self.anchor.renew_before_percentage = None;
        self.previous_anchor_source = true;
        self.topology.issuer_via_previous = true;
        self.auto = Some(schedule);
        self
    }

    /// The lifetimes an unattended rotation's [`Schedule`] depends on: the anchor's duration,
    /// Linkerd's 24h leaves, and how long before its notAfter cert-manager renews the identity
    /// issuer (its renewal rule on a full-length certificate; none when it never renews).
    ///
    /// ```
    /// use certcycle::plan::Config;
    /// use time::{Duration, macros::datetime};
    /// let l = Config::seed(datetime!(2026-01-01 0:00 UTC)).auto_lifetimes();
    /// assert_eq!((l.anchor, l.issuer_renewal_lead), (Duration::hours(8760), Duration::hours(25)));
    /// ```
    pub fn auto_lifetimes(&self) -> crate::rotation::Lifetimes {
        let (nb, d) = (self.start, self.issuer.get_duration());
        let lead = nb
            .checked_add(d)
            .map(|na| {
                let (r, _) = crate::renewal::cert_manager_renewal(&self.issuer, nb, na);
                (na - r.renew_at).clamp(Duration::ZERO, d)
            })
            .unwrap_or(Duration::ZERO);
        crate::rotation::Lifetimes::linkerd(self.anchor.get_duration()).issuer_renewal_lead(lead)
    }

    /// Injects `faults` (to prove a schedule's tolerance).
    pub fn faults(mut self, faults: super::faults::Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Replaces the anchor's spec.
    pub fn anchor_spec(mut self, spec: CertSpec) -> Self {
        self.anchor = spec;
        self
    }

    /// Replaces the topology.
    pub fn topology(mut self, topology: Topology) -> Self {
        self.topology = topology;
        self
    }

    /// Replaces the issuer's spec.
    pub fn issuer_spec(mut self, spec: CertSpec) -> Self {
        self.issuer = spec;
        self
    }
}

/// The longest horizon simulated: ten years.
pub const MAX_HORIZON: Duration = Duration::days(3660);

/// The most work one run does, counted as proxies visited (each due refresh, restart or leaf
/// expiry, and every proxy at each continuity check and each controller change), so a run is
/// bounded whatever its configuration.
pub const MAX_WORK: usize = 500_000_000;

/// The most workload certificates an Istio plan signs, estimated before it runs (pods times
/// the horizon over half a certificate's life): 20 million, about 15 seconds of a 2-core
/// machine (1,000 workloads refreshing 1h certificates for 400 days ask for 19.2 million).
/// Istio's agents refresh every half-life, so a short `maxCertificateDuration` multiplies the
/// work where Linkerd's proxies' daily leaves do not.
pub const MAX_CSRS: u64 = 20_000_000;

/// The most pods (workloads and control-plane pods) one run simulates.
pub const MAX_PODS: usize = 100_000;

/// The most periodic checkpoints one run records (a year every 6 minutes is 87,600).
pub const MAX_CHECKPOINTS: usize = 100_000;

/// The most certificate generations one run issues, anchors and identity issuers together
/// (each costs real keys and signatures): ten years of the seed's 48h issuer renewed every
/// 23h is about 3,800.
pub const MAX_GENERATIONS: usize = 5_000;

/// The most pods a mesh driven by hand holds ([`Mesh`](crate::mesh::Mesh)): each holds a real
/// key and leaf, and its continuity checks every ordered pair with the real verifier.
pub const MAX_MESH_PODS: usize = 10_000;
