//! Fuzz target `k8s_objects`: reading any YAML/JSON text as Kubernetes objects never panics
//! and stays within its budgets (libFuzzer's timeout and RSS limit), and what reads resolves,
//! lints and reports. The logic lives in `tests/fuzz_logic/mod.rs` (its seeds run under
//! `cargo test --test fuzz_seeds`).
#![no_main]

#[path = "../../tests/fuzz_logic/mod.rs"]
mod logic;

libfuzzer_sys::fuzz_target!(|data: &[u8]| logic::k8s_objects(data));
