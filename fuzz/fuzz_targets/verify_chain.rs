//! Fuzz target `verify_chain`: the logic lives in `tests/fuzz_logic/mod.rs` so that the
//! committed seeds also run as ordinary tests on stable (`cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::verify_chain(data));
