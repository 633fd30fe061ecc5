//! CSV output: `<dir>/<stream>.csv` per stream (typed columns, then the record as JSON),
//! `<dir>/tombstones.csv`, appended; the state in `<dir>/cxqa-state.json`, replaced atomically.

use crate::columns::NAMES;
use crate::state_file::{StateFile, append_durably};
use crate::{Batch, Sink, SinkError, StateKey, StreamState, WriteStats};
use async_trait::async_trait;
use std::path::{Path, PathBuf};

pub struct CsvSink {
    dir: PathBuf,
    state: StateFile,
}

impl CsvSink {
    pub async fn open(dir: PathBuf) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(|e| SinkError::io(&dir, e))?;
        let state = StateFile::load(dir.join("cxqa-state.json"))?;
        Ok(CsvSink { dir, state })
    }

    fn append(path: &Path, header: &[&str], rows: Vec<Vec<String>>) -> Result<u64, SinkError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| SinkError::Io {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        if !path.exists() {
            writer.write_record(header).map_err(fail)?;
        }
        let count = rows.len() as u64;
        for row in rows {
            writer.write_record(&row).map_err(fail)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| SinkError::Encode(e.to_string()))?;
        append_durably(path, &bytes)?;
        Ok(count)
    }
}

#[async_trait]
impl Sink for CsvSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        Ok(self.state.get(key))
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let mut header = vec!["vendor", "id"];
        header.extend(NAMES);
        header.push("record");
        let rows = batch
            .records
            .iter()
            .map(|e| {
                let mut row = vec![e.vendor.clone(), e.id.clone()];
                row.extend(e.fields.columns.texts());
                row.push(e.json.clone());
                row
            })
            .collect();
        let inserted = Self::append(
            &self.dir.join(format!("{}.csv", batch.key.stream)),
            &header,
            rows,
        )?;
        let stones = batch
            .tombstones
            .iter()
            .map(|t| {
                let reason = serde_json::to_value(&t.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                vec![
                    t.stream.to_string(),
                    t.vendor.clone(),
                    t.id.clone(),
                    t.detected_at.to_rfc3339(),
                    reason,
                ]
            })
            .collect();
        let tombstoned = Self::append(
            &self.dir.join("tombstones.csv"),
            &["stream", "vendor", "id", "detected_at", "reason"],
            stones,
        )?;
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
    async fn writes_the_header_once_and_appends_rows_with_their_columns() {
        let dir = tempfile::tempdir().unwrap();
        let key = StateKey {
            pipeline: "p".into(),
            vendor: "v".into(),
            stream: Stream::Surveys,
        };
        let envelope = |id: &str| {
            Envelope::of_value(
                Stream::Surveys,
                "v",
                id,
                None,
                &serde_json::json!({ "id": id, "csat_score": 80.0, "interaction": { "agent_id": "a1" }, "comment": "fine, \"really\"" }),
            )
        };
        for id in ["s1", "s2"] {
            let mut sink = CsvSink::open(dir.path().to_path_buf()).await.unwrap();
            let batch = Batch {
                key: key.clone(),
                records: vec![envelope(id)],
                tombstones: vec![],
                state: StreamState::default(),
            };
            assert_eq!(sink.commit(batch).await.unwrap().inserted, 1);
        }
        let mut reader = csv::Reader::from_path(dir.path().join("surveys.csv")).unwrap();
        assert_eq!(
            reader.headers().unwrap().iter().take(4).collect::<Vec<_>>(),
            ["vendor", "id", "interaction_id", "agent_id"]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!((&rows[1][1], &rows[1][3], &rows[1][6]), ("s2", "a1", "80"));
        let record: serde_json::Value = serde_json::from_str(&rows[0][10]).unwrap();
        assert_eq!(record["comment"], "fine, \"really\"");
        assert!(dir.path().join("cxqa-state.json").exists());
    }
}
