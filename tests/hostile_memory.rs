//! Memory is part of the budget (issue 24, items 3 and 4), measured with a counting allocator:
//! JSON the YAML reader refuses is not read into an unbounded tree, and the plan's due queue
//! stays linear in the pods whatever the restart cadence. One test, so that nothing else runs
//! in this binary while it counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::k8s::{K8sError, Objects};
use certcycle::plan::{Config, simulate};
use support::counting::{Counting, peak_of};
use support::{T0, rng};
use time::Duration;

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn json_and_plan_memory_stay_within_their_budgets() {
    // 3. A 16 MiB JSON array of zeros: 8 million nodes. serde_json's own tree cost 671 MB
    // (40x the input); the same document as YAML was refused by the node budget. Now both
    // syntaxes share that budget.
    let mut json = String::with_capacity(16 << 20);
    json.push('[');
    while json.len() < (16 << 20) - 2 {
        json.push_str("0,");
    }
    json.push_str("0]");
    let (result, peak) = peak_of(|| Objects::read("zeros.json", &json));
    let e = result.unwrap_err();
    assert!(
        matches!(&e, K8sError::Syntax { message, .. } if message.contains("budget")),
        "{e}"
    );
    println!("16 MiB JSON array: refused, peak heap {peak} bytes");
    // The budget's own bound (MAX_NODES at under 100 bytes a node), whatever the input's size.
    assert!(
        peak < 100 << 20,
        "peak heap {peak} bytes for a {} byte input",
        json.len()
    );

    // 4. Routine restarts every minute: each restart left a stale refresh in the due queue
    // (5,000 workloads over 6 hours: 1.8 million entries, 58 MB, growing with the horizon).
    let cfg = Config::seed(T0)
        .workloads(5_000)
        .restart_every(Some(Duration::MINUTE))
        .horizon(Duration::hours(6));
    let (run, peak) = peak_of(|| simulate(&cfg, &mut rng(24)));
    let run = run.unwrap();
    assert!(run.first_break.is_none());
    println!("5,000 workloads restarted every minute for 6h: peak heap {peak} bytes");
    assert!(
        peak < 24 << 20,
        "peak heap {peak} bytes: the due queue grows with the restarts"
    );
}
