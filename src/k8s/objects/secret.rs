//! Secrets: `data` (base64, as the API server decodes it) and `stringData`, certificates by
//! key, `tls.key` kept as zeroized text, and entries certcycle cannot use listed, never fatal.

use super::Ctx;
use crate::cert::Certificate;
use crate::error::Error;
use crate::k8s::node::Node;
use crate::k8s::{FieldError, K8sError, Location};
use crate::key::PrivateKey;
use base64ct::Encoding;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
struct KeyText(Zeroizing<String>);

impl fmt::Debug for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyText([redacted])")
    }
}

/// A `Secret`: its certificates (`tls.crt`, `ca.crt`, any `*.crt` / `*.pem` entry), and its
/// `tls.key` kept as zeroized text, parsed only by [`SecretObject::private_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretObject {
    /// `type`, if given (`kubernetes.io/tls`).
    pub secret_type: Option<String>,
    /// The certificates of each entry that holds some, by data key.
    pub certificates: BTreeMap<String, Vec<Certificate>>,
    /// Entries whose certificates certcycle cannot use (another algorithm), with the reason.
    pub unsupported: BTreeMap<String, String>,
    /// The other data keys (values not kept).
    pub other_keys: Vec<String>,
    key: Option<KeyText>,
    /// The other entries' text (a Flux `valuesFrom` reads `values.yaml`), zeroized on drop.
    texts: BTreeMap<String, KeyText>,
    errors: BTreeMap<String, Error>,
}

impl SecretObject {
    /// The certificates of `key` (`tls.crt`, `ca.crt`), empty when absent.
    pub fn certs(&self, key: &str) -> &[Certificate] {
        self.certificates.get(key).map_or(&[], Vec::as_slice)
    }

    /// Whether the Secret holds a `tls.key`.
    pub fn has_private_key(&self) -> bool {
        self.key.is_some()
    }

    /// Why the certificate entry `key` (listed in [`SecretObject::unsupported`]) could not be
    /// used: another algorithm, a certificate and a private key together, a `TRUSTED
    /// CERTIFICATE` block, PEM that does not parse. Another application's Secret may hold any
    /// of these; only where Linkerd's own objects hold one is it an error (a `check` error, a
    /// `plan` input error).
    pub fn entry_error(&self, key: &str) -> Option<&Error> {
        self.errors.get(key)
    }

    /// The text of data entry `key` (a Flux `valuesFrom` reads it): a certificate entry as
    /// PEM, `tls.key` as given, any other entry as given; `None` when absent.
    pub(crate) fn text(&self, key: &str) -> Option<Zeroizing<String>> {
        if key == "tls.key" {
            return self.key.as_ref().map(|k| k.0.clone());
        }
        if let Some(t) = self.texts.get(key) {
            return Some(t.0.clone());
        }
        self.certificates
            .get(key)
            .map(|certs| Zeroizing::new(certs.iter().map(Certificate::to_pem).collect::<String>()))
    }

    /// Parses `tls.key` (only a CA that signs needs this).
    ///
    /// # Errors
    /// As [`PrivateKey::from_pem`]; `None` when the Secret has no `tls.key`.
    pub fn private_key(&self) -> Option<Result<PrivateKey, Error>> {
        self.key.as_ref().map(|k| PrivateKey::from_pem(&k.0))
    }
}

/// Data keys that hold certificates.
fn is_certificate_key(key: &str) -> bool {
    key.ends_with(".crt") || key.ends_with(".pem")
}

/// A ConfigMap: `data`, then `binaryData` (base64, as the API server decodes it) under the
/// keys `data` lacks, as trust-manager reads a source ConfigMap; a binary value that is not
/// UTF-8 text (a PKCS#12 trust store) is named in `binary_keys`.
pub(super) fn config_map(c: &Ctx<'_>, doc: &Node) -> Result<super::ConfigMapObject, K8sError> {
    let mut data: BTreeMap<String, String> = c
        .string_map(doc, "data", "data")?
        .into_iter()
        .map(|(k, v, _)| (k, v))
        .collect();
    let mut binary_keys = Vec::new();
    for (k, v, at) in c.string_map(doc, "binaryData", "binaryData")? {
        let compact: String = v.chars().filter(|ch| !matches!(ch, '\r' | '\n')).collect();
        let path = format!("binaryData[{k:?}]");
        let bytes = decode_go_std_base64(&compact)
            .ok_or_else(|| c.err(&path, at, FieldError::NotBase64))?;
        if data.contains_key(&k) {
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                data.insert(k, text);
            }
            Err(_) => binary_keys.push(k),
        }
    }
    Ok(super::ConfigMapObject { data, binary_keys })
}

pub(super) fn secret(c: &Ctx<'_>, doc: &Node) -> Result<SecretObject, K8sError> {
    let secret_type = c.opt_str(doc, "type", "type")?;
    let mut data: BTreeMap<String, (Zeroizing<String>, Location)> = BTreeMap::new();
    for (k, v, at) in c.string_map(doc, "data", "data")? {
        let v = Zeroizing::new(v);
        let path = format!("data[{k:?}]");
        // Go's decoder skips CR and LF (a value written over several lines, as a YAML literal
        // block), and no other white space; the usual one-line value is decoded as it
        // stands, without a copy.
        let compact: Option<Zeroizing<String>> = v
            .bytes()
            .any(|b| b == b'\r' || b == b'\n')
            .then(|| Zeroizing::new(v.chars().filter(|ch| !matches!(ch, '\r' | '\n')).collect()));
        let encoded = compact.as_ref().map_or(v.as_str(), |c| c.as_str());
        let bytes = Zeroizing::new(
            decode_go_std_base64(encoded).ok_or_else(|| c.err(&path, at, FieldError::NotBase64))?,
        );
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| c.err(&path, at, FieldError::NotUtf8))?
            .to_owned();
        data.insert(k, (Zeroizing::new(text), at));
    }
    // stringData is merged over data on write, as the API server does.
    for (k, v, at) in c.string_map(doc, "stringData", "stringData")? {
        data.insert(k, (Zeroizing::new(v), at));
    }
    let mut out = SecretObject {
        secret_type,
        certificates: BTreeMap::new(),
        unsupported: BTreeMap::new(),
        other_keys: Vec::new(),
        key: None,
        texts: BTreeMap::new(),
        errors: BTreeMap::new(),
    };
    for (k, (text, _)) in data {
        add_entry(&mut out, k, text);
    }
    Ok(out)
}

/// Decodes base64 as Go's `base64.StdEncoding` does (the API server decodes Secret `data`
/// with it): the standard alphabet, padding required, and the unused low bits of the last
/// character before the padding ignored (Go is not strict about them; base64ct is). Unpadded
/// and URL-safe text stay refused, as the API server refuses them. Decoding stays base64ct's
/// constant-time code: only the one character holding unused bits is canonicalized first.
fn decode_go_std_base64(encoded: &str) -> Option<Vec<u8>> {
    if let Ok(bytes) = base64ct::Base64::decode_vec(encoded) {
        return Some(bytes);
    }
    let b = encoded.as_bytes();
    // `xx==` holds 4 unused bits in its second character, `xxx=` 2 in its third.
    let (at, keep) = if b.len() >= 4 && b.ends_with(b"==") {
        (b.len() - 3, 0b11_0000)
    } else if b.len() >= 4 && b.ends_with(b"=") {
        (b.len() - 2, 0b11_1100)
    } else {
        return None;
    };
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let value = ALPHABET.iter().position(|&c| c == b[at])?;
    let canonical = ALPHABET[value & keep];
    if canonical == b[at] {
        return None; // the failure was something else
    }
    let mut fixed = Zeroizing::new(b.to_vec());
    fixed[at] = canonical;
    let fixed = std::str::from_utf8(&fixed).ok()?;
    base64ct::Base64::decode_vec(fixed).ok()
}

/// The Secret type of `linkerd install` and Linkerd's Helm chart (the default
/// `identity.issuer.scheme`): the identity issuer's certificate in `crt.pem`, its key in
/// `key.pem` (linkerd2 `pkg/issuercerts`, `charts/linkerd-control-plane/templates/identity.yaml`).
pub(crate) const LINKERD_TLS: &str = "linkerd.io/tls";

/// Files one data entry of a Secret: `tls.key` as key text, certificates by key, anything
/// unreadable as [`SecretObject::unsupported`]. Outside a `kubernetes.io/tls` Secret,
/// `crt.pem` and `key.pem` (Linkerd's own layout) are what `tls.crt` and `tls.key` are
/// elsewhere, and are filed as those.
fn add_entry(out: &mut SecretObject, key: String, text: Zeroizing<String>) {
    // `linkerd install` and the chart write no `type` (Opaque) or `linkerd.io/tls`; an
    // entry `tls.crt`/`tls.key` beside them is filed later (keys in order) and wins.
    let key = match (out.secret_type.as_deref(), key.as_str()) {
        (Some("kubernetes.io/tls"), _) => key,
        (_, "crt.pem") => "tls.crt".to_owned(),
        (_, "key.pem") => "tls.key".to_owned(),
        _ => key,
    };
    if key == "tls.key" {
        if !text.trim().is_empty() {
            out.key = Some(KeyText(text));
        }
        return;
    }
    if !is_certificate_key(&key) || text.trim().is_empty() {
        out.texts.insert(key.clone(), KeyText(text));
        out.other_keys.push(key);
        return;
    }
    match Certificate::all_from_pem(&text) {
        Ok(certs) => {
            out.certificates.insert(key, certs);
        }
        Err(e) => {
            // Another application's data (an RSA or P-384 certificate, a certificate and its
            // key in one `tls-combined.pem`, a `TRUSTED CERTIFICATE` block): not certcycle's
            // to use, and not an input error in a `kubectl get secret -A` dump. Where Linkerd's
            // own objects hold it, `Cluster` reports it.
            let reason = match &e {
                Error::UnsupportedAlgorithm { .. } => "not an ECDSA P-256 certificate".to_owned(),
                other => other.to_string(),
            };
            out.unsupported.insert(key.clone(), reason);
            out.errors.insert(key, e);
        }
    }
}

pub(super) fn secret_from_text(data: BTreeMap<String, String>) -> SecretObject {
    secret_of_type(None, data.into_iter().map(|(k, v)| (k, Zeroizing::new(v))))
}

/// A Secret of `secret_type` holding `data` (what Helm renders from values, for one).
pub(crate) fn secret_of_type(
    secret_type: Option<&str>,
    data: impl IntoIterator<Item = (String, Zeroizing<String>)>,
) -> SecretObject {
    let mut out = SecretObject {
        secret_type: secret_type.map(str::to_owned),
        certificates: BTreeMap::new(),
        unsupported: BTreeMap::new(),
        other_keys: Vec::new(),
        key: None,
        texts: BTreeMap::new(),
        errors: BTreeMap::new(),
    };
    for (k, v) in data {
        add_entry(&mut out, k, v);
    }
    out
}
