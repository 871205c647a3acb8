//! Linkerd's chain as the objects show it (DESIGN §15): from the identity issuer Secret up,
//! each CA managed (a Certificate), static (a Secret nothing manages) or external (an issuerRef
//! outside cert-manager.io); the trust roots from a Bundle, a static ConfigMap, Helm values or
//! a PEM file. What the inputs do not hold is assumed, one `assume:` line each, or refused as
//! "cannot model" with the input or flag that would make it modelable.

use super::cluster::{Cluster, IssuerResolution, SourceCerts};
use super::objects::{NamespacedName, Resource, SecretObject};
use super::plan_error::PlanInputError;
use crate::cert::Certificate;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::plan::{CaKind, Held, MAX_HORIZON, RootsKind, TrustRoots};
use crate::presets::linkerd;
use crate::spec::CertSpec;
use time::{Duration, OffsetDateTime};

/// The most CAs above the identity issuer followed (a root, intermediates, the anchor).
pub const MAX_CHAIN: usize = 8;

/// One CA of the chain, as found.
#[derive(Debug)]
pub(crate) struct Found {
    /// Its name in messages.
    pub(super) name: String,
    pub(super) kind: CaKind,
    /// Managed: the Certificate's spec; else what its stand-in is made from.
    pub(super) spec: CertSpec,
    /// Its Secret, when the chain names one.
    pub(super) secret: Option<NamespacedName>,
    /// Its certificate today, when the inputs hold it.
    pub(super) cert: Option<Certificate>,
    /// Its key, when the inputs hold it (and it pairs with `cert`).
    pub(super) key: Option<PrivateKey>,
}

/// Linkerd's chain and trust roots, as found.
#[derive(Debug)]
pub(crate) struct Chain {
    /// Top down; the last is the anchor (the CA that signs the identity issuer).
    pub(super) cas: Vec<Found>,
    /// The identity issuer.
    pub(super) issuer: Found,
    pub(super) roots: TrustRoots,
    /// Whether a trust-manager Bundle has a second Secret source (the previous anchor).
    pub(super) previous_source: bool,
    /// The previous-anchor Secret's certificate, if given.
    pub(super) previous: Option<Certificate>,
    /// Its key, if given and it pairs with the certificate.
    pub(super) previous_key: Option<PrivateKey>,
    /// The identity issuer is signed through a CA issuer on the previous-anchor Secret
    /// (unattended rotation's shape, [`Cluster::signs_through_previous`]).
    pub(super) via_previous: bool,
    pub(super) roots_name: String,
    pub(super) assumptions: Vec<String>,
}

/// A static or external CA's stand-in spec when its certificate is unknown: valid past any
/// horizon.
fn past_horizon(cn: &str) -> CertSpec {
    CertSpec::ca(cn, MAX_HORIZON + Duration::days(1))
}

/// A stand-in spec with `cert`'s common name and lifetime.
fn like(cert: &Certificate) -> CertSpec {
    let subject = cert.subject();
    let cn = subject
        .split(',')
        .find_map(|r| r.trim().strip_prefix("CN="))
        .filter(|c| !c.is_empty())
        .unwrap_or("stand-in.linkerd.cluster.local");
    CertSpec::ca(cn, cert.lifetime())
}

impl Cluster {
    /// The identity issuer Secret: `--issuer-secret`, else `linkerd-identity-issuer` in the
    /// Linkerd namespace.
    pub fn issuer_secret(&self) -> NamespacedName {
        self.options.issuer_secret.clone().unwrap_or_else(|| {
            NamespacedName::new(&self.options.linkerd_namespace, linkerd::ISSUER_SECRET)
        })
    }

    /// A Secret's certificate and (pairing) key.
    pub(super) fn secret_ca(
        &self,
        secret: &NamespacedName,
    ) -> (Option<Certificate>, Option<PrivateKey>) {
        let Some(s) = self.secret(&secret.namespace, &secret.name) else {
            return (None, None);
        };
        let cert = s.certs(linkerd::TLS_CRT).first().cloned();
        let key = pairing_key(s, cert.as_ref());
        (cert, key)
    }

    /// Linkerd's chain, from the identity issuer Secret up, and its trust roots.
    pub(super) fn chain(&self) -> Result<Chain, PlanInputError> {
        let missing = self.objects.without_namespace();
        if !missing.is_empty() {
            return Err(PlanInputError::NoNamespace(missing));
        }
        let mut assumptions = Vec::new();
        let issuer_secret = self.issuer_secret();
        let key = NamespacedName::to_string;
        let (issuer, signer) = match self.certificates.iter().find(|c| c.secret == issuer_secret) {
            Some(c) => {
                if !c.spec.is_ca() {
                    return Err(PlanInputError::IssuerNotCa {
                        certificate: c.key(),
                        at: format!("{}:{}", c.object.file, self.location_of(&c.object)),
                    });
                }
                let (cert, k) = self.secret_ca(&issuer_secret);
                (
                    Found {
                        name: c.key(),
                        kind: CaKind::Managed,
                        spec: c.spec.clone(),
                        secret: Some(issuer_secret.clone()),
                        cert,
                        key: k,
                    },
                    Some(c.issuer.clone()),
                )
            }
            None => {
                let (cert, k) = self.secret_ca(&issuer_secret);
                let Some(cert) = cert else {
                    return Err(PlanInputError::NoIssuer {
                        secret: key(&issuer_secret),
                        found: self.found_summary(),
                    });
                };
                let rendered = self
                    .secret_object(&issuer_secret.namespace, &issuer_secret.name)
                    .and_then(|o| o.rendered_from.clone());
                let (what, name) = match &rendered {
                    Some(origin) => (
                        format!(
                            "Secret/{}, rendered by Linkerd's chart from {origin}",
                            key(&issuer_secret)
                        ),
                        format!(
                            "{} (rendered from {origin}; nothing renews it)",
                            key(&issuer_secret)
                        ),
                    ),
                    None => (
                        format!("Secret/{}", key(&issuer_secret)),
                        format!("{} (a Secret nothing renews)", key(&issuer_secret)),
                    ),
                };
                assumptions.push(format!(
                    "{what}: the identity issuer, and nothing renews it: it lives until its notAfter ({})",
                    crate::display::rfc3339(cert.not_after())
                ));
                (
                    Found {
                        name,
                        kind: CaKind::Static,
                        spec: like(&cert),
                        secret: Some(issuer_secret.clone()),
                        cert: Some(cert),
                        key: k,
                    },
                    None,
                )
            }
        };
        let mut cas = Vec::new();
        let through_previous = self.signs_through_previous();
        let mut via_previous = false;
        match signer {
            Some(IssuerResolution::Ca { namespace, name }) => {
                match through_previous
                    .filter(|p| p.previous.namespace == namespace && p.previous.name == name)
                {
                    Some(pair) => {
                        assumptions.push(format!(
                            "Certificate/{}: signed through the CA issuer on Secret {}, the copy of the anchor Secret {} that the Bundle also publishes (unattended rotation's shape, DESIGN §17): after each anchor re-key it keeps signing with the previous anchor until its issuerRef is switched (plan --rotation auto runs that loop)",
                            issuer.name, pair.previous, pair.anchor
                        ));
                        via_previous = true;
                        self.walk_up(pair.anchor, &mut cas, &mut assumptions)?;
                    }
                    None => {
                        let secret = NamespacedName::new(namespace, name);
                        self.walk_up(secret, &mut cas, &mut assumptions)?;
                    }
                }
            }
            Some(IssuerResolution::SelfSigned) => {
                return Err(PlanInputError::CannotModel {
                    what: format!("Certificate/{}: the identity issuer is self-signed", issuer.name),
                    give: "a trust anchor above it (a CA issuer over the anchor's Secret); Linkerd's anchors sign its identity issuer".into(),
                });
            }
            Some(IssuerResolution::Other(kind)) => {
                let ca_crt = self
                    .secret(&issuer_secret.namespace, &issuer_secret.name)
                    .and_then(|s| s.certs(linkerd::CA_CRT).last().cloned());
                cas.push(external(
                    format!("the issuer of Certificate/{} ({kind})", issuer.name),
                    ca_crt,
                ));
            }
            Some(
                r @ (IssuerResolution::OtherNamespace { .. } | IssuerResolution::UnknownKind(_)),
            ) => {
                return Err(PlanInputError::Unresolvable {
                    certificate: issuer.name.clone(),
                    reason: r.to_string(),
                });
            }
            Some(IssuerResolution::NotInInput) => {
                return Err(self.issuer_not_given(&issuer_secret));
            }
            None => {
                // A static identity issuer: its signer is a given Secret whose certificate is
                // the issuer's issuer (with its key), else whatever the trust roots hold.
                let signer = issuer.cert.as_ref().and_then(|ic| {
                    self.objects.objects.iter().find_map(|o| match &o.resource {
                        Resource::Secret(s)
                            if s.certs(linkerd::TLS_CRT).first().is_some_and(|c| {
                                c != ic
                                    && c.subject() == ic.issuer()
                                    && c.public_key().is_ok_and(|k| ic.is_signed_by(&k))
                            }) =>
                        {
                            Some(NamespacedName::new(
                                o.at.namespace.as_deref().unwrap_or_default(),
                                &o.at.name,
                            ))
                        }
                        _ => None,
                    })
                });
                if let Some(secret) = signer {
                    self.walk_up(secret, &mut cas, &mut assumptions)?;
                } else {
                    cas.push(Found {
                        name: "the identity issuer's signer (not among the inputs)".into(),
                        kind: CaKind::Static,
                        spec: past_horizon("root.linkerd.cluster.local"),
                        secret: None,
                        cert: None,
                        key: None,
                    });
                }
            }
        }
        let (roots, previous_source, roots_name) =
            self.roots_of(&mut cas, issuer.cert.as_ref(), &mut assumptions)?;
        if let Held::Above(i) = roots.holds {
            assumptions.push(format!(
                "trust roots hold {}, above the CA that signs the identity issuer: the identity issuer Secret's tls.crt holds the chain between (cert-manager's CA issuer appends its CA's chain), and Linkerd presents it with every leaf",
                cas.get(i).map_or("", |f| f.name.as_str())
            ));
        }
        for f in &cas {
            if f.cert.is_none() && !f.kind.is_managed() {
                assumptions.push(format!(
                    "{}: its certificate is not among the inputs: a stand-in valid past the horizon (give its tls.crt, or the trust roots, for its real dates)",
                    f.name
                ));
            } else if f.cert.is_some() && f.key.is_none() {
                assumptions.push(format!(
                    "{}: its private key is not among the inputs: simulated with a stand-in key of the same subject and validity (verdicts depend on which key signs what, never on key bytes)",
                    f.name
                ));
            }
        }
        let (previous, previous_key) = if previous_source {
            self.secret_ca(&self.previous_anchor_secret())
        } else {
            (None, None)
        };
        Ok(Chain {
            cas,
            issuer,
            roots,
            previous_source,
            previous,
            previous_key,
            via_previous,
            roots_name,
            assumptions,
        })
    }

    /// The CA whose Secret is `secret`, and every CA above it, pushed top down.
    pub(super) fn walk_up(
        &self,
        secret: NamespacedName,
        out: &mut Vec<Found>,
        assumptions: &mut Vec<String>,
    ) -> Result<(), PlanInputError> {
        let mut chain: Vec<Found> = Vec::new();
        let mut next = Some(secret);
        while let Some(secret) = next.take() {
            if chain.len() >= MAX_CHAIN || chain.iter().any(|f| f.secret.as_ref() == Some(&secret))
            {
                return Err(PlanInputError::CannotModel {
                    what: format!(
                        "the chain above the identity issuer passes Secret {secret} twice or is longer than {MAX_CHAIN} CAs"
                    ),
                    give: "a chain that ends at a self-signed, static or external CA".into(),
                });
            }
            let (cert, key) = self.secret_ca(&secret);
            match self.certificates.iter().find(|c| c.secret == secret) {
                Some(c) => {
                    if !c.spec.is_ca() {
                        return Err(PlanInputError::ChainCaNotCa {
                            certificate: c.key(),
                            at: format!("{}:{}", c.object.file, self.location_of(&c.object)),
                        });
                    }
                    chain.push(Found {
                        name: c.key(),
                        kind: CaKind::Managed,
                        spec: c.spec.clone(),
                        secret: Some(secret.clone()),
                        cert,
                        key,
                    });
                    match &c.issuer {
                        IssuerResolution::SelfSigned => {}
                        IssuerResolution::Ca { namespace, name } => {
                            next = Some(NamespacedName::new(namespace, name));
                        }
                        IssuerResolution::Other(kind) => {
                            let ca_crt = self
                                .secret(&secret.namespace, &secret.name)
                                .and_then(|s| s.certs(linkerd::CA_CRT).last().cloned())
                                .filter(|r| cert_issuer_is(cert_of(&chain), r));
                            chain.push(external(
                                format!("the issuer of Certificate/{} ({kind})", c.key()),
                                ca_crt,
                            ));
                            assumptions.push(format!(
                                "Certificate/{}: its external signer ({kind}) grants the requested duration",
                                c.key()
                            ));
                        }
                        IssuerResolution::NotInInput => {
                            return Err(self.issuer_not_given(&secret));
                        }
                        other => {
                            return Err(PlanInputError::Unresolvable {
                                certificate: c.key(),
                                reason: other.to_string(),
                            });
                        }
                    }
                }
                None => chain.push(Found {
                    name: format!("Secret {secret}"),
                    kind: CaKind::Static,
                    spec: cert
                        .as_ref()
                        .map_or_else(|| past_horizon("root.linkerd.cluster.local"), like),
                    secret: Some(secret.clone()),
                    cert,
                    key,
                }),
            }
        }
        chain.reverse();
        out.extend(chain);
        Ok(())
    }

    /// The trust roots: a Bundle, a static ConfigMap, Helm values, `--trust-roots`, or
    /// assumed. Where the anchor's certificate is unknown, the root among them that signed the
    /// identity issuer (or the only one) gives it.
    pub(super) fn roots_of(
        &self,
        cas: &mut [Found],
        issuer: Option<&Certificate>,
        assumptions: &mut Vec<String>,
    ) -> Result<(TrustRoots, bool, String), PlanInputError> {
        let name = linkerd::TRUST_ROOTS_CONFIGMAP.to_owned();
        let anchor_secret = cas.last().and_then(|f| f.secret.clone());
        let mut roots = TrustRoots::default();
        if let Some((label, certs)) = &self.options.trust_roots {
            roots.kind = RootsKind::Static;
            return Ok((
                self.static_roots(cas, certs, issuer, label, assumptions)?,
                false,
                name,
            ));
        }
        if let Some(b) = self.trust_roots().filter(|b| b.object.is_some()) {
            let tn = &self.options.trust_namespace;
            let mut previous = false;
            roots.holds = Held::Nothing;
            let above = cas.len().saturating_sub(1);
            for (label, certs) in &b.sources {
                let tracks = |s: &Option<NamespacedName>| {
                    s.as_ref().is_some_and(|s| {
                        s.namespace == *tn && label.starts_with(&format!("secret {s} "))
                    })
                };
                if tracks(&anchor_secret) {
                    roots.holds = Held::Signer;
                } else if let Some(i) = cas[..above].iter().rposition(|f| tracks(&f.secret)) {
                    if roots.holds != Held::Signer {
                        roots.holds = Held::Above(i);
                    }
                } else {
                    match certs {
                        SourceCerts::Certificates(c) if !c.is_empty() => {
                            roots.others.extend(c.iter().cloned());
                        }
                        _ if label.starts_with("secret ") => previous = true,
                        _ => {}
                    }
                }
            }
            if previous {
                roots.others.clear();
            }
            roots.filter = self.options.trust_manager_filter;
            return Ok((roots, previous, b.name.clone()));
        }
        let mut from_helm = false;
        let static_set = self
            .trust_roots()
            .and_then(|b| {
                let lns = &self.options.linkerd_namespace;
                b.published
                    .iter()
                    .find(|(ns, _)| ns == lns)
                    .and_then(|(ns, p)| {
                        p.as_ref().ok().map(|bundle| {
                            (
                                format!("ConfigMap/{ns}/{} {}", b.name, b.target_key),
                                bundle.certificates().cloned().collect::<Vec<_>>(),
                            )
                        })
                    })
            })
            .or_else(|| {
                // Several values files: the last given wins, as `helm -f a.yaml -f b.yaml`
                // merges them (a later file's identityTrustAnchorsPEM replaces an earlier's).
                let values: Vec<(String, &Vec<Certificate>)> = self
                    .objects
                    .objects
                    .iter()
                    .filter_map(|o| match &o.resource {
                        Resource::HelmValues(v) if !v.certificates.is_empty() => {
                            Some((v.path.clone(), &v.certificates))
                        }
                        _ => None,
                    })
                    .collect();
                let (last, certs) = values.last()?;
                from_helm = true;
                if values.len() > 1 {
                    let earlier: Vec<&str> =
                        values[..values.len() - 1].iter().map(|(l, _)| l.as_str()).collect();
                    assumptions.push(format!(
                        "trust roots: {last} overrides {} (the last values file given wins, as helm -f merges them)",
                        earlier.join(", ")
                    ));
                }
                Some((last.clone(), (*certs).clone()))
            });
        match static_set {
            Some((label, certs)) => {
                let mut roots = self.static_roots(cas, &certs, issuer, &label, assumptions)?;
                roots.helm = from_helm;
                let v = self.options.linkerd;
                roots.helm_rollout = v.rolls_control_plane_on_trust_roots();
                if from_helm && !roots.helm_rollout {
                    assumptions.push(format!(
                        "Linkerd {v}: its charts have no linkerd.io/trust-root-sha256 annotation (added in stable-2.12.0): a helm upgrade of identityTrustAnchorsPEM restarts nothing"
                    ));
                }
                Ok((roots, false, name))
            }
            None => {
                assumptions.push(
                    "trust roots: not among the inputs (no Bundle, no linkerd-identity-trust-roots ConfigMap, no identityTrustAnchorsPEM, no --trust-roots): assumed to hold today's anchor, static (they change only when an operation changes them)".into(),
                );
                roots.kind = RootsKind::Static;
                Ok((roots, false, name))
            }
        }
    }

    /// Static roots holding `certs` (from `label`).
    pub(super) fn static_roots(
        &self,
        cas: &mut [Found],
        certs: &[Certificate],
        issuer: Option<&Certificate>,
        label: &str,
        assumptions: &mut Vec<String>,
    ) -> Result<TrustRoots, PlanInputError> {
        let mut roots = TrustRoots {
            kind: RootsKind::Static,
            ..TrustRoots::default()
        };
        let Some(anchor) = cas.last_mut() else {
            return Ok(roots);
        };
        if anchor.cert.is_none() {
            let signed =
                |i: &Certificate, c: &Certificate| c.public_key().is_ok_and(|k| i.is_signed_by(&k));
            let by_name = issuer.and_then(|i| {
                certs
                    .iter()
                    .find(|c| c.subject() == i.issuer() && signed(i, c))
                    .or_else(|| certs.iter().find(|c| c.subject() == i.issuer()))
            });
            let only = (certs.len() == 1).then(|| &certs[0]);
            if let Some(c) = by_name.or(only) {
                anchor.cert = Some(c.clone());
                if !anchor.kind.is_managed() {
                    anchor.spec = like(c);
                }
                assumptions.push(format!(
                    "{}: its certificate is the trust roots' {} ({label})",
                    anchor.name,
                    c.subject()
                ));
                if anchor.secret.is_none() {
                    // Where the certificate came from names it in the timeline and causes.
                    anchor.name = format!("the trust anchor {} from {label}", c.subject());
                }
            }
        }
        let held = |f: &Found| f.cert.as_ref().filter(|c| certs.contains(c)).cloned();
        let (holds, cert) = match held(anchor) {
            Some(c) => (Held::Signer, Some(c)),
            None => {
                let above = cas.len().saturating_sub(1);
                match cas[..above].iter().rposition(|f| held(f).is_some()) {
                    Some(i) => (Held::Above(i), held(&cas[i])),
                    None => (Held::Nothing, None),
                }
            }
        };
        roots.holds = holds;
        roots.others = certs
            .iter()
            .filter(|c| Some(*c) != cert.as_ref())
            .cloned()
            .collect();
        assumptions.push(format!(
            "trust roots: {label}, static: {} certificate(s); they change only when an operation changes them",
            certs.len()
        ));
        Ok(roots)
    }

    fn issuer_not_given(&self, secret: &NamespacedName) -> PlanInputError {
        let c = self.certificates.iter().find(|c| c.secret == *secret);
        let issuer_ref = c
            .and_then(|c| {
                self.objects.objects.iter().find_map(|o| match &o.resource {
                    Resource::Certificate(co) if o.at == c.object => Some(&co.issuer_ref),
                    _ => None,
                })
            })
            .map_or_else(String::new, |r| format!("{}/{}", r.kind, r.name));
        // The commonest issuerRef mistake: kind Issuer (the default) naming a ClusterIssuer,
        // or an Issuer of another namespace.
        let hint = self.issuer_kind_hint(c.map(|c| &c.object));
        PlanInputError::CannotModel {
            what: format!(
                "Certificate/{}: its issuerRef {issuer_ref} is not among the inputs{hint}",
                c.map_or_else(|| secret.to_string(), |c| c.key())
            ),
            give: if hint.is_empty() {
                format!("give the {issuer_ref} manifest")
            } else {
                format!(
                    "set the issuerRef's kind to ClusterIssuer, or give the {issuer_ref} manifest in the Certificate's namespace"
                )
            },
        }
    }

    /// `", but a ClusterIssuer named NAME is: ..."` when a Certificate's `kind: Issuer`
    /// issuerRef names a ClusterIssuer among the inputs; else empty. (An Issuer of that name in
    /// another namespace is `IssuerResolution::OtherNamespace`, with its own message.)
    fn issuer_kind_hint(&self, certificate: Option<&super::objects::ObjectRef>) -> String {
        let Some(at) = certificate else {
            return String::new();
        };
        let Some(issuer_ref) = self.objects.objects.iter().find_map(|o| match &o.resource {
            Resource::Certificate(co) if o.at == *at => Some(&co.issuer_ref),
            _ => None,
        }) else {
            return String::new();
        };
        if issuer_ref.kind != "Issuer" || issuer_ref.group != "cert-manager.io" {
            return String::new();
        }
        let namespace = at.namespace.as_deref().unwrap_or_default();
        let cluster_issuer = self.objects.objects.iter().any(|o| {
            matches!(o.resource, Resource::ClusterIssuer(_)) && o.at.name == issuer_ref.name
        });
        if !cluster_issuer {
            return String::new();
        }
        format!(
            ", but a ClusterIssuer named {} is: an issuerRef of kind Issuer (the default) resolves only in the Certificate's own namespace ({namespace}); a ClusterIssuer needs kind: ClusterIssuer",
            issuer_ref.name
        )
    }

    /// What the objects hold, for a message saying this is not a Linkerd set-up.
    fn found_summary(&self) -> String {
        let mut found: Vec<String> = self
            .certificates
            .iter()
            .map(|c| {
                format!(
                    "Certificate/{} ({}{})",
                    c.key(),
                    if c.spec.is_ca() { "a CA, " } else { "" },
                    c.issuer
                )
            })
            .collect();
        if found.is_empty() {
            found = self
                .objects
                .objects
                .iter()
                .map(|o| format!("{}/{}", o.at.kind, o.at.key()))
                .collect();
        }
        found.truncate(10);
        if found.is_empty() {
            "nothing certcycle reads".into()
        } else {
            found.join(", ")
        }
    }

    fn location_of(&self, at: &super::objects::ObjectRef) -> super::Location {
        self.objects
            .objects
            .iter()
            .find(|o| o.at == *at)
            .map_or_else(super::Location::default, |o| o.location)
    }
}

/// The certificate of the last CA pushed (the one below an external signer).
fn cert_of(chain: &[Found]) -> Option<&Certificate> {
    chain.last().and_then(|f| f.cert.as_ref())
}

/// Whether `child` (if known) names `root` as its issuer.
fn cert_issuer_is(child: Option<&Certificate>, root: &Certificate) -> bool {
    child.is_none_or(|c| c.issuer() == root.subject())
}

/// An external signer's CA: opaque; its certificate where the inputs show it.
fn external(name: String, cert: Option<Certificate>) -> Found {
    Found {
        spec: cert
            .as_ref()
            .map_or_else(|| past_horizon("external.linkerd.cluster.local"), like),
        name,
        kind: CaKind::External,
        secret: None,
        cert,
        key: None,
    }
}

/// `tls.key` when it parses and pairs with `cert`.
fn pairing_key(secret: &SecretObject, cert: Option<&Certificate>) -> Option<PrivateKey> {
    let key = secret.private_key()?.ok()?;
    let cert = cert?;
    (cert.public_key().ok().as_ref() == Some(key.public_key())).then_some(key)
}

/// The chain's CAs, each real (its certificate and key given), a stand-in of its given
/// certificate (same subject common name and validity, signed by the CA above as it stands),
/// or issued at `start` (managed, or a static or external CA valid past the horizon); then
/// the identity issuer, real only under a real anchor.
pub(super) fn build_cas<R: rand_core::CryptoRngCore>(
    chain: &mut Chain,
    start: OffsetDateTime,
    rng: &mut R,
) -> Result<(Vec<Ca>, Ca, Ca), crate::Error> {
    let mut built: Vec<Ca> = Vec::new();
    let mut anchor_real = true;
    // A CA issued here signed what is below it: it is dated no later than the oldest
    // notBefore among the certificates below (a stand-in anchor valid from the start would be
    // younger than the identity issuer it signed).
    let oldest_below: Vec<OffsetDateTime> = (0..chain.cas.len())
        .map(|i| {
            chain.cas[i + 1..]
                .iter()
                .chain(std::iter::once(&chain.issuer))
                .filter_map(|f| f.cert.as_ref().map(Certificate::not_before))
                .fold(start, OffsetDateTime::min)
        })
        .collect();
    for (f, at) in chain.cas.iter_mut().zip(oldest_below) {
        // Below a stand-in, a CA's real signature would not verify: it is a stand-in too.
        if !anchor_real {
            f.key = None;
        }
        let (ca, real) = make(f, built.last(), at, rng)?;
        anchor_real = real;
        built.push(ca);
    }
    let anchor = built
        .pop()
        .ok_or(crate::Error::Sim(crate::plan::SimError::NoAnchor))?;
    if !anchor_real {
        // Signed by a stand-in: the identity issuer must be one too.
        chain.issuer.key = None;
    }
    let (issuer, _) = make(&mut chain.issuer, Some(&anchor), start, rng)?;
    Ok((built, anchor, issuer))
}

/// One CA: real, a stand-in of its certificate, or issued at `start` (the caller dates it no
/// later than what it signed); and whether it is real.
fn make<R: rand_core::CryptoRngCore>(
    f: &mut Found,
    parent: Option<&Ca>,
    start: OffsetDateTime,
    rng: &mut R,
) -> Result<(Ca, bool), crate::Error> {
    if let (Some(cert), Some(key)) = (&f.cert, &f.key) {
        return Ok((Ca::new(cert.clone(), key.clone_key())?, true));
    }
    let (spec, at) = match &f.cert {
        Some(cert) => (like(cert), cert.not_before()),
        None => (f.spec.clone().backdate(Duration::ZERO), start),
    };
    let spec = spec.backdate(Duration::ZERO);
    let key = PrivateKey::generate(rng);
    let ca = match parent {
        Some(p) => p.issue_ca(&spec, key, at, rng)?.ca,
        None => Ca::self_signed(&spec, key, at, rng)?,
    };
    Ok((ca, false))
}
