//! istio-csr (cert-manager/istio-csr v0.17.0-16-gf96fca5) as the mesh's CA:
//! - `pkg/server/server.go` `CreateCertificate`: each agent's CSR becomes a cert-manager
//!   CertificateRequest for `min(requested, maxCertificateDuration)`, signed by the configured
//!   issuer (a CA issuer signs with its Secret as it is at that moment);
//!   `parseCertificateBundle` then verifies the signed chain with Go's `x509.Verify` against
//!   istio-csr's *current* root CAs and refuses it when that fails (`codes.Internal`, "failed
//!   to sign certificate request"): the signer gate. The response's chain ends with the root
//!   file's PEM, which the agent takes as its roots.
//! - `pkg/tls/rootca/rootca.go`: `--root-ca-file` (`app.tls.rootCAFile`) is watched with
//!   fsnotify and reloaded without a restart (a Secret or ConfigMap volume's update).
//! - `pkg/controller/configmap.go`: the roots are written as `istio-ca-root-cert`
//!   (`root-cert.pem`) into every selected namespace on each change.

use super::super::event::{EventId, GenerationId, PodId, Who};
use super::super::{Engine, Error, Mesh};
use super::agent;
use crate::verify::VerifyError;
use rand_core::CryptoRngCore;

impl<R: CryptoRngCore> Engine<R> {
    /// istio-csr starts (and istiod with it): it loads the root file as it is now. A routine
    /// restart that changes nothing is not logged.
    pub(in crate::sim) fn istio_start(&mut self, causes: Vec<EventId>, routine: bool) {
        let roots = self.tm.published();
        if !(routine && self.istio.started) {
            let mut causes = causes.clone();
            causes.push(self.tm.published_event());
            let n = self.tm.bundle(roots).len();
            let e = self.log(
                Who::IstioCsr,
                format!(
                    "started: its root file holds {n} root(s); it verifies every chain cert-manager signs against them before handing it out"
                ),
                causes,
            );
            self.istio.why = Some(e);
            if !self.istio.started {
                self.ztunnel_start();
            }
            self.istio.started = true;
        }
        self.istiod_start(causes);
        self.wake_proxies();
    }

    /// The root file changed (trust-manager rebuilt it, or an operation wrote it): istio-csr
    /// reloads it without a restart and writes it into every namespace; istiod reloads it or
    /// not by its version; agents waiting on a refused CSR retry.
    pub(in crate::sim) fn istio_root_file_changed(&mut self) {
        let cause = self.tm.published_event();
        let n = self.tm.published_bundle().len();
        let e = self.log(
            Who::IstioCsr,
            format!(
                "reloaded its root file without a restart ({n} root(s), fsnotify) and wrote it into every namespace's istio-ca-root-cert ConfigMap (root-cert.pem)"
            ),
            vec![cause],
        );
        self.istio.why = Some(e);
        self.istiod_sees_root_file(e);
        self.wake_proxies();
    }

    /// istio-csr's verdict on the chain cert-manager signs with generation `g` now, against
    /// its root file now.
    pub(in crate::sim) fn gate(
        &mut self,
        g: GenerationId,
    ) -> Result<Result<(), VerifyError>, Error> {
        let roots = self.tm.published();
        let leaf = self.cm.representative((g, &self.cfg.mesh), &mut self.rng)?;
        let presented = &self.cm.generation(g).presented;
        Ok(self.istio.verdicts.verify(
            (g, &leaf, presented),
            (roots, self.tm.bundle(roots)),
            self.now,
            &mut self.verifier,
        ))
    }

    /// Pod `i`'s agent asks for a certificate: a leaf and the root file as its roots, or a
    /// refusal that leaves it with what it has until that expires.
    pub(in crate::sim) fn istio_csr(&mut self, i: PodId) -> Result<(), Error> {
        let Mesh::Istio(settings) = &self.cfg.mesh else {
            return Ok(());
        };
        let duration = settings.leaf_duration();
        let now = self.now;
        let g = self.cm.issuer_secret;
        if let Err(err) = self.ztunnel_reaches_csr(g)? {
            let what = self.ztunnel_unreachable(g, &err);
            self.istio_refused(i, g, err, (Who::Ztunnel, what));
            self.reclass(i);
            return Ok(());
        }
        if let Err(err) = self.gate(g)? {
            let what = self.gate_refusal(g, &err);
            self.istio_refused(i, g, err, (Who::IstioCsr, what));
            self.reclass(i);
            return Ok(());
        }
        let signer = self.cm.generation(g).ca.certificate();
        // cert-manager's CA issuer caps a certificate at its CA's notAfter.
        let not_after = Error::add_time(now, duration)?.min(signer.not_after());
        if self.proxies.get(i).generation != Some(g) {
            let event = self.cm.generation(g).event;
            if let super::super::Observer::Classes(c) = &mut self.observer {
                c.changed(event);
            }
        }
        self.proxies.leaves_issued += 1;
        let roots = self.tm.published();
        let roots = self.roots_kept(roots);
        let n = self.proxies.len();
        let p = self.proxies.get_mut(i);
        let mut refresh = agent::refresh_in(now, (now, not_after));
        if p.generation.is_none() {
            // Pods started at different times: their refreshes are spread evenly over the
            // first half-life, not in step.
            refresh = agent::spread(refresh, (i.0, n));
        }
        p.generation = Some(g);
        p.bundle = roots;
        (p.not_before, p.not_after) = (now, not_after);
        p.refresh_at = Error::add_time(now, refresh)?;
        p.waiting = false;
        self.proxies.schedule(i, now);
        self.reclass(i);
        Ok(())
    }

    /// What istio-csr logs when its gate refuses the chain generation `g` signs.
    fn gate_refusal(&self, g: GenerationId, err: &VerifyError) -> String {
        let signer = self.cm.generation(g).ca.certificate();
        format!(
            "failed to sign certificate request: the chain cert-manager signed with {} (CA {}, notBefore {}) does not verify against istio-csr's root file: {err}; agents keep their certificates until they expire (at most {})",
            self.cfg.names.issuer,
            signer.subject(),
            crate::display::rfc3339(signer.not_before()),
            match &self.cfg.mesh {
                Mesh::Istio(s) => crate::duration::GoDuration(s.leaf_duration()).to_string(),
                Mesh::Linkerd => String::new(),
            }
        )
    }

    /// A CSR failed (istio-csr refused the chain, or ztunnel could not reach it): logged once
    /// per outage, by `who` with `what`; the agent keeps its leaf until it expires and
    /// retries when the root file or the CA changes.
    fn istio_refused(
        &mut self,
        i: PodId,
        g: GenerationId,
        err: VerifyError,
        (who, what): (Who, String),
    ) {
        if self.proxies.failure_logged.is_none() {
            let mut causes = vec![self.cm.generation(g).event, self.tm.published_event()];
            causes.extend(self.istio.why);
            let e = self.log(who, what, causes);
            self.proxies.failure_logged = Some(e);
        }
        self.proxies.last_csr_error = Some(Error::IssuerValidationFailed {
            reason: Box::new(err),
        });
        let end = self.end;
        let p = self.proxies.get_mut(i);
        p.waiting = true;
        p.refresh_at = end;
        self.proxies.schedule(i, self.now);
    }
}
