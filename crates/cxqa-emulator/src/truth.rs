//! The vendor's ground truth (`GET /admin/truth?stream=…`): which records exist now and when each
//! last changed, with ids exactly as cxqa stores them. Each vendor renders its own (its id scheme
//! is its own); long-running tests compare a store with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One stream's truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub vendor: String,
    pub stream: String,
    pub live: Vec<LiveRecord>,
    /// Records that existed and are gone (deleted, retracted), as far as the vendor tells.
    pub deleted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LiveRecord {
    pub id: String,
    pub modified_at: DateTime<Utc>,
}

/// What a vendor's truth renderer fills in.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub live: Vec<LiveRecord>,
    pub deleted: Vec<String>,
}

impl Facts {
    pub fn live(&mut self, id: impl Into<String>, modified_at: DateTime<Utc>) {
        self.live.push(LiveRecord {
            id: id.into(),
            modified_at,
        });
    }
}

/// A vendor's truth of one stream for a client that sees the divisions `sees` accepts; None for
/// a stream it does not know.
pub(crate) type RenderTruth =
    fn(&crate::world::World, &str, &dyn Fn(usize) -> bool) -> Option<Facts>;

/// The streams `/admin/truth` answers for.
pub const TRUTH_STREAMS: [&str; 4] = ["assessments", "feedback", "surveys", "interactions"];
