//! Fuzz target `prepared_verify`: certcycle's prepared-key ECDSA verification against p256's
//! own `VerifyingKey::verify` on random, tampered and re-used signatures; any disagreement is
//! a finding. The logic lives in `tests/fuzz_logic/mod.rs`.
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::prepared_verify(data));
