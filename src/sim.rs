//! The simulator behind [`plan`](crate::plan), [`mesh`](crate::mesh) and the `rotate` example:
//! one clock, a timeline with causes, and dispatch over one model per component (DESIGN §9):
//!
//! | component | file | what it does |
//! |---|---|---|
//! | cert-manager | `sim/cert_manager.rs` | renews the anchor and the identity issuer by their rules |
//! | trust-manager | `sim/trust_manager.rs` | builds and publishes the bundle from its sources |
//! | identity controller | `sim/identity.rs` | loads anchors at start, takes or skips issuers, signs |
//! | proxies | `sim/proxies.rs` | load the bundle at pod start, refresh their leaves |
//! | operator | `sim/operator.rs` | a planned procedure's steps and rolling restarts |
//! | istio-csr, istiod, agents | `sim/istio/` | Istio's components, in place of the identity controller's and proxies' (DESIGN §19) |
//!
//! What a run observes is an observer, not a mode of the components: a plan counts continuity
//! over equivalence classes (`sim/continuity.rs`); a mesh driven by hand gives each pod a real
//! key and leaf and reports typed events (`sim/by_hand.rs`), and its caller checks continuity
//! over the real leaves. The vocabulary (`sim/config.rs`, `sim/event.rs`, `sim/error.rs`) is
//! re-exported by `plan` and `mesh`; nothing in `sim` imports them.

mod auto;
mod by_hand;
mod cert_manager;
mod config;
mod continuity;
mod csr;
pub(crate) mod error;
mod event;
mod faults;
mod identity;
mod istio;
mod lifecycle;
mod operator;
mod proxies;
mod signer;
mod topology;
mod trust_manager;
mod verdicts;

pub use config::{
    Config, IstioCsr, MAX_CHECKPOINTS, MAX_CSRS, MAX_GENERATIONS, MAX_HORIZON, MAX_MESH_PODS,
    MAX_PODS, MAX_WORK, Mesh, Names, Secrets, ValuesHome,
};
pub use error::SimError;
pub use event::{
    Break, BrokenPair, Checkpoint, Event, Evidence, Lane, PlanEvent, RootsSpan, Routine, Run,
    Snapshot, Span, Who,
};
pub use faults::{Faults, Outage};
pub use topology::{
    BundleFilter, CaKind, CaNode, Held, NotRotatable, RootsKind, Topology, TrustRoots,
};

use by_hand::RealLeaves;
use cert_manager::CertManager;
use continuity::ClassCheck;
use event::{EventId, PodId, Timeline};
use identity::IdentityController;
use operator::Operator;
use proxies::{Proxies, Proxy};
use trust_manager::{PreviousAnchor, TrustManager};

use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::error::Error;
use crate::issue::Ca;
use crate::rotation::Step;
use crate::verify::{SignatureCache, Usage, VerifyError, VerifyOptions};
use rand_core::CryptoRngCore;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// How a proxy verifies a peer's leaf: a client certificate (Linkerd's leaves are both), as
/// rustls-webpki does, whose trust anchors' own dates are not checked. One definition for the
/// plan's class check and the mesh's pair check.
pub fn proxy_verify_options() -> VerifyOptions {
    VerifyOptions::for_usage(Usage::ClientAuth).with_anchor_validity(false)
}

/// The real verifier's cache and how many real verifications a run made.
#[derive(Debug)]
pub(crate) struct Verifier {
    cache: SignatureCache,
    verifications: usize,
}

/// What a run observes.
#[derive(Debug)]
enum Observer {
    /// A plan: continuity over equivalence classes, checkpoints, the first break.
    Classes(Box<ClassCheck>),
    /// A mesh driven by hand: a real key and leaf per pod, typed events.
    RealLeaves(RealLeaves),
}

/// The simulator: the clock, the timeline, the components, and what the run observes.
pub(crate) struct Engine<R> {
    cfg: Arc<Config>,
    rng: R,
    now: OffsetDateTime,
    end: OffsetDateTime,
    timeline: Timeline,
    /// Work done (proxies visited), against [`MAX_WORK`].
    work: usize,
    cm: CertManager,
    tm: TrustManager,
    identity: IdentityController,
    /// Istio's components, when the mesh is Istio.
    istio: istio::State,
    proxies: Proxies,
    operator: Operator,
    verifier: Verifier,
    observer: Observer,
    /// The CAs above the anchor, until install adopts them.
    pending_above: Vec<Ca>,
    /// Static trust roots: the anchor certificate they hold (the anchor at install, or as an
    /// operation last wrote it); `None` for a trust-manager Bundle.
    static_roots: Option<crate::cert::Certificate>,
    /// [`Config::snapshots`] recorded so far, and how many of its times were handled.
    snapshots: Vec<event::Snapshot>,
    snapshots_done: usize,
}

impl<R: CryptoRngCore> Engine<R> {
    /// A plan's engine at `cfg.start` with the anchor Secret's content, before anything runs:
    /// cert-manager renews the anchor too, and trust-manager builds the bundle.
    /// `above` are the CAs above the anchor (top down), as the topology has them.
    pub(crate) fn planned(
        cfg: Arc<Config>,
        end: OffsetDateTime,
        (above, anchor): (Vec<Ca>, Ca),
        rng: R,
    ) -> Self {
        let observer = Observer::Classes(Box::default());
        let mut engine = Self::new(
            cfg,
            end,
            CertManager::new(Some(anchor), true),
            observer,
            rng,
        );
        engine.pending_above = above;
        engine
    }

    fn new(
        cfg: Arc<Config>,
        end: OffsetDateTime,
        cm: CertManager,
        observer: Observer,
        rng: R,
    ) -> Self {
        let mut cm = cm;
        cm.signer_is_anchor = cfg.topology.signer_is_anchor;
        Self {
            now: cfg.start,
            cfg,
            rng,
            end,
            timeline: Timeline::default(),
            work: 0,
            cm,
            tm: TrustManager::default(),
            identity: IdentityController::default(),
            istio: istio::State::default(),
            proxies: Proxies::default(),
            operator: Operator::default(),
            verifier: Verifier {
                cache: SignatureCache::with_limits(4096, SignatureCache::DEFAULT_PREPARED_KEYS),
                verifications: 0,
            },
            observer,
            pending_above: Vec::new(),
            static_roots: None,
            snapshots: Vec::new(),
            snapshots_done: 0,
        }
    }

    fn log(&mut self, who: Who, what: String, causes: Vec<EventId>) -> EventId {
        self.timeline.log(self.now, who, what, causes)
    }

    /// The certificate of the CA the trust roots hold, as its Secret holds it now.
    fn held(&self) -> Option<crate::cert::Certificate> {
        match self.cfg.topology.roots.holds {
            Held::Signer => self.cm.anchor.as_ref().map(|a| a.certificate().clone()),
            Held::Above(i) => self.cm.above.get(i).map(|u| u.ca.certificate().clone()),
            _ => None,
        }
    }

    /// An operation writes the trust roots: a static set now holds the anchor as it is (as
    /// trust-manager would build it), then [`publish`](Self::publish).
    fn publish_by_operator(&mut self, causes: Vec<EventId>) -> Result<(), Error> {
        if self.cfg.topology.roots.kind == RootsKind::Static {
            self.static_roots = self.held();
        }
        self.publish(causes)
    }

    /// trust-manager: the bundle from the sources, published if it changed; a crash-looping
    /// controller retries with it. Static roots change only by an operation.
    fn publish(&mut self, causes: Vec<EventId>) -> Result<(), Error> {
        let anchor = match self.cfg.topology.roots.kind {
            RootsKind::Static => self.static_roots.clone(),
            _ => self.held(),
        };
        let synced = self.tm.sync(
            anchor.as_ref(),
            (&self.cfg.names.bundle, &self.cfg.names.anchor_noun),
            self.now,
            &mut self.timeline,
            causes,
        )?;
        if synced.is_some() && self.is_istio() {
            if self.istio.started() {
                self.istio_root_file_changed();
            }
        } else if synced.is_some() && self.identity.crash_looping() {
            self.start_identity(vec![self.tm.published_event()], false);
        }
        Ok(())
    }

    /// cert-manager issues the identity issuer with the anchor Secret as it is now.
    fn issue_issuer(&mut self, causes: Vec<EventId>, verb: &str) -> Result<(), Error> {
        let issued = self.cm.issue_issuer(
            &self.cfg,
            self.now,
            &mut self.rng,
            &mut self.timeline,
            causes,
            verb,
        )?;
        if let (Some(g), Observer::RealLeaves(real)) = (issued, &mut self.observer) {
            real.events.push(Event::IssuerRenewed {
                at: self.now,
                issuer: self.cm.generation(g).ca.certificate().inspect(),
            });
        }
        Ok(())
    }

    /// Go crypto/x509's verdict on the issuer Secret's generation `generation` under the
    /// loaded bundle `anchors`, now.
    fn controller_verifies(
        &mut self,
        generation: event::GenerationId,
        anchors: event::BundleId,
    ) -> Result<(), VerifyError> {
        let g = self.cm.generation(generation);
        self.identity.verdicts.verify(
            (
                generation,
                g.ca.certificate(),
                g.presented.get(1..).unwrap_or_default(),
            ),
            (anchors, self.tm.bundle(anchors)),
            self.now,
            &mut self.verifier,
        )
    }

    /// (Re)starts the identity controller; a routine restart that changes nothing is not
    /// logged.
    fn start_identity(&mut self, causes: Vec<EventId>, routine: bool) {
        if self.is_istio() {
            return self.istio_start(causes, routine);
        }
        let anchors = self.tm.published();
        let generation = self.cm.issuer_secret;
        if routine
            && self.identity.anchors == Some(anchors)
            && self.identity.generation == Some(generation)
        {
            return;
        }
        let mut causes = causes;
        causes.extend([
            self.tm.published_event(),
            self.cm.generation(generation).event,
        ]);
        match self.controller_verifies(generation, anchors) {
            Ok(()) => {
                let e = self.log(
                    Who::Identity,
                    format!(
                        "started: loaded {} anchor(s) and identity issuer #{}",
                        self.tm.bundle(anchors).len(),
                        generation.number()
                    ),
                    causes,
                );
                self.identity.started(anchors, generation, e);
            }
            Err(err) => {
                let e = self.log(
                    Who::Identity,
                    format!(
                        "CrashLoopBackOff: identity issuer #{} does not verify against the loaded anchors: {err}",
                        generation.number()
                    ),
                    causes,
                );
                self.identity.crashed(anchors, e, err);
            }
        }
        self.wake_proxies();
    }

    fn wake_proxies(&mut self) {
        let visited = self.proxies.wake(self.now);
        self.work = self.work.saturating_add(visited);
    }

    /// The proxies with something due by `now`, appended to `into`.
    fn pop_due(&mut self, into: &mut Vec<PodId>) {
        let n = self.proxies.pop_due(self.now, into);
        self.work = self.work.saturating_add(n);
    }

    /// The identity controller sees the issuer Secret change.
    fn identity_sees_issuer(&mut self) {
        if self.is_istio() {
            // istio-csr signs through cert-manager with whatever the CA holds: agents waiting
            // on a refusal retry.
            return self.wake_proxies();
        }
        let generation = self.cm.issuer_secret;
        let cause = self.cm.generation(generation).event;
        let Some((anchors, _)) = self.identity.signing() else {
            // Crash-looping: each retry reads its inputs again.
            self.start_identity(vec![cause], false);
            return;
        };
        match self.controller_verifies(generation, anchors) {
            Ok(()) => {
                let e = self.log(
                    Who::Identity,
                    format!(
                        "IssuerUpdated: identity issuer #{} loaded",
                        generation.number()
                    ),
                    vec![cause],
                );
                self.identity.generation = Some(generation);
                self.identity.why = Some(e);
                self.wake_proxies();
            }
            Err(err) => {
                let mut causes = vec![cause];
                causes.extend(self.identity.why);
                let e = self.log(
                    Who::Identity,
                    format!(
                        "IssuerUpdateSkipped: identity issuer #{} does not verify against the anchors loaded at start ({err}); keeping #{}",
                        generation.number(),
                        self.identity.generation.map_or(0, |g| g.number())
                    ),
                    causes,
                );
                self.identity.why = Some(e);
                if let Observer::RealLeaves(real) = &mut self.observer {
                    real.events.push(Event::IssuerUpdateSkipped {
                        at: self.now,
                        issuer: self.cm.generation(generation).ca.certificate().inspect(),
                        error: Box::new(err),
                    });
                }
            }
        }
    }

    /// Tells the observer where proxy `i` stands now.
    fn reclass(&mut self, i: PodId) {
        if let Observer::Classes(c) = &mut self.observer {
            c.reclass(i, self.proxies.get(i), self.now);
        }
    }

    /// Restarts proxy `i`'s pod: it loads the published bundle and asks for a leaf; the
    /// identity controller's own pod restarts the controller first.
    fn restart_proxy(
        &mut self,
        i: PodId,
        cause: Option<EventId>,
        routine: bool,
    ) -> Result<(), Error> {
        let p = self.proxies.get(i);
        if p.control_plane && self.identity.is_controller(&p.name) {
            self.start_identity(cause.into_iter().collect(), routine);
        }
        self.proxies.get_mut(i).bundle = self.tm.published();
        self.csr(i)
    }

    /// The next time anything is due.
    fn next_time(&mut self) -> OffsetDateTime {
        let due = self.proxies.next_due(self.now);
        let (anchor_renewal, issuer_renewal) = self.cm.renewals(&self.cfg);
        let above = self.cm.above_renewal(&self.cfg).map(|(_, t)| t);
        let faults = self.cfg.faults;
        let back = faults
            .cert_manager_back(self.now)
            .filter(|_| self.cm.pending_reissue);
        [above, anchor_renewal, issuer_renewal, back]
            .map(|t| t.map(|t| faults.cert_manager_at(t)))
            .into_iter()
            .chain([self.identity.next_restart])
            .flatten()
            .chain(due)
            .chain(self.operator.next_due())
            .chain(self.next_checkpoint())
            .chain(std::iter::once(self.end))
            .filter(|t| *t >= self.now)
            .min()
            .unwrap_or(self.end)
            .max(self.now)
    }

    /// Whether the run stopped (at a break, unless it goes on through breaks).
    fn stopped(&self) -> bool {
        matches!(&self.observer, Observer::Classes(c) if c.stopped)
    }

    /// Runs to the end (or the first break).
    ///
    /// # Errors
    /// [`SimError::WorkBudget`], [`SimError::NoProgress`], and issuing errors.
    pub(crate) fn run(&mut self) -> Result<(), Error> {
        let mut same_time = 0u32;
        loop {
            self.work = self.work.saturating_add(1);
            if self.work > MAX_WORK {
                return Err(Error::Sim(SimError::WorkBudget {
                    max: MAX_WORK,
                    at: self.now,
                }));
            }
            if self.stopped() {
                return Ok(());
            }
            self.check_if_dirty()?;
            if self.stopped() {
                return Ok(());
            }
            let t = self.next_time();
            // Everything due up to now is done: the state of every snapshot time before t.
            self.snapshot_before(Some(t))?;
            same_time = if t == self.now { same_time + 1 } else { 0 };
            if same_time > 1_000 {
                return Err(Error::Sim(SimError::NoProgress { at: t }));
            }
            self.now = t;
            self.step()?;
            if self.stopped() {
                return Ok(());
            }
            if self.now >= self.end {
                self.check_if_dirty()?;
                return self.snapshot_before(None);
            }
        }
    }

    /// Records the [`Config::snapshots`] before `t` (all up to the end for `None`); a time
    /// before the start is skipped.
    fn snapshot_before(&mut self, t: Option<OffsetDateTime>) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        while let Some(&at) = cfg
            .snapshots
            .get(self.snapshots_done)
            .filter(|s| t.is_none_or(|t| **s < t) && **s <= self.end)
        {
            self.snapshots_done += 1;
            if at < cfg.start {
                continue;
            }
            let secrets = Secrets::new(
                self.cm.anchor_ca()?.clone_ca(),
                self.cm.issuer().ca.clone_ca(),
                self.tm.previous.as_ref().map(|p| p.certificate.clone()),
            )
            .with_above(self.cm.above.iter().map(|u| u.ca.clone_ca()).collect());
            self.snapshots.push(event::Snapshot {
                at,
                secrets,
                published: self.tm.published_bundle().clone(),
            });
        }
        Ok(())
    }

    /// Everything due now, in the components' order.
    fn step(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        let now = self.now;
        // The operator's planned steps.
        while let Some(s) = self.operator.pop_step(now) {
            self.operator_step(s.number, s.step)?;
        }
        while self.operator.pop_replacement(now).is_some() {
            let e = self.log(
                Who::Operator,
                format!(
                    "replaced the identity issuer Secret {} by hand (step certificate create, signed by the anchor; linkerd upgrade)",
                    cfg.names.issuer_key()
                ),
                vec![],
            );
            self.issue_issuer(vec![e, self.cm.anchor_event], "Replaced by hand")?;
            self.identity_sees_issuer();
        }
        // cert-manager: the CAs above the anchor top down, the anchor, then the issuer (each
        // signed with what the Secret above it holds now).
        let cm_at = |t: OffsetDateTime| cfg.faults.cert_manager_at(t);
        if self.cm.pending_reissue && cm_at(now) <= now {
            // cert-manager is back: it acts on the issuerRef the loop changed meanwhile.
            self.cm.pending_reissue = false;
            self.issue_issuer(vec![], "Re-issued (issuerRef changed; cert-manager back)")?;
            self.identity_sees_issuer();
        }
        while let Some((i, _)) = self
            .cm
            .above_renewal(&cfg)
            .filter(|(_, t)| cm_at(*t) <= now)
        {
            let event = self
                .cm
                .renew_above(&cfg, i, now, &mut self.rng, &mut self.timeline)?;
            // trust-manager follows a CA above the signer when the roots hold it.
            self.publish(vec![event])?;
        }
        if self.cm.renewals(&cfg).0.is_some_and(|t| cm_at(t) <= now) {
            self.renew_anchor("Renewed (renewal time reached)")?;
            // The rotation loop sees the anchor Secret change.
            if cfg.auto.is_some() {
                self.operator.auto_due = Some(now);
                self.operator.actions.push(crate::rotation::Due {
                    at: now,
                    action: crate::rotation::Action::Prepare,
                });
            }
        }
        if self.cm.renewals(&cfg).1.is_some_and(|t| cm_at(t) <= now) {
            let causes = vec![self.cm.anchor_event];
            let before = self.timeline.len();
            self.issue_issuer(causes, "Renewed")?;
            self.identity_sees_issuer();
            self.mark_routine(before);
        }
        self.auto_reconcile()?;
        while let Some(r) = self.operator.pop_restart(now) {
            self.restart_proxy(r.pod, Some(r.cause), false)?;
            let what = format!("restarted {}", self.proxies.get(r.pod).name);
            self.checkpoint(Some(r.step), what)?;
            // Each replaced pod is a moment to check: the mix of old and new is the risk.
            if let Observer::Classes(c) = &mut self.observer {
                c.dirty = true;
            }
            self.check_if_dirty()?;
            if self.stopped() {
                return Ok(());
            }
        }
        // Routine restarts: the control plane, then the proxies.
        if self.identity.next_restart.is_some_and(|t| t <= now) {
            let every = cfg.restart_every.unwrap_or(Duration::DAY);
            self.identity.next_restart = Some(Error::add_time(now, every)?);
            self.start_identity(vec![], true);
        }
        let mut due = Vec::new();
        self.pop_due(&mut due);
        for &i in &due {
            if self.proxies.get(i).next_restart.is_some_and(|t| t <= now) {
                let every = cfg.restart_every.unwrap_or(Duration::DAY);
                self.proxies.get_mut(i).next_restart = Some(Error::add_time(now, every)?);
                self.restart_proxy(i, None, true)?;
                self.proxies.schedule_restart(i, now);
            }
        }
        // Proxies woken on the way (the controller restarted, or took an issuer).
        self.pop_due(&mut due);
        for i in due {
            let p = self.proxies.get(i);
            if p.refresh_at <= now && !p.waiting {
                self.csr(i)?;
                if let Observer::RealLeaves(real) = &mut self.observer {
                    real.refreshed(i, now, &mut self.proxies);
                }
            }
            if self.proxies.get(i).not_after + Duration::SECOND == now {
                self.reclass(i);
            }
        }
        self.periodic_checkpoint()
    }

    /// Marks the events since `from` as a routine renewal when they are exactly that:
    /// cert-manager renewed the identity issuer, and the identity controller loaded it.
    fn mark_routine(&mut self, from: usize) {
        let events = &self.timeline.events[from.min(self.timeline.events.len())..];
        let [renewed, loaded] = events else {
            return;
        };
        if renewed.who != Who::CertManager
            || !renewed.what.starts_with("Renewed Certificate")
            || !loaded.what.starts_with("IssuerUpdated:")
        {
            return;
        }
        let generation = self.cm.issuer_secret.number();
        for (i, renewal) in [(from, true), (from + 1, false)] {
            self.timeline.mark_routine(
                EventId(i),
                Routine {
                    object: self.cfg.names.issuer.clone(),
                    generation,
                    renewal,
                },
            );
        }
    }

    fn renew_anchor(&mut self, verb: &str) -> Result<(), Error> {
        let event =
            self.cm
                .renew_anchor(&self.cfg, self.now, &mut self.rng, &mut self.timeline, verb)?;
        self.publish(vec![event])?;
        if self.cfg.topology.signer_is_anchor && !self.cm.signs_with_previous {
            // The CA issuer over the anchor Secret signs with the new anchor from now on.
            self.issue_issuer(vec![event], "")?;
            self.identity_sees_issuer();
        }
        Ok(())
    }

    /// A step of the planned procedure.
    fn operator_step(&mut self, n: usize, step: Step) -> Result<(), Error> {
        let e = self.log(Who::Operator, format!("step {n}: {step}"), vec![]);
        self.operator.last_step = n;
        let control = self.proxies.plane(true);
        let data = self.proxies.plane(false);
        let what = match step {
            Step::StageAnchor => {
                let before = self.tm.published();
                // Static roots: the operator writes {new, old}, as trust-manager would.
                self.tm.staged_old = self.static_roots.clone();
                self.renew_anchor("Renewed (kubectl cert-manager renew)")?;
                self.publish_by_operator(vec![self.cm.anchor_event])?;
                if self.helm_rollout(e, n, &control, before)? {
                    "the bundle {new, old} is published by helm upgrade; the control plane rolls"
                } else {
                    "the bundle {new, old} is published; nobody reloaded it"
                }
            }
            Step::ResignIssuer | Step::RenewIssuerEarly => {
                self.issue_issuer(
                    vec![e, self.cm.anchor_event],
                    "Renewed (kubectl cert-manager renew)",
                )?;
                self.identity_sees_issuer();
                "the identity issuer Secret holds the new issuer"
            }
            Step::RestartControlPlane if control.is_empty() => {
                self.start_identity(vec![e], false);
                "the identity controller restarted"
            }
            Step::RestartControlPlane => {
                self.operator.rolling_restart(&control, e, n, self.now)?;
                "before the restarts"
            }
            Step::RestartDataPlane => {
                self.operator.rolling_restart(&data, e, n, self.now)?;
                "before the restarts"
            }
            Step::StageRoot | Step::SignWithNewRoot | Step::DropOldRoot => {
                self.istio_step(step, e)?
            }
            Step::DropOldAnchorAndRestart | Step::DropOldAnchor => {
                self.tm.staged_old = None;
                if let Some(prev) = &mut self.tm.previous {
                    prev.event = e;
                    if let Some(a) = &self.cm.anchor {
                        prev.certificate = a.certificate().clone();
                    }
                }
                let before = self.tm.published();
                self.publish_by_operator(vec![e])?;
                // The corrected procedure restarts everything once more, so nobody trusts the
                // old anchor; the seed's original fifth step stops at the bundle (with Helm's
                // anchors, the helm upgrade rolls the control plane all the same).
                if step == Step::DropOldAnchor {
                    self.helm_rollout(e, n, &control, before)?;
                }
                if step == Step::DropOldAnchorAndRestart {
                    if control.is_empty() {
                        self.start_identity(vec![e], false);
                    }
                    let all: Vec<PodId> = control.iter().chain(&data).copied().collect();
                    self.operator.rolling_restart(&all, e, n, self.now)?;
                }
                "the bundle {new} is published"
            }
        };
        self.checkpoint(Some(n), what.to_owned())
    }

    /// With Helm's `identityTrustAnchorsPEM` as the trust roots, the `helm upgrade` that
    /// changed them rolls the control plane (the chart's `linkerd.io/trust-root-sha256`
    /// annotation changed) when the published bundle is no longer `before`; whether it did.
    fn helm_rollout(
        &mut self,
        e: EventId,
        n: usize,
        control: &[PodId],
        before: event::BundleId,
    ) -> Result<bool, Error> {
        let roots = &self.cfg.topology.roots;
        if !(roots.helm && roots.helm_rollout) || self.tm.published() == before {
            return Ok(false);
        }
        let roll = self.log(
            Who::Operator,
            "helm upgrade changed identityTrustAnchorsPEM: the chart's linkerd.io/trust-root-sha256 annotation changed, so the control plane rolls out".to_owned(),
            vec![e, self.tm.published_event()],
        );
        if control.is_empty() {
            self.start_identity(vec![roll], false);
        } else {
            self.operator.rolling_restart(control, roll, n, self.now)?;
        }
        Ok(true)
    }

    /// A periodic checkpoint, if one is due.
    fn periodic_checkpoint(&mut self) -> Result<(), Error> {
        let Observer::Classes(c) = &mut self.observer else {
            return Ok(());
        };
        if let (Some(at), Some(every)) = (c.next_checkpoint, self.cfg.checkpoints)
            && at <= self.now
        {
            c.next_checkpoint = Some(Error::add_time(self.now, every)?);
            self.checkpoint(None, format!("{} later", GoDuration(every)))?;
        }
        Ok(())
    }

    /// The first checkpoint, when the configuration asks for them.
    fn first_checkpoint(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        let (Some(every), Observer::Classes(c)) = (cfg.checkpoints, &mut self.observer) else {
            return Ok(());
        };
        c.next_checkpoint = Some(Error::add_time(self.now, every)?);
        self.checkpoint(
            None,
            format!(
                "{} control-plane and {} data-plane workloads started",
                cfg.control_plane.len(),
                cfg.workloads
            ),
        )
    }

    fn next_checkpoint(&self) -> Option<OffsetDateTime> {
        match &self.observer {
            Observer::Classes(c) => c.next_checkpoint,
            Observer::RealLeaves(_) => None,
        }
    }
}
