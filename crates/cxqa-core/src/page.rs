use crate::model::Tombstone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Where a source stands in its extraction. Opaque to everyone but the connector that wrote it;
/// the runner stores it with the page's records and hands it back to resume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Checkpoint(pub serde_json::Value);

impl Checkpoint {
    pub fn new(value: impl Serialize) -> Self {
        Checkpoint(serde_json::to_value(value).unwrap_or(serde_json::Value::Null))
    }

    /// Reads the checkpoint back as the connector's own type; None when it has another shape
    /// (for example one written by an older version), which means "start over".
    pub fn read<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_value(self.0.clone()).ok()
    }
}

/// One unit of progress: the runner commits a page's records, tombstones and checkpoint together.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub records: Vec<T>,
    pub tombstones: Vec<Tombstone>,
    /// Resuming from this checkpoint must not skip any record after this page.
    pub checkpoint: Option<Checkpoint>,
    /// How many records the vendor says exist for the request, when it says so.
    pub vendor_total: Option<u64>,
    /// Every id a complete re-read found, per UTC day. The runner remembers them (pruned to the
    /// days a run can re-read), so a later re-read can tell what disappeared.
    pub window_ids: Vec<WindowIds>,
}

/// The ids of one fully re-read UTC day, keyed `YYYY-MM-DD` so the key stays the same however
/// a connector chunks its reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowIds {
    pub key: String,
    pub ids: BTreeSet<String>,
}

impl WindowIds {
    pub fn day(day: chrono::NaiveDate, ids: BTreeSet<String>) -> Self {
        WindowIds {
            key: Self::day_key(day),
            ids,
        }
    }

    /// The key of one UTC day's ids in `known_ids`.
    pub fn day_key(day: chrono::NaiveDate) -> String {
        day.format("%Y-%m-%d").to_string()
    }

    /// The day this window covers; None for a key written in another form (older state).
    pub fn parse_day(key: &str) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::parse_from_str(key, "%Y-%m-%d").ok()
    }
}

impl<T> Page<T> {
    pub fn new(records: Vec<T>) -> Self {
        Page {
            records,
            tombstones: Vec::new(),
            checkpoint: None,
            vendor_total: None,
            window_ids: Vec::new(),
        }
    }

    pub fn with_checkpoint(mut self, checkpoint: Checkpoint) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }

    pub fn with_tombstones(mut self, tombstones: Vec<Tombstone>) -> Self {
        self.tombstones = tombstones;
        self
    }

    /// The same page with its records replaced (tombstones, checkpoint and total kept).
    pub fn with_records<U>(self, records: Vec<U>) -> Page<U> {
        Page {
            records,
            tombstones: self.tombstones,
            checkpoint: self.checkpoint,
            vendor_total: self.vendor_total,
            window_ids: self.window_ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Cursor {
        page: u32,
    }

    #[test]
    fn checkpoint_round_trips_and_tolerates_foreign_shapes() {
        let cp = Checkpoint::new(Cursor { page: 3 });
        assert_eq!(cp.read::<Cursor>(), Some(Cursor { page: 3 }));
        let foreign = Checkpoint(serde_json::json!("v1-cursor"));
        assert_eq!(foreign.read::<Cursor>(), None);
    }
}
