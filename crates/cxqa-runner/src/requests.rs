//! Counts HTTP attempts for the run summary, for the whole run and per stream.

use crate::audit::AuditLog;
use crate::report::RequestCounts;
use cxqa_core::Stream;
use cxqa_core::events::{RequestEvent, RequestEventSink};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

tokio::task_local! {
    /// The stream whose run is being polled: its requests are counted as its own.
    static STREAM: Stream;
}

/// Runs `future` as `stream`'s work: the requests it makes count for that stream, even while
/// other streams run side by side in the same task.
pub(crate) fn counted_as<F: Future>(stream: Stream, future: F) -> impl Future<Output = F::Output> {
    STREAM.scope(stream, future)
}

/// Counts every HTTP attempt and copies it to the audit log once one is attached.
#[derive(Default)]
pub struct RequestStats {
    counts: Mutex<Counts>,
    audit: OnceLock<Arc<AuditLog>>,
}

#[derive(Default)]
struct Counts {
    all: RequestCounts,
    by_stream: HashMap<Stream, RequestCounts>,
}

impl RequestCounts {
    fn add(&mut self, event: &RequestEvent) {
        self.requests += 1;
        self.presigned += u64::from(event.presigned);
        if event.attempt > 1 {
            self.retries += 1;
        }
        if event.status == Some(429) {
            self.rate_limited += 1;
        }
        self.waited_ms += event.waited_ms;
        self.longest_wait_ms = self.longest_wait_ms.max(event.waited_ms);
    }
}

impl RequestStats {
    pub fn attach_audit(&self, audit: Arc<AuditLog>) {
        let _ = self.audit.set(audit);
    }

    /// Every request so far.
    pub fn snapshot(&self) -> RequestCounts {
        self.counts.lock().expect("request counts").all
    }

    /// The requests made so far for `stream`.
    pub fn snapshot_of(&self, stream: Stream) -> RequestCounts {
        self.counts
            .lock()
            .expect("request counts")
            .by_stream
            .get(&stream)
            .copied()
            .unwrap_or_default()
    }
}

impl RequestEventSink for RequestStats {
    fn record(&self, event: RequestEvent) {
        {
            let mut counts = self.counts.lock().expect("request counts");
            counts.all.add(&event);
            if let Ok(stream) = STREAM.try_with(|s| *s) {
                counts.by_stream.entry(stream).or_default().add(&event);
            }
        }
        if let Some(audit) = self.audit.get() {
            audit.request(&event);
        }
        tracing::trace!(
            vendor = %event.vendor,
            method = %event.method,
            path = %event.path,
            status = event.status,
            latency_ms = event.latency_ms,
            attempt = event.attempt,
            waited_ms = event.waited_ms,
            "request"
        );
    }
}
