//! Connectors are discovered, never listed: every crate in `connectors/` is linked through
//! `cxqa-connectors` and registered under its vendor name.

use crate::workspace_root;
use cxqa_core::Stream;
use std::collections::BTreeSet;

/// The connector crates in `connectors/`, by folder name.
pub fn connector_crates() -> BTreeSet<String> {
    std::fs::read_dir(workspace_root().join("connectors"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_connector_crate_is_linked_and_registered_sorted_by_name() {
    let crates = connector_crates();
    let linked: BTreeSet<String> = cxqa_connectors::LINKED
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        linked, crates,
        "crates/cxqa-connectors/Cargo.toml must name every connector crate"
    );
    let vendors: Vec<&str> = cxqa_core::registry().iter().map(|r| r.vendor).collect();
    let mut sorted = vendors.clone();
    sorted.sort();
    assert_eq!(vendors, sorted);
    let expected: Vec<String> = crates
        .iter()
        .map(|c| c.strip_prefix("cxqa-").unwrap_or(c).to_string())
        .collect();
    assert_eq!(
        vendors, expected,
        "a crate `cxqa-<vendor>` registers `<vendor>`"
    );
}

#[test]
fn every_registered_connector_offers_a_stream_and_describes_itself() {
    for registration in cxqa_core::registry() {
        assert!(!registration.streams.is_empty(), "{}", registration.vendor);
        assert!(
            !registration.description.is_empty(),
            "{}",
            registration.vendor
        );
        assert!(registration.streams.iter().all(|s| Stream::ALL.contains(s)));
    }
}
