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
    // The smallest fix that held (issue 31): its rotation's start on a lane of its own,
    // linked to the Fixes section, which lists what it changes and does.
    assert!(html.contains(r#"<g class="fix-lane">"#), "no fix lane");
    assert!(
        html.contains("<title>fix 1: the seven-step rotation starts 2026-10-25T02:01:00Z</title>")
    );
    assert!(html.contains("<h2>Fixes that held (smallest first)</h2>"));
    assert!(html.contains(
        r#"<li id="fix-1"><b>renewBefore: 1440h0m0s on cert-manager/linkerd-trust-anchor"#
    ));
    assert!(html.contains(
        "<li>set spec.renewBefore of cert-manager/linkerd-trust-anchor to 1440h0m0s</li>"
    ));
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
    assert!(
        dom.contains(r#"class="fix-op""#),
        "the fix's rotation is drawn"
    );
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

/// `plan --rotation auto --format html` (issue 30): each rotation's prepare / activate /
/// retire windows on a lane of their own with the tolerance beside them, rendered by
/// Chromium; no "Causes" heading when nothing broke; the report text keeps its lines.
#[test]
fn the_auto_rotation_picture_draws_the_windows_and_the_tolerance() {
    use certcycle::rotation::{Propagation, Schedule};
    let objects = Objects::read(
        "examples/data/seed.yaml",
        include_str!("../examples/data/seed.yaml"),
    )
    .unwrap();
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster
        .plan_config(datetime!(2026-01-01 0:00 UTC))
        .unwrap()
        .restart_every(Some(time::Duration::DAY))
        .horizon(time::Duration::days(800));
    let schedule = Schedule::robust(
        cfg.auto_lifetimes(),
        Propagation::RestartEvery(time::Duration::DAY),
    )
    .unwrap();
    let cfg = cfg.auto_rotation(schedule);
    let html = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)
        .unwrap()
        .to_html("certcycle plan: auto");
    assert!(!html.contains("<h2>Causes"), "an empty Causes section");
    assert!(html.contains(r#"class="rotation-lane""#));
    assert!(html.contains("rotation 2: drain: activate to retire, 2027-11-04T00:10:00Z"));
    assert!(html.contains(
        "robust windows; tolerates the loop down 671h45m0s, cert-manager down 24h55m0s, restarts 24h5m0s late"
    ));
    assert!(
        !html.contains(r"\u{a}"),
        "the report text lost its line breaks"
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("auto.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());
    let dom = chromium(&["--dump-dom", &url], &dir.path().join("p1"));
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches(r#"class="w-prop""#).count(), 2, "{dom}");
    assert_eq!(dom.matches(r#"class="w-drain""#).count(), 2);
    assert!(dom.contains(r#"class="tolerance""#));
}

/// An Istio plan's picture (issue 35): the root's lane (the CA Issuer signs with it, so no
/// issuer lane of its own), istio-csr's lane where Linkerd's has the identity controller, the
/// refusal marked, the break, and the report's `mesh:` line, as Chromium parses the page.
#[test]
fn headless_chromium_renders_an_istio_plans_picture() {
    let mut objects = Objects::default();
    for f in ["install-guide.yaml", "istio-csr-values.yaml"] {
        let path = format!("tests/data/istio/{f}");
        objects
            .add(&path, &std::fs::read_to_string(&path).unwrap())
            .unwrap();
    }
    let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC)).unwrap();
    let html = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)
        .unwrap()
        .to_html("certcycle plan: istio-csr's install guide");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("istio.html");
    std::fs::write(&page, &html).unwrap();
    let url = format!("file://{}", page.display());
    let dom = chromium(&["--dump-dom", &url], &dir.path().join("p1"));
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches(r#"class="ca-lane""#).count(), 1, "{dom}");
    assert!(dom.contains(r#"data-lane="Certificate istio-system/istio-ca""#));
    assert!(dom.contains(">istio-csr<"), "istio-csr's lane");
    assert!(!dom.contains(">identity controller<"));
    assert!(dom.contains("istio-csr: failed to sign certificate request"));
    assert!(dom.contains(r#"id="first-break""#));
    assert!(dom.contains("mesh: Istio with cert-manager's istio-csr, recognised from"));
}
