//! Cluster objects in (feature `k8s`): the seed's manifests as the document gives them, real
//! Secrets and ConfigMaps made by `kubectl create ... --dry-run=client` (YAML, JSON, and the
//! `List` that `kubectl get` prints), each lint on its smallest manifest, each rotation phase
//! read back from kubectl's YAML, and located input errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{CheckReport, Cluster, IssuerResolution, K8sError, Objects, ResolveOptions};
use certcycle::rotation::{AnchorRotation, Broken, Phase};
use certcycle::{Ca, Certificate, PrivateKey, RotationPolicy, TrustBundle, presets::linkerd};
use std::path::Path;
use support::{T0, kubectl, rng, secret};
use time::Duration;

const SEED: &str = include_str!("../examples/data/seed.yaml");
const SEED_2025: &str = include_str!("../examples/data/seed-corrected-2025-12.yaml");

fn lint_ids(yaml: &str) -> Vec<&'static str> {
    let cluster = Cluster::resolve(
        Objects::read("t.yaml", yaml).unwrap(),
        &ResolveOptions::default(),
    );
    cluster.lints().into_iter().map(|l| l.id).collect()
}

/// The seed's manifests with the one mistake that no line of them fixes for the reader: the
/// anchor renewing 7320h before expiry (day 60). This is the corrected form the lints are
/// silent on.
fn corrected() -> String {
    SEED.replace("renewBefore: 7320h0m0s", "renewBefore: 1440h0m0s")
}

#[test]
fn the_seed_manifests_read_as_the_document_gives_them() {
    let objects = Objects::read("seed.yaml", SEED).unwrap();
    assert_eq!(objects.objects.len(), 5);
    let ignored: Vec<_> = objects.ignored.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(ignored, ["ServiceAccount", "Role", "RoleBinding"]);
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let anchor = cluster
        .certificate("cert-manager", "linkerd-trust-anchor")
        .unwrap();
    assert_eq!(anchor.issuer, IssuerResolution::SelfSigned);
    assert!(anchor.is_anchor());
    assert_eq!(anchor.spec.get_duration(), Duration::hours(8760));
    assert_eq!(anchor.spec.get_renew_before(), Some(Duration::hours(7320)));
    assert_eq!(anchor.spec.get_rotation_policy(), RotationPolicy::Always);
    assert!(anchor.explicit_rotation_policy);
    let issuer = cluster.identity_issuer().unwrap();
    assert_eq!(
        issuer.issuer,
        IssuerResolution::Ca {
            namespace: "cert-manager".into(),
            name: "linkerd-trust-anchor".into()
        }
    );
    assert_eq!(issuer.spec.get_duration(), Duration::hours(48));
    assert_eq!(issuer.spec.get_renew_before(), Some(Duration::hours(25)));
    assert_eq!(
        issuer.spec.get_common_name(),
        Some("identity.linkerd.cluster.local")
    );
    let b = cluster.trust_roots().unwrap();
    assert_eq!(b.sources.len(), 2);
    assert_eq!(b.target_key, "ca-bundle.crt");
    // The previous-anchor Secret is managed by nothing: said as an assumption.
    assert!(
        cluster
            .assumptions
            .iter()
            .any(|a| a.contains("linkerd-previous-anchor"))
    );
    // Only the re-key lint fires on the seed, and on its 2025-12 revision too.
    assert_eq!(lint_ids(SEED), ["anchor-early-rekey"]);
    assert_eq!(lint_ids(SEED_2025), ["anchor-early-rekey"]);
    let lint = &cluster.lints()[0];
    assert!(lint.message.contains("on day 60"), "{lint}");
    assert!(lint_ids(&corrected()).is_empty());
}

#[test]
fn each_lint_fires_on_its_smallest_manifest_and_not_on_the_corrected_form() {
    let good = corrected();
    let cases: [(&str, &str, &str); 10] = [
        // A namespaced Issuer referenced from another namespace (the seed's own warning).
        (
            "issuer-ref-other-namespace",
            "    name: linkerd-identity-issuer\n    kind: ClusterIssuer",
            "    name: linkerd-trust-root-issuer\n    kind: Issuer",
        ),
        (
            "bundle-single-source",
            "    - secret:\n        name: \"linkerd-previous-anchor\"\n        key: \"tls.crt\"\n",
            "",
        ),
        (
            "anchor-early-rekey",
            "renewBefore: 1440h0m0s",
            "renewBefore: 7320h0m0s",
        ),
        (
            "ca-rotation-policy-implicit",
            "  duration: 48h0m0s\n  renewBefore: 25h0m0s\n  privateKey:\n    rotationPolicy: Always\n",
            "  duration: 48h0m0s\n  renewBefore: 25h0m0s\n  privateKey:\n",
        ),
        (
            "identity-issuer-not-ca",
            "isCA: true\n  commonName: identity",
            "isCA: false\n  commonName: identity",
        ),
        (
            "issuer-lifetime-too-short",
            "renewBefore: 25h0m0s",
            "renewBefore: 16h0m0s",
        ),
        (
            "bundle-target-key",
            "key: \"ca-bundle.crt\"",
            "key: \"ca.crt\"",
        ),
        (
            // trust-manager's newer Bundle: a Secret target only writes no ConfigMap.
            "bundle-no-configmap-target",
            "  target:\n    configMap:\n      key: \"ca-bundle.crt\"",
            "  target:\n    secret:\n      key: \"ca-bundle.crt\"",
        ),
        (
            // A PKCS#12 store under the PEM key: a ConfigMap key in data and binaryData.
            "bundle-pkcs12-key-collides",
            "  target:\n    configMap:\n      key: \"ca-bundle.crt\"",
            "  target:\n    additionalFormats:\n      pkcs12:\n        key: \"ca-bundle.crt\"\n        profile: Modern2023\n    configMap:\n      key: \"ca-bundle.crt\"",
        ),
        (
            "ca-key-not-ecdsa",
            "  duration: 48h0m0s\n  renewBefore: 25h0m0s\n  privateKey:\n    rotationPolicy: Always\n    algorithm: ECDSA",
            "  duration: 48h0m0s\n  renewBefore: 25h0m0s\n  privateKey:\n    rotationPolicy: Always",
        ),
    ];
    for (id, right, wrong) in cases {
        assert!(
            good.contains(right),
            "{id}: the corrected form holds {right:?}"
        );
        let bad = good.replacen(right, wrong, 1);
        assert_eq!(lint_ids(&bad), [id], "{id} alone fires on its mistake");
    }
    assert!(lint_ids(&good).is_empty());
}

#[test]
fn rotation_policy_default_is_stated_and_follows_the_assumed_release() {
    let no_policy = corrected().replacen("    rotationPolicy: Always\n", "", 1);
    for (options, expect) in [
        (ResolveOptions::default(), RotationPolicy::Always),
        (
            ResolveOptions::default().cert_manager_before_1_18(),
            RotationPolicy::Never,
        ),
    ] {
        let c = Cluster::resolve(Objects::read("t", &no_policy).unwrap(), &options);
        let anchor = c
            .certificate("cert-manager", "linkerd-trust-anchor")
            .unwrap();
        assert!(!anchor.explicit_rotation_policy);
        assert_eq!(anchor.spec.get_rotation_policy(), expect);
        let said = c
            .assumptions
            .iter()
            .find(|a| a.contains("Certificate/cert-manager/linkerd-trust-anchor"))
            .unwrap();
        assert!(
            said.contains(if expect == RotationPolicy::Always {
                "1.18 and later"
            } else {
                "1.17 and before"
            }),
            "{said}"
        );
        let ids: Vec<_> = c.lints().into_iter().map(|l| l.id).collect();
        assert!(ids.contains(&"ca-rotation-policy-implicit"));
    }
}

// ---- real objects from kubectl ----

fn config_map(dir: &Path, bundle: &TrustBundle, format: &str) -> String {
    let path = dir.join("ca-bundle.crt");
    std::fs::write(&path, bundle.to_pem()).unwrap();
    kubectl(&[
        "create",
        "configmap",
        linkerd::TRUST_ROOTS_CONFIGMAP,
        "-n",
        "linkerd",
        &format!("--from-file=ca-bundle.crt={}", path.display()),
        "--dry-run=client",
        "-o",
        format,
    ])
}

/// kubectl's YAML objects as the `List` `kubectl get -o yaml` prints.
fn yaml_list(objects: &[String]) -> String {
    let mut out = String::from("apiVersion: v1\nitems:\n");
    for o in objects {
        for (i, line) in o.lines().enumerate() {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    out
}

fn json_list(objects: &[String]) -> String {
    format!(
        "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n{}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\"resourceVersion\": \"\"}}\n}}\n",
        objects.join(",\n")
    )
}

struct State {
    anchor: Ca,
    previous: Certificate,
    bundle: TrustBundle,
    issuer: Ca,
}

/// The cluster's four Secrets/ConfigMap as kubectl makes them, in `format`, as a List.
fn cluster_objects(dir: &Path, s: &State, format: &str) -> String {
    let a = s.anchor.certificate().to_pem();
    let key = s.anchor.private_key().secret_pkcs8_pem();
    let objs = vec![
        secret(
            dir,
            "cert-manager",
            "linkerd-trust-anchor",
            &[("tls.crt", &a), ("tls.key", &key), ("ca.crt", &a)],
            format,
        ),
        secret(
            dir,
            "cert-manager",
            "linkerd-previous-anchor",
            &[("tls.crt", &s.previous.to_pem())],
            format,
        ),
        secret(
            dir,
            "linkerd",
            "linkerd-identity-issuer",
            &[
                ("tls.crt", &s.issuer.certificate().to_pem()),
                ("tls.key", &s.issuer.private_key().secret_pkcs8_pem()),
            ],
            format,
        ),
        config_map(dir, &s.bundle, format),
    ];
    if format == "json" {
        json_list(&objs)
    } else {
        yaml_list(&objs)
    }
}

fn phase_of(text: &str, with_manifests: bool) -> (Phase, CheckReport) {
    let mut objects = Objects::read("cluster", text).unwrap();
    if with_manifests {
        objects.add("seed.yaml", &corrected()).unwrap();
    }
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let report = CheckReport::new(&cluster, T0 + Duration::hours(1));
    (report.phase.unwrap(), report)
}

#[test]
fn every_phase_reads_back_from_kubectl_yaml_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let r = &mut rng(13);
    let anchor = |r: &mut _| {
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap()
    };
    let old = anchor(r);
    let new = anchor(r);
    let issuer_under = |ca: &Ca, r: &mut _| {
        ca.issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), T0, r)
            .unwrap()
            .ca
    };
    let (i_old, i_new) = (issuer_under(&old, r), issuer_under(&new, r));
    let one = TrustBundle::from_anchors([old.trust_anchor()]);
    let both = TrustBundle::from_anchors([old.trust_anchor(), new.trust_anchor()]);
    let only_new = TrustBundle::from_anchors([new.trust_anchor()]);
    let foreign = anchor(r);
    let cases: Vec<(&str, State, Phase)> = vec![
        (
            "steady",
            State {
                anchor: old.clone_ca(),
                previous: old.certificate().clone(),
                bundle: one.clone(),
                issuer: i_old.clone_ca(),
            },
            Phase::Steady,
        ),
        (
            "staged",
            State {
                anchor: new.clone_ca(),
                previous: old.certificate().clone(),
                bundle: both.clone(),
                issuer: i_old.clone_ca(),
            },
            Phase::AnchorStaged,
        ),
        (
            "resigned",
            State {
                anchor: new.clone_ca(),
                previous: old.certificate().clone(),
                bundle: both.clone(),
                issuer: i_new.clone_ca(),
            },
            Phase::IssuerResigned,
        ),
        (
            "done",
            State {
                anchor: new.clone_ca(),
                previous: new.certificate().clone(),
                bundle: only_new.clone(),
                issuer: i_new.clone_ca(),
            },
            Phase::Steady,
        ),
        // rotate --out's old end state: previous still the old anchor, bundle {new}.
        (
            "stale-previous",
            State {
                anchor: new.clone_ca(),
                previous: old.certificate().clone(),
                bundle: only_new.clone(),
                issuer: i_new.clone_ca(),
            },
            Phase::Broken(Broken::BundleWithoutPreviousAnchor),
        ),
        (
            "bundle-lacks-anchor",
            State {
                anchor: new.clone_ca(),
                previous: new.certificate().clone(),
                bundle: one.clone(),
                issuer: i_new.clone_ca(),
            },
            Phase::Broken(Broken::BundleWithoutCurrentAnchor),
        ),
        (
            "extra-anchor",
            State {
                anchor: new.clone_ca(),
                previous: new.certificate().clone(),
                bundle: both.clone(),
                issuer: i_new.clone_ca(),
            },
            Phase::Broken(Broken::StaleAnchorInBundle),
        ),
        (
            "foreign-issuer",
            State {
                anchor: old.clone_ca(),
                previous: old.certificate().clone(),
                bundle: one.clone(),
                issuer: issuer_under(&foreign, r),
            },
            Phase::Broken(Broken::IssuerUnderAnchorNotInBundle),
        ),
    ];
    for (name, state, expect) in &cases {
        for format in ["yaml", "json"] {
            let text = cluster_objects(dir.path(), state, format);
            let (phase, report) = phase_of(&text, false);
            assert_eq!(phase, *expect, "{name} ({format})");
            assert!(!phase.next().action.is_empty());
            // With the manifests, the Bundle is the seed's own; a ConfigMap that is not what
            // its sources give is an error check.
            let (phase2, report2) = phase_of(&text, true);
            assert_eq!(phase2, *expect, "{name} with manifests ({format})");
            let mismatch = report2
                .checks
                .iter()
                .any(|c| c.id == "bundle-configmap-mismatch");
            let healthy = matches!(name, &"steady" | &"staged" | &"resigned" | &"done");
            let bundle_off = matches!(
                name,
                &"stale-previous" | &"bundle-lacks-anchor" | &"extra-anchor"
            );
            assert_eq!(mismatch, bundle_off, "{name}: mismatch check");
            assert_eq!(report.has_error(), !healthy, "{name}: exit status");
            // Private key material never reaches the report.
            let printed = format!("{report}{}{report:?}", report.to_json());
            assert!(
                !printed.contains("PRIVATE KEY") && !printed.contains("MIG"),
                "{name}"
            );
        }
    }
    // The health report runs on the objects' certificates: the anchor/issuer checks are there.
    let (_, report) = phase_of(&cluster_objects(dir.path(), &cases[1].1, "yaml"), true);
    for id in ["anchors-valid", "issuer-signed-by-anchor", "issuer-is-ca"] {
        let c = report.checks.iter().find(|c| c.id == id).unwrap();
        assert_eq!(
            c.severity,
            certcycle::lint::Severity::Ok,
            "{id}: {}",
            c.message
        );
    }
    // The seed's Certificates manage these Secrets: their renewals come from the specs.
    assert_eq!(report.renews.len(), 2, "{report}");
    assert!(
        report
            .renews
            .iter()
            .all(|r| r.managed && r.rule.contains("renewBefore"))
    );
    // Without the manifests nothing manages them: their expiry is listed, never an invented
    // renewal.
    let (_, report) = phase_of(&cluster_objects(dir.path(), &cases[1].1, "yaml"), false);
    assert_eq!(report.renews.len(), 2, "{report}");
    assert!(
        report
            .renews
            .iter()
            .all(|r| !r.managed && r.rule.contains("nothing renews it"))
    );
    assert!(report.to_string().contains("expires: Secret/"), "{report}");
}

#[test]
fn an_observed_phase_resumes_the_typed_rotation() {
    let r = &mut rng(14);
    let old = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap();
    let new = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap();
    let both = TrustBundle::from_anchors([old.trust_anchor(), new.trust_anchor()]);
    let staged = AnchorRotation::resume_staged(&both, new.trust_anchor()).unwrap();
    let distributed = staged.confirm_bundle_rollout([("web", &both)]).unwrap();
    let resigned = distributed
        .resign_issuer(
            &new,
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            T0,
            r,
        )
        .unwrap();
    let again =
        AnchorRotation::resume_resigned(&both, new.trust_anchor(), resigned.issuer(), T0).unwrap();
    let rotated = again
        .confirm_leaf_rollout(
            std::iter::once(("identity", resigned.issuer().certificate(), &[][..])),
            T0,
        )
        .unwrap()
        .drop_old_anchor();
    assert_eq!(rotated.bundle.len(), 1);
    // An issuer still under the old anchor is not "resigned".
    let i_old = old
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), T0, r)
        .unwrap()
        .ca;
    assert!(AnchorRotation::resume_resigned(&both, new.trust_anchor(), &i_old, T0).is_err());
    assert!(
        AnchorRotation::resume_staged(
            &TrustBundle::from_anchors([new.trust_anchor()]),
            new.trust_anchor()
        )
        .is_err()
    );
}

#[test]
fn kubectl_get_lists_with_managed_fields_status_and_annotations_read_in_yaml_and_json() {
    let yaml = include_str!("data/k8s/kubectl-get-certificates.yaml");
    let json = include_str!("data/k8s/kubectl-get-certificates.json");
    for (name, text) in [("yaml", yaml), ("json", json)] {
        let objects = Objects::read(name, text).unwrap();
        let kinds: Vec<_> = objects.objects.iter().map(|o| o.at.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["Certificate", "Certificate", "ClusterIssuer", "Issuer"],
            "{name}"
        );
        let c = Cluster::resolve(objects, &ResolveOptions::default());
        let ids: Vec<_> = c.lints().into_iter().map(|l| l.id).collect();
        assert_eq!(ids, ["anchor-early-rekey"], "{name}");
        assert_eq!(
            c.certificate("linkerd", "linkerd-identity-issuer")
                .unwrap()
                .spec
                .get_renew_before(),
            Some(Duration::hours(25))
        );
    }
}

// ---- located input errors ----

fn read_err(text: &str) -> K8sError {
    Objects::read("in.yaml", text).unwrap_err()
}

#[test]
fn input_errors_name_file_object_field_and_line_column() {
    // YAML syntax.
    let e = read_err("kind: Secret\nmetadata: {name: x\n");
    assert!(matches!(e, K8sError::Syntax { .. }), "{e}");
    assert_eq!(e.file(), "in.yaml");
    assert!(e.location().unwrap().line >= 2, "{e}");
    // JSON syntax, with serde_json's line:column.
    let e = Objects::read(
        "in.json",
        "{\n  \"kind\": \"Secret\",\n  \"metadata\": {\"name\": x}\n}",
    )
    .unwrap_err();
    let K8sError::Syntax { at, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!((at.line, at.column), (3, 24), "{e}");
    // A Secret whose tls.crt is not base64: the object, the key and the value's place.
    let e = read_err(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: linkerd-trust-anchor\n  namespace: cert-manager\ndata:\n  tls.crt: \"%%%not base64\"\n",
    );
    assert_eq!(
        e.to_string(),
        "in.yaml:7:12: document 1 (Secret/cert-manager/linkerd-trust-anchor): data[\"tls.crt\"]: not base64"
    );
    // Base64 that is not PEM: another application's data, listed as unsupported with the
    // reason (in a Secret Linkerd uses, `Cluster` reports it; see tests/hostile_k8s.rs).
    let o = Objects::read(
        "in.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\ndata:\n  tls.crt: aGVsbG8=\n",
    )
    .unwrap();
    let certcycle::k8s::Resource::Secret(secret) = &o.objects[0].resource else {
        panic!()
    };
    assert!(secret.certs("tls.crt").is_empty());
    assert!(
        matches!(
            secret.entry_error("tls.crt"),
            Some(certcycle::Error::Pem { .. })
        ),
        "{:?}",
        secret.unsupported
    );
    // Types and values in a Certificate, at the field's place.
    let cert = |spec: &str| {
        format!(
            "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {{name: c, namespace: n}}\nspec:\n  secretName: s\n  issuerRef: {{name: i}}\n{spec}"
        )
    };
    let e = read_err(&cert("  duration: 5\n"));
    assert_eq!(
        e.to_string(),
        "in.yaml:7:13: document 1 (Certificate/n/c): spec.duration: expected a string, found an integer"
    );
    let e = read_err(&cert("  duration: 48x\n"));
    assert!(
        e.to_string()
            .starts_with("in.yaml:7:13: document 1 (Certificate/n/c): spec.duration: "),
        "{e}"
    );
    let e = read_err(&cert("  privateKey: {rotationPolicy: Sometimes}\n"));
    assert!(
        e.to_string()
            .contains("spec.privateKey.rotationPolicy: \"Sometimes\" is not one of Always, Never"),
        "{e}"
    );
    let e = read_err(&cert("  duration: 1h\n  renewBefore: 2h\n"));
    assert!(e.to_string().contains("cert-manager would refuse it: certificate duration 1h0m0s must be greater than renewBefore 2h0m0s"), "{e}");
    assert!(e.to_string().starts_with("in.yaml:8:16:"), "{e}");
    let e = read_err(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\nspec:\n  issuerRef: {name: i}\n",
    );
    assert!(e.to_string().contains("spec.secretName: missing"), "{e}");
    // The second document is named as such.
    let e = read_err("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\n");
    assert!(
        matches!(e, K8sError::NotAnObject { document: 2, .. }),
        "{e}"
    );
    // Other kinds are listed, never an error; so are other applications' RSA certificates.
    let o = Objects::read(
        "x",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: many}\n",
    )
    .unwrap();
    assert_eq!(o.ignored.len(), 1);
}

#[test]
fn key_material_is_in_no_error_debug_or_report() {
    let r = &mut rng(15);
    let key = PrivateKey::generate(r).secret_pkcs8_pem();
    let inner: String = key.lines().nth(1).unwrap().chars().take(30).collect();
    // A key that is not base64-clean inside data: the error says where, not what.
    let bad = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: n}}\nstringData:\n  tls.key: |\n{}\n  tls.crt: \"not pem {inner}\"\n",
        key.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let o = Objects::read("in.yaml", &bad).unwrap();
    let certcycle::k8s::Resource::Secret(secret) = &o.objects[0].resource else {
        panic!()
    };
    let why = &secret.unsupported["tls.crt"];
    let error = secret.entry_error("tls.crt").unwrap();
    assert!(
        !why.contains(&inner)
            && !error.to_string().contains(&inner)
            && !format!("{error:?}").contains(&inner)
            && !format!("{o:?}").contains(&inner),
        "{why}"
    );
    // Where Linkerd uses it, the report names it, still without the value.
    let linkerd = bad.replace(
        "{name: s, namespace: n}",
        "{name: linkerd-identity-issuer, namespace: linkerd}",
    );
    let cluster = Cluster::resolve(
        Objects::read("in.yaml", &linkerd).unwrap(),
        &ResolveOptions::default(),
    );
    let report =
        certcycle::k8s::CheckReport::new(&cluster, time::macros::datetime!(2026-01-01 0:00 UTC))
            .to_string();
    assert!(report.contains("identity-issuer-secret"), "{report}");
    assert!(!report.contains(&inner), "{report}");
    // A good Secret: the key is kept, parsed on demand, and not in Debug.
    let good = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: n}}\nstringData:\n  tls.key: |\n{}\n",
        key.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let o = Objects::read("s", &good).unwrap();
    let certcycle::k8s::Resource::Secret(s) = &o.objects[0].resource else {
        panic!()
    };
    assert!(s.has_private_key());
    assert!(s.private_key().unwrap().is_ok());
    assert!(!format!("{o:?}").contains(&inner));
    // A YAML error quoting a long value shortens it.
    let e = read_err(&format!(
        "kind: Secret\nmetadata: {{name: \"{inner}{inner}\n"
    ));
    assert!(!e.to_string().contains(&inner), "{e}");
}

#[test]
fn hostile_yaml_is_refused_within_budgets() {
    // A billion laughs: aliases expanding exponentially.
    let mut y = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    y.push_str("kind: Secret\nmetadata: {name: x}\n");
    assert!(matches!(read_err(&y), K8sError::Syntax { .. }));
    // Deep nesting.
    let deep = format!(
        "kind: Secret\nmetadata: {{name: x}}\nspec: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(read_err(&deep), K8sError::Syntax { .. }));
    let deep_json = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(Objects::read("x.json", &deep_json).is_err());
}

#[test]
fn unreadable_sources_and_configmaps_are_said_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let r = &mut rng(16);
    let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap();
    let pem = anchor.certificate().to_pem();
    // inLine PEM that does not read is an input error at its place.
    let bundle = |inline: &str| {
        format!(
            "apiVersion: trust.cert-manager.io/v1alpha1\nkind: Bundle\nmetadata: {{name: linkerd-identity-trust-roots}}\nspec:\n  sources:\n  - inLine: \"{inline}\"\n  - secret: {{name: linkerd-trust-anchor, key: tls.crt}}\n  target: {{configMap: {{key: ca-bundle.crt}}}}\n"
        )
    };
    let e = read_err(&bundle(
        "-----BEGIN CERTIFICATE-----\\nnope\\n-----END CERTIFICATE-----\\n",
    ));
    assert!(e.to_string().starts_with("in.yaml:6:13: document 1 (Bundle/linkerd-identity-trust-roots): spec.sources[0].inLine: "), "{e}");
    // A published ConfigMap whose key is not PEM, and a source ConfigMap that is not PEM.
    let secret = secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &[("tls.crt", &pem)],
        "yaml",
    );
    let broken_cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: linkerd-identity-trust-roots, namespace: linkerd}\ndata:\n  ca-bundle.crt: not pem\n";
    let mut o = Objects::read("s.yaml", &secret).unwrap();
    o.add("b.yaml", &bundle(&pem.replace('\n', "\\n"))).unwrap();
    o.add("cm.yaml", broken_cm).unwrap();
    let c = Cluster::resolve(o, &ResolveOptions::default());
    let ids: Vec<_> = c.lints().into_iter().map(|l| l.id).collect();
    assert!(ids.contains(&"bundle-configmap-unreadable"), "{ids:?}");
    let report = CheckReport::new(&c, T0);
    assert!(report.has_error());
    let cm_source = "apiVersion: trust.cert-manager.io/v1alpha1\nkind: Bundle\nmetadata: {name: roots}\nspec:\n  sources:\n  - configMap: {name: extra, key: ca.crt}\n  - configMap: {name: extra2, key: ca.crt}\n  target: {configMap: {key: ca-bundle.crt}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: cert-manager}\ndata:\n  ca.crt: not pem\n";
    let c = Cluster::resolve(
        Objects::read("x", cm_source).unwrap(),
        &ResolveOptions::default(),
    );
    let lint = c
        .lints()
        .into_iter()
        .find(|l| l.id == "bundle-source-unreadable")
        .unwrap();
    assert!(
        lint.message.contains("configMap cert-manager/extra ca.crt"),
        "{lint}"
    );
}

#[test]
fn directory_reads_are_bounded_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("cert-manager/big");
    std::fs::create_dir_all(&secret).unwrap();
    let f = std::fs::File::create(secret.join("tls.crt")).unwrap();
    f.set_len(u64::try_from(certcycle::k8s::MAX_INPUT_BYTES).unwrap() + 1)
        .unwrap();
    let e = Objects::read_path(dir.path()).unwrap_err();
    assert!(matches!(e, K8sError::TooLarge { .. }), "{e}");
    let e = Objects::read_path(&secret.join("tls.crt")).unwrap_err();
    assert!(matches!(e, K8sError::TooLarge { .. }), "{e}");
}

/// trust-manager's newer Bundle forms (`pkg/apis/trust/v1alpha1/types_bundle.go`): a PKCS#12
/// target's profile is one of the CRD's enum (anything else is the field's error, as the API
/// server refuses it), a store under its own key reads cleanly; and a source ConfigMap's key
/// may be in `binaryData` (base64), which trust-manager reads when `data` lacks it
/// (`pkg/bundle/internal/source/source.go`), while a binary value (a PKCS#12 store) is named,
/// not read as PEM.
#[test]
fn newer_bundle_forms_pkcs12_profiles_and_binary_data() {
    let with = |profile: &str| {
        corrected().replacen(
            "  target:\n    configMap:\n      key: \"ca-bundle.crt\"",
            &format!(
                "  target:\n    additionalFormats:\n      pkcs12:\n        key: \"truststore.p12\"\n        profile: {profile}\n    configMap:\n      key: \"ca-bundle.crt\""
            ),
            1,
        )
    };
    assert!(lint_ids(&with("Modern2023")).is_empty());
    let err = Objects::read("seed.yaml", &with("Modern2024")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("spec.target.additionalFormats.pkcs12.profile"),
        "{msg}"
    );
    assert!(msg.contains("LegacyRC2, LegacyDES, Modern2023"), "{msg}");

    // A source ConfigMap holding the anchor under binaryData, and a PKCS#12 store beside it.
    let anchor = certcycle::testkit::hierarchy().build().unwrap().anchor;
    let pem = anchor.certificate().to_pem();
    use base64ct::Encoding;
    let b64 = base64ct::Base64::encode_string(pem.as_bytes());
    let p12 = base64ct::Base64::encode_string(&[0x30, 0x82, 0xff, 0xfe, 0x00]);
    let cm = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: roots\n  namespace: cert-manager\nbinaryData:\n  ca.crt: {b64}\n  truststore.p12: {p12}\n"
    );
    let objects = Objects::read("roots.yaml", &cm).unwrap();
    match &objects.objects[0].resource {
        certcycle::k8s::Resource::ConfigMap(c) => {
            assert_eq!(c.data.get("ca.crt"), Some(&pem));
            assert_eq!(c.binary_keys, ["truststore.p12"]);
        }
        other => panic!("{other:?}"),
    }
    let bad = cm.replace(&b64, "not*base64");
    let msg = Objects::read("roots.yaml", &bad).unwrap_err().to_string();
    assert!(
        msg.contains("binaryData[\"ca.crt\"]") && msg.contains("not base64"),
        "{msg}"
    );
}
