//! The one rule every database sink applies when a record arrives again: a newer `modified_at`
//! replaces, an equal one changes nothing, an older one is ignored and counted. Records without
//! `modified_at` are compared by payload. A deleted record delivered again is revived. A tombstone marks a delivered record deleted (never
//! removing it); one for an id the store never held changes nothing, so a vendor's deletion of
//! something cxqa never extracted leaves no trace. The feedback of a deleted assessment (its
//! `assessment_id`) is deleted with it.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// What a sink holds for a key: the record itself only when it has no `modified_at` (the only
/// case its payload decides).
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub modified_at: Option<DateTime<Utc>>,
    pub record: Option<Value>,
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Insert,
    Update,
    Unchanged,
    /// Older than what is stored: ignored.
    Stale,
    /// Stored as deleted, and the vendor delivers it again: live once more, with what was
    /// delivered. A deletion that was wrong (a transient empty extraction, a passing 404) heals
    /// on the next delivery instead of lasting forever.
    Revive,
}

/// Payloads compared without `extracted_at`, which differs on every delivery.
pub fn same_payload(a: &Value, b: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("extracted_at");
        }
        v
    };
    strip(a) == strip(b)
}

/// What to do with a record arriving (`json`, version `modified_at`) given what is stored.
pub fn decide(stored: Option<&Stored>, modified_at: Option<DateTime<Utc>>, json: &str) -> Action {
    let Some(stored) = stored else {
        return Action::Insert;
    };
    if stored.deleted {
        return Action::Revive;
    }
    match (stored.modified_at, modified_at) {
        (Some(old), Some(new)) if new > old => Action::Update,
        (Some(old), Some(new)) if new < old => Action::Stale,
        (Some(_), Some(_)) => Action::Unchanged,
        (Some(_), None) => Action::Stale,
        (None, Some(_)) => Action::Update,
        (None, None) => {
            let arriving = serde_json::from_str::<Value>(json).ok();
            match (&stored.record, arriving) {
                (Some(old), Some(new)) if same_payload(old, &new) => Action::Unchanged,
                _ => Action::Update,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    fn stored(modified: Option<DateTime<Utc>>, record: Value) -> Stored {
        Stored {
            modified_at: modified,
            record: modified.is_none().then_some(record),
            deleted: false,
        }
    }

    #[test]
    fn newer_replaces_equal_is_a_no_op_older_is_stale() {
        let s = stored(at("2026-11-10T10:00:00Z"), json!({"id": "a", "v": 1}));
        assert_eq!(
            decide(None, at("2026-11-10T10:00:00Z"), &json!({}).to_string()),
            Action::Insert
        );
        assert_eq!(
            decide(
                Some(&s),
                at("2026-11-10T11:00:00Z"),
                &json!({"v": 2}).to_string()
            ),
            Action::Update
        );
        assert_eq!(
            decide(
                Some(&s),
                at("2026-11-10T10:00:00Z"),
                &json!({"v": 1}).to_string()
            ),
            Action::Unchanged
        );
        assert_eq!(
            decide(
                Some(&s),
                at("2026-11-10T09:00:00Z"),
                &json!({"v": 0}).to_string()
            ),
            Action::Stale
        );
    }

    #[test]
    fn a_deleted_record_delivered_again_is_revived_whatever_its_version() {
        let deleted = Stored {
            deleted: true,
            ..stored(at("2026-11-10T10:00:00Z"), json!({"id": "a"}))
        };
        for version in [None, at("2026-11-10T09:00:00Z"), at("2026-11-10T10:00:00Z")] {
            assert_eq!(
                decide(Some(&deleted), version, &json!({"id": "a"}).to_string()),
                Action::Revive
            );
        }
    }

    #[test]
    fn unversioned_records_compare_payloads_without_extracted_at() {
        let s = stored(None, json!({"id": "a", "name": "Ada", "extracted_at": "x"}));
        assert_eq!(
            decide(
                Some(&s),
                None,
                &json!({"id": "a", "name": "Ada", "extracted_at": "y"}).to_string()
            ),
            Action::Unchanged
        );
        assert_eq!(
            decide(
                Some(&s),
                None,
                &json!({"id": "a", "name": "Ada B", "extracted_at": "y"}).to_string()
            ),
            Action::Update
        );
    }
}
