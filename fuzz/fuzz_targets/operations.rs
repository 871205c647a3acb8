//! Fuzz target `operations`: any text as a fix's `operations.yaml` (issue 31) reads without a
//! panic, and what reads writes back and reads again as the same operations. The logic lives
//! in `tests/fuzz_logic/outputs.rs` (its seeds run under `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::outputs::operations_roundtrip(data));
