//! ztunnel, Istio's ambient-mode node proxy (istio/ztunnel 1.31.0-alpha.0-18-g62d82653), in
//! place of the sidecar agents ([`IstioCsr::ambient`](crate::plan::IstioCsr::ambient)):
//! - `src/tls/certificate.rs` `refresh_at`: it refreshes each workload's certificate at half
//!   its life, with no jitter (as `agent.rs` has it).
//! - `src/tls/certificate.rs` `WorkloadCertificate::new`: the roots are the last element of
//!   the CSR response, istio-csr's root file. Before 1.26 (commit c29cd78a, "Better support
//!   for root certificates") that element was parsed with `rustls_pemfile::read_one`: its
//!   first certificate alone is trusted. Which root is first is the file's order: the
//!   operator's file as written (certcycle's commands write the new root first);
//!   trust-manager orders by SHA-256 (`pkg/util/cert_pool.go` `Certificates`), which the plan
//!   does not predict, so it takes the newest root as the first, as the operator's file has it.
//! - `src/identity/caclient.rs`: its channel to the CA verifies istio-csr's serving
//!   certificate against the root file (`CA_ROOT_CA`, `./var/run/secrets/istio/root-cert.pem`),
//!   read once at ztunnel's start before 1.30 (commit 642b1d7d added `RootCertManager`, which
//!   rebuilds the channel when the file changes). istio-csr signs its serving certificate
//!   through the same issuer (`pkg/tls/tls.go`, 1h, renewed at two thirds); the plan takes it
//!   to follow the signer at once, up to 40 minutes early. The channel verifies with rustls,
//!   whose webpki does not check a root's own dates; so do ztunnel's peers
//!   ([`Mesh::peer_verify_options`]).

use super::super::event::{BundleId, GenerationId, Who};
use super::super::{Engine, Error, Mesh};
use crate::bundle::TrustBundle;
use crate::verify::VerifyError;
use rand_core::CryptoRngCore;

impl<R: CryptoRngCore> Engine<R> {
    fn ztunnel(&self) -> Option<&crate::plan::IstioCsr> {
        match &self.cfg.mesh {
            Mesh::Istio(csr) if csr.ambient => Some(csr),
            _ => None,
        }
    }

    /// The roots a workload keeps of a response carrying `roots`: all of them, or for
    /// ztunnel before 1.26 the first alone.
    pub(in crate::sim) fn roots_kept(&mut self, roots: BundleId) -> BundleId {
        if !self.ztunnel().is_some_and(|z| z.ztunnel_trusts_one_root()) {
            return roots;
        }
        if let Some(&kept) = self.istio.one_root.get(&roots) {
            return kept;
        }
        let bundle = self.tm.bundle(roots);
        let first = bundle
            .anchors()
            .max_by_key(|a| a.certificate().not_before())
            .cloned();
        let kept = match first {
            Some(a) if bundle.len() > 1 => self.tm.derive(TrustBundle::from_anchors([a])),
            _ => roots,
        };
        self.istio.one_root.insert(roots, kept);
        kept
    }

    /// ztunnel (re)starts: before 1.30 its channel to istio-csr keeps the root file as it is
    /// now.
    pub(in crate::sim) fn ztunnel_start(&mut self) {
        if self.ztunnel().is_some_and(|z| z.ztunnel_channel_static()) {
            self.istio.channel_roots = Some(self.tm.published());
            if !self.istio.channel_verdicts.is_webpki() {
                self.istio.channel_verdicts = super::super::verdicts::ChainVerdicts::webpki();
            }
        }
    }

    /// Whether ztunnel's channel to istio-csr verifies istio-csr's serving certificate,
    /// signed through generation `g`: always, unless the channel's roots are static (before
    /// 1.30) and do not hold its root.
    pub(in crate::sim) fn ztunnel_reaches_csr(
        &mut self,
        g: GenerationId,
    ) -> Result<Result<(), VerifyError>, Error> {
        let Some(roots) = self.istio.channel_roots else {
            return Ok(Ok(()));
        };
        let leaf = self.cm.representative((g, &self.cfg.mesh), &mut self.rng)?;
        let presented = &self.cm.generation(g).presented;
        Ok(self.istio.channel_verdicts.verify(
            (g, &leaf, presented),
            (roots, self.tm.bundle(roots)),
            self.now,
            &mut self.verifier,
        ))
    }

    /// What ztunnel logs when its channel to istio-csr fails.
    pub(in crate::sim) fn ztunnel_unreachable(&self, g: GenerationId, err: &VerifyError) -> String {
        let signer = self.cm.generation(g).ca.certificate();
        let n = self
            .istio
            .channel_roots
            .map_or(0, |b| self.tm.bundle(b).len());
        format!(
            "cannot connect to istio-csr: its serving certificate, signed through {} (CA {}, notBefore {}), does not verify against the {n} root(s) ztunnel read at its start: {err}; before Istio 1.30 ztunnel builds its CA channel once (src/identity/caclient.rs), so restart it (kubectl rollout restart ds/ztunnel -n istio-system) once the root file holds the new root",
            self.cfg.names.issuer,
            signer.subject(),
            crate::display::rfc3339(signer.not_before()),
        )
    }

    /// The operator restarts ztunnel where its channel's roots are static and the root file
    /// changed under it: the rotation's steps do.
    pub(in crate::sim) fn restart_ztunnel_if_stale(&mut self, e: super::super::event::EventId) {
        let Some(roots) = self.istio.channel_roots else {
            return;
        };
        if roots == self.tm.published() {
            return;
        }
        self.log(
            Who::Operator,
            "restarted ztunnel (kubectl rollout restart ds/ztunnel -n istio-system): before Istio 1.30 it reads the root file for its channel to istio-csr only at start".to_owned(),
            vec![e],
        );
        self.ztunnel_start();
    }
}
