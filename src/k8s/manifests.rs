//! Manifests certcycle writes for people to apply (`plan --rotation auto --fix-out`): built as
//! values and written by a YAML serializer (serde-saphyr), never by pasting text, so a
//! commonName with a line break, a `#` or quotes stays one string value of one object.

use crate::duration::GoDuration;
use crate::error::Error;
use crate::plan::Config;
use crate::presets::linkerd;
use crate::rotation::Schedule;
use serde_json::{Value, json};

/// The manifests that run `schedule` with cert-manager and trust-manager, in the seed's names:
/// the self-signed ClusterIssuer, the anchor Certificate with the schedule's renewBefore, a CA
/// ClusterIssuer on each of the anchor and previous-anchor Secrets, the identity issuer
/// Certificate signed through the previous-anchor one, and the Bundle with both Secrets as
/// sources ([`auto_objects`]), as YAML documents after a comment header. The previous-anchor
/// Secret itself is written by the dated actions
/// ([`plan::dated_actions`](crate::plan::dated_actions)), a copy of the anchor Secret at
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
    // The header is certcycle's own text, one comment line each.
    let header = [
        format!(
            "certcycle: unattended anchor rotation (DESIGN §17), {}.",
            schedule.propagation_by()
        ),
        "cert-manager re-keys the anchor at renewBefore (prepare). Two dated actions it cannot time:".into(),
        "activate (issuerRef -> linkerd-trust-anchor) and retire (copy the anchor Secret into".into(),
        "linkerd-previous-anchor, issuerRef -> linkerd-previous-anchor): see dated-actions.txt.".into(),
    ];
    let mut out = String::new();
    for line in header {
        out.push_str("# ");
        out.push_str(&crate::display::visible(&line));
        out.push('\n');
    }
    out.push_str(&yaml);
    Ok(out)
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
    let anchor_cn = cfg
        .anchor
        .get_common_name()
        .unwrap_or(linkerd::TRUST_ANCHOR_CN);
    let issuer_cn = cfg.issuer.get_common_name().unwrap_or(linkerd::ISSUER_CN);
    let ca_issuer = |name: &str| {
        json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": name},
            "spec": {"ca": {"secretName": name}},
        })
    };
    let key = json!({"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"});
    let cluster_issuer =
        |name: &str| json!({"name": name, "kind": "ClusterIssuer", "group": "cert-manager.io"});
    Ok(vec![
        json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": "linkerd-self-signed-issuer"},
            "spec": {"selfSigned": {}},
        }),
        json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": linkerd::TRUST_ANCHOR_SECRET, "namespace": "cert-manager"},
            "spec": {
                "isCA": true,
                "commonName": anchor_cn,
                "secretName": linkerd::TRUST_ANCHOR_SECRET,
                "duration": go(cfg.anchor.get_duration())?,
                "renewBefore": go(schedule.anchor_renew_before())?,
                "privateKey": key,
                "issuerRef": cluster_issuer("linkerd-self-signed-issuer"),
            },
        }),
        ca_issuer(linkerd::TRUST_ANCHOR_SECRET),
        ca_issuer(linkerd::PREVIOUS_ANCHOR_SECRET),
        json!({
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": linkerd::ISSUER_SECRET, "namespace": "linkerd"},
            "spec": {
                "isCA": true,
                "commonName": issuer_cn,
                "secretName": linkerd::ISSUER_SECRET,
                "duration": go(cfg.issuer.get_duration())?,
                "renewBefore": go(cfg
                    .issuer
                    .get_renew_before()
                    .unwrap_or(cfg.issuer.get_duration() / 3))?,
                "privateKey": key,
                "issuerRef": cluster_issuer(linkerd::PREVIOUS_ANCHOR_SECRET),
            },
        }),
        json!({
            "apiVersion": "trust.cert-manager.io/v1alpha1",
            "kind": "Bundle",
            "metadata": {"name": linkerd::TRUST_ROOTS_CONFIGMAP},
            "spec": {
                "sources": [
                    {"secret": {"name": linkerd::TRUST_ANCHOR_SECRET, "key": "tls.crt"}},
                    {"secret": {"name": linkerd::PREVIOUS_ANCHOR_SECRET, "key": "tls.crt"}},
                ],
                "target": {
                    "configMap": {"key": linkerd::CA_BUNDLE_CRT},
                    "namespaceSelector": {"matchLabels": {"linkerd.io/is-control-plane": "true"}},
                },
            },
        }),
    ])
}
