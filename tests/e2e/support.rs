//! Shared setup: an emulator with a fixed history, pipelines against it, and their output.

use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator};
use cxqa_runner::{Pipeline, RunReport};
use serde_json::Value;
use std::path::Path;

/// The end of the emulator's history in every test: fixed, so snapshots are stable.
pub const ANCHOR: &str = "2026-11-20T12:00:00Z";
/// Every stream, as pipeline files name them.
pub const ALL: [&str; 7] = [
    "agents",
    "assessment_forms",
    "interactions",
    "assessments",
    "feedback",
    "surveys",
    "transcripts",
];

/// The seven days before the anchor.
pub const FROM: &str = "2026-11-13T12:00:00Z";

pub async fn emulator(faults: Faults) -> RunningEmulator {
    let config = EmulatorConfig {
        anchor: ANCHOR.parse().unwrap(),
        faults: faults.with("data_extraction_spacing_secs", 0),
        ..EmulatorConfig::new()
    };
    cxqa_emulator::start(config).await.unwrap()
}

/// Settings relaxed in tests wherever a demo `[source]` has them: the test emulator neither
/// limits rates nor spaces Data Extraction calls.
const TEST_PACING: [(&str, i64); 3] = [
    ("requests_per_minute", 3000),
    ("extraction_spacing_secs", 0),
    ("extraction_poll_ms", 20),
];

/// Registered vendors with an emulator and a demo pipeline.
pub fn emulated_vendors() -> Vec<&'static str> {
    cxqa_core::registry()
        .into_iter()
        .map(|r| r.vendor)
        .filter(|v| cxqa_emulator::vendors().contains(v) && demo_pipeline(v).is_some())
        .collect()
}

/// The streams `vendor`'s connector offers.
pub fn offered(vendor: &str) -> Vec<&'static str> {
    cxqa_core::connector::find(vendor)
        .unwrap()
        .streams
        .iter()
        .map(|s| s.as_str())
        .collect()
}

/// The demo pipeline of `vendor` (`config/demo-<vendor>.toml`), None when it has none.
pub fn demo_pipeline(vendor: &str) -> Option<String> {
    std::fs::read_to_string(crate::workspace_root().join(format!("config/demo-{vendor}.toml"))).ok()
}

/// The `[source]` table for a vendor served by `emulator`: the demo pipeline's, test-paced.
pub fn source(vendor: &str, emulator: &RunningEmulator) -> String {
    let demo =
        demo_pipeline(vendor).unwrap_or_else(|| panic!("config/demo-{vendor}.toml is missing"));
    cxqa_runner::pipeline::emulator_source(&demo, vendor, emulator.url(vendor), &TEST_PACING)
        .unwrap_or_else(|e| panic!("config/demo-{vendor}.toml: {e}"))
}

/// [`source`] with `settings` set (added or replaced).
pub fn source_with(vendor: &str, emulator: &RunningEmulator, settings: &[(&str, i64)]) -> String {
    let mut table: toml::Table = toml::from_str(&source(vendor, emulator)).unwrap();
    for (key, value) in settings {
        table.insert(key.to_string(), toml::Value::Integer(*value));
    }
    toml::to_string(&table).unwrap()
}

/// A pipeline over the fixed week into JSONL files under `dir`.
pub fn pipeline_text(source: &str, streams: &[&str], dir: &Path) -> String {
    pipeline_into(
        source,
        streams,
        &format!("kind = \"jsonl\"\ndir = \"{}\"", dir.display()),
    )
}

/// A pipeline over the fixed week into the sink that `sink` (the `[sink]` table's keys) names.
pub fn pipeline_into(source: &str, streams: &[&str], sink: &str) -> String {
    let streams: Vec<String> = streams.iter().map(|s| format!("\"{s}\"")).collect();
    format!(
        "[source]\n{source}\n\n[extract]\nstreams = [{}]\nfrom = \"{FROM}\"\nto = \"{ANCHOR}\"\nconcurrency = 4\n\n[sink]\n{sink}\n",
        streams.join(", "),
    )
}

pub async fn run(text: &str) -> RunReport {
    let pipeline =
        Pipeline::parse(text, "e2e", &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent)
        .await
        .unwrap();
    for stream in &report.streams {
        assert!(
            stream.error.is_none(),
            "{:?} failed: {:?}",
            stream.stream,
            stream.error
        );
    }
    report
}

/// The records a JSONL sink wrote for a stream, last line per id wins, sorted by id.
pub fn records(dir: &Path, stream: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(format!("{stream}.jsonl"))).unwrap_or_default();
    let mut by_id = std::collections::BTreeMap::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).unwrap();
        by_id.insert(value["id"].as_str().unwrap().to_string(), value);
    }
    by_id.into_values().collect()
}

/// Ids of the lines of a JSONL file, duplicates kept.
pub fn line_ids(dir: &Path, stream: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("{stream}.jsonl")))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

pub fn tombstones(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("tombstones.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What a snapshot of a stream holds: how many records, and the first few in id order.
pub fn sample(records: &[Value], n: usize) -> Value {
    serde_json::json!({ "count": records.len(), "sample": records.iter().take(n).collect::<Vec<_>>() })
}

/// Records without `extracted_at`, which differs between runs by nature.
pub fn comparable(mut records: Vec<Value>) -> Vec<Value> {
    for record in &mut records {
        record.as_object_mut().map(|o| o.remove("extracted_at"));
    }
    records
}

/// Every stream of `vendor` through the runner, each snapshotted as `<vendor>_<stream>`; returns
/// the output folder for further checks.
pub async fn snapshot_every_stream(vendor: &str, streams: &[&str]) -> tempfile::TempDir {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(&source(vendor, &emu), streams, dir.path())).await;
    for stream in streams {
        let all = records(dir.path(), stream);
        assert!(!all.is_empty(), "{vendor} {stream} is empty");
        insta::assert_json_snapshot!(format!("{vendor}_{stream}"), sample(&all, 2), {
            ".sample[].extracted_at" => "[extracted_at]",
        });
    }
    dir
}
