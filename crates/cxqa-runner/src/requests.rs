//! Counts HTTP attempts for the run summary (per stream, by taking snapshots around it).

use crate::audit::AuditLog;
use crate::report::RequestCounts;
use cxqa_core::events::{RequestEvent, RequestEventSink};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Counts every HTTP attempt and copies it to the audit log once one is attached.
#[derive(Default)]
pub struct RequestStats {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    waited_ms: AtomicU64,
    longest_wait_ms: AtomicU64,
    audit: OnceLock<Arc<AuditLog>>,
}

impl RequestStats {
    pub fn attach_audit(&self, audit: Arc<AuditLog>) {
        let _ = self.audit.set(audit);
    }

    pub fn snapshot(&self) -> RequestCounts {
        RequestCounts {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            waited_ms: self.waited_ms.load(Ordering::Relaxed),
            longest_wait_ms: self.longest_wait_ms.load(Ordering::Relaxed),
        }
    }
}

impl RequestEventSink for RequestStats {
    fn record(&self, event: RequestEvent) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if event.attempt > 1 {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
        if event.status == Some(429) {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        self.waited_ms.fetch_add(event.waited_ms, Ordering::Relaxed);
        self.longest_wait_ms
            .fetch_max(event.waited_ms, Ordering::Relaxed);
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
