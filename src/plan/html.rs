//! A plan as one self-contained HTML page (DESIGN §16): inline SVG and CSS, no script, no
//! fetch. A time axis over the horizon; a lane per CA with its certificates as bars (re-keys
//! marked); the trust roots' contents over time; the identity controller's and the operator's
//! events; the first break in red with its causes, each linked to its line below.

use super::{Report, horizon_text};
use crate::display::rfc3339;
use crate::sim::{PlanEvent, Who};
use std::fmt::Write as _;
use time::{Duration, OffsetDateTime};

const WIDTH: f64 = 1200.0;
const LABEL: f64 = 300.0;
const RIGHT: f64 = 20.0;
const LANE: f64 = 34.0;

/// Escapes text for HTML and SVG, control and bidi characters made visible (`\u{202e}`).
fn esc(s: &str) -> String {
    let s = crate::display::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Maps times to x over the horizon.
struct Axis {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

impl Axis {
    fn x(&self, t: OffsetDateTime) -> f64 {
        let t = t.clamp(self.start, self.end);
        let span = (self.end - self.start).as_seconds_f64().max(1.0);
        LABEL + (t - self.start).as_seconds_f64() / span * (WIDTH - LABEL - RIGHT)
    }
}

impl Report {
    /// The report as one self-contained HTML page titled `title`: the picture (inline SVG),
    /// then the report's text. No script and nothing fetched; text is selectable; the lanes
    /// differ in shape and lightness, not in hue alone, so they read in grayscale.
    pub fn to_html(&self, title: &str) -> String {
        self.html(title, &self.to_string())
    }

    /// The page with `text` as its report text (a cluster's report adds its `assume:` and
    /// `lint:` lines).
    pub(crate) fn html(&self, title: &str, text: &str) -> String {
        let run = &self.run;
        let axis = Axis {
            start: self.run_start,
            end: run.end,
        };
        let mut svg = String::new();
        let mut y = 40.0;
        let lane_label = |svg: &mut String, y: f64, text: &str, class: &str| {
            // Long names are cut to the label column; the whole name is the tooltip.
            let shown: String = if text.chars().count() > 44 {
                let mut cut: String = text.chars().take(43).collect();
                cut.push('…');
                cut
            } else {
                text.to_owned()
            };
            let _ = write!(
                svg,
                r#"<text class="lane {class}" x="8" y="{:.1}">{}<title>{}</title></text><line class="grid" x1="{LABEL}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
                y + LANE / 2.0 + 4.0,
                esc(&shown),
                esc(text),
                WIDTH - RIGHT,
                y + LANE,
                y + LANE
            );
        };
        // CA lanes.
        for lane in &run.lanes {
            lane_label(&mut svg, y, &lane.name, "ca");
            let _ = write!(
                svg,
                r#"<g class="ca-lane" data-lane="{}">"#,
                esc(&lane.name)
            );
            // Re-keys are marked where they are events (an anchor's); a lane that re-keys at
            // every renewal (an identity issuer on rotationPolicy Always) shows them by shade.
            let rekeys = lane.certificates.iter().filter(|c| c.new_key).count();
            let mark = rekeys <= 12;
            for (i, c) in lane.certificates.iter().enumerate() {
                let (x1, x2) = (axis.x(c.not_before), axis.x(c.not_after));
                let row = if i % 2 == 0 { 4.0 } else { LANE / 2.0 };
                let _ = write!(
                    svg,
                    r#"<rect class="cert{}" x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{} {}: {} .. {}{}</title></rect>"#,
                    if c.new_key { " rekey" } else { "" },
                    y + row,
                    (x2 - x1).max(1.0),
                    LANE / 2.0 - 6.0,
                    esc(&lane.name),
                    esc(&c.label),
                    rfc3339(c.not_before),
                    rfc3339(c.not_after),
                    if c.new_key { " (new key)" } else { "" }
                );
                if c.new_key && mark {
                    let x = axis.x(c.written);
                    let _ = write!(
                        svg,
                        r#"<path class="rekey-mark" d="M{x:.1},{:.1} l5,-8 l-10,0 z"><title>re-key at {}</title></path>"#,
                        y + 10.0,
                        rfc3339(c.written)
                    );
                }
            }
            svg.push_str("</g>");
            y += LANE;
        }
        // The trust roots.
        lane_label(&mut svg, y, "trust roots (published)", "roots");
        svg.push_str(r#"<g class="roots-lane">"#);
        for (i, span) in run.roots.iter().enumerate() {
            let to = run.roots.get(i + 1).map_or(run.end, |n| n.from);
            let (x1, x2) = (axis.x(span.from), axis.x(to));
            let n = span.anchors.len();
            let _ = write!(
                svg,
                r#"<rect class="roots n{}" x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>from {}: {}</title></rect>"#,
                n.min(3),
                y + 6.0,
                (x2 - x1).max(1.0),
                LANE - 12.0,
                rfc3339(span.from),
                esc(&span.anchors.join("; "))
            );
            if x2 - x1 > 60.0 {
                let _ = write!(
                    svg,
                    r#"<text class="in" x="{:.1}" y="{:.1}">{n} anchor{}</text>"#,
                    x1 + 4.0,
                    y + LANE / 2.0 + 4.0,
                    if n == 1 { "" } else { "s" }
                );
            }
        }
        svg.push_str("</g>");
        y += LANE;
        // The mesh's signer (Linkerd's identity controller, istio-csr) and the operator.
        let signer = if run.timeline.iter().any(|e| e.who == Who::IstioCsr) {
            (Who::IstioCsr, "istio-csr", "identity")
        } else {
            (Who::Identity, "identity controller", "identity")
        };
        for (who, name, class) in [
            signer,
            (Who::Operator, "operator (steps, restarts)", "operator"),
        ] {
            lane_label(&mut svg, y, name, class);
            let _ = write!(svg, r#"<g class="{class}-lane">"#);
            for e in run
                .timeline
                .iter()
                .filter(|e| e.who == who && e.routine.is_none())
            {
                let x = axis.x(e.at);
                let bad = ["Skipped", "CrashLoop", "fail", "expired"]
                    .iter()
                    .any(|w| e.what.contains(w));
                let _ = write!(
                    svg,
                    r#"<rect class="event{}" x="{:.1}" y="{:.1}" width="4" height="{:.1}"><title>{}</title></rect>"#,
                    if bad { " bad" } else { "" },
                    x - 2.0,
                    y + 6.0,
                    LANE - 12.0,
                    esc(&e.to_string())
                );
            }
            svg.push_str("</g>");
            y += LANE;
        }
        // Unattended rotation: each rotation's windows, the tolerance beside them.
        if let Some(schedule) = &self.rotation {
            y = rotation_lane(&mut svg, y, &axis, schedule, run, &lane_label);
        }
        // The causes, linked to their lines.
        let causes: Vec<&PlanEvent> = run.causes();
        if !causes.is_empty() {
            lane_label(&mut svg, y, "causes of the first break", "causes");
            for (i, c) in causes.iter().enumerate() {
                let x = axis.x(c.at);
                let _ = write!(
                    svg,
                    r##"<a href="#cause-{n}"><circle class="cause" cx="{x:.1}" cy="{:.1}" r="7"><title>{}</title></circle><text class="cause-n" x="{x:.1}" y="{:.1}">{n}</text></a>"##,
                    y + LANE / 2.0,
                    esc(&c.to_string()),
                    y + LANE / 2.0 + 3.5,
                    n = i + 1
                );
            }
            y += LANE;
        }
        // The smallest fix that held: its dated operations on a lane of their own, linked to
        // the Fixes section.
        let held: Vec<&super::Fix> = self.fixes.iter().filter(|f| f.held()).collect();
        if let Some(best) = held.first() {
            lane_label(&mut svg, y, "fix 1 (held): its operations", "fix");
            svg.push_str(r#"<g class="fix-lane">"#);
            let mut label = Vec::new();
            for op in &best.operations {
                match op {
                    super::Operation::Rotate { at, procedure } => {
                        let what = format!("the {procedure} rotation starts");
                        fix_marker(&mut svg, axis.x(*at), y, &what, *at);
                    }
                    super::Operation::ReplaceIssuer { at } => {
                        let what = "the identity issuer is replaced by hand";
                        fix_marker(&mut svg, axis.x(*at), y, what, *at);
                    }
                    super::Operation::RestartEvery(every) => label.push(format!(
                        "restart every {}",
                        crate::duration::GoDuration(*every)
                    )),
                    super::Operation::RotateAuto { restart_every, .. } => label.push(format!(
                        "unattended rotation, restarts every {}",
                        crate::duration::GoDuration(*restart_every)
                    )),
                }
            }
            if best.operations.is_empty() {
                label.push("field changes only".into());
            }
            if !label.is_empty() {
                let _ = write!(
                    svg,
                    r#"<text class="in" x="{:.1}" y="{:.1}">{}</text>"#,
                    LABEL + 4.0,
                    y + LANE / 2.0 + 4.0,
                    esc(&label.join("; "))
                );
            }
            svg.push_str("</g>");
            y += LANE;
        }
        let bottom = y;
        // The time axis.
        let mut axis_svg = String::new();
        // Days count from the present; a replay of a break that already happened starts the
        // axis before it (negative days).
        let before = (self.start - self.run_start).whole_days().max(0);
        let days = (run.end - self.start).whole_days().max(1);
        let step = [1, 7, 14, 30, 60, 90, 180, 365]
            .into_iter()
            .find(|s| (days + before) / s <= 14)
            .unwrap_or(365);
        let mut d = -(before - before % step);
        while d <= days {
            let t = self.start + Duration::days(d);
            let x = axis.x(t);
            let _ = write!(
                axis_svg,
                r#"<line class="tick" x1="{x:.1}" x2="{x:.1}" y1="28" y2="{bottom:.1}"/><text class="axis" x="{x:.1}" y="22">day {d}</text>"#
            );
            d += step;
        }
        // A replay of a break that already happened: the time before the present is shaded
        // and labelled, the present marked.
        if self.run_start < self.start {
            let (x0, x1) = (axis.x(self.run_start), axis.x(self.start));
            let _ = write!(
                axis_svg,
                r#"<rect class="past" x="{x0:.1}" y="28" width="{:.1}" height="{:.1}"><title>before the start: replayed to show a break that already happened</title></rect><line class="now" x1="{x1:.1}" x2="{x1:.1}" y1="28" y2="{bottom:.1}"/><text class="axis" x="{x1:.1}" y="10">start (now)</text>"#,
                (x1 - x0).max(1.0),
                bottom - 28.0
            );
        }
        // The first break.
        let mut brk = String::new();
        if let Some(b) = &run.first_break {
            let x = axis.x(b.at);
            let _ = write!(
                brk,
                r#"<g id="first-break"><line class="break" x1="{x:.1}" x2="{x:.1}" y1="28" y2="{bottom:.1}"/><text class="break-label" x="{:.1}" y="{:.1}">first break: {} ({})</text><title>{} -&gt; {}: {}</title></g>"#,
                (x - 6.0).max(LABEL),
                bottom + 18.0,
                esc(&self.break_day().unwrap_or_default()),
                rfc3339(b.at),
                esc(&b.client),
                esc(&b.server),
                esc(&b.error.to_string())
            );
        }
        let height = bottom + 30.0;
        let verdict = match &run.first_break {
            Some(b) => format!(
                "first break on {} ({}): {} -&gt; {}",
                esc(&self.break_day().unwrap_or_default()),
                rfc3339(b.at),
                esc(&b.client),
                esc(&b.server)
            ),
            None => format!("no break within {}", horizon_text(self.horizon)),
        };
        let mut cause_list = String::new();
        for (i, c) in causes.iter().enumerate() {
            let _ = write!(
                cause_list,
                r#"<li id="cause-{}">{}</li>"#,
                i + 1,
                esc(&c.to_string())
            );
        }
        // No empty sections: the causes only when something broke.
        let causes_section = if cause_list.is_empty() {
            String::new()
        } else {
            format!("<h2>Causes</h2><ol>{cause_list}</ol>\n")
        };
        // The fixes: those that held, the smallest first, each with what it changes and does;
        // when none held, why.
        let mut fix_list = String::new();
        for (i, f) in held.iter().enumerate() {
            let mut what: Vec<String> = f
                .fields
                .iter()
                .map(|c| format!("set {} of {} to {}", c.field, c.certificate, c.value))
                .collect();
            what.extend(f.operations.iter().map(|o| match o {
                super::Operation::Rotate { at, procedure } => {
                    format!("the {procedure} rotation, starting {}", rfc3339(*at))
                }
                super::Operation::ReplaceIssuer { at } => {
                    format!("replace the identity issuer by hand at {}", rfc3339(*at))
                }
                super::Operation::RestartEvery(e) => format!(
                    "restart every pod every {}",
                    crate::duration::GoDuration(*e)
                ),
                super::Operation::RotateAuto {
                    restart_every,
                    windows,
                } => format!(
                    "rotate unattended ({windows} windows), every pod restarting every {}",
                    crate::duration::GoDuration(*restart_every)
                ),
            }));
            let _ = write!(
                fix_list,
                r#"<li id="fix-{}"><b>{}</b><ul>{}</ul></li>"#,
                i + 1,
                esc(&f.change),
                what.iter()
                    .map(|w| format!("<li>{}</li>", esc(w)))
                    .collect::<String>()
            );
        }
        let fixes_section = if !fix_list.is_empty() {
            format!("<h2>Fixes that held (smallest first)</h2><ol>{fix_list}</ol>\n")
        } else if run.first_break.is_some() && !self.search.why_none.is_empty() {
            format!(
                "<h2>No fix held</h2><ul>{}</ul>\n",
                self.search
                    .why_none
                    .iter()
                    .map(|w| format!("<li>{}</li>", esc(w)))
                    .collect::<String>()
            )
        } else {
            String::new()
        };
        format!(
            r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body{{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#111;background:#fff}}
h1{{font-size:18px;margin:0 0 4px}} p.verdict{{margin:0 0 8px;font-weight:600}}
svg text{{font-size:12px;fill:#111}} text.lane{{font-size:11px;font-weight:600}} text.axis{{fill:#444;text-anchor:middle}}
line.grid{{stroke:#ddd}} line.tick{{stroke:#eee}} rect.past{{fill:#f2f2f2}} line.now{{stroke:#111;stroke-width:1.5}}
rect.cert{{fill:#b8b8b8;stroke:#555;stroke-width:.5}} rect.cert.rekey{{fill:#6d6d6d}}
path.rekey-mark{{fill:#000}}
rect.roots{{stroke:#333;stroke-width:.5}} rect.roots.n0{{fill:#fff}} rect.roots.n1{{fill:#d9d9d9}} rect.roots.n2{{fill:#a6a6a6}} rect.roots.n3{{fill:#7a7a7a}}
text.in{{fill:#000;font-size:11px}}
rect.event{{fill:#444}} rect.event.bad{{fill:#d35400;stroke:#000;stroke-width:1}}
circle.cause{{fill:#fff;stroke:#b00000;stroke-width:2}} text.cause-n{{font-size:9px;text-anchor:middle;fill:#b00000}}
rect.w-prop{{fill:#9ecae1}} rect.w-drain{{fill:#4292c6}} rect.w-slack{{fill:#deebf7;stroke:#4292c6;stroke-width:.5}} text.tolerance{{font-size:11px;fill:#08519c}}
path.fix-op{{fill:#1a7f37}}
line.break{{stroke:#c00000;stroke-width:3;stroke-dasharray:8 3}} text.break-label{{fill:#c00000;font-weight:700}}
pre{{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}} li{{margin:2px 0}}
</style></head><body>
<h1>{title}</h1>
<p class="verdict">{verdict}</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" role="img" aria-label="certificate timeline">
{axis_svg}{svg}{brk}
</svg>
{causes_section}{fixes_section}<h2>Report</h2><pre>{text}</pre>
</body></html>
"#,
            title = esc(title),
            // Line by line: the report's own line breaks stay line breaks in the <pre>.
            text = text.lines().map(esc).collect::<Vec<_>>().join("\n"),
        )
    }
}

/// The rotation lane: per rotation, prepare→activate (propagation), activate→retire (drain)
/// and retire→the old anchor's notAfter (slack, as scheduled), each with its times; then a
/// line with the schedule's tolerance. Returns the next lane's y.
fn rotation_lane(
    svg: &mut String,
    y: f64,
    axis: &Axis,
    schedule: &crate::rotation::Schedule,
    run: &super::Run,
    lane_label: &impl Fn(&mut String, f64, &str, &str),
) -> f64 {
    lane_label(svg, y, "rotation windows (auto)", "rotation");
    svg.push_str(r#"<g class="rotation-lane">"#);
    for (i, r) in super::rotations(run).iter().enumerate() {
        let activate = r.activate.unwrap_or(run.end);
        let retire = r.retire.unwrap_or(run.end);
        let expires = r
            .retire
            .and_then(|t| t.checked_add(schedule.slack()))
            .unwrap_or(run.end)
            .min(run.end);
        for (class, from, to, what) in [
            (
                "w-prop",
                r.prepare,
                activate,
                "propagation: prepare to activate",
            ),
            ("w-drain", activate, retire, "drain: activate to retire"),
            (
                "w-slack",
                retire,
                expires,
                "slack: retire to the old anchor's notAfter",
            ),
        ] {
            if to <= from {
                continue;
            }
            let (x1, x2) = (axis.x(from), axis.x(to));
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x1:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>rotation {}: {what}, {} .. {}</title></rect>"#,
                y + 6.0,
                (x2 - x1).max(2.0),
                LANE - 12.0,
                i + 1,
                rfc3339(from),
                rfc3339(to)
            );
        }
    }
    svg.push_str("</g>");
    let t = schedule.tolerance();
    let _ = write!(
        svg,
        r#"<text class="tolerance" x="{LABEL}" y="{:.1}">{} windows; tolerates the loop down {}, cert-manager down {}, restarts {} late</text>"#,
        y + LANE + 12.0,
        schedule.policy(),
        crate::duration::GoDuration(t.loop_down),
        crate::duration::GoDuration(t.cert_manager_down),
        crate::duration::GoDuration(t.restarts_late)
    );
    y + LANE + 18.0
}

/// A dated operation of the smallest fix on its lane at `x`: a marker linked to the Fixes
/// section, titled `fix 1: {what} {at}`.
fn fix_marker(svg: &mut String, x: f64, y: f64, what: &str, at: time::OffsetDateTime) {
    let _ = write!(
        svg,
        r##"<a href="#fix-1"><path class="fix-op" d="M{x:.1},{:.1} l6,8 l-12,0 z"><title>fix 1: {what} {}</title></path></a>"##,
        y + LANE / 2.0 - 4.0,
        rfc3339(at)
    );
}
