//! `cxqa singer`: a Singer tap with Meltano's `catalog`, `discover`, `state` and `about`
//! capabilities. Messages go to stdout, logs to stderr, and the exit code says whether every
//! selected stream finished.

use super::{
    CURSOR, Dialect, PRIMARY_KEY, ProtocolSink, emit, load_pipeline, parse_state_value, read_json,
    state_value, stream_named, stream_schema,
};
use crate::Failure;
use clap::{Args, ValueEnum};
use cxqa_core::Stream;
use cxqa_core::connector::offered_streams;
use cxqa_runner::interpolate::is_secret_key;
use cxqa_sinks::StreamState;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The tap's name, as Meltano lists it.
pub const TAP_NAME: &str = "tap-cxqa";

/// What the tap can do (Meltano's capability names); only what is implemented.
pub const CAPABILITIES: [&str; 4] = ["catalog", "discover", "state", "about"];

#[derive(Args)]
pub struct SingerArgs {
    /// The tap's config (JSON): `source` and `extract` as in a pipeline file.
    #[arg(long, required_unless_present = "about")]
    config: Option<PathBuf>,
    /// The `value` of the last STATE message of an earlier sync.
    #[arg(long)]
    state: Option<PathBuf>,
    /// The catalog with `selected` metadata (`--properties` is the older name).
    #[arg(long, alias = "properties")]
    catalog: Option<PathBuf>,
    /// Print the catalog of the streams the config's vendor offers, and exit.
    #[arg(long)]
    discover: bool,
    /// Describe the tap: name, capabilities, settings.
    #[arg(long)]
    about: bool,
    /// The format of `--about`.
    #[arg(long, value_enum, default_value_t = AboutFormat::Markdown)]
    format: AboutFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum AboutFormat {
    Json,
    Markdown,
}

pub async fn run(args: SingerArgs) -> Result<(), Failure> {
    if args.about {
        return print(&match args.format {
            AboutFormat::Json => about_json().to_string(),
            AboutFormat::Markdown => about_markdown(),
        });
    }
    let Some(config) = args.config else {
        return Err(Failure::BadInput("--config is required".into()));
    };
    if args.discover {
        return discover(&config);
    }
    sync(&config, args.catalog.as_deref(), args.state.as_deref()).await
}

fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", text.trim_end())
        .map_err(|e| Failure::Runtime(format!("cannot write to stdout: {e}")))
}

/// `--about --format json`: what Meltano reads to learn the tap.
pub fn about_json() -> Value {
    json!({
        "name": TAP_NAME,
        "description": "Contact-center quality data (QA evaluations, forms, feedback, surveys, transcripts, interactions, agents) from Genesys Cloud and NICE CXone, normalized.",
        "version": env!("CARGO_PKG_VERSION"),
        "capabilities": CAPABILITIES,
        "settings": cxqa_runner::schema::protocol_config_schema(),
    })
}

/// `--about`: the settings as a person reads them.
fn about_markdown() -> String {
    let about = about_json();
    let mut text = format!(
        "# {TAP_NAME} {}\n\n{}\n\nCapabilities: {}\n\n## Settings\n\n| setting | type | secret | description |\n|---|---|---|---|\n",
        env!("CARGO_PKG_VERSION"),
        about["description"].as_str().unwrap_or_default(),
        CAPABILITIES.join(", ")
    );
    for (name, setting) in settings(&about["settings"], "") {
        let kind = types(&setting).join(" or ");
        let description = setting["description"]
            .as_str()
            .or_else(|| setting["allOf"][0]["description"].as_str())
            .unwrap_or_default()
            .replace('\n', " ");
        let secret = if is_secret_key(&name) { "yes" } else { "" };
        text.push_str(&format!(
            "| `{name}` | {kind} | {secret} | {description} |\n"
        ));
    }
    text
}

/// The JSON types a setting takes, through `allOf`, `anyOf` and `oneOf`.
fn types(setting: &Value) -> Vec<String> {
    let mut found: Vec<String> = match &setting["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    };
    for key in ["allOf", "anyOf", "oneOf"] {
        for branch in setting[key].as_array().into_iter().flatten() {
            for kind in types(branch) {
                if !found.contains(&kind) {
                    found.push(kind);
                }
            }
        }
    }
    found
}

/// Every leaf setting of the config schema with its dotted name; a vendor's settings appear
/// once per vendor (`source.client_id (genesys)`).
fn settings(schema: &Value, prefix: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(branches) = schema["oneOf"].as_array() {
        for branch in branches {
            let vendor = branch["properties"]["vendor"]["const"]
                .as_str()
                .unwrap_or("?");
            for (name, setting) in settings(branch, prefix) {
                out.push((format!("{name} ({vendor})"), setting));
            }
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        for (key, property) in properties {
            let name = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            if property["properties"].is_object() || property["oneOf"].is_array() {
                out.extend(settings(property, &name));
            } else {
                out.push((name, property.clone()));
            }
        }
    }
    out
}

fn discover(config: &Path) -> Result<(), Failure> {
    let pipeline = load_pipeline(config)?;
    let streams: Vec<Value> = offered_streams(pipeline.connector.as_ref())
        .into_iter()
        .map(catalog_entry)
        .collect();
    let catalog = serde_json::to_string_pretty(&json!({ "streams": streams }))
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    print(&catalog)
}

/// One stream of the discovered catalog, with Singer's metadata: selected by default,
/// incremental on `modified_at`, keyed by vendor and id.
fn catalog_entry(stream: Stream) -> Value {
    let schema = stream_schema(stream);
    let mut metadata = vec![json!({
        "breadcrumb": [],
        "metadata": {
            "inclusion": "available",
            "selected-by-default": true,
            "table-key-properties": PRIMARY_KEY,
            "valid-replication-keys": [CURSOR],
            "replication-method": "INCREMENTAL",
            "replication-key": CURSOR,
        },
    })];
    if let Some(properties) = schema["properties"].as_object() {
        for field in properties.keys() {
            let automatic = PRIMARY_KEY.contains(&field.as_str()) || field == CURSOR;
            metadata.push(json!({
                "breadcrumb": ["properties", field],
                "metadata": {"inclusion": if automatic { "automatic" } else { "available" }},
            }));
        }
    }
    json!({
        "tap_stream_id": stream.as_str(),
        "stream": stream.as_str(),
        "schema": schema,
        "metadata": metadata,
    })
}

/// What a catalog selects for one stream.
#[derive(Debug, Default, PartialEq)]
struct Selection {
    full_table: bool,
    /// Fields deselected (`selected: false`), dropped from the schema and every record.
    excluded: BTreeSet<String>,
}

/// The streams a catalog selects: `selected` on the stream's metadata, else its
/// `selected-by-default`.
fn selected_streams(catalog: &Value) -> Result<Vec<(Stream, Selection)>, Failure> {
    let entries = catalog["streams"]
        .as_array()
        .ok_or_else(|| Failure::BadInput("the catalog has no `streams` array".into()))?;
    let mut selected = Vec::new();
    for entry in entries {
        let name = entry["tap_stream_id"]
            .as_str()
            .or_else(|| entry["stream"].as_str())
            .ok_or_else(|| {
                Failure::BadInput("the catalog has a stream without `tap_stream_id`".into())
            })?;
        let metadata = entry["metadata"].as_array().cloned().unwrap_or_default();
        let at = |breadcrumb: Value| {
            metadata
                .iter()
                .find(|m| m["breadcrumb"] == breadcrumb)
                .map(|m| m["metadata"].clone())
                .unwrap_or(Value::Null)
        };
        let own = at(json!([]));
        let chosen = own["selected"]
            .as_bool()
            .or_else(|| own["selected-by-default"].as_bool())
            .unwrap_or(false);
        if !chosen {
            continue;
        }
        let excluded = metadata
            .iter()
            .filter(|m| m["metadata"]["selected"] == json!(false))
            .filter(|m| m["metadata"]["inclusion"] != json!("automatic"))
            .filter_map(|m| match m["breadcrumb"].as_array().map(Vec::as_slice) {
                Some([Value::String(p), Value::String(field)]) if p == "properties" => {
                    Some(field.clone())
                }
                _ => None,
            })
            .filter(|field| !PRIMARY_KEY.contains(&field.as_str()) && field != CURSOR)
            .collect();
        let full_table = own["replication-method"] == json!("FULL_TABLE");
        selected.push((
            stream_named(name)?,
            Selection {
                full_table,
                excluded,
            },
        ));
    }
    Ok(selected)
}

async fn sync(config: &Path, catalog: Option<&Path>, state: Option<&Path>) -> Result<(), Failure> {
    let mut pipeline = load_pipeline(config)?;
    let selection: Vec<(Stream, Selection)> = match catalog {
        Some(path) => selected_streams(&read_json(path, "catalog")?)?,
        None => offered_streams(pipeline.connector.as_ref())
            .into_iter()
            .map(|s| (s, Selection::default()))
            .collect(),
    };
    if selection.is_empty() {
        return Err(Failure::BadInput(
            "the catalog selects no stream; set `\"selected\": true` in a stream's metadata (breadcrumb [])".into(),
        ));
    }
    let streams: Vec<Stream> = selection.iter().map(|(s, _)| *s).collect();
    pipeline
        .select(&streams)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut states = match state {
        Some(path) => bookmarks(pipeline.vendor, read_json(path, "state")?)?,
        None => BTreeMap::new(),
    };
    for (stream, chosen) in &selection {
        if chosen.full_table {
            states.remove(stream);
        }
    }
    let excluded: BTreeMap<Stream, BTreeSet<String>> = selection
        .into_iter()
        .map(|(stream, chosen)| (stream, chosen.excluded))
        .collect();
    for (stream, fields) in &excluded {
        let mut schema = stream_schema(*stream);
        if let Some(properties) = schema["properties"].as_object_mut() {
            properties.retain(|field, _| !fields.contains(field));
        }
        emit(&json!({
            "type": "SCHEMA",
            "stream": stream.as_str(),
            "schema": schema,
            "key_properties": PRIMARY_KEY,
            "bookmark_properties": [CURSOR],
        }))
        .map_err(|e| Failure::Runtime(format!("cannot write to stdout: {e}")))?;
    }
    let mut sink = ProtocolSink::new(Singer { excluded }, pipeline.vendor, states);
    let report = cxqa_runner::run_observed(
        &pipeline,
        &mut sink,
        chrono::Utc::now(),
        &crate::progress::Bars::on_stderr(),
    )
    .await;
    eprint!("{}", crate::report::run_summary(&report));
    if report.succeeded() {
        Ok(())
    } else {
        Err(Failure::Runtime(
            "some streams failed; every record before the last STATE is safe and a sync from that state resumes there".into(),
        ))
    }
}

/// The streams' states in a Singer state file (`{"bookmarks": {stream: state}}`).
fn bookmarks(vendor: &str, value: Value) -> Result<BTreeMap<Stream, StreamState>, Failure> {
    let Some(bookmarks) = value.get("bookmarks").and_then(Value::as_object) else {
        return Ok(BTreeMap::new());
    };
    bookmarks
        .iter()
        .map(|(name, state)| {
            Ok((
                stream_named(name)?,
                parse_state_value(vendor, name, state.clone())?,
            ))
        })
        .collect()
}

/// Singer's RECORD and STATE (every stream's bookmark in each, since the next sync reads only
/// the last).
struct Singer {
    excluded: BTreeMap<Stream, BTreeSet<String>>,
}

impl Dialect for Singer {
    fn record(&self, stream: Stream, mut data: Value) -> Value {
        if let (Some(fields), Some(object)) = (self.excluded.get(&stream), data.as_object_mut()) {
            object.retain(|field, _| !fields.contains(field));
        }
        json!({
            "type": "RECORD",
            "stream": stream.as_str(),
            "record": data,
            "time_extracted": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        })
    }

    fn state(
        &self,
        vendor: &str,
        _stream: Stream,
        states: &BTreeMap<Stream, StreamState>,
        _records: u64,
    ) -> Value {
        let bookmarks: serde_json::Map<String, Value> = states
            .iter()
            .map(|(stream, state)| (stream.as_str().to_string(), state_value(vendor, state)))
            .collect();
        json!({"type": "STATE", "value": {"bookmarks": bookmarks, "currently_syncing": null}})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_follows_stream_and_field_metadata() {
        let mut catalog =
            json!({"streams": [catalog_entry(Stream::Agents), catalog_entry(Stream::Surveys)]});
        // Deselect surveys; drop the agents' e-mail; keep the keys whatever is said.
        catalog["streams"][1]["metadata"][0]["metadata"]["selected"] = json!(false);
        let agents = catalog["streams"][0]["metadata"].as_array_mut().unwrap();
        agents[0]["metadata"]["replication-method"] = json!("FULL_TABLE");
        for entry in agents.iter_mut() {
            if entry["breadcrumb"] == json!(["properties", "email"])
                || entry["breadcrumb"] == json!(["properties", "id"])
            {
                entry["metadata"]["selected"] = json!(false);
            }
        }
        let selected = selected_streams(&catalog).unwrap();
        assert_eq!(
            selected,
            vec![(
                Stream::Agents,
                Selection {
                    full_table: true,
                    excluded: BTreeSet::from(["email".to_string()]),
                }
            )]
        );
    }

    #[test]
    fn about_names_the_capabilities_and_every_vendor_setting() {
        let about = about_json();
        assert_eq!(about["capabilities"], json!(CAPABILITIES));
        let markdown = about_markdown();
        assert!(markdown.contains("`extract.window`"), "{markdown}");
    }
}
