//! Hostile input, round two (issue 24): the cluster reader, `check`, the plan engine and the
//! upgrade path, attacked as a hostile file or a careless dump would. One test per finding,
//! each failing before its fix; the objects are kubectl's own (`create ... --dry-run=client`).
//! Items 3 and 4 (memory) are in `hostile_memory.rs`, item 14 in `tls.rs`, item 15 in
//! `downstream.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{
    CheckReport, Cluster, IssuerSecretProblem, K8sError, Objects, ResolveOptions, Resource,
    SecretObject,
};
use certcycle::mesh::{Mesh, Procedure};
use certcycle::plan::SimError;
use certcycle::rotation::{Broken, Phase, RotationError};
use certcycle::{Ca, Error, PrivateKey, TrustBundle, presets::linkerd};
use std::path::Path;
use support::{T0, kubectl, rng, secret};
use time::Duration;

const SEED: &str = include_str!("../examples/data/seed.yaml");

/// Linkerd's three Secrets and the trust-roots ConfigMap (in `roots_ns`), as kubectl makes
/// them; `issuer` gives the issuer Secret's entries.
fn cluster_yaml(dir: &Path, anchor: &Ca, issuer: &[(&str, &str)], roots_ns: &str) -> Vec<String> {
    let a = anchor.certificate().to_pem();
    let key = anchor.private_key().secret_pkcs8_pem();
    let bundle = std::fs::write(dir.join("ca-bundle.crt"), &a);
    bundle.unwrap();
    vec![
        secret(
            dir,
            "cert-manager",
            "linkerd-trust-anchor",
            &[("tls.crt", &a), ("tls.key", &key)],
            "yaml",
        ),
        secret(
            dir,
            "cert-manager",
            "linkerd-previous-anchor",
            &[("tls.crt", &a)],
            "yaml",
        ),
        secret(dir, "linkerd", "linkerd-identity-issuer", issuer, "yaml"),
        kubectl(&[
            "create",
            "configmap",
            linkerd::TRUST_ROOTS_CONFIGMAP,
            "-n",
            roots_ns,
            &format!(
                "--from-file=ca-bundle.crt={}",
                dir.join("ca-bundle.crt").display()
            ),
            "--dry-run=client",
            "-o",
            "yaml",
        ]),
    ]
}

fn report(docs: &[String]) -> CheckReport {
    let mut objects = Objects::default();
    for (i, d) in docs.iter().enumerate() {
        objects.add(&format!("doc{i}.yaml"), d).unwrap();
    }
    objects.add("seed.yaml", SEED).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    CheckReport::new(&cluster, T0 + Duration::hours(1))
}

fn anchor_and_issuer(seed: u64) -> (Ca, Ca) {
    let r = &mut rng(seed);
    let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap();
    let issuer = anchor
        .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(r), T0, r)
        .unwrap()
        .ca;
    (anchor, issuer)
}

fn secret_of(objects: &Objects, name: &str) -> SecretObject {
    objects
        .objects
        .iter()
        .find_map(|o| match &o.resource {
            Resource::Secret(s) if o.at.name == name => Some(s.clone()),
            _ => None,
        })
        .unwrap()
}

// ---- 1. anchor renewals count against the generation budget ----

#[test]
fn an_anchor_renewing_every_second_is_refused_before_working() {
    let text = SEED
        .replacen("duration: 8760h0m0s", "duration: 87600h", 1)
        .replacen("renewBefore: 7320h0m0s", "renewBefore: 87599h59m59s", 1);
    assert_ne!(text, SEED);
    let cluster = Cluster::resolve(
        Objects::read("in.yaml", &text).unwrap(),
        &ResolveOptions::default(),
    );
    let cfg = cluster.plan_config(T0).unwrap();
    // Before the fix this minted a self-signed anchor every second (228 MB after 30 s).
    let e = certcycle::plan::simulate(&cfg, &mut rng(1)).unwrap_err();
    assert!(
        matches!(e, Error::Sim(SimError::AnchorGenerations { every, .. }) if every == Duration::SECOND),
        "{e}"
    );
    assert!(
        e.to_string().contains("trust anchors (one every 1s)"),
        "{e}"
    );
    // Every managed CA counts: an anchor renewing hourly over a year is refused too, and one
    // renewing every 30 days is planned.
    let hourly = SEED.replacen("renewBefore: 7320h0m0s", "renewBefore: 8759h", 1);
    let cluster = Cluster::resolve(
        Objects::read("in.yaml", &hourly).unwrap(),
        &ResolveOptions::default(),
    );
    let cfg = cluster.plan_config(T0).unwrap();
    assert!(certcycle::plan::simulate(&cfg, &mut rng(1)).is_err());
}

// ---- 2. reads bound what they read, and refuse what is not a file ----

#[test]
fn reads_refuse_devices_fifos_and_links_to_them_and_bound_the_read_itself() {
    // /dev/zero reports a size of 0: the old size check let it grow at 500 MB/s.
    let e = Objects::read_path(Path::new("/dev/zero")).unwrap_err();
    assert_eq!(
        e,
        K8sError::NotAFile {
            file: "/dev/zero".into(),
            found: "a character device",
        }
    );
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    // A FIFO: refused by name, before it is opened (opening one with no writer blocks).
    let fifo = dir.path().join("objects.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(matches!(
        Objects::read_path(&fifo),
        Err(K8sError::NotAFile {
            found: "a FIFO",
            ..
        })
    ));
    // A `rotate --out` directory whose tls.crt links to /dev/zero.
    let out = dir.path().join("out");
    let issuer = out.join("linkerd").join("linkerd-identity-issuer");
    std::fs::create_dir_all(&issuer).unwrap();
    std::os::unix::fs::symlink("/dev/zero", issuer.join("tls.crt")).unwrap();
    let e = Objects::read_path(&out).unwrap_err();
    assert!(
        matches!(&e, K8sError::NotAFile { file, .. } if file.ends_with("tls.crt")),
        "{e}"
    );
    // A directory of many empty files costs no bytes: its entries are bounded too.
    let wide = dir.path().join("wide").join("ns").join("name");
    std::fs::create_dir_all(&wide).unwrap();
    for i in 0..10_001 {
        std::fs::write(wide.join(format!("f{i}.crt")), "").unwrap();
    }
    let e = Objects::read_path(&dir.path().join("wide")).unwrap_err();
    assert!(
        matches!(e, K8sError::TooManyEntries { limit: 10_000, .. }),
        "{e}"
    );
    // A pipe fed past the limit: read no further than one byte over it.
    let endless = std::io::repeat(b'#');
    let mut objects = Objects::default();
    let e = objects.add_reader("-", endless).unwrap_err();
    assert_eq!(
        e,
        K8sError::TooLarge {
            file: "-".into(),
            size: certcycle::k8s::MAX_INPUT_BYTES + 1,
            limit: certcycle::k8s::MAX_INPUT_BYTES,
        }
    );
    // What fits is read.
    objects
        .add_reader("-", SEED.as_bytes())
        .expect("the seed's manifests through a reader");
    assert_eq!(objects.objects.len(), 5);
}

// ---- 3 (the syntax side): one budget for YAML and JSON ----

#[test]
fn json_the_yaml_reader_refuses_is_read_under_the_same_budget() {
    // Nodes: as many zeros as the budget allows, and one more.
    let array = |n: usize| format!("[{}0]", "0,".repeat(n - 1));
    let over = array(certcycle::k8s::MAX_NODES + 1);
    let e = Objects::read("x.json", &over).unwrap_err();
    assert!(
        matches!(&e, K8sError::Syntax { message, .. } if message.contains("budget")),
        "{e}"
    );
    // Nesting: as deep as the budget reads (and is no object), one level more is refused, in
    // both syntaxes alike.
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let depth = certcycle::k8s::MAX_DEPTH;
    for text in [nested(depth), format!("a: {}\n", nested(depth - 1))] {
        let e = Objects::read("x.json", &text).unwrap_err();
        assert!(matches!(e, K8sError::NotAnObject { .. }), "{e}");
    }
    for text in [nested(depth + 1), format!("a: {}\n", nested(depth))] {
        let e = Objects::read("x.json", &text).unwrap_err();
        assert!(
            matches!(&e, K8sError::Syntax { message, .. } if message.contains("nested deeper")),
            "{e}"
        );
    }
    // Duplicate keys (YAML refuses them, Go's encoding/json keeps the last) still read, through
    // the budgeted reader: the last wins, as the API server has it.
    let dup = r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "name": "b", "namespace": "n"}, "data": {"k": "v"}}"#;
    let o = Objects::read("dup.json", dup).unwrap();
    assert_eq!(o.objects[0].at.name, "b");
}

// ---- 5. the issuer Secret's key is checked against its certificate ----

#[test]
fn an_issuer_secret_whose_key_is_not_its_own_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let (anchor, issuer) = anchor_and_issuer(5);
    let crt = issuer.certificate().to_pem();
    let own = issuer.private_key().secret_pkcs8_pem();
    let anchors_key = anchor.private_key().secret_pkcs8_pem();
    // The healthy baseline: steady, exit 0.
    let r = report(&cluster_yaml(
        dir.path(),
        &anchor,
        &[("tls.crt", &crt), ("tls.key", &own)],
        "linkerd",
    ));
    assert_eq!(r.phase, Some(Phase::Steady), "{r}");
    assert!(!r.has_error(), "{r}");
    for (what, entries, problem) in [
        (
            "the anchor's key",
            vec![("tls.crt", crt.as_str()), ("tls.key", anchors_key.as_str())],
            IssuerSecretProblem::KeyMismatch,
        ),
        (
            "no tls.key",
            vec![("tls.crt", crt.as_str())],
            IssuerSecretProblem::NoKey,
        ),
        (
            "an unparsable tls.key",
            vec![
                ("tls.crt", crt.as_str()),
                (
                    "tls.key",
                    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                ),
            ],
            IssuerSecretProblem::KeyUnreadable(String::new()),
        ),
    ] {
        let r = report(&cluster_yaml(dir.path(), &anchor, &entries, "linkerd"));
        assert_eq!(
            r.phase,
            Some(Phase::Broken(Broken::IssuerKeyUnusable)),
            "{what}: {r}"
        );
        assert!(r.has_error(), "{what}");
        let line = r.to_string();
        assert!(line.contains("phase: broken:issuer-key-unusable"), "{line}");
        let check = r
            .checks
            .iter()
            .find(|c| c.id == "identity-issuer-secret")
            .unwrap_or_else(|| panic!("{what}: {r}"));
        let expected = match problem {
            IssuerSecretProblem::KeyUnreadable(_) => "tls.key does not parse".to_owned(),
            p => p.to_string(),
        };
        assert!(
            check.message.contains(&expected),
            "{what}: {}",
            check.message
        );
        // The key's text is never quoted.
        assert!(
            !line.contains("AAAA") && !line.contains(&anchors_key[30..60]),
            "{line}"
        );
    }
}

// ---- 6. an issuer Secret without a certificate is broken, not absent ----

#[test]
fn an_issuer_secret_with_an_empty_or_no_tls_crt_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let (anchor, issuer) = anchor_and_issuer(6);
    let key = issuer.private_key().secret_pkcs8_pem();
    for entries in [
        vec![("tls.crt", ""), ("tls.key", key.as_str())],
        vec![("tls.key", key.as_str())],
    ] {
        let r = report(&cluster_yaml(dir.path(), &anchor, &entries, "linkerd"));
        assert_eq!(
            r.phase,
            Some(Phase::Broken(Broken::IssuerSecretWithoutCertificate)),
            "{r}"
        );
        assert!(r.has_error());
        let text = r.to_string();
        assert!(!text.contains("not among the inputs"), "{text}");
        assert!(
            text.contains(
                "[error] identity-issuer-secret: Secret/linkerd/linkerd-identity-issuer: no tls.crt"
            ),
            "{text}"
        );
    }
}

// ---- 7. only the Linkerd namespace's trust roots count ----

#[test]
fn trust_roots_in_another_namespace_are_named_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let (anchor, issuer) = anchor_and_issuer(7);
    let entries = [
        ("tls.crt", issuer.certificate().to_pem()),
        (
            "tls.key",
            issuer.private_key().secret_pkcs8_pem().to_string(),
        ),
    ];
    let entries: Vec<(&str, &str)> = entries.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = report(&cluster_yaml(dir.path(), &anchor, &entries, "default"));
    assert_eq!(r.phase, None, "{r}");
    assert_eq!(r.missing, ["bundle"]);
    let text = r.to_string();
    assert!(!text.contains("phase: steady"), "{text}");
    assert!(
        text.contains("[warn] trust-roots-other-namespace: ConfigMap/linkerd/linkerd-identity-trust-roots: not among the inputs, but ConfigMap/default/linkerd-identity-trust-roots is"),
        "{text}"
    );
}

// ---- 8. other applications' data in a dump is listed, never fatal ----

#[test]
fn other_applications_combined_pem_and_trusted_certificate_entries_are_listed_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let (anchor, issuer) = anchor_and_issuer(8);
    let crt = issuer.certificate().to_pem();
    let combined = format!("{crt}{}", *issuer.private_key().secret_pkcs8_pem());
    let trusted = crt.replace("CERTIFICATE-----", "TRUSTED CERTIFICATE-----");
    let app = secret(
        dir.path(),
        "shop",
        "frontend-tls",
        &[
            ("tls-combined.pem", &combined),
            ("ca.crt", &trusted),
            ("key.pem", ""),
        ],
        "yaml",
    );
    let mut docs = cluster_yaml(
        dir.path(),
        &anchor,
        &[
            ("tls.crt", &crt),
            ("tls.key", &issuer.private_key().secret_pkcs8_pem()),
        ],
        "linkerd",
    );
    docs.push(app.clone());
    let objects = Objects::read("app.yaml", &app).unwrap();
    let s = secret_of(&objects, "frontend-tls");
    assert_eq!(
        s.unsupported.keys().collect::<Vec<_>>(),
        ["ca.crt", "tls-combined.pem"]
    );
    assert!(s.entry_error("tls-combined.pem").is_some());
    // The whole dump: steady, no error, and no key text in any report line.
    let r = report(&docs);
    assert_eq!(r.phase, Some(Phase::Steady), "{r}");
    assert!(!r.has_error(), "{r}");
    // Linkerd's own anchor Secret holding the same: an error naming it.
    let mut docs = cluster_yaml(
        dir.path(),
        &anchor,
        &[
            ("tls.crt", &crt),
            ("tls.key", &issuer.private_key().secret_pkcs8_pem()),
        ],
        "linkerd",
    );
    docs[1] = secret(
        dir.path(),
        "cert-manager",
        "linkerd-previous-anchor",
        &[("tls.crt", &trusted)],
        "yaml",
    );
    let r = report(&docs);
    assert!(r.has_error(), "{r}");
    assert!(
        r.checks.iter().any(|c| c.id == "linkerd-secret-unreadable"
            && c.text().starts_with(
                "Secret/cert-manager/linkerd-previous-anchor: data[\"tls.crt\"] (in doc1.yaml:"
            )),
        "{r}"
    );
    // And plan refuses to start from an anchor Secret it cannot read.
    let mut objects = Objects::read("seed.yaml", SEED).unwrap();
    objects
        .add(
            "anchor.yaml",
            &secret(
                dir.path(),
                "cert-manager",
                "linkerd-trust-anchor",
                &[
                    ("tls.crt", &combined),
                    ("tls.key", &anchor.private_key().secret_pkcs8_pem()),
                ],
                "yaml",
            ),
        )
        .unwrap();
    objects.add("issuer.yaml", &docs[2]).unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let e = cluster.plan_config(T0).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Secret/cert-manager/linkerd-trust-anchor: "),
        "{e}"
    );
}

// ---- 9. duplicates: kubectl apply's rule, and a lint naming both places ----

#[test]
fn an_object_given_twice_keeps_the_last_and_names_both() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = anchor_and_issuer(9);
    let (b, _) = anchor_and_issuer(10);
    let first = secret(
        dir.path(),
        "cert-manager",
        "linkerd-previous-anchor",
        &[("tls.crt", &a.certificate().to_pem())],
        "yaml",
    );
    let second = secret(
        dir.path(),
        "cert-manager",
        "linkerd-previous-anchor",
        &[("tls.crt", &b.certificate().to_pem())],
        "yaml",
    );
    let mut objects = Objects::read("one.yaml", &format!("{first}---\n{second}")).unwrap();
    objects.add("seed.yaml", SEED).unwrap();
    assert_eq!(objects.duplicates.len(), 1);
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let kept = cluster
        .secret("cert-manager", "linkerd-previous-anchor")
        .unwrap();
    assert_eq!(&kept.certs("tls.crt")[0], b.certificate());
    let lint = cluster
        .lints()
        .into_iter()
        .find(|l| l.id == "duplicate-object")
        .unwrap();
    assert_eq!(lint.subject, "Secret/cert-manager/linkerd-previous-anchor");
    assert!(
        lint.message
            .starts_with("given twice: one.yaml:1:1 and one.yaml:")
            && lint.message.contains("kubectl apply keeps the last"),
        "{}",
        lint.message
    );
    // Across files too, and the same name in another namespace is another object.
    let mut objects = Objects::read("one.yaml", &first).unwrap();
    objects.add("two.yaml", &second).unwrap();
    objects
        .add(
            "three.yaml",
            &first.replace("namespace: cert-manager", "namespace: other"),
        )
        .unwrap();
    assert_eq!(objects.duplicates.len(), 1);
    assert_eq!(objects.duplicates[0].kept.file, "two.yaml");
    assert_eq!(objects.objects.len(), 2);
}

// ---- 10. a List whose items is a mapping ----

#[test]
fn a_list_whose_items_is_a_mapping_is_an_error_at_its_line() {
    let text = "apiVersion: v1\nkind: List\nitems:\n  a:\n    apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\n";
    let e = Objects::read("list.yaml", text).unwrap_err();
    assert!(
        matches!(&e, K8sError::NotAnObject { what, at, .. } if what.contains("items must be a sequence") && at.line == 4),
        "{e}"
    );
    // An empty List (kubectl prints `items: []`) and a null one read as nothing.
    for items in ["[]", "null"] {
        let o = Objects::read(
            "list.yaml",
            &format!("apiVersion: v1\nkind: List\nitems: {items}\n"),
        )
        .unwrap();
        assert!(o.objects.is_empty() && o.ignored.is_empty());
    }
}

// ---- 11. Secret base64 as the API server decodes it ----

#[test]
fn secret_base64_accepts_what_go_std_encoding_accepts_and_nothing_more() {
    let (anchor, _) = anchor_and_issuer(11);
    // A PEM whose base64 ends in one '=' and one whose base64 ends in '==' (padding the text
    // with newlines), each with the unused low bits of the last character set.
    for pad in 0..3 {
        let pem = format!("{}{}", anchor.certificate().to_pem(), "\n".repeat(pad));
        let canonical = support::base64_std(pem.as_bytes());
        let Some(noisy) = support::set_unused_base64_bits(&canonical) else {
            continue;
        };
        let doc = |value: &str| {
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: n}}\ndata:\n  tls.crt: {value}\n"
            )
        };
        let o = Objects::read("s.yaml", &doc(&noisy)).unwrap_or_else(|e| panic!("{noisy}: {e}"));
        assert_eq!(
            &secret_of(&o, "s").certs("tls.crt")[0],
            anchor.certificate()
        );
        // Unpadded and URL-safe stay refused, as the API server refuses them.
        let unpadded = noisy.trim_end_matches('=');
        assert!(Objects::read("s.yaml", &doc(unpadded)).is_err());
    }
    let value = |v: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: n}}\ndata:\n  k: \"{v}\"\n"
        )
    };
    assert!(Objects::read("s.yaml", &value("-_-_")).is_err(), "URL-safe");
    // Line breaks inside a value are skipped, as Go skips them; other white space is not.
    assert!(
        Objects::read("s.yaml", &value("aGVs\\nbG8=")).is_ok(),
        "a line break"
    );
    assert!(
        Objects::read("s.yaml", &value("aGVs bG8=")).is_err(),
        "a space"
    );
    assert!(
        Objects::read("s.yaml", &value("aGVs\\tbG8=")).is_err(),
        "a tab"
    );
}

// ---- 12. JSON with a byte order mark ----

#[test]
fn json_with_a_utf8_bom_reads_as_kubectl_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (anchor, _) = anchor_and_issuer(12);
    let json = secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &[("tls.crt", &anchor.certificate().to_pem())],
        "json",
    );
    let o = Objects::read("bom.json", &format!("\u{feff}{json}")).unwrap();
    assert_eq!(
        &secret_of(&o, "linkerd-trust-anchor").certs("tls.crt")[0],
        anchor.certificate()
    );
}

// ---- 13. a mesh's identity controller under Linkerd's own name ----

fn mesh_with(controller: &str, seed: u64) -> (Mesh<rand_chacha::ChaCha20Rng>, Ca) {
    let r = &mut rng(seed + 1000);
    let (anchor, issuer) = anchor_and_issuer(seed);
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let mut mesh = Mesh::new(T0, bundle, issuer, Some(anchor), rng(seed + 1));
    let (ns, name) = controller.split_once('/').unwrap();
    mesh.add_pod(name, ns, true).unwrap();
    mesh.add_pod("linkerd-destination", "linkerd", true)
        .unwrap();
    for w in ["web", "api", "db"] {
        mesh.add_pod(w, "default", false).unwrap();
    }
    let new = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), T0, r).unwrap();
    (mesh, new)
}

#[test]
fn a_mesh_recognises_linkerds_identity_deployment_and_refuses_a_rotation_without_one() {
    // Linkerd's own Deployment name: the seven steps hold, the five break.
    let (mut mesh, new) = mesh_with("linkerd/linkerd-identity", 130);
    assert_eq!(mesh.identity_controller(), Some("linkerd/linkerd-identity"));
    let seven = mesh
        .rotate_anchor(
            Procedure::SevenStep,
            &new,
            Duration::minutes(5),
            None,
            |_, _| {},
        )
        .unwrap();
    assert!(seven.first_break().is_none());
    assert_eq!(seven.last_step, 7);
    let (mut mesh, new) = mesh_with("linkerd/linkerd-identity", 130);
    let five = mesh
        .rotate_anchor(
            Procedure::FiveStep,
            &new,
            Duration::minutes(5),
            None,
            |_, _| {},
        )
        .unwrap();
    assert!(five.first_break().is_some(), "the five steps break");
    // A name nobody recognises: refused, naming the control plane, instead of a rotation
    // that never reaches the controller.
    let (mut mesh, new) = mesh_with("linkerd/my-identity", 131);
    assert_eq!(mesh.identity_controller(), None);
    let e = mesh
        .rotate_anchor(
            Procedure::SevenStep,
            &new,
            Duration::minutes(5),
            None,
            |_, _| {},
        )
        .unwrap_err();
    assert_eq!(
        e,
        RotationError::NoIdentityController {
            control_plane: vec![
                "linkerd/my-identity".into(),
                "linkerd/linkerd-destination".into()
            ],
        }
    );
    // Named, it rotates.
    mesh.set_identity_controller("linkerd/my-identity");
    assert_eq!(mesh.identity_controller(), Some("linkerd/my-identity"));
    let seven = mesh
        .rotate_anchor(
            Procedure::SevenStep,
            &new,
            Duration::minutes(5),
            None,
            |_, _| {},
        )
        .unwrap();
    assert!(seven.first_break().is_none());
}
