//! `cxqa report`: the quality picture of a store as one self-contained HTML page.

pub mod charts;
pub mod figures;
pub mod page;

use crate::Failure;
use chrono::{DateTime, Utc};
use figures::{Figures, Scope};
use std::path::{Path, PathBuf};

/// Where the report reads from.
pub enum Store {
    Sqlite(PathBuf),
    Postgres {
        dsn: String,
        schema: String,
        ca_file: Option<PathBuf>,
    },
}

/// Reads the store, computes the figures in `scope` and writes the page to `out`.
pub async fn write_report(store: &Store, scope: &Scope, out: &Path) -> Result<(), Failure> {
    let (snapshot, source) = match store {
        Store::Sqlite(path) => (
            cxqa_sinks::report::snapshot(path).map_err(|e| Failure::BadInput(e.to_string()))?,
            format!("the SQLite store {}", path.display()),
        ),
        Store::Postgres {
            dsn,
            schema,
            ca_file,
        } => {
            let sink = cxqa_sinks::PostgresSink::connect(dsn, schema, ca_file.as_deref())
                .await
                .map_err(|e| Failure::Runtime(e.to_string()))?;
            let snapshot = sink
                .snapshot()
                .await
                .map_err(|e| Failure::Runtime(e.to_string()))?;
            (snapshot, format!("PostgreSQL (schema {schema})"))
        }
    };
    let figures = Figures::of(&snapshot, scope);
    let html = page::render(&figures, scope, &source, Utc::now());
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Runtime(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(out, html).map_err(|e| Failure::Runtime(format!("{}: {e}", out.display())))
}

/// A `--from`/`--to` value: a date (midnight UTC) or an RFC 3339 time.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = text.parse::<DateTime<Utc>>() {
        return Ok(time);
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| format!("`{text}` is neither a date (2026-11-01) nor an RFC 3339 time"))
}
