//! # certcycle
//!
//! The whole life of a service mesh's control-plane certificates, as typed Rust values and
//! pure functions: ECDSA P-256 **trust anchors**, **identity issuers** signed by them, the
//! **workload certificates** below, and the **trust bundles** peers verify against.
//!
//! Service meshes such as Linkerd build mTLS identity on a chain: a long-lived self-signed
//! trust anchor signs a short-lived identity issuer (48h, renewed 25h before expiry), which
//! signs every workload's 24h certificate. certcycle issues each of them correctly to
//! RFC 5280 (random serials, AKI = the issuer's *actual* SKI, explicit validity, capped at
//! the issuer's expiry), reads what other tools made, and never reads the clock or the OS RNG
//! behind your back: time and randomness are arguments.
//!
//! ```
//! use certcycle::{Ca, PrivateKey, presets::linkerd};
//! use time::macros::datetime;
//!
//! let now = datetime!(2026-11-28 12:00 UTC);
//! let rng = &mut rand_core::OsRng;
//!
//! // 1. A trust anchor (self-signed, one year) and an identity issuer signed by it (48h).
//! let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
//! let issuer = anchor
//!     .issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(rng), now, rng)?
//!     .ca;
//!
//! // 2. A workload certificate (24h, 20s backdate, DNS SAN identity, server + client auth).
//! let identity = linkerd::workload_identity("web", "default");
//! let workload_key = PrivateKey::generate(rng);
//! let leaf = issuer.issue(&linkerd::workload(&identity), workload_key.public_key(), now, rng)?;
//!
//! // 3. The seed document's inspect view: AKI of each certificate = SKI of its issuer.
//! assert_eq!(leaf.certificate.authority_key_id(), issuer.certificate().subject_key_id());
//! assert_eq!(leaf.certificate.dns_names(), vec![identity]);
//! println!("{}", issuer.certificate().inspect());
//! // Issuer:  3f0c0c8e1b6d7a29... CN=root.linkerd.cluster.local
//! // Subject: 9a1e5d2b7c4f8e03... CN=identity.linkerd.cluster.local
//! assert!(anchor.certificate().authority_key_id().is_none()); // self-signed: no AKI
//! # Ok::<(), certcycle::Error>(())
//! ```
//!
//! ## What is where
//! The crate root re-exports the core values, the functions over them, and every type that
//! appears in their fields and errors (so `certcycle::CertRef` and `certcycle::Rule` are there
//! beside `VerifyError` and `Renewal`); the lifecycle modules [`health`], [`rotation`],
//! [`mesh`] and `testkit` keep their own types in their namespaces.
//!
//! - [`Certificate`], [`PrivateKey`], [`PublicKey`]: parsing and encoding (PEM per RFC 7468,
//!   DER per X.690, structures per RFC 5280 / RFC 5915 / RFC 5958).
//! - [`CertSpec`], [`presets`]: what to issue; [`Ca`]: the only type that signs.
//! - [`TrustAnchor`]: a CA certificate with no key; [`TrustBundle`]: merged, de-duplicated,
//!   canonically ordered anchors from labelled PEM sources.
//! - [`verify()`]: strict RFC 5280 path validation with path building ([`verify`](mod@verify)
//!   module), one work budget per call; [`SignatureCache`] keeps verified links and
//!   [`PreparedKey`]s (precomputed tables: P-256 verification faster than ring, pure Rust).
//! - [`health`]: `linkerd check`'s identity checks as data, with stable ids; every check and
//!   lint of the crate is a [`lint::Finding`].
//! - [`rotation`]: issuer renewal and the typed seven-step anchor rotation.
//! - [`plan`] and [`mesh`]: one simulation engine with cert-manager, trust-manager, Linkerd's
//!   identity controller and the proxies as their sources behave. [`plan`] runs a cluster's
//!   configuration forward to its first mTLS break, its causes and re-run fixes; [`mesh`] is
//!   the same engine driven by hand, with a real key and leaf per workload and continuity
//!   checked between every pair.
//! - `testkit` (feature `testkit`, and `rustls` for rustls configs): whole hierarchies in a
//!   line, seeded, with failure scenarios — the way to use certcycle in tests.
//! - `tls` (feature `rustls`): live trust for rustls services — trust and identity stores
//!   swapped while the process runs, certcycle's verifier in the handshake.
//! - `k8s` (feature `k8s`): cert-manager, trust-manager and Linkerd objects from YAML/JSON
//!   (`kubectl get -o yaml|json`) or a `rotate --out` directory, resolved, linted, and the
//!   rotation [`Phase`](rotation::Phase) they show. Feature `json` (on with `k8s`): reports
//!   as JSON values.
//! - [`renewal`]: when to renew (cert-manager's rule, step's, Linkerd's proxy's), spec
//!   validation as cert-manager's webhook does it, and lints; [`GoDuration`] for `48h0m0s`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub, missing_debug_implementations)]

mod anchor;
mod asn1;
mod bundle;
mod cert;
mod csr;
mod display;
mod dn;
mod duration;
mod error;
pub mod health;
mod issue;
#[cfg(feature = "k8s")]
pub mod k8s;
mod key;
pub mod lint;
pub mod mesh;
pub(crate) mod oid;
mod pem;
// Used by `plan`'s dated actions; the k8s feature re-exports it.
pub mod plan;
pub mod presets;
pub mod renewal;
pub mod rotation;
#[cfg_attr(not(feature = "k8s"), allow(dead_code))]
mod shell;
mod sim;
mod spec;
#[cfg(feature = "testkit")]
pub mod testkit;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod verify;
mod write;

pub use anchor::TrustAnchor;
pub use asn1::DerErrorKind;
pub use bundle::{
    Built, BundleDiff, BundleError, BundleOptions, BundleWarning, Dropped, Origin, TrustBundle,
};
pub use cert::{
    BasicConstraints, Certificate, ExtendedKeyUsage, Fingerprint, Inspection, KeyUsage,
    SignatureAlgorithm, SubjectAltName,
};
pub use csr::csr_der_from_pem;
pub use display::visible;
pub use duration::{DurationError, GoDuration, HumanDuration};
pub use error::Error;
pub use issue::{Ca, Issued, IssuedCa};
pub use key::{PreparedKey, PrivateKey, PublicKey};
pub use oid::{Oid, OidParseError};
pub use pem::{PemError, PemErrorKind};
pub use renewal::{
    Fallback, LintId, NextAction, Renewal, RenewalPolicy, RenewalState, Rule, SpecError,
};
pub use spec::{CertSpec, RotationPolicy};
pub use verify::{
    BudgetKind, CertRef, PeerName, ProfileRule, SignatureCache, Usage, VerifiedChain, VerifyError,
    VerifyOptions, verify, verify_cached,
};
pub use write::{NewFile, WriteError, write_new_files};

/// The README's code blocks, compiled and run as doctests (`cargo test --doc`), so what a
/// newcomer copies works as written.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
