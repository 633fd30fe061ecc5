//! `cxqa airbyte spec | check | discover | read`: an Airbyte source. Every line on stdout is an
//! Airbyte message; logs are LOG messages too; a failure is a TRACE ERROR and a non-zero exit.

use super::{
    CURSOR, Dialect, PRIMARY_KEY, ProtocolSink, emit, load_pipeline, now_ms, parse_state_value,
    read_json, state_value, stream_named, stream_schema,
};
use crate::Failure;
use clap::Subcommand;
use cxqa_core::Stream;
use cxqa_core::connector::offered_streams;
use cxqa_runner::interpolate::{Redactor, is_secret_key};
use cxqa_runner::{FailureKind, Progress, RunError, StreamReport};
use cxqa_sinks::StreamState;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The name of a link to the binary that runs as the Airbyte source.
pub const SOURCE_NAME: &str = "source-cxqa";

#[derive(Subcommand)]
pub enum AirbyteCommand {
    /// Print the SPEC: the JSON Schema of the config.
    Spec {
        #[arg(long)]
        debug: bool,
    },
    /// Sign in with the config's credentials and print CONNECTION_STATUS.
    Check {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        debug: bool,
    },
    /// Print the CATALOG: the streams the config's vendor offers.
    Discover {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        debug: bool,
    },
    /// Extract the configured catalog's streams: RECORD and STATE messages.
    Read {
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        catalog: PathBuf,
        /// A JSON array of state messages (or a legacy state object).
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long)]
        debug: bool,
    },
}

impl AirbyteCommand {
    pub fn debug(&self) -> bool {
        match self {
            AirbyteCommand::Spec { debug }
            | AirbyteCommand::Check { debug, .. }
            | AirbyteCommand::Discover { debug, .. }
            | AirbyteCommand::Read { debug, .. } => *debug,
        }
    }
}

/// Runs one command. A failure has already been told as a TRACE ERROR when this returns it.
pub async fn run(command: AirbyteCommand) -> Result<(), Failure> {
    let outcome = match command {
        AirbyteCommand::Spec { .. } => send(&spec()),
        AirbyteCommand::Check { config, .. } => check(&config).await,
        AirbyteCommand::Discover { config, .. } => discover(&config),
        AirbyteCommand::Read {
            config,
            catalog,
            state,
            ..
        } => read(&config, &catalog, state.as_deref()).await,
    };
    if let Err(failure) = &outcome {
        let (message, kind) = match failure {
            Failure::BadInput(message) => (message, FailureKind::Config),
            Failure::Runtime(message) => (message, FailureKind::System),
        };
        let _ = emit(&error_trace(&redact(message), kind, None));
    }
    outcome
}

fn send(message: &Value) -> Result<(), Failure> {
    emit(message).map_err(|e| Failure::Runtime(format!("cannot write to stdout: {e}")))
}

/// The SPEC: the config's JSON Schema (the TOML file's `source` and `extract`, generated from
/// the same registry), secrets flagged `airbyte_secret`.
pub fn spec() -> Value {
    let mut schema = cxqa_runner::schema::protocol_config_schema();
    flag_secrets(&mut schema);
    json!({
        "type": "SPEC",
        "spec": {
            "connectionSpecification": schema,
            "supported_destination_sync_modes": ["append", "append_dedup", "overwrite"],
        },
    })
}

/// Marks every property whose name says it holds a secret (the rule that keeps secrets out of
/// messages, [`is_secret_key`]), so the platform stores and shows it as one.
fn flag_secrets(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Object(properties)) = object.get_mut("properties") {
                for (key, property) in properties.iter_mut() {
                    if is_secret_key(key) && property.get("type") == Some(&json!("string")) {
                        property["airbyte_secret"] = json!(true);
                    }
                }
            }
            object.values_mut().for_each(flag_secrets);
        }
        Value::Array(items) => items.iter_mut().for_each(flag_secrets),
        _ => {}
    }
}

async fn check(config: &Path) -> Result<(), Failure> {
    let status = |status: &str, message: String| json!({"type": "CONNECTION_STATUS", "connectionStatus": {"status": status, "message": message}});
    let pipeline = match load_pipeline(config) {
        Ok(pipeline) => pipeline,
        Err(Failure::BadInput(message)) => return send(&status("FAILED", message)),
        Err(other) => return Err(other),
    };
    remember_secrets(&pipeline.redactor);
    match pipeline.connector.check().await {
        Ok(report) => {
            let unreachable: Vec<String> = report
                .streams
                .iter()
                .filter(|s| !s.ok)
                .map(|s| format!("{} ({})", s.stream, s.detail))
                .collect();
            let mut message = format!(
                "signed in to {} as {}",
                pipeline.vendor,
                report.account.as_deref().unwrap_or("an account")
            );
            if !unreachable.is_empty() {
                message.push_str(&format!(
                    "; these streams are not reachable with these credentials: {}",
                    unreachable.join(", ")
                ));
            }
            send(&status("SUCCEEDED", redact(&message)))
        }
        Err(error) => {
            let error = RunError::from(error);
            let message = pipeline.redactor.redact(&error.to_string());
            match error.kind() {
                FailureKind::Config => send(&status("FAILED", message)),
                kind => {
                    let _ = emit(&error_trace(&message, kind, None));
                    Err(Failure::Runtime(message))
                }
            }
        }
    }
}

fn discover(config: &Path) -> Result<(), Failure> {
    let pipeline = load_pipeline(config)?;
    let streams: Vec<Value> = offered_streams(pipeline.connector.as_ref())
        .into_iter()
        .map(catalog_stream)
        .collect();
    send(&json!({"type": "CATALOG", "catalog": {"streams": streams}}))
}

/// One stream as discovery offers it.
pub fn catalog_stream(stream: Stream) -> Value {
    json!({
        "name": stream.as_str(),
        "json_schema": stream_schema(stream),
        "supported_sync_modes": ["full_refresh", "incremental"],
        "source_defined_cursor": true,
        "default_cursor_field": [CURSOR],
        "source_defined_primary_key": PRIMARY_KEY.map(|k| [k]),
        "is_resumable": true,
    })
}

async fn read(config: &Path, catalog: &Path, state: Option<&Path>) -> Result<(), Failure> {
    let mut pipeline = load_pipeline(config)?;
    remember_secrets(&pipeline.redactor);
    let configured = configured_streams(&read_json(catalog, "catalog")?)?;
    let streams: Vec<Stream> = configured.iter().map(|(s, _)| *s).collect();
    pipeline
        .select(&streams)
        .map_err(|e| Failure::BadInput(format!("{}: {e}", catalog.display())))?;
    let mut states = match state {
        Some(path) => input_states(pipeline.vendor, read_json(path, "state")?)?,
        None => BTreeMap::new(),
    };
    // A full refresh reads the whole window again, whatever an earlier sync left.
    states.retain(|stream, _| configured.contains(&(*stream, SyncMode::Incremental)));
    let mut sink = ProtocolSink::new(Airbyte, pipeline.vendor, states);
    let report =
        cxqa_runner::run_observed(&pipeline, &mut sink, chrono::Utc::now(), &StreamStatuses).await;
    if report.succeeded() {
        Ok(())
    } else {
        let failed: Vec<String> = report
            .streams
            .iter()
            .filter(|s| s.error.is_some())
            .filter_map(|s| s.stream.map(|s| s.to_string()))
            .collect();
        Err(Failure::Runtime(format!(
            "{} failed; every record before its last STATE is safe and the next sync resumes there",
            failed.join(", ")
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SyncMode {
    FullRefresh,
    Incremental,
}

/// The streams a configured catalog selects, with their sync modes.
fn configured_streams(catalog: &Value) -> Result<Vec<(Stream, SyncMode)>, Failure> {
    let bad = |what: String| Failure::BadInput(format!("the configured catalog {what}"));
    let entries = catalog["streams"]
        .as_array()
        .ok_or_else(|| bad("has no `streams` array".into()))?;
    let mut configured = Vec::new();
    for entry in entries {
        let name = entry["stream"]["name"]
            .as_str()
            .ok_or_else(|| bad("has a stream without `stream.name`".into()))?;
        let mode = match entry["sync_mode"].as_str() {
            Some("incremental") => SyncMode::Incremental,
            Some("full_refresh") | None => SyncMode::FullRefresh,
            Some(other) => {
                return Err(bad(format!(
                    "asks `{name}` for sync mode `{other}`; use `incremental` or `full_refresh`"
                )));
            }
        };
        configured.push((stream_named(name)?, mode));
    }
    if configured.is_empty() {
        return Err(bad("selects no stream; select at least one".into()));
    }
    Ok(configured)
}

/// The state the platform hands over: an array of state messages (STREAM or GLOBAL), or a
/// legacy object keyed by stream name.
fn input_states(vendor: &str, value: Value) -> Result<BTreeMap<Stream, StreamState>, Failure> {
    let mut pairs: Vec<(String, Value)> = Vec::new();
    let legacy = |pairs: &mut Vec<(String, Value)>, data: &Value| {
        if let Some(object) = data.as_object() {
            pairs.extend(object.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    };
    match &value {
        Value::Array(messages) => {
            for message in messages {
                let stream_states = match message["type"].as_str() {
                    Some("STREAM") => vec![message["stream"].clone()],
                    Some("GLOBAL") => message["global"]["stream_states"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                    _ => {
                        legacy(&mut pairs, &message["data"]);
                        Vec::new()
                    }
                };
                for stream_state in stream_states {
                    let name = stream_state["stream_descriptor"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    pairs.push((name, stream_state["stream_state"].clone()));
                }
            }
        }
        Value::Object(object) if object.contains_key("data") => legacy(&mut pairs, &value["data"]),
        Value::Object(_) => legacy(&mut pairs, &value),
        Value::Null => {}
        _ => {
            return Err(Failure::BadInput(
                "the state is neither an array of state messages nor an object".into(),
            ));
        }
    }
    pairs
        .into_iter()
        .map(|(name, state)| {
            let stream = stream_named(&name)?;
            Ok((stream, parse_state_value(vendor, &name, state)?))
        })
        .collect()
}

/// Airbyte's RECORD and per-stream STATE.
struct Airbyte;

impl Dialect for Airbyte {
    fn record(&self, stream: Stream, data: Value) -> Value {
        json!({"type": "RECORD", "record": {"stream": stream.as_str(), "data": data, "emitted_at": now_ms()}})
    }

    fn state(
        &self,
        vendor: &str,
        stream: Stream,
        states: &BTreeMap<Stream, StreamState>,
        records: u64,
    ) -> Value {
        let state = states.get(&stream).cloned().unwrap_or_default();
        json!({"type": "STATE", "state": {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": stream.as_str()},
                "stream_state": state_value(vendor, &state),
            },
            "sourceStats": {"recordCount": records as f64},
        }})
    }

    fn first_record(&self, stream: Stream) -> Option<Value> {
        Some(stream_status(stream, "RUNNING"))
    }
}

fn trace(kind: &str, field: &str, body: Value) -> Value {
    json!({"type": "TRACE", "trace": {"type": kind, "emitted_at": now_ms() as f64, field: body}})
}

fn stream_status(stream: Stream, status: &str) -> Value {
    trace(
        "STREAM_STATUS",
        "stream_status",
        json!({"stream_descriptor": {"name": stream.as_str()}, "status": status}),
    )
}

fn error_trace(message: &str, kind: FailureKind, stream: Option<Stream>) -> Value {
    let failure_type = match kind {
        FailureKind::Config => "config_error",
        FailureKind::Transient => "transient_error",
        FailureKind::System => "system_error",
    };
    let mut error = json!({"message": message, "failure_type": failure_type});
    if let Some(stream) = stream {
        error["stream_descriptor"] = json!({"name": stream.as_str()});
    }
    trace("ERROR", "error", error)
}

/// STARTED when a stream starts; COMPLETE, or a TRACE ERROR and INCOMPLETE, when it ends.
struct StreamStatuses;

impl Progress for StreamStatuses {
    fn stream_started(&self, _vendor: &str, stream: Stream) {
        let _ = emit(&stream_status(stream, "STARTED"));
    }

    fn stream_finished(&self, _vendor: &str, report: &StreamReport) {
        let Some(stream) = report.stream else { return };
        match &report.error {
            None => {
                let _ = emit(&stream_status(stream, "COMPLETE"));
            }
            Some(error) => {
                let kind = report.failure.unwrap_or(FailureKind::System);
                let _ = emit(&error_trace(error, kind, Some(stream)));
                let _ = emit(&stream_status(stream, "INCOMPLETE"));
            }
        }
    }
}

/// Secrets of the loaded config, kept out of LOG messages written from then on.
static SECRETS: OnceLock<Redactor> = OnceLock::new();

fn remember_secrets(redactor: &Redactor) {
    let _ = SECRETS.set(redactor.clone());
}

fn redact(text: &str) -> String {
    match SECRETS.get() {
        Some(redactor) => redactor.redact(text),
        None => text.to_string(),
    }
}

/// Logging as LOG messages on stdout: `tracing` writes each event through one [`LogLine`].
pub struct LogMessages;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogMessages {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine {
            level: "INFO",
            text: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> LogLine {
        let level = match *meta.level() {
            tracing::Level::ERROR => "ERROR",
            tracing::Level::WARN => "WARN",
            tracing::Level::INFO => "INFO",
            tracing::Level::DEBUG => "DEBUG",
            tracing::Level::TRACE => "TRACE",
        };
        LogLine {
            level,
            text: Vec::new(),
        }
    }
}

/// One log event, sent as one LOG message when `tracing` is done writing it.
pub struct LogLine {
    level: &'static str,
    text: Vec<u8>,
}

impl std::io::Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.text);
        let text = text.trim();
        if !text.is_empty() {
            let _ = emit(
                &json!({"type": "LOG", "log": {"level": self.level, "message": redact(text)}}),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_flags_every_secret_and_only_secrets() {
        let spec = spec();
        let text = spec.to_string();
        for secret in ["client_secret", "access_key_secret"] {
            let flagged = text.contains(&format!("\"{secret}\":{{\"airbyte_secret\":true"))
                || spec_flags(&spec["spec"]["connectionSpecification"], secret);
            assert!(flagged, "{secret} is not flagged");
        }
        assert!(!spec_flags(
            &spec["spec"]["connectionSpecification"],
            "base_url"
        ));
    }

    fn spec_flags(schema: &Value, key: &str) -> bool {
        match schema {
            Value::Object(object) => {
                object
                    .get("properties")
                    .and_then(|p| p.get(key))
                    .is_some_and(|p| p["airbyte_secret"] == json!(true))
                    || object.values().any(|v| spec_flags(v, key))
            }
            Value::Array(items) => items.iter().any(|v| spec_flags(v, key)),
            _ => false,
        }
    }

    #[test]
    fn state_is_read_from_stream_global_and_legacy_forms() {
        let state = json!({"watermark": "2026-11-01T00:00:00Z", "vendor": "genesys"});
        let forms = [
            json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "agents", "namespace": null}, "stream_state": state}}]),
            json!([{"type": "GLOBAL", "global": {"shared_state": {}, "stream_states": [{"stream_descriptor": {"name": "agents"}, "stream_state": state}]}}]),
            json!({"agents": state}),
            json!({"data": {"agents": state}}),
        ];
        for form in forms {
            let states = input_states("genesys", form.clone()).unwrap();
            assert!(states[&Stream::Agents].watermark.is_some(), "{form}");
        }
        let reset = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "agents"}, "stream_state": null}}]);
        assert_eq!(
            input_states("genesys", reset).unwrap()[&Stream::Agents],
            StreamState::default()
        );
    }

    #[test]
    fn a_catalog_with_an_unknown_stream_or_mode_is_refused_by_name() {
        let catalog = |name: &str, mode: &str| json!({"streams": [{"stream": {"name": name}, "sync_mode": mode, "destination_sync_mode": "append"}]});
        assert_eq!(
            configured_streams(&catalog("surveys", "incremental")).ok(),
            Some(vec![(Stream::Surveys, SyncMode::Incremental)])
        );
        for (name, mode, expected) in [
            ("survey", "incremental", "unknown stream `survey`"),
            ("surveys", "cdc", "sync mode `cdc`"),
        ] {
            let Err(Failure::BadInput(message)) = configured_streams(&catalog(name, mode)) else {
                panic!("accepted {name} {mode}");
            };
            assert!(message.contains(expected), "{message}");
        }
    }
}
