//! `kind = "parquet"` read back by the `parquet` crate: every row of every stream of both
//! vendors equals what the SQLite store holds from the same vendor and window, with typed
//! columns, in hive-style partitions, tombstones apart, and no temporary file left.

use crate::support::{emulated_vendors, emulator, offered, pipeline_into, run, source};
use cxqa_emulator::Faults;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every `.parquet` file under `dir`, and every other file there.
fn files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut parquet, mut other) = (Vec::new(), Vec::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                parquet.push(path);
            } else {
                other.push(path);
            }
        }
    }
    (parquet, other)
}

/// The rows of one file as JSON, through Arrow's own JSON writer.
fn rows(file: &Path) -> (arrow_schema::SchemaRef, Vec<Value>) {
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap()).unwrap();
    let schema = builder.schema().clone();
    let reader = builder.build().unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let mut writer = arrow_json::ArrayWriter::new(Vec::new());
    writer
        .write_batches(&batches.iter().collect::<Vec<_>>())
        .unwrap();
    writer.finish().unwrap();
    let text = String::from_utf8(writer.into_inner()).unwrap();
    let rows = if text.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (schema, rows)
}

/// A value as both stores must agree on it: nulls dropped, numbers as f64, times as instants,
/// JSON text (a column of no single type) parsed; `extracted_at` differs between the two runs.
fn canonical(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Number(n) => Some(serde_json::json!(n.as_f64().unwrap())),
        Value::String(s) => {
            if let Ok(time) = s.parse::<chrono::DateTime<chrono::Utc>>() {
                return Some(Value::String(
                    time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                ));
            }
            if s.starts_with('{') {
                if let Ok(parsed) = serde_json::from_str::<Value>(&s) {
                    return canonical(parsed);
                }
            }
            Some(Value::String(s))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(canonical).collect(),
        )),
        Value::Object(object) => Some(Value::Object(
            object
                .into_iter()
                .filter(|(k, _)| k != "extracted_at")
                .filter_map(|(k, v)| Some((k, canonical(v)?)))
                .collect(),
        )),
        other => Some(other),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_round_trips_every_stream_of_every_vendor_as_sqlite_stores_it() {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    for vendor in emulated_vendors() {
        let streams = offered(vendor);
        let lake = dir.path().join(format!("lake-{vendor}"));
        let store = dir.path().join(format!("{vendor}.sqlite"));
        // Small row groups: many files, many flushes, each followed by its state.
        run(&pipeline_into(
            &source(vendor, &emu),
            &streams,
            &format!(
                "kind = \"parquet\"\ndir = \"{}\"\nrow_group_rows = 40",
                lake.display()
            ),
        ))
        .await;
        run(&pipeline_into(
            &source(vendor, &emu),
            &streams,
            &format!("kind = \"sqlite\"\npath = \"{}\"", store.display()),
        ))
        .await;

        let (parquet_files, others) = files(&lake);
        assert_eq!(
            others
                .iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            ["cxqa-state.json"],
            "{vendor}: a temporary or stray file is left"
        );
        let mut lake_rows: BTreeMap<(String, String), Value> = BTreeMap::new();
        let mut tombstones = 0;
        for file in &parquet_files {
            let relative = file
                .strip_prefix(&lake)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let parts: Vec<&str> = relative.split('/').collect();
            let (schema, rows) = rows(file);
            if parts[0] == "tombstones" {
                assert!(
                    parts[1] == format!("vendor={vendor}") && parts[2].starts_with("date="),
                    "{relative}"
                );
                tombstones += rows.len();
                continue;
            }
            let stream = parts[0]
                .strip_prefix("stream=")
                .unwrap_or_else(|| panic!("{relative}"));
            assert_eq!(parts[1], format!("vendor={vendor}"), "{relative}");
            let date = parts[2].strip_prefix("date=").unwrap();
            assert!(
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
                "{relative}"
            );
            assert!(matches!(
                schema.field_with_name("modified_at").unwrap().data_type(),
                arrow_schema::DataType::Timestamp(arrow_schema::TimeUnit::Microsecond, Some(_))
            ));
            for row in rows {
                let id = row["id"].as_str().unwrap().to_string();
                let previous = lake_rows.insert((stream.to_string(), id.clone()), row);
                assert!(previous.is_none(), "{stream} {id} twice in one run");
            }
        }
        let connection = rusqlite::Connection::open(&store).unwrap();
        let mut compared = 0;
        for stream in &streams {
            let mut statement = connection
                .prepare(&format!(
                    "SELECT id, record FROM {stream} WHERE vendor = ?1"
                ))
                .unwrap();
            let stored: Vec<(String, String)> = statement
                .query_map([vendor], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(!stored.is_empty(), "{vendor} {stream}: nothing stored");
            for (id, record) in stored {
                let in_lake = lake_rows
                    .remove(&(stream.to_string(), id.clone()))
                    .unwrap_or_else(|| panic!("{vendor} {stream} {id} is not in the lake"));
                let expected = canonical(serde_json::from_str(&record).unwrap());
                assert_eq!(canonical(in_lake), expected, "{vendor} {stream} {id}");
                compared += 1;
            }
        }
        assert!(
            lake_rows.is_empty(),
            "{vendor}: rows SQLite does not hold: {:?}",
            lake_rows.keys().collect::<Vec<_>>()
        );
        println!(
            "{vendor}: {compared} rows in {} files equal the SQLite store; {tombstones} tombstones",
            parquet_files.len()
        );
    }
    emu.stop().await;
}
