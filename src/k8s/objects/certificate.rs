//! A cert-manager `Certificate`: `cert-manager.io/v1` and the older `v1alpha2`, `v1alpha3` and
//! `v1beta1` fields (`keyAlgorithm`), with `commonName`, `dnsNames` or `literalSubject`.

use super::{CERT_MANAGER_GROUP, CertificateObject, Ctx, FieldError, IssuerRef, K8sError};
use crate::k8s::node::Node;
use crate::renewal::{self, RenewalSpec, RenewalSpecPolicy, RenewalWindow, SpecError};
use crate::spec::{CertSpec, RotationPolicy};
use time::Duration;

/// cert-manager's default `spec.duration` (90 days).
const DEFAULT_DURATION: Duration = Duration::hours(2160);

pub(super) fn certificate(c: &Ctx<'_>, doc: &Node) -> Result<CertificateObject, K8sError> {
    let spec_node = c
        .opt_map(doc, "spec", "spec")?
        .ok_or_else(|| c.err("spec", doc.at, FieldError::Missing))?;
    let secret_name = c.req_name(spec_node, "secretName", "spec.secretName")?;
    let issuer_node = c
        .opt_map(spec_node, "issuerRef", "spec.issuerRef")?
        .ok_or_else(|| c.err("spec.issuerRef", spec_node.at, FieldError::Missing))?;
    let kind = c
        .opt_str(issuer_node, "kind", "spec.issuerRef.kind")?
        .filter(|k| !k.is_empty());
    let group = c
        .opt_str(issuer_node, "group", "spec.issuerRef.group")?
        .filter(|g| !g.is_empty());
    let omitted = [("kind", kind.is_none()), ("group", group.is_none())]
        .into_iter()
        .filter_map(|(f, missing)| missing.then_some(f))
        .collect();
    let issuer_ref = IssuerRef {
        name: c.req_name(issuer_node, "name", "spec.issuerRef.name")?,
        kind: kind.unwrap_or_else(|| "Issuer".into()),
        group: group.unwrap_or_else(|| CERT_MANAGER_GROUP.into()),
        omitted,
    };
    let is_ca = c.opt_bool(spec_node, "isCA", "spec.isCA")?.unwrap_or(false);
    let common_name = c.opt_str(spec_node, "commonName", "spec.commonName")?;
    if let Some(cn) = &common_name {
        let node = spec_node.get("commonName").unwrap_or(spec_node);
        c.printable(node, "spec.commonName", cn)?;
        // cert-manager's validation (and X.509's ub-common-name): at most 64 bytes. Also
        // bounds what a report repeats for every certificate issued with it.
        c.at_most(node, "spec.commonName", cn, 64)?;
    }
    let mut dns_names = Vec::new();
    for (i, n) in c
        .opt_seq(spec_node, "dnsNames", "spec.dnsNames")?
        .iter()
        .enumerate()
    {
        match n.as_str() {
            Some(s) => {
                c.printable(n, &format!("spec.dnsNames[{i}]"), s)?;
                c.at_most(n, &format!("spec.dnsNames[{i}]"), s, 253)?;
                dns_names.push(s.to_owned());
            }
            None => return Err(c.wrong(&format!("spec.dnsNames[{i}]"), n, "a string")),
        }
    }
    let duration = c
        .duration(spec_node, "duration", "spec.duration")?
        .unwrap_or(DEFAULT_DURATION);
    let renew_before = c.duration(spec_node, "renewBefore", "spec.renewBefore")?;
    let pct_node = spec_node.get("renewBeforePercentage");
    let percentage = match c.opt_int(
        spec_node,
        "renewBeforePercentage",
        "spec.renewBeforePercentage",
    )? {
        None => None,
        Some(p) => Some(i32::try_from(p).map_err(|_| {
            c.err(
                "spec.renewBeforePercentage",
                pct_node.map_or(spec_node.at, |n| n.at),
                FieldError::WrongType {
                    expected: "an int32",
                    found: "a larger integer",
                },
            )
        })?),
    };
    let renewal_at = spec_node
        .get("renewBefore")
        .or(pct_node)
        .or(spec_node.get("duration"))
        .map_or(spec_node.at, |n| n.at);
    renewal::validate(duration, renew_before, percentage)
        .map_err(|e| c.err("spec", renewal_at, FieldError::Spec(e)))?;
    let (rotation_policy, algorithm, key_size) =
        match c.opt_map(spec_node, "privateKey", "spec.privateKey")? {
            None => (None, None, None),
            Some(pk) => {
                let policy =
                    match c.opt_str(pk, "rotationPolicy", "spec.privateKey.rotationPolicy")? {
                        None => None,
                        Some(p) if p == "Always" => Some(RotationPolicy::Always),
                        Some(p) if p == "Never" => Some(RotationPolicy::Never),
                        Some(p) => {
                            return Err(c.err(
                                "spec.privateKey.rotationPolicy",
                                pk.get("rotationPolicy").map_or(pk.at, |n| n.at),
                                FieldError::NotOneOf {
                                    value: p,
                                    allowed: "Always, Never",
                                },
                            ));
                        }
                    };
                let algorithm = c.opt_str(pk, "algorithm", "spec.privateKey.algorithm")?;
                let size = c
                    .opt_int(pk, "size", "spec.privateKey.size")?
                    .and_then(|s| i64::try_from(s).ok());
                (policy, algorithm, size)
            }
        };
    // cert-manager before v1 (v1alpha2/3, v1beta1): spec.keyAlgorithm, lower case.
    let algorithm = match algorithm {
        Some(a) => Some(a),
        None => c.opt_str(spec_node, "keyAlgorithm", "spec.keyAlgorithm")?,
    };
    let key_size = match key_size {
        Some(k) => Some(k),
        None => c
            .opt_int(spec_node, "keySize", "spec.keySize")?
            .and_then(|s| i64::try_from(s).ok()),
    };
    let common_name = match common_name {
        Some(cn) => Some(cn),
        None => c
            .opt_str(spec_node, "literalSubject", "spec.literalSubject")?
            .and_then(|s| literal_common_name(&s)),
    };
    let common_name_from_dns = is_ca && common_name.is_none() && !dns_names.is_empty();
    let mut spec = if is_ca {
        let cn = common_name.clone().or_else(|| dns_names.first().cloned());
        CertSpec::ca(cn.unwrap_or_default(), duration)
    } else {
        let mut s = CertSpec::leaf(duration);
        if let Some(cn) = &common_name {
            s = s.common_name(cn.clone());
        }
        s
    };
    for d in &dns_names {
        spec = spec.dns_name(d.clone());
    }
    if let Some(rb) = renew_before {
        spec = spec.renew_before(rb);
    }
    if let Some(p) = percentage {
        spec = spec.renew_before_percentage(p);
    }
    spec = spec.rotation_policy(rotation_policy.unwrap_or(RotationPolicy::Always));
    if let Some(r) = renewal_spec(c, spec_node)? {
        spec = spec.renewal(r);
    }
    Ok(CertificateObject {
        secret_name,
        issuer_ref,
        spec,
        rotation_policy,
        algorithm,
        key_size,
        common_name_from_dns,
        renewal_at,
    })
}

/// cert-manager 1.21's `spec.renewal`, checked as its webhook checks it: `policy` one of
/// `RenewBefore`, `Disabled`; no `windows` with `Disabled`; each window's `cron` parsing,
/// `windowDuration` positive, `timezone` an IANA name.
fn renewal_spec(c: &Ctx<'_>, spec_node: &Node) -> Result<Option<RenewalSpec>, K8sError> {
    let Some(node) = c.opt_map(spec_node, "renewal", "spec.renewal")? else {
        return Ok(None);
    };
    let policy_node = node.get("policy");
    let policy = match c.opt_str(node, "policy", "spec.renewal.policy")?.as_deref() {
        Some("RenewBefore") => RenewalSpecPolicy::RenewBefore,
        Some("Disabled") => RenewalSpecPolicy::Disabled,
        other => {
            return Err(c.err(
                "spec.renewal.policy",
                policy_node.map_or(node.at, |n| n.at),
                FieldError::NotOneOf {
                    value: other.unwrap_or_default().to_owned(),
                    allowed: "RenewBefore, Disabled",
                },
            ));
        }
    };
    let list = c.opt_seq(node, "windows", "spec.renewal.windows")?;
    if policy == RenewalSpecPolicy::Disabled && !list.is_empty() {
        return Err(c.err(
            "spec.renewal.windows",
            node.get("windows").map_or(node.at, |n| n.at),
            FieldError::Spec(SpecError::WindowsWithDisabled),
        ));
    }
    if list.len() > MAX_WINDOWS {
        return Err(c.err(
            "spec.renewal.windows",
            node.at,
            FieldError::TooMany {
                count: list.len(),
                max: MAX_WINDOWS,
            },
        ));
    }
    let mut windows = Vec::new();
    for (i, w) in list.iter().enumerate() {
        let path = format!("spec.renewal.windows[{i}]");
        let cron = c.req_str(w, "cron", &format!("{path}.cron"))?;
        let duration = c
            .duration(w, "windowDuration", &format!("{path}.windowDuration"))?
            .ok_or_else(|| c.err(&format!("{path}.windowDuration"), w.at, FieldError::Missing))?;
        let tz = c.opt_str(w, "timezone", &format!("{path}.timezone"))?;
        let window = RenewalWindow::new(&cron, duration, tz.as_deref())
            .map_err(|e| c.err(&path, w.at, FieldError::Spec(SpecError::Window(e))))?;
        windows.push(window);
    }
    Ok(Some(RenewalSpec { policy, windows }))
}

/// The most renewal windows read from one Certificate.
const MAX_WINDOWS: usize = 16;

/// The `CN=` of an RFC 4514 `literalSubject` (`CN=root.linkerd.cluster.local,O=...`).
fn literal_common_name(subject: &str) -> Option<String> {
    subject
        .split(',')
        .find_map(|rdn| rdn.trim().strip_prefix("CN="))
        .map(str::to_owned)
        .filter(|cn| !cn.is_empty())
}
