//! plan's picture (`--format html`, DESIGN §16) in a real browser: headless Chromium renders
//! the seed's report to PNG, and the page has the lanes and the break marker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
use std::process::Command;
use time::macros::datetime;

fn seed_html() -> String {
    let objects = Objects::read(
        "examples/data/seed.yaml",
        include_str!("../examples/data/seed.yaml"),
    )
    .unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC)).unwrap();
    PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)
        .unwrap()
        .to_html("certcycle plan: the seed")
}

/// Headless Chromium as the machine's probe runs it (no network, a fresh profile).
fn chromium(args: &[&str], profile: &std::path::Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(args)
        .output()
        .expect("chromium must be installed (.ci/run installs Debian's chromium)")
}

#[test]
fn the_seeds_picture_is_self_contained_and_small() {
    let html = seed_html();
    assert!(html.len() < 200 * 1024, "{} bytes", html.len());
    // No script, nothing fetched.
    for banned in ["<script", "src=", "@import", "url(", "<link"] {
        assert!(!html.contains(banned), "{banned}");
    }
    // A lane per CA, the trust roots, and the break with its causes linked.
    assert!(html.contains(r#"data-lane="Certificate cert-manager/linkerd-trust-anchor""#));
    assert!(html.contains(r#"data-lane="Certificate linkerd/linkerd-identity-issuer""#));
    assert!(html.contains(r#"class="roots-lane""#));
    assert!(html.contains(r#"id="first-break""#));
    assert!(html.contains(r##"<a href="#cause-1">"##) && html.contains(r#"<li id="cause-1">"#));
    // The anchor's day-60 re-key is marked.
    assert!(html.contains("re-key at 2026-03-02T00:00:00Z"));
}

#[test]
fn headless_chromium_renders_the_seeds_picture() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("seed.html");
    std::fs::write(&page, seed_html()).unwrap();
    let url = format!("file://{}", page.display());
    // The browser's own DOM: it parsed the SVG and its lanes.
    let dom = chromium(&["--dump-dom", &url], &dir.path().join("p1"));
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg"), "{dom}");
    assert_eq!(dom.matches(r#"class="ca-lane""#).count(), 2);
    assert!(dom.contains(r#"id="first-break""#));
    // The picture itself: not blank, and the red break line is drawn.
    let png_path = dir.path().join("seed.png");
    let shot = chromium(
        &[
            "--window-size=1240,420",
            &format!("--screenshot={}", png_path.display()),
            &url,
        ],
        &dir.path().join("p2"),
    );
    assert!(
        png_path.exists(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let ink = pixels
        .iter()
        .filter(|p| p[..3].iter().any(|&c| c < 200))
        .count();
    let red = pixels
        .iter()
        .filter(|p| p[0] > 150 && p[1] < 60 && p[2] < 60)
        .count();
    assert!(
        ink * 100 > pixels.len() * 3,
        "{ink} of {} pixels drawn: blank?",
        pixels.len()
    );
    assert!(red > 100, "{red} red pixels: no break marker?");
}
