//! CSV output: `<dir>/<stream>.csv` per stream (typed columns, then the record as JSON),
//! `<dir>/tombstones.csv`, appended; the state in `<dir>/cxqa-state.json`, replaced atomically.

use crate::columns::{NAMES, columns};
use crate::state_file::StateFile;
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
        let fresh = !path.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| SinkError::io(path, e))?;
        let mut writer = csv::Writer::from_writer(file);
        let fail = |e: csv::Error| SinkError::Io {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        if fresh {
            writer.write_record(header).map_err(fail)?;
        }
        let count = rows.len() as u64;
        for row in rows {
            writer.write_record(&row).map_err(fail)?;
        }
        let file = writer.into_inner().map_err(|e| SinkError::Io {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        file.sync_data().map_err(|e| SinkError::io(path, e))?;
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
                row.extend(columns(batch.key.stream, &e.record).texts());
                row.push(e.record.to_string());
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
