//! Fuzz target `go_duration`: `GoDuration` and `HumanDuration` parsing never panic, Go's agrees with a
//! transliteration of Go's `time.ParseDuration`, and `to_string` round-trips. The logic lives
//! in `tests/fuzz_logic/mod.rs` (its seeds run under `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::go_duration(data));
