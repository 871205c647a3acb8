//! One work budget per verification (DESIGN §14, the shape of rustls-webpki's `Budget`).
//!
//! Every unit of work a verification does on input a peer controls is taken from one
//! [`Budget`] made at the start of the call and shared by every helper it calls: signature
//! checks (cache hits included: a cache saves CPU, not budget), path-building steps (each
//! candidate issuer considered), and name-constraint comparisons (each name against each
//! constraint, across every CA of every path tried). Each is decremented with `checked_sub`;
//! when one runs out the verification ends with [`VerifyError::BudgetExhausted`].

use super::{VerifyError, VerifyOptions};
use std::fmt;

/// Which kind of work ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BudgetKind {
    /// Signature verifications, including those answered from a [`super::SignatureCache`]
    /// ([`VerifyOptions::max_signature_checks`]).
    SignatureChecks,
    /// Candidate issuers considered while building paths
    /// ([`VerifyOptions::max_path_building_steps`]).
    PathBuildingSteps,
    /// Name-against-constraint comparisons ([`VerifyOptions::max_name_comparisons`]).
    NameConstraintComparisons,
}

impl fmt::Display for BudgetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SignatureChecks => "signature checks",
            Self::PathBuildingSteps => "path-building steps",
            Self::NameConstraintComparisons => "name-constraint comparisons",
        })
    }
}

/// What one verification may still spend.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    signatures: usize,
    steps: usize,
    comparisons: usize,
    limits: (usize, usize, usize),
}

impl Budget {
    pub(crate) fn new(options: &VerifyOptions) -> Self {
        let limits = (
            options.max_signature_checks,
            options.max_path_building_steps,
            options.max_name_comparisons,
        );
        Self {
            signatures: limits.0,
            steps: limits.1,
            comparisons: limits.2,
            limits,
        }
    }

    fn exhausted(kind: BudgetKind, limit: usize) -> VerifyError {
        VerifyError::BudgetExhausted { kind, limit }
    }

    /// Takes one signature check (or cache hit).
    pub(crate) fn signature(&mut self) -> Result<(), VerifyError> {
        self.signatures = self
            .signatures
            .checked_sub(1)
            .ok_or(Self::exhausted(BudgetKind::SignatureChecks, self.limits.0))?;
        Ok(())
    }

    /// Takes one path-building step (a candidate issuer considered).
    pub(crate) fn step(&mut self) -> Result<(), VerifyError> {
        self.steps = self.steps.checked_sub(1).ok_or(Self::exhausted(
            BudgetKind::PathBuildingSteps,
            self.limits.1,
        ))?;
        Ok(())
    }

    /// Takes `n` name-constraint comparisons.
    pub(crate) fn comparisons(&mut self, n: usize) -> Result<(), VerifyError> {
        self.comparisons = self.comparisons.checked_sub(n).ok_or(Self::exhausted(
            BudgetKind::NameConstraintComparisons,
            self.limits.2,
        ))?;
        Ok(())
    }
}
