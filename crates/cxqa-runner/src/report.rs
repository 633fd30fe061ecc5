//! What a run reports: per stream and in total. Every other module may use these; this one uses
//! none of them.

use chrono::{DateTime, Utc};
use cxqa_core::{Stream, Window};
use cxqa_sinks::WriteStats;
use serde::Serialize;

/// What happened to one stream.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StreamReport {
    pub stream: Option<Stream>,
    pub window: Option<Window>,
    /// Whether the run continued an interrupted one from its checkpoint.
    pub resumed: bool,
    pub pages: u64,
    /// Records received from the vendor.
    pub fetched: u64,
    pub written: WriteStats,
    /// Deletion signals received from the vendor.
    pub tombstones: u64,
    /// What the vendor says exists, when the connector reports it.
    pub vendor_total: Option<u64>,
    /// Records per division id, for streams whose records name divisions.
    #[serde(default)]
    pub divisions: std::collections::BTreeMap<String, u64>,
    /// Things the user should know (e.g. far fewer records than the vendor reports).
    #[serde(default)]
    pub warnings: Vec<String>,
    pub requests: RequestCounts,
    pub elapsed_ms: u64,
    /// The error that stopped the stream; the committed pages are kept and the next run resumes.
    pub error: Option<String>,
    /// Who can fix that error.
    pub failure: Option<crate::error::FailureKind>,
}

/// What happened in one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub pipeline: String,
    pub vendor: String,
    pub started_at: DateTime<Utc>,
    pub streams: Vec<StreamReport>,
    pub requests: RequestCounts,
    pub elapsed_ms: u64,
    /// Names of the division ids the streams counted, as the vendor gives them.
    #[serde(default)]
    pub division_names: std::collections::BTreeMap<String, String>,
}

impl RunReport {
    pub fn succeeded(&self) -> bool {
        self.streams.iter().all(|s| s.error.is_none())
    }
}

/// A point-in-time copy of the counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// HTTP attempts, retries included.
    pub requests: u64,
    /// Of those, downloads from pre-signed storage links (not the vendor's API).
    #[serde(default)]
    pub presigned: u64,
    /// Attempts after the first of a request.
    pub retries: u64,
    /// Responses with status 429.
    pub rate_limited: u64,
    /// Time spent waiting for pacing, Retry-After and backoff.
    pub waited_ms: u64,
    /// The longest single wait before an attempt.
    #[serde(default)]
    pub longest_wait_ms: u64,
}

impl RequestCounts {
    /// The requests that spent the vendor's API budget.
    pub fn api_requests(&self) -> u64 {
        self.requests - self.presigned
    }
}

/// Below this share of what the vendor reports, a stream's extraction is called out.
const RECONCILIATION_SHARE: f64 = 0.95;

pub(crate) fn reconciliation(report: &StreamReport) -> Option<String> {
    let total = report.vendor_total.filter(|t| *t > 0)?;
    let seen = report.fetched + report.tombstones;
    (report.error.is_none() && (seen as f64) < total as f64 * RECONCILIATION_SHARE).then(|| {
        format!(
            "extracted {seen} of the {total} records the vendor reports ({:.0}%): the credentials may not see every division, or the filters exclude some",
            seen as f64 * 100.0 / total as f64
        )
    })
}
