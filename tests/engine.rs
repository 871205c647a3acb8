//! One engine behind `plan`, `rotate` and `mesh`: a rotation planned on the engine (as the
//! `rotate` example runs it, with the control plane's pods) and the same rotation driven by
//! hand through `Mesh` (real keys and leaves per pod, every pair verified one by one) count
//! the same broken pairs at every restart; the seven steps hold and the five break at
//! `linkerd/identity`'s restart; a controller that starts with an issuer it cannot verify
//! crash-loops in both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::mesh::{CONTROLLER, Event, Mesh, Procedure};
use certcycle::plan::{Checkpoint, Config, Secrets, Who, simulate};
use certcycle::{Ca, TrustBundle};
use support::{T0, rng};
use time::Duration;

const CONTROL_PLANE: [&str; 3] = [CONTROLLER, "linkerd/destination", "linkerd/proxy-injector"];

/// The anchor and issuer both sides start from.
fn secrets(seed: u64) -> (Ca, Ca) {
    let r = &mut rng(seed);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    (anchor, issuer)
}

/// (step, what, broken pairs, pairs) of every restart checkpoint of a planned rotation.
fn planned(
    procedure: Procedure,
    seed: u64,
) -> (Vec<(usize, String, usize, usize)>, Vec<Checkpoint>) {
    let (anchor, issuer) = secrets(seed);
    let previous = anchor.certificate().clone();
    let at = T0 + Duration::hours(30);
    let steps = i32::try_from(procedure.steps().len()).unwrap();
    let cfg = Config::seed(T0)
        .from_secrets(Secrets::new(anchor, issuer, Some(previous)))
        .control_plane(CONTROL_PLANE)
        .workload_prefix("default/web-")
        .workloads(6)
        .checkpoints(Some(Duration::hours(6)))
        .through_breaks(true)
        .rotate_at(at, procedure)
        .horizon(Duration::hours(30) + Duration::minutes(5) * steps + Duration::MINUTE);
    let run = simulate(&cfg, &mut rng(seed + 1)).unwrap();
    assert_eq!(run.last_step, procedure.steps().len());
    let restarts = run
        .checkpoints
        .iter()
        .filter(|c| c.what.starts_with("restarted "))
        .map(|c| (c.step.unwrap(), c.what.clone(), c.broken, c.pairs))
        .collect();
    (restarts, run.checkpoints)
}

/// The same by hand: `Mesh::rotate_anchor` over the same pods, a real leaf each.
fn by_hand(procedure: Procedure, seed: u64) -> Vec<(usize, String, usize, usize)> {
    let (anchor, issuer) = secrets(seed);
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let mut m = Mesh::new(T0, bundle, issuer, Some(anchor.clone_ca()), rng(seed + 2));
    for pod in CONTROL_PLANE {
        let (ns, name) = pod.split_once('/').unwrap();
        m.add_pod(name, ns, true).unwrap();
    }
    for i in 0..6 {
        m.add_pod(&format!("web-{i}"), "default", false).unwrap();
    }
    m.advance(Duration::hours(30)).unwrap();
    let new = support::linkerd_anchor(&mut rng(seed + 3), m.now());
    let report = m
        .rotate_anchor(procedure, &new, Duration::minutes(5), None, |_, _| {})
        .unwrap();
    report
        .checkpoints
        .iter()
        .filter(|c| c.what.starts_with("restarted "))
        .map(|c| (c.step.unwrap_or(0), c.what.clone(), c.broken, c.pairs))
        .collect()
}

#[test]
fn a_planned_rotation_and_the_same_rotation_by_hand_count_the_same_broken_pairs() {
    for procedure in [Procedure::SevenStep, Procedure::FiveStep] {
        let (plan, _) = planned(procedure, 41);
        let hand = by_hand(procedure, 41);
        assert!(!plan.is_empty());
        assert_eq!(plan, hand, "{procedure:?}");
        assert!(plan.iter().all(|r| r.3 == 9 * 8), "{plan:?}");
    }
}

#[test]
fn the_seven_steps_hold_at_every_checkpoint_and_the_five_break_at_the_controllers_restart() {
    let (_, seven) = planned(Procedure::SevenStep, 42);
    assert!(seven.iter().all(Checkpoint::holds), "{seven:?}");
    // A checkpoint after every step and every single restart: 7 steps, 3 + 6 + 3 + 6 + 9
    // restarts.
    assert_eq!(seven.iter().filter(|c| c.step.is_some()).count(), 7 + 27);

    let (_, five) = planned(Procedure::FiveStep, 42);
    let first = five.iter().find(|c| !c.holds()).unwrap();
    assert_eq!(first.step, Some(3));
    assert_eq!(first.what, format!("restarted {CONTROLLER}"));
    // The controller's own pod presents a new-anchor leaf; the 8 others loaded {old}.
    assert_eq!(first.broken, 8);
    assert_eq!(first.examples[0].client, CONTROLLER);
    assert!(
        five.iter()
            .take_while(|c| c.step != Some(3))
            .all(Checkpoint::holds)
    );
}

#[test]
fn the_controller_crash_loops_on_an_issuer_its_anchors_do_not_verify_by_hand_and_planned() {
    // By hand: the issuer Secret holds an issuer of an anchor the bundle does not have; the
    // controller restarts: it cannot start, and CSRs fail until the bundle holds the anchor.
    let (anchor, issuer) = secrets(43);
    let bundle = TrustBundle::from_anchors([anchor.trust_anchor()]);
    let mut m = Mesh::new(T0, bundle.clone(), issuer, None, rng(44));
    m.add_pod("identity", "linkerd", true).unwrap();
    m.add_pod("web", "default", false).unwrap();
    let r = &mut rng(45);
    let other = support::linkerd_anchor(r, T0);
    let foreign = support::linkerd_issuer(&other, r, T0);
    assert!(matches!(
        m.set_issuer(foreign.clone_ca()),
        Some(Event::IssuerUpdateSkipped { .. })
    ));
    let down = m.restart(CONTROLLER).unwrap_err();
    assert!(
        matches!(down, certcycle::Error::IssuerValidationFailed { .. }),
        "{down:?}"
    );
    assert!(m.signing_issuer().is_none());
    assert!(m.restart("default/web").is_err());
    // The pod that could not get a new leaf keeps the one it had.
    assert!(m.continuity().holds());
    // trust-manager's bundle gains the anchor: the controller's next try starts it.
    m.set_bundle(bundle.with(other.trust_anchor()));
    assert_eq!(
        m.signing_issuer().unwrap().certificate(),
        foreign.certificate()
    );
    // The pod whose CSR failed retries once the controller is back. The controller signs
    // with the issuer of the anchor web's proxy did not load at start: web's proxy refuses
    // that leaf (linkerd2-proxy validates its own new leaf) and keeps the one it had.
    let events = m.advance(Duration::seconds(1)).unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::LeafRefused { workload, .. } if workload == "default/web")),
        "{events:?}"
    );
    let web = m.pods().iter().find(|w| w.name() == "default/web").unwrap();
    assert_ne!(&web.chain()[0], foreign.certificate());
    // Both proxies loaded the bundle before it gained that anchor and both still hold their
    // old leaves (the controller's pod refuses the new-anchor leaf too): every pair verifies
    // until those leaves expire.
    let c = m.continuity();
    assert!(c.holds(), "{:?}", c.broken);
    assert!(
        c.broken
            .iter()
            .all(|b| matches!(b.error, certcycle::verify::VerifyError::BadSignature { .. }))
    );

    // Planned: today's issuer Secret was signed by an anchor the bundle does not hold.
    let (anchor, _) = secrets(46);
    let cfg = Config::seed(T0)
        .from_secrets(Secrets::new(anchor, foreign, None))
        .horizon(Duration::hours(1));
    let run = simulate(&cfg, &mut rng(47)).unwrap();
    assert!(
        run.timeline
            .iter()
            .any(|e| e.who == Who::Identity && e.what.starts_with("CrashLoopBackOff")),
        "{:#?}",
        run.timeline
    );
}

#[test]
fn a_plan_stops_after_the_step_it_is_told_and_hands_back_the_secrets_there() {
    let (anchor, issuer) = secrets(48);
    let old = anchor.certificate().clone();
    let at = T0 + Duration::hours(30);
    let base = Config::seed(T0)
        .from_secrets(Secrets::new(anchor, issuer, Some(old.clone())))
        .control_plane(CONTROL_PLANE)
        .rotate_at(at, Procedure::SevenStep)
        .horizon(Duration::hours(31));
    let staged = simulate(&base.clone().stop_after(Some(1)), &mut rng(49)).unwrap();
    assert_eq!(staged.last_step, 1);
    assert_eq!(staged.published.len(), 2);
    assert_ne!(staged.secrets.anchor.certificate(), &old);
    assert_eq!(staged.secrets.previous.as_ref(), Some(&old));
    // The issuer is still the old anchor's, so every pod still trusts everything.
    assert_eq!(
        staged.secrets.issuer.certificate().authority_key_id(),
        old.subject_key_id()
    );
    let done = simulate(&base, &mut rng(49)).unwrap();
    assert_eq!(done.last_step, 7);
    assert_eq!(done.published.len(), 1);
    assert!(done.trusting_dropped_anchors.is_empty());
    assert_eq!(
        done.secrets.issuer.certificate().authority_key_id(),
        done.secrets.anchor.certificate().subject_key_id()
    );
}
