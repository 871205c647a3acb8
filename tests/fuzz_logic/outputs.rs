//! Fuzz logic for what certcycle writes for people to run or apply (issue 34): shell lines and
//! manifests from arbitrary names and values read back as exactly the planned words and
//! objects.

use certcycle::k8s::{auto_manifests, auto_objects, shell_line, shell_words};

/// Words separated by NUL (at most 8, `sh` has no NUL in a word): the line [`shell_line`]
/// writes reads back as exactly those words.
pub(crate) fn shell_words_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let words: Vec<&str> = text.split('\0').take(8).collect();
    let line = shell_line(&words);
    assert_eq!(
        shell_words(&line).as_deref(),
        Some(
            words
                .iter()
                .map(|w| (*w).to_owned())
                .collect::<Vec<_>>()
                .as_slice()
        ),
        "{line:?}"
    );
    assert!(!line.contains('\n') || words.iter().any(|w| w.contains('\n')));
}

/// Any common names for the anchor and issuer: `auto-rotation.yaml` reads back (with a YAML
/// parser) as exactly the six planned objects, whatever the names hold.
pub(crate) fn auto_manifests_roundtrip(data: &[u8]) {
    use certcycle::plan::Config;
    use certcycle::rotation::{Lifetimes, Propagation, Schedule};
    use time::Duration;
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\0');
    let mut part = || -> String { parts.next().unwrap_or_default().chars().take(300).collect() };
    let (anchor_cn, issuer_cn, ca_issuer, bundle) = (part(), part(), part(), part());
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::days(365)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let mut cfg = Config::seed(time::macros::datetime!(2026-01-01 0:00 UTC));
    cfg.anchor = certcycle::CertSpec::ca(&anchor_cn, Duration::days(365));
    cfg.issuer = certcycle::CertSpec::ca(&issuer_cn, Duration::hours(48));
    // The cluster's own names, as plan_config sets them (issue 30).
    if !ca_issuer.is_empty() {
        cfg.names.anchor_ca_issuer = format!("ClusterIssuer/{ca_issuer}");
    }
    if !bundle.is_empty() {
        cfg.names.bundle = bundle;
    }
    let Ok(yaml) = auto_manifests(&cfg, &schedule) else {
        return;
    };
    let planned = auto_objects(&cfg, &schedule).unwrap();
    let read: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml)
        .unwrap_or_else(|e| panic!("the written YAML does not parse: {e}\n{yaml}"));
    assert_eq!(read, planned, "{yaml}");
}

/// Any text as an operations document (issue 31's `operations.yaml`): reading never panics;
/// what reads writes back (with the seed's configuration) and reads again as the same operations.
pub(crate) fn operations_roundtrip(data: &[u8]) {
    use certcycle::k8s::{operations_yaml, read_operations};
    let text = String::from_utf8_lossy(data);
    let Ok(ops) = read_operations("operations.yaml", &text) else {
        return;
    };
    let cfg = certcycle::plan::Config::seed(time::macros::datetime!(2026-01-01 0:00 UTC));
    let yaml = operations_yaml(&ops, &cfg, |_| Vec::new()).unwrap();
    let again = read_operations("operations.yaml", &yaml)
        .unwrap_or_else(|e| panic!("the written operations do not read: {e}\n{yaml}"));
    assert_eq!(again, ops, "{yaml}");
}
