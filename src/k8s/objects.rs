//! The kinds certcycle reads, as small typed values (no k8s-openapi): only the fields used.

pub use super::names::NamespacedName;
use super::names::{NameError, NameRule, check_name};
use super::node::{self, MAX_INPUT_BYTES, Node, Value};
use super::{FieldError, K8sError, Location};
use crate::cert::Certificate;
use crate::duration::GoDuration;
use crate::spec::{CertSpec, RotationPolicy};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use time::Duration;

mod certificate;
mod issuer;
use issuer::{bundle, cluster_bundle, issuer};
mod files;
mod helm;
pub(crate) mod istio_csr;
mod kustomize;
mod operations;
mod scope;
use certificate::certificate;
mod secret;
pub(crate) mod values;
pub use files::{STANDS_FOR_FILE, write_out_dir, write_out_dir_at};
use files::{read_bounded, read_limited};
pub use helm::{HelmValues, MAX_VALUES_FROM, TRUST_ANCHORS_VALUE, ValuesFrom};
pub use istio_csr::{IstioCsrValues, MountedObject};
pub use kustomize::{Kustomization, MAX_KUSTOMIZATIONS, MAX_RESOURCES};
pub use operations::{
    MAX_OPERATIONS, MIN_RESTART_EVERY, OPERATIONS_API_VERSION, operations_yaml, read_operations,
};
pub use secret::SecretObject;
pub(crate) use secret::{LINKERD_TLS, secret_of_type};
pub use values::{LinkerdValues, ValueText};

/// Which object, in which file: `Secret/cert-manager/linkerd-trust-anchor`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct ObjectRef {
    /// The file (or directory) it was read from.
    pub file: String,
    /// The document, 1-based, counting the items of `List`s one by one.
    pub document: usize,
    /// The object's `kind`.
    pub kind: String,
    /// `metadata.namespace`, if any (Bundles and ClusterIssuers are cluster-scoped).
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// Object `kind` `namespace/name` of document `document` (1-based) of `file` (to build the
    /// expected value of an `assert_eq!`).
    ///
    /// ```
    /// use certcycle::k8s::ObjectRef;
    /// let r = ObjectRef::new("seed.yaml", 2, "Secret", Some("linkerd"), "linkerd-identity-issuer");
    /// assert_eq!(r.key(), "linkerd/linkerd-identity-issuer");
    /// ```
    pub fn new(
        file: &str,
        document: usize,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Self {
        Self {
            file: file.to_owned(),
            document,
            kind: kind.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// `namespace/name`, or `name` for a cluster-scoped object.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names of the kinds certcycle reads were checked when read; any other (an ignored
        // kind's, a file's) is shown with control and bidi characters made visible.
        write!(
            f,
            "document {} ({}/{})",
            self.document,
            crate::display::visible(&self.kind),
            crate::display::visible(&self.key())
        )
    }
}

/// A refused name as an error shows it: at most 64 characters, control and bidi characters
/// made visible.
fn shown_name(name: &str) -> String {
    let mut shown: String = name.chars().take(64).collect();
    if shown.len() < name.len() {
        shown.push_str("...");
    }
    crate::display::visible(&shown).into_owned()
}

/// A cert-manager `issuerRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuerRef {
    /// `issuerRef.name`.
    pub name: String,
    /// `issuerRef.kind`: `Issuer` (the default) or `ClusterIssuer`.
    pub kind: String,
    /// `issuerRef.group`: `cert-manager.io` by default.
    pub group: String,
    /// Which of `kind` and `group` the manifest left out (defaulted): cert-manager 1.19.0
    /// alone re-issued such Certificates on upgrade (#8158, reverted in 1.19.1).
    pub omitted: Vec<&'static str>,
}

/// A cert-manager `Certificate`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateObject {
    /// `spec.secretName`: where cert-manager writes the certificate (same namespace).
    pub secret_name: String,
    /// `spec.issuerRef`.
    pub issuer_ref: IssuerRef,
    /// What cert-manager issues: names, lifetime, renewal, CA-ness. Its rotation policy is the
    /// explicit one, else the default [`ResolveOptions`](super::ResolveOptions) assumes.
    pub spec: CertSpec,
    /// `spec.privateKey.rotationPolicy` as written (`None`: not set, a default applies).
    pub rotation_policy: Option<RotationPolicy>,
    /// `spec.privateKey.algorithm` as written (cert-manager's default is `RSA`).
    pub algorithm: Option<String>,
    /// `spec.privateKey.size` as written.
    pub key_size: Option<i64>,
    /// A CA named by `dnsNames` only: cert-manager issues it with an empty subject, which RFC
    /// 5280 §4.1.2.6 forbids for a CA; the spec takes its first dnsName as the common name.
    pub common_name_from_dns: bool,
    /// Where `spec.renewBefore` (or `spec.duration`) stands, for messages.
    pub renewal_at: Location,
}

/// What an `Issuer` or `ClusterIssuer` does (the kinds certcycle follows).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IssuerKind {
    /// `spec.selfSigned`: each certificate signs itself (a fresh anchor at every re-key).
    SelfSigned,
    /// `spec.ca.secretName`: signs with whatever that Secret holds at the moment of issuance.
    Ca {
        /// The Secret (an Issuer's namespace; a ClusterIssuer's cluster resource namespace).
        secret_name: String,
    },
    /// Another issuer type (`acme`, `vault`, ...), named: certcycle does not follow it.
    Other(String),
}

/// An `Issuer` or `ClusterIssuer`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuerObject {
    /// What it does.
    pub kind: IssuerKind,
}

/// One source of a trust-manager `Bundle`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleSource {
    /// `secret: {name, key}` in the trust namespace.
    Secret {
        /// The Secret's name.
        name: String,
        /// The data key.
        key: String,
    },
    /// `configMap: {name, key}` in the trust namespace.
    ConfigMap {
        /// The ConfigMap's name.
        name: String,
        /// The data key.
        key: String,
    },
    /// `inLine`: PEM text in the Bundle itself, read with the Bundle.
    InLine(Vec<Certificate>),
    /// `useDefaultCAs: true` (a ClusterBundle's `defaultCAs.provider`): trust-manager's public
    /// CA set (not modelled: named only).
    DefaultCas,
    /// A ClusterBundle `sourceRefs` entry that selects its objects by label (`selector`): not
    /// modelled (the objects' labels are not read), named only.
    Selector {
        /// `Secret` or `ConfigMap`.
        kind: String,
    },
}

/// A trust-manager `Bundle` (cluster-scoped; its name is the target ConfigMap's).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BundleObject {
    /// `spec.sources`, in order.
    pub sources: Vec<BundleSource>,
    /// `spec.target.configMap.key` (a ClusterBundle: its first PEM `target.configMap.data`
    /// key).
    pub target_key: Option<String>,
    /// `spec.target.namespaceSelector.matchLabels`.
    pub namespace_selector: BTreeMap<String, String>,
    /// Whether the target writes a ConfigMap (`spec.target.configMap`): newer Bundles may
    /// have no target, or a Secret target only, and then write no ConfigMap Linkerd reads.
    pub config_map_target: bool,
    /// `spec.target.secret.key`: the Secret target's key, if any.
    pub secret_target_key: Option<String>,
    /// `spec.target.additionalFormats.pkcs12` (trust-manager writes it to the target's
    /// `binaryData`): its key and `profile` (`LegacyRC2`, the default, `LegacyDES` or
    /// `Modern2023`, as the CRD's enum allows).
    pub pkcs12: Option<(String, String)>,
}

/// Private key text from a Secret: zeroized on drop, never printed.
/// A `ConfigMap`: its text data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigMapObject {
    /// `data`, by key, and the `binaryData` values that are UTF-8 text under keys `data`
    /// lacks (trust-manager reads a source key from `data`, else from `binaryData`:
    /// `pkg/bundle/internal/source/source.go`).
    pub data: BTreeMap<String, String>,
    /// `binaryData` keys whose values are not text (a PKCS#12 or JKS trust store that
    /// trust-manager wrote): named, not read as PEM.
    pub binary_keys: Vec<String>,
}

/// A kind certcycle reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource {
    /// cert-manager `Certificate`.
    Certificate(CertificateObject),
    /// cert-manager `Issuer` (namespaced).
    Issuer(IssuerObject),
    /// cert-manager `ClusterIssuer`.
    ClusterIssuer(IssuerObject),
    /// trust-manager `Bundle`.
    Bundle(BundleObject),
    /// `Secret`.
    Secret(SecretObject),
    /// `ConfigMap`.
    ConfigMap(ConfigMapObject),
    /// Linkerd's Helm values (a values file, a Flux `HelmRelease`, an Argo CD
    /// `Application`, Buoyant's `ControlPlane`): their trust anchors are static trust roots,
    /// their identity issuer the Secret the chart renders.
    HelmValues(HelmValues),
    /// istio-csr's Helm values (a values file): who signs Istio's workloads and where its
    /// root file comes from (DESIGN §19).
    IstioCsrValues(IstioCsrValues),
}

/// One object read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Object {
    /// Which object.
    pub at: ObjectRef,
    /// Where its document starts.
    pub location: Location,
    /// `apiVersion`.
    pub api_version: String,
    /// What it is.
    pub resource: Resource,
    /// For an object no input holds but one renders (the `linkerd-identity-issuer` Secret
    /// Linkerd's chart renders from `identity.issuer.tls.crtPEM`): where it comes from.
    pub rendered_from: Option<String>,
}

/// Every object of some inputs, and the ones of other kinds (listed, never an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Objects {
    /// The objects of the kinds certcycle reads, in input order.
    pub objects: Vec<Object>,
    /// Objects of other kinds (ServiceAccount, Role, ...), in input order.
    pub ignored: Vec<ObjectRef>,
    /// Objects of groups certcycle recognizes but does not model (cert-manager before 0.11's
    /// `certmanager.k8s.io`), with why: named, never dropped in silence.
    pub unsupported: Vec<(ObjectRef, &'static str)>,
    /// The Kustomizations among the inputs (their `namespace:` places the resources they
    /// list; never an input error).
    pub kustomizations: Vec<Kustomization>,
    /// Where [`Objects::kustomizations`] place things (path to namespace), built when they
    /// change.
    placement: BTreeMap<String, String>,
    /// Objects given more than once (the same kind, API group, namespace and name): as
    /// `kubectl apply` does, the last one given is kept in [`Objects::objects`], here with the
    /// one it replaced.
    pub duplicates: Vec<Duplicate>,
    /// The time a `rotate --out` or `autorotate --out` directory stands for, where it says
    /// ([`STANDS_FOR_FILE`]): `check` reads the directory at that time unless `--at` is given.
    pub stands_for: Option<time::OffsetDateTime>,
}

/// An object given twice: `kept` (the later) replaced `dropped`, as `kubectl apply` would.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Duplicate {
    /// The object kept (given later).
    pub kept: ObjectRef,
    /// Where the kept object's document starts.
    pub kept_at: Location,
    /// The object it replaced.
    pub dropped: ObjectRef,
    /// Where the replaced object's document starts.
    pub dropped_at: Location,
}

impl Objects {
    /// Reads one file's text: YAML (one or many documents) or JSON (one object or a `List`).
    /// `file` names it in errors.
    ///
    /// # Errors
    /// The first [`K8sError`]: syntax (with line:column), a document that is no object, or a
    /// field of a known kind that cannot be read (object, field path, line:column).
    pub fn read(file: &str, text: &str) -> Result<Self, K8sError> {
        let mut out = Self::default();
        out.add(file, text)?;
        Ok(out)
    }

    /// Reads another file's text into these objects.
    ///
    /// # Errors
    /// As [`Objects::read`]; on error nothing of this file is added.
    pub fn add(&mut self, file: &str, text: &str) -> Result<(), K8sError> {
        let mut docs = Vec::new();
        for d in node::read_documents(file, text)? {
            node::flatten_lists(file, d, &mut docs, 0)?;
        }
        let mut objects = Vec::new();
        let mut ignored = Vec::new();
        let mut unsupported = Vec::new();
        let mut kustomizations = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            match object(file, i + 1, doc)? {
                Read::Known(o) => objects.push(*o),
                Read::Ignored(r) => ignored.push(r),
                Read::Unsupported(r, why) => unsupported.push((r, why)),
                Read::Kustomization(k, mut generated) => {
                    if self.kustomizations.len() + kustomizations.len()
                        < kustomize::MAX_KUSTOMIZATIONS
                    {
                        kustomizations.push(k);
                        unsupported.append(&mut generated);
                    } else {
                        unsupported.push((k.at, kustomize::TOO_MANY));
                    }
                }
            }
        }
        self.unsupported.append(&mut unsupported);
        // New Kustomizations place every object read so far; otherwise only this file's
        // objects need placing (one pass per file, not per file times objects).
        let first_new = if kustomizations.is_empty() {
            self.objects.len()
        } else {
            0
        };
        self.objects.append(&mut objects);
        self.ignored.append(&mut ignored);
        if !kustomizations.is_empty() {
            self.kustomizations.append(&mut kustomizations);
            self.placement = kustomize::placement(&self.kustomizations);
        }
        kustomize::place(&self.placement, &mut self.objects[first_new..]);
        self.apply_duplicates();
        Ok(())
    }

    /// Reads at most [`MAX_INPUT_BYTES`] from `reader` (standard input, a pipe) and adds it as
    /// [`Objects::add`] does; `file` names it in errors.
    ///
    /// # Errors
    /// [`K8sError::TooLarge`] past the limit (read no further than one byte over it),
    /// [`K8sError::Io`] (not UTF-8 text, a read error), and as [`Objects::add`].
    pub fn add_reader(&mut self, file: &str, reader: impl std::io::Read) -> Result<(), K8sError> {
        let text = read_limited(file, reader, MAX_INPUT_BYTES)?;
        self.add(file, &text)
    }

    /// `kubectl apply`'s rule for an object given twice: the last one wins. Each one replaced
    /// is recorded in [`Objects::duplicates`] (and [`Cluster::lints`](super::Cluster::lints)
    /// names both places).
    fn apply_duplicates(&mut self) {
        let identity = |o: &Object| {
            let group = match o.api_version.split_once('/') {
                Some((g, _)) => g.to_owned(),
                None => String::new(),
            };
            (
                o.at.kind.clone(),
                group,
                o.at.namespace.clone(),
                o.at.name.clone(),
            )
        };
        let mut last = std::collections::HashMap::new();
        for (i, o) in self.objects.iter().enumerate() {
            last.insert(identity(o), i);
        }
        if last.len() == self.objects.len() {
            return;
        }
        let winners: Vec<Option<usize>> = self
            .objects
            .iter()
            .enumerate()
            .map(|(i, o)| last.get(&identity(o)).copied().filter(|&j| j != i))
            .collect();
        for (o, winner) in self.objects.iter().zip(&winners) {
            if let Some(&j) = winner.as_ref() {
                self.duplicates.push(Duplicate {
                    kept: self.objects[j].at.clone(),
                    kept_at: self.objects[j].location,
                    dropped: o.at.clone(),
                    dropped_at: o.location,
                });
            }
        }
        let mut winners = winners.into_iter();
        self.objects
            .retain(|_| winners.next().is_some_and(|w| w.is_none()));
    }

    /// Reads a file, or a `rotate --out` directory (`DIR/<namespace>/<name>/<key>` files are
    /// the data of Secret `namespace/name`; a directory holding `ca-bundle.crt` only is a
    /// ConfigMap). Text files inside a directory are read as YAML/JSON otherwise.
    ///
    /// # Errors
    /// As [`Objects::read`], and [`K8sError::Io`].
    pub fn read_path(path: &Path) -> Result<Self, K8sError> {
        let mut out = Self::default();
        out.add_path(path)?;
        Ok(out)
    }

    /// Adds a file or `rotate --out` directory, as [`Objects::read_path`].
    ///
    /// # Errors
    /// As [`Objects::read_path`].
    pub fn add_path(&mut self, path: &Path) -> Result<(), K8sError> {
        let label = path.display().to_string();
        if !path.is_dir() {
            return self.add(&label, &read_bounded(path, &mut { MAX_INPUT_BYTES })?);
        }
        files::read_out_dir(self, path)?;
        self.apply_duplicates();
        Ok(())
    }
}

enum Read {
    Known(Box<Object>),
    Ignored(ObjectRef),
    Unsupported(ObjectRef, &'static str),
    Kustomization(Kustomization, Vec<(ObjectRef, &'static str)>),
}

/// Field access naming the object and the path.
pub(super) struct Ctx<'a> {
    obj: &'a ObjectRef,
}

impl Ctx<'_> {
    fn err(&self, path: &str, at: Location, error: FieldError) -> K8sError {
        K8sError::Field {
            object: Box::new(self.obj.clone()),
            path: path.to_owned(),
            at,
            error,
        }
    }

    fn wrong(&self, path: &str, n: &Node, expected: &'static str) -> K8sError {
        self.err(
            path,
            n.at,
            FieldError::WrongType {
                expected,
                found: n.type_name(),
            },
        )
    }

    /// An optional field of one type: absent and null are `None`; `pick` takes the value
    /// out, and anything it refuses is a [`FieldError::WrongType`] naming `expected`.
    fn opt<'n, T>(
        &self,
        parent: &'n Node,
        key: &str,
        path: &str,
        expected: &'static str,
        pick: impl FnOnce(&'n Node) -> Option<T>,
    ) -> Result<Option<T>, K8sError> {
        match parent.get(key) {
            None => Ok(None),
            Some(n) if n.is_null() => Ok(None),
            Some(n) => pick(n)
                .map(Some)
                .ok_or_else(|| self.wrong(path, n, expected)),
        }
    }

    fn opt_str(&self, parent: &Node, key: &str, path: &str) -> Result<Option<String>, K8sError> {
        self.opt(parent, key, path, "a string", |n| {
            n.as_str().map(str::to_owned)
        })
    }

    fn req_str(&self, parent: &Node, key: &str, path: &str) -> Result<String, K8sError> {
        self.opt_str(parent, key, path)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.err(path, parent.at, FieldError::Missing))
    }

    /// A text field that reaches reports and certificates (`commonName`, `dnsNames`): no
    /// control or bidi character, which could forge a report line or reorder one.
    fn printable(&self, node: &Node, path: &str, text: &str) -> Result<(), K8sError> {
        if text.chars().any(crate::display::is_invisible) {
            let mut shown: String = text.chars().take(64).collect();
            if shown.len() < text.len() {
                shown.push_str("...");
            }
            return Err(self.err(
                path,
                node.at,
                FieldError::Invisible(crate::display::visible(&shown).into_owned()),
            ));
        }
        Ok(())
    }

    /// A text field of at most `max` bytes.
    fn at_most(&self, node: &Node, path: &str, text: &str, max: usize) -> Result<(), K8sError> {
        if text.len() > max {
            return Err(self.err(
                path,
                node.at,
                FieldError::TooLong {
                    len: text.len(),
                    max,
                },
            ));
        }
        Ok(())
    }

    /// A required string naming another object: an RFC 1123 subdomain (names.rs).
    fn req_name(&self, parent: &Node, key: &str, path: &str) -> Result<String, K8sError> {
        let name = self.req_str(parent, key, path)?;
        check_name(&name, NameRule::Subdomain).map_err(|e| {
            let at = parent.get(key).map_or(parent.at, |n| n.at);
            self.err(path, at, FieldError::Name(e))
        })?;
        Ok(name)
    }

    fn opt_bool(&self, parent: &Node, key: &str, path: &str) -> Result<Option<bool>, K8sError> {
        self.opt(parent, key, path, "a boolean", |n| match n.value {
            Value::Bool(b) => Some(b),
            _ => None,
        })
    }

    fn opt_int(&self, parent: &Node, key: &str, path: &str) -> Result<Option<i128>, K8sError> {
        self.opt(parent, key, path, "an integer", |n| match n.value {
            Value::Int(i) => Some(i),
            _ => None,
        })
    }

    fn opt_map<'n>(
        &self,
        parent: &'n Node,
        key: &str,
        path: &str,
    ) -> Result<Option<&'n Node>, K8sError> {
        self.opt(parent, key, path, "a mapping", |n| {
            matches!(n.value, Value::Map(_)).then_some(n)
        })
    }

    fn opt_seq<'n>(&self, parent: &'n Node, key: &str, path: &str) -> Result<&'n [Node], K8sError> {
        let items = self.opt(parent, key, path, "a sequence", |n| match &n.value {
            Value::Seq(items) => Some(items.as_slice()),
            _ => None,
        })?;
        Ok(items.unwrap_or_default())
    }

    fn string_map(
        &self,
        parent: &Node,
        key: &str,
        path: &str,
    ) -> Result<Vec<(String, String, Location)>, K8sError> {
        let Some(m) = self.opt_map(parent, key, path)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        if let Value::Map(entries) = &m.value {
            for (k, v) in entries {
                let p = format!("{path}[{k:?}]");
                match &v.value {
                    Value::Str(s) => out.push((k.clone(), s.clone(), v.at)),
                    Value::Null => out.push((k.clone(), String::new(), v.at)),
                    _ => return Err(self.wrong(&p, v, "a string")),
                }
            }
        }
        Ok(out)
    }

    fn duration(&self, parent: &Node, key: &str, path: &str) -> Result<Option<Duration>, K8sError> {
        let Some(text) = self.opt_str(parent, key, path)? else {
            return Ok(None);
        };
        let at = parent.get(key).map_or(parent.at, |n| n.at);
        text.parse::<GoDuration>()
            .map(|d| Some(d.0))
            .map_err(|e| self.err(path, at, FieldError::Duration(e)))
    }
}

const CERT_MANAGER_GROUP: &str = "cert-manager.io";

fn object(file: &str, document: usize, doc: &Node) -> Result<Read, K8sError> {
    let not_object = |what| K8sError::NotAnObject {
        file: file.to_owned(),
        document,
        at: doc.at,
        what,
    };
    if !matches!(doc.value, Value::Map(_)) {
        return Err(not_object("a document must be a mapping"));
    }
    if istio_csr::is_values_document(doc) {
        let mut at = helm::values_ref(file, document);
        "IstioCsrValues".clone_into(&mut at.kind);
        let values = istio_csr::read(&at, doc, file)?;
        return Ok(Read::Known(Box::new(Object {
            location: doc.at,
            api_version: String::new(),
            resource: Resource::IstioCsrValues(values),
            at,
            rendered_from: None,
        })));
    }
    if helm::is_values_document(doc) {
        let at = helm::values_ref(file, document);
        let values = helm::values_document(&Ctx { obj: &at }, doc, file)?;
        return Ok(Read::Known(Box::new(Object {
            location: doc.at,
            api_version: String::new(),
            resource: Resource::HelmValues(values),
            at,
            rendered_from: None,
        })));
    }
    let api_version = doc
        .get("apiVersion")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned();
    let group = api_version.split('/').next().unwrap_or_default();
    let kind = doc.get("kind").and_then(Node::as_str);
    if kustomize::is_kustomization(file, kind, group) {
        let (k, generated) = kustomize::read(file, document, doc)?;
        return Ok(Read::Kustomization(k, generated));
    }
    let kind = kind.ok_or_else(|| not_object("no kind"))?.to_owned();
    let meta = doc
        .get("metadata")
        .ok_or_else(|| not_object("no metadata"))?;
    let name = meta
        .get("name")
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| not_object("no metadata.name"))?
        .to_owned();
    let namespace = meta
        .get("namespace")
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let core = !api_version.contains('/');
    // Names as the API server would take them (names.rs): every namespace, and the names of
    // the kinds certcycle reads, before any of them reaches a report, a shell line or a
    // manifest.
    let reads = matches!(
        (kind.as_str(), group),
        ("HelmRelease", "helm.toolkit.fluxcd.io")
            | ("Application", "argoproj.io")
            | ("ControlPlane", "linkerd.buoyant.io")
            | (
                "Certificate" | "Issuer" | "ClusterIssuer",
                CERT_MANAGER_GROUP
            )
            | ("Bundle", "trust.cert-manager.io")
            | ("ClusterBundle", "trust-manager.io")
    ) || (core && matches!(kind.as_str(), "Secret" | "ConfigMap"));
    let bad_name = |field: &'static str, node: Option<&Node>, error: NameError| K8sError::Field {
        object: Box::new(ObjectRef {
            file: file.to_owned(),
            document,
            kind: crate::display::visible(&kind).into_owned(),
            namespace: None,
            name: shown_name(&name),
        }),
        path: field.to_owned(),
        at: node.map_or(doc.at, |n| n.at),
        error: FieldError::Name(error),
    };
    if let Some(ns) = &namespace {
        check_name(ns, NameRule::Label)
            .map_err(|e| bad_name("metadata.namespace", meta.get("namespace"), e))?;
    }
    if reads {
        check_name(&name, NameRule::Subdomain)
            .map_err(|e| bad_name("metadata.name", meta.get("name"), e))?;
    }
    let at = ObjectRef {
        file: file.to_owned(),
        document,
        kind: kind.clone(),
        namespace,
        name,
    };
    let c = Ctx { obj: &at };
    if let Some(why) = helm::unsupported(&kind, group) {
        return Ok(Read::Unsupported(at, why));
    }
    let resource = match (kind.as_str(), group) {
        ("HelmRelease", "helm.toolkit.fluxcd.io") | ("Application", "argoproj.io")
            if let Some(values) = istio_csr::embedded(&at, doc)? =>
        {
            Resource::IstioCsrValues(values)
        }
        ("HelmRelease", "helm.toolkit.fluxcd.io") => match helm::helm_release(&c, doc)? {
            Some(v) => Resource::HelmValues(v),
            None => return Ok(Read::Ignored(at)),
        },
        ("Application", "argoproj.io") => match helm::application(&c, doc)? {
            Some(v) => Resource::HelmValues(v),
            None => return Ok(Read::Ignored(at)),
        },
        ("ControlPlane", "linkerd.buoyant.io") => match helm::control_plane(&c, doc)? {
            Some(v) => Resource::HelmValues(v),
            None => return Ok(Read::Ignored(at)),
        },
        ("Certificate", CERT_MANAGER_GROUP) => Resource::Certificate(certificate(&c, doc)?),
        ("Issuer", CERT_MANAGER_GROUP) => Resource::Issuer(issuer(&c, doc)?),
        ("ClusterIssuer", CERT_MANAGER_GROUP) => Resource::ClusterIssuer(issuer(&c, doc)?),
        ("Bundle", "trust.cert-manager.io") => Resource::Bundle(bundle(&c, doc)?),
        ("ClusterBundle", "trust-manager.io") => Resource::Bundle(cluster_bundle(&c, doc)?),
        ("Secret", _) if core => Resource::Secret(secret::secret(&c, doc)?),
        ("ConfigMap", _) if core => Resource::ConfigMap(secret::config_map(&c, doc)?),
        _ => return Ok(Read::Ignored(at)),
    };
    Ok(Read::Known(Box::new(Object {
        location: doc.at,
        api_version,
        resource,
        at,
        rendered_from: None,
    })))
}
