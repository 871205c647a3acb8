//! cert-manager: renews the anchor (when the simulation manages it: a self-signed
//! Certificate) and the identity issuer by their own rules, with a fresh key under
//! `rotationPolicy: Always` and the same key under `Never`; its CA issuer signs the identity
//! issuer with whatever the anchor Secret holds at that moment.

use super::config::{Config, MAX_GENERATIONS};
use super::error::SimError;
use super::event::{EventId, GenerationId, Timeline, Who};
use super::topology::Held;
use crate::cert::Certificate;
use crate::display::rfc3339;
use crate::error::Error;
use crate::issue::Ca;
use crate::key::PrivateKey;
use crate::rotation::renewal_key;
use crate::spec::{CertSpec, RotationPolicy};
use rand_core::CryptoRngCore;
use time::{Duration, OffsetDateTime};

/// An issuer generation: the Secret's content at one time, and a representative leaf (made
/// when a check first needs it).
#[derive(Debug)]
pub(crate) struct Generation {
    pub(crate) ca: Ca,
    /// What its Secret's `tls.crt` holds and Linkerd presents with each leaf: the issuer, then
    /// the CAs between it and the one the trust roots hold (cert-manager's CA issuer appends
    /// its CA's chain), as they were when it was issued.
    pub(crate) presented: Vec<Certificate>,
    pub(crate) rep: Option<Certificate>,
    pub(crate) event: EventId,
}

/// A renewal time, by the validity it was computed for.
#[derive(Debug, Clone, Copy)]
struct Memo {
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    renew_at: OffsetDateTime,
}

/// A CA above the anchor: its Secret's content, the event that wrote it, its renewal time.
#[derive(Debug)]
pub(crate) struct Upper {
    pub(crate) ca: Ca,
    pub(crate) event: EventId,
    memo: Option<Memo>,
    /// Every certificate it held, with when it was written.
    pub(crate) history: Vec<(Certificate, OffsetDateTime)>,
}

/// The CAs above the anchor, the anchor Secret, the identity issuer Secret's generations, and
/// when each renews next.
#[derive(Debug)]
pub(crate) struct CertManager {
    /// The CAs above the anchor, top down (the topology's `above`).
    pub(crate) above: Vec<Upper>,
    /// The anchor Secret its CA issuer signs with (`None`: the anchor key is off-line and
    /// nothing renews the identity issuer).
    pub(crate) anchor: Option<Ca>,
    /// The event that wrote the anchor Secret last.
    pub(crate) anchor_event: EventId,
    /// Whether it renews the anchor too (a plan: the anchor is a Certificate it manages; by
    /// hand, the anchor is the caller's).
    renews_anchor: bool,
    gens: Vec<Generation>,
    /// The generation the issuer Secret holds.
    pub(crate) issuer_secret: GenerationId,
    /// The issuer could not be signed; retried when the anchor changes.
    blocked: bool,
    anchor_memo: Option<Memo>,
    issuer_memo: Option<Memo>,
    /// Anchors renewed, counted with the issuer generations against [`MAX_GENERATIONS`].
    anchor_renewals: usize,
    /// Every anchor certificate after the first, with when it was written.
    pub(crate) anchor_history: Vec<(Certificate, OffsetDateTime)>,
    /// The previous-anchor Secret with its key (unattended rotation's second CA issuer).
    pub(crate) previous_signer: Option<Ca>,
    /// The identity issuer's issuerRef names the previous-anchor CA issuer, not the anchor's.
    pub(crate) signs_with_previous: bool,
    /// The issuerRef changed while cert-manager was down: it re-issues when it is back.
    pub(crate) pending_reissue: bool,
    /// Leaves are signed with the anchor Secret itself ([`Topology::signer_is_anchor`]): the
    /// issuer's generations are the anchor's, presented with no chain (cert-manager leaves a
    /// self-signed CA out of `tls.crt`).
    ///
    /// [`Topology::signer_is_anchor`]: super::Topology::signer_is_anchor
    pub(crate) signer_is_anchor: bool,
}

impl CertManager {
    pub(crate) fn new(anchor: Option<Ca>, renews_anchor: bool) -> Self {
        Self {
            above: Vec::new(),
            anchor,
            anchor_event: EventId(0),
            renews_anchor,
            gens: Vec::new(),
            issuer_secret: GenerationId(0),
            blocked: false,
            anchor_memo: None,
            issuer_memo: None,
            anchor_renewals: 0,
            anchor_history: Vec::new(),
            previous_signer: None,
            signs_with_previous: false,
            pending_reissue: false,
            signer_is_anchor: false,
        }
    }

    pub(crate) fn anchor_ca(&self) -> Result<&Ca, Error> {
        self.anchor.as_ref().ok_or(Error::Sim(SimError::NoAnchor))
    }

    pub(crate) fn generation(&self, g: GenerationId) -> &Generation {
        &self.gens[g.0]
    }

    pub(crate) fn get(&self, g: GenerationId) -> Option<&Generation> {
        self.gens.get(g.0)
    }

    /// Every issuer generation, in order.
    pub(crate) fn generations(&self) -> &[Generation] {
        &self.gens
    }

    /// The issuer Secret's generation.
    pub(crate) fn issuer(&self) -> &Generation {
        self.generation(self.issuer_secret)
    }

    pub(crate) fn has_issuer(&self) -> bool {
        !self.gens.is_empty()
    }

    /// The number the next generation will have (`identity issuer #N`).
    fn next_number(&self) -> usize {
        self.gens.len() + 1
    }

    /// When it renews the anchor (if it manages it) and the identity issuer (if it can sign
    /// it), by their specs: memoized per certificate validity, as every moment asks.
    pub(crate) fn renewals(
        &mut self,
        cfg: &Config,
    ) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let anchor = self
            .anchor
            .as_ref()
            .filter(|_| self.renews_anchor && cfg.topology.anchor.is_managed())
            .map(|a| (a.certificate().not_before(), a.certificate().not_after()));
        let issuer = self
            .gens
            .get(self.issuer_secret.0)
            .filter(|_| {
                !self.blocked
                    && !self.signer_is_anchor
                    && self.anchor.is_some()
                    && cfg.topology.issuer.is_managed()
            })
            .map(|g| {
                (
                    g.ca.certificate().not_before(),
                    g.ca.certificate().not_after(),
                )
            });
        (
            renewal_at(&mut self.anchor_memo, &cfg.anchor, anchor),
            renewal_at(&mut self.issuer_memo, &cfg.issuer, issuer),
        )
    }

    /// The CAs above the anchor (adopted at install, top down).
    pub(crate) fn adopt_above(&mut self, above: Vec<(Ca, EventId)>, now: OffsetDateTime) {
        self.above = above
            .into_iter()
            .map(|(ca, event)| Upper {
                history: vec![(ca.certificate().clone(), now)],
                ca,
                event,
                memo: None,
            })
            .collect();
    }

    /// The first CA above the anchor that cert-manager renews by `now`'s schedule: its index
    /// and renewal time (the earliest).
    pub(crate) fn above_renewal(&mut self, cfg: &Config) -> Option<(usize, OffsetDateTime)> {
        let mut best: Option<(usize, OffsetDateTime)> = None;
        for (i, (u, node)) in self.above.iter_mut().zip(&cfg.topology.above).enumerate() {
            if !node.kind.is_managed() {
                continue;
            }
            let c = u.ca.certificate();
            let at = renewal_at(
                &mut u.memo,
                &node.spec,
                Some((c.not_before(), c.not_after())),
            );
            if let Some(at) = at
                && best.is_none_or(|(_, b)| at < b)
            {
                best = Some((i, at));
            }
        }
        best
    }

    /// Counts one more CA renewal against [`MAX_GENERATIONS`].
    fn count_renewal(&mut self, now: OffsetDateTime) -> Result<(), Error> {
        self.anchor_renewals = self.anchor_renewals.saturating_add(1);
        if self.gens.len().saturating_add(self.anchor_renewals) > MAX_GENERATIONS {
            return Err(Error::Sim(SimError::Generations {
                anchors: self.anchor_renewals,
                issuers: self.gens.len(),
                max: MAX_GENERATIONS,
                at: now,
            }));
        }
        Ok(())
    }

    /// Renews the CA `i` above the anchor: signed by the CA above it as its Secret holds it
    /// now (or self-signed at the top). What it signs sees the change at its own next renewal.
    pub(crate) fn renew_above<R: CryptoRngCore>(
        &mut self,
        cfg: &Config,
        i: usize,
        now: OffsetDateTime,
        rng: &mut R,
        timeline: &mut Timeline,
    ) -> Result<EventId, Error> {
        self.count_renewal(now)?;
        let node = &cfg.topology.above[i];
        let key = renewal_key(&node.spec, Some(self.above[i].ca.private_key()), rng);
        let old = self.above[i].ca.certificate();
        let rule = crate::renewal::renewal_words(&node.spec, old.not_before(), old.not_after());
        let ca = match i.checked_sub(1) {
            Some(p) => self.above[p].ca.issue_ca(&node.spec, key, now, rng)?.ca,
            None => Ca::self_signed(&node.spec, key, now, rng)?,
        };
        let causes = i
            .checked_sub(1)
            .map(|p| self.above[p].event)
            .into_iter()
            .collect();
        let event = timeline.log(
            now,
            Who::CertManager,
            format!(
                "Renewed (renewal time reached) {}: new CA ({}; {rule}), notAfter {}",
                node.name,
                policy_words(&node.spec),
                rfc3339(ca.certificate().not_after())
            ),
            causes,
        );
        let mut history = std::mem::take(&mut self.above[i].history);
        history.push((ca.certificate().clone(), now));
        self.above[i] = Upper {
            ca,
            event,
            memo: None,
            history,
        };
        Ok(event)
    }

    /// Renews the anchor: a new anchor in the anchor Secret (a new key under `Always`),
    /// self-signed or signed by the CA above it. The caller has trust-manager publish it.
    pub(crate) fn renew_anchor<R: CryptoRngCore>(
        &mut self,
        cfg: &Config,
        now: OffsetDateTime,
        rng: &mut R,
        timeline: &mut Timeline,
        verb: &str,
    ) -> Result<EventId, Error> {
        self.count_renewal(now)?;
        let current = self.anchor.as_ref().map(Ca::private_key);
        let key = renewal_key(&cfg.anchor, current, rng);
        let policy = policy_words(&cfg.anchor);
        let old = self.anchor_ca()?.certificate();
        let rule = crate::renewal::renewal_words(&cfg.anchor, old.not_before(), old.not_after());
        let (ca, causes, signed) = match self.above.last() {
            Some(parent) => (
                parent.ca.issue_ca(&cfg.anchor, key, now, rng)?.ca,
                vec![parent.event],
                format!(
                    ", signed by {} (notBefore {})",
                    cfg.topology.above.last().map_or("", |n| n.name.as_str()),
                    rfc3339(parent.ca.certificate().not_before())
                ),
            ),
            None => (
                Ca::self_signed(&cfg.anchor, key, now, rng)?,
                vec![],
                String::new(),
            ),
        };
        self.anchor_history.push((ca.certificate().clone(), now));
        self.anchor = Some(ca);
        self.anchor_event = timeline.log(
            now,
            Who::CertManager,
            format!(
                "{verb} Certificate {}: new trust {} ({policy}; {rule}){signed}",
                cfg.names.anchor, cfg.names.anchor_noun
            ),
            causes,
        );
        self.blocked = false;
        Ok(self.anchor_event)
    }

    /// Issues the identity issuer with the anchor Secret as it is now: the new generation, or
    /// `None` when the CA issuer cannot sign (logged; retried when the anchor changes).
    pub(crate) fn issue_issuer<R: CryptoRngCore>(
        &mut self,
        cfg: &Config,
        now: OffsetDateTime,
        rng: &mut R,
        timeline: &mut Timeline,
        causes: Vec<EventId>,
        verb: &str,
    ) -> Result<Option<GenerationId>, Error> {
        if self.gens.len().saturating_add(self.anchor_renewals) >= MAX_GENERATIONS {
            return Err(Error::Sim(SimError::Generations {
                anchors: self.anchor_renewals,
                issuers: self.gens.len(),
                max: MAX_GENERATIONS,
                at: now,
            }));
        }
        if self.signer_is_anchor {
            return self.take_anchor(cfg, now, timeline, causes).map(Some);
        }
        let current = self
            .gens
            .get(self.issuer_secret.0)
            .map(|g| g.ca.private_key());
        let key = renewal_key(&cfg.issuer, current, rng);
        let (signer, secret) = if self.signs_with_previous {
            (self.previous_signer.as_ref(), "previous-anchor")
        } else {
            (self.anchor.as_ref(), "anchor")
        };
        let signed = match signer {
            Some(anchor) => anchor.issue_ca(&cfg.issuer, key, now, rng),
            None => Err(Error::Sim(SimError::NoAnchor)),
        };
        let issued = match signed {
            Ok(i) => i.ca,
            Err(e) => {
                // cert-manager retries; nothing changes until the anchor Secret does.
                self.blocked = true;
                timeline.log(
                    now,
                    Who::CertManager,
                    format!(
                        "Certificate {}: the CA issuer cannot sign: {e}",
                        cfg.names.issuer
                    ),
                    causes,
                );
                return Ok(None);
            }
        };
        let signer_since = signer.map_or(now, |a| a.certificate().not_before());
        let event = timeline.log(
            now,
            Who::CertManager,
            format!(
                "{verb} Certificate {}: identity issuer #{} signed by the {secret} Secret's certificate (notBefore {}), notAfter {}",
                cfg.names.issuer,
                self.next_number(),
                rfc3339(signer_since),
                rfc3339(issued.certificate().not_after())
            ),
            causes,
        );
        self.blocked = false;
        Ok(Some(self.push(issued, event, cfg.topology.roots.holds)))
    }

    /// The CA issuer over the anchor Secret signs with what that Secret holds now: a new
    /// generation that is the anchor itself ([`Topology::signer_is_anchor`]).
    ///
    /// [`Topology::signer_is_anchor`]: super::Topology::signer_is_anchor
    fn take_anchor(
        &mut self,
        cfg: &Config,
        now: OffsetDateTime,
        timeline: &mut Timeline,
        causes: Vec<EventId>,
    ) -> Result<GenerationId, Error> {
        // Pointed at a CA issuer on a copy of the old root (a rotation's first step), it signs
        // with that copy.
        let (anchor, secret) = match (&self.previous_signer, self.signs_with_previous) {
            (Some(p), true) => (p.clone_ca(), "previous"),
            _ => (self.anchor_ca()?.clone_ca(), "anchor"),
        };
        let event = timeline.log(
            now,
            Who::CertManager,
            format!(
                "{} signs with the {secret} Secret's certificate #{} (notBefore {}, notAfter {})",
                cfg.names.issuer,
                self.next_number(),
                rfc3339(anchor.certificate().not_before()),
                rfc3339(anchor.certificate().not_after())
            ),
            causes,
        );
        self.blocked = false;
        Ok(self.push(anchor, event, cfg.topology.roots.holds))
    }

    /// Today's issuer Secret as the first generation; `name` starts the line (`Secret holds
    /// (today) Certificate linkerd/linkerd-identity-issuer`).
    pub(crate) fn adopt_issuer(
        &mut self,
        issuer: Ca,
        name: &str,
        (now, holds): (OffsetDateTime, Held),
        timeline: &mut Timeline,
    ) {
        let event = timeline.log(
            now,
            Who::CertManager,
            format!(
                "{name}: identity issuer #1, notBefore {}, notAfter {}",
                rfc3339(issuer.certificate().not_before()),
                rfc3339(issuer.certificate().not_after())
            ),
            vec![],
        );
        self.push(issuer, event, holds);
    }

    /// The operator writes the issuer Secret (driven by hand).
    pub(crate) fn write_issuer(
        &mut self,
        issuer: Ca,
        name: &str,
        now: OffsetDateTime,
        timeline: &mut Timeline,
    ) -> GenerationId {
        let event = timeline.log(
            now,
            Who::Operator,
            format!(
                "wrote the identity issuer Secret {name}: identity issuer #{}",
                self.next_number()
            ),
            vec![],
        );
        self.push(issuer, event, Held::Signer)
    }

    /// Replaces the anchor its CA issuer signs with (driven by hand).
    pub(crate) fn set_anchor(&mut self, anchor: Option<Ca>) {
        self.anchor = anchor;
        self.blocked = false;
    }

    /// The CAs between the identity issuer and the one the trust roots hold, as the Secrets
    /// hold them now: the signer, then the CAs above it below the held one.
    fn chain_above_issuer(&self, holds: Held) -> Vec<Certificate> {
        let Held::Above(i) = holds else {
            return Vec::new();
        };
        self.anchor
            .iter()
            .map(|a| a.certificate().clone())
            .chain(
                self.above
                    .iter()
                    .skip(i.saturating_add(1))
                    .rev()
                    .map(|u| u.ca.certificate().clone()),
            )
            .collect()
    }

    fn push(&mut self, ca: Ca, event: EventId, holds: Held) -> GenerationId {
        let presented = if self.signer_is_anchor {
            // The anchor signs: its chain up to the CA the roots hold, without itself when
            // the roots hold it (a self-signed root).
            self.chain_above_issuer(holds)
        } else {
            std::iter::once(ca.certificate().clone())
                .chain(self.chain_above_issuer(holds))
                .collect()
        };
        self.gens.push(Generation {
            presented,
            ca,
            rep: None,
            event,
        });
        self.issuer_secret = GenerationId(self.gens.len() - 1);
        self.issuer_secret
    }

    /// A generation's representative leaf, made on first use: it spans the issuer's whole
    /// validity, so at any moment inside it, it verifies exactly as every real leaf of this
    /// generation that is valid then.
    pub(crate) fn representative<R: CryptoRngCore>(
        &mut self,
        (g, mesh): (GenerationId, &super::Mesh),
        rng: &mut R,
    ) -> Result<Certificate, Error> {
        if let Some(rep) = &self.gens[g.0].rep {
            return Ok(rep.clone());
        }
        let issuer = self.gens[g.0].ca.clone_ca();
        let mut spec = mesh.workload(&mesh.pod_identity("default/representative"));
        // A zero-length issuer (signed at its signer's last second) still gets a leaf, capped
        // at the same instant.
        spec.duration = issuer.certificate().lifetime().max(Duration::SECOND);
        spec.backdate = Duration::ZERO;
        let at = issuer.certificate().not_before();
        let rep = issuer
            .issue(&spec, PrivateKey::generate(rng).public_key(), at, rng)?
            .certificate;
        self.gens[g.0].rep = Some(rep.clone());
        Ok(rep)
    }
}

/// How a renewal of `spec` treats the key, in the timeline's words.
fn policy_words(spec: &CertSpec) -> &'static str {
    match spec.get_rotation_policy() {
        RotationPolicy::Never => "same key: rotationPolicy Never",
        _ => "new key: rotationPolicy Always",
    }
}

/// When a certificate of `spec` valid over `validity` renews, memoized in `memo`.
fn renewal_at(
    memo: &mut Option<Memo>,
    spec: &CertSpec,
    validity: Option<(OffsetDateTime, OffsetDateTime)>,
) -> Option<OffsetDateTime> {
    let (not_before, not_after) = validity?;
    match memo {
        Some(m) if m.not_before == not_before && m.not_after == not_after => Some(m.renew_at),
        _ => {
            // At least a second after issuance: a certificate cut short at its signer's
            // notAfter renews ever sooner as that nears; time moves on, and the signer's
            // expiry ends it (the CA issuer cannot sign with an expired CA).
            let renew_at = crate::renewal::cert_manager_renewal(spec, not_before, not_after)
                .0
                .renew_at
                .max(not_before + Duration::SECOND);
            *memo = Some(Memo {
                not_before,
                not_after,
                renew_at,
            });
            Some(renew_at)
        }
    }
}
