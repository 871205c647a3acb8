//! How cert-manager resolves an issuerRef: an `Issuer` only in the referring object's
//! namespace, a `ClusterIssuer`'s `ca.secretName` in the cluster resource namespace.

use super::{Cluster, IssuerResolution};
use crate::k8s::objects::{CertificateObject, IssuerKind, IssuerRef, Resource};

impl Cluster {
    pub(super) fn resolve_issuer(
        &self,
        namespace: &str,
        c: &CertificateObject,
    ) -> IssuerResolution {
        self.resolve_ref(namespace, &c.issuer_ref)
    }

    /// What an issuerRef from `namespace` resolves to, as cert-manager resolves it.
    pub(in crate::k8s) fn resolve_ref(&self, namespace: &str, r: &IssuerRef) -> IssuerResolution {
        if r.group != "cert-manager.io" {
            return IssuerResolution::Other(format!("{} ({})", r.kind, r.group));
        }
        let cluster_scoped = match r.kind.as_str() {
            "ClusterIssuer" => true,
            "Issuer" => false,
            other => return IssuerResolution::UnknownKind(other.to_owned()),
        };
        let found = self.objects.objects.iter().find(|o| match &o.resource {
            Resource::ClusterIssuer(_) if cluster_scoped => o.at.name == r.name,
            Resource::Issuer(_) if !cluster_scoped => {
                o.at.name == r.name && o.at.namespace.as_deref().unwrap_or("default") == namespace
            }
            _ => false,
        });
        let Some(found) = found else {
            if !cluster_scoped
                && let Some(elsewhere) = self
                    .objects
                    .objects
                    .iter()
                    .find(|o| matches!(o.resource, Resource::Issuer(_)) && o.at.name == r.name)
            {
                return IssuerResolution::OtherNamespace {
                    issuer: r.name.clone(),
                    issuer_namespace: elsewhere
                        .at
                        .namespace
                        .clone()
                        .unwrap_or_else(|| "default".into()),
                    namespace: namespace.to_owned(),
                };
            }
            return IssuerResolution::NotInInput;
        };
        let (Resource::Issuer(i) | Resource::ClusterIssuer(i)) = &found.resource else {
            return IssuerResolution::NotInInput;
        };
        match &i.kind {
            IssuerKind::SelfSigned => IssuerResolution::SelfSigned,
            IssuerKind::Ca { secret_name } => IssuerResolution::Ca {
                namespace: if cluster_scoped {
                    self.options.cluster_resource_namespace.clone()
                } else {
                    namespace.to_owned()
                },
                name: secret_name.clone(),
            },
            IssuerKind::Other(o) => IssuerResolution::Other(o.clone()),
        }
    }
}
