//! The typed columns people query, read from a normalized record (the full record is stored too).

use cxqa_core::Stream;
use serde_json::Value;

/// Column names shared by every stream table, in order.
pub const NAMES: [&str; 8] = [
    "interaction_id",
    "agent_id",
    "modified_at",
    "normalized_score",
    "csat",
    "sentiment",
    "form_id",
    "form_version",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Columns {
    pub interaction_id: Option<String>,
    pub agent_id: Option<String>,
    pub modified_at: Option<String>,
    pub normalized_score: Option<f64>,
    pub csat: Option<f64>,
    pub sentiment: Option<f64>,
    pub form_id: Option<String>,
    pub form_version: Option<String>,
}

fn text(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn number(value: &Value, pointer: &str) -> Option<f64> {
    value.pointer(pointer).and_then(Value::as_f64)
}

pub fn columns(stream: Stream, record: &Value) -> Columns {
    let agent_id = text(record, "/agent_id")
        .or_else(|| text(record, "/interaction/agent_id"))
        .or_else(|| text(record, "/agent_ids/0"));
    Columns {
        interaction_id: text(record, "/interaction_id"),
        agent_id,
        modified_at: text(record, "/modified_at"),
        normalized_score: number(record, "/normalized_score"),
        csat: number(record, "/csat_score"),
        sentiment: number(record, "/sentiment/score"),
        form_id: text(record, "/form_id"),
        form_version: match stream {
            Stream::AssessmentForms => text(record, "/version"),
            _ => text(record, "/form_version"),
        },
    }
}

/// When a record happened: an evaluation's submission (else creation), a survey's completion, an
/// interaction's or transcript's start, else its last change. Reports bucket by it, the Parquet
/// sink partitions by its date.
pub fn occurred_at(stream: Stream, record: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let time = |pointer: &str| text(record, pointer).and_then(|t| t.parse().ok());
    match stream {
        Stream::Assessments => time("/submitted_at").or_else(|| time("/created_at")),
        Stream::Surveys => time("/completed_at"),
        Stream::Transcripts | Stream::Interactions => time("/started_at"),
        _ => None,
    }
    .or_else(|| time("/modified_at"))
}

impl Columns {
    /// The values as text, in `NAMES` order (CSV).
    pub fn texts(&self) -> [String; 8] {
        let t = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: &Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        [
            t(&self.interaction_id),
            t(&self.agent_id),
            t(&self.modified_at),
            n(&self.normalized_score),
            n(&self.csat),
            n(&self.sentiment),
            t(&self.form_id),
            t(&self.form_version),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_fields_each_stream_has() {
        let survey =
            json!({"interaction_id": "c1", "interaction": {"agent_id": "a1"}, "csat_score": 75.0});
        let c = columns(Stream::Surveys, &survey);
        assert_eq!((c.agent_id.as_deref(), c.csat), (Some("a1"), Some(75.0)));
        let interaction = json!({"interaction_id": "c1", "agent_ids": ["a2", "a3"]});
        assert_eq!(
            columns(Stream::Interactions, &interaction)
                .agent_id
                .as_deref(),
            Some("a2")
        );
        let transcript = json!({"sentiment": {"score": -0.25}});
        assert_eq!(
            columns(Stream::Transcripts, &transcript).sentiment,
            Some(-0.25)
        );
        let form = json!({"form_id": "f", "version": "3"});
        assert_eq!(
            columns(Stream::AssessmentForms, &form)
                .form_version
                .as_deref(),
            Some("3")
        );
    }
}
