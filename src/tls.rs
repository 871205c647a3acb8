//! Live trust for Rust services (feature `rustls`, DESIGN §12): rotate the anchor in a running
//! process, no restarts, with certcycle's own verifier in the handshake.
//!
//! - [`TrustStore`]: the current [`TrustBundle`] behind an atomic swap. Readers never block and
//!   never see half an update; every [`TrustStore::replace`] gets the next generation number.
//! - [`CertcycleVerifier`]: rustls's `ServerCertVerifier` and `ClientCertVerifier`, backed by
//!   [`verify_cached`] against the store's bundle *at handshake time*: names from SNI (DNS or
//!   IP), the usage of each side, the strict profile, one work budget per handshake, and a
//!   bounded [`SignatureCache`] that belongs to one bundle generation (a dropped anchor is
//!   never honoured from cache). Handshake signatures go through the caller's
//!   `CryptoProvider`, restricted to ECDSA P-256 with SHA-256 (what certcycle issues). Time is
//!   rustls's (the config's `TimeProvider`), so simulated clocks work.
//! - [`IdentityStore`]: the workload's (leaf, chain, key) behind an atomic swap, as rustls's
//!   `ResolvesServerCert` and `ResolvesClientCert`: a refreshed leaf is served on the next
//!   handshake.
//! - [`server_config`] / [`client_config`]: mutual-TLS configs over the two stores.
//!
//! **Session resumption is not re-verified by rustls**: a resumed session skips the
//! certificate verifier, so a peer that completed a full handshake before an anchor was dropped
//! may resume without presenting its chain again until its ticket or session expires.
//! [`without_resumption`] turns resumption off on both configs, so that dropping an anchor
//! takes effect on the very next connection; the cost is a full handshake (two ECDSA
//! signatures and two chain verifications) for every connection.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use certcycle::tls::{CertcycleVerifier, IdentityStore, TrustStore};
//! use std::sync::Arc;
//! let provider = Arc::new(rustls::crypto::ring::default_provider());
//! let pki = certcycle::testkit::hierarchy().leaves(["web"]).build()?;
//! let trust = Arc::new(TrustStore::new(pki.bundle()));
//! let web = pki.workload("web");
//! let identity = Arc::new(IdentityStore::new(&web.certificate, &web.chain, &web.key, &provider)?);
//! let verifier = Arc::new(CertcycleVerifier::new(trust.clone(), provider.clone()));
//! let config = certcycle::tls::server_config(verifier, identity, provider)?;
//! // Later, in the running process: stage a new anchor beside the old one.
//! let generation = trust.replace(pki.bundle());
//! assert_eq!(generation, 2);
//! # let _ = config; Ok(()) }
//! ```

mod rotation;
pub use rotation::{LivePhase, LiveRotationError};

use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::key::PrivateKey;
use crate::verify::{PeerName, SignatureCache, Usage, VerifyError, VerifyOptions, verify_cached};
use arc_swap::ArcSwap;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use std::fmt;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// One published bundle and its generation.
#[derive(Debug)]
pub struct Snapshot {
    generation: u64,
    bundle: TrustBundle,
}

impl Snapshot {
    /// 1 for the bundle the store was made with, then one more per replace.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The anchors.
    pub fn bundle(&self) -> &TrustBundle {
        &self.bundle
    }
}

/// The trust bundle a process verifies peers against, swapped atomically while it runs.
///
/// Readers ([`TrustStore::current`]) take an `Arc` of the snapshot without a lock; writers
/// ([`TrustStore::replace`]) are serialized, so generations are strictly increasing.
#[derive(Debug)]
pub struct TrustStore {
    current: ArcSwap<Snapshot>,
    writer: Mutex<()>,
    /// A live anchor rotation in progress ([`TrustStore::prepare`]).
    rotation: Mutex<Option<rotation::Live>>,
}

impl TrustStore {
    /// A store holding `bundle` as generation 1.
    pub fn new(bundle: TrustBundle) -> Self {
        Self {
            current: ArcSwap::from_pointee(Snapshot {
                generation: 1,
                bundle,
            }),
            writer: Mutex::new(()),
            rotation: Mutex::new(None),
        }
    }

    /// Publishes `bundle`; returns its generation. Handshakes that start afterwards verify
    /// against it; one in flight finishes with the snapshot it took.
    pub fn replace(&self, bundle: TrustBundle) -> u64 {
        match self.update(|_| Ok::<_, std::convert::Infallible>(bundle)) {
            Ok(generation) => generation,
            Err(never) => match never {},
        }
    }

    /// The one writer of every transition: under the writer lock, reads the current bundle,
    /// computes the next one with `next` and publishes it, so no concurrent writer's update is
    /// lost between the read and the publish (a [`replace`](Self::replace) removing a
    /// compromised anchor during a [`prepare`](Self::prepare) stays removed). Nothing is
    /// published when `next` fails.
    fn update<E>(
        &self,
        next: impl FnOnce(&TrustBundle) -> Result<TrustBundle, E>,
    ) -> Result<u64, E> {
        let _guard = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = self.current.load();
        let bundle = next(&current.bundle)?;
        let generation = current.generation.saturating_add(1);
        self.current
            .store(Arc::new(Snapshot { generation, bundle }));
        Ok(generation)
    }

    /// The current snapshot.
    pub fn current(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.current.load().generation
    }
}

/// Which client identities a server accepts, beyond a chain that verifies for client
/// authentication.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum ClientIdentities {
    /// Any client whose chain verifies.
    #[default]
    Any,
    /// Clients whose leaf carries one of these dNSName SANs (Linkerd identities).
    AllowList(Vec<String>),
    /// Clients for which the callback answers `true` (given the verified leaf).
    Callback(Arc<dyn Fn(&Certificate) -> bool + Send + Sync>),
}

impl fmt::Debug for ClientIdentities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("Any"),
            Self::AllowList(l) => f.debug_tuple("AllowList").field(l).finish(),
            Self::Callback(_) => f.write_str("Callback(..)"),
        }
    }
}

/// A verification error observer (for logs): the full [`VerifyError`] behind the rustls error
/// a handshake reports.
pub type ErrorHook = Arc<dyn Fn(&VerifyError) + Send + Sync>;

/// certcycle's verifier in the rustls handshake, against a [`TrustStore`] (see the module
/// docs).
pub struct CertcycleVerifier {
    store: Arc<TrustStore>,
    provider: Arc<CryptoProvider>,
    options: VerifyOptions,
    clients: ClientIdentities,
    /// The cache of one bundle generation (replaced when the generation changes).
    cache: Mutex<(u64, Arc<SignatureCache>)>,
    on_error: Option<ErrorHook>,
}

impl fmt::Debug for CertcycleVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertcycleVerifier")
            .field("generation", &self.store.generation())
            .field("options", &self.options)
            .field("clients", &self.clients)
            .finish_non_exhaustive()
    }
}

impl CertcycleVerifier {
    /// A verifier over `store`, with handshake signatures checked by `provider`, the strict
    /// profile and the default work budget per handshake, and any client identity.
    pub fn new(store: Arc<TrustStore>, provider: Arc<CryptoProvider>) -> Self {
        Self {
            store,
            provider,
            options: VerifyOptions::default(),
            clients: ClientIdentities::Any,
            cache: Mutex::new((0, Arc::new(SignatureCache::new()))),
            on_error: None,
        }
    }

    /// Replaces the base options (budget, depth, profile); usage and name are set per
    /// handshake.
    pub fn with_options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// Restricts the client identities a server accepts.
    pub fn with_client_identities(mut self, clients: ClientIdentities) -> Self {
        self.clients = clients;
        self
    }

    /// Calls `hook` with every verification error (the rustls error keeps a summary).
    pub fn on_error(mut self, hook: ErrorHook) -> Self {
        self.on_error = Some(hook);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<TrustStore> {
        &self.store
    }

    /// The cache for `generation`, a fresh one when the bundle changed.
    fn cache_for(&self, generation: u64) -> Arc<SignatureCache> {
        let Ok(mut slot) = self.cache.lock() else {
            return Arc::new(SignatureCache::new());
        };
        if slot.0 != generation {
            *slot = (generation, Arc::new(SignatureCache::new()));
        }
        Arc::clone(&slot.1)
    }

    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        usage: Usage,
        name: Option<PeerName>,
        now: UnixTime,
    ) -> Result<Certificate, rustls::Error> {
        let leaf = Certificate::from_der(end_entity.as_ref())
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let inters = intermediates
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let at = i64::try_from(now.as_secs())
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .ok_or(rustls::Error::FailedToGetCurrentTime)?;
        let snapshot = self.store.current();
        let cache = self.cache_for(snapshot.generation);
        let mut options = self.options.clone().with_usage(usage);
        options.name = name;
        match verify_cached(&leaf, &inters, &snapshot.bundle, at, &options, Some(&cache)) {
            Ok(_) => Ok(leaf),
            Err(e) => {
                if let Some(hook) = &self.on_error {
                    hook(&e);
                }
                Err(rustls::Error::InvalidCertificate(certificate_error(
                    e,
                    now,
                    options.name.as_ref(),
                    &leaf,
                )))
            }
        }
    }

    fn check_scheme(dss: &DigitallySignedStruct) -> Result<(), rustls::Error> {
        if dss.scheme == SignatureScheme::ECDSA_NISTP256_SHA256 {
            Ok(())
        } else {
            Err(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ))
        }
    }
}

fn unix(t: OffsetDateTime) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.unix_timestamp()).unwrap_or(0),
    ))
}

/// The rustls error a peer expects for a certcycle verification error; the rest go as
/// `Other`, with the [`VerifyError`] inside.
fn certificate_error(
    e: VerifyError,
    now: UnixTime,
    name: Option<&PeerName>,
    leaf: &Certificate,
) -> CertificateError {
    match e {
        VerifyError::Expired { not_after, .. } => CertificateError::ExpiredContext {
            time: now,
            not_after: unix(not_after),
        },
        VerifyError::NotYetValid { not_before, .. } => CertificateError::NotValidYetContext {
            time: now,
            not_before: unix(not_before),
        },
        VerifyError::UnknownIssuer { .. } | VerifyError::MaxDepthExceeded { .. } => {
            CertificateError::UnknownIssuer
        }
        // At any depth, as rustls-webpki answers (its `InvalidSignatureForPublicKey` outranks
        // `UnknownIssuer`): an issuer of the right name was found, and its signature does not
        // verify (an anchor of the same name with another key, as during a rotation).
        VerifyError::BadSignature { .. } => CertificateError::BadSignature,
        VerifyError::NameMismatch { .. } => {
            let expected = match name {
                Some(PeerName::Dns(d)) => ServerName::try_from(d.clone()).ok(),
                Some(PeerName::Ip(ip)) => Some(ServerName::IpAddress((*ip).into())),
                _ => None,
            };
            let presented = leaf
                .subject_alt_names()
                .into_iter()
                .filter_map(|san| match san {
                    crate::SubjectAltName::Dns(d) => Some(d),
                    crate::SubjectAltName::Ip(ip) => Some(ip.to_string()),
                    _ => None,
                })
                .collect();
            match expected {
                Some(expected) => CertificateError::NotValidForNameContext {
                    expected,
                    presented,
                },
                None => CertificateError::NotValidForName,
            }
        }
        VerifyError::WrongUsage { usage, .. } => CertificateError::InvalidPurposeContext {
            required: match usage {
                Usage::ServerAuth => rustls::ExtendedKeyPurpose::ServerAuth,
                Usage::ClientAuth => rustls::ExtendedKeyPurpose::ClientAuth,
            },
            presented: leaf
                .extended_key_usage()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|u| match u {
                    crate::ExtendedKeyUsage::ServerAuth => {
                        Some(rustls::ExtendedKeyPurpose::ServerAuth)
                    }
                    crate::ExtendedKeyUsage::ClientAuth => {
                        Some(rustls::ExtendedKeyPurpose::ClientAuth)
                    }
                    _ => None,
                })
                .collect(),
        },
        VerifyError::UnhandledCriticalExtension { .. } => {
            CertificateError::UnhandledCriticalExtension
        }
        other => CertificateError::Other(rustls::OtherError(Arc::new(other))),
    }
}

impl ServerCertVerifier for CertcycleVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = match server_name {
            ServerName::DnsName(d) => PeerName::Dns(d.as_ref().to_owned()),
            ServerName::IpAddress(ip) => PeerName::Ip(std::net::IpAddr::from(*ip)),
            _ => {
                return Err(rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForName,
                ));
            }
        };
        self.verify(
            end_entity,
            intermediates,
            Usage::ServerAuth,
            Some(name),
            now,
        )
        .map(|_| ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::check_scheme(dss)?;
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Self::check_scheme(dss)?;
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ECDSA_NISTP256_SHA256]
    }
}

impl ClientCertVerifier for CertcycleVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // The bundle changes at run time; the hints are optional (RFC 8446 §4.2.4).
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let leaf = self.verify(end_entity, intermediates, Usage::ClientAuth, None, now)?;
        let allowed = match &self.clients {
            ClientIdentities::Any => true,
            ClientIdentities::AllowList(names) => leaf
                .dns_names()
                .iter()
                .any(|d| names.iter().any(|n| n.eq_ignore_ascii_case(d))),
            ClientIdentities::Callback(f) => f(&leaf),
        };
        if allowed {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        <Self as ServerCertVerifier>::verify_tls12_signature(self, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        <Self as ServerCertVerifier>::verify_tls13_signature(self, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        vec![SignatureScheme::ECDSA_NISTP256_SHA256]
    }
}

/// A workload's credentials (leaf, chain, key), swapped atomically when it refreshes its leaf;
/// rustls's server and client certificate resolver.
pub struct IdentityStore {
    current: ArcSwap<CertifiedKey>,
}

impl fmt::Debug for IdentityStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let leaf = self
            .current
            .load()
            .cert
            .first()
            .and_then(|c| Certificate::from_der(c.as_ref()).ok());
        f.debug_struct("IdentityStore")
            .field("leaf", &leaf.map(|c| c.dns_names()))
            .finish_non_exhaustive()
    }
}

fn certified(
    leaf: &Certificate,
    chain: &[Certificate],
    key: &PrivateKey,
    provider: &CryptoProvider,
) -> Result<CertifiedKey, rustls::Error> {
    let certs = std::iter::once(leaf)
        .chain(chain)
        .map(CertificateDer::from)
        .collect();
    CertifiedKey::from_der(certs, key.into(), provider)
}

impl IdentityStore {
    /// The identity `leaf` + `chain` with `key`, loaded through `provider`'s key provider.
    ///
    /// # Errors
    /// rustls errors (a key the provider cannot load, or that does not match the leaf).
    pub fn new(
        leaf: &Certificate,
        chain: &[Certificate],
        key: &PrivateKey,
        provider: &CryptoProvider,
    ) -> Result<Self, rustls::Error> {
        Ok(Self {
            current: ArcSwap::from_pointee(certified(leaf, chain, key, provider)?),
        })
    }

    /// Serves a new (leaf, chain, key) from the next handshake on.
    ///
    /// # Errors
    /// As [`IdentityStore::new`]; the store keeps the previous identity then.
    pub fn replace(
        &self,
        leaf: &Certificate,
        chain: &[Certificate],
        key: &PrivateKey,
        provider: &CryptoProvider,
    ) -> Result<(), rustls::Error> {
        self.current
            .store(Arc::new(certified(leaf, chain, key, provider)?));
        Ok(())
    }
}

impl rustls::server::ResolvesServerCert for IdentityStore {
    fn resolve(&self, _client_hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

impl rustls::client::ResolvesClientCert for IdentityStore {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        sigschemes
            .contains(&SignatureScheme::ECDSA_NISTP256_SHA256)
            .then(|| self.current.load_full())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// A mutual-TLS server config: certcycle's verifier for clients, `identity` served. TLS 1.2
/// and 1.3, the provider's suites, the system clock.
///
/// # Errors
/// rustls errors (a provider without the default protocol versions).
pub fn server_config(
    verifier: Arc<CertcycleVerifier>,
    identity: Arc<IdentityStore>,
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let clock = Arc::new(rustls::time_provider::DefaultTimeProvider);
    server_config_at(verifier, identity, provider, clock)
}

/// [`server_config`] with the time from `clock` (a simulated clock in tests).
///
/// # Errors
/// rustls errors.
pub fn server_config_at(
    verifier: Arc<CertcycleVerifier>,
    identity: Arc<IdentityStore>,
    provider: Arc<CryptoProvider>,
    clock: Arc<dyn rustls::time_provider::TimeProvider>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    Ok(rustls::ServerConfig::builder_with_details(provider, clock)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(identity))
}

/// A mutual-TLS client config: certcycle's verifier for servers, `identity` presented, the
/// system clock.
///
/// # Errors
/// rustls errors.
pub fn client_config(
    verifier: Arc<CertcycleVerifier>,
    identity: Arc<IdentityStore>,
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let clock = Arc::new(rustls::time_provider::DefaultTimeProvider);
    client_config_at(verifier, identity, provider, clock)
}

/// [`client_config`] with the time from `clock`.
///
/// # Errors
/// rustls errors.
pub fn client_config_at(
    verifier: Arc<CertcycleVerifier>,
    identity: Arc<IdentityStore>,
    provider: Arc<CryptoProvider>,
    clock: Arc<dyn rustls::time_provider::TimeProvider>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    Ok(rustls::ClientConfig::builder_with_details(provider, clock)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(identity))
}

/// Turns session resumption off on both sides, so that every connection is a full handshake
/// verified against the store's *current* bundle (see the module docs for why and what it
/// costs).
pub fn without_resumption(
    mut server: rustls::ServerConfig,
    mut client: rustls::ClientConfig,
) -> (rustls::ServerConfig, rustls::ClientConfig) {
    server.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    server.send_tls13_tickets = 0;
    client.resumption = rustls::client::Resumption::disabled();
    (server, client)
}

/// The bundle as a rustls `RootCertStore` (for rustls's own verifiers).
///
/// # Errors
/// A certificate rustls-webpki cannot use as a trust anchor.
pub fn root_cert_store(bundle: &TrustBundle) -> Result<rustls::RootCertStore, rustls::Error> {
    let mut store = rustls::RootCertStore::empty();
    for c in bundle.certificates() {
        store
            .add(CertificateDer::from(c))
            .map_err(|e| rustls::Error::General(e.to_string()))?;
    }
    Ok(store)
}

impl TryFrom<&TrustBundle> for rustls::RootCertStore {
    type Error = rustls::Error;

    /// [`root_cert_store`].
    fn try_from(bundle: &TrustBundle) -> Result<Self, rustls::Error> {
        root_cert_store(bundle)
    }
}

/// What each store holds now, labelled: the "everyone loaded the two-anchor bundle" fact the
/// typed rotation needs, reported by the stores themselves rather than promised. Pass the
/// pairs to [`crate::rotation::Staged::confirm_bundle_rollout`].
pub fn loaded_bundles<'a>(
    stores: impl IntoIterator<Item = (&'a str, &'a TrustStore)>,
) -> Vec<(String, TrustBundle)> {
    stores
        .into_iter()
        .map(|(name, s)| (name.to_owned(), s.current().bundle.clone()))
        .collect()
}
