//! Real mutual-TLS handshakes with rustls on loopback between simulated workloads, at each
//! stage of the seven-step rotation and at the break of the five-step one: the handshake
//! result must equal what `Mesh::continuity` predicted. rustls verifies with its own verifier
//! (rustls-webpki), not certcycle's, and at the simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::mesh::{Continuity, Mesh};
use certcycle::rotation::AnchorRotation;
use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
use rand_chacha::ChaCha20Rng;
use rustls::pki_types::CertificateDer;
use std::sync::Arc;
use support::{Side, T0, handshake, rng};
use time::Duration;

fn side(m: &Mesh<ChaCha20Rng>, name: &str) -> Side {
    let w = m.pods().iter().find(|w| w.name() == name).unwrap();
    let mut chain = vec![CertificateDer::from(w.leaf())];
    chain.extend(w.chain().iter().map(CertificateDer::from));
    let mut roots = rustls::RootCertStore::empty();
    for c in w.loaded_bundle().certificates() {
        roots.add(CertificateDer::from(c)).unwrap();
    }
    Side {
        chain,
        key: w.private_key().into(),
        roots: Arc::new(roots),
        identity: w.identity().to_owned(),
    }
}

/// What continuity predicts for the pair: both directions must verify.
fn predicted(c: &Continuity, a: &str, b: &str) -> bool {
    !c.broken
        .iter()
        .any(|p| (p.client == a && p.server == b) || (p.client == b && p.server == a))
}

fn check_all(m: &Mesh<ChaCha20Rng>, stage: &str) -> Vec<(String, String, bool)> {
    let c = m.continuity();
    let names: Vec<String> = m.pods().iter().map(|w| w.name().to_owned()).collect();
    let mut out = Vec::new();
    for a in &names {
        for b in &names {
            if a == b {
                continue;
            }
            let real = handshake(side(m, a), side(m, b), m.now());
            assert_eq!(
                real,
                predicted(&c, a, b),
                "{stage}: {a} -> {b}: handshake {real}, continuity {c}"
            );
            out.push((a.clone(), b.clone(), real));
        }
    }
    out
}

fn mesh(seed: u64) -> (Mesh<ChaCha20Rng>, Ca) {
    let r = &mut rng(seed);
    let anchor = support::linkerd_anchor(r, T0);
    let issuer = support::linkerd_issuer(&anchor, r, T0);
    let mut m = Mesh::new(
        T0,
        TrustBundle::from_anchors([anchor.trust_anchor()]),
        issuer,
        Some(anchor.clone_ca()),
        rng(seed + 1),
    );
    m.add_pod("identity", "linkerd", true).unwrap();
    m.add_pod("web-0", "default", false).unwrap();
    m.add_pod("web-1", "default", false).unwrap();
    (m, anchor)
}

#[test]
fn handshakes_match_continuity_through_the_seven_steps() {
    let (mut m, _) = mesh(10);
    m.advance(Duration::hours(1)).unwrap();
    let all_ok = |v: Vec<(String, String, bool)>| v.iter().all(|(_, _, ok)| *ok);
    assert!(all_ok(check_all(&m, "old <-> old")));

    let r = &mut rng(11);
    let new = support::linkerd_anchor(r, m.now());
    let staged = AnchorRotation::stage(m.bundle_source(), new.trust_anchor()).unwrap();
    m.set_bundle(staged.bundle().clone());
    for name in ["linkerd/identity", "default/web-0", "default/web-1"] {
        m.restart(name).unwrap();
    }
    let loaded: Vec<(String, TrustBundle)> = m
        .pods()
        .iter()
        .map(|w| (w.name().to_owned(), w.loaded_bundle().clone()))
        .collect();
    let d = staged
        .confirm_bundle_rollout(loaded.iter().map(|(n, b)| (n.as_str(), b)))
        .unwrap();
    let resigned = d
        .resign_issuer(
            &new,
            &linkerd::identity_issuer(),
            PrivateKey::generate(r),
            m.now(),
            r,
        )
        .unwrap();
    m.set_issuer(resigned.issuer().clone_ca());
    m.restart("linkerd/identity").unwrap();
    m.restart("default/web-0").unwrap();
    // web-0 presents a leaf under the new anchor, web-1 one under the old: both hold {new, old}.
    assert!(all_ok(check_all(&m, "old <-> new during the overlap")));
    m.restart("default/web-1").unwrap();
    assert!(all_ok(check_all(&m, "new <-> new, both anchors trusted")));
    let live: Vec<_> = m
        .pods()
        .iter()
        .map(|w| (w.name().to_owned(), w.leaf().clone(), w.chain().to_vec()))
        .collect();
    let rotated = resigned
        .confirm_leaf_rollout(
            live.iter().map(|(n, l, c)| (n.as_str(), l, c.as_slice())),
            m.now(),
        )
        .unwrap()
        .drop_old_anchor();
    m.set_bundle(rotated.bundle);
    for name in ["linkerd/identity", "default/web-0", "default/web-1"] {
        m.restart(name).unwrap();
    }
    assert!(all_ok(check_all(&m, "new <-> new, old anchor dropped")));
}

#[test]
fn the_five_step_break_is_a_real_handshake_failure() {
    let (mut m, _) = mesh(20);
    m.advance(Duration::hours(1)).unwrap();
    let r = &mut rng(21);
    let new = support::linkerd_anchor(r, m.now());
    let staged = AnchorRotation::stage(m.bundle_source(), new.trust_anchor()).unwrap();
    m.set_bundle(staged.bundle().clone());
    // Step 2 of the five: the issuer is re-signed before anyone loaded the new bundle.
    let issuer = support::linkerd_issuer(&new, r, m.now());
    m.set_issuer(issuer);
    // Step 3: the control plane restarts.
    m.restart("linkerd/identity").unwrap();
    let results = check_all(&m, "five-step, control plane restarted");
    let failed: Vec<_> = results.iter().filter(|(_, _, ok)| !ok).collect();
    // identity (new leaf, {new, old}) cannot talk to web-0 and web-1 (old leaves, {old}).
    assert_eq!(failed.len(), 4, "{failed:?}");
    assert!(
        failed
            .iter()
            .all(|(a, b, _)| a == "linkerd/identity" || b == "linkerd/identity")
    );
}
