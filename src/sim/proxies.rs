//! The meshed pods' proxies (Linkerd's proxies, Istio's sidecars and their agents): each
//! one's leaf as numbers, the trust roots it holds, and when it is next due (a refresh, a
//! routine restart, its leaf's expiry), queued so that a moment costs what is due then. What a
//! mesh does at those times is its own model's: Linkerd's in `sim/csr.rs` (anchors loaded at
//! pod start; leaves refreshed at 70% of their remaining life, clamped to [10s, 24h]; a new
//! leaf checked against the startup anchors, linkerd2-proxy
//! `linkerd/meshtls/src/creds/store.rs`, and a refused one retried at 70% of the old leaf's
//! remaining life, `linkerd/proxy/identity-client/src/certify.rs`; 24h leaves backdated 20s,
//! capped at the issuer's notAfter), Istio's in `sim/istio/`.

use super::event::{BundleId, EventId, GenerationId, PodId};
use crate::error::Error;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use time::{Duration, OffsetDateTime};

/// The due-queue entries kept per pod before stale ones are dropped (each pod has at most
/// three live ones: its refresh, its restart and its leaf's expiry).
const DUE_PER_POD: usize = 6;

/// One pod's proxy: its leaf as numbers.
#[derive(Debug)]
pub(crate) struct Proxy {
    pub(crate) name: String,
    /// The DNS SAN of its leaf.
    pub(crate) identity: String,
    pub(crate) control_plane: bool,
    /// The bundle it loaded when its pod started.
    pub(crate) bundle: BundleId,
    /// The issuer generation of its leaf (`None`: no leaf yet).
    pub(crate) generation: Option<GenerationId>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    pub(crate) refresh_at: OffsetDateTime,
    /// A failed CSR waits for the identity controller's state to change.
    pub(crate) waiting: bool,
    pub(crate) next_restart: Option<OffsetDateTime>,
}

impl Proxy {
    /// A proxy for pod `name` (`namespace/name`) whose leaves name `identity`, that loaded
    /// `bundle` at `now`.
    pub(crate) fn new(
        (name, identity): (String, String),
        control_plane: bool,
        bundle: BundleId,
        now: OffsetDateTime,
        next_restart: Option<OffsetDateTime>,
    ) -> Self {
        Self {
            name,
            identity,
            control_plane,
            bundle,
            generation: None,
            not_before: now,
            not_after: now,
            refresh_at: now,
            waiting: false,
            next_restart,
        }
    }

    /// Whether its leaf is valid at `now`.
    pub(crate) fn leaf_valid(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }

    /// Its leaf's expiry as a validity boundary (the first second past its notAfter), when it
    /// will reach it (it refreshes first otherwise).
    fn expiry(&self) -> Option<OffsetDateTime> {
        (self.waiting || self.refresh_at > self.not_after)
            .then(|| self.not_after.checked_add(Duration::SECOND))
            .flatten()
    }

    /// Whether `t` (Unix nanoseconds) is one of its due times.
    fn due_at(&self, t: i128) -> bool {
        let at = |d: OffsetDateTime| d.unix_timestamp_nanos() == t;
        self.next_restart.is_some_and(at)
            || (!self.waiting && at(self.refresh_at))
            || self.expiry().is_some_and(at)
    }
}

/// Every proxy, and when each is next due.
#[derive(Debug, Default)]
pub(crate) struct Proxies {
    list: Vec<Proxy>,
    /// When each proxy is next due, keyed by Unix nanoseconds (cheap to compare): an entry per
    /// change, stale ones skipped when they come due and dropped past [`DUE_PER_POD`].
    due: BinaryHeap<Reverse<(i128, PodId)>>,
    /// Leaves issued since the last checkpoint.
    pub(crate) leaves_issued: usize,
    /// The event that logged the current CSR outage (logged once per outage).
    pub(crate) failure_logged: Option<EventId>,
    /// Why the last CSR failed.
    pub(crate) last_csr_error: Option<Error>,
    /// The issuer generation whose leaves a proxy refused last (logged once per generation).
    pub(crate) refusal_logged: Option<GenerationId>,
    /// Why the last CSR's leaf was refused by the proxy itself.
    pub(crate) last_refusal: Option<crate::verify::VerifyError>,
}

impl Proxies {
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn get(&self, i: PodId) -> &Proxy {
        &self.list[i.0]
    }

    pub(crate) fn get_mut(&mut self, i: PodId) -> &mut Proxy {
        &mut self.list[i.0]
    }

    pub(crate) fn ids(&self) -> impl Iterator<Item = PodId> + use<> {
        (0..self.list.len()).map(PodId)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (PodId, &Proxy)> {
        self.list.iter().enumerate().map(|(i, p)| (PodId(i), p))
    }

    /// The pod named `name`.
    pub(crate) fn find(&self, name: &str) -> Option<PodId> {
        self.list.iter().position(|p| p.name == name).map(PodId)
    }

    pub(crate) fn push(&mut self, proxy: Proxy) -> PodId {
        self.list.push(proxy);
        PodId(self.list.len() - 1)
    }

    /// Removes the pod added last (its first CSR failed).
    pub(crate) fn pop(&mut self) {
        self.list.pop();
    }

    /// The identity controller's state changed: every waiting proxy retries now. Returns how
    /// many proxies were visited.
    pub(crate) fn wake(&mut self, now: OffsetDateTime) -> usize {
        self.failure_logged = None;
        let t = now.unix_timestamp_nanos();
        for (i, p) in self.list.iter_mut().enumerate() {
            if p.waiting {
                p.waiting = false;
                p.refresh_at = now;
                self.due.push(Reverse((t, PodId(i))));
            }
        }
        self.compact(now);
        self.list.len()
    }

    /// Queues proxy `i`'s next routine restart.
    pub(crate) fn schedule_restart(&mut self, i: PodId, now: OffsetDateTime) {
        if let Some(t) = self.list[i.0].next_restart {
            self.push_due(t, i, now);
        }
    }

    /// Queues proxy `i`'s refresh and its leaf's expiry.
    pub(crate) fn schedule(&mut self, i: PodId, now: OffsetDateTime) {
        let p = &self.list[i.0];
        let refresh = (!p.waiting).then_some(p.refresh_at);
        let expiry = p.expiry();
        for t in refresh.into_iter().chain(expiry) {
            self.push_due(t, i, now);
        }
    }

    fn push_due(&mut self, t: OffsetDateTime, i: PodId, now: OffsetDateTime) {
        self.due.push(Reverse((t.unix_timestamp_nanos(), i)));
        self.compact(now);
    }

    /// Keeps the due queue within [`DUE_PER_POD`] entries a pod: past that, drops every entry
    /// that no longer matches one of its proxy's due times (a refresh superseded by a restart's
    /// new leaf, the expiry of a leaf replaced since) and duplicates. A dropped entry would have
    /// found nothing due for its proxy (every action on a due proxy is gated on the proxy's own
    /// times), so behaviour is unchanged; memory stays linear in the pods, whatever the restart
    /// cadence (a stale refresh per restart grew it without bound: 1.97 GB for 100,000
    /// workloads restarted every minute over 10 hours).
    fn compact(&mut self, now: OffsetDateTime) {
        let limit = self
            .list
            .len()
            .saturating_mul(DUE_PER_POD)
            .saturating_add(1024);
        if self.due.len() <= limit {
            return;
        }
        let now = now.unix_timestamp_nanos();
        let list = &self.list;
        let mut entries = std::mem::take(&mut self.due).into_vec();
        entries.retain(|Reverse((t, i))| *t >= now && list.get(i.0).is_some_and(|p| p.due_at(*t)));
        entries.sort_unstable();
        entries.dedup();
        self.due = BinaryHeap::from(entries);
    }

    /// The proxies with something due by `now` (sorted, each once), appended to `into`.
    /// Returns how many there are.
    pub(crate) fn pop_due(&mut self, now: OffsetDateTime, into: &mut Vec<PodId>) -> usize {
        let now = now.unix_timestamp_nanos();
        while let Some(Reverse((t, i))) = self.due.peek().copied() {
            if t > now {
                break;
            }
            self.due.pop();
            if i.0 < self.list.len() {
                into.push(i);
            }
        }
        into.sort_unstable();
        into.dedup();
        into.len()
    }

    /// The earliest due time at or after `now` (entries before it are dropped: nothing is due
    /// in the past).
    pub(crate) fn next_due(&mut self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        let now = now.unix_timestamp_nanos();
        while self.due.peek().is_some_and(|Reverse((t, _))| *t < now) {
            self.due.pop();
        }
        self.due
            .peek()
            .and_then(|Reverse((t, _))| OffsetDateTime::from_unix_timestamp_nanos(*t).ok())
    }

    /// The proxies of the control plane (`true`) or the data plane, in order.
    pub(crate) fn plane(&self, control_plane: bool) -> Vec<PodId> {
        self.iter()
            .filter(|(_, p)| p.control_plane == control_plane)
            .map(|(i, _)| i)
            .collect()
    }
}
