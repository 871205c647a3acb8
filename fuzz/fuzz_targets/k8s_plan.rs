//! Fuzz target `k8s_plan`: a plan of any manifests that read (a week, at most three workloads,
//! with its fixes) never panics, stays within its budgets and is deterministic. The logic lives
//! in `tests/fuzz_logic/mod.rs` (its seeds run under `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::k8s_plan(data));
