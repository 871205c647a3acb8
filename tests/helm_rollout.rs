//! Issue 32, item 6 (in part): with Helm's `identityTrustAnchorsPEM` as the trust roots, the
//! rotation's `helm upgrade` that changes the anchors rolls the control plane (the chart's
//! `linkerd.io/trust-root-sha256` pod-template annotation is the anchors' digest); with a
//! trust-manager Bundle writing the ConfigMap, no pod template changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{Cluster, Objects, ResolveOptions};
use certcycle::mesh::Procedure;
use certcycle::plan::{Who, simulate};
use certcycle::presets::linkerd;
use certcycle::{Ca, PrivateKey};
use support::{T0, rng, secret};
use time::Duration;

const SEED: &str = include_str!("../examples/data/seed.yaml");

/// A self-signed anchor (RNG seed `seed`) as the anchor Secret (from `kubectl create secret`),
/// Helm values holding it as `identityTrustAnchorsPEM`, and the seed's manifests without its
/// Bundle (the anchors come from Helm).
fn helm_fixture(seed: u64) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(seed);
    let anchor = Ca::self_signed(
        &linkerd::trust_anchor(),
        PrivateKey::generate(&mut r),
        T0,
        &mut r,
    )
    .unwrap();
    let key = anchor.private_key().secret_pkcs8_pem();
    let anchor_secret = secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &[
            ("tls.crt", &anchor.certificate().to_pem()),
            ("tls.key", &key),
        ],
        "yaml",
    );
    let i = SEED
        .find("apiVersion: trust.cert-manager.io/v1alpha1")
        .unwrap();
    let pem: String = anchor
        .certificate()
        .to_pem()
        .lines()
        .map(|l| format!("  {l}\n"))
        .collect();
    let values = format!("identityTrustAnchorsPEM: |\n{pem}");
    (anchor_secret, values, SEED[..i].to_owned())
}

#[test]
fn a_helm_upgrade_of_the_anchors_rolls_the_control_plane() {
    let (anchor_secret, values, without_bundle) = helm_fixture(31);
    let without_bundle = without_bundle.as_str();
    let rotate = T0 + Duration::days(30);
    let run_with_options = |docs: &[(&str, &str)], options: &ResolveOptions| {
        let mut objects = Objects::default();
        for (n, t) in docs {
            objects.add(n, t).unwrap();
        }
        let cluster = Cluster::resolve(objects, options);
        let cfg = cluster
            .plan_config(T0)
            .unwrap()
            .horizon(Duration::days(45))
            .rotate_at(rotate, Procedure::SevenStep);
        (
            cfg.topology.roots.helm,
            simulate(&cfg, &mut rng(32)).unwrap(),
        )
    };
    let run_with = |docs: &[(&str, &str)]| run_with_options(docs, &ResolveOptions::default());
    let (helm, run) = run_with(&[
        ("seed.yaml", without_bundle),
        ("anchor.yaml", &anchor_secret),
        ("values.yaml", &values),
    ]);
    assert!(helm);
    let rollout = run
        .timeline
        .iter()
        .find(|e| e.who == Who::Operator && e.what.contains("linkerd.io/trust-root-sha256"))
        .expect("the helm upgrade at step 1 rolls the control plane");
    assert_eq!(rollout.at, rotate, "{}", rollout.what);
    // The identity controller restarted then (with the anchors the upgrade wrote), not at the
    // procedure's control-plane step.
    let around: Vec<String> = run
        .timeline
        .iter()
        .filter(|e| e.at >= rotate && e.at <= rotate + Duration::minutes(10))
        .map(ToString::to_string)
        .collect();
    let roll_index = run
        .timeline
        .iter()
        .position(|e| e.what == rollout.what)
        .unwrap();
    assert!(
        run.timeline[roll_index + 1..]
            .iter()
            .any(|e| e.who == Who::Identity && e.at == rotate),
        "{around:#?}"
    );
    // The upgrade wrote {new, old}, as trust-manager would, and the seven steps hold; before,
    // the static roots went straight to {new} and the pods restarted at step 2 refused every
    // leaf still under the old anchor.
    assert!(
        run.timeline
            .iter()
            .any(|e| e.at == rotate && e.what.contains("holds 2 anchor(s) (static trust roots)")),
        "{around:#?}"
    );
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    // With the seed's Bundle writing the ConfigMap instead, no roll-out at step 1.
    let (helm, run) = run_with(&[("seed.yaml", SEED), ("anchor.yaml", &anchor_secret)]);
    assert!(!helm);
    assert!(
        !run.timeline
            .iter()
            .any(|e| e.what.contains("linkerd.io/trust-root-sha256"))
    );
}

/// `--linkerd-version`: the charts carry `linkerd.io/trust-root-sha256` since stable-2.12.0
/// (linkerd2 #9118); on stable-2.11.5 the same `helm upgrade` restarts nothing, and an
/// `assume:` line says so.
#[test]
fn before_linkerd_2_12_a_helm_upgrade_of_the_anchors_restarts_nothing() {
    use certcycle::k8s::LinkerdVersion;
    let v: LinkerdVersion = "stable-2.11.5".parse().unwrap();
    assert!(!v.rolls_control_plane_on_trust_roots());
    for (text, rolls) in [
        ("stable-2.12.0", true),
        ("enterprise-2.15.3", true),
        ("edge-22.8.1", false),
        ("edge-22.8.2", true),
        ("2.11", false),
    ] {
        let v: LinkerdVersion = text.parse().unwrap();
        assert_eq!(v.rolls_control_plane_on_trust_roots(), rolls, "{text}");
    }
    assert!("stable-two".parse::<LinkerdVersion>().is_err());
    let (anchor_secret, values, without_bundle) = helm_fixture(33);
    let mut objects = Objects::default();
    objects.add("seed.yaml", &without_bundle).unwrap();
    objects.add("anchor.yaml", &anchor_secret).unwrap();
    objects.add("values.yaml", &values).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default().linkerd_version(v));
    let assumed = cluster.plan_assumptions();
    assert!(
        assumed.iter().any(|a| a
            .contains("Linkerd stable-2.11.5: its charts have no linkerd.io/trust-root-sha256")),
        "{assumed:?}"
    );
    let cfg = cluster
        .plan_config(T0)
        .unwrap()
        .horizon(Duration::days(45))
        .rotate_at(T0 + Duration::days(30), Procedure::SevenStep);
    let run = simulate(&cfg, &mut rng(32)).unwrap();
    assert!(
        !run.timeline
            .iter()
            .any(|e| e.what.contains("linkerd.io/trust-root-sha256")),
        "no roll-out before 2.12"
    );
}
