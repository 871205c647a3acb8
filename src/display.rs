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

/// Whether `c` is a control character (C0, DEL, C1), a line or paragraph separator, or a
/// bidirectional formatting character: one that can end a report line or reorder what a
/// person reads.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every control character (C0, DEL, C1), line or paragraph separator and bidi
/// formatting character written as `\u{..}`: an input-derived string printed for people
/// cannot forge a report line or reorder one.
///
/// ```
/// assert_eq!(certcycle::visible("a\nverdict: no break"), "a\\u{a}verdict: no break");
/// assert_eq!(certcycle::visible("plain"), "plain");
/// ```
pub fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_invisible) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How long ago, for a person: `40d`, `40d5h` (to the nearest hour), else Go's form to the
/// second (`5h3m0s`).
pub(crate) fn ago_text(d: time::Duration) -> String {
    use time::Duration;
    if d < Duration::DAY {
        return crate::duration::GoDuration(Duration::seconds(d.whole_seconds())).to_string();
    }
    let d = Duration::hours((d + Duration::minutes(30)).whole_hours());
    let days = d.whole_days();
    let hours = (d - Duration::days(days)).whole_hours();
    match (days, hours) {
        (d, 0) => format!("{d}d"),
        (d, h) => format!("{d}d{h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_shown() {
        assert_eq!(visible("plain"), "plain");
        assert_eq!(visible("a\nverdict: ok"), "a\\u{a}verdict: ok");
        assert_eq!(visible("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
        assert_eq!(visible("\r\u{85}\u{2028}"), "\\u{d}\\u{85}\\u{2028}");
    }

    #[test]
    fn formats() {
        assert_eq!(hex(&[0x00, 0xab, 0x10]), "00ab10");
        let t = time::macros::datetime!(2026-07-02 12:00:00.5 +02:00);
        assert_eq!(rfc3339(t), "2026-07-02T10:00:00Z");
    }
}
