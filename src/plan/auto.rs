//! Unattended rotation's report (DESIGN §17): the schedule's windows with their reasons, each
//! rotation a run made, SPIRE's fractions on the same lifetimes, and the manifests and dated
//! actions that run it with cert-manager.

use super::{Config, RootsKind, Run};
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

/// The dated actions of a run's rotations, each with its command, in `cfg`'s names (the
/// cluster's anchor and previous-anchor Secrets, the CA issuers on them, the identity issuer
/// Certificate, the trust roots): what cert-manager cannot time by itself. With static trust
/// roots the loop writes them at each prepare ({new, old}) and retire ({new}): a `kubectl
/// apply` of the ConfigMap, or a `helm upgrade` of `identityTrustAnchorsPEM`.
pub fn dated_actions(cfg: &Config, run: &Run) -> String {
    use crate::shell::shell_line;
    let n = &cfg.names;
    let split = |s: &str| -> (String, String) {
        s.split_once('/')
            .map_or((String::new(), s.to_owned()), |(a, b)| {
                (a.to_owned(), b.to_owned())
            })
    };
    let ((ans, an), (pns, pn), (ins, iname)) = (
        split(&n.anchor_secret),
        split(&n.previous),
        split(&n.issuer),
    );
    let copy = format!(
        "{} | jq {} | kubectl apply -f -",
        shell_line(&["kubectl", "get", "secret", "-n", &ans, &an, "-o", "json"]),
        crate::shell::shell_quote(&format!(
            ".metadata = {{name: {}, namespace: {}}}",
            json_string(&pn),
            json_string(&pns)
        ))
    );
    let point = |kind_name: &str| {
        let (kind, name) = split(kind_name);
        let patch = format!(
            r#"{{"spec":{{"issuerRef":{{"name":{},"kind":{}}}}}}}"#,
            json_string(&name),
            json_string(&kind)
        );
        shell_line(&[
            "kubectl",
            "patch",
            "certificate",
            "-n",
            &ins,
            &iname,
            "--type",
            "merge",
            "-p",
            &patch,
        ])
    };
    let roots = match (cfg.topology.roots.kind, cfg.topology.roots.helm) {
        (RootsKind::Static, true) => Some(format!(
            "write the trust roots: {} (roots.pem: the anchor Secret's tls.crt, then the previous-anchor Secret's; the chart's trust-root-sha256 roll-out restarts the control plane)",
            shell_line(&[
                "helm",
                "upgrade",
                "linkerd-control-plane",
                "linkerd/linkerd-control-plane",
                "-n",
                "linkerd",
                "--reuse-values",
                "--set-file",
                "identityTrustAnchorsPEM=roots.pem",
            ])
        )),
        (RootsKind::Static, false) => {
            let (bns, bn) = split(&n.bundle);
            let bns = if bns.is_empty() {
                "linkerd".to_owned()
            } else {
                bns
            };
            Some(format!(
                "write the trust roots: {} | kubectl apply -f - (roots.pem: the anchor Secret's tls.crt, then the previous-anchor Secret's)",
                shell_line(&[
                    "kubectl",
                    "create",
                    "configmap",
                    "-n",
                    &bns,
                    &bn,
                    "--from-file=ca-bundle.crt=roots.pem",
                    "--dry-run=client",
                    "-o",
                    "yaml",
                ])
            ))
        }
        _ => None,
    };
    let mut out = format!("# install: {copy}\n");
    for a in &run.actions {
        let t = rfc3339(a.at);
        match a.action {
            Action::Prepare => out.push_str(&format!(
                "{t} prepare (cert-manager, by renewBefore; nothing to do)\n"
            )),
            Action::Activate => {
                out.push_str(&format!("{t} activate: {}\n", point(&n.anchor_ca_issuer)))
            }
            Action::Retire => {
                out.push_str(&format!(
                    "{t} retire: {copy} && {}\n",
                    point(&n.previous_ca_issuer)
                ));
                if let Some(w) = &roots {
                    out.push_str(&format!("{t} retire: {w}\n"));
                }
            }
            Action::SyncBundle if roots.is_some() => {
                out.push_str(&format!("{t} {}\n", roots.as_deref().unwrap_or_default()));
            }
            other => out.push_str(&format!("{t} {other}: {}\n", other.writes())),
        }
    }
    out
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
