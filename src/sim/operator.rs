//! The operator: a planned anchor rotation's steps (five minutes apart) and the rolling
//! restarts they start (pod after pod, evenly over the five minutes to the next step, as
//! `kubectl rollout restart` replaces pods).

use super::event::{EventId, PodId};
use crate::error::Error;
use crate::rotation::{Procedure, Step};
use time::{Duration, OffsetDateTime};

/// A step of the planned procedure, due at `at`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlannedStep {
    pub(crate) at: OffsetDateTime,
    /// 1-based.
    pub(crate) number: usize,
    pub(crate) step: Step,
}

/// One pod of a rolling restart, due at `at`, started by step `step`'s event `cause`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PlannedRestart {
    pub(crate) at: OffsetDateTime,
    pub(crate) pod: PodId,
    pub(crate) cause: EventId,
    pub(crate) step: usize,
}

/// What the operator will do, latest first (the next is last).
#[derive(Debug, Default)]
pub(crate) struct Operator {
    steps: Vec<PlannedStep>,
    rollout: Vec<PlannedRestart>,
    /// The last step run (0: none).
    pub(crate) last_step: usize,
    /// Unattended rotation: when `reconcile` runs next.
    pub(crate) auto_due: Option<OffsetDateTime>,
    /// Unattended rotation: the actions taken, in order.
    pub(crate) actions: Vec<crate::rotation::Due>,
    /// Replacements of the identity issuer Secret by hand, latest first.
    replacements: Vec<OffsetDateTime>,
}

impl Operator {
    /// Plans `procedure` from `at`, `gap` a step ([`Procedure::gap`]), up to step
    /// `stop_after`, beside what is planned already.
    ///
    /// # Errors
    /// A time past year 9999.
    pub(crate) fn plan(
        &mut self,
        procedure: Procedure,
        at: OffsetDateTime,
        stop_after: Option<usize>,
        gap: Duration,
    ) -> Result<(), Error> {
        let mut t = at;
        let last = stop_after.unwrap_or(usize::MAX);
        for (i, &step) in procedure.steps().iter().enumerate().take(last) {
            self.steps.push(PlannedStep {
                at: t,
                number: i + 1,
                step,
            });
            t = Error::add_time(t, gap)?;
        }
        // Latest first: the next step is last.
        self.steps
            .sort_by_key(|s| std::cmp::Reverse((s.at, s.number)));
        Ok(())
    }

    /// Plans a replacement of the identity issuer Secret at `at`, beside the others.
    pub(crate) fn plan_replacement(&mut self, at: OffsetDateTime) {
        self.replacements.push(at);
        self.replacements.sort_by_key(|&t| std::cmp::Reverse(t));
    }

    /// When it next acts.
    pub(crate) fn next_due(&self) -> impl Iterator<Item = OffsetDateTime> {
        self.steps
            .last()
            .map(|s| s.at)
            .into_iter()
            .chain(self.rollout.last().map(|r| r.at))
            .chain(self.auto_due)
            .chain(self.replacements.last().copied())
    }

    /// The next replacement of the identity issuer, if due by `now`.
    pub(crate) fn pop_replacement(&mut self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        if self.replacements.last().is_some_and(|&t| t <= now) {
            self.replacements.pop()
        } else {
            None
        }
    }

    /// The next step, if due by `now`.
    pub(crate) fn pop_step(&mut self, now: OffsetDateTime) -> Option<PlannedStep> {
        if self.steps.last().is_some_and(|s| s.at <= now) {
            self.steps.pop()
        } else {
            None
        }
    }

    /// The next pod of a rolling restart, if due by `now`.
    pub(crate) fn pop_restart(&mut self, now: OffsetDateTime) -> Option<PlannedRestart> {
        if self.rollout.last().is_some_and(|r| r.at <= now) {
            self.rollout.pop()
        } else {
            None
        }
    }

    /// A rolling restart of `pods` from `now`: one after another, evenly over the 5 minutes to
    /// the next step.
    ///
    /// # Errors
    /// A time past year 9999.
    pub(crate) fn rolling_restart(
        &mut self,
        pods: &[PodId],
        cause: EventId,
        step: usize,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let n = i32::try_from(pods.len() + 1).unwrap_or(i32::MAX);
        for (k, &pod) in pods.iter().enumerate() {
            let k = i32::try_from(k).unwrap_or(i32::MAX);
            let at = Error::add_time(now, Duration::seconds(i64::from(300 * k / n)))?;
            self.rollout.push(PlannedRestart {
                at,
                pod,
                cause,
                step,
            });
        }
        self.rollout.sort_by(|a, b| b.cmp(a));
        Ok(())
    }
}
