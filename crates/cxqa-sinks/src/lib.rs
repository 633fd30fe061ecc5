//! Sinks store normalized records idempotently, together with each stream's state, so that a
//! run can resume after a crash at the last committed page.

pub mod columns;
mod csv;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
mod postgres;
pub mod postgres_tls;
pub mod report;
mod sqlite;
mod state_file;
pub mod upsert;
mod webhook;
mod windows;

pub use csv::CsvSink;
pub use jsonl::JsonlSink;
#[cfg(feature = "parquet")]
pub use parquet::ParquetSink;
pub use postgres::PostgresSink;
pub use sqlite::SqliteSink;
pub use state_file::{StateFile, write_atomically};
pub use webhook::{
    REPLAY_WINDOW_SECS, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSink, signature, verify,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use columns::Fields;
use cxqa_core::model::{Record, Tombstone};
use cxqa_core::{Checkpoint, Stream, Window};
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The `[sink]` table of a pipeline. Without one, records go to SQLite in `cxqa.sqlite`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SinkConfig {
    /// The default: one SQLite file with a table per stream (upserts; deletes are soft).
    Sqlite {
        #[serde(default = "default_sqlite_path")]
        path: PathBuf,
    },
    /// PostgreSQL with the same tables (jsonb records).
    Postgres {
        /// Connection string, e.g. `postgres://user:password@host:5432/db`. Use `${PG_DSN}`.
        #[schemars(with = "String")]
        dsn: SecretString,
        /// Schema for the tables (created if missing).
        #[serde(default = "default_schema")]
        schema: String,
        /// PEM file of the CA that signed the server's certificate (else the DSN's
        /// `sslrootcert`, else the system's roots). With it, `sslmode=require` checks the chain.
        ca_file: Option<PathBuf>,
    },
    /// One JSON-lines file per stream in `dir`, appended; state in `dir/cxqa-state.json`.
    Jsonl {
        #[serde(default = "default_dir")]
        dir: PathBuf,
    },
    /// Apache Parquet for data lakes: a dataset per stream in `dir`, partitioned by vendor and
    /// UTC date (`stream=…/vendor=…/date=…/part-….parquet`), typed columns, tombstones in
    /// `tombstones/`, state in `dir/cxqa-state.json`. Needs cxqa built with `--features parquet`.
    Parquet {
        #[serde(default = "default_dir")]
        dir: PathBuf,
        /// Records buffered into one row group (and file) before it is written.
        #[serde(default = "default_row_group_rows")]
        row_group_rows: usize,
    },
    /// One CSV file per stream in `dir` (typed columns + the record as JSON), appended.
    Csv {
        #[serde(default = "default_dir")]
        dir: PathBuf,
    },
    /// POST batches of records as JSON to `url`, signed with HMAC-SHA256.
    Webhook {
        url: String,
        /// Shared secret for the `X-Cxqa-Signature` header. Use `${CXQA_WEBHOOK_SECRET}`.
        #[schemars(with = "String")]
        secret: SecretString,
        /// Records per POST.
        #[serde(default = "default_batch_size")]
        batch_size: usize,
        /// Where the stream state is kept (the receiver does not hold it).
        #[serde(default = "default_webhook_state")]
        state_file: PathBuf,
    },
}

impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig::Sqlite {
            path: default_sqlite_path(),
        }
    }
}

fn default_sqlite_path() -> PathBuf {
    PathBuf::from("cxqa.sqlite")
}

fn default_schema() -> String {
    "public".into()
}

fn default_dir() -> PathBuf {
    PathBuf::from("out")
}

fn default_row_group_rows() -> usize {
    50_000
}

fn default_batch_size() -> usize {
    100
}

fn default_webhook_state() -> PathBuf {
    PathBuf::from("cxqa-webhook-state.json")
}

impl SinkConfig {
    /// Checks what serde cannot: a Postgres DSN's form and `sslmode` (before any connection).
    pub fn validate(&self) -> Result<(), cxqa_core::config::ConfigError> {
        if let SinkConfig::Parquet {
            row_group_rows: 0, ..
        } = self
        {
            return Err(cxqa_core::config::ConfigError::new(
                "sink.row_group_rows",
                "0 records per row group",
            )
            .with_hint("use at least 1; the default is 50000"));
        }
        if let SinkConfig::Postgres { dsn, ca_file, .. } = self {
            postgres_tls::parse_dsn(dsn.expose_secret(), ca_file.as_deref())
                .map_err(|e| cxqa_core::config::ConfigError::new("", e.to_string()))?;
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        match self {
            SinkConfig::Sqlite { path } => format!("sqlite {}", path.display()),
            SinkConfig::Postgres { schema, .. } => format!("postgres (schema {schema})"),
            SinkConfig::Jsonl { dir } => format!("jsonl files in {}", dir.display()),
            SinkConfig::Parquet { dir, .. } => format!("parquet datasets in {}", dir.display()),
            SinkConfig::Csv { dir } => format!("csv files in {}", dir.display()),
            SinkConfig::Webhook { url, .. } => format!("webhook {url}"),
        }
    }
}

/// Opens the configured sink; `events` hears each HTTP attempt of the webhook sink.
pub async fn open(
    config: &SinkConfig,
    events: std::sync::Arc<dyn cxqa_core::events::RequestEventSink>,
) -> Result<Box<dyn Sink>, SinkError> {
    Ok(match config {
        SinkConfig::Sqlite { path } => Box::new(SqliteSink::open(path.clone())?),
        SinkConfig::Postgres {
            dsn,
            schema,
            ca_file,
        } => {
            Box::new(PostgresSink::connect(dsn.expose_secret(), schema, ca_file.as_deref()).await?)
        }
        SinkConfig::Jsonl { dir } => Box::new(JsonlSink::open(dir.clone()).await?),
        #[cfg(feature = "parquet")]
        SinkConfig::Parquet {
            dir,
            row_group_rows,
        } => Box::new(ParquetSink::open(dir.clone(), *row_group_rows)?),
        #[cfg(not(feature = "parquet"))]
        SinkConfig::Parquet { .. } => {
            return Err(SinkError::Config(
                "`[sink] kind = \"parquet\"` needs cxqa built with the `parquet` feature: cargo install --path crates/cxqa --features parquet (or use sqlite, postgres, jsonl or csv)".into(),
            ));
        }
        SinkConfig::Csv { dir } => Box::new(CsvSink::open(dir.clone()).await?),
        SinkConfig::Webhook {
            url,
            secret,
            batch_size,
            state_file,
        } => Box::new(WebhookSink::open(
            url.clone(),
            secret.clone(),
            *batch_size,
            state_file.clone(),
            events,
        )?),
    })
}

/// A normalized record as sinks store it: its key, version, the fields sinks index, and its JSON
/// text, encoded once straight from the typed record.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub stream: Stream,
    pub vendor: String,
    pub id: String,
    pub modified_at: Option<DateTime<Utc>>,
    pub fields: Fields,
    pub json: String,
}

impl Envelope {
    pub fn of<R: Record>(vendor: &str, record: &R) -> Result<Self, SinkError> {
        // Most records are under a kilobyte: sized once, the text is not regrown from empty,
        // then trimmed (in place) so that records waiting for a commit hold no slack.
        let mut bytes = Vec::with_capacity(1024);
        serde_json::to_writer(&mut bytes, record).map_err(|e| SinkError::Encode(e.to_string()))?;
        bytes.shrink_to_fit();
        let json = String::from_utf8(bytes).map_err(|e| SinkError::Encode(e.to_string()))?;
        Ok(Envelope {
            stream: R::STREAM,
            vendor: vendor.to_string(),
            id: record.id().to_string(),
            modified_at: record.modified_at(),
            fields: Fields::read(R::STREAM, &json).map_err(|e| SinkError::Encode(e.to_string()))?,
            json,
        })
    }

    /// An envelope of a record given as a JSON value.
    pub fn of_value(
        stream: Stream,
        vendor: &str,
        id: &str,
        modified_at: Option<DateTime<Utc>>,
        record: &serde_json::Value,
    ) -> Self {
        Envelope {
            stream,
            vendor: vendor.to_string(),
            id: id.to_string(),
            modified_at,
            fields: Fields::of_value(stream, record),
            json: record.to_string(),
        }
    }

    /// The record as a JSON value, for sinks that reshape it.
    pub fn record(&self) -> Result<serde_json::Value, SinkError> {
        serde_json::from_str(&self.json).map_err(|e| SinkError::Encode(e.to_string()))
    }
}

/// Identifies one stream's state: a pipeline may be run for several vendors into one store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StateKey {
    pub pipeline: String,
    pub vendor: String,
    pub stream: Stream,
}

impl std::fmt::Display for StateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.pipeline, self.vendor, self.stream)
    }
}

/// What the runner remembers per stream between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    /// Highest `modified_at` committed (incremental runs start from it minus the look-back).
    pub watermark: Option<DateTime<Utc>>,
    /// Set while a run is in progress; a resumed run continues after it.
    pub checkpoint: Option<Checkpoint>,
    /// The window of the run that wrote `checkpoint`; a resumed run keeps it.
    pub window: Option<Window>,
    /// Ids committed per UTC day (`YYYY-MM-DD`), for absence-based tombstones; days no later
    /// run re-reads (before the window, or before the stream's sweep horizon) are pruned.
    #[serde(default)]
    pub known_ids: BTreeMap<String, BTreeSet<String>>,
    /// Ids whose absence a run saw but did not believe (an implausible share of deletions); a
    /// run that sees the same absence again believes it.
    #[serde(default)]
    pub withheld: BTreeSet<String>,
    /// When the last deep re-read (sweep) of a stream whose vendor has no change feed finished.
    #[serde(default)]
    pub swept_at: Option<DateTime<Utc>>,
}

/// Live record id → `modified_at`, as a sink holds them.
pub type StoredVersions = BTreeMap<String, DateTime<Utc>>;

/// One page to commit: its records, tombstones and the stream state after it, all or nothing
/// where the sink can (databases); otherwise records first, then the state.
#[derive(Debug, Clone)]
pub struct Batch {
    pub key: StateKey,
    pub records: Vec<Envelope>,
    pub tombstones: Vec<Tombstone>,
    pub state: StreamState,
}

/// Agent id → agent key, for one vendor.
pub type AgentKeys = std::collections::HashMap<String, String>;

/// Remembers the keys of the agents in `records` (a page of the agents stream): sinks that
/// cannot look stored agents up answer [`Sink::agent_keys`] with those a run delivered.
pub fn remember_agent_keys(keys: &mut AgentKeys, records: &[Envelope]) {
    #[derive(Deserialize)]
    struct Keyed {
        agent_key: Option<String>,
    }
    for envelope in records.iter().filter(|e| e.stream == Stream::Agents) {
        if let Ok(Keyed {
            agent_key: Some(key),
        }) = serde_json::from_str(&envelope.json)
        {
            keys.insert(envelope.id.clone(), key);
        }
    }
}

/// What a commit did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// New records (or, for append-only sinks, lines appended).
    pub inserted: u64,
    /// Records replaced by a newer version.
    pub updated: u64,
    /// Re-delivered records equal to the stored version.
    pub unchanged: u64,
    /// Re-delivered records older than the stored version (ignored).
    pub stale: u64,
    pub tombstoned: u64,
    /// Records stored as deleted and delivered again: live once more.
    pub revived: u64,
}

impl std::ops::AddAssign for WriteStats {
    fn add_assign(&mut self, other: Self) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.stale += other.stale;
        self.tombstoned += other.tombstoned;
        self.revived += other.revived;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{path}: {detail}")]
    Io { path: String, detail: String },
    #[error("could not encode a record: {0}")]
    Encode(String),
    #[error("the state in {path} is unreadable ({detail}); move it away to start over")]
    CorruptState { path: String, detail: String },
    /// A sink setting that cannot work; the message names the key and the fix.
    #[error("{0}")]
    Config(String),
}

impl SinkError {
    pub fn io(path: &std::path::Path, err: std::io::Error) -> Self {
        SinkError::Io {
            path: path.display().to_string(),
            detail: err.to_string(),
        }
    }
}

/// Where normalized records go.
#[async_trait]
pub trait Sink: Send {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError>;

    /// The `modified_at` of every live record of the key's vendor and stream that the sink
    /// holds, modified at or after `since`: an incremental run does not fetch again what is
    /// stored unchanged. A sink that cannot look its records up answers nothing, and everything
    /// is fetched.
    async fn stored_versions(
        &mut self,
        _key: &StateKey,
        _since: DateTime<Utc>,
    ) -> Result<StoredVersions, SinkError> {
        Ok(StoredVersions::new())
    }

    /// The `agent_key` of each live agent of `vendor` the store holds, by the vendor's agent id:
    /// records naming an agent carry its key. A sink that cannot look them up answers nothing.
    async fn agent_keys(&mut self, _vendor: &str) -> Result<AgentKeys, SinkError> {
        Ok(AgentKeys::new())
    }

    /// Stores one page and the stream state after it.
    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError>;

    /// Flushes everything; called once at the end of a run.
    async fn close(&mut self) -> Result<(), SinkError>;
}

#[cfg(test)]
mod tests;
