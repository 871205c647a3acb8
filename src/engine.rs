//! The one simulation engine behind [`plan`](crate::plan), [`mesh`](crate::mesh) and the
//! `rotate` example: cert-manager, trust-manager, Linkerd's identity controller and the
//! proxies as their sources behave (DESIGN §6). `plan` runs it over a configuration to a
//! horizon, checking continuity over equivalence classes; `mesh` drives it by hand, with a
//! real leaf and key per pod.

use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::mesh::{BrokenPair, Procedure};
use crate::plan::{
    Break, Checkpoint, Config, Evidence, MAX_GENERATIONS, MAX_WORK, PlanEvent, Run, State, Who,
};
use crate::presets::linkerd;
use crate::renewal::{RenewalPolicy, linkerd_proxy_refresh_in};
use crate::rotation::renewal_key;
use crate::spec::RotationPolicy;
use crate::verify::{SignatureCache, Usage, VerifyError, VerifyOptions, verify_cached};
use rand_core::CryptoRngCore;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Who drives the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// [`plan`](crate::plan): a configuration to its horizon. cert-manager also renews the
    /// anchor and trust-manager builds the bundle from its sources; leaves are numbers, one
    /// real representative leaf per issuer generation; continuity is checked over classes
    /// after every change.
    Plan,
    /// [`Mesh`](crate::mesh::Mesh): driven by hand (bundles and issuers written, pods added
    /// and restarted). Every pod holds a real key and leaf; the engine reports typed
    /// [`mesh::Event`](crate::mesh::Event)s and checks nothing by itself.
    Mesh,
}

/// One pod's proxy: its leaf as numbers (and, in [`Mode::Mesh`], the real leaf and key).
#[derive(Debug)]
struct Proxy {
    name: String,
    /// The DNS SAN of its leaf.
    identity: String,
    /// Its real key and leaf ([`Mode::Mesh`]).
    key: Option<PrivateKey>,
    leaf: Option<Certificate>,
    /// The key of a restarted pod, taken at its first answered CSR ([`Mode::Mesh`]).
    fresh_key: Option<PrivateKey>,
    bundle: usize,
    generation: Option<usize>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    refresh_at: OffsetDateTime,
    /// A failed CSR waits for the identity controller's state to change.
    waiting: bool,
    next_restart: Option<OffsetDateTime>,
    control_plane: bool,
    /// The classes it is counted in: as a presenter (issuer generation, leaf valid) and as a
    /// verifier (the bundle it loaded).
    class: Option<(usize, bool)>,
    held: Option<usize>,
}

/// An issuer generation: the Secret's content at one time, and a representative leaf (made
/// when a check first needs it).
#[derive(Debug)]
struct Generation {
    ca: Ca,
    rep: Option<Certificate>,
    event: usize,
}

#[derive(Debug)]
struct Identity {
    anchors: Option<usize>,
    generation: Option<usize>,
    /// The event that explains the controller's state (start, update, skip, failure).
    why: Option<usize>,
    next_restart: Option<OffsetDateTime>,
    /// Why it is down (crash-looping), if it is.
    down: Option<VerifyError>,
}

type Memo = Option<((OffsetDateTime, OffsetDateTime), OffsetDateTime)>;

/// The engine: every component's state, the clock and the timeline.
pub(crate) struct Engine<R> {
    mode: Mode,
    cfg: Arc<Config>,
    rng: R,
    now: OffsetDateTime,
    end: OffsetDateTime,
    timeline: Vec<PlanEvent>,
    /// The anchor Secret cert-manager's CA issuer signs with (`None` in [`Mode::Mesh`]: the
    /// anchor key is off-line and nothing renews the identity issuer).
    anchor: Option<Ca>,
    anchor_event: usize,
    previous: Option<(Certificate, usize)>,
    bundles: Vec<TrustBundle>,
    published: usize,
    published_event: usize,
    gens: Vec<Generation>,
    issuer_secret: usize,
    identity: Identity,
    proxies: Vec<Proxy>,
    steps: Vec<(OffsetDateTime, usize, &'static str)>,
    /// Pending restarts of a rolling restart, latest first: when, which proxy, the step's
    /// event and number.
    rollout: Vec<(OffsetDateTime, usize, usize, usize)>,
    cache: SignatureCache,
    results: HashMap<(usize, usize, bool), Result<(), VerifyError>>,
    controller_results: HashMap<(usize, usize, Vec<bool>), Result<(), VerifyError>>,
    verifications: usize,
    checks: usize,
    dirty: bool,
    /// The issuer could not be signed; retried when the anchor changes.
    issuer_blocked: bool,
    /// Events that changed what proxies hold since the last check.
    last_change: Vec<usize>,
    proxy_failure_logged: Option<usize>,
    /// The first break found.
    first_break: Option<Break>,
    /// A break was found and the run stops there.
    stopped: bool,
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: Option<OffsetDateTime>,
    /// The first timeline entry after the last checkpoint.
    checkpoint_from: usize,
    leaves_issued: usize,
    last_step: usize,
    /// The typed events of [`Mode::Mesh`] since they were last taken.
    events: Vec<crate::mesh::Event>,
    /// When each proxy is next due (a refresh, a routine restart, its leaf's expiry): an
    /// entry per change, stale ones skipped, so a moment costs what is due then, not a visit
    /// of every proxy.
    /// The anchor's and the issuer's renewal times, by the validity they were computed for.
    renewal_memo: (Memo, Memo),
    /// Keyed by Unix nanoseconds (cheap to compare).
    due: BinaryHeap<Reverse<(i128, usize)>>,
    /// Work done (proxies visited), against [`MAX_WORK`].
    work: usize,
    /// The identity controller's pod, when named (else Linkerd's names are recognised).
    controller: Option<String>,
    /// Anchors cert-manager renewed, counted with the issuer generations against
    /// [`MAX_GENERATIONS`].
    anchor_renewals: usize,
    /// The equivalence classes ([`Mode::Plan`]), kept as proxies change: presenters by
    /// (issuer generation, leaf valid), verifiers by loaded bundle; so a check costs the
    /// number of classes, not of proxies.
    presenters: BTreeMap<(usize, bool), BTreeSet<usize>>,
    holders: BTreeMap<usize, BTreeSet<usize>>,
    /// Why the last CSR failed.
    last_csr_error: Option<Error>,
}

impl<R: CryptoRngCore> Engine<R> {
    /// An engine at `cfg.start` with the anchor Secret's content, before anything runs.
    pub(crate) fn new(cfg: Arc<Config>, end: OffsetDateTime, anchor: Ca, rng: R) -> Self {
        Self::with_mode(Mode::Plan, cfg, end, Some(anchor), rng)
    }

    fn with_mode(
        mode: Mode,
        cfg: Arc<Config>,
        end: OffsetDateTime,
        anchor: Option<Ca>,
        rng: R,
    ) -> Self {
        Self {
            mode,
            events: Vec::new(),
            due: BinaryHeap::new(),
            renewal_memo: (None, None),
            work: 0,
            controller: None,
            anchor_renewals: 0,
            presenters: BTreeMap::new(),
            holders: BTreeMap::new(),
            last_csr_error: None,
            now: cfg.start,
            cfg,
            end,
            timeline: Vec::new(),
            anchor_event: 0,
            previous: None,
            bundles: Vec::new(),
            published: 0,
            published_event: 0,
            gens: Vec::new(),
            issuer_secret: 0,
            identity: Identity {
                anchors: None,
                generation: None,
                why: None,
                next_restart: None,
                down: None,
            },
            proxies: Vec::new(),
            steps: Vec::new(),
            rollout: Vec::new(),
            cache: SignatureCache::with_limits(4096, SignatureCache::DEFAULT_PREPARED_KEYS),
            results: HashMap::new(),
            controller_results: HashMap::new(),
            verifications: 0,
            checks: 0,
            dirty: true,
            issuer_blocked: false,
            last_change: Vec::new(),
            proxy_failure_logged: None,
            first_break: None,
            stopped: false,
            checkpoints: Vec::new(),
            next_checkpoint: None,
            checkpoint_from: 0,
            leaves_issued: 0,
            last_step: 0,
            anchor,
            rng,
        }
    }

    /// The run, once it stopped.
    pub(crate) fn into_run(self) -> Result<Run, Error> {
        let anchor = self.anchor_ca()?.clone_ca();
        let published = self.bundles[self.published].clone();
        let trusting_dropped_anchors = self
            .proxies
            .iter()
            .filter(|p| {
                self.bundles[p.bundle]
                    .certificates()
                    .any(|c| !published.contains(c))
            })
            .map(|p| p.name.clone())
            .collect();
        Ok(Run {
            secrets: State::new(
                anchor,
                self.gens[self.issuer_secret].ca.clone_ca(),
                self.previous.as_ref().map(|p| p.0.clone()),
            ),
            published,
            trusting_dropped_anchors,
            timeline: self.timeline,
            first_break: self.first_break,
            end: self.end,
            verifications: self.verifications,
            checks: self.checks,
            checkpoints: self.checkpoints,
            last_step: self.last_step,
        })
    }

    fn anchor_ca(&self) -> Result<&Ca, Error> {
        self.anchor.as_ref().ok_or_else(|| Error::InvalidSpec {
            reason: "the plan has no anchor Secret".into(),
        })
    }
}

impl<R: CryptoRngCore> Engine<R> {
    fn log(&mut self, who: Who, what: String, causes: Vec<usize>) -> usize {
        self.timeline.push(PlanEvent {
            at: self.now,
            who,
            what,
            causes,
        });
        self.timeline.len() - 1
    }

    pub(crate) fn install(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        let verb = if cfg.state.is_some() {
            "Secret holds (today)"
        } else {
            "Issued"
        };
        let anchor = self.anchor_ca()?.certificate().clone();
        self.anchor_event = self.log(
            Who::CertManager,
            format!(
                "{verb} Certificate {}: trust anchor {} (notBefore {}, notAfter {})",
                cfg.names.anchor,
                anchor.subject(),
                rfc3339(anchor.not_before()),
                rfc3339(anchor.not_after())
            ),
            vec![],
        );
        if let Some(prev) = cfg.state.as_ref().and_then(|s| s.previous.clone()) {
            let e = self.log(
                Who::Operator,
                format!(
                    "{} holds {} (notAfter {}){}",
                    cfg.names.previous,
                    prev.subject(),
                    rfc3339(prev.not_after()),
                    if prev == anchor {
                        ": the current anchor"
                    } else {
                        ": an older anchor"
                    }
                ),
                vec![],
            );
            self.previous = Some((prev, e));
        } else if cfg.previous_anchor_source {
            let e = self.log(
                Who::Operator,
                format!(
                    "copied the anchor into {} (the seed's install step)",
                    cfg.names.previous
                ),
                vec![self.anchor_event],
            );
            self.previous = Some((anchor, e));
        }
        self.publish(vec![self.anchor_event])?;
        match &cfg.state {
            Some(state) => self.adopt_issuer(state.issuer.clone_ca())?,
            None => self.issue_issuer(vec![self.anchor_event], "Issued")?,
        }
        if self.gens.is_empty() {
            return Err(Error::InvalidSpec {
                reason: "the identity issuer cannot be issued under the anchor".into(),
            });
        }
        self.start_identity(vec![], false);
        let names: Vec<(String, bool)> = cfg
            .control_plane
            .iter()
            .map(|c| (c.clone(), true))
            .chain((0..cfg.workloads).map(|i| (format!("{}{i}", cfg.names.workload), false)))
            .collect();
        let n = names.len();
        for (i, (name, control_plane)) in names.into_iter().enumerate() {
            let next_restart = match cfg.restart_every {
                // Staggered evenly, in whole seconds (as certificates count time).
                Some(every) => Some(Error::add_time(
                    self.now,
                    Duration::seconds(
                        i64::try_from(
                            i128::from(every.whole_seconds()) * (i as i128 + 1) / (n as i128 + 1),
                        )
                        .unwrap_or(i64::MAX),
                    ),
                )?),
                None => None,
            };
            let identity = pod_identity(&name);
            self.proxies.push(Proxy {
                name,
                identity,
                key: None,
                leaf: None,
                fresh_key: None,
                bundle: self.published,
                generation: None,
                not_before: self.now,
                not_after: self.now,
                refresh_at: self.now,
                waiting: false,
                next_restart,
                control_plane,
                class: None,
                held: None,
            });
        }
        // The controller restarts with its pod when that is modelled, else on its own.
        self.identity.next_restart = match cfg.restart_every {
            Some(every) if !self.controller_has_pod() => Some(Error::add_time(self.now, every)?),
            _ => None,
        };
        if let Some((at, procedure)) = cfg.rotation {
            let mut t = at;
            let last = cfg.stop_after.unwrap_or(usize::MAX);
            for (i, title) in procedure.steps().iter().enumerate().take(last) {
                self.steps.push((t, i + 1, title));
                t = Error::add_time(t, Duration::minutes(5))?;
            }
            self.steps.reverse();
        }
        for i in 0..self.proxies.len() {
            self.csr(i)?;
            self.schedule_restart(i);
        }
        if let Some(every) = cfg.checkpoints {
            self.next_checkpoint = Some(Error::add_time(self.now, every)?);
            let control = cfg.control_plane.len();
            self.checkpoint(
                None,
                format!(
                    "{control} control-plane and {} data-plane workloads started",
                    cfg.workloads
                ),
            )?;
        }
        Ok(())
    }

    /// The anchor cert-manager renews ([`Mode::Plan`] only: by hand, the anchor is given).
    fn managed_anchor(&self) -> Option<&Ca> {
        self.anchor.as_ref().filter(|_| self.mode == Mode::Plan)
    }

    fn controller_has_pod(&self) -> bool {
        self.cfg.control_plane.iter().any(|c| self.is_controller(c))
    }

    /// Whether the control-plane pod `name` is the identity controller: the one named, else
    /// one of Linkerd's names.
    pub(crate) fn is_controller(&self, name: &str) -> bool {
        match &self.controller {
            Some(c) => c == name,
            None => crate::mesh::is_identity_controller(name),
        }
    }

    pub(crate) fn set_controller(&mut self, name: String) {
        self.controller = Some(name);
    }

    /// Records a checkpoint, if the configuration asks for them.
    fn checkpoint(&mut self, step: Option<usize>, what: String) -> Result<(), Error> {
        if self.cfg.checkpoints.is_none() {
            return Ok(());
        }
        let (pairs, broken, examples) = self.census()?;
        let events = self.checkpoint_from..self.timeline.len();
        self.checkpoint_from = self.timeline.len();
        self.checkpoints.push(Checkpoint {
            at: self.now,
            step,
            what,
            pairs,
            broken,
            examples,
            events,
            leaves_issued: std::mem::take(&mut self.leaves_issued),
        });
        Ok(())
    }

    /// Every ordered pair of distinct pods counted by class: (ordered pairs, failing ones,
    /// the first failing ones named).
    fn census(&mut self) -> Result<(usize, usize, Vec<BrokenPair>), Error> {
        self.work = self.work.saturating_add(self.proxies.len());
        let presenters: Vec<((usize, bool), Vec<usize>)> = self
            .presenters
            .iter()
            .map(|(k, set)| (*k, set.iter().copied().collect()))
            .collect();
        let holders: Vec<(usize, Vec<usize>)> = self
            .holders
            .iter()
            .map(|(k, set)| (*k, set.iter().copied().collect()))
            .collect();
        let n = self.proxies.len();
        let (mut pairs, mut broken) = (0usize, 0usize);
        let mut examples: Vec<(usize, usize, VerifyError)> = Vec::new();
        for ((generation, valid), members) in &presenters {
            pairs = pairs.saturating_add(members.len().saturating_mul(n.saturating_sub(1)));
            for (bundle, verifiers) in &holders {
                let r = self.class_verdict(*generation, *bundle, *valid, members[0])?;
                let Err(e) = r else {
                    continue;
                };
                let overlap = members
                    .iter()
                    .filter(|&&m| self.proxies[m].held == Some(*bundle))
                    .count();
                broken = broken.saturating_add(
                    members
                        .len()
                        .saturating_mul(verifiers.len())
                        .saturating_sub(overlap),
                );
                let distinct = members
                    .iter()
                    .flat_map(|&m| verifiers.iter().map(move |&v| (m, v)))
                    .filter(|(m, v)| m != v)
                    .take(Checkpoint::EXAMPLES);
                examples.extend(distinct.map(|(m, v)| (m, v, e.clone())));
            }
        }
        examples.sort_by_key(|x| (x.0, x.1));
        examples.truncate(Checkpoint::EXAMPLES);
        let examples = examples
            .into_iter()
            .map(|(m, v, error)| BrokenPair {
                presenter: self.proxies[m].name.clone(),
                verifier: self.proxies[v].name.clone(),
                error,
            })
            .collect();
        Ok((pairs, broken, examples))
    }

    /// The proxies' verdict on a leaf of `generation` (valid now or not; `pi` holds one)
    /// under loaded bundle `bundle`, as rustls-webpki gives it.
    fn class_verdict(
        &mut self,
        generation: usize,
        bundle: usize,
        valid: bool,
        pi: usize,
    ) -> Result<Result<(), VerifyError>, Error> {
        let options = VerifyOptions::for_usage(Usage::ClientAuth).with_anchor_validity(false);
        let key = (generation, bundle, valid);
        if let Some(r) = self.results.get(&key) {
            return Ok(r.clone());
        }
        if !valid {
            return Ok(Err(
                self.expired_leaf_error(pi, generation, bundle, &options)?
            ));
        }
        self.verifications += 1;
        let rep = self.representative(generation)?;
        let g = &self.gens[generation];
        let r = verify_cached(
            &rep,
            std::slice::from_ref(g.ca.certificate()),
            &self.bundles[bundle],
            self.now,
            &options,
            Some(&self.cache),
        )
        .map(|_| ());
        self.results.insert(key, r.clone());
        Ok(r)
    }

    /// trust-manager: the bundle from the sources, published if it changed.
    fn publish(&mut self, causes: Vec<usize>) -> Result<(), Error> {
        let mut anchors: Vec<_> = self.anchor.iter().map(Ca::trust_anchor).collect();
        if let Some((prev, _)) = &self.previous {
            anchors.push(crate::anchor::TrustAnchor::new(prev.clone())?);
        }
        let bundle = TrustBundle::from_anchors(anchors);
        if self.bundles.last().is_some_and(|b| *b == bundle) && !self.bundles.is_empty() {
            return Ok(());
        }
        let subjects = bundle.len();
        self.bundles.push(bundle);
        self.published = self.bundles.len() - 1;
        self.published_event = self.log(
            Who::TrustManager,
            format!(
                "Synced Bundle {}: {subjects} anchor(s) from its sources",
                self.cfg.names.bundle
            ),
            causes,
        );
        if self.identity.anchors.is_some() && self.identity.generation.is_none() {
            self.start_identity(vec![self.published_event], false);
        }
        Ok(())
    }

    /// cert-manager issues the identity issuer with the anchor Secret as it is now.
    fn issue_issuer(&mut self, causes: Vec<usize>, verb: &str) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        if self.gens.len().saturating_add(self.anchor_renewals) >= MAX_GENERATIONS {
            return Err(Error::InvalidSpec {
                reason: format!(
                    "the plan needs more than {MAX_GENERATIONS} identity issuers (at {}): a shorter horizon or a longer-lived issuer",
                    rfc3339(self.now)
                ),
            });
        }
        let current = self
            .gens
            .get(self.issuer_secret)
            .map(|g| g.ca.private_key());
        let key = renewal_key(&cfg.issuer, current, &mut self.rng);
        let signed = match &self.anchor {
            Some(anchor) => anchor.issue_ca(&cfg.issuer, key, self.now, &mut self.rng),
            None => Err(Error::InvalidSpec {
                reason: "no anchor Secret".into(),
            }),
        };
        let issued = match signed {
            Ok(i) => i.ca,
            Err(e) => {
                // cert-manager retries; nothing changes until the anchor Secret does.
                self.issuer_blocked = true;
                self.log(
                    Who::CertManager,
                    format!(
                        "Certificate {}: the CA issuer cannot sign: {e}",
                        cfg.names.issuer
                    ),
                    causes,
                );
                return Ok(());
            }
        };
        let signer_since = self
            .anchor
            .as_ref()
            .map_or(self.now, |a| a.certificate().not_before());
        let event = self.log(
            Who::CertManager,
            format!(
                "{verb} Certificate {}: identity issuer #{} signed by the anchor Secret's certificate (notBefore {}), notAfter {}",
                cfg.names.issuer,
                self.gens.len() + 1,
                rfc3339(signer_since),
                rfc3339(issued.certificate().not_after())
            ),
            causes,
        );
        self.issuer_blocked = false;
        if self.mode == Mode::Mesh {
            self.events.push(crate::mesh::Event::IssuerRenewed {
                at: self.now,
                issuer: issued.certificate().inspect(),
            });
        }
        self.gens.push(Generation {
            ca: issued,
            rep: None,
            event,
        });
        self.issuer_secret = self.gens.len() - 1;
        Ok(())
    }

    /// A generation's representative leaf, made on first use: it spans the issuer's whole
    /// validity, so at any moment inside it, it verifies exactly as every real leaf of this
    /// generation that is valid then.
    fn representative(&mut self, generation: usize) -> Result<Certificate, Error> {
        if let Some(rep) = &self.gens[generation].rep {
            return Ok(rep.clone());
        }
        let issuer = self.gens[generation].ca.clone_ca();
        let mut spec = linkerd::workload(&linkerd::workload_identity("representative", "default"));
        spec.duration = issuer.certificate().lifetime();
        spec.backdate = Duration::ZERO;
        let at = issuer.certificate().not_before();
        let rep = issuer
            .issue(
                &spec,
                PrivateKey::generate(&mut self.rng).public_key(),
                at,
                &mut self.rng,
            )?
            .certificate;
        self.gens[generation].rep = Some(rep.clone());
        Ok(rep)
    }

    /// Today's issuer Secret as the first generation.
    fn adopt_issuer(&mut self, issuer: Ca) -> Result<(), Error> {
        let event = self.log(
            Who::CertManager,
            format!(
                "Secret holds (today) Certificate {}: identity issuer #1, notBefore {}, notAfter {}",
                self.cfg.names.issuer,
                rfc3339(issuer.certificate().not_before()),
                rfc3339(issuer.certificate().not_after())
            ),
            vec![],
        );
        self.gens.push(Generation {
            ca: issuer,
            rep: None,
            event,
        });
        self.issuer_secret = 0;
        Ok(())
    }

    /// Go crypto/x509's verdict on generation `generation` under loaded bundle `anchors`, now.
    fn controller_verifies(
        &mut self,
        generation: usize,
        anchors: usize,
    ) -> Result<(), VerifyError> {
        let now = self.now;
        let valid: Vec<bool> = std::iter::once(&self.gens[generation].ca.certificate().clone())
            .chain(self.bundles[anchors].certificates())
            .map(|c| c.is_valid_at(now))
            .collect();
        let key = (generation, anchors, valid);
        if let Some(r) = self.controller_results.get(&key) {
            return r.clone();
        }
        self.verifications += 1;
        let r = verify_cached(
            self.gens[generation].ca.certificate(),
            &[],
            &self.bundles[anchors],
            now,
            &VerifyOptions::default(),
            Some(&self.cache),
        )
        .map(|_| ());
        self.controller_results.insert(key, r.clone());
        r
    }

    /// (Re)starts the identity controller; a routine restart that changes nothing is not
    /// logged.
    fn start_identity(&mut self, causes: Vec<usize>, routine: bool) {
        let anchors = self.published;
        let generation = self.issuer_secret;
        if routine
            && self.identity.anchors == Some(anchors)
            && self.identity.generation == Some(generation)
        {
            return;
        }
        let mut causes = causes;
        causes.extend([self.published_event, self.gens[generation].event]);
        match self.controller_verifies(generation, anchors) {
            Ok(()) => {
                let e = self.log(
                    Who::Identity,
                    format!(
                        "started: loaded {} anchor(s) and identity issuer #{}",
                        self.bundles[anchors].len(),
                        generation + 1
                    ),
                    causes,
                );
                self.identity = Identity {
                    anchors: Some(anchors),
                    generation: Some(generation),
                    why: Some(e),
                    next_restart: self.identity.next_restart,
                    down: None,
                };
            }
            Err(err) => {
                let e = self.log(
                    Who::Identity,
                    format!(
                        "CrashLoopBackOff: identity issuer #{} does not verify against the loaded anchors: {err}",
                        generation + 1
                    ),
                    causes,
                );
                self.identity = Identity {
                    anchors: Some(anchors),
                    generation: None,
                    why: Some(e),
                    next_restart: self.identity.next_restart,
                    down: Some(err),
                };
            }
        }
        self.wake_proxies();
    }

    fn wake_proxies(&mut self) {
        self.proxy_failure_logged = None;
        self.work = self.work.saturating_add(self.proxies.len());
        let (due, now) = (&mut self.due, self.now.unix_timestamp_nanos());
        for (i, p) in self.proxies.iter_mut().enumerate() {
            if p.waiting {
                p.waiting = false;
                p.refresh_at = self.now;
                due.push(Reverse((now, i)));
            }
        }
        self.compact_due();
    }

    /// Queues proxy `i`'s next routine restart.
    fn schedule_restart(&mut self, i: usize) {
        if let Some(t) = self.proxies[i].next_restart {
            self.push_due(t, i);
        }
    }

    /// Queues proxy `i` at `t`, keeping the queue bounded (see [`Engine::compact_due`]).
    fn push_due(&mut self, t: OffsetDateTime, i: usize) {
        self.due.push(Reverse((t.unix_timestamp_nanos(), i)));
        self.compact_due();
    }

    /// Keeps the due queue within [`DUE_PER_POD`] entries a pod: past that, drops every entry
    /// that no longer matches one of its proxy's due times (a refresh superseded by a restart's
    /// new leaf, the expiry of a leaf replaced since) and duplicates. A dropped entry would have
    /// found nothing due for its proxy (every action in [`Engine::step`] is gated on the
    /// proxy's own times), so behaviour is unchanged; memory stays linear in the pods, whatever
    /// the restart cadence (a stale refresh per restart grew it without bound: 1.97 GB for
    /// 100,000 workloads restarted every minute over 10 hours).
    fn compact_due(&mut self) {
        let limit = self
            .proxies
            .len()
            .saturating_mul(DUE_PER_POD)
            .saturating_add(1024);
        if self.due.len() <= limit {
            return;
        }
        let now = self.now.unix_timestamp_nanos();
        let proxies = &self.proxies;
        let mut entries = std::mem::take(&mut self.due).into_vec();
        entries.retain(|Reverse((t, i))| {
            *t >= now
                && proxies.get(*i).is_some_and(|p| {
                    let at = |d: OffsetDateTime| d.unix_timestamp_nanos() == *t;
                    p.next_restart.is_some_and(at)
                        || (!p.waiting && at(p.refresh_at))
                        || ((p.waiting || p.refresh_at > p.not_after)
                            && p.not_after.checked_add(Duration::SECOND).is_some_and(at))
                })
        });
        entries.sort_unstable();
        entries.dedup();
        self.due = BinaryHeap::from(entries);
    }

    /// Queues proxy `i`'s refresh and its new leaf's expiry.
    fn schedule(&mut self, i: usize) {
        let p = &self.proxies[i];
        let refresh = (!p.waiting).then_some(p.refresh_at);
        // A leaf's expiry is a validity boundary: the first second past its notAfter. A proxy
        // that refreshes first never reaches it (its next CSR queues the next one).
        let expiry = (p.waiting || p.refresh_at > p.not_after)
            .then(|| p.not_after.checked_add(Duration::SECOND))
            .flatten();
        for t in refresh.into_iter().chain(expiry) {
            self.push_due(t, i);
        }
    }

    /// The proxies with something due by `now` (sorted, each once).
    fn pop_due(&mut self, now: OffsetDateTime, into: &mut Vec<usize>) {
        let now = now.unix_timestamp_nanos();
        while let Some(Reverse((t, i))) = self.due.peek().copied() {
            if t > now {
                break;
            }
            self.due.pop();
            if i < self.proxies.len() {
                into.push(i);
            }
        }
        into.sort_unstable();
        into.dedup();
        self.work = self.work.saturating_add(into.len());
    }

    /// The identity controller sees the issuer Secret change.
    fn identity_sees_issuer(&mut self) {
        let generation = self.issuer_secret;
        let (Some(anchors), Some(_)) = (self.identity.anchors, self.identity.generation) else {
            // Crash-looping: each retry reads its inputs again.
            let cause = self.gens[generation].event;
            self.start_identity(vec![cause], false);
            return;
        };
        let cause = self.gens[generation].event;
        match self.controller_verifies(generation, anchors) {
            Ok(()) => {
                let e = self.log(
                    Who::Identity,
                    format!("IssuerUpdated: identity issuer #{} loaded", generation + 1),
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
                        generation + 1,
                        self.identity.generation.map_or(0, |g| g + 1)
                    ),
                    causes,
                );
                self.identity.why = Some(e);
                if self.mode == Mode::Mesh {
                    let issuer = self.gens[generation].ca.certificate().inspect();
                    self.events.push(crate::mesh::Event::IssuerUpdateSkipped {
                        at: self.now,
                        issuer,
                        error: Box::new(err),
                    });
                }
            }
        }
    }

    /// One proxy's CSR.
    fn csr(&mut self, i: usize) -> Result<(), Error> {
        let now = self.now;
        let outcome = match (self.identity.anchors, self.identity.generation) {
            (Some(anchors), Some(generation)) => {
                match self.controller_verifies(generation, anchors) {
                    Ok(()) => Ok(generation),
                    Err(e) => Err(Some(e)),
                }
            }
            _ => Err(None),
        };
        match outcome {
            Ok(generation) => {
                let issuer = self.gens[generation].ca.certificate();
                let mut not_before = now - linkerd::WORKLOAD_CLOCK_SKEW;
                let mut not_after =
                    Error::add_time(now, linkerd::WORKLOAD_DURATION)?.min(issuer.not_after());
                if self.mode == Mode::Mesh {
                    // A real leaf for the pod's key: the numbers are the certificate's own.
                    let p = &mut self.proxies[i];
                    let key = match p.fresh_key.take().or_else(|| p.key.take()) {
                        Some(k) => k,
                        None => PrivateKey::generate(&mut self.rng),
                    };
                    let spec = linkerd::workload(&self.proxies[i].identity);
                    let issued =
                        self.gens[generation]
                            .ca
                            .issue(&spec, key.public_key(), now, &mut self.rng);
                    let leaf = match issued {
                        Ok(issued) => issued.certificate,
                        Err(e) => {
                            self.proxies[i].key = Some(key);
                            return Err(e);
                        }
                    };
                    (not_before, not_after) = (leaf.not_before(), leaf.not_after());
                    self.proxies[i].key = Some(key);
                    self.proxies[i].leaf = Some(leaf);
                }
                // Whole seconds, as certificates count time.
                let (refresh, _) = linkerd_proxy_refresh_in(not_after - now);
                let refresh = Duration::seconds(refresh.whole_seconds().max(1));
                let p = &mut self.proxies[i];
                if p.generation != Some(generation) {
                    self.last_change.push(self.gens[generation].event);
                }
                self.leaves_issued += 1;
                p.generation = Some(generation);
                (p.not_before, p.not_after) = (not_before, not_after);
                p.refresh_at = Error::add_time(now, refresh)?;
                p.waiting = false;
                self.schedule(i);
            }
            Err(err) => {
                if self.proxy_failure_logged.is_none() {
                    let what = match &err {
                        Some(e) => format!(
                            "IssuerValidationFailed: CSRs fail, the identity issuer does not verify against the controller's anchors: {e}; proxies keep their leaves until they expire"
                        ),
                        None => "CSRs fail: the identity controller is not running".to_owned(),
                    };
                    let causes = self.identity.why.into_iter().collect();
                    self.proxy_failure_logged = Some(self.log(Who::Identity, what, causes));
                }
                let reason = match err {
                    Some(e) => Some(e),
                    None => self.identity.down.clone(),
                };
                self.last_csr_error = Some(match reason {
                    Some(e) => Error::IssuerValidationFailed {
                        reason: Box::new(e),
                    },
                    None => Error::InvalidSpec {
                        reason: "the identity controller is not running".into(),
                    },
                });
                let p = &mut self.proxies[i];
                p.waiting = true;
                p.refresh_at = self.end;
                // It keeps its leaf until that expires.
                self.schedule(i);
            }
        }
        self.reclass(i);
        Ok(())
    }

    /// Moves proxy `i` to the classes it is in now; continuity is due when that changes.
    fn reclass(&mut self, i: usize) {
        if self.mode == Mode::Mesh {
            return;
        }
        let now = self.now;
        let p = &self.proxies[i];
        let class = p
            .generation
            .map(|g| (g, p.not_before <= now && now <= p.not_after));
        let held = Some(p.bundle);
        if class != p.class {
            move_member(&mut self.presenters, p.class, class, i);
            self.proxies[i].class = class;
            self.dirty = true;
        }
        let p = &self.proxies[i];
        if held != p.held {
            move_member(&mut self.holders, p.held, held, i);
            self.proxies[i].held = held;
            self.dirty = true;
        }
    }

    /// Restarts proxy `i`'s pod: it loads the published bundle and asks for a leaf; the
    /// identity controller's own pod restarts the controller first.
    fn restart_proxy(
        &mut self,
        i: usize,
        cause: Option<usize>,
        routine: bool,
    ) -> Result<(), Error> {
        if self.proxies[i].control_plane && self.is_controller(&self.proxies[i].name) {
            self.start_identity(cause.into_iter().collect(), routine);
        }
        self.proxies[i].bundle = self.published;
        self.csr(i)
    }

    /// When cert-manager renews the anchor (if it manages it) and the identity issuer (if it
    /// can sign it), by their specs: memoized per certificate validity, as every moment asks.
    fn renewals(&mut self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let cfg = Arc::clone(&self.cfg);
        let anchor = self
            .managed_anchor()
            .map(|a| (a.certificate().not_before(), a.certificate().not_after()));
        let issuer = self
            .gens
            .get(self.issuer_secret)
            .filter(|_| !self.issuer_blocked && self.anchor.is_some())
            .map(|g| {
                (
                    g.ca.certificate().not_before(),
                    g.ca.certificate().not_after(),
                )
            });
        let at = |memo: &mut Memo,
                  spec: &crate::spec::CertSpec,
                  validity: Option<(OffsetDateTime, OffsetDateTime)>| {
            let validity = validity?;
            match memo {
                Some((v, t)) if *v == validity => Some(*t),
                _ => {
                    let t = RenewalPolicy::from_spec(spec)
                        .renewal_time(validity.0, validity.1)
                        .renew_at;
                    *memo = Some((validity, t));
                    Some(t)
                }
            }
        };
        (
            at(&mut self.renewal_memo.0, &cfg.anchor, anchor),
            at(&mut self.renewal_memo.1, &cfg.issuer, issuer),
        )
    }

    /// The next time anything is due.
    fn next_time(&mut self) -> OffsetDateTime {
        let now = self.now.unix_timestamp_nanos();
        while self.due.peek().is_some_and(|Reverse((t, _))| *t < now) {
            self.due.pop();
        }
        let due = self
            .due
            .peek()
            .and_then(|Reverse((t, _))| OffsetDateTime::from_unix_timestamp_nanos(*t).ok());
        let (anchor_renewal, issuer_renewal) = self.renewals();
        [anchor_renewal, issuer_renewal, self.identity.next_restart]
            .into_iter()
            .flatten()
            .chain(due)
            .chain(self.steps.last().map(|s| s.0))
            .chain(self.rollout.last().map(|r| r.0))
            .chain(self.next_checkpoint)
            .chain(std::iter::once(self.end))
            .filter(|t| *t >= self.now)
            .min()
            .unwrap_or(self.end)
            .max(self.now)
    }

    pub(crate) fn run(&mut self) -> Result<(), Error> {
        let mut same_time = 0u32;
        loop {
            self.work = self.work.saturating_add(1);
            if self.work > MAX_WORK {
                return Err(Error::InvalidSpec {
                    reason: format!(
                        "the plan needs more than its work budget ({MAX_WORK} workload visits, reached at {}): fewer workloads or rarer restarts",
                        rfc3339(self.now)
                    ),
                });
            }
            if self.stopped {
                return Ok(());
            }
            self.check_if_dirty()?;
            if self.stopped {
                return Ok(());
            }
            let t = self.next_time();
            same_time = if t == self.now { same_time + 1 } else { 0 };
            if same_time > 1_000 {
                return Err(Error::InvalidSpec {
                    reason: format!("the simulation makes no progress at {}", rfc3339(t)),
                });
            }
            self.now = t;
            self.step()?;
            if self.stopped {
                return Ok(());
            }
            if self.now >= self.end {
                return self.check_if_dirty();
            }
        }
    }

    /// Checks continuity if anything changed since the last check (while no break is known:
    /// after the first, a run that goes on only counts at its checkpoints).
    fn check_if_dirty(&mut self) -> Result<(), Error> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        if self.mode == Mode::Mesh {
            // By hand, the caller checks (`Mesh::continuity`, over the real leaves).
            return Ok(());
        }
        if self.first_break.is_some() {
            return Ok(());
        }
        if let Some(b) = self.continuity()? {
            self.found(b);
        }
        Ok(())
    }

    /// The first break: recorded, and the run stops unless it goes on through breaks.
    fn found(&mut self, b: Break) {
        if self.first_break.is_none() {
            self.first_break = Some(b);
        }
        self.stopped = !self.cfg.through_breaks;
    }

    /// Everything due now, in the components' order.
    fn step(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        let now = self.now;
        // Planned steps.
        while self.steps.last().is_some_and(|s| s.0 <= now) {
            let Some((_, n, title)) = self.steps.pop() else {
                break;
            };
            self.operator_step(n, title)?;
        }
        // cert-manager: the anchor, then the issuer (which signs with the anchor as it is).
        if self.renewals().0.is_some_and(|t| t <= now) {
            self.renew_anchor("Renewed (renewal time reached)")?;
        }
        if self.renewals().1.is_some_and(|t| t <= now) {
            let causes = vec![self.anchor_event];
            self.issue_issuer(causes, "Renewed")?;
            self.identity_sees_issuer();
        }
        while self.rollout.last().is_some_and(|r| r.0 <= now) {
            let Some((_, i, cause, step)) = self.rollout.pop() else {
                break;
            };
            self.restart_proxy(i, Some(cause), false)?;
            let what = format!("restarted {}", self.proxies[i].name);
            self.checkpoint(Some(step), what)?;
            // Each replaced pod is a moment to check: the mix of old and new is the risk.
            self.dirty = true;
            self.check_if_dirty()?;
            if self.stopped {
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
        self.pop_due(now, &mut due);
        for &i in &due {
            if self.proxies[i].next_restart.is_some_and(|t| t <= now) {
                let every = cfg.restart_every.unwrap_or(Duration::DAY);
                self.proxies[i].next_restart = Some(Error::add_time(now, every)?);
                self.restart_proxy(i, None, true)?;
                self.schedule_restart(i);
            }
        }
        // Proxies woken on the way (the controller restarted, or took an issuer).
        self.pop_due(now, &mut due);
        for i in due {
            if self.proxies[i].refresh_at <= now && !self.proxies[i].waiting {
                self.csr(i)?;
                if self.mode == Mode::Mesh {
                    let workload = self.proxies[i].name.clone();
                    let event = match (self.proxies[i].waiting, self.last_csr_error.take()) {
                        (true, Some(error)) => crate::mesh::Event::LeafRefreshFailed {
                            at: now,
                            workload,
                            error,
                        },
                        _ => crate::mesh::Event::LeafRefreshed { at: now, workload },
                    };
                    self.events.push(event);
                }
            }
            if self.proxies[i].not_after + Duration::SECOND == now {
                self.reclass(i);
            }
        }
        if let (Some(at), Some(every)) = (self.next_checkpoint, cfg.checkpoints) {
            if at <= now {
                self.next_checkpoint = Some(Error::add_time(now, every)?);
                self.checkpoint(None, format!("{} later", GoDuration(every)))?;
            }
        }
        Ok(())
    }

    fn renew_anchor(&mut self, verb: &str) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        self.anchor_renewals = self.anchor_renewals.saturating_add(1);
        if self.gens.len().saturating_add(self.anchor_renewals) > MAX_GENERATIONS {
            return Err(Error::InvalidSpec {
                reason: format!(
                    "the plan needs more than {MAX_GENERATIONS} certificate generations (at {}: {} trust anchors, {} identity issuers): a shorter horizon or a later anchor renewal",
                    rfc3339(self.now),
                    self.anchor_renewals,
                    self.gens.len()
                ),
            });
        }
        let current = self.anchor.as_ref().map(Ca::private_key);
        let key = renewal_key(&cfg.anchor, current, &mut self.rng);
        let policy = match cfg.anchor.get_rotation_policy() {
            RotationPolicy::Never => "same key: rotationPolicy Never",
            _ => "new key: rotationPolicy Always",
        };
        let rule = RenewalPolicy::from_spec(&cfg.anchor)
            .for_certificate(self.anchor_ca()?.certificate())
            .rule;
        self.anchor = Some(Ca::self_signed(&cfg.anchor, key, self.now, &mut self.rng)?);
        self.anchor_event = self.log(
            Who::CertManager,
            format!(
                "{verb} Certificate {}: new trust anchor ({policy}; {rule})",
                cfg.names.anchor
            ),
            vec![],
        );
        self.issuer_blocked = false;
        self.publish(vec![self.anchor_event])
    }

    fn operator_step(&mut self, n: usize, title: &str) -> Result<(), Error> {
        let procedure = self.cfg.rotation.map(|r| r.1);
        let e = self.log(Who::Operator, format!("step {n}: {title}"), vec![]);
        self.last_step = n;
        let seven = matches!(procedure, Some(Procedure::SevenStep));
        let action = match (seven, n) {
            (_, 1) => "anchor",
            (true, 2 | 5) | (false, 3) => "control-plane",
            (true, 3 | 6) | (false, 4) => "data-plane",
            (true, 4) | (false, 2) => "issuer",
            _ => "drop",
        };
        let control: Vec<usize> = (0..self.proxies.len())
            .filter(|&i| self.proxies[i].control_plane)
            .collect();
        let data: Vec<usize> = (0..self.proxies.len())
            .filter(|&i| !self.proxies[i].control_plane)
            .collect();
        let what = match action {
            "anchor" => {
                self.renew_anchor("Renewed (kubectl cert-manager renew)")?;
                "the bundle {new, old} is published; nobody reloaded it"
            }
            "issuer" => {
                self.issue_issuer(
                    vec![e, self.anchor_event],
                    "Renewed (kubectl cert-manager renew)",
                )?;
                self.identity_sees_issuer();
                "the identity issuer Secret holds the new issuer"
            }
            "control-plane" if control.is_empty() => {
                self.start_identity(vec![e], false);
                "the identity controller restarted"
            }
            "control-plane" => {
                self.rolling_restart(&control, e, n)?;
                "before the restarts"
            }
            "data-plane" => {
                self.rolling_restart(&data, e, n)?;
                "before the restarts"
            }
            _ => {
                if let Some((prev, ev)) = &mut self.previous {
                    *ev = e;
                    if let Some(a) = &self.anchor {
                        *prev = a.certificate().clone();
                    }
                }
                self.publish(vec![e])?;
                // The corrected procedure restarts everything once more, so nobody trusts the
                // old anchor; the seed's original fifth step stops at the bundle.
                if seven {
                    if control.is_empty() {
                        self.start_identity(vec![e], false);
                    }
                    let all: Vec<usize> = control.iter().chain(&data).copied().collect();
                    self.rolling_restart(&all, e, n)?;
                }
                "the bundle {new} is published"
            }
        };
        self.checkpoint(Some(n), what.to_owned())
    }

    /// A rolling restart of `pods`: one after another, evenly over the 5 minutes to the next
    /// step (as `kubectl rollout restart` replaces pods).
    fn rolling_restart(&mut self, pods: &[usize], cause: usize, step: usize) -> Result<(), Error> {
        let n = i32::try_from(pods.len() + 1).unwrap_or(i32::MAX);
        for (k, &i) in pods.iter().enumerate() {
            let k = i32::try_from(k).unwrap_or(i32::MAX);
            let at = Error::add_time(self.now, Duration::seconds(i64::from(300 * k / n)))?;
            self.rollout.push((at, i, cause, step));
        }
        self.rollout.sort_by(|a, b| b.cmp(a));
        Ok(())
    }

    /// Every ordered pair, by class: (presenter's generation and leaf validity, verifier's
    /// bundle).
    fn continuity(&mut self) -> Result<Option<Break>, Error> {
        self.checks += 1;
        let now = self.now;
        // Each class by its first two members: the first break names the lowest (client,
        // server) pair of distinct proxies.
        let two = |set: &BTreeSet<usize>| {
            let mut it = set.iter().copied();
            (it.next(), it.next())
        };
        let presenters: Vec<((usize, bool), usize, Option<usize>)> = self
            .presenters
            .iter()
            .filter_map(|(k, set)| match two(set) {
                (Some(a), b) => Some((*k, a, b)),
                _ => None,
            })
            .collect();
        let holders: Vec<(usize, usize, Option<usize>)> = self
            .holders
            .iter()
            .filter_map(|(k, set)| match two(set) {
                (Some(a), b) => Some((*k, a, b)),
                _ => None,
            })
            .collect();
        self.work = self
            .work
            .saturating_add(presenters.len().saturating_mul(holders.len()));
        let mut first: Option<(usize, usize, VerifyError)> = None;
        for &((generation, valid), p0, p1) in &presenters {
            for &(bundle, v0, v1) in &holders {
                let r = self.class_verdict(generation, bundle, valid, p0)?;
                let Err(e) = r else {
                    continue;
                };
                let pair = match (v0 != p0, v1, p1) {
                    (true, _, _) => (p0, v0),
                    (false, Some(v1), _) => (p0, v1),
                    (false, None, Some(p1)) => (p1, v0),
                    // The class and the bundle's holders are the same one proxy.
                    (false, None, None) => continue,
                };
                if first.as_ref().is_none_or(|f| pair < (f.0, f.1)) {
                    first = Some((pair.0, pair.1, e));
                }
            }
        }
        let Some((client, server, error)) = first else {
            self.last_change.clear();
            return Ok(None);
        };
        let generation = self.proxies[client].generation.unwrap_or(0);
        let (leaf, key) = self.leaf_with_key(client, generation)?;
        let mut roots: Vec<usize> = self.last_change.clone();
        roots.extend(self.proxy_failure_logged);
        roots.extend(self.identity.why);
        // The controller's issuer ran out: the moment every CSR starts to fail and every leaf
        // it signed (capped at its notAfter) expires. Linkerd logs the failure at the next CSR;
        // the report names the moment itself.
        let issuer_end = self.gens[generation].ca.certificate().not_after();
        if self.identity.generation == Some(generation)
            && issuer_end < now
            && self.proxy_failure_logged.is_none()
            && self.timeline.last().is_none_or(|e| e.at <= issuer_end)
        {
            let causes = self.identity.why.into_iter().collect();
            let at = std::mem::replace(&mut self.now, issuer_end);
            let e = self.log(
                Who::Identity,
                format!(
                    "identity issuer #{} expired: from now every CSR fails (IssuerValidationFailed), and every leaf it signed, capped at its notAfter, expires with it",
                    generation + 1
                ),
                causes,
            );
            self.now = at;
            roots.push(e);
        }
        roots.push(self.gens[generation].event);
        let causes = self.cause_chain(&roots);
        Ok(Some(Break {
            at: now,
            day: (now - self.cfg.start).whole_days(),
            client: self.proxies[client].name.clone(),
            server: self.proxies[server].name.clone(),
            error,
            causes,
            evidence: Evidence {
                leaf,
                key,
                chain: vec![self.gens[generation].ca.certificate().clone()],
                server_bundle: self.bundles[self.proxies[server].bundle].clone(),
            },
        }))
    }

    /// The real leaf of proxy `i` (its own validity, under generation `generation`).
    fn leaf_of(&mut self, i: usize, generation: usize) -> Result<Certificate, Error> {
        Ok(self.leaf_with_key(i, generation)?.0)
    }

    fn leaf_with_key(
        &mut self,
        i: usize,
        generation: usize,
    ) -> Result<(Certificate, PrivateKey), Error> {
        let p = &self.proxies[i];
        let (not_before, not_after) = (p.not_before, p.not_after);
        let issued_at = not_before + linkerd::WORKLOAD_CLOCK_SKEW;
        let g = &self.gens[generation];
        let spec = linkerd::workload(&p.identity);
        let key = PrivateKey::generate(&mut self.rng);
        let leaf =
            g.ca.issue(&spec, key.public_key(), issued_at, &mut self.rng)?
                .certificate;
        debug_assert!(leaf.not_after() <= not_after + Duration::SECOND);
        Ok((leaf, key))
    }

    fn expired_leaf_error(
        &mut self,
        i: usize,
        generation: usize,
        bundle: usize,
        options: &VerifyOptions,
    ) -> Result<VerifyError, Error> {
        let leaf = self.leaf_of(i, generation)?;
        self.verifications += 1;
        let g = &self.gens[generation];
        match verify_cached(
            &leaf,
            std::slice::from_ref(g.ca.certificate()),
            &self.bundles[bundle],
            self.now,
            options,
            Some(&self.cache),
        ) {
            Err(e) => Ok(e),
            Ok(_) => Err(Error::InvalidSpec {
                reason: "a leaf past its notAfter verified".into(),
            }),
        }
    }

    /// The events behind `roots`, transitively, oldest first.
    fn cause_chain(&self, roots: &[usize]) -> Vec<usize> {
        let mut seen = vec![false; self.timeline.len()];
        let mut stack: Vec<usize> = roots.to_vec();
        while let Some(i) = stack.pop() {
            if i >= seen.len() || seen[i] {
                continue;
            }
            seen[i] = true;
            stack.extend(self.timeline[i].causes.iter().copied());
        }
        (0..seen.len()).filter(|&i| seen[i]).collect()
    }
}

/// The identity (DNS SAN) of the pod `namespace/name`.
fn pod_identity(pod: &str) -> String {
    let (namespace, name) = pod.split_once('/').unwrap_or(("default", pod));
    linkerd::workload_identity(name, namespace)
}

/// One pod as [`Mesh`](crate::mesh::Mesh) shows it.
pub(crate) struct Pod<'a> {
    pub(crate) name: &'a str,
    pub(crate) identity: &'a str,
    pub(crate) control_plane: bool,
    pub(crate) bundle: &'a TrustBundle,
    pub(crate) key: &'a PrivateKey,
    pub(crate) leaf: &'a Certificate,
    pub(crate) issuer: &'a Certificate,
    pub(crate) refresh_at: OffsetDateTime,
}

/// Driving the engine by hand ([`Mode::Mesh`]).
impl<R: CryptoRngCore> Engine<R> {
    /// An engine at `now` with a published bundle and an issuer Secret, and the anchor
    /// cert-manager's CA issuer renews the issuer with (`None`: nothing renews it). The
    /// identity controller starts with them.
    pub(crate) fn by_hand(
        now: OffsetDateTime,
        bundle: TrustBundle,
        issuer: Ca,
        anchor: Option<Ca>,
        rng: R,
    ) -> Self {
        let cfg = Config::seed(now).workloads(0).horizon(Duration::ZERO);
        let mut engine = Self::with_mode(Mode::Mesh, Arc::new(cfg), now, anchor, rng);
        engine.write_bundle(bundle);
        engine.write_issuer(issuer);
        engine.start_identity(vec![], false);
        engine
    }

    fn write_bundle(&mut self, bundle: TrustBundle) {
        let n = bundle.len();
        self.bundles.push(bundle);
        self.published = self.bundles.len() - 1;
        self.published_event = self.log(
            Who::Operator,
            format!(
                "wrote the trust bundle {} ({n} anchor(s))",
                self.cfg.names.bundle
            ),
            vec![],
        );
    }

    fn write_issuer(&mut self, issuer: Ca) {
        let event = self.log(
            Who::Operator,
            format!(
                "wrote the identity issuer Secret {}: identity issuer #{}",
                self.cfg.names.issuer,
                self.gens.len() + 1
            ),
            vec![],
        );
        self.gens.push(Generation {
            ca: issuer,
            rep: None,
            event,
        });
        self.issuer_secret = self.gens.len() - 1;
    }

    /// Publishes a bundle; a crash-looping controller retries with it.
    pub(crate) fn set_bundle(&mut self, bundle: TrustBundle) {
        self.write_bundle(bundle);
        if self.identity.anchors.is_some() && self.identity.generation.is_none() {
            self.start_identity(vec![self.published_event], false);
        }
    }

    /// Writes the issuer Secret; the controller sees it (the skip, if it refuses it).
    pub(crate) fn set_issuer(&mut self, issuer: Ca) -> Option<crate::mesh::Event> {
        self.write_issuer(issuer);
        let before = self.events.len();
        self.identity_sees_issuer();
        if self.events.len() > before {
            self.events.pop()
        } else {
            None
        }
    }

    /// Replaces the anchor cert-manager's CA issuer signs with.
    pub(crate) fn set_anchor(&mut self, anchor: Option<Ca>) {
        self.anchor = anchor;
        self.issuer_blocked = false;
    }

    /// Starts a pod; if its first CSR fails, it is not added and the CSR's error returned.
    pub(crate) fn add_pod(&mut self, name: String, control_plane: bool) -> Result<(), Error> {
        if self.proxies.len() >= MAX_PODS {
            return Err(Error::InvalidSpec {
                reason: format!("a mesh holds at most {MAX_PODS} workloads"),
            });
        }
        let identity = pod_identity(&name);
        let key = PrivateKey::generate(&mut self.rng);
        self.proxies.push(Proxy {
            name,
            identity,
            key: Some(key),
            leaf: None,
            fresh_key: None,
            bundle: self.published,
            generation: None,
            not_before: self.now,
            not_after: self.now,
            refresh_at: self.now,
            waiting: false,
            next_restart: None,
            control_plane,
            class: None,
            held: None,
        });
        let i = self.proxies.len() - 1;
        let answered = self.csr(i);
        if answered.is_err() || self.proxies[i].waiting {
            self.proxies.pop();
            answered?;
            return Err(self.csr_error());
        }
        Ok(())
    }

    fn csr_error(&mut self) -> Error {
        self.last_csr_error.take().unwrap_or(Error::InvalidSpec {
            reason: "the CSR failed".into(),
        })
    }

    /// The index of the pod named `name`.
    pub(crate) fn pod_index(&self, name: &str) -> Option<usize> {
        self.proxies.iter().position(|p| p.name == name)
    }

    /// Restarts pod `i` with a new key; the CSR's error if it gets no leaf (it keeps the one it
    /// had, with its old key, until a CSR is answered).
    pub(crate) fn restart_pod(&mut self, i: usize) -> Result<(), Error> {
        self.proxies[i].fresh_key = Some(PrivateKey::generate(&mut self.rng));
        self.restart_proxy(i, None, false)?;
        if self.proxies[i].waiting {
            return Err(self.csr_error());
        }
        Ok(())
    }

    /// Runs to `target`, returning the typed events on the way.
    pub(crate) fn advance_to(
        &mut self,
        target: OffsetDateTime,
    ) -> Result<Vec<crate::mesh::Event>, Error> {
        self.end = target;
        self.run()?;
        self.now = self.now.max(target);
        Ok(std::mem::take(&mut self.events))
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.now
    }

    pub(crate) fn published_bundle(&self) -> &TrustBundle {
        &self.bundles[self.published]
    }

    pub(crate) fn issuer_secret(&self) -> &Ca {
        &self.gens[self.issuer_secret].ca
    }

    /// The issuer the controller signs with (`None` while it is down).
    pub(crate) fn signing_issuer(&self) -> Option<&Ca> {
        self.identity.generation.map(|g| &self.gens[g].ca)
    }

    /// The anchors the controller loaded when it last started.
    pub(crate) fn controller_anchors(&self) -> Option<&TrustBundle> {
        self.identity.anchors.map(|b| &self.bundles[b])
    }

    pub(crate) fn anchor(&self) -> Option<&Ca> {
        self.anchor.as_ref()
    }

    pub(crate) fn rng(&mut self) -> &mut R {
        &mut self.rng
    }

    /// The pods holding a leaf, in the order they were added.
    pub(crate) fn pods(&self) -> impl Iterator<Item = Pod<'_>> {
        self.proxies.iter().filter_map(|p| {
            Some(Pod {
                name: &p.name,
                identity: &p.identity,
                control_plane: p.control_plane,
                bundle: &self.bundles[p.bundle],
                key: p.key.as_ref()?,
                leaf: p.leaf.as_ref()?,
                issuer: self.gens.get(p.generation?)?.ca.certificate(),
                refresh_at: p.refresh_at,
            })
        })
    }
}

/// The most pods a hand-driven mesh holds (each holds a real key and leaf, and continuity
/// checks every ordered pair).
pub(crate) const MAX_PODS: usize = 10_000;

/// The due-queue entries kept per pod before stale ones are dropped (each pod has at most
/// three live ones: its refresh, its restart and its leaf's expiry).
const DUE_PER_POD: usize = 6;

/// Moves proxy `i` from class `old` to class `new` of `map` (a class with no one left goes).
fn move_member<K: Ord + Copy>(
    map: &mut BTreeMap<K, BTreeSet<usize>>,
    old: Option<K>,
    new: Option<K>,
    i: usize,
) {
    if let Some(old) = old {
        if let Some(set) = map.get_mut(&old) {
            set.remove(&i);
            if set.is_empty() {
                map.remove(&old);
            }
        }
    }
    if let Some(new) = new {
        map.entry(new).or_default().insert(i);
    }
}
