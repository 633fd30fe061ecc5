//! Questions people ask of the SQLite store, answered with SQL (the README shows the first).

use crate::SinkError;
use rusqlite::Connection;
use std::path::Path;

/// One agent's quality at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentQuality {
    pub vendor: String,
    pub agent_id: String,
    pub name: Option<String>,
    pub assessments: i64,
    pub qa_average: Option<f64>,
    pub surveys: i64,
    pub csat_average: Option<f64>,
    pub transcripts: i64,
    pub sentiment_average: Option<f64>,
}

/// Average normalized QA score next to average CSAT and sentiment, per agent (live rows only).
pub const AGENT_QUALITY_SQL: &str = "
WITH qa AS (SELECT vendor, agent_id, COUNT(*) AS n, AVG(normalized_score) AS avg FROM assessments
            WHERE deleted_at IS NULL AND agent_id IS NOT NULL GROUP BY vendor, agent_id),
     cs AS (SELECT vendor, agent_id, COUNT(*) AS n, AVG(csat) AS avg FROM surveys
            WHERE deleted_at IS NULL AND agent_id IS NOT NULL GROUP BY vendor, agent_id),
     se AS (SELECT vendor, agent_id, COUNT(*) AS n, AVG(sentiment) AS avg FROM transcripts
            WHERE deleted_at IS NULL AND agent_id IS NOT NULL GROUP BY vendor, agent_id),
     ids AS (SELECT vendor, agent_id FROM qa UNION SELECT vendor, agent_id FROM cs UNION SELECT vendor, agent_id FROM se)
SELECT ids.vendor, ids.agent_id, json_extract(agents.record, '$.name') AS name,
       COALESCE(qa.n, 0), qa.avg, COALESCE(cs.n, 0), cs.avg, COALESCE(se.n, 0), se.avg
FROM ids
LEFT JOIN qa ON qa.vendor = ids.vendor AND qa.agent_id = ids.agent_id
LEFT JOIN cs ON cs.vendor = ids.vendor AND cs.agent_id = ids.agent_id
LEFT JOIN se ON se.vendor = ids.vendor AND se.agent_id = ids.agent_id
LEFT JOIN agents ON agents.vendor = ids.vendor AND agents.id = ids.agent_id
ORDER BY ids.vendor, qa.avg DESC";

fn open(path: &Path) -> Result<Connection, SinkError> {
    Connection::open(path).map_err(|e| SinkError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

fn fail(path: &Path) -> impl Fn(rusqlite::Error) -> SinkError + '_ {
    move |e| SinkError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

pub fn agent_quality(path: &Path) -> Result<Vec<AgentQuality>, SinkError> {
    let conn = open(path)?;
    let mut statement = conn.prepare(AGENT_QUALITY_SQL).map_err(fail(path))?;
    let rows = statement
        .query_map([], |r| {
            Ok(AgentQuality {
                vendor: r.get(0)?,
                agent_id: r.get(1)?,
                name: r.get(2)?,
                assessments: r.get(3)?,
                qa_average: r.get(4)?,
                surveys: r.get(5)?,
                csat_average: r.get(6)?,
                transcripts: r.get(7)?,
                sentiment_average: r.get(8)?,
            })
        })
        .map_err(fail(path))?;
    rows.collect::<Result<_, _>>().map_err(fail(path))
}

/// What a QA lead should look at: form versions changing inside the data, PII left unmasked,
/// and vendor totals that disagree with ours.
pub fn quality_warnings(path: &Path) -> Result<Vec<String>, SinkError> {
    let conn = open(path)?;
    let mut warnings = Vec::new();
    let mut drift = conn
        .prepare(
            "SELECT vendor, COALESCE(json_extract(record, '$.form_name'), form_id), COUNT(DISTINCT form_version)
             FROM assessments WHERE deleted_at IS NULL AND form_id IS NOT NULL
             GROUP BY vendor, form_id HAVING COUNT(DISTINCT form_version) > 1 ORDER BY 1, 2",
        )
        .map_err(fail(path))?;
    for row in drift
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(fail(path))?
    {
        let (vendor, form, versions) = row.map_err(fail(path))?;
        warnings.push(format!("{vendor}: form \"{form}\" changed version inside the data ({versions} versions): compare scores per form_version"));
    }
    let mut pii = conn
        .prepare(
            "SELECT vendor, COUNT(*), SUM(json_extract(record, '$.pii.unmasked')) FROM transcripts
             WHERE deleted_at IS NULL AND json_extract(record, '$.pii.unmasked') > 0 GROUP BY vendor ORDER BY 1",
        )
        .map_err(fail(path))?;
    for row in pii
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .map_err(fail(path))?
    {
        let (vendor, transcripts, values) = row.map_err(fail(path))?;
        warnings.push(format!("{vendor}: {values} unmasked PII values (card numbers, e-mails, phones) in {transcripts} transcripts: check the vendor's redaction settings"));
    }
    let mut mismatch = conn
        .prepare(
            "SELECT vendor, COUNT(*) FROM assessments WHERE deleted_at IS NULL AND json_extract(record, '$.score_mismatch') IS NOT NULL
             GROUP BY vendor ORDER BY 1",
        )
        .map_err(fail(path))?;
    for row in mismatch
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(fail(path))?
    {
        let (vendor, count) = row.map_err(fail(path))?;
        warnings.push(format!("{vendor}: {count} assessments where the vendor's total differs from the form-weighted score (see score_mismatch)"));
    }
    Ok(warnings)
}

/// Everything a store holds, for the quality report: every record (deleted ones marked) and when
/// each pipeline's stream last committed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub rows: Vec<StoredRow>,
    pub runs: Vec<StreamRun>,
}

#[derive(Debug, Clone)]
pub struct StoredRow {
    pub stream: cxqa_core::Stream,
    pub vendor: String,
    pub id: String,
    pub deleted: bool,
    pub record: serde_json::Value,
}

/// When a pipeline's stream last committed a page, as the store's state says.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRun {
    pub pipeline: String,
    pub vendor: String,
    pub stream: String,
    pub updated_at: String,
}

/// The [`Snapshot`] of a SQLite store.
pub fn snapshot(path: &Path) -> Result<Snapshot, SinkError> {
    if !path.exists() {
        return Err(SinkError::Config(format!(
            "{} does not exist; run a pipeline into it first (e.g. `cxqa demo`)",
            path.display()
        )));
    }
    let conn = open(path)?;
    let mut snapshot = Snapshot::default();
    for stream in cxqa_core::Stream::ALL {
        let sql = format!("SELECT vendor, id, deleted_at IS NOT NULL, record FROM {stream}");
        let Ok(mut statement) = conn.prepare(&sql) else {
            continue; // a store written before this stream existed
        };
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(fail(path))?;
        for row in rows {
            let (vendor, id, deleted, record) = row.map_err(fail(path))?;
            let record = serde_json::from_str(&record).map_err(|e| SinkError::Io {
                path: path.display().to_string(),
                detail: format!("{stream} {id}: {e}"),
            })?;
            snapshot.rows.push(StoredRow {
                stream,
                vendor,
                id,
                deleted,
                record,
            });
        }
    }
    let mut statement = conn
        .prepare("SELECT pipeline, vendor, stream, updated_at FROM cxqa_state ORDER BY pipeline, vendor, stream")
        .map_err(fail(path))?;
    let runs = statement
        .query_map([], |r| {
            Ok(StreamRun {
                pipeline: r.get(0)?,
                vendor: r.get(1)?,
                stream: r.get(2)?,
                updated_at: r.get(3)?,
            })
        })
        .map_err(fail(path))?;
    snapshot.runs = runs.collect::<Result<_, _>>().map_err(fail(path))?;
    Ok(snapshot)
}
