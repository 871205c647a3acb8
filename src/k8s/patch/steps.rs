//! A fix's operations as the dated steps a person takes, each with its command.

use super::{NamespacedName, Operation};
use crate::duration::GoDuration;
use crate::plan::Config;
use crate::shell::shell_line;
use crate::sim::{CaKind, RootsKind};

/// An operation as dated steps `(at, what, command)`, each with the command that does it
/// (`cfg` says which objects, and what makes the anchor and the issuer: cert-manager renews
/// a managed one, a person makes a static one with `step`); `at` is empty for a standing
/// operation (routine restarts).
pub(super) fn operation_steps(op: &Operation, cfg: &Config) -> Vec<(String, String, String)> {
    use crate::rotation::Step;
    let names = &cfg.names;
    let issuer = &cfg.issuer;
    let static_anchor = cfg.topology.anchor == CaKind::Static;
    let static_issuer = cfg.topology.issuer == CaKind::Static;
    let static_roots = cfg.topology.roots.kind == RootsKind::Static;
    let split = |key: &str| -> NamespacedName {
        match key.split_once('/') {
            Some((ns, n)) => NamespacedName::new(ns, n),
            None => NamespacedName::new("default", key),
        }
    };
    let NamespacedName {
        namespace: ans,
        name: an,
    } = split(&names.anchor);
    let NamespacedName {
        namespace: ins,
        name: inn,
    } = split(names.issuer_key());
    match op {
        Operation::RotateAuto {
            restart_every,
            windows,
        } => vec![(
            String::new(),
            format!(
                "rotate the anchor unattended ({windows} windows, every pod restarting every {})",
                GoDuration(*restart_every)
            ),
            "kubectl apply -f auto-rotation.yaml; then take the dated actions in dated-actions.txt as they fall due (or run a loop calling certcycle::rotation::reconcile)".to_owned(),
        )],
        Operation::ReplaceIssuer { at } => vec![(
            crate::display::rfc3339(*at),
            format!(
                "replace the identity issuer Secret {} (a new key, signed by the anchor, {} as now)",
                names.issuer_key(),
                GoDuration(issuer.get_duration())
            ),
            replace_issuer(issuer, "ca.crt", "ca.key"),
        )],
        Operation::RestartEvery(every) => vec![(
            String::new(),
            format!(
                "restart the control plane and every workload every {}, staggered (a rollout schedule, not a manifest field)",
                GoDuration(*every)
            ),
            "kubectl rollout restart deploy -n linkerd; then each meshed namespace".to_owned(),
        )],
        Operation::Rotate { at, procedure } => procedure
            .steps()
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let when = at
                    .checked_add(time::Duration::minutes(5) * i32::try_from(i).unwrap_or(0))
                    .unwrap_or(*at);
                let command = match step {
                    Step::StageAnchor if static_anchor => format!(
                        "{}; then write ca-new.crt and ca-new.key into {} and publish the trust roots {{ca-new.crt, ca.crt}} ({})",
                        shell_line(&[
                            "step", "certificate", "create",
                            cfg.anchor.get_common_name().unwrap_or("root.linkerd.cluster.local"),
                            "ca-new.crt", "ca-new.key", "--profile", "root-ca", "--no-password",
                            "--insecure", "--not-after",
                            &GoDuration(cfg.anchor.get_duration()).to_string(),
                        ]),
                        names.anchor_secret,
                        if static_roots {
                            "linkerd upgrade --identity-trust-anchors-file with both certificates in one file"
                        } else {
                            "the Bundle does, from the anchor Secret and the previous-anchor Secret"
                        }
                    ),
                    Step::StageAnchor => shell_line(&["cmctl", "renew", "-n", &ans, &an]),
                    Step::ResignIssuer | Step::RenewIssuerEarly if static_issuer => {
                        replace_issuer(issuer, "ca-new.crt", "ca-new.key")
                    }
                    Step::ResignIssuer | Step::RenewIssuerEarly => {
                        shell_line(&["cmctl", "renew", "-n", &ins, &inn])
                    }
                    Step::DropOldAnchor | Step::DropOldAnchorAndRestart if static_roots => format!(
                        "publish the trust roots {{ca-new.crt}} alone ({}){}",
                        shell_line(&[
                            "linkerd", "upgrade", "--identity-trust-anchors-file", "ca-new.crt",
                        ]),
                        if *step == Step::DropOldAnchorAndRestart {
                            "; then restart the control plane and every meshed namespace"
                        } else {
                            ""
                        }
                    ),
                    Step::RestartControlPlane => "kubectl rollout restart deploy -n linkerd".into(),
                    Step::RestartDataPlane => {
                        "kubectl rollout restart deploy -n NS, for each meshed namespace NS".into()
                    }
                    _ => format!(
                        "{}{}",
                        crate::shell::copy_tls_crt(&names.anchor_secret, &names.previous),
                        if *step == Step::DropOldAnchorAndRestart {
                            "; then restart the control plane and every meshed namespace"
                        } else {
                            ""
                        }
                    ),
                };
                (
                    crate::display::rfc3339(when),
                    format!("step {}: {step}", i + 1),
                    command,
                )
            })
            .collect(),
    }
}

/// The commands that replace a static identity issuer: `step` makes one signed by the CA in
/// `ca`/`ca_key`, of `issuer`'s name and lifetime, and `linkerd upgrade` writes it.
fn replace_issuer(issuer: &crate::spec::CertSpec, ca: &str, ca_key: &str) -> String {
    format!(
        "{}; then {} | kubectl apply -f - (or the Helm values identity.issuer.tls.crtPEM and keyPEM)",
        shell_line(&[
            "step",
            "certificate",
            "create",
            issuer
                .get_common_name()
                .unwrap_or("identity.linkerd.cluster.local"),
            "issuer.crt",
            "issuer.key",
            "--profile",
            "intermediate-ca",
            "--not-after",
            &GoDuration(issuer.get_duration()).to_string(),
            "--no-password",
            "--insecure",
            "--ca",
            ca,
            "--ca-key",
            ca_key,
        ]),
        shell_line(&[
            "linkerd",
            "upgrade",
            "--identity-issuer-certificate-file",
            "issuer.crt",
            "--identity-issuer-key-file",
            "issuer.key",
        ]),
    )
}
