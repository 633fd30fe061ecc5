//! The dependency rules of ARCHITECTURE.md, checked against the manifests.

use crate::registry::connector_crates;
use crate::workspace_root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn dependencies(manifest: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace_root().join(manifest)).unwrap();
    let value: toml::Table = toml::from_str(&text).unwrap();
    value
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

fn ours(deps: &BTreeSet<String>) -> BTreeSet<&str> {
    deps.iter()
        .map(String::as_str)
        .filter(|d| d.starts_with("cxqa"))
        .collect()
}

#[test]
fn core_does_no_io() {
    let deps = dependencies("crates/cxqa-core/Cargo.toml");
    assert!(ours(&deps).is_empty(), "core depends on {deps:?}");
    for io in [
        "tokio",
        "reqwest",
        "rusqlite",
        "tokio-postgres",
        "axum",
        "hyper",
    ] {
        assert!(!deps.contains(io), "core must not depend on {io}");
    }
}

#[test]
fn connectors_depend_only_on_core_and_http() {
    for name in connector_crates() {
        let connector = format!("connectors/{name}/Cargo.toml");
        let deps = dependencies(&connector);
        assert_eq!(
            ours(&deps),
            BTreeSet::from(["cxqa-core", "cxqa-http"]),
            "{connector}"
        );
    }
}

#[test]
fn sinks_http_and_runner_keep_their_lanes() {
    // The sinks own every sink, the webhook one included, so they may use the HTTP client.
    assert_eq!(
        ours(&dependencies("crates/cxqa-sinks/Cargo.toml")),
        BTreeSet::from(["cxqa-core", "cxqa-http"])
    );
    assert_eq!(
        ours(&dependencies("crates/cxqa-http/Cargo.toml")),
        BTreeSet::from(["cxqa-core"])
    );
    assert_eq!(
        ours(&dependencies("crates/cxqa-runner/Cargo.toml")),
        BTreeSet::from(["cxqa-core", "cxqa-sinks"])
    );
}

#[test]
fn the_emulator_speaks_vendor_json_not_ours() {
    let deps = dependencies("crates/cxqa-emulator/Cargo.toml");
    assert!(ours(&deps).iter().all(|d| *d == "cxqa-core"), "{deps:?}");
}

#[test]
fn only_the_link_crate_names_connector_crates() {
    let connectors = connector_crates();
    for manifest in [
        "crates/cxqa/Cargo.toml",
        "tests/Cargo.toml",
        "xtask/Cargo.toml",
    ] {
        let text = std::fs::read_to_string(workspace_root().join(manifest)).unwrap();
        assert!(
            text.contains("cxqa-connectors"),
            "{manifest} must link cxqa-connectors"
        );
        for name in &connectors {
            assert!(
                !text.contains(name.as_str()),
                "{manifest} names {name}: depend on cxqa-connectors instead"
            );
        }
    }
    let root = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    assert!(
        root.contains("\"connectors/*\""),
        "workspace members include connectors/* by glob"
    );
    for name in &connectors {
        assert!(
            !root.contains(name.as_str()),
            "the root Cargo.toml names {name}"
        );
    }
}

/// Every `.rs` file under `dir`, recursively.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn a_connector_crate_never_names_another_vendor() {
    let vendors: Vec<&str> = cxqa_core::registry().iter().map(|r| r.vendor).collect();
    for registration in cxqa_core::registry() {
        let dir = workspace_root().join(format!("connectors/cxqa-{}", registration.vendor));
        for file in rust_files(&dir.join("src")) {
            let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
            for other in vendors.iter().filter(|v| **v != registration.vendor) {
                assert!(
                    !text.contains(other),
                    "{} names the vendor `{other}`",
                    file.display()
                );
            }
        }
    }
}

/// `module → modules it names through crate::` for one crate's `src/`, test code left out.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap().with_extension("");
        let module = relative
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if module == "lib" || module == "main" || module == "tests" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if rest.starts_with('{') {
                let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
                names.extend(group.split(',').map(|p| path_head(p.trim())));
            } else {
                names.insert(path_head(rest));
            }
        }
        let entry: &mut BTreeSet<String> = graph.entry(module.clone()).or_default();
        entry.extend(names.into_iter().filter(|n| *n != module && !n.is_empty()));
    }
    graph
}

fn path_head(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A cycle in `graph` as `a → b → a`, if any.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(start) = path.iter().position(|p| p == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle.join(" → "));
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if graph.contains_key(next) {
                if let Some(cycle) = visit(next, graph, path, done) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_loop_in_the_runner_or_the_http_client() {
    for krate in ["crates/cxqa-runner", "crates/cxqa-http"] {
        let graph = module_graph(&workspace_root().join(krate).join("src"));
        assert!(graph.len() > 3, "{krate}: {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{krate} has a module loop: {cycle}");
        }
    }
}

#[test]
fn the_loop_finder_finds_loops() {
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(find_cycle(&graph).as_deref(), Some("a → b → c → a"));
}

#[test]
fn no_emulator_file_mixes_vendors() {
    let src = workspace_root().join("crates/cxqa-emulator/src");
    let vendors = cxqa_emulator::vendors();
    assert!(vendors.len() > 1, "{vendors:?}");
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        let home = vendors.iter().find(|v| relative.starts_with(v));
        let text = std::fs::read_to_string(&file).unwrap().to_lowercase();
        // Declaring a vendor's module is how the crate includes it; nothing else may name one.
        let code: Vec<&str> = text
            .lines()
            .filter(|line| !vendors.iter().any(|v| line.trim() == format!("mod {v};")))
            .collect();
        for vendor in vendors.iter().filter(|v| Some(*v) != home) {
            if let Some(line) = code.iter().find(|line| line.contains(vendor)) {
                panic!("{} names `{vendor}`: {line}", relative.display());
            }
        }
    }
}
