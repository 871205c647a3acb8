//! Manifests certcycle writes for people to apply (`plan --rotation auto --fix-out`): built as
//! values and written by a YAML serializer (serde-saphyr), never by pasting text, so a
//! commonName with a line break, a `#` or quotes stays one string value of one object.

use crate::duration::GoDuration;
use crate::error::Error;
use crate::plan::Config;
use crate::presets::linkerd;
use crate::rotation::Schedule;
use serde_json::{Value, json};
use time::Duration;

/// The manifests that run `schedule` with cert-manager and trust-manager, in `cfg`'s names
/// ([`Config::names`]: the seed's for [`Config::seed`], the cluster's for
/// [`Cluster::plan_config`](super::Cluster::plan_config)): the anchor Certificate with the
/// schedule's renewBefore (its own issuer kept; a self-signed anchor's issuer written too), a
/// CA issuer on each of the anchor and previous-anchor Secrets, the identity issuer Certificate
/// signed through the previous-anchor one, and, for trust roots from a Bundle, the Bundle with
/// both Secrets as sources (a one-source Bundle gains the previous-anchor source)
/// ([`auto_objects`]), as YAML documents after a comment header. Static trust roots (a
/// ConfigMap, Helm values) are written by the dated actions, as is the previous-anchor Secret
/// itself ([`plan::dated_actions`](crate::plan::dated_actions)), a copy of the anchor Secret at
/// install.
///
/// # Errors
/// Never for a schedule made by [`Schedule::new`]; [`Error::InvalidSpec`] if a duration has
/// no Go form or the serializer refuses a value.
pub fn auto_manifests(cfg: &Config, schedule: &Schedule) -> Result<String, Error> {
    let objects = auto_objects(cfg, schedule)?;
    let yaml = serde_saphyr::to_string_multiple(&objects).map_err(|e| Error::InvalidSpec {
        reason: format!("writing the manifests: {e}"),
    })?;
    let n = &cfg.names;
    let (_, anchor_ca) = split(&n.anchor_ca_issuer);
    let (_, previous_ca) = split(&n.previous_ca_issuer);
    let (_, previous) = split(&n.previous);
    let (_, anchor_secret) = split(&n.anchor_secret);
    let mut header = vec![
        format!(
            "certcycle: unattended anchor rotation (DESIGN §17), {}, {} windows.",
            schedule.propagation_by(),
            schedule.policy()
        ),
        "cert-manager re-keys the anchor at renewBefore (prepare). Two dated actions it cannot time:".into(),
        format!("activate (issuerRef -> {anchor_ca}) and retire (copy the anchor Secret {anchor_secret} into"),
        format!("{previous}, issuerRef -> {previous_ca}): see dated-actions.txt."),
    ];
    if cfg.topology.roots.kind == crate::plan::RootsKind::Static {
        header.push(format!(
            "The trust roots ({}) are static: the loop writes them at each prepare and retire (dated-actions.txt).",
            if cfg.topology.roots.helm { "Helm's identityTrustAnchorsPEM" } else { "a ConfigMap" }
        ));
    }
    let mut out = String::new();
    for line in header {
        out.push_str("# ");
        out.push_str(&crate::display::visible(&line));
        out.push('\n');
    }
    out.push_str(&yaml);
    Ok(out)
}

/// `namespace/name` (or `Kind/name`) split at the first `/`.
fn split(s: &str) -> (&str, &str) {
    s.split_once('/').unwrap_or(("", s))
}

/// An issuerRef from `Kind/name` or `Kind.group/name`.
fn issuer_ref(kind_name: &str) -> Value {
    let (kind, name) = split(kind_name);
    let (kind, group) = kind.split_once('.').unwrap_or((kind, "cert-manager.io"));
    json!({"name": name, "kind": kind, "group": group})
}

/// The objects [`auto_manifests`] writes, in order, as JSON values (what the YAML must read
/// back as).
///
/// # Errors
/// As [`auto_manifests`].
pub fn auto_objects(cfg: &Config, schedule: &Schedule) -> Result<Vec<Value>, Error> {
    let go = |d: time::Duration| {
        GoDuration::new(d)
            .map(|g| g.to_string())
            .ok_or_else(|| Error::InvalidSpec {
                reason: format!("{} has no Go duration form", GoDuration(d)),
            })
    };
    let n = &cfg.names;
    let anchor_cn = cfg
        .anchor
        .get_common_name()
        .unwrap_or(linkerd::TRUST_ANCHOR_CN);
    let issuer_cn = cfg.issuer.get_common_name().unwrap_or(linkerd::ISSUER_CN);
    let (ans, an) = split(&n.anchor);
    let (_, anchor_secret) = split(&n.anchor_secret);
    let (ins, iname) = split(&n.issuer);
    let (_, previous) = split(&n.previous);
    // An issuer (`Kind/name`) with `spec`, in `namespace` when it is a namespaced Issuer.
    let issuer = |kind_name: &str, namespace: &str, spec: Value| {
        let (kind, name) = split(kind_name);
        let mut metadata = json!({"name": name});
        if kind == "Issuer" {
            metadata["namespace"] = json!(namespace);
        }
        json!({"apiVersion": "cert-manager.io/v1", "kind": kind, "metadata": metadata, "spec": spec})
    };
    let ca = |secret: &str| json!({"ca": {"secretName": secret}});
    // A CA Certificate at `namespace/name` writing `secret`, with its (duration,
    // renewBefore), issued by `by` (`Kind/name`).
    let key = json!({"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"});
    let certificate =
        |at: (&str, &str), cn: &str, secret: &str, renewal: (Duration, Duration), by: &str| {
            Ok::<_, Error>(json!({
                "apiVersion": "cert-manager.io/v1",
                "kind": "Certificate",
                "metadata": {"name": at.1, "namespace": at.0},
                "spec": {
                    "isCA": true,
                    "commonName": cn,
                    "secretName": secret,
                    "duration": go(renewal.0)?,
                    "renewBefore": go(renewal.1)?,
                    "privateKey": key,
                    "issuerRef": issuer_ref(by),
                },
            }))
        };
    let mut out = Vec::new();
    if cfg.topology.above.is_empty() {
        // A self-signed anchor: its issuer, as the anchor Certificate names it.
        out.push(issuer(&n.anchor_issuer, ans, json!({"selfSigned": {}})));
    }
    out.push(certificate(
        (ans, an),
        anchor_cn,
        anchor_secret,
        (cfg.anchor.get_duration(), schedule.anchor_renew_before()),
        &n.anchor_issuer,
    )?);
    out.push(issuer(&n.anchor_ca_issuer, ins, ca(anchor_secret)));
    out.push(issuer(&n.previous_ca_issuer, ins, ca(previous)));
    let issuer_renew_before = cfg
        .issuer
        .get_renew_before()
        .unwrap_or(cfg.issuer.get_duration() / 3);
    out.push(certificate(
        (ins, iname),
        issuer_cn,
        iname,
        (cfg.issuer.get_duration(), issuer_renew_before),
        &n.previous_ca_issuer,
    )?);
    if cfg.topology.roots.kind == crate::plan::RootsKind::TrustManager {
        out.push(json!({
            "apiVersion": "trust.cert-manager.io/v1alpha1",
            "kind": "Bundle",
            "metadata": {"name": n.bundle},
            "spec": {
                "sources": [
                    {"secret": {"name": anchor_secret, "key": "tls.crt"}},
                    {"secret": {"name": previous, "key": "tls.crt"}},
                ],
                "target": {
                    "configMap": {"key": linkerd::CA_BUNDLE_CRT},
                    "namespaceSelector": {"matchLabels": {"linkerd.io/is-control-plane": "true"}},
                },
            },
        }));
    }
    Ok(out)
}
