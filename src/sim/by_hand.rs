//! The simulator driven by hand ([`Mesh`](crate::mesh::Mesh)): the caller writes bundles and
//! issuers and adds or restarts pods. Its observer gives each pod a real key and a real leaf
//! (issued through the identity controller's CSR path) and reports typed [`Event`]s; nothing
//! renews the anchor and trust-manager does not run.

use super::cert_manager::CertManager;
use super::config::{Config, MAX_MESH_PODS};
use super::event::PodId;
use super::proxies::{Proxies, Proxy};
use super::{Engine, Event, Observer, SimError};
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::presets::linkerd;
use rand_core::CryptoRngCore;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// One pod's real key and leaf.
#[derive(Debug, Default)]
struct RealPod {
    key: Option<PrivateKey>,
    leaf: Option<Certificate>,
    /// The key of a restarted pod, taken at its first answered CSR.
    fresh_key: Option<PrivateKey>,
}

/// The observer of a mesh driven by hand: every pod's real key and leaf, and the typed events
/// since they were last taken.
#[derive(Debug, Default)]
pub(crate) struct RealLeaves {
    pods: Vec<RealPod>,
    pub(crate) events: Vec<Event>,
}

impl RealLeaves {
    fn pod(&mut self, i: PodId) -> &mut RealPod {
        if self.pods.len() <= i.0 {
            self.pods.resize_with(i.0 + 1, RealPod::default);
        }
        &mut self.pods[i.0]
    }

    /// Issues pod `i`'s real leaf under `issuer` for its key (the restarted pod's new key, else
    /// its key, else a new one): the leaf's validity.
    pub(crate) fn issue<R: CryptoRngCore>(
        &mut self,
        i: PodId,
        issuer: &Ca,
        identity: &str,
        now: OffsetDateTime,
        rng: &mut R,
    ) -> Result<(OffsetDateTime, OffsetDateTime), Error> {
        let p = self.pod(i);
        let key = match p.fresh_key.take().or_else(|| p.key.take()) {
            Some(k) => k,
            None => PrivateKey::generate(rng),
        };
        let spec = linkerd::workload(identity);
        let leaf = match issuer.issue(&spec, key.public_key(), now, rng) {
            Ok(issued) => issued.certificate,
            Err(e) => {
                self.pod(i).key = Some(key);
                return Err(e);
            }
        };
        let validity = (leaf.not_before(), leaf.not_after());
        let p = self.pod(i);
        p.key = Some(key);
        p.leaf = Some(leaf);
        Ok(validity)
    }

    /// Pod `i` asked for a refresh: refreshed, or failed (the CSR's error).
    pub(crate) fn refreshed(&mut self, i: PodId, now: OffsetDateTime, proxies: &mut Proxies) {
        let workload = proxies.get(i).name.clone();
        if let Some(error) = proxies.last_refusal.take() {
            self.events.push(Event::LeafRefused {
                at: now,
                workload,
                error: Box::new(error),
            });
            return;
        }
        let waiting = proxies.get(i).waiting;
        let event = match (waiting, proxies.last_csr_error.take()) {
            (true, Some(error)) => Event::LeafRefreshFailed {
                at: now,
                workload,
                error,
            },
            _ => Event::LeafRefreshed { at: now, workload },
        };
        self.events.push(event);
    }
}

/// One pod as [`Mesh`](crate::mesh::Mesh) shows it.
pub(crate) struct Pod<'a> {
    pub(crate) name: &'a str,
    pub(crate) identity: &'a str,
    pub(crate) control_plane: bool,
    pub(crate) bundle: &'a TrustBundle,
    pub(crate) key: &'a PrivateKey,
    pub(crate) leaf: &'a Certificate,
    pub(crate) issuer: &'a Certificate,
    pub(crate) refresh_at: OffsetDateTime,
}

/// Driving the engine by hand.
impl<R: CryptoRngCore> Engine<R> {
    /// An engine at `now` with a published bundle and an issuer Secret, and the anchor
    /// cert-manager's CA issuer renews the issuer with (`None`: nothing renews it). The
    /// identity controller starts with them.
    pub(crate) fn by_hand(
        now: OffsetDateTime,
        bundle: TrustBundle,
        issuer: Ca,
        anchor: Option<Ca>,
        rng: R,
    ) -> Self {
        let cfg = Config::seed(now).workloads(0).horizon(Duration::ZERO);
        let cm = CertManager::new(anchor, false);
        let observer = Observer::RealLeaves(RealLeaves::default());
        let mut engine = Self::new(Arc::new(cfg), now, cm, observer, rng);
        engine.write_bundle(bundle);
        engine.write_issuer(issuer);
        engine.start_identity(vec![], false);
        engine
    }

    /// The real-leaf observer ([`Engine::by_hand`] always has one).
    fn real(&mut self) -> Option<&mut RealLeaves> {
        match &mut self.observer {
            Observer::RealLeaves(r) => Some(r),
            Observer::Classes(_) => None,
        }
    }

    fn write_bundle(&mut self, bundle: TrustBundle) {
        let name = self.cfg.names.bundle.clone();
        self.tm.write(bundle, &name, self.now, &mut self.timeline);
    }

    fn write_issuer(&mut self, issuer: Ca) {
        let name = self.cfg.names.issuer.clone();
        self.cm
            .write_issuer(issuer, &name, self.now, &mut self.timeline);
    }

    /// Publishes a bundle; a crash-looping controller retries with it.
    pub(crate) fn set_bundle(&mut self, bundle: TrustBundle) {
        self.write_bundle(bundle);
        if self.identity.crash_looping() {
            self.start_identity(vec![self.tm.published_event()], false);
        }
    }

    /// Writes the issuer Secret; the controller sees it (the skip, if it refuses it).
    pub(crate) fn set_issuer(&mut self, issuer: Ca) -> Option<Event> {
        self.write_issuer(issuer);
        let before = self.real().map_or(0, |r| r.events.len());
        self.identity_sees_issuer();
        let real = self.real()?;
        if real.events.len() > before {
            real.events.pop()
        } else {
            None
        }
    }

    /// Replaces the anchor cert-manager's CA issuer signs with.
    pub(crate) fn set_anchor(&mut self, anchor: Option<Ca>) {
        self.cm.set_anchor(anchor);
    }

    /// Names the identity controller's pod.
    pub(crate) fn set_controller(&mut self, name: String) {
        self.identity.set_controller(name);
    }

    /// Whether the control-plane pod `name` is the identity controller.
    pub(crate) fn is_controller(&self, name: &str) -> bool {
        self.identity.is_controller(name)
    }

    /// Starts a pod; if its first CSR fails, it is not added and the CSR's error returned.
    pub(crate) fn add_pod(&mut self, name: String, control_plane: bool) -> Result<(), Error> {
        if self.proxies.len() >= MAX_MESH_PODS {
            return Err(Error::Sim(SimError::TooManyPods {
                pods: self.proxies.len() + 1,
                max: MAX_MESH_PODS,
            }));
        }
        let key = PrivateKey::generate(&mut self.rng);
        let identity = self.cfg.mesh.pod_identity(&name);
        let proxy = Proxy::new(
            (name, identity),
            control_plane,
            self.tm.published(),
            self.now,
            None,
        );
        let i = self.proxies.push(proxy);
        if let Some(r) = self.real() {
            r.pod(i).key = Some(key);
        }
        let answered = self.csr(i);
        if answered.is_err() || self.proxies.get(i).waiting {
            self.proxies.pop();
            if let Some(r) = self.real() {
                *r.pod(i) = RealPod::default();
            }
            answered?;
            return Err(self.csr_error());
        }
        Ok(())
    }

    fn csr_error(&mut self) -> Error {
        self.proxies
            .last_csr_error
            .take()
            .unwrap_or(Error::Sim(SimError::ControllerDown))
    }

    /// The pod named `name`.
    pub(crate) fn pod_index(&self, name: &str) -> Option<PodId> {
        self.proxies.find(name)
    }

    /// Restarts pod `i` with a new key; the CSR's error if it gets no leaf (it keeps the one it
    /// had, with its old key, until a CSR is answered).
    pub(crate) fn restart_pod(&mut self, i: PodId) -> Result<(), Error> {
        let key = PrivateKey::generate(&mut self.rng);
        if let Some(r) = self.real() {
            r.pod(i).fresh_key = Some(key);
        }
        self.restart_proxy(i, None, false)?;
        if self.proxies.get(i).waiting {
            return Err(self.csr_error());
        }
        Ok(())
    }

    /// Runs to `target`, returning the typed events on the way.
    pub(crate) fn advance_to(&mut self, target: OffsetDateTime) -> Result<Vec<Event>, Error> {
        self.end = target;
        self.run()?;
        self.now = self.now.max(target);
        Ok(self
            .real()
            .map(|r| std::mem::take(&mut r.events))
            .unwrap_or_default())
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        self.now
    }

    pub(crate) fn published_bundle(&self) -> &TrustBundle {
        self.tm.published_bundle()
    }

    pub(crate) fn issuer_secret(&self) -> &Ca {
        &self.cm.issuer().ca
    }

    /// The issuer the controller signs with (`None` while it is down).
    pub(crate) fn signing_issuer(&self) -> Option<&Ca> {
        self.identity.generation.map(|g| &self.cm.generation(g).ca)
    }

    /// The anchors the controller loaded when it last started.
    pub(crate) fn controller_anchors(&self) -> Option<&TrustBundle> {
        self.identity.anchors.map(|b| self.tm.bundle(b))
    }

    pub(crate) fn anchor(&self) -> Option<&Ca> {
        self.cm.anchor.as_ref()
    }

    pub(crate) fn rng(&mut self) -> &mut R {
        &mut self.rng
    }

    /// The pods holding a leaf, in the order they were added.
    pub(crate) fn pods(&self) -> impl Iterator<Item = Pod<'_>> {
        let real = match &self.observer {
            Observer::RealLeaves(r) => r.pods.as_slice(),
            Observer::Classes(_) => &[],
        };
        self.proxies.iter().filter_map(move |(i, p)| {
            let r = real.get(i.0)?;
            Some(Pod {
                name: &p.name,
                identity: &p.identity,
                control_plane: p.control_plane,
                bundle: self.tm.bundle(p.bundle),
                key: r.key.as_ref()?,
                leaf: r.leaf.as_ref()?,
                issuer: self.cm.get(p.generation?)?.ca.certificate(),
                refresh_at: p.refresh_at,
            })
        })
    }
}
