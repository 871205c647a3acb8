//! X.501 distinguished names: RFC 4514 strings for people, and exact re-encoding for issuing.

use crate::asn1::{DerResult, Tlv, tag};
use crate::oid;
use std::fmt::Write;

const ATTRIBUTES: &[(&[u8], &str)] = &[
    (&[0x55, 0x04, 0x03], "CN"),
    (&[0x55, 0x04, 0x06], "C"),
    (&[0x55, 0x04, 0x07], "L"),
    (&[0x55, 0x04, 0x08], "ST"),
    (&[0x55, 0x04, 0x09], "STREET"),
    (&[0x55, 0x04, 0x0a], "O"),
    (&[0x55, 0x04, 0x0b], "OU"),
    (&[0x55, 0x04, 0x05], "serialNumber"),
    (
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
        "DC",
    ),
    (
        &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
        "UID",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
        "emailAddress",
    ),
];

/// One attribute of a name: type OID bytes and the value element.
pub(crate) struct Attribute<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) value: Tlv<'a>,
}

/// Walks a Name (the full SEQUENCE element), calling `f` for each RDN's attributes.
pub(crate) fn for_each_rdn<'a>(
    name: &'a [u8],
    mut f: impl FnMut(Vec<Attribute<'a>>),
) -> DerResult<()> {
    let seq = crate::asn1::parse_one(name, tag::SEQUENCE)?;
    let mut rdns = seq.reader();
    while !rdns.is_empty() {
        let set = rdns.read(tag::SET)?;
        let mut attrs = set.reader();
        let mut out = Vec::with_capacity(1);
        if attrs.is_empty() {
            return Err(set.err("empty RelativeDistinguishedName"));
        }
        let mut previous: Option<&[u8]> = None;
        while !attrs.is_empty() {
            let start = set.value.len() - attrs.remaining();
            let atv = attrs.read(tag::SEQUENCE)?;
            let encoding = &set.value[start..set.value.len() - attrs.remaining()];
            if previous.is_some_and(|p| set_of_order(p, encoding) == std::cmp::Ordering::Greater) {
                return Err(atv.err("RDN SET OF is not in DER order (X.690 11.6)"));
            }
            previous = Some(encoding);
            let mut r = atv.reader();
            let oid = r.read(tag::OID)?;
            let value = r.read_any()?;
            r.finish()?;
            out.push(Attribute {
                oid: oid.value,
                value,
            });
        }
        f(out);
    }
    Ok(())
}

/// X.690 §11.6: SET OF components compare as octet strings, the shorter padded with zeros.
fn set_of_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    let pad = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    (0..n)
        .map(|i| pad(a, i).cmp(&pad(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Checks that `name` is a well-formed Name.
pub(crate) fn validate(name: &[u8], base: usize) -> DerResult<()> {
    for_each_rdn(name, |_| ()).map_err(|mut e| {
        e.offset += base;
        e
    })
}

fn value_text(v: &Tlv<'_>) -> Option<String> {
    match v.tag {
        tag::UTF8_STRING | tag::PRINTABLE_STRING | tag::IA5_STRING | tag::TELETEX_STRING => {
            std::str::from_utf8(v.value).ok().map(str::to_owned)
        }
        tag::BMP_STRING if v.value.len().is_multiple_of(2) => {
            let units: Vec<u16> = v
                .value
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        tag::UNIVERSAL_STRING if v.value.len().is_multiple_of(4) => v
            .value
            .chunks(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    }
}

/// RFC 4514 §2.4 escaping of an attribute value.
fn escape(s: &str, out: &mut String) {
    let last = s.chars().count().saturating_sub(1);
    for (i, c) in s.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && matches!(c, ' ' | '#'))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
        } else if crate::display::is_invisible(c) {
            // RFC 4514 §2.4's hexpair form for each UTF-8 byte: a control or bidi character
            // in a subject cannot end or reorder the report line that prints it.
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02X}"));
            }
        } else {
            if special {
                out.push('\\');
            }
            out.push(c);
        }
    }
}

/// The RFC 4514 string form of a DER Name: RDNs in reverse order, separated by commas,
/// multi-valued RDNs joined by `+`, unknown types by dotted OID, values that are not strings
/// as `#hex` of their DER. A malformed name prints as `<malformed name>`.
pub(crate) fn to_rfc4514(name: &[u8]) -> String {
    let mut rdns: Vec<String> = Vec::new();
    let ok = for_each_rdn(name, |attrs| {
        let mut rdn = String::new();
        for (i, a) in attrs.iter().enumerate() {
            if i > 0 {
                rdn.push('+');
            }
            match ATTRIBUTES.iter().find(|(o, _)| *o == a.oid) {
                Some((_, short)) => rdn.push_str(short),
                None => rdn.push_str(&oid::dotted(a.oid)),
            }
            rdn.push('=');
            match value_text(&a.value) {
                Some(text) => escape(&text, &mut rdn),
                None => {
                    rdn.push('#');
                    let _ = write!(rdn, "{:02x}{:02x}", a.value.tag, a.value.value.len());
                    for b in a.value.value {
                        let _ = write!(rdn, "{b:02x}");
                    }
                }
            }
        }
        rdns.push(rdn);
    });
    if ok.is_err() {
        return "<malformed name>".into();
    }
    rdns.reverse();
    rdns.join(",")
}

/// Rebuilds a Name as rcgen's `DistinguishedName`, or says why rcgen cannot reproduce it.
/// The caller still compares the issued certificate's issuer bytes with the original.
pub(crate) fn to_rcgen(name: &[u8]) -> Result<rcgen::DistinguishedName, &'static str> {
    let mut dn = rcgen::DistinguishedName::new();
    let mut problem: Option<&'static str> = None;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for_each_rdn(name, |attrs| {
        if attrs.len() != 1 {
            problem.get_or_insert("multi-valued RDN");
            return;
        }
        let a = &attrs[0];
        if seen.iter().any(|s| s == a.oid) {
            problem.get_or_insert("an attribute type occurs twice");
            return;
        }
        seen.push(a.oid.to_vec());
        let ty = match oid_arcs(a.oid) {
            Some(arcs) => rcgen::DnType::from_oid(&arcs),
            None => {
                problem.get_or_insert("malformed attribute type");
                return;
            }
        };
        let text = value_text(&a.value);
        let value = match (a.value.tag, text) {
            (tag::UTF8_STRING, Some(t)) => rcgen::DnValue::Utf8String(t),
            (tag::PRINTABLE_STRING, Some(t)) => match t.try_into() {
                Ok(p) => rcgen::DnValue::PrintableString(p),
                Err(_) => {
                    problem.get_or_insert("invalid PrintableString");
                    return;
                }
            },
            (tag::IA5_STRING, Some(t)) => match t.try_into() {
                Ok(p) => rcgen::DnValue::Ia5String(p),
                Err(_) => {
                    problem.get_or_insert("invalid IA5String");
                    return;
                }
            },
            _ => {
                problem.get_or_insert("attribute value type other than UTF8/Printable/IA5 string");
                return;
            }
        };
        dn.push(ty, value);
    })
    .map_err(|_| "malformed name")?;
    match problem {
        Some(p) => Err(p),
        None => Ok(dn),
    }
}

fn oid_arcs(bytes: &[u8]) -> Option<Vec<u64>> {
    let dotted = oid::dotted(bytes);
    dotted.split('.').map(|a| a.parse().ok()).collect()
}

/// The values of the CN attributes of a Name.
pub(crate) fn common_names(name: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let _ = for_each_rdn(name, |attrs| {
        for a in attrs {
            if a.oid == [0x55, 0x04, 0x03] {
                out.push(value_text(&a.value).unwrap_or_default());
            }
        }
    });
    out
}

/// The string values of every attribute of type `oid` in a Name.
pub(crate) fn attribute_values(name: &[u8], oid: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let _ = for_each_rdn(name, |attrs| {
        for a in attrs {
            if a.oid == oid
                && let Some(t) = value_text(&a.value)
            {
                out.push(t);
            }
        }
    });
    out
}

/// A Name as RDNs of (type, normalized value) pairs, each RDN sorted, for RFC 5280 §7.1-style
/// comparison: string values case-folded with runs of white space collapsed and trimmed;
/// other values by their DER. `None` if malformed.
pub(crate) fn normalized_rdns(name: &[u8]) -> Option<Vec<Vec<(Vec<u8>, String)>>> {
    let mut out = Vec::new();
    for_each_rdn(name, |attrs| {
        let mut rdn: Vec<(Vec<u8>, String)> = attrs
            .iter()
            .map(|a| {
                let v = match value_text(&a.value) {
                    Some(t) => t
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase(),
                    None => format!("#{}", crate::display::hex(a.value.value)),
                };
                (a.oid.to_vec(), v)
            })
            .collect();
        rdn.sort();
        out.push(rdn);
    })
    .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_valued_rdns_must_be_in_der_order() {
        let cn = [0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, 0x62];
        let o = [0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x0c, 0x01, 0x61];
        let name = |first: &[u8], second: &[u8]| {
            let mut set = vec![0x31, 0x14];
            set.extend(first);
            set.extend(second);
            let mut seq = vec![0x30, 0x16];
            seq.extend(set);
            seq
        };
        assert!(validate(&name(&cn, &o), 0).is_ok());
        let e = validate(&name(&o, &cn), 0).unwrap_err();
        assert_eq!(e.offset, 14);
        assert_eq!(set_of_order(&[1, 0], &[1]), std::cmp::Ordering::Equal);
        assert_eq!(set_of_order(&[1, 1], &[1]), std::cmp::Ordering::Greater);
    }
}
