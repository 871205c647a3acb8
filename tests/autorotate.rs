//! Unattended rotation (DESIGN §17): a schedule proven from the restart cadence, run by the
//! simulator's reconcile loop.

use certcycle::plan::{Config, simulate};
use certcycle::rotation::{Action, Lifetimes, Propagation, Schedule};
use time::{Duration, macros::datetime};

fn start() -> time::OffsetDateTime {
    datetime!(2026-01-01 0:00 UTC)
}

#[test]
fn seed_with_daily_restarts_rotates_twice_in_three_years() {
    let schedule = Schedule::new(
        Lifetimes::linkerd(Duration::hours(8760)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let cfg = Config::seed(start())
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::hours(26280))
        .auto_rotation(schedule);
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    for e in run.timeline.iter().filter(|e| {
        !e.what.contains("Renewed Certificate linkerd") && !e.what.starts_with("IssuerUpdated")
    }) {
        println!("{e}");
    }
    for a in &run.actions {
        println!("{} {}", a.at, a.action);
    }
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
    let prepares = run
        .actions
        .iter()
        .filter(|a| a.action == Action::Prepare)
        .count();
    println!("{prepares}");
}
