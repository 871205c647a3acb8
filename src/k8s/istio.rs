//! Istio with cert-manager's istio-csr as the objects show it (DESIGN §19): the CA issuer
//! istio-csr signs every workload through (its Helm values' `app.certmanager.issuer`, the
//! chart's `Issuer istio-system/istio-ca` by default), the chain above that issuer's Secret,
//! and istio-csr's root file (`app.tls.rootCAFile`: a Secret copied once at install, a
//! trust-manager Bundle's target, or, unset, the CA the issuer returns). The shapes are those
//! of istio-csr's install guide and chart (cert-manager/istio-csr v0.17.0-16-gf96fca5
//! `deploy/charts/istio-csr/values.yaml`).

use super::cluster::{Cluster, IssuerResolution, SourceCerts};
use super::objects::{IssuerRef, IstioCsrValues, NamespacedName, Resource};
use super::plan_error::PlanInputError;
use super::topology::{Chain, Found};
use crate::cert::Certificate;
use crate::plan::{IstioCsr, RootsKind, TrustRoots};
use crate::presets::istio;

/// What an istio-csr set-up adds to its chain: the mesh's settings and names.
#[derive(Debug)]
pub(super) struct IstioSetup {
    pub(super) csr: IstioCsr,
    /// The CA issuer signs with the root itself (no intermediate).
    pub(super) signer_is_anchor: bool,
    /// The issuer istio-csr names (`Issuer istio-system/istio-ca`).
    pub(super) issuer: String,
    /// The root file's object kind (`Secret`, `ConfigMap`).
    pub(super) roots_kind: String,
}

impl Cluster {
    /// Whether the inputs are an Istio set-up with istio-csr: istio-csr's Helm values, an
    /// `istio-ca-root-cert` ConfigMap, or a CA issuer named as istio-csr's chart names it by
    /// default, and nothing of Linkerd's identity issuer (no Certificate writes, no Secret
    /// holds, no Helm values render it).
    pub fn is_istio(&self) -> bool {
        self.istio_evidence().is_some()
    }

    /// What shows the inputs are an istio-csr set-up ([`Cluster::is_istio`]), in words
    /// (`istio-csr's Helm values (values.yaml)`); `None`: they are not.
    pub fn istio_evidence(&self) -> Option<String> {
        let issuer = self.issuer_secret();
        let linkerd = self.certificates.iter().any(|c| c.secret == issuer)
            || self.secret(&issuer.namespace, &issuer.name).is_some()
            || self.objects.objects.iter().any(|o| {
                matches!(&o.resource, Resource::HelmValues(v) if !v.values.is_empty() || !v.certificates.is_empty())
            });
        if linkerd {
            return None;
        }
        let found = |o: &&super::objects::Object| match &o.resource {
            Resource::IstioCsrValues(v) => Some(format!("istio-csr's Helm values ({})", v.origin)),
            Resource::ConfigMap(_) if o.at.name == istio::ROOT_CERT_CONFIGMAP => {
                Some(format!("ConfigMap {}", o.at.key()))
            }
            Resource::Issuer(_) | Resource::ClusterIssuer(_) if o.at.name == istio::CA_NAME => {
                Some(format!(
                    "{} {}, istio-csr's default issuer",
                    o.at.kind,
                    o.at.key()
                ))
            }
            _ => None,
        };
        let objects = &self.objects.objects;
        // The values say the most; then the ConfigMap; then the issuer's name.
        objects
            .iter()
            .find(|o| matches!(&o.resource, Resource::IstioCsrValues(v) if !v.release_only))
            .or_else(|| {
                objects
                    .iter()
                    .find(|o| matches!(o.resource, Resource::IstioCsrValues(_)))
            })
            .or_else(|| {
                objects.iter().find(|o| {
                    matches!(o.resource, Resource::ConfigMap(_))
                        && o.at.name == istio::ROOT_CERT_CONFIGMAP
                })
            })
            .or_else(|| objects.iter().find(|o| found(o).is_some()))
            .and_then(|o| found(&o))
    }

    /// istio-csr's Helm values, the last given (as `helm -f` merges them); a release of its
    /// chart without values only when no values are given.
    fn istio_values(&self) -> Option<&IstioCsrValues> {
        match &self.istio_values_object()?.resource {
            Resource::IstioCsrValues(v) => Some(v),
            _ => None,
        }
    }

    /// The object [`istio_values`](Self::istio_values) come from.
    fn istio_values_object(&self) -> Option<&super::objects::Object> {
        let objects = &self.objects.objects;
        objects
            .iter()
            .rfind(|o| matches!(&o.resource, Resource::IstioCsrValues(v) if !v.release_only))
            .or_else(|| {
                objects
                    .iter()
                    .rfind(|o| matches!(o.resource, Resource::IstioCsrValues(_)))
            })
    }

    /// The GitOps object istio-csr is installed from, if any: the values' own object when it
    /// is one; else a release of the chart without values.
    fn istio_values_home(&self) -> Option<crate::plan::ValuesHome> {
        let gitops = |o: &&super::objects::Object| {
            matches!(o.at.kind.as_str(), "HelmRelease" | "Application")
        };
        let o = self.istio_values_object().filter(gitops).or_else(|| {
            self.objects
                .objects
                .iter()
                .filter(gitops)
                .rfind(|o| matches!(&o.resource, Resource::IstioCsrValues(v) if v.release_only))
        })?;
        let Resource::IstioCsrValues(v) = &o.resource else {
            return None;
        };
        let namespace = o.at.namespace.clone().unwrap_or_else(|| "default".into());
        let name = o.at.name.clone();
        match o.at.kind.as_str() {
            "HelmRelease" => Some(crate::plan::ValuesHome::HelmRelease { namespace, name }),
            "Application" => {
                // `... spec.sources[1].helm.valuesObject`: the second source.
                let source_position = v
                    .origin
                    .split_once("spec.sources[")
                    .and_then(|(_, rest)| rest.split_once(']'))
                    .and_then(|(i, _)| i.parse::<usize>().ok())
                    .and_then(|i| i.checked_add(1));
                Some(crate::plan::ValuesHome::Application {
                    namespace,
                    name,
                    source_position,
                })
            }
            _ => None,
        }
    }

    /// The issuer istio-csr signs through (kind, name, group): its runtime configuration
    /// ConfigMap's when that is among the inputs with all three keys (`issuer-name`,
    /// `issuer-kind`, `issuer-group`), or the one the chart writes into it (`create`), else
    /// `app.certmanager.issuer` (cert-manager/istio-csr v0.17.0-16-gf96fca5
    /// `pkg/certmanager/certmanager.go` `handleRuntimeConfigIssuerChange`).
    fn istio_issuer(
        &self,
        values: Option<&IstioCsrValues>,
        assumptions: &mut Vec<String>,
    ) -> Result<(String, String, String), PlanInputError> {
        let default = || {
            (
                "Issuer".to_owned(),
                istio::CA_NAME.to_owned(),
                "cert-manager.io".to_owned(),
            )
        };
        let original = match values {
            Some(v) if !v.issuer_enabled => None,
            Some(v) => Some(v.issuer.clone().unwrap_or_else(default)),
            None => Some(default()),
        };
        let Some(cm) = values.and_then(|v| v.runtime_config.as_deref()) else {
            return original.ok_or_else(|| PlanInputError::CannotModel {
                what: "istio-csr's values disable its issuer (app.certmanager.issuer.enabled: false) and name no runtime configuration ConfigMap".into(),
                give: "app.runtimeConfiguration.name and that ConfigMap, or an issuer".into(),
            });
        };
        let ns = istio::CSR_NAMESPACE;
        let found = self.objects.objects.iter().find_map(|o| match &o.resource {
            Resource::ConfigMap(c) if o.at.name == cm && o.at.namespace.as_deref() == Some(ns) => {
                Some(c)
            }
            _ => None,
        });
        let key = |k: &str| {
            found
                .and_then(|c| c.data.get(k))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let from_map = match (key("issuer-kind"), key("issuer-name"), key("issuer-group")) {
            (Some(k), Some(n), Some(g)) => Some((k, n, g)),
            _ => None,
        };
        // Its values reach reports and shell lines: names the API server would take.
        if let Some((k, n, g)) = &from_map {
            let kind_ok =
                !k.is_empty() && k.len() <= 63 && k.chars().all(|c| c.is_ascii_alphabetic());
            let bad = [
                (
                    "issuer-name",
                    n,
                    super::check_name(n, super::NameRule::Subdomain)
                        .err()
                        .map(|e| e.to_string()),
                ),
                (
                    "issuer-group",
                    g,
                    super::check_name(g, super::NameRule::Subdomain)
                        .err()
                        .map(|e| e.to_string()),
                ),
                (
                    "issuer-kind",
                    k,
                    (!kind_ok).then(|| "not a kind (letters only)".to_owned()),
                ),
            ]
            .into_iter()
            .find_map(|(key, value, e)| e.map(|e| (key, value, e)));
            if let Some((key, value, e)) = bad {
                return Err(PlanInputError::CannotModel {
                    what: format!(
                        "istio-csr's runtime configuration ConfigMap {ns}/{cm}: {key} {:?}: {e}",
                        crate::display::visible(value)
                    ),
                    give: "an issuer's name, kind and group as cert-manager takes them".into(),
                });
            }
        }
        let (chosen, why) = match (
            from_map,
            found,
            values.and_then(|v| v.runtime_issuer.clone()),
        ) {
            (Some(i), _, _) => (Some(i), "sets the issuer"),
            (None, Some(_), _) => (
                original,
                "lacks issuer-name, issuer-kind or issuer-group, so istio-csr keeps its values' issuer",
            ),
            (None, None, Some(i)) => (
                Some(i),
                "is not among the inputs; the chart creates it (app.runtimeConfiguration.create)",
            ),
            (None, None, None) => (
                original,
                "is not among the inputs: assumed absent, so istio-csr keeps its values' issuer",
            ),
        };
        let chosen = chosen.ok_or_else(|| PlanInputError::CannotModel {
            what: format!("istio-csr's issuer is disabled and its runtime configuration ConfigMap {ns}/{cm} sets none"),
            give: format!("ConfigMap {ns}/{cm} with issuer-name, issuer-kind and issuer-group"),
        })?;
        assumptions.push(format!(
            "istio-csr's runtime configuration ConfigMap {ns}/{cm} {why}: it signs through {} {} ({})",
            chosen.0, chosen.1, chosen.2
        ));
        Ok(chosen)
    }

    /// The key istio-csr reads its root file from (the file name of `app.tls.rootCAFile`),
    /// when its values say.
    pub(super) fn istio_root_key(&self) -> Option<String> {
        self.istio_values()
            .and_then(|v| v.root_volume.as_ref())
            .map(|m| m.key.clone())
    }

    /// The chain istio-csr signs through, its root file, and its settings.
    pub(super) fn istio_chain(&self) -> Result<(Chain, IstioSetup), PlanInputError> {
        let mut assumptions = Vec::new();
        let values = self.istio_values();
        if let Some(v) = values.filter(|v| v.release_only) {
            assumptions.push(format!(
                "istio-csr's values: {}: the chart's defaults are assumed (give its values file among the inputs)",
                v.origin
            ));
        }
        let (kind, name, group) = self.istio_issuer(values, &mut assumptions)?;
        let namespace = values
            .and_then(|v| v.namespace.clone())
            .unwrap_or_else(|| istio::NAMESPACE.to_owned());
        let issuer_name = if kind == "ClusterIssuer" {
            format!("{kind} {name}")
        } else {
            format!("{kind} {namespace}/{name}")
        };
        if values.is_none() {
            assumptions.push(format!(
                "istio-csr's Helm values are not among the inputs: its chart's defaults (it signs through {issuer_name}, maxCertificateDuration 1h, the root file a copy of the root made at install as its guide does)"
            ));
        }
        let r = IssuerRef {
            name: name.clone(),
            kind: kind.clone(),
            group,
            omitted: Vec::new(),
        };
        let signer = match self.resolve_ref(&namespace, &r) {
            IssuerResolution::Ca { namespace, name } => NamespacedName::new(namespace, name),
            IssuerResolution::NotInInput => {
                return Err(PlanInputError::CannotModel {
                    what: format!(
                        "istio-csr signs through {issuer_name}, which is not among the inputs"
                    ),
                    give: format!(
                        "the {kind} (a CA issuer over the root's or intermediate's Secret) and the Certificate that writes its Secret"
                    ),
                });
            }
            IssuerResolution::SelfSigned => {
                return Err(PlanInputError::CannotModel {
                    what: format!(
                        "istio-csr signs through {issuer_name}, a selfSigned issuer: every workload would be its own root"
                    ),
                    give: "a CA issuer over the root's Secret (istio-csr's install guide)".into(),
                });
            }
            IssuerResolution::Other(kind) => {
                return Err(PlanInputError::CannotModel {
                    what: format!(
                        "istio-csr signs through {issuer_name} ({kind}): an external signer under istio-csr is not modelled yet"
                    ),
                    give:
                        "a cert-manager CA issuer over a root or intermediate Certificate's Secret"
                            .into(),
                });
            }
            other => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer_name,
                    reason: other.to_string(),
                });
            }
        };
        let mut cas = Vec::new();
        self.walk_up(signer, &mut cas, &mut assumptions)?;
        let signer_is_anchor = cas.len() == 1;
        let issuer = if signer_is_anchor {
            let root = &cas[0];
            Found {
                name: root.name.clone(),
                kind: root.kind,
                spec: root.spec.clone(),
                secret: root.secret.clone(),
                cert: root.cert.clone(),
                key: None,
            }
        } else {
            cas.pop().ok_or_else(|| PlanInputError::CannotModel {
                what: format!("no CA behind {issuer_name}"),
                give: "the Certificate that writes its Secret".into(),
            })?
        };
        let (roots, previous_source, roots_name, roots_kind) =
            self.istio_roots(values, &mut cas, issuer.cert.as_ref(), &mut assumptions)?;
        let mut csr = IstioCsr::default();
        if let Some(d) = values.and_then(|v| v.max_certificate_duration) {
            csr = csr.max_certificate_duration(d);
        }
        if let Some((major, minor)) = self.options.istio {
            csr = csr.version(major, minor);
        }
        let (d, rb) = values.map_or((None, None), |v| v.istiod_certificate);
        assumptions.push(format!(
            "istiod's serving certificate: {}, renewed {} before expiry (app.tls.istiodCertificateDuration, istiodCertificateRenewBefore{}); istio-csr signs it through the same issuer, so it follows a new signer within that renewBefore; the plan checks the workloads' certificates, not the agents' connections to istiod",
            crate::duration::GoDuration(d.unwrap_or(time::Duration::HOUR)),
            crate::duration::GoDuration(rb.unwrap_or(time::Duration::minutes(30))),
            if d.is_none() && rb.is_none() { ": the chart's defaults" } else { "" }
        ));
        csr = csr.ambient(self.options.istio_ambient);
        csr.runtime_config = values
            .and_then(|v| v.runtime_config.as_ref())
            .map(|n| format!("{}/{n}", istio::CSR_NAMESPACE));
        csr.values_home = self.istio_values_home();
        if csr.ambient {
            assumptions.push(format!(
                "ambient mode (--istio-ambient): ztunnel holds the workloads' certificates; it {} and {}",
                if csr.ztunnel_trusts_one_root() {
                    "trusts the first root of each response alone (before 1.26)"
                } else {
                    "trusts every root of each response"
                },
                if csr.ztunnel_channel_static() {
                    "reads the root file for its channel to istio-csr only at start (before 1.30)"
                } else {
                    "rebuilds its channel to istio-csr when the root file changes"
                }
            ));
        }
        assumptions.push(match csr.version {
            Some((major, minor)) => format!(
                "Istio {major}.{minor} (--istio-version): istiod {} its root file",
                if csr.istiod_reloads_root() {
                    "reloads"
                } else {
                    "reads only at start"
                }
            ),
            None => format!("Istio's version is not among the inputs: istiod is assumed to read its root file only at start, as every release before 1.31 does (pilot/pkg/bootstrap/certcontroller.go){}; give --istio-version", if csr.ambient { ", and ztunnel to behave as before 1.26" } else { "" }),
        });
        Ok((
            Chain {
                cas,
                issuer,
                roots,
                previous_source,
                previous: None,
                previous_key: None,
                via_previous: false,
                roots_name,
                assumptions,
            },
            IstioSetup {
                csr,
                signer_is_anchor,
                issuer: issuer_name,
                roots_kind,
            },
        ))
    }

    /// istio-csr's root file: a trust-manager Bundle's target, a Secret or ConfigMap among
    /// the inputs, the issuer's CA (no root file), or a copy of the root made at install.
    fn istio_roots(
        &self,
        values: Option<&IstioCsrValues>,
        cas: &mut [Found],
        issuer: Option<&Certificate>,
        assumptions: &mut Vec<String>,
    ) -> Result<(TrustRoots, bool, String, String), PlanInputError> {
        let csr_ns = istio::CSR_NAMESPACE.to_owned();
        let mounted = values.and_then(|v| v.root_volume.clone());
        if let Some(v) = values
            && v.root_ca_file.is_none()
        {
            assumptions.push(format!(
                "{}: app.tls.rootCAFile is not set: istio-csr's roots are the CA the issuer returns with its own serving certificate (renewed every hour or so), modelled as following the root's Secret at once",
                v.origin
            ));
            let roots = TrustRoots::default();
            return Ok((
                roots,
                false,
                "the issuer's CA (no root file)".into(),
                "ConfigMap".into(),
            ));
        }
        // A trust-manager Bundle writes the root file (its target has the Bundle's name).
        let bundled = self
            .bundles
            .iter()
            .any(|b| b.object.is_some() && mounted.as_ref().is_none_or(|m| m.name == b.name));
        if bundled {
            let (roots, previous, name) = self.roots_of(cas, issuer, assumptions)?;
            let kind = mounted
                .as_ref()
                .map_or("ConfigMap".to_owned(), |m| m.kind.clone());
            return Ok((
                roots,
                previous,
                format!("{name} (istio-csr's root file)"),
                kind,
            ));
        }
        if let Some(m) = &mounted {
            let certs = match m.kind.as_str() {
                "Secret" => self
                    .secret(&csr_ns, &m.name)
                    .map(|s| SourceCerts::Certificates(s.certs(&m.key).to_vec()))
                    .unwrap_or(SourceCerts::NotGiven),
                _ => self.config_map_certs(&csr_ns, &m.name, &m.key),
            };
            let label = format!("{} {csr_ns}/{} {}", m.kind, m.name, m.key);
            match certs {
                SourceCerts::Certificates(certs) if !certs.is_empty() => {
                    let roots = self.static_roots(cas, &certs, issuer, &label, assumptions)?;
                    return Ok((
                        roots,
                        false,
                        format!("{csr_ns}/{} (istio-csr's root file)", m.name),
                        m.kind.clone(),
                    ));
                }
                SourceCerts::Unreadable(why) => {
                    return Err(PlanInputError::CannotModel {
                        what: format!("istio-csr's root file {label} does not read: {why}"),
                        give: "PEM certificates in it".into(),
                    });
                }
                _ => {}
            }
        }
        let name = mounted
            .as_ref()
            .map_or_else(|| "istio-root-ca".to_owned(), |m| m.name.clone());
        assumptions.push(format!(
            "istio-csr's root file ({}/{name}) is not among the inputs: assumed a copy of the root made at install, as istio-csr's guide makes it (it changes only when someone writes it)",
            csr_ns
        ));
        let roots = TrustRoots {
            kind: RootsKind::Static,
            ..TrustRoots::default()
        };
        let kind = mounted.map_or("Secret".to_owned(), |m| m.kind);
        Ok((
            roots,
            false,
            format!("{csr_ns}/{name} (istio-csr's root file)"),
            kind,
        ))
    }
}

/// Where an istio-csr set-up stands at one time, from its Secrets (`check`): whether the
/// chain its CA issuer signs with verifies against istio-csr's root file, as istio-csr's
/// signer gate checks it (cert-manager/istio-csr v0.17.0-16-gf96fca5 `pkg/server/server.go`
/// `parseCertificateBundle`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IstioPhase {
    /// The root file holds the root the signing chain ends in, and nothing else.
    Steady,
    /// The root file holds the signing chain's root and `others` more: a new root staged
    /// before it signs, or an old one not yet dropped.
    RootsStaged {
        /// How many other certificates the root file holds.
        others: usize,
    },
    /// The signing chain does not verify against the root file: istio-csr refuses every CSR,
    /// and workloads lose mTLS as their certificates (an hour's) expire.
    RootFileStale {
        /// Why it does not verify.
        error: crate::verify::VerifyError,
    },
}

impl IstioPhase {
    /// Its name: `steady`, `roots-staged`, `root-file-stale`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Steady => "steady",
            Self::RootsStaged { .. } => "roots-staged",
            Self::RootFileStale { .. } => "root-file-stale",
        }
    }

    /// Whether mTLS is broken or breaking in it.
    pub fn is_broken(&self) -> bool {
        matches!(self, Self::RootFileStale { .. })
    }

    /// What to do next, and what must hold first.
    pub fn next(&self) -> (&'static str, &'static str) {
        match self {
            Self::Steady => (
                "nothing: before the root renews, rotate it with istio-root (plan --rotate-at T --procedure istio-root), whose step 1 puts the new root in the root file beside this one while the old one still signs",
                "the new root is in the root file before anything signs with it",
            ),
            Self::RootsStaged { .. } => (
                "istio-root's step 2, sign with the new root (if not yet), then its step 3, drop the other roots from the root file",
                "step 2: every agent has refreshed since the root file changed (one certificate lifetime, 1h by default); step 3: every certificate the old root signed has expired (one more)",
            ),
            Self::RootFileStale { .. } => (
                "write the root the CA issuer signs with into istio-csr's root file, keeping the old one beside it",
                "nothing: istio-csr refuses every CSR until then",
            ),
        }
    }
}

impl std::fmt::Display for IstioPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Steady => f.write_str("steady"),
            Self::RootsStaged { others } => {
                write!(f, "roots-staged ({others} root(s) beside the signing one)")
            }
            Self::RootFileStale { error } => write!(
                f,
                "root-file-stale (the signing chain does not verify against istio-csr's root file: {error}; istio-csr refuses every CSR)"
            ),
        }
    }
}

impl Cluster {
    /// The root file's certificates, where the inputs hold them: the Secret or ConfigMap
    /// istio-csr's values mount (a Bundle's target ConfigMap too), with where they came from.
    fn istio_root_file(&self) -> Option<(String, Vec<Certificate>)> {
        let m = self.istio_values()?.root_volume.clone()?;
        let ns = istio::CSR_NAMESPACE;
        let certs = match m.kind.as_str() {
            "Secret" => self.secret(ns, &m.name)?.certs(&m.key).to_vec(),
            _ => match self.config_map_certs(ns, &m.name, &m.key) {
                SourceCerts::Certificates(c) => c,
                _ => return None,
            },
        };
        Some((format!("{} {ns}/{} {}", m.kind, m.name, m.key), certs))
    }

    /// The istio-csr set-up's phase at `at`, with where its certificates came from.
    ///
    /// # Errors
    /// What the inputs lack to tell it (`signing CA`, `root file`, or the issuer chain when it
    /// cannot be resolved).
    pub fn istio_phase(
        &self,
        at: time::OffsetDateTime,
    ) -> Result<(IstioPhase, Vec<String>), Vec<&'static str>> {
        let (chain, _) = self
            .istio_chain()
            .map_err(|_| vec!["istio-csr's issuer chain"])?;
        let signer = chain.issuer.cert.clone();
        let root_file = self.istio_root_file();
        let mut missing = Vec::new();
        if signer.is_none() {
            missing.push("signing CA");
        }
        if root_file.is_none() {
            missing.push("root file");
        }
        let (Some(signer), Some((label, roots))) = (signer, root_file) else {
            return Err(missing);
        };
        let mut sources = vec![format!("root file: {label}")];
        if let Some(s) = &chain.issuer.secret {
            sources.push(format!("signing CA: Secret/{s}"));
        }
        let bundle = crate::bundle::TrustBundle::from_anchors(
            roots
                .iter()
                .cloned()
                .filter_map(|c| crate::anchor::TrustAnchor::new(c).ok()),
        );
        // The chain cert-manager presents: the signing CA and what its Secret holds above it.
        let presented: Vec<Certificate> = chain
            .issuer
            .secret
            .as_ref()
            .and_then(|s| self.secret(&s.namespace, &s.name))
            .map(|s| s.certs("tls.crt").iter().skip(1).cloned().collect())
            .unwrap_or_default();
        let self_signed = signer.subject() == signer.issuer()
            && signer.public_key().is_ok_and(|k| signer.is_signed_by(&k));
        let verdict = if self_signed {
            // Go's pool finds the root by subject and key: a copy of it verifies the chain.
            if roots.iter().any(|r| {
                r.subject() == signer.subject()
                    && r.spki_der() == signer.spki_der()
                    && r.is_valid_at(at)
            }) {
                Ok(())
            } else {
                crate::verify::verify(&signer, &[], &bundle, at, &Default::default()).map(|_| ())
            }
        } else {
            crate::verify::verify(&signer, &presented, &bundle, at, &Default::default()).map(|_| ())
        };
        let phase = match verdict {
            Err(error) => IstioPhase::RootFileStale { error },
            Ok(()) if roots.len() > 1 => IstioPhase::RootsStaged {
                others: roots.len() - 1,
            },
            Ok(()) => IstioPhase::Steady,
        };
        Ok((phase, sources))
    }
}
