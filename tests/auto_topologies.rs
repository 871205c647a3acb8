//! Unattended rotation on the topologies real users write (issue 30, DESIGN §17): every
//! shape in which cert-manager renews the anchor rotates for three years with daily restarts
//! and robust windows; a static anchor, or roots holding the root above the anchor, are refused
//! with the reason. The manifests follow public set-ups' shapes (written here, not copied):
//! BuoyantIO/service-mesh-academy's one-source Bundle over an anchor Certificate with
//! cert-manager's default 90-day duration; a Venafi TPP ClusterIssuer issuing a 720h anchor; a
//! self-signed root over a 720h intermediate anchor renewed 360h ahead.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::plan::{Config, NotRotatable, RootsKind, Run, rotations, simulate};
use certcycle::rotation::{Propagation, Schedule};
use certcycle::{Ca, CertSpec, PrivateKey};
use support::{T0, example, rng, secret};
use time::Duration;

const SELF_SIGNED: &str = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: linkerd-trust-root-issuer
spec:
  selfSigned: {}
";

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

fn anchor(
    name: &str,
    secret: &str,
    duration: Option<&str>,
    renew_before: Option<&str>,
    issuer: &str,
) -> String {
    let d = duration.map_or_else(String::new, |d| format!("\n  duration: {d}"));
    let rb = renew_before.map_or_else(String::new, |r| format!("\n  renewBefore: {r}"));
    format!(
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: {name}
  namespace: cert-manager
spec:
  isCA: true
  commonName: {name}.linkerd.cluster.local
  secretName: {secret}{d}{rb}
  privateKey:
    algorithm: ECDSA
    rotationPolicy: Always
  issuerRef:
    name: {issuer}
    kind: ClusterIssuer
    group: cert-manager.io
"
    )
}

fn identity_issuer(ca_issuer: &str) -> String {
    format!(
        "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-identity-issuer
  namespace: linkerd
spec:
  secretName: linkerd-identity-issuer
  duration: 48h
  renewBefore: 25h
  issuerRef:
    name: {ca_issuer}
    kind: ClusterIssuer
  commonName: identity.linkerd.cluster.local
  dnsNames:
  - identity.linkerd.cluster.local
  isCA: true
  privateKey:
    algorithm: ECDSA
  usages:
  - cert sign
  - crl sign
  - server auth
  - client auth
"
    )
}

fn bundle(sources: &[&str]) -> String {
    let mut s = String::from(
        "apiVersion: trust.cert-manager.io/v1alpha1
kind: Bundle
metadata:
  name: linkerd-identity-trust-roots
spec:
  sources:
",
    );
    for src in sources {
        s.push_str(&format!(
            "  - secret:\n      name: \"{src}\"\n      key: \"tls.crt\"\n"
        ));
    }
    s.push_str("  target:\n    configMap:\n      key: \"ca-bundle.crt\"\n");
    s
}

const VENAFI: &str = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: tpp-issuer
spec:
  venafi:
    zone: Linkerd\\Anchors
    tpp:
      url: https://tpp.example.com/vedsdk
      credentialsRef:
        name: tpp-secret
";

fn cluster(docs: &[String]) -> Cluster {
    let mut objects = Objects::default();
    for (i, d) in docs.iter().enumerate() {
        objects.add(&format!("doc{i}.yaml"), d).unwrap();
    }
    Cluster::resolve(objects, &ResolveOptions::default())
}

/// The cluster's plan with daily restarts over `days`, rotating unattended by the robust
/// schedule.
fn auto(docs: &[String], days: i64, seed: u64) -> (Config, Schedule, Run) {
    let c = cluster(docs);
    let cfg = c
        .plan_config(T0)
        .unwrap()
        .restart_every(Some(Duration::DAY))
        .workloads(4)
        .horizon(Duration::days(days));
    cfg.topology.auto_rotatable().unwrap();
    let schedule = Schedule::robust(
        cfg.auto_lifetimes(),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let cfg = cfg.auto_rotation(schedule.clone());
    let run = simulate(&cfg, &mut rng(seed)).unwrap();
    (cfg, schedule, run)
}

/// Three years, no break, at least two rotations each complete, prepared `lead` before the
/// anchor's notAfter.
fn holds_three_years(docs: &[String], lead: Duration) -> Config {
    let (cfg, schedule, run) = auto(docs, 1095, 3);
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    assert_eq!(schedule.anchor_renew_before(), lead);
    let done: Vec<_> = rotations(&run)
        .into_iter()
        .filter(|r| r.retire.is_some())
        .collect();
    assert!(done.len() >= 2, "{done:?}");
    for r in &done {
        assert_eq!(r.activate.unwrap() - r.prepare, schedule.propagation());
    }
    cfg
}

/// cert-manager's default 90-day anchor behind a one-source Bundle
/// (`tests/data/k8s/ninety-day-one-source.yaml`, BuoyantIO/service-mesh-academy's shape).
fn one_source_90_days() -> Vec<String> {
    include_str!("data/k8s/ninety-day-one-source.yaml")
        .split("---\n")
        .map(str::to_owned)
        .collect()
}

/// cert-manager's default 90-day anchor behind a one-source Bundle: the loop adds the
/// previous-anchor source; prepared 30 days ahead (SPIRE's cap).
#[test]
fn the_default_90_day_anchor_with_a_one_source_bundle_rotates_for_three_years() {
    let docs = one_source_90_days();
    let cfg = cluster(&docs).plan_config(T0).unwrap();
    assert!(!cfg.previous_anchor_source, "one source as written");
    let cfg = holds_three_years(&docs, Duration::days(30));
    assert!(cfg.previous_anchor_source, "the loop's manifests add it");
}

/// A Venafi TPP ClusterIssuer issuing a 720h anchor Certificate, a two-source Bundle.
fn venafi_720h() -> Vec<String> {
    vec![
        VENAFI.into(),
        anchor(
            "linkerd-trust-anchor",
            "linkerd-trust-anchor",
            Some("720h"),
            None,
            "tpp-issuer",
        ),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer("linkerd-trust-anchor"),
        bundle(&["linkerd-trust-anchor", "linkerd-previous-anchor"]),
    ]
}

/// A 720h anchor issued by Venafi through a cert-manager Certificate: prepared at half its life.
#[test]
fn an_anchor_issued_by_venafi_for_720h_rotates_for_three_years() {
    let docs = venafi_720h();
    let cfg = holds_three_years(&docs, Duration::hours(360));
    assert_eq!(cfg.topology.above.len(), 1, "{:?}", cfg.topology);
}

fn three_tier(bundle_sources: &[&str]) -> Vec<String> {
    vec![
        SELF_SIGNED.into(),
        anchor(
            "linkerd-root",
            "linkerd-root",
            Some("87600h"),
            None,
            "linkerd-trust-root-issuer",
        ),
        ca_cluster_issuer("linkerd-root", "linkerd-root"),
        anchor(
            "linkerd-trust-anchor",
            "linkerd-trust-anchor",
            Some("720h"),
            Some("360h"),
            "linkerd-root",
        ),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer("linkerd-trust-anchor"),
        bundle(bundle_sources),
    ]
}

/// A root over a 720h intermediate anchor (renewBefore 360h) over the identity issuer, the
/// bundle holding the intermediate: the intermediate is the anchor that rotates.
#[test]
fn a_root_over_an_intermediate_anchor_rotates_the_intermediate_for_three_years() {
    let docs = three_tier(&["linkerd-trust-anchor", "linkerd-previous-anchor"]);
    let cfg = holds_three_years(&docs, Duration::hours(360));
    assert_eq!(cfg.topology.above.len(), 1);
}

/// The same chain with the root in the bundle: the intermediate's re-key changes nothing
/// proxies trust, so there is nothing for the loop to rotate; said so, and the plan without the
/// loop holds through the intermediate's re-keys.
#[test]
fn with_the_root_in_the_bundle_the_intermediate_needs_no_rotation() {
    let docs = three_tier(&["linkerd-root"]);
    let c = cluster(&docs);
    let cfg = c.plan_config(T0).unwrap();
    let e = cfg.topology.auto_rotatable().unwrap_err();
    assert_eq!(e, NotRotatable::RootsHoldAbove);
    assert!(e.to_string().contains("needs no rotation"), "{e}");
    let cfg = cfg
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::days(100));
    let report = PlanReport::new(&c, &cfg, &mut rng(4)).unwrap();
    assert!(!report.has_break(), "{report}");
}

/// A static anchor Secret (made by step, committed) under a CA issuer: nothing renews it, so
/// `plan --rotation auto` exits 3 naming why and what would make it rotatable.
#[test]
fn a_static_anchor_is_refused_with_exit_3_naming_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(9);
    let root = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(3650)),
        PrivateKey::generate(&mut r),
        T0 - Duration::days(30),
        &mut r,
    )
    .unwrap();
    let key = root.private_key().secret_pkcs8_pem();
    let docs = [
        secret(
            dir.path(),
            "cert-manager",
            "linkerd-trust-anchor",
            &[("tls.crt", &root.certificate().to_pem()), ("tls.key", &key)],
            "yaml",
        ),
        ca_cluster_issuer("linkerd-trust-anchor", "linkerd-trust-anchor"),
        identity_issuer("linkerd-trust-anchor"),
        bundle(&["linkerd-trust-anchor"]),
    ];
    let cfg = cluster(&docs).plan_config(T0).unwrap();
    assert_eq!(
        cfg.topology.auto_rotatable(),
        Err(NotRotatable::StaticAnchor)
    );
    let path = support::write(dir.path(), "static.yaml", &docs.join("---\n"));
    let out = example("plan")
        .args([
            path.as_str(),
            "--start",
            "2026-01-01T00:00:00Z",
            "--rotation",
            "auto",
            "--restart-every",
            "24h",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("cannot model: --rotation auto: the anchor is a static Secret"),
        "{err}"
    );
    assert!(err.contains("let cert-manager issue it"), "{err}");
}

/// Trust roots from a static ConfigMap: the loop writes it ({new, old} at the prepare, {new}
/// at the retire), and the activate waits a propagation after that write.
#[test]
fn static_configmap_roots_are_written_by_the_loop() {
    let mut docs = one_source_90_days();
    docs.pop(); // no Bundle: a ConfigMap written once, by hand
    let c = cluster(&docs);
    let mut cfg = c.plan_config(T0).unwrap();
    cfg.topology.roots.kind = RootsKind::Static;
    let schedule = Schedule::robust(
        cfg.auto_lifetimes(),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let cfg = cfg
        .restart_every(Some(Duration::DAY))
        .workloads(4)
        .horizon(Duration::days(400))
        .auto_rotation(schedule);
    let run = simulate(&cfg, &mut rng(5)).unwrap();
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    let writes = run
        .timeline
        .iter()
        .filter(|e| e.what.contains("(static trust roots)"))
        .count();
    assert!(writes >= 2 * 2, "{writes} writes of the ConfigMap");
    assert!(rotations(&run).len() >= 2);
}

/// Trust roots from Helm values: the loop's `helm upgrade` rolls the control plane (the
/// chart's trust-root-sha256 annotation), and the rotation holds.
#[test]
fn helm_values_roots_roll_the_control_plane_and_hold() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(6);
    let today = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::hours(2160)),
        PrivateKey::generate(&mut r),
        T0,
        &mut r,
    )
    .unwrap();
    let mut docs = one_source_90_days();
    docs.pop();
    let key = today.private_key().secret_pkcs8_pem();
    docs.push(secret(
        dir.path(),
        "cert-manager",
        "linkerd-identity-trust-roots",
        &[
            ("tls.crt", &today.certificate().to_pem()),
            ("tls.key", &key),
        ],
        "yaml",
    ));
    let pem = today.certificate().to_pem().replace('\n', "\n  ");
    docs.push(format!(
        "identityTrustAnchorsPEM: |\n  {pem}\nidentity:\n  issuer:\n    scheme: kubernetes.io/tls\n"
    ));
    let (cfg, _, run) = auto(&docs, 400, 7);
    assert_eq!(cfg.topology.roots.kind, RootsKind::Static);
    assert!(cfg.topology.roots.helm);
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    assert!(
        run.timeline
            .iter()
            .any(|e| e.what.contains("trust-root-sha256")),
        "no roll-out"
    );
    assert!(rotations(&run).len() >= 2);
}

/// What `plan --rotation auto --fix-out` writes for a cluster is in its own names and its own
/// topology: the one-source Bundle gains the previous-anchor source, the anchor keeps its issuer
/// (Venafi's ClusterIssuer stays), the dated actions copy the cluster's anchor Secret and point
/// the identity issuer at its own CA issuers; applied over the cluster's manifests they read
/// back as unattended rotation's shape.
#[test]
fn the_emitted_manifests_and_actions_are_in_the_clusters_names_and_hold() {
    for (docs, secret, ca_issuer, issuer_ref) in [
        (
            one_source_90_days(),
            "linkerd-identity-trust-roots",
            "linkerd-identity-issuer",
            "linkerd-trust-root-issuer",
        ),
        (
            venafi_720h(),
            "linkerd-trust-anchor",
            "linkerd-trust-anchor",
            "tpp-issuer",
        ),
    ] {
        let (cfg, schedule, run) = auto(&docs, 120, 8);
        assert!(run.first_break.is_none(), "{:?}", run.first_break);
        let yaml = certcycle::k8s::auto_manifests(&cfg, &schedule).unwrap();
        assert!(
            yaml.contains(&format!("name: {issuer_ref}\n")),
            "the anchor's issuer: {yaml}"
        );
        assert_eq!(yaml.matches("venafi").count(), 0, "no issuer is invented");
        // Applied over the cluster's own manifests (the later object replaces, as kubectl
        // apply does): the external issuer stays theirs.
        let mut objects = Objects::default();
        for (i, d) in docs.iter().enumerate() {
            objects.add(&format!("doc{i}.yaml"), d).unwrap();
        }
        objects.add("auto-rotation.yaml", &yaml).unwrap();
        let reread = Cluster::resolve(objects, &ResolveOptions::default())
            .plan_config(T0)
            .unwrap();
        assert!(reread.topology.issuer_via_previous, "{yaml}");
        assert!(reread.previous_anchor_source, "{yaml}");
        assert_eq!(
            reread.anchor.get_renew_before(),
            Some(schedule.anchor_renew_before())
        );
        let actions = certcycle::plan::dated_actions(&cfg, &run);
        assert!(
            actions.starts_with(&format!(
                "# install: kubectl get secret -n cert-manager {secret} -o json"
            )),
            "{actions}"
        );
        assert!(
            actions.contains(&format!(
                r#"activate: kubectl patch certificate -n linkerd linkerd-identity-issuer --type merge -p '{{"spec":{{"issuerRef":{{"name":"{ca_issuer}","kind":"ClusterIssuer"}}}}}}'"#
            )),
            "{actions}"
        );
    }
}
