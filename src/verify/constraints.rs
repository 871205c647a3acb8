//! Name constraints (RFC 5280 §4.2.1.10) for dNSName, iPAddress, rfc822Name and
//! directoryName, permitted and excluded subtrees.
//!
//! Each CA's constraints are checked against every certificate below it on the path (the
//! leaf always; intermediates unless self-issued, RFC 5280 §6.1.3 (b)), which is the same as
//! intersecting the permitted subtrees and uniting the excluded ones along the path. The names
//! checked are the subjectAltName entries, the subject DN (directoryName constraints, when not
//! empty), the subject's emailAddress attributes (rfc822Name), and — more than RFC 5280 asks,
//! so that no verifier that falls back to the CN is out-constrained — subject CNs that read as
//! a host name or an IP address. A constraint form certcycle does not implement (URI,
//! otherName, …) is harmless while no certificate below carries a name of that form, and a
//! rejection otherwise; so is a subtree with minimum or maximum set.

use super::budget::Budget;
use crate::asn1::{Reader, Tlv, tag};
use crate::cert::Certificate;
use std::net::IpAddr;

/// Why a name constraint rejected a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Violation {
    /// The name is outside every permitted subtree of its form.
    NotPermitted(String),
    /// The name is inside an excluded subtree.
    Excluded(String),
    /// The constraint or the name has a form certcycle does not process.
    Unsupported(&'static str),
    /// The extension is malformed.
    Malformed(&'static str),
    /// The verification's shared comparison budget ran out.
    Budget(Box<crate::verify::VerifyError>),
}

#[derive(Debug, Default)]
struct Subtrees<'a> {
    dns: Vec<&'a [u8]>,
    ip: Vec<&'a [u8]>,
    email: Vec<&'a [u8]>,
    dn: Vec<&'a [u8]>,
    /// Tags of forms present but not implemented.
    other: Vec<u8>,
}

impl Subtrees<'_> {
    fn has(&self, form: u8) -> bool {
        match form {
            0x82 => !self.dns.is_empty(),
            0x87 => !self.ip.is_empty(),
            0x81 => !self.email.is_empty(),
            0xa4 => !self.dn.is_empty(),
            f => self.other.contains(&f),
        }
    }
}

fn parse_subtrees<'a>(t: &Tlv<'a>) -> Result<Subtrees<'a>, Violation> {
    let bad = |_| Violation::Malformed("malformed GeneralSubtrees");
    let mut out = Subtrees::default();
    let mut r = t.reader();
    if r.is_empty() {
        return Err(Violation::Malformed("empty GeneralSubtrees"));
    }
    while !r.is_empty() {
        let st = r.read(tag::SEQUENCE).map_err(bad)?;
        let mut s = st.reader();
        let base = s.read_any().map_err(bad)?;
        if !s.is_empty() {
            return Err(Violation::Unsupported("a subtree with minimum or maximum"));
        }
        match base.tag {
            0x82 => out.dns.push(base.value),
            0x87 => {
                if !matches!(base.value.len(), 8 | 32)
                    || !contiguous_mask(&base.value[base.value.len() / 2..])
                {
                    return Err(Violation::Malformed(
                        "iPAddress constraint is not address + contiguous mask",
                    ));
                }
                out.ip.push(base.value);
            }
            0x81 => out.email.push(base.value),
            0xa4 => {
                let mut n = base.reader();
                let name = n.read(tag::SEQUENCE).map_err(bad)?;
                n.finish().map_err(bad)?;
                out.dn.push(&base.value[..name.end - name.start]);
            }
            other => out.other.push(other),
        }
    }
    Ok(out)
}

fn contiguous_mask(mask: &[u8]) -> bool {
    let mut seen_zero = false;
    for byte in mask {
        for bit in (0..8).rev() {
            let one = byte >> bit & 1 == 1;
            if one && seen_zero {
                return false;
            }
            seen_zero |= !one;
        }
    }
    true
}

/// The names of a certificate that constraints apply to.
struct Names {
    dns: Vec<String>,
    ip: Vec<Vec<u8>>,
    email: Vec<String>,
    dn: Vec<Vec<u8>>,
    /// Forms present that certcycle does not check.
    other: Vec<u8>,
}

fn names_of(cert: &Certificate) -> Names {
    let mut names = Names {
        dns: Vec::new(),
        ip: Vec::new(),
        email: Vec::new(),
        dn: Vec::new(),
        other: Vec::new(),
    };
    if let Some(raw) = cert.subject_alt_name_raw() {
        let mut r = Reader::new(raw, 0);
        while let Ok(gn) = r.read_any() {
            match gn.tag {
                0x82 => names
                    .dns
                    .push(String::from_utf8_lossy(gn.value).to_ascii_lowercase()),
                0x87 => names.ip.push(gn.value.to_vec()),
                0x81 => names
                    .email
                    .push(String::from_utf8_lossy(gn.value).into_owned()),
                0xa4 => {
                    // A directoryName SAN is checked as a DN (EXPLICIT: the Name inside).
                    let mut n = gn.reader();
                    match n.read(tag::SEQUENCE) {
                        Ok(name) => names.dn.push(gn.value[..name.end - name.start].to_vec()),
                        Err(_) => names.other.push(0xa4),
                    }
                }
                t => names.other.push(t),
            }
        }
    }
    let subject = cert.subject_der();
    if subject != [0x30, 0x00] {
        names.dn.push(subject.to_vec());
    }
    names
        .email
        .extend(crate::dn::attribute_values(subject, EMAIL_ADDRESS));
    for cn in cert.common_names() {
        if let Ok(ip) = cn.parse::<IpAddr>() {
            names.ip.push(match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => v6.octets().to_vec(),
            });
        } else if cn.contains('.') && super::names::valid_presented_dns(&cn) {
            names.dns.push(cn.to_ascii_lowercase());
        }
    }
    names
}

const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

/// Checks the constraints of the CA `nc` (the extension's SEQUENCE contents) against `cert`,
/// charging the comparisons (names × constraints, at least one) to the verification's budget
/// before making them.
pub(crate) fn check(nc: &[u8], cert: &Certificate, budget: &mut Budget) -> Result<(), Violation> {
    let bad = |_| Violation::Malformed("malformed NameConstraints");
    let mut r = Reader::new(nc, 0);
    let permitted = match r.read_optional(0xa0).map_err(bad)? {
        Some(t) => Some(parse_subtrees(&t)?),
        None => None,
    };
    let excluded = match r.read_optional(0xa1).map_err(bad)? {
        Some(t) => Some(parse_subtrees(&t)?),
        None => None,
    };
    r.finish().map_err(bad)?;
    if permitted.is_none() && excluded.is_none() {
        return Err(Violation::Malformed(
            "NameConstraints with neither permitted nor excluded subtrees",
        ));
    }
    let names = names_of(cert);
    let constraints = [&permitted, &excluded]
        .iter()
        .filter_map(|s| s.as_ref())
        .map(|s| s.dns.len() + s.ip.len() + s.email.len() + s.dn.len())
        .sum::<usize>();
    let count = names.dns.len() + names.ip.len() + names.email.len() + names.dn.len();
    // The comparisons, plus the names and constraints just parsed (so that re-parsing a large
    // extension for every candidate path is paid for too).
    let cost = constraints
        .saturating_mul(count)
        .saturating_add(constraints)
        .saturating_add(count)
        .max(1);
    budget
        .comparisons(cost)
        .map_err(|e| Violation::Budget(Box::new(e)))?;
    for form in &names.other {
        let constrained = permitted.as_ref().is_some_and(|p| p.has(*form))
            || excluded.as_ref().is_some_and(|e| e.has(*form));
        if constrained {
            return Err(Violation::Unsupported(
                "a constrained name form certcycle does not check",
            ));
        }
    }
    if let Some(p) = &permitted {
        for d in &names.dns {
            if !p.dns.is_empty() && !p.dns.iter().any(|c| dns_within(d, c, false)) {
                return Err(Violation::NotPermitted(format!("DNS:{d}")));
            }
        }
        for ip in &names.ip {
            if !p.ip.is_empty() && !p.ip.iter().any(|c| ip_within(ip, c)) {
                return Err(Violation::NotPermitted(format!("IP:{}", show_ip(ip))));
            }
        }
        for e in &names.email {
            if !p.email.is_empty() && !p.email.iter().any(|c| email_within(e, c)) {
                return Err(Violation::NotPermitted(format!("email:{e}")));
            }
        }
        for dn in &names.dn {
            if !p.dn.is_empty() && !p.dn.iter().any(|c| dn_within(dn, c)) {
                return Err(Violation::NotPermitted(format!(
                    "DN:{}",
                    crate::dn::to_rfc4514(dn)
                )));
            }
        }
    }
    if let Some(x) = &excluded {
        for d in &names.dns {
            if x.dns.iter().any(|c| dns_within(d, c, true)) {
                return Err(Violation::Excluded(format!("DNS:{d}")));
            }
        }
        for ip in &names.ip {
            if x.ip.iter().any(|c| ip_within(ip, c)) {
                return Err(Violation::Excluded(format!("IP:{}", show_ip(ip))));
            }
        }
        for e in &names.email {
            if x.email.iter().any(|c| email_within(e, c)) {
                return Err(Violation::Excluded(format!("email:{e}")));
            }
        }
        for dn in &names.dn {
            if x.dn.iter().any(|c| dn_within(dn, c)) {
                return Err(Violation::Excluded(format!(
                    "DN:{}",
                    crate::dn::to_rfc4514(dn)
                )));
            }
        }
    }
    Ok(())
}

fn show_ip(ip: &[u8]) -> String {
    match ip.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(ip).unwrap_or_default()).to_string(),
        16 => IpAddr::from(<[u8; 16]>::try_from(ip).unwrap_or_default()).to_string(),
        _ => format!("{ip:02x?}"),
    }
}

/// Whether DNS name `name` lies in the subtree `constraint` (RFC 5280: the constraint, or
/// the constraint with labels added on the left; a leading dot means subdomains only; the
/// empty constraint covers everything). A wildcard name `*.X` stands for every name one label
/// under X: for a permitted check X's whole space must lie in the subtree; for an excluded
/// check (`excluded = true`) it violates if any name it could match lies in the subtree.
fn dns_within(name: &str, constraint: &[u8], excluded: bool) -> bool {
    let Ok(c) = std::str::from_utf8(constraint) else {
        return excluded;
    };
    let c = c.to_ascii_lowercase();
    let name = name.strip_suffix('.').unwrap_or(name);
    if c.is_empty() {
        return true;
    }
    let (subdomains_only, base) = match c.strip_prefix('.') {
        Some(b) => (true, b),
        None => (false, c.as_str()),
    };
    let under = |n: &str| {
        n.len() > base.len() && n.ends_with(base) && n.as_bytes()[n.len() - base.len() - 1] == b'.'
    };
    let within = |n: &str| under(n) || (!subdomains_only && n == base);
    match name.strip_prefix("*.") {
        Some(rest) => {
            if excluded {
                // Some `label.rest` lies in the subtree if rest is in it, or if the subtree's
                // base is under rest (conservatively, at any depth), or is rest itself.
                let base_under_rest = base.len() > rest.len()
                    && base.ends_with(rest)
                    && base.as_bytes()[base.len() - rest.len() - 1] == b'.';
                within(rest) || base_under_rest || base == rest
            } else {
                // Every `label.rest` lies in the subtree iff rest is in it or is its base.
                under(rest) || rest == base
            }
        }
        None => within(name),
    }
}

fn ip_within(ip: &[u8], constraint: &[u8]) -> bool {
    let half = constraint.len() / 2;
    if ip.len() != half {
        return false;
    }
    let (addr, mask) = constraint.split_at(half);
    ip.iter()
        .zip(addr)
        .zip(mask)
        .all(|((i, a), m)| i & m == a & m)
}

/// RFC 5280 §4.2.1.10 rfc822Name: a full mailbox matches exactly (domain case-insensitive);
/// a host matches mailboxes at that host; a leading dot matches mailboxes in subdomains.
fn email_within(email: &str, constraint: &[u8]) -> bool {
    let Ok(c) = std::str::from_utf8(constraint) else {
        return false;
    };
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let domain = domain.to_ascii_lowercase();
    if let Some((c_local, c_domain)) = c.rsplit_once('@') {
        return local == c_local && domain == c_domain.to_ascii_lowercase();
    }
    let c = c.to_ascii_lowercase();
    match c.strip_prefix('.') {
        Some(base) => domain.len() > base.len() && domain.ends_with(&c),
        None => domain == c,
    }
}

/// Whether DN `name` (DER) lies under `constraint` (DER): its RDNs start with the
/// constraint's, compared after case folding and whitespace collapsing of string values.
fn dn_within(name: &[u8], constraint: &[u8]) -> bool {
    let (Some(n), Some(c)) = (
        crate::dn::normalized_rdns(name),
        crate::dn::normalized_rdns(constraint),
    ) else {
        return false;
    };
    c.len() <= n.len() && n.iter().zip(&c).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_subtrees() {
        assert!(dns_within("example.com", b"example.com", false));
        assert!(dns_within("a.example.com", b"Example.COM", false));
        assert!(!dns_within("badexample.com", b"example.com", false));
        assert!(!dns_within("example.com", b".example.com", false));
        assert!(dns_within("a.example.com", b".example.com", false));
        assert!(dns_within("anything", b"", false));
        assert!(dns_within("*.example.com", b"example.com", false));
        assert!(!dns_within("*.example.com", b"a.example.com", false));
        // Excluded: a wildcard that could reach into the subtree violates it.
        assert!(dns_within("*.example.com", b"foo.example.com", true));
        assert!(dns_within("*.example.com", b"example.com", true));
        assert!(!dns_within("*.example.org", b"foo.example.com", true));
    }

    #[test]
    fn ip_subtrees() {
        let c = [192, 168, 0, 0, 255, 255, 0, 0];
        assert!(ip_within(&[192, 168, 4, 5], &c));
        assert!(!ip_within(&[192, 169, 0, 1], &c));
        assert!(!ip_within(&[0; 16], &c));
        let mut v6 = [0u8; 32];
        v6[0] = 0x20;
        v6[1] = 0x01;
        v6[16] = 0xff;
        v6[17] = 0xff;
        let mut ip = [0u8; 16];
        ip[0] = 0x20;
        ip[1] = 0x01;
        ip[15] = 1;
        assert!(ip_within(&ip, &v6));
        ip[1] = 0x02;
        assert!(!ip_within(&ip, &v6));
        assert!(contiguous_mask(&[255, 255, 240, 0]));
        assert!(!contiguous_mask(&[255, 0, 255, 0]));
    }

    #[test]
    fn email_subtrees() {
        assert!(email_within("a@example.com", b"example.com"));
        assert!(email_within("a@Example.com", b"a@example.com"));
        assert!(!email_within("b@example.com", b"a@example.com"));
        assert!(email_within("a@x.example.com", b".example.com"));
        assert!(!email_within("a@example.com", b".example.com"));
    }
}
