//! Issue 32, item 5: the proxy checks its own new leaf (linkerd2-proxy
//! `linkerd/meshtls/src/creds/store.rs`, `set_certificate` → `validate`). In a rotation done
//! out of order (the identity issuer re-signed under the new anchor and the control plane
//! restarted, the data plane not yet), a proxy refuses the new leaf its startup anchors cannot
//! verify, keeps its old one, and retries at 70% of its remaining life: the mesh breaks when
//! the old leaves run out, not when the first new one is presented; a real rustls handshake
//! agrees on the pair that fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::mesh::Procedure;
use certcycle::plan::{Config, Who, simulate};
use support::{T0, rng};
use time::Duration;

#[test]
fn a_proxy_refuses_a_leaf_its_startup_anchors_cannot_verify_and_breaks_when_its_old_one_expires() {
    // The seed's five steps, stopped after step 3 (anchor renewed, issuer re-signed, control
    // plane restarted): the data plane still holds the old anchor only.
    let rotate = T0 + Duration::days(31);
    let cfg = Config::seed(T0)
        .horizon(Duration::days(40))
        .workloads(4)
        .rotate_at(rotate, Procedure::FiveStep)
        .stop_after(Some(3));
    let run = simulate(&cfg, &mut rng(11)).unwrap();
    let restarted = rotate + Duration::minutes(10);
    let refusal = run
        .timeline
        .iter()
        .find(|e| e.who == Who::Proxy && e.what.contains("refuses its new leaf"))
        .expect("a proxy refreshes after the control plane restart and refuses the new leaf");
    assert!(
        refusal.at > restarted && refusal.at < restarted + Duration::hours(17),
        "{}",
        refusal.at
    );
    assert!(
        refusal
            .what
            .contains("does not verify against the anchors the proxy loaded at start")
    );
    let b = run.first_break.as_ref().expect("the old leaves run out");
    // Not at the first refresh (the refused leaf is never presented): when an old leaf,
    // issued before the restart, expires; at most its 24h after the restart.
    assert!(b.at > refusal.at, "{} {}", b.at, refusal.at);
    assert!(
        b.at <= restarted + Duration::hours(24) + Duration::minutes(1),
        "{}",
        b.at
    );
    assert!(b.error.to_string().contains("expired"), "{}", b.error);

    // The pair that fails, in a real handshake: the client's expired leaf against the
    // server's startup bundle fails at the break, and passed while the leaf was valid.
    let ev = &b.evidence;
    // The server's own certificate valid over the whole life of the client's leaf.
    let server_from = ev.leaf.not_before() - Duration::hours(1);
    assert!(
        !support::replay_break(ev, server_from, b.at),
        "at the break the handshake fails"
    );
    let before = ev.leaf.not_before() + (ev.leaf.not_after() - ev.leaf.not_before()) / 2;
    assert!(
        support::replay_break(ev, server_from, before),
        "while the old leaf lived it passed"
    );
}
