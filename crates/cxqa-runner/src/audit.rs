//! The JSONL audit file: one line per HTTP attempt and one per run. Lines carry path templates,
//! statuses and counts only: no query strings, tokens, secrets or record fields.

use crate::report::RunReport;
use chrono::Utc;
use cxqa_core::events::RequestEvent;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct AuditLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Request(&'a RequestEvent),
    Run {
        at: chrono::DateTime<Utc>,
        #[serde(flatten)]
        report: &'a RunReport,
        outcome: &'static str,
    },
}

impl AuditLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, line: &Line) {
        let Ok(mut text) = serde_json::to_string(line) else {
            return;
        };
        text.push('\n');
        if let Err(err) = self
            .file
            .lock()
            .expect("audit lock")
            .write_all(text.as_bytes())
        {
            tracing::warn!("cannot write the audit log {}: {err}", self.path.display());
        }
    }

    pub fn request(&self, event: &RequestEvent) {
        self.write(&Line::Request(event));
    }

    pub fn run(&self, report: &RunReport) {
        let outcome = if report.succeeded() {
            "succeeded"
        } else {
            "failed"
        };
        self.write(&Line::Run {
            at: Utc::now(),
            report,
            outcome,
        });
    }
}
