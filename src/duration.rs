//! Durations in Go's `time.ParseDuration` syntax, as cert-manager and Linkerd write them
//! (`48h0m0s`, `25h`, `90m`, `5m30s`, `1.5h`).

use std::fmt;
use std::str::FromStr;
use time::Duration;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The string is empty.
    #[error("empty duration")]
    Empty,
    /// A number has no unit (`"90"`); only `"0"` may stand alone.
    #[error("missing unit in duration '{0}' (use h, m, s, ms, us or ns)")]
    MissingUnit(String),
    /// An unknown unit (`"5d"`).
    #[error("unknown unit '{unit}' in duration '{input}' (use h, m, s, ms, us or ns)")]
    UnknownUnit {
        /// The unit found.
        unit: String,
        /// The whole input.
        input: String,
    },
    /// A negative duration where only positive ones make sense.
    #[error("negative duration '{0}'")]
    Negative(String),
    /// The value does not fit (Go's limit: about 2,562,047 hours).
    #[error("duration '{0}' is too large")]
    Overflow(String),
    /// Anything else that is not a duration.
    #[error("invalid duration '{0}'")]
    Invalid(String),
}

/// A non-negative duration in Go syntax. `Display` prints Go's canonical form
/// (`Duration.String()`): `48h0m0s`, `1h30m0s`, `5m30s`, `1.5s`, `500ms`, `0s`.
///
/// ```
/// use certcycle::GoDuration;
/// let d: GoDuration = "7320h0m0s".parse()?;
/// assert_eq!(d.0, time::Duration::hours(7320));
/// assert_eq!("90m".parse::<GoDuration>()?.to_string(), "1h30m0s");
/// assert!("90".parse::<GoDuration>().is_err());
/// # Ok::<(), certcycle::DurationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoDuration(pub Duration);

/// Go's limit: a duration is an `int64` count of nanoseconds.
const MAX_NANOS: u64 = i64::MAX as u64;

/// `1 << 63`, the bound Go's parser checks against while accumulating.
const BOUND: u64 = 1 << 63;

impl GoDuration {
    /// The largest duration Go can express: `2562047h47m16.854775807s` (`i64::MAX` ns).
    pub const MAX: Duration = Duration::nanoseconds(i64::MAX);

    /// `d` as a `GoDuration`, if Go can express it (non-negative, at most [`Self::MAX`]).
    pub fn new(d: Duration) -> Option<Self> {
        (d >= Duration::ZERO && d <= Self::MAX).then_some(Self(d))
    }
}

/// Go's `leadingInt`: the leading digits of `s` as a `u64`, or `None` past `1 << 63`.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let mut x: u64 = 0;
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    for c in s.bytes().take(n) {
        if x > BOUND / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > BOUND {
            return None;
        }
    }
    Some((x, &s[n..]))
}

/// Go's `leadingFraction`: the leading digits of `s` as a `u64` numerator and its `f64`
/// scale, dropping digits (not failing) once the numerator would pass `1 << 63`.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let mut x: u64 = 0;
    let mut scale = 1.0f64;
    let mut overflow = false;
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    for c in s.bytes().take(n) {
        if overflow {
            continue;
        }
        if x > (BOUND - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > BOUND {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[n..])
}

impl FromStr for GoDuration {
    type Err = DurationError;

    /// Go's `time.ParseDuration` (src/time/format.go), step for step: the integer part
    /// accumulates in a `u64` checked against `1 << 63`, the fraction is one `u64` numerator
    /// rounded once through `f64` (`f · (unit / scale)`, so `0.999999999999h` is
    /// 3599999999996 ns as in Go), and anything above `i64::MAX` ns is refused. Negative
    /// durations other than zero are refused too: certcycle only takes lifetimes.
    fn from_str(input: &str) -> Result<Self, DurationError> {
        let invalid = || DurationError::Invalid(input.to_owned());
        let overflow = || DurationError::Overflow(input.to_owned());
        let mut s = input;
        if s.is_empty() {
            return Err(DurationError::Empty);
        }
        let negative = match s.as_bytes()[0] {
            b'-' => {
                s = &s[1..];
                true
            }
            b'+' => {
                s = &s[1..];
                false
            }
            _ => false,
        };
        if s == "0" {
            return Ok(GoDuration(Duration::ZERO));
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        while !s.is_empty() {
            if !(s.starts_with('.') || s.as_bytes()[0].is_ascii_digit()) {
                return Err(invalid());
            }
            let before = s.len();
            let (v, rest) = leading_int(s).ok_or_else(overflow)?;
            let pre = rest.len() != before;
            s = rest;
            let (mut f, mut scale, mut post) = (0u64, 1.0f64, false);
            if let Some(rest) = s.strip_prefix('.') {
                let (ff, sc, rest2) = leading_fraction(rest);
                post = rest2.len() != rest.len();
                (f, scale, s) = (ff, sc, rest2);
            }
            if !pre && !post {
                return Err(invalid());
            }
            let unit_len = s
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            let (unit, rest) = s.split_at(unit_len);
            s = rest;
            if unit.is_empty() {
                return Err(DurationError::MissingUnit(input.to_owned()));
            }
            let unit: u64 = match unit {
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => {
                    return Err(DurationError::UnknownUnit {
                        unit: unit.to_owned(),
                        input: input.to_owned(),
                    });
                }
            };
            if v > BOUND / unit {
                return Err(overflow());
            }
            let mut v = v * unit;
            if f > 0 {
                // Go: `v += uint64(float64(f) * (float64(unit) / scale))`; the product is
                // below one unit (at most 3.6e12 ns), so the cast neither saturates nor wraps.
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                let frac = (f as f64 * (unit as f64 / scale)) as u64;
                v = v
                    .checked_add(frac)
                    .filter(|v| *v <= BOUND)
                    .ok_or_else(overflow)?;
            }
            total = total
                .checked_add(v)
                .filter(|t| *t <= BOUND)
                .ok_or_else(overflow)?;
        }
        if negative && total != 0 {
            return Err(DurationError::Negative(input.to_owned()));
        }
        if total > MAX_NANOS {
            return Err(overflow());
        }
        let nanos = i64::try_from(total).map_err(|_| overflow())?;
        Ok(GoDuration(Duration::nanoseconds(nanos)))
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.whole_nanoseconds();
        if nanos < 0 {
            f.write_str("-")?;
        }
        let n = nanos.unsigned_abs();
        if n == 0 {
            return f.write_str("0s");
        }
        if n < 1_000_000_000 {
            // Sub-second: the largest unit that keeps an integer part.
            let (unit, scale) = if n < 1_000 {
                ("ns", 1)
            } else if n < 1_000_000 {
                ("\u{b5}s", 1_000)
            } else {
                ("ms", 1_000_000)
            };
            return write!(f, "{}{unit}", decimal(n, scale));
        }
        let hours = n / 3_600_000_000_000;
        let minutes = (n / 60_000_000_000) % 60;
        let seconds = n % 60_000_000_000;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if hours > 0 || minutes > 0 {
            write!(f, "{minutes}m")?;
        }
        write!(f, "{}s", decimal(seconds, 1_000_000_000))
    }
}

/// `value / scale` as a decimal with trailing zeros removed.
fn decimal(value: u128, scale: u128) -> String {
    let int = value / scale;
    let mut frac = value % scale;
    if frac == 0 {
        return int.to_string();
    }
    let mut digits = String::new();
    let mut s = scale / 10;
    while s > 0 && frac > 0 {
        digits.push(char::from(b'0' + (frac / s) as u8));
        frac %= s;
        s /= 10;
    }
    format!("{int}.{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_cases() {
        let ok = [
            ("0", 0i64),
            ("5s", 5_000_000_000),
            ("30s", 30_000_000_000),
            ("1478s", 1_478_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("48h0m0s", 172_800_000_000_000),
            ("7320h0m0s", 26_352_000_000_000_000),
            ("5m30s", 330_000_000_000),
            ("90m", 5_400_000_000_000),
            ("100ms", 100_000_000),
            ("1us", 1_000),
            ("1\u{b5}s", 1_000),
            (".5s", 500_000_000),
            ("1.s", 1_000_000_000),
            ("+5s", 5_000_000_000),
            ("2562047h47m16.854775807s", i64::MAX),
        ];
        for (s, n) in ok {
            assert_eq!(
                s.parse::<GoDuration>().unwrap().0,
                Duration::nanoseconds(n),
                "{s}"
            );
        }
        let err = [
            ("", DurationError::Empty),
            ("90", DurationError::MissingUnit("90".into())),
            ("-5s", DurationError::Negative("-5s".into())),
            (
                "2562047h47m16.854775808s",
                DurationError::Overflow("2562047h47m16.854775808s".into()),
            ),
            (
                "5d",
                DurationError::UnknownUnit {
                    unit: "d".into(),
                    input: "5d".into(),
                },
            ),
            (".s", DurationError::Invalid(".s".into())),
            ("-", DurationError::Invalid("-".into())),
        ];
        for (s, e) in err {
            assert_eq!(s.parse::<GoDuration>().unwrap_err(), e, "{s}");
        }
    }

    #[test]
    fn go_formatting() {
        for (n, s) in [
            (0i64, "0s"),
            (1, "1ns"),
            (1_100, "1.1\u{b5}s"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * 60_000_000_000 + 5_000_000_000, "4m5s"),
            (4 * 60_000_000_000 + 5_001_000_000, "4m5.001s"),
            (
                5 * 3_600_000_000_000 + 6 * 60_000_000_000 + 7_001_000_000,
                "5h6m7.001s",
            ),
            (8 * 60_000_000_000 + 1, "8m0.000000001s"),
            (48 * 3_600_000_000_000, "48h0m0s"),
        ] {
            assert_eq!(GoDuration(Duration::nanoseconds(n)).to_string(), s);
        }
    }
}

/// A duration a person types on a command line: Go's syntax (`9600h`, `1h30m`) with days and
/// weeks before it (`400d`, `2w`, `1w2d12h`). A day is 24 hours and a week 7 days, as on a
/// calendar without daylight saving. Fields inside manifests keep cert-manager's grammar
/// exactly ([`GoDuration`]); this is for flags such as `--horizon 400d`.
///
/// ```
/// use certcycle::HumanDuration;
/// use time::Duration;
/// assert_eq!("400d".parse::<HumanDuration>()?.0, Duration::days(400));
/// assert_eq!("2w".parse::<HumanDuration>()?.0, Duration::days(14));
/// assert_eq!("1d12h".parse::<HumanDuration>()?.0, Duration::hours(36));
/// assert_eq!("9600h".parse::<HumanDuration>()?.0, Duration::days(400));
/// assert!("5y".parse::<HumanDuration>().is_err());
/// assert_eq!(
///     "-5d".parse::<HumanDuration>(),
///     Err(certcycle::DurationError::Negative("-5d".into()))
/// );
/// # Ok::<(), certcycle::DurationError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = DurationError;

    /// Whole weeks and days first (`2w`, `3d`, in that order), then Go's syntax for the rest;
    /// the total within Go's range (about 2,562,047 hours).
    fn from_str(input: &str) -> Result<Self, DurationError> {
        let overflow = || DurationError::Overflow(input.to_owned());
        // `-5d` is a negative duration (as `-1h` is), not an unknown unit.
        if input.starts_with('-') {
            return Err(DurationError::Negative(input.to_owned()));
        }
        let mut rest = input;
        let mut total = Duration::ZERO;
        let mut seen_unit = false;
        for (unit, length) in [(b'w', Duration::WEEK), (b'd', Duration::DAY)] {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || rest.as_bytes().get(digits) != Some(&unit) {
                continue;
            }
            let n: i32 = rest[..digits].parse().map_err(|_| overflow())?;
            total = length
                .checked_mul(n)
                .and_then(|d| total.checked_add(d))
                .ok_or_else(overflow)?;
            rest = &rest[digits + 1..];
            seen_unit = true;
        }
        if !rest.is_empty() || !seen_unit {
            let go: GoDuration = rest.parse().map_err(|e| match e {
                DurationError::UnknownUnit { unit, .. } => DurationError::UnknownUnit {
                    unit,
                    input: input.to_owned(),
                },
                DurationError::Empty if seen_unit => DurationError::Invalid(input.to_owned()),
                other => other,
            })?;
            total = total.checked_add(go.0).ok_or_else(overflow)?;
        }
        if GoDuration::new(total).is_none() {
            return Err(overflow());
        }
        Ok(Self(total))
    }
}
