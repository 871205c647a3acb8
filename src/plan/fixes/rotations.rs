//! The planned-rotation candidates: the anchor's renewBefore set so that its automatic
//! renewal (an unplanned re-key) never comes first, and the seven-step rotation before each
//! automatic renewal that falls inside the horizon, as often as the anchor's lifetime needs;
//! and the previous-anchor Secret as a second Bundle source, which a rotation's step 1 needs
//! to publish {new, old}.

use super::{Candidate, FieldChange, Knob, Operation};
use crate::display::rfc3339;
use crate::duration::GoDuration;
use crate::error::Error;
use crate::plan::{Config, issuer_renewal_before};
use crate::presets::linkerd;
use crate::rotation::Procedure;
use time::{Duration, OffsetDateTime};

/// The most rotations one candidate plans over its horizon (an operations document holds
/// at most 64 operations): an anchor so short that more are needed is left to unattended
/// rotation.
pub const MAX_PLANNED_ROTATIONS: usize = 48;

/// When the seven-step procedure re-signs the identity issuer, after its start (step 4, five
/// minutes a step): the issuer's automatic renewals count from then.
const RESIGN_AFTER: Duration = Duration::minutes(15);

/// The renewBefore and lead (how long before the automatic renewal a rotation starts) for an
/// anchor of duration `d`: the intended 1440h a week ahead for an anchor of more than twice
/// that (120 days), else a third of its life with a quarter of the rest (at most a week) as
/// lead.
fn renew_before_and_lead(d: Duration) -> (Duration, Duration) {
    let intended = linkerd::TRUST_ANCHOR_RENEW_BEFORE_INTENDED;
    if d > intended * 2 {
        return (intended, Duration::days(7));
    }
    let rb = Duration::hours(d.whole_hours() / 3);
    let lead: Duration = (d - rb) / 4;
    (rb, lead.min(Duration::days(7)))
}

/// The last automatic renewal of an identity issuer renewing every `period` since `phase`,
/// at or before `before` (none before the first).
fn issuer_renewal(
    phase: OffsetDateTime,
    period: Duration,
    before: OffsetDateTime,
) -> Option<OffsetDateTime> {
    let n = (before - phase).whole_seconds() / period.whole_seconds().max(1);
    (n >= 1).then(|| phase.checked_add(period * i32::try_from(n).ok()?))?
}

/// The rotation dates for `probe` (its anchor's renewBefore set, no rotation planned): one a
/// lead before each automatic anchor renewal inside the horizon (for a static anchor, before
/// each notAfter), a minute after an identity issuer renewal where cert-manager renews it (so
/// no renewal falls inside steps 1 to 3), each computed on the last's new anchor and
/// re-signed issuer. `None` when one cannot be placed (before the present, or more than
/// [`MAX_PLANNED_ROTATIONS`]).
fn dates(probe: &Config, lead: Duration) -> Option<Vec<OffsetDateTime>> {
    // Istio's procedure moves the signer at its second step, a leaf lifetime in.
    let resign_after = if matches!(probe.mesh, crate::sim::Mesh::Linkerd) {
        RESIGN_AFTER
    } else {
        Procedure::IstioRoot.gap(probe.mesh.leaf_lifetime())
    };
    let d = probe.anchor.get_duration();
    let (not_before, not_after) = match &probe.secrets {
        Some(s) => (
            s.anchor.certificate().not_before(),
            s.anchor.certificate().not_after(),
        ),
        None => (probe.start, probe.start.checked_add(d)?),
    };
    let managed = probe.topology.anchor.is_managed();
    let (mut deadline, every) = if managed {
        let (renewal, _) =
            crate::renewal::cert_manager_renewal(&probe.anchor, not_before, not_after);
        (
            renewal.renew_at,
            crate::renewal::renews_after(&probe.anchor)?,
        )
    } else {
        // A new anchor made by hand lives as long as this one.
        (not_after, not_after - not_before)
    };
    // A CA issuer over the root itself has no renewals of its own.
    let period = crate::renewal::renews_after(&probe.issuer).filter(|p| {
        *p > Duration::ZERO
            && probe.topology.issuer.is_managed()
            && !probe.topology.signer_is_anchor
    });
    if every <= lead {
        return None;
    }
    let end = probe.now().checked_add(probe.horizon)?;
    if !matches!(probe.mesh, crate::sim::Mesh::Linkerd) {
        return istio_dates(probe, (deadline, every, lead), period, resign_after, end);
    }
    let mut out = Vec::new();
    // The first rotation counts the issuer's renewals as the plan does; later ones from the
    // re-sign of the rotation before.
    let mut start = match period {
        Some(_) => issuer_renewal_before(probe, deadline - lead)?.checked_add(Duration::MINUTE)?,
        None => deadline - lead,
    };
    while deadline < end {
        if start < probe.now() || out.len() == MAX_PLANNED_ROTATIONS {
            return None;
        }
        out.push(start);
        deadline = start.checked_add(every)?;
        start = match period {
            Some(p) => issuer_renewal(start.checked_add(resign_after)?, p, deadline - lead)?
                .checked_add(Duration::MINUTE)?,
            None => deadline - lead,
        };
    }
    Some(out)
}

/// [`dates`] for Istio's procedure: a lead before each automatic root renewal, moved a
/// minute past an intermediate's renewal (every `period`, counted from the start and then
/// from each rotation's re-sign) that would fall between its first step and the re-sign
/// `resign_after` later, when cert-manager would sign the intermediate with the new root
/// before every agent trusts it.
fn istio_dates(
    probe: &Config,
    (mut deadline, every, lead): (OffsetDateTime, Duration, Duration),
    period: Option<Duration>,
    resign_after: Duration,
    end: OffsetDateTime,
) -> Option<Vec<OffsetDateTime>> {
    let clear = |at: OffsetDateTime, phase: OffsetDateTime| -> Option<OffsetDateTime> {
        let Some(p) = period else { return Some(at) };
        let p_s = p.whole_seconds().max(1);
        let k = ((at - phase).whole_seconds() + p_s - 1)
            .div_euclid(p_s)
            .max(1);
        let next = phase.checked_add(p.checked_mul(i32::try_from(k).ok()?)?)?;
        if next < at.checked_add(resign_after)? {
            next.checked_add(Duration::MINUTE)
        } else {
            Some(at)
        }
    };
    let mut out = Vec::new();
    let mut phase = probe.start;
    while deadline < end {
        let start = clear(deadline - lead, phase)?;
        if start < probe.now() || start >= deadline || out.len() == MAX_PLANNED_ROTATIONS {
            return None;
        }
        out.push(start);
        phase = start.checked_add(resign_after)?;
        deadline = start.checked_add(every)?;
    }
    Some(out)
}

/// The planned-rotation candidate for `cfg`, if its dates can be placed: for an anchor
/// cert-manager renews, its renewBefore and a rotation before each automatic renewal; for a
/// static anchor (a Secret or trust roots nothing renews), a new anchor made by hand and
/// rotated to before each notAfter.
///
/// # Errors
/// None today; kept for the candidates' common signature.
pub(super) fn seven_step(cfg: &Config, out: &mut Vec<Candidate>) -> Result<(), Error> {
    let d = cfg.anchor.get_duration();
    let managed = cfg.topology.anchor.is_managed();
    let istio = !matches!(cfg.mesh, crate::sim::Mesh::Linkerd);
    // Istio's root made by hand is not modelled: its rotation starts with cert-manager's.
    if !managed && (istio || cfg.topology.anchor != crate::sim::CaKind::Static) {
        return Ok(());
    }
    let procedure = if istio {
        Procedure::IstioRoot
    } else {
        Procedure::SevenStep
    };
    let (rb, lead) = if managed {
        renew_before_and_lead(d)
    } else {
        let quarter: Duration = d / 4;
        (Duration::ZERO, quarter.min(Duration::days(7)))
    };
    if managed && (rb < crate::renewal::MINIMUM_RENEW_BEFORE || d <= rb + lead) {
        return Ok(());
    }
    let base = if managed {
        let mut spec = cfg.anchor.clone().renew_before(rb);
        spec.renew_before_percentage = None;
        cfg.clone().anchor_spec(spec)
    } else {
        cfg.clone()
    };
    let probe = Config {
        rotation: None,
        later_rotations: Vec::new(),
        ..base
    };
    let Some(dates) = dates(&probe, lead) else {
        return Ok(());
    };
    let Some(&first) = dates.first() else {
        return Ok(());
    };
    let mut c = probe;
    for &at in &dates {
        c = c.rotate_again_at(at, procedure);
    }
    let anchor = &cfg.names.anchor;
    let change = match (managed, dates.len()) {
        _ if istio => istio_change(cfg, rb, lead, &dates),
        (true, 1) => format!(
            "renewBefore: {} on {anchor}, and the seven-step rotation started at {} (one minute after an issuer renewal, {} before the anchor's automatic renewal: a planned rotation instead of the unplanned re-key)",
            GoDuration(rb),
            rfc3339(first),
            GoDuration(lead)
        ),
        (true, n) => format!(
            "renewBefore: {} on {anchor}, and the seven-step rotation {n} times, every {} or so from {} (each one minute after an issuer renewal, {} before the anchor's automatic renewal: the anchor lives {}, so each new anchor needs its own planned rotation instead of the unplanned re-key)",
            GoDuration(rb),
            GoDuration(d - rb - lead),
            rfc3339(first),
            GoDuration(lead),
            GoDuration(d)
        ),
        (false, n) => format!(
            "a new anchor made by hand (step certificate create ... --profile root-ca --not-after {}) and the seven-step rotation to it {}, from {} ({} before each notAfter: nothing renews the static anchor {anchor}; the procedure's commands are in operations.txt)",
            GoDuration(d),
            if n == 1 {
                "once".to_owned()
            } else {
                format!("{n} times")
            },
            rfc3339(first),
            GoDuration(lead)
        ),
    };
    let fields = if managed {
        vec![FieldChange {
            certificate: cfg.names.anchor.clone(),
            field: "spec.renewBefore",
            value: GoDuration(rb).to_string(),
            replaces: None,
        }]
    } else {
        Vec::new()
    };
    out.push(Candidate {
        knob: Knob::SevenStep,
        change,
        fields,
        operations: dates
            .iter()
            .map(|&at| Operation::Rotate { at, procedure })
            .collect(),
        cfg: c,
    });
    Ok(())
}

/// What the Istio root rotation candidate says: the root's renewBefore, and the rotation
/// before each automatic renewal, with its order and waits.
fn istio_change(cfg: &Config, rb: Duration, lead: Duration, dates: &[OffsetDateTime]) -> String {
    let gap = GoDuration(Procedure::IstioRoot.gap(cfg.mesh.leaf_lifetime()));
    let when = match dates {
        [first] => format!("started at {}", rfc3339(*first)),
        [first, ..] => format!(
            "{} times, every {} or so from {}",
            dates.len(),
            GoDuration(cfg.anchor.get_duration() - rb - lead),
            rfc3339(*first)
        ),
        [] => String::new(),
    };
    format!(
        "renewBefore: {} on {}, and the istio-root rotation {when} ({} before the root's automatic renewal): the new root goes into istio-csr's root file beside the old while {}, the signer moves to the new root {gap} later (every agent has refreshed and holds both), and the old root leaves the file {gap} after that (every certificate it signed has expired); the steps' commands are in operations.txt",
        GoDuration(rb),
        cfg.names.anchor,
        GoDuration(lead),
        if cfg.topology.signer_is_anchor {
            "a copy of the old one signs".to_owned()
        } else {
            format!(
                "the intermediate {} (signed by the old one) still signs",
                cfg.names.issuer
            )
        }
    )
}

/// The previous-anchor Secret as a second source of a one-source Bundle over the anchor, with
/// the copy that fills it: at a rotation's step 1 the Bundle then publishes {new, old}, where
/// with the anchor's Secret alone it publishes {new} and every proxy's anchor is dropped. It
/// holds nothing alone (the re-key still comes); the search pairs it with a rotation.
pub(super) fn previous_source(cfg: &Config, out: &mut Vec<Candidate>) {
    use crate::sim::{Held, RootsKind};
    let roots = &cfg.topology.roots;
    if roots.kind != RootsKind::TrustManager
        || roots.holds != Held::Signer
        || cfg.previous_anchor_source
        || cfg.auto.is_some()
        || !(cfg.topology.anchor.is_managed() || cfg.topology.anchor == crate::sim::CaKind::Static)
    {
        return;
    }
    let Some((_, secret)) = cfg.names.previous.split_once('/') else {
        return;
    };
    let mut c = cfg.clone();
    // Without a previous-anchor Secret among the inputs, the engine copies the anchor at the
    // start: the copy step, taken now.
    c.previous_anchor_source = true;
    out.push(Candidate {
        knob: Knob::PreviousSource,
        change: format!(
            "a second source in the Bundle {}: the Secret {}, a copy of the anchor made first ({}), so that a rotation's step 1 publishes {{new, old}} where the anchor's Secret alone publishes {{new}} and drops the anchor every proxy holds",
            cfg.names.bundle,
            cfg.names.previous,
            crate::shell::copy_tls_crt(&cfg.names.anchor_secret, &cfg.names.previous)
        ),
        fields: vec![FieldChange {
            certificate: cfg.names.bundle.clone(),
            field: "spec.sources",
            value: secret.to_owned(),
            replaces: None,
        }],
        operations: vec![],
        cfg: c,
    });
}

/// A static identity issuer (a Secret nothing renews: `linkerd install` with `step`'s
/// certificates) that expires inside the horizon: replaced by hand a lead before each
/// notAfter (a quarter of its life, at most a week), as often as the horizon needs.
pub(super) fn replace_issuer(cfg: &Config, out: &mut Vec<Candidate>) {
    if cfg.topology.issuer != crate::sim::CaKind::Static {
        return;
    }
    let Some(s) = &cfg.secrets else { return };
    let d = cfg.issuer.get_duration();
    let quarter: Duration = d / 4;
    let lead = quarter.min(Duration::days(7));
    let Some(end) = cfg.now().checked_add(cfg.horizon) else {
        return;
    };
    let mut dates = Vec::new();
    let mut not_after = s.issuer.certificate().not_after();
    while not_after < end {
        let Some(at) = not_after.checked_sub(lead) else {
            return;
        };
        if at < cfg.now() || dates.len() == MAX_PLANNED_ROTATIONS || d <= lead {
            return;
        }
        dates.push(at);
        let Some(next) = at.checked_add(d) else {
            return;
        };
        not_after = next;
    }
    let Some(&first) = dates.first() else { return };
    let mut c = cfg.clone();
    for &at in &dates {
        c = c.replace_issuer_at(at);
    }
    out.push(Candidate {
        knob: Knob::ReplaceIssuer,
        change: format!(
            "replace the identity issuer Secret {} by hand {}, from {} ({} before each notAfter: nothing renews a static issuer; a new one signed by the anchor's key, which you must hold, {} as now, written with linkerd upgrade --identity-issuer-certificate-file or the Helm values identity.issuer.tls.crtPEM and keyPEM; the identity controller loads it without a restart)",
            cfg.names.issuer_key(),
            if dates.len() == 1 {
                "once".to_owned()
            } else {
                format!("{} times", dates.len())
            },
            rfc3339(first),
            GoDuration(lead),
            GoDuration(d)
        ),
        fields: vec![],
        operations: dates
            .iter()
            .map(|&at| Operation::ReplaceIssuer { at })
            .collect(),
        cfg: c,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_short_anchor_is_rotated_each_lifetime_over_the_horizon() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let mut cfg = Config::seed(t).horizon(Duration::days(400));
        cfg.anchor.duration = Duration::days(90);
        let mut out = Vec::new();
        seven_step(&cfg, &mut out).unwrap();
        let [c] = out.as_slice() else {
            panic!("one candidate")
        };
        let ats: Vec<OffsetDateTime> = c.cfg.rotations().map(|r| r.0).collect();
        // renewBefore 30d: the anchor renews 60 days after each rotation; each rotation is
        // a week before that, so 6 or 7 over 400 days, about 53 days apart.
        assert!((6..=8).contains(&ats.len()), "{ats:?}");
        for w in ats.windows(2) {
            let gap = w[1] - w[0];
            assert!(
                gap > Duration::days(50) && gap < Duration::days(60),
                "{gap}"
            );
        }
        assert_eq!(c.operations.len(), ats.len());
    }

    #[test]
    fn the_seed_anchor_is_rotated_once() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let cfg = Config::seed(t).horizon(Duration::days(400));
        let mut out = Vec::new();
        seven_step(&cfg, &mut out).unwrap();
        assert_eq!(out[0].cfg.rotations().count(), 1);
        assert!(out[0].change.contains("started at"));
    }
}
