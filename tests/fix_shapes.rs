//! A fix that holds for every break (issue 31): on each broken shape real users write (files
//! in `tests/data/k8s/`, modelled on public set-ups), `plan --fix-out` writes a fix that held,
//! and the `fix-out: re-check:` command it prints (the original files, the written documents,
//! `--operations`) holds over the same 400 days when run again from the files alone. And a
//! shape no change within the inputs can fix, explained.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::{Ca, CertSpec, PrivateKey};
use std::path::Path;
use support::{T0, example, re_checks, rng, secret};
use time::Duration;

/// Plans `file` from 2026-01-01 over 400 days with `--fix-out`; asserts it breaks on
/// `break_day`, that a fix held, and that every fix written re-checks from the files (exit 0,
/// no break within 400d). Returns the printed `fix:` lines.
fn fixed_from_the_files(file: &str, break_day: i64) -> Vec<String> {
    fixed_and_re_checked(file, break_day).0
}

/// [`fixed_from_the_files`], with each re-check's output, in the fixes' order.
fn fixed_and_re_checked(file: &str, break_day: i64) -> (Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    fixed_at(
        &Path::new("tests/data/k8s").join(file),
        break_day,
        &dir.path().join("fixes"),
    )
}

/// [`fixed_and_re_checked`] on any file, the fixes written under `out`.
fn fixed_at(file: &Path, break_day: i64, out: &Path) -> (Vec<String>, Vec<String>) {
    let run = support::plan_fix_out(&[file], out);
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    assert_eq!(run.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("(day {break_day}): ")), "{text}");
    let fixes: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with("fix: "))
        .map(str::to_owned)
        .collect();
    assert!(!fixes.is_empty(), "{text}");
    assert!(
        fixes
            .iter()
            .all(|l| l.ends_with("(re-simulated: no break within 400d)")),
        "{text}"
    );
    let checks = re_checks(&text);
    assert_eq!(checks.len(), fixes.len(), "one re-check per fix: {text}");
    let mut outputs = Vec::new();
    for args in checks {
        let again = example("plan").args(&args).output().unwrap();
        let again_text = String::from_utf8_lossy(&again.stdout).into_owned();
        assert_eq!(again.status.code(), Some(0), "{args:?}: {again_text}");
        assert!(
            again_text.contains("verdict: no break within 400d"),
            "{again_text}"
        );
        outputs.push(again_text);
    }
    (fixes, outputs)
}

/// A self-signed CA named `cn`, made `days_ago` days before the plans' start for `days`.
fn self_signed(seed: u64, cn: &str, days_ago: i64, days: i64) -> Ca {
    let mut r = rng(seed);
    Ca::self_signed(
        &CertSpec::ca(cn, Duration::days(days)),
        PrivateKey::generate(&mut r),
        T0 - Duration::days(days_ago),
        &mut r,
    )
    .unwrap()
}

/// The `linkerd-identity-trust-roots` ConfigMap holding `pem`, as `kubectl create configmap`
/// writes it (the trust roots `linkerd install` and a Vault set-up keep).
fn roots_config_map(dir: &Path, pem: &str) -> String {
    let ca = support::write(dir, "roots.crt", pem);
    support::kubectl(&[
        "create",
        "configmap",
        "linkerd-identity-trust-roots",
        "-n",
        "linkerd",
        &format!("--from-file=ca-bundle.crt={ca}"),
        "--dry-run=client",
        "-o",
        "yaml",
    ])
}

/// A 720h anchor issued by Venafi TPP, one Bundle source: it re-keys on day 20. Lengthening
/// it (an assumption the signer grants, said so) or unattended rotation with daily restarts
/// hold; the smaller first.
#[test]
fn an_anchor_issued_by_venafi_for_720h() {
    let fixes = fixed_from_the_files("venafi-720h.yaml", 21);
    assert!(fixes[0].contains("duration: "), "{fixes:?}");
    assert!(
        fixes[0].contains("an assumption: its external signer (the issuer of Certificate/cert-manager/linkerd-trust-anchor (venafi)) must grant"),
        "{fixes:?}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("rotate the anchor unattended")),
        "{fixes:?}"
    );
}

/// A ten-year root over a 30-day intermediate anchor (renewBefore 360h): the intermediate
/// re-keys on day 15. The root in the trust roots holds (written as the Bundle document with
/// its source changed), as do a longer intermediate and unattended rotation.
#[test]
fn a_three_tier_chain_whose_intermediate_anchor_lives_30_days() {
    let fixes = fixed_from_the_files("three-tier-30d.yaml", 16);
    // The smallest: the Bundle sources the ten-year root instead (one object, nothing
    // recurring).
    assert!(
        fixes[0]
            .contains("the Bundle linkerd-identity-trust-roots sources linkerd-root-ca (the root"),
        "{fixes:?}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("rotate the anchor unattended")),
        "{fixes:?}"
    );
}

/// A one-year root over a 48h identity issuer renewing only 16h ahead, one Bundle source: the
/// root re-keys on day 243 (two thirds of its life). No single change but the unattended
/// rotation holds: the seven-step rotation alone breaks (the one-source Bundle drops the old
/// anchor at step 1), and so do `rotationPolicy: Never` alone (the loaded anchor certificate
/// still expires) and restarts alone. The smallest fix is a pair with nothing recurring: the
/// key kept (step 1 then re-issues the anchor on the key every proxy trusts) with the
/// seven-step rotation. The previous-anchor source with the rotation holds too (the Bundle
/// written with its second source), as does the key kept with daily restarts; each
/// re-checked from the files.
#[test]
fn a_one_year_root_over_an_issuer_renewing_16h_ahead() {
    let fixes = fixed_from_the_files("one-year-root-16h.yaml", 244);
    assert!(
        fixes[0].starts_with(
            "fix: privateKey.rotationPolicy: Never on cert-manager/linkerd-trust-anchor"
        ) && fixes[0].contains("; and renewBefore: 1440h0m0s on cert-manager/linkerd-trust-anchor, and the seven-step rotation started at"),
        "{fixes:?}"
    );
    assert!(
        fixes.iter().any(|f| f.starts_with(
            "fix: privateKey.rotationPolicy: Never on cert-manager/linkerd-trust-anchor"
        ) && f
            .contains("; and restart the control plane and every workload every 24h0m0s")),
        "{fixes:?}"
    );
    assert!(
        fixes.iter().any(|f| f.starts_with("fix: a second source in the Bundle linkerd-identity-trust-roots: the Secret cert-manager/linkerd-previous-anchor")
            && f.contains("; and renewBefore: 1440h0m0s on cert-manager/linkerd-trust-anchor, and the seven-step rotation started at")),
        "{fixes:?}"
    );
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("rotate the anchor unattended")),
        "{fixes:?}"
    );
}

/// cert-manager's default 90-day anchor behind the seed's two-source Bundle: it re-keys on
/// day 60. Besides a longer anchor, the seven-step rotation holds when it runs once each
/// anchor lifetime (seven times in 400 days), and `operations.yaml` replays all seven.
#[test]
fn a_90_day_anchor_rotated_by_the_procedure_each_lifetime() {
    let (fixes, outputs) = fixed_and_re_checked("ninety-day-two-source.yaml", 61);
    let i = fixes
        .iter()
        .position(|f| f.contains("and the seven-step rotation 7 times, every 1272h0m0s or so"))
        .unwrap_or_else(|| panic!("{fixes:?}"));
    // The re-check from the files ran all seven rotations (step 1 of each on the timeline).
    assert_eq!(
        outputs[i].matches("step 1: renew the trust anchor").count(),
        7,
        "{}",
        outputs[i]
    );
}

/// cert-manager's default 90-day anchor behind a one-source Bundle (the most common shape).
#[test]
fn the_default_90_day_anchor_behind_a_one_source_bundle() {
    let fixes = fixed_from_the_files("ninety-day-one-source.yaml", 61);
    assert!(fixes.len() >= 2, "{fixes:?}");
}

/// A static anchor Secret (made once with `step`, committed) that expires on day 100, under a
/// cert-manager identity issuer and a one-source Bundle: nothing renews it. The fix is a pair:
/// the previous-anchor Secret as a second Bundle source, and a new anchor made by hand and
/// rotated to by the seven-step procedure a week before the notAfter; written and re-checked
/// from the files.
#[test]
fn a_static_anchor_that_expires_is_rotated_to_a_new_one_made_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let root = self_signed(31, "root.linkerd.cluster.local", 300, 400);
    let key = root.private_key().secret_pkcs8_pem();
    let anchor = secret(
        dir.path(),
        "cert-manager",
        "linkerd-trust-anchor",
        &[("tls.crt", &root.certificate().to_pem()), ("tls.key", &key)],
        "yaml",
    );
    let rest = std::fs::read_to_string("tests/data/k8s/ninety-day-one-source.yaml").unwrap();
    // The same cluster with the anchor Certificate replaced by the static Secret (and its CA
    // issuer on that Secret).
    let docs: Vec<&str> = rest
        .split("---\n")
        .filter(|d| !d.contains("name: linkerd-trust-anchor\n") && !d.contains("selfSigned"))
        .collect();
    let text = format!(
        "{anchor}---\n{}",
        docs.join("---\n")
            .replace(
                "linkerd-identity-trust-roots\n      key: tls.crt",
                "linkerd-trust-anchor\n      key: tls.crt"
            )
            .replace(
                "secretName: linkerd-identity-trust-roots",
                "secretName: linkerd-trust-anchor"
            )
    );
    let path = support::write(dir.path(), "static.yaml", &text);
    let (fixes, outputs) = fixed_at(Path::new(&path), 100, &dir.path().join("fixes"));
    assert!(
        fixes[0].starts_with("fix: a second source in the Bundle linkerd-identity-trust-roots: the Secret cert-manager/linkerd-previous-anchor")
            && fixes[0].contains("; and a new anchor made by hand (step certificate create ... --profile root-ca --not-after 9600h0m0s) and the seven-step rotation to it once, from 2026-04-03T23:01:00Z"),
        "{fixes:?}"
    );
    assert_eq!(
        outputs[0].matches("step 1: renew the trust anchor").count(),
        1,
        "{}",
        outputs[0]
    );
}

/// The identity issuer signed by Vault, Linkerd's trust roots holding Vault's own CA, which
/// expires on day 100: the anchor's rotation is the signer's, so no change within the inputs
/// can hold. The plan says so: each candidate's first break, and why none can.
#[test]
fn an_external_signers_own_ca_that_expires_cannot_be_fixed_within_the_inputs_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let vault_ca = self_signed(32, "Vault PKI root", 3550, 3650);
    let pem = vault_ca.certificate().to_pem();
    // cert-manager's Vault issuer writes ca.crt: Vault's CA.
    let issuer_secret = secret(
        dir.path(),
        "linkerd",
        "linkerd-identity-issuer",
        &[("ca.crt", &pem)],
        "yaml",
    );
    let roots = roots_config_map(dir.path(), &pem);
    let manifests = "apiVersion: cert-manager.io/v1
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
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: linkerd-identity-issuer
  namespace: linkerd
spec:
  secretName: linkerd-identity-issuer
  duration: 48h
  renewBefore: 25h
  issuerRef:
    name: vault
    kind: ClusterIssuer
  commonName: identity.linkerd.cluster.local
  isCA: true
  privateKey:
    algorithm: ECDSA
";
    let path = support::write(
        dir.path(),
        "vault.yaml",
        &format!("{manifests}---\n{issuer_secret}---\n{roots}"),
    );
    let run = example("plan")
        .args([
            path.as_str(),
            "--start",
            "2026-01-01T00:00:00Z",
            "--timeline",
            "none",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{out}");
    assert!(out.contains("(day 100): "), "{out}");
    assert!(
        out.contains("fix: none of the ") && out.contains(" fixes tried held over the horizon"),
        "{out}"
    );
    let tried: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("fix-tried: "))
        .collect();
    assert!(!tried.is_empty(), "{out}");
    assert!(tried.iter().all(|l| l.contains("(breaks on day ")), "{out}");
    let why = out
        .lines()
        .find(|l| l.starts_with("fix-why-none: "))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(why.contains("external signer"), "{why}");
}

/// SARIF: a fix that held by field edits alone is a SARIF `fix` on the break's result, its
/// replacements in the input file's lines; applied to the file as a SARIF consumer would
/// (delete the region, insert the text), the file alone holds over 400 days.
#[test]
fn a_field_edit_fix_is_a_sarif_fix_that_holds_when_applied() {
    let file = "tests/data/k8s/venafi-720h.yaml";
    let run = example("plan")
        .args([file, "--start", "2026-01-01T00:00:00Z", "--format", "sarif"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let sarif: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "mtls-break")
        .unwrap();
    let fix = &result["fixes"][0];
    assert!(
        fix["description"]["text"]
            .as_str()
            .unwrap()
            .starts_with("duration: "),
        "{fix}"
    );
    let change = &fix["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], file);
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    let mut reps: Vec<&serde_json::Value> =
        change["replacements"].as_array().unwrap().iter().collect();
    reps.sort_by_key(|r| std::cmp::Reverse(r["deletedRegion"]["startLine"].as_u64()));
    for r in reps {
        let region = &r["deletedRegion"];
        assert_eq!(
            (region["startColumn"].as_u64(), region["endColumn"].as_u64()),
            (Some(1), Some(1))
        );
        let a = usize::try_from(region["startLine"].as_u64().unwrap()).unwrap() - 1;
        let b = usize::try_from(region["endLine"].as_u64().unwrap()).unwrap() - 1;
        lines.splice(
            a..b,
            [r["insertedContent"]["text"].as_str().unwrap().to_owned()],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let fixed = support::write(dir.path(), "venafi-720h.yaml", &lines.concat());
    let again = example("plan")
        .args([fixed.as_str(), "--start", "2026-01-01T00:00:00Z"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{out}");
    assert!(out.contains("verdict: no break within 400d"), "{out}");
}

/// `linkerd install` with `step`'s certificates: a ten-year anchor in the trust roots
/// ConfigMap and a one-year identity issuer Secret made 300 days ago (`kubectl create secret
/// tls`), which nothing renews: it expires on day 65. Replacing it by hand a week before
/// (a new issuer signed by the anchor, `linkerd upgrade`) holds; the new one lives past the
/// horizon, so once is enough; and `operations.yaml` replays it from the files.
#[test]
fn a_static_issuer_from_linkerd_install_is_replaced_by_hand_before_its_not_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = rng(35);
    let anchor = self_signed(36, "root.linkerd.cluster.local", 300, 3650);
    let issuer = anchor
        .issue_ca(
            &CertSpec::ca("identity.linkerd.cluster.local", Duration::days(365)),
            PrivateKey::generate(&mut r),
            T0 - Duration::days(300),
            &mut r,
        )
        .unwrap()
        .ca;
    let key = issuer.private_key().secret_pkcs8_pem();
    let issuer_secret = secret(
        dir.path(),
        "linkerd",
        "linkerd-identity-issuer",
        &[
            ("tls.crt", &issuer.certificate().to_pem()),
            ("tls.key", &key),
        ],
        "yaml",
    );
    let roots = roots_config_map(dir.path(), &anchor.certificate().to_pem());
    let path = support::write(
        dir.path(),
        "install.yaml",
        &format!("{issuer_secret}---\n{roots}"),
    );
    let out = dir.path().join("fixes");
    let (fixes, outputs) = fixed_at(Path::new(&path), 65, &out);
    assert!(
        fixes[0].starts_with("fix: replace the identity issuer Secret linkerd/linkerd-identity-issuer by hand once, from 2026-02-28T00:00:00Z"),
        "{fixes:?}"
    );
    let ops = std::fs::read_to_string(out.join("fix-1/operations.yaml")).unwrap();
    assert_eq!(ops.matches("kind: replace-issuer").count(), 1, "{ops}");
    let steps = std::fs::read_to_string(out.join("fix-1/operations.txt")).unwrap();
    assert!(
        steps.starts_with("2026-02-28T00:00:00Z replace the identity issuer Secret linkerd/linkerd-identity-issuer")
            && steps.contains(": step certificate create identity.linkerd.cluster.local issuer.crt issuer.key --profile intermediate-ca --not-after 8760h0m0s --no-password --insecure --ca ca.crt --ca-key ca.key; then linkerd upgrade --identity-issuer-certificate-file issuer.crt --identity-issuer-key-file issuer.key"),
        "{steps}"
    );
    for again_text in &outputs {
        assert!(
            again_text.contains("replaced the identity issuer Secret"),
            "{again_text}"
        );
    }
}
