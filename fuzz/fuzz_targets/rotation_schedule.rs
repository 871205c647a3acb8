//! Fuzz target `rotation_schedule`: `rotation::Schedule` from any durations and
//! `rotation::reconcile` at any time never panic, and keep their invariants (an accepted
//! schedule fits its anchor; a refusal's named cadence works; reconcile is idempotent). The
//! logic lives in `tests/fuzz_logic/mod.rs` (its seeds run under `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::rotation_schedule(data));
