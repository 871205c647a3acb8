//! Istio's root rotation ([`Procedure::IstioRoot`](crate::rotation::Procedure::IstioRoot)) as
//! the operator runs it in a plan, a leaf lifetime a step. No pod restarts: each agent takes
//! its roots from its next certificate response (`agent.rs`), and istio-csr reloads its root
//! file without a restart (`csr.rs`).
//!
//! The order is istio-csr's own CA-rotation test's (cert-manager/istio-csr
//! v0.17.0-16-gf96fca5 `test/carotation/`: a root file holding both roots, then istio-csr's
//! issuer switched to the second root's), with the two waits that test leaves out: the
//! signer moves only after every agent holds both roots, and the old root leaves the file
//! only after every certificate it signed has expired.

use super::super::event::{EventId, Who};
use super::super::{Engine, Error};
use crate::rotation::Step;
use rand_core::CryptoRngCore;

impl<R: CryptoRngCore> Engine<R> {
    /// One step of Istio's root rotation: what it left, for the checkpoint.
    pub(in crate::sim) fn istio_step(
        &mut self,
        step: Step,
        e: EventId,
    ) -> Result<&'static str, Error> {
        let names = &self.cfg.names;
        let signer_is_anchor = self.cfg.topology.signer_is_anchor;
        match step {
            Step::StageRoot => {
                let old = self.cm.anchor_ca()?.clone_ca();
                let what = if signer_is_anchor {
                    format!(
                        "copied the root Secret {} (with its key) into {} and pointed istio-csr's issuer (app.certmanager.issuer) at {}, the CA issuer on the copy: the old root signs until step 2",
                        names.anchor_secret, names.previous, names.previous_ca_issuer
                    )
                } else {
                    format!(
                        "copied the root Secret {} into {}; {} stays signed by the old root until step 2",
                        names.anchor_secret, names.previous, names.issuer
                    )
                };
                let copy = self.log(Who::Operator, what, vec![e]);
                if let Some(prev) = &mut self.tm.previous {
                    prev.certificate = old.certificate().clone();
                    prev.event = copy;
                }
                if signer_is_anchor {
                    self.cm.previous_signer = Some(old);
                    self.cm.signs_with_previous = true;
                }
                // A root file nobody syncs is written by hand: {new, old}.
                self.tm.staged_old = self.static_roots.clone();
                self.renew_anchor("Renewed (cmctl renew)")?;
                self.publish_by_operator(vec![self.cm.anchor_event, copy])?;
                self.restart_istiod_if_stale(e);
                self.restart_ztunnel_if_stale(e);
                Ok("the root file is written with the new root beside the old; the old one signs")
            }
            Step::SignWithNewRoot => {
                self.cm.signs_with_previous = false;
                let verb = if signer_is_anchor {
                    "Re-pointed (istio-csr's issuer back on the root's CA issuer)"
                } else {
                    "Renewed (cmctl renew)"
                };
                self.issue_issuer(vec![e, self.cm.anchor_event], verb)?;
                // istio-csr signs through cert-manager with whatever the CA holds now.
                self.wake_proxies();
                Ok("the new root signs")
            }
            Step::DropOldRoot => {
                self.tm.staged_old = None;
                if let Some(prev) = &mut self.tm.previous {
                    prev.event = e;
                    if let Some(a) = &self.cm.anchor {
                        prev.certificate = a.certificate().clone();
                    }
                }
                self.cm.previous_signer = None;
                self.publish_by_operator(vec![e])?;
                self.restart_istiod_if_stale(e);
                Ok("the root file holds the new root alone")
            }
            // Linkerd's steps are refused on an Istio plan before any work.
            _ => Ok("not one of Istio's steps"),
        }
    }

    /// Before Istio 1.31 istiod reads its root file only at start (`istiod.rs`): the step
    /// restarts it when the file changed under it.
    fn restart_istiod_if_stale(&mut self, e: EventId) {
        let reloads = match &self.cfg.mesh {
            super::super::Mesh::Istio(csr) => csr.istiod_reloads_root(),
            super::super::Mesh::Linkerd => true,
        };
        if reloads || self.istio.istiod_root == Some(self.tm.published()) {
            return;
        }
        let restart = self.log(
            Who::Operator,
            "restarted istiod (kubectl rollout restart deploy/istiod -n istio-system): before Istio 1.31 it reads its root file only at start".to_owned(),
            vec![e],
        );
        self.istiod_start(vec![restart]);
    }
}
