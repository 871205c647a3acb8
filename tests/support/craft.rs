//! Certificates crafted with rcgen (signing through certcycle keys) so that every extension,
//! its criticality and its presence can be chosen: the verifier tests' and the hostile-input
//! tests' raw material.

use super::T0;
use certcycle::{Certificate, PrivateKey, TrustAnchor, TrustBundle};
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
    let signer = Signer::new(issuer_key);
    let der = p
        .signed_by(&Signer::new(key), &rcgen::Issuer::from_params(&ip, &signer))
        .unwrap()
        .der()
        .to_vec();
    Certificate::from_der(der).unwrap()
}

// Hostile shapes (tests/hostile.rs and benches/hostile.rs).

fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

const NAME: &str = "web.default.svc";

pub(crate) fn serial(layer: usize, i: usize) -> Vec<u8> {
    vec![0x10, layer as u8, i as u8, 0x01]
}

/// The cache-DoS shape: `layers` layers of `width` intermediates, each layer one subject and
/// one key, differing only in serial; the top layer names the anchor but is signed under a key
/// the bundle does not hold. Every path through the layers verifies until the very top.
pub(crate) fn fan_out(layers: usize, width: usize) -> (Certificate, Vec<Certificate>, TrustBundle) {
    let r = &mut rng(1100);
    let root_key = PrivateKey::generate(r);
    let root = make(&ca("root"), &root_key, None);
    let stranger = PrivateKey::generate(r); // signs the top layer under the root's name
    let keys: Vec<PrivateKey> = (0..layers).map(|_| PrivateKey::generate(r)).collect();
    let names: Vec<&'static str> = (0..layers)
        .map(|l| &*Box::leak(format!("layer{l}").into_boxed_str()))
        .collect();
    let mut inters = Vec::new();
    for l in 0..layers {
        let issuer = if l + 1 == layers {
            ("root", &stranger)
        } else {
            (names[l + 1], &keys[l + 1])
        };
        for i in 0..width {
            let c = Craft {
                serial: serial(l, i),
                ..ca(names[l])
            };
            inters.push(make(&c, &keys[l], Some(issuer)));
        }
    }
    let leaf_c = make(
        &leaf(NAME),
        &PrivateKey::generate(r),
        Some((names[0], &keys[0])),
    );
    let bundle = TrustBundle::from_anchors([TrustAnchor::new(root).unwrap()]);
    (leaf_c, inters, bundle)
}

/// DER length octets.
pub(crate) fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=0x7f => vec![n as u8],
        0x80..=0xff => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

pub(crate) fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(value.len()));
    out.extend(value);
    out
}

/// NameConstraints permitting `n` DNS subtrees (the last one, `svc`, covers the leaf).
pub(crate) fn many_permitted(n: usize) -> Vec<u8> {
    let mut subtrees = Vec::new();
    for i in 0..n {
        let base = if i + 1 == n {
            "svc".to_owned()
        } else {
            format!("n{i}.example")
        };
        subtrees.extend(tlv(0x30, &tlv(0x82, base.as_bytes())));
    }
    tlv(0x30, &tlv(0xa0, &subtrees))
}

/// The name-constraint fan-out: an anchor permitting `constraints` DNS subtrees, a leaf with
/// `names` names under the last one, and `intermediates` intermediates of one name and key
/// that the anchor did not sign (so every path is tried, and each try checks the constraints).
pub(crate) fn nc_fan_out(
    constraints: usize,
    names: usize,
    intermediates: usize,
) -> (Certificate, Vec<Certificate>, TrustBundle) {
    let r = &mut rng(1103);
    let root_key = PrivateKey::generate(r);
    let root = make(
        &Craft {
            extra: vec![ext(&[2, 5, 29, 30], true, many_permitted(constraints))],
            ..ca("root")
        },
        &root_key,
        None,
    );
    let stranger = PrivateKey::generate(r);
    let ica_key = PrivateKey::generate(r);
    let inters: Vec<Certificate> = (0..intermediates)
        .map(|i| {
            make(
                &Craft {
                    serial: serial(0, i),
                    ..ca("ica")
                },
                &ica_key,
                Some(("root", &stranger)),
            )
        })
        .collect();
    let names: Vec<&'static str> = (0..names)
        .map(|i| &*Box::leak(format!("w{i}.default.svc").into_boxed_str()))
        .collect();
    let leaf_c = make(
        &Craft {
            dns: names,
            ..leaf(NAME)
        },
        &PrivateKey::generate(r),
        Some(("ica", &ica_key)),
    );
    let bundle = TrustBundle::from_anchors([TrustAnchor::new(root).unwrap()]);
    (leaf_c, inters, bundle)
}

/// rcgen's signer for a certcycle key, so tests can craft certificates certcycle itself would
/// refuse to issue (certcycle's key types do not expose rcgen's traits).
pub(crate) struct Signer {
    key: p256::ecdsa::SigningKey,
    public: Vec<u8>,
}

impl Signer {
    pub(crate) fn new(key: &PrivateKey) -> Self {
        use p256::pkcs8::DecodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_pkcs8_der(&key.secret_pkcs8_der()).unwrap();
        let public = key
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        Self { key, public }
    }
}

impl rcgen::PublicKeyData for Signer {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for Signer {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        use p256::ecdsa::signature::Signer as _;
        let sig: p256::ecdsa::DerSignature = self.key.sign(msg);
        Ok(sig.as_bytes().to_vec())
    }
}
