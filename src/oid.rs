//! Object identifiers as DER content bytes, and their names for messages.

use std::fmt;
use std::str::FromStr;

/// An OBJECT IDENTIFIER (X.690 §8.19), kept as its DER content bytes and compared as such.
/// `Display` and `FromStr` use dotted decimal (`1.3.6.1.5.5.7.3.1`).
///
/// ```
/// use certcycle::Oid;
/// let oid: Oid = "1.3.6.1.5.5.7.3.4".parse().unwrap();
/// assert_eq!(oid.to_string(), "1.3.6.1.5.5.7.3.4");
/// assert_eq!(oid.as_bytes(), &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04]);
/// assert!("1".parse::<Oid>().is_err() && "3.1".parse::<Oid>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(Box<[u8]>);

/// A dotted-decimal string that is not an OBJECT IDENTIFIER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a dotted-decimal OBJECT IDENTIFIER (two arcs or more, the first 0..=2)")]
pub struct OidParseError(pub String);

impl Oid {
    /// An OID from DER content bytes already checked by the DER reader.
    pub(crate) fn from_checked(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    /// The DER content bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The arcs, if each fits in a `u64`.
    pub fn arcs(&self) -> Option<Vec<u64>> {
        let text = dotted(&self.0);
        text.split('.').map(|a| a.parse().ok()).collect()
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&dotted(&self.0))
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

impl FromStr for Oid {
    type Err = OidParseError;

    fn from_str(s: &str) -> Result<Self, OidParseError> {
        let bad = || OidParseError(s.to_owned());
        let arcs: Vec<u64> = s
            .split('.')
            .map(|a| {
                if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                    None
                } else {
                    a.parse().ok()
                }
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let [first, second, rest @ ..] = arcs.as_slice() else {
            return Err(bad());
        };
        if *first > 2 || (*first < 2 && *second >= 40) {
            return Err(bad());
        }
        let head = first
            .checked_mul(40)
            .and_then(|f| f.checked_add(*second))
            .ok_or_else(bad)?;
        let mut out = Vec::new();
        for arc in std::iter::once(head).chain(rest.iter().copied()) {
            let mut groups = vec![(arc & 0x7f) as u8];
            let mut v = arc >> 7;
            while v > 0 {
                groups.push((v & 0x7f) as u8 | 0x80);
                v >>= 7;
            }
            out.extend(groups.iter().rev());
        }
        Ok(Self(out.into()))
    }
}

pub(crate) const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub(crate) const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub(crate) const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
pub(crate) const ECDSA_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];

pub(crate) const CE_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
pub(crate) const CE_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(crate) const CE_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
pub(crate) const CE_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(crate) const CE_NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
pub(crate) const CE_POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
pub(crate) const CE_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
pub(crate) const CE_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

pub(crate) const PE_AUTHORITY_INFO_ACCESS: &[u8] =
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

pub(crate) const KP_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
pub(crate) const KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
pub(crate) const ANY_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// Dotted-decimal form of an OID's content bytes (for messages); `?` for malformed input.
pub(crate) fn dotted(bytes: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, b) in bytes.iter().enumerate() {
        if acc > (u64::MAX >> 7) {
            return "?".into();
        }
        acc = acc << 7 | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        } else if i + 1 == bytes.len() {
            return "?".into();
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A readable name for the key or signature algorithms users are likely to bring.
pub(crate) fn algorithm_name(oid: &[u8], params_curve: Option<&[u8]>) -> String {
    const NAMES: &[(&[u8], &str)] = &[
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            "RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            "sha256WithRSAEncryption",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
            "sha384WithRSAEncryption",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a],
            "RSASSA-PSS",
        ),
        (&[0x2b, 0x65, 0x70], "Ed25519"),
        (&[0x2b, 0x65, 0x71], "Ed448"),
        (ECDSA_SHA256, "ecdsa-with-SHA256"),
        (ECDSA_SHA384, "ecdsa-with-SHA384"),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
            "ecdsa-with-SHA512",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01],
            "ecdsa-with-SHA1",
        ),
    ];
    if oid == EC_PUBLIC_KEY {
        let curve = match params_curve {
            Some(P256) => "P-256".to_owned(),
            Some([0x2b, 0x81, 0x04, 0x00, 0x22]) => "P-384".to_owned(),
            Some([0x2b, 0x81, 0x04, 0x00, 0x23]) => "P-521".to_owned(),
            Some([0x2b, 0x81, 0x04, 0x00, 0x0a]) => "secp256k1".to_owned(),
            Some(other) => dotted(other),
            None => "unnamed curve".to_owned(),
        };
        return format!("EC key on {curve}");
    }
    NAMES
        .iter()
        .find(|(o, _)| *o == oid)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| format!("OID {}", dotted(oid)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dotted() {
        assert_eq!(super::dotted(super::P256), "1.2.840.10045.3.1.7");
        assert_eq!(super::dotted(super::ANY_EXT_KEY_USAGE), "2.5.29.37.0");
    }
}
