//! A strict, zero-copy DER reader (ITU-T X.690 §10) for the few structures certcycle parses
//! on its hot paths: certificates, key identifiers, names.
//!
//! Every read checks the DER rules that matter for X.509 (definite, minimal lengths; single
//! byte tags for the universal and context classes used by RFC 5280) and reports the absolute
//! byte offset of the first offending byte, so errors can name where input went wrong.

use std::ops::Range;

/// Tags used by RFC 5280 structures.
pub(crate) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const TELETEX_STRING: u8 = 0x14;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const UNIVERSAL_STRING: u8 = 0x1c;
    pub(crate) const BMP_STRING: u8 = 0x1e;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// What went wrong reading DER, and at which absolute byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DerError {
    pub(crate) offset: usize,
    pub(crate) kind: DerErrorKind,
}

/// The DER rule (X.690 §10, or the structure of RFC 5280 / 5915 / 5958 / 2986) that bytes
/// broke, as [`crate::Error::Malformed`] reports it with the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DerErrorKind {
    /// The input ends inside an element.
    Truncated,
    /// An element has another tag than the structure requires here.
    UnexpectedTag {
        /// The tag required.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// A length is not in its shortest form (X.690 §10.1).
    NonMinimalLength,
    /// An indefinite length, which DER forbids (X.690 §10.1).
    IndefiniteLength,
    /// Bytes after the element where none may be.
    TrailingData,
    /// Any other rule, named.
    Invalid(&'static str),
}

impl std::fmt::Display for DerErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => f.write_str("input ends inside an element"),
            Self::UnexpectedTag { expected, found } => {
                write!(f, "expected tag 0x{expected:02x}, found 0x{found:02x}")
            }
            Self::NonMinimalLength => f.write_str("length is not minimally encoded"),
            Self::IndefiniteLength => f.write_str("indefinite length is not DER"),
            Self::TrailingData => f.write_str("trailing data after the element"),
            Self::Invalid(what) => f.write_str(what),
        }
    }
}

pub(crate) type DerResult<T> = Result<T, DerError>;

/// One element: its tag, its contents, and where both are in the original input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    /// Absolute offset of the contents.
    pub(crate) value_offset: usize,
    /// Absolute offset of the tag byte.
    pub(crate) start: usize,
    /// Absolute offset one past the last content byte.
    pub(crate) end: usize,
}

impl<'a> Tlv<'a> {
    /// The whole element (tag, length, contents) as an absolute range.
    pub(crate) fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    /// The contents as an absolute range.
    pub(crate) fn value_range(&self) -> Range<usize> {
        self.value_offset..self.end
    }

    /// A reader over the contents, keeping absolute offsets.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader {
            data: self.value,
            pos: 0,
            base: self.value_offset,
        }
    }

    pub(crate) fn err(&self, what: &'static str) -> DerError {
        DerError {
            offset: self.start,
            kind: DerErrorKind::Invalid(what),
        }
    }
}

/// A cursor over DER input.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `data`, which starts at absolute offset `base` of the original input.
    pub(crate) fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// How many bytes are left to read.
    pub(crate) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    fn error(&self, at: usize, kind: DerErrorKind) -> DerError {
        DerError {
            offset: self.base + at,
            kind,
        }
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads any element.
    pub(crate) fn read_any(&mut self) -> DerResult<Tlv<'a>> {
        let start = self.pos;
        let tag = *self
            .data
            .get(start)
            .ok_or(self.error(start, DerErrorKind::Truncated))?;
        if tag & 0x1f == 0x1f {
            return Err(self.error(start, DerErrorKind::Invalid("multi-byte tags are not used")));
        }
        if tag == 0 {
            // Universal 0 is BER's end-of-contents marker: it never stands in DER.
            return Err(self.error(start, DerErrorKind::Invalid("tag 0x00 is not DER")));
        }
        if tag & 0xc0 == 0 {
            // X.690 10.2 / 8.x: in DER a universal type has one form. SEQUENCE, SET and the
            // other structured types are constructed; everything else (strings included) is
            // primitive.
            let must_construct = matches!(tag & 0x1f, 8 | 11 | 16 | 17 | 29);
            if must_construct != (tag & 0x20 != 0) {
                return Err(self.error(
                    start,
                    DerErrorKind::Invalid(
                        "universal tag in the wrong form (primitive/constructed)",
                    ),
                ));
            }
        }
        let len_at = start + 1;
        let first = *self
            .data
            .get(len_at)
            .ok_or(self.error(len_at, DerErrorKind::Truncated))?;
        let (len, header_len) = if first < 0x80 {
            (first as usize, 2)
        } else if first == 0x80 {
            return Err(self.error(len_at, DerErrorKind::IndefiniteLength));
        } else {
            let n = (first & 0x7f) as usize;
            if n > 4 {
                return Err(self.error(len_at, DerErrorKind::Invalid("length does not fit")));
            }
            let bytes = self
                .data
                .get(len_at + 1..len_at + 1 + n)
                .ok_or(self.error(len_at, DerErrorKind::Truncated))?;
            if bytes[0] == 0 {
                return Err(self.error(len_at, DerErrorKind::NonMinimalLength));
            }
            let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
            if len < 0x80 {
                return Err(self.error(len_at, DerErrorKind::NonMinimalLength));
            }
            (len, 2 + n)
        };
        let value_start = start + header_len;
        let value_end = value_start
            .checked_add(len)
            .filter(|end| *end <= self.data.len())
            .ok_or(self.error(start, DerErrorKind::Truncated))?;
        if tag == tag::OID {
            check_oid(&self.data[value_start..value_end])
                .map_err(|(at, what)| self.error(value_start + at, DerErrorKind::Invalid(what)))?;
        }
        self.pos = value_end;
        Ok(Tlv {
            tag,
            value: &self.data[value_start..value_end],
            value_offset: self.base + value_start,
            start: self.base + start,
            end: self.base + value_end,
        })
    }

    /// Reads an element that must have tag `expected`.
    pub(crate) fn read(&mut self, expected: u8) -> DerResult<Tlv<'a>> {
        let at = self.pos;
        let found = *self
            .data
            .get(at)
            .ok_or(self.error(at, DerErrorKind::Truncated))?;
        if found != expected {
            return Err(self.error(at, DerErrorKind::UnexpectedTag { expected, found }));
        }
        self.read_any()
    }

    /// Reads an element with tag `tag` if it is next.
    pub(crate) fn read_optional(&mut self, tag: u8) -> DerResult<Option<Tlv<'a>>> {
        if self.peek_tag() == Some(tag) {
            self.read(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(&self) -> DerResult<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(self.pos, DerErrorKind::TrailingData))
        }
    }
}

/// X.690 §8.19: an OBJECT IDENTIFIER's contents are one or more subidentifiers, each in
/// base 128 with the high bit set on every octet but its last, and minimal (no leading 0x80
/// octet). Returns the offset in `value` of the first bad octet.
fn check_oid(value: &[u8]) -> Result<(), (usize, &'static str)> {
    if value.is_empty() {
        return Err((0, "empty OBJECT IDENTIFIER"));
    }
    let mut arc_start = true;
    for (i, b) in value.iter().enumerate() {
        if arc_start && *b == 0x80 {
            return Err((i, "OBJECT IDENTIFIER arc is not minimally encoded"));
        }
        arc_start = b & 0x80 == 0;
    }
    if !arc_start {
        return Err((value.len() - 1, "OBJECT IDENTIFIER ends inside an arc"));
    }
    Ok(())
}

/// Parses exactly one element with tag `expected` from `data`, with nothing after it.
pub(crate) fn parse_one(data: &[u8], expected: u8) -> DerResult<Tlv<'_>> {
    let mut r = Reader::new(data, 0);
    let tlv = r.read(expected)?;
    r.finish()?;
    Ok(tlv)
}

/// Checks a DER INTEGER's contents for minimal encoding; returns whether it is negative.
pub(crate) fn check_integer(tlv: &Tlv<'_>) -> DerResult<bool> {
    match tlv.value {
        [] => Err(tlv.err("empty INTEGER")),
        [0x00, next, ..] if next & 0x80 == 0 => Err(tlv.err("INTEGER is not minimally encoded")),
        [0xff, next, ..] if next & 0x80 != 0 => Err(tlv.err("INTEGER is not minimally encoded")),
        [first, ..] => Ok(first & 0x80 != 0),
    }
}

/// Reads a small non-negative INTEGER.
pub(crate) fn small_uint(tlv: &Tlv<'_>) -> DerResult<u64> {
    if check_integer(tlv)? {
        return Err(tlv.err("negative INTEGER"));
    }
    let bytes = match tlv.value {
        [0, rest @ ..] => rest,
        all => all,
    };
    if bytes.len() > 8 {
        return Err(tlv.err("INTEGER too large"));
    }
    Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64))
}

/// A DER BOOLEAN (only 0x00 and 0xff are DER).
pub(crate) fn boolean(tlv: &Tlv<'_>) -> DerResult<bool> {
    match tlv.value {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(tlv.err("BOOLEAN is not DER (must be one byte, 0x00 or 0xff)")),
    }
}

/// The contents of a BIT STRING with no unused bits.
pub(crate) fn bit_string_octets<'a>(tlv: &Tlv<'a>) -> DerResult<&'a [u8]> {
    match tlv.value {
        [0, rest @ ..] => Ok(rest),
        _ => Err(tlv.err("BIT STRING with unused bits where whole octets are required")),
    }
}

/// Checks any BIT STRING's contents (X.690 §8.6.2, §11.2.1): an initial octet of 0..=7 unused
/// bits, 0 when there are no further octets, and those unused bits zero in DER.
pub(crate) fn check_bit_string(tlv: &Tlv<'_>) -> DerResult<()> {
    let (unused, bytes) = tlv.value.split_first().ok_or(tlv.err("empty BIT STRING"))?;
    if *unused > 7 || (bytes.is_empty() && *unused != 0) {
        return Err(tlv.err("malformed BIT STRING (unused-bits octet)"));
    }
    if bytes
        .last()
        .is_some_and(|last| last & ((1u8 << unused) - 1) != 0)
    {
        return Err(tlv.err("BIT STRING has non-zero unused bits"));
    }
    Ok(())
}

/// A named-bit BIT STRING (such as keyUsage) as a number with bit 0 as the most significant
/// bit of the first octet. X.690 §11.2.2 wants trailing zero bits removed, but trusted roots
/// in Mozilla's store (Trustwave's P-256 root: `03 03 07 06 00`) pad with a zero octet, and
/// OpenSSL, Go and webpki accept that; so padding is tolerated, while unused bits that are
/// not zero, an unused-bit count over 7, or more than 4 octets are still errors.
pub(crate) fn named_bits(tlv: &Tlv<'_>) -> DerResult<u16> {
    let (unused, bytes) = tlv.value.split_first().ok_or(tlv.err("empty BIT STRING"))?;
    if *unused > 7 || (bytes.is_empty() && *unused != 0) || bytes.len() > 4 {
        return Err(tlv.err("malformed named-bit BIT STRING"));
    }
    if let Some(last) = bytes.last()
        && last & ((1u8 << unused) - 1) != 0
    {
        return Err(tlv.err("named-bit BIT STRING has non-zero unused bits"));
    }
    if bytes.iter().skip(2).any(|b| *b != 0) {
        return Err(tlv.err("named-bit BIT STRING names unknown bits"));
    }
    let mut value = 0u16;
    for (i, b) in bytes.iter().take(2).enumerate() {
        value |= (*b as u16) << (8 * (1 - i));
    }
    Ok(value)
}

/// Parses a UTCTime or GeneralizedTime as RFC 5280 §4.1.2.5 profiles them
/// (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`).
pub(crate) fn time(tlv: &Tlv<'_>) -> DerResult<time::OffsetDateTime> {
    let v = tlv.value;
    let digits = |s: &[u8]| -> Option<u32> {
        s.iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as u32)
        })
    };
    let (year, rest) = match tlv.tag {
        tag::UTC_TIME if v.len() == 13 => {
            let yy = digits(&v[..2]).ok_or(tlv.err("UTCTime has a non-digit"))? as i32;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &v[2..])
        }
        tag::GENERALIZED_TIME if v.len() == 15 => (
            digits(&v[..4]).ok_or(tlv.err("GeneralizedTime has a non-digit"))? as i32,
            &v[4..],
        ),
        tag::UTC_TIME | tag::GENERALIZED_TIME => {
            return Err(tlv.err("time is not in the RFC 5280 form (seconds and 'Z' required)"));
        }
        _ => return Err(tlv.err("expected UTCTime or GeneralizedTime")),
    };
    if rest[10] != b'Z' {
        return Err(tlv.err("time must end in 'Z'"));
    }
    let field = |i: usize| digits(&rest[i..i + 2]).ok_or(tlv.err("time has a non-digit"));
    let (month, day, hour, minute, second) =
        (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or(tlv.err("time has an invalid month"))?;
    let date = time::Date::from_calendar_date(year, month, day as u8)
        .map_err(|_| tlv.err("time has an invalid date"))?;
    let clock = time::Time::from_hms(hour as u8, minute as u8, second as u8)
        .map_err(|_| tlv.err("time has an invalid time of day"))?;
    Ok(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_minimal_and_indefinite_lengths() {
        let e = parse_one(&[0x30, 0x81, 0x01, 0x00], tag::SEQUENCE).unwrap_err();
        assert_eq!(e.kind, DerErrorKind::NonMinimalLength);
        assert_eq!(e.offset, 1);
        let e = parse_one(&[0x30, 0x80, 0x00, 0x00], tag::SEQUENCE).unwrap_err();
        assert_eq!(e.kind, DerErrorKind::IndefiniteLength);
        let e = parse_one(&[0x30, 0x00, 0x00], tag::SEQUENCE).unwrap_err();
        assert_eq!(
            e,
            DerError {
                offset: 2,
                kind: DerErrorKind::TrailingData
            }
        );
        let e = parse_one(&[0x30, 0x05, 0x00], tag::SEQUENCE).unwrap_err();
        assert_eq!(e.kind, DerErrorKind::Truncated);
    }

    #[test]
    fn named_bits_follow_der() {
        // keyCertSign | cRLSign = bits 5 and 6: 0x06 with 1 unused bit.
        let tlv = parse_one(&[0x03, 0x02, 0x01, 0x06], tag::BIT_STRING).unwrap();
        assert_eq!(named_bits(&tlv).unwrap(), 0x0600);
        // Zero padding (seen in trusted roots) is tolerated; set unused bits are not.
        let tlv = parse_one(&[0x03, 0x03, 0x07, 0x06, 0x00], tag::BIT_STRING).unwrap();
        assert_eq!(named_bits(&tlv).unwrap(), 0x0600);
        let tlv = parse_one(&[0x03, 0x02, 0x01, 0x07], tag::BIT_STRING).unwrap();
        assert!(named_bits(&tlv).is_err());
    }

    #[test]
    fn times() {
        let tlv = parse_one(b"\x17\x0d491231235959Z", tag::UTC_TIME).unwrap();
        assert_eq!(time(&tlv).unwrap().year(), 2049);
        let tlv = parse_one(b"\x17\x0d500101000000Z", tag::UTC_TIME).unwrap();
        assert_eq!(time(&tlv).unwrap().year(), 1950);
        let tlv = parse_one(b"\x17\x0d500231000000Z", tag::UTC_TIME).unwrap();
        assert!(time(&tlv).is_err());
    }
}
