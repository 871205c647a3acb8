//! Which Secrets hold Linkerd's anchor and previous anchor: followed from the identity
//! issuer's CA issuer and the trust-roots Bundle's sources (unattended rotation's shape too).

use super::super::objects::{BundleSource, NamespacedName, Resource};
use super::{Cluster, IssuerResolution};
use crate::presets::linkerd;

/// Unattended rotation's two Secrets ([`Cluster::signs_through_previous`]): the anchor
/// Certificate's, and the previous-anchor copy the identity issuer's CA issuer signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnchorSecrets {
    /// The Secret the anchor Certificate writes.
    pub anchor: NamespacedName,
    /// The previous-anchor copy.
    pub previous: NamespacedName,
}

impl Cluster {
    /// The anchor Secret: the one the identity issuer's CA issuer signs with, else
    /// `cert-manager/linkerd-trust-anchor`.
    pub fn anchor_secret(&self) -> NamespacedName {
        if let Some(pair) = self.signs_through_previous() {
            return pair.anchor;
        }
        match self.identity_issuer().map(|c| &c.issuer) {
            Some(IssuerResolution::Ca { namespace, name }) => NamespacedName::new(namespace, name),
            _ => NamespacedName::new(
                &self.options.cluster_resource_namespace,
                linkerd::TRUST_ANCHOR_SECRET,
            ),
        }
    }

    /// Unattended rotation's shape (DESIGN §17, `plan --rotation auto`'s manifests): the
    /// identity issuer's CA issuer is on a Secret nothing manages that is a source of the
    /// trust-roots Bundle, whose other Secret source a CA Certificate manages (self-signed,
    /// under a root, or under an external signer); and
    /// that Secret, when given, holds a certificate of the anchor's common name (a copy of an
    /// anchor, not some other CA). That Secret is the previous-anchor copy, and the
    /// Certificate's the anchor.
    pub fn signs_through_previous(&self) -> Option<AnchorSecrets> {
        let Some(IssuerResolution::Ca { namespace, name }) =
            self.identity_issuer().map(|c| &c.issuer)
        else {
            return None;
        };
        if self
            .certificates
            .iter()
            .any(|c| c.secret.namespace == *namespace && c.secret.name == *name)
        {
            return None;
        }
        let ns = &self.options.trust_namespace;
        if namespace != ns {
            return None;
        }
        let sources: Vec<&String> =
            self.objects
                .objects
                .iter()
                .find_map(|o| match &o.resource {
                    Resource::Bundle(b) if o.at.name == linkerd::TRUST_ROOTS_CONFIGMAP => Some(
                        b.sources
                            .iter()
                            .filter_map(|s| match s {
                                BundleSource::Secret { name, .. } => Some(name),
                                _ => None,
                            })
                            .collect(),
                    ),
                    _ => None,
                })?;
        if !sources.contains(&name) {
            return None;
        }
        let anchor = self.certificates.iter().find(|c| {
            c.secret.namespace == *ns
                && c.secret.name != *name
                && sources.contains(&&c.secret.name)
                && c.spec.is_ca()
        })?;
        let copy_of_anchor = match self
            .secret(namespace, name)
            .and_then(|s| s.certs(linkerd::TLS_CRT).first())
        {
            None => true,
            Some(cert) => anchor
                .spec
                .get_common_name()
                .is_some_and(|cn| cert.common_names().iter().any(|c| c == cn)),
        };
        if !copy_of_anchor {
            return None;
        }
        Some(AnchorSecrets {
            anchor: NamespacedName::new(ns, &anchor.secret.name),
            previous: NamespacedName::new(ns, name),
        })
    }

    /// The previous-anchor Secret: the trust-roots Bundle's other Secret source, else
    /// `cert-manager/linkerd-previous-anchor`.
    pub fn previous_anchor_secret(&self) -> NamespacedName {
        if let Some(pair) = self.signs_through_previous() {
            return pair.previous;
        }
        let anchor = self.anchor_secret().name;
        let ns = self.options.trust_namespace.clone();
        let from_bundle = self.objects.objects.iter().find_map(|o| match &o.resource {
            Resource::Bundle(b) if o.at.name == linkerd::TRUST_ROOTS_CONFIGMAP => {
                b.sources.iter().find_map(|s| match s {
                    BundleSource::Secret { name, .. } if *name != anchor => Some(name.clone()),
                    _ => None,
                })
            }
            _ => None,
        });
        NamespacedName::new(
            ns,
            from_bundle.unwrap_or_else(|| linkerd::PREVIOUS_ANCHOR_SECRET.into()),
        )
    }
}
