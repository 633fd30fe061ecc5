//! JSON-lines output: `<dir>/<stream>.jsonl` per stream, `<dir>/tombstones.jsonl`, and the state
//! in `<dir>/cxqa-state.json`. Append-only: a page re-delivered after a crash appears twice, and
//! readers keep the last line per (vendor, id).

use crate::state_file::{StateFile, append_durably};
use crate::{Batch, Sink, SinkError, StateKey, StreamState, WriteStats};
use async_trait::async_trait;
use std::path::{Path, PathBuf};

pub struct JsonlSink {
    dir: PathBuf,
    state: StateFile,
}

impl JsonlSink {
    pub async fn open(dir: PathBuf) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(|e| SinkError::io(&dir, e))?;
        let state = StateFile::load(dir.join("cxqa-state.json"))?;
        Ok(JsonlSink { dir, state })
    }

    /// Appends one line of JSON text per item.
    fn append<L: AsRef<str>>(
        path: &Path,
        lines: impl Iterator<Item = L>,
    ) -> Result<u64, SinkError> {
        let mut buffer = Vec::new();
        let mut count = 0;
        for line in lines {
            buffer.extend_from_slice(line.as_ref().as_bytes());
            buffer.push(b'\n');
            count += 1;
        }
        if count == 0 {
            return Ok(0);
        }
        append_durably(path, &buffer)?;
        Ok(count)
    }
}

#[async_trait]
impl Sink for JsonlSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        Ok(self.state.get(key))
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let stream_file = self.dir.join(format!("{}.jsonl", batch.key.stream));
        let inserted = Self::append(&stream_file, batch.records.iter().map(|e| &e.json))?;
        let tombstone_file = self.dir.join("tombstones.jsonl");
        let tombstones = batch
            .tombstones
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SinkError::Encode(e.to_string()))?;
        let tombstoned = Self::append(&tombstone_file, tombstones.iter())?;
        // Records are durable before the state that says they were committed.
        self.state.put(&batch.key, batch.state)?;
        Ok(WriteStats {
            inserted,
            tombstoned,
            ..WriteStats::default()
        })
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Envelope;
    use cxqa_core::Stream;

    #[tokio::test]
    async fn appends_records_and_persists_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = JsonlSink::open(dir.path().join("out")).await.unwrap();
        let key = StateKey {
            pipeline: "p".into(),
            vendor: "v".into(),
            stream: Stream::Agents,
        };
        let record = |id: &str| {
            Envelope::of_value(
                Stream::Agents,
                "v",
                id,
                None,
                &serde_json::json!({"id": id}),
            )
        };
        let state = StreamState {
            watermark: Some("2026-11-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let stats = sink
            .commit(Batch {
                key: key.clone(),
                records: vec![record("a"), record("b")],
                tombstones: vec![],
                state: state.clone(),
            })
            .await
            .unwrap();
        assert_eq!(stats.inserted, 2);
        let text = std::fs::read_to_string(dir.path().join("out/agents.jsonl")).unwrap();
        assert_eq!(text, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
        let mut reopened = JsonlSink::open(dir.path().join("out")).await.unwrap();
        assert_eq!(reopened.load_state(&key).await.unwrap(), state);
    }
}
