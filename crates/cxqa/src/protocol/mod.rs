//! The Airbyte source (`cxqa airbyte …`) and the Singer tap (`cxqa singer …`): the pipeline and
//! runner of `cxqa run`, with the protocol's messages on stdout in place of a store. What the
//! two share is here: the config, the stream schemas, the state each stream carries, and the
//! sink that turns committed pages into messages.

pub mod airbyte;
pub mod singer;
mod sink;

use crate::Failure;
use cxqa_core::Stream;
use cxqa_runner::Pipeline;
use cxqa_sinks::StreamState;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

pub use sink::{Dialect, ProtocolSink};

/// Writes one message as one line on stdout and flushes it, so a reader that stops the process
/// mid-sync holds only whole lines.
pub fn emit(message: &Value) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    out.write_all(&line)?;
    out.flush()
}

/// Reads a JSON file the platform hands over (config, catalog, state).
pub fn read_json(path: &Path, what: &str) -> Result<Value, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::BadInput(format!("cannot read the {what} {}: {e}", path.display()))
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::BadInput(format!(
            "the {what} {} is not JSON: {e}; fix the syntax at the place shown",
            path.display()
        ))
    })
}

/// The pipeline of a protocol config file, every stream the vendor offers still in it. The
/// error names the key path and the fix, as for a TOML file; secrets never appear in it.
pub fn load_pipeline(path: &Path) -> Result<Pipeline, Failure> {
    let config = read_json(path, "config")?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cxqa".into());
    Pipeline::from_protocol_config(config, &name, &|variable| std::env::var(variable).ok())
        .map_err(|error| Failure::BadInput(format!("{}: {error}", path.display())))
}

/// The JSON Schema of one stream's records as both protocols publish it: draft-07, every
/// `$ref` inlined, and room for a deletion. A deleted record arrives as its keys with
/// `deleted_at` set (neither protocol has a delete message), so only the keys are required.
pub fn stream_schema(stream: Stream) -> Value {
    let mut schema = cxqa_core::json_schema::self_contained(stream);
    schema["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    schema["required"] = json!(PRIMARY_KEY);
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.insert(
            DELETED_AT.into(),
            json!({
                "description": "Set when the vendor deleted the record (then only the keys and `modified_at` are set).",
                "type": ["string", "null"],
                "format": "date-time",
            }),
        );
        properties.insert(
            "deletion_reason".into(),
            json!({
                "description": "Why the record is marked deleted: retracted, deleted, absent_from_reextraction or not_found.",
                "type": ["string", "null"],
            }),
        );
    }
    schema
}

/// The columns that identify a record across vendors and runs.
pub const PRIMARY_KEY: [&str; 2] = ["vendor", "id"];

/// The column both protocols use as the cursor.
pub const CURSOR: &str = "modified_at";

/// The column a deleted record carries.
pub const DELETED_AT: &str = "deleted_at";

/// A stream's state as the protocols carry it: cxqa's own stream state (the same checkpoint a
/// store commits) and the vendor it belongs to, so a state handed to the wrong connection is
/// refused rather than mixed.
pub fn state_value(vendor: &str, state: &StreamState) -> Value {
    let mut value = serde_json::to_value(state).unwrap_or_else(|_| json!({}));
    value["vendor"] = json!(vendor);
    value
}

/// Reads back a stream's [`state_value`]; null means "start over".
pub fn parse_state_value(vendor: &str, stream: &str, value: Value) -> Result<StreamState, Failure> {
    let mut value = match value {
        Value::Null => return Ok(StreamState::default()),
        Value::Object(object) => object,
        _ => {
            return Err(Failure::BadInput(format!(
                "the state of `{stream}` is not an object; reset the stream's state"
            )));
        }
    };
    match value.remove("vendor") {
        Some(Value::String(v)) if v == vendor => {}
        Some(other) => {
            return Err(Failure::BadInput(format!(
                "the state of `{stream}` belongs to vendor {other}, this config extracts from `{vendor}`; reset the connection's state or use the config it was made with"
            )));
        }
        None => {}
    }
    serde_json::from_value(Value::Object(value)).map_err(|e| {
        Failure::BadInput(format!(
            "the state of `{stream}` is not a cxqa state ({e}); reset the stream's state"
        ))
    })
}

/// A stream named in a catalog or state.
pub fn stream_named(name: &str) -> Result<Stream, Failure> {
    name.parse().map_err(|_| {
        Failure::BadInput(format!(
            "unknown stream `{name}`; cxqa's streams are: {}",
            cxqa_core::stream::list(&Stream::ALL)
        ))
    })
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_and_refuses_another_vendor() {
        let state = StreamState {
            watermark: Some("2026-11-01T00:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let value = state_value("genesys", &state);
        let back = parse_state_value("genesys", "agents", value.clone()).unwrap();
        assert_eq!(back, state);
        let Err(Failure::BadInput(message)) = parse_state_value("cxone", "agents", value) else {
            panic!("another vendor's state was taken");
        };
        assert!(message.contains("reset"), "{message}");
        assert_eq!(
            parse_state_value("cxone", "agents", Value::Null).unwrap(),
            StreamState::default()
        );
    }

    #[test]
    fn every_stream_schema_is_self_contained_and_keyed() {
        for stream in Stream::ALL {
            let schema = stream_schema(stream);
            let text = schema.to_string();
            assert!(
                !text.contains("$ref") && !text.contains("$defs"),
                "{stream}"
            );
            for key in PRIMARY_KEY.iter().chain([&CURSOR, &DELETED_AT]) {
                assert!(schema["properties"].get(*key).is_some(), "{stream} {key}");
            }
        }
    }
}
