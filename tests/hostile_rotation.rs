//! Hardening, round three (issue 34), items 6-8: unattended rotation's decisions on odd
//! states, and schedules that say they are proven only when the proof holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::rotation::{
    Action, Broken, Lifetimes, MAX_ROTATIONS, Observed, Phase, Propagation, Schedule,
    ScheduleError, Window, reconcile,
};
use certcycle::{Ca, CertSpec, PrivateKey, TrustBundle, presets::linkerd};
use support::{T0, rng};
use time::{Duration, OffsetDateTime};

fn anchor(seed: u64, from: OffsetDateTime, days: i64) -> Ca {
    let r = &mut rng(seed);
    Ca::self_signed(
        &CertSpec::ca(linkerd::TRUST_ANCHOR_CN, Duration::days(days)),
        PrivateKey::generate(r),
        from,
        r,
    )
    .unwrap()
}

fn issuer(under: &Ca, seed: u64, from: OffsetDateTime) -> Ca {
    let r = &mut rng(seed);
    under
        .issue_ca(
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            from,
            r,
        )
        .unwrap()
        .ca
}

fn daily() -> Schedule {
    Schedule::new(
        Lifetimes::linkerd(Duration::days(365)),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap()
}

/// No wake is scheduled after the notAfter of the anchors the chain and bundle depend on.
fn assert_wakes_in_time(o: &Observed<'_>, now: OffsetDateTime, what: &str) {
    let r = reconcile(o, &daily(), now).unwrap();
    let Some(next) = r.next else { return };
    for c in [Some(o.anchor), o.previous]
        .into_iter()
        .flatten()
        .chain(o.bundle.certificates())
    {
        if c.not_after() > now {
            assert!(
                next.at <= c.not_after(),
                "{what}: wakes at {} after {} expires at {}",
                next.at,
                c.subject(),
                c.not_after()
            );
        }
    }
}

#[test]
fn swapped_anchor_secrets_are_a_broken_phase_with_a_repair() {
    // The older anchor in the anchor Secret, the newer one in the previous-anchor Secret and
    // signing the issuer. It read as anchor-staged and woke 26 days after the current
    // anchor's notAfter.
    let older = anchor(1, T0 - Duration::days(300), 365);
    let newer = anchor(2, T0 - Duration::days(10), 365);
    let iss = issuer(&newer, 3, T0 - Duration::days(1));
    let bundle = TrustBundle::from_anchors([older.trust_anchor(), newer.trust_anchor()]);
    let o = Observed::new(
        older.certificate(),
        Some(newer.certificate()),
        &bundle,
        iss.certificate(),
    );
    let r = reconcile(&o, &daily(), T0).unwrap();
    assert_eq!(r.phase, Phase::Broken(Broken::AnchorsSwapped));
    assert_eq!(r.action, Some(Action::Prepare));
    assert_wakes_in_time(&o, T0, "swapped");
    assert_eq!(r, reconcile(&o, &daily(), T0).unwrap(), "idempotent");
}

#[test]
fn a_staged_anchor_not_yet_valid_is_broken_not_waited_for() {
    // A staged anchor whose notBefore is 400 days ahead: reconcile woke after the signing
    // anchor had expired.
    let old = anchor(4, T0 - Duration::days(300), 365);
    let ahead = anchor(5, T0 + Duration::days(400), 365);
    let iss = issuer(&old, 6, T0 - Duration::days(1));
    let bundle = TrustBundle::from_anchors([old.trust_anchor(), ahead.trust_anchor()]);
    let o = Observed::new(
        ahead.certificate(),
        Some(old.certificate()),
        &bundle,
        iss.certificate(),
    );
    let r = reconcile(&o, &daily(), T0).unwrap();
    assert_eq!(r.phase, Phase::Broken(Broken::AnchorNotYetValid));
    assert_eq!(r.action, Some(Action::Replace));
    assert_wakes_in_time(&o, T0, "ahead");
}

#[test]
fn an_anchor_and_issuer_issued_ahead_of_the_clock_are_not_steady() {
    let a = anchor(7, T0 + Duration::days(3), 365);
    let i = issuer(&a, 8, T0 + Duration::days(3));
    let bundle = TrustBundle::from_anchors([a.trust_anchor()]);
    let o = Observed::new(a.certificate(), None, &bundle, i.certificate());
    assert_eq!(
        Phase::observe(&o, T0),
        Phase::Broken(Broken::AnchorNotYetValid)
    );
    // Only the issuer ahead.
    let a = anchor(9, T0 - Duration::days(3), 365);
    let i = issuer(&a, 10, T0 + Duration::days(3));
    let bundle = TrustBundle::from_anchors([a.trust_anchor()]);
    let o = Observed::new(a.certificate(), None, &bundle, i.certificate());
    let r = reconcile(&o, &daily(), T0).unwrap();
    assert_eq!(r.phase, Phase::Broken(Broken::IssuerNotYetValid));
    assert_eq!(r.action, Some(Action::ReissueIssuer));
    // Valid from now on: steady.
    assert_eq!(Phase::observe(&o, T0 + Duration::days(3)), Phase::Steady);
}

#[test]
fn a_staged_anchor_just_before_the_old_one_expires_wakes_before_it_expires() {
    // Staged one hour before the signing anchor's notAfter: activate would be a day later
    // (propagation), after the signing anchor expired; the wake is capped at its notAfter.
    let old = anchor(11, T0 - Duration::days(365) + Duration::hours(2), 365);
    let new = anchor(12, T0, 365);
    let iss = issuer(&old, 13, T0 - Duration::hours(5));
    let bundle = TrustBundle::from_anchors([old.trust_anchor(), new.trust_anchor()]);
    let o = Observed::new(
        new.certificate(),
        Some(old.certificate()),
        &bundle,
        iss.certificate(),
    );
    let r = reconcile(&o, &daily(), T0).unwrap();
    assert_eq!(r.phase, Phase::AnchorStaged);
    let next = r.next.unwrap();
    assert_eq!(next.at, old.certificate().not_after());
    assert_wakes_in_time(&o, T0, "late stage");
    // At that instant, the instant after (when it is expired, a broken phase to repair).
    let at_expiry = reconcile(&o, &daily(), old.certificate().not_after()).unwrap();
    assert_eq!(
        at_expiry.next.map(|d| d.at),
        Some(old.certificate().not_after() + Duration::SECOND)
    );
    let after = reconcile(
        &o,
        &daily(),
        old.certificate().not_after() + Duration::SECOND,
    )
    .unwrap();
    // The issuer is capped at its signer's notAfter: both expire together.
    assert!(after.phase.is_broken(), "{:?}", after.phase);
}

#[test]
fn a_schedule_is_proven_only_when_the_proof_holds() {
    let s = daily();
    assert!(s.is_proven());
    let year = Duration::days(365);
    // Longer windows than the floors that no longer fit the anchor: not proven.
    for (window, length) in [
        (Window::Propagation, Duration::days(200)),
        (Window::Drain, Duration::days(200)),
        (Window::Slack, year),
    ] {
        let v = s.clone().with_window(window, length);
        assert!(!v.is_proven(), "{window:?} {length}");
    }
    // A slack making renewBefore longer than the anchor's duration (cert-manager's webhook
    // refuses it): not proven, and its rotations would go back in time: an error.
    let v = s
        .clone()
        .with_window(Window::Slack, year + Duration::days(1));
    assert!(v.anchor_renew_before() > year);
    assert!(!v.is_proven());
    assert!(matches!(
        v.rotations(T0, T0 + Duration::days(3650)),
        Err(ScheduleError::NoProgress { .. })
    ));
    // Longer but fitting: still proven.
    let v = s
        .clone()
        .with_window(Window::Drain, s.drain() + Duration::hours(1));
    assert!(v.is_proven());
    // More rotations than the limit: an error, not a silent cut at 10,000.
    let short = Schedule::new(
        Lifetimes::linkerd(Duration::days(10)),
        Propagation::Rollout(Duration::minutes(1)),
    )
    .unwrap();
    let far = T0 + Duration::days(400 * 365);
    assert_eq!(
        short.rotations(T0, far),
        Err(ScheduleError::TooManyRotations {
            limit: MAX_ROTATIONS
        })
    );
    let fine = short.rotations(T0, T0 + Duration::days(100)).unwrap();
    assert!(fine.windows(2).all(|w| w[1].prepare > w[0].prepare));
    // SPIRE's fractions for a negative lifetime: refused.
    assert!(matches!(
        Schedule::spire_like(Lifetimes::linkerd(-Duration::days(7))),
        Err(ScheduleError::NotPositive { .. })
    ));
}

#[test]
fn a_plan_whose_leaf_refreshes_pass_the_work_budget_is_refused_before_working() {
    // 100,000 workloads restarting every 30 days over ten years passed the estimate, ran
    // about 194 s and ended with a work-budget error: the estimate missed leaf refreshes.
    let cfg = certcycle::plan::Config::seed(T0)
        .workloads(100_000)
        .restart_every(Some(Duration::days(30)))
        .horizon(Duration::days(3660));
    let err = certcycle::plan::simulate(&cfg, &mut rng(1)).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            certcycle::Error::Sim(certcycle::plan::SimError::EstimatedWork { .. })
        ),
        "{text}"
    );
    assert!(
        text.contains("refreshing their leaves every 16h48m0s"),
        "{text}"
    );
    // Refused up front, not run out of budget part-way (that error names when).
    assert!(!text.contains("reached at"), "{text}");
}

#[test]
fn one_run_with_snapshots_gives_the_states_runs_up_to_each_time_end_with() {
    // autorotate used to re-simulate from the install for every step (about 164 s for 20
    // rotations with restarts every minute); one run now records the state at every step's
    // time. Each recorded state is what a run up to that time ends with (same seed).
    use rand_chacha::rand_core::SeedableRng;
    let anchor = Duration::days(30);
    let schedule = Schedule::new(
        Lifetimes::linkerd(anchor),
        Propagation::RestartEvery(Duration::DAY),
    )
    .unwrap();
    let mut cfg = certcycle::plan::Config::seed(T0)
        .restart_every(Some(Duration::DAY))
        .horizon(Duration::days(60));
    cfg.anchor = CertSpec::ca(linkerd::TRUST_ANCHOR_CN, anchor);
    let cfg = cfg.auto_rotation(schedule);
    let sim = |cfg: &certcycle::plan::Config| {
        certcycle::plan::simulate(cfg, &mut rand_chacha::ChaCha20Rng::seed_from_u64(9)).unwrap()
    };
    let full = sim(&cfg);
    assert!(full.actions.len() >= 3, "{:?}", full.actions);
    let times: Vec<OffsetDateTime> = std::iter::once(T0)
        .chain(full.actions.iter().map(|a| a.at))
        .chain([T0 + Duration::days(45)])
        .collect();
    let states = sim(&cfg.clone().snapshots_at(times.clone())).snapshots;
    let mut distinct = times.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(states.len(), distinct.len());
    for s in &states {
        let upto = sim(&cfg.clone().horizon(s.at - T0));
        assert_eq!(
            s.secrets.anchor.certificate(),
            upto.secrets.anchor.certificate(),
            "{}",
            s.at
        );
        assert_eq!(
            s.secrets.issuer.certificate(),
            upto.secrets.issuer.certificate()
        );
        assert_eq!(s.secrets.previous, upto.secrets.previous);
        assert_eq!(s.published.to_pem(), upto.published.to_pem(), "{}", s.at);
    }
}
