//! Presets for the layouts users meet, with where each number comes from.

/// Linkerd's identity layout as the seed document ("Automatically Rotating Control Plane TLS
/// Credentials", linkerd.io) and Linkerd's identity controller configure it.
pub mod linkerd {
    use crate::spec::CertSpec;
    use time::Duration;

    /// The trust anchor's common name (seed §3: `commonName: root.linkerd.cluster.local`).
    pub const TRUST_ANCHOR_CN: &str = "root.linkerd.cluster.local";
    /// The trust anchor's lifetime (seed §3: `duration: 8760h0m0s`, one year).
    pub const TRUST_ANCHOR_DURATION: Duration = Duration::hours(8760);
    /// The trust anchor's renewBefore as the seed writes it (`renewBefore: 7320h0m0s`).
    /// The seed's comment says "rotating two months before expiry", but 7320h is 84% of the
    /// lifetime: cert-manager renews 1440h (60 days) *after* issuance. The `renewal` lints
    /// flag exactly this; see [`TRUST_ANCHOR_RENEW_BEFORE_INTENDED`] for what was meant.
    pub const TRUST_ANCHOR_RENEW_BEFORE: Duration = Duration::hours(7320);
    /// What the seed's comment intends: renew two months (1440h) before expiry.
    pub const TRUST_ANCHOR_RENEW_BEFORE_INTENDED: Duration = Duration::hours(1440);
    /// The identity issuer's common name (seed §4: `identity.linkerd.cluster.local`).
    pub const ISSUER_CN: &str = "identity.linkerd.cluster.local";
    /// The identity issuer's lifetime (seed §4: `duration: 48h0m0s`).
    pub const ISSUER_DURATION: Duration = Duration::hours(48);
    /// The identity issuer's renewBefore (seed §4: `renewBefore: 25h0m0s`): renewal at 23h.
    pub const ISSUER_RENEW_BEFORE: Duration = Duration::hours(25);
    /// Workload certificate lifetime: Linkerd's `identity.issuer.issuanceLifetime` default,
    /// `24h0m0s` (Helm chart values).
    pub const WORKLOAD_DURATION: Duration = Duration::hours(24);
    /// Workload certificate backdate: Linkerd's `identity.issuer.clockSkewAllowance` default,
    /// `20s` (Helm chart values); notBefore is set this far in the past.
    pub const WORKLOAD_CLOCK_SKEW: Duration = Duration::seconds(20);
    /// The default trust domain.
    pub const TRUST_DOMAIN: &str = "cluster.local";

    /// The cert-manager Secret of the trust anchor (namespace `cert-manager`).
    pub const TRUST_ANCHOR_SECRET: &str = "linkerd-trust-anchor";
    /// The copy of the previous anchor kept during rotation (seed §9).
    pub const PREVIOUS_ANCHOR_SECRET: &str = "linkerd-previous-anchor";
    /// The identity issuer Secret (namespace `linkerd`).
    pub const ISSUER_SECRET: &str = "linkerd-identity-issuer";
    /// The trust-manager Bundle's target ConfigMap (namespace `linkerd`).
    pub const TRUST_ROOTS_CONFIGMAP: &str = "linkerd-identity-trust-roots";
    /// Key of a Secret's certificate (`kubernetes.io/tls`).
    pub const TLS_CRT: &str = "tls.crt";
    /// Key of a Secret's private key.
    pub const TLS_KEY: &str = "tls.key";
    /// Key of a Secret's CA certificate (cert-manager).
    pub const CA_CRT: &str = "ca.crt";
    /// Key of the trust bundle in the trust-roots ConfigMap.
    pub const CA_BUNDLE_CRT: &str = "ca-bundle.crt";

    /// The trust anchor spec of the seed document, with its renewBefore as written.
    pub fn trust_anchor() -> CertSpec {
        CertSpec::ca(TRUST_ANCHOR_CN, TRUST_ANCHOR_DURATION).renew_before(TRUST_ANCHOR_RENEW_BEFORE)
    }

    /// The identity issuer spec of the seed document (48h, renewBefore 25h).
    pub fn identity_issuer() -> CertSpec {
        CertSpec::ca(ISSUER_CN, ISSUER_DURATION).renew_before(ISSUER_RENEW_BEFORE)
    }

    /// A workload certificate for `identity` (a DNS-shaped name such as
    /// `default.default.serviceaccount.identity.linkerd.cluster.local`): 24h, 20s backdate,
    /// serverAuth + clientAuth, the identity as its only dNSName SAN.
    pub fn workload(identity: &str) -> CertSpec {
        CertSpec::leaf(WORKLOAD_DURATION)
            .dns_name(identity)
            .backdate(WORKLOAD_CLOCK_SKEW)
    }

    /// Linkerd's identity name for a service account:
    /// `<sa>.<namespace>.serviceaccount.identity.linkerd.<trust domain>`.
    pub fn workload_identity(service_account: &str, namespace: &str) -> String {
        format!("{service_account}.{namespace}.serviceaccount.identity.linkerd.{TRUST_DOMAIN}")
    }
}

/// Istio with cert-manager's istio-csr as the mesh's CA, as istio-csr's Helm chart and
/// install guide configure it and as Istio's agent asks for certificates (DESIGN §19).
///
/// Sources: cert-manager/istio-csr v0.17.0-16-gf96fca5 (`deploy/charts/istio-csr/values.yaml`,
/// `pkg/server/server.go`), istio/istio 1.31.0-alpha.0-109-g86c9f01fd73
/// (`pilot/cmd/pilot-agent/options/options.go`).
pub mod istio {
    use crate::spec::CertSpec;
    use time::Duration;

    /// The namespace istio-csr runs in, as its install guide installs it (`helm install -n
    /// cert-manager`): its root file's Secret or ConfigMap is there.
    pub const CSR_NAMESPACE: &str = "cert-manager";
    /// Istio's control-plane namespace (istio-csr's `app.certmanager.namespace` default).
    pub const NAMESPACE: &str = "istio-system";
    /// The root Certificate, its Secret and the CA Issuer over it in istio-csr's install guide
    /// (`istio-ca`; the chart's `app.certmanager.issuer.name` default).
    pub const CA_NAME: &str = "istio-ca";
    /// The install guide's root lifetime: `duration: 2160h` (90 days) and no renewBefore, so
    /// cert-manager renews it at two thirds of its life, on day 60.
    pub const ROOT_DURATION: Duration = Duration::hours(2160);
    /// `app.server.maxCertificateDuration` (chart default 1h): istio-csr signs
    /// `min(requested, this)` (`pkg/server/server.go` `CreateCertificate`).
    pub const MAX_CERTIFICATE_DURATION: Duration = Duration::hours(1);
    /// What the agent asks for: `SECRET_TTL`, 24h (`options.go` `secretTTLEnv`).
    pub const REQUESTED_DURATION: Duration = Duration::hours(24);
    /// The ConfigMap istio-csr writes into every namespace with the root file's certificates
    /// (`pkg/controller/configmap.go`), and its key.
    pub const ROOT_CERT_CONFIGMAP: &str = "istio-ca-root-cert";
    /// The key of [`ROOT_CERT_CONFIGMAP`].
    pub const ROOT_CERT_KEY: &str = "root-cert.pem";
    /// The first Istio minor release whose istiod reloads a root certificate file when it
    /// changes (istio/istio `releasenotes/notes/istiod-root-cert-file-watch.yaml`, commit
    /// 6671904a989, 2026-06-15); before it, `pilot/pkg/bootstrap/certcontroller.go` reads
    /// `RootCertFile` once, at start.
    pub const ISTIOD_WATCHES_ROOT_FILE_FROM: u32 = 31;
    /// The first Istio minor release whose ztunnel trusts every root in the last element of a
    /// CSR response (istio/ztunnel `src/tls/certificate.rs`, commit c29cd78a "Better support
    /// for root certificates", 1.26.0); before it, `WorkloadCertificate::new` parses that
    /// element with `rustls_pemfile::read_one` and trusts its first certificate alone.
    pub const ZTUNNEL_MULTI_ROOT_FROM: u32 = 26;
    /// The first Istio minor release whose ztunnel rebuilds its channel to the CA when the
    /// root file changes (istio/ztunnel `src/identity/caclient.rs` `RootCertManager`, commit
    /// 642b1d7d, 1.30.0); before it, the channel keeps the roots read at ztunnel's start.
    pub const ZTUNNEL_RELOADS_CA_ROOT_FROM: u32 = 30;
    /// istio-csr's own serving certificate (`app.tls.certificateDuration`, 1h), renewed at
    /// two thirds of its life (`pkg/tls/tls.go`).
    pub const SERVING_CERTIFICATE_DURATION: Duration = Duration::hours(1);
    /// The trust domain (`app.tls.trustDomain` default).
    pub const TRUST_DOMAIN: &str = "cluster.local";

    /// A workload's SPIFFE identity: `spiffe://<trust domain>/ns/<namespace>/sa/<sa>`.
    pub fn workload_identity(service_account: &str, namespace: &str) -> String {
        format!("spiffe://{TRUST_DOMAIN}/ns/{namespace}/sa/{service_account}")
    }

    /// A workload certificate as istio-csr has cert-manager sign it: `duration` long (the
    /// smaller of what the agent asks and `maxCertificateDuration`), a URI SAN, no backdate.
    pub fn workload(identity: &str, duration: Duration) -> CertSpec {
        CertSpec::leaf(duration).uri_name(identity)
    }
}
