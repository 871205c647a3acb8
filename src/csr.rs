//! PKCS#10 certificate requests (RFC 2986): read from PEM, their self-signature verified
//! over the bytes as received, their public key taken. Everything else a request asks for is
//! ignored: names, lifetime and usages come from the issuer's spec.

use crate::asn1::{self, tag};
use crate::error::Error;
use crate::key::PublicKey;

/// Reads a PEM `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) to DER.
///
/// # Errors
/// [`Error::Pem`].
pub fn csr_der_from_pem(text: &str) -> Result<Vec<u8>, Error> {
    match crate::pem::decode_single(text, "CERTIFICATE REQUEST") {
        Err(crate::pem::PemError {
            kind: crate::pem::PemErrorKind::WrongLabel { found, .. },
            ..
        }) if found == "NEW CERTIFICATE REQUEST" => {
            crate::pem::decode_single(text, "NEW CERTIFICATE REQUEST").map_err(Error::pem("CSR"))
        }
        other => other.map_err(Error::pem("CSR")),
    }
}

/// Verifies a DER PKCS#10 request's self-signature and returns its public key.
pub(crate) fn verify_csr(der: &[u8]) -> Result<PublicKey, Error> {
    use der::Decode;
    let what = "CSR";
    // Structural validation by x509-cert (RFC 2986 ASN.1), then the raw signed bytes by the
    // strict reader, so the signature is checked over the bytes as received.
    x509_cert::request::CertReq::from_der(der).map_err(|e| Error::Malformed {
        what,
        offset: e
            .position()
            .map(|p| usize::try_from(u32::from(p)).unwrap_or(0))
            .unwrap_or(0),
        kind: crate::asn1::DerErrorKind::Invalid(
            "not a PKCS#10 CertificationRequest (RFC 2986 structure, checked by x509-cert)",
        ),
    })?;
    let m = |e| Error::malformed(what, e);
    let outer = asn1::parse_one(der, tag::SEQUENCE).map_err(m)?;
    let mut r = outer.reader();
    let info = r.read(tag::SEQUENCE).map_err(m)?;
    let alg = r.read(tag::SEQUENCE).map_err(m)?;
    let sig = r.read(tag::BIT_STRING).map_err(m)?;
    r.finish().map_err(m)?;
    let mut i = info.reader();
    i.read(tag::INTEGER).map_err(m)?;
    i.read(tag::SEQUENCE).map_err(m)?;
    let spki = i.read(tag::SEQUENCE).map_err(m)?;
    let key = PublicKey::from_spki_tlv(&spki, what)?;
    let (alg_oid, _) = crate::key::algorithm_identifier(&alg).map_err(m)?;
    let sha384 = match alg_oid {
        crate::oid::ECDSA_SHA256 => false,
        crate::oid::ECDSA_SHA384 => true,
        other => {
            return Err(Error::UnsupportedAlgorithm {
                what,
                found: crate::oid::algorithm_name(other, None),
            });
        }
    };
    let sig = asn1::bit_string_octets(&sig).map_err(m)?;
    if !key.verify(&der[info.range()], sig, sha384) {
        return Err(Error::CsrBadSignature);
    }
    Ok(key)
}
