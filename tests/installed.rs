//! Issue 29: real certificates, real time. The certificates a Linkerd cluster actually holds
//! (Secrets in both layouts, Helm values in their many homes, `linkerd install` output), with
//! their real dates, planned from the present.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{CheckReport, Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::{Ca, CertSpec, PrivateKey};
use support::{T0, example, kubectl, rng, secret};
use time::{Duration, OffsetDateTime};

/// A `step certificate create root.linkerd.cluster.local ... --profile root-ca` anchor: ten
/// years from `at`.
fn anchor(seed: u64, at: OffsetDateTime) -> Ca {
    let mut r = rng(seed);
    Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(3650)),
        PrivateKey::generate(&mut r),
        at,
        &mut r,
    )
    .unwrap()
}

/// A `step certificate create identity.linkerd.cluster.local ... --profile intermediate-ca
/// --not-after 8760h` issuer: a year from `at`.
fn issuer(anchor: &Ca, seed: u64, at: OffsetDateTime, days: i64) -> Ca {
    let mut r = rng(seed);
    anchor
        .issue_ca(
            &CertSpec::ca("identity.linkerd.cluster.local", Duration::days(days)),
            PrivateKey::generate(&mut r),
            at,
            &mut r,
        )
        .unwrap()
        .ca
}

fn objects(docs: &[(&str, String)]) -> Objects {
    let mut objects = Objects::default();
    for (name, text) in docs {
        objects
            .add(name, text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    objects
}

fn plan_at(objects: Objects, now: OffsetDateTime, days: i64) -> PlanReport {
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster
        .plan_config(now)
        .unwrap_or_else(|e| panic!("{e}\n{}", PlanReport::preamble(&cluster)))
        .horizon(Duration::days(days));
    PlanReport::new(&cluster, &cfg, &mut rng(7)).unwrap()
}

/// `plan_at`, its text, and its first break's time and day (the text names the case when
/// there is none).
fn broke(
    objects: Objects,
    now: OffsetDateTime,
    days: i64,
) -> (PlanReport, String, OffsetDateTime, i64) {
    let report = plan_at(objects, now, days);
    let out = report.to_string();
    let (at, day) = {
        let b = report.report.run.first_break.as_ref().expect(&out);
        (b.at, b.day)
    };
    (report, out, at, day)
}

/// A Secret holding `ca`'s certificate and key under `crt` and `key` (`tls.crt`/`tls.key`,
/// or Linkerd's own `crt.pem`/`key.pem`), as `kubectl create secret generic` writes it.
fn ca_secret(dir: &std::path::Path, ns: &str, name: &str, ca: &Ca, crt: &str, key: &str) -> String {
    let pem = ca.private_key().secret_pkcs8_pem();
    secret(
        dir,
        ns,
        name,
        &[(crt, &ca.certificate().to_pem()), (key, &pem)],
        "yaml",
    )
}

/// The issuer Secret as `kubectl create secret tls` writes it, and the anchors as the
/// `linkerd-identity-trust-roots` ConfigMap.
fn static_install(dir: &std::path::Path, anchor: &Ca, issuer: &Ca) -> Vec<(&'static str, String)> {
    let key = issuer.private_key().secret_pkcs8_pem();
    let issuer_secret = secret(
        dir,
        "linkerd",
        "linkerd-identity-issuer",
        &[
            ("tls.crt", &issuer.certificate().to_pem()),
            ("tls.key", &key),
        ],
        "yaml",
    );
    let path = support::write(dir, "ca.crt", &anchor.certificate().to_pem());
    let roots = kubectl(&[
        "create",
        "configmap",
        "linkerd-identity-trust-roots",
        "-n",
        "linkerd",
        &format!("--from-file=ca-bundle.crt={path}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    vec![("issuer.yaml", issuer_secret), ("roots.yaml", roots)]
}

#[test]
fn a_static_issuer_that_expired_before_today_is_a_break_that_already_happened() {
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(1, T0 - Duration::days(800));
    // Made 395 days ago for a year: it expired 30 days ago.
    let i = issuer(&a, 2, T0 - Duration::days(395), 365);
    let (report, text, b_at, b_day) = broke(objects(&static_install(dir.path(), &a, &i)), T0, 400);
    // Valid through its notAfter (RFC 5280), refused a second later.
    assert_eq!(b_at, T0 - Duration::days(30) + Duration::SECOND, "{text}");
    assert_eq!(b_day, -30, "{text}");
    assert!(report.report.broke_before_start());
    assert!(
        text.contains("(day -30: 30d before the start, already happened)"),
        "{text}"
    );
    assert!(
        text.contains("fix: none undoes a break that already happened"),
        "{text}"
    );
    let json = report.to_json();
    assert_eq!(json["first_break"]["already_happened"], true);
    assert_eq!(json["first_break"]["before_start"], "30d");
    assert_eq!(json["start"], "2026-01-01T00:00:00Z");
    let sarif = serde_json::to_string(&report.to_sarif()).unwrap();
    assert!(
        sarif.contains("30d before the start, already happened"),
        "{sarif}"
    );
    let html = report.to_html("t");
    assert!(html.contains("30d before the start, already happened"));
    // The replayed time before the present is shaded and the present marked.
    assert!(html.contains(r#"<rect class="past""#) && html.contains("start (now)"));
    assert!(text.contains("Secret holds (as given) "), "{text}");
    // check at the same present says the same: broken since its notAfter, 30 days ago.
    let c = check(objects(&static_install(dir.path(), &a, &i)), T0);
    let f = c
        .checks
        .iter()
        .find(|f| f.id == "already-broken")
        .unwrap_or_else(|| panic!("{c}"));
    assert!(
        f.message
            .starts_with("expired at 2025-12-02T00:00:00Z, 30d before 2026-01-01T00:00:00Z"),
        "{}",
        f.message
    );
    assert_eq!(c.exit_code(), 1, "{c}");
}

/// `pem` as a YAML literal block's lines, indented by `n`.
fn block(pem: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    pem.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// Linkerd's Helm values as its install docs have them (`--set-file
/// identityTrustAnchorsPEM=ca.crt --set-file identity.issuer.tls.crtPEM=issuer.crt ...`),
/// written as a values file, each line indented by `n` (under a wrapping chart's key).
fn values(anchor: &Ca, issuer: &Ca, expiry: &str, n: usize) -> String {
    let p = " ".repeat(n);
    format!(
        "{p}identityTrustAnchorsPEM: |\n{}{p}identity:\n{p}  issuer:\n{p}    crtExpiry: {expiry}\n{p}    tls:\n{p}      crtPEM: |\n{}{p}      keyPEM: |\n{}",
        block(&anchor.certificate().to_pem(), n + 2),
        block(&issuer.certificate().to_pem(), n + 8),
        block(&issuer.private_key().secret_pkcs8_pem(), n + 8),
    )
}

fn check(objects: Objects, at: OffsetDateTime) -> CheckReport {
    CheckReport::new(&Cluster::resolve(objects, &ResolveOptions::default()), at)
}

#[test]
fn helm_values_with_an_issuer_made_a_year_ago_broke_when_it_expired() {
    let a = anchor(3, T0 - Duration::days(800));
    let i = issuer(&a, 4, T0 - Duration::days(395), 365);
    // crtExpiry as `date -d +8760h` gave it, a day off the certificate's notAfter.
    let text = values(&a, &i, "2025-12-03T00:00:00Z", 0);
    let (report, out, _, b_day) = broke(objects(&[("values.yaml", text.clone())]), T0, 400);
    assert_eq!(b_day, -30, "{out}");
    assert!(out.contains("already happened"), "{out}");
    // The cause names where the certificate came from: the values file and key.
    assert!(
        out.lines().any(|l| l.starts_with("cause: ")
            && l.contains("rendered from values.yaml identity.issuer.tls.crtPEM")),
        "{out}"
    );
    assert!(
        report
            .lints
            .iter()
            .any(|l| l.id == "issuer-crt-expiry-disagrees"
                && l.message.contains("2025-12-02T00:00:00Z")),
        "{out}"
    );
    // check reads the same issuer, from the same place, with the same dates.
    let c = check(objects(&[("values.yaml", text)]), T0);
    let json = c.to_json().to_string();
    assert!(json.contains("identity.issuer.tls.crtPEM"), "{json}");
    let issuer = c
        .certificates
        .iter()
        .find(|x| x.role == "issuer")
        .unwrap_or_else(|| panic!("{c}"));
    assert_eq!(issuer.not_after, i.certificate().not_after());
}

#[test]
fn an_umbrella_charts_issuer_expiring_in_100_days_breaks_on_day_100() {
    let a = anchor(5, T0 - Duration::days(265));
    let i = issuer(&a, 6, T0 - Duration::days(265), 365);
    let text = format!(
        "linkerd-crds:\n  enabled: true\nlinkerd-control-plane:\n{}",
        values(&a, &i, "2026-04-11T00:00:00Z", 2)
    );
    for now in [T0, T0 + Duration::days(10)] {
        let (report, out, b_at, b_day) = broke(objects(&[("values.yaml", text.clone())]), now, 400);
        assert_eq!(b_at, T0 + Duration::days(100) + Duration::SECOND, "{out}");
        assert_eq!(
            b_day,
            (T0 + Duration::days(100) - now).whole_days(),
            "{out}"
        );
        assert!(
            out.contains("linkerd-control-plane.identity.issuer.tls.crtPEM"),
            "{out}"
        );
        assert!(
            !report
                .lints
                .iter()
                .any(|l| l.id == "issuer-crt-expiry-disagrees")
        );
    }
}

#[test]
fn linkerd_install_output_of_an_old_stable_release_is_read() {
    // stable-2.8: the issuer Secret with crt.pem/key.pem (no type), the anchors in
    // linkerd-config's `global` JSON.
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(7, T0 - Duration::days(300));
    let i = issuer(&a, 8, T0 - Duration::days(300), 365);
    let issuer_secret = ca_secret(
        dir.path(),
        "linkerd",
        "linkerd-identity-issuer",
        &i,
        "crt.pem",
        "key.pem",
    );
    let global = serde_json::json!({
        "linkerdNamespace": "linkerd",
        "identityContext": {"trustDomain": "cluster.local", "trustAnchorsPem": a.certificate().to_pem()},
    })
    .to_string();
    let path = support::write(dir.path(), "global.json", &global);
    let config = kubectl(&[
        "create",
        "configmap",
        "linkerd-config",
        "-n",
        "linkerd",
        &format!("--from-file=global={path}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ]);
    let docs = [("install.yaml", format!("{issuer_secret}---\n{config}"))];
    let (_, out, _, b_day) = broke(objects(&docs), T0, 400);
    assert_eq!(b_day, 65, "{out}");
    assert!(
        out.contains("data.global identityContext.trustAnchorsPem"),
        "{out}"
    );
    let c = check(objects(&docs), T0);
    let text = c.to_string();
    assert!(
        !text.contains("issuer-secret-without-certificate"),
        "{text}"
    );
    assert!(text.contains("phase: "), "{text}");
    assert!(!text.contains("phase: broken"), "{text}");
}

#[test]
fn a_helm_release_with_three_values_from_entries_and_target_paths() {
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(9, T0 - Duration::days(265));
    let i = issuer(&a, 10, T0 - Duration::days(265), 365);
    let key = i.private_key().secret_pkcs8_pem();
    let anchors = secret(
        dir.path(),
        "flux-system",
        "linkerd-trust-anchor",
        &[("ca.crt", &a.certificate().to_pem())],
        "yaml",
    );
    let issuer_values = secret(
        dir.path(),
        "flux-system",
        "linkerd-issuer",
        &[("tls.crt", &i.certificate().to_pem()), ("tls.key", &key)],
        "yaml",
    );
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: linkerd-control-plane
  namespace: flux-system
spec:
  interval: 10m
  targetNamespace: linkerd
  chart:
    spec:
      chart: linkerd-control-plane
      sourceRef:
        kind: HelmRepository
        name: linkerd
  valuesFrom:
    - kind: Secret
      name: linkerd-trust-anchor
      valuesKey: ca.crt
      targetPath: identityTrustAnchorsPEM
    - kind: Secret
      name: linkerd-issuer
      valuesKey: tls.crt
      targetPath: identity.issuer.tls.crtPEM
    - kind: Secret
      name: linkerd-issuer
      valuesKey: tls.key
      targetPath: identity.issuer.tls.keyPEM
  values:
    proxyInit:
      runAsRoot: true
"
    .to_owned();
    let docs = [
        ("release.yaml", release),
        ("anchors.yaml", anchors),
        ("issuer.yaml", issuer_values),
    ];
    let (_, out, _, b_day) = broke(objects(&docs), T0, 400);
    assert_eq!(b_day, 100, "{out}");
    assert!(
        out.contains("spec.valuesFrom[1] (Secret flux-system/linkerd-issuer tls.crt)"),
        "{out}"
    );
    assert!(
        out.contains("Secret/linkerd/linkerd-identity-issuer, rendered"),
        "{out}"
    );
    // A valuesFrom entry that is not among the inputs is said, not dropped.
    let alone = Cluster::resolve(objects(&docs[..1]), &ResolveOptions::default());
    let lints = alone.lints();
    assert_eq!(
        lints
            .iter()
            .filter(
                |l| l.id == "helm-values-unreadable" && l.message.contains("not among the inputs")
            )
            .count(),
        3,
        "{lints:?}"
    );
}

#[test]
fn an_argo_application_with_inline_parameters() {
    let a = anchor(11, T0 - Duration::days(265));
    let i = issuer(&a, 12, T0 - Duration::days(265), 365);
    let yaml_str = |s: &str| serde_json::to_string(s).unwrap();
    let app = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: linkerd-control-plane
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: linkerd
  source:
    repoURL: https://helm.linkerd.io/stable
    chart: linkerd-control-plane
    targetRevision: 1.16.11
    helm:
      valuesObject:
        identity:
          issuer:
            scheme: linkerd.io/tls
      parameters:
        - name: identityTrustAnchorsPEM
          value: {}
        - name: identity.issuer.tls.crtPEM
          value: {}
        - name: identity.issuer.tls.keyPEM
          value: {}
",
        yaml_str(&a.certificate().to_pem()),
        yaml_str(&i.certificate().to_pem()),
        yaml_str(&i.private_key().secret_pkcs8_pem()),
    );
    let docs = [("app.yaml", app)];
    let (report, out, _, b_day) = broke(objects(&docs), T0, 400);
    assert_eq!(b_day, 100, "{out}");
    assert!(
        out.contains("Application argocd/linkerd-control-plane spec.source.helm.parameters[1] identity.issuer.tls.crtPEM"),
        "{out}"
    );
    // The key is never printed, in any output.
    assert!(!out.contains("PRIVATE KEY"));
    assert!(!report.to_json().to_string().contains("PRIVATE KEY"));
    assert!(!format!("{:?}", objects(&docs)).contains("PRIVATE KEY"));
}

#[test]
fn a_kustomization_places_its_resources_and_names_its_generators() {
    let kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: linkerd
resources:
  - issuer.yaml
  - ../base
secretGenerator:
  - name: linkerd-trust-anchor
    type: kubernetes.io/tls
    files:
      - tls.crt=ca.crt
      - tls.key=ca.key
";
    let issuer = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-identity-issuer
spec:
  secretName: linkerd-identity-issuer
  duration: 48h
  renewBefore: 25h
  issuerRef:
    name: linkerd-trust-anchor
    kind: Issuer
  commonName: identity.linkerd.cluster.local
  isCA: true
  privateKey:
    algorithm: ECDSA
";
    let ca_issuer = "apiVersion: cert-manager.io/v1
kind: Issuer
metadata:
  name: linkerd-trust-anchor
spec:
  ca:
    secretName: linkerd-trust-anchor
";
    let not_listed = "apiVersion: v1
kind: ConfigMap
metadata:
  name: elsewhere
data: {}
";
    let docs = [
        (
            "deploy/overlay/kustomization.yaml",
            kustomization.to_owned(),
        ),
        ("deploy/overlay/issuer.yaml", issuer.to_owned()),
        ("deploy/base/ca-issuer.yaml", ca_issuer.to_owned()),
        ("deploy/other/cm.yaml", not_listed.to_owned()),
    ];
    let o = objects(&docs);
    assert_eq!(o.kustomizations.len(), 1);
    let ns = |name: &str| {
        o.objects
            .iter()
            .find(|x| x.at.name == name)
            .and_then(|x| x.at.namespace.clone())
    };
    assert_eq!(ns("linkerd-identity-issuer").as_deref(), Some("linkerd"));
    assert_eq!(ns("linkerd-trust-anchor").as_deref(), Some("linkerd"));
    assert_eq!(ns("elsewhere"), None);
    assert!(
        o.unsupported.iter().any(|(r, why)| r.kind == "Secret"
            && r.name == "linkerd-trust-anchor"
            && r.namespace.as_deref() == Some("linkerd")
            && why.contains("kubectl kustomize DIR | plan -")),
        "{:?}",
        o.unsupported
    );
    // A kind-less kustomization.yaml (as many repositories write it) is one too; the order
    // of the files does not matter.
    let kindless = kustomization.replace(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n",
        "",
    );
    let o = objects(&[
        ("deploy/overlay/issuer.yaml", issuer.to_owned()),
        ("deploy/overlay/kustomization.yaml", kindless),
    ]);
    assert_eq!(
        o.objects[0].at.namespace.as_deref(),
        Some("linkerd"),
        "{:?}",
        o.objects[0].at
    );
}

#[test]
fn values_whose_anchors_are_not_the_ones_the_proxies_load_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(13, T0 - Duration::days(100));
    let old = anchor(14, T0 - Duration::days(900));
    let i = issuer(&a, 15, T0 - Duration::days(10), 365);
    let mut docs = static_install(dir.path(), &a, &i);
    // The values still hold the anchor of a previous install.
    docs.push((
        "values.yaml",
        format!(
            "identityTrustAnchorsPEM: |\n{}",
            block(&old.certificate().to_pem(), 2)
        ),
    ));
    let cluster = Cluster::resolve(objects(&docs), &ResolveOptions::default());
    let lint = cluster
        .lints()
        .into_iter()
        .find(|l| l.id == "trust-anchors-disagree")
        .expect("the values' anchors are not the ConfigMap's");
    assert!(
        lint.message
            .contains("from ConfigMap/linkerd/linkerd-identity-trust-roots ca-bundle.crt"),
        "{}",
        lint.message
    );
    // The same anchors: no lint.
    docs.pop();
    docs.push((
        "values.yaml",
        format!(
            "identityTrustAnchorsPEM: |\n{}",
            block(&a.certificate().to_pem(), 2)
        ),
    ));
    let cluster = Cluster::resolve(objects(&docs), &ResolveOptions::default());
    assert!(
        !cluster
            .lints()
            .iter()
            .any(|l| l.id == "trust-anchors-disagree")
    );
}

/// The built example `name` (`cargo test` builds the examples).

#[test]
fn plan_reads_standard_input_and_exits_1_on_a_break_that_already_happened() {
    use std::io::Write;
    let a = anchor(16, T0 - Duration::days(800));
    let i = issuer(&a, 17, T0 - Duration::days(395), 365);
    let text = values(&a, &i, "2025-12-02T00:00:00Z", 0);
    let mut child = example("plan")
        .args(["-", "--start", "2026-01-01T00:00:00Z"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "first break: 2025-12-02T00:00:01Z (day -30: 30d before the start, already happened)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("rendered from - identity.issuer.tls.crtPEM"),
        "{stdout}"
    );
}

#[test]
fn a_static_anchor_from_values_expiring_in_100_days_is_the_break_and_named() {
    // `linkerd install` with a one-year anchor made 265 days ago and a fresh issuer under it.
    let mut r = rng(18);
    let a = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(365)),
        PrivateKey::generate(&mut r),
        T0 - Duration::days(265),
        &mut r,
    )
    .unwrap();
    let i = issuer(&a, 19, T0 - Duration::days(5), 90);
    let text = values(&a, &i, "2026-03-27T00:00:00Z", 0);
    let (_, out, _, b_day) = broke(objects(&[("values.yaml", text)]), T0, 400);
    // The issuer (90 days, static) expires first, on day 85; with a 365-day issuer the
    // anchor's own notAfter, on day 100, would be: both name the values they came from.
    assert_eq!(b_day, 85, "{out}");
    let i = issuer(&a, 19, T0 - Duration::days(5), 365);
    let text = values(&a, &i, "2026-12-27T00:00:00Z", 0);
    let (_, out, _, b_day) = broke(objects(&[("values.yaml", text)]), T0, 400);
    assert_eq!(b_day, 100, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("cause: ")
            && l.contains("the trust anchor CN=root.linkerd.cluster.local from values.yaml identityTrustAnchorsPEM")),
        "{out}"
    );
}

#[test]
fn check_agrees_with_plan_on_every_new_shape() {
    // Each shape: its documents, and where the identity issuer must be said to come from.
    let dir = tempfile::tempdir().unwrap();
    let a = anchor(20, T0 - Duration::days(265));
    let i = issuer(&a, 21, T0 - Duration::days(265), 365);
    let key = i.private_key().secret_pkcs8_pem();
    let old_values = format!(
        "global:\n  identityTrustAnchorsPEM: |\n{}identity:\n  issuer:\n    tls:\n      crtPEM: |\n{}      keyPEM: |\n{}",
        block(&a.certificate().to_pem(), 4),
        block(&i.certificate().to_pem(), 8),
        block(&key, 8),
    );
    let linkerd_tls = secret(
        dir.path(),
        "linkerd",
        "linkerd-identity-issuer",
        &[("crt.pem", &i.certificate().to_pem()), ("key.pem", &key)],
        "yaml",
    )
    .replace("kind: Secret\n", "kind: Secret\ntype: linkerd.io/tls\n");
    let shapes: Vec<(&str, Vec<(&str, String)>, &str)> = vec![
        (
            "values file",
            vec![("values.yaml", values(&a, &i, "2026-12-06T00:00:00Z", 0))],
            "values.yaml identity.issuer.tls.crtPEM",
        ),
        (
            "umbrella chart",
            vec![(
                "values.yaml",
                format!("linkerd-control-plane:\n{}", values(&a, &i, "x", 2)),
            )],
            "linkerd-control-plane.identity.issuer.tls.crtPEM",
        ),
        (
            "global. values",
            vec![("values.yaml", old_values)],
            "values.yaml identity.issuer.tls.crtPEM",
        ),
        (
            "linkerd.io/tls Secret",
            vec![
                ("secret.yaml", linkerd_tls),
                (
                    "values.yaml",
                    format!(
                        "identityTrustAnchorsPEM: |\n{}",
                        block(&a.certificate().to_pem(), 2)
                    ),
                ),
            ],
            "Secret/linkerd/linkerd-identity-issuer",
        ),
    ];
    for (what, docs, from) in shapes {
        let (_, out, _, b_day) = broke(objects(&docs), T0, 400);
        assert_eq!(b_day, 100, "{what}: {out}");
        assert!(out.contains(from), "{what}: {out}");
        let c = check(objects(&docs), T0);
        let text = c.to_string();
        // The same issuer, from the same place, with the same dates; a phase (all three found).
        assert!(
            c.sources
                .iter()
                .any(|s| s.starts_with("issuer: ") && s.contains(from.split(' ').next().unwrap())),
            "{what}: {text}"
        );
        let issuer = c.certificates.iter().find(|x| x.role == "issuer");
        assert_eq!(
            issuer.map(|x| x.not_after),
            Some(T0 + Duration::days(100)),
            "{what}: {text}"
        );
        assert!(c.phase.is_some(), "{what}: {text}");
        assert!(
            !text.contains("issuer-secret-without-certificate"),
            "{what}: {text}"
        );
    }
}

// ---- hostile inputs: bounded, named, never a panic ----

#[test]
fn a_values_leaf_that_is_a_mapping_is_a_field_error_with_its_place() {
    let e = Objects::read(
        "values.yaml",
        "identityTrustAnchorsPEM: {not: pem}\nidentity: {issuer: {tls: {crtPEM: x}}}\n",
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("values.yaml:1:"), "{text}");
    assert!(text.contains("identityTrustAnchorsPEM"), "{text}");
    assert!(
        text.contains("expected a string, found a mapping"),
        "{text}"
    );
}

#[test]
fn too_many_values_from_entries_are_refused_and_one_configmap_named_many_times_spends_one_budget() {
    let entry = "    - {kind: ConfigMap, name: big, valuesKey: values.yaml}\n";
    let release = |n: usize| {
        format!(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: linkerd, namespace: f}}\nspec:\n  valuesFrom:\n{}",
            entry.repeat(n)
        )
    };
    let e = Objects::read("r.yaml", &release(65)).unwrap_err();
    assert!(
        e.to_string().contains("65 entries, more than the 64"),
        "{e}"
    );
    // 64 entries naming one ConfigMap of 2 MB of YAML: 128 MB to parse, over the 64 MB
    // budget; the rest is said, not parsed.
    let big = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big, namespace: f}}\ndata:\n  values.yaml: |\n{}",
        "    padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
            .repeat(2 * 1024 * 1024 / 80)
    );
    let mut objects = Objects::read("r.yaml", &release(64)).unwrap();
    objects.add("big.yaml", &big).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let spent: Vec<_> = cluster
        .lints()
        .into_iter()
        .filter(|l| l.id == "helm-values-unreadable" && l.message.contains("more text than"))
        .collect();
    assert!(!spent.is_empty() && spent.len() < 64, "{}", spent.len());
}

#[test]
fn more_kustomizations_than_read_are_named_not_applied() {
    let mut objects = Objects::default();
    for i in 0..70 {
        objects
            .add(
                &format!("k{i}/kustomization.yaml"),
                "namespace: linkerd\nresources: [a.yaml]\n",
            )
            .unwrap();
    }
    assert_eq!(objects.kustomizations.len(), 64);
    assert_eq!(
        objects
            .unsupported
            .iter()
            .filter(|(r, why)| r.kind == "Kustomization" && why.contains("more Kustomizations"))
            .count(),
        6
    );
}

#[test]
fn a_static_anchor_secret_that_expired_last_month_is_a_past_break_not_cannot_model() {
    // cert-manager renews the identity issuer under a CA ClusterIssuer whose anchor Secret
    // (made by step a year ago, for a year) expired 30 days ago.
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(22);
    let a = Ca::self_signed(
        &CertSpec::ca("root.linkerd.cluster.local", Duration::days(365)),
        PrivateKey::generate(&mut r),
        T0 - Duration::days(395),
        &mut r,
    )
    .unwrap();
    let anchor_secret = ca_secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &a,
        "tls.crt",
        "tls.key",
    );
    let cluster_issuer = "apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata:
  name: linkerd-trust-anchor
spec:
  ca:
    secretName: linkerd-trust-anchor
"
    .to_owned();
    let certificate = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-identity-issuer
  namespace: linkerd
spec:
  secretName: linkerd-identity-issuer
  duration: 48h
  renewBefore: 25h
  issuerRef:
    name: linkerd-trust-anchor
    kind: ClusterIssuer
  commonName: identity.linkerd.cluster.local
  isCA: true
  privateKey:
    algorithm: ECDSA
"
    .to_owned();
    let docs = [
        ("anchor.yaml", anchor_secret),
        ("issuer.yaml", cluster_issuer),
        ("certificate.yaml", certificate),
    ];
    let (report, out, b_at, _) = broke(objects(&docs), T0, 400);
    assert!(b_at <= T0 - Duration::days(30) + Duration::DAY, "{out}");
    assert!(report.report.broke_before_start(), "{out}");
    assert!(out.contains("before the start, already happened"), "{out}");
}

#[test]
fn another_charts_values_from_is_not_linkerds_business() {
    let release = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cert-manager, namespace: flux-system}
spec:
  chart: {spec: {chart: cert-manager}}
  valuesFrom:
    - {kind: Secret, name: cm-values}
";
    let cluster = Cluster::resolve(
        Objects::read("r.yaml", release).unwrap(),
        &ResolveOptions::default(),
    );
    assert!(
        cluster
            .lints()
            .iter()
            .all(|l| l.id != "helm-values-unreadable")
    );
}

#[test]
fn a_buoyant_control_plane_gives_its_values_in_control_plane_config() {
    let a = anchor(23, T0 - Duration::days(265));
    let i = issuer(&a, 24, T0 - Duration::days(265), 365);
    let cp = format!(
        "apiVersion: linkerd.buoyant.io/v1alpha1
kind: ControlPlane
metadata:
  name: linkerd-control-plane
spec:
  components:
    linkerd:
      version: enterprise-2.17.1
      controlPlaneConfig:
{}",
        values(&a, &i, "x", 8)
    );
    let (_, out, _, b_day) = broke(objects(&[("cp.yaml", cp)]), T0, 400);
    assert_eq!(b_day, 100, "{out}");
    assert!(
        out.contains("ControlPlane linkerd-control-plane spec.components.linkerd.controlPlaneConfig.identity.issuer.tls.crtPEM"),
        "{out}"
    );
}
