//! Istio with cert-manager's istio-csr on the same engine (issue 35, DESIGN §19): files in the
//! shapes of istio-csr's install guide and its own CA-rotation test (`tests/data/istio/`,
//! written here), planned from 2026-01-01 over 400 days.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::SubjectAltName;
use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use certcycle::plan::{self, Config, IstioCsr, Mesh, RootsKind};
use certcycle::rotation::Procedure;
use certcycle::verify::VerifyError;
use support::{T0, example};
use time::Duration;

/// The plan of `files` (under `tests/data/istio/`) from [`T0`] over 400 days.
fn plan_of(files: &[&str]) -> (Cluster, Config, PlanReport) {
    let mut objects = Objects::default();
    for f in files {
        let path = format!("tests/data/istio/{f}");
        objects
            .add(&path, &std::fs::read_to_string(&path).unwrap())
            .unwrap();
    }
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(T0).unwrap();
    let report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng).unwrap();
    (cluster, cfg, report)
}

/// The timeline's lines, as the report prints them.
fn lines(report: &PlanReport) -> Vec<String> {
    report
        .report
        .run
        .timeline
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// The report's `fix:` lines.
fn fix_lines(report: &PlanReport) -> Vec<String> {
    report
        .to_string()
        .lines()
        .filter(|l| l.starts_with("fix:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_install_guides_root_breaks_on_day_60_within_the_hour_with_its_cause_chain() {
    let (cluster, cfg, report) = plan_of(&["install-guide.yaml", "istio-csr-values.yaml"]);
    assert!(cluster.is_istio());
    assert!(matches!(cfg.mesh, Mesh::Istio(_)));
    assert!(
        cfg.topology.signer_is_anchor,
        "the CA Issuer signs with the root"
    );
    assert_eq!(
        cfg.topology.roots.kind,
        RootsKind::Static,
        "a copy made at install"
    );
    let mesh = report.mesh.clone().unwrap();
    assert!(
        mesh.starts_with(
            "Istio with cert-manager's istio-csr, recognised from istio-csr's Helm values"
        ),
        "{mesh}"
    );
    let brk = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("the root re-keys on day 60");
    assert_eq!(brk.day, 60);
    // cert-manager renews the root at two thirds of 2160h: 2026-03-02T00:00Z.
    let renewal = T0 + Duration::days(60);
    assert!(
        brk.at > renewal && brk.at - renewal <= Duration::HOUR,
        "{}",
        brk.at
    );
    // Leaves stop coming: the break is a leaf that expired, an hour's life at most.
    assert!(
        matches!(brk.error, VerifyError::Expired { .. }),
        "{:?}",
        brk.error
    );
    let timeline = &report.report.run.timeline;
    let causes: Vec<String> = brk
        .causes
        .iter()
        .map(|&i| timeline[i].to_string())
        .collect();
    for expected in [
        "cert-manager: Renewed (renewal time reached) Certificate istio-system/istio-ca: new trust root (new key: rotationPolicy Always",
        "cert-manager: Issuer istio-system/istio-ca signs with the anchor Secret's certificate #2",
        "istio-csr: failed to sign certificate request: the chain cert-manager signed with Issuer istio-system/istio-ca",
        "operator: Secret cert-manager/istio-root-ca (istio-csr's root file) holds 1 root(s)",
    ] {
        assert!(
            causes.iter().any(|c| c.contains(expected)),
            "no cause {expected:?} in {causes:#?}"
        );
    }
    // istiod (version not given: before 1.31) read the root file at start.
    assert!(
        lines(&report)
            .iter()
            .any(|l| l.contains("istiod: started: read its root file (1 root(s))"))
    );
    // A longer root holds; keeping the key does not (the copy in the root file expires on
    // day 90 and istio-csr verifies as Go does, root dates included).
    let fixes = fix_lines(&report);
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("duration: ") && f.contains("istio-system/istio-ca")),
        "{fixes:#?}"
    );
    assert!(
        !fixes.iter().any(|f| f.contains("rotationPolicy: Never")),
        "{fixes:#?}"
    );
}

#[test]
fn a_900_day_root_and_intermediate_hold_400_days() {
    let (_, cfg, report) = plan_of(&[
        "root-intermediate-900d.yaml",
        "root-intermediate-values.yaml",
    ]);
    assert!(matches!(cfg.mesh, Mesh::Istio(_)));
    assert!(!cfg.topology.signer_is_anchor, "the intermediate signs");
    assert_eq!(cfg.issuer.get_duration(), Duration::hours(21600));
    assert_eq!(cfg.anchor.get_duration(), Duration::hours(21600));
    let run = &report.report.run;
    assert!(run.first_break.is_none(), "{}", report);
    assert!(report.to_string().contains("verdict: no break within 400d"));
    // Two lanes: the root and the intermediate istio-csr signs through, neither renewed.
    let names: Vec<&str> = run.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Certificate istio-system/istio-root",
            "Certificate istio-system/istio-int"
        ]
    );
    assert!(run.lanes.iter().all(|l| l.certificates.len() == 1));
    assert!(!lines(&report).iter().any(|l| l.contains("failed to sign")));
}

#[test]
fn a_root_file_fed_by_trust_manager_turns_the_outage_into_a_split_and_lets_the_key_stay() {
    let (_, cfg, report) = plan_of(&["trust-manager.yaml"]);
    assert_eq!(cfg.topology.roots.kind, RootsKind::TrustManager);
    let brk = report
        .report
        .run
        .first_break
        .as_ref()
        .expect("still a break on day 60");
    assert_eq!(brk.day, 60);
    let renewal = T0 + Duration::days(60);
    // Within the first half-life (30m): an agent that refreshed presents a new-root leaf to
    // one that still trusts the old root alone.
    assert!(
        brk.at > renewal && brk.at - renewal < Duration::minutes(30),
        "{}",
        brk.at
    );
    assert!(
        !matches!(brk.error, VerifyError::Expired { .. }),
        "{:?}",
        brk.error
    );
    let lines = lines(&report);
    assert!(
        !lines.iter().any(|l| l.contains("failed to sign")),
        "the gate never refuses"
    );
    assert!(lines.iter().any(|l| {
        l.contains("istio-csr: reloaded its root file without a restart (1 root(s), fsnotify)")
    }));
    // istiod before 1.31 keeps what it read at start.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("istiod: keeps the 1 root(s) it read at start"))
    );
    // What that changes for the fix: keeping the root's key now holds (the file follows the
    // renewed root's dates), where a static copy needs a longer root.
    let fixes = fix_lines(&report);
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("rotationPolicy: Never on cert-manager/istio-ca")),
        "{fixes:#?}"
    );
    assert!(
        report
            .lints
            .iter()
            .any(|l| l.id == "bundle-single-source" && l.message.contains("istio-csr's root file"))
    );
}

#[test]
fn the_mesh_is_recognised_from_the_issuer_alone_and_linkerd_is_not_istio() {
    let (cluster, _, report) = plan_of(&["install-guide.yaml"]);
    assert_eq!(
        cluster.istio_evidence().as_deref(),
        Some("Issuer istio-system/istio-ca, istio-csr's default issuer")
    );
    assert!(
        report
            .assumptions
            .iter()
            .any(|a| a.starts_with("istio-csr's Helm values are not among the inputs"))
    );
    let seed = Objects::read("seed.yaml", include_str!("../examples/data/seed.yaml")).unwrap();
    let seed = Cluster::resolve(seed, &ResolveOptions::default());
    assert!(!seed.is_istio());
    assert_eq!(seed.plan_config(T0).unwrap().mesh, Mesh::Linkerd);
}

#[test]
fn istiod_reloads_its_root_file_from_1_31() {
    for (version, reloads) in [((1, 30), false), ((1, 31), true)] {
        let mut cfg = Config::istio_csr(T0);
        cfg.topology.roots.kind = RootsKind::TrustManager;
        cfg.mesh = Mesh::Istio(IstioCsr::default().version(version.0, version.1));
        let run = plan::simulate(&cfg, &mut rand_core::OsRng).unwrap();
        let text: Vec<String> = run.timeline.iter().map(ToString::to_string).collect();
        let reloaded = text
            .iter()
            .any(|l| l.contains("istiod: reloaded its root file"));
        let kept = text.iter().any(|l| {
            l.contains(&format!(
                "istiod: keeps the 1 root(s) it read at start: Istio 1.{}",
                version.1
            ))
        });
        assert_eq!(
            (reloaded, kept),
            (reloads, !reloads),
            "{version:?}: {text:#?}"
        );
    }
}

#[test]
fn leaves_live_max_certificate_duration_and_name_the_spiffe_identity() {
    let mut cfg = Config::istio_csr(T0);
    cfg.mesh = Mesh::Istio(IstioCsr::default().max_certificate_duration(Duration::hours(2)));
    let run = plan::simulate(&cfg, &mut rand_core::OsRng).unwrap();
    let brk = run.first_break.expect("the root re-keys on day 60");
    let renewal = T0 + Duration::days(60);
    // The last leaves were issued before the renewal and live 2h: the break comes after the
    // first hour of a 1h-leaf mesh's worst case, within two.
    assert!(
        brk.at > renewal && brk.at - renewal <= Duration::hours(2),
        "{}",
        brk.at
    );
    let leaf = &brk.evidence.leaf;
    assert_eq!(leaf.not_after() - leaf.not_before(), Duration::hours(2));
    assert_eq!(
        leaf.subject_alt_names(),
        [SubjectAltName::Uri(
            "spiffe://cluster.local/ns/default/sa/w0".to_owned()
        )]
    );
    assert!(
        brk.evidence.chain.is_empty(),
        "a self-signed root is not presented"
    );
}

#[test]
fn plan_prints_the_mesh_and_linkerd_prints_none() {
    let out = example("plan")
        .args([
            "tests/data/istio/install-guide.yaml",
            "tests/data/istio/istio-csr-values.yaml",
            "--start",
            "2026-01-01T00:00:00Z",
            "--timeline",
            "none",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("mesh: Istio with cert-manager's istio-csr, recognised from istio-csr's Helm values (tests/data/istio/istio-csr-values.yaml)\n"), "{text}");
    assert!(text.contains("(day 60)"), "{text}");
    let json = example("plan")
        .args([
            "tests/data/istio/install-guide.yaml",
            "--start",
            "2026-01-01T00:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        doc["mesh"]
            .as_str()
            .unwrap()
            .starts_with("Istio with cert-manager's istio-csr")
    );
    let seed = example("plan")
        .args(["--start", "2026-01-01T00:00:00Z", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&seed.stdout).unwrap();
    assert!(doc.get("mesh").is_none(), "Linkerd's JSON is as it was");
}

/// Linkerd's outputs as they were before the mesh became a parameter (written by main at
/// c018d9f with `--start` pinned, `tests/data/linkerd-before-istio/`): the seed's plan as
/// text and JSON, with unattended rotation over three years, and `rotate`.
#[test]
fn linkerds_seed_outputs_are_byte_identical_to_before() {
    let start = "2026-01-01T00:00:00Z";
    for (args, file) in [
        (vec!["plan", "--start", start], "plan.txt"),
        (
            vec!["plan", "--start", start, "--format", "json"],
            "plan.json",
        ),
        (
            vec![
                "plan",
                "--start",
                start,
                "--rotation",
                "auto",
                "--restart-every",
                "24h",
                "--horizon",
                "1095d",
            ],
            "auto.txt",
        ),
        (vec!["rotate"], "rotate.txt"),
    ] {
        let out = example(args[0]).args(&args[1..]).output().unwrap();
        let before = std::fs::read(format!("tests/data/linkerd-before-istio/{file}")).unwrap();
        assert!(
            out.stdout == before,
            "{file}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A self-signed CA made by openssl (`CN=istio-ca`, P-256), as a `kubectl create secret tls`
/// Secret `istio-system/istio-ca` and its certificate's PEM.
fn openssl_root(dir: &std::path::Path, name: &str) -> (String, String) {
    let (crt, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-subj", "/O=cluster.local/CN=istio-ca", "-days", "90"])
        .args([
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let secret = std::process::Command::new("kubectl")
        .args([
            "create",
            "secret",
            "tls",
            "istio-ca",
            "-n",
            "istio-system",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .arg(format!("--cert={}", crt.display()))
        .arg(format!("--key={}", key.display()))
        .output()
        .unwrap();
    assert!(secret.status.success());
    (
        String::from_utf8(secret.stdout).unwrap(),
        std::fs::read_to_string(crt).unwrap(),
    )
}

/// istio-csr's root file as the install guide makes it: `kubectl create secret generic
/// istio-root-ca --from-file=ca.pem -n cert-manager`.
fn root_file(dir: &std::path::Path, pem: &str) -> String {
    let path = dir.join("ca.pem");
    std::fs::write(&path, pem).unwrap();
    let out = std::process::Command::new("kubectl")
        .args([
            "create",
            "secret",
            "generic",
            "istio-root-ca",
            "-n",
            "cert-manager",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .arg(format!("--from-file=ca.pem={}", path.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn check_reads_an_istio_csr_set_ups_phase_from_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (old_secret, old_pem) = openssl_root(dir.path(), "old");
    let (new_secret, new_pem) = openssl_root(dir.path(), "new");
    let check = |secrets: &str| {
        let file = dir.path().join("secrets.yaml");
        std::fs::write(&file, secrets).unwrap();
        let now = time::OffsetDateTime::now_utc() + Duration::hours(1);
        let out = example("check")
            .args([
                "tests/data/istio/install-guide.yaml",
                "tests/data/istio/istio-csr-values.yaml",
            ])
            .arg(&file)
            .args([
                "--at",
                &now.format(&time::format_description::well_known::Rfc3339)
                    .unwrap(),
            ])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    // The root file holds the root the CA Issuer signs with.
    let (code, text) = check(&format!(
        "{old_secret}---\n{}",
        root_file(dir.path(), &old_pem)
    ));
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.starts_with("mesh: Istio with cert-manager's istio-csr\n"),
        "{text}"
    );
    assert!(text.contains("\nphase: steady\n"), "{text}");
    assert!(
        text.contains("source: root file: Secret cert-manager/istio-root-ca ca.pem"),
        "{text}"
    );
    // The root re-keyed (the day-60 renewal) and the file still holds the old one.
    let (code, text) = check(&format!(
        "{new_secret}---\n{}",
        root_file(dir.path(), &old_pem)
    ));
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("\nphase: root-file-stale (the signing chain does not verify against istio-csr's root file"), "{text}");
    assert!(text.contains("istio-csr refuses every CSR"), "{text}");
    // Both roots in the file: a rotation under way.
    let (code, text) = check(&format!(
        "{new_secret}---\n{}",
        root_file(dir.path(), &format!("{old_pem}{new_pem}"))
    ));
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("\nphase: roots-staged (1 root(s) beside the signing one)"),
        "{text}"
    );
    // Without the root file the phase cannot be told (exit 3).
    let (code, text) = check(&old_secret);
    assert_eq!(code, Some(3), "{text}");
    assert!(text.contains("root file"), "{text}");
}

#[test]
fn istio_csr_values_that_are_wrong_are_named_with_their_path_and_place() {
    for (values, expected) in [
        (
            "app:\n  server:\n    maxCertificateDuration: 0s\n",
            "3:29: document 1 (IstioCsrValues/v.yaml): app.server.maxCertificateDuration: \"0s\" is not one of a positive duration",
        ),
        (
            "app:\n  server:\n    maxCertificateDuration: 99999999999999999999h\n",
            "app.server.maxCertificateDuration: duration '99999999999999999999h' is too large",
        ),
        (
            "app:\n  certmanager:\n    issuer:\n      name: \"istio-ca\\nverdict: no break\"\n",
            "app.certmanager.issuer.name: not a name Kubernetes accepts",
        ),
        (
            "app:\n  certmanager:\n    issuer:\n      name: istio-ca\n      kind: \"Issuer\\u202e\"\n",
            "app.certmanager.issuer.kind",
        ),
        (
            "app:\n  tls:\n    rootCAFile: /r/ca.pem\nvolumes: [{name: r, secret: {secretName: \"../x\"}}]\nvolumeMounts: [{name: r, mountPath: /r}]\n",
            "volumes[].secret.secretName: not a name Kubernetes accepts",
        ),
        (
            "app:\n  tls:\n    istiodCertificateDuration: 1h\n    istiodCertificateRenewBefore: 2h\n",
            "v.yaml:4:35: document 1 (IstioCsrValues/v.yaml): app.tls.istiodCertificateRenewBefore: \"duration 1h0m0s with renewBefore 2h0m0s\" is not one of positive durations, renewBefore smaller than the duration",
        ),
        (
            "app:\n  runtimeConfiguration:\n    name: \"../cm\"\n",
            "app.runtimeConfiguration.name: not a name Kubernetes accepts",
        ),
    ] {
        let err = Objects::read("v.yaml", values).unwrap_err().to_string();
        assert!(err.contains(expected), "{values}: {err}");
    }
}

#[test]
fn certificates_so_short_the_plan_would_sign_too_many_are_refused_before_any_work() {
    let mut cfg = Config::istio_csr(T0);
    cfg.mesh = Mesh::Istio(IstioCsr::default().max_certificate_duration(Duration::SECOND));
    let err = plan::simulate(&cfg, &mut rand_core::OsRng).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("6 pods refreshing certificates of 1s at half their life over 400 days ask for about 207360000 certificates, more than the 20000000"),
        "{text}"
    );
    // 1,000 workloads on the chart's 1h certificates fit.
    cfg.mesh = Mesh::Istio(IstioCsr::default());
    let cfg = cfg.workloads(1000).horizon(Duration::days(1));
    assert!(plan::simulate(&cfg, &mut rand_core::OsRng).is_ok());
}

#[test]
fn linkerds_procedures_are_refused_on_an_istio_plan() {
    let files = [
        "tests/data/istio/install-guide.yaml",
        "tests/data/istio/istio-csr-values.yaml",
        "--start",
        "2026-01-01T00:00:00Z",
    ];
    for extra in [
        &["--rotation", "auto"][..],
        &["--rotate-at", "2026-02-01T00:00:00Z"][..],
    ] {
        let out = example("plan").args(files).args(extra).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{extra:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with("error: cannot model: ")
                && err.contains("is not Istio with cert-manager's istio-csr's procedure")
                && err.contains("--procedure istio-root"),
            "{extra:?}: {err}"
        );
    }
    let cfg = Config::istio_csr(T0).rotate_at(T0 + Duration::days(30), Procedure::SevenStep);
    let err = plan::simulate(&cfg, &mut rand_core::OsRng)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "the seven-step anchor rotation (--rotate-at, an operations file's rotate) is not Istio"
        ),
        "{err}"
    );
    // And the other way: Istio's rotation on a Linkerd plan, and on the Linkerd mesh driven
    // by hand.
    let cfg = Config::seed(T0).rotate_at(T0 + Duration::days(30), Procedure::IstioRoot);
    let err = plan::simulate(&cfg, &mut rand_core::OsRng)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "the istio-root rotation (istio-csr's root file) is not Linkerd's procedure"
        ) && err.contains("rotate with seven-step"),
        "{err}"
    );
    let out = example("plan")
        .args([
            "--start",
            "2026-01-01T00:00:00Z",
            "--rotate-at",
            "2026-02-01T00:00:00Z",
        ])
        .args(["--procedure", "istio-root"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn the_istio_root_rotation_holds_the_install_guide_over_400_days_as_a_fix_with_dated_steps() {
    let (_, cfg, report) = plan_of(&["install-guide.yaml", "istio-csr-values.yaml"]);
    let fix = report
        .report
        .fixes
        .iter()
        .find(|f| f.change.contains("istio-root rotation"))
        .expect("the rotation is among the fixes");
    assert!(fix.held(), "{}", fix.change);
    // cert-manager renews the 90-day root at two thirds: with renewBefore 720h each new
    // root renews 60 days after its rotation, so a rotation every 53 days: 7 over 400 days.
    let ats: Vec<_> = fix
        .operations
        .iter()
        .map(|o| match *o {
            plan::Operation::Rotate { at, procedure } => {
                assert_eq!(procedure, Procedure::IstioRoot);
                at
            }
            ref other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ats.len(), 7, "{ats:?}");
    assert_eq!(ats[0], T0 + Duration::days(53));
    assert!(
        fix.objects.iter().all(|o| !o.contains("every pod")),
        "no restarts: {:?}",
        fix.objects
    );
    // The rotation replayed alone, with its steps a leaf lifetime (1h) apart: the new root
    // beside the old while the old one signs, then the signer, then the drop.
    let mut again = cfg.clone();
    for o in &fix.operations {
        again = o.apply(again);
    }
    let run = plan::simulate(&again, &mut rand_core::OsRng).unwrap();
    assert!(run.first_break.is_none());
    let text: Vec<String> = run.timeline.iter().map(ToString::to_string).collect();
    let at = |t: &str, what: &str| {
        assert!(
            text.iter().any(|l| l.starts_with(t) && l.contains(what)),
            "no {what:?} at {t}"
        );
    };
    at(
        "2026-02-23T00:00:00Z",
        "operator: step 1: sign with a copy of the root",
    );
    at(
        "2026-02-23T00:00:00Z",
        "Secret cert-manager/istio-root-ca (istio-csr's root file) holds 2 root(s)",
    );
    at(
        "2026-02-23T01:00:00Z",
        "cert-manager: Issuer istio-system/istio-ca signs with the anchor Secret's certificate #2",
    );
    at(
        "2026-02-23T02:00:00Z",
        "Secret cert-manager/istio-root-ca (istio-csr's root file) holds 1 root(s)",
    );
    assert!(!text.iter().any(|l| l.contains("failed to sign")));
}

#[test]
fn the_rotation_needs_the_old_root_in_a_root_file_trust_manager_builds() {
    // A Bundle over the root's Secret alone publishes {new} at step 1: istio-csr then refuses
    // the chains the old root's copy signs.
    let (_, cfg, _) = plan_of(&["trust-manager.yaml"]);
    let at = T0 + Duration::days(50);
    let alone = cfg
        .clone()
        .horizon(Duration::days(60))
        .rotate_at(at, Procedure::IstioRoot);
    let run = plan::simulate(&alone, &mut rand_core::OsRng).unwrap();
    let brk = run.first_break.as_ref().expect("the rotation alone breaks");
    assert!(brk.at > at && brk.at - at <= Duration::HOUR, "{}", brk.at);
    let causes: Vec<String> = brk
        .causes
        .iter()
        .map(|&i| run.timeline[i].to_string())
        .collect();
    assert!(
        causes
            .iter()
            .any(|c| c.contains("istio-csr: failed to sign certificate request")),
        "{causes:#?}"
    );
    // With the copy as the Bundle's second source it holds.
    let mut both = alone.clone();
    both.previous_anchor_source = true;
    let run = plan::simulate(&both, &mut rand_core::OsRng).unwrap();
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
}

#[test]
fn a_short_root_and_intermediate_rotate_with_the_intermediate_re_signed_at_step_2() {
    // The 900-day shape with both CAs at cert-manager's 90 days: the intermediate renews on
    // day 60 under the new root, which the root file does not hold.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("tests/data/istio/root-intermediate-900d.yaml")
        .unwrap()
        .replace("duration: 21600h # 900d", "duration: 2160h");
    let path = dir.path().join("root-intermediate-90d.yaml");
    std::fs::write(&path, text).unwrap();
    let out = example("plan")
        .arg(&path)
        .arg("tests/data/istio/root-intermediate-values.yaml")
        .args(["--start", "2026-01-01T00:00:00Z", "--fix-out"])
        .arg(dir.path().join("fixes"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let fix = stdout
        .lines()
        .find(|l| l.starts_with("fix-out: ") && l.contains("istio-root rotation"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        fix.contains("the intermediate istio-system/istio-int (signed by the old one) still signs")
            && fix.ends_with("(re-planned from the written documents: no break within 400d)"),
        "{fix}"
    );
    let n = fix
        .strip_prefix("fix-out: ")
        .and_then(|l| l.split(':').next())
        .unwrap();
    let ops = std::fs::read_to_string(std::path::Path::new(n).join("operations.txt")).unwrap();
    let first: Vec<&str> = ops.lines().take(3).collect();
    assert!(
        first[0].starts_with("2026-02-23T00:00:00Z step 1: "),
        "{ops}"
    );
    assert!(
        first[1].starts_with("2026-02-23T01:00:00Z step 2: sign with the new root: cmctl renew -n istio-system istio-int"),
        "{ops}"
    );
    assert!(
        first[2].starts_with("2026-02-23T02:00:00Z step 3: drop the old root"),
        "{ops}"
    );
}

#[test]
fn istio_version_says_whether_istiod_reloads_its_root_file() {
    let run = |version: &str| {
        example("plan")
            .args([
                "tests/data/istio/trust-manager.yaml",
                "--start",
                "2026-01-01T00:00:00Z",
                "--horizon",
                "61d",
                "--timeline",
                "full",
            ])
            .args(["--istio-version", version])
            .output()
            .unwrap()
    };
    let text = String::from_utf8(run("1.31.2").stdout).unwrap();
    assert!(
        text.contains("assume: Istio 1.31 (--istio-version): istiod reloads its root file"),
        "{text}"
    );
    assert!(
        text.contains("istiod: reloaded its root file (1 root(s); Istio 1.31 and later watch it)"),
        "{text}"
    );
    let text = String::from_utf8(run("1.30").stdout).unwrap();
    assert!(text.contains("istiod: keeps the 1 root(s) it read at start: Istio 1.30 reads its root file only at start"), "{text}");
    let bad = run("one.thirty");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("\"one.thirty\" is not an Istio version (1.30, 1.31.2)")
    );
}

/// The install guide's set-up in ambient mode on Istio `version` (`None`: not given), with
/// the istio-root rotation on day 50, over 60 days.
fn ambient_rotation(version: Option<(u32, u32)>) -> plan::Run {
    let mut csr = IstioCsr::default().ambient(true);
    if let Some((major, minor)) = version {
        csr = csr.version(major, minor);
    }
    let mut cfg = Config::istio_csr(T0)
        .horizon(Duration::days(60))
        .rotate_at(T0 + Duration::days(50), Procedure::IstioRoot);
    cfg.mesh = Mesh::Istio(csr);
    plan::simulate(&cfg, &mut rand_core::OsRng).unwrap()
}

#[test]
fn ztunnel_before_1_26_trusts_one_root_so_the_rotation_breaks_at_its_first_step() {
    let at = T0 + Duration::days(50);
    for version in [None, Some((1, 25))] {
        let run = ambient_rotation(version);
        let brk = run.first_break.as_ref().expect("one root cannot hold both");
        // A pod that refreshed after step 1 keeps the new root alone, and refuses a peer
        // still presenting a leaf the old root's copy signed: within the first half-life.
        assert!(
            brk.at > at && brk.at - at < Duration::minutes(30),
            "{version:?}: {}",
            brk.at
        );
        assert!(
            matches!(brk.error, VerifyError::BadSignature { .. }),
            "{:?}",
            brk.error
        );
    }
    // From 1.26 ztunnel trusts every root of the response; the rotation's step 1 restarts it
    // (before 1.30 its channel to istio-csr keeps the roots it read at start).
    for version in [(1, 26), (1, 29)] {
        let run = ambient_rotation(Some(version));
        assert!(
            run.first_break.is_none(),
            "{version:?}: {:?}",
            run.first_break
        );
        assert!(
            run.timeline
                .iter()
                .any(|e| e.what.starts_with("restarted ztunnel"))
        );
    }
    let run = ambient_rotation(Some((1, 30)));
    assert!(run.first_break.is_none());
    assert!(
        !run.timeline
            .iter()
            .any(|e| e.what.starts_with("restarted ztunnel"))
    );
}

#[test]
fn ztunnel_before_1_30_cannot_reach_istio_csr_once_the_root_changes_under_it() {
    let plan = |version: &str| {
        let out = example("plan")
            .args([
                "tests/data/istio/trust-manager.yaml",
                "--start",
                "2026-01-01T00:00:00Z",
            ])
            .args([
                "--istio-ambient",
                "--istio-version",
                version,
                "--timeline",
                "full",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    // 1.26: the Bundle publishes the renewed root on day 60; ztunnel's channel still holds
    // the old one, so no certificate comes and the last ones expire within the hour.
    let old = plan("1.26");
    assert!(
        old.lines()
            .any(|l| l.starts_with("2026-03-02T00:04:17Z ztunnel: cannot connect to istio-csr")),
        "{old}"
    );
    let first = old
        .lines()
        .find(|l| l.starts_with("first break: "))
        .unwrap();
    assert!(
        first.contains("(day 60)") && first.contains("expired at"),
        "{first}"
    );
    // 1.30 rebuilds the channel: the sidecars' split instead (a pod trusting the old root
    // alone meets one that refreshed), and no ztunnel line.
    let new = plan("1.30");
    assert!(!new.contains("ztunnel: cannot connect"), "{new}");
    let first = new
        .lines()
        .find(|l| l.starts_with("first break: "))
        .unwrap();
    assert!(
        first.contains("(day 60)") && !first.contains("expired at"),
        "{first}"
    );
}

/// On ambient Istio 1.27 the istio-root fix is written with its operations (ztunnel restarted
/// at step 1); the `fix-out: re-check:` line carries the Istio flags it was planned with and
/// holds over the same 400 days, and the same documents without the operations break.
#[test]
fn the_ambient_rotation_fix_re_checks_from_the_files_with_its_istio_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::plan_fix_out(
        &[
            "tests/data/istio/install-guide.yaml",
            "tests/data/istio/istio-csr-values.yaml",
            "--istio-ambient",
            "--istio-version",
            "1.27",
        ],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let args = support::re_checks(&text)
        .into_iter()
        .find(|a| a.iter().any(|w| w == "--operations"))
        .unwrap_or_else(|| panic!("{text}"));
    for flag in ["--istio-ambient", "--istio-version"] {
        assert!(args.iter().any(|a| a == flag), "{flag}: {args:?}");
    }
    let ops =
        std::path::Path::new(&args[args.iter().position(|a| a == "--operations").unwrap() + 1])
            .with_file_name("operations.txt");
    let ops = std::fs::read_to_string(ops).unwrap();
    assert!(
        ops.lines()
            .next()
            .unwrap()
            .contains("kubectl rollout restart ds/ztunnel -n istio-system"),
        "{ops}"
    );
    let again = example("plan").args(&args).output().unwrap();
    let again_text = String::from_utf8_lossy(&again.stdout);
    assert!(
        again_text.contains("verdict: no break within 400d"),
        "{again_text}"
    );
    let i = args.iter().position(|a| a == "--operations").unwrap();
    let mut without = args.clone();
    without.drain(i..i + 2);
    let alone = example("plan").args(&without).output().unwrap();
    assert!(String::from_utf8_lossy(&alone.stdout).contains("(day 60)"));
}

/// istio-csr's values where GitOps users keep them: a Flux `HelmRelease`'s `spec.values`, an
/// Argo CD `Application`'s `valuesObject` or `values` text. Each plans as the values file
/// does, named by the object and field it came from.
#[test]
fn istio_csr_values_inside_a_helmrelease_or_an_application_plan_as_the_values_file() {
    let text = |r: &PlanReport| -> Vec<String> {
        r.to_string()
            .lines()
            .filter(|l| !l.starts_with("mesh: "))
            .map(str::to_owned)
            .collect()
    };
    let (_, _, file) = plan_of(&["install-guide.yaml", "istio-csr-values.yaml"]);
    let (_, _, flux) = plan_of(&["install-guide.yaml", "flux-helmrelease.yaml"]);
    assert!(
        flux.mesh
            .as_deref()
            .unwrap()
            .ends_with("(HelmRelease cert-manager/cert-manager-istio-csr spec.values)"),
        "{:?}",
        flux.mesh
    );
    assert_eq!(
        text(&file)
            .iter()
            .filter(|l| l.starts_with("first break:"))
            .collect::<Vec<_>>(),
        text(&flux)
            .iter()
            .filter(|l| l.starts_with("first break:"))
            .collect::<Vec<_>>()
    );
    let (_, cfg, argo) = plan_of(&["install-guide.yaml", "argo-application.yaml"]);
    assert!(
        argo.mesh.as_deref().unwrap().ends_with(
            "(Application argocd/cert-manager-istio-csr spec.sources[1].helm.valuesObject)"
        ),
        "{:?}",
        argo.mesh
    );
    // Its maxCertificateDuration of 30m: the last leaves expire within the half-hour.
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!("{:?}", cfg.mesh)
    };
    assert_eq!(csr.leaf_duration(), Duration::minutes(30));
    let brk = argo.report.run.first_break.as_ref().unwrap();
    assert!(
        brk.at - (T0 + Duration::days(60)) <= Duration::minutes(30),
        "{}",
        brk.at
    );
    // The same values as `helm.values` text.
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string("tests/data/istio/argo-application.yaml").unwrap();
    let values = std::fs::read_to_string("tests/data/istio/istio-csr-values.yaml").unwrap();
    let indented: String = values.lines().map(|l| format!("          {l}\n")).collect();
    let start = yaml.find("        valuesObject:").unwrap();
    let end = yaml.find("  syncPolicy:").unwrap();
    let as_text = format!(
        "{}        values: |\n{indented}{}",
        &yaml[..start],
        &yaml[end..]
    );
    let path = dir.path().join("application-values-text.yaml");
    std::fs::write(&path, &as_text).unwrap();
    let mut objects = Objects::default();
    for f in [
        "tests/data/istio/install-guide.yaml",
        path.to_str().unwrap(),
    ] {
        objects
            .add(f, &std::fs::read_to_string(f).unwrap())
            .unwrap();
    }
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    assert!(
        cluster
            .istio_evidence()
            .unwrap()
            .ends_with("spec.sources[1].helm.values)"),
        "{:?}\n{as_text}",
        cluster.istio_evidence()
    );
    let cfg = cluster.plan_config(T0).unwrap();
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!("{:?}", cfg.mesh)
    };
    assert_eq!(csr.leaf_duration(), Duration::HOUR);
}

/// The Cluster of the install guide and `text` (as `file`), resolved.
fn with_install_guide(file: &str, text: &str) -> Cluster {
    let mut objects = Objects::default();
    let guide = "tests/data/istio/install-guide.yaml";
    objects
        .add(guide, &std::fs::read_to_string(guide).unwrap())
        .unwrap();
    objects.add(file, text).unwrap();
    Cluster::resolve(objects, &ResolveOptions::default())
}

/// The `helm-values-unreadable` findings' messages.
fn unreadable(cluster: &Cluster) -> Vec<String> {
    cluster
        .lints()
        .into_iter()
        .filter(|l| l.id == "helm-values-unreadable")
        .map(|l| l.message)
        .collect()
}

/// A Flux HelmRelease of istio-csr's chart whose values come from `valuesFrom` (a ConfigMap
/// of shared values, a Secret put at `targetPath`) with `spec.values` over them: merged as
/// helm-controller merges them, later entries over earlier ones; what is missing or wrong is
/// named by its entry.
#[test]
fn istio_csr_values_from_a_helmreleases_values_from_merge_as_flux_merges_them() {
    let path = "tests/data/istio/flux-valuesfrom.yaml";
    let text = std::fs::read_to_string(path).unwrap();
    let (cluster, cfg, report) = plan_of(&["install-guide.yaml", "flux-valuesfrom.yaml"]);
    assert!(
        unreadable(&cluster).is_empty(),
        "{:?}",
        unreadable(&cluster)
    );
    assert!(
        report.mesh.as_deref().unwrap().ends_with(
            "(HelmRelease cert-manager/cert-manager-istio-csr spec.valuesFrom and spec.values)"
        ),
        "{:?}",
        report.mesh
    );
    // The Secret's 45m (valuesFrom[1], targetPath) is over the ConfigMap's 1h.
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!("{:?}", cfg.mesh)
    };
    assert_eq!(csr.leaf_duration(), Duration::minutes(45));
    // The ConfigMap's root file (a Secret copy made at install): the install guide's break.
    let (_, _, file) = plan_of(&["install-guide.yaml", "istio-csr-values.yaml"]);
    let brk = report.report.run.first_break.as_ref().unwrap();
    let file_brk = file.report.run.first_break.as_ref().unwrap();
    assert!(brk.at >= T0 + Duration::days(60) && brk.at - file_brk.at <= Duration::HOUR);
    assert_eq!(
        lines(&report)
            .iter()
            .filter(|l| l.contains("istio-root-ca"))
            .count(),
        lines(&file)
            .iter()
            .filter(|l| l.contains("istio-root-ca"))
            .count()
    );

    // spec.values over every valuesFrom entry.
    let over = text.replace(
        "        clusterID: primary",
        "        maxCertificateDuration: 20m",
    );
    let cfg = with_install_guide("over.yaml", &over)
        .plan_config(T0)
        .unwrap();
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!("{:?}", cfg.mesh)
    };
    assert_eq!(csr.leaf_duration(), Duration::minutes(20));

    // The HelmRelease alone: both entries are named as missing, the chart's defaults stand.
    let alone = &text[..text.find("\n---\n").unwrap()];
    let cluster = with_install_guide("alone.yaml", alone);
    let said = unreadable(&cluster);
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[0].starts_with(
            "HelmRelease cert-manager/cert-manager-istio-csr spec.valuesFrom[0] (ConfigMap cert-manager/istio-csr-values values.yaml) is not among the inputs"
        ),
        "{said:?}"
    );
    assert!(said[1].contains("spec.valuesFrom[1] (Secret"), "{said:?}");
    assert!(cluster.is_istio());
    // `optional: true` entries that are missing are no error to Flux, nor to certcycle.
    let optional = alone.replace(
        "      name: istio-csr-values\n",
        "      name: istio-csr-values\n      optional: true\n",
    );
    assert_eq!(
        unreadable(&with_install_guide("opt.yaml", &optional)).len(),
        1
    );

    // A wrong value is named by the entry that gave it, with its place in that entry's text.
    let wrong = text.replace("secretName: istio-root-ca", "secretName: Istio_Root");
    let said = unreadable(&with_install_guide("wrong.yaml", &wrong));
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(
            "HelmRelease cert-manager/cert-manager-istio-csr spec.valuesFrom[0] (ConfigMap cert-manager/istio-csr-values values.yaml) volumes[].secret.secretName (15:19)"
        ),
        "{said:?}"
    );
    assert!(
        said[0]
            .ends_with("istio-csr's values are not read from it, the chart's defaults are assumed"),
        "{said:?}"
    );
    // A renewBefore in spec.values checked against a duration from valuesFrom: the merge,
    // not each source alone, is what the chart checks.
    let split = text
        .replace(
            "        rootCAFile: /var/run/secrets/istio-csr/ca.pem\n",
            "        rootCAFile: /var/run/secrets/istio-csr/ca.pem\n        istiodCertificateDuration: 2h\n",
        )
        .replace(
            "      logLevel: 2\n",
            "      logLevel: 2\n      tls:\n        istiodCertificateRenewBefore: 90m\n",
        );
    assert!(split.contains("istiodCertificateDuration: 2h"), "{split}");
    let cluster = with_install_guide("split.yaml", &split);
    assert!(
        unreadable(&cluster).is_empty(),
        "{:?}",
        unreadable(&cluster)
    );
    // A targetPath that indexes a list, and a key that is not a mapping, are said.
    let list = text.replace(
        "targetPath: app.server.maxCertificateDuration",
        "targetPath: volumes[0].name",
    );
    let said = unreadable(&with_install_guide("list.yaml", &list));
    assert!(said[0].contains("indexes a list"), "{said:?}");
    // A path of a hundred thousand keys is refused before any tree is built from it.
    let deep = text.replace(
        "targetPath: app.server.maxCertificateDuration",
        &format!("targetPath: {}x", "a.".repeat(100_000)),
    );
    let said = unreadable(&with_install_guide("deep.yaml", &deep));
    assert!(
        said[0].contains("path of 100001 keys: deeper than the 32 levels"),
        "{}",
        &said[0][..said[0].len().min(300)]
    );
}

/// istio-csr's issuer as the resolved values give it (kind, name).
fn values_issuer(cluster: &Cluster) -> Option<(String, String)> {
    cluster
        .objects
        .objects
        .iter()
        .rev()
        .find_map(|o| match &o.resource {
            certcycle::k8s::Resource::IstioCsrValues(v) => {
                v.issuer.as_ref().map(|(k, n, _)| (k.clone(), n.clone()))
            }
            _ => None,
        })
}

/// The istio-root rotation's operations.txt for the install guide and `values` (files).
fn rotation_ops(values: &[&std::path::Path], dir: &std::path::Path) -> String {
    let mut files = vec![std::path::Path::new("tests/data/istio/install-guide.yaml")];
    files.extend(values);
    let out = support::plan_fix_out(&files, &dir.join("fixes"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_dir(dir.join("fixes"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join("operations.txt")).ok())
        .next()
        .expect("the rotation's operations")
}

/// Under Flux or Argo CD the rotation changes istio-csr's issuer where they keep its
/// values (a `helm upgrade` would be put back at their next sync): the HelmRelease's
/// `spec.values` by a merge patch (run here with `kubectl patch --local`, and the patched
/// HelmRelease read back), the Application's Helm parameters by `argocd app set` (what it
/// writes, read back).
#[test]
fn under_flux_or_argo_the_rotation_sets_the_issuer_where_they_keep_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("tests/data/istio/flux-valuesfrom.yaml").unwrap();
    let ops = rotation_ops(
        &[std::path::Path::new(
            "tests/data/istio/flux-valuesfrom.yaml",
        )],
        dir.path(),
    );
    assert!(!ops.contains("helm upgrade"), "{ops}");
    let step1 = ops.lines().next().unwrap();
    let start = step1
        .find("kubectl -n cert-manager patch helmrelease")
        .unwrap_or_else(|| panic!("{step1}"));
    let end = step1[start..]
        .find(" (or the same spec.values in Git")
        .unwrap()
        + start;
    let words = certcycle::k8s::shell_words(&step1[start..end]).unwrap();
    assert_eq!(
        &words[..9],
        [
            "kubectl",
            "-n",
            "cert-manager",
            "patch",
            "helmrelease",
            "cert-manager-istio-csr",
            "--type",
            "merge",
            "-p"
        ]
    );
    let release = dir.path().join("helmrelease.yaml");
    std::fs::write(&release, &text[..text.find("\n---\n").unwrap()]).unwrap();
    let patched = std::process::Command::new("kubectl")
        .args([
            "patch", "--local", "-o", "yaml", "--type", "merge", "-p", &words[9], "-f",
        ])
        .arg(&release)
        .output()
        .expect("kubectl is on the machine");
    assert!(
        patched.status.success(),
        "{}",
        String::from_utf8_lossy(&patched.stderr)
    );
    let patched = String::from_utf8(patched.stdout).unwrap();
    let rest = &text[text.find("\n---\n").unwrap()..];
    let before = with_install_guide("before.yaml", &text);
    assert_eq!(
        values_issuer(&before),
        Some(("Issuer".into(), "istio-ca".into()))
    );
    let after = with_install_guide("after.yaml", &format!("{patched}{rest}"));
    assert_eq!(
        values_issuer(&after),
        Some(("Issuer".into(), "istio-ca-previous".into())),
        "{patched}"
    );
    // The valuesFrom values are still there under the patch.
    assert!(unreadable(&after).is_empty(), "{:?}", unreadable(&after));
    let max = after
        .objects
        .objects
        .iter()
        .find_map(|o| match &o.resource {
            certcycle::k8s::Resource::IstioCsrValues(v) => v.max_certificate_duration,
            _ => None,
        });
    assert_eq!(max, Some(Duration::minutes(45)));

    let dir = tempfile::tempdir().unwrap();
    let ops = rotation_ops(
        &[std::path::Path::new(
            "tests/data/istio/argo-application.yaml",
        )],
        dir.path(),
    );
    assert!(
        ops.lines().nth(1).unwrap().contains(
            "step 2: sign with the new root: argocd app set cert-manager-istio-csr --app-namespace argocd --helm-set app.certmanager.issuer.name=istio-ca --helm-set app.certmanager.issuer.kind=Issuer --source-position 2 (or the same Helm parameters in Git"
        ),
        "{ops}"
    );
    // What `argocd app set --helm-set` writes: parameters over the valuesObject.
    let app = std::fs::read_to_string("tests/data/istio/argo-application.yaml").unwrap();
    let set = app.replace(
        "        releaseName: cert-manager-istio-csr\n",
        "        releaseName: cert-manager-istio-csr\n        parameters:\n          - name: app.certmanager.issuer.name\n            value: istio-ca-previous\n          - name: app.certmanager.issuer.kind\n            value: Issuer\n          - name: image.tag\n            value: v0.17.0\n",
    );
    assert_ne!(set, app);
    let cluster = with_install_guide("app.yaml", &set);
    assert_eq!(
        values_issuer(&cluster),
        Some(("Issuer".into(), "istio-ca-previous".into()))
    );
    assert!(
        cluster
            .istio_evidence()
            .unwrap()
            .ends_with("spec.sources[1].helm.valuesObject and parameters)"),
        "{:?}",
        cluster.istio_evidence()
    );
    // An Application whose values are valueFiles in Git: alone, the chart's defaults are
    // assumed and said; with the values file given, the file's values are read and the
    // rotation still sets the issuer through Argo CD.
    let start = app.find("        valuesObject:").unwrap();
    let end = app.find("  syncPolicy:").unwrap();
    let files = format!(
        "{}        valueFiles:\n          - $values/istio/cert-manager/istio-csr-values.yaml\n    - repoURL: https://github.com/example/platform.git\n      targetRevision: main\n      ref: values\n{}",
        &app[..start],
        &app[end..]
    );
    let cluster = with_install_guide("value-files.yaml", &files);
    let evidence = cluster.istio_evidence().unwrap();
    assert!(
        evidence.ends_with("(Application argocd/cert-manager-istio-csr spec.sources[1], none of its values among the inputs)"),
        "{evidence}"
    );
    let cfg = cluster.plan_config(T0).unwrap();
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!("{:?}", cfg.mesh)
    };
    assert_eq!(csr.leaf_duration(), Duration::HOUR);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("value-files.yaml");
    std::fs::write(&path, &files).unwrap();
    let values = std::path::Path::new("tests/data/istio/istio-csr-values.yaml");
    for order in [[path.as_path(), values], [values, path.as_path()]] {
        let out = tempfile::tempdir().unwrap();
        let ops = rotation_ops(&order, out.path());
        assert!(
            ops.lines().nth(1).unwrap().contains(
                "argocd app set cert-manager-istio-csr --app-namespace argocd --helm-set app.certmanager.issuer.name=istio-ca --helm-set app.certmanager.issuer.kind=Issuer --source-position 2"
            ),
            "{ops}"
        );
    }
    // A parameter of istio-csr's values that indexes a list is refused, naming it.
    let list = set.replace("name: image.tag", "name: volumes[0].name");
    let mut objects = Objects::default();
    let err = objects.add("list.yaml", &list).unwrap_err().to_string();
    assert!(
        err.contains("spec.sources[1].helm.parameters[2].name"),
        "{err}"
    );
}

/// istio-csr's runtime configuration ConfigMap (`app.runtimeConfiguration.name`) overrides
/// the values' issuer when it holds all three keys; one that lacks a key leaves the values'
/// issuer; the rotation's steps then switch the issuer by writing the ConfigMap.
#[test]
fn the_runtime_configuration_configmap_sets_the_issuer_and_the_rotation_writes_it() {
    let values = "app:\n  certmanager:\n    issuer:\n      name: istio-ca-retired\n  runtimeConfiguration:\n    name: istio-issuer\n  tls:\n    rootCAFile: /var/run/secrets/istio-csr/ca.pem\nvolumes:\n  - name: root-ca\n    secret:\n      secretName: istio-root-ca\nvolumeMounts:\n  - name: root-ca\n    mountPath: /var/run/secrets/istio-csr\n";
    let config_map = |keys: &[(&str, &str)]| {
        let mut args = vec!["create", "configmap", "istio-issuer", "-n", "cert-manager"];
        let literals: Vec<String> = keys
            .iter()
            .map(|(k, v)| format!("--from-literal={k}={v}"))
            .collect();
        args.extend(literals.iter().map(String::as_str));
        args.extend(["--dry-run=client", "-o", "yaml"]);
        support::kubectl(&args)
    };
    let resolve = |cm: &str| {
        let mut objects = Objects::default();
        objects
            .add(
                "tests/data/istio/install-guide.yaml",
                &std::fs::read_to_string("tests/data/istio/install-guide.yaml").unwrap(),
            )
            .unwrap();
        objects.add("values.yaml", values).unwrap();
        objects.add("configmap.yaml", cm).unwrap();
        Cluster::resolve(objects, &ResolveOptions::default())
    };
    let full = config_map(&[
        ("issuer-name", "istio-ca"),
        ("issuer-kind", "Issuer"),
        ("issuer-group", "cert-manager.io"),
    ]);
    let cluster = resolve(&full);
    let cfg = cluster.plan_config(T0).unwrap();
    assert_eq!(cfg.names.issuer, "Issuer istio-system/istio-ca");
    assert!(cluster.plan_assumptions().iter().any(|a| a.contains(
        "ConfigMap cert-manager/istio-issuer sets the issuer: it signs through Issuer istio-ca"
    )));
    let Mesh::Istio(csr) = &cfg.mesh else {
        panic!()
    };
    assert_eq!(
        csr.runtime_config.as_deref(),
        Some("cert-manager/istio-issuer")
    );
    // Without issuer-group the ConfigMap is ignored: the values' issuer, not among the inputs.
    let partial = config_map(&[("issuer-name", "istio-ca"), ("issuer-kind", "Issuer")]);
    let err = resolve(&partial).plan_config(T0).unwrap_err().to_string();
    assert!(
        err.contains("Issuer istio-system/istio-ca-retired"),
        "{err}"
    );
    // A value no issuer can have is named, never printed raw into a report or command.
    let hostile = config_map(&[
        ("issuer-name", "istio-ca;\u{1b}[2J"),
        ("issuer-kind", "Issuer"),
        ("issuer-group", "cert-manager.io"),
    ]);
    let err = resolve(&hostile).plan_config(T0).unwrap_err().to_string();
    assert!(
        err.contains("runtime configuration ConfigMap cert-manager/istio-issuer: issuer-name")
            && !err.contains('\u{1b}'),
        "{err}"
    );
    // The rotation's commands write the ConfigMap.
    let dir = tempfile::tempdir().unwrap();
    let (v, c) = (dir.path().join("values.yaml"), dir.path().join("cm.yaml"));
    std::fs::write(&v, values).unwrap();
    std::fs::write(&c, &full).unwrap();
    let guide = std::path::PathBuf::from("tests/data/istio/install-guide.yaml");
    let out = support::plan_fix_out(&[&guide, &v, &c], &dir.path().join("fixes"));
    assert!(
        out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops = std::fs::read_dir(dir.path().join("fixes"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join("operations.txt")).ok())
        .next()
        .expect("the rotation's operations");
    assert!(
        ops.lines().nth(1).unwrap().contains(
            "step 2: sign with the new root: kubectl -n cert-manager create configmap istio-issuer --from-literal=issuer-name=istio-ca --from-literal=issuer-kind=Issuer"
        ),
        "{ops}"
    );
}
