//! The tolerance a schedule states, proven with injected faults (issue 30, DESIGN §17): the
//! seed's one-year anchor with daily restarts and robust windows, started 330 days into the
//! anchor's life so that the run spans its rotation. Faults within the stated tolerance never
//! break; faults 10% beyond it, at the worst moment, break (the counts are printed:
//! `cargo test --all-features --test auto_tolerance -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::plan::{Config, Faults, Outage, Secrets, rotations, simulate};
use certcycle::rotation::{Propagation, Schedule, Tolerance};
use certcycle::{Ca, PrivateKey};
use proptest::prelude::*;
use proptest::test_runner::{Config as PConfig, RngAlgorithm, TestRng, TestRunner};
use std::cell::Cell;
use support::{T0, rng};
use time::{Duration, OffsetDateTime};

const WORKLOADS: usize = 16;

/// The seed at `T0`, its anchor issued `age` ago (its identity issuer at `T0`), restarting
/// every `every`, rotating by the robust schedule made for daily restarts; 45 days.
fn cfg(age: Duration, every: Duration, faults: Faults, seed: u64) -> (Config, Schedule) {
    let base = Config::seed(T0);
    let r = &mut rng(seed);
    let anchor = Ca::self_signed(&base.anchor, PrivateKey::generate(r), T0 - age, r).unwrap();
    let issuer = anchor
        .issue_ca(&base.issuer, PrivateKey::generate(r), T0, r)
        .unwrap()
        .ca;
    let previous = anchor.certificate().clone();
    let schedule = Schedule::robust(
        base.auto_lifetimes(),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let cfg = base
        .from_secrets(Secrets::new(anchor, issuer, Some(previous)))
        .restart_every(Some(every))
        .workloads(WORKLOADS)
        .horizon(Duration::days(45))
        .auto_rotation(schedule.clone())
        .faults(faults);
    (cfg, schedule)
}

/// The first break's day, if any, and the run's first rotation (prepare, activate).
fn run(cfg: &Config, seed: u64) -> (Option<i64>, Option<(OffsetDateTime, OffsetDateTime)>) {
    let run = simulate(cfg, &mut rng(seed)).unwrap();
    let first = rotations(&run)
        .first()
        .map(|r| (r.prepare, r.activate.unwrap_or(r.prepare)));
    (run.first_break.map(|b| b.day), first)
}

const AGE: Duration = Duration::days(330);

fn tolerance() -> (Tolerance, OffsetDateTime, OffsetDateTime) {
    let (cfg, schedule) = cfg(AGE, Duration::DAY, Faults::default(), 1);
    let (broke, first) = run(&cfg, 1);
    assert_eq!(broke, None);
    let (prepare, activate) = first.expect("a rotation within 45 days");
    (schedule.tolerance(), prepare, activate)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        PConfig {
            cases,
            failure_persistence: None,
            ..PConfig::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn scaled(d: Duration, per_mille: i64) -> Duration {
    Duration::seconds(d.whole_seconds() * per_mille / 1000)
}

/// The seed's tolerance lines, as `plan --rotation auto --restart-every 24h` prints them.
#[test]
fn the_seed_states_its_tolerance() {
    let (t, prepare, activate) = tolerance();
    let (_, schedule) = cfg(AGE, Duration::DAY, Faults::default(), 1);
    // Prepared 720h (30 days) before the anchor's notAfter: SPIRE's lead.
    assert_eq!(schedule.anchor_renew_before(), Duration::hours(720));
    assert_eq!(
        prepare,
        T0 - AGE + Duration::hours(8760) - Duration::hours(720)
    );
    assert_eq!(activate - prepare, schedule.propagation());
    let lines = t.lines(&schedule);
    for l in &lines {
        println!("{l}");
    }
    assert_eq!(
        lines[0],
        "rotation: tolerates the reconcile loop down for 671h45m0s at the worst moment (an activate or a retire)"
    );
    assert_eq!(
        lines[1],
        "rotation: tolerates cert-manager down for 24h55m0s at the worst moment (an identity issuer renewal or the prepare)"
    );
    assert_eq!(
        lines[2],
        "rotation: tolerates restarts up to 24h5m0s late (a cadence of 24h0m0s + 24h5m0s)"
    );
}

/// Proves one tolerance: `within(at, len)` builds the faults of a run from two per-mille
/// draws (where in the fault's span, how much of the tolerance), none of which may break;
/// `beyond(k, m)` the faults 10% past it at the worst moment, of which some must break.
/// Prints the counts.
fn prove(
    what: &str,
    tol: Duration,
    within: impl Fn(i64, i64) -> Faults,
    beyond: impl Fn(i64, i64) -> Faults,
    seed: u64,
) {
    let held = Cell::new(0);
    runner(12)
        .run(&(0i64..=1000, 0i64..=1000), |(at, len)| {
            let faults = within(at, len);
            let (broke, _) = run(&cfg(AGE, Duration::DAY, faults, seed).0, seed);
            prop_assert!(broke.is_none(), "{what}: {faults:?} broke on day {broke:?}");
            held.set(held.get() + 1);
            Ok(())
        })
        .unwrap();
    let (runs, broke) = (Cell::new(0), Cell::new(0));
    runner(8)
        .run(&(0i64..30, 0i64..120), |(k, m)| {
            let faults = beyond(k, m);
            runs.set(runs.get() + 1);
            if run(&cfg(AGE, Duration::DAY, faults, seed + 1).0, seed + 1)
                .0
                .is_some()
            {
                broke.set(broke.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{what}: {} runs within {tol} held; {} of {} runs 10% beyond broke",
        held.get(),
        broke.get(),
        runs.get()
    );
    assert!(
        broke.get() > 0,
        "10% beyond the {what} tolerance never broke"
    );
}

/// The reconcile loop down: for up to the tolerance from any moment between a day before the
/// prepare and the activate, never a break; for 10% more, from up to 2% of the tolerance
/// before the activate (its worst moment), a break.
#[test]
fn the_loop_may_be_down_for_its_tolerance_and_not_10_percent_more() {
    let (t, prepare, activate) = tolerance();
    let tol = t.loop_down;
    let span = activate - prepare + Duration::DAY;
    prove(
        "loop down",
        tol,
        |at, len| {
            let from = prepare - Duration::DAY + scaled(span, at);
            Faults::default().loop_down(Outage::new(from, scaled(tol, len)))
        },
        |_, m| {
            let from = activate - scaled(tol, m / 6);
            Faults::default().loop_down(Outage::new(from, scaled(tol, 1100)))
        },
        2,
    );
}

/// cert-manager down: for up to the tolerance from any moment of the first 40 days, never a
/// break; for 10% more, from up to 2h before an identity issuer renewal (its worst moment), a
/// break.
#[test]
fn cert_manager_may_be_down_for_its_tolerance_and_not_10_percent_more() {
    let (t, _, _) = tolerance();
    let tol = t.cert_manager_down;
    prove(
        "cert-manager down",
        tol,
        |at, len| {
            let from = T0 + scaled(Duration::days(40), at);
            Faults::default().cert_manager_down(Outage::new(from, scaled(tol, len)))
        },
        |k, m| {
            // The identity issuer, issued at T0, renews every 23h (48h, renewBefore 25h)
            // until the first activate re-issues it.
            let renewal = T0 + Duration::hours(23) * (k as i32 + 1);
            let from = renewal - Duration::minutes(m);
            Faults::default().cert_manager_down(Outage::new(from, scaled(tol, 1100)))
        },
        4,
    );
}

/// Late restarts: a cadence of 24h + δ for δ up to the tolerance never breaks; 10% more
/// breaks in some runs (the anchor's age moves the restarts' phase against the prepare).
#[test]
fn restarts_may_run_late_by_their_tolerance_and_not_10_percent_more() {
    let (t, _, _) = tolerance();
    let tol = t.restarts_late;
    let within = Cell::new(0);
    runner(12)
        .run(&(0i64..=1000, 0i64..(24 * 60)), |(late, shift)| {
            let age = AGE + Duration::minutes(shift);
            let every = Duration::DAY + scaled(tol, late);
            let (broke, _) = run(&cfg(age, every, Faults::default(), 6).0, 6);
            prop_assert!(
                broke.is_none(),
                "restarts every {every} broke on day {broke:?}"
            );
            within.set(within.get() + 1);
            Ok(())
        })
        .unwrap();
    let (beyond, broke) = (Cell::new(0), Cell::new(0));
    runner(12)
        .run(&(0i64..(48 * 60)), |shift| {
            let age = AGE + Duration::minutes(shift);
            let every = Duration::DAY + scaled(tol, 1100);
            beyond.set(beyond.get() + 1);
            if run(&cfg(age, every, Faults::default(), 7).0, 7).0.is_some() {
                broke.set(broke.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    println!(
        "restarts late: {} runs within {} held; {} of {} runs 10% beyond broke",
        within.get(),
        tol,
        broke.get(),
        beyond.get()
    );
    assert!(
        broke.get() > 0,
        "10% beyond the restart tolerance never broke"
    );
}
