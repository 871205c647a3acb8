//! Certificates crafted with rcgen (signing through certcycle keys) so that every extension,
//! its criticality and its presence can be chosen: the verifier tests' and the hostile-input
//! tests' raw material.

use super::T0;
use certcycle::{Certificate, PrivateKey};
use rcgen::{CustomExtension, ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};
use time::{Duration, OffsetDateTime};

/// What to put in a crafted certificate.
#[derive(Clone)]
pub(crate) struct Craft {
    pub(crate) cn: &'static str,
    pub(crate) ca: Option<Option<u8>>,
    pub(crate) bc_critical: bool,
    pub(crate) ku: Vec<Ku>,
    pub(crate) eku: Vec<Eku>,
    pub(crate) dns: Vec<&'static str>,
    pub(crate) other_sans: Vec<rcgen::SanType>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) ski: bool,
    pub(crate) aki: bool,
    pub(crate) serial: Vec<u8>,
    pub(crate) extra: Vec<CustomExtension>,
}

pub(crate) fn ca(cn: &'static str) -> Craft {
    Craft {
        cn,
        ca: Some(None),
        bc_critical: true,
        ku: vec![Ku::KeyCertSign, Ku::CrlSign],
        eku: vec![],
        dns: vec![],
        other_sans: vec![],
        not_before: T0,
        not_after: T0 + Duration::days(30),
        ski: true,
        aki: true,
        serial: vec![0x42; 16],
        extra: vec![],
    }
}

pub(crate) fn leaf(dns: &'static str) -> Craft {
    Craft {
        cn: "",
        ca: None,
        ku: vec![Ku::DigitalSignature],
        eku: vec![Eku::ServerAuth, Eku::ClientAuth],
        dns: vec![dns],
        not_after: T0 + Duration::days(1),
        ..ca("leaf")
    }
}

pub(crate) fn ext(oid: &[u64], critical: bool, content: Vec<u8>) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, content);
    e.set_criticality(critical);
    e
}

/// Signs `c` for `key`, issued by (`issuer_cn`, `issuer_key`) or self-signed.
pub(crate) fn make(
    c: &Craft,
    key: &PrivateKey,
    issuer: Option<(&str, &PrivateKey)>,
) -> Certificate {
    let mut p = rcgen::CertificateParams::default();
    p.not_before = c.not_before;
    p.not_after = c.not_after;
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&c.serial));
    p.distinguished_name = rcgen::DistinguishedName::new();
    if !c.cn.is_empty() {
        p.distinguished_name.push(rcgen::DnType::CommonName, c.cn);
    }
    p.subject_alt_names = c
        .dns
        .iter()
        .map(|d| rcgen::SanType::DnsName((*d).try_into().unwrap()))
        .collect();
    p.subject_alt_names.extend(c.other_sans.iter().cloned());
    p.key_usages = c.ku.clone();
    p.extended_key_usages = c.eku.clone();
    p.is_ca = rcgen::IsCa::NoCa; // basicConstraints and key ids are written by hand below
    if let Some(path_len) = c.ca {
        let mut v = vec![0x01, 0x01, 0xff];
        if let Some(n) = path_len {
            v.extend([0x02, 0x01, n]);
        }
        let mut bc = vec![0x30, v.len() as u8];
        bc.extend(v);
        p.custom_extensions
            .push(ext(&[2, 5, 29, 19], c.bc_critical, bc));
    }
    if c.ski {
        let mut v = vec![0x04, 0x14];
        v.extend(key.public_key().key_id());
        p.custom_extensions.push(ext(&[2, 5, 29, 14], false, v));
    }
    let (issuer_cn, issuer_key) = issuer.unwrap_or((c.cn, key));
    if c.aki {
        let mut v = vec![0x30, 0x16, 0x80, 0x14];
        v.extend(issuer_key.public_key().key_id());
        p.custom_extensions.push(ext(&[2, 5, 29, 35], false, v));
    }
    p.custom_extensions.extend(c.extra.iter().cloned());
    let mut ip = rcgen::CertificateParams::default();
    ip.distinguished_name = rcgen::DistinguishedName::new();
    if !issuer_cn.is_empty() {
        ip.distinguished_name
            .push(rcgen::DnType::CommonName, issuer_cn);
    }
    let der = p
        .signed_by(
            key.public_key(),
            &rcgen::Issuer::from_params(&ip, issuer_key),
        )
        .unwrap()
        .der()
        .to_vec();
    Certificate::from_der(der).unwrap()
}
