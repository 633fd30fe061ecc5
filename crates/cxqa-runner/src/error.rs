//! Why a stream or a run stopped.

use cxqa_core::{SourceError, Stream};
use cxqa_sinks::SinkError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The vendor (or the way to it) failed; committed pages are kept and the next run resumes.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store failed.
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error("`{vendor}` does not offer the `{stream}` stream")]
    NotOffered {
        vendor: &'static str,
        stream: Stream,
    },
}
