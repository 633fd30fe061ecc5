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

/// Who can fix what stopped a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The credentials or settings: the user fixes the config.
    Config,
    /// The network, the vendor's availability or its rate limits: a later run resumes.
    Transient,
    /// Anything else: a defect here or an answer nobody expected.
    System,
}

impl RunError {
    pub fn kind(&self) -> FailureKind {
        match self {
            RunError::Source(SourceError::Vendor(failure)) => match failure.status {
                400..=404 => FailureKind::Config,
                429 | 500.. => FailureKind::Transient,
                _ => FailureKind::System,
            },
            RunError::Source(
                SourceError::Exhausted { .. }
                | SourceError::Transport { .. }
                | SourceError::Outage { .. }
                | SourceError::WaitTooLong { .. },
            ) => FailureKind::Transient,
            RunError::Source(SourceError::Decode { .. } | SourceError::Other(_)) => {
                FailureKind::System
            }
            RunError::Sink(SinkError::Config(_)) | RunError::NotOffered { .. } => {
                FailureKind::Config
            }
            RunError::Sink(_) => FailureKind::System,
        }
    }
}
