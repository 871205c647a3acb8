//! Test fixtures for downstream projects (feature `testkit`): a whole mesh PKI in one line,
//! byte-identical across runs when seeded, the failure shapes tests need, files in the layouts
//! programs read, and (feature `rustls`) rustls configurations.
//!
//! Everything goes through the same issuance code as production, so the certificates have
//! random-looking but seeded serials, AKI = the issuer's SKI, explicit validity and the
//! Linkerd profile — unlike hand-rolled rcgen fixtures (serial derived from the key, no AKI,
//! validity 1975–4096).
//!
//! ```
//! # #[cfg(feature = "testkit")] {
//! use certcycle::testkit;
//! let pki = testkit::hierarchy().leaves(["web", "api"]).build()?;
//! let web = pki.workload("web");
//! web.verify(&pki.bundle(), pki.at)?; // anchor → issuer → leaf, server + client auth
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::bundle::TrustBundle;
use crate::cert::{Certificate, ExtendedKeyUsage, KeyUsage};
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::presets::linkerd;
use crate::spec::{CertSpec, RotationPolicy};
use crate::verify::{PeerName, Usage, VerifiedChain, VerifyError, VerifyOptions, verify};
use crate::write::NewFile;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::path::Path;
use time::{Duration, OffsetDateTime, macros::datetime};

/// The testkit's fixed clock: 2026-01-01T00:00:00Z.
pub const TEST_TIME: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

/// The default seed: hierarchies are deterministic unless asked otherwise.
pub const DEFAULT_SEED: u64 = 0x5eed;

/// Starts a Linkerd-shaped hierarchy: anchor and issuer as in the seed document, no leaves
/// yet, clock [`TEST_TIME`], seed [`DEFAULT_SEED`].
pub fn hierarchy() -> HierarchyBuilder {
    HierarchyBuilder {
        seed: Some(DEFAULT_SEED),
        at: TEST_TIME,
        anchor: linkerd::trust_anchor(),
        issuer: linkerd::identity_issuer(),
        leaves: Vec::new(),
        namespace: "default".into(),
    }
}

/// Builds a [`Hierarchy`].
#[derive(Debug, Clone)]
pub struct HierarchyBuilder {
    seed: Option<u64>,
    at: OffsetDateTime,
    anchor: CertSpec,
    issuer: CertSpec,
    leaves: Vec<String>,
    namespace: String,
}

/// The seeded RNG of one workload: SHA-256 of a label, the seed, the namespace and the name.
fn leaf_rng(seed: u64, namespace: &str, name: &str) -> ChaCha20Rng {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"certcycle testkit leaf\0");
    h.update(seed.to_be_bytes());
    h.update(namespace.as_bytes());
    h.update([0]);
    h.update(name.as_bytes());
    ChaCha20Rng::from_seed(h.finalize().into())
}

impl HierarchyBuilder {
    /// Seeds the RNG: the same seed (and the same calls) give byte-identical certificates and
    /// keys on every run and machine.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Uses the operating system's RNG instead: every build differs.
    pub fn unseeded(mut self) -> Self {
        self.seed = None;
        self
    }

    /// Issues everything at `at` instead of [`TEST_TIME`].
    pub fn at(mut self, at: OffsetDateTime) -> Self {
        self.at = at;
        self
    }

    /// Replaces the anchor spec.
    pub fn anchor_spec(mut self, spec: CertSpec) -> Self {
        self.anchor = spec;
        self
    }

    /// Replaces the issuer spec.
    pub fn issuer_spec(mut self, spec: CertSpec) -> Self {
        self.issuer = spec;
        self
    }

    /// The namespace of the workloads (default `default`).
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Adds a workload (a service account name; its identity is Linkerd's).
    pub fn leaf(mut self, name: &str) -> Self {
        self.leaves.push(name.into());
        self
    }

    /// Adds workloads.
    pub fn leaves<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        self.leaves.extend(names.into_iter().map(str::to_owned));
        self
    }

    /// Issues the hierarchy.
    ///
    /// # Errors
    /// Issuing errors (an invalid spec).
    pub fn build(self) -> Result<Hierarchy, Error> {
        let mut rng = match self.seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed),
            None => ChaCha20Rng::from_entropy(),
        };
        let anchor = Ca::self_signed(
            &self.anchor,
            PrivateKey::generate(&mut rng),
            self.at,
            &mut rng,
        )?;
        let issuer = anchor
            .issue_ca(
                &self.issuer,
                PrivateKey::generate(&mut rng),
                self.at,
                &mut rng,
            )?
            .ca;
        let mut workloads = Vec::with_capacity(self.leaves.len());
        for name in &self.leaves {
            // Each leaf has its own RNG, derived from the seed, the namespace and its name:
            // `.leaves(["web", "api"])` and `.leaves(["api", "web"])` give the same `web`.
            let mut leaf_rng = match self.seed {
                Some(seed) => leaf_rng(seed, &self.namespace, name),
                None => ChaCha20Rng::from_rng(&mut rng).map_err(|_| Error::InvalidSpec {
                    reason: "the operating system's RNG failed".into(),
                })?,
            };
            workloads.push(Workload::issue(
                &issuer,
                name,
                &self.namespace,
                self.at,
                &mut leaf_rng,
            )?);
        }
        Ok(Hierarchy {
            at: self.at,
            anchor,
            issuer,
            workloads,
        })
    }
}

/// A workload's credentials: leaf, key and the chain it presents.
#[derive(Debug)]
#[non_exhaustive]
pub struct Workload {
    /// The service account name.
    pub name: String,
    /// Its Linkerd identity (the leaf's DNS SAN).
    pub identity: String,
    /// The leaf.
    pub certificate: Certificate,
    /// The leaf's key.
    pub key: PrivateKey,
    /// The intermediates presented with it (the issuer).
    pub chain: Vec<Certificate>,
}

impl Workload {
    /// A workload from its parts: `name`, Linkerd `identity`, the leaf, its key and the chain
    /// it presents (for example after re-issuing its leaf under a new issuer).
    pub fn new(
        name: impl Into<String>,
        identity: impl Into<String>,
        certificate: Certificate,
        key: PrivateKey,
        chain: Vec<Certificate>,
    ) -> Self {
        Self {
            name: name.into(),
            identity: identity.into(),
            certificate,
            key,
            chain,
        }
    }

    fn issue(
        issuer: &Ca,
        name: &str,
        namespace: &str,
        at: OffsetDateTime,
        rng: &mut ChaCha20Rng,
    ) -> Result<Self, Error> {
        Self::issue_with(issuer, name, namespace, at, rng, |s| s)
    }

    fn issue_with(
        issuer: &Ca,
        name: &str,
        namespace: &str,
        at: OffsetDateTime,
        rng: &mut ChaCha20Rng,
        tweak: impl FnOnce(CertSpec) -> CertSpec,
    ) -> Result<Self, Error> {
        let identity = linkerd::workload_identity(name, namespace);
        let key = PrivateKey::generate(rng);
        let spec = tweak(linkerd::workload(&identity));
        let certificate = issuer.issue(&spec, key.public_key(), at, rng)?.certificate;
        Ok(Self {
            name: name.into(),
            identity,
            certificate,
            key,
            chain: vec![issuer.certificate().clone()],
        })
    }

    /// Verification options for this workload as a TLS server named by its identity.
    pub fn server_options(&self) -> VerifyOptions {
        VerifyOptions::for_usage(Usage::ServerAuth).with_name(PeerName::Dns(self.identity.clone()))
    }

    /// Verifies this workload's leaf and chain under `bundle` at `at`, as a server named by
    /// its identity.
    ///
    /// # Errors
    /// The [`VerifyError`].
    pub fn verify(
        &self,
        bundle: &TrustBundle,
        at: OffsetDateTime,
    ) -> Result<VerifiedChain, VerifyError> {
        verify(
            &self.certificate,
            &self.chain,
            bundle,
            at,
            &self.server_options(),
        )
    }
}

/// A whole hierarchy: anchor, issuer, workloads.
#[derive(Debug)]
#[non_exhaustive]
pub struct Hierarchy {
    /// The time everything was issued at.
    pub at: OffsetDateTime,
    /// The trust anchor (with its key).
    pub anchor: Ca,
    /// The identity issuer (with its key).
    pub issuer: Ca,
    /// The workloads, in the order they were asked for.
    pub workloads: Vec<Workload>,
}

impl Hierarchy {
    /// The trust bundle: the anchor.
    pub fn bundle(&self) -> TrustBundle {
        TrustBundle::from_anchors([self.anchor.trust_anchor()])
    }

    /// The workload `name`.
    ///
    /// # Panics
    /// If there is no such workload: a test fixture asked for by name is a test bug.
    #[allow(clippy::panic)]
    pub fn workload(&self, name: &str) -> &Workload {
        self.workloads
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("testkit: no workload named {name}"))
    }

    /// Writes the files `linkerd install` reads: `ca.crt`, `issuer.crt`, `issuer.key` (0600
    /// from creation, also when the files existed: fixtures are replaced by rename, never
    /// written in place or through a link; see [`write_new_files`](crate::write_new_files)).
    ///
    /// # Errors
    /// I/O errors ([`WriteError`](crate::WriteError) inside).
    pub fn write_linkerd_install(&self, dir: &Path) -> std::io::Result<()> {
        let files = [
            NewFile::public("ca.crt", self.anchor.certificate().to_pem()),
            NewFile::public("issuer.crt", self.issuer.certificate().to_pem()),
            NewFile::secret(
                "issuer.key",
                self.issuer.private_key().secret_pkcs8_pem().as_bytes(),
            ),
        ];
        crate::write_new_files(dir, &files, true).map_err(std::io::Error::other)
    }

    /// Writes cert-manager Secret data: `linkerd-trust-anchor/{tls.crt,tls.key,ca.crt}` and
    /// `linkerd-identity-issuer/{tls.crt,tls.key,ca.crt}`, and the trust-manager bundle
    /// `linkerd-identity-trust-roots/ca-bundle.crt` (replaced as
    /// [`write_linkerd_install`](Self::write_linkerd_install) replaces them).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_cert_manager(&self, dir: &Path) -> std::io::Result<()> {
        let anchor_pem = self.anchor.certificate().to_pem();
        let a = Path::new(linkerd::TRUST_ANCHOR_SECRET);
        let i = Path::new(linkerd::ISSUER_SECRET);
        let b = Path::new(linkerd::TRUST_ROOTS_CONFIGMAP);
        let files = [
            NewFile::public(a.join(linkerd::TLS_CRT), &anchor_pem),
            NewFile::secret(
                a.join(linkerd::TLS_KEY),
                self.anchor.private_key().secret_pkcs8_pem().as_bytes(),
            ),
            NewFile::public(a.join(linkerd::CA_CRT), &anchor_pem),
            NewFile::public(i.join(linkerd::TLS_CRT), self.issuer.certificate().to_pem()),
            NewFile::secret(
                i.join(linkerd::TLS_KEY),
                self.issuer.private_key().secret_pkcs8_pem().as_bytes(),
            ),
            NewFile::public(i.join(linkerd::CA_CRT), &anchor_pem),
            NewFile::public(b.join(linkerd::CA_BUNDLE_CRT), self.bundle().to_pem()),
        ];
        crate::write_new_files(dir, &files, true).map_err(std::io::Error::other)
    }
}

/// A failure shape: what to verify, when, and how; [`Scenario::verify`] gives the error each
/// scenario documents.
#[derive(Debug)]
#[non_exhaustive]
pub struct Scenario {
    /// The bundle the verifier holds.
    pub bundle: TrustBundle,
    /// The presented leaf (with its key, for handshakes).
    pub workload: Workload,
    /// The verification time.
    pub at: OffsetDateTime,
    /// The verification options.
    pub options: VerifyOptions,
}

impl Scenario {
    /// Runs certcycle's verifier on the scenario.
    ///
    /// # Errors
    /// The scenario's [`VerifyError`].
    pub fn verify(&self) -> Result<VerifiedChain, VerifyError> {
        verify(
            &self.workload.certificate,
            &self.workload.chain,
            &self.bundle,
            self.at,
            &self.options,
        )
    }
}

/// The failure scenarios tests need, each seeded and documented with certcycle's verdict.
pub mod scenario {
    use super::*;

    fn base(seed: u64) -> Result<(ChaCha20Rng, Ca, Ca), Error> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let anchor = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut rng),
            TEST_TIME,
            &mut rng,
        )?;
        let issuer = anchor
            .issue_ca(
                &linkerd::identity_issuer(),
                PrivateKey::generate(&mut rng),
                TEST_TIME,
                &mut rng,
            )?
            .ca;
        Ok((rng, anchor, issuer))
    }

    fn scenario(anchor: &Ca, workload: Workload, at: OffsetDateTime) -> Scenario {
        let options = workload.server_options();
        Scenario {
            bundle: TrustBundle::from_anchors([anchor.trust_anchor()]),
            workload,
            at,
            options,
        }
    }

    /// A leaf verified one second after its notAfter.
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::expired_leaf()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::Expired { cert, .. }) if cert.depth == 0));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn expired_leaf() -> Result<Scenario, Error> {
        let (mut rng, anchor, issuer) = base(1)?;
        let w = Workload::issue(&issuer, "web", "default", TEST_TIME, &mut rng)?;
        let at = w.certificate.not_after() + Duration::seconds(1);
        Ok(scenario(&anchor, w, at))
    }

    /// A leaf verified one second before its notBefore (which is backdated 20s).
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::not_yet_valid_leaf()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::NotYetValid { cert, .. }) if cert.depth == 0));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn not_yet_valid_leaf() -> Result<Scenario, Error> {
        let (mut rng, anchor, issuer) = base(2)?;
        let w = Workload::issue(
            &issuer,
            "web",
            "default",
            TEST_TIME + Duration::hours(1),
            &mut rng,
        )?;
        let at = w.certificate.not_before() - Duration::seconds(1);
        Ok(scenario(&anchor, w, at))
    }

    /// A valid leaf presented with a stale copy of its issuer: same name and key, but a
    /// certificate that has expired (issuer renewed with `rotationPolicy: Never`, the peer
    /// still sends the old one).
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::expired_issuer()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::Expired { cert, .. }) if cert.depth == 1));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn expired_issuer() -> Result<Scenario, Error> {
        let (mut rng, anchor, issuer) = base(3)?;
        // A short-lived copy of the issuer (same key), expired by the time we verify.
        let short = CertSpec::ca(linkerd::ISSUER_CN, Duration::hours(2))
            .rotation_policy(RotationPolicy::Never);
        let stale = anchor
            .issue_ca(
                &short,
                issuer.private_key().clone_key(),
                TEST_TIME,
                &mut rng,
            )?
            .ca;
        let mut w = Workload::issue(&issuer, "web", "default", TEST_TIME, &mut rng)?;
        w.chain = vec![stale.certificate().clone()];
        Ok(scenario(&anchor, w, TEST_TIME + Duration::hours(3)))
    }

    /// A leaf whose issuer is signed by a *foreign* anchor with the same name as the trusted
    /// one (another cluster's, or a rotation's new anchor not yet distributed).
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::foreign_anchor()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::BadSignature { cert, .. }) if cert.depth == 1));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn foreign_anchor() -> Result<Scenario, Error> {
        let (mut rng, trusted, _) = base(4)?;
        let (_, _, foreign_issuer) = base(5)?;
        let w = Workload::issue(&foreign_issuer, "web", "default", TEST_TIME, &mut rng)?;
        Ok(scenario(&trusted, w, TEST_TIME + Duration::hours(1)))
    }

    /// An issuer whose keyUsage lacks keyCertSign.
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::issuer_without_key_cert_sign()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::MissingKeyCertSign { cert }) if cert.depth == 1));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn issuer_without_key_cert_sign() -> Result<Scenario, Error> {
        let (mut rng, anchor, _) = base(6)?;
        let spec = linkerd::identity_issuer().key_usage(KeyUsage::DIGITAL_SIGNATURE);
        let broken =
            anchor.issue_broken_ca(&spec, PrivateKey::generate(&mut rng), TEST_TIME, &mut rng)?;
        let w = Workload::issue(&broken, "web", "default", TEST_TIME, &mut rng)?;
        Ok(scenario(&anchor, w, TEST_TIME + Duration::hours(1)))
    }

    /// A leaf for another identity than the one the client expects.
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::wrong_identity()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::NameMismatch { .. })));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn wrong_identity() -> Result<Scenario, Error> {
        let (mut rng, anchor, issuer) = base(7)?;
        let w = Workload::issue(&issuer, "web", "default", TEST_TIME, &mut rng)?;
        let mut s = scenario(&anchor, w, TEST_TIME + Duration::hours(1));
        s.options = VerifyOptions::for_usage(Usage::ServerAuth)
            .with_name(PeerName::Dns(linkerd::workload_identity("api", "default")));
        Ok(s)
    }

    /// A leaf allowed for client authentication only, verified as a server.
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let s = scenario::client_only_leaf()?;
    /// assert!(matches!(s.verify(), Err(VerifyError::WrongUsage { .. })));
    /// # Ok::<(), certcycle::Error>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn client_only_leaf() -> Result<Scenario, Error> {
        let (mut rng, anchor, issuer) = base(8)?;
        let w = Workload::issue_with(&issuer, "web", "default", TEST_TIME, &mut rng, |s| {
            s.ext_key_usage(vec![ExtendedKeyUsage::ClientAuth])
        })?;
        Ok(scenario(&anchor, w, TEST_TIME + Duration::hours(1)))
    }

    /// Two anchors with one name, mid-rotation: a leaf under each, and the bundles of each
    /// stage.
    ///
    /// ```
    /// use certcycle::{testkit::scenario, VerifyError};
    /// let r = scenario::mid_rotation()?;
    /// r.old_leaf.verify(&r.both, r.at)?;
    /// r.new_leaf.verify(&r.both, r.at)?;
    /// // A peer that still holds only the old anchor rejects the new leaf.
    /// assert!(matches!(r.new_leaf.verify(&r.old_only, r.at), Err(VerifyError::BadSignature { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Issuing errors (none in practice).
    pub fn mid_rotation() -> Result<MidRotation, Error> {
        let (mut rng, old, old_issuer) = base(9)?;
        let at = TEST_TIME + Duration::hours(1);
        let new = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(&mut rng),
            at,
            &mut rng,
        )?;
        let new_issuer = new
            .issue_ca(
                &linkerd::identity_issuer(),
                PrivateKey::generate(&mut rng),
                at,
                &mut rng,
            )?
            .ca;
        let old_leaf = Workload::issue(&old_issuer, "web", "default", at, &mut rng)?;
        let new_leaf = Workload::issue(&new_issuer, "api", "default", at, &mut rng)?;
        Ok(MidRotation {
            at,
            old_only: TrustBundle::from_anchors([old.trust_anchor()]),
            new_only: TrustBundle::from_anchors([new.trust_anchor()]),
            both: TrustBundle::from_anchors([old.trust_anchor(), new.trust_anchor()]),
            old_anchor: old,
            new_anchor: new,
            old_leaf,
            new_leaf,
        })
    }

    /// The state of [`mid_rotation`].
    #[derive(Debug)]
    #[non_exhaustive]
    pub struct MidRotation {
        /// When to verify.
        pub at: OffsetDateTime,
        /// The old anchor.
        pub old_anchor: Ca,
        /// The new anchor (same subject, new key).
        pub new_anchor: Ca,
        /// The bundle before the rotation.
        pub old_only: TrustBundle,
        /// The bundle during it.
        pub both: TrustBundle,
        /// The bundle after it.
        pub new_only: TrustBundle,
        /// A leaf (workload `web`) under the old anchor.
        pub old_leaf: Workload,
        /// A leaf (workload `api`) under the new anchor.
        pub new_leaf: Workload,
    }
}

/// rustls configurations (feature `rustls`). certcycle chooses no crypto provider: pass one
/// (`rustls::crypto::ring::default_provider()`, aws-lc-rs, …). Time is passed in too, so a test
/// on a simulated clock handshakes at that time.
#[cfg(feature = "rustls")]
pub mod tls {
    use super::Workload;
    use crate::bundle::TrustBundle;
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::UnixTime;
    use std::sync::Arc;
    use time::OffsetDateTime;

    /// A rustls time provider that always answers one time.
    #[derive(Debug)]
    pub struct FixedTime(pub UnixTime);

    impl FixedTime {
        /// At `at`.
        pub fn at(at: OffsetDateTime) -> Arc<Self> {
            Arc::new(Self(UnixTime::since_unix_epoch(
                std::time::Duration::from_secs(u64::try_from(at.unix_timestamp()).unwrap_or(0)),
            )))
        }
    }

    impl rustls::time_provider::TimeProvider for FixedTime {
        fn current_time(&self) -> Option<UnixTime> {
            Some(self.0)
        }
    }

    /// A server config presenting `w`'s chain and requiring client certificates that verify
    /// under `bundle` — with certcycle's own verifier ([`crate::tls::CertcycleVerifier`]), so
    /// a handshake and [`crate::verify()`] can never disagree.
    ///
    /// # Errors
    /// rustls errors.
    pub fn server_config(
        w: &Workload,
        bundle: &TrustBundle,
        provider: Arc<CryptoProvider>,
        at: OffsetDateTime,
    ) -> Result<rustls::ServerConfig, rustls::Error> {
        let (verifier, identity) = stores(w, bundle, &provider)?;
        crate::tls::server_config_at(verifier, identity, provider, FixedTime::at(at))
    }

    /// A client config presenting `w`'s chain and trusting `bundle`, with certcycle's own
    /// verifier.
    ///
    /// # Errors
    /// rustls errors.
    pub fn client_config(
        w: &Workload,
        bundle: &TrustBundle,
        provider: Arc<CryptoProvider>,
        at: OffsetDateTime,
    ) -> Result<rustls::ClientConfig, rustls::Error> {
        let (verifier, identity) = stores(w, bundle, &provider)?;
        crate::tls::client_config_at(verifier, identity, provider, FixedTime::at(at))
    }

    type Stores = (
        Arc<crate::tls::CertcycleVerifier>,
        Arc<crate::tls::IdentityStore>,
    );

    fn stores(
        w: &Workload,
        bundle: &TrustBundle,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Stores, rustls::Error> {
        let trust = Arc::new(crate::tls::TrustStore::new(bundle.clone()));
        let verifier = Arc::new(crate::tls::CertcycleVerifier::new(trust, provider.clone()));
        let identity = Arc::new(crate::tls::IdentityStore::new(
            &w.certificate,
            &w.chain,
            &w.key,
            provider,
        )?);
        Ok((verifier, identity))
    }
}
