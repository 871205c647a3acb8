//! A plan's observer: continuity checked with the real verifier after every change of a
//! chain, a loaded bundle or a validity boundary, over equivalence classes. Proxies holding
//! leaves of the same issuer generation (valid or not at that moment) behave alike as
//! clients, and proxies that loaded the same bundle behave alike as verifiers; each
//! generation has one real representative leaf. So a check costs the classes, not the proxies.

use super::event::{BundleId, EventId, GenerationId, PodId};
use super::proxies::Proxy;
use super::{Break, BrokenPair, Checkpoint, Engine, Evidence, Observer, SimError};
use crate::cert::Certificate;
use crate::error::Error;
use crate::key::PrivateKey;
use crate::verify::{VerifyError, VerifyOptions, verify_cached};
use rand_core::CryptoRngCore;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::{Duration, OffsetDateTime};

/// Clients alike: leaves of one issuer generation, valid or not now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ClientClass {
    generation: GenerationId,
    valid: bool,
}

/// A verdict by what it depends on: the clients' class and the verifiers' bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct VerdictKey {
    class: ClientClass,
    bundle: BundleId,
}

/// The classes, kept as proxies change, and what the checks found.
#[derive(Debug, Default)]
pub(crate) struct ClassCheck {
    clients: BTreeMap<ClientClass, BTreeSet<PodId>>,
    servers: BTreeMap<BundleId, BTreeSet<PodId>>,
    /// Each proxy's classes (by pod), as last told.
    class: Vec<Option<ClientClass>>,
    held: Vec<Option<BundleId>>,
    results: HashMap<VerdictKey, Result<(), VerifyError>>,
    /// Continuity checks made.
    pub(crate) checks: usize,
    /// A class changed since the last check.
    pub(crate) dirty: bool,
    /// Events that changed what proxies hold since the last check.
    last_change: Vec<EventId>,
    pub(crate) first_break: Option<Break>,
    /// A break was found and the run stops there.
    pub(crate) stopped: bool,
    pub(crate) checkpoints: Vec<Checkpoint>,
    pub(crate) next_checkpoint: Option<OffsetDateTime>,
    /// The first timeline entry after the last checkpoint.
    checkpoint_from: usize,
}

impl ClassCheck {
    /// An issuer generation reached a proxy (a cause of whatever the next check finds).
    pub(crate) fn changed(&mut self, event: EventId) {
        self.last_change.push(event);
    }

    /// Moves proxy `i` to the classes it is in now; a check is due when that changes.
    pub(crate) fn reclass(&mut self, i: PodId, p: &Proxy, now: OffsetDateTime) {
        if self.class.len() <= i.0 {
            self.class.resize(i.0 + 1, None);
            self.held.resize(i.0 + 1, None);
        }
        let class = p.generation.map(|generation| ClientClass {
            generation,
            valid: p.leaf_valid(now),
        });
        if class != self.class[i.0] {
            move_member(&mut self.clients, self.class[i.0], class, i);
            self.class[i.0] = class;
            self.dirty = true;
        }
        let held = Some(p.bundle);
        if held != self.held[i.0] {
            move_member(&mut self.servers, self.held[i.0], held, i);
            self.held[i.0] = held;
            self.dirty = true;
        }
    }
}

/// Moves `i` from class `old` to class `new` of `map` (a class with no one left goes).
fn move_member<K: Ord + Copy>(
    map: &mut BTreeMap<K, BTreeSet<PodId>>,
    old: Option<K>,
    new: Option<K>,
    i: PodId,
) {
    if let Some(old) = old
        && let Some(set) = map.get_mut(&old)
    {
        set.remove(&i);
        if set.is_empty() {
            map.remove(&old);
        }
    }
    if let Some(new) = new {
        map.entry(new).or_default().insert(i);
    }
}

/// The class check, run by the engine.
impl<R: CryptoRngCore> Engine<R> {
    fn classes(&mut self) -> Option<&mut ClassCheck> {
        match &mut self.observer {
            Observer::Classes(c) => Some(c),
            Observer::RealLeaves(_) => None,
        }
    }

    /// Checks continuity if anything changed since the last check (while no break is known:
    /// after the first, a run that goes on only counts at its checkpoints).
    pub(super) fn check_if_dirty(&mut self) -> Result<(), Error> {
        let Some(c) = self.classes() else {
            // By hand, the caller checks (`Mesh::continuity`, over the real leaves).
            return Ok(());
        };
        if !c.dirty {
            return Ok(());
        }
        c.dirty = false;
        if c.first_break.is_some() {
            return Ok(());
        }
        if let Some(b) = self.continuity()? {
            let through = self.cfg.through_breaks;
            if let Some(c) = self.classes() {
                if c.first_break.is_none() {
                    c.first_break = Some(b);
                }
                c.stopped = !through;
            }
        }
        Ok(())
    }

    /// Records a checkpoint, if the configuration asks for them.
    pub(super) fn checkpoint(&mut self, step: Option<usize>, what: String) -> Result<(), Error> {
        if self.cfg.checkpoints.is_none() || self.classes().is_none() {
            return Ok(());
        }
        let (pairs, broken, examples) = self.census()?;
        let (now, len) = (self.now, self.timeline.len());
        let leaves_issued = std::mem::take(&mut self.proxies.leaves_issued);
        if let Some(c) = self.classes() {
            let events = c.checkpoint_from..len;
            c.checkpoint_from = len;
            c.checkpoints.push(Checkpoint {
                at: now,
                step,
                what,
                pairs,
                broken,
                examples,
                events,
                leaves_issued,
            });
        }
        Ok(())
    }

    /// The classes as lists (clients by class, servers by loaded bundle).
    #[allow(clippy::type_complexity)]
    fn class_lists(&mut self) -> (Vec<(ClientClass, Vec<PodId>)>, Vec<(BundleId, Vec<PodId>)>) {
        let Some(c) = self.classes() else {
            return (Vec::new(), Vec::new());
        };
        (
            c.clients
                .iter()
                .map(|(k, set)| (*k, set.iter().copied().collect()))
                .collect(),
            c.servers
                .iter()
                .map(|(k, set)| (*k, set.iter().copied().collect()))
                .collect(),
        )
    }

    /// Every ordered pair of distinct pods counted by class: (ordered pairs, failing ones,
    /// the first failing ones named).
    fn census(&mut self) -> Result<(usize, usize, Vec<BrokenPair>), Error> {
        self.work = self.work.saturating_add(self.proxies.len());
        let (clients, servers) = self.class_lists();
        let n = self.proxies.len();
        let (mut pairs, mut broken) = (0usize, 0usize);
        let mut examples: Vec<(PodId, PodId, VerifyError)> = Vec::new();
        let held = self.classes().map(|c| c.held.clone()).unwrap_or_default();
        for (class, members) in &clients {
            pairs = pairs.saturating_add(members.len().saturating_mul(n.saturating_sub(1)));
            for (bundle, verifiers) in &servers {
                let Err(e) = self.class_verdict(*class, *bundle, members[0])? else {
                    continue;
                };
                let overlap = members
                    .iter()
                    .filter(|&&m| held.get(m.0).copied().flatten() == Some(*bundle))
                    .count();
                broken = broken.saturating_add(
                    members
                        .len()
                        .saturating_mul(verifiers.len())
                        .saturating_sub(overlap),
                );
                let distinct = members
                    .iter()
                    .flat_map(|&m| verifiers.iter().map(move |&v| (m, v)))
                    .filter(|(m, v)| m != v)
                    .take(Checkpoint::EXAMPLES);
                examples.extend(distinct.map(|(m, v)| (m, v, e.clone())));
            }
        }
        examples.sort_by_key(|x| (x.0, x.1));
        examples.truncate(Checkpoint::EXAMPLES);
        let examples = examples
            .into_iter()
            .map(|(m, v, error)| BrokenPair {
                client: self.proxies.get(m).name.clone(),
                server: self.proxies.get(v).name.clone(),
                error,
            })
            .collect();
        Ok((pairs, broken, examples))
    }

    /// Whether proxy `pi`, which loaded `bundle` at start, accepts a new leaf from issuer
    /// generation `generation` (linkerd2-proxy validates its own new leaf against its startup
    /// anchors, as rustls-webpki does; the verdict is the one its peers would give).
    pub(super) fn proxy_accepts(
        &mut self,
        generation: GenerationId,
        bundle: BundleId,
        pi: PodId,
    ) -> Result<Result<(), VerifyError>, Error> {
        self.class_verdict(
            ClientClass {
                generation,
                valid: true,
            },
            bundle,
            pi,
        )
    }

    /// The proxies' verdict on a leaf of `class` under loaded bundle `bundle` (proxy `pi`
    /// holds one), as rustls-webpki gives it.
    fn class_verdict(
        &mut self,
        class: ClientClass,
        bundle: BundleId,
        pi: PodId,
    ) -> Result<Result<(), VerifyError>, Error> {
        let options = self.cfg.mesh.peer_verify_options();
        let key = VerdictKey { class, bundle };
        if let Some(r) = self.classes().and_then(|c| c.results.get(&key)) {
            return Ok(r.clone());
        }
        if !class.valid {
            return Ok(Err(self.expired_leaf_error(
                pi,
                class.generation,
                bundle,
                &options,
            )?));
        }
        self.verifier.verifications += 1;
        let rep = self
            .cm
            .representative((class.generation, &self.cfg.mesh), &mut self.rng)?;
        let g = self.cm.generation(class.generation);
        let r = verify_cached(
            &rep,
            &g.presented,
            self.tm.bundle(bundle),
            self.now,
            &options,
            Some(&self.verifier.cache),
        )
        .map(|_| ());
        if let Some(c) = self.classes() {
            c.results.insert(key, r.clone());
        }
        Ok(r)
    }

    /// Every ordered pair, by class: (client's generation and leaf validity, verifier's
    /// bundle). The first failing pair, with its causes and evidence.
    fn continuity(&mut self) -> Result<Option<Break>, Error> {
        let now = self.now;
        let Some(c) = self.classes() else {
            return Ok(None);
        };
        c.checks += 1;
        // Each class by its first two members: the first break names the lowest (client,
        // server) pair of distinct proxies.
        let two = |set: &BTreeSet<PodId>| {
            let mut it = set.iter().copied();
            (it.next(), it.next())
        };
        let clients: Vec<(ClientClass, PodId, Option<PodId>)> = c
            .clients
            .iter()
            .filter_map(|(k, set)| match two(set) {
                (Some(a), b) => Some((*k, a, b)),
                _ => None,
            })
            .collect();
        let servers: Vec<(BundleId, PodId, Option<PodId>)> = c
            .servers
            .iter()
            .filter_map(|(k, set)| match two(set) {
                (Some(a), b) => Some((*k, a, b)),
                _ => None,
            })
            .collect();
        self.work = self
            .work
            .saturating_add(clients.len().saturating_mul(servers.len()));
        let mut first: Option<(PodId, PodId, VerifyError)> = None;
        for &(class, p0, p1) in &clients {
            for &(bundle, v0, v1) in &servers {
                let Err(e) = self.class_verdict(class, bundle, p0)? else {
                    continue;
                };
                let pair = match (v0 != p0, v1, p1) {
                    (true, _, _) => (p0, v0),
                    (false, Some(v1), _) => (p0, v1),
                    (false, None, Some(p1)) => (p1, v0),
                    // The class and the bundle's servers are the same one proxy.
                    (false, None, None) => continue,
                };
                if first.as_ref().is_none_or(|f| pair < (f.0, f.1)) {
                    first = Some((pair.0, pair.1, e));
                }
            }
        }
        let Some((client, server, error)) = first else {
            if let Some(brk) = self.no_leaf_break()? {
                return Ok(Some(brk));
            }
            if let Some(c) = self.classes() {
                c.last_change.clear();
            }
            return Ok(None);
        };
        let generation = self
            .proxies
            .get(client)
            .generation
            .unwrap_or(GenerationId(0));
        let (leaf, key) = self.leaf_with_key(client, generation)?;
        let mut roots: Vec<EventId> = self
            .classes()
            .map(|c| c.last_change.clone())
            .unwrap_or_default();
        roots.extend(self.proxies.failure_logged);
        roots.extend(self.signer_why());
        // The mesh's signer may name the moment that explains it (Linkerd's issuer ran out).
        roots.extend(self.signer_expiry_event(generation));
        roots.push(self.cm.generation(generation).event);
        let causes = self.timeline.cause_chain(&roots);
        Ok(Some(Break {
            at: now,
            day: day_of(now, self.cfg.now()),
            client: self.proxies.get(client).name.clone(),
            server: self.proxies.get(server).name.clone(),
            error,
            causes,
            evidence: Evidence {
                leaf,
                key,
                chain: self.cm.generation(generation).presented.clone(),
                server_bundle: self.tm.bundle(self.proxies.get(server).bundle).clone(),
            },
        }))
    }

    /// A proxy that never got a leaf, because the identity controller could not start or
    /// sign from the start (the trust roots lack the anchor, the issuer does not verify): a
    /// break at once. Its evidence is a leaf the issuer Secret's generation signs now, which
    /// fails against the published bundle as the controller's own check does.
    fn no_leaf_break(&mut self) -> Result<Option<Break>, Error> {
        // Only a failed CSR leaves a proxy without a leaf: no scan of every proxy otherwise.
        if self.proxies.failure_logged.is_none() {
            return Ok(None);
        }
        let Some(client) = self
            .proxies
            .iter()
            .find(|(_, p)| p.generation.is_none())
            .map(|(i, _)| i)
        else {
            return Ok(None);
        };
        let server = self.proxies.ids().find(|&i| i != client).unwrap_or(client);
        let generation = self.cm.issuer_secret;
        let bundle = self.tm.published();
        let Err(error) = self.signer_verifies(generation, bundle)? else {
            return Ok(None);
        };
        let spec = self.cfg.mesh.workload(&self.proxies.get(client).identity);
        let key = PrivateKey::generate(&mut self.rng);
        let ca = &self.cm.generation(generation).ca;
        let leaf = ca
            .issue(&spec, key.public_key(), self.now, &mut self.rng)?
            .certificate;
        let chain = self.cm.generation(generation).presented.clone();
        let mut roots: Vec<EventId> = self.proxies.failure_logged.into_iter().collect();
        roots.extend(self.signer_why());
        roots.push(self.cm.generation(generation).event);
        let causes = self.timeline.cause_chain(&roots);
        Ok(Some(Break {
            at: self.now,
            day: day_of(self.now, self.cfg.now()),
            client: self.proxies.get(client).name.clone(),
            server: self.proxies.get(server).name.clone(),
            error,
            causes,
            evidence: Evidence {
                leaf,
                key,
                chain,
                server_bundle: self.tm.bundle(bundle).clone(),
            },
        }))
    }

    /// A real leaf for proxy `i` (its own validity, under generation `generation`), with its
    /// key.
    fn leaf_with_key(
        &mut self,
        i: PodId,
        generation: GenerationId,
    ) -> Result<(Certificate, PrivateKey), Error> {
        let p = self.proxies.get(i);
        let (not_before, not_after) = (p.not_before, p.not_after);
        let spec = self.cfg.mesh.workload(&p.identity);
        let issued_at = not_before + spec.get_backdate();
        let key = PrivateKey::generate(&mut self.rng);
        let leaf = self
            .cm
            .generation(generation)
            .ca
            .issue(&spec, key.public_key(), issued_at, &mut self.rng)?
            .certificate;
        debug_assert!(leaf.not_after() <= not_after + Duration::SECOND);
        Ok((leaf, key))
    }

    /// The verifier's answer for proxy `i`'s expired leaf under `bundle`.
    fn expired_leaf_error(
        &mut self,
        i: PodId,
        generation: GenerationId,
        bundle: BundleId,
        options: &VerifyOptions,
    ) -> Result<VerifyError, Error> {
        let leaf = self.leaf_with_key(i, generation)?.0;
        self.verifier.verifications += 1;
        let g = self.cm.generation(generation);
        match verify_cached(
            &leaf,
            &g.presented,
            self.tm.bundle(bundle),
            self.now,
            options,
            Some(&self.verifier.cache),
        ) {
            Err(e) => Ok(e),
            Ok(_) => Err(Error::Sim(SimError::ExpiredLeafVerified)),
        }
    }
}

/// The day of `at` counted from `present`: whole days since, rounded down (so a moment 29.9
/// days before the present is day -30, as one 29.9 days after it is day 29).
fn day_of(at: time::OffsetDateTime, present: time::OffsetDateTime) -> i64 {
    (at - present).whole_seconds().div_euclid(86_400)
}
