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

/// One simulated run of `schedule` (anchors of its lifetime) with restarts every `every`,
/// `workloads` proxies, over `anchors` anchor lifetimes: the first break's day, if any, and
/// how many rotations completed.
fn run_schedule(
    schedule: &Schedule,
    every: Duration,
    workloads: usize,
    anchors: i32,
) -> (Option<i64>, usize) {
    let mut cfg = Config::seed(start())
        .restart_every(Some(every))
        .workloads(workloads)
        .horizon(schedule.lifetimes().anchor * anchors);
    cfg.anchor = certcycle::CertSpec::ca("root.linkerd.cluster.local", schedule.lifetimes().anchor);
    let run = simulate(&cfg.auto_rotation(schedule.clone()), &mut rand_core::OsRng).unwrap();
    let retired = run
        .actions
        .iter()
        .filter(|a| a.action == Action::Retire)
        .count();
    (run.first_break.map(|b| b.day), retired)
}

/// For random restart cadences (1h to 3d) and anchor lifetimes (the least the schedule accepts
/// to three times that), the accepted schedule never breaks over three anchor lifetimes; and
/// the windows are tight: cutting the propagation or the drain window by 10% breaks some runs.
#[test]
fn accepted_schedules_hold_and_their_windows_are_tight() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config as PConfig, TestRunner};
    use std::cell::Cell;
    let cut_breaks = [Cell::new(0u32), Cell::new(0u32)];
    let cases = Cell::new(0u32);
    let mut runner = TestRunner::new(PConfig {
        cases: 16,
        ..PConfig::default()
    });
    let strategy = (60i64..=3 * 24 * 60, 100u32..=300);
    runner
        .run(&strategy, |(every_minutes, stretch)| {
            let every = Duration::minutes(every_minutes);
            let probe = Schedule::new(Lifetimes::linkerd(Duration::days(3650)), Propagation::RestartEvery(every)).unwrap();
            // The least lifetime the schedule accepts, stretched by 100%..300%.
            let least = probe.shortest_anchor();
            let lifetime = Duration::minutes(least.whole_minutes() * i64::from(stretch) / 100 + 1);
            let schedule = Schedule::new(Lifetimes::linkerd(lifetime), Propagation::RestartEvery(every))
                .expect("accepted inside the bounds");
            assert!(schedule.is_proven());
            let (broke, retired) = run_schedule(&schedule, every, 12, 3);
            prop_assert!(broke.is_none(), "the proven schedule broke on day {broke:?} (restart every {every}, anchors {lifetime})");
            prop_assert!(retired >= 2, "only {retired} rotations in three lifetimes");
            cases.set(cases.get() + 1);
            for (i, window) in [certcycle::rotation::Window::Propagation, certcycle::rotation::Window::Drain].into_iter().enumerate() {
                let length = match window {
                    certcycle::rotation::Window::Propagation => schedule.propagation(),
                    _ => schedule.drain(),
                };
                let cut = schedule.clone().with_window(window, length * 9 / 10);
                assert!(!cut.is_proven());
                if run_schedule(&cut, every, 12, 3).0.is_some() {
                    cut_breaks[i].set(cut_breaks[i].get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{} cases; cutting the propagation window by 10% broke {}, the drain window {}",
        cases.get(),
        cut_breaks[0].get(),
        cut_breaks[1].get()
    );
    assert!(
        cut_breaks[0].get() > 0,
        "a 10% shorter propagation window never broke"
    );
    assert!(
        cut_breaks[1].get() > 0,
        "a 10% shorter drain window never broke"
    );
}

#[test]
#[ignore]
fn debug_drain_cut() {
    let every = Duration::DAY;
    let s = Schedule::new(
        Lifetimes::linkerd(Duration::days(6)),
        Propagation::RestartEvery(every),
    )
    .unwrap();
    let cut = s
        .clone()
        .with_window(certcycle::rotation::Window::Drain, s.drain() * 5 / 10);
    let mut cfg = Config::seed(start())
        .restart_every(Some(every))
        .workloads(12)
        .horizon(Duration::days(18));
    cfg.anchor = certcycle::CertSpec::ca("root.linkerd.cluster.local", Duration::days(6));
    let run = simulate(&cfg.auto_rotation(cut), &mut rand_core::OsRng).unwrap();
    for e in &run.timeline {
        println!("{e}");
    }
    println!("{:?}", run.first_break);
}
