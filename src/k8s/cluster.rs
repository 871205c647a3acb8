//! Resolution as cert-manager and trust-manager do it, cross-object lints, and the Linkerd
//! certificates a rotation phase is read from.

use super::objects::{
    BundleObject, BundleSource, NamespacedName, Object, ObjectRef, Objects, Resource, SecretObject,
};
use crate::anchor::TrustAnchor;
use crate::bundle::{BundleOptions, TrustBundle};
use crate::cert::Certificate;
use crate::error::Error;
use crate::issue::Ca;
use crate::presets::linkerd;
use crate::rotation::{Broken, Observed, Phase};
use crate::spec::{CertSpec, RotationPolicy};
use std::fmt;
use time::OffsetDateTime;

mod issuers;
mod istio_values;
mod secrets;
mod values;
mod version;
pub use secrets::AnchorSecrets;
pub use version::{CertManagerVersion, LinkerdVersion};

/// How the cluster's controllers are assumed to be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolveOptions {
    /// cert-manager's `--cluster-resource-namespace`: where a ClusterIssuer's `ca.secretName`
    /// lives (`cert-manager` by default).
    pub cluster_resource_namespace: String,
    /// trust-manager's trust namespace: where Bundle `secret`/`configMap` sources live
    /// (`cert-manager` by default).
    pub trust_namespace: String,
    /// The `privateKey.rotationPolicy` a Certificate gets when it sets none: `Always` since
    /// cert-manager 1.18, `Never` in 1.17 and before.
    pub default_rotation_policy: RotationPolicy,
    /// The namespace Linkerd's control plane runs in (`linkerd`).
    pub linkerd_namespace: String,
    /// The identity issuer Secret (`--issuer-secret`); `None`: `linkerd-identity-issuer` in
    /// [`linkerd_namespace`](Self::linkerd_namespace).
    pub issuer_secret: Option<NamespacedName>,
    /// Linkerd's trust roots given apart from the objects (`--trust-roots FILE`): a label for
    /// messages and the certificates. They replace any the objects give.
    pub trust_roots: Option<(String, Vec<Certificate>)>,
    /// The cert-manager release the cluster runs (default [`CertManagerVersion::CURRENT`]):
    /// what it does with a Certificate depends on it (DESIGN §11).
    pub cert_manager: CertManagerVersion,
    /// trust-manager's controller flags `--filter-expired-certificates` and
    /// `--filter-non-ca-certs` (both off by default): what a Bundle leaves out as it builds.
    pub trust_manager_filter: crate::plan::BundleFilter,
    /// The Linkerd release (default [`LinkerdVersion::CURRENT`]): whether a Helm change of
    /// the trust anchors rolls the control plane depends on it.
    pub linkerd: LinkerdVersion,
    /// The Istio release of an istio-csr set-up (`(1, 30)`), when known: istiod reloads its
    /// root file from 1.31 (DESIGN §19). `None` (the default): assumed before 1.31, and said.
    pub istio: Option<(u32, u32)>,
    /// Istio runs in ambient mode: ztunnel holds the workloads' certificates (DESIGN §19).
    pub istio_ambient: bool,
}

impl Default for ResolveOptions {
    fn default() -> Self {
        Self {
            cluster_resource_namespace: "cert-manager".into(),
            trust_namespace: "cert-manager".into(),
            default_rotation_policy: RotationPolicy::Always,
            linkerd_namespace: "linkerd".into(),
            issuer_secret: None,
            trust_roots: None,
            cert_manager: CertManagerVersion::CURRENT,
            trust_manager_filter: crate::plan::BundleFilter::default(),
            linkerd: LinkerdVersion::CURRENT,
            istio: None,
            istio_ambient: false,
        }
    }
}

impl ResolveOptions {
    /// Assumes cert-manager 1.17 or older (`rotationPolicy` defaults to `Never`).
    pub fn cert_manager_before_1_18(self) -> Self {
        self.cert_manager_version(CertManagerVersion::new(1, 17, 0))
    }

    /// Assumes this Istio release (major, minor) for an istio-csr set-up.
    pub fn istio_version(mut self, major: u32, minor: u32) -> Self {
        self.istio = Some((major, minor));
        self
    }

    /// Istio in ambient mode: ztunnel, not sidecar agents, holds the workloads'
    /// certificates.
    pub fn istio_ambient(mut self) -> Self {
        self.istio_ambient = true;
        self
    }

    /// Assumes this Linkerd release ([`LinkerdVersion`]).
    pub fn linkerd_version(mut self, version: LinkerdVersion) -> Self {
        self.linkerd = version;
        self
    }

    /// Assumes this cert-manager release ([`CertManagerVersion`]); the `rotationPolicy`
    /// default follows it.
    pub fn cert_manager_version(mut self, version: CertManagerVersion) -> Self {
        self.cert_manager = version;
        self.default_rotation_policy = if version.before(1, 18) {
            RotationPolicy::Never
        } else {
            RotationPolicy::Always
        };
        self
    }
}

/// Where a Certificate's issuer signs from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerResolution {
    /// A `selfSigned` issuer: the certificate is its own anchor.
    SelfSigned,
    /// A `ca` issuer: signs with the Secret `namespace/name` as it is at issuance.
    Ca {
        /// The Secret's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
    },
    /// Another issuer type, named.
    Other(String),
    /// The issuerRef names an `Issuer` of another namespace: an Issuer serves only the
    /// Certificates of its own namespace, so cert-manager cannot resolve it.
    OtherNamespace {
        /// The Issuer's name.
        issuer: String,
        /// The namespace it is in.
        issuer_namespace: String,
        /// The Certificate's namespace.
        namespace: String,
    },
    /// The issuerRef's kind is neither `Issuer` nor `ClusterIssuer` (group `cert-manager.io`).
    UnknownKind(String),
    /// No such issuer among the inputs (it may exist in the cluster).
    NotInInput,
}

impl IssuerResolution {
    /// Whether cert-manager cannot resolve the reference at all.
    pub fn is_unresolvable(&self) -> bool {
        matches!(self, Self::OtherNamespace { .. } | Self::UnknownKind(_))
    }
}

impl fmt::Display for IssuerResolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SelfSigned => f.write_str("a selfSigned issuer"),
            Self::Ca { namespace, name } => write!(f, "a CA issuer over Secret {namespace}/{name}"),
            Self::Other(kind) => write!(f, "another issuer ({kind})"),
            Self::OtherNamespace {
                issuer,
                issuer_namespace,
                namespace,
            } => write!(
                f,
                "issuerRef names the Issuer {issuer}, which is in namespace {issuer_namespace}: an Issuer only serves Certificates of its own namespace ({namespace}); use a ClusterIssuer"
            ),
            Self::UnknownKind(kind) => write!(f, "unknown issuer kind {kind}"),
            Self::NotInInput => f.write_str("an issuer not among the inputs"),
        }
    }
}

/// A Certificate, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManagedCertificate {
    /// The Certificate object.
    pub object: ObjectRef,
    /// Its namespace (`default` if it names none).
    pub namespace: String,
    /// What cert-manager issues, with the rotation policy in force.
    pub spec: CertSpec,
    /// Whether `rotationPolicy` was written (else the assumed default applies).
    pub explicit_rotation_policy: bool,
    /// `spec.privateKey.algorithm` (cert-manager's default is `RSA`).
    pub algorithm: Option<String>,
    /// The Secret it writes.
    pub secret: NamespacedName,
    /// Its issuer.
    pub issuer: IssuerResolution,
    /// The certificate its Secret holds today, if that Secret was given.
    pub current: Option<Certificate>,
}

impl ManagedCertificate {
    /// `namespace/name` of the Certificate.
    pub fn key(&self) -> String {
        self.object.key()
    }

    /// An anchor: a self-signed CA.
    pub fn is_anchor(&self) -> bool {
        self.spec.is_ca() && self.issuer == IssuerResolution::SelfSigned
    }
}

/// What one Bundle source holds among the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceCerts {
    /// The Secret or ConfigMap is not among the inputs (it may exist in the cluster), or the
    /// source is `useDefaultCAs` (not modelled).
    NotGiven,
    /// Its certificates (possibly none: the key is absent or empty).
    Certificates(Vec<Certificate>),
    /// It is given but its PEM does not read: why.
    Unreadable(String),
}

/// A trust-manager Bundle, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedBundle {
    /// The Bundle object (`None`: not given; the seed's Bundle is assumed).
    pub object: Option<ObjectRef>,
    /// The Bundle's (and target ConfigMap's) name.
    pub name: String,
    /// Each source: a label (`secret cert-manager/linkerd-trust-anchor tls.crt`) and what it
    /// holds.
    pub sources: Vec<(String, SourceCerts)>,
    /// The target key (`ca-bundle.crt`).
    pub target_key: String,
    /// The bundle trust-manager builds from the sources, when every source was given.
    pub built: Option<TrustBundle>,
    /// The published ConfigMaps of that name: `(namespace, bundle)`, or why the target key
    /// does not read as a bundle.
    pub published: Vec<(String, Result<TrustBundle, String>)>,
    /// Whether its target writes a ConfigMap (a newer Bundle may write none, or a Secret only).
    pub config_map_target: bool,
    /// Its PKCS#12 target `(key, profile)`, if any.
    pub pkcs12: Option<(String, String)>,
}

/// The certificates Linkerd's identity depends on, found in the objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct LinkerdState {
    /// The anchor Secret's certificate (what the identity issuer's CA issuer signs with).
    pub anchor: Option<Certificate>,
    /// The previous-anchor Secret's certificate.
    pub previous: Option<Certificate>,
    /// The published trust bundle (`linkerd-identity-trust-roots`).
    pub bundle: Option<TrustBundle>,
    /// The identity issuer (`linkerd/linkerd-identity-issuer`).
    pub issuer: Option<Certificate>,
    /// Where each came from, for messages (`anchor: Secret/cert-manager/linkerd-trust-anchor`).
    pub sources: Vec<(&'static str, String)>,
    /// What is wrong with the identity issuer Secret, when it is among the inputs and Linkerd's
    /// identity controller could not start with it.
    pub issuer_problem: Option<IssuerSecretProblem>,
}

/// Why Linkerd's identity controller cannot start with the identity issuer Secret it is given
/// (as `linkerd check` reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerSecretProblem {
    /// `tls.crt` is absent or empty.
    NoCertificate,
    /// `tls.crt` holds no usable certificate (the reason: another algorithm, a key too, ...).
    CertificateUnreadable(String),
    /// `tls.key` is absent or empty.
    NoKey,
    /// `tls.key` does not parse as an ECDSA P-256 key (the reason).
    KeyUnreadable(String),
    /// `tls.key` is not the key of `tls.crt` (another CA's key, such as the anchor's).
    KeyMismatch,
}

impl IssuerSecretProblem {
    /// The broken rotation phase this puts the cluster in.
    pub fn broken(&self) -> Broken {
        match self {
            Self::NoCertificate | Self::CertificateUnreadable(_) => {
                Broken::IssuerSecretWithoutCertificate
            }
            Self::NoKey | Self::KeyUnreadable(_) | Self::KeyMismatch => Broken::IssuerKeyUnusable,
        }
    }
}

impl fmt::Display for IssuerSecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoCertificate => f.write_str("no tls.crt (absent or empty)"),
            Self::CertificateUnreadable(why) => write!(f, "tls.crt is unusable: {why}"),
            Self::NoKey => f.write_str("no tls.key (absent or empty)"),
            Self::KeyUnreadable(why) => write!(f, "tls.key does not parse: {why}"),
            Self::KeyMismatch => f.write_str("tls.key is not the key of tls.crt"),
        }
    }
}

impl LinkerdState {
    /// The rotation phase at `at`, when the anchor, bundle and issuer were all found; a
    /// broken phase whenever the identity issuer Secret is unusable
    /// ([`LinkerdState::issuer_problem`]).
    pub fn phase(&self, at: OffsetDateTime) -> Option<Phase> {
        if let Some(problem) = &self.issuer_problem {
            return Some(Phase::Broken(problem.broken()));
        }
        Some(Phase::observe(&self.observed()?, at))
    }

    /// The rotation's view of these certificates ([`Observed`], what a phase is read from),
    /// when the anchor, bundle and issuer were all found.
    pub fn observed(&self) -> Option<Observed<'_>> {
        Some(Observed::new(
            self.anchor.as_ref()?,
            self.previous.as_ref(),
            self.bundle.as_ref()?,
            self.issuer.as_ref()?,
        ))
    }
}

/// Objects resolved as cert-manager and trust-manager would: Certificates with their issuers
/// and Secrets, Bundles with their sources and ConfigMaps.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Cluster {
    /// Everything read.
    pub objects: Objects,
    /// Every Certificate, resolved, in input order.
    pub certificates: Vec<ManagedCertificate>,
    /// Every Bundle, resolved (and the seed's Bundle, assumed, when a
    /// `linkerd-identity-trust-roots` ConfigMap is given without any Bundle).
    pub bundles: Vec<ResolvedBundle>,
    /// What was assumed, one line each (`rotationPolicy: Always assumed for ...`).
    pub assumptions: Vec<String>,
    /// The options used.
    pub options: ResolveOptions,
    /// What resolving the Helm values found (unreadable values, a crtExpiry that is not the
    /// certificate's): part of [`Cluster::lints`].
    pub(super) values_findings: Vec<crate::lint::Finding>,
}

impl Cluster {
    /// Resolves `objects` under `options`. Never fails: what cert-manager or trust-manager
    /// could not resolve becomes a lint.
    pub fn resolve(objects: Objects, options: &ResolveOptions) -> Self {
        let mut cluster = Self {
            certificates: Vec::new(),
            bundles: Vec::new(),
            assumptions: Vec::new(),
            options: options.clone(),
            objects,
            values_findings: Vec::new(),
        };
        cluster.resolve_values();
        cluster.resolve_certificates();
        cluster.resolve_bundles();
        cluster
    }

    fn resolve_certificates(&mut self) {
        let mut out = Vec::new();
        for o in &self.objects.objects {
            let Resource::Certificate(c) = &o.resource else {
                continue;
            };
            let namespace = o.at.namespace.clone().unwrap_or_else(|| "default".into());
            let issuer = self.resolve_issuer(&namespace, c);
            let mut spec = c.spec.clone();
            if c.rotation_policy.is_none() {
                spec = spec.rotation_policy(self.options.default_rotation_policy);
                let (policy, since) = match self.options.default_rotation_policy {
                    RotationPolicy::Never => ("Never", "cert-manager 1.17 and before"),
                    _ => ("Always", "cert-manager 1.18 and later"),
                };
                self.assumptions.push(format!(
                    "rotationPolicy: {policy} for Certificate/{} (not set; the default of {since})",
                    o.at.key()
                ));
            }
            let version = self.options.cert_manager;
            if version.before(1, 21) {
                // The Certificate CRD of 1.20 and before has no spec.renewal: the API server
                // prunes it; and renewBeforePercentage is computed in wrapping int64.
                spec = spec.percentage_wraps(true);
                if spec.get_renewal().is_some() {
                    spec = spec.without_renewal();
                    self.assumptions.push(format!(
                        "Certificate/{}: spec.renewal is ignored: cert-manager {version} has no such field (added in v1.21.0; the API server prunes it)",
                        o.at.key()
                    ));
                }
            }
            if c.common_name_from_dns {
                self.assumptions.push(format!(
                    "Certificate/{}: a CA named by dnsNames only; cert-manager issues it with an empty subject, which RFC 5280 §4.1.2.6 forbids for a CA: modelled with its first dnsName as the common name",
                    o.at.key()
                ));
            }
            let current = self
                .secret(&namespace, &c.secret_name)
                .and_then(|s| s.certs(linkerd::TLS_CRT).first().cloned());
            out.push(ManagedCertificate {
                object: o.at.clone(),
                secret: NamespacedName::new(&namespace, &c.secret_name),
                namespace,
                spec,
                explicit_rotation_policy: c.rotation_policy.is_some(),
                algorithm: c.algorithm.clone(),
                issuer,
                current,
            });
        }
        self.certificates = out;
    }

    fn resolve_bundles(&mut self) {
        let mut out = Vec::new();
        for o in &self.objects.objects {
            if let Resource::Bundle(b) = &o.resource {
                out.push(self.resolve_bundle(Some(o.at.clone()), &o.at.name, b));
            }
        }
        let roots = linkerd::TRUST_ROOTS_CONFIGMAP;
        if out.is_empty() && self.config_maps(roots).next().is_some() {
            // No Bundle manages it: static trust roots, as Helm or kubectl wrote them.
            self.assumptions.push(format!(
                "ConfigMap/{roots}: no Bundle manages it: static trust roots (they change only when someone edits them)"
            ));
            let published = self
                .config_maps(roots)
                .filter_map(|o| match &o.resource {
                    Resource::ConfigMap(cm) => Some((
                        o.at.namespace.clone().unwrap_or_else(|| "default".into()),
                        read_published(cm.data.get(linkerd::CA_BUNDLE_CRT), linkerd::CA_BUNDLE_CRT),
                    )),
                    _ => None,
                })
                .collect();
            out.push(ResolvedBundle {
                object: None,
                name: roots.to_owned(),
                sources: Vec::new(),
                target_key: linkerd::CA_BUNDLE_CRT.to_owned(),
                built: None,
                published,
                config_map_target: true,
                pkcs12: None,
            });
        }
        for b in &out {
            if b.object.is_some() {
                for (label, certs) in &b.sources {
                    if *certs == SourceCerts::NotGiven
                        && label.contains(linkerd::PREVIOUS_ANCHOR_SECRET)
                    {
                        self.assumptions.push(format!(
                            "{label}: managed by nothing and not given; a copy of the anchor made at install, as the seed instructs"
                        ));
                    }
                }
            }
        }
        self.bundles = out;
    }

    fn resolve_bundle(
        &self,
        object: Option<ObjectRef>,
        name: &str,
        b: &BundleObject,
    ) -> ResolvedBundle {
        let ns = &self.options.trust_namespace;
        let mut sources = Vec::new();
        for s in &b.sources {
            let (label, certs) = match s {
                BundleSource::Secret { name, key } => (
                    format!("secret {ns}/{name} {key}"),
                    self.secret(ns, name).map_or(SourceCerts::NotGiven, |s| {
                        if key == "*" {
                            // A ClusterBundle's `key: "*"`: every key that holds certificates.
                            return SourceCerts::Certificates(
                                s.certificates.values().flatten().cloned().collect(),
                            );
                        }
                        match s.unsupported.get(key) {
                            Some(why) => SourceCerts::Unreadable(why.clone()),
                            None => SourceCerts::Certificates(s.certs(key).to_vec()),
                        }
                    }),
                ),
                BundleSource::ConfigMap { name, key } => (
                    format!("configMap {ns}/{name} {key}"),
                    self.config_map_certs(ns, name, key),
                ),
                BundleSource::InLine(certs) => (
                    "inLine".to_owned(),
                    SourceCerts::Certificates(certs.clone()),
                ),
                BundleSource::DefaultCas => ("useDefaultCAs".to_owned(), SourceCerts::NotGiven),
                BundleSource::Selector { kind } => (
                    format!("{} by label selector (not modelled)", kind.to_lowercase()),
                    SourceCerts::NotGiven,
                ),
            };
            sources.push((label, certs));
        }
        // trust-manager concatenates its sources (any certificate, CA or not), de-duplicated.
        let built = sources
            .iter()
            .map(|(_, c)| match c {
                SourceCerts::Certificates(certs) => Some(certs),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|all| {
                TrustBundle::from_anchors(
                    all.into_iter()
                        .flatten()
                        .cloned()
                        .map(TrustAnchor::new_unchecked),
                )
            });
        let target_key = b
            .target_key
            .clone()
            .unwrap_or_else(|| linkerd::CA_BUNDLE_CRT.to_owned());
        let published = self
            .objects
            .objects
            .iter()
            .filter_map(|o| match &o.resource {
                Resource::ConfigMap(cm) if o.at.name == name => Some((
                    o.at.namespace.clone().unwrap_or_else(|| "default".into()),
                    read_published(cm.data.get(&target_key), &target_key),
                )),
                _ => None,
            })
            .collect();
        ResolvedBundle {
            object,
            name: name.to_owned(),
            sources,
            target_key,
            built,
            published,
            config_map_target: b.config_map_target,
            pkcs12: b.pkcs12.clone(),
        }
    }

    fn config_maps<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Object> + 's {
        self.objects
            .objects
            .iter()
            .filter(move |o| matches!(o.resource, Resource::ConfigMap(_)) && o.at.name == name)
    }

    pub(super) fn config_map_certs(&self, ns: &str, name: &str, key: &str) -> SourceCerts {
        let found = self.objects.objects.iter().find_map(|o| match &o.resource {
            Resource::ConfigMap(cm)
                if o.at.name == name && o.at.namespace.as_deref() == Some(ns) =>
            {
                Some(cm)
            }
            _ => None,
        });
        match found.map(|cm| cm.data.get(key)) {
            None => SourceCerts::NotGiven,
            Some(None) => SourceCerts::Certificates(Vec::new()),
            Some(Some(text)) => match Certificate::all_from_pem(text) {
                Ok(certs) => SourceCerts::Certificates(certs),
                Err(e) => SourceCerts::Unreadable(e.to_string()),
            },
        }
    }

    /// The Secret `namespace/name`, if given.
    pub fn secret(&self, namespace: &str, name: &str) -> Option<&SecretObject> {
        self.secret_object(namespace, name)
            .and_then(|o| match &o.resource {
                Resource::Secret(s) => Some(s),
                _ => None,
            })
    }

    /// The object of the Secret `namespace/name`, if given.
    pub(super) fn secret_object(&self, namespace: &str, name: &str) -> Option<&Object> {
        self.objects.objects.iter().find(|o| {
            matches!(o.resource, Resource::Secret(_))
                && o.at.name == name
                && o.at.namespace.as_deref().unwrap_or("default") == namespace
        })
    }

    /// The Certificate `namespace/name`, resolved.
    pub fn certificate(&self, namespace: &str, name: &str) -> Option<&ManagedCertificate> {
        self.certificates
            .iter()
            .find(|c| c.namespace == namespace && c.object.name == name)
    }

    /// The identity issuer's Certificate: the one writing the identity issuer Secret
    /// ([`Cluster::issuer_secret`]).
    pub fn identity_issuer(&self) -> Option<&ManagedCertificate> {
        let secret = self.issuer_secret();
        self.certificates.iter().find(|c| c.secret == secret)
    }

    /// The Bundle Linkerd reads (`linkerd-identity-trust-roots`), else the first.
    pub fn trust_roots(&self) -> Option<&ResolvedBundle> {
        self.bundles
            .iter()
            .find(|b| b.name == linkerd::TRUST_ROOTS_CONFIGMAP)
            .or_else(|| self.bundles.first())
    }

    /// The certificates Linkerd's identity depends on, as far as the inputs hold them.
    pub fn linkerd(&self) -> LinkerdState {
        let mut state = LinkerdState::default();
        let NamespacedName {
            namespace: ans,
            name: an,
        } = self.anchor_secret();
        if let Some(c) = self
            .secret(&ans, &an)
            .and_then(|s| s.certs(linkerd::TLS_CRT).first())
        {
            state.anchor = Some(c.clone());
            state.sources.push(("anchor", format!("Secret/{ans}/{an}")));
        }
        let NamespacedName {
            namespace: pns,
            name: pn,
        } = self.previous_anchor_secret();
        if let Some(c) = self
            .secret(&pns, &pn)
            .and_then(|s| s.certs(linkerd::TLS_CRT).first())
        {
            state.previous = Some(c.clone());
            state
                .sources
                .push(("previous", format!("Secret/{pns}/{pn}")));
        }
        let lns = &self.options.linkerd_namespace;
        let NamespacedName {
            namespace: ins,
            name: inn,
        } = self.issuer_secret();
        if let Some(secret) = self.secret(&ins, &inn) {
            match secret.certs(linkerd::TLS_CRT).first() {
                Some(c) => {
                    state.issuer = Some(c.clone());
                    let rendered = self
                        .secret_object(&ins, &inn)
                        .and_then(|o| o.rendered_from.as_deref())
                        .map_or_else(String::new, |f| format!(" (rendered from {f})"));
                    state
                        .sources
                        .push(("issuer", format!("Secret/{ins}/{inn}{rendered}")));
                    state.issuer_problem = key_problem(secret, c);
                }
                None => {
                    state.issuer_problem = Some(match secret.entry_error(linkerd::TLS_CRT) {
                        Some(e) => IssuerSecretProblem::CertificateUnreadable(e.to_string()),
                        None => IssuerSecretProblem::NoCertificate,
                    });
                }
            }
        }
        if let Some(b) = self.trust_roots() {
            // Only the Linkerd namespace's copy is what Linkerd loads; a copy elsewhere (a
            // Bundle targets many namespaces) is named by a lint, never used in its place.
            let published = b.published.iter().find(|(ns, _)| ns == lns);
            if let Some((ns, Ok(bundle))) = published {
                state.bundle = Some(bundle.clone());
                state.sources.push((
                    "bundle",
                    format!("ConfigMap/{ns}/{} {}", b.name, b.target_key),
                ));
            }
        }
        // No Bundle and no ConfigMap given: the chart renders the ConfigMap from the last
        // values source that sets the anchors.
        if state.bundle.is_none()
            && let Some((path, certs)) =
                self.objects
                    .objects
                    .iter()
                    .rev()
                    .find_map(|o| match &o.resource {
                        super::objects::Resource::HelmValues(h) if !h.certificates.is_empty() => {
                            Some((&h.path, &h.certificates))
                        }
                        _ => None,
                    })
        {
            state.bundle =
                Some(TrustBundle::from_anchors(certs.iter().filter_map(|c| {
                    crate::anchor::TrustAnchor::new(c.clone()).ok()
                })));
            state.sources.push(("bundle", path.clone()));
        }
        // No anchor Secret among the inputs (a sealed or static anchor, an external signer):
        // the anchor is the trust roots' certificate that signed the identity issuer.
        if state.anchor.is_none()
            && let (Some(bundle), Some(issuer)) = (&state.bundle, &state.issuer)
        {
            let signer = bundle.certificates().find(|c| {
                c.subject() == issuer.issuer()
                    && c.public_key().is_ok_and(|k| issuer.is_signed_by(&k))
            });
            if let Some(c) = signer {
                state.anchor = Some(c.clone());
                state.sources.push((
                    "anchor",
                    "the trust roots' certificate that signed the identity issuer".into(),
                ));
            }
        }
        state
    }
}

/// Whether Linkerd's identity controller can start with this issuer Secret's key: present,
/// parsing, and the key of `cert`. (`Ca::new` checks the pairing; its other refusals are not
/// the controller's.)
fn key_problem(secret: &SecretObject, cert: &Certificate) -> Option<IssuerSecretProblem> {
    let key = match secret.private_key() {
        None => return Some(IssuerSecretProblem::NoKey),
        Some(Err(e)) => return Some(IssuerSecretProblem::KeyUnreadable(e.to_string())),
        Some(Ok(key)) => key,
    };
    match Ca::new(cert.clone(), key) {
        Err(Error::KeyMismatch { .. }) => Some(IssuerSecretProblem::KeyMismatch),
        _ => None,
    }
}

/// A published ConfigMap's target key as a bundle (any certificate, as trust-manager writes
/// them), or why it is not one.
fn read_published(text: Option<&String>, key: &str) -> Result<TrustBundle, String> {
    let text = text.ok_or_else(|| format!("no key {key}"))?;
    TrustBundle::from_sources(
        [(key, text.as_str())],
        BundleOptions::new().allow_non_ca(true),
    )
    .map(|b| b.bundle)
    .map_err(|e| e.to_string())
}
