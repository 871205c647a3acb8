//! trust-manager: the trust bundle built from its sources (the anchor Secret and, where the
//! Bundle has one, the previous-anchor Secret), published as soon as a source changes; or,
//! driven by hand, the bundle the operator writes.

use super::event::{BundleId, EventId, Timeline, Who};
use crate::anchor::TrustAnchor;
use crate::bundle::TrustBundle;
use crate::cert::Certificate;
use crate::error::Error;
use time::OffsetDateTime;

/// The previous-anchor Secret: its certificate, and the event that wrote it.
#[derive(Debug)]
pub(crate) struct PreviousAnchor {
    pub(crate) certificate: Certificate,
    pub(crate) event: EventId,
}

/// Every bundle published, in order; the last is the ConfigMap's content.
#[derive(Debug, Default)]
pub(crate) struct TrustManager {
    pub(crate) previous: Option<PreviousAnchor>,
    /// Certificates the roots hold besides the anchor and the previous anchor.
    pub(crate) others: Vec<Certificate>,
    /// The roots are a static set (a ConfigMap, Helm values): written by an operation, not
    /// synced by trust-manager.
    pub(crate) static_roots: bool,
    /// The kind of object static roots are (`ConfigMap`), as messages print it.
    pub(crate) static_kind: String,
    /// Static roots only: the anchor they held when an operator staged a new one (the
    /// procedure's first step writes {new, old}), until a step drops it.
    pub(crate) staged_old: Option<Certificate>,
    /// trust-manager's `--filter-expired-certificates` and `--filter-non-ca-certs`
    /// ([`TrustRoots::filter`](crate::plan::TrustRoots::filter)).
    pub(crate) filter: crate::plan::BundleFilter,
    bundles: Vec<TrustBundle>,
    /// The event that published each bundle.
    events: Vec<EventId>,
    published: Option<BundleId>,
    published_event: Option<EventId>,
    /// When the bundle published last was published.
    published_at: Option<OffsetDateTime>,
    /// Bundles derived from published ones and never published themselves (what a consumer
    /// keeps of one): their ids, left out of [`history`](Self::history).
    derived: Vec<BundleId>,
}

impl TrustManager {
    pub(crate) fn bundle(&self, id: BundleId) -> &TrustBundle {
        &self.bundles[id.0]
    }

    /// The bundle published last.
    pub(crate) fn published(&self) -> BundleId {
        self.published.unwrap_or(BundleId(0))
    }

    /// The event that published it.
    pub(crate) fn published_event(&self) -> EventId {
        self.published_event.unwrap_or(EventId(0))
    }

    /// When the bundle published last was published (the start, before any).
    pub(crate) fn published_at(&self) -> OffsetDateTime {
        self.published_at.unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    pub(crate) fn published_bundle(&self) -> &TrustBundle {
        self.bundle(self.published())
    }

    /// Builds the bundle from the sources (the anchor's certificate, where the roots hold it,
    /// the previous anchor's and the others) and publishes it if it changed: the new bundle's
    /// id, or `None` when nothing changed. `name` is the bundle's, `noun` what the mesh calls
    /// what it holds (`anchor`, `root`).
    ///
    /// # Errors
    /// A previous-anchor certificate that is no anchor.
    pub(crate) fn sync(
        &mut self,
        anchor: Option<&Certificate>,
        (name, noun): (&str, &str),
        now: OffsetDateTime,
        timeline: &mut Timeline,
        causes: Vec<EventId>,
    ) -> Result<Option<BundleId>, Error> {
        let mut anchors: Vec<_> = anchor
            .iter()
            .map(|a| TrustAnchor::new_unchecked((*a).clone()))
            .collect();
        if let Some(prev) = &self.previous {
            anchors.push(TrustAnchor::new(prev.certificate.clone())?);
        }
        if let Some(old) = self.staged_old.as_ref().filter(|_| self.static_roots) {
            anchors.push(TrustAnchor::new_unchecked(old.clone()));
        }
        anchors.extend(self.others.iter().cloned().map(TrustAnchor::new_unchecked));
        // trust-manager's CertPool filters (pkg/util/cert_pool.go), applied as it builds the
        // bundle; a static set is written by a person, unfiltered.
        if !self.static_roots {
            let f = self.filter;
            anchors.retain(|a| {
                let c = a.certificate();
                let expired = f.expired && c.not_after() < now;
                let not_ca = f.non_ca && !c.is_ca();
                !(expired || not_ca)
            });
        }
        let bundle = TrustBundle::from_anchors(anchors);
        if self.published.is_some() && *self.published_bundle() == bundle {
            return Ok(None);
        }
        let subjects = bundle.len();
        let (who, what) = if self.static_roots {
            (
                Who::Operator,
                format!(
                    "{} {name} holds {subjects} {noun}(s) (static trust roots)",
                    self.static_kind
                ),
            )
        } else {
            (
                Who::TrustManager,
                format!("Synced Bundle {name}: {subjects} {noun}(s) from its sources"),
            )
        };
        let event = timeline.log(now, who, what, causes);
        self.published_at = Some(now);
        Ok(Some(self.push(bundle, event)))
    }

    /// The operator writes `bundle` (driven by hand).
    pub(crate) fn write(
        &mut self,
        bundle: TrustBundle,
        name: &str,
        now: OffsetDateTime,
        timeline: &mut Timeline,
    ) -> BundleId {
        let n = bundle.len();
        let event = timeline.log(
            now,
            Who::Operator,
            format!("wrote the trust bundle {name} ({n} anchor(s))"),
            vec![],
        );
        self.published_at = Some(now);
        self.push(bundle, event)
    }

    /// Every bundle published, with the event that published it.
    pub(crate) fn history(&self) -> impl Iterator<Item = (&TrustBundle, EventId)> {
        self.bundles
            .iter()
            .zip(self.events.iter().copied())
            .enumerate()
            .filter(|(i, _)| !self.derived.contains(&BundleId(*i)))
            .map(|(_, b)| b)
    }

    /// Keeps `bundle`, derived from the published one by a consumer, beside the published
    /// bundles without publishing it: its id.
    pub(crate) fn derive(&mut self, bundle: TrustBundle) -> BundleId {
        self.bundles.push(bundle);
        self.events.push(self.published_event());
        let id = BundleId(self.bundles.len() - 1);
        self.derived.push(id);
        id
    }

    fn push(&mut self, bundle: TrustBundle, event: EventId) -> BundleId {
        self.bundles.push(bundle);
        self.events.push(event);
        let id = BundleId(self.bundles.len() - 1);
        self.published = Some(id);
        self.published_event = Some(event);
        id
    }
}
