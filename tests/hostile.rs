//! Hostile input, as an attacker would send it: one work budget per verification whatever a
//! shared cache holds, name-constraint work counted across the whole call. Each test failed
//! before its fix (the hardening issue lists the findings). No test asserts on wall-clock
//! time: each asserts the exact budget that ran out, or that the cache did not grow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use certcycle::verify::{
    BudgetKind, SignatureCache, Usage, VerifyError, VerifyOptions, verify, verify_cached,
};
use certcycle::{Certificate, PrivateKey, TrustAnchor, TrustBundle};
use support::craft::{Craft, ca, fan_out, leaf, make, nc_fan_out};
use support::{T0, rng};

const NAME: &str = "web.default.svc";

fn server() -> VerifyOptions {
    VerifyOptions::for_usage(Usage::ServerAuth)
}

#[test]
fn a_warm_cache_does_not_lift_the_budget_on_the_fan_out_chain() {
    let (leaf_c, inters, bundle) = fan_out(8, 8);
    let exhausted = VerifyError::BudgetExhausted {
        kind: BudgetKind::SignatureChecks,
        limit: 64,
    };
    assert_eq!(
        verify(&leaf_c, &inters, &bundle, T0, &server()).unwrap_err(),
        exhausted
    );
    // Before the fix, every CA→CA link of the failed search was cached and hits were free:
    // each call went deeper, 19 s per call from the eighth.
    let cache = SignatureCache::new();
    for call in 0..12 {
        let e = verify_cached(&leaf_c, &inters, &bundle, T0, &server(), Some(&cache));
        assert_eq!(e.unwrap_err(), exhausted, "call {call}");
        assert_eq!(cache.len(), 0, "a chain that failed filled the cache");
    }
}

#[test]
fn cache_hits_count_against_the_signature_budget() {
    // leaf → i2 → i1 → root needs three signature checks. Warm the cache with the two CA
    // links, then allow two checks: if hits were free, one real check would be left to do.
    let r = &mut rng(1101);
    let keys: Vec<PrivateKey> = (0..3).map(|_| PrivateKey::generate(r)).collect();
    let root = make(&ca("root"), &keys[0], None);
    let i1 = make(&ca("i1"), &keys[1], Some(("root", &keys[0])));
    let i2 = make(&ca("i2"), &keys[2], Some(("i1", &keys[1])));
    let leaf_c = make(
        &leaf(NAME),
        &PrivateKey::generate(r),
        Some(("i2", &keys[2])),
    );
    let bundle = TrustBundle::from_anchors([TrustAnchor::new(root).unwrap()]);
    let inters = [i2, i1];
    let cache = SignatureCache::new();
    verify_cached(&leaf_c, &inters, &bundle, T0, &server(), Some(&cache)).unwrap();
    assert_eq!(cache.len(), 2);
    let tight = server().with_max_signature_checks(2);
    assert_eq!(
        verify_cached(&leaf_c, &inters, &bundle, T0, &tight, Some(&cache)).unwrap_err(),
        VerifyError::BudgetExhausted {
            kind: BudgetKind::SignatureChecks,
            limit: 2
        }
    );
    let enough = server().with_max_signature_checks(3);
    verify_cached(&leaf_c, &inters, &bundle, T0, &enough, Some(&cache)).unwrap();
}

#[test]
fn the_cache_is_bounded() {
    // Many distinct verified chains through one small cache: it never holds more than its
    // capacity, and still answers for the most recent chain.
    let r = &mut rng(1102);
    let root_key = PrivateKey::generate(r);
    let root = make(&ca("root"), &root_key, None);
    let bundle = TrustBundle::from_anchors([TrustAnchor::new(root).unwrap()]);
    let cache = SignatureCache::with_capacity(8);
    for i in 0..40u8 {
        let key = PrivateKey::generate(r);
        let ica = make(
            &Craft {
                serial: vec![0x20, i],
                ..ca("ica")
            },
            &key,
            Some(("root", &root_key)),
        );
        let leaf_c = make(&leaf(NAME), &PrivateKey::generate(r), Some(("ica", &key)));
        verify_cached(&leaf_c, &[ica], &bundle, T0, &server(), Some(&cache)).unwrap();
        assert!(cache.len() <= 8, "{} links cached", cache.len());
    }
    assert!(!cache.is_empty());
}

#[test]
fn name_constraint_work_is_one_budget_per_verification() {
    // A constrained anchor with 500 permitted subtrees, a leaf with 300 names under it, and 8
    // intermediates of one name and key that the anchor did not sign. Each check is 150,000
    // comparisons — under the per-pair limit this crate had — and the path builder tries the
    // anchor above each of the 8: 1.2 million comparisons before the fix, for one BadSignature.
    let (leaf_c, inters, bundle) = nc_fan_out(500, 300, 8);
    let exhausted = VerifyError::BudgetExhausted {
        kind: BudgetKind::NameConstraintComparisons,
        limit: 250_000,
    };
    assert_eq!(
        verify(&leaf_c, &inters, &bundle, T0, &server()).unwrap_err(),
        exhausted
    );
    // With a warm cache, the same.
    let cache = SignatureCache::new();
    for _ in 0..3 {
        assert_eq!(
            verify_cached(&leaf_c, &inters, &bundle, T0, &server(), Some(&cache)).unwrap_err(),
            exhausted
        );
    }
    // One intermediate alone is one check: within the budget, and the real reason shows.
    assert!(matches!(
        verify(&leaf_c, &inters[..1], &bundle, T0, &server()).unwrap_err(),
        VerifyError::BadSignature { .. }
    ));
}

#[test]
fn path_building_steps_are_bounded() {
    // 1,500 candidates of the leaf's issuer name, none of them valid at the time: no
    // signature is ever checked, yet each candidate is work.
    let r = &mut rng(1104);
    let root_key = PrivateKey::generate(r);
    let root = make(&ca("root"), &root_key, None);
    let key = PrivateKey::generate(r);
    let expired = Craft {
        not_after: T0 - time::Duration::days(1),
        not_before: T0 - time::Duration::days(2),
        ..ca("ica")
    };
    let one = make(&expired, &key, Some(("root", &root_key)));
    let inters = vec![one; 1_500];
    let leaf_c = make(&leaf(NAME), &PrivateKey::generate(r), Some(("ica", &key)));
    let bundle = TrustBundle::from_anchors([TrustAnchor::new(root).unwrap()]);
    assert_eq!(
        verify(&leaf_c, &inters, &bundle, T0, &server()).unwrap_err(),
        VerifyError::BudgetExhausted {
            kind: BudgetKind::PathBuildingSteps,
            limit: 1_000
        }
    );
}

#[test]
fn limbo_nc_dos_cases_stay_bounded_with_a_warm_cache() {
    // x509-limbo's `pathological::nc-dos-*`: thousands of names against thousands of
    // constraints. Each is refused by the comparison budget, also the second and third time
    // through one shared cache.
    let text = std::fs::read_to_string("tests/data/limbo/limbo-p256-no-bettertls-nc.json").unwrap();
    let suite: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases: Vec<&serde_json::Value> = suite["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["id"]
                .as_str()
                .unwrap()
                .starts_with("pathological::nc-dos")
        })
        .collect();
    assert!(!cases.is_empty());
    let cache = SignatureCache::new();
    let pems = |v: &serde_json::Value| -> Vec<Certificate> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| Certificate::from_pem(p.as_str().unwrap()).unwrap())
            .collect()
    };
    for case in cases {
        let bundle = TrustBundle::from_anchors(
            pems(&case["trusted_certs"])
                .into_iter()
                .map(|c| TrustAnchor::new(c).unwrap()),
        );
        let inters = pems(&case["untrusted_intermediates"]);
        let leaf_c = Certificate::from_pem(case["peer_certificate"].as_str().unwrap()).unwrap();
        let at = time::OffsetDateTime::parse(
            case["validation_time"]
                .as_str()
                .unwrap_or("2024-01-01T00:00:00Z"),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        for round in 0..3 {
            let e = verify_cached(&leaf_c, &inters, &bundle, at, &server(), Some(&cache));
            assert_eq!(
                e.unwrap_err(),
                VerifyError::BudgetExhausted {
                    kind: BudgetKind::NameConstraintComparisons,
                    limit: 250_000
                },
                "{} round {round}",
                case["id"]
            );
        }
    }
}
