//! Apache Parquet files for data lakes: one dataset per stream, partitioned like Hive
//! (`<dir>/stream=<s>/vendor=<v>/date=<YYYY-MM-DD>/part-….parquet`, the UTC date the record
//! happened), deletions in `<dir>/tombstones/vendor=<v>/date=<d>/`. Columns are typed from the
//! stream's JSON Schema: ids and text as strings, times as timestamp[us, UTC], scores as double,
//! flags as boolean, question groups as lists of structs. Pages are buffered into row groups of
//! `row_group_rows`; a file is written under a temporary name, synced and renamed, and only then
//! is the state of the pages in it committed, so a crash leaves no half file and no state that
//! names records not on disk (the next run fetches them again). Append-only like the JSON-lines
//! sink: readers keep the latest `modified_at` per (vendor, id).

use crate::state_file::StateFile;
use crate::{AgentKeys, Batch, Sink, SinkError, StateKey, StreamState, WriteStats};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use async_trait::async_trait;
use cxqa_core::Stream;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a JSON value becomes a column value.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// As it is (string, number, boolean, timestamp text).
    Leaf,
    /// A value of no single type (a string or an object): strings stay, others become JSON text.
    Text,
    List(Box<Shape>),
    Struct(Vec<(String, Shape)>),
}

/// The Arrow type (and shape) of a value with `schema` (self-contained, plain types).
fn column(schema: &Value) -> (DataType, Shape) {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    match types.as_slice() {
        ["string"] if schema["format"] == "date-time" => (
            DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
            Shape::Leaf,
        ),
        ["string"] => (DataType::Utf8, Shape::Leaf),
        ["integer"] => (DataType::Int64, Shape::Leaf),
        ["number"] => (DataType::Float64, Shape::Leaf),
        ["boolean"] => (DataType::Boolean, Shape::Leaf),
        ["array"] => {
            let (item, shape) = column(&schema["items"]);
            (
                DataType::List(Arc::new(Field::new("item", item, true))),
                Shape::List(Box::new(shape)),
            )
        }
        ["object"]
            if schema["properties"]
                .as_object()
                .is_some_and(|p| !p.is_empty()) =>
        {
            let (fields, shapes) = fields(schema);
            (DataType::Struct(fields.into()), Shape::Struct(shapes))
        }
        _ => (DataType::Utf8, Shape::Text),
    }
}

fn fields(schema: &Value) -> (Vec<Field>, Vec<(String, Shape)>) {
    let mut fields = Vec::new();
    let mut shapes = Vec::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let (data_type, shape) = column(property);
        fields.push(Field::new(name, data_type, true));
        shapes.push((name.clone(), shape));
    }
    (fields, shapes)
}

/// `value` as its column takes it: JSON text where the shape says so, unknown keys dropped.
fn fit(value: Value, shape: &Shape) -> Value {
    match (shape, value) {
        (_, Value::Null) => Value::Null,
        (Shape::Text, Value::String(s)) => Value::String(s),
        (Shape::Text, other) => Value::String(other.to_string()),
        (Shape::List(item), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|v| fit(v, item)).collect())
        }
        (Shape::Struct(shapes), Value::Object(mut object)) => Value::Object(
            shapes
                .iter()
                .map(|(name, shape)| {
                    let value = object.remove(name).unwrap_or(Value::Null);
                    (name.clone(), fit(value, shape))
                })
                .collect(),
        ),
        (_, value) => value,
    }
}

/// One stream's (or the tombstones') Arrow schema and shape.
struct Layout {
    schema: SchemaRef,
    shape: Shape,
}

impl Layout {
    fn of_stream(stream: Stream) -> Layout {
        let (fields, shapes) = fields(&cxqa_core::json_schema::self_contained(stream));
        Layout {
            schema: Arc::new(Schema::new(fields)),
            shape: Shape::Struct(shapes),
        }
    }

    fn of_tombstones() -> Layout {
        let schema = schemars::schema_for!(cxqa_core::model::Tombstone).to_value();
        let schema = cxqa_core::json_schema::plain_types(cxqa_core::json_schema::inline_refs(
            schema.clone(),
            &schema,
        ));
        let (fields, shapes) = fields(&schema);
        Layout {
            schema: Arc::new(Schema::new(fields)),
            shape: Shape::Struct(shapes),
        }
    }

    fn batch(&self, rows: Vec<Value>) -> Result<RecordBatch, SinkError> {
        let rows: Vec<Value> = rows.into_iter().map(|r| fit(r, &self.shape)).collect();
        let encode = |e: arrow_schema::ArrowError| SinkError::Encode(e.to_string());
        let mut decoder = arrow_json::ReaderBuilder::new(self.schema.clone())
            .with_batch_size(rows.len().max(1))
            .build_decoder()
            .map_err(encode)?;
        decoder.serialize(&rows).map_err(encode)?;
        Ok(decoder
            .flush()
            .map_err(encode)?
            .unwrap_or_else(|| RecordBatch::new_empty(self.schema.clone())))
    }
}

/// Rows waiting for their file, by dataset folder (`stream=…/vendor=…/date=…`).
type Buffer = BTreeMap<PathBuf, Vec<Value>>;

pub struct ParquetSink {
    dir: PathBuf,
    row_group_rows: usize,
    state: StateFile,
    layouts: BTreeMap<Option<Stream>, Layout>,
    buffer: Buffer,
    buffered: usize,
    /// The states of the buffered pages, committed once their rows are on disk.
    pending: BTreeMap<StateKey, StreamState>,
    files: u64,
    started: i64,
    agent_keys: AgentKeys,
}

impl ParquetSink {
    pub fn open(dir: PathBuf, row_group_rows: usize) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(|e| SinkError::io(&dir, e))?;
        let state = StateFile::load(dir.join("cxqa-state.json"))?;
        Ok(ParquetSink {
            dir,
            row_group_rows: row_group_rows.max(1),
            state,
            layouts: BTreeMap::new(),
            buffer: Buffer::new(),
            buffered: 0,
            pending: BTreeMap::new(),
            files: 0,
            started: chrono::Utc::now().timestamp_millis(),
            agent_keys: AgentKeys::new(),
        })
    }

    fn date(time: Option<chrono::DateTime<chrono::Utc>>) -> String {
        time.map_or("unknown".into(), |t| t.format("%Y-%m-%d").to_string())
    }

    /// Writes every buffered dataset folder as one new file, then commits the pending states.
    fn flush(&mut self) -> Result<(), SinkError> {
        for (folder, rows) in std::mem::take(&mut self.buffer) {
            let stream = folder
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str()?.strip_prefix("stream="))
                .and_then(|s| s.parse::<Stream>().ok());
            let layout = self.layouts.entry(stream).or_insert_with(|| match stream {
                Some(stream) => Layout::of_stream(stream),
                None => Layout::of_tombstones(),
            });
            let batch = layout.batch(rows)?;
            self.files += 1;
            let name = format!("part-{}-{:05}.parquet", self.started, self.files);
            write_file(&self.dir.join(&folder), &name, &batch, self.row_group_rows)?;
        }
        self.buffered = 0;
        for (key, state) in std::mem::take(&mut self.pending) {
            self.state.put(&key, state)?;
        }
        Ok(())
    }
}

/// Writes `batch` to `<folder>/<name>` through a temporary file: synced, renamed, folder synced.
fn write_file(
    folder: &Path,
    name: &str,
    batch: &RecordBatch,
    row_group_rows: usize,
) -> Result<(), SinkError> {
    std::fs::create_dir_all(folder).map_err(|e| SinkError::io(folder, e))?;
    let path = folder.join(name);
    let temporary = folder.join(format!(".{name}.tmp"));
    let file = std::fs::File::create(&temporary).map_err(|e| SinkError::io(&temporary, e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let failed = |e: parquet::errors::ParquetError| SinkError::Io {
        path: temporary.display().to_string(),
        detail: e.to_string(),
    };
    let mut writer =
        ArrowWriter::try_new(file, batch.schema(), Some(properties)).map_err(failed)?;
    writer.write(batch).map_err(failed)?;
    let file = writer.into_inner().map_err(failed)?;
    file.sync_all().map_err(|e| SinkError::io(&temporary, e))?;
    std::fs::rename(&temporary, &path).map_err(|e| SinkError::io(&path, e))?;
    if let Ok(dir) = std::fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[async_trait]
impl Sink for ParquetSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        Ok(match self.pending.get(key) {
            Some(state) => state.clone(),
            None => self.state.get(key),
        })
    }

    /// The agents this run delivered (the agents stream runs first).
    async fn agent_keys(&mut self, _vendor: &str) -> Result<AgentKeys, SinkError> {
        Ok(self.agent_keys.clone())
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let stream = batch.key.stream;
        crate::remember_agent_keys(&mut self.agent_keys, &batch.records);
        let inserted = batch.records.len() as u64;
        let tombstoned = batch.tombstones.len() as u64;
        for envelope in batch.records {
            let record = envelope.record()?;
            // Forms and agents without a change time go by when they were extracted.
            let extracted = envelope.fields.extracted_at.and_then(|t| t.parse().ok());
            let date = Self::date(crate::columns::occurred_at(stream, &record).or(extracted));
            let folder = PathBuf::from(format!("stream={stream}"))
                .join(format!("vendor={}", envelope.vendor))
                .join(format!("date={date}"));
            self.buffer.entry(folder).or_default().push(record);
        }
        for tombstone in &batch.tombstones {
            let folder = PathBuf::from("tombstones")
                .join(format!("vendor={}", tombstone.vendor))
                .join(format!("date={}", Self::date(Some(tombstone.detected_at))));
            let row =
                serde_json::to_value(tombstone).map_err(|e| SinkError::Encode(e.to_string()))?;
            self.buffer.entry(folder).or_default().push(row);
        }
        self.buffered += (inserted + tombstoned) as usize;
        self.pending.insert(batch.key, batch.state);
        if self.buffered >= self.row_group_rows {
            self.flush()?;
        }
        Ok(WriteStats {
            inserted,
            tombstoned,
            ..WriteStats::default()
        })
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_groups_are_lists_of_structs_and_times_are_utc_timestamps() {
        let layout = Layout::of_stream(Stream::Assessments);
        let schema = layout.schema;
        assert!(matches!(
            schema.field_with_name("modified_at").unwrap().data_type(),
            DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) if tz.as_ref() == "+00:00"
        ));
        assert_eq!(
            schema
                .field_with_name("normalized_score")
                .unwrap()
                .data_type(),
            &DataType::Float64
        );
        assert_eq!(
            schema.field_with_name("failed_kill").unwrap().data_type(),
            &DataType::Boolean
        );
        let DataType::List(item) = schema
            .field_with_name("question_groups")
            .unwrap()
            .data_type()
        else {
            panic!("question_groups is not a list");
        };
        let DataType::Struct(group) = item.data_type() else {
            panic!("a question group is not a struct");
        };
        assert!(group.iter().any(|f| f.name() == "questions"));
    }

    #[test]
    fn a_value_of_no_single_type_is_kept_as_text() {
        let shape = Shape::Struct(vec![
            ("kind".into(), Shape::Text),
            ("n".into(), Shape::Leaf),
        ]);
        let value = fit(
            serde_json::json!({"kind": {"other": "x"}, "n": 1, "extra": true}),
            &shape,
        );
        assert_eq!(
            value,
            serde_json::json!({"kind": "{\"other\":\"x\"}", "n": 1})
        );
    }
}

#[cfg(test)]
mod crash_tests {
    use super::*;
    use crate::Envelope;

    fn key() -> StateKey {
        StateKey {
            pipeline: "p".into(),
            vendor: "v".into(),
            stream: Stream::Agents,
        }
    }

    fn page(ids: &[&str], checkpoint: &str) -> Batch {
        let records = ids
            .iter()
            .map(|id| {
                Envelope::of_value(
                    Stream::Agents,
                    "v",
                    id,
                    None,
                    &serde_json::json!({"vendor": "v", "id": id, "agent_id": id, "state": "active",
                                        "extracted_at": "2026-11-01T00:00:00Z"}),
                )
            })
            .collect();
        Batch {
            key: key(),
            records,
            tombstones: vec![],
            state: StreamState {
                checkpoint: Some(cxqa_core::Checkpoint(checkpoint.into())),
                ..Default::default()
            },
        }
    }

    #[tokio::test]
    async fn a_crash_before_a_file_is_written_leaves_neither_the_file_nor_its_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = ParquetSink::open(dir.path().to_path_buf(), 3).unwrap();
        sink.commit(page(&["a", "b"], "page-1")).await.unwrap();
        // The page waits for its row group; the state on disk does not name it yet.
        drop(sink);
        let mut reopened = ParquetSink::open(dir.path().to_path_buf(), 3).unwrap();
        assert_eq!(
            reopened.load_state(&key()).await.unwrap(),
            StreamState::default()
        );
        assert!(!dir.path().join("stream=agents").exists());
        // A full row group is written, then its pages' state.
        reopened.commit(page(&["a", "b"], "page-1")).await.unwrap();
        reopened.commit(page(&["c"], "page-2")).await.unwrap();
        let again = ParquetSink::open(dir.path().to_path_buf(), 3).unwrap();
        assert_eq!(
            again.state.get(&key()).checkpoint,
            Some(cxqa_core::Checkpoint("page-2".into()))
        );
        let folder = dir.path().join("stream=agents/vendor=v/date=2026-11-01");
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("part-") && names[0].ends_with(".parquet"));
    }
}
