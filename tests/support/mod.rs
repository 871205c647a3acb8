//! Helpers shared by the integration tests: a fixed clock, a seeded RNG, the openssl CLI.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use time::OffsetDateTime;
use time::macros::datetime;

/// The fixed test clock.
pub(crate) const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

/// A deterministic RNG for reproducible tests.
pub(crate) fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

/// Runs `openssl` with `args`, returning its output (panics if openssl is missing: the tests
/// need the real tool, and .ci/run installs it).
pub(crate) fn openssl(args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl CLI must be installed")
}

/// Runs openssl and asserts success, returning stdout.
pub(crate) fn openssl_ok(args: &[&str]) -> String {
    let out = openssl(args);
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

pub(crate) fn epoch(t: OffsetDateTime) -> String {
    t.unix_timestamp().to_string()
}
