//! How much of a plan's timeline its text shows: every event, a summary that collapses runs of
//! routine identity issuer renewals into one line, or none.

use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::sim::PlanEvent;
use time::{Duration, OffsetDateTime};

/// How much of the timeline a [`Report`](super::Report)'s text shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TimelineView {
    /// Runs of routine identity issuer renewals (cert-manager renewing it at its time, the
    /// identity controller loading it) as one line each; every other event, and every event
    /// within a day before the first break, as it is.
    #[default]
    Summary,
    /// Every event.
    Full,
    /// No timeline: the verdict, causes and fixes only.
    None,
}

impl std::str::FromStr for TimelineView {
    type Err = String;

    /// `summary`, `full` or `none`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "summary" => Ok(Self::Summary),
            "full" => Ok(Self::Full),
            "none" => Ok(Self::None),
            other => Err(format!(
                "unknown timeline view '{other}' (summary, full or none)"
            )),
        }
    }
}

/// The timeline's lines under `view`: a run of routine events is collapsed when it holds at
/// least two renewals and ends more than a day before `first_break`.
pub fn timeline_lines(
    timeline: &[PlanEvent],
    first_break: Option<OffsetDateTime>,
    view: TimelineView,
) -> Vec<String> {
    match view {
        TimelineView::None => return Vec::new(),
        TimelineView::Full => return timeline.iter().map(ToString::to_string).collect(),
        TimelineView::Summary => {}
    }
    let cutoff = first_break.map(|b| b - Duration::DAY);
    let collapsible = |e: &PlanEvent| e.routine.is_some() && cutoff.is_none_or(|c| e.at < c);
    let mut out = Vec::new();
    let mut i = 0;
    while i < timeline.len() {
        let end = i + timeline[i..].iter().take_while(|e| collapsible(e)).count();
        let run = &timeline[i..end];
        let renewals: Vec<&PlanEvent> = run
            .iter()
            .filter(|e| e.routine.as_ref().is_some_and(|r| r.renewal))
            .collect();
        match (renewals.first(), renewals.last()) {
            (Some(first), Some(last)) if renewals.len() >= 2 => {
                out.push(summary(run, &renewals, first, last));
                i = end;
            }
            _ => {
                out.push(timeline[i].to_string());
                i += 1;
            }
        }
    }
    out
}

/// One line for a run of routine renewals.
fn summary(
    run: &[PlanEvent],
    renewals: &[&PlanEvent],
    first: &PlanEvent,
    last: &PlanEvent,
) -> String {
    let gaps: Vec<Duration> = renewals.windows(2).map(|w| w[1].at - w[0].at).collect();
    let every = match gaps.first() {
        Some(g) if gaps.iter().all(|x| x == g) => format!("every {}", GoDuration(*g)),
        _ => {
            let n = i32::try_from(gaps.len().max(1)).unwrap_or(i32::MAX);
            format!("about every {}", GoDuration((last.at - first.at) / n))
        }
    };
    let (object, from, to) = match (&first.routine, &last.routine) {
        (Some(a), Some(b)) => (a.object.as_str(), a.generation, b.generation),
        _ => ("", 0, 0),
    };
    let loaded = run.len() - renewals.len();
    format!(
        "{} .. {} cert-manager: {} routine renewals of Certificate {object}, {every} (#{from}..#{to}){}",
        rfc3339(first.at),
        rfc3339(run.last().map_or(last.at, |e| e.at)),
        renewals.len(),
        if loaded == renewals.len() {
            ", each loaded by the identity controller (IssuerUpdated)"
        } else {
            ""
        }
    )
}
