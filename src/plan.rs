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

pub use crate::sim::{
    Break, BundleFilter, CaKind, CaNode, Checkpoint, Config, Evidence, Faults, Held, IstioCsr,
    Lane, MAX_CHECKPOINTS, MAX_CSRS, MAX_GENERATIONS, MAX_HORIZON, MAX_PODS, MAX_WORK, Mesh, Names,
    NotRotatable, Outage, PlanEvent, RootsKind, RootsSpan, Routine, Run, Secrets, SimError,
    Snapshot, Span, Topology, TrustRoots, ValuesHome, Who, proxy_verify_options,
};

mod auto;
mod fixes;
mod html;
mod timeline;
#[cfg(feature = "json")]
pub use auto::auto_json;
pub use auto::{Rotation, auto_lines, dated_actions, rotations};
pub use fixes::{
    FieldChange, Fix, FixSearch, MAX_FIX_RUNS, MAX_PLANNED_ROTATIONS, Operation, SEARCH_WORKLOADS,
    auto_schedule, fix_search, fixes,
};
pub use timeline::{TimelineView, timeline_lines};

use crate::display::rfc3339;
use crate::display::visible;
use crate::duration::GoDuration;
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::presets::linkerd;
use crate::sim::Engine;
use rand_core::CryptoRngCore;
use std::fmt;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Runs the configuration forward to its horizon, stopping at the first break.
///
/// # Errors
/// Issuing errors at the start (a spec certcycle refuses), [`Error::TimeOutOfRange`], and
/// [`Error::Sim`] with the [`SimError`] of a configuration refused before working (a horizon
/// over [`MAX_HORIZON`] or a negative one, more than [`MAX_PODS`] pods, restarts or checkpoints
/// less than a minute apart, more than [`MAX_CHECKPOINTS`] checkpoints, routine restarts or
/// renewals that alone pass [`MAX_WORK`] or [`MAX_GENERATIONS`]) or of a run that passed a
/// bound while running.
pub fn simulate<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Run, Error> {
    refuse_before_working(cfg)?;
    let end = Error::add_time(cfg.now(), cfg.horizon)?;
    let cas = match &cfg.secrets {
        Some(state) if state.above.len() != cfg.topology.above.len() => {
            return Err(Error::Sim(SimError::StateAbove {
                given: state.above.len(),
                topology: cfg.topology.above.len(),
            }));
        }
        Some(state) => (
            state.above.iter().map(Ca::clone_ca).collect(),
            state.anchor.clone_ca(),
        ),
        None => issue_chain(cfg, rng)?,
    };
    let mut sim = Engine::planned(Arc::new(cfg.clone()), end, cas, rng);
    sim.install()?;
    sim.run()?;
    sim.into_run()
}

/// The CAs above the anchor (top down) and the anchor, issued at the start: each signed by
/// the one above it, the top one self-signed.
fn issue_chain<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<(Vec<Ca>, Ca), Error> {
    let mut above: Vec<Ca> = Vec::new();
    for node in &cfg.topology.above {
        let key = PrivateKey::generate(rng);
        let ca = match above.last() {
            Some(parent) => parent.issue_ca(&node.spec, key, cfg.start, rng)?.ca,
            None => Ca::self_signed(&node.spec, key, cfg.start, rng)?,
        };
        above.push(ca);
    }
    let key = PrivateKey::generate(rng);
    let anchor = match above.last() {
        Some(parent) => parent.issue_ca(&cfg.anchor, key, cfg.start, rng)?.ca,
        None => Ca::self_signed(&cfg.anchor, key, cfg.start, rng)?,
    };
    Ok((above, anchor))
}

/// The bounds a configuration alone passes, checked before any work.
/// The Linkerd procedure `cfg` plans, if any, in the command line's words.
pub fn linkerd_procedure(cfg: &Config) -> Option<&'static str> {
    if cfg.auto.is_some() {
        Some("unattended rotation (--rotation auto)")
    } else if cfg.rotations().any(|(_, p)| !p.is_istio()) {
        Some("the seven-step anchor rotation (--rotate-at, an operations file's rotate)")
    } else if !cfg.issuer_replacements.is_empty() {
        Some("replacing the identity issuer by hand (an operations file's replace-issuer)")
    } else {
        None
    }
}

/// The refusal of a procedure `cfg` plans (or `asked`, one the caller is about to add, in
/// the command line's words) that is not its mesh's: Linkerd's on an Istio plan, Istio's root
/// rotation on a Linkerd one.
///
/// ```
/// use certcycle::plan::{Config, not_for_mesh};
/// use certcycle::rotation::Procedure;
/// use time::{Duration, macros::datetime};
/// let t = datetime!(2026-01-01 0:00 UTC);
/// let istio = Config::istio_csr(t).rotate_at(t + Duration::days(50), Procedure::SevenStep);
/// assert!(not_for_mesh(&istio, None).is_some());
/// let istio = Config::istio_csr(t).rotate_at(t + Duration::days(50), Procedure::IstioRoot);
/// assert!(not_for_mesh(&istio, None).is_none());
/// assert!(not_for_mesh(&istio, Some("unattended rotation (--rotation auto)")).is_some());
/// let linkerd = Config::seed(t).rotate_at(t + Duration::days(50), Procedure::IstioRoot);
/// assert!(not_for_mesh(&linkerd, None).unwrap().to_string().contains("seven-step"));
/// ```
pub fn not_for_mesh(cfg: &Config, asked: Option<&'static str>) -> Option<SimError> {
    let mesh = cfg.mesh.name();
    if matches!(cfg.mesh, crate::sim::Mesh::Linkerd) {
        return cfg.rotations().any(|(_, p)| p.is_istio()).then_some(SimError::NotForMesh {
            what: "the istio-root rotation (istio-csr's root file)",
            mesh,
            instead: "Linkerd's proxies load the trust roots only when they start: rotate with seven-step",
        });
    }
    let what = asked.or_else(|| linkerd_procedure(cfg))?;
    Some(SimError::NotForMesh {
        what,
        mesh,
        instead: "a new root goes into istio-csr's root file before anything signs with it, and the old one leaves after every certificate it signed has expired: rotate with istio-root (plan --rotate-at T --procedure istio-root, or an operations file's rotate with procedure: istio-root)",
    })
}

fn refuse_before_working(cfg: &Config) -> Result<(), Error> {
    let refuse = |e: SimError| Err(Error::Sim(e));
    let replay = cfg.now() - cfg.start;
    for horizon in [cfg.horizon, replay] {
        if horizon > MAX_HORIZON || horizon < Duration::ZERO {
            return refuse(SimError::Horizon {
                horizon,
                max: MAX_HORIZON,
            });
        }
    }
    // The run covers the replay before the present too (Config::replay_from): every estimate
    // counts it.
    let span = cfg.horizon + replay;
    let pods = cfg.workloads.saturating_add(cfg.control_plane.len());
    if pods > MAX_PODS {
        return refuse(SimError::TooManyPods {
            pods,
            max: MAX_PODS,
        });
    }
    if let Some(e) = not_for_mesh(cfg, None) {
        return refuse(e);
    }
    if let crate::sim::Mesh::Istio(csr) = &cfg.mesh {
        let leaf = csr.leaf_duration();
        let half = (leaf.whole_seconds() / 2).max(1);
        let csrs = (pods as u128).saturating_mul(u128::try_from(span.whole_seconds()).unwrap_or(0))
            / u128::try_from(half).unwrap_or(1);
        if csrs > u128::from(crate::sim::MAX_CSRS) {
            return refuse(SimError::TooManyCsrs {
                pods,
                leaf,
                days: u32::try_from(span.whole_days()).unwrap_or(u32::MAX),
                csrs: u64::try_from(csrs).unwrap_or(u64::MAX),
            });
        }
    }
    if let Some(every) = cfg.checkpoints {
        let n = span.whole_seconds() / every.whole_seconds().max(1);
        if every < Duration::MINUTE || n > MAX_CHECKPOINTS as i64 {
            return refuse(SimError::Checkpoints {
                every,
                horizon: span,
                max: MAX_CHECKPOINTS,
            });
        }
    }
    if let Some(every) = cfg.restart_every.filter(|e| *e < Duration::MINUTE) {
        return refuse(SimError::RestartsTooFrequent { every });
    }
    // The issuer renews on a fixed period: refuse before working when that alone passes the
    // generation budget.
    let period = issuer_period(cfg).ok_or(Error::TimeOutOfRange {
        from: cfg.start,
        by: cfg.issuer.get_duration(),
    })?;
    let issuers = span.whole_seconds() / period.whole_seconds().max(1);
    if usize::try_from(issuers).unwrap_or(usize::MAX) >= MAX_GENERATIONS {
        return refuse(SimError::IssuerGenerations {
            issuers,
            every: period,
            max: MAX_GENERATIONS,
        });
    }
    // So does the anchor (cert-manager accepts any renewBefore under the duration: 87600h
    // renewing 87599h59m59s before expiry re-keys it every second). Every managed CA counts
    // against the same budget, refused before working.
    let managed = cfg
        .topology
        .above
        .iter()
        .filter(|n| n.kind.is_managed())
        .map(|n| &n.spec)
        .chain(cfg.topology.anchor.is_managed().then_some(&cfg.anchor));
    let (mut anchors, mut anchor_period) = (0i64, cfg.anchor.get_duration());
    for spec in managed {
        let period = crate::renewal::renews_after(spec).ok_or(Error::TimeOutOfRange {
            from: cfg.start,
            by: spec.get_duration(),
        })?;
        anchor_period = anchor_period.min(period);
        anchors = anchors.saturating_add(span.whole_seconds() / period.whole_seconds().max(1));
    }
    if usize::try_from(issuers.saturating_add(anchors)).unwrap_or(usize::MAX) >= MAX_GENERATIONS {
        return refuse(SimError::AnchorGenerations {
            anchors,
            every: anchor_period,
            issuers,
            max: MAX_GENERATIONS,
        });
    }
    // Staggered routine restarts are an event time each, and each costs about two workload
    // visits (the restart, and the queue entry its new leaf's refresh leaves behind): refuse
    // before working when they alone pass the work budget (100,000 workloads restarting every
    // minute: about 41 hours).
    let n = i64::try_from(pods).unwrap_or(i64::MAX);
    let mut restart_work = 0i64;
    if let Some(every) = cfg.restart_every {
        let per_workload = span.whole_seconds() / every.whole_seconds().max(1);
        restart_work = n.saturating_mul(per_workload.max(1)).saturating_mul(2);
        if usize::try_from(restart_work).unwrap_or(usize::MAX) > MAX_WORK {
            return refuse(SimError::RestartWork {
                workloads: cfg.workloads,
                every,
                horizon: span,
                max: MAX_WORK,
            });
        }
    }
    // Every pod also refreshes its leaf at 70% of its life (linkerd-proxy), restarts or not:
    // one visit each. With the restarts, refuse before working what would run out of budget
    // half-way (100,000 workloads over ten years: about 5.2e8 refreshes).
    let (refresh, _) = crate::renewal::linkerd_proxy_refresh_in(linkerd::WORKLOAD_DURATION);
    let refreshes =
        n.saturating_mul((span.whole_seconds() / refresh.whole_seconds().max(1)).max(1));
    let estimate = restart_work.saturating_add(refreshes);
    if usize::try_from(estimate).unwrap_or(usize::MAX) > MAX_WORK {
        return refuse(SimError::EstimatedWork {
            workloads: cfg.workloads,
            leaf_refresh: refresh,
            restart_every: cfg.restart_every,
            horizon: span,
            estimate: usize::try_from(estimate).unwrap_or(usize::MAX),
            max: MAX_WORK,
        });
    }
    Ok(())
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

/// When to start a planned anchor rotation asked for at `at`: cert-manager's CA issuer signs
/// the identity issuer with whatever the anchor Secret holds, so an automatic issuer renewal
/// inside steps 1 to 3 would re-sign it under the new anchor before everyone trusts it (the
/// five-step break). When a renewal is due within three hours of `at`, the rotation starts a
/// minute after it instead.
///
/// ```
/// use certcycle::plan::{Config, rotation_start};
/// use time::{Duration, macros::datetime};
/// let cfg = Config::seed(datetime!(2026-01-01 0:00 UTC)); // a 48h issuer renewing every 23h
/// let start = rotation_start(&cfg, datetime!(2026-01-01 22:00 UTC));
/// assert_eq!(start.after_renewal, Some(datetime!(2026-01-01 23:00 UTC)));
/// assert_eq!(start.at, datetime!(2026-01-01 23:01 UTC));
/// ```
pub fn rotation_start(cfg: &Config, at: OffsetDateTime) -> RotationStart {
    let after_renewal = at
        .checked_add(Duration::hours(3))
        .and_then(|horizon| issuer_renewal_before(cfg, horizon))
        .filter(|renewal| *renewal > at);
    RotationStart {
        at: after_renewal
            .and_then(|r| r.checked_add(Duration::MINUTE))
            .unwrap_or(at),
        after_renewal,
    }
}

/// When a rotation starts ([`rotation_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationStart {
    /// When step 1 runs.
    pub at: OffsetDateTime,
    /// The issuer renewal it waited for, if it waited.
    pub after_renewal: Option<OffsetDateTime>,
}

/// How a planned rotation went ([`Run::rotation_verdict`]), from the run's checkpoints.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum RotationVerdict<'a> {
    /// Continuity held before the rotation and at every checkpoint of it.
    Held,
    /// Continuity broke at this checkpoint of a step.
    BrokeAt(&'a Checkpoint),
    /// Continuity broke before the rotation started.
    BrokeBefore,
    /// No step ran.
    DidNotRun,
}

impl Run {
    /// How the planned rotation went (the run must record checkpoints:
    /// [`Config::checkpoints`]).
    pub fn rotation_verdict(&self) -> RotationVerdict<'_> {
        let held_before = self
            .checkpoints
            .iter()
            .take_while(|c| c.step.is_none())
            .all(Checkpoint::holds);
        let broke = self
            .checkpoints
            .iter()
            .find(|c| c.step.is_some() && !c.holds());
        match broke {
            Some(cp) if held_before => RotationVerdict::BrokeAt(cp),
            _ if !held_before => RotationVerdict::BrokeBefore,
            _ if self.last_step == 0 => RotationVerdict::DidNotRun,
            _ => RotationVerdict::Held,
        }
    }
}

/// The report of a plan: the run, and the fixes (only those that held are printed).
#[derive(Debug)]
#[non_exhaustive]
pub struct Report {
    /// The configuration's own run.
    pub run: Run,
    /// The fixes tried (empty when the run held): those that held first, smallest first.
    pub fixes: Vec<Fix>,
    /// What the fix search did ([`fix_search`]): its runs of the budget, and when nothing
    /// held, why.
    pub search: FixSearch,
    /// The horizon, for the verdict line.
    pub horizon: Duration,
    /// The present the report is dated from ([`Config::now`]).
    pub start: OffsetDateTime,
    /// When the run started: the start, or earlier to replay a break that already happened
    /// ([`Config::replay_from`]).
    pub run_start: OffsetDateTime,
    /// How much of the timeline the text shows (default: a summary).
    pub timeline: TimelineView,
    /// The unattended rotation's schedule, when the run had one ([`Config::auto`]): the HTML
    /// page draws its windows and tolerance.
    pub rotation: Option<crate::rotation::Schedule>,
}

impl Report {
    /// Shows the timeline as `view` in the text.
    pub fn timeline(mut self, view: TimelineView) -> Self {
        self.timeline = view;
        self
    }

    /// Simulates `cfg` and, if it breaks, tries the fixes.
    ///
    /// # Errors
    /// As [`simulate`].
    pub fn new<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Self, Error> {
        let run = simulate(cfg, rng)?;
        // No change made from the present on undoes a break that already happened.
        let (fixes, search) = if run.first_break.as_ref().is_some_and(|b| b.at >= cfg.now()) {
            fix_search(cfg, rng)?
        } else {
            (Vec::new(), FixSearch::default())
        };
        Ok(Self {
            run,
            fixes,
            search,
            horizon: cfg.horizon,
            start: cfg.now(),
            run_start: cfg.start,
            timeline: TimelineView::default(),
            rotation: cfg.auto.clone(),
        })
    }

    /// The report as one JSON document: `start`, `horizon`, `timeline[]` (`{at, who, what}`),
    /// `verdict` (`"no-break"` or `"break"`), `first_break` (`{at, day, client, server,
    /// reason}` or null), `causes[]` (timeline entries), `fixes[]` (`{change, held,
    /// first_break_day, objects, recurring, fields, operations}` — every fix tried, those that
    /// held first), `fix_search` (`{runs, budget, untried, why_none}`), `verifications`.
    #[cfg(feature = "json")]
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
                "reason": b.error.to_string(), "already_happened": b.at < self.start,
                "before_start": (b.at < self.start).then(|| crate::display::ago_text(self.start - b.at)),
            })),
            "causes": self.run.causes().into_iter().map(ev).collect::<Vec<_>>(),
            "fixes": self.fixes.iter().map(|f| json!({
                "change": f.change, "held": f.held(),
                "first_break_day": f.first_break.map(|b| b.1),
                "objects": f.objects, "recurring": f.recurring(), "searched_on": f.searched_on,
                "fields": f.fields.iter().map(|c| json!({
                    "certificate": c.certificate, "field": c.field, "value": c.value,
                })).collect::<Vec<_>>(),
                "operations": f.operations.iter().map(|o| match o {
                    Operation::RestartEvery(every) => json!({
                        "restart_every": GoDuration(*every).to_string(),
                    }),
                    Operation::Rotate { at, procedure } => json!({
                        "rotate_at": rfc3339(*at), "procedure": procedure.to_string(),
                    }),
                    Operation::ReplaceIssuer { at } => json!({
                        "replace_issuer_at": rfc3339(*at),
                    }),
                    Operation::RotateAuto { restart_every, windows } => json!({
                        "rotate_auto": {
                            "restart_every": GoDuration(*restart_every).to_string(),
                            "windows": windows.to_string(),
                        },
                    }),
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "fix_search": json!({
                "runs": self.search.runs, "budget": self.search.budget,
                "untried": self.search.untried, "why_none": self.search.why_none,
            }),
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

impl Report {
    /// When the first break is, in words: `day 61`, or for a break before the present (one
    /// that already happened) `day -40: 40d before the start, already happened`.
    pub fn break_day(&self) -> Option<String> {
        let b = self.run.first_break.as_ref()?;
        Some(if b.at < self.start {
            format!(
                "day {}: {} before the start, already happened",
                b.day,
                crate::display::ago_text(self.start - b.at)
            )
        } else {
            format!("day {}", b.day)
        })
    }

    /// Whether the first break is before the present: it already happened.
    pub fn broke_before_start(&self) -> bool {
        self.run
            .first_break
            .as_ref()
            .is_some_and(|b| b.at < self.start)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first_break = self.run.first_break.as_ref().map(|b| b.at);
        // Each line is one line: any input-derived text in it (a name, a subject, a file) has
        // its control and bidi characters made visible, so no input forges a report line.
        let line = |f: &mut fmt::Formatter<'_>, text: String| writeln!(f, "{}", visible(&text));
        for l in timeline_lines(&self.run.timeline, first_break, self.timeline) {
            line(f, l)?;
        }
        match &self.run.first_break {
            None => writeln!(f, "verdict: no break within {}", horizon_text(self.horizon))?,
            Some(b) => {
                line(
                    f,
                    format!(
                        "first break: {} ({}): {} -> {}: {} refuses {}'s certificate: {}",
                        rfc3339(b.at),
                        self.break_day().unwrap_or_default(),
                        b.client,
                        b.server,
                        b.server,
                        b.client,
                        b.error
                    ),
                )?;
                for c in self.run.causes() {
                    line(f, format!("cause: {c}"))?;
                }
                let held: Vec<&Fix> = self.fixes.iter().filter(|x| x.held()).collect();
                for x in &held {
                    let on = x.searched_on.map_or_else(String::new, |n| {
                        format!(" on {n} workloads, not yet on the whole mesh")
                    });
                    line(
                        f,
                        format!(
                            "fix: {} (re-simulated{on}: no break within {})",
                            x.change,
                            horizon_text(self.horizon)
                        ),
                    )?;
                }
                if self.broke_before_start() {
                    writeln!(
                        f,
                        "fix: none undoes a break that already happened: replace the expired certificate now (the cause lines name it and where it comes from), then plan again"
                    )?;
                } else if held.is_empty() {
                    writeln!(
                        f,
                        "fix: none of the {} fixes tried held over the horizon",
                        self.fixes.len()
                    )?;
                    for x in &self.fixes {
                        if let Some((_, day)) = x.first_break {
                            line(f, format!("fix-tried: {} (breaks on day {day})", x.change))?;
                        }
                    }
                    for why in &self.search.why_none {
                        line(f, format!("fix-why-none: {why}"))?;
                    }
                }
                if self.search.ran_out() {
                    writeln!(
                        f,
                        "fix-search: the budget of {} re-simulations ran out with {} candidates untried",
                        self.search.budget, self.search.untried
                    )?;
                }
            }
        }
        Ok(())
    }
}
