//! Issuing certificates: [`Ca`], the only type that can sign.

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, ExtendedKeyUsage, key_usage_to_rcgen};
use crate::error::Error;
use crate::key::{PrivateKey, PublicKey, Rcgen};
use crate::spec::CertSpec;
use crate::verify::{Role, check_issued};
use rand_core::CryptoRngCore;
use std::fmt;
use time::OffsetDateTime;

/// A CA that can sign: its certificate and its private key, checked to belong together.
///
/// Made by self-signing ([`Ca::self_signed`]), by a parent CA ([`Ca::issue_ca`]), or by
/// loading an existing certificate and key ([`Ca::from_pem`]) — for example an off-line root
/// made by `step` or `openssl`. Everything it issues carries an authorityKeyIdentifier equal to
/// this CA's *actual* subjectKeyIdentifier and an issuer name equal to this CA's subject bytes.
///
/// ```
/// use certcycle::{Ca, PrivateKey, presets::linkerd};
/// let now = time::macros::datetime!(2026-01-01 0:00 UTC);
/// let rng = &mut rand_core::OsRng;
/// let anchor = Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), now, rng)?;
/// let issuer = anchor.issue_ca(&linkerd::identity_issuer(), PrivateKey::generate(rng), now, rng)?.ca;
/// let leaf_key = PrivateKey::generate(rng);
/// let leaf = issuer.issue(&linkerd::workload("web.default.serviceaccount.identity.linkerd.cluster.local"),
///     leaf_key.public_key(), now, rng)?;
/// assert_eq!(leaf.certificate.authority_key_id(), issuer.certificate().subject_key_id());
/// println!("{}", leaf.certificate.inspect());
/// # Ok::<(), certcycle::Error>(())
/// ```
pub struct Ca {
    cert: Certificate,
    key: PrivateKey,
    /// The issuer side of rcgen's encoder: our subject name and actual SKI.
    rcgen_params: rcgen::CertificateParams,
}

/// A certificate just issued, and whether its notAfter was capped at the issuer's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Issued {
    /// The certificate.
    pub certificate: Certificate,
    /// `Some(requested notAfter)` when the requested lifetime would have outlived the issuer
    /// and notAfter was cut to the issuer's notAfter (Linkerd does the same).
    pub capped_from: Option<OffsetDateTime>,
}

/// A CA just issued by another CA.
#[derive(Debug)]
#[non_exhaustive]
pub struct IssuedCa {
    /// The new CA.
    pub ca: Ca,
    /// `Some(requested notAfter)` when notAfter was capped at the parent's.
    pub capped_from: Option<OffsetDateTime>,
}

impl Ca {
    /// Makes a self-signed CA (a trust anchor) from `spec` and `key`, valid from
    /// `now - backdate` to `now + duration`.
    ///
    /// # Errors
    /// [`Error::InvalidSpec`] if `spec` is not a CA spec or cannot be issued.
    pub fn self_signed(
        spec: &CertSpec,
        key: PrivateKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Self, Error> {
        require_ca(spec)?;
        spec.check_issuable()?;
        let now = truncate(now);
        let params = params_for(
            spec,
            key.public_key(),
            shift(now, -spec.backdate)?,
            shift(now, spec.duration)?,
            rng,
            true,
        )?;
        let cert = params.self_signed(&Rcgen(&key)).map_err(encoding)?;
        let cert = Certificate::from_der(cert.der().to_vec())?;
        would_verify(&cert, now, Role::Anchor)?;
        Self::new(cert, key)
    }

    /// Pairs a CA certificate with its key, checking that the key matches the certificate and
    /// that the certificate is a CA (basicConstraints cA, keyCertSign if keyUsage is present).
    ///
    /// # Errors
    /// [`Error::KeyMismatch`], [`Error::NotCa`], [`Error::UnsupportedAlgorithm`] (not a
    /// P-256 certificate), [`Error::IssuerNameNotReproducible`].
    pub fn new(cert: Certificate, key: PrivateKey) -> Result<Self, Error> {
        let public = cert.public_key()?;
        if cert.subject_key_id().is_none() {
            return Err(Error::NotCa {
                subject: cert.subject(),
                reason: "no subjectKeyIdentifier: what it issued would carry no \
                         authorityKeyIdentifier, and no strict verifier accepts that",
            });
        }
        if &public != key.public_key() {
            return Err(Error::KeyMismatch {
                subject: cert.subject(),
            });
        }
        if !cert.is_ca() {
            return Err(Error::NotCa {
                subject: cert.subject(),
                reason: "basicConstraints does not say cA=TRUE",
            });
        }
        if cert
            .key_usage()
            .is_some_and(|ku| !ku.contains(crate::KeyUsage::KEY_CERT_SIGN))
        {
            return Err(Error::NotCa {
                subject: cert.subject(),
                reason: "keyUsage lacks keyCertSign",
            });
        }
        let rcgen_params = issuer_params(&cert)?;
        Ok(Self {
            cert,
            key,
            rcgen_params,
        })
    }

    /// Loads a CA from PEM certificate and key texts (PKCS#8 or SEC1 key).
    ///
    /// # Errors
    /// As [`Certificate::from_pem`], [`PrivateKey::from_pem`] and [`Ca::new`].
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, Error> {
        Self::new(
            Certificate::from_pem(cert_pem)?,
            PrivateKey::from_pem(key_pem)?,
        )
    }

    /// Issues a CA *without* the checks that keep certcycle's own CAs correct (the testkit's
    /// broken-CA scenarios), and pairs it with its key checking only that they match.
    #[cfg(feature = "testkit")]
    pub(crate) fn issue_broken_ca(
        &self,
        spec: &CertSpec,
        key: PrivateKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Ca, Error> {
        let issued = self.issue_inner(spec, key.public_key(), now, rng, None)?;
        let cert = issued.certificate;
        let rcgen_params = issuer_params(&cert)?;
        Ok(Self {
            cert,
            key,
            rcgen_params,
        })
    }

    /// A second copy of this CA, key included (deliberately not `Clone`).
    pub fn clone_ca(&self) -> Self {
        Self {
            cert: self.cert.clone(),
            key: self.key.clone_key(),
            rcgen_params: self.rcgen_params.clone(),
        }
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// The CA's private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificate as a public [`TrustAnchor`] (for a bundle).
    pub fn trust_anchor(&self) -> TrustAnchor {
        TrustAnchor::new_unchecked(self.cert.clone())
    }

    /// Splits into certificate and key.
    pub fn into_parts(self) -> (Certificate, PrivateKey) {
        (self.cert, self.key)
    }

    /// Issues a certificate for `subject_key` from `spec` at `now`.
    ///
    /// Validity runs from `now - backdate` to `now + duration`, but never past this CA's
    /// notAfter (the cap is reported in [`Issued::capped_from`]). The serial is 20 random
    /// octets from `rng`, positive. The subjectKeyIdentifier is [`PublicKey::key_id`]; the
    /// authorityKeyIdentifier is this CA's actual SKI (omitted only if this CA has none).
    ///
    /// Only end-entity certificates come from here: a CA spec is refused, since a CA made for
    /// a key that someone else holds could sign anything ([`Ca::issue_ca`] makes CAs, holding
    /// their key). What is issued passes certcycle's own strict verifier, or is not issued.
    ///
    /// # Errors
    /// [`Error::InvalidSpec`] (a CA spec, or a spec that cannot be issued),
    /// [`Error::WouldNotVerify`] (the certificate would break a rule of the verifier's strict
    /// profile), [`Error::IssuerNotValid`] when `now` is outside this CA's validity,
    /// [`Error::Encoding`].
    pub fn issue(
        &self,
        spec: &CertSpec,
        subject_key: &PublicKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Issued, Error> {
        if spec.is_ca {
            return Err(Error::InvalidSpec {
                reason: "a CA spec: CAs are issued with Ca::issue_ca, which holds the new CA's \
                         key, never for a key someone else presents"
                    .into(),
            });
        }
        spec.check_issuable()?;
        self.issue_inner(spec, subject_key, now, rng, Some(Role::Leaf))
    }

    fn issue_inner(
        &self,
        spec: &CertSpec,
        subject_key: &PublicKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
        role: Option<Role>,
    ) -> Result<Issued, Error> {
        let now = truncate(now);
        if !self.cert.is_valid_at(now) {
            return Err(Error::IssuerNotValid {
                issuer: self.cert.subject(),
                at: now,
                not_before: self.cert.not_before(),
                not_after: self.cert.not_after(),
            });
        }
        let requested = shift(now, spec.duration)?;
        let (not_after, capped_from) = if requested > self.cert.not_after() {
            (self.cert.not_after(), Some(requested))
        } else {
            (requested, None)
        };
        let mut params = params_for(
            spec,
            subject_key,
            shift(now, -spec.backdate)?,
            not_after,
            rng,
            role.is_some(),
        )?;
        params.use_authority_key_identifier_extension = self.cert.subject_key_id().is_some();
        let signer = Rcgen(&self.key);
        let issuer = rcgen::Issuer::from_params(&self.rcgen_params, &signer);
        let der = params
            .signed_by(&Rcgen(subject_key), &issuer)
            .map_err(encoding)?;
        let certificate = Certificate::from_der(der.der().to_vec())?;
        if certificate.issuer_der() != self.cert.subject_der() {
            return Err(Error::IssuerNameNotReproducible {
                issuer: self.cert.subject(),
                reason: "the encoder wrote different name bytes",
            });
        }
        if let Some(role) = role {
            would_verify(&certificate, now, role)?;
        }
        Ok(Issued {
            certificate,
            capped_from,
        })
    }

    /// Issues a subordinate CA (such as Linkerd's identity issuer) holding `key`.
    ///
    /// Under a parent with a pathLenConstraint of `n`, the new CA may have at most `n - 1`
    /// (a parent with `0` issues no CA); a new CA without its own constraint is allowed there,
    /// since the parent's still applies.
    ///
    /// # Errors
    /// As [`Ca::issue`]; [`Error::InvalidSpec`] if `spec` is not a CA spec;
    /// [`Error::PathLenConstraint`] when the parent's pathLenConstraint leaves no room.
    pub fn issue_ca(
        &self,
        spec: &CertSpec,
        key: PrivateKey,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<IssuedCa, Error> {
        require_ca(spec)?;
        if let Some(parent) = self.cert.basic_constraints().and_then(|bc| bc.path_len)
            && (parent == 0 || spec.path_len.is_some_and(|n| n >= parent))
        {
            return Err(Error::PathLenConstraint {
                issuer: self.cert.subject(),
                parent_path_len: parent,
                requested: spec.path_len,
            });
        }
        spec.check_issuable()?;
        let issued =
            self.issue_inner(spec, key.public_key(), now, rng, Some(Role::Intermediate))?;
        Ok(IssuedCa {
            ca: Ca::new(issued.certificate, key)?,
            capped_from: issued.capped_from,
        })
    }

    /// Issues a workload certificate for a PKCS#10 request (RFC 2986), as Linkerd's identity
    /// service does for each proxy: the request's self-signature is verified and its public
    /// key taken; its subject and requested extensions are ignored — names, lifetime and
    /// usages come from `spec`, which the caller derives from the workload's authenticated
    /// identity.
    ///
    /// # Errors
    /// [`Error::Malformed`] (what = "CSR") for bad DER, [`Error::UnsupportedAlgorithm`] for a
    /// key or signature that is not ECDSA P-256 / SHA-256, [`Error::CsrBadSignature`], and
    /// the errors of [`Ca::issue`].
    pub fn issue_from_csr(
        &self,
        csr_der: &[u8],
        spec: &CertSpec,
        now: OffsetDateTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Issued, Error> {
        let key = crate::csr::verify_csr(csr_der)?;
        self.issue(spec, &key, now, rng)
    }
}

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ca")
            .field("certificate", &self.cert)
            .field("key", &self.key)
            .finish()
    }
}

/// The issuer side of rcgen's encoder for `cert`: its subject name, re-encoded exactly, and
/// its actual SKI (what every certificate it issues carries as AKI).
fn issuer_params(cert: &Certificate) -> Result<rcgen::CertificateParams, Error> {
    let distinguished_name = crate::dn::to_rcgen(cert.subject_der()).map_err(|reason| {
        Error::IssuerNameNotReproducible {
            issuer: cert.subject(),
            reason,
        }
    })?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = distinguished_name;
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(
        cert.subject_key_id()
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
    );
    Ok(params)
}

/// The verifier's own rules on a certificate just issued ([`Error::WouldNotVerify`]).
fn would_verify(cert: &Certificate, now: OffsetDateTime, role: Role) -> Result<(), Error> {
    check_issued(cert, now, role).map_err(|reason| Error::WouldNotVerify {
        reason: Box::new(reason),
    })
}

fn require_ca(spec: &CertSpec) -> Result<(), Error> {
    if spec.is_ca {
        Ok(())
    } else {
        Err(Error::InvalidSpec {
            reason: "a CA needs a CA spec (CertSpec::ca)".into(),
        })
    }
}

fn encoding(e: rcgen::Error) -> Error {
    Error::Encoding {
        reason: e.to_string(),
    }
}

/// `t + d`, or a typed error where the result leaves the representable range (year 9999).
fn shift(t: OffsetDateTime, d: time::Duration) -> Result<OffsetDateTime, Error> {
    Error::add_time(t, d)
}

fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(0).unwrap_or(t)
}

/// A random positive serial of exactly 20 octets (RFC 5280 §4.1.2.2), 158 bits of entropy.
fn random_serial(rng: &mut impl CryptoRngCore) -> rcgen::SerialNumber {
    let mut bytes = [0u8; 20];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    rcgen::SerialNumber::from_slice(&bytes)
}

fn params_for(
    spec: &CertSpec,
    subject_key: &PublicKey,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    rng: &mut impl CryptoRngCore,
    checked: bool,
) -> Result<rcgen::CertificateParams, Error> {
    if checked {
        spec.check_issuable()?;
    }
    let invalid = |what: &str, e: rcgen::Error| Error::InvalidSpec {
        reason: format!("{what}: {e}"),
    };
    let mut p = rcgen::CertificateParams::default();
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(random_serial(rng));
    p.distinguished_name = rcgen::DistinguishedName::new();
    if let Some(cn) = spec.common_name.as_deref().filter(|cn| !cn.is_empty()) {
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    }
    for dns in &spec.dns_names {
        let name =
            rcgen::string::Ia5String::try_from(dns.as_str()).map_err(|e| invalid("dNSName", e))?;
        p.subject_alt_names.push(rcgen::SanType::DnsName(name));
    }
    for uri in &spec.uri_names {
        let name =
            rcgen::string::Ia5String::try_from(uri.as_str()).map_err(|e| invalid("URI", e))?;
        p.subject_alt_names.push(rcgen::SanType::URI(name));
    }
    p.is_ca = if spec.is_ca {
        rcgen::IsCa::Ca(match spec.path_len {
            Some(n) => rcgen::BasicConstraints::Constrained(n),
            None => rcgen::BasicConstraints::Unconstrained,
        })
    } else {
        // ExplicitNoCa writes basicConstraints (cA absent) and, with it, the SKI.
        rcgen::IsCa::ExplicitNoCa
    };
    p.key_usages = key_usage_to_rcgen(spec.key_usage);
    p.extended_key_usages = spec
        .ext_key_usage
        .iter()
        .map(|u| match u {
            ExtendedKeyUsage::ServerAuth => Ok(rcgen::ExtendedKeyUsagePurpose::ServerAuth),
            ExtendedKeyUsage::ClientAuth => Ok(rcgen::ExtendedKeyUsagePurpose::ClientAuth),
            ExtendedKeyUsage::Any => Ok(rcgen::ExtendedKeyUsagePurpose::Any),
            ExtendedKeyUsage::Other(oid) => oid
                .arcs()
                .map(rcgen::ExtendedKeyUsagePurpose::Other)
                .ok_or_else(|| Error::InvalidSpec {
                    reason: format!("EKU OID {oid} has an arc beyond 64 bits"),
                }),
        })
        .collect::<Result<_, _>>()?;
    p.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(subject_key.key_id().to_vec());
    Ok(p)
}
