//! The one place that names connector crates. Linking a connector crate is what registers it
//! (`inventory`), so the binary, the end-to-end tests and xtask depend on this crate instead of
//! on each connector.
//!
//! Adding a vendor: one dependency line in this crate's `Cargo.toml`; `build.rs` writes the
//! matching `use cxqa_<vendor> as _;`.

include!(concat!(env!("OUT_DIR"), "/linked.rs"));
