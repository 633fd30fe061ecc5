//! The dependency rules of ARCHITECTURE.md, checked against the manifests.

use crate::workspace_root;
use std::collections::BTreeSet;

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
    for connector in [
        "connectors/cxqa-genesys/Cargo.toml",
        "connectors/cxqa-cxone/Cargo.toml",
    ] {
        let deps = dependencies(connector);
        assert_eq!(
            ours(&deps),
            BTreeSet::from(["cxqa-core", "cxqa-http"]),
            "{connector}"
        );
    }
}

#[test]
fn sinks_http_and_runner_keep_their_lanes() {
    assert_eq!(
        ours(&dependencies("crates/cxqa-sinks/Cargo.toml")),
        BTreeSet::from(["cxqa-core"])
    );
    assert_eq!(
        ours(&dependencies("crates/cxqa-http/Cargo.toml")),
        BTreeSet::from(["cxqa-core"])
    );
    let runner_deps = dependencies("crates/cxqa-runner/Cargo.toml");
    let runner = ours(&runner_deps);
    assert!(runner.contains("cxqa-core") && runner.contains("cxqa-sinks"));
    assert!(
        runner
            .iter()
            .all(|d| ["cxqa-core", "cxqa-sinks", "cxqa-http"].contains(d)),
        "{runner:?}"
    );
}

#[test]
fn the_emulator_speaks_vendor_json_not_ours() {
    let deps = dependencies("crates/cxqa-emulator/Cargo.toml");
    assert!(ours(&deps).iter().all(|d| *d == "cxqa-core"), "{deps:?}");
}

#[test]
fn the_binary_links_every_connector() {
    let binary = dependencies("crates/cxqa/Cargo.toml");
    let main = std::fs::read_to_string(workspace_root().join("crates/cxqa/src/main.rs")).unwrap();
    for entry in std::fs::read_dir(workspace_root().join("connectors")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            binary.contains(&name),
            "crates/cxqa does not depend on {name}"
        );
        let line = format!("use {} as _;", name.replace('-', "_"));
        assert!(
            main.contains(&line),
            "crates/cxqa/src/main.rs lacks `{line}`"
        );
    }
}
