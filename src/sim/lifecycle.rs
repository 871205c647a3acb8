//! The engine's start and end: installing what the configuration says (the CAs, the trust
//! roots, the identity controller, the pods with their first leaves, the planned steps), and
//! the run it hands back (with each CA's certificates and the trust roots over time).

use super::*;

impl<R: CryptoRngCore> Engine<R> {
    /// The run, once it stopped.
    pub(crate) fn into_run(self) -> Result<Run, Error> {
        let anchor = self.cm.anchor_ca()?.clone_ca();
        let published = self.tm.published_bundle().clone();
        let trusting_dropped_anchors = self
            .proxies
            .iter()
            .filter(|(_, p)| {
                self.tm
                    .bundle(p.bundle)
                    .certificates()
                    .any(|c| !published.contains(c))
            })
            .map(|(_, p)| p.name.clone())
            .collect();
        let secrets = Secrets::new(
            anchor,
            self.cm.issuer().ca.clone_ca(),
            self.tm.previous.as_ref().map(|p| p.certificate.clone()),
        )
        .with_above(self.cm.above.iter().map(|u| u.ca.clone_ca()).collect());
        let lanes = self.lanes();
        let roots = self
            .tm
            .history()
            .map(|(bundle, e)| event::RootsSpan {
                from: self
                    .timeline
                    .events
                    .get(e.0)
                    .map_or(self.cfg.start, |x| x.at),
                anchors: bundle.certificates().map(short_name).collect(),
            })
            .collect();
        let (first_break, checks, checkpoints) = match self.observer {
            Observer::Classes(c) => {
                let c = *c;
                (c.first_break, c.checks, c.checkpoints)
            }
            Observer::RealLeaves(_) => (None, 0, Vec::new()),
        };
        Ok(Run {
            snapshots: self.snapshots,
            lanes,
            roots,
            secrets,
            published,
            trusting_dropped_anchors,
            timeline: self.timeline.events,
            first_break,
            end: self.end,
            verifications: self.verifier.verifications,
            checks,
            checkpoints,
            last_step: self.operator.last_step,
            actions: self.operator.actions,
        })
    }

    /// Each CA's certificates over the run, top down.
    fn lanes(&self) -> Vec<event::Lane> {
        let lane = |name: String,
                    certs: &mut dyn Iterator<
            Item = (&crate::cert::Certificate, OffsetDateTime, String),
        >| {
            let mut previous: Option<Vec<u8>> = None;
            let certificates = certs
                .map(|(c, written, label)| {
                    let key = c.spki_der().to_vec();
                    let new_key = previous.as_ref().is_some_and(|p| *p != key);
                    previous = Some(key);
                    event::Span {
                        not_before: c.not_before(),
                        not_after: c.not_after(),
                        written,
                        new_key,
                        label,
                    }
                })
                .collect();
            event::Lane { name, certificates }
        };
        let mut out: Vec<event::Lane> = self
            .cm
            .above
            .iter()
            .zip(&self.cfg.topology.above)
            .map(|(u, node)| {
                lane(
                    node.name.clone(),
                    &mut u.history.iter().map(|(c, at)| (c, *at, c.subject())),
                )
            })
            .collect();
        let anchor = if self.cfg.topology.anchor.is_managed() {
            format!("Certificate {}", self.cfg.names.anchor)
        } else {
            self.cfg.names.anchor.clone()
        };
        out.push(lane(
            anchor,
            &mut self
                .cm
                .anchor_history
                .iter()
                .map(|(c, at)| (c, *at, c.subject())),
        ));
        if self.cfg.topology.signer_is_anchor {
            // The anchor signs: its lane is the issuer's.
            return out;
        }
        let issuer = if self.cfg.topology.issuer.is_managed() {
            format!("Certificate {}", self.cfg.names.issuer)
        } else {
            self.cfg.names.issuer.clone()
        };
        out.push(lane(
            issuer,
            &mut self.cm.generations().iter().enumerate().map(|(i, g)| {
                let at = self
                    .timeline
                    .events
                    .get(g.event.0)
                    .map_or(self.cfg.start, |e| e.at);
                (g.ca.certificate(), at, format!("#{}", i + 1))
            }),
        ));
        out
    }

    /// The anchor Secret, the previous anchor, the first bundle and issuer, the identity
    /// controller, the pods with their first leaves, and the planned steps.
    pub(crate) fn install(&mut self) -> Result<(), Error> {
        let cfg = Arc::clone(&self.cfg);
        // A replay of a break that already happened starts before the present: what the
        // Secrets hold is as given, not "today".
        let replay = cfg.present.is_some();
        let verb = match (cfg.secrets.is_some(), replay) {
            (true, false) => "Secret holds (today)",
            (true, true) => "Secret holds (as given)",
            (false, _) => "Issued",
        };
        let mut above = Vec::new();
        for (ca, node) in std::mem::take(&mut self.pending_above)
            .into_iter()
            .zip(&cfg.topology.above)
        {
            let c = ca.certificate();
            let e = self.log(
                Who::CertManager,
                format!(
                    "{} {}: CA {} (notBefore {}, notAfter {}){}",
                    node_verb(node.kind, verb, replay),
                    node.name,
                    c.subject(),
                    rfc3339(c.not_before()),
                    rfc3339(c.not_after()),
                    kind_note(node.kind)
                ),
                above.last().map(|(_, e)| *e).into_iter().collect(),
            );
            above.push((ca, e));
        }
        let parent_event = above.last().map(|(_, e)| *e);
        self.cm.adopt_above(above, self.now);
        let anchor = self.cm.anchor_ca()?.certificate().clone();
        self.cm.anchor_history.push((anchor.clone(), self.now));
        let kind = cfg.topology.anchor;
        self.cm.anchor_event = self.log(
            Who::CertManager,
            format!(
                "{} {}{}: trust anchor {} (notBefore {}, notAfter {}){}",
                node_verb(kind, verb, replay),
                if kind.is_managed() {
                    "Certificate "
                } else {
                    ""
                },
                cfg.names.anchor,
                anchor.subject(),
                rfc3339(anchor.not_before()),
                rfc3339(anchor.not_after()),
                kind_note(kind)
            ),
            parent_event.into_iter().collect(),
        );
        self.tm.others.clone_from(&cfg.topology.roots.others);
        self.tm.static_roots = cfg.topology.roots.kind == RootsKind::Static;
        self.tm.static_kind.clone_from(&cfg.names.roots_kind);
        self.tm.filter = cfg.topology.roots.filter;
        if cfg.topology.roots.kind == RootsKind::Static {
            self.static_roots = self.held();
        }
        if let Some(prev) = cfg.secrets.as_ref().and_then(|s| s.previous.clone()) {
            let e = self.log(
                Who::Operator,
                format!(
                    "{} holds {} (notAfter {}){}",
                    cfg.names.previous,
                    prev.subject(),
                    rfc3339(prev.not_after()),
                    if prev == anchor {
                        ": the current anchor"
                    } else {
                        ": an older anchor"
                    }
                ),
                vec![],
            );
            self.tm.previous = Some(PreviousAnchor {
                certificate: prev,
                event: e,
            });
        } else if cfg.previous_anchor_source {
            let e = self.log(
                Who::Operator,
                format!(
                    "copied the anchor into {} (the seed's install step)",
                    cfg.names.previous
                ),
                vec![self.cm.anchor_event],
            );
            self.tm.previous = Some(PreviousAnchor {
                certificate: anchor,
                event: e,
            });
        }
        self.adopt_previous_signer();
        self.publish(vec![self.cm.anchor_event])?;
        match &cfg.secrets {
            Some(state) => {
                let label = if cfg.topology.issuer.is_managed() {
                    format!("Certificate {}", cfg.names.issuer)
                } else {
                    cfg.names.issuer.clone()
                };
                self.cm.adopt_issuer(
                    state.issuer.clone_ca(),
                    &format!("{verb} {label}"),
                    (self.now, cfg.topology.roots.holds),
                    &mut self.timeline,
                );
            }
            None => self.issue_issuer(vec![self.cm.anchor_event], "Issued")?,
        }
        if !self.cm.has_issuer() {
            return Err(Error::Sim(SimError::IssuerNotIssuable));
        }
        self.start_identity(vec![], false);
        let names: Vec<(String, bool)> = cfg
            .control_plane
            .iter()
            .map(|c| (c.clone(), true))
            .chain((0..cfg.workloads).map(|i| (format!("{}{i}", cfg.names.workload), false)))
            .collect();
        let n = names.len();
        for (i, (name, control_plane)) in names.into_iter().enumerate() {
            let next_restart = match cfg.restart_every {
                // Staggered evenly, in whole seconds (as certificates count time).
                Some(every) => Some(Error::add_time(
                    self.now,
                    Duration::seconds(
                        i64::try_from(
                            i128::from(every.whole_seconds()) * (i as i128 + 1) / (n as i128 + 1),
                        )
                        .unwrap_or(i64::MAX),
                    ),
                )?),
                None => None,
            };
            let identity = cfg.mesh.pod_identity(&name);
            let proxy = Proxy::new(
                (name, identity),
                control_plane,
                self.tm.published(),
                self.now,
                next_restart,
            );
            self.proxies.push(proxy);
        }
        // The controller restarts with its pod when that is modelled, else on its own.
        self.identity.next_restart = match cfg.restart_every {
            Some(every) if !self.controller_has_pod() => Some(Error::add_time(self.now, every)?),
            _ => None,
        };
        let leaf = cfg.mesh.leaf_lifetime();
        if let Some((at, procedure)) = cfg.rotation {
            self.operator
                .plan(procedure, at, cfg.stop_after, procedure.gap(leaf))?;
        }
        for &(at, procedure) in &cfg.later_rotations {
            self.operator
                .plan(procedure, at, None, procedure.gap(leaf))?;
        }
        for &at in &cfg.issuer_replacements {
            self.operator.plan_replacement(at);
        }
        self.auto_install();
        for i in self.proxies.ids() {
            self.csr(i)?;
            self.proxies.schedule_restart(i, self.now);
        }
        self.first_checkpoint()
    }

    fn controller_has_pod(&self) -> bool {
        self.cfg
            .control_plane
            .iter()
            .any(|c| self.identity.is_controller(c))
    }
}

/// A certificate as a trust roots picture names it: its subject and its key's first bytes.
fn short_name(c: &crate::cert::Certificate) -> String {
    let id: String = c
        .public_key()
        .map(|k| k.key_id()[..4].iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default();
    format!("{} {id}", c.subject())
}

/// The verb of an install line: what holds a CA of `kind` at the start.
fn node_verb(kind: CaKind, verb: &str, replay: bool) -> &str {
    match kind {
        CaKind::Managed => verb,
        _ if replay => "Given",
        _ => "Today",
    }
}

/// What an install line adds about a CA of `kind`.
fn kind_note(kind: CaKind) -> &'static str {
    match kind {
        CaKind::Managed => "",
        CaKind::Static => ": static, nothing renews it",
        _ => ": opaque, nothing in the plan renews it",
    }
}
