//! cert-manager `Issuer`/`ClusterIssuer` and trust-manager `Bundle` readers.

use super::{BundleObject, BundleSource, Ctx, IssuerKind, IssuerObject};
use crate::cert::Certificate;
use crate::k8s::node::{Node, Value};
use crate::k8s::{FieldError, K8sError};
use std::collections::BTreeMap;

pub(super) fn issuer(c: &Ctx<'_>, doc: &Node) -> Result<IssuerObject, K8sError> {
    let spec = c
        .opt_map(doc, "spec", "spec")?
        .ok_or_else(|| c.err("spec", doc.at, FieldError::Missing))?;
    let kind = if spec.get("selfSigned").is_some() {
        IssuerKind::SelfSigned
    } else if let Some(ca) = c.opt_map(spec, "ca", "spec.ca")? {
        IssuerKind::Ca {
            secret_name: c.req_name(ca, "secretName", "spec.ca.secretName")?,
        }
    } else {
        let other = match &spec.value {
            Value::Map(entries) => entries.first().map(|(k, _)| k.clone()),
            _ => None,
        };
        IssuerKind::Other(other.unwrap_or_else(|| "none".into()))
    };
    Ok(IssuerObject { kind })
}

pub(super) fn bundle(c: &Ctx<'_>, doc: &Node) -> Result<BundleObject, K8sError> {
    let spec = c
        .opt_map(doc, "spec", "spec")?
        .ok_or_else(|| c.err("spec", doc.at, FieldError::Missing))?;
    let mut sources = Vec::new();
    for (i, s) in c
        .opt_seq(spec, "sources", "spec.sources")?
        .iter()
        .enumerate()
    {
        let p = format!("spec.sources[{i}]");
        if !matches!(s.value, Value::Map(_)) {
            return Err(c.wrong(&p, s, "a mapping"));
        }
        if let Some(sec) = c.opt_map(s, "secret", &format!("{p}.secret"))? {
            sources.push(BundleSource::Secret {
                name: c.req_name(sec, "name", &format!("{p}.secret.name"))?,
                key: c.req_str(sec, "key", &format!("{p}.secret.key"))?,
            });
        } else if let Some(cm) = c.opt_map(s, "configMap", &format!("{p}.configMap"))? {
            sources.push(BundleSource::ConfigMap {
                name: c.req_name(cm, "name", &format!("{p}.configMap.name"))?,
                key: c.req_str(cm, "key", &format!("{p}.configMap.key"))?,
            });
        } else if let Some(text) = c.opt_str(s, "inLine", &format!("{p}.inLine"))? {
            let certs = Certificate::all_from_pem(&text).map_err(|e| {
                let at = s.get("inLine").map_or(s.at, |n| n.at);
                c.err(
                    &format!("{p}.inLine"),
                    at,
                    FieldError::Certificate(Box::new(e)),
                )
            })?;
            sources.push(BundleSource::InLine(certs));
        } else if c
            .opt_bool(s, "useDefaultCAs", &format!("{p}.useDefaultCAs"))?
            .unwrap_or(false)
        {
            sources.push(BundleSource::DefaultCas);
        } else {
            return Err(c.err(
                &p,
                s.at,
                FieldError::NotOneOf {
                    value: "another source".into(),
                    allowed: "secret, configMap, inLine, useDefaultCAs",
                },
            ));
        }
    }
    // trust-manager `pkg/apis/trust/v1alpha1/types_bundle.go` (v0.2x): `target` optional
    // (omitzero), `configMap` and `secret` each optional, `additionalFormats.pkcs12`.
    let (mut target_key, mut namespace_selector) = (None, BTreeMap::new());
    let (mut config_map_target, mut secret_target_key, mut pkcs12) = (false, None, None);
    if let Some(target) = c.opt_map(spec, "target", "spec.target")? {
        if let Some(cm) = c.opt_map(target, "configMap", "spec.target.configMap")? {
            target_key = c.opt_str(cm, "key", "spec.target.configMap.key")?;
            config_map_target = true;
        }
        if let Some(sec) = c.opt_map(target, "secret", "spec.target.secret")? {
            secret_target_key = c.opt_str(sec, "key", "spec.target.secret.key")?;
        }
        let formats = "spec.target.additionalFormats";
        if let Some(p) = c
            .opt_map(target, "additionalFormats", formats)?
            .map(|f| c.opt_map(f, "pkcs12", &format!("{formats}.pkcs12")))
            .transpose()?
            .flatten()
        {
            let key = c.req_str(p, "key", &format!("{formats}.pkcs12.key"))?;
            let path = format!("{formats}.pkcs12.profile");
            let profile = c
                .opt_str(p, "profile", &path)?
                .unwrap_or_else(|| "LegacyRC2".to_owned());
            if !["LegacyRC2", "LegacyDES", "Modern2023"].contains(&profile.as_str()) {
                let at = p.get("profile").map_or(p.at, |n| n.at);
                return Err(c.err(
                    &path,
                    at,
                    FieldError::NotOneOf {
                        value: profile,
                        allowed: "LegacyRC2, LegacyDES, Modern2023",
                    },
                ));
            }
            pkcs12 = Some((key, profile));
        }
        namespace_selector = match_labels(c, target)?;
    }
    Ok(BundleObject {
        sources,
        target_key,
        namespace_selector,
        config_map_target,
        secret_target_key,
        pkcs12,
    })
}

/// trust-manager's `ClusterBundle` (`trust-manager.io/v1alpha2`, trust-manager v0.22 and
/// later, `pkg/apis/trustmanager/v1alpha2/types_cluster_bundle.go`), read into the same
/// [`BundleObject`] as a `Bundle`: `spec.sourceRefs[{kind, name | selector, key}]` (`key: "*"`
/// takes every key), `defaultCAs.provider`, `inLineCAs`, `target.configMap.data[{key,
/// format}]` (the first PEM key is Linkerd's), `target.namespaceSelector.matchLabels`.
pub(super) fn cluster_bundle(c: &Ctx<'_>, doc: &Node) -> Result<BundleObject, K8sError> {
    let spec = c
        .opt_map(doc, "spec", "spec")?
        .ok_or_else(|| c.err("spec", doc.at, FieldError::Missing))?;
    let mut sources = Vec::new();
    for (i, s) in c
        .opt_seq(spec, "sourceRefs", "spec.sourceRefs")?
        .iter()
        .enumerate()
    {
        let p = format!("spec.sourceRefs[{i}]");
        if !matches!(s.value, Value::Map(_)) {
            return Err(c.wrong(&p, s, "a mapping"));
        }
        let kind = secret_or_config_map(c, s, &p)?;
        if s.get("selector").is_some() && s.get("name").is_none() {
            sources.push(BundleSource::Selector { kind });
            continue;
        }
        let name = c.req_name(s, "name", &format!("{p}.name"))?;
        let key = c.req_str(s, "key", &format!("{p}.key"))?;
        sources.push(if kind == "Secret" {
            BundleSource::Secret { name, key }
        } else {
            BundleSource::ConfigMap { name, key }
        });
    }
    if let Some(d) = c.opt_map(spec, "defaultCAs", "spec.defaultCAs")?
        && c.opt_str(d, "provider", "spec.defaultCAs.provider")?
            .is_some()
    {
        sources.push(BundleSource::DefaultCas);
    }
    if let Some(text) = c.opt_str(spec, "inLineCAs", "spec.inLineCAs")? {
        let at = spec.get("inLineCAs").map_or(spec.at, |n| n.at);
        let certs = Certificate::all_from_pem(&text)
            .map_err(|e| c.err("spec.inLineCAs", at, FieldError::Certificate(Box::new(e))))?;
        sources.push(BundleSource::InLine(certs));
    }
    let (mut target_key, mut namespace_selector) = (None, BTreeMap::new());
    let (mut secret_target_key, mut pkcs12) = (None, None);
    if let Some(target) = c.opt_map(spec, "target", "spec.target")? {
        for (what, pem) in [
            ("configMap", &mut target_key),
            ("secret", &mut secret_target_key),
        ] {
            let Some(t) = c.opt_map(target, what, &format!("spec.target.{what}"))? else {
                continue;
            };
            let data = format!("spec.target.{what}.data");
            for (i, d) in c.opt_seq(t, "data", &data)?.iter().enumerate() {
                let p = format!("{data}[{i}]");
                let format = c.opt_str(d, "format", &format!("{p}.format"))?;
                let key = c.req_str(d, "key", &format!("{p}.key"))?;
                match format.as_deref() {
                    None | Some("PEM") if pem.is_none() => *pem = Some(key),
                    Some("PKCS12") if pkcs12.is_none() => {
                        let profile = c.opt_str(d, "profile", &format!("{p}.profile"))?;
                        pkcs12 = Some((key, profile.unwrap_or_else(|| "LegacyRC2".into())));
                    }
                    _ => {}
                }
            }
        }
        namespace_selector = match_labels(c, target)?;
    }
    Ok(BundleObject {
        sources,
        config_map_target: target_key.is_some(),
        target_key,
        namespace_selector,
        secret_target_key,
        pkcs12,
    })
}

/// `spec.target.namespaceSelector.matchLabels` of a Bundle or ClusterBundle target.
fn match_labels(c: &Ctx<'_>, target: &Node) -> Result<BTreeMap<String, String>, K8sError> {
    let Some(sel) = c.opt_map(target, "namespaceSelector", "spec.target.namespaceSelector")? else {
        return Ok(BTreeMap::new());
    };
    Ok(c.string_map(
        sel,
        "matchLabels",
        "spec.target.namespaceSelector.matchLabels",
    )?
    .into_iter()
    .map(|(k, v, _)| (k, v))
    .collect())
}

/// The `kind` of an object reference that names a Secret or a ConfigMap (a ClusterBundle
/// `sourceRefs` entry, a Flux `valuesFrom` entry) at `path`.
pub(super) fn secret_or_config_map(
    c: &Ctx<'_>,
    entry: &Node,
    path: &str,
) -> Result<String, K8sError> {
    let kind = c.req_str(entry, "kind", &format!("{path}.kind"))?;
    if kind != "Secret" && kind != "ConfigMap" {
        return Err(c.err(
            &format!("{path}.kind"),
            entry.get("kind").map_or(entry.at, |n| n.at),
            FieldError::NotOneOf {
                value: kind,
                allowed: "Secret, ConfigMap",
            },
        ));
    }
    Ok(kind)
}
