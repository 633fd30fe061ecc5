//! Request events: one per HTTP attempt, for the audit log and the run summary.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// One HTTP attempt. `path` is a template (`/api/v2/users/{userId}`): no ids, no query string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestEvent {
    pub at: DateTime<Utc>,
    pub vendor: String,
    pub method: String,
    pub path: String,
    /// None when no response arrived (connect error, timeout).
    pub status: Option<u16>,
    pub latency_ms: u64,
    /// 1 for the first attempt of a request.
    pub attempt: u32,
    /// Time spent waiting before this attempt (pacing, Retry-After, backoff).
    pub waited_ms: u64,
    /// A pre-signed storage download: not the vendor's API, not counted against its limits.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub presigned: bool,
}

/// Receives request events. Implementations must be cheap: they run on the request path.
pub trait RequestEventSink: Send + Sync {
    fn record(&self, event: RequestEvent);
}

/// Drops every event.
pub struct DiscardEvents;

impl RequestEventSink for DiscardEvents {
    fn record(&self, _event: RequestEvent) {}
}

pub fn discard() -> Arc<dyn RequestEventSink> {
    Arc::new(DiscardEvents)
}
