//! ECDSA P-256 keys: the private key that signs, and the public key a certificate carries.

use crate::asn1::{self, Reader, tag};
use crate::error::Error;
use crate::oid;
use crate::pem::{Blocks, PemError, PemErrorKind};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

mod prepared;
pub use prepared::PreparedKey;

/// An ECDSA P-256 public key (an uncompressed SEC1 point), as a certificate or CSR carries it.
/// The point is validated once, when the key is made.
#[derive(Clone)]
pub struct PublicKey {
    point: [u8; 65],
    key: p256::ecdsa::VerifyingKey,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.point == other.point
    }
}

impl Eq for PublicKey {}

impl std::hash::Hash for PublicKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.point.hash(state);
    }
}

impl PublicKey {
    /// Reads a DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7, RFC 5480).
    ///
    /// # Errors
    /// [`Error::Malformed`] for bad DER; [`Error::UnsupportedAlgorithm`] for any key that is
    /// not an EC key on P-256, naming what it is.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let spki =
            asn1::parse_one(der, tag::SEQUENCE).map_err(|e| Error::malformed("public key", e))?;
        Self::from_spki_tlv(&spki, "public key")
    }

    pub(crate) fn from_spki_tlv(spki: &asn1::Tlv<'_>, what: &'static str) -> Result<Self, Error> {
        let m = |e| Error::malformed(what, e);
        let mut r = spki.reader();
        let alg = r.read(tag::SEQUENCE).map_err(m)?;
        let bits = r.read(tag::BIT_STRING).map_err(m)?;
        r.finish().map_err(m)?;
        let (alg_oid, curve) = algorithm_identifier(&alg).map_err(m)?;
        if alg_oid != oid::EC_PUBLIC_KEY || curve != Some(oid::P256) {
            return Err(Error::UnsupportedAlgorithm {
                what,
                found: oid::algorithm_name(alg_oid, curve),
            });
        }
        let point = asn1::bit_string_octets(&bits).map_err(m)?;
        Self::from_sec1_point(point).ok_or(Error::Malformed {
            what,
            offset: bits.start,
            kind: crate::asn1::DerErrorKind::Invalid("public key is not a valid P-256 point"),
        })
    }

    /// A key from its SEC1 point encoding (compressed or uncompressed), if valid on P-256.
    pub fn from_sec1_point(point: &[u8]) -> Option<Self> {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).ok()?;
        Some(Self::from_verifying_key(&key))
    }

    fn from_verifying_key(key: &p256::ecdsa::VerifyingKey) -> Self {
        let encoded = key.to_encoded_point(false);
        let mut point = [0u8; 65];
        point.copy_from_slice(encoded.as_bytes());
        Self { point, key: *key }
    }

    /// The uncompressed SEC1 point (65 bytes, `04 || X || Y`).
    pub fn sec1_bytes(&self) -> &[u8; 65] {
        &self.point
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn to_spki_der(&self) -> Vec<u8> {
        // SEQUENCE { SEQUENCE { ecPublicKey, prime256v1 }, BIT STRING { 00 point } }
        let mut out = vec![0x30, 0x59, 0x30, 0x13, 0x06, 0x07];
        out.extend_from_slice(oid::EC_PUBLIC_KEY);
        out.extend_from_slice(&[0x06, 0x08]);
        out.extend_from_slice(oid::P256);
        out.extend_from_slice(&[0x03, 0x42, 0x00]);
        out.extend_from_slice(&self.point);
        out
    }

    /// The key identifier certcycle puts in the SubjectKeyIdentifier of the certificates it
    /// issues: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits (RFC 7093 §2
    /// method 1). Issued certificates' AKIs always copy the issuer's *actual* SKI instead.
    pub fn key_id(&self) -> [u8; 20] {
        let digest = Sha256::digest(self.point);
        let mut id = [0u8; 20];
        id.copy_from_slice(&digest[..20]);
        id
    }

    /// Verifies a DER ECDSA signature over `msg` with SHA-256 (or SHA-384 when `sha384`).
    pub(crate) fn verify(&self, msg: &[u8], der_sig: &[u8], sha384: bool) -> bool {
        let key = &self.key;
        let Ok(sig) = p256::ecdsa::DerSignature::from_bytes(der_sig) else {
            return false;
        };
        if sha384 {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let Ok(sig) = p256::ecdsa::Signature::try_from(sig) else {
                return false;
            };
            let digest = sha2::Sha384::digest(msg);
            key.verify_prehash(&digest, &sig).is_ok()
        } else {
            key.verify(msg, &sig).is_ok()
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_id", &crate::display::hex(&self.key_id()))
            .finish()
    }
}

/// rcgen's view of a certcycle key, private to the crate: rcgen's traits are not part of
/// certcycle's API, so nobody can sign arbitrary rcgen parameters with a certcycle key and
/// bypass [`crate::Ca`]'s checks.
pub(crate) struct Rcgen<'a, K>(pub(crate) &'a K);

impl rcgen::PublicKeyData for Rcgen<'_, PublicKey> {
    fn der_bytes(&self) -> &[u8] {
        &self.0.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

/// Reads an AlgorithmIdentifier: the algorithm OID and, when the parameters are an OID (a
/// named curve), that OID.
pub(crate) fn algorithm_identifier<'a>(
    alg: &asn1::Tlv<'a>,
) -> asn1::DerResult<(&'a [u8], Option<&'a [u8]>)> {
    let mut r = alg.reader();
    let oid = r.read(tag::OID)?;
    let params = if r.is_empty() {
        None
    } else {
        Some(r.read_any()?)
    };
    r.finish()?;
    Ok((
        oid.value,
        params.filter(|p| p.tag == tag::OID).map(|p| p.value),
    ))
}

/// An ECDSA P-256 private key.
///
/// It is zeroized on drop, is not `Clone` (use [`PrivateKey::clone_key`] where a copy is
/// really meant), and its `Debug` shows only the public key id. Exports come as
/// [`Zeroizing`] buffers.
///
/// It signs only through [`crate::Ca`]: it is not an rcgen signer, so no one can sign
/// arbitrary rcgen parameters with it and skip `Ca`'s checks.
///
/// ```compile_fail
/// fn rcgen_signer<T: rcgen::SigningKey>(_: &T) {}
/// rcgen_signer(&certcycle::PrivateKey::generate_os());
/// ```
///
/// ```
/// fn rcgen_signer<T: rcgen::SigningKey>(_: &T) {}
/// # struct Mine; impl rcgen::PublicKeyData for Mine { fn der_bytes(&self) -> &[u8] { &[] }
/// # fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm { &rcgen::PKCS_ECDSA_P256_SHA256 } }
/// # impl rcgen::SigningKey for Mine { fn sign(&self, _: &[u8]) -> Result<Vec<u8>, rcgen::Error> { Ok(vec![]) } }
/// rcgen_signer(&Mine); // the same check compiles for a type that is one
/// ```
pub struct PrivateKey {
    key: p256::ecdsa::SigningKey,
    public: PublicKey,
}

impl PrivateKey {
    /// Generates a key from `rng`.
    ///
    /// ```
    /// let key = certcycle::PrivateKey::generate(&mut rand_core::OsRng);
    /// assert_eq!(key.public_key().sec1_bytes()[0], 4);
    /// ```
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self::from_signing_key(p256::ecdsa::SigningKey::random(rng))
    }

    /// Generates a key from the operating system's RNG.
    pub fn generate_os() -> Self {
        Self::generate(&mut rand_core::OsRng)
    }

    fn from_signing_key(key: p256::ecdsa::SigningKey) -> Self {
        let public = PublicKey::from_verifying_key(key.verifying_key());
        Self { key, public }
    }

    /// A second copy of this key (deliberately not `Clone`).
    pub fn clone_key(&self) -> Self {
        Self::from_signing_key(self.key.clone())
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Reads a PEM private key: `PRIVATE KEY` (PKCS#8, RFC 5958) or `EC PRIVATE KEY` (SEC1,
    /// RFC 5915). An `EC PARAMETERS` block (as `openssl ecparam -genkey` writes) is skipped;
    /// any other block is an error, and so is a second key block. The base64 is read by the
    /// same line reader as certificates, in constant time.
    ///
    /// # Errors
    /// [`Error::Pem`] for malformed PEM or a wrong label (an `ENCRYPTED PRIVATE KEY` or
    /// `RSA PRIVATE KEY` is named as such); [`Error::UnsupportedAlgorithm`] for keys that are
    /// not P-256; [`Error::Malformed`] for bad DER.
    pub fn from_pem(text: &str) -> Result<Self, Error> {
        let what = "private key";
        let mut first = None;
        let mut second = None;
        let mut count = 0;
        for block in Blocks::new(text) {
            let block = block.map_err(Error::pem(what))?;
            if block.label == "EC PARAMETERS" {
                continue;
            }
            count += 1;
            if first.is_none() {
                first = Some(block);
            } else if second.is_none() {
                second = Some(block);
            }
        }
        if let Some(second) = second {
            // Two keys in one text: which one was meant is not ours to guess.
            return Err(Error::Pem {
                what,
                error: second.error(PemErrorKind::MoreThanOneBlock { count }),
            });
        }
        let Some(block) = first else {
            return Err(Error::Pem {
                what,
                error: PemError {
                    block: 0,
                    line: 1,
                    kind: PemErrorKind::NoBlock,
                },
            });
        };
        let der = block.decode_secret().map_err(Error::pem(what))?;
        match block.label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => Self::from_sec1_der(&der),
            "RSA PRIVATE KEY" => Err(Error::UnsupportedAlgorithm {
                what,
                found: "RSA".into(),
            }),
            other => Err(Error::Pem {
                what,
                error: block.error(PemErrorKind::WrongLabel {
                    expected: "PRIVATE KEY",
                    found: other.into(),
                }),
            }),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` (RFC 5958) holding a P-256 key.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] for other key types; [`Error::Malformed`] otherwise.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, Error> {
        let what = "private key";
        let m = |e| Error::malformed(what, e);
        let info = asn1::parse_one(der, tag::SEQUENCE).map_err(m)?;
        let mut r = info.reader();
        r.read(tag::INTEGER).map_err(m)?;
        let alg = r.read(tag::SEQUENCE).map_err(m)?;
        let (alg_oid, curve) = algorithm_identifier(&alg).map_err(m)?;
        if alg_oid != oid::EC_PUBLIC_KEY || curve != Some(oid::P256) {
            return Err(Error::UnsupportedAlgorithm {
                what,
                found: oid::algorithm_name(alg_oid, curve),
            });
        }
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|_| Error::Malformed {
            what,
            offset: 0,
            kind: crate::asn1::DerErrorKind::Invalid("not a valid PKCS#8 P-256 private key"),
        })?;
        Ok(Self::from_signing_key(key))
    }

    /// Reads a DER SEC1 `ECPrivateKey` (RFC 5915) holding a P-256 key. A missing curve
    /// parameter is taken to mean P-256.
    ///
    /// # Errors
    /// [`Error::UnsupportedAlgorithm`] when the parameters name another curve;
    /// [`Error::Malformed`] otherwise.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, Error> {
        let what = "private key";
        let m = |e| Error::malformed(what, e);
        let seq = asn1::parse_one(der, tag::SEQUENCE).map_err(m)?;
        let mut r: Reader<'_> = seq.reader();
        r.read(tag::INTEGER).map_err(m)?;
        let secret = r.read(tag::OCTET_STRING).map_err(m)?;
        if let Some(params) = r.read_optional(0xa0).map_err(m)? {
            let curve = asn1::parse_one(params.value, tag::OID).map_err(m)?;
            if curve.value != oid::P256 {
                return Err(Error::UnsupportedAlgorithm {
                    what,
                    found: oid::algorithm_name(oid::EC_PUBLIC_KEY, Some(curve.value)),
                });
            }
        }
        if secret.value.len() != 32 {
            return Err(Error::UnsupportedAlgorithm {
                what,
                found: format!(
                    "EC key with a {}-byte scalar (P-256 uses 32)",
                    secret.value.len()
                ),
            });
        }
        let key = p256::SecretKey::from_sec1_der(der).map_err(|_| Error::Malformed {
            what,
            offset: 0,
            kind: crate::asn1::DerErrorKind::Invalid("not a valid SEC1 P-256 private key"),
        })?;
        Ok(Self::from_signing_key(key.into()))
    }

    /// The key as DER PKCS#8 (RFC 5958).
    pub fn secret_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        match self.key.to_pkcs8_der() {
            Ok(doc) => Zeroizing::new(doc.as_bytes().to_vec()),
            // Encoding a valid in-memory key cannot fail; an empty buffer would be caught by
            // any reader, so no panic is needed here.
            Err(_) => Zeroizing::new(Vec::new()),
        }
    }

    /// The key as PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`, LF, 64 columns).
    pub fn secret_pkcs8_pem(&self) -> Zeroizing<String> {
        secret_pem("PRIVATE KEY", &self.secret_pkcs8_der())
    }

    /// The key as DER SEC1 `ECPrivateKey` (RFC 5915), with curve and public key.
    pub fn secret_sec1_der(&self) -> Zeroizing<Vec<u8>> {
        // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING (32),
        //   [0] namedCurve prime256v1, [1] publicKey BIT STRING }: 121 bytes. Built by hand
        // because OpenSSL needs the [0] parameters, which p256's encoder omits.
        let scalar = Zeroizing::new(self.key.to_bytes());
        let mut out = Zeroizing::new(Vec::with_capacity(121));
        out.extend_from_slice(&[0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]);
        out.extend_from_slice(&scalar[..]);
        out.extend_from_slice(&[0xa0, 0x0a, 0x06, 0x08]);
        out.extend_from_slice(oid::P256);
        out.extend_from_slice(&[0xa1, 0x44, 0x03, 0x42, 0x00]);
        out.extend_from_slice(&self.public.point);
        out
    }

    /// The key as PEM SEC1 (`-----BEGIN EC PRIVATE KEY-----`).
    pub fn secret_sec1_pem(&self) -> Zeroizing<String> {
        secret_pem("EC PRIVATE KEY", &self.secret_sec1_der())
    }

    pub(crate) fn sign_der(&self, msg: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::DerSignature = self.key.sign(msg);
        sig.as_bytes().to_vec()
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &"ECDSA P-256")
            .field("public_key_id", &crate::display::hex(&self.public.key_id()))
            .finish_non_exhaustive()
    }
}

impl rcgen::PublicKeyData for Rcgen<'_, PrivateKey> {
    fn der_bytes(&self) -> &[u8] {
        &self.0.public.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for Rcgen<'_, PrivateKey> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        Ok(self.0.sign_der(msg))
    }
}

impl From<&PrivateKey> for rustls_pki_types::PrivatePkcs8KeyDer<'static> {
    fn from(key: &PrivateKey) -> Self {
        rustls_pki_types::PrivatePkcs8KeyDer::from(key.secret_pkcs8_der().to_vec())
    }
}

impl From<&PrivateKey> for rustls_pki_types::PrivateKeyDer<'static> {
    fn from(key: &PrivateKey) -> Self {
        rustls_pki_types::PrivateKeyDer::Pkcs8(key.into())
    }
}

impl TryFrom<&rustls_pki_types::PrivateKeyDer<'_>> for PrivateKey {
    type Error = Error;

    fn try_from(der: &rustls_pki_types::PrivateKeyDer<'_>) -> Result<Self, Error> {
        match der {
            rustls_pki_types::PrivateKeyDer::Pkcs8(k) => Self::from_pkcs8_der(k.secret_pkcs8_der()),
            rustls_pki_types::PrivateKeyDer::Sec1(k) => Self::from_sec1_der(k.secret_sec1_der()),
            _ => Err(Error::UnsupportedAlgorithm {
                what: "private key",
                found: "RSA".into(),
            }),
        }
    }
}

/// RFC 7468 PEM of a secret through pem-rfc7468's constant-time base64 encoder (LF, 64
/// columns, like every PEM certcycle writes), in a buffer that is zeroized on drop.
fn secret_pem(label: &str, der: &[u8]) -> Zeroizing<String> {
    match pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der) {
        Ok(s) => Zeroizing::new(s),
        // Only a label outside RFC 7468 fails, and both labels here are fixed and valid; an
        // empty text is refused by every reader.
        Err(_) => Zeroizing::new(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_roundtrips() {
        let key = PrivateKey::generate(&mut rand_core::OsRng);
        let dbg = format!("{key:?}");
        assert!(dbg.contains("public_key_id"));
        let pem = key.secret_pkcs8_pem();
        assert!(!dbg.contains(&pem[30..60]));
        let back = PrivateKey::from_pem(&pem).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let sec1 = PrivateKey::from_pem(&key.secret_sec1_pem()).unwrap();
        assert_eq!(sec1.public_key(), key.public_key());
        let spki = key.public_key().to_spki_der();
        assert_eq!(&PublicKey::from_spki_der(&spki).unwrap(), key.public_key());
    }
}
