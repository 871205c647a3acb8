//! Cluster objects in (feature `k8s`): what cert-manager, trust-manager and Linkerd keep in a
//! cluster, read into certcycle's own values.
//!
//! An adapter, not a client: it reads the YAML or JSON that `kubectl get -o yaml|json` prints
//! (one or many documents, `kind: List`s, managedFields and all) or that people apply by hand,
//! and a `rotate --out` directory. From cert-manager `Certificate`, `Issuer` and
//! `ClusterIssuer`, trust-manager `Bundle`, and the `Secret`s and `ConfigMap` they write, it
//! builds [`Cluster`]: each Certificate as a [`CertSpec`](crate::CertSpec) with its resolved issuer, each
//! Secret's certificates, each Bundle's sources resolved as trust-manager does, and the
//! ConfigMap as a [`TrustBundle`](crate::TrustBundle). [`Cluster::lints`] names what cert-manager, trust-manager or
//! Linkerd will do wrong with these objects; [`Cluster::linkerd`] finds the anchor, previous
//! anchor, bundle and issuer so that [`rotation::Phase`](crate::rotation::Phase) can say
//! which rotation step the cluster is in.
//!
//! ```
//! use certcycle::k8s::{Cluster, Objects, ResolveOptions};
//!
//! let yaml = include_str!("../examples/data/seed.yaml"); // the seed document's manifests
//! let objects = Objects::read("seed.yaml", yaml)?;
//! let cluster = Cluster::resolve(objects, &ResolveOptions::default());
//! let anchor = cluster.certificate("cert-manager", "linkerd-trust-anchor").unwrap();
//! assert!(anchor.spec.is_ca());
//! // The seed's anchor renews 7320h before its 8760h expiry: an unplanned re-key on day 60.
//! assert!(cluster.lints().iter().any(|l| l.id == "anchor-early-rekey"));
//! # Ok::<(), certcycle::k8s::K8sError>(())
//! ```
//!
//! Private key material (`tls.key`) is kept only as text inside [`SecretObject`], parsed into
//! a [`PrivateKey`](crate::PrivateKey) only when asked for, zeroized on drop, and never in
//! any message, `Debug` output or report.

mod cluster;
mod lints;
mod manifests;
mod names;
mod node;
mod objects;
mod patch;
mod plan;
mod plan_error;
mod prometheus;
mod report;
mod sarif;

mod istio;
mod topology;

use std::fmt;

pub use crate::lint::{Finding, Severity};
pub use crate::shell::{shell_line, shell_quote, shell_words};
pub use cluster::{
    AnchorSecrets, CertManagerVersion, Cluster, IssuerResolution, IssuerSecretProblem,
    LinkerdState, LinkerdVersion, ManagedCertificate, ResolveOptions, ResolvedBundle, SourceCerts,
};
pub use istio::IstioPhase;
pub use manifests::{auto_manifests, auto_objects};
pub use names::{NameError, NameRule, check_name};
pub use node::{MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES};
pub use objects::{
    BundleObject, BundleSource, CertificateObject, ConfigMapObject, Duplicate, HelmValues,
    IssuerKind, IssuerObject, IssuerRef, IstioCsrValues, Kustomization, LinkerdValues,
    MAX_KUSTOMIZATIONS, MAX_OPERATIONS, MAX_RESOURCES, MAX_VALUES_FROM, MIN_RESTART_EVERY,
    MountedObject, NamespacedName, OPERATIONS_API_VERSION, Object, ObjectRef, Objects, Resource,
    STANDS_FOR_FILE, SecretObject, TRUST_ANCHORS_VALUE, ValueText, ValuesFrom, operations_yaml,
    read_operations, write_out_dir, write_out_dir_at,
};
pub use patch::{PatchError, PatchedFix, Replacement, fix_relative_path, patch_fix};
pub use plan::PlanReport;
pub use plan_error::PlanInputError;
pub use report::{CheckReport, ReportCertificate, ReportRenewal};
pub use sarif::SourceLocation;
pub use topology::MAX_CHAIN;

use crate::{BundleError, DurationError, Error, SpecError};

/// A place in an input file: 1-based line and column; `0:0` when unknown (a JSON document
/// read without positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[non_exhaustive]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Location {
    /// An unknown place.
    pub const UNKNOWN: Self = Self { line: 0, column: 0 };

    /// Line `line`, column `column` (1-based).
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a field of an object could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    /// A required field is absent.
    #[error("missing")]
    Missing,
    /// The field has the wrong type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the field must be.
        expected: &'static str,
        /// What it was.
        found: &'static str,
    },
    /// A value outside the allowed set.
    #[error("{value:?} is not one of {allowed}")]
    NotOneOf {
        /// The value given.
        value: String,
        /// The accepted values.
        allowed: &'static str,
    },
    /// A Secret's `data` entry is not base64.
    #[error("not base64")]
    NotBase64,
    /// A Secret's value is not UTF-8 text.
    #[error("not UTF-8 text")]
    NotUtf8,
    /// A duration in Go syntax that does not parse.
    #[error("{0}")]
    Duration(DurationError),
    /// A certificate or key that does not parse (PEM, DER, algorithm).
    #[error("{0}")]
    Certificate(Box<Error>),
    /// A certificate bundle that does not build.
    #[error("{0}")]
    Bundle(Box<BundleError>),
    /// A spec cert-manager's admission webhook refuses.
    #[error("cert-manager would refuse it: {0}")]
    Spec(SpecError),
    /// A name the API server would refuse (`metadata.name`, `metadata.namespace`, or a field
    /// naming another object).
    #[error("not a name Kubernetes accepts: {0}")]
    Name(NameError),
    /// Text holding a control or bidi character (shown with them made visible), which could
    /// forge a report line or reorder one.
    #[error("\"{0}\" holds a control or bidi character")]
    Invisible(String),
    /// More entries than certcycle reads (a Flux `valuesFrom` list).
    #[error("{count} entries, more than the {max} certcycle reads")]
    TooMany {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Text holding YAML (an Argo CD `helm.values`, a ConfigMap's `values`) that does not
    /// parse: the parser's message.
    #[error("its YAML does not parse: {0}")]
    Yaml(String),
    /// Longer than cert-manager (or X.509) accepts.
    #[error("{len} bytes, more than the {max} cert-manager accepts")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// An input that cannot be read. Every variant names the file; object errors name the
/// document, the object (`kind/namespace/name`), the field path and the line:column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum K8sError {
    /// The file could not be read.
    #[error(
        "{}: {}",
        crate::display::visible(file),
        crate::display::visible(message)
    )]
    Io {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// Larger than [`MAX_INPUT_BYTES`].
    #[error(
        "{}: {size} bytes, more than the {limit} read",
        crate::display::visible(file)
    )]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a regular file (after links): a FIFO, a device such as `/dev/zero`, a socket, or
    /// a directory where a file was expected. Refused before it is read.
    #[error(
        "{}: {found}, not a regular file: give a file (or a `rotate --out` directory)",
        crate::display::visible(file)
    )]
    NotAFile {
        /// The path.
        file: String,
        /// What it is (`a FIFO`, `a character device`, ...).
        found: &'static str,
    },
    /// A `rotate --out` directory with more entries than one read lists.
    #[error(
        "{}: more than {limit} directory entries: not a `rotate --out` directory",
        crate::display::visible(file)
    )]
    TooManyEntries {
        /// The directory.
        file: String,
        /// The most listed.
        limit: usize,
    },
    /// Not YAML or JSON (or over the parser's budgets).
    #[error(
        "{}:{at}: {}",
        crate::display::visible(file),
        crate::display::visible(message)
    )]
    Syntax {
        /// The file.
        file: String,
        /// Where.
        at: Location,
        /// The parser's message (values it quoted are shortened).
        message: String,
    },
    /// A document that is no Kubernetes object (no `kind`, no `metadata.name`).
    #[error(
        "{}:{at}: document {document}: not a Kubernetes object: {what}",
        crate::display::visible(file)
    )]
    NotAnObject {
        /// The file.
        file: String,
        /// The document (1-based, counting the items of `List`s).
        document: usize,
        /// Where.
        at: Location,
        /// What is missing.
        what: &'static str,
    },
    /// A field of a known kind that cannot be read.
    #[error("{}:{at}: {object}: {path}: {error}", crate::display::visible(&object.file))]
    Field {
        /// The object.
        object: Box<ObjectRef>,
        /// The field path (`spec.duration`, `data["tls.crt"]`).
        path: String,
        /// Where.
        at: Location,
        /// What is wrong.
        error: FieldError,
    },
}

impl K8sError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            Self::Io { file, .. }
            | Self::NotAFile { file, .. }
            | Self::TooManyEntries { file, .. }
            | Self::TooLarge { file, .. }
            | Self::Syntax { file, .. }
            | Self::NotAnObject { file, .. } => file,
            Self::Field { object, .. } => &object.file,
        }
    }

    /// Where in the file, if known.
    pub fn location(&self) -> Option<Location> {
        match self {
            Self::Syntax { at, .. } | Self::NotAnObject { at, .. } | Self::Field { at, .. } => {
                Some(*at)
            }
            _ => None,
        }
    }
}
