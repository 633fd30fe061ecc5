//! Remembered ids stored per window (`cxqa_known_ids`, one row per stream and UTC day) by the
//! database sinks, so a page commit writes only the windows it changed instead of re-serializing
//! every remembered id with the stream state.

use crate::{StateKey, StreamState};
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Windows = BTreeMap<String, BTreeSet<String>>;

/// What a commit writes: the windows that are new or changed, and the ones that are gone.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct WindowChanges {
    /// Every row of the key is deleted first (the sink never read this key's windows).
    pub replace_all: bool,
    pub write: Vec<(String, String)>,
    pub delete: Vec<String>,
}

/// The windows each key's rows hold, as the sink last read or wrote them.
#[derive(Default)]
pub(crate) struct WrittenWindows(HashMap<String, Windows>);

fn slot(key: &StateKey) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}",
        key.pipeline,
        key.vendor,
        key.stream.as_str()
    )
}

impl WrittenWindows {
    /// Reads a key's window rows into `state` and remembers them. A state written before
    /// windows had rows keeps the ids it carries; the next commit moves them into rows.
    pub fn restore(
        &mut self,
        key: &StateKey,
        state: &mut StreamState,
        rows: impl IntoIterator<Item = (String, String)>,
    ) {
        let stored = decode(rows);
        self.0.insert(slot(key), stored.clone());
        state.known_ids.extend(stored);
    }

    /// What to write for `state`'s windows against what the rows hold.
    pub fn changes(&self, key: &StateKey, state: &StreamState) -> WindowChanges {
        let encode = |ids: &BTreeSet<String>| serde_json::to_string(ids).unwrap_or_default();
        let Some(held) = self.0.get(&slot(key)) else {
            return WindowChanges {
                replace_all: true,
                write: state
                    .known_ids
                    .iter()
                    .map(|(window, ids)| (window.clone(), encode(ids)))
                    .collect(),
                delete: Vec::new(),
            };
        };
        WindowChanges {
            replace_all: false,
            write: state
                .known_ids
                .iter()
                .filter(|(window, ids)| held.get(*window) != Some(*ids))
                .map(|(window, ids)| (window.clone(), encode(ids)))
                .collect(),
            delete: held
                .keys()
                .filter(|window| !state.known_ids.contains_key(*window))
                .cloned()
                .collect(),
        }
    }

    /// After a commit: the rows now hold `state`'s windows.
    pub fn committed(&mut self, key: &StateKey, state: &StreamState) {
        self.0.insert(slot(key), state.known_ids.clone());
    }
}

/// The state as stored in its row: without the windows, which have their own rows.
pub(crate) fn without_windows(state: &StreamState) -> StreamState {
    StreamState {
        known_ids: Windows::new(),
        ..state.clone()
    }
}

/// Rows read back into windows; a window that does not decode is left out (it is re-extracted).
fn decode(rows: impl IntoIterator<Item = (String, String)>) -> Windows {
    rows.into_iter()
        .filter_map(|(window, ids)| Some((window, serde_json::from_str(&ids).ok()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxqa_core::Stream;

    fn key() -> StateKey {
        StateKey {
            pipeline: "p".into(),
            vendor: "v".into(),
            stream: Stream::Assessments,
        }
    }

    fn state(windows: &[(&str, &[&str])]) -> StreamState {
        StreamState {
            known_ids: windows
                .iter()
                .map(|(w, ids)| (w.to_string(), ids.iter().map(|i| i.to_string()).collect()))
                .collect(),
            ..StreamState::default()
        }
    }

    #[test]
    fn only_changed_windows_are_written_and_gone_ones_deleted() {
        let mut written = WrittenWindows::default();
        let first = state(&[("2026-11-01", &["a"]), ("2026-11-02", &["b"])]);
        let fresh = written.changes(&key(), &first);
        assert!(fresh.replace_all && fresh.write.len() == 2);
        written.committed(&key(), &first);
        let next = state(&[("2026-11-02", &["b", "c"]), ("2026-11-03", &["d"])]);
        let changes = written.changes(&key(), &next);
        assert_eq!(
            changes,
            WindowChanges {
                replace_all: false,
                write: vec![
                    ("2026-11-02".into(), r#"["b","c"]"#.into()),
                    ("2026-11-03".into(), r#"["d"]"#.into())
                ],
                delete: vec!["2026-11-01".into()],
            }
        );
        written.committed(&key(), &next);
        assert_eq!(written.changes(&key(), &next), WindowChanges::default());
    }
}
