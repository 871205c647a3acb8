//! A `kustomization.yaml` among the inputs (DESIGN §18), read for what it means to the other
//! objects: its `namespace:` places the resources it lists (files, or directories of them, as
//! kustomize's namespace transformer sets `metadata.namespace` on every namespaced object);
//! its `secretGenerator`/`configMapGenerator` outputs are objects only kustomize makes (with a
//! hash suffix), named on `unsupported:` lines with what to give instead. Never an input
//! error. Read from kustomize v5's `api/types/kustomization.go`.

use super::{Ctx, K8sError, Object, ObjectRef};
use crate::k8s::FieldError;
use crate::k8s::node::Node;
use std::collections::BTreeMap;

/// The most `resources` entries one Kustomization places (larger lists are refused as a
/// field error, so one hostile file cannot make placement quadratic).
pub const MAX_RESOURCES: usize = 1024;

/// The most Kustomizations read from all inputs; later ones are `unsupported:` lines.
pub const MAX_KUSTOMIZATIONS: usize = 64;

/// Why a Kustomization past [`MAX_KUSTOMIZATIONS`] is not read.
pub(super) const TOO_MANY: &str = "more Kustomizations than the 64 certcycle reads: not applied; give kustomize's output instead (`kubectl kustomize DIR | plan -`)";

/// A Kustomization's meaning to the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Kustomization {
    /// Which file.
    pub at: ObjectRef,
    /// `namespace:`, if set.
    pub namespace: Option<String>,
    /// `resources:` (and the older `bases:`), as written.
    pub resources: Vec<String>,
}

/// Why a generator's output is not read.
pub(super) const GENERATED: &str = "made by kustomize (a secretGenerator/configMapGenerator, named with a content hash): not among the inputs as written; give kustomize's output instead (`kubectl kustomize DIR | plan -`)";

/// Whether a document is a Kustomization: `kind: Kustomization` of
/// `kustomize.config.k8s.io`, or a kind-less document in a file kustomize reads by name.
pub(super) fn is_kustomization(file: &str, kind: Option<&str>, group: &str) -> bool {
    match kind {
        Some("Kustomization") => group == "kustomize.config.k8s.io",
        Some(_) => false,
        None => {
            let base = file.rsplit('/').next().unwrap_or(file);
            matches!(
                base,
                "kustomization.yaml" | "kustomization.yml" | "Kustomization"
            )
        }
    }
}

/// Reads a Kustomization document: its namespace and resources, and its generators' outputs
/// as unsupported objects.
pub(super) fn read(
    file: &str,
    document: usize,
    doc: &Node,
) -> Result<(Kustomization, Vec<(ObjectRef, &'static str)>), K8sError> {
    let name = doc
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str)
        .map_or_else(
            || file.rsplit('/').next().unwrap_or(file).to_owned(),
            str::to_owned,
        );
    let at = ObjectRef {
        file: file.to_owned(),
        document,
        kind: "Kustomization".into(),
        namespace: None,
        name: crate::display::visible(&name).into_owned(),
    };
    let c = Ctx { obj: &at };
    let namespace = c.opt_str(doc, "namespace", "namespace")?;
    if let Some(ns) = &namespace {
        super::check_name(ns, super::NameRule::Label).map_err(|e| {
            c.err(
                "namespace",
                doc.get("namespace").map_or(doc.at, |n| n.at),
                FieldError::Name(e),
            )
        })?;
    }
    let mut resources = Vec::new();
    for key in ["resources", "bases"] {
        let list = c.opt_seq(doc, key, key)?;
        if resources.len() + list.len() > MAX_RESOURCES {
            return Err(c.err(
                key,
                doc.at,
                FieldError::TooMany {
                    count: resources.len() + list.len(),
                    max: MAX_RESOURCES,
                },
            ));
        }
        for (i, r) in list.iter().enumerate() {
            let path = format!("{key}[{i}]");
            match r.as_str() {
                Some(s) => resources.push(s.to_owned()),
                None => return Err(c.wrong(&path, r, "a string")),
            }
        }
    }
    let mut unsupported = Vec::new();
    for (key, kind) in [
        ("secretGenerator", "Secret"),
        ("configMapGenerator", "ConfigMap"),
    ] {
        for (i, g) in c.opt_seq(doc, key, key)?.iter().enumerate() {
            let gname = c.req_str(g, "name", &format!("{key}[{i}].name"))?;
            let gns = c
                .opt_str(g, "namespace", &format!("{key}[{i}].namespace"))?
                .or_else(|| namespace.clone());
            unsupported.push((
                ObjectRef {
                    file: file.to_owned(),
                    document,
                    kind: kind.into(),
                    namespace: gns,
                    name: crate::display::visible(&gname).into_owned(),
                },
                GENERATED,
            ));
        }
    }
    Ok((
        Kustomization {
            at,
            namespace,
            resources,
        },
        unsupported,
    ))
}

/// Where the Kustomizations with `namespace:` place things: each listed resource's
/// normalized path (a file, or a directory of them) and its namespace. Built once when
/// Kustomizations are added, looked up for each object.
pub(super) fn placement(kustomizations: &[Kustomization]) -> BTreeMap<String, String> {
    let mut by_path = BTreeMap::new();
    for k in kustomizations {
        let Some(ns) = &k.namespace else { continue };
        let dir = parent(&k.at.file);
        for r in &k.resources {
            if let Some(p) = normalize(&join(dir, r)) {
                by_path.insert(p, ns.clone());
            }
        }
    }
    by_path
}

/// Sets the namespace of every namespaced object that a Kustomization with `namespace:`
/// lists (its file, or a file under a listed directory): each object looked up by its file's
/// path and that path's parents.
pub(super) fn place(by_path: &BTreeMap<String, String>, objects: &mut [Object]) {
    if by_path.is_empty() {
        return;
    }
    for o in objects.iter_mut() {
        if o.at.kind == "ClusterIssuer" || o.rendered_from.is_some() {
            continue; // cluster-scoped; rendered objects have their own namespace
        }
        let Some(file) = normalize(&o.at.file) else {
            continue;
        };
        let mut path = file.as_str();
        loop {
            if let Some(ns) = by_path.get(path) {
                o.at.namespace = Some(ns.clone());
                break;
            }
            match path.rfind('/') {
                Some(i) => path = &path[..i],
                None => break,
            }
        }
    }
}

fn parent(file: &str) -> &str {
    file.rfind('/').map_or("", |i| &file[..i])
}

fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') || dir.is_empty() {
        rel.to_owned()
    } else {
        format!("{dir}/{rel}")
    }
}

/// A path without `.` and `..` segments (lexically); `None` when `..` climbs above its start
/// in a relative path (it names nothing among the inputs' own paths).
fn normalize(path: &str) -> Option<String> {
    let absolute = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    Some(if absolute {
        format!("/{joined}")
    } else {
        joined
    })
}
