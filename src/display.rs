//! How certcycle prints bytes and times in messages and reports: lowercase hex, and RFC 3339
//! in UTC with whole seconds (through `time`'s own RFC 3339 formatter).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// RFC 3339 in UTC, whole seconds (`2026-01-01T00:00:00Z`). Certificate times are years
/// 0000..9999, which RFC 3339 covers; anything else falls back to `time`'s own display.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    let utc = utc.replace_nanosecond(0).unwrap_or(utc);
    utc.format(&Rfc3339).unwrap_or_else(|_| utc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
        let t = time::macros::datetime!(2026-07-02 12:00:00.5 +02:00);
        assert_eq!(rfc3339(t), "2026-07-02T10:00:00Z");
    }
}
