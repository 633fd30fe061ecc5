//! Vendor-neutral heart of cxqa: the normalized record model, the per-entity source traits that
//! connectors implement, the connector registry, and the pure logic every vendor shares (score
//! normalization, PII detection, keyword matching, ISO-8601 durations).
//!
//! This crate performs no I/O: no sockets, no files, no clocks beyond what callers pass in.

pub mod config;
pub mod connector;
pub mod duration;
pub mod error;
pub mod events;
pub mod keywords;
pub mod model;
pub mod page;
pub mod pii;
pub mod score;
pub mod source;
pub mod stream;
pub mod timestamp;
pub mod transcript;

pub use connector::{Connector, ConnectorContext, ConnectorRegistration, registry};
pub use error::SourceError;
pub use page::{Checkpoint, Page, WindowIds};
pub use source::{ExtractRequest, Filters, PriorState, SentimentFilter, Source, Window, paginate};
pub use stream::Stream;

/// Re-exported so connector crates register with the same `inventory` the registry collects.
pub use inventory;
