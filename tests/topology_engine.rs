//! The engine over topologies (DESIGN §15): the chain above the identity issuer and the trust
//! roots' source change the verdict exactly where cert-manager, trust-manager and Linkerd do.

use certcycle::CertSpec;
use certcycle::plan::{CaKind, CaNode, Config, Held, RootsKind, Topology, TrustRoots, simulate};
use certcycle::presets::linkerd;
use time::{Duration, macros::datetime};

fn start() -> time::OffsetDateTime {
    datetime!(2026-01-01 0:00 UTC)
}

fn root(kind: CaKind) -> CaNode {
    CaNode::new(
        "Certificate cert-manager/linkerd-root",
        kind,
        CertSpec::ca("root.linkerd.cluster.local", Duration::hours(87600)),
    )
}

#[test]
fn three_tier_breaks_after_the_intermediate_rekey_not_the_roots() {
    let mut cfg =
        Config::seed(start()).topology(Topology::default().above(vec![root(CaKind::Managed)]));
    cfg.anchor = CertSpec::ca("anchor.linkerd.cluster.local", Duration::hours(720))
        .renew_before(Duration::hours(360));
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    for e in &run.timeline {
        println!("{e}");
    }
    let b = run
        .first_break
        .expect("the intermediate anchor re-keys on day 15");
    println!("{b:?}");
    assert!(b.day >= 15 && b.day <= 17, "{}", b.day);
}

#[test]
fn static_anchor_never_renews() {
    let anchor = linkerd::trust_anchor();
    let mut cfg = Config::seed(start()).topology(Topology::default().anchor(CaKind::Static));
    cfg.anchor = CertSpec::ca("root.linkerd.cluster.local", Duration::hours(87600));
    let _ = anchor;
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    assert!(run.first_break.is_none(), "{:?}", run.first_break);
}

#[test]
fn static_roots_do_not_follow_a_rekey() {
    let roots = TrustRoots::default();
    let mut roots2 = roots.clone();
    roots2.kind = RootsKind::Static;
    let mut cfg = Config::seed(start()).topology(Topology::default().roots(roots2));
    cfg.previous_anchor_source = false;
    cfg.anchor = CertSpec::ca("root.linkerd.cluster.local", Duration::hours(720));
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    let b = run.first_break.expect("static roots keep the old anchor");
    for e in &run.timeline {
        println!("{e}");
    }
    println!("{}", b.day);
}

#[test]
fn roots_without_the_anchor_break_at_once() {
    let mut roots = TrustRoots::default();
    roots.holds = Held::Nothing;
    let mut cfg = Config::seed(start()).topology(Topology::default().roots(roots));
    cfg.previous_anchor_source = false;
    let run = simulate(&cfg, &mut rand_core::OsRng).unwrap();
    for e in &run.timeline {
        println!("{e}");
    }
    let b = run.first_break.expect("nobody gets a leaf");
    println!("{b:?}");
    assert_eq!(b.day, 0);
}
