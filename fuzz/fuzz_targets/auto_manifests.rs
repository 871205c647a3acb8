//! Fuzz target `auto_manifests`: what certcycle writes for people to run or apply reads back as exactly
//! what was planned (issue 34). The logic lives in `tests/fuzz_logic/outputs.rs` (its seeds
//! run under `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::outputs::auto_manifests_roundtrip(data));
