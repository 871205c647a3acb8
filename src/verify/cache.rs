//! The signature cache shared by verifications ([`SignatureCache`]): links of verified paths,
//! and prepared keys (DESIGN §13) for the issuers met again.

use crate::cert::Certificate;
use crate::key::PreparedKey;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// (child certificate fingerprint, issuer certificate fingerprint).
pub(super) type SignatureKey = ([u8; 32], [u8; 32]);

/// A bounded cache of signature links that verified, keyed by the child's and the issuer's
/// DER fingerprints. A signature over fixed bytes with a fixed key verifies forever, so an
/// entry never goes stale; every other check (validity, CA rules, usage, names, the anchor's
/// membership in the bundle) is redone on each call.
///
/// Only the links of paths that verified are kept, so a peer's chain that fails adds nothing,
/// and a hit costs a verification as much budget as the signature check it saves
/// ([`VerifyOptions::max_signature_checks`](super::VerifyOptions::max_signature_checks)): what the cache holds never makes a call do more
/// work. The cache holds at most its capacity ([`SignatureCache::DEFAULT_CAPACITY`] = 1,024
/// links unless set with [`SignatureCache::with_capacity`]); the least recently used links go
/// first (two generations of half the capacity each: a link used in the current or the
/// previous generation stays).
///
/// [`SignatureCache::new`] keeps only links whose child is a CA (issuer → anchor): each
/// workload leaf's own signature is still checked on every call.
/// [`SignatureCache::including_leaves`] also keeps leaf links, for one batch that verifies
/// the same leaves many times (such as checking every pair of a mesh).
///
/// It also keeps [`PreparedKey`]s (DESIGN §13) for issuer keys it meets again: a key that
/// signed a link of a path that verified is remembered; the second such path builds its
/// table, and from then on signatures under it (each workload leaf's, under its issuer) are
/// checked on the prepared path, several times faster. Only keys of verified paths qualify,
/// so a peer cannot make it build tables for keys of its own. At most
/// [`SignatureCache::DEFAULT_PREPARED_KEYS`] tables are kept (unless set with
/// [`SignatureCache::with_limits`]), each [`PreparedKey::TABLE_BYTES`] (about 400 KB); the
/// least recently used goes first.
#[derive(Debug)]
pub struct SignatureCache {
    links: Mutex<Generations>,
    leaves: bool,
    prepared: Mutex<PreparedKeys>,
}

/// The prepared-key side of a [`SignatureCache`].
#[derive(Debug)]
struct PreparedKeys {
    /// (SEC1 point, table, last use), at most `max`.
    tables: Vec<([u8; 65], Arc<PreparedKey>, u64)>,
    /// Keys seen once on a verified path (bounded: cleared past 1,024).
    seen: HashSet<[u8; 65]>,
    tick: u64,
    max: usize,
}

impl PreparedKeys {
    fn new(max: usize) -> Self {
        Self {
            tables: Vec::new(),
            seen: HashSet::new(),
            tick: 0,
            max,
        }
    }

    fn get(&mut self, point: &[u8; 65]) -> Option<Arc<PreparedKey>> {
        self.tick += 1;
        let tick = self.tick;
        self.tables
            .iter_mut()
            .find(|(p, _, _)| p == point)
            .map(|(_, t, used)| {
                *used = tick;
                Arc::clone(t)
            })
    }

    /// Whether `point` was seen before (and so deserves a table now); remembers it.
    fn second_sighting(&mut self, point: &[u8; 65]) -> bool {
        if self.max == 0 || self.tables.iter().any(|(p, _, _)| p == point) {
            return false;
        }
        if self.seen.contains(point) {
            return true;
        }
        if self.seen.len() >= 1_024 {
            self.seen.clear();
        }
        self.seen.insert(*point);
        false
    }

    fn insert(&mut self, point: [u8; 65], table: Arc<PreparedKey>) {
        self.seen.remove(&point);
        if self.tables.iter().any(|(p, _, _)| *p == point) {
            return;
        }
        if self.tables.len() >= self.max
            && let Some(oldest) = self
                .tables
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, _, used))| *used)
                .map(|(i, _)| i)
        {
            self.tables.swap_remove(oldest);
        }
        self.tick += 1;
        self.tables.push((point, table, self.tick));
    }
}

#[derive(Debug)]
struct Generations {
    current: HashSet<SignatureKey>,
    previous: HashSet<SignatureKey>,
    /// Entries per generation (half the capacity, at least one).
    half: usize,
}

impl Generations {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            current: HashSet::new(),
            previous: HashSet::new(),
            half: (capacity / 2).max(1),
        }
    }

    fn contains(&mut self, key: &SignatureKey) -> bool {
        if self.current.contains(key) {
            return true;
        }
        if self.previous.remove(key) {
            self.insert(*key);
            return true;
        }
        false
    }

    fn insert(&mut self, key: SignatureKey) {
        if self.current.len() >= self.half && !self.current.contains(&key) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key);
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

impl Default for SignatureCache {
    fn default() -> Self {
        Self::with_limits(Self::DEFAULT_CAPACITY, Self::DEFAULT_PREPARED_KEYS)
    }
}

impl SignatureCache {
    /// The default bound: 1,024 links (about 70 KB).
    pub const DEFAULT_CAPACITY: usize = 1_024;

    /// An empty cache of CA links, holding at most [`Self::DEFAULT_CAPACITY`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The default bound on prepared keys: 8 tables (about 3.2 MB).
    pub const DEFAULT_PREPARED_KEYS: usize = 8;

    /// An empty cache of CA links holding at most `capacity` (at least 2).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_limits(capacity, Self::DEFAULT_PREPARED_KEYS)
    }

    /// An empty cache of CA links holding at most `links` links and `prepared_keys` prepared
    /// keys (0: none, every signature on p256's plain path).
    pub fn with_limits(links: usize, prepared_keys: usize) -> Self {
        Self {
            links: Mutex::new(Generations::with_capacity(links)),
            leaves: false,
            prepared: Mutex::new(PreparedKeys::new(prepared_keys)),
        }
    }

    /// How many prepared keys are held.
    pub fn prepared_keys(&self) -> usize {
        self.prepared.lock().map(|p| p.tables.len()).unwrap_or(0)
    }

    pub(super) fn prepared_key(&self, point: &[u8; 65]) -> Option<Arc<PreparedKey>> {
        self.prepared.lock().ok().and_then(|mut p| p.get(point))
    }

    /// An empty cache that also keeps leaf → issuer links, holding at most `capacity`.
    pub fn including_leaves(capacity: usize) -> Self {
        Self {
            leaves: true,
            ..Self::with_capacity(capacity)
        }
    }

    /// How many links are cached.
    pub fn len(&self) -> usize {
        self.links.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn keeps(&self, child: &Certificate) -> bool {
        self.leaves || child.is_ca()
    }

    pub(super) fn hit(&self, key: &SignatureKey) -> bool {
        self.links.lock().is_ok_and(|mut m| m.contains(key))
    }

    /// Keeps the links of a path that verified (leaf first, anchor last), and prepares the
    /// issuer keys met on a verified path for the second time.
    pub(super) fn keep_path(&self, path: &[&Certificate], anchor: &Certificate) {
        let issuers: Vec<&Certificate> = path.iter().skip(1).copied().chain([anchor]).collect();
        if let Ok(mut m) = self.links.lock() {
            for (child, issuer) in path.iter().zip(&issuers) {
                if self.keeps(child) {
                    m.insert((child.fingerprint().0, issuer.fingerprint().0));
                }
            }
        }
        // Only the leaf's issuer signs many signatures worth a table (CA links are cached).
        let Some(key) = issuers.first().and_then(|i| i.public_key().ok()) else {
            return;
        };
        let point = *key.sec1_bytes();
        let build = self
            .prepared
            .lock()
            .is_ok_and(|mut p| p.second_sighting(&point));
        if build {
            // Built outside the lock: other verifications go on meanwhile.
            let table = Arc::new(PreparedKey::new(key));
            if let Ok(mut p) = self.prepared.lock() {
                p.insert(point, table);
            }
        }
    }
}
