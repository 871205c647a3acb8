//! Unattended rotation in the engine (DESIGN §17): the loop an operator would run, calling
//! [`reconcile`](crate::rotation::reconcile) when it said to and taking its actions the way
//! the manifests do (cert-manager re-keys the anchor; the issuerRef switch and the
//! previous-anchor copy are dated writes).

use super::*;
use crate::rotation::{Action, Due, Observed, reconcile};

/// The most actions one call to `reconcile` may chain at one moment (a repair, then what
/// the repaired state is due).
const MAX_ACTIONS_AT_ONCE: usize = 4;

impl<R: CryptoRngCore> Engine<R> {
    /// At install, in unattended rotation's shape: the previous-anchor Secret a CA issuer signs
    /// with (today's, with its key, or the anchor copied at install).
    pub(super) fn adopt_previous_signer(&mut self) {
        if !self.cfg.topology.issuer_via_previous {
            return;
        }
        let given = self
            .cfg
            .secrets
            .as_ref()
            .and_then(|s| s.previous_ca.as_ref());
        self.cm.previous_signer = match given {
            Some(p) => Some(p.clone_ca()),
            None => self
                .tm
                .previous
                .as_ref()
                .zip(self.cm.anchor.as_ref())
                .filter(|(p, a)| p.certificate == *a.certificate())
                .map(|(_, a)| a.clone_ca()),
        };
    }

    /// At install, in unattended rotation's shape: the issuerRef names the previous-anchor CA
    /// issuer unless the identity issuer is already under a newer anchor; the loop (if any)
    /// runs at once.
    pub(super) fn auto_install(&mut self) {
        if !self.cfg.topology.issuer_via_previous {
            return;
        }
        let anchor = self.cm.anchor.as_ref().map(|a| a.certificate());
        let previous = self.tm.previous.as_ref().map(|p| &p.certificate);
        let issuer = self.cm.issuer().ca.certificate();
        let resigned =
            anchor.is_some_and(|a| previous.is_some_and(|p| p != a) && issuer.is_issued_by(a));
        self.cm.signs_with_previous = !resigned;
        if self.cfg.auto.is_some() {
            self.operator.auto_due = Some(self.now);
        }
    }

    /// The rotation loop, when due: reconcile, take the action, and note when to call again.
    pub(super) fn auto_reconcile(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        let Some(schedule) = &cfg.auto else {
            return Ok(());
        };
        if self.operator.auto_due.is_none_or(|t| t > self.now) {
            return Ok(());
        }
        if let Some(back) = cfg.faults.loop_back(self.now) {
            // The loop is down (an injected fault): it runs again when it is back.
            self.operator.auto_due = Some(back);
            return Ok(());
        }
        for _ in 0..MAX_ACTIONS_AT_ONCE {
            let decided = {
                let anchor = self.cm.anchor_ca()?.certificate();
                let issuer = self.cm.issuer().ca.certificate();
                let previous = self.tm.previous.as_ref().map(|p| &p.certificate);
                let bundle = self.tm.published_bundle();
                let observed = Observed::new(anchor, previous, bundle, issuer)
                    .with_bundle_since(self.tm.published_at());
                reconcile(&observed, schedule, self.now)
                    .map_err(|_| Error::Sim(SimError::ScheduleOverflow { at: self.now }))?
            };
            self.operator.auto_due = decided.next.map(|d| d.at.max(self.now));
            let Some(action) = decided.action else {
                return Ok(());
            };
            let cm_back = cfg.faults.cert_manager_back(self.now);
            if let (Action::Prepare, Some(back)) = (action, cm_back) {
                // `kubectl cert-manager renew` needs cert-manager: again when it is back.
                self.operator.auto_due = Some(back);
                return Ok(());
            }
            self.operator.actions.push(Due {
                at: self.now,
                action,
            });
            if !self.auto_action(action)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Takes one action; `false` when nothing it can do changes the state.
    fn auto_action(&mut self, action: Action) -> Result<bool, Error> {
        let names = &self.cfg.names;
        let what = match action {
            Action::Prepare => {
                "prepare: re-key the anchor Certificate now (kubectl cert-manager renew)".to_owned()
            }
            Action::Activate => format!(
                "activate: switched Certificate {}'s issuerRef to the anchor's CA issuer",
                names.issuer
            ),
            Action::Retire => format!(
                "retire: copied the anchor Secret into {} and switched Certificate {}'s issuerRef back to its CA issuer",
                names.previous, names.issuer
            ),
            Action::ReissueIssuer => format!("repair: re-issue Certificate {}", names.issuer),
            Action::SyncBundle => format!("repair: sync Bundle {} from its sources", names.bundle),
            _ => "replace: the anchor expired; nothing recovers it without a break".to_owned(),
        };
        let e = self.log(Who::Operator, format!("reconcile: {what}"), vec![]);
        match action {
            Action::Prepare => {
                self.renew_anchor("Renewed (reconcile: prepare)")?;
                self.auto_publish(e)?;
            }
            Action::Activate => {
                self.cm.signs_with_previous = false;
                if self.cert_manager_waits() {
                    return Ok(false);
                }
                self.issue_issuer(
                    vec![e, self.cm.anchor_event],
                    "Re-issued (issuerRef changed)",
                )?;
                self.identity_sees_issuer();
            }
            Action::Retire => {
                let anchor = self.cm.anchor_ca()?;
                let copy = anchor.clone_ca();
                if let Some(prev) = &mut self.tm.previous {
                    prev.certificate = anchor.certificate().clone();
                    prev.event = e;
                }
                self.cm.previous_signer = Some(copy);
                self.auto_publish(e)?;
                self.cm.signs_with_previous = true;
                if !self.cert_manager_waits() {
                    self.issue_issuer(vec![e], "Re-issued (issuerRef changed back)")?;
                    self.identity_sees_issuer();
                }
            }
            Action::ReissueIssuer => {
                if self.cert_manager_waits() {
                    return Ok(false);
                }
                self.issue_issuer(vec![e], "Re-issued (kubectl cert-manager renew)")?;
                self.identity_sees_issuer();
            }
            Action::SyncBundle => self.auto_publish(e)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Whether cert-manager is down now (an injected fault): what the loop asked of it waits
    /// until it is back.
    fn cert_manager_waits(&mut self) -> bool {
        let down = self.cfg.faults.cert_manager_back(self.now).is_some();
        self.cm.pending_reissue |= down;
        down
    }

    /// The loop makes the trust roots what the anchor and previous-anchor Secrets give:
    /// trust-manager does it for a Bundle; for static roots the loop writes the ConfigMap (or
    /// runs `helm upgrade`, whose `linkerd.io/trust-root-sha256` roll-out restarts the control
    /// plane).
    fn auto_publish(&mut self, e: EventId) -> Result<(), Error> {
        let before = self.tm.published();
        self.publish_by_operator(vec![e])?;
        let control = self.proxies.plane(true);
        self.helm_rollout(e, 0, &control, before)?;
        Ok(())
    }
}
