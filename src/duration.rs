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
const MAX_NANOS: u128 = i64::MAX as u128;

impl FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, DurationError> {
        let invalid = || DurationError::Invalid(input.to_owned());
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
        let mut total: u128 = 0;
        while !s.is_empty() {
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, rest) = s.split_at(int_len);
            let (frac_part, rest) = match rest.strip_prefix('.') {
                Some(r) => {
                    let n = r.bytes().take_while(u8::is_ascii_digit).count();
                    r.split_at(n)
                }
                None => ("", rest),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(invalid());
            }
            let unit_len = rest
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (unit, rest) = rest.split_at(unit_len);
            if unit.is_empty() {
                return Err(DurationError::MissingUnit(input.to_owned()));
            }
            let scale: u128 = match unit {
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
            let overflow = || DurationError::Overflow(input.to_owned());
            let int: u128 = if int_part.is_empty() {
                0
            } else {
                int_part.parse::<u128>().map_err(|_| overflow())?
            };
            let mut value = int.checked_mul(scale).ok_or_else(overflow)?;
            // Fractional part: Go keeps as many digits as are meaningful and truncates.
            let mut frac_scale = scale;
            for d in frac_part.bytes() {
                frac_scale /= 10;
                if frac_scale == 0 {
                    break;
                }
                value += (d - b'0') as u128 * frac_scale;
            }
            total = total
                .checked_add(value)
                .filter(|t| *t <= MAX_NANOS)
                .ok_or_else(overflow)?;
            s = rest;
        }
        if negative && total != 0 {
            return Err(DurationError::Negative(input.to_owned()));
        }
        let nanos = i64::try_from(total).map_err(|_| DurationError::Overflow(input.to_owned()))?;
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
