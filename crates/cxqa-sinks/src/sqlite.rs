//! The default store: one SQLite file (WAL), a table per stream keyed by (vendor, id) with typed
//! columns and the full record as JSON, and the stream state in `cxqa_state`. A page's records,
//! tombstones and state commit in one transaction.

use crate::columns::NAMES;
use crate::upsert::{Action, Stored, decide};
use crate::windows::{WrittenWindows, without_windows};
use crate::{AgentKeys, Batch, Sink, SinkError, StateKey, StoredVersions, StreamState, WriteStats};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cxqa_core::Stream;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

pub struct SqliteSink {
    path: PathBuf,
    conn: Connection,
    windows: WrittenWindows,
}

fn db_error(path: &Path, err: rusqlite::Error) -> SinkError {
    SinkError::Io {
        path: path.display().to_string(),
        detail: err.to_string(),
    }
}

/// The DDL of one stream table (also the reference for the Postgres one).
fn table_sql(stream: Stream) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {stream} (
            vendor TEXT NOT NULL, id TEXT NOT NULL,
            interaction_id TEXT, agent_id TEXT, modified_at TEXT, normalized_score REAL, csat REAL,
            sentiment REAL, form_id TEXT, form_version TEXT,
            deleted_at TEXT, deleted_reason TEXT, extracted_at TEXT,
            record TEXT NOT NULL,
            PRIMARY KEY (vendor, id));
         CREATE INDEX IF NOT EXISTS {stream}_agent ON {stream} (agent_id);
         CREATE INDEX IF NOT EXISTS {stream}_interaction ON {stream} (interaction_id);"
    )
}

impl SqliteSink {
    pub fn open(path: PathBuf) -> Result<Self, SinkError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| SinkError::io(dir, e))?;
        }
        let conn = Connection::open(&path).map_err(|e| db_error(&path, e))?;
        // 32 KiB pages (SQLite's default is 4): most records fit one page instead of a chain of
        // overflow pages, and the WAL and its checkpoints move a store in about a tenth of the
        // read and write calls. Set before the first table; an existing store keeps its size.
        let mut ddl = String::from(
            "PRAGMA page_size = 32768; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS cxqa_state (
                pipeline TEXT NOT NULL, vendor TEXT NOT NULL, stream TEXT NOT NULL,
                state TEXT NOT NULL, updated_at TEXT NOT NULL,
                PRIMARY KEY (pipeline, vendor, stream));
             CREATE TABLE IF NOT EXISTS cxqa_known_ids (
                pipeline TEXT NOT NULL, vendor TEXT NOT NULL, stream TEXT NOT NULL,
                window_key TEXT NOT NULL, ids TEXT NOT NULL,
                PRIMARY KEY (pipeline, vendor, stream, window_key));",
        );
        for stream in Stream::ALL {
            ddl.push_str(&table_sql(stream));
        }
        // Feedback goes with its deleted assessment: found by index, not by parsing every row.
        ddl.push_str(
            "CREATE INDEX IF NOT EXISTS feedback_assessment
               ON feedback (vendor, json_extract(record, '$.assessment_id'));",
        );
        conn.execute_batch(&ddl).map_err(|e| db_error(&path, e))?;
        Ok(SqliteSink {
            path,
            conn,
            windows: WrittenWindows::default(),
        })
    }

    fn write(&mut self, batch: Batch) -> Result<WriteStats, rusqlite::Error> {
        let tx = self.conn.transaction()?;
        let mut stats = WriteStats::default();
        let table = batch.key.stream.as_str();
        // One prepared statement of each kind per page, not one per record.
        let mut select = tx.prepare_cached(&format!(
            "SELECT modified_at, CASE WHEN modified_at IS NULL THEN record END, deleted_at IS NOT NULL
             FROM {table} WHERE vendor = ?1 AND id = ?2"
        ))?;
        let mut upsert = tx.prepare_cached(&format!(
            "INSERT INTO {table} (vendor, id, {cols}, deleted_at, deleted_reason, extracted_at, record)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, ?11, ?12)
             ON CONFLICT (vendor, id) DO UPDATE SET
               interaction_id = ?3, agent_id = ?4, modified_at = ?5, normalized_score = ?6, csat = ?7,
               sentiment = ?8, form_id = ?9, form_version = ?10, deleted_at = NULL, deleted_reason = NULL,
               extracted_at = ?11, record = ?12",
            cols = NAMES.join(", ")
        ))?;
        for envelope in &batch.records {
            let stored = select
                .query_row(params![envelope.vendor, envelope.id], |row| {
                    let modified: Option<String> = row.get(0)?;
                    let record: Option<String> = row.get(1)?;
                    Ok(Stored {
                        modified_at: modified.and_then(|m| m.parse::<DateTime<Utc>>().ok()),
                        record: record.and_then(|r| serde_json::from_str(&r).ok()),
                        deleted: row.get(2)?,
                    })
                })
                .optional()?;
            let action = decide(stored.as_ref(), envelope.modified_at, &envelope.json);
            let c = &envelope.fields.columns;
            match action {
                Action::Insert | Action::Update | Action::Revive => {
                    upsert.execute(params![
                        envelope.vendor,
                        envelope.id,
                        c.interaction_id,
                        c.agent_id,
                        envelope.modified_at.map(|m| m.to_rfc3339()),
                        c.normalized_score,
                        c.csat,
                        c.sentiment,
                        c.form_id,
                        c.form_version,
                        envelope.fields.extracted_at,
                        envelope.json
                    ])?;
                    match action {
                        Action::Insert => stats.inserted += 1,
                        Action::Revive => stats.revived += 1,
                        _ => stats.updated += 1,
                    }
                }
                Action::Unchanged => stats.unchanged += 1,
                Action::Stale => stats.stale += 1,
            }
        }
        drop((select, upsert));
        for t in &batch.tombstones {
            let table = t.stream.as_str();
            let reason = serde_json::to_value(&t.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let at = t.detected_at.to_rfc3339();
            let marked = tx.execute(
                &format!("UPDATE {table} SET deleted_at = ?3, deleted_reason = ?4 WHERE vendor = ?1 AND id = ?2 AND deleted_at IS NULL"),
                params![t.vendor, t.id, at, reason],
            )?;
            stats.tombstoned += marked as u64;
            if t.stream == Stream::Assessments {
                // Feedback belongs to its assessment and goes with it.
                let cascaded = tx.execute(
                    "UPDATE feedback SET deleted_at = ?3, deleted_reason = ?4
                     WHERE vendor = ?1 AND json_extract(record, '$.assessment_id') = ?2 AND deleted_at IS NULL",
                    params![t.vendor, t.id, at, reason],
                )?;
                stats.tombstoned += cascaded as u64;
            }
        }
        let key = &batch.key;
        let stream = key.stream.as_str();
        let changes = self.windows.changes(key, &batch.state);
        if changes.replace_all {
            tx.execute(
                "DELETE FROM cxqa_known_ids WHERE pipeline = ?1 AND vendor = ?2 AND stream = ?3",
                params![key.pipeline, key.vendor, stream],
            )?;
        }
        for window in &changes.delete {
            tx.execute(
                "DELETE FROM cxqa_known_ids WHERE pipeline = ?1 AND vendor = ?2 AND stream = ?3 AND window_key = ?4",
                params![key.pipeline, key.vendor, stream, window],
            )?;
        }
        for (window, ids) in &changes.write {
            tx.execute(
                "INSERT INTO cxqa_known_ids (pipeline, vendor, stream, window_key, ids) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (pipeline, vendor, stream, window_key) DO UPDATE SET ids = ?5",
                params![key.pipeline, key.vendor, stream, window, ids],
            )?;
        }
        tx.execute(
            "INSERT INTO cxqa_state (pipeline, vendor, stream, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (pipeline, vendor, stream) DO UPDATE SET state = ?4, updated_at = ?5",
            params![
                key.pipeline,
                key.vendor,
                stream,
                serde_json::to_string(&without_windows(&batch.state)).unwrap_or_default(),
                Utc::now().to_rfc3339()
            ],
        )?;
        tx.commit()?;
        self.windows.committed(key, &batch.state);
        Ok(stats)
    }
}

#[async_trait]
impl Sink for SqliteSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT state FROM cxqa_state WHERE pipeline = ?1 AND vendor = ?2 AND stream = ?3",
                params![key.pipeline, key.vendor, key.stream.as_str()],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| db_error(&self.path, e))?;
        let mut state: StreamState = match text {
            None => StreamState::default(),
            Some(text) => serde_json::from_str(&text).map_err(|e| SinkError::CorruptState {
                path: format!("{} (cxqa_state)", self.path.display()),
                detail: e.to_string(),
            })?,
        };
        let rows = self
            .conn
            .prepare(
                "SELECT window_key, ids FROM cxqa_known_ids WHERE pipeline = ?1 AND vendor = ?2 AND stream = ?3",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(
                        params![key.pipeline, key.vendor, key.stream.as_str()],
                        |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
                    )?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(|e| db_error(&self.path, e))?;
        self.windows.restore(key, &mut state, rows);
        Ok(state)
    }

    async fn stored_versions(
        &mut self,
        key: &StateKey,
        since: DateTime<Utc>,
    ) -> Result<StoredVersions, SinkError> {
        let sql = format!(
            "SELECT id, modified_at FROM {} WHERE vendor = ?1 AND deleted_at IS NULL AND modified_at IS NOT NULL",
            key.stream.as_str()
        );
        let read = || -> Result<StoredVersions, rusqlite::Error> {
            let mut statement = self.conn.prepare(&sql)?;
            let rows = statement.query_map(params![key.vendor], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            let mut versions = StoredVersions::new();
            for row in rows {
                let (id, modified) = row?;
                if let Ok(at) = modified.parse::<DateTime<Utc>>() {
                    if at >= since {
                        versions.insert(id, at);
                    }
                }
            }
            Ok(versions)
        };
        read().map_err(|e| db_error(&self.path, e))
    }

    async fn agent_keys(&mut self, vendor: &str) -> Result<AgentKeys, SinkError> {
        let read = || -> Result<AgentKeys, rusqlite::Error> {
            let mut statement = self.conn.prepare(
                "SELECT id, json_extract(record, '$.agent_key') FROM agents
                 WHERE vendor = ?1 AND deleted_at IS NULL AND json_extract(record, '$.agent_key') IS NOT NULL",
            )?;
            let rows = statement.query_map(params![vendor], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            rows.collect()
        };
        read().map_err(|e| db_error(&self.path, e))
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let path = self.path.clone();
        self.write(batch).map_err(|e| db_error(&path, e))
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(PASSIVE);")
            .map_err(|e| db_error(&self.path, e))
    }
}
