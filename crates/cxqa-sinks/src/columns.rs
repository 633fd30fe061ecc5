//! The typed columns people query, read from a normalized record (the full record is stored too).

use cxqa_core::Stream;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::marker::PhantomData;

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

/// The members of a normalized record the fields come from, each read as the type its column
/// needs (a member of another type, a number where text is read, reads as absent). The rest of
/// the record is skipped, not built.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Shape {
    interaction_id: Text,
    agent_id: Text,
    interaction: Object<InteractionRef>,
    agent_ids: List,
    modified_at: Text,
    normalized_score: Number,
    csat_score: Number,
    sentiment: Object<SentimentRef>,
    form_id: Text,
    form_version: Text,
    version: Text,
    extracted_at: Text,
    division_ids: List,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct InteractionRef {
    agent_id: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SentimentRef {
    score: Number,
}

impl Shape {
    fn fields(self, stream: Stream) -> Fields {
        let agent_id = self
            .agent_id
            .0
            .or(self.interaction.0.agent_id.0)
            .or_else(|| self.agent_ids.0.into_iter().next().flatten());
        Fields {
            columns: Columns {
                interaction_id: self.interaction_id.0,
                agent_id,
                modified_at: self.modified_at.0,
                normalized_score: self.normalized_score.0,
                csat: self.csat_score.0,
                sentiment: self.sentiment.0.score.0,
                form_id: self.form_id.0,
                form_version: match stream {
                    Stream::AssessmentForms => self.version.0,
                    _ => self.form_version.0,
                },
            },
            extracted_at: self.extracted_at.0,
            division_ids: self.division_ids.0.into_iter().flatten().collect(),
        }
    }
}

/// A member read as text; any other JSON is skipped.
#[derive(Default)]
struct Text(Option<String>);

/// A member read as a number; any other JSON is skipped.
#[derive(Default)]
struct Number(Option<f64>);

/// A member read as a list of texts (an item of another type is None); any other JSON is skipped.
#[derive(Default)]
struct List(Vec<Option<String>>);

/// A member read as an object of the members `T` names; any other JSON is skipped.
#[derive(Default)]
struct Object<T>(T);

/// What a lenient member makes of each kind of JSON: nothing, unless it says otherwise.
trait Lenient: Default {
    const EXPECTS: &'static str;
    fn text(text: &str) -> Self {
        let _ = text;
        Self::default()
    }
    fn number(number: f64) -> Self {
        let _ = number;
        Self::default()
    }
    fn list<'de, A: SeqAccess<'de>>(mut items: A) -> Result<Self, A::Error> {
        while items.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
    fn object<'de, A: MapAccess<'de>>(mut members: A) -> Result<Self, A::Error> {
        while members.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

impl Lenient for Text {
    const EXPECTS: &'static str = "text";
    fn text(text: &str) -> Self {
        Text(Some(text.to_string()))
    }
}

impl Lenient for Number {
    const EXPECTS: &'static str = "a number";
    fn number(number: f64) -> Self {
        Number(Some(number))
    }
}

impl Lenient for List {
    const EXPECTS: &'static str = "a list of texts";
    fn list<'de, A: SeqAccess<'de>>(mut items: A) -> Result<Self, A::Error> {
        let mut texts = Vec::new();
        while let Some(Text(text)) = items.next_element()? {
            texts.push(text);
        }
        Ok(List(texts))
    }
}

impl<T: DeserializeOwned + Default> Lenient for Object<T> {
    const EXPECTS: &'static str = "an object";
    fn object<'de, A: MapAccess<'de>>(members: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(members)).map(Object)
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(T::EXPECTS)
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::text(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<T, E> {
        Ok(T::number(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<T, E> {
        Ok(T::number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<T, E> {
        Ok(T::number(v as f64))
    }
    fn visit_bool<E>(self, _: bool) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<T, A::Error> {
        T::list(items)
    }
    fn visit_map<A: MapAccess<'de>>(self, members: A) -> Result<T, A::Error> {
        T::object(members)
    }
}

/// Each lenient member deserializes from whatever JSON it finds, through [`LenientVisitor`].
macro_rules! deserialize_leniently {
    ($([$($generics:tt)*] $ty:ty),*) => {$(
        impl<'de, $($generics)*> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(LenientVisitor(PhantomData))
            }
        }
    )*};
}
deserialize_leniently!([] Text, [] Number, [] List, [T: DeserializeOwned + Default] Object<T>);

/// When a record happened: an evaluation's submission (else creation), a survey's completion, an
/// interaction's or transcript's start, else its last change. Reports bucket by it, the Parquet
/// sink partitions by its date.
pub fn occurred_at(stream: Stream, record: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let time = |pointer: &str| {
        record
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
    };
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
