//! Fuzz target `cert_der_differential`: certcycle's `Certificate::from_der` against
//! x509-cert's decoder on the same bytes; any accept/refuse disagreement not listed with its
//! reason in `tests/fuzz_logic/mod.rs` is a finding.
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::cert_der_differential(data));
