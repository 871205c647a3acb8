//! A downstream project's test, written against the public API only, as an outside crate
//! would: stand up an mTLS pair on loopback with the testkit's rustls configs, rotate the trust
//! anchor with the typed procedure, and keep talking at every stage.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::rotation::AnchorRotation;
use certcycle::testkit::{self, Workload, tls};
use certcycle::{Ca, PrivateKey, TrustBundle, presets::linkerd};
use rand_core::SeedableRng;
use rustls::pki_types::ServerName;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use time::OffsetDateTime;

/// One request/response over mutual TLS: `client` (trusting `client_bundle`) calls `server`
/// (trusting `server_bundle`). Returns the server's reply, or `None` if the handshake failed.
fn call(
    client: &Workload,
    client_bundle: &TrustBundle,
    server: &Workload,
    server_bundle: &TrustBundle,
    at: OffsetDateTime,
) -> Option<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server_config = tls::server_config(server, server_bundle, provider.clone(), at).unwrap();
    let client_config = tls::client_config(client, client_bundle, provider, at).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut conn = rustls::ServerConnection::new(Arc::new(server_config)).unwrap();
        let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
        let mut req = [0u8; 4];
        if tls.read_exact(&mut req).is_ok() && &req == b"ping" {
            let _ = tls.write_all(b"pong").and_then(|()| tls.flush());
        }
    });
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let name = ServerName::try_from(server.identity.clone()).unwrap();
    let mut conn = rustls::ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
    let mut reply = vec![0u8; 4];
    let ok =
        tls.write_all(b"ping").is_ok() && tls.flush().is_ok() && tls.read_exact(&mut reply).is_ok();
    let _ = tcp.shutdown(std::net::Shutdown::Both);
    handle.join().unwrap();
    ok.then_some(reply)
}

#[test]
fn an_mtls_pair_keeps_talking_through_an_anchor_rotation() {
    // Three lines: a hierarchy, and the pair's credentials.
    let pki = testkit::hierarchy().leaves(["web", "api"]).build().unwrap();
    let (web, api) = (pki.workload("web"), pki.workload("api"));
    let at = pki.at + time::Duration::minutes(5);
    let bundle = pki.bundle();
    assert_eq!(
        call(api, &bundle, web, &bundle, at).as_deref(),
        Some(&b"pong"[..])
    );

    // Rotation, step 1: a new anchor beside the old one; both sides load {new, old}.
    let rng = &mut rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let new_anchor =
        Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(rng), at, rng).unwrap();
    let staged = AnchorRotation::stage(&bundle, new_anchor.trust_anchor()).unwrap();
    let both = staged.bundle().clone();
    assert_eq!(
        call(api, &both, web, &both, at).as_deref(),
        Some(&b"pong"[..])
    );

    // Step 4: the issuer is re-signed by the new anchor; web restarts first with a new leaf,
    // api still presents its old one. Both trust both anchors: they keep talking.
    let distributed = staged
        .confirm_bundle_rollout([("web", &both), ("api", &both)])
        .unwrap();
    let resigned = distributed
        .resign_issuer(
            &new_anchor,
            &linkerd::identity_issuer(),
            PrivateKey::generate(rng),
            at,
            rng,
        )
        .unwrap();
    // Leaves from the re-signed issuer, built through the public issuing API.
    let reissue = |w: &Workload| {
        let key = PrivateKey::generate(&mut rand_core::OsRng);
        let cert = resigned
            .issuer()
            .issue(
                &linkerd::workload(&w.identity),
                key.public_key(),
                at,
                &mut rand_core::OsRng,
            )
            .unwrap()
            .certificate;
        Workload::new(
            w.name.clone(),
            w.identity.clone(),
            cert,
            key,
            vec![resigned.issuer().certificate().clone()],
        )
    };
    let web2 = reissue(web);
    assert_eq!(
        call(api, &both, &web2, &both, at).as_deref(),
        Some(&b"pong"[..])
    );
    assert_eq!(
        call(&web2, &both, api, &both, at).as_deref(),
        Some(&b"pong"[..])
    );
    // A peer that never loaded the new bundle would refuse web's new leaf: the break the
    // seven steps avoid.
    assert_eq!(call(api, &bundle, &web2, &bundle, at), None);

    // Steps 5–7: api restarts too; the old anchor is dropped; they keep talking.
    let api2 = reissue(api);
    let live = [
        ("web", &web2.certificate, web2.chain.as_slice()),
        ("api", &api2.certificate, api2.chain.as_slice()),
    ];
    let rotated = resigned
        .confirm_leaf_rollout(live, at)
        .unwrap()
        .drop_old_anchor();
    assert_eq!(rotated.bundle.len(), 1);
    assert_eq!(
        call(&api2, &rotated.bundle, &web2, &rotated.bundle, at).as_deref(),
        Some(&b"pong"[..])
    );
}

/// Every public error and option type built the way a downstream crate builds them: the
/// expected value of an `assert_eq!`, a pattern with `..` where a struct may grow, and a helper
/// that returns `RotationError` from a step that refuses with `Refused<S>`. If a release makes
/// one of these impossible, this stops compiling (and CHANGELOG must say so).
#[test]
fn every_public_error_and_option_type_builds_as_a_downstream_crate_builds_it() {
    use certcycle::k8s::{
        FieldError, K8sError, Location, ObjectRef, PlanInputError, ResolveOptions,
    };
    use certcycle::renewal::Fallback;
    use certcycle::rotation::RotationError;
    use certcycle::{
        BudgetKind, BundleError, BundleOptions, CertRef, DurationError, Error, Origin, PemError,
        PemErrorKind, RotationPolicy, SpecError, Usage, VerifyError, VerifyOptions,
    };
    use time::Duration;

    // Values with constructors, for assert_eq!.
    let origin = Origin::new("ca.crt", 2);
    assert_eq!(origin.to_string(), "ca.crt block 2");
    let fallback = Fallback::new(Duration::hours(60), Duration::hours(48));
    assert_eq!(
        certcycle::Rule::TwoThirds {
            fallback: Some(fallback)
        },
        certcycle::Rule::TwoThirds {
            fallback: Some(Fallback::new(Duration::hours(60), Duration::hours(48)))
        }
    );
    let cert = CertRef::new(1, "CN=identity.linkerd.cluster.local", None);
    let verify = VerifyError::BadSignature {
        cert: cert.clone(),
        issuer: "CN=root.linkerd.cluster.local".into(),
    };
    // CertRef patterns need `..`: it may grow.
    assert!(matches!(
        &verify,
        VerifyError::BadSignature {
            cert: CertRef { depth: 1, .. },
            ..
        }
    ));
    let budget = VerifyError::BudgetExhausted {
        kind: BudgetKind::SignatureChecks,
        limit: 64,
    };
    assert!(budget.to_string().contains("64"));
    // RotationError's issuer variant boxes its VerifyError.
    let rotation = RotationError::IssuerNotUnderNewAnchor(Box::new(verify.clone()));
    assert_eq!(
        rotation.clone(),
        RotationError::IssuerNotUnderNewAnchor(Box::new(verify))
    );
    let no_controller = RotationError::NoIdentityController {
        control_plane: vec!["linkerd/destination".into()],
    };
    assert!(no_controller.to_string().contains("linkerd/destination"));
    let pem = PemError::new(1, 3, PemErrorKind::Unterminated);
    let bundle = BundleError::Pem {
        input: "ca.crt".into(),
        error: pem.clone(),
    };
    assert_eq!(bundle.to_string(), format!("source 'ca.crt': {pem}"));
    let error = Error::Pem {
        what: "certificate",
        error: pem,
    };
    assert!(error.to_string().starts_with("certificate: "));
    let key_mismatch = Error::KeyMismatch {
        subject: "CN=x".into(),
    };
    let duration = DurationError::MissingUnit("90".into());
    let spec = SpecError::DurationTooShort(Duration::minutes(30));
    let at = Location::new(7, 12);
    let object = ObjectRef::new(
        "in.yaml",
        1,
        "Secret",
        Some("linkerd"),
        "linkerd-identity-issuer",
    );
    let k8s = K8sError::Field {
        object: Box::new(object.clone()),
        path: "data[\"tls.crt\"]".into(),
        at,
        error: FieldError::NotBase64,
    };
    assert_eq!(
        k8s.to_string(),
        "in.yaml:7:12: document 1 (Secret/linkerd/linkerd-identity-issuer): data[\"tls.crt\"]: not base64"
    );
    let durations = K8sError::Field {
        object: Box::new(object),
        path: "spec.duration".into(),
        at,
        error: FieldError::Duration(duration),
    };
    assert!(matches!(
        durations,
        K8sError::Field {
            error: FieldError::Duration(_),
            ..
        }
    ));
    let not_a_file = K8sError::NotAFile {
        file: "/dev/zero".into(),
        found: "a character device",
    };
    assert_eq!(not_a_file.file(), "/dev/zero");
    let plan = PlanInputError::Secret {
        secret: "linkerd/linkerd-identity-issuer".into(),
        error: Box::new(key_mismatch),
    };
    assert!(
        plan.to_string()
            .starts_with("Secret/linkerd/linkerd-identity-issuer: ")
    );
    assert!(FieldError::Spec(spec).to_string().contains("at least 1h"));

    // Options: defaults and builders, never struct literals (they are non-exhaustive).
    let options = VerifyOptions::for_usage(Usage::ServerAuth)
        .with_max_signature_checks(16)
        .with_anchor_validity(false);
    assert_eq!(options.max_signature_checks, 16);
    let _ = VerifyOptions::default();
    let _ = BundleOptions::new().allow_non_ca(true);
    let resolve = ResolveOptions::default().cert_manager_before_1_18();
    assert_eq!(resolve.default_rotation_policy, RotationPolicy::Never);
    let _ = certcycle::plan::Config::seed(time::macros::datetime!(2026-01-01 0:00 UTC))
        .workloads(3)
        .horizon(Duration::days(2));

    // A helper returning RotationError that ends on a step call: `Refused<S>` is not a
    // RotationError, so the step's error is converted (`?` does it where the helper's error
    // type is `RotationError` and the call is not the tail expression).
    fn distribute(
        staged: certcycle::rotation::Staged,
        loaded: &[(&str, &TrustBundle)],
    ) -> Result<certcycle::rotation::BundleDistributed, RotationError> {
        staged
            .confirm_bundle_rollout(loaded.iter().copied())
            .map_err(RotationError::from)
    }
    let rng = &mut rand_chacha::ChaCha20Rng::seed_from_u64(15);
    let now = time::macros::datetime!(2026-01-01 0:00 UTC);
    let old = Ca::self_signed(
        &linkerd::trust_anchor(),
        PrivateKey::generate(rng),
        now,
        rng,
    )
    .unwrap();
    let new = Ca::self_signed(
        &linkerd::trust_anchor(),
        PrivateKey::generate(rng),
        now,
        rng,
    )
    .unwrap();
    let current = TrustBundle::from_anchors([old.trust_anchor()]);
    let staged = AnchorRotation::stage(&current, new.trust_anchor()).unwrap();
    assert!(matches!(
        distribute(staged, &[("web", &current)]),
        Err(RotationError::BundleNotLoaded { .. })
    ));
}
