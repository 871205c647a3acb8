//! Fixes as patches you can apply (DESIGN §16): a fix's field changes written into the user's
//! own YAML documents (field order and every other field as given), a `kubectl patch` line per
//! object, the operations it needs as dated steps, and the plan re-run on the written files.

use super::objects::NamespacedName;
use super::objects::{Objects, Resource};
use super::{Cluster, ResolveOptions};
use crate::plan::{Config, FieldChange, Fix, Operation, simulate};
use crate::shell::shell_line;
use rand_core::CryptoRngCore;
use steps::operation_steps;

mod steps;

/// A fix written out, and what the plan says of the written files.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchedFix {
    /// The changed documents by input file: `(file, the changed documents only)`.
    pub documents: Vec<(String, String)>,
    /// One `kubectl patch ... --type merge` line per changed object.
    pub kubectl: Vec<String>,
    /// The operations, dated, one line each (the steps of a rotation, routine restarts).
    pub operations: Vec<String>,
    /// The operations as an operations document (`operations.yaml`,
    /// [`operations_yaml`](crate::k8s::operations_yaml)); the re-run replayed what it reads
    /// back as. `None` when the fix has no operation.
    pub operations_yaml: Option<String>,
    /// Files for people beside the documents, `(name, text)`: an unattended rotation's
    /// `dated-actions.txt`.
    pub notes: Vec<(String, String)>,
    /// The first break of the plan re-run on the input files with the changed documents in
    /// place (and the operations applied): `None` when it holds.
    pub first_break_day: Option<i64>,
    /// The field changes as line replacements in the input files (SARIF `fixes`): one per
    /// changed object, empty for an object whose change cannot be placed by line.
    pub replacements: Vec<Replacement>,
}

/// Lines of an input file replaced: lines `start_line..end_line` (1-based, the end
/// exclusive; equal for an insertion before `start_line`) become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replacement {
    /// The input file, as given.
    pub file: String,
    /// The first line replaced (1-based).
    pub start_line: usize,
    /// The line after the last one replaced (equal to `start_line`: an insertion).
    pub end_line: usize,
    /// The new lines, each ending in a newline.
    pub text: String,
}

/// The replacement that turns document `d` of `text` (as [`split_documents`] splits it) into
/// `patched`: the lines between their common prefix and suffix. `None` when nothing changed
/// or the change would fall past the file's last line.
fn replacement(file: &str, text: &str, d: usize, patched: &str) -> Option<Replacement> {
    // The file line (1-based) of each line of each document, split as split_documents does.
    let mut docs: Vec<Vec<usize>> = vec![Vec::new()];
    let mut lines: Vec<Vec<&str>> = vec![Vec::new()];
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            docs.push(Vec::new());
            lines.push(Vec::new());
        } else if let (Some(n), Some(l)) = (docs.last_mut(), lines.last_mut()) {
            n.push(i + 1);
            l.push(line.strip_suffix('\n').unwrap_or(line));
        }
    }
    let blank = |d: &[&str]| {
        d.iter()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    };
    if docs.len() > 1 && blank(&lines[0]) {
        let (n, l) = (docs.remove(0), lines.remove(0));
        docs[0].splice(0..0, n);
        lines[0].splice(0..0, l);
    }
    let (at, old) = (docs.get(d)?, lines.get(d)?);
    let new: Vec<&str> = patched.lines().collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let max_suffix = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    if prefix == old_end && prefix == new_end {
        return None;
    }
    let start_line = *at.get(prefix)?;
    let end_line = if old_end > prefix {
        at[old_end - 1] + 1
    } else {
        start_line
    };
    let mut text = String::new();
    for l in &new[prefix..new_end] {
        text.push_str(l);
        text.push('\n');
    }
    Some(Replacement {
        file: file.to_owned(),
        start_line,
        end_line,
        text,
    })
}

/// The file an unattended-rotation fix writes its manifests to (one of the fix's documents).
const AUTO_FILE: &str = "auto-rotation.yaml";

/// Why a fix cannot be written into the input documents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatchError {
    /// The object is not a YAML document of an input file (a JSON `List`, an assumed object).
    #[error("Certificate/{0}: not a YAML document of the input files; use the kubectl patch line")]
    NotInYaml(String),
    /// The re-run could not read or plan the written documents.
    #[error("the written documents do not plan: {0}")]
    Replan(String),
}

impl PatchedFix {
    /// Whether the plan re-run on the written files holds.
    pub fn held(&self) -> bool {
        self.first_break_day.is_none()
    }
}

/// Writes `fix` into `inputs` (`(file, text)`, as the objects were read: the same names),
/// then re-plans the result under `options` with `cfg`'s settings and the fix's operations.
///
/// # Errors
/// [`PatchError`]: a changed object that is not a YAML document of the inputs, or a re-run
/// that fails.
pub fn patch_fix<R: CryptoRngCore>(
    inputs: &[(String, String)],
    options: &ResolveOptions,
    cfg: &Config,
    fix: &Fix,
    rng: &mut R,
) -> Result<PatchedFix, PatchError> {
    let mut texts: Vec<(String, Vec<String>)> = inputs
        .iter()
        .map(|(f, t)| (f.clone(), split_documents(t)))
        .collect();
    let objects = read_all(&texts)?;
    let mut changed: Vec<(usize, usize)> = Vec::new();
    let mut kubectl = Vec::new();
    for change in &fix.fields {
        let o = objects
            .objects
            .iter()
            .find(|o| match o.resource {
                Resource::Certificate(_) => {
                    !change.is_bundle_field() && o.at.key() == change.certificate
                }
                Resource::Bundle(_) => change.is_bundle_field() && o.at.name == change.certificate,
                _ => false,
            })
            .ok_or_else(|| PatchError::NotInYaml(change.certificate.clone()))?;
        let file = texts
            .iter()
            .position(|(f, _)| *f == o.at.file)
            .ok_or_else(|| PatchError::NotInYaml(change.certificate.clone()))?;
        let docs = &mut texts[file].1;
        let d = o.at.document - 1;
        let doc = docs
            .get(d)
            .filter(|doc| is_document_of(doc, &o.at.kind, &o.at.name))
            .ok_or_else(|| PatchError::NotInYaml(change.certificate.clone()))?;
        docs[d] = set_field(doc, change)
            .ok_or_else(|| PatchError::NotInYaml(change.certificate.clone()))?;
        if !changed.contains(&(file, d)) {
            changed.push((file, d));
        }
        if change.field == "spec.sources" {
            // The new source's Secret first: a copy of the anchor, made before the Bundle reads it.
            kubectl.push(crate::shell::copy_tls_crt(
                &cfg.names.anchor_secret,
                &cfg.names.previous,
            ));
        }
        kubectl.push(if change.is_bundle_field() {
            // A list item: a merge patch would replace the whole list; apply the written
            // document instead (the path is relative to the fix's directory).
            shell_line(&[
                "kubectl",
                "apply",
                "-f",
                &fix_relative_path(&o.at.file).to_string_lossy(),
            ])
        } else {
            kubectl_line(change, o.at.namespace.as_deref())
        });
    }
    // Unattended rotation: its manifests, in the cluster's names, join the inputs as one more
    // written file (applied over the others, the later object replacing, as kubectl apply).
    let auto = fix.operations.iter().find_map(|op| match op {
        Operation::RotateAuto {
            restart_every,
            windows,
        } => Some((*restart_every, *windows)),
        _ => None,
    });
    if let Some((every, windows)) = auto {
        // The manifests are written for the cluster as the fix's field changes leave it (an
        // identity issuer's new renewBefore changes the schedule and its Certificate).
        let patched = Cluster::resolve(read_all(&texts)?, options)
            .plan_config(cfg.now())
            .map_err(|e| PatchError::Replan(e.to_string()))?;
        let with = Config {
            horizon: cfg.horizon,
            workloads: cfg.workloads,
            ..patched
        }
        .restart_every(Some(every));
        let schedule = crate::plan::auto_schedule(&with, every, windows).ok_or_else(|| {
            PatchError::Replan("no unattended rotation schedule for this topology".into())
        })?;
        let yaml = crate::k8s::auto_manifests(&with, &schedule)
            .map_err(|e| PatchError::Replan(e.to_string()))?;
        texts.push((AUTO_FILE.to_owned(), vec![yaml]));
        changed.push((texts.len() - 1, 0));
    }
    // The proof is literal: the written documents, read back among the other inputs.
    let objects = read_all(&texts)?;
    let cluster = Cluster::resolve(objects, options);
    let mut again = cluster
        .plan_config(cfg.now())
        .map_err(|e| PatchError::Replan(e.to_string()))?;
    again.horizon = cfg.horizon;
    again.workloads = cfg.workloads;
    again.restart_every = cfg.restart_every;
    // A fix that rotates replaces the planned rotations (as its re-run did).
    if !fix
        .operations
        .iter()
        .any(|o| matches!(o, crate::plan::Operation::Rotate { .. }))
    {
        again.rotation = cfg.rotation;
        again.later_rotations.clone_from(&cfg.later_rotations);
    }
    again.control_plane.clone_from(&cfg.control_plane);
    // The operations as written to operations.yaml and read back, as `plan --operations`
    // replays them: the re-run checks the files, not the fix in memory.
    let operations_yaml = (!fix.operations.is_empty())
        .then(|| {
            crate::k8s::operations_yaml(&fix.operations, &again, |op| operation_steps(op, &again))
        })
        .transpose()
        .map_err(|e| PatchError::Replan(e.to_string()))?;
    if let Some(yaml) = &operations_yaml {
        let ops = crate::k8s::read_operations("operations.yaml", yaml)
            .map_err(|e| PatchError::Replan(e.to_string()))?;
        for op in &ops {
            again = op.apply(again);
        }
    }
    let run = simulate(&again, rng).map_err(|e| PatchError::Replan(e.to_string()))?;
    let notes = if auto.is_some() {
        vec![(
            "dated-actions.txt".to_owned(),
            crate::plan::dated_actions(&again, &run),
        )]
    } else {
        Vec::new()
    };
    let replacements = changed
        .iter()
        .filter_map(|&(file, d)| {
            let (name, text) = inputs.get(file)?;
            replacement(name, text, d, &texts[file].1[d])
        })
        .collect();
    let mut documents: Vec<(String, String)> = Vec::new();
    for (file, d) in changed {
        let (name, docs) = &texts[file];
        match documents.iter_mut().find(|(n, _)| n == name) {
            Some((_, text)) => {
                text.push_str("---\n");
                text.push_str(&docs[d]);
            }
            None => documents.push((name.clone(), docs[d].clone())),
        }
    }
    Ok(PatchedFix {
        documents,
        kubectl,
        operations: fix
            .operations
            .iter()
            .flat_map(|op| operation_steps(op, &again))
            .map(|(at, what, command)| {
                if at.is_empty() {
                    format!("{what}: {command}")
                } else {
                    format!("{at} {what}: {command}")
                }
            })
            .collect(),
        operations_yaml,
        notes,
        first_break_day: run.first_break.map(|b| b.day),
        replacements,
    })
}

fn read_all(texts: &[(String, Vec<String>)]) -> Result<Objects, PatchError> {
    let mut objects = Objects::default();
    for (file, docs) in texts {
        objects
            .add(file, &join_documents(docs))
            .map_err(|e| PatchError::Replan(e.to_string()))?;
    }
    Ok(objects)
}

/// A YAML stream's documents, each with its own lines (the `---` separators dropped).
fn split_documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    // A leading `---` opens the first document: nothing before it (blank lines, comments) is
    // a document of its own.
    let blank = |d: &str| {
        d.lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    };
    if docs.len() > 1 && blank(&docs[0]) {
        let lead = docs.remove(0);
        docs[0].insert_str(0, &lead);
    }
    docs
}

fn join_documents(docs: &[String]) -> String {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(d);
        if !d.ends_with('\n') && !d.is_empty() {
            out.push('\n');
        }
    }
    out
}

/// Whether `doc` is the YAML text of the Certificate `name` (block style, as people write it).
fn is_document_of(doc: &str, kind: &str, name: &str) -> bool {
    doc.lines().any(|l| l.trim_end() == format!("kind: {kind}"))
        && doc.lines().any(|l| l.trim() == format!("name: {name}"))
}

/// The indentation of a line.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `doc` with `change` applied, field order and other fields as given: the field's value
/// replaced where it is written, else inserted where cert-manager's docs put it.
fn set_field(doc: &str, change: &FieldChange) -> Option<String> {
    let mut lines: Vec<String> = doc.lines().map(str::to_owned).collect();
    let spec = lines.iter().position(|l| l.trim_end() == "spec:")?;
    let child = lines[spec + 1..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .filter(|&i| i > 0)?;
    let pad = " ".repeat(child);
    // The spec's own lines: up to the next line indented less than its children.
    let end = lines[spec + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && indent(l) < child)
        .map_or(lines.len(), |p| spec + 1 + p);
    let find = |lines: &[String], key: &str, at: usize, from: usize, to: usize| {
        (from..to).find(|&i| indent(&lines[i]) == at && lines[i].trim_start().starts_with(key))
    };
    match change.field {
        "spec.renewBefore" => {
            // renewBefore and renewBeforePercentage are exclusive: the fix's value wins.
            if let Some(p) = find(&lines, "renewBeforePercentage:", child, spec + 1, end) {
                lines.remove(p);
            }
            let end = end.min(lines.len());
            match find(&lines, "renewBefore:", child, spec + 1, end) {
                Some(i) => lines[i] = format!("{pad}renewBefore: {}", change.value),
                None => {
                    let after = find(&lines, "duration:", child, spec + 1, end).unwrap_or(spec);
                    lines.insert(after + 1, format!("{pad}renewBefore: {}", change.value));
                }
            }
        }
        "spec.duration" => match find(&lines, "duration:", child, spec + 1, end) {
            Some(i) => lines[i] = format!("{pad}duration: {}", change.value),
            None => {
                // Where cert-manager's docs put it: after secretName, else first.
                let after = find(&lines, "secretName:", child, spec + 1, end).unwrap_or(spec);
                lines.insert(after + 1, format!("{pad}duration: {}", change.value));
            }
        },
        "spec.sources.secret.name" => {
            // The source item naming the Secret this replaces: a `name:` line under a
            // `secret:` key inside spec.sources, its value plain or quoted.
            let old = change.replaces.as_deref()?;
            let unquote = |v: &str| v.trim().trim_matches('"').trim_matches('\'').to_owned();
            let i = (spec + 1..end).find(|&i| {
                let l = lines[i].trim_start().trim_start_matches("- ");
                l.strip_prefix("name:").is_some_and(|v| unquote(v) == old)
                    // Its parent within a few lines (a source item has few keys): the cost
                    // stays linear in the document, whatever it holds.
                    && lines[..i]
                        .iter()
                        .rev()
                        .take(16)
                        .find(|p| indent(p) < indent(&lines[i]))
                        .is_some_and(|p| {
                            p.trim_start().trim_start_matches("- ").trim_end() == "secret:"
                        })
            })?;
            let at = lines[i].find("name:")?;
            lines[i] = format!("{}name: {}", &lines[i][..at], change.value);
        }
        "spec.sources" => {
            // One more source item, after the last, written as the first one is indented.
            let s = find(&lines, "sources:", child, spec + 1, end)?;
            let items_end = lines[s + 1..]
                .iter()
                .position(|l| {
                    !l.trim().is_empty()
                        && (indent(l) < child
                            || (indent(l) == child && !l.trim_start().starts_with("- ")))
                })
                .map_or(lines.len(), |p| s + 1 + p);
            let first = (s + 1..items_end).find(|&i| !lines[i].trim().is_empty())?;
            if !lines[first].trim_start().starts_with("- ") {
                return None;
            }
            let item = indent(&lines[first]);
            let sub = lines[first + 1..items_end]
                .iter()
                .find(|l| !l.trim().is_empty())
                .map(|l| indent(l))
                .filter(|&i| i > item + 2)
                .unwrap_or(item + 4);
            let last = (first..items_end)
                .rev()
                .find(|&i| !lines[i].trim().is_empty())?;
            let (pad, sub) = (" ".repeat(item), " ".repeat(sub));
            lines.splice(
                last + 1..last + 1,
                [
                    format!("{pad}- secret:"),
                    format!("{sub}name: {}", change.value),
                    format!("{sub}key: tls.crt"),
                ],
            );
        }
        "spec.privateKey.rotationPolicy" => {
            match find(&lines, "privateKey:", child, spec + 1, end) {
                Some(pk) => {
                    let inner = lines[pk + 1..]
                        .iter()
                        .find(|l| !l.trim().is_empty())
                        .map(|l| indent(l))
                        .filter(|&i| i > child)
                        .unwrap_or(child + 2);
                    let pk_end = lines[pk + 1..]
                        .iter()
                        .position(|l| !l.trim().is_empty() && indent(l) < inner)
                        .map_or(lines.len(), |p| pk + 1 + p);
                    let line = format!("{}rotationPolicy: {}", " ".repeat(inner), change.value);
                    match find(&lines, "rotationPolicy:", inner, pk + 1, pk_end) {
                        Some(i) => lines[i] = line,
                        None => lines.insert(pk + 1, line),
                    }
                }
                None => {
                    lines.insert(spec + 1, format!("{pad}privateKey:"));
                    lines.insert(
                        spec + 2,
                        format!("{pad}{pad}rotationPolicy: {}", change.value),
                    );
                }
            }
        }
        _ => return None,
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Some(out)
}

/// Where a fix writes its copy of input `file`, relative to the fix's directory: the path as
/// given, so that `a/linkerd.yaml` and `b/linkerd.yaml` stay two files; a root is dropped and
/// `..` becomes `_up_`, so no copy lands outside the fix's directory.
///
/// ```
/// use certcycle::k8s::fix_relative_path;
/// use std::path::Path;
/// assert_eq!(fix_relative_path("a/linkerd.yaml"), Path::new("a/linkerd.yaml"));
/// assert_eq!(fix_relative_path("/srv/b/linkerd.yaml"), Path::new("srv/b/linkerd.yaml"));
/// assert_eq!(fix_relative_path("../c.yaml"), Path::new("_up_/c.yaml"));
/// ```
pub fn fix_relative_path(file: &str) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in std::path::Path::new(file).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => out.push("_up_"),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    if out.as_os_str().is_empty() {
        out.push("fix.yaml");
    }
    out
}

/// `kubectl patch certificate NAME -n NS --type merge -p '{...}'` for `change`: every word
/// quoted for `sh`, the body written by serde_json.
fn kubectl_line(change: &FieldChange, namespace: Option<&str>) -> String {
    let name = change
        .certificate
        .rsplit('/')
        .next()
        .unwrap_or(&change.certificate);
    let body = match change.field {
        "spec.privateKey.rotationPolicy" => {
            serde_json::json!({"spec": {"privateKey": {"rotationPolicy": change.value}}})
        }
        "spec.duration" => serde_json::json!({"spec": {"duration": change.value}}),
        _ => serde_json::json!({"spec": {"renewBefore": change.value}}),
    };
    let mut words = vec!["kubectl", "patch", "certificate", name];
    if let Some(ns) = namespace {
        words.extend(["-n", ns]);
    }
    let body = body.to_string();
    words.extend(["--type", "merge", "-p", &body]);
    shell_line(&words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(field: &'static str, value: &str) -> FieldChange {
        FieldChange {
            certificate: "cert-manager/a".into(),
            field,
            value: value.into(),
            replaces: None,
        }
    }

    const DOC: &str = "apiVersion: cert-manager.io/v1
kind: Certificate
metadata:
  name: a
spec:
  isCA: true
  duration: 720h
  renewBeforePercentage: 50
  issuerRef:
    name: x
";

    #[test]
    fn renew_before_goes_after_duration_and_replaces_a_percentage() {
        let out = set_field(DOC, &change("spec.renewBefore", "100h0m0s")).unwrap();
        assert!(
            out.contains("  duration: 720h\n  renewBefore: 100h0m0s\n  issuerRef:"),
            "{out}"
        );
        assert!(!out.contains("renewBeforePercentage"), "{out}");
        let again = set_field(&out, &change("spec.renewBefore", "50h0m0s")).unwrap();
        assert_eq!(again.matches("renewBefore:").count(), 1, "{again}");
        assert!(again.contains("  renewBefore: 50h0m0s\n"), "{again}");
    }

    #[test]
    fn duration_is_replaced_where_written_else_put_after_secret_name() {
        let out = set_field(DOC, &change("spec.duration", "8760h0m0s")).unwrap();
        assert!(out.contains("  duration: 8760h0m0s\n"), "{out}");
        assert_eq!(out.matches("duration:").count(), 1, "{out}");
        let bare = DOC.replace("  duration: 720h\n", "  secretName: a\n");
        assert_ne!(bare, DOC);
        let out = set_field(&bare, &change("spec.duration", "8760h0m0s")).unwrap();
        let at = |k: &str| out.find(k).unwrap();
        assert!(at("secretName:") < at("duration: 8760h0m0s"), "{out}");
        assert!(at("duration: 8760h0m0s") < at("issuerRef:"), "{out}");
    }

    #[test]
    fn a_replacement_names_the_file_lines_of_the_change() {
        // A comment and a leading `---` before the first document, a second document.
        let text = format!("# certs\n---\n{DOC}---\n{DOC}");
        let patched = set_field(DOC, &change("spec.duration", "8760h0m0s")).unwrap();
        let r = replacement("f.yaml", &text, 1, &patched).unwrap();
        // The second document starts on file line 14 (2 + 11 lines + its `---`); its
        // duration is its sixth line.
        assert_eq!(text.lines().nth(r.start_line - 1), Some("  duration: 720h"));
        assert_eq!(
            (r.end_line - r.start_line, r.text.as_str()),
            (1, "  duration: 8760h0m0s\n")
        );
        // The first document holds the lead (as split_documents splits it).
        let lead = format!("# certs\n{DOC}");
        let patched0 = set_field(&lead, &change("spec.duration", "8760h0m0s")).unwrap();
        let r0 = replacement("f.yaml", &text, 0, &patched0).unwrap();
        assert_eq!(
            text.lines().nth(r0.start_line - 1),
            Some("  duration: 720h")
        );
        assert!(r0.start_line < r.start_line);
        assert_eq!(replacement("f.yaml", &text, 0, &lead), None);
    }

    #[test]
    fn a_bundle_source_is_renamed_where_it_names_the_secret_only() {
        let bundle = "kind: Bundle\nmetadata:\n  name: roots\nspec:\n  sources:\n  - configMap:\n      name: \"anchor\"\n  - secret:\n      name: \"anchor\"\n      key: tls.crt\n  target:\n    configMap:\n      key: ca-bundle.crt\n";
        let change = FieldChange {
            certificate: "roots".into(),
            field: "spec.sources.secret.name",
            value: "root".into(),
            replaces: Some("anchor".into()),
        };
        let out = set_field(bundle, &change).unwrap();
        // The ConfigMap source of the same name is left alone; the Secret source renamed.
        assert!(
            out.contains("  - configMap:\n      name: \"anchor\"\n"),
            "{out}"
        );
        assert!(
            out.contains("  - secret:\n      name: root\n      key: tls.crt\n"),
            "{out}"
        );
        let none = FieldChange {
            replaces: Some("other".into()),
            ..change
        };
        assert_eq!(set_field(bundle, &none), None);
    }

    #[test]
    fn a_bundle_source_is_added_after_the_last_as_the_first_is_indented() {
        let add = change("spec.sources", "linkerd-previous-anchor");
        let doc = "kind: Bundle\nmetadata:\n  name: roots\nspec:\n  sources:\n    - secret:\n        name: anchor\n        key: tls.crt\n  target:\n    configMap:\n      key: ca-bundle.crt\n";
        assert_eq!(
            set_field(doc, &add).unwrap(),
            "kind: Bundle\nmetadata:\n  name: roots\nspec:\n  sources:\n    - secret:\n        name: anchor\n        key: tls.crt\n    - secret:\n        name: linkerd-previous-anchor\n        key: tls.crt\n  target:\n    configMap:\n      key: ca-bundle.crt\n"
        );
        // Items at the key's own indentation, the list last in the document.
        let flat = "kind: Bundle\nspec:\n  sources:\n  - secret: {name: anchor, key: tls.crt}\n";
        assert_eq!(
            set_field(flat, &add).unwrap(),
            "kind: Bundle\nspec:\n  sources:\n  - secret: {name: anchor, key: tls.crt}\n  - secret:\n      name: linkerd-previous-anchor\n      key: tls.crt\n"
        );
        // No sources list: nothing to add to.
        assert!(set_field("kind: Bundle\nspec:\n  target: {}\n", &add).is_none());
    }

    #[test]
    fn rotation_policy_is_set_inside_or_with_its_private_key() {
        let out = set_field(DOC, &change("spec.privateKey.rotationPolicy", "Never")).unwrap();
        assert!(
            out.contains("spec:\n  privateKey:\n    rotationPolicy: Never\n  isCA: true"),
            "{out}"
        );
        let with_key = DOC.replace(
            "  isCA: true\n",
            "  isCA: true\n  privateKey:\n      algorithm: ECDSA\n      rotationPolicy: Always\n",
        );
        let out = set_field(
            &with_key,
            &change("spec.privateKey.rotationPolicy", "Never"),
        )
        .unwrap();
        assert!(
            out.contains("  privateKey:\n      algorithm: ECDSA\n      rotationPolicy: Never\n"),
            "{out}"
        );
        assert!(!out.contains("Always"), "{out}");
    }

    #[test]
    fn documents_split_and_join_back_as_given() {
        let text = "---\na: 1\n---\nb: 2\n";
        let docs = split_documents(text);
        assert_eq!(docs, ["a: 1\n", "b: 2\n"]);
        assert_eq!(join_documents(&docs), "a: 1\n---\nb: 2\n");
        // A comment before the first separator belongs to the first document.
        let docs = split_documents("# mesh\n---\na: 1\n");
        assert_eq!(docs, ["# mesh\na: 1\n"]);
    }
}
