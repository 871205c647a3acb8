//! A mesh driven by hand: workloads holding the trust bundle they loaded at their last start
//! and a real leaf and key, a clock, the events of a rotation, and [`Mesh::continuity`], which
//! checks every ordered pair of workloads with the real verifier.
//!
//! It runs on the same engine as [`plan`](crate::plan) and the `rotate` example (DESIGN §6):
//! a proxy reads the trust bundle when its pod starts and keeps it; it refreshes its leaf at
//! 70% of the remaining life (clamped to [10s, 24h]); Linkerd's identity controller loads its
//! anchors at start, takes a changed issuer only if it verifies against them, and fails a CSR
//! when its issuer no longer verifies; cert-manager renews the issuer when its renewal time
//! comes, signing with the anchor it holds. Here the bundles, issuers and restarts are the
//! caller's: nothing renews the anchor and trust-manager does not run.

pub use crate::rotation::{CONTROLLER, Procedure, is_identity_controller};
pub use crate::sim::{BrokenPair, Checkpoint, Event, MAX_MESH_PODS};

use crate::bundle::TrustBundle;
use crate::cert::{Certificate, Fingerprint};
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::presets::linkerd;
use crate::rotation::Step;
use crate::sim::{Engine, SimError, proxy_verify_options};
use crate::verify::{PeerName, SignatureCache, VerifyError, verify_cached};
use rand_core::CryptoRngCore;
use std::collections::HashMap;
use std::fmt;
use time::{Duration, OffsetDateTime};

/// One meshed pod (control plane or data plane) and its proxy's state: a real key, leaf and
/// loaded bundle. A plan's `workloads` are the data-plane pods only; here every pod counts.
#[derive(Debug)]
pub struct Pod {
    name: String,
    identity: String,
    control_plane: bool,
    bundle: TrustBundle,
    key: PrivateKey,
    leaf: Certificate,
    chain: Vec<Certificate>,
    refresh_at: OffsetDateTime,
}

impl Pod {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its identity (the DNS SAN of its leaf).
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Whether it belongs to the control plane.
    pub fn is_control_plane(&self) -> bool {
        self.control_plane
    }

    /// The bundle it loaded when it last started.
    pub fn loaded_bundle(&self) -> &TrustBundle {
        &self.bundle
    }

    /// The leaf it presents.
    pub fn leaf(&self) -> &Certificate {
        &self.leaf
    }

    /// The intermediates it presents with its leaf (the issuer that signed it).
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Its private key (for real handshakes in tests).
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// When it will next refresh its leaf.
    pub fn refresh_at(&self) -> OffsetDateTime {
        self.refresh_at
    }
}

/// The result of [`Mesh::continuity`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Continuity {
    /// Ordered pairs checked.
    pub pairs: usize,
    /// The broken ones.
    pub broken: Vec<BrokenPair>,
}

impl Continuity {
    /// Whether every pair verifies.
    pub fn holds(&self) -> bool {
        self.broken.is_empty()
    }
}

impl fmt::Display for Continuity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "continuity: {}/{} workload pairs verify",
            self.pairs - self.broken.len(),
            self.pairs
        )
    }
}

/// The simulated mesh.
///
/// The identity controller behaves as Linkerd's (`pkg/identity/service.go`): it loads the
/// anchors when it starts (at [`Mesh::new`], and when the control-plane workload named
/// `linkerd/identity` restarts); a new issuer (cert-manager's renewal, or
/// [`Mesh::set_issuer`]) is taken only if it verifies against those anchors at that moment,
/// else it is skipped ([`Event::IssuerUpdateSkipped`]) and the old one kept; before every leaf
/// it re-verifies its issuer, and a failure fails the CSR. An issuer that does not verify when
/// it starts keeps it down (CrashLoopBackOff: every CSR fails) until a new bundle or issuer is
/// written. It verifies as Go's `crypto/x509` (the anchors' own dates count).
pub struct Mesh<R> {
    engine: Engine<R>,
    /// The pods as the engine holds them, materialized after every change.
    workloads: Vec<Pod>,
}

impl<R> fmt::Debug for Mesh<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mesh")
            .field("workloads", &self.workloads)
            .finish_non_exhaustive()
    }
}

impl<R: CryptoRngCore> Mesh<R> {
    /// A mesh at `now` with a published bundle, a current issuer, and optionally the anchor
    /// whose key cert-manager uses to renew the issuer automatically (`None`: the anchor key
    /// is off-line and the issuer is only replaced by [`Mesh::set_issuer`]). The identity
    /// controller starts with the bundle and the issuer.
    ///
    /// ```
    /// use certcycle::{Ca, PrivateKey, TrustBundle, mesh::Mesh, presets::linkerd};
    /// use time::{Duration, macros::datetime};
    /// let rng = &mut rand_core::OsRng;
    /// let t0 = datetime!(2026-01-01 0:00 UTC);
    /// let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), t0, rng)?;
    /// let issuer = anchor
    ///     .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(rng), t0, rng)?
    ///     .ca;
    /// let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    /// let mut mesh = Mesh::new(t0, bundle, issuer, Some(anchor), rand_core::OsRng);
    /// mesh.add_pod("identity", "linkerd", true)?;
    /// mesh.add_pod("web", "default", false)?;
    /// mesh.advance(Duration::days(3))?; // issuer renewals and leaf refreshes
    /// assert!(mesh.continuity().holds());
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    pub fn new(
        now: OffsetDateTime,
        bundle: TrustBundle,
        issuer: Ca,
        anchor: Option<Ca>,
        rng: R,
    ) -> Self {
        Self {
            engine: Engine::by_hand(now, bundle, issuer, anchor, rng),
            workloads: Vec::new(),
        }
    }

    /// Materializes the pods after a change.
    fn sync(&mut self) {
        self.workloads = self
            .engine
            .pods()
            .map(|p| Pod {
                name: p.name.to_owned(),
                identity: p.identity.to_owned(),
                control_plane: p.control_plane,
                bundle: p.bundle.clone(),
                key: p.key.clone_key(),
                leaf: p.leaf.clone(),
                chain: vec![p.issuer.clone()],
                refresh_at: p.refresh_at,
            })
            .collect();
    }

    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        self.engine.now()
    }

    /// The published bundle (the trust-roots ConfigMap).
    pub fn bundle_source(&self) -> &TrustBundle {
        self.engine.published_bundle()
    }

    /// The issuer Secret: the newest issuer cert-manager (or [`Mesh::set_issuer`]) wrote.
    pub fn issuer(&self) -> &Ca {
        self.engine.issuer_secret()
    }

    /// The issuer the identity controller signs with (the Secret's, unless it skipped it);
    /// `None` while the controller is down (it started with an issuer that does not verify).
    pub fn signing_issuer(&self) -> Option<&Ca> {
        self.engine.signing_issuer()
    }

    /// The anchors the identity controller loaded when it last started.
    pub fn controller_anchors(&self) -> &TrustBundle {
        self.engine
            .controller_anchors()
            .unwrap_or(self.engine.published_bundle())
    }

    /// The anchor cert-manager renews the issuer with, if its key is held.
    pub fn anchor(&self) -> Option<&Ca> {
        self.engine.anchor()
    }

    /// The pods, control plane and data plane, in the order they were added.
    pub fn pods(&self) -> &[Pod] {
        &self.workloads
    }

    /// Starts a pod with service account `name` in `namespace` (a control-plane pod when
    /// `control_plane`).
    ///
    /// # Errors
    /// [`Error::IssuerValidationFailed`] when the identity controller cannot answer its CSR
    /// (the workload is not added); [`SimError::TooManyPods`] past [`MAX_MESH_PODS`]; issuing
    /// errors.
    pub fn add_pod(
        &mut self,
        name: &str,
        namespace: &str,
        control_plane: bool,
    ) -> Result<(), Error> {
        let added = self
            .engine
            .add_pod(format!("{namespace}/{name}"), control_plane);
        self.sync();
        added
    }

    /// Names the control-plane workload (`namespace/name`) that is Linkerd's identity
    /// controller: restarting it restarts the controller, which reloads its anchors and the
    /// issuer Secret. Without this, [`is_identity_controller`] recognises Linkerd's names.
    pub fn set_identity_controller(&mut self, name: &str) {
        self.engine.set_controller(name.to_owned());
    }

    /// The control-plane workload that is the identity controller, if the mesh has one.
    pub fn identity_controller(&self) -> Option<&str> {
        self.workloads
            .iter()
            .find(|w| w.control_plane && self.engine.is_controller(&w.name))
            .map(|w| w.name.as_str())
    }

    /// Publishes a new bundle. Nobody loads it until restarted.
    pub fn set_bundle(&mut self, bundle: TrustBundle) {
        self.engine.set_bundle(bundle);
    }

    /// Writes a new issuer into the issuer Secret; the controller takes it if it verifies
    /// against the anchors it loaded (else the returned [`Event::IssuerUpdateSkipped`]).
    pub fn set_issuer(&mut self, issuer: Ca) -> Option<Event> {
        self.engine.set_issuer(issuer)
    }

    /// Replaces the anchor cert-manager renews the issuer with (`None`: no auto-renewal).
    pub fn set_anchor(&mut self, anchor: Option<Ca>) {
        self.engine.set_anchor(anchor);
    }

    /// Restarts one workload: it loads the published bundle and gets a new key and leaf.
    /// Restarting [`CONTROLLER`] restarts the identity controller first: it loads the
    /// published bundle and the issuer Secret.
    ///
    /// # Errors
    /// [`SimError::UnknownWorkload`]; [`Error::IssuerValidationFailed`]
    /// when its CSR fails (it loaded the bundle, and keeps its old leaf and key until a CSR is
    /// answered).
    pub fn restart(&mut self, name: &str) -> Result<Event, Error> {
        let Some(i) = self.engine.pod_index(name) else {
            return Err(Error::Sim(SimError::UnknownWorkload {
                name: name.to_owned(),
            }));
        };
        let restarted = self.engine.restart_pod(i);
        self.sync();
        restarted?;
        Ok(Event::Restarted {
            at: self.now(),
            workload: name.to_owned(),
        })
    }

    /// The names of the workloads in the control plane (`control_plane = true`) or the data
    /// plane.
    pub fn names(&self, control_plane: bool) -> Vec<String> {
        self.workloads
            .iter()
            .filter(|w| w.control_plane == control_plane)
            .map(|w| w.name.clone())
            .collect()
    }

    /// Moves the clock forward by `by`, processing issuer renewals and leaf refreshes in time
    /// order as they fall due (a renewal first, so a refresh due at the same moment gets the
    /// new issuer).
    ///
    /// A leaf refresh that fails ([`Event::LeafRefreshFailed`]) is retried when the identity
    /// controller's state changes (it restarts, or takes a new issuer), which is what decides
    /// the answer: linkerd-proxy retries every few seconds, and each retry would fail alike.
    /// So a long outage is one failure event per workload, not one per retry.
    ///
    /// # Errors
    /// Issuer renewal errors; [`Error::TimeOutOfRange`] when `now + by` is not a time;
    /// [`Error::Sim`] past the simulator's work budget
    /// ([`plan::MAX_WORK`](crate::plan::MAX_WORK) workload visits in one call) or
    /// [`plan::MAX_GENERATIONS`](crate::plan::MAX_GENERATIONS) issuers.
    pub fn advance(&mut self, by: Duration) -> Result<Vec<Event>, Error> {
        let target = Error::add_time(self.now(), by)?;
        let events = self.engine.advance_to(target);
        self.sync();
        events
    }

    /// Checks every ordered pair (A, B) of distinct workloads at the current time: A's leaf and
    /// chain must verify under the bundle B loaded, as a proxy verifies a peer
    /// ([`plan::proxy_verify_options`](crate::plan::proxy_verify_options), the plan's check
    /// too) with A's identity as the name. Each distinct
    /// (leaf, bundle) is verified once and signature checks are shared, so the cost is close
    /// to one verification per distinct leaf.
    pub fn continuity(&self) -> Continuity {
        let cache = SignatureCache::including_leaves(
            (self.workloads.len() * 4).max(SignatureCache::DEFAULT_CAPACITY),
        );
        let mut bundle_ids: HashMap<Vec<Fingerprint>, usize> = HashMap::new();
        let group: Vec<usize> = self
            .workloads
            .iter()
            .map(|w| {
                let id: Vec<Fingerprint> = w
                    .bundle
                    .certificates()
                    .map(Certificate::fingerprint)
                    .collect();
                let n = bundle_ids.len();
                *bundle_ids.entry(id).or_insert(n)
            })
            .collect();
        let mut results: HashMap<(usize, usize), Result<(), VerifyError>> = HashMap::new();
        let mut broken = Vec::new();
        let mut pairs = 0;
        for (a, wa) in self.workloads.iter().enumerate() {
            let options = proxy_verify_options().with_name(PeerName::Dns(wa.identity.clone()));
            for (b, wb) in self.workloads.iter().enumerate() {
                if a == b {
                    continue;
                }
                pairs += 1;
                let r = results.entry((a, group[b])).or_insert_with(|| {
                    verify_cached(
                        &wa.leaf,
                        &wa.chain,
                        &wb.bundle,
                        self.now(),
                        &options,
                        Some(&cache),
                    )
                    .map(|_| ())
                });
                if let Err(error) = r {
                    broken.push(BrokenPair {
                        client: wa.name.clone(),
                        server: wb.name.clone(),
                        error: error.clone(),
                    });
                }
            }
        }
        Continuity { pairs, broken }
    }

    /// The workloads whose loaded bundle still holds an anchor that the published bundle no
    /// longer has (they would still trust a dropped anchor).
    pub fn trusting_dropped_anchors(&self) -> Vec<String> {
        self.workloads
            .iter()
            .filter(|w| {
                w.bundle
                    .certificates()
                    .any(|c| !self.bundle_source().contains(c))
            })
            .map(|w| w.name.clone())
            .collect()
    }
}

/// A rotation's checkpoints and events, as it goes.
#[derive(Debug, Default)]
struct Log {
    checkpoints: Vec<Checkpoint>,
    events: Vec<Event>,
}

/// The result of [`Mesh::rotate_anchor`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RotationReport {
    /// Every checkpoint, in order: the failing pairs it names are all of them (a plan names
    /// the first [`Checkpoint::EXAMPLES`]); its `events` index
    /// [`RotationReport::events`].
    pub checkpoints: Vec<Checkpoint>,
    /// Every event of the rotation, in order (renewals, refreshes, restarts).
    pub events: Vec<Event>,
    /// The last step run.
    pub last_step: usize,
    /// The anchor that was replaced.
    pub previous_anchor: Certificate,
}

impl RotationReport {
    /// The first checkpoint where continuity failed, if any.
    pub fn first_break(&self) -> Option<&Checkpoint> {
        self.checkpoints.iter().find(|c| !c.holds())
    }
}

impl<R: CryptoRngCore> Mesh<R> {
    /// Checks continuity now and records it in `log` with the events since the last one.
    fn checkpoint(
        &mut self,
        log: &mut Log,
        step: usize,
        what: String,
        events: &mut Vec<Event>,
        observe: &mut impl FnMut(&Checkpoint, &[Event]),
    ) {
        let continuity = self.continuity();
        let from = log.events.len();
        let leaves_issued = events
            .iter()
            .filter(|e| matches!(e, Event::LeafRefreshed { .. }))
            .count();
        log.events.append(events);
        let cp = Checkpoint {
            at: self.now(),
            step: Some(step),
            what,
            pairs: continuity.pairs,
            broken: continuity.broken.len(),
            examples: continuity.broken,
            events: from..log.events.len(),
            leaves_issued,
        };
        observe(&cp, &log.events[from..]);
        log.checkpoints.push(cp);
    }

    fn rolling(
        &mut self,
        step: usize,
        control_plane: bool,
        out: &mut Log,
        observe: &mut impl FnMut(&Checkpoint, &[Event]),
    ) -> Result<(), Error> {
        for name in self.names(control_plane) {
            let mut events = self.advance(Duration::minutes(1))?;
            events.push(self.restart(&name)?);
            self.checkpoint(out, step, format!("restarted {name}"), &mut events, observe);
        }
        Ok(())
    }

    /// Rotates the trust anchor to `new_anchor` by `procedure`, advancing the clock by `gap`
    /// before each step and one minute before each restart, and checking continuity after
    /// each step and each single restart (`observe` sees every checkpoint, with its events, as it
    /// happens).
    /// Stops after step `stop_after` if given. cert-manager keeps renewing the issuer with
    /// the current anchor Secret, which holds the new anchor from step 1 on.
    ///
    /// # Errors
    /// [`RotationError`](crate::rotation::RotationError) if a typed step refuses (which, for
    /// the seven-step procedure on a mesh driven only by this function, does not happen) or
    /// issuing fails.
    pub fn rotate_anchor(
        &mut self,
        procedure: Procedure,
        new_anchor: &Ca,
        gap: Duration,
        stop_after: Option<usize>,
        mut observe: impl FnMut(&Checkpoint, &[Event]),
    ) -> Result<RotationReport, crate::rotation::RotationError> {
        use crate::rotation::AnchorRotation;
        let not_linkerds = || crate::rotation::RotationError::NotForMesh { procedure };
        if procedure.is_istio() {
            return Err(not_linkerds());
        }
        if self.identity_controller().is_none() {
            // Without a controller pod nobody reloads the anchors: the simulation would show a
            // rotation that never reaches the identity controller.
            return Err(crate::rotation::RotationError::NoIdentityController {
                control_plane: self.names(true),
            });
        }
        let previous_anchor = self
            .bundle_source()
            .certificates()
            .next()
            .cloned()
            .ok_or_else(|| {
                crate::rotation::RotationError::BadNewAnchor("the mesh has no anchor".into())
            })?;
        let mut cps = Log::default();
        let mut staged = None;
        let mut resigned = None;
        let mut last_step = 0;
        for (k, &kind) in procedure.steps().iter().enumerate() {
            let step = k + 1;
            let mut events = self.advance(gap)?;
            last_step = step;
            match kind {
                Step::StageAnchor => {
                    let s = AnchorRotation::stage(self.bundle_source(), new_anchor.trust_anchor())?;
                    self.set_bundle(s.bundle().clone());
                    self.set_anchor(Some(new_anchor.clone_ca()));
                    staged = Some(s);
                    self.checkpoint(
                        &mut cps,
                        step,
                        "bundle {new, old} published; nobody reloaded it".into(),
                        &mut events,
                        &mut observe,
                    );
                }
                Step::RestartControlPlane => {
                    self.checkpoint(
                        &mut cps,
                        step,
                        "before the restarts".into(),
                        &mut events,
                        &mut observe,
                    );
                    self.rolling(step, true, &mut cps, &mut observe)?;
                }
                Step::RestartDataPlane => {
                    self.checkpoint(
                        &mut cps,
                        step,
                        "before the restarts".into(),
                        &mut events,
                        &mut observe,
                    );
                    self.rolling(step, false, &mut cps, &mut observe)?;
                }
                Step::ResignIssuer => {
                    let s = staged.take().ok_or_else(|| {
                        crate::rotation::RotationError::BadNewAnchor("not staged".into())
                    })?;
                    let loaded: Vec<(String, TrustBundle)> = self
                        .workloads
                        .iter()
                        .map(|w| (w.name.clone(), w.bundle.clone()))
                        .collect();
                    let d =
                        s.confirm_bundle_rollout(loaded.iter().map(|(n, b)| (n.as_str(), b)))?;
                    let now = self.now();
                    let rng = self.engine.rng();
                    let key = PrivateKey::generate(rng);
                    let r =
                        d.resign_issuer(new_anchor, &linkerd::identity_issuer(), key, now, rng)?;
                    events.extend(self.set_issuer(r.issuer().clone_ca()));
                    resigned = Some(r);
                    self.checkpoint(
                        &mut cps,
                        step,
                        "the identity controller picked up the new issuer".into(),
                        &mut events,
                        &mut observe,
                    );
                }
                Step::RenewIssuerEarly => {
                    let now = self.now();
                    let rng = self.engine.rng();
                    let key = PrivateKey::generate(rng);
                    let issuer = new_anchor
                        .issue_ca(&linkerd::identity_issuer(), key, now, rng)?
                        .ca;
                    events.extend(self.set_issuer(issuer));
                    self.checkpoint(
                        &mut cps,
                        step,
                        "the new issuer is in the issuer Secret".into(),
                        &mut events,
                        &mut observe,
                    );
                }
                Step::DropOldAnchorAndRestart => {
                    let r = resigned.take().ok_or_else(|| {
                        crate::rotation::RotationError::BadNewAnchor("issuer not re-signed".into())
                    })?;
                    let live: Vec<(String, Certificate, Vec<Certificate>)> = self
                        .workloads
                        .iter()
                        .map(|w| (w.name.clone(), w.leaf.clone(), w.chain.clone()))
                        .collect();
                    let rolled = r.confirm_leaf_rollout(
                        live.iter().map(|(n, l, c)| (n.as_str(), l, c.as_slice())),
                        self.now(),
                    )?;
                    let rotated = rolled.drop_old_anchor();
                    self.set_bundle(rotated.bundle);
                    self.checkpoint(
                        &mut cps,
                        step,
                        "bundle {new} published".into(),
                        &mut events,
                        &mut observe,
                    );
                    self.rolling(step, true, &mut cps, &mut observe)?;
                    self.rolling(step, false, &mut cps, &mut observe)?;
                }
                Step::StageRoot | Step::SignWithNewRoot | Step::DropOldRoot => {
                    return Err(not_linkerds());
                }
                Step::DropOldAnchor => {
                    let b = self.bundle_source().without(&previous_anchor);
                    self.set_bundle(b);
                    self.checkpoint(
                        &mut cps,
                        step,
                        "bundle {new} published".into(),
                        &mut events,
                        &mut observe,
                    );
                }
            }
            if stop_after == Some(step) {
                break;
            }
        }
        Ok(RotationReport {
            checkpoints: cps.checkpoints,
            events: cps.events,
            last_step,
            previous_anchor,
        })
    }
}
