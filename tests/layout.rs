//! The crate's layout rules (DESIGN §9), checked on its own sources: imports run one way (no
//! cycle among the modules, each file a module, a module's own submodules aside), and no
//! source file passes 800 lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` is module `a::b`; `src/lib.rs` is the root (empty).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let path = rel.to_string_lossy().replace('/', "::");
    if path == "lib" { String::new() } else { path }
}

/// The code of a line: nothing of comments (doc links name modules without importing them).
fn code(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with("//") {
        return "";
    }
    match t.find("//") {
        Some(i) => &t[..i],
        None => t,
    }
}

/// `super::` paths of module `from` written as `crate::` paths (`super::plan_error::X` in
/// `k8s::topology` is `crate::k8s::plan_error::X`), so that a circle through `super::` is seen
/// as one through `crate::`.
fn absolute(line: &str, from: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("super::") {
        let before = rest[..i].chars().last();
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            out.push_str("super::");
            rest = &rest["super::".len()..];
            continue;
        }
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            up += 1;
            rest = r;
        }
        let mut segs: Vec<&str> = from.split("::").filter(|s| !s.is_empty()).collect();
        segs.truncate(segs.len().saturating_sub(up));
        out.push_str("crate::");
        for s in segs {
            out.push_str(s);
            out.push_str("::");
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn super_paths_are_made_absolute() {
    assert_eq!(
        absolute("use super::plan_error::X;", "k8s::topology"),
        "use crate::k8s::plan_error::X;"
    );
    assert_eq!(
        absolute(
            "use super::super::cert::C; pub(super) fn f()",
            "k8s::objects::secret"
        ),
        "use crate::k8s::cert::C; pub(super) fn f()"
    );
}

/// The `crate::...` paths of a line, `crate::{A, b::C}` groups expanded.
fn crate_paths(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let segs = segments(item.trim());
                if !segs.is_empty() {
                    out.push(segs);
                }
            }
        } else {
            out.push(segments(rest));
        }
    }
    out
}

fn segments(s: &str) -> Vec<String> {
    let mut segs = Vec::new();
    let mut rest = s;
    loop {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segs.push(rest[..end].to_owned());
        match rest[end..].strip_prefix("::") {
            Some(r) => rest = r,
            None => break,
        }
    }
    segs
}

/// The names `lib.rs` re-exports, by the module they come from (`Error` -> `error`).
fn root_exports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let text: String = lib.lines().map(code).collect::<Vec<_>>().join(" ");
    let mut rest = text.as_str();
    while let Some(i) = rest.find("pub use ") {
        rest = &rest[i + "pub use ".len()..];
        let end = rest.find(';').unwrap_or(rest.len());
        let item = &rest[..end];
        if let Some((module, names)) = item.split_once("::") {
            let names = names.trim().trim_start_matches('{').trim_end_matches('}');
            for n in names.split(',') {
                let n = n.trim().rsplit("::").next().unwrap_or_default().trim();
                if !n.is_empty() {
                    out.insert(n.to_owned(), module.trim().to_owned());
                }
            }
        }
    }
    out
}

/// Module `a` is `b`, or one holds the other (`verify` and `verify::checks`).
fn related(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
}

/// Module -> the modules it names.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let exports = root_exports(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(&src, f);
        if from.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for line in text.lines() {
            for segs in crate_paths(&absolute(code(line), &from)) {
                // The longest prefix that is a module; else a root re-export.
                let target = (1..=segs.len())
                    .rev()
                    .map(|n| segs[..n].join("::"))
                    .find(|p| modules.contains(p))
                    .or_else(|| segs.first().and_then(|s| exports.get(s).cloned()));
                if let Some(to) = target
                    && !related(&from, &to)
                {
                    graph.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    graph
}

/// The cycles of `graph` (strongly connected components of more than one module).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time, then walk the reversed graph.
    fn visit(
        v: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<String>,
    ) {
        if !seen.insert(v.to_owned()) {
            return;
        }
        for w in g.get(v).into_iter().flatten() {
            visit(w, g, seen, out);
        }
        out.push(v.to_owned());
    }
    let mut nodes: BTreeSet<String> = graph.keys().cloned().collect();
    nodes.extend(graph.values().flatten().cloned());
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for v in &nodes {
        visit(v, graph, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reversed.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for v in order.iter().rev() {
        let mut component = Vec::new();
        visit(v, &reversed, &mut seen, &mut component);
        if component.len() > 1 {
            component.sort();
            out.push(component);
        }
    }
    out
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    g.insert(
        "c".to_owned(),
        BTreeSet::from(["a".to_owned(), "d".to_owned()]),
    );
    assert_eq!(cycles(&g), [["a", "b", "c"]]);
    assert_eq!(
        crate_paths("use crate::{Error, verify::VerifyError}; x(crate::plan::Config::seed)"),
        [
            vec!["Error".to_owned()],
            vec!["verify".to_owned(), "VerifyError".to_owned()],
            vec!["plan".to_owned(), "Config".to_owned(), "seed".to_owned()],
        ]
    );
}

#[test]
fn imports_run_one_way() {
    let graph = import_graph();
    let found = cycles(&graph);
    let explain: Vec<String> = found
        .iter()
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|to| c.contains(to))
                        .map(move |to| format!("{from} -> {to}"))
                })
                .collect();
            edges.join(", ")
        })
        .collect();
    assert!(found.is_empty(), "import cycles: {explain:#?}");
}

#[test]
fn no_source_file_passes_800_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long: Vec<(String, usize)> = files
        .iter()
        .map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (f.strip_prefix(&src).unwrap().display().to_string(), n)
        })
        .filter(|(_, n)| *n > 800)
        .collect();
    long.sort();
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
}

/// The engine's split (DESIGN §19): the components Linkerd and Istio share name neither
/// mesh (no import or use of a mesh's model or presets: what differs is reached through
/// `Config::mesh`), and Istio's model names nothing of Linkerd's.
#[test]
fn shared_components_name_no_mesh() {
    let shared = [
        "src/sim/cert_manager.rs",
        "src/sim/trust_manager.rs",
        "src/sim/continuity.rs",
        "src/sim/operator.rs",
        "src/sim/verdicts.rs",
        "src/sim/proxies.rs",
        "src/sim/faults.rs",
    ];
    let linkerd = [
        "presets::linkerd",
        "linkerd::",
        "identity::",
        "IdentityController",
        "is_identity_controller",
        "self.identity",
        "Who::Identity",
    ];
    let istio = ["presets::istio", "istio::", "self.istio", "Who::Istio"];
    let check = |file: &str, names: &[&str]| {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = code(line);
            for name in names {
                assert!(
                    !code.contains(name),
                    "{file}:{}: a shared component names {name:?}: {line}",
                    n + 1
                );
            }
        }
    };
    for file in shared {
        check(file, &linkerd);
        check(file, &istio);
    }
    let mut model = vec![PathBuf::from("src/sim/istio.rs")];
    sources(Path::new("src/sim/istio"), &mut model);
    assert!(
        model.len() >= 4,
        "istio.rs and its csr, istiod and agent files"
    );
    for file in &model {
        check(file.to_str().unwrap(), &linkerd);
    }
}
