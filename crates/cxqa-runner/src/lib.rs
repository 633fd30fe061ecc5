//! Runs a pipeline: reads the TOML, builds the connector and the sink, pulls each requested
//! stream page by page and commits every page with its checkpoint.
//!
//! Modules depend on each other in one direction only (a test checks it):
//! `run` → `pipeline`, `pages`, `requests` → `audit` → `report`; nothing depends on `run`.

pub mod audit;
pub mod error;
pub mod extract;
pub mod interpolate;
pub mod pages;
pub mod pipeline;
pub mod report;
pub mod requests;
pub mod run;
pub mod schema;
#[cfg(test)]
mod test_records;

pub use error::{FailureKind, RunError};
pub use pipeline::{Pipeline, PipelineError};
pub use report::{RequestCounts, RunReport, StreamReport};
pub use run::{Progress, Silent, run, run_observed, run_pipeline, run_pipeline_at};
