//! `plan` on the topologies real Linkerd users run (DESIGN §15), one test per shape of issue
//! 20: a static anchor Secret, a three-tier chain, external signers, trust roots without
//! trust-manager, names and namespaces, older cert-manager fields, and what is not Linkerd.
//! The manifests are written here in the shapes public set-ups use (BuoyantIO's
//! service-mesh-academy, bradmccoydev/argo-demo's Kustomize overlays, linkerd/website's Vault
//! workshop, JoshVanL/cert-manager-vault-demo's v1alpha2 Vault Issuer); Secrets and ConfigMaps
//! come from `kubectl create ... --dry-run=client`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{
    Cluster, NamespacedName, Objects, PlanInputError, PlanReport, ResolveOptions,
};
use certcycle::plan::Config;
use certcycle::{Ca, CertSpec, PrivateKey};
use support::{T0, kubectl, rng, secret};
use time::{Duration, OffsetDateTime};

/// The seed's identity issuer Certificate under `issuer` (`kind`), in namespace `ns` (none:
/// namespace-less).
fn identity_issuer(ns: Option<&str>, issuer: &str, kind: &str, group: &str) -> String {
    let ns = ns.map_or_else(String::new, |ns| format!("\n  namespace: {ns}"));
    format!(
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-identity-issuer{ns}
spec:
  secretName: linkerd-identity-issuer
  duration: 48h
  renewBefore: 25h
  issuerRef:
    name: {issuer}
    kind: {kind}
    group: {group}
  commonName: identity.linkerd.cluster.local
  dnsNames:
  - identity.linkerd.cluster.local
  isCA: true
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  usages:
  - cert sign
  - crl sign
  - server auth
  - client auth
"
    )
}

/// A CA ClusterIssuer over `secret`.
fn ca_cluster_issuer(name: &str, secret: &str) -> String {
    format!(
        "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: {name}
spec:
  ca:
    secretName: {secret}
"
    )
}

/// A self-signed root made by `step`/openssl: a CA valid `days` from `at`.
fn static_root(seed: u64, at: OffsetDateTime, days: i64) -> Ca {
    let mut r = rng(seed);
    Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(days)),
        PrivateKey::generate(&mut r),
        at,
        &mut r,
    )
    .unwrap()
}

fn tls_secret(dir: &std::path::Path, ns: &str, name: &str, ca: &Ca) -> String {
    let key = ca.private_key().secret_pkcs8_pem();
    secret(
        dir,
        ns,
        name,
        &[("tls.crt", &ca.certificate().to_pem()), ("tls.key", &key)],
        "yaml",
    )
}

fn config_map(dir: &std::path::Path, ns: &str, name: &str, key: &str, text: &str) -> String {
    let path = support::write(dir, &format!("{ns}-{name}.pem"), text);
    kubectl(&[
        "create",
        "configmap",
        name,
        "-n",
        ns,
        &format!("--from-file={key}={path}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ])
}

fn cluster(docs: &[String], options: &ResolveOptions) -> Cluster {
    let mut objects = Objects::default();
    for (i, d) in docs.iter().enumerate() {
        objects.add(&format!("doc{i}.yaml"), d).unwrap();
    }
    Cluster::resolve(objects, options)
}

fn plan(cluster: &Cluster, days: i64) -> (PlanReport, Config) {
    let cfg = cluster
        .plan_config(T0)
        .unwrap_or_else(|e| panic!("{e}"))
        .horizon(Duration::days(days));
    let report = PlanReport::new(cluster, &cfg, &mut rng(7)).unwrap();
    (report, cfg)
}

fn assumptions(report: &PlanReport) -> String {
    report.assumptions.join("\n")
}

// ---- 1. a static anchor in a Secret ----

#[test]
fn a_static_ten_year_anchor_secret_under_a_ca_issuer_holds_400_days() {
    let dir = tempfile::tempdir().unwrap();
    let root = static_root(1, T0 - Duration::days(30), 3650);
    let docs = [
        tls_secret(dir.path(), "cert-manager", "linkerd-trust-anchor", &root),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
        config_map(
            dir.path(),
            "linkerd",
            "linkerd-identity-trust-roots",
            "ca-bundle.crt",
            &root.certificate().to_pem(),
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    assert!(!report.has_break(), "{report}");
    assert_eq!(cfg.topology.anchor, certcycle::plan::CaKind::Static);
    let text = report.to_string();
    assert!(
        text.contains("Today Secret cert-manager/linkerd-trust-anchor: trust anchor"),
        "{text}"
    );
    assert!(text.contains("static, nothing renews it"), "{text}");
    assert!(
        !text.contains("new trust anchor"),
        "a static anchor is never renewed:\n{text}"
    );
    assert!(
        assumptions(&report).contains("static trust roots"),
        "{}",
        assumptions(&report)
    );
}

#[test]
fn a_static_anchor_that_expires_inside_the_horizon_breaks_after_its_not_after() {
    let dir = tempfile::tempdir().unwrap();
    // Made ten years ago: it expires on day 100.
    let root = static_root(2, T0 - Duration::days(3550), 3650);
    let docs = [
        tls_secret(dir.path(), "cert-manager", "linkerd-trust-anchor", &root),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, _) = plan(&c, 400);
    let b = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("the anchor expires on day 100");
    assert!((100..=102).contains(&b.day), "day {}: {report}", b.day);
    // No trust roots were given: the plan says what it assumed.
    assert!(assumptions(&report).contains("trust roots: not among the inputs"));
}

#[test]
fn a_sealed_anchor_secret_is_a_stand_in_named_on_an_assume_line() {
    // The anchor Secret is a SealedSecret (not readable); the trust roots ConfigMap gives
    // its certificate, so the plan uses its real dates with a stand-in key.
    let dir = tempfile::tempdir().unwrap();
    let root = static_root(3, T0 - Duration::days(3550), 3650);
    let docs = [
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
        config_map(
            dir.path(),
            "linkerd",
            "linkerd-identity-trust-roots",
            "ca-bundle.crt",
            &root.certificate().to_pem(),
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, _) = plan(&c, 400);
    let a = assumptions(&report);
    assert!(a.contains("its certificate is the trust roots'"), "{a}");
    assert!(
        a.contains("stand-in key of the same subject and validity"),
        "{a}"
    );
    let b = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("its real notAfter is day 100");
    assert!((100..=102).contains(&b.day), "day {}", b.day);
}

// ---- 2. deeper hierarchies ----

fn three_tier(intermediate_renew_before: &str) -> Vec<String> {
    vec![
        "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: selfsigned
spec:
  selfSigned: {}
"
        .into(),
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-root
  namespace: cert-manager
spec:
  isCA: true
  commonName: root.linkerd.cluster.local
  secretName: linkerd-root
  duration: 87600h
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  issuerRef:
    name: selfsigned
    kind: ClusterIssuer
"
        .into(),
        ca_cluster_issuer("linkerd-root", "linkerd-root"),
        format!(
            "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-trust-anchor
  namespace: cert-manager
spec:
  isCA: true
  commonName: anchor.linkerd.cluster.local
  secretName: linkerd-trust-anchor
  duration: 720h
  renewBefore: {intermediate_renew_before}
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  issuerRef:
    name: linkerd-root
    kind: ClusterIssuer
"
        ),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
        "apiVersion: trust.cert-manager.io/v1alpha1
kind: Bundle
metadata:
  name: linkerd-identity-trust-roots
spec:
  sources:
  - secret:
      name: linkerd-trust-anchor
      key: tls.crt
  - secret:
      name: linkerd-previous-anchor
      key: tls.crt
  target:
    configMap:
      key: ca-bundle.crt
"
        .into(),
    ]
}

#[test]
fn three_tier_breaks_after_the_intermediate_anchors_rekey_on_day_15_not_the_roots() {
    let c = cluster(&three_tier("360h"), &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    // The root is above Linkerd's anchor, not the anchor.
    assert_eq!(cfg.topology.above.len(), 1);
    assert_eq!(cfg.names.anchor, "cert-manager/linkerd-trust-anchor");
    let run = &report.report.run;
    let b = run
        .first_break
        .as_ref()
        .expect("the intermediate re-keys on day 15");
    let rekey = run
        .timeline
        .iter()
        .find(|e| e.what.contains("new trust anchor"))
        .expect("the intermediate's re-key");
    assert_eq!((rekey.at - T0).whole_days(), 15);
    assert!(
        rekey
            .what
            .contains("signed by Certificate cert-manager/linkerd-root"),
        "{}",
        rekey.what
    );
    assert!(b.at > rekey.at && b.day <= 17, "day {}", b.day);
    assert!(
        !run.timeline
            .iter()
            .any(|e| e.what.contains("linkerd-root: new")),
        "the root does not renew within 400 days"
    );
}

#[test]
fn three_tier_with_the_root_in_the_bundle_rides_out_the_intermediates_rekey() {
    // The trust roots hold the self-signed root: the intermediate's re-key on day 15 reaches
    // the identity issuer at its next renewal, and every proxy still verifies the new chain
    // (the issuer Secret holds the intermediate too, and Linkerd presents it).
    let docs: Vec<String> = three_tier("360h")
        .into_iter()
        .map(|d| {
            if d.starts_with("apiVersion: trust.cert-manager.io") {
                d.replace("name: linkerd-trust-anchor", "name: linkerd-root")
                    .replace(
                        "  - secret:\n      name: linkerd-previous-anchor\n      key: tls.crt\n",
                        "",
                    )
            } else {
                d
            }
        })
        .collect();
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 100);
    assert_eq!(cfg.topology.roots.holds, certcycle::plan::Held::Above(0));
    let run = &report.report.run;
    assert!(
        run.timeline
            .iter()
            .filter(|e| e.what.contains("new trust anchor"))
            .count()
            >= 2,
        "the intermediate re-keys on days 15, 45, 75"
    );
    assert!(!report.has_break(), "{report}");
}

#[test]
fn a_child_ca_outliving_its_parent_is_linted() {
    let docs: Vec<String> = three_tier("1h")
        .into_iter()
        .map(|d| d.replace("duration: 87600h", "duration: 700h"))
        .collect();
    let c = cluster(&docs, &ResolveOptions::default());
    let lint = c
        .lints()
        .into_iter()
        .find(|l| l.id == "ca-outlives-parent")
        .expect("720h under a 700h root");
    assert_eq!(
        lint.subject,
        "Certificate/cert-manager/linkerd-trust-anchor"
    );
    assert!(
        lint.message
            .contains("Certificate/cert-manager/linkerd-root"),
        "{}",
        lint.message
    );
}

#[test]
fn three_tier_with_its_intermediate_renewed_past_the_horizon_holds() {
    let c = cluster(&three_tier("1h"), &ResolveOptions::default());
    let (report, _) = plan(&c, 20);
    assert!(!report.has_break(), "{report}");
}

// ---- 3. external signers ----

fn vault_anchor(renew_before: Option<&str>) -> Vec<String> {
    let rb = renew_before.map_or_else(String::new, |r| format!("\n  renewBefore: {r}"));
    vec![
        // The linkerd/website Vault workshop's shape: Vault issues the anchor.
        "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: vault
spec:
  vault:
    path: pki_int/sign/linkerd
    server: http://vault.vault.svc:8200
    auth:
      kubernetes:
        role: linkerd
        mountPath: /v1/auth/kubernetes
        secretRef:
          name: vault-token
          key: token
"
        .into(),
        format!(
            "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-trust-anchor
  namespace: cert-manager
spec:
  isCA: true
  commonName: root.linkerd.cluster.local
  secretName: linkerd-trust-anchor
  duration: 720h{rb}
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  issuerRef:
    name: vault
    kind: ClusterIssuer
"
        ),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
        three_tier("1h").pop().unwrap(),
    ]
}

#[test]
fn an_anchor_issued_by_vault_breaks_after_its_day_20_rekey() {
    let c = cluster(&vault_anchor(None), &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    assert_eq!(
        cfg.topology.above[0].kind,
        certcycle::plan::CaKind::External
    );
    let run = &report.report.run;
    let rekey = run
        .timeline
        .iter()
        .find(|e| e.what.contains("new trust anchor"))
        .expect("cert-manager renews it at two thirds of 720h");
    assert_eq!((rekey.at - T0).whole_days(), 20);
    let b = run
        .first_break
        .as_ref()
        .expect("a re-key proxies never loaded");
    assert!(b.at > rekey.at && b.day <= 22, "day {}", b.day);
    let a = assumptions(&report);
    assert!(
        a.contains("external signer (vault) grants the requested duration"),
        "{a}"
    );
    assert!(a.contains("a stand-in valid past the horizon"), "{a}");
}

#[test]
fn an_identity_issuer_signed_by_vault_under_static_roots_holds() {
    let dir = tempfile::tempdir().unwrap();
    let root = static_root(4, T0 - Duration::days(30), 3650);
    // cert-manager's Vault issuer writes ca.crt: the Vault root.
    let issuer_secret = secret(
        dir.path(),
        "linkerd",
        "linkerd-identity-issuer",
        &[("ca.crt", &root.certificate().to_pem())],
        "yaml",
    );
    let docs = [
        vault_anchor(None).swap_remove(0),
        identity_issuer(Some("linkerd"), "vault", "ClusterIssuer", "cert-manager.io"),
        issuer_secret,
        config_map(
            dir.path(),
            "linkerd",
            "linkerd-identity-trust-roots",
            "ca-bundle.crt",
            &root.certificate().to_pem(),
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    assert_eq!(cfg.topology.anchor, certcycle::plan::CaKind::External);
    assert!(!report.has_break(), "{report}");
    // The external root's real dates come from ca.crt.
    assert!(
        report.to_string().contains(&format!(
            "notAfter {}",
            root.certificate()
                .not_after()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap()
        )),
        "{report}"
    );
}

#[test]
fn a_step_issuer_in_another_api_group_is_an_external_signer() {
    let docs = [
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-trust-anchor
  namespace: cert-manager
spec:
  isCA: true
  commonName: root.linkerd.cluster.local
  secretName: linkerd-trust-anchor
  duration: 8760h
  renewBefore: 1h
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  issuerRef:
    name: step-issuer
    kind: StepClusterIssuer
    group: certmanager.step.sm
"
        .to_owned(),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    // renewBefore 1h re-keys the anchor on day 365: within 300 days it holds.
    let (report, cfg) = plan(&c, 300);
    assert_eq!(cfg.topology.above.len(), 1);
    assert!(
        cfg.topology.above[0].name.contains("StepClusterIssuer"),
        "{}",
        cfg.topology.above[0].name
    );
    assert!(!report.has_break(), "{report}");
}

// ---- 4. trust roots without trust-manager ----

#[test]
fn helm_values_give_static_trust_roots_that_do_not_follow_a_rekey() {
    // A managed self-signed anchor re-keyed on day 20, but the trust roots are Helm's
    // identityTrustAnchorsPEM (as the argo-demo overlays set them): a break after the re-key.
    let dir = tempfile::tempdir().unwrap();
    let mut docs = vault_anchor(None);
    docs[0] = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: vault
spec:
  selfSigned: {}
"
    .into();
    docs.pop(); // no Bundle
    let mut r = rng(5);
    let today = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::hours(720)),
        PrivateKey::generate(&mut r),
        T0,
        &mut r,
    )
    .unwrap();
    docs.push(tls_secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &today,
    ));
    let pem = today.certificate().to_pem().replace('\n', "\n  ");
    docs.push(format!(
        "identityTrustAnchorsPEM: |\n  {pem}\nidentity:\n  issuer:\n    scheme: kubernetes.io/tls\n"
    ));
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 60);
    assert_eq!(cfg.topology.roots.kind, certcycle::plan::RootsKind::Static);
    assert_eq!(cfg.topology.roots.holds, certcycle::plan::Held::Signer);
    let b = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("static roots keep the old anchor");
    assert!((20..=22).contains(&b.day), "day {}", b.day);
    assert!(
        assumptions(&report).contains("identityTrustAnchorsPEM"),
        "{}",
        assumptions(&report)
    );
}

#[test]
fn a_flux_helm_release_and_a_trust_roots_file_are_trust_roots_too() {
    let dir = tempfile::tempdir().unwrap();
    let root = static_root(6, T0 - Duration::days(30), 3650);
    let pem = root.certificate().to_pem().replace('\n', "\n      ");
    let release = format!(
        "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: linkerd-control-plane
  namespace: linkerd
spec:
  chart:
    spec:
      chart: linkerd-control-plane
  values:
    identityTrustAnchorsPEM: |
      {pem}
"
    );
    let base = [
        tls_secret(dir.path(), "cert-manager", "linkerd-trust-anchor", &root),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        ),
    ];
    let mut docs = base.to_vec();
    docs.push(release);
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    assert!(
        cfg.topology.roots.holds == certcycle::plan::Held::Signer,
        "the HelmRelease's roots hold the anchor"
    );
    assert!(!report.has_break(), "{report}");
    assert!(assumptions(&report).contains("spec.values.identityTrustAnchorsPEM"));

    // --trust-roots FILE holding another root only: the identity controller cannot start.
    let other = static_root(7, T0, 3650);
    let mut options = ResolveOptions::default();
    options.trust_roots = Some(("roots.pem".into(), vec![other.certificate().clone()]));
    let c = cluster(&base, &options);
    let (report, cfg) = plan(&c, 400);
    assert_eq!(cfg.topology.roots.holds, certcycle::plan::Held::Nothing);
    let b = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("no proxy gets a leaf");
    assert_eq!(b.day, 0);
}

// ---- 5. names and namespaces ----

#[test]
fn namespace_less_manifests_are_refused_until_placed() {
    let docs = [
        "apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: linkerd-trust-anchor
spec:
  ca:
    secretName: linkerd-trust-anchor
"
        .to_owned(),
        identity_issuer(None, "linkerd-trust-anchor", "Issuer", "cert-manager.io"),
    ];
    let mut objects = Objects::default();
    for (i, d) in docs.iter().enumerate() {
        objects.add(&format!("kustomize{i}.yaml"), d).unwrap();
    }
    let c = Cluster::resolve(objects.clone(), &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.cannot_model() && !e.is_break());
    let msg = e.to_string();
    assert!(
        msg.contains("Issuer/linkerd-trust-anchor (kustomize0.yaml:1:1)"),
        "{msg}"
    );
    assert!(msg.contains("Certificate/linkerd-identity-issuer"), "{msg}");
    assert!(msg.contains("--namespace"), "{msg}");
    objects.set_default_namespace("linkerd");
    let c = Cluster::resolve(objects, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 400);
    assert_eq!(cfg.topology.anchor, certcycle::plan::CaKind::Static);
    assert!(!report.has_break(), "{report}");
}

#[test]
fn another_issuer_secret_name_and_linkerd_namespace() {
    let docs = [
        ca_cluster_issuer("mesh-anchor", "mesh-anchor"),
        identity_issuer(
            Some("mesh"),
            "mesh-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        )
        .replace(
            "secretName: linkerd-identity-issuer",
            "secretName: identity-issuer",
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.cannot_model(), "{e}");
    assert!(e.to_string().contains("--issuer-secret"), "{e}");
    let mut options = ResolveOptions::default();
    options.linkerd_namespace = "mesh".into();
    options.issuer_secret = Some(NamespacedName::new("mesh", "identity-issuer"));
    let c = cluster(&docs, &options);
    let (report, cfg) = plan(&c, 100);
    assert_eq!(cfg.names.issuer, "mesh/linkerd-identity-issuer");
    assert!(!report.has_break(), "{report}");
}

// ---- 6. older and variant fields ----

#[test]
fn v1alpha2_key_algorithm_ecdsa_is_ecdsa_and_literal_subjects_name_the_ca() {
    let docs = [
        "apiVersion: cert-manager.io/v1alpha2
kind: Issuer
metadata:
  name: linkerd-trust-anchor
  namespace: linkerd
spec:
  ca:
    secretName: linkerd-trust-anchor
"
        .to_owned(),
        "apiVersion: cert-manager.io/v1alpha2
kind: Certificate
metadata:
  name: linkerd-identity-issuer
  namespace: linkerd
spec:
  secretName: linkerd-identity-issuer
  duration: 730h0m0s
  renewBefore: 1h0m0s
  issuerRef:
    name: linkerd-trust-anchor
    kind: Issuer
  literalSubject: CN=identity.linkerd.cluster.local,O=example
  isCA: true
  keyAlgorithm: ecdsa
"
        .to_owned(),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let lints = c.lints();
    assert!(
        !lints.iter().any(|l| l.id == "ca-key-not-ecdsa"),
        "{lints:?}"
    );
    let (_, cfg) = plan(&c, 30);
    assert_eq!(
        cfg.issuer.get_common_name(),
        Some("identity.linkerd.cluster.local")
    );
}

#[test]
fn an_identity_issuer_named_by_dns_names_only_plans() {
    let docs = [
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        )
        .replace("  commonName: identity.linkerd.cluster.local\n", ""),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let (report, cfg) = plan(&c, 30);
    assert_eq!(
        cfg.issuer.get_dns_names(),
        ["identity.linkerd.cluster.local"]
    );
    assert!(!report.has_break(), "{report}");
}

#[test]
fn the_pre_0_11_api_group_is_named_never_dropped() {
    let doc = "apiVersion: certmanager.k8s.io/v1alpha1
kind: Issuer
metadata:
  name: vault-issuer
  namespace: linkerd
spec:
  vault:
    path: pki_int/sign/linkerd
";
    let objects = Objects::read("old.yaml", doc).unwrap();
    assert_eq!(objects.unsupported.len(), 1);
    assert!(objects.unsupported[0].1.contains("certmanager.k8s.io"));
    assert_eq!(objects.unsupported[0].0.name, "vault-issuer");
}

#[test]
fn an_identity_issuer_without_is_ca_is_a_break_named_by_object_and_field() {
    let docs = [
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "ClusterIssuer",
            "cert-manager.io",
        )
        .replace("  isCA: true\n", ""),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.is_break(), "{e}");
    assert!(matches!(e, PlanInputError::IssuerNotCa { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("Certificate/linkerd/linkerd-identity-issuer (doc1.yaml:1:1): spec.isCA"),
        "{msg}"
    );
}

#[test]
fn an_anchor_certificate_without_is_ca_is_a_break_too() {
    let docs: Vec<String> = three_tier("1h")
        .into_iter()
        .map(|d| {
            if d.contains("name: linkerd-trust-anchor\n  namespace: cert-manager") {
                d.replace("  isCA: true\n", "")
            } else {
                d
            }
        })
        .collect();
    let c = cluster(&docs, &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.is_break(), "{e}");
    assert!(
        e.to_string().starts_with(
            "Certificate/cert-manager/linkerd-trust-anchor (doc3.yaml:1:1): spec.isCA"
        ),
        "{e}"
    );
}

// ---- 7. not a Linkerd set-up ----

#[test]
fn istio_csr_roots_are_not_linkerd_and_say_what_was_found() {
    let docs = [
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: istio-ca
  namespace: istio-system
spec:
  isCA: true
  duration: 87600h
  secretName: istio-ca
  commonName: istio-ca
  privateKey:
    algorithm: ECDSA
  issuerRef:
    name: selfsigned
    kind: Issuer
"
        .to_owned(),
        "apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: selfsigned
  namespace: istio-system
spec:
  selfSigned: {}
"
        .to_owned(),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.cannot_model());
    let msg = e.to_string();
    assert!(msg.contains("not a Linkerd set-up"), "{msg}");
    assert!(
        msg.contains("Certificate/istio-system/istio-ca (a CA, a selfSigned issuer)"),
        "{msg}"
    );
}

// ---- hostile shapes ----

#[test]
fn a_cycle_of_ca_issuers_is_cannot_model_not_a_hang() {
    let ca = |name: &str, over: &str| {
        format!(
            "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {name}
  namespace: cert-manager
spec:
  isCA: true
  commonName: {name}
  secretName: {name}
  duration: 720h
  issuerRef:
    name: {over}
    kind: ClusterIssuer
---
"
        ) + &ca_cluster_issuer(over, over)
    };
    let docs = [
        ca("a", "b"),
        ca("b", "a"),
        identity_issuer(Some("linkerd"), "a", "ClusterIssuer", "cert-manager.io"),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let e = c.plan_config(T0).unwrap_err();
    assert!(e.cannot_model(), "{e}");
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn hundreds_of_namespace_less_objects_make_a_short_message() {
    let doc: String = (0..500)
        .map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n---\n"))
        .collect();
    let c = cluster(&[doc], &ResolveOptions::default());
    let msg = c.plan_config(T0).unwrap_err().to_string();
    assert!(msg.contains("and 490 more"), "{msg}");
    assert!(msg.len() < 2_000, "{} bytes", msg.len());
}

#[test]
fn check_reads_the_anchor_from_the_trust_roots_when_no_anchor_secret_is_given() {
    // Vault signs the identity issuer; its root is only in the static trust roots.
    let dir = tempfile::tempdir().unwrap();
    let root = static_root(8, T0 - Duration::days(30), 3650);
    let mut r = rng(9);
    let issuer = root
        .issue_ca(
            &certcycle::presets::linkerd::identity_issuer(),
            PrivateKey::generate(&mut r),
            T0,
            &mut r,
        )
        .unwrap()
        .ca;
    let docs = [
        vault_anchor(None).swap_remove(0),
        identity_issuer(Some("linkerd"), "vault", "ClusterIssuer", "cert-manager.io"),
        tls_secret(dir.path(), "linkerd", "linkerd-identity-issuer", &issuer),
        config_map(
            dir.path(),
            "linkerd",
            "linkerd-identity-trust-roots",
            "ca-bundle.crt",
            &root.certificate().to_pem(),
        ),
    ];
    let c = cluster(&docs, &ResolveOptions::default());
    let report = certcycle::k8s::CheckReport::new(&c, T0 + Duration::hours(1));
    assert_eq!(
        report.phase,
        Some(certcycle::rotation::Phase::Steady),
        "{report}"
    );
    assert!(
        report
            .to_string()
            .contains("source: anchor: the trust roots' certificate"),
        "{report}"
    );
    assert!(!report.has_error(), "{report}");
}

// ---- the commonest issuerRef mistake (issue 33, item 4) ----

#[test]
fn an_issuer_ref_of_kind_issuer_naming_a_cluster_issuer_says_so() {
    let cluster_issuer = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: linkerd-trust-anchor
spec:
  ca:
    secretName: linkerd-trust-anchor
"
    .to_owned();
    let docs = [
        cluster_issuer,
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "Issuer",
            "cert-manager.io",
        ),
    ];
    let err = cluster(&docs, &ResolveOptions::default())
        .plan_config(T0)
        .unwrap_err();
    assert!(err.cannot_model(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("its issuerRef Issuer/linkerd-trust-anchor is not among the inputs, but a ClusterIssuer named linkerd-trust-anchor is"),
        "{text}"
    );
    assert!(
        text.contains("resolves only in the Certificate's own namespace (linkerd)"),
        "{text}"
    );
    assert!(
        text.contains("set the issuerRef's kind to ClusterIssuer"),
        "{text}"
    );

    // An Issuer of that name in another namespace has its own message (a break: cert-manager
    // cannot issue it).
    let elsewhere = "apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: linkerd-trust-anchor
  namespace: cert-manager
spec:
  ca:
    secretName: linkerd-trust-anchor
"
    .to_owned();
    let docs = [
        elsewhere,
        identity_issuer(
            Some("linkerd"),
            "linkerd-trust-anchor",
            "Issuer",
            "cert-manager.io",
        ),
    ];
    let err = cluster(&docs, &ResolveOptions::default())
        .plan_config(T0)
        .unwrap_err();
    assert!(err.is_break(), "{err}");
    assert!(
        err.to_string()
            .contains("which is in namespace cert-manager: an Issuer only serves Certificates of its own namespace (linkerd)"),
        "{err}"
    );

    // Without either, the message is as before.
    let docs = [identity_issuer(
        Some("linkerd"),
        "linkerd-trust-anchor",
        "Issuer",
        "cert-manager.io",
    )];
    let text = cluster(&docs, &ResolveOptions::default())
        .plan_config(T0)
        .unwrap_err()
        .to_string();
    assert!(
        text.ends_with("give the Issuer/linkerd-trust-anchor manifest"),
        "{text}"
    );
}

// ---- every SARIF result located (issue 33, item 9) ----

/// Every result of `report`'s SARIF has a location with a file and a line; returns the rule
/// ids seen.
fn sarif_located(report: &PlanReport, shape: &str) -> Vec<String> {
    let sarif = report.to_sarif();
    let mut ids = Vec::new();
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let id = r["ruleId"].as_str().unwrap().to_owned();
        let locations = r["locations"].as_array().unwrap();
        assert!(!locations.is_empty(), "{shape}: {id} has no location: {r}");
        let physical = &locations[0]["physicalLocation"];
        assert!(
            physical["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| !u.is_empty()),
            "{shape}: {id}: {r}"
        );
        assert!(
            physical["region"]["startLine"]
                .as_u64()
                .is_some_and(|l| l > 0),
            "{shape}: {id}: {r}"
        );
        ids.push(id);
    }
    ids
}

#[test]
fn every_sarif_result_has_a_location_on_every_shape() {
    let single_source = |docs: Vec<String>| -> Vec<String> {
        docs.into_iter()
            .map(|d| {
                d.replace(
                    "  - secret:\n      name: linkerd-previous-anchor\n      key: tls.crt\n",
                    "",
                )
            })
            .collect()
    };
    let shapes: Vec<(&str, Vec<String>, ResolveOptions)> = vec![
        ("three tiers", three_tier("360h"), ResolveOptions::default()),
        (
            "three tiers, one Bundle source",
            single_source(three_tier("360h")),
            ResolveOptions::default(),
        ),
        (
            // A Bundle written with a namespace (cluster-scoped: the namespace means nothing).
            "three tiers, one source, a namespaced Bundle",
            single_source(three_tier("1h"))
                .into_iter()
                .map(|d| {
                    d.replace(
                        "name: linkerd-identity-trust-roots\n",
                        "name: linkerd-identity-trust-roots\n  namespace: linkerd\n",
                    )
                })
                .collect(),
            ResolveOptions::default(),
        ),
        (
            "the seed",
            vec![include_str!("../examples/data/seed.yaml").to_owned()],
            ResolveOptions::default(),
        ),
        (
            // No Bundle, no ConfigMap: the trust roots are assumed.
            "no trust roots",
            three_tier("360h")[..6].to_vec(),
            ResolveOptions::default().cert_manager_before_1_18(),
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (shape, docs, options) in shapes {
        let c = cluster(&docs, &options);
        let (report, _) = plan(&c, 400);
        seen.extend(sarif_located(&report, shape));
    }
    for id in [
        "bundle-single-source",
        "mtls-break",
        "anchor-rekey-in-horizon",
    ] {
        assert!(seen.contains(id), "{id} not exercised: {seen:?}");
    }
}

// ---- several Helm values files: the last wins, as helm -f does (issue 34, item 9) ----

#[test]
fn several_helm_values_files_follow_helms_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = vault_anchor(None);
    docs[0] = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: vault
spec:
  selfSigned: {}
"
    .into();
    docs.pop(); // no Bundle
    let mut r = rng(5);
    let today = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::hours(720)),
        PrivateKey::generate(&mut r),
        T0,
        &mut r,
    )
    .unwrap();
    let other = static_root(7, T0 - Duration::days(30), 3650);
    docs.push(tls_secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &today,
    ));
    let values = |ca: &Ca| {
        let pem = ca.certificate().to_pem().replace('\n', "\n  ");
        format!("identityTrustAnchorsPEM: |\n  {pem}\n")
    };
    // helm -f base.yaml -f override.yaml: the override's anchors are the ones installed.
    for (files, holds_signer) in [
        ([values(&today), values(&other)], false),
        ([values(&other), values(&today)], true),
    ] {
        let mut all = docs.clone();
        all.extend(files);
        let c = cluster(&all, &ResolveOptions::default());
        let cfg = c.plan_config(T0).unwrap();
        assert_eq!(
            cfg.topology.roots.holds == certcycle::plan::Held::Signer,
            holds_signer,
            "{:?}",
            cfg.topology.roots.holds
        );
        let said = c.plan_assumptions().join("\n");
        let n = all.len();
        assert!(
            said.contains(&format!("doc{}.yaml", n - 1))
                && said.contains(&format!(
                    "overrides doc{}.yaml identityTrustAnchorsPEM",
                    n - 2
                ))
                && said.contains("the last values file given wins"),
            "{said}"
        );
    }
}
