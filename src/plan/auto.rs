//! Unattended rotation's report (DESIGN §17): the schedule's windows with their reasons, each
//! rotation a run made, SPIRE's fractions on the same lifetimes, and the manifests and dated
//! actions that run it with cert-manager.

use super::Run;
use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::rotation::{Action, Schedule};
use time::OffsetDateTime;

/// One anchor rotation of an unattended run: when each of its actions was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rotation {
    /// The new anchor entered the bundle (cert-manager re-keyed the anchor Certificate).
    pub prepare: OffsetDateTime,
    /// The identity issuer was re-signed under it.
    pub activate: Option<OffsetDateTime>,
    /// The old anchor left the bundle.
    pub retire: Option<OffsetDateTime>,
}

/// The rotations of a run with [`Config::auto`](super::Config::auto), in order.
pub fn rotations(run: &Run) -> Vec<Rotation> {
    let mut out: Vec<Rotation> = Vec::new();
    for a in &run.actions {
        match a.action {
            Action::Prepare => out.push(Rotation {
                prepare: a.at,
                activate: None,
                retire: None,
            }),
            Action::Activate => {
                if let Some(r) = out.last_mut().filter(|r| r.activate.is_none()) {
                    r.activate = Some(a.at);
                }
            }
            Action::Retire => {
                if let Some(r) = out.last_mut().filter(|r| r.retire.is_none()) {
                    r.retire = Some(a.at);
                }
            }
            _ => {}
        }
    }
    out
}

/// The report's lines: the schedule (each window, its length and why), SPIRE's windows for
/// the same anchor, and each rotation the run made.
///
/// ```
/// use certcycle::plan::{Config, auto_lines, simulate};
/// use certcycle::rotation::{Lifetimes, Propagation, Schedule};
/// use time::{Duration, macros::datetime};
/// let schedule = Schedule::new(
///     Lifetimes::linkerd(Duration::days(20)),
///     Propagation::RestartEvery(Duration::DAY),
/// )?;
/// let mut cfg = Config::seed(datetime!(2026-01-01 0:00 UTC))
///     .restart_every(Some(Duration::DAY))
///     .horizon(Duration::days(45));
/// cfg.anchor = certcycle::CertSpec::ca("root.linkerd.cluster.local", Duration::days(20));
/// let run = simulate(&cfg.auto_rotation(schedule.clone()), &mut rand_core::OsRng)?;
/// assert!(run.first_break.is_none());
/// let lines = auto_lines(&schedule, &run);
/// assert!(lines.iter().any(|l| l.starts_with("rotation 2: prepare 2026-02-")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn auto_lines(schedule: &Schedule, run: &Run) -> Vec<String> {
    let d = schedule.lifetimes().anchor;
    let mut out = vec![format!(
        "rotation: auto, {} ({} anchors, {} leaves), {} windows",
        schedule.propagation_by(),
        GoDuration(d),
        GoDuration(schedule.lifetimes().leaf),
        schedule.policy()
    )];
    for b in schedule.bounds() {
        out.push(format!(
            "  window {}: {}: {}",
            b.window,
            GoDuration(b.length),
            b.reason
        ));
    }
    let (spire_prepare, spire_activate) = schedule.spire();
    out.push(format!(
        "  anchor Certificate renewBefore {} (cert-manager prepares by itself), a new anchor every {}",
        GoDuration(schedule.anchor_renew_before()),
        GoDuration(schedule.period())
    ));
    out.push(format!(
        "  SPIRE on a {} anchor: prepare {} and activate {} before expiry; proven here: {} and {}",
        GoDuration(d),
        GoDuration(spire_prepare),
        GoDuration(spire_activate),
        GoDuration(schedule.anchor_renew_before()),
        GoDuration(schedule.drain() + schedule.slack())
    ));
    out.extend(schedule.tolerance().lines(schedule));
    let at = |t: Option<OffsetDateTime>| t.map_or("-".to_owned(), rfc3339);
    for (i, r) in rotations(run).iter().enumerate() {
        out.push(format!(
            "rotation {}: prepare {}, activate {}, retire {}",
            i + 1,
            rfc3339(r.prepare),
            at(r.activate),
            at(r.retire)
        ));
    }
    out
}

/// The report as JSON: `{propagation, policy ("robust" | "minimal"), windows[] ({window,
/// seconds, floor_seconds, reason}), anchor_renew_before_seconds, period_seconds, tolerance:
/// {loop_down_seconds, cert_manager_down_seconds, restarts_late_seconds}, spire:
/// {prepare_before_seconds, activate_before_seconds}, rotations[] ({prepare, activate,
/// retire}: RFC 3339 or null)}`.
#[cfg(feature = "json")]
pub fn auto_json(schedule: &Schedule, run: &Run) -> serde_json::Value {
    use crate::rotation::Window;
    use serde_json::json;
    let (spire_prepare, spire_activate) = schedule.spire();
    let at = |t: Option<OffsetDateTime>| t.map(rfc3339);
    let tolerance = schedule.tolerance();
    let floor = |w: Window| match w {
        Window::Propagation => schedule.propagation_floor(),
        Window::Drain => schedule.drain_floor(),
        _ => schedule.slack_floor(),
    };
    json!({
        "propagation": schedule.propagation_by().to_string(),
        "policy": schedule.policy().to_string(),
        "tolerance": {
            "loop_down_seconds": tolerance.loop_down.whole_seconds(),
            "cert_manager_down_seconds": tolerance.cert_manager_down.whole_seconds(),
            "restarts_late_seconds": tolerance.restarts_late.whole_seconds(),
        },
        "windows": schedule.bounds().iter().map(|b| json!({
            "window": b.window.to_string(),
            "seconds": b.length.whole_seconds(),
            "floor_seconds": floor(b.window).whole_seconds(),
            "reason": b.reason,
        })).collect::<Vec<_>>(),
        "anchor_renew_before_seconds": schedule.anchor_renew_before().whole_seconds(),
        "period_seconds": schedule.period().whole_seconds(),
        "spire": {
            "prepare_before_seconds": spire_prepare.whole_seconds(),
            "activate_before_seconds": spire_activate.whole_seconds(),
        },
        "rotations": rotations(run).iter().map(|r| json!({
            "prepare": rfc3339(r.prepare),
            "activate": at(r.activate),
            "retire": at(r.retire),
        })).collect::<Vec<_>>(),
    })
}

/// The dated actions of a run's rotations, each with its command: what cert-manager cannot
/// time by itself.
pub fn dated_actions(run: &Run) -> String {
    let mut out = String::from(
        "# install: kubectl get secret -n cert-manager linkerd-trust-anchor -o json | jq '.metadata = {name: \"linkerd-previous-anchor\", namespace: \"cert-manager\"}' | kubectl apply -f -\n",
    );
    for a in &run.actions {
        let t = rfc3339(a.at);
        match a.action {
            Action::Prepare => out.push_str(&format!(
                "{t} prepare (cert-manager, by renewBefore; nothing to do)\n"
            )),
            Action::Activate => out.push_str(&format!(
                "{t} activate: kubectl patch certificate -n linkerd linkerd-identity-issuer --type merge -p '{{\"spec\":{{\"issuerRef\":{{\"name\":\"linkerd-trust-anchor\"}}}}}}'\n"
            )),
            Action::Retire => out.push_str(&format!(
                "{t} retire: kubectl get secret -n cert-manager linkerd-trust-anchor -o json | jq '.metadata = {{name: \"linkerd-previous-anchor\", namespace: \"cert-manager\"}}' | kubectl apply -f - && kubectl patch certificate -n linkerd linkerd-identity-issuer --type merge -p '{{\"spec\":{{\"issuerRef\":{{\"name\":\"linkerd-previous-anchor\"}}}}}}'\n"
            )),
            other => out.push_str(&format!("{t} {other}: {}\n", other.writes())),
        }
    }
    out
}
