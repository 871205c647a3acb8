//! The fuzz targets' logic, shared by `fuzz/fuzz_targets/*.rs` (libFuzzer, nightly) and
//! `tests/fuzz_seeds.rs` (the committed seeds, on stable). Each function panics only when an
//! invariant is broken.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::type_complexity
)]

use certcycle::{BundleOptions, Certificate, PrivateKey, TrustBundle};

pub(crate) mod outputs;

const ANY: BundleOptions = BundleOptions::new().allow_non_ca(true);

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Parsing any text as PEM (bundle, certificate chain, key, CSR) never panics.
pub(crate) fn pem_parse(data: &[u8]) {
    let t = text(data);
    let _ = TrustBundle::from_sources([("fuzz", t.as_str())], ANY);
    let _ = TrustBundle::from_pem(&t);
    let _ = Certificate::all_from_pem(&t);
    let _ = PrivateKey::from_pem(&t);
    let _ = certcycle::csr_der_from_pem(&t);
}

/// parse → emit → parse gives the same bundle, and emitting again is byte-identical.
pub(crate) fn pem_roundtrip(data: &[u8]) {
    let t = text(data);
    if let Ok(built) = TrustBundle::from_sources([("fuzz", t.as_str())], ANY) {
        let pem = built.bundle.to_pem();
        let again = TrustBundle::from_sources([("emitted", pem.as_str())], ANY)
            .expect("certcycle must read the PEM it wrote")
            .bundle;
        assert_eq!(again, built.bundle);
        assert_eq!(again.to_pem(), pem);
    }
}

/// Merging is order-independent and idempotent, and never holds a duplicate.
pub(crate) fn bundle_merge(data: &[u8]) {
    let split = data
        .first()
        .map_or(0, |b| *b as usize % (data.len().max(1)));
    let (a, b) = data.split_at(split.min(data.len()));
    let (a, b) = (text(a), text(b));
    let ab = TrustBundle::from_sources([("a", a.as_str()), ("b", b.as_str())], ANY);
    let ba = TrustBundle::from_sources([("b", b.as_str()), ("a", a.as_str())], ANY);
    match (ab, ba) {
        (Ok(ab), Ok(ba)) => {
            assert_eq!(ab.bundle.to_pem(), ba.bundle.to_pem());
            let aba = TrustBundle::from_sources(
                [("a", a.as_str()), ("b", b.as_str()), ("a2", a.as_str())],
                ANY,
            )
            .expect("adding a source that merged once must merge again");
            assert_eq!(aba.bundle, ab.bundle);
            let mut ders: Vec<&[u8]> = ab.bundle.certificates().map(|c| c.der()).collect();
            let n = ders.len();
            ders.sort();
            ders.dedup();
            assert_eq!(ders.len(), n, "duplicate in bundle");
        }
        (Err(_), Err(_)) => {}
        (ab, ba) => panic!(
            "order changed the outcome: {:?} vs {:?}",
            ab.is_ok(),
            ba.is_ok()
        ),
    }
}

/// Parsing any bytes as a certificate never panics; a parsed certificate keeps its DER and
/// every accessor works.
pub(crate) fn cert_der(data: &[u8]) {
    if let Ok(c) = Certificate::from_der(data.to_vec()) {
        assert_eq!(c.der(), data);
        let _ = (
            c.subject(),
            c.issuer(),
            c.serial_hex(),
            c.subject_alt_names(),
        );
        let _ = (
            c.extended_key_usage(),
            c.key_usage(),
            c.basic_constraints(),
            c.public_key(),
        );
        let _ = (
            c.fingerprint(),
            c.inspect().to_string(),
            c.unhandled_critical_extension(),
        );
        static KEY: std::sync::OnceLock<certcycle::PublicKey> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| PrivateKey::generate_os().public_key().clone());
        let _ = (c.is_signed_by(key), c.lifetime());
        let back = Certificate::from_pem(&c.to_pem()).expect("PEM of a parsed certificate");
        assert_eq!(back.der(), data);
    }
}

/// Splits fuzz input into DER certificates: byte 0 = number of anchors, byte 1 = number of
/// intermediates, byte 2 = hours after the leaf's notBefore to verify at, then blobs each
/// prefixed by a big-endian u16 length; the last blob is the leaf.
pub(crate) fn split_chain(data: &[u8]) -> Option<(Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<u8>, u8)> {
    let (&n_anchors, rest) = data.split_first()?;
    let (&n_inter, rest) = rest.split_first()?;
    let (&hours, mut rest) = rest.split_first()?;
    let mut blobs = Vec::new();
    while rest.len() >= 2 {
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        let end = (2 + len).min(rest.len());
        blobs.push(rest[2..end].to_vec());
        rest = &rest[end..];
    }
    let leaf = blobs.pop()?;
    let n_anchors = (n_anchors as usize).min(blobs.len());
    let inters = blobs.split_off(n_anchors);
    let inters = inters.into_iter().take(n_inter as usize).collect();
    Some((blobs, inters, leaf, hours))
}

/// The inverse of `split_chain`, for writing seeds.
pub(crate) fn join_chain(
    anchors: &[Vec<u8>],
    inters: &[Vec<u8>],
    leaf: &[u8],
    hours: u8,
) -> Vec<u8> {
    let mut out = vec![anchors.len() as u8, inters.len() as u8, hours];
    for blob in anchors
        .iter()
        .chain(inters)
        .map(Vec::as_slice)
        .chain([leaf])
    {
        out.extend_from_slice(&(blob.len() as u16).to_be_bytes());
        out.extend_from_slice(blob);
    }
    out
}

/// Verification never panics, and never accepts a chain whose every link it cannot show:
/// an accepted path is re-checked link by link with the bare signature check. Every input
/// also goes through one cache shared by the whole run (warm with whatever earlier inputs
/// left), which must give the same verdict as the uncached call and never grow past its bound.
pub(crate) fn verify_chain(data: &[u8]) {
    use certcycle::verify::{SignatureCache, Usage, VerifyOptions, verify, verify_cached};
    static CACHE: std::sync::OnceLock<SignatureCache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| SignatureCache::with_capacity(64));
    let Some((anchors, inters, leaf, hours)) = split_chain(data) else {
        return;
    };
    let anchors: Vec<certcycle::TrustAnchor> = anchors
        .into_iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .filter_map(|c| certcycle::TrustAnchor::new(c).ok())
        .collect();
    let inters: Vec<Certificate> = inters
        .into_iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let Ok(leaf) = Certificate::from_der(leaf) else {
        return;
    };
    let bundle = TrustBundle::from_anchors(anchors);
    let Some(at) = leaf
        .not_before()
        .checked_add(time::Duration::hours(i64::from(hours)))
    else {
        return;
    };
    for options in [
        VerifyOptions::default(),
        VerifyOptions::for_usage(Usage::ClientAuth),
    ] {
        let plain = verify(&leaf, &inters, &bundle, at, &options);
        let cached = verify_cached(&leaf, &inters, &bundle, at, &options, Some(cache));
        assert_eq!(plain, cached, "the cache changed the verdict");
        assert!(cache.len() <= 64, "the cache outgrew its bound");
        if let Ok(chain) = plain {
            let path = chain.certificates();
            assert!(path.len() >= 2);
            assert_eq!(&path[0], &leaf);
            assert!(
                bundle.contains(chain.anchor()),
                "path does not end in a trusted anchor"
            );
            for pair in path.windows(2) {
                let key = pair[1].public_key().expect("accepted issuer key");
                assert!(pair[0].is_signed_by(&key), "accepted an unverified link");
                assert_eq!(pair[0].issuer_der(), pair[1].subject_der());
                assert!(pair[0].is_valid_at(at) && pair[1].is_valid_at(at));
            }
        }
    }
}

/// Go's `time.ParseDuration` (src/time/format.go) transliterated line by line, independently
/// of certcycle's parser: the reference the `go_duration` target compares against (and which
/// `tests/renewal.rs` checks against Go's own output in `tests/data/go-durations.tsv`).
/// `Err(())` where Go returns an error; negative values as Go gives them; the flag says the
/// sum wrapped past 2^64 — Go's one quirk, which certcycle refuses as an overflow
/// (`9223372036854775808ns9223372036854775808ns` is 0 in Go 1.19).
pub(crate) fn go_parse_duration_reference(orig: &str) -> Result<(i64, bool), ()> {
    fn leading_int(s: &[u8]) -> Result<(u64, &[u8]), ()> {
        let mut i = 0;
        let mut x: u64 = 0;
        while i < s.len() {
            let c = s[i];
            if !c.is_ascii_digit() {
                break;
            }
            if x > (1u64 << 63) / 10 {
                return Err(());
            }
            x = x * 10 + u64::from(c) - u64::from(b'0');
            if x > 1u64 << 63 {
                return Err(());
            }
            i += 1;
        }
        Ok((x, &s[i..]))
    }
    fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
        let mut i = 0;
        let mut scale = 1.0f64;
        let mut x: u64 = 0;
        let mut overflow = false;
        while i < s.len() {
            let c = s[i];
            if !c.is_ascii_digit() {
                break;
            }
            i += 1;
            if overflow {
                continue;
            }
            if x > ((1u64 << 63) - 1) / 10 {
                overflow = true;
                continue;
            }
            let y = x * 10 + u64::from(c) - u64::from(b'0');
            if y > 1u64 << 63 {
                overflow = true;
                continue;
            }
            x = y;
            scale *= 10.0;
        }
        (x, scale, &s[i..])
    }
    let mut s = orig.as_bytes();
    let mut d: u64 = 0;
    let mut wrapped = false;
    let mut neg = false;
    if !s.is_empty() {
        let c = s[0];
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok((0, false));
    }
    if s.is_empty() {
        return Err(());
    }
    while !s.is_empty() {
        let (mut f, mut scale) = (0u64, 1.0f64);
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(());
        }
        let pl = s.len();
        let (mut v, rest) = leading_int(s)?;
        s = rest;
        let pre = pl != s.len();
        let mut post = false;
        if !s.is_empty() && s[0] == b'.' {
            s = &s[1..];
            let pl = s.len();
            let (ff, sc, rest) = leading_fraction(s);
            (f, scale, s) = (ff, sc, rest);
            post = pl != s.len();
        }
        if !pre && !post {
            return Err(());
        }
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c == b'.' || c.is_ascii_digit() {
                break;
            }
            i += 1;
        }
        if i == 0 {
            return Err(());
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: u64 = match u {
            b"ns" => 1,
            b"us" => 1_000,
            b"\xc2\xb5s" => 1_000,
            b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => return Err(()),
        };
        if v > (1u64 << 63) / unit {
            return Err(());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1u64 << 63 {
                return Err(());
            }
        }
        wrapped |= d.checked_add(v).is_none();
        d = d.wrapping_add(v);
        if d > 1u64 << 63 {
            return Err(());
        }
    }
    if neg {
        return Ok(((d as i64).wrapping_neg(), wrapped));
    }
    if d > (1u64 << 63) - 1 {
        return Err(());
    }
    Ok((d as i64, wrapped))
}

/// `GoDuration` parsing never panics, agrees with Go's algorithm (certcycle refuses the
/// negative values Go accepts, and nothing else), and `to_string` round-trips.
pub(crate) fn go_duration(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let ours = s.parse::<certcycle::GoDuration>();
    match (go_parse_duration_reference(s), &ours) {
        (Ok((_, true)), Err(certcycle::DurationError::Overflow(_))) => {}
        (Ok((n, false)), Ok(d)) if n >= 0 => {
            assert_eq!(d.0.whole_nanoseconds(), i128::from(n), "{s:?}")
        }
        (Ok((n, false)), Err(certcycle::DurationError::Negative(_))) if n < 0 => {}
        (Err(()), Err(_)) => {}
        (go, ours) => panic!("{s:?}: Go {go:?}, certcycle {ours:?}"),
    }
    if let Ok(d) = ours {
        let text = d.to_string();
        let back: certcycle::GoDuration = text.parse().expect("its own output parses");
        assert_eq!(back, d, "{s:?} -> {text:?}");
    }
    // The command line's durations (weeks and days, then Go's syntax): never a panic or a
    // wrapped number; whatever parses is within Go's range, and Go's own syntax means the same.
    if let Ok(h) = s.parse::<certcycle::HumanDuration>() {
        assert!(certcycle::GoDuration::new(h.0).is_some(), "{s:?}: {h:?}");
        if let Ok(d) = ours {
            assert_eq!(h.0, d.0, "{s:?}");
        }
    }
}

/// Why certcycle may refuse a certificate that x509-cert's decoder accepts: certcycle reads
/// more of it, on purpose — x509-cert keeps every extnValue opaque and every name attribute
/// value as ANY, certcycle parses the extensions it uses and checks names and strings. Each
/// entry is a fragment of certcycle's error message and why the refusal is right. (Being
/// stricter never makes a false accept; the other direction is the one that matters.)
pub(crate) const STRICTER_THAN_X509_CERT: &[(&str, &str)] = &[
    (
        "explicit v1 version",
        "RFC 5280 4.1: version DEFAULT v1 is omitted in DER",
    ),
    ("unknown certificate version", "only v1, v2, v3 exist"),
    (
        "not v3",
        "extensions in a certificate whose version cannot carry them",
    ),
    ("v1 certificate", "unique identifiers in a v1 certificate"),
    (
        "duplicate extension",
        "RFC 5280 4.2: at most one instance of an extension",
    ),
    (
        "must be omitted in DER",
        "X.690 11.5: a DEFAULT value (critical, cA FALSE) is omitted",
    ),
    (
        "BIT STRING",
        "whole-octet and named-bit BIT STRING rules (X.690 11.2) in extensions",
    ),
    (
        "INTEGER",
        "X.690 8.3: non-empty, minimal INTEGERs (pathLen, ...) in extensions",
    ),
    ("BOOLEAN", "X.690 11.1: DER BOOLEAN is 0x00 or 0xff"),
    (
        "OBJECT IDENTIFIER",
        "X.690 8.19.2: minimal, terminated subidentifiers, also in extensions",
    ),
    (
        "expected tag",
        "a structure x509-cert keeps opaque (extension value, attribute value)",
    ),
    (
        "trailing data",
        "X.690 10.1 / RFC 5280: nothing after an extension value's structure",
    ),
    (
        "ends inside",
        "an element cut short inside an extension value",
    ),
    (
        "length does not fit",
        "a length over 4 octets inside an extension value",
    ),
    (
        "indefinite length",
        "X.690 10.1: DER lengths are definite, inside extensions too",
    ),
    (
        "not minimally encoded",
        "X.690 10.1: minimal lengths, inside extensions too",
    ),
    (
        "multi-byte tags",
        "no RFC 5280 structure uses high tag numbers",
    ),
    ("tag 0x00", "universal 0 is BER end-of-contents, never DER"),
    (
        "wrong form",
        "X.690 10.2: one form per universal type in DER, also in extensions",
    ),
    (
        "IA5String",
        "RFC 5280 4.2.1.6: GeneralName strings are IA5 (ASCII)",
    ),
    ("GeneralName", "RFC 5280 4.2.1.6: GeneralName forms"),
    (
        "PrintableString",
        "X.680 41.4: the PrintableString alphabet",
    ),
    (
        "attribute type",
        "RFC 5280 4.1.2.4: an AttributeTypeAndValue's type is an OID",
    ),
    (
        "authorityCertIssuer",
        "RFC 5280 4.2.1.1: authorityCertIssuer and authorityCertSerialNumber go together",
    ),
    (
        "pathLenConstraint",
        "RFC 5280 4.2.1.9: a pathLenConstraint that fits",
    ),
    (
        "iPAddress",
        "RFC 5280 4.2.1.6: an iPAddress is 4 or 16 octets",
    ),
    (
        "time",
        "RFC 5280 4.1.2.5 times: UTCTime to 2049, GeneralizedTime from 2050, Z, seconds",
    ),
    ("Time", "RFC 5280 4.1.2.5 times"),
    (
        "string",
        "RFC 5280 4.1.2.4 directory string types and their contents",
    ),
    ("UTF8", "invalid UTF-8 in a UTF8String"),
    (
        "name",
        "RFC 5280 4.1.2.4 names: SET OF one or more attributes",
    ),
    ("RDN", "relative distinguished names"),
    ("SET", "X.690 11.6: DER SET OF ordering"),
    (
        "empty",
        "RFC 5280: an empty SEQUENCE where one element or more is required",
    ),
];

/// Why x509-cert may refuse a certificate that certcycle accepts: limits of its decoder that
/// are not DER rules (found by `tests/der_differential.rs`, each case inspected).
pub(crate) fn laxer_than_x509_cert(cert: &Certificate, e: &der::Error) -> Option<&'static str> {
    use der::ErrorKind;
    match e.kind() {
        // const-oid takes the first subidentifier in one octet, arcs up to 2^32 and at least
        // three arcs; X.690 8.19 allows `ff 04 03` (2.16180.3), `55 04` (2.5.4) and 35-bit
        // arcs. certcycle checks the X.690 rules and compares OIDs as bytes.
        ErrorKind::OidMalformed => Some("const-oid's limits on valid DER OIDs"),
        // ObjectDescriptor (7), RELATIVE-OID (13), CHARACTER STRING (29, constructed), ... are
        // valid universal types as attribute values or algorithm parameters, in the one form
        // DER allows (certcycle checks it); the der crate does not know them.
        ErrorKind::TagUnknown { byte } if byte & 0xc0 == 0 => {
            Some("universal tags der does not know")
        }
        // der's UTCTime starts at 1970; RFC 5280 4.1.2.5.1 reads YY 50..99 as 1950..1999.
        ErrorKind::Value {
            tag: der::Tag::UtcTime,
        } => {
            let before_1970 = |t: time::OffsetDateTime| (1950..1970).contains(&t.year());
            (before_1970(cert.not_before()) || before_1970(cert.not_after()))
                .then_some("der's UTCTime starts at 1970")
        }
        _ => None,
    }
}

/// certcycle's `Certificate::from_der` against x509-cert's `Certificate::from_der` on the same
/// bytes: a certificate one accepts and the other refuses is a finding unless the reason is
/// listed above.
pub(crate) fn cert_der_differential(data: &[u8]) {
    use der::Decode;
    let ours = Certificate::from_der(data.to_vec());
    let theirs = x509_cert::Certificate::from_der(data);
    match (&ours, &theirs) {
        (Ok(_), Ok(_)) | (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) => {
            let msg = e.to_string();
            assert!(
                STRICTER_THAN_X509_CERT.iter().any(|(f, _)| msg.contains(f)),
                "certcycle refuses what x509-cert accepts, for an unlisted reason: {msg}"
            );
        }
        (Ok(cert), Err(e)) => {
            assert!(
                laxer_than_x509_cert(cert, e).is_some(),
                "certcycle accepts what x509-cert refuses: {e} ({:?})",
                e.kind()
            );
        }
    }
}

/// The prepared path against p256's own `VerifyingKey::verify`, on the same key, message and
/// signature: any disagreement is a finding. Input: byte 0 picks one of four fixed keys
/// (tables built once), byte 1 the mode, byte 2 the message length; then the message, then
/// bytes that are either the signature itself (mode even) or XORed into the key's real
/// signature of the message (mode odd: tampered and re-used signatures).
pub(crate) fn prepared_verify(data: &[u8]) {
    use p256::ecdsa::signature::{Signer, Verifier};
    static KEYS: std::sync::OnceLock<Vec<(p256::ecdsa::SigningKey, certcycle::PreparedKey)>> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        (1u8..=4)
            .map(|i| {
                let signer = p256::ecdsa::SigningKey::from_slice(&[i; 32]).unwrap();
                let point = signer.verifying_key().to_encoded_point(false);
                let public = certcycle::PublicKey::from_sec1_point(point.as_bytes()).unwrap();
                (signer, certcycle::PreparedKey::new(public))
            })
            .collect()
    });
    let [k, mode, len, rest @ ..] = data else {
        return;
    };
    let (signer, prepared) = &keys[usize::from(*k) % keys.len()];
    let (msg, tail) = rest.split_at(usize::from(*len).min(rest.len()));
    let sig: Vec<u8> = if mode % 2 == 1 {
        let real: p256::ecdsa::DerSignature = signer.sign(msg);
        let mut s = real.as_bytes().to_vec();
        for (b, x) in s.iter_mut().zip(tail) {
            *b ^= x;
        }
        s
    } else {
        tail.to_vec()
    };
    let theirs = p256::ecdsa::DerSignature::from_bytes(&sig)
        .is_ok_and(|s| signer.verifying_key().verify(msg, &s).is_ok());
    assert_eq!(
        prepared.verify_sha256(msg, &sig),
        theirs,
        "prepared path disagrees with p256"
    );
}

/// Reading any text as Kubernetes objects (YAML or JSON) never panics and stays within its
/// budgets; what reads resolves, lints and reports without panicking; an error names a place
/// inside the text.
pub(crate) fn k8s_objects(data: &[u8]) {
    use certcycle::k8s::{CheckReport, Cluster, Objects, ResolveOptions};
    let t = text(data);
    match Objects::read("fuzz.yaml", &t) {
        Ok(objects) => {
            let cluster = Cluster::resolve(objects, &ResolveOptions::default());
            let _ = cluster.lints();
            let at = time::macros::datetime!(2026-06-01 00:00 UTC);
            let report = CheckReport::new(&cluster, at);
            let _ = report.to_string();
            let _ = report.to_json().to_string();
        }
        Err(e) => {
            let _ = e.to_string();
            if let Some(at) = e.location() {
                // YAML's line breaks: LF, CRLF, and a lone CR (YAML 1.2 §5.4), so count those.
                let b = t.as_bytes();
                let breaks = (0..b.len())
                    .filter(|&i| b[i] == b'\n' || (b[i] == b'\r' && b.get(i + 1) != Some(&b'\n')))
                    .count();
                let lines = breaks + 1;
                assert!(
                    usize::try_from(at.line).unwrap() <= lines.max(1),
                    "error at line {} of a {lines}-line text: {e}",
                    at.line
                );
            }
        }
    }
}

/// Fuzz target `k8s_plan`: whatever manifests read, a plan of them (a week, at most three
/// workloads, their own fixes) never panics, stays within its budgets, keeps its timeline in
/// time order, breaks (if it does) inside the horizon, and is deterministic: the same input and
/// RNG seed give the same report, byte for byte.
pub(crate) fn k8s_plan(data: &[u8]) {
    use certcycle::k8s::{Cluster, Objects, ResolveOptions};
    use certcycle::plan::{Report, simulate};
    use rand_core::SeedableRng;
    let t = text(data);
    let Ok(mut objects) = Objects::read("fuzz.yaml", &t) else {
        return;
    };
    // Namespace-less manifests (Kustomize, Argo, Flux) are refused as "cannot model"; placed
    // as `--namespace linkerd` would, they are planned like any other topology.
    if !objects.without_namespace().is_empty() {
        let refused = Cluster::resolve(objects.clone(), &ResolveOptions::default())
            .plan_config(time::macros::datetime!(2026-01-01 00:00 UTC))
            .expect_err("namespace-less objects are never placed silently");
        assert!(refused.cannot_model(), "{refused}");
        objects.set_default_namespace("linkerd");
    }
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let start = time::macros::datetime!(2026-01-01 00:00 UTC);
    let cfg = match cluster.plan_config(start) {
        Ok(cfg) => cfg,
        Err(e) => {
            // Every refusal says what it is: a break, cannot model (with what to give), or an
            // input that does not read; never Rust's Debug text.
            let msg = e.to_string();
            assert!(!msg.contains("Some(") && !msg.contains(" {"), "{msg}");
            return;
        }
    };
    // The topology is bounded: at most MAX_CHAIN CAs above the identity issuer.
    assert!(cfg.topology.above.len() < certcycle::k8s::MAX_CHAIN);
    let (horizon, workloads) = (
        cfg.horizon.min(time::Duration::days(7)),
        cfg.workloads.min(3),
    );
    let cfg = cfg.horizon(horizon).workloads(workloads);
    let rng = || rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let Ok(run) = simulate(&cfg, &mut rng()) else {
        return;
    };
    assert!(
        run.timeline.windows(2).all(|w| w[0].at <= w[1].at),
        "timeline out of order"
    );
    if let Some(b) = &run.first_break {
        assert!(b.at <= run.end, "a break after the horizon");
        assert!(b.causes.iter().all(|&i| i < run.timeline.len()));
    }
    let once = Report::new(&cfg, &mut rng()).map(|r| r.to_string());
    let again = Report::new(&cfg, &mut rng()).map(|r| r.to_string());
    assert_eq!(once.ok(), again.ok(), "the same plan gave two reports");
}

/// Reads the `i`-th little-endian i64 of `data` (zero past its end).
fn word(data: &[u8], i: usize) -> i64 {
    let mut b = [0u8; 8];
    for (k, x) in b.iter_mut().enumerate() {
        *x = data.get(i * 8 + k).copied().unwrap_or(0);
    }
    i64::from_le_bytes(b)
}

/// A steady and an anchor-staged cluster, built once: (anchor, previous, bundle, issuer).
fn rotation_fixture() -> &'static [(
    certcycle::Certificate,
    certcycle::Certificate,
    TrustBundle,
    certcycle::Certificate,
); 2] {
    use certcycle::{Ca, presets::linkerd};
    use rand_core::SeedableRng;
    static FIXTURE: std::sync::OnceLock<[(Certificate, Certificate, TrustBundle, Certificate); 2]> =
        std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let r = &mut rand_chacha::ChaCha20Rng::seed_from_u64(22);
        let t0 = time::macros::datetime!(2026-01-01 0:00 UTC);
        let old =
            Ca::self_signed(&linkerd::trust_anchor(), PrivateKey::generate(r), t0, r).unwrap();
        let new = Ca::self_signed(
            &linkerd::trust_anchor(),
            PrivateKey::generate(r),
            t0 + time::Duration::days(300),
            r,
        )
        .unwrap();
        let issuer = old
            .issue_ca(
                &linkerd::identity_issuer(),
                PrivateKey::generate(r),
                t0 + time::Duration::days(300),
                r,
            )
            .unwrap()
            .ca;
        let (o, n, i) = (
            old.certificate().clone(),
            new.certificate().clone(),
            issuer.certificate().clone(),
        );
        [
            (
                o.clone(),
                o.clone(),
                TrustBundle::from_anchors([old.trust_anchor()]),
                i.clone(),
            ),
            (
                n,
                o,
                TrustBundle::from_anchors([new.trust_anchor(), old.trust_anchor()]),
                i,
            ),
        ]
    })
}

/// Schedules from any durations never panic; an accepted one is proven, fits its anchor and
/// orders its windows; a refusal that names a restart cadence is right (that cadence gives a
/// schedule); `reconcile` on a steady and a staged cluster at any time never panics, answers
/// the same twice, and never names a next time before now when it has nothing to do now.
pub(crate) fn rotation_schedule(data: &[u8]) {
    use certcycle::rotation::{
        Lifetimes, Observed, Propagation, Schedule, ScheduleError, Window, reconcile,
    };
    use time::Duration;
    // Seconds, up to about 20 years either way, so every field reaches its edges.
    let secs = |i: usize| Duration::seconds(word(data, i) % (20 * 366 * 86_400));
    let (anchor, leaf, every, slack, cut) = (secs(0), secs(1), secs(2), secs(3), secs(4));
    let propagation = match word(data, 5).rem_euclid(3) {
        0 => Propagation::RestartEvery(every),
        1 => Propagation::Rollout(every),
        _ => Propagation::Never,
    };
    let lifetimes = Lifetimes::new(anchor, leaf);
    let schedule = match Schedule::new(lifetimes, propagation) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if let ScheduleError::NoPropagation {
                longest_cadence: Some(c),
                ..
            }
            | ScheduleError::AnchorTooShort {
                longest_cadence: Some(c),
                ..
            } = e
            {
                assert!(
                    Schedule::new(lifetimes, Propagation::RestartEvery(c)).is_ok(),
                    "{e}: the cadence it names is refused"
                );
            }
            return;
        }
    };
    assert!(schedule.is_proven());
    assert!(schedule.shortest_anchor() <= anchor);
    // The robust windows (issue 30) are never shorter than the floors, and fit the anchor
    // as the floors do; the tolerance is never negative.
    let robust = Schedule::robust(lifetimes, propagation).expect("the floors were accepted");
    assert!(robust.propagation() >= schedule.propagation());
    assert!(robust.drain() >= schedule.drain());
    assert!(robust.anchor_renew_before() >= schedule.anchor_renew_before());
    assert!(robust.anchor_renew_before() < anchor);
    let t = robust.tolerance();
    assert!(t.loop_down >= Duration::ZERO && t.cert_manager_down >= Duration::ZERO);
    assert!(t.restarts_late >= Duration::ZERO);
    assert!(schedule.propagation() > Duration::ZERO && schedule.drain() > Duration::ZERO);
    let _ = schedule.bounds();
    let schedule = match schedule.clone().with_slack(slack) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            schedule
        }
    };
    let expires = time::macros::datetime!(2030-01-01 0:00 UTC) + secs(6) / 4;
    if let Ok(w) = schedule.after(expires) {
        assert!(w.prepare <= w.activate && w.activate <= w.retire && w.retire <= w.expires);
    }
    if let Ok(all) = schedule.rotations(expires, expires + Duration::days(3660)) {
        assert!(all.len() <= 10_000);
    }
    let window =
        [Window::Propagation, Window::Drain, Window::Slack][word(data, 7).rem_euclid(3) as usize];
    let variant = schedule.clone().with_window(window, cut);
    let _ = (
        variant.anchor_renew_before(),
        variant.period(),
        variant.spire(),
    );
    let now = time::macros::datetime!(2026-01-01 0:00 UTC) + secs(8) / 8;
    for (a, p, b, i) in rotation_fixture() {
        for s in [&schedule, &variant] {
            let o = Observed::new(a, Some(p), b, i);
            let first = reconcile(&o, s, now);
            assert_eq!(first, reconcile(&o, s, now), "not idempotent");
            if let Ok(r) = first
                && r.action.is_none()
                && let Some(next) = r.next
            {
                assert!(
                    next.at >= now,
                    "nothing to do, next at {} before now",
                    next.at
                );
            }
        }
    }
}
