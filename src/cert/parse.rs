//! Parsing a certificate's DER into [`Parsed`](super::Parsed): the structure of RFC 5280
//! §4.1 and the extensions certcycle reads, strictly.

use super::{BasicConstraints, Extensions, KeyUsage, Parsed};
use crate::asn1::{self, DerError, Tlv, tag};
use crate::oid;
use std::sync::OnceLock;

pub(super) fn parse(der: Box<[u8]>) -> Result<Parsed, DerError> {
    let outer = asn1::parse_one(&der, tag::SEQUENCE)?;
    let mut r = outer.reader();
    let tbs = r.read(tag::SEQUENCE)?;
    let sig_alg = r.read(tag::SEQUENCE)?;
    let sig = r.read(tag::BIT_STRING)?;
    r.finish()?;
    // signatureAlgorithm: a whole AlgorithmIdentifier (OID, optional parameters, nothing
    // after); whether it is one certcycle verifies is the verifier's question.
    crate::key::algorithm_identifier(&sig_alg)?;
    let signature_oid = sig_alg.reader().read(tag::OID)?.value_range();
    let signature = {
        let octets = asn1::bit_string_octets(&sig)?;
        sig.end - octets.len()..sig.end
    };

    let mut t = tbs.reader();
    let version = match t.read_optional(0xa0)? {
        Some(v) => {
            let int = asn1::parse_one(v.value, tag::INTEGER).map_err(|e| DerError {
                offset: e.offset + v.value_offset,
                ..e
            })?;
            match asn1::small_uint(&int) {
                Ok(0) => {
                    return Err(v.err("explicit v1 version is not DER (DEFAULT must be omitted)"));
                }
                Ok(n @ 1..=2) => n as u8 + 1,
                _ => return Err(v.err("unknown certificate version")),
            }
        }
        None => 1,
    };
    let serial = t.read(tag::INTEGER)?;
    asn1::check_integer(&serial)?;
    let tbs_sig = t.read(tag::SEQUENCE)?;
    crate::key::algorithm_identifier(&tbs_sig)?;
    let issuer = t.read(tag::SEQUENCE)?;
    crate::dn::validate(&der[issuer.range()], issuer.start)?;
    let validity = t.read(tag::SEQUENCE)?;
    let mut v = validity.reader();
    let not_before = asn1::time(&v.read_any()?)?;
    let not_after = asn1::time(&v.read_any()?)?;
    v.finish()?;
    let subject = t.read(tag::SEQUENCE)?;
    crate::dn::validate(&der[subject.range()], subject.start)?;
    let spki = t.read(tag::SEQUENCE)?;
    {
        let mut s = spki.reader();
        let alg = s.read(tag::SEQUENCE)?;
        crate::key::algorithm_identifier(&alg)?;
        // subjectPublicKey: every key type certcycle or anyone uses is whole octets.
        asn1::bit_string_octets(&s.read(tag::BIT_STRING)?)?;
        s.finish()?;
    }
    // issuerUniqueID [1] and subjectUniqueID [2] (v2/v3 only), then extensions [3] (v3).
    for (tag_byte, min_version) in [(0x81u8, 2u8), (0x82, 2)] {
        if let Some(uid) = t.read_optional(tag_byte)? {
            if version < min_version {
                return Err(uid.err("unique identifier in a v1 certificate"));
            }
            // UniqueIdentifier ::= BIT STRING (RFC 5280 §4.1.2.8), here IMPLICIT.
            asn1::check_bit_string(&uid)?;
        }
    }
    let ext = match t.read_optional(0xa3)? {
        Some(exts) => {
            if version != 3 {
                return Err(exts.err("extensions in a certificate that is not v3"));
            }
            parse_extensions(&exts)?
        }
        None => Extensions::default(),
    };
    t.finish()?;

    Ok(Parsed {
        tbs: tbs.range(),
        tbs_signature_algorithm: tbs_sig.range(),
        signature_algorithm: sig_alg.range(),
        signature_oid,
        signature,
        version,
        serial: serial.value_range(),
        issuer: issuer.range(),
        subject: subject.range(),
        not_before,
        not_after,
        spki: spki.range(),
        ext,
        fingerprint: OnceLock::new(),
        der,
    })
}

fn parse_extensions(wrapper: &Tlv<'_>) -> Result<Extensions, DerError> {
    let seq = {
        let mut w = wrapper.reader();
        let seq = w.read(tag::SEQUENCE)?;
        w.finish()?;
        seq
    };
    let mut out = Extensions::default();
    out.flags.has_extensions = true;
    let mut seen: Vec<&[u8]> = Vec::with_capacity(8);
    let mut r = seq.reader();
    if r.is_empty() {
        return Err(seq.err("empty extensions SEQUENCE (RFC 5280 requires at least one)"));
    }
    while !r.is_empty() {
        let ext = r.read(tag::SEQUENCE)?;
        let mut e = ext.reader();
        let id = e.read(tag::OID)?;
        let critical = match e.read_optional(tag::BOOLEAN)? {
            Some(b) => {
                if !asn1::boolean(&b)? {
                    return Err(b.err("critical=FALSE must be omitted in DER (DEFAULT)"));
                }
                true
            }
            None => false,
        };
        let value = e.read(tag::OCTET_STRING)?;
        e.finish()?;
        if seen.contains(&id.value) {
            return Err(ext.err("duplicate extension (RFC 5280 §4.2)"));
        }
        seen.push(id.value);
        let inner = |expected| {
            asn1::parse_one(value.value, expected)
                .map_err(|e| DerError {
                    offset: e.offset + value.value_offset,
                    ..e
                })
                .map(|t| Tlv {
                    start: t.start + value.value_offset,
                    end: t.end + value.value_offset,
                    value_offset: t.value_offset + value.value_offset,
                    ..t
                })
        };
        match id.value {
            oid::CE_BASIC_CONSTRAINTS => {
                let bc = inner(tag::SEQUENCE)?;
                let mut b = bc.reader();
                let ca = match b.read_optional(tag::BOOLEAN)? {
                    Some(flag) => {
                        if !asn1::boolean(&flag)? {
                            return Err(flag.err("cA=FALSE must be omitted in DER (DEFAULT)"));
                        }
                        true
                    }
                    None => false,
                };
                let path_len = match b.read_optional(tag::INTEGER)? {
                    Some(n) => {
                        let v = asn1::small_uint(&n)?;
                        Some(u8::try_from(v).map_err(|_| n.err("pathLenConstraint too large"))?)
                    }
                    None => None,
                };
                b.finish()?;
                out.basic_constraints = Some(BasicConstraints { ca, path_len });
                out.flags.basic_constraints_critical = critical;
            }
            oid::CE_KEY_USAGE => {
                let bits = inner(tag::BIT_STRING)?;
                out.key_usage = Some(KeyUsage(asn1::named_bits(&bits)?));
            }
            oid::CE_EXT_KEY_USAGE => {
                let seq = inner(tag::SEQUENCE)?;
                let mut s = seq.reader();
                if s.is_empty() {
                    return Err(seq.err("empty extKeyUsage"));
                }
                while !s.is_empty() {
                    s.read(tag::OID)?;
                }
                out.ext_key_usage = Some(seq.value_range());
                out.flags.ext_key_usage_critical = critical;
            }
            oid::CE_SUBJECT_ALT_NAME => {
                let seq = inner(tag::SEQUENCE)?;
                let mut s = seq.reader();
                if s.is_empty() {
                    return Err(seq.err("empty subjectAltName"));
                }
                while !s.is_empty() {
                    let gn = s.read_any()?;
                    validate_general_name(&gn)?;
                }
                out.subject_alt_name = Some(seq.value_range());
                out.flags.subject_alt_name_critical = critical;
            }
            oid::CE_SUBJECT_KEY_ID => {
                let ki = inner(tag::OCTET_STRING)?;
                out.subject_key_id = Some(ki.value_range());
                out.flags.subject_key_id_critical = critical;
            }
            oid::CE_AUTHORITY_KEY_ID => {
                let aki = inner(tag::SEQUENCE)?;
                let mut a = aki.reader();
                let key_id = a.read_optional(0x80)?;
                let names = a.read_optional(0xa1)?;
                if let Some(names) = &names {
                    let mut n = names.reader();
                    while !n.is_empty() {
                        validate_general_name(&n.read_any()?)?;
                    }
                }
                let serial = a.read_optional(0x82)?;
                if let Some(serial) = &serial {
                    asn1::check_integer(serial)?;
                }
                a.finish()?;
                if names.is_some() != serial.is_some() {
                    return Err(aki.err(
                        "authorityCertIssuer and authorityCertSerialNumber must be present together",
                    ));
                }
                out.authority_key_id = key_id.map(|k| k.value_range());
                out.flags.authority_key_id_present = true;
                out.flags.authority_key_id_critical = critical;
                out.flags.authority_key_id_has_issuer_or_serial = names.is_some();
            }
            oid::PE_AUTHORITY_INFO_ACCESS => {
                // Structure only (RFC 5280 §4.2.2.1): SEQUENCE SIZE (1..MAX) OF
                // AccessDescription { accessMethod OID, accessLocation GeneralName }.
                let seq = inner(tag::SEQUENCE)?;
                let mut s = seq.reader();
                if s.is_empty() {
                    return Err(seq.err("empty authorityInfoAccess"));
                }
                while !s.is_empty() {
                    let ad = s.read(tag::SEQUENCE)?;
                    let mut d = ad.reader();
                    d.read(tag::OID)?;
                    validate_general_name(&d.read_any()?)?;
                    d.finish()?;
                }
                if critical && out.unhandled_critical.is_none() {
                    out.unhandled_critical = Some(id.value_range());
                }
            }
            oid::CE_NAME_CONSTRAINTS => {
                let nc = inner(tag::SEQUENCE)?;
                out.name_constraints = Some((nc.value_range(), critical));
            }
            _ => {
                if id.value == oid::CE_POLICY_CONSTRAINTS {
                    out.flags.policy_constraints_present = true;
                }
                if critical && out.unhandled_critical.is_none() {
                    out.unhandled_critical = Some(id.value_range());
                }
            }
        }
    }
    Ok(out)
}

/// Structural checks of one GeneralName (RFC 5280 §4.2.1.6).
fn validate_general_name(gn: &Tlv<'_>) -> Result<(), DerError> {
    match gn.tag {
        // rfc822Name, dNSName, URI: IA5String.
        0x81 | 0x82 | 0x86 => {
            if !gn.value.is_ascii() {
                return Err(gn.err("non-ASCII IA5String in a GeneralName"));
            }
        }
        0x87 if !matches!(gn.value.len(), 4 | 16) => {
            return Err(gn.err("iPAddress of a length other than 4 or 16"));
        }
        // directoryName is EXPLICIT (Name is a CHOICE).
        0xa4 => {
            let mut r = gn.reader();
            let name = r.read(tag::SEQUENCE)?;
            r.finish()?;
            let _ = name;
        }
        0xa0 | 0xa3 | 0xa5 | 0x88 | 0x87 => {}
        _ => return Err(gn.err("unknown GeneralName form")),
    }
    Ok(())
}
