//! A cluster's objects as a plan configuration (DESIGN §11).

use super::cluster::Cluster;
use super::objects::NamespacedName;
use super::plan_error::PlanInputError;
use super::topology::build_cas;
use crate::cert::Certificate;
use crate::issue::Ca;
use crate::plan::{CaNode, Config, Names, Secrets, Topology};
use crate::presets::linkerd;
use time::OffsetDateTime;

impl Cluster {
    /// The plan configuration of these objects (DESIGN §15): Linkerd's chain from the
    /// identity issuer Secret up (each CA managed, static or external), the trust roots (a
    /// Bundle, a static ConfigMap, Helm values, [`ResolveOptions::trust_roots`], or assumed),
    /// the rotation policies as resolved and the objects' names. Today's certificates start
    /// the plan where the inputs hold them: with their keys; without, as stand-ins of the same
    /// subject and validity (keys drawn from the OS: no verdict depends on key bytes); what
    /// is not given is issued at the start (a stand-in dated no later than what it signed).
    /// `start` is the present the plan is dated from (DESIGN §18; the caller reads the clock,
    /// or pins a time): certificates keep their real dates, before it too. A CA nothing renews
    /// (a static Secret, Helm values, an external signer's certificate) that expired before
    /// `start` is a break that already happened: the run starts an hour before its notAfter
    /// ([`Config::replay_from`]) so that the report shows it, dated before the start. Every other setting is the
    /// [`Config::seed`] default, to be set by the caller. What was assumed is in
    /// [`Cluster::plan_assumptions`].
    ///
    /// [`ResolveOptions::trust_roots`]: super::ResolveOptions::trust_roots
    ///
    /// # Errors
    /// [`PlanInputError`].
    pub fn plan_config(&self, start: OffsetDateTime) -> Result<Config, PlanInputError> {
        let (mut chain, istio) = if self.is_istio() {
            let (chain, setup) = self.istio_chain()?;
            (chain, Some(setup))
        } else {
            (self.chain()?, None)
        };
        let anchor = chain
            .cas
            .last()
            .ok_or_else(|| PlanInputError::CannotModel {
                what: "no CA above the identity issuer".into(),
                give: "the anchor's Secret or Certificate".into(),
            })?;
        if anchor.kind.is_managed()
            && let Some(secret) = &anchor.secret
        {
            self.check_secret(secret)?;
        }
        if istio.is_none() {
            self.check_secret(&self.issuer_secret())?;
        }
        let known: Vec<OffsetDateTime> = chain
            .cas
            .iter()
            .chain(std::iter::once(&chain.issuer))
            .filter_map(|f| f.cert.as_ref().map(Certificate::not_before))
            .collect();
        let replay = replay_start(&chain, start);
        let mut cfg = Config::seed(start);
        if let Some(at) = replay {
            cfg = cfg.replay_from(at);
        }
        if !known.is_empty() {
            let (above, anchor, issuer) = build_cas(&mut chain, cfg.start, &mut rand_core::OsRng)
                .map_err(|e| PlanInputError::CannotModel {
                what: format!("today's chain cannot be simulated: {e}"),
                give: "certificates whose dates and constraints certcycle can issue".into(),
            })?;
            let previous = chain.previous.clone();
            // A CA issuer over the root signs with the root itself.
            let issuer = match &istio {
                Some(s) if s.signer_is_anchor => anchor.clone_ca(),
                _ => issuer,
            };
            let mut secrets = Secrets::new(anchor, issuer, previous).with_above(above);
            if let (Some(cert), Some(key)) = (chain.previous.clone(), chain.previous_key.take())
                && let Ok(ca) = crate::issue::Ca::new(cert, key)
            {
                secrets = secrets.with_previous_ca(ca);
            }
            cfg = cfg.from_secrets(secrets);
        }
        let anchor = chain.cas.pop().ok_or(PlanInputError::CannotModel {
            what: "no anchor".into(),
            give: "the anchor's Secret or Certificate".into(),
        })?;
        cfg.anchor = anchor.spec.clone();
        cfg.issuer = chain.issuer.spec.clone();
        cfg.previous_anchor_source = chain.previous_source;
        cfg.topology = Topology::default()
            .above(
                chain
                    .cas
                    .iter()
                    .map(|f| {
                        let name = match f.kind {
                            crate::plan::CaKind::Managed => format!("Certificate {}", f.name),
                            _ => f.name.clone(),
                        };
                        CaNode::new(name, f.kind, f.spec.clone())
                            .with_secret(f.secret.as_ref().map(ToString::to_string))
                    })
                    .collect(),
            )
            .anchor(anchor.kind)
            .issuer(chain.issuer.kind)
            .roots(chain.roots.clone())
            .issuer_via_previous(chain.via_previous);
        let NamespacedName {
            namespace: pns,
            name: pn,
        } = self.previous_anchor_secret();
        let anchor_secret = self.anchor_secret();
        let seed = Names::default();
        cfg.names = Names {
            anchor: anchor.name.clone(),
            issuer: chain.issuer.name.clone(),
            bundle: chain.roots_name.clone(),
            previous: format!("{pns}/{pn}"),
            anchor_secret: format!("{}/{}", anchor_secret.namespace, anchor_secret.name),
            anchor_issuer: self
                .issuer_ref_of(&anchor.name)
                .unwrap_or(seed.anchor_issuer.clone()),
            anchor_ca_issuer: self
                .ca_issuer_on(&anchor_secret)
                .unwrap_or(format!("ClusterIssuer/{}", anchor_secret.name)),
            previous_ca_issuer: self
                .ca_issuer_on(&NamespacedName::new(&pns, &pn))
                .unwrap_or(format!("ClusterIssuer/{pn}")),
            ..seed
        };
        if let Some(setup) = istio {
            // istio-csr's CA issuer (`Issuer istio-system/istio-ca`) as `Issuer/istio-ca`: a
            // rotation's copy gets one of the same kind.
            let (kind, key) = setup
                .issuer
                .split_once(' ')
                .unwrap_or(("Issuer", setup.issuer.as_str()));
            let ca_issuer = (
                kind.to_owned(),
                key.rsplit('/').next().unwrap_or(key).to_owned(),
            );
            if setup.signer_is_anchor {
                cfg.names.anchor_ca_issuer = format!("{}/{}", ca_issuer.0, ca_issuer.1);
            }
            if setup.signer_is_anchor {
                // No Certificate of its own: the CA issuer over the root is the signer.
                cfg.names.issuer = setup.issuer;
            }
            cfg.names.roots_kind = setup.roots_kind;
            "root".clone_into(&mut cfg.names.anchor_noun);
            if let Some(secret) = &anchor.secret {
                // The root's Secret, and the copy a rotation signs with meanwhile.
                cfg.names.anchor_secret = secret.to_string();
                if !cfg.previous_anchor_source {
                    cfg.names.previous = format!("{secret}-previous");
                    cfg.names.previous_ca_issuer =
                        format!("{}/{}-previous", ca_issuer.0, secret.name);
                }
            }
            cfg.topology.signer_is_anchor = setup.signer_is_anchor;
            cfg.mesh = crate::plan::Mesh::Istio(setup.csr);
        }
        Ok(cfg)
    }

    /// What [`Cluster::plan_config`] assumes about the chain and trust roots, one line each,
    /// after the resolution's own ([`Cluster::assumptions`]).
    pub fn plan_assumptions(&self) -> Vec<String> {
        if self.is_istio() {
            return self
                .istio_chain()
                .map(|(c, _)| c.assumptions)
                .unwrap_or_default();
        }
        self.chain().map(|c| c.assumptions).unwrap_or_default()
    }

    /// A Linkerd Secret in the chain whose certificate or key is given but unusable.
    fn check_secret(&self, at: &NamespacedName) -> Result<(), PlanInputError> {
        let Some(secret) = self.secret(&at.namespace, &at.name) else {
            return Ok(());
        };
        let err = |e: crate::Error| PlanInputError::Secret {
            secret: at.to_string(),
            error: Box::new(e),
        };
        if let Some(e) = secret.entry_error(linkerd::TLS_CRT) {
            return Err(err(e.clone()));
        }
        if let (Some(cert), Some(key)) =
            (secret.certs(linkerd::TLS_CRT).first(), secret.private_key())
        {
            Ca::new(cert.clone(), key.map_err(err)?).map_err(err)?;
        }
        Ok(())
    }
}

/// Where the run starts to replay a break that already happened: an hour before the earliest
/// notAfter, at or before `start`, of a CA nothing renews (static or external); no earlier
/// than the newest notBefore of the chain's certificates (they are all valid then) nor
/// [`MAX_HORIZON`](crate::plan::MAX_HORIZON) before `start`. `None`: nothing expired.
fn replay_start(chain: &super::topology::Chain, start: OffsetDateTime) -> Option<OffsetDateTime> {
    let all = || chain.cas.iter().chain(std::iter::once(&chain.issuer));
    let expired = all()
        .filter(|f| !f.kind.is_managed())
        .filter_map(|f| f.cert.as_ref().map(Certificate::not_after))
        .filter(|t| *t <= start)
        .min()?;
    let newest = all()
        .filter_map(|f| f.cert.as_ref().map(Certificate::not_before))
        .filter(|t| *t <= expired)
        .max();
    let floor = start.checked_sub(crate::plan::MAX_HORIZON).unwrap_or(start);
    let at = expired
        .checked_sub(time::Duration::HOUR)
        .unwrap_or(expired)
        .max(newest.unwrap_or(floor))
        .max(floor);
    Some(at.min(start))
}

impl Cluster {
    /// The issuerRef (`Kind/name`, `Kind.group/name` outside `cert-manager.io`) of the
    /// Certificate `key` (`namespace/name`), if given.
    fn issuer_ref_of(&self, key: &str) -> Option<String> {
        self.objects.objects.iter().find_map(|o| match &o.resource {
            super::Resource::Certificate(c) if o.at.key() == key => {
                let r = &c.issuer_ref;
                Some(if r.group == "cert-manager.io" {
                    format!("{}/{}", r.kind, r.name)
                } else {
                    format!("{}.{}/{}", r.kind, r.group, r.name)
                })
            }
            _ => None,
        })
    }

    /// The CA issuer (`Kind/name`) that signs with the Secret `secret`: a ClusterIssuer on it
    /// in the cluster resource namespace, or an Issuer in its own namespace.
    fn ca_issuer_on(&self, secret: &NamespacedName) -> Option<String> {
        use super::{IssuerKind, Resource};
        self.objects.objects.iter().find_map(|o| {
            let (kind, i) = match &o.resource {
                Resource::ClusterIssuer(i)
                    if secret.namespace == self.options.cluster_resource_namespace =>
                {
                    ("ClusterIssuer", i)
                }
                Resource::Issuer(i)
                    if o.at.namespace.as_deref().unwrap_or("default") == secret.namespace =>
                {
                    ("Issuer", i)
                }
                _ => return None,
            };
            matches!(&i.kind, IssuerKind::Ca { secret_name } if *secret_name == secret.name)
                .then(|| format!("{kind}/{}", o.at.name))
        })
    }
}

/// What `plan` answers for a cluster's objects: the `assume:` and `lint:` lines, then the
/// [`plan::Report`](crate::plan::Report) (timeline, verdict, causes, fixes), as text or one
/// JSON document.
///
/// ```
/// use certcycle::k8s::{Cluster, Objects, PlanReport, ResolveOptions};
/// use time::{Duration, macros::datetime};
/// let objects = Objects::read("seed.yaml", include_str!("../../examples/data/seed.yaml"))?;
/// let cluster = Cluster::resolve(objects, &ResolveOptions::default());
/// let cfg = cluster.plan_config(datetime!(2026-01-01 0:00 UTC))?.horizon(Duration::days(100));
/// let report = PlanReport::new(&cluster, &cfg, &mut rand_core::OsRng)?;
/// assert!(report.has_break());
/// assert!(report.to_string().contains("(day 61)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct PlanReport {
    /// The mesh recognised, when it is not Linkerd (`Istio with cert-manager's istio-csr,
    /// recognised from ...`); Linkerd's reports stay as they were.
    pub mesh: Option<String>,
    /// What was assumed (`rotationPolicy: Always for ...`).
    pub assumptions: Vec<String>,
    /// The cross-object lints.
    pub lints: Vec<crate::lint::Finding>,
    /// Where each lint points in the input files (`None`: its object is in no file).
    pub lint_locations: Vec<Option<super::SourceLocation>>,
    /// The plan.
    pub report: crate::plan::Report,
    /// Where the first break points: the field or object that causes it.
    pub break_location: Option<super::SourceLocation>,
}

impl PlanReport {
    /// Plans `cfg` (from [`Cluster::plan_config`], with the caller's horizon, workloads,
    /// restarts and rotation) and tries the fixes if it breaks.
    ///
    /// # Errors
    /// As [`plan::Report::new`](crate::plan::Report::new).
    pub fn new<R: rand_core::CryptoRngCore>(
        cluster: &Cluster,
        cfg: &Config,
        rng: &mut R,
    ) -> Result<Self, crate::Error> {
        let mut assumptions = cluster.assumptions.clone();
        assumptions.extend(cluster.plan_assumptions());
        let mut lints = cluster.lints();
        lints.extend(horizon_lints(cfg));
        if let Some(schedule) = &cfg.auto {
            // Unattended rotation replaces the anchor's renewBefore: the re-key is the plan.
            lints.retain(|l| !["anchor-early-rekey", "anchor-rekey-in-horizon"].contains(&l.id));
            assumptions.push(format!(
                "--rotation auto: the anchor Certificate's renewBefore is {} (the schedule's prepare), whatever the manifests say; the identity issuer is signed through a CA issuer on the previous-anchor Secret until each activate",
                crate::duration::GoDuration(schedule.anchor_renew_before())
            ));
        }
        let report = crate::plan::Report::new(cfg, rng)?;
        Ok(Self {
            mesh: mesh_line(cluster, cfg),
            assumptions,
            lint_locations: lints
                .iter()
                .map(|l| cluster.location_of_finding(l))
                .collect(),
            break_location: cluster.location_of_break(&report),
            lints,
            report,
        })
    }

    /// The `assume:` and `lint:` lines of `cluster`, as the report starts (also what to print
    /// when its objects cannot be planned).
    pub fn preamble(cluster: &Cluster) -> String {
        let mut assumptions = cluster.assumptions.clone();
        assumptions.extend(cluster.plan_assumptions());
        preamble(&assumptions, &cluster.lints())
    }

    /// The report as one self-contained HTML page: the picture of
    /// [`plan::Report::to_html`](crate::plan::Report::to_html), with this report's text
    /// (`assume:` and `lint:` lines included).
    pub fn to_html(&self, title: &str) -> String {
        self.report.html(title, &self.to_string())
    }

    /// Whether the plan found a break.
    pub fn has_break(&self) -> bool {
        self.report.run.first_break.is_some()
    }

    /// The report as one JSON document: [`plan::Report::to_json`](crate::plan::Report::to_json)
    /// with `assumptions[]`, `lints[]` (`{id, object, message, location}`) and the first
    /// break's `location` (`file:line:col (field)`, as SARIF has them).
    pub fn to_json(&self) -> serde_json::Value {
        let mut doc = self.report.to_json();
        if let Some(mesh) = &self.mesh {
            doc["mesh"] = mesh.clone().into();
        }
        doc["assumptions"] = self.assumptions.clone().into();
        doc["lints"] = self
            .lints
            .iter()
            .zip(&self.lint_locations)
            .map(|(l, at)| {
                serde_json::json!({
                    "id": l.id, "object": l.subject, "message": l.message,
                    "location": at.as_ref().map(ToString::to_string),
                })
            })
            .collect::<Vec<_>>()
            .into();
        if let Some(b) = doc.get_mut("first_break").filter(|b| b.is_object()) {
            b["location"] = self.break_location.as_ref().map(ToString::to_string).into();
        }
        doc
    }
}

/// The lints that need the plan's horizon: an anchor cert-manager re-keys inside it at its
/// ordinary renewal time (cert-manager's default two thirds, or a renewBefore under half the
/// duration), which `anchor-early-rekey` leaves to the plan.
fn horizon_lints(cfg: &Config) -> Vec<crate::lint::Finding> {
    use crate::spec::RotationPolicy;
    let spec = &cfg.anchor;
    // In unattended rotation's shape the re-key is the plan's prepare; the assume: line says
    // what must follow it.
    if !cfg.topology.anchor.is_managed()
        || spec.get_rotation_policy() == RotationPolicy::Never
        || cfg.topology.issuer_via_previous
    {
        return Vec::new();
    }
    let duration = spec.get_duration();
    let renews_after = crate::renewal::renews_after(spec).unwrap_or(duration);
    if crate::renewal::renews_early(duration, duration - renews_after) {
        return Vec::new(); // anchor-early-rekey says it
    }
    let (not_before, not_after) = match &cfg.secrets {
        Some(s) => (
            s.anchor.certificate().not_before(),
            s.anchor.certificate().not_after(),
        ),
        None => (
            cfg.start,
            cfg.start.checked_add(duration).unwrap_or(cfg.start),
        ),
    };
    let (renewal, _) = crate::renewal::cert_manager_renewal(spec, not_before, not_after);
    let now = cfg.now();
    let end = now.checked_add(cfg.horizon).unwrap_or(now);
    if renewal.renew_at >= end || renewal.renew_at < now {
        return Vec::new();
    }
    // A planned rotation before it (--rotate-at, or an operations file) is what the lint
    // would advise: the timeline shows what follows.
    if cfg.rotation.is_some_and(|(at, _)| at < renewal.renew_at) {
        return Vec::new();
    }
    vec![crate::lint::Finding {
        id: "anchor-rekey-in-horizon",
        severity: crate::lint::Severity::Warning,
        subject: format!("Certificate/{}", cfg.names.anchor),
        message: match cfg.mesh {
            crate::plan::Mesh::Linkerd => format!(
                "cert-manager re-keys Linkerd's anchor on day {} ({}; {}), inside this plan's {}: proxies hold the anchor they loaded at start, so this is an unplanned anchor rotation (the timeline shows what follows); rotate by the procedure before it, or keep the renewal past it",
                (renewal.renew_at - now).whole_days(),
                crate::display::rfc3339(renewal.renew_at),
                renewal.rule,
                crate::duration::GoDuration(cfg.horizon)
            ),
            _ => format!(
                "cert-manager re-keys the root istio-csr's chain ends in on day {} ({}; {}), inside this plan's {}: istio-csr's root file and every agent's roots hold today's root, so this is an unplanned root rotation (the timeline shows what follows); keep the renewal past it, or put the new root in the root file before anything signs with it",
                (renewal.renew_at - now).whole_days(),
                crate::display::rfc3339(renewal.renew_at),
                renewal.rule,
                crate::duration::GoDuration(cfg.horizon)
            ),
        },
    }]
}

/// The mesh line of a report: `None` for Linkerd (its reports stay as they were).
fn mesh_line(cluster: &Cluster, cfg: &Config) -> Option<String> {
    match &cfg.mesh {
        crate::plan::Mesh::Linkerd => None,
        mesh => Some(match cluster.istio_evidence() {
            Some(from) => format!("{}, recognised from {from}", mesh.name()),
            None => mesh.name().to_owned(),
        }),
    }
}

fn preamble(assumptions: &[String], lints: &[crate::lint::Finding]) -> String {
    let mut out = String::new();
    for a in assumptions {
        out.push_str(&format!("assume: {}\n", crate::display::visible(a)));
    }
    for l in lints {
        out.push_str(&format!(
            "lint: {}: {}\n",
            l.id,
            crate::display::visible(&l.text())
        ));
    }
    out
}

impl std::fmt::Display for PlanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(mesh) = &self.mesh {
            writeln!(f, "mesh: {}", crate::display::visible(mesh))?;
        }
        f.write_str(&preamble(&self.assumptions, &self.lints))?;
        write!(f, "{}", self.report)
    }
}
