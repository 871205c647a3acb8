//! `GoDuration` against Go itself: `tests/data/go-durations.tsv` is Go's own
//! `time.ParseDuration` on 3,566 inputs (curated edge cases and random ones; generator in
//! `tests/data/gen/`). The reference transliteration of Go's algorithm (what the `go_duration`
//! fuzz target compares against) must agree with Go on every line, and certcycle with both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fuzz_logic;

use certcycle::{DurationError, GoDuration};

fn go_table() -> Vec<(String, Option<i64>)> {
    std::fs::read_to_string("tests/data/go-durations.tsv")
        .unwrap()
        .lines()
        .map(|l| {
            let (input, out) = l.rsplit_once('\t').unwrap();
            (input.to_owned(), out.parse::<i64>().ok())
        })
        .collect()
}

#[test]
fn the_reference_is_go() {
    let table = go_table();
    assert!(table.len() > 3_000);
    for (input, go) in &table {
        let reference = fuzz_logic::go_parse_duration_reference(input).ok();
        assert_eq!(reference.map(|(n, _)| n), *go, "{input:?}");
    }
}

#[test]
fn certcycle_is_go_for_every_non_negative_duration() {
    for (input, go) in go_table() {
        let ours = input.parse::<GoDuration>();
        match go {
            Some(n) if n >= 0 => assert_eq!(
                ours.as_ref().map(|d| d.0.whole_nanoseconds()),
                Ok(i128::from(n)),
                "{input:?}"
            ),
            Some(_) => assert!(
                matches!(ours, Err(DurationError::Negative(_))),
                "{input:?}: {ours:?}"
            ),
            None => assert!(
                ours.is_err(),
                "{input:?}: Go refuses, certcycle gave {ours:?}"
            ),
        }
        fuzz_logic::go_duration(input.as_bytes());
    }
}

#[test]
fn the_findings() {
    // Wrapped in release and panicked in debug before: now refused as Go refuses them.
    for s in [
        "340282366920938463463374607431.999999999s",
        "94522879700260684295381835.999999999999h",
        "2562047h47m16.854775808s",
    ] {
        assert_eq!(
            s.parse::<GoDuration>(),
            Err(DurationError::Overflow(s.into())),
            "{s}"
        );
    }
    // Go rounds the fraction once, not digit by digit.
    assert_eq!(
        "0.999999999999h"
            .parse::<GoDuration>()
            .unwrap()
            .0
            .whole_nanoseconds(),
        3_599_999_999_996
    );
    // Go's one quirk (its u64 sum wraps to 0): certcycle refuses it.
    let s = "9223372036854775808ns9223372036854775808ns";
    assert_eq!(fuzz_logic::go_parse_duration_reference(s), Ok((0, true)));
    assert_eq!(
        s.parse::<GoDuration>(),
        Err(DurationError::Overflow(s.into()))
    );
    let max = GoDuration(GoDuration::MAX).to_string();
    assert_eq!(max, "2562047h47m16.854775807s");
    assert_eq!(max.parse::<GoDuration>().unwrap().0, GoDuration::MAX);
}
