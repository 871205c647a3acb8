//! A proxy's CSR (DESIGN §11): a leaf from the identity controller when it can sign and the
//! proxy's startup anchors verify it (linkerd2-proxy checks its own new leaf), a refusal that
//! keeps the old leaf, or a wait for the controller's state to change.

use super::event::{self, EventId, PodId, Who};
use super::{Engine, Error, Observer, SimError};
use crate::presets::linkerd;
use crate::renewal::linkerd_proxy_refresh_in;
use crate::verify::VerifyError;
use rand_core::CryptoRngCore;
use time::Duration;

impl<R: CryptoRngCore> Engine<R> {
    /// One proxy's CSR: a leaf from the identity controller, or a wait until its state
    /// changes.
    pub(super) fn csr(&mut self, i: PodId) -> Result<(), Error> {
        if self.is_istio() {
            return self.istio_csr(i);
        }
        let now = self.now;
        let outcome = match self.identity.signing() {
            Some((anchors, generation)) => match self.controller_verifies(generation, anchors) {
                Ok(()) => Ok(generation),
                Err(e) => Err(Some(e)),
            },
            None => Err(None),
        };
        let outcome = match outcome {
            // A proxy with a leaf checks the new one against the anchors it loaded at start.
            Ok(generation)
                if self
                    .proxies
                    .get(i)
                    .generation
                    .is_some_and(|g| g != generation) =>
            {
                let bundle = self.proxies.get(i).bundle;
                match self.proxy_accepts(generation, bundle, i)? {
                    Ok(()) => Ok(generation),
                    Err(e) => {
                        self.leaf_refused(i, generation, e)?;
                        self.reclass(i);
                        return Ok(());
                    }
                }
            }
            other => other,
        };
        match outcome {
            Ok(generation) => {
                let issuer = self.cm.generation(generation).ca.certificate();
                let mut validity = (
                    now - linkerd::WORKLOAD_CLOCK_SKEW,
                    Error::add_time(now, linkerd::WORKLOAD_DURATION)?.min(issuer.not_after()),
                );
                if let Observer::RealLeaves(real) = &mut self.observer {
                    // A real leaf for the pod's key: the numbers are the certificate's own.
                    let issuer = &self.cm.generation(generation).ca;
                    let identity = &self.proxies.get(i).identity;
                    validity = real.issue(i, issuer, identity, now, &mut self.rng)?;
                }
                let (not_before, not_after) = validity;
                // Whole seconds, as certificates count time.
                let (refresh, _) = linkerd_proxy_refresh_in(not_after - now);
                let refresh = Duration::seconds(refresh.whole_seconds().max(1));
                if self.proxies.get(i).generation != Some(generation) {
                    let event = self.cm.generation(generation).event;
                    if let Observer::Classes(c) = &mut self.observer {
                        c.changed(event);
                    }
                }
                self.proxies.leaves_issued += 1;
                let p = self.proxies.get_mut(i);
                p.generation = Some(generation);
                (p.not_before, p.not_after) = (not_before, not_after);
                p.refresh_at = Error::add_time(now, refresh)?;
                p.waiting = false;
                self.proxies.schedule(i, now);
            }
            Err(err) => self.csr_failed(i, err),
        }
        self.reclass(i);
        Ok(())
    }

    /// A new leaf proxy `i` refused (it does not verify against the anchors the proxy loaded
    /// at start): logged once per issuer generation; the proxy keeps its leaf and retries at
    /// 70% of that leaf's remaining life (10s floor), or, once it has expired, when the
    /// controller's state changes.
    fn leaf_refused(
        &mut self,
        i: PodId,
        generation: event::GenerationId,
        err: VerifyError,
    ) -> Result<(), Error> {
        let now = self.now;
        if self.proxies.refusal_logged != Some(generation) {
            let p = self.proxies.get(i);
            let what = format!(
                "{} refuses its new leaf from identity issuer #{}: it does not verify against the anchors the proxy loaded at start ({err}); it keeps its leaf (notAfter {}) and retries at 70% of its remaining life, as every proxy that loaded those anchors does",
                p.name,
                generation.0 + 1,
                crate::display::rfc3339(p.not_after)
            );
            let causes = vec![self.cm.generation(generation).event];
            self.log(Who::Proxy, what, causes);
            self.proxies.refusal_logged = Some(generation);
        }
        self.proxies.last_refusal = Some(err);
        let end = self.end;
        let p = self.proxies.get_mut(i);
        if p.leaf_valid(now) {
            let (retry, _) = linkerd_proxy_refresh_in(p.not_after - now);
            p.refresh_at = Error::add_time(now, Duration::seconds(retry.whole_seconds().max(10)))?;
            p.waiting = false;
        } else {
            p.waiting = true;
            p.refresh_at = end;
        }
        self.proxies.schedule(i, now);
        Ok(())
    }

    /// A CSR that failed: logged once per outage; the proxy keeps its leaf until it expires
    /// and waits for the controller's state to change.
    fn csr_failed(&mut self, i: PodId, err: Option<VerifyError>) {
        if self.proxies.failure_logged.is_none() {
            let what = match &err {
                Some(e) => format!(
                    "IssuerValidationFailed: CSRs fail, the identity issuer does not verify against the controller's anchors: {e}; proxies keep their leaves until they expire"
                ),
                None => "CSRs fail: the identity controller is not running".to_owned(),
            };
            let causes = self.identity.why.into_iter().collect();
            self.proxies.failure_logged = Some(self.log(Who::Identity, what, causes));
        }
        let reason = match err {
            Some(e) => Some(e),
            None => self.identity.down.clone(),
        };
        self.proxies.last_csr_error = Some(match reason {
            Some(e) => Error::IssuerValidationFailed {
                reason: Box::new(e),
            },
            None => Error::Sim(SimError::ControllerDown),
        });
        let end = self.end;
        let p = self.proxies.get_mut(i);
        p.waiting = true;
        p.refresh_at = end;
        // It keeps its leaf until that expires.
        self.proxies.schedule(i, self.now);
    }

    /// The identity controller's issuer generation `generation` ran out before now, and
    /// nothing logged it: the moment every CSR starts to fail and every leaf it signed
    /// (capped at its notAfter) expires. Linkerd logs the failure at the next CSR; the
    /// report names the moment itself.
    pub(super) fn issuer_expiry_event(
        &mut self,
        generation: event::GenerationId,
    ) -> Option<EventId> {
        let issuer_end = self.cm.generation(generation).ca.certificate().not_after();
        if self.identity.generation != Some(generation)
            || issuer_end >= self.now
            || self.proxies.failure_logged.is_some()
            || self.timeline.last().is_some_and(|e| e.at > issuer_end)
        {
            return None;
        }
        let causes = self.identity.why.into_iter().collect();
        Some(self.timeline.log(
            issuer_end,
            Who::Identity,
            format!(
                "identity issuer #{} expired: from now every CSR fails (IssuerValidationFailed), and every leaf it signed, capped at its notAfter, expires with it",
                generation.number()
            ),
            causes,
        ))
    }
}
