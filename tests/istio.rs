//! Istio with cert-manager's istio-csr on the same engine (DESIGN §19).

use certcycle::plan::{self, Config, Mesh};
use time::macros::datetime;

#[test]
fn install_guide_root_breaks_on_day_60_within_the_hour() {
    let start = datetime!(2026-01-01 00:00 UTC);
    let cfg = Config::istio_csr(start);
    assert!(matches!(cfg.mesh, Mesh::Istio(_)));
    let run = plan::simulate(&cfg, &mut rand_core::OsRng).unwrap();
    for e in &run.timeline {
        println!("{e}");
    }
    let brk = run.first_break.expect("the root re-keys on day 60");
    println!("{brk:?}");
    assert_eq!(brk.day, 60);
}
