//! Matching a leaf's subjectAltName against a peer name (RFC 6125 §6.4, RFC 5280 §4.2.1.6).
//! Only dNSName and iPAddress entries count; the subject common name never does.

use crate::asn1::Reader;
use crate::cert::Certificate;
use crate::verify::{PeerName, VerifyError};

/// Checks that `leaf` carries `name` in its subjectAltName.
pub(crate) fn check_name(
    leaf: &Certificate,
    name: &PeerName,
    wildcards: bool,
) -> Result<(), VerifyError> {
    let mismatch = || Err(VerifyError::NameMismatch { name: name.clone() });
    let Some(raw) = leaf.subject_alt_name_raw() else {
        return mismatch();
    };
    match name {
        PeerName::Dns(reference) => {
            let reference = normalize_reference(reference)?;
            let mut r = Reader::new(raw, 0);
            while let Ok(gn) = r.read_any() {
                if gn.tag == 0x82 && dns_matches(gn.value, &reference, wildcards) {
                    return Ok(());
                }
            }
            mismatch()
        }
        PeerName::Ip(ip) => {
            let want: Vec<u8> = match ip {
                std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
                std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            let mut r = Reader::new(raw, 0);
            while let Ok(gn) = r.read_any() {
                if gn.tag == 0x87 && gn.value == want.as_slice() {
                    return Ok(());
                }
            }
            mismatch()
        }
    }
}

/// A reference DNS name in lower case without a trailing dot, or an error if it is not a
/// valid hostname (RFC 1123 labels; no wildcard).
fn normalize_reference(name: &str) -> Result<String, VerifyError> {
    let invalid = || VerifyError::InvalidReferenceName(name.to_owned());
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || trimmed.len() > 253 {
        return Err(invalid());
    }
    for label in trimmed.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(invalid());
        }
    }
    if trimmed.parse::<std::net::IpAddr>().is_ok() {
        return Err(invalid());
    }
    Ok(trimmed.to_ascii_lowercase())
}

/// Whether a presented dNSName has the preferred name syntax (RFC 5280 §4.2.1.6, RFC 1034
/// §3.5: letters, digits, hyphens; labels of 1 to 63), allowing a leftmost `*` label.
pub(crate) fn valid_presented_dns(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.split('.').enumerate().all(|(i, label)| {
        (i == 0 && label == "*")
            || (!label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-'))
    })
}

/// Whether a presented dNSName matches the normalized reference. The presented name must be a
/// valid name itself (no trailing dot, no empty labels); a wildcard is only the whole leftmost
/// label, covers exactly one label, and needs at least two labels after it.
fn dns_matches(presented: &[u8], reference: &str, wildcards: bool) -> bool {
    let Ok(presented) = std::str::from_utf8(presented) else {
        return false;
    };
    if presented.is_empty() || presented.ends_with('.') || !presented.is_ascii() {
        return false;
    }
    let presented = presented.to_ascii_lowercase();
    let labels: Vec<&str> = presented.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return false;
    }
    if labels[0] == "*" {
        if !wildcards || labels.len() < 3 || labels[1..].iter().any(|l| l.contains('*')) {
            return false;
        }
        let Some((first, rest)) = reference.split_once('.') else {
            return false;
        };
        return !first.is_empty() && rest == labels[1..].join(".");
    }
    if presented.contains('*') {
        return false;
    }
    presented == reference
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_rules() {
        let r = normalize_reference("WWW.Example.COM.").unwrap();
        assert_eq!(r, "www.example.com");
        assert!(dns_matches(b"www.example.com", &r, true));
        assert!(dns_matches(b"*.Example.com", &r, true));
        assert!(!dns_matches(b"*.Example.com", &r, false));
        assert!(!dns_matches(b"*.com", "example.com", true));
        assert!(!dns_matches(b"w*.example.com", &r, true));
        assert!(!dns_matches(b"*.example.com", "a.b.example.com", true));
        assert!(!dns_matches(b"www.example.com.", &r, true));
        assert!(normalize_reference("*.example.com").is_err());
        assert!(normalize_reference("1.2.3.4").is_err());
        assert!(normalize_reference("a..b").is_err());
    }
}
