//! Runs a pipeline: reads the TOML, builds the connector and the sink, pulls each requested
//! stream page by page and commits every page with its checkpoint.

pub mod extract;
pub mod interpolate;
pub mod pipeline;
pub mod requests;
pub mod run;
pub mod schema;

pub use pipeline::{Pipeline, PipelineError};
pub use run::{Progress, RunReport, Silent, StreamReport, run, run_observed, run_pipeline};
pub mod audit;
pub mod webhook;

/// The sinks crate, for callers that read the store (the demo's report).
pub use cxqa_sinks as sinks;
