//! The topology a plan simulates (DESIGN §15): the chain of CAs above Linkerd's identity
//! issuer, what manages each, and where the trust roots come from. The seed's shape (a
//! self-signed anchor Certificate, the identity issuer Certificate under it, a trust-manager
//! Bundle over the anchor Secret) is [`Topology::default`].

use crate::cert::Certificate;
use crate::spec::CertSpec;

/// What makes a CA and changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CaKind {
    /// A cert-manager Certificate: renewed by its spec's rules (a new key under
    /// `rotationPolicy: Always`), signed by the CA above it as that CA's Secret holds it then.
    #[default]
    Managed,
    /// A Secret that nothing manages (made once by `step`, openssl or terraform and
    /// committed): it lives until its notAfter.
    Static,
    /// An external signer (Vault, Venafi, AWS PCA, Google CAS, step-issuer): opaque; its
    /// certificate, where the inputs show it, or a stand-in valid past the horizon. Nothing in
    /// the plan renews it.
    External,
}

impl CaKind {
    /// Whether cert-manager renews it.
    pub fn is_managed(self) -> bool {
        self == Self::Managed
    }
}

/// A CA above Linkerd's anchor (a three-tier root, an external signer's CA).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaNode {
    /// Its name in messages (`Certificate cert-manager/root`, `ClusterIssuer vault`).
    pub name: String,
    /// What makes it and changes it.
    pub kind: CaKind,
    /// What cert-manager issues for it (managed), or what its stand-in is made from.
    pub spec: CertSpec,
    /// Its Secret, `namespace/name`, where the inputs name one (a fix can point the trust
    /// roots at it).
    pub secret: Option<String>,
}

impl CaNode {
    /// A CA node.
    pub fn new(name: impl Into<String>, kind: CaKind, spec: CertSpec) -> Self {
        Self {
            name: name.into(),
            kind,
            spec,
            secret: None,
        }
    }

    /// Names its Secret (`namespace/name`).
    pub fn with_secret(mut self, secret: Option<String>) -> Self {
        self.secret = secret;
        self
    }
}

/// Where the trust roots Linkerd loads come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RootsKind {
    /// A trust-manager Bundle over the anchor Secret (and, where it has one, the
    /// previous-anchor Secret): re-built as soon as a source changes.
    #[default]
    TrustManager,
    /// A static set (a ConfigMap, Helm's `identityTrustAnchorsPEM`, a PEM file): changes only
    /// when an operation (a procedure's step) changes it.
    Static,
}

/// Which CA of the chain the trust roots hold: Linkerd's anchor, in Linkerd's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Held {
    /// The CA that signs the identity issuer (the seed's anchor).
    #[default]
    Signer,
    /// A CA above it: [`Topology::above`]`[i]` (a root above an intermediate). The identity
    /// issuer's Secret then holds the chain between (cert-manager's CA issuer appends its
    /// CA's chain to `tls.crt`), and Linkerd presents it with every leaf.
    Above(usize),
    /// None of the chain: the identity controller cannot start.
    Nothing,
}

/// The trust roots: where they come from and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustRoots {
    /// Where they come from.
    pub kind: RootsKind,
    /// Which CA of the chain they hold: a Bundle source over its Secret, or (static) its
    /// certificate as it is today among them.
    pub holds: Held,
    /// Other certificates they hold (an older anchor, another mesh's root).
    pub others: Vec<Certificate>,
    /// Static roots given as Helm's `identityTrustAnchorsPEM`: an operation that changes them
    /// is a `helm upgrade`, and the chart's `linkerd.io/trust-root-sha256` pod-template
    /// annotation (the anchors' digest) rolls the control plane with it (linkerd2
    /// `charts/linkerd-control-plane/templates/*-deployment.yaml`). trust-manager writing the
    /// ConfigMap changes no pod template.
    pub helm: bool,
    /// With [`helm`](Self::helm): whether the chart carries `linkerd.io/trust-root-sha256`
    /// (Linkerd stable-2.12.0 and later, linkerd2 #9118), so the `helm upgrade` rolls the
    /// control plane; `true` by default.
    pub helm_rollout: bool,
    /// trust-manager's bundle filters (controller flags).
    pub filter: BundleFilter,
}

/// trust-manager's controller flags that filter what a Bundle publishes (trust-manager
/// `cmd/trust-manager/app/options/options.go`, applied in `pkg/util/cert_pool.go`): both off
/// by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BundleFilter {
    /// `--filter-expired-certificates`: certificates past their notAfter when the bundle is
    /// built are left out.
    pub expired: bool,
    /// `--filter-non-ca-certs`: certificates that are not CAs are left out.
    pub non_ca: bool,
}

impl BundleFilter {
    /// The given flags.
    pub fn new(expired: bool, non_ca: bool) -> Self {
        Self { expired, non_ca }
    }
}

impl Default for TrustRoots {
    fn default() -> Self {
        Self {
            kind: RootsKind::TrustManager,
            holds: Held::Signer,
            others: Vec::new(),
            helm: false,
            helm_rollout: true,
            filter: BundleFilter::default(),
        }
    }
}

/// The chain a plan simulates: the CAs above the anchor, the anchor's and the identity
/// issuer's kinds, and the trust roots. Linkerd's anchor is the CA that signs the identity
/// issuer, and what the trust roots hold.
///
/// ```
/// use certcycle::plan::{CaKind, CaNode, Config, Topology};
/// use certcycle::CertSpec;
/// use time::{Duration, macros::datetime};
/// // A self-signed root Certificate above an intermediate anchor Certificate (720h, renewed
/// // 360h before expiry), the seed's identity issuer below it.
/// let root = CaNode::new(
///     "Certificate cert-manager/root",
///     CaKind::Managed,
///     CertSpec::ca("root.linkerd.cluster.local", Duration::hours(87600)),
/// );
/// let mut cfg = Config::seed(datetime!(2026-01-01 0:00 UTC)).horizon(Duration::days(30));
/// cfg.topology = Topology::default().above(vec![root]);
/// cfg.anchor = CertSpec::ca("anchor.linkerd.cluster.local", Duration::hours(720))
///     .renew_before(Duration::hours(360));
/// let run = certcycle::plan::simulate(&cfg, &mut rand_core::OsRng)?;
/// assert_eq!(run.first_break.expect("the intermediate re-keys").day, 16);
/// # Ok::<(), certcycle::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Topology {
    /// The CAs above the anchor, top down: the last one signs the anchor. Empty: the anchor
    /// is self-signed.
    pub above: Vec<CaNode>,
    /// What makes the anchor ([`Config::anchor`](super::Config::anchor) is its spec).
    pub anchor: CaKind,
    /// What makes the identity issuer ([`Config::issuer`](super::Config::issuer) is its
    /// spec): [`CaKind::Managed`], or a Secret nothing renews.
    pub issuer: CaKind,
    /// The trust roots.
    pub roots: TrustRoots,
    /// The identity issuer is signed through a CA issuer on the previous-anchor Secret (a
    /// copy of the anchor Secret), so after each anchor re-key it keeps signing with the
    /// previous anchor until its issuerRef is switched: unattended rotation's shape (DESIGN
    /// §17). [`Config::auto_rotation`](super::Config::auto_rotation) implies it.
    pub issuer_via_previous: bool,
    /// Leaves are signed with the anchor Secret itself: a CA issuer over a self-signed root
    /// signs every workload (istio-csr's install guide), so there is no identity issuer of
    /// its own; [`Config::issuer`](super::Config::issuer) is ignored and the issuer's
    /// generations are the anchor Secret's contents, each taken as cert-manager writes it.
    pub signer_is_anchor: bool,
}

impl Topology {
    /// Sets the CAs above the anchor (top down).
    pub fn above(mut self, above: Vec<CaNode>) -> Self {
        self.above = above;
        self
    }

    /// Sets what makes the anchor.
    pub fn anchor(mut self, kind: CaKind) -> Self {
        self.anchor = kind;
        self
    }

    /// Sets what makes the identity issuer.
    pub fn issuer(mut self, kind: CaKind) -> Self {
        self.issuer = kind;
        self
    }

    /// Sets the trust roots.
    pub fn roots(mut self, roots: TrustRoots) -> Self {
        self.roots = roots;
        self
    }

    /// Signs the identity issuer through the previous-anchor Secret (see
    /// [`Topology::issuer_via_previous`]).
    pub fn issuer_via_previous(mut self, on: bool) -> Self {
        self.issuer_via_previous = on;
        self
    }

    /// Whether this is the seed's shape.
    pub fn is_seed(&self) -> bool {
        *self == Self::default()
    }

    /// Whether this is the seed's shape, with the identity issuer signed through either
    /// anchor Secret.
    pub fn is_seed_shape(&self) -> bool {
        self.clone().issuer_via_previous(false).is_seed()
    }

    /// Whether unattended rotation (DESIGN §17) can drive this topology: cert-manager must
    /// renew the anchor (self-signed, under a root Certificate, or issued by an external
    /// signer through a Certificate) and the identity issuer, and the trust roots must hold
    /// the anchor. Trust roots from a Bundle with one source get the previous-anchor source
    /// (the manifests written say so); static roots (a ConfigMap, Helm values) are written by
    /// the loop's operations, a Helm upgrade's control-plane roll-out counting as a restart.
    ///
    /// ```
    /// use certcycle::plan::{CaKind, Topology};
    /// assert!(Topology::default().auto_rotatable().is_ok());
    /// let e = Topology::default().anchor(CaKind::Static).auto_rotatable().unwrap_err();
    /// assert!(e.to_string().contains("nothing renews it"));
    /// ```
    ///
    /// # Errors
    /// [`NotRotatable`], naming why and what would make it rotatable.
    pub fn auto_rotatable(&self) -> Result<(), NotRotatable> {
        match self.anchor {
            CaKind::Managed => {}
            CaKind::Static => return Err(NotRotatable::StaticAnchor),
            CaKind::External => return Err(NotRotatable::ExternalAnchor),
        }
        if !self.issuer.is_managed() {
            return Err(NotRotatable::StaticIssuer);
        }
        match self.roots.holds {
            Held::Signer => Ok(()),
            Held::Above(_) => Err(NotRotatable::RootsHoldAbove),
            Held::Nothing => Err(NotRotatable::RootsHoldNothing),
        }
    }
}

/// Why unattended rotation cannot drive a topology ([`Topology::auto_rotatable`]), and what
/// would make it rotatable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotRotatable {
    /// The anchor is a Secret nothing renews.
    #[error(
        "the anchor is a static Secret (made by step, openssl or terraform): nothing renews it, so no new anchor appears for a loop to roll out, and it ends mTLS at its notAfter; to rotate it unattended, let cert-manager issue it: a Certificate with isCA: true under a selfSigned ClusterIssuer (the seed's shape), under a root Certificate, or under an external signer's issuer"
    )]
    StaticAnchor,
    /// The anchor is an external signer's CA itself (no cert-manager Certificate for it).
    #[error(
        "the anchor is an external signer's own CA (no cert-manager Certificate issues it): its rotation is the signer's, out of a loop's reach; to rotate unattended, have cert-manager issue Linkerd's anchor under that signer (a Certificate with isCA: true whose issuerRef names it) and trust that anchor"
    )]
    ExternalAnchor,
    /// The identity issuer is a Secret nothing renews.
    #[error(
        "the identity issuer is a static Secret: nothing re-signs it under a new anchor, so a rotation cannot activate; let cert-manager issue it (a Certificate with isCA: true under a CA issuer on the anchor Secret)"
    )]
    StaticIssuer,
    /// The trust roots hold a CA above the anchor.
    #[error(
        "the trust roots hold the root above the anchor, not the anchor: the anchor's re-key never changes what proxies trust (every leaf presents the intermediate), so it needs no rotation (plan without --rotation auto shows it holding); the root is what would rotate, and its Certificate renews on its own schedule: give the root's renewal a rotation by --rotate-at, or put the intermediate in the trust roots to rotate it unattended"
    )]
    RootsHoldAbove,
    /// The trust roots hold none of the chain.
    #[error(
        "the trust roots hold no CA of the identity issuer's chain: the identity controller cannot start, and there is nothing to rotate; make the trust roots hold the anchor"
    )]
    RootsHoldNothing,
}
