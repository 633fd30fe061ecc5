//! The typed columns people query, read from a normalized record (the full record is stored too).

use cxqa_core::Stream;
use serde::Deserialize;
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

/// What sinks index and runs count, read from a record once, when it is encoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    pub columns: Columns,
    pub extracted_at: Option<String>,
    pub division_ids: Vec<String>,
}

impl Fields {
    /// The fields of a record's JSON text: its members read in one pass, the rest skipped.
    pub fn read(stream: Stream, json: &str) -> Result<Fields, serde_json::Error> {
        Ok(serde_json::from_str::<Shape>(json)?.fields(stream))
    }

    /// The fields of a record held as a value (a row read back); none when it is no object.
    pub fn of_value(stream: Stream, record: &Value) -> Fields {
        Shape::deserialize(record)
            .unwrap_or_default()
            .fields(stream)
    }
}

pub fn columns(stream: Stream, record: &Value) -> Columns {
    Fields::of_value(stream, record).columns
}

/// The members of a normalized record the fields come from, each as whatever JSON it holds
/// (a member of another type than a column reads, a number where text is read, reads as absent).
/// The rest of the record is skipped, not built.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Shape {
    interaction_id: Value,
    agent_id: Value,
    interaction: Value,
    agent_ids: Value,
    modified_at: Value,
    normalized_score: Value,
    csat_score: Value,
    sentiment: Value,
    form_id: Value,
    form_version: Value,
    version: Value,
    extracted_at: Value,
    division_ids: Value,
}

fn owned_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        _ => None,
    }
}

impl Shape {
    fn fields(self, stream: Stream) -> Fields {
        let agent_id = owned_text(self.agent_id)
            .or_else(|| text(&self.interaction, "/agent_id"))
            .or_else(|| text(&self.agent_ids, "/0"));
        let division_ids = match self.division_ids {
            Value::Array(ids) => ids.into_iter().filter_map(owned_text).collect(),
            _ => Vec::new(),
        };
        Fields {
            columns: Columns {
                interaction_id: owned_text(self.interaction_id),
                agent_id,
                modified_at: owned_text(self.modified_at),
                normalized_score: self.normalized_score.as_f64(),
                csat: self.csat_score.as_f64(),
                sentiment: number(&self.sentiment, "/score"),
                form_id: owned_text(self.form_id),
                form_version: owned_text(match stream {
                    Stream::AssessmentForms => self.version,
                    _ => self.form_version,
                }),
            },
            extracted_at: owned_text(self.extracted_at),
            division_ids,
        }
    }
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

    #[test]
    fn json_text_reads_as_its_value_does_and_mistyped_members_read_as_absent() {
        let record = json!({
            "interaction_id": 7, "agent_ids": [1, "a2"], "division_ids": ["d1", null, "d2"],
            "sentiment": "positive", "normalized_score": 80, "extracted_at": "2026-12-01T00:00:00Z",
            "utterances": [{"text": "hello", "sentiment": {"score": 1}}],
        });
        let fields = Fields::read(Stream::Transcripts, &record.to_string()).unwrap();
        assert_eq!(fields, Fields::of_value(Stream::Transcripts, &record));
        assert_eq!(fields.columns.interaction_id, None);
        assert_eq!(
            fields.columns.agent_id, None,
            "the first agent id is no text"
        );
        assert_eq!(fields.columns.sentiment, None);
        assert_eq!(fields.columns.normalized_score, Some(80.0));
        assert_eq!(fields.division_ids, ["d1", "d2"]);
        assert_eq!(fields.extracted_at.as_deref(), Some("2026-12-01T00:00:00Z"));
    }
}
