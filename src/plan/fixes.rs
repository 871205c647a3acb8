//! The fix search (DESIGN §11): candidate changes, each grounded in the mechanism it fixes,
//! tried alone and then in compatible pairs, every one re-simulated over the same horizon
//! under one budget ([`MAX_FIX_RUNS`]); the fixes that held come first, smallest first.

mod parallel;
mod rotations;
mod why_none;

use super::{Config, simulate};
use crate::duration::GoDuration;
use crate::error::Error;
use crate::presets::linkerd;
use crate::rotation::{Procedure, WindowPolicy};
use crate::sim::CaKind;
use crate::spec::RotationPolicy;
use parallel::first_breaks;
use rand_core::CryptoRngCore;
pub use rotations::MAX_PLANNED_ROTATIONS;
use rotations::{previous_source, replace_issuer, seven_step};
use time::{Duration, OffsetDateTime};
use why_none::why_none;

/// The most re-simulations one fix search runs: single changes, pairs, and the confirmation
/// of each winner on the whole mesh, all from this one budget. The search says when it ran
/// out ([`FixSearch::ran_out`]).
pub const MAX_FIX_RUNS: usize = 24;

/// A mesh of more workloads than this is searched on this many (the classes its workloads
/// fall into are the same from two on), and each fix that held is confirmed on the whole mesh.
pub const SEARCH_WORKLOADS: usize = 8;

/// A fix the simulator re-ran over the same horizon, and whether it held.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Fix {
    /// What to change, in manifest terms, and the mechanism it answers.
    pub change: String,
    /// The re-run's first break, if it did not hold.
    pub first_break: Option<(OffsetDateTime, i64)>,
    /// The fields it changes in the manifests (empty for a fix that is only an operation).
    pub fields: Vec<FieldChange>,
    /// What it needs done besides the manifests, dated: routine restarts, a rotation.
    pub operations: Vec<Operation>,
    /// The objects it touches (`Certificate ns/name`, `every pod`), for ranking: fewest first.
    pub objects: Vec<String>,
    /// `Some(n)` when it was re-simulated on `n` workloads only (a large mesh's search,
    /// [`SEARCH_WORKLOADS`]) and not confirmed on the whole mesh: only the winner is.
    pub searched_on: Option<usize>,
}

impl Fix {
    /// Whether the re-run held over the horizon.
    pub fn held(&self) -> bool {
        self.first_break.is_none()
    }

    /// Whether it needs an operation again and again (routine restarts, an unattended loop,
    /// a planned rotation each anchor lifetime): a fix without one is preferred.
    pub fn recurring(&self) -> bool {
        let count = |f: fn(&Operation) -> bool| self.operations.iter().filter(|o| f(o)).count();
        count(|o| matches!(o, Operation::Rotate { .. })) > 1
            || count(|o| matches!(o, Operation::ReplaceIssuer { .. })) > 1
            || self
                .operations
                .iter()
                .any(|o| matches!(o, Operation::RestartEvery(_) | Operation::RotateAuto { .. }))
    }

    /// The ranking key: nothing recurring first (a chore repeated forever, such as restarting
    /// every pod daily, costs more than one more object in a one-off change), then fewest
    /// objects touched, then fewest changes.
    fn rank(&self) -> (bool, usize, usize) {
        (
            self.recurring(),
            self.objects.len(),
            self.fields.len() + self.operations.len(),
        )
    }
}

/// One field of one manifest a fix sets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldChange {
    /// The Certificate, `namespace/name` (as [`Names::anchor`](super::Names::anchor)); for
    /// a field of the trust-manager Bundle (`spec.sources.secret.name`), the Bundle's name.
    pub certificate: String,
    /// The field (`spec.renewBefore`, `spec.duration`, `spec.privateKey.rotationPolicy`,
    /// `spec.sources.secret.name`; `spec.sources`: a Secret source item added, named by
    /// `value`).
    pub field: &'static str,
    /// Its new value, as written in YAML (`1440h0m0s`, `Never`, a Secret's name).
    pub value: String,
    /// The value it replaces, for an item of a list (the Bundle source naming this Secret).
    pub replaces: Option<String>,
}

impl FieldChange {
    /// Whether it is a field of the trust-manager Bundle rather than of a Certificate.
    pub fn is_bundle_field(&self) -> bool {
        self.field.starts_with("spec.sources")
    }
}

/// What a fix needs done that no manifest field says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Restart the control plane and every workload this often, staggered.
    RestartEvery(Duration),
    /// Rotate the anchor by `procedure`, starting at `at` (steps five minutes apart).
    Rotate {
        /// When the first step runs.
        at: OffsetDateTime,
        /// The procedure.
        procedure: Procedure,
    },
    /// Replace the static identity issuer Secret by hand at `at`: a new issuer (new key, the
    /// same lifetime) signed by the anchor, written with `linkerd upgrade` or the Helm values.
    ReplaceIssuer {
        /// When it is replaced.
        at: OffsetDateTime,
    },
    /// Rotate the anchor unattended (DESIGN §17, `plan --rotation auto`): a reconcile loop
    /// runs the schedule proven for pods restarting every `restart_every`, with `windows`.
    RotateAuto {
        /// The restart cadence the schedule is proven for (and the pods keep).
        restart_every: Duration,
        /// How the windows are chosen.
        windows: WindowPolicy,
    },
}

impl Operation {
    /// Applies the operation to a configuration (as the fix's re-run did). An unattended
    /// rotation for which no schedule exists leaves the configuration without one (its
    /// re-run then shows why).
    pub fn apply(&self, cfg: Config) -> Config {
        match self {
            Self::RestartEvery(every) => cfg.restart_every(Some(*every)),
            Self::Rotate { at, procedure } => cfg.rotate_again_at(*at, *procedure),
            Self::ReplaceIssuer { at } => cfg.replace_issuer_at(*at),
            Self::RotateAuto {
                restart_every,
                windows,
            } => {
                let cfg = cfg.restart_every(Some(*restart_every));
                match auto_schedule(&cfg, *restart_every, *windows) {
                    Some(s) => cfg.auto_rotation(s),
                    None => cfg,
                }
            }
        }
    }

    /// The objects the operation touches, as the fix's ranking and `operations.yaml` name
    /// them (`Certificate ns/name`, `every pod`).
    pub fn objects(&self, cfg: &Config) -> Vec<String> {
        let n = &cfg.names;
        match self {
            Self::RestartEvery(_) => vec!["every pod".into()],
            Self::Rotate { procedure, .. } if procedure.is_istio() => {
                let mut v = vec![
                    format!("Certificate {}", n.anchor),
                    format!("Secret {}", n.previous),
                    format!("root file {}", n.bundle),
                ];
                v.push(if cfg.topology.signer_is_anchor {
                    format!("{} and istio-csr's Helm values", n.previous_ca_issuer)
                } else {
                    format!("Certificate {}", n.issuer)
                });
                v
            }
            Self::Rotate { .. } => vec![
                format!("Certificate {}", n.anchor),
                format!("Certificate {}", n.issuer),
                format!("Secret {}", n.previous),
                "every pod".into(),
            ],
            Self::ReplaceIssuer { .. } => vec![format!("Secret {}", n.issuer_key())],
            Self::RotateAuto { .. } => vec![
                format!("Certificate {}", n.anchor),
                format!("Certificate {}", n.issuer),
                format!("Secret {}", n.previous),
                format!("Bundle {}", n.bundle),
                "every pod".into(),
            ],
        }
    }
}

/// The schedule `--rotation auto` would run on `cfg` with pods restarting every `every`, if
/// its topology rotates unattended and the anchor fits the windows.
pub fn auto_schedule(
    cfg: &Config,
    every: Duration,
    windows: WindowPolicy,
) -> Option<crate::rotation::Schedule> {
    use crate::rotation::{Propagation, Schedule};
    cfg.topology.auto_rotatable().ok()?;
    Schedule::new(cfg.auto_lifetimes(), Propagation::RestartEvery(every))
        .and_then(|s| s.with_policy(windows))
        .ok()
}

/// What the fix search did: how many re-simulations of its budget it ran, whether the budget
/// ran out, and, when nothing held, why no change within the inputs can.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FixSearch {
    /// Re-simulations run (candidates and confirmations).
    pub runs: usize,
    /// The budget ([`MAX_FIX_RUNS`]).
    pub budget: usize,
    /// Candidates left untried when the budget ran out (0: the search was complete).
    pub untried: usize,
    /// When nothing held: why no change within the inputs can hold, and what would.
    pub why_none: Vec<String>,
}

impl FixSearch {
    /// Whether the budget ran out before every candidate was tried.
    pub fn ran_out(&self) -> bool {
        self.untried > 0
    }
}

/// Which knob a candidate turns: two candidates combine only when their knobs do not clash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Knob {
    RootsHoldRoot,
    PreviousSource,
    IssuerRenewal,
    ReplaceIssuer,
    AnchorDuration,
    AnchorRenewBefore,
    AnchorKey,
    Restarts,
    SevenStep,
    Auto,
}

impl Knob {
    /// Whether its re-run tends to be long (a rotation's, which usually holds and so runs the
    /// whole horizon): such runs start first, so the others fill the threads beside them.
    fn long(self) -> bool {
        matches!(self, Self::Auto | Self::SevenStep | Self::AnchorKey)
    }

    /// Whether `self` and `other` can be applied together: never two that set the same
    /// field (the anchor's renewBefore), nor two rotations, nor restarts beside the unattended
    /// rotation's own.
    fn combines_with(self, other: Self) -> bool {
        use Knob::*;
        let clash = |a, b| (self == a && other == b) || (self == b && other == a);
        self != other
            // The rotation fixes set the anchor's renewBefore themselves.
            && !clash(AnchorRenewBefore, SevenStep)
            && !clash(AnchorRenewBefore, Auto)
            && !clash(AnchorDuration, AnchorRenewBefore)
            && !clash(AnchorDuration, SevenStep)
            && !clash(AnchorDuration, Auto)
            && !clash(SevenStep, Auto)
            // Both edit the Bundle's sources; the unattended rotation writes its own.
            && !clash(PreviousSource, RootsHoldRoot)
            && !clash(PreviousSource, Auto)
            // The unattended rotation restarts on its own cadence.
            && !clash(Restarts, Auto)
    }
}

/// A candidate change: its knob, its text, what it writes and does, and the configuration
/// with it applied.
struct Candidate {
    knob: Knob,
    change: String,
    fields: Vec<FieldChange>,
    operations: Vec<Operation>,
    cfg: Config,
}

/// The leaf an identity issuer must cover: Linkerd's workload certificate.
fn workload_leaf() -> crate::spec::CertSpec {
    linkerd::workload(&linkerd::workload_identity("w", "default"))
}

/// The candidate changes for `cfg`, each grounded in the mechanism it answers.
fn candidates(cfg: &Config) -> Result<Vec<Candidate>, Error> {
    let mut out = Vec::new();
    let field = |certificate: &str, field, value: String| FieldChange {
        certificate: certificate.to_owned(),
        field,
        value,
        replaces: None,
    };
    let names = &cfg.names;
    let istio = !matches!(cfg.mesh, crate::sim::Mesh::Linkerd);
    let d = cfg.anchor.get_duration();
    let past = cfg.horizon + Duration::days(1);
    let managed = cfg.topology.anchor.is_managed();
    let external = cfg.topology.anchor == CaKind::External;
    // The anchor's signer, when it is an external one (Venafi, Vault): a longer anchor is then
    // an assumption that it grants the duration.
    let signer = if external {
        cfg.topology.above.last()
    } else {
        cfg.topology
            .above
            .last()
            .filter(|n| n.kind == CaKind::External)
    };
    // A three-tier chain whose trust roots hold the intermediate (Linkerd's anchor): each of
    // its re-keys changes what proxies must trust. The root above it, in the trust roots
    // instead, does not change when the intermediate does (its Secret must be where the
    // Bundle reads its sources: beside the anchor's).
    let trust_namespace = names.anchor_secret.split_once('/').map(|(ns, _)| ns);
    if cfg.topology.roots.kind == crate::sim::RootsKind::TrustManager
        && cfg.topology.roots.holds == crate::sim::Held::Signer
        && let Some((i, root, secret)) = cfg
            .topology
            .above
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind != CaKind::External)
            .find_map(|(i, n)| {
                let s = n.secret.as_deref()?;
                let (ns, name) = s.split_once('/')?;
                (Some(ns) == trust_namespace).then_some((i, n, name))
            })
        && let Some((_, anchor_secret)) = names.anchor_secret.split_once('/')
    {
        let mut c = cfg.clone();
        c.topology.roots.holds = crate::sim::Held::Above(i);
        out.push(Candidate {
            knob: Knob::RootsHoldRoot,
            change: format!(
                "the Bundle {} sources {} (the root, {}) instead of {} (the intermediate anchor): the intermediate's re-keys then change nothing proxies trust (the identity issuer's Secret carries the intermediate in its chain)",
                names.bundle, secret, root.name, anchor_secret
            ),
            fields: vec![FieldChange {
                certificate: names.bundle.clone(),
                field: "spec.sources.secret.name",
                value: secret.to_owned(),
                replaces: Some(anchor_secret.to_owned()),
            }],
            operations: vec![],
            cfg: c,
        });
    }
    // The identity issuer renews too late to cover a leaf (`issuer-lifetime-too-short`):
    // leaves issued before its renewal are cut short at its notAfter.
    if cfg.topology.issuer.is_managed()
        && let Some((_, need)) =
            crate::renewal::issuer_renews_too_late(&cfg.issuer, &workload_leaf())
    {
        let rb = Duration::hours(need.whole_hours() + 1);
        let mut fields = vec![field(
            &names.issuer,
            "spec.renewBefore",
            GoDuration(rb).to_string(),
        )];
        let mut spec = cfg.issuer.clone().renew_before(rb);
        spec.renew_before_percentage = None;
        if spec.duration <= rb + Duration::HOUR {
            spec.duration = rb * 2;
            fields.push(field(
                &names.issuer,
                "spec.duration",
                GoDuration(spec.duration).to_string(),
            ));
        }
        out.push(Candidate {
            knob: Knob::IssuerRenewal,
            change: format!(
                "renewBefore: {} on {} (it renewed {} before expiry, less than one {} workload certificate: leaves issued before the renewal were cut short at its notAfter)",
                GoDuration(rb),
                names.issuer,
                GoDuration(
                    crate::renewal::issuer_renews_too_late(&cfg.issuer, &workload_leaf())
                        .map_or(Duration::ZERO, |(w, _)| w)
                ),
                GoDuration(workload_leaf().get_duration()),
            ),
            fields,
            operations: vec![],
            cfg: cfg.clone().issuer_spec(spec),
        });
    }
    replace_issuer(cfg, &mut out);
    // The anchor re-keys inside the horizon: keep its renewal past it.
    if managed && d > past + crate::renewal::MINIMUM_RENEW_BEFORE {
        let rb = Duration::hours((d - past).whole_hours());
        let mut spec = cfg.anchor.clone().renew_before(rb);
        spec.renew_before_percentage = None;
        out.push(Candidate {
            knob: Knob::AnchorRenewBefore,
            change: format!(
                "renewBefore: {} on {} (its renewal, an unplanned anchor rotation, falls after the horizon)",
                GoDuration(rb),
                names.anchor
            ),
            fields: vec![field(
                &names.anchor,
                "spec.renewBefore",
                GoDuration(rb).to_string(),
            )],
            operations: vec![],
            cfg: cfg.clone().anchor_spec(spec),
        });
    }
    // A short anchor (under a year: cert-manager's default 90 days, a signer's 720h) that
    // re-keys inside the horizon: lengthen it, its first renewal after the horizon.
    if (managed || external)
        && d < Duration::days(365)
        && d <= past + crate::renewal::MINIMUM_RENEW_BEFORE
    {
        let long = Duration::days((past.whole_days() * 3 / 2).max(365));
        let rb = Duration::hours((long - past).whole_hours());
        let mut spec = cfg.anchor.clone().renew_before(rb);
        spec.renew_before_percentage = None;
        spec.duration = long;
        out.push(Candidate {
            knob: Knob::AnchorDuration,
            change: format!(
                "duration: {} and renewBefore: {} on {} (it lives {}, so it re-keys inside the horizon; lengthened, its first renewal falls after it{})",
                GoDuration(long),
                GoDuration(rb),
                names.anchor,
                GoDuration(d),
                signer.map_or_else(String::new, |n| format!(
                    "; an assumption: its external signer ({}) must grant that duration",
                    n.name
                ))
            ),
            fields: vec![
                field(&names.anchor, "spec.duration", GoDuration(long).to_string()),
                field(&names.anchor, "spec.renewBefore", GoDuration(rb).to_string()),
            ],
            operations: vec![],
            cfg: cfg.clone().anchor_spec(spec),
        });
    }
    // Under rotationPolicy Always every anchor renewal is a new key proxies do not trust.
    if managed && cfg.anchor.get_rotation_policy() != RotationPolicy::Never {
        out.push(Candidate {
            knob: Knob::AnchorKey,
            change: format!(
                "privateKey.rotationPolicy: Never on {} (renewals keep the key {} trust; the {} certificate they {} still expires at its notAfter)",
                names.anchor,
                if istio { "workloads" } else { "proxies" },
                names.anchor_noun,
                if istio { "hold" } else { "loaded" }
            ),
            fields: vec![field(
                &names.anchor,
                "spec.privateKey.rotationPolicy",
                "Never".into(),
            )],
            operations: vec![],
            cfg: cfg
                .clone()
                .anchor_spec(cfg.anchor.clone().rotation_policy(RotationPolicy::Never)),
        });
    }
    // Proxies load the trust roots only at start: restarts pick up a changed bundle.
    for every in [Duration::hours(24), Duration::hours(6)] {
        if cfg.restart_every.is_none_or(|e| e > every) {
            out.push(Candidate {
                knob: Knob::Restarts,
                change: format!(
                    "restart the control plane and every workload every {} (staggered: proxies load the trust roots only when their pod starts)",
                    GoDuration(every)
                ),
                fields: vec![],
                operations: vec![Operation::RestartEvery(every)],
                cfg: cfg.clone().restart_every(Some(every)),
            });
        }
    }
    seven_step(cfg, &mut out)?;
    previous_source(cfg, &mut out);
    // Unattended rotation (DESIGN §17), for every topology it drives: the anchor re-keys as
    // often as its lifetime needs, each rotation proven for the restart cadence (daily unless
    // the pods restart more often already).
    let every = cfg
        .restart_every
        .unwrap_or(Duration::DAY)
        .min(Duration::DAY);
    let windows = WindowPolicy::Robust;
    if cfg.auto.is_none()
        && let Some(schedule) = auto_schedule(cfg, every, windows)
    {
        out.push(Candidate {
            knob: Knob::Auto,
            change: format!(
                "rotate the anchor unattended (plan --rotation auto: {} windows, a new anchor every {}), with the control plane and every workload restarting every {}: write auto-rotation.yaml over the manifests and run the loop's dated actions",
                windows,
                GoDuration(schedule.period()),
                GoDuration(every)
            ),
            fields: vec![],
            operations: vec![Operation::RotateAuto {
                restart_every: every,
                windows,
            }],
            cfg: cfg
                .clone()
                .restart_every(Some(every))
                .auto_rotation(schedule),
        });
    }
    if !matches!(cfg.mesh, crate::sim::Mesh::Linkerd) {
        // Linkerd's procedures (restarts that reload the anchors, the unattended loop,
        // `linkerd upgrade`) are not another mesh's: what is left changes the certificates'
        // own fields, the root file's sources, or rotates by the mesh's own procedure
        // (`seven_step` plans Istio's there).
        out.retain(|c| {
            matches!(
                c.knob,
                Knob::RootsHoldRoot
                    | Knob::AnchorDuration
                    | Knob::AnchorRenewBefore
                    | Knob::AnchorKey
                    | Knob::PreviousSource
                    | Knob::SevenStep
            )
        });
    }
    Ok(out)
}

/// The objects a fix touches, for ranking.
fn objects(cfg: &Config, fields: &[FieldChange], operations: &[Operation]) -> Vec<String> {
    let mut out: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.is_bundle_field() {
                format!("Bundle {}", f.certificate)
            } else {
                format!("Certificate {}", f.certificate)
            }
        })
        .collect();
    let n = &cfg.names;
    // A new Bundle source is a Secret the copy step makes.
    if fields.iter().any(|f| f.field == "spec.sources") {
        out.push(format!("Secret {}", n.previous));
    }
    for op in operations {
        out.extend(op.objects(cfg));
    }
    out.sort();
    out.dedup();
    out
}

/// Candidate fixes for a configuration that breaks, each re-simulated over the same
/// horizon: single changes, then compatible pairs; the fixes that held first, smallest first
/// (nothing recurring first, then fewest objects touched), then those that did not, by
/// how late they broke. See [`fix_search`] for what the search did.
///
/// # Errors
/// As [`simulate`].
pub fn fixes<R: CryptoRngCore>(cfg: &Config, rng: &mut R) -> Result<Vec<Fix>, Error> {
    Ok(fix_search(cfg, rng)?.0)
}

/// [`fixes`], with what the search did: its runs of the one budget, and when nothing held, why.
///
/// The candidates (each says the mechanism it answers): an identity issuer renewBefore that
/// covers a leaf (`issuer-lifetime-too-short`); an anchor renewBefore that keeps its re-key
/// past the horizon; a longer anchor, for one too short for the horizon (for an external
/// signer, as an assumption it must grant); `rotationPolicy: Never` on the anchor; routine
/// restarts every 24h or 6h; renewBefore 1440h with the seven-step rotation at a computed
/// date; unattended rotation by the robust schedule, for every topology it drives. Pairs are
/// formed from the singles that did not hold, the second change computed on the first's
/// configuration (a rotation's date moves with an issuer's new renewals). On a mesh of more
/// than [`SEARCH_WORKLOADS`] workloads the search runs on that many and the winner is
/// confirmed on the whole mesh (with `rng`). The candidates of a round (the singles, then the
/// pairs) are simulated side by side on up to four threads, each issuing its keys from the
/// operating system's generator: the outcome never depends on keys.
///
/// ```
/// use certcycle::plan::{Config, fix_search};
/// use time::{Duration, macros::datetime};
/// let cfg = Config::seed(datetime!(2026-01-01 0:00 UTC)).horizon(Duration::days(100));
/// let (fixes, search) = fix_search(&cfg, &mut rand_core::OsRng)?;
/// assert!(fixes[0].held() && fixes[0].change.starts_with("renewBefore: "));
/// assert!(search.runs <= search.budget && !search.ran_out());
/// # Ok::<(), certcycle::Error>(())
/// ```
///
/// # Errors
/// As [`simulate`].
pub fn fix_search<R: CryptoRngCore>(
    cfg: &Config,
    rng: &mut R,
) -> Result<(Vec<Fix>, FixSearch), Error> {
    let mut search = FixSearch {
        budget: MAX_FIX_RUNS,
        ..FixSearch::default()
    };
    let small = cfg.workloads > SEARCH_WORKLOADS;
    // On a reduced mesh, part of the budget is kept for confirming the winners.
    let for_candidates = if small {
        MAX_FIX_RUNS - 4
    } else {
        MAX_FIX_RUNS
    };
    let base = if small {
        cfg.clone().workloads(SEARCH_WORKLOADS)
    } else {
        cfg.clone()
    };
    // Every candidate tried: its fix, its configuration, its knob (none for a pair).
    let mut tried: Vec<(Fix, Config, Option<Knob>)> = Vec::new();
    let entry = |c: Candidate,
                 prefix: Option<&Fix>,
                 first_break: Option<(OffsetDateTime, i64)>|
     -> (Fix, Config, Option<Knob>) {
        let (mut fields, mut operations, mut change) = (c.fields, c.operations, c.change);
        if let Some(first) = prefix {
            fields.splice(0..0, first.fields.iter().cloned());
            operations.splice(0..0, first.operations.iter().cloned());
            change = format!("{}; and {change}", first.change);
        }
        (
            Fix {
                objects: objects(cfg, &fields, &operations),
                change,
                first_break,
                fields,
                operations,
                searched_on: small.then_some(SEARCH_WORKLOADS),
            },
            c.cfg,
            prefix.is_none().then_some(c.knob),
        )
    };
    let mut singles = candidates(&base)?;
    if singles.len() > for_candidates {
        search.untried += singles.len() - for_candidates;
        singles.truncate(for_candidates);
    }
    search.runs += singles.len();
    let breaks = first_breaks(singles.iter().map(|c| (&c.cfg, c.knob.long())))?;
    for (c, b) in singles.into_iter().zip(breaks) {
        tried.push(entry(c, None, b));
    }
    // Pairs: first a field change that did not hold alone, then a candidate computed on its
    // configuration (a rotation's date moves with the issuer's new renewals), of a knob that
    // combines with it. When a single change held, only the pairs that would rank before it
    // (fewer objects, or as few and nothing recurring) are worth their re-runs.
    let best = tried
        .iter()
        .filter(|t| t.0.held())
        .map(|t| t.0.rank())
        .min();
    {
        let mut pairs: Vec<(Fix, Candidate)> = Vec::new();
        for (first, c, knob) in &tried {
            let Some(knob) = *knob else { continue };
            if !first.operations.is_empty() || first.held() {
                continue;
            }
            for s in candidates(c)? {
                let rank = || {
                    let mut fields = first.fields.clone();
                    fields.extend(s.fields.iter().cloned());
                    let mut operations = first.operations.clone();
                    operations.extend(s.operations.iter().cloned());
                    Fix {
                        objects: objects(cfg, &fields, &operations),
                        fields,
                        operations,
                        change: String::new(),
                        first_break: None,
                        searched_on: None,
                    }
                    .rank()
                };
                if s.knob > knob && knob.combines_with(s.knob) && best.is_none_or(|b| rank() < b) {
                    pairs.push((first.clone(), s));
                }
            }
        }
        let room = for_candidates.saturating_sub(search.runs);
        if pairs.len() > room {
            search.untried += pairs.len() - room;
            pairs.truncate(room);
        }
        search.runs += pairs.len();
        let breaks = first_breaks(pairs.iter().map(|(_, c)| (&c.cfg, c.knob.long())))?;
        for ((first, s), b) in pairs.into_iter().zip(breaks) {
            tried.push(entry(s, Some(&first), b));
        }
    }
    let rank = |a: &(Fix, Config, Option<Knob>), b: &(Fix, Config, Option<Knob>)| match (
        a.0.held(),
        b.0.held(),
    ) {
        (true, true) => a.0.rank().cmp(&b.0.rank()),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => {
            b.0.first_break
                .map(|x| x.0)
                .cmp(&a.0.first_break.map(|x| x.0))
        }
    };
    tried.sort_by(rank);
    // On a reduced mesh the winner is confirmed on the whole one: the smallest fix that held
    // on the reduced mesh and holds on the whole (one that breaks there says so, and the next
    // is confirmed). The others keep `searched_on`.
    if small {
        for (fix, c, _) in tried.iter_mut().filter(|t| t.0.held()) {
            if search.runs >= MAX_FIX_RUNS {
                search.untried += 1;
                break;
            }
            search.runs += 1;
            let run = simulate(&c.clone().workloads(cfg.workloads), rng)?;
            fix.first_break = run.first_break.map(|b| (b.at, b.day));
            fix.searched_on = None;
            if fix.held() {
                break;
            }
        }
        tried.sort_by(rank);
    }
    let out: Vec<Fix> = tried.into_iter().map(|t| t.0).collect();
    if !out.iter().any(Fix::held) {
        search.why_none = why_none(cfg);
    }
    Ok((out, search))
}

#[cfg(test)]
mod tests {
    use super::Knob::{self, *};

    #[test]
    fn knobs_that_set_the_same_field_or_both_rotate_never_pair() {
        let all = [
            RootsHoldRoot,
            PreviousSource,
            IssuerRenewal,
            ReplaceIssuer,
            AnchorDuration,
            AnchorRenewBefore,
            AnchorKey,
            Restarts,
            SevenStep,
            Auto,
        ];
        for a in all {
            for b in all {
                assert_eq!(a.combines_with(b), b.combines_with(a), "{a:?} {b:?}");
            }
            assert!(!a.combines_with(a));
        }
        // Each of these sets the anchor's renewBefore.
        let renew: [Knob; 4] = [AnchorDuration, AnchorRenewBefore, SevenStep, Auto];
        for a in renew {
            for b in renew {
                assert!(!a.combines_with(b), "{a:?} {b:?}");
            }
        }
        assert!(!Restarts.combines_with(Auto));
        assert!(IssuerRenewal.combines_with(SevenStep) && AnchorKey.combines_with(SevenStep));
    }
}
