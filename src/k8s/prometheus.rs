//! `plan` and `check` in Prometheus's text exposition format (DESIGN §16), for
//! node_exporter's textfile collector or a Pushgateway: every metric with its `# HELP` and
//! `# TYPE` lines, label values escaped as the format says (`\\`, `\"`, `\n`), timestamps as
//! Unix seconds.

use super::plan::PlanReport;
use super::report::CheckReport;
use crate::lint::Severity;
use std::fmt::Write as _;
use time::OffsetDateTime;

/// One metric family being written: its HELP and TYPE lines once, then its samples.
struct Family<'a> {
    out: &'a mut String,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &str, kind: &str, help: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(out, "# TYPE {name} {kind}");
        Self { out }
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: i64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }
}

/// A label value as the format writes it: backslash, double quote and line feed escaped.
/// Other characters (control characters included) are valid UTF-8 in a label value and pass
/// as they are: they cannot end the value or the line.
fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text: backslash and line feed escaped.
fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn seconds(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// `Certificate cert-manager/linkerd-trust-anchor` or `Secret/linkerd/x` or `linkerd/x` as
/// (kind, namespace, name); a name without a namespace has an empty one.
fn split_object(object: &str) -> (&str, &str, &str) {
    let (kind, rest) = match object.split_once([' ', '/']) {
        Some((k, rest)) if k.chars().next().is_some_and(char::is_uppercase) => (k, rest),
        _ => ("", object),
    };
    match rest.split_once('/') {
        Some((ns, name)) => (kind, ns, name),
        None => (kind, "", rest),
    }
}

const EXPIRY: &str = "certcycle_certificate_expiry_timestamp_seconds";
const RENEWAL: &str = "certcycle_certificate_renewal_timestamp_seconds";
const PHASE: &str = "certcycle_rotation_phase";

impl PlanReport {
    /// The plan in Prometheus's text exposition format:
    ///
    /// - `certcycle_plan_start_timestamp_seconds`, `certcycle_plan_horizon_end_timestamp_seconds`;
    /// - `certcycle_first_break_timestamp_seconds` (absent when nothing breaks within the
    ///   horizon: alert on `certcycle_first_break_timestamp_seconds - time() < 14 * 86400`);
    /// - per CA of the chain (`role` `anchor`, `issuer`, or `ca` above the anchor), the
    ///   certificate valid at the start: `certcycle_certificate_expiry_timestamp_seconds` and,
    ///   when the plan renews it within the horizon,
    ///   `certcycle_certificate_renewal_timestamp_seconds`, labelled `kind`, `namespace`,
    ///   `name`, `role`;
    /// - `certcycle_plan_lints{severity}`.
    ///
    /// ```
    /// # #[cfg(feature = "k8s")] {
    /// use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
    /// use time::macros::datetime;
    /// let mut objects = Objects::default();
    /// objects.add("seed.yaml", include_str!("../../examples/data/seed.yaml"))?;
    /// let cluster = Cluster::resolve(objects, &ResolveOptions::default());
    /// let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC))?;
    /// let report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)?;
    /// let text = report.to_prometheus();
    /// assert!(text.contains("\ncertcycle_first_break_timestamp_seconds 1772532001\n"));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let plan = &self.report;
        let start = plan.start;
        let end = start.checked_add(plan.horizon).unwrap_or(start);
        Family::new(
            &mut out,
            "certcycle_plan_start_timestamp_seconds",
            "gauge",
            "When the plan starts.",
        )
        .sample(
            "certcycle_plan_start_timestamp_seconds",
            &[],
            seconds(start),
        );
        Family::new(
            &mut out,
            "certcycle_plan_horizon_end_timestamp_seconds",
            "gauge",
            "The end of the plan's horizon: no break before it when certcycle_first_break_timestamp_seconds is absent.",
        )
        .sample(
            "certcycle_plan_horizon_end_timestamp_seconds",
            &[],
            seconds(end),
        );
        if let Some(b) = &plan.run.first_break {
            Family::new(
                &mut out,
                "certcycle_first_break_timestamp_seconds",
                "gauge",
                "When mTLS first breaks in the plan (absent: no break within the horizon).",
            )
            .sample(
                "certcycle_first_break_timestamp_seconds",
                &[],
                seconds(b.at),
            );
        }
        let lanes = &plan.run.lanes;
        let mut expiries = Vec::new();
        let mut renewals = Vec::new();
        for (i, lane) in lanes.iter().enumerate() {
            let role = match lanes.len() - i {
                1 => "issuer",
                2 => "anchor",
                _ => "ca",
            };
            let current = lane
                .certificates
                .iter()
                .rposition(|c| c.written <= start)
                .or((!lane.certificates.is_empty()).then_some(0));
            let Some(k) = current else { continue };
            let (kind, namespace, name) = split_object(&lane.name);
            let labels = [kind, namespace, name, role];
            expiries.push((labels, seconds(lane.certificates[k].not_after)));
            if let Some(next) = lane.certificates.get(k + 1) {
                renewals.push((labels, seconds(next.written)));
            }
        }
        certificate_families(&mut out, &expiries, &renewals);
        lint_family(
            &mut out,
            "certcycle_plan_lints",
            self.lints.iter().map(|l| l.severity),
        );
        out
    }
}

fn certificate_families(
    out: &mut String,
    expiries: &[([&str; 4], i64)],
    renewals: &[([&str; 4], i64)],
) {
    const KEYS: [&str; 4] = ["kind", "namespace", "name", "role"];
    for (name, help, samples) in [
        (
            EXPIRY,
            "notAfter of each certificate (role anchor, issuer, previous-anchor, ca or other).",
            expiries,
        ),
        (
            RENEWAL,
            "When cert-manager renews each certificate (absent: nothing renews it).",
            renewals,
        ),
    ] {
        let mut f = Family::new(out, name, "gauge", help);
        for (values, v) in samples {
            let labels: Vec<(&str, &str)> = KEYS.into_iter().zip(values.iter().copied()).collect();
            f.sample(name, &labels, *v);
        }
    }
}

fn lint_family(out: &mut String, name: &str, severities: impl Iterator<Item = Severity>) {
    let (mut errors, mut warnings) = (0, 0);
    for s in severities {
        match s {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Ok => {}
        }
    }
    let mut f = Family::new(out, name, "gauge", "Findings by severity.");
    f.sample(name, &[("severity", "error")], errors);
    f.sample(name, &[("severity", "warning")], warnings);
}

impl CheckReport {
    /// The report in Prometheus's text exposition format:
    ///
    /// - `certcycle_check_timestamp_seconds` (the time it is about);
    /// - `certcycle_rotation_phase{phase}` 1 for the phase observed (`steady`,
    ///   `anchor-staged`, `issuer-resigned`, `broken:...`, or `unknown` when the inputs cannot
    ///   tell it);
    /// - per certificate among the inputs' Secrets,
    ///   `certcycle_certificate_expiry_timestamp_seconds` and (when a Certificate manages it)
    ///   `certcycle_certificate_renewal_timestamp_seconds`, labelled `kind`, `namespace`,
    ///   `name`, `role` (`anchor`, `previous-anchor`, `issuer` or `other`);
    /// - `certcycle_check_findings{severity}`.
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        Family::new(
            &mut out,
            "certcycle_check_timestamp_seconds",
            "gauge",
            "The time the check is about.",
        )
        .sample("certcycle_check_timestamp_seconds", &[], seconds(self.at));
        let phase = self
            .phase
            .map_or_else(|| "unknown".to_owned(), |p| p.to_string());
        Family::new(
            &mut out,
            PHASE,
            "gauge",
            "The anchor rotation phase observed (1); unknown when the inputs cannot tell it.",
        )
        .sample(PHASE, &[("phase", &phase)], 1);
        let mut expiries = Vec::new();
        let mut renewals = Vec::new();
        for c in &self.certificates {
            let (kind, namespace, name) = split_object(&c.object);
            let labels = [kind, namespace, name, c.role];
            expiries.push((labels, seconds(c.not_after)));
            if let Some(r) = self
                .renews
                .iter()
                .find(|r| r.object == c.object && r.managed)
            {
                renewals.push((labels, seconds(r.at)));
            }
        }
        certificate_families(&mut out, &expiries, &renewals);
        lint_family(
            &mut out,
            "certcycle_check_findings",
            self.checks.iter().map(|c| c.severity),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_split_into_kind_namespace_name() {
        assert_eq!(
            split_object("Certificate cert-manager/linkerd-trust-anchor"),
            ("Certificate", "cert-manager", "linkerd-trust-anchor")
        );
        assert_eq!(
            split_object("Secret/linkerd/linkerd-identity-issuer"),
            ("Secret", "linkerd", "linkerd-identity-issuer")
        );
        assert_eq!(split_object("linkerd/x"), ("", "linkerd", "x"));
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
