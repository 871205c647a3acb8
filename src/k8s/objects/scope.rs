//! Namespaces: manifests without `metadata.namespace` (Kustomize, Argo CD and Flux set it at
//! apply time) are placed only where the caller says, as `kubectl apply -n NS` does.

use super::{Objects, Resource};

impl Resource {
    /// Whether objects of this kind live in a namespace (Certificate, Issuer, Secret,
    /// ConfigMap); ClusterIssuers, Bundles and Helm values do not.
    pub fn is_namespaced(&self) -> bool {
        matches!(
            self,
            Self::Certificate(_) | Self::Issuer(_) | Self::Secret(_) | Self::ConfigMap(_)
        )
    }
}

impl Objects {
    /// The namespaced objects that name no namespace, as `Kind/name (file:line:col)`: the
    /// first ten, then `and N more` (a message stays short whatever the input).
    pub fn without_namespace(&self) -> Vec<String> {
        let mut missing = self
            .objects
            .iter()
            .filter(|o| o.resource.is_namespaced() && o.at.namespace.is_none());
        let mut out: Vec<String> = missing
            .by_ref()
            .take(10)
            .map(|o| format!("{}/{} ({}:{})", o.at.kind, o.at.name, o.at.file, o.location))
            .collect();
        let more = missing.count();
        if more > 0 {
            out.push(format!("and {more} more"));
        }
        out
    }

    /// Places every namespaced object without a namespace in `namespace`, as
    /// `kubectl apply -n NS` does (objects that name one keep it).
    pub fn set_default_namespace(&mut self, namespace: &str) {
        for o in &mut self.objects {
            if o.resource.is_namespaced() && o.at.namespace.is_none() {
                o.at.namespace = Some(namespace.to_owned());
            }
        }
    }
}
