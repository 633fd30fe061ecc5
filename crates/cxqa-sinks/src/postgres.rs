//! PostgreSQL with the SQLite store's semantics: a table per stream keyed by (vendor, id), typed
//! columns, the record as jsonb, state in `cxqa_state`, one transaction per page.

use crate::postgres_tls::{RustlsConnect, client_config, parse_dsn};
use crate::upsert::{Action, Stored, decide};
use crate::windows::{WrittenWindows, without_windows};
use crate::{AgentKeys, Batch, Sink, SinkError, StateKey, StoredVersions, StreamState, WriteStats};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cxqa_core::Stream;
use tokio_postgres::Client;

pub struct PostgresSink {
    client: Client,
    schema: String,
    windows: WrittenWindows,
}

fn pg_error(err: tokio_postgres::Error) -> SinkError {
    // The message never includes the connection string.
    SinkError::Io {
        path: "postgres".into(),
        detail: err.to_string(),
    }
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

impl PostgresSink {
    /// Connects with TLS as the DSN's `sslmode` says (see [`crate::postgres_tls`]).
    pub async fn connect(
        dsn: &str,
        schema: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, SinkError> {
        let parsed = parse_dsn(dsn, ca_file)?;
        let tls = RustlsConnect::new(client_config(parsed.mode, parsed.ca_file.as_deref())?);
        let (client, connection) = parsed.config.connect(tls).await.map_err(|e| {
            let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            SinkError::Io {
                path: "postgres".into(),
                detail: format!("cannot connect ({e}{cause}); check `sink.dsn` (and its `sslmode`), `sink.ca_file`, and that the server accepts TCP connections"),
            }
        })?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!("postgres connection ended: {err}");
            }
        });
        let sink = PostgresSink {
            client,
            schema: schema.to_string(),
            windows: WrittenWindows::default(),
        };
        sink.create().await?;
        Ok(sink)
    }

    fn table(&self, stream: Stream) -> String {
        format!("{}.{}", quote(&self.schema), quote(stream.as_str()))
    }

    async fn create(&self) -> Result<(), SinkError> {
        let mut ddl = format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {schema}.cxqa_state (
                pipeline text NOT NULL, vendor text NOT NULL, stream text NOT NULL,
                state jsonb NOT NULL, updated_at timestamptz NOT NULL,
                PRIMARY KEY (pipeline, vendor, stream));
             CREATE TABLE IF NOT EXISTS {schema}.cxqa_known_ids (
                pipeline text NOT NULL, vendor text NOT NULL, stream text NOT NULL,
                window_key text NOT NULL, ids text NOT NULL,
                PRIMARY KEY (pipeline, vendor, stream, window_key));",
            schema = quote(&self.schema)
        );
        for stream in Stream::ALL {
            let table = self.table(stream);
            ddl.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (
                    vendor text NOT NULL, id text NOT NULL,
                    interaction_id text, agent_id text, modified_at timestamptz, normalized_score double precision,
                    csat double precision, sentiment double precision, form_id text, form_version text,
                    deleted_at timestamptz, deleted_reason text, extracted_at timestamptz,
                    record jsonb NOT NULL,
                    PRIMARY KEY (vendor, id));
                 CREATE INDEX IF NOT EXISTS {idx} ON {table} (agent_id);",
                idx = quote(&format!("{}_agent", stream.as_str()))
            ));
        }
        // Feedback goes with its deleted assessment: found by index, not by reading every row.
        ddl.push_str(&format!(
            "CREATE INDEX IF NOT EXISTS {idx} ON {table} (vendor, (record->>'assessment_id'));",
            idx = quote("feedback_assessment"),
            table = self.table(Stream::Feedback)
        ));
        self.client.batch_execute(&ddl).await.map_err(pg_error)
    }
}

impl PostgresSink {
    /// Everything the store holds, for the quality report.
    pub async fn snapshot(&self) -> Result<crate::report::Snapshot, SinkError> {
        let mut snapshot = crate::report::Snapshot::default();
        for stream in Stream::ALL {
            let sql = format!(
                "SELECT vendor, id, deleted_at IS NOT NULL, record FROM {}",
                self.table(stream)
            );
            for row in self.client.query(&sql, &[]).await.map_err(pg_error)? {
                snapshot.rows.push(crate::report::StoredRow {
                    stream,
                    vendor: row.get(0),
                    id: row.get(1),
                    deleted: row.get(2),
                    record: row.get(3),
                });
            }
        }
        let sql = format!(
            "SELECT pipeline, vendor, stream, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM {}.cxqa_state ORDER BY 1, 2, 3",
            quote(&self.schema)
        );
        for row in self.client.query(&sql, &[]).await.map_err(pg_error)? {
            snapshot.runs.push(crate::report::StreamRun {
                pipeline: row.get(0),
                vendor: row.get(1),
                stream: row.get(2),
                updated_at: row.get(3),
            });
        }
        Ok(snapshot)
    }
}

#[async_trait]
impl Sink for PostgresSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        let row = self
            .client
            .query_opt(
                &format!("SELECT state FROM {}.cxqa_state WHERE pipeline = $1 AND vendor = $2 AND stream = $3", quote(&self.schema)),
                &[&key.pipeline, &key.vendor, &key.stream.as_str()],
            )
            .await
            .map_err(pg_error)?;
        let mut state: StreamState = match row {
            None => StreamState::default(),
            Some(row) => {
                serde_json::from_value(row.get::<_, serde_json::Value>(0)).map_err(|e| {
                    SinkError::CorruptState {
                        path: "postgres cxqa_state".into(),
                        detail: e.to_string(),
                    }
                })?
            }
        };
        let rows = self
            .client
            .query(
                &format!("SELECT window_key, ids FROM {}.cxqa_known_ids WHERE pipeline = $1 AND vendor = $2 AND stream = $3", quote(&self.schema)),
                &[&key.pipeline, &key.vendor, &key.stream.as_str()],
            )
            .await
            .map_err(pg_error)?;
        self.windows
            .restore(key, &mut state, rows.iter().map(|r| (r.get(0), r.get(1))));
        Ok(state)
    }

    async fn stored_versions(
        &mut self,
        key: &StateKey,
        since: DateTime<Utc>,
    ) -> Result<StoredVersions, SinkError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT id, modified_at FROM {} WHERE vendor = $1 AND deleted_at IS NULL AND modified_at >= $2",
                    self.table(key.stream)
                ),
                &[&key.vendor, &since],
            )
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    async fn agent_keys(&mut self, vendor: &str) -> Result<AgentKeys, SinkError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT id, record->>'agent_key' FROM {} WHERE vendor = $1 AND deleted_at IS NULL AND record ? 'agent_key'",
                    self.table(Stream::Agents)
                ),
                &[&vendor],
            )
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let table = self.table(batch.key.stream);
        let tables: Vec<(Stream, String)> =
            Stream::ALL.iter().map(|s| (*s, self.table(*s))).collect();
        let state_table = format!("{}.cxqa_state", quote(&self.schema));
        let tx = self.client.transaction().await.map_err(pg_error)?;
        let mut stats = WriteStats::default();
        for envelope in &batch.records {
            let stored = tx
                .query_opt(
                    &format!("SELECT modified_at, CASE WHEN modified_at IS NULL THEN record END, deleted_at IS NOT NULL FROM {table} WHERE vendor = $1 AND id = $2 FOR UPDATE"),
                    &[&envelope.vendor, &envelope.id],
                )
                .await
                .map_err(pg_error)?
                .map(|row| Stored { modified_at: row.get(0), record: row.get(1), deleted: row.get(2) });
            let action = decide(stored.as_ref(), envelope.modified_at, &envelope.json);
            match action {
                Action::Insert | Action::Update | Action::Revive => {
                    let c = &envelope.fields.columns;
                    let extracted: Option<DateTime<Utc>> = envelope
                        .fields
                        .extracted_at
                        .as_deref()
                        .and_then(|s| s.parse().ok());
                    tx.execute(
                        &format!(
                            "INSERT INTO {table} (vendor, id, interaction_id, agent_id, modified_at, normalized_score, csat,
                                sentiment, form_id, form_version, deleted_at, deleted_reason, extracted_at, record)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, $11, $12::text::jsonb)
                             ON CONFLICT (vendor, id) DO UPDATE SET
                               interaction_id = $3, agent_id = $4, modified_at = $5, normalized_score = $6, csat = $7,
                               sentiment = $8, form_id = $9, form_version = $10, deleted_at = NULL, deleted_reason = NULL,
                               extracted_at = $11, record = EXCLUDED.record"
                        ),
                        &[
                            &envelope.vendor, &envelope.id, &c.interaction_id, &c.agent_id, &envelope.modified_at,
                            &c.normalized_score, &c.csat, &c.sentiment, &c.form_id, &c.form_version, &extracted, &envelope.json,
                        ],
                    )
                    .await
                    .map_err(pg_error)?;
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
        for t in &batch.tombstones {
            let table = &tables
                .iter()
                .find(|(s, _)| *s == t.stream)
                .expect("every stream has a table")
                .1;
            let reason = serde_json::to_value(&t.reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let marked = tx
                .execute(
                    &format!("UPDATE {table} SET deleted_at = $3, deleted_reason = $4 WHERE vendor = $1 AND id = $2 AND deleted_at IS NULL"),
                    &[&t.vendor, &t.id, &t.detected_at, &reason],
                )
                .await
                .map_err(pg_error)?;
            stats.tombstoned += marked;
            if t.stream == Stream::Assessments {
                // Feedback belongs to its assessment and goes with it.
                let feedback = &tables
                    .iter()
                    .find(|(s, _)| *s == Stream::Feedback)
                    .expect("every stream has a table")
                    .1;
                stats.tombstoned += tx
                    .execute(
                        &format!("UPDATE {feedback} SET deleted_at = $3, deleted_reason = $4 WHERE vendor = $1 AND record->>'assessment_id' = $2 AND deleted_at IS NULL"),
                        &[&t.vendor, &t.id, &t.detected_at, &reason],
                    )
                    .await
                    .map_err(pg_error)?;
            }
        }
        let key = &batch.key;
        let stream = key.stream.as_str();
        let windows_table = format!("{}.cxqa_known_ids", quote(&self.schema));
        let changes = self.windows.changes(key, &batch.state);
        if changes.replace_all {
            tx.execute(
                &format!("DELETE FROM {windows_table} WHERE pipeline = $1 AND vendor = $2 AND stream = $3"),
                &[&key.pipeline, &key.vendor, &stream],
            )
            .await
            .map_err(pg_error)?;
        }
        for window in &changes.delete {
            tx.execute(
                &format!("DELETE FROM {windows_table} WHERE pipeline = $1 AND vendor = $2 AND stream = $3 AND window_key = $4"),
                &[&key.pipeline, &key.vendor, &stream, window],
            )
            .await
            .map_err(pg_error)?;
        }
        for (window, ids) in &changes.write {
            tx.execute(
                &format!(
                    "INSERT INTO {windows_table} (pipeline, vendor, stream, window_key, ids) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (pipeline, vendor, stream, window_key) DO UPDATE SET ids = $5"
                ),
                &[&key.pipeline, &key.vendor, &stream, window, ids],
            )
            .await
            .map_err(pg_error)?;
        }
        let state = serde_json::to_value(without_windows(&batch.state))
            .map_err(|e| SinkError::Encode(e.to_string()))?;
        tx.execute(
            &format!(
                "INSERT INTO {state_table} (pipeline, vendor, stream, state, updated_at) VALUES ($1, $2, $3, $4, now())
                 ON CONFLICT (pipeline, vendor, stream) DO UPDATE SET state = $4, updated_at = now()"
            ),
            &[&key.pipeline, &key.vendor, &stream, &state],
        )
        .await
        .map_err(pg_error)?;
        tx.commit().await.map_err(pg_error)?;
        self.windows.committed(key, &batch.state);
        Ok(stats)
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}
