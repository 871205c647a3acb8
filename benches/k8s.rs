//! Reading cluster objects beside the limit.
//!
//! `cargo bench --bench k8s` — group `k8s`: `read_seed` (parse and resolve the seed document's
//! manifests, `examples/data/seed.yaml`), `check_1000` (a `kubectl get -o json` List of 1,000
//! Secrets, each with a certificate and a key, read, resolved and reported on: the `check`
//! example's work), and `serde_json_value` (the same JSON into a `serde_json::Value`: the
//! limit, with no YAML positions, base64, PEM or DER).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use certcycle::k8s::{CheckReport, Cluster, Objects, ResolveOptions};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use time::macros::datetime;

const SEED: &str = include_str!("../examples/data/seed.yaml");

fn secrets_list(n: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
    let pki = certcycle::testkit::hierarchy()
        .leaves(names.iter().map(String::as_str))
        .build()
        .unwrap();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let items: Vec<String> = pki
        .workloads
        .iter()
        .map(|w| {
            format!(
                "        {{\n            \"apiVersion\": \"v1\",\n            \"data\": {{\n                \"tls.crt\": \"{}\",\n                \"tls.key\": \"{}\"\n            }},\n            \"kind\": \"Secret\",\n            \"metadata\": {{\n                \"creationTimestamp\": \"2026-01-01T00:00:00Z\",\n                \"name\": \"{}\",\n                \"namespace\": \"default\",\n                \"resourceVersion\": \"1\",\n                \"uid\": \"00000000-0000-0000-0000-000000000000\"\n            }},\n            \"type\": \"kubernetes.io/tls\"\n        }}",
                b64(&w.certificate.to_pem()),
                b64(&w.key.secret_pkcs8_pem()),
                w.name
            )
        })
        .collect();
    format!(
        "{{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n{}\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {{\n        \"resourceVersion\": \"\"\n    }}\n}}\n",
        items.join(",\n")
    )
}

fn bench(c: &mut Criterion) {
    let at = datetime!(2026-01-01 01:00 UTC);
    let list = secrets_list(1000);
    let mut g = c.benchmark_group("k8s");
    g.sample_size(20);
    g.bench_function("read_seed", |b| {
        b.iter(|| {
            let o = Objects::read("seed.yaml", black_box(SEED)).unwrap();
            black_box(Cluster::resolve(o, &ResolveOptions::default()))
        })
    });
    g.bench_function("check_1000", |b| {
        b.iter(|| {
            let o = Objects::read("list.json", black_box(&list)).unwrap();
            let cluster = Cluster::resolve(o, &ResolveOptions::default());
            black_box(CheckReport::new(&cluster, at))
        })
    });
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(&list)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
