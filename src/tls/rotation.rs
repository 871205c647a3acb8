//! SPIRE's discipline for a Rust service's own trust (DESIGN §17): prepare (publish the new
//! anchor beside the old), activate (sign new identities under it), taint (re-issue
//! everything under the old one now) and revoke (drop the old anchor), paced by the same
//! [`Schedule`] a Linkerd mesh uses. A process holding a [`TrustStore`] reloads nothing: the
//! propagation window is the time other processes of the fleet take to prepare too.

use super::{IdentityStore, TrustStore};
use crate::anchor::TrustAnchor;
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::rotation::Schedule;
use crate::verify::{Usage, VerifyOptions, verify};
use std::fmt;
use time::{Duration, OffsetDateTime};

/// A live anchor rotation in progress, as the store records it.
#[derive(Debug, Clone)]
pub(super) struct Live {
    /// The anchors the store held before the prepare.
    old: Vec<TrustAnchor>,
    new: TrustAnchor,
    prepared_at: OffsetDateTime,
    activated_at: Option<OffsetDateTime>,
    tainted: bool,
}

/// Where a live rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LivePhase {
    /// No rotation in progress.
    Steady,
    /// The new anchor is published; nothing signs with it yet.
    Prepared,
    /// New identities are signed under the new anchor; the old one is still trusted.
    Active,
    /// The old anchor is tainted: everything under it is to be re-issued now.
    Tainted,
}

impl fmt::Display for LivePhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Steady => "steady",
            Self::Prepared => "prepared",
            Self::Active => "active",
            Self::Tainted => "tainted",
        })
    }
}

/// Why a live rotation step was refused. Nothing changed in the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiveRotationError {
    /// The step needs another phase first.
    #[error("{step} needs the rotation to be {needs}; it is {is}")]
    WrongPhase {
        /// The step asked for.
        step: &'static str,
        /// The phase it needs.
        needs: &'static str,
        /// The phase it is in.
        is: LivePhase,
    },
    /// The new anchor is already trusted.
    #[error("the new anchor {0} is already in the bundle")]
    AlreadyTrusted(String),
    /// Activating before the propagation window passed: peers that have not prepared yet would
    /// refuse identities under the new anchor.
    #[error(
        "activating {} after the prepare is early: the schedule's propagation window is {} ({} to go)",
        crate::duration::GoDuration(*.elapsed), crate::duration::GoDuration(*.window), crate::duration::GoDuration(*.window - *.elapsed)
    )]
    NotPropagated {
        /// Since the prepare.
        elapsed: Duration,
        /// The window.
        window: Duration,
    },
    /// Revoking before the drain window passed, without a taint: identities issued under the
    /// old anchor just before the activate may still be presented.
    #[error(
        "revoking {} after the activate is early: the schedule's drain window is {} (taint the old anchor to re-issue at once)",
        crate::duration::GoDuration(*.elapsed), crate::duration::GoDuration(*.window)
    )]
    NotDrained {
        /// Since the activate.
        elapsed: Duration,
        /// The window.
        window: Duration,
    },
    /// The new anchor is no longer in the store's bundle (a [`TrustStore::replace`] dropped
    /// it): activating or revoking now would leave peers without an anchor they verify.
    /// Prepare again, or replace the bundle with one that holds it.
    #[error("the new anchor {0} is no longer in the bundle (a replace dropped it)")]
    NewAnchorNotTrusted(String),
    /// Identities that still chain only to the old anchor.
    #[error("still under the old anchor: {}", .identities.join(", "))]
    OldAnchorStillNeeded {
        /// Their leaves' subjects.
        identities: Vec<String>,
    },
}

impl TrustStore {
    fn live(&self) -> std::sync::MutexGuard<'_, Option<Live>> {
        self.rotation
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where the live rotation stands.
    pub fn live_phase(&self) -> LivePhase {
        phase_of(&self.live())
    }

    /// Prepare: publishes the bundle with `new` beside the current anchors; nothing signs
    /// with it yet. Returns the generation.
    ///
    /// # Errors
    /// [`LiveRotationError::WrongPhase`] during a rotation; [`LiveRotationError::AlreadyTrusted`].
    pub fn prepare(&self, new: TrustAnchor, now: OffsetDateTime) -> Result<u64, LiveRotationError> {
        let mut live = self.live();
        if live.is_some() {
            return Err(wrong("prepare", "steady", &live));
        }
        // Read and publish under the writer lock (TrustStore::update): a concurrent replace
        // is either seen here or comes after, never lost.
        self.update(|current| {
            if current.contains(new.certificate()) {
                return Err(LiveRotationError::AlreadyTrusted(
                    new.certificate().subject().to_string(),
                ));
            }
            let old: Vec<TrustAnchor> = current
                .certificates()
                .map(|c| TrustAnchor::new_unchecked(c.clone()))
                .collect();
            let bundle = TrustBundle::from_anchors(old.iter().cloned().chain([new.clone()]));
            *live = Some(Live {
                old,
                new: new.clone(),
                prepared_at: now,
                activated_at: None,
                tainted: false,
            });
            Ok(bundle)
        })
    }

    /// Activate: from now on the caller signs identities under the new anchor (and swaps its
    /// own [`IdentityStore`] to one). Refused until the schedule's propagation window has
    /// passed since the prepare, so that every peer trusts the new anchor first.
    ///
    /// # Errors
    /// [`LiveRotationError::WrongPhase`], [`LiveRotationError::NotPropagated`],
    /// [`LiveRotationError::NewAnchorNotTrusted`].
    pub fn activate(
        &self,
        schedule: &Schedule,
        now: OffsetDateTime,
    ) -> Result<(), LiveRotationError> {
        let mut live = self.live();
        let Some(l) = live.as_mut().filter(|l| l.activated_at.is_none()) else {
            return Err(wrong("activate", "prepared", &live));
        };
        // Signing under an anchor the store no longer trusts (a replace dropped it) would
        // break every peer that follows this store.
        if !self.current().bundle().contains(l.new.certificate()) {
            return Err(LiveRotationError::NewAnchorNotTrusted(
                l.new.certificate().subject().to_string(),
            ));
        }
        let elapsed = now - l.prepared_at;
        if elapsed < schedule.propagation() {
            return Err(LiveRotationError::NotPropagated {
                elapsed,
                window: schedule.propagation(),
            });
        }
        l.activated_at = Some(now);
        Ok(())
    }

    /// The anchor new identities are to be signed under while a rotation is active.
    pub fn signing_anchor(&self) -> Option<Certificate> {
        self.live()
            .as_ref()
            .filter(|l| l.activated_at.is_some())
            .map(|l| l.new.certificate().clone())
    }

    /// Taint: everything under the old anchor is to be re-issued now, not at its refresh;
    /// [`TrustStore::revoke`] then waits for the identities, not the drain window.
    ///
    /// # Errors
    /// [`LiveRotationError::WrongPhase`] unless active.
    pub fn taint(&self) -> Result<(), LiveRotationError> {
        let mut live = self.live();
        let Some(l) = live.as_mut().filter(|l| l.activated_at.is_some()) else {
            return Err(wrong("taint", "active", &live));
        };
        l.tainted = true;
        Ok(())
    }

    /// Whether `identity`'s leaf chains to the new anchor alone (after a taint, each that
    /// does not must be re-issued).
    pub fn under_new_anchor(&self, identity: &IdentityStore, now: OffsetDateTime) -> bool {
        let live = self.live();
        live.as_ref()
            .is_none_or(|l| chains_to(identity, &TrustBundle::from_anchors([l.new.clone()]), now))
    }

    /// Revoke: publishes the bundle without the old anchors. Refused before the drain window
    /// since the activate (unless tainted), and while any of `identities` still chains only
    /// to an old anchor. Returns the generation.
    ///
    /// # Errors
    /// [`LiveRotationError::WrongPhase`], [`LiveRotationError::NotDrained`],
    /// [`LiveRotationError::OldAnchorStillNeeded`], [`LiveRotationError::NewAnchorNotTrusted`].
    pub fn revoke(
        &self,
        schedule: &Schedule,
        now: OffsetDateTime,
        identities: &[&IdentityStore],
    ) -> Result<u64, LiveRotationError> {
        let mut live = self.live();
        let Some(l) = live.as_ref() else {
            return Err(wrong("revoke", "active or tainted", &live));
        };
        let Some(activated) = l.activated_at else {
            return Err(wrong("revoke", "active or tainted", &live));
        };
        let elapsed = now - activated;
        if !l.tainted && elapsed < schedule.drain() {
            return Err(LiveRotationError::NotDrained {
                elapsed,
                window: schedule.drain(),
            });
        }
        let only_new = TrustBundle::from_anchors([l.new.clone()]);
        let offenders: Vec<String> = identities
            .iter()
            .filter(|i| !chains_to(i, &only_new, now))
            .map(|i| leaf_subject(i))
            .collect();
        if !offenders.is_empty() {
            return Err(LiveRotationError::OldAnchorStillNeeded {
                identities: offenders,
            });
        }
        let old = l.old.clone();
        let new = l.new.clone();
        let generation = self.update(|current| {
            // The published bundle holds the new anchor, or nothing is published: a replace
            // that dropped it leaves revoke nothing safe to publish.
            if !current.contains(new.certificate()) {
                return Err(LiveRotationError::NewAnchorNotTrusted(
                    new.certificate().subject().to_string(),
                ));
            }
            let kept: Vec<TrustAnchor> = current
                .certificates()
                .filter(|c| !old.iter().any(|o| o.certificate() == *c))
                .map(|c| TrustAnchor::new_unchecked(c.clone()))
                .collect();
            Ok(TrustBundle::from_anchors(kept))
        })?;
        *live = None;
        Ok(generation)
    }
}

fn phase_of(live: &Option<Live>) -> LivePhase {
    match live {
        None => LivePhase::Steady,
        Some(l) if l.tainted => LivePhase::Tainted,
        Some(l) if l.activated_at.is_some() => LivePhase::Active,
        Some(_) => LivePhase::Prepared,
    }
}

fn wrong(step: &'static str, needs: &'static str, live: &Option<Live>) -> LiveRotationError {
    LiveRotationError::WrongPhase {
        step,
        needs,
        is: phase_of(live),
    }
}

/// The identity's leaf and chain, as certificates.
fn parts(identity: &IdentityStore) -> Option<(Certificate, Vec<Certificate>)> {
    let key = identity.current.load();
    let mut certs = key
        .cert
        .iter()
        .map(|d| Certificate::from_der(d.as_ref().to_vec()).ok());
    let leaf = certs.next()??;
    let chain: Option<Vec<Certificate>> = certs.collect();
    Some((leaf, chain?))
}

fn chains_to(identity: &IdentityStore, bundle: &TrustBundle, now: OffsetDateTime) -> bool {
    parts(identity).is_some_and(|(leaf, chain)| {
        verify(
            &leaf,
            &chain,
            bundle,
            now,
            &VerifyOptions::for_usage(Usage::ClientAuth).with_anchor_validity(false),
        )
        .is_ok()
    })
}

fn leaf_subject(identity: &IdentityStore) -> String {
    parts(identity).map_or_else(
        || "an unreadable identity".to_owned(),
        |(l, _)| l.subject().to_string(),
    )
}
