//! cxqa's end-to-end tests: one binary, one module per concern.

// Linking the connector crates is what registers them, here as in the `cxqa` binary.
use cxqa_connectors as _;

mod architecture;
mod behaviour;
mod config_files;
mod cxone;
mod genesys;
mod long_horizon;
mod parquet;
mod rate_limit;
mod registry;
mod soak;
mod storage;
mod support;

use std::path::PathBuf;

/// The workspace root (this package lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}
