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
                let when = procedure
                    .step_at(*at, i, cfg.mesh.leaf_lifetime())
                    .unwrap_or(*at);
                let command = match step {
                    Step::StageRoot | Step::SignWithNewRoot | Step::DropOldRoot => {
                        istio_step(*step, cfg)
                    }
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

/// The commands of a step of Istio's root rotation ([`Procedure::IstioRoot`]): cert-manager's
/// `cmctl`, istio-csr's chart (`helm upgrade --reuse-values`, the release and chart names of
/// istio-csr's install guide), and the root file written by hand where nothing syncs it.
///
/// [`Procedure::IstioRoot`]: crate::rotation::Procedure::IstioRoot
fn istio_step(step: crate::rotation::Step, cfg: &Config) -> String {
    use crate::presets::istio;
    use crate::rotation::Step;
    let names = &cfg.names;
    let split = |key: &str| -> (String, String) {
        match key.split_once('/') {
            Some((ns, n)) => (ns.to_owned(), n.to_owned()),
            None => ("default".to_owned(), key.to_owned()),
        }
    };
    let (rns, root) = split(&names.anchor);
    let (sns, secret) = split(&names.anchor_secret);
    let (pns, previous) = split(&names.previous);
    let signer_is_anchor = cfg.topology.signer_is_anchor;
    let static_roots = cfg.topology.roots.kind == RootsKind::Static;
    // The root file's object: `namespace/name`, before any description.
    let (fns, file) = split(names.bundle.split(" (").next().unwrap_or_default());
    let runtime_config = match &cfg.mesh {
        crate::plan::Mesh::Istio(csr) => csr.runtime_config.as_deref().map(split),
        crate::plan::Mesh::Linkerd => None,
    };
    let istio_csr_issuer = |kind_name: &str| {
        let (kind, name) = kind_name.split_once('/').unwrap_or(("Issuer", kind_name));
        if let Some((cns, cm)) = &runtime_config {
            return format!(
                "{} --dry-run=client -o yaml | kubectl apply -f - (istio-csr's runtime configuration)",
                shell_line(&[
                    "kubectl",
                    "-n",
                    cns,
                    "create",
                    "configmap",
                    cm,
                    &format!("--from-literal=issuer-name={name}"),
                    &format!("--from-literal=issuer-kind={kind}"),
                    "--from-literal=issuer-group=cert-manager.io",
                ])
            );
        }
        let home = match &cfg.mesh {
            crate::plan::Mesh::Istio(csr) => csr.values_home.as_ref(),
            crate::plan::Mesh::Linkerd => None,
        };
        match home {
            Some(crate::plan::ValuesHome::HelmRelease {
                namespace,
                name: hr,
            }) => {
                let patch = format!(
                    r#"{{"spec":{{"values":{{"app":{{"certmanager":{{"issuer":{{"name":"{name}","kind":"{kind}"}}}}}}}}}}}}"#
                );
                return format!(
                    "{} (or the same spec.values in Git, where Flux applies the HelmRelease from: it puts back what Git holds)",
                    shell_line(&[
                        "kubectl",
                        "-n",
                        namespace,
                        "patch",
                        "helmrelease",
                        hr,
                        "--type",
                        "merge",
                        "-p",
                        &patch,
                    ])
                );
            }
            Some(crate::plan::ValuesHome::Application {
                namespace,
                name: app,
                source_position,
            }) => {
                let position = source_position.map(|p| p.to_string());
                let mut line = vec![
                    "argocd",
                    "app",
                    "set",
                    app,
                    "--app-namespace",
                    namespace,
                    "--helm-set",
                ];
                let set_name = format!("app.certmanager.issuer.name={name}");
                let set_kind = format!("app.certmanager.issuer.kind={kind}");
                line.extend([set_name.as_str(), "--helm-set", set_kind.as_str()]);
                if let Some(p) = &position {
                    line.extend(["--source-position", p.as_str()]);
                }
                return format!(
                    "{} (or the same Helm parameters in Git, where the Application is kept: Argo CD puts back what Git holds)",
                    shell_line(&line)
                );
            }
            _ => {}
        }
        shell_line(&[
            "helm",
            "upgrade",
            "cert-manager-istio-csr",
            "jetstack/cert-manager-istio-csr",
            "-n",
            istio::CSR_NAMESPACE,
            "--reuse-values",
            "--set",
            &format!("app.certmanager.issuer.name={name}"),
            "--set",
            &format!("app.certmanager.issuer.kind={kind}"),
        ])
    };
    let get = |ns: &str, name: &str, key: &str| {
        format!(
            "{} -o jsonpath='{{.data.tls\\.{key}}}' | base64 -d",
            shell_line(&["kubectl", "-n", ns, "get", "secret", name])
        )
    };
    let tls = |key: &str| format!("<({})", get(&sns, &secret, key));
    // The new root (the root Secret's) and the old one (the copy's).
    let new = get(&sns, &secret, "crt");
    let old = get(&pns, &previous, "crt");
    let istiod = match &cfg.mesh {
        crate::plan::Mesh::Istio(csr) if !csr.istiod_reloads_root() => format!(
            "; then {} (before Istio 1.31 istiod reads its root file only at start)",
            shell_line(&[
                "kubectl",
                "rollout",
                "restart",
                "deploy/istiod",
                "-n",
                istio::NAMESPACE
            ])
        ),
        _ => String::new(),
    };
    let ztunnel = match &cfg.mesh {
        crate::plan::Mesh::Istio(csr) if csr.ztunnel_channel_static() => format!(
            "; then {} (before Istio 1.30 ztunnel reads the root file for its channel to istio-csr only at start)",
            shell_line(&[
                "kubectl",
                "rollout",
                "restart",
                "ds/ztunnel",
                "-n",
                istio::NAMESPACE
            ])
        ),
        _ => String::new(),
    };
    let write_file = |which: &str| {
        if static_roots {
            format!(
                "{} --from-file=ca.pem={which} --dry-run=client -o yaml | kubectl apply -f -",
                shell_line(&["kubectl", "-n", &fns, "create", "secret", "generic", &file])
            )
        } else {
            format!(
                "the Bundle {} writes it from the root Secret and the copy",
                names.bundle
            )
        }
    };
    // The root Secret, with its key, copied into the previous one.
    let copy = format!(
        "{} --cert={} --key={} --dry-run=client -o yaml | kubectl apply -f -",
        shell_line(&["kubectl", "-n", &pns, "create", "secret", "tls", &previous]),
        tls("crt"),
        tls("key")
    );
    match step {
        Step::StageRoot => {
            let sign = if signer_is_anchor {
                format!(
                    "; then create {} (spec.ca.secretName: {previous}) and {}",
                    names.previous_ca_issuer,
                    istio_csr_issuer(&names.previous_ca_issuer)
                )
            } else {
                String::new()
            };
            format!(
                "{copy}{sign}; then {}; then write the root file {{new, old}}: {}{istiod}{ztunnel}",
                shell_line(&["cmctl", "renew", "-n", &rns, &root]),
                write_file(&format!("<({new}; {old})"))
            )
        }
        Step::SignWithNewRoot if signer_is_anchor => istio_csr_issuer(&names.anchor_ca_issuer),
        Step::SignWithNewRoot => {
            let (ins, issuer) = split(names.issuer_key());
            shell_line(&["cmctl", "renew", "-n", &ins, &issuer])
        }
        _ => format!(
            "{copy}; then write the root file {{new}}: {}{istiod}",
            write_file(&format!("<({new})"))
        ),
    }
}
