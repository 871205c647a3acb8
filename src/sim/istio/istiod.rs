//! istiod with an external CA (istio/istio `pilot/pkg/bootstrap/certcontroller.go` at
//! 1.31.0-alpha.0-109-g86c9f01fd73): it reads its root certificate file once, at start
//! (`os.ReadFile(fileBundle.RootCertFile)`), until Istio 1.31 fixed it not reloading "when
//! using an external CA such as istio-csr" (`releasenotes/notes/istiod-root-cert-file-watch.yaml`,
//! commit 6671904a989). The plan records what istiod holds and says when it is stale; the
//! workloads' pair check does not depend on it (their roots come from istio-csr's responses).

use super::super::event::{EventId, Who};
use super::super::{Engine, Mesh};
use rand_core::CryptoRngCore;

impl<R: CryptoRngCore> Engine<R> {
    /// istiod (re)starts and reads the root file as it is now; logged when it changes what
    /// istiod holds.
    pub(in crate::sim) fn istiod_start(&mut self, causes: Vec<EventId>) {
        let roots = self.tm.published();
        if self.istio.istiod_root == Some(roots) {
            return;
        }
        let n = self.tm.bundle(roots).len();
        self.log(
            Who::Istiod,
            format!("started: read its root file ({n} root(s))"),
            causes,
        );
        self.istio.istiod_root = Some(roots);
    }

    /// The root file changed: istiod reloads it (1.31 and later) or keeps what it read at
    /// start.
    pub(in crate::sim) fn istiod_sees_root_file(&mut self, cause: EventId) {
        let Mesh::Istio(csr) = &self.cfg.mesh else {
            return;
        };
        let roots = self.tm.published();
        if self.istio.istiod_root == Some(roots) {
            return;
        }
        if csr.istiod_reloads_root() {
            let n = self.tm.bundle(roots).len();
            self.log(
                Who::Istiod,
                format!("reloaded its root file ({n} root(s); Istio 1.31 and later watch it)"),
                vec![cause],
            );
            self.istio.istiod_root = Some(roots);
        } else {
            let n = self
                .istio
                .istiod_root
                .map_or(0, |b| self.tm.bundle(b).len());
            let version = match csr.version {
                Some((major, minor)) => format!("Istio {major}.{minor}"),
                None => "an Istio version not given (assumed before 1.31)".to_owned(),
            };
            self.log(
                Who::Istiod,
                format!(
                    "keeps the {n} root(s) it read at start: {version} reads its root file only at start (pilot/pkg/bootstrap/certcontroller.go); restart istiod, or run Istio 1.31 or later, for it to load the new file"
                ),
                vec![cause],
            );
        }
    }
}
