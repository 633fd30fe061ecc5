//! `cxqa airbyte` and `cxqa singer` as Airbyte and Meltano run them: the real binary, its
//! stdout read line by line, against the emulator. Every Airbyte message is checked against
//! the protocol's published schema (`fixtures/`), every Singer message against the
//! specification's rules.

use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const VENDORS: [&str; 2] = ["genesys", "cxone"];

async fn emulator() -> RunningEmulator {
    emulator_at(EmulatorConfig::new().anchor).await
}

/// The emulator with its history ending at `anchor`: a past anchor holds the vendor still.
async fn emulator_at(anchor: chrono::DateTime<chrono::Utc>) -> RunningEmulator {
    let config = EmulatorConfig {
        anchor,
        // The demo's pace: a short Data Extraction spacing keeps CXone syncs to seconds.
        faults: Faults {
            rate_limit_per_minute: Some(3000),
            ..Faults::default()
        }
        .with("data_extraction_spacing_secs", 1),
        ..EmulatorConfig::new()
    };
    cxqa_emulator::start(config).await.unwrap()
}

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The committed example config of `front` (`airbyte` or `singer`) for `vendor`, pointed at
/// this emulator, with `extract` settings changed as given (null removes one).
fn config(front: &str, vendor: &str, emu: &RunningEmulator, dir: &Path, extract: Value) -> PathBuf {
    let path = repo_file(&format!("config/{front}-demo-{vendor}.json"));
    let mut config: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let source = config["source"].as_object_mut().unwrap();
    for key in ["base_url", "issuer"] {
        if source.contains_key(key) {
            source.insert(key.into(), json!(emu.url(vendor)));
        }
    }
    if source.contains_key("extraction_spacing_secs") {
        source.insert("extraction_spacing_secs".into(), json!(1));
    }
    source.insert("requests_per_minute".into(), json!(3000));
    let settings = config["extract"].as_object_mut().unwrap();
    for (key, value) in extract.as_object().unwrap() {
        match value {
            Value::Null => settings.remove(key),
            value => settings.insert(key.clone(), value.clone()),
        };
    }
    let written = dir.join(format!("{front}-{vendor}.json"));
    std::fs::write(&written, config.to_string()).unwrap();
    written
}

fn cxqa(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxqa"))
        .args(args)
        .current_dir(dir)
        .env_remove("CXQA_LOG")
        .output()
        .expect("cxqa runs")
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// The arguments of a sync: `command`, then the config, catalog and (when given) state files.
fn sync_args(command: &[&str], config: &Path, catalog: &Path, state: Option<&Path>) -> Vec<String> {
    let mut args: Vec<String> = command.iter().map(|c| c.to_string()).collect();
    args.extend([
        "--config".into(),
        arg(config),
        "--catalog".into(),
        arg(catalog),
    ]);
    if let Some(state) = state {
        args.extend(["--state".into(), arg(state)]);
    }
    args
}

/// Every stdout line, each of which must be one JSON object.
fn messages(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            let message: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON message ({e}): {line}"));
            assert!(message.is_object() && message["type"].is_string(), "{line}");
            message
        })
        .collect()
}

fn of_type<'a>(messages: &'a [Value], kind: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["type"] == kind).collect()
}

fn airbyte_protocol() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file(
            "crates/cxqa/tests/fixtures/airbyte_protocol_v0.18.0.json",
        ))
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Valid per the protocol's schema, and carrying the payload its type names.
fn assert_airbyte(validator: &jsonschema::Validator, message: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(message)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{message}");
    let payload = match message["type"].as_str().unwrap() {
        "CONNECTION_STATUS" => "connectionStatus".to_string(),
        other => other.to_lowercase(),
    };
    assert!(message[&payload].is_object(), "no `{payload}`: {message}");
}

/// Every record's stream, id and version (`deleted` for a deletion, stamped when it is seen).
type Versions = BTreeSet<(String, String, String)>;

fn airbyte_records(messages: &[Value]) -> Versions {
    of_type(messages, "RECORD")
        .into_iter()
        .map(|m| {
            let data = &m["record"]["data"];
            (
                m["record"]["stream"].as_str().unwrap().to_string(),
                data["id"].as_str().unwrap().to_string(),
                match data["deleted_at"].is_null() {
                    true => data["modified_at"].to_string(),
                    false => "deleted".to_string(),
                },
            )
        })
        .collect()
}

fn configured_catalog(catalog: &Value) -> Value {
    let streams: Vec<Value> = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|stream| {
            json!({
                "stream": stream,
                "sync_mode": "incremental",
                "cursor_field": stream["default_cursor_field"],
                "destination_sync_mode": "append_dedup",
                "primary_key": stream["source_defined_primary_key"],
            })
        })
        .collect();
    json!({ "streams": streams })
}

/// spec, check, discover and read for `vendor`; the read's messages.
fn airbyte_sync(dir: &Path, config: &Path, validator: &jsonschema::Validator) -> Vec<Value> {
    let spec = messages(&cxqa(&["airbyte", "spec"], dir));
    assert_eq!(spec.len(), 1);
    assert_airbyte(validator, &spec[0]);
    let config_schema =
        jsonschema::validator_for(&spec[0]["spec"]["connectionSpecification"]).unwrap();
    let config_value: Value =
        serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    assert!(
        config_schema.is_valid(&config_value),
        "the example config does not fit the SPEC"
    );

    let check = messages(&cxqa(&["airbyte", "check", "--config", &arg(config)], dir));
    let status = of_type(&check, "CONNECTION_STATUS");
    assert_eq!(status.len(), 1, "{check:?}");
    assert_eq!(
        status[0]["connectionStatus"]["status"], "SUCCEEDED",
        "{check:?}"
    );
    check.iter().for_each(|m| assert_airbyte(validator, m));

    let discovered = messages(&cxqa(
        &["airbyte", "discover", "--config", &arg(config)],
        dir,
    ));
    discovered.iter().for_each(|m| assert_airbyte(validator, m));
    let catalog = of_type(&discovered, "CATALOG")[0]["catalog"].clone();
    assert_eq!(catalog["streams"].as_array().unwrap().len(), 7);
    let catalog_path = dir.join("catalog.json");
    std::fs::write(&catalog_path, configured_catalog(&catalog).to_string()).unwrap();

    let read = cxqa(
        &[
            "airbyte",
            "read",
            "--config",
            &arg(config),
            "--catalog",
            &arg(&catalog_path),
        ],
        dir,
    );
    let read_messages = messages(&read);
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    read_messages
        .iter()
        .for_each(|m| assert_airbyte(validator, m));
    let schemas: BTreeMap<String, jsonschema::Validator> = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                jsonschema::validator_for(&s["json_schema"]).unwrap(),
            )
        })
        .collect();
    for record in of_type(&read_messages, "RECORD") {
        let stream = record["record"]["stream"].as_str().unwrap();
        assert!(
            schemas[stream].is_valid(&record["record"]["data"]),
            "a {stream} record does not fit its discovered schema"
        );
    }
    assert_stream_lifecycles(&read_messages);
    read_messages
}

/// Per stream: STARTED, RUNNING before its first record, a STATE after its last record,
/// COMPLETE at the end.
fn assert_stream_lifecycles(messages: &[Value]) {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in messages {
        let (stream, event) = match message["type"].as_str().unwrap() {
            "RECORD" => (&message["record"]["stream"], "RECORD".to_string()),
            "STATE" => (
                &message["state"]["stream"]["stream_descriptor"]["name"],
                "STATE".to_string(),
            ),
            "TRACE" if message["trace"]["type"] == "STREAM_STATUS" => (
                &message["trace"]["stream_status"]["stream_descriptor"]["name"],
                message["trace"]["stream_status"]["status"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            ),
            _ => continue,
        };
        let stream = stream.as_str().unwrap().to_string();
        let events = seen.entry(stream).or_default();
        if events.last().map(String::as_str) != Some(event.as_str()) {
            events.push(event);
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    for (stream, events) in seen {
        assert_eq!(
            events.first().map(String::as_str),
            Some("STARTED"),
            "{stream}: {events:?}"
        );
        assert_eq!(
            events.last().map(String::as_str),
            Some("COMPLETE"),
            "{stream}: {events:?}"
        );
        let before_last = &events[events.len() - 2];
        assert_eq!(
            before_last, "STATE",
            "{stream}: records after the last STATE: {events:?}"
        );
        if let Some(first_record) = events.iter().position(|e| e == "RECORD") {
            assert_eq!(events[first_record - 1], "RUNNING", "{stream}: {events:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_airbyte_message_of_a_sync_fits_the_protocol_for_every_vendor() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let validator = airbyte_protocol();
    for vendor in VENDORS {
        let config = config("airbyte", vendor, &emu, dir.path(), json!({}));
        let dir = dir.path().to_path_buf();
        let validator = validator.clone();
        let read = blocking(move || airbyte_sync(&dir, &config, &validator)).await;
        let records = airbyte_records(&read);
        let streams: BTreeSet<&str> = records.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(streams.len(), 7, "{vendor}: {streams:?}");
    }
    emu.stop().await;
}

/// The STATE messages of `messages`, as the platform hands them back: the last per stream.
fn last_states(messages: &[Value]) -> Value {
    let mut last: BTreeMap<String, Value> = BTreeMap::new();
    for state in of_type(messages, "STATE") {
        let inner = &state["state"];
        let name = inner["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap();
        last.insert(name.to_string(), inner.clone());
    }
    Value::Array(last.into_values().collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_airbyte_sync_stopped_after_a_state_resumes_to_the_same_records_without_repeats() {
    // A vendor that holds still, so that every sync sees the same records.
    let emu = emulator_at("2026-11-20T12:00:00Z".parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    // Small pages: many states to stop between.
    let fixed_window = json!({"window": null, "from": "2026-11-13T12:00:00Z", "to": "2026-11-20T12:00:00Z", "page_size": 5});
    let config = config("airbyte", "genesys", &emu, dir.path(), fixed_window);
    let catalog = {
        let discovered = messages(&cxqa(
            &["airbyte", "discover", "--config", &arg(&config)],
            dir.path(),
        ));
        configured_catalog(&of_type(&discovered, "CATALOG")[0]["catalog"])
    };
    let catalog_path = dir.path().join("catalog.json");
    std::fs::write(&catalog_path, catalog.to_string()).unwrap();
    let read_args =
        |state: Option<&Path>| sync_args(&["airbyte", "read"], &config, &catalog_path, state);
    let workdir = dir.path().to_path_buf();
    let clean_args = read_args(None);
    let clean = blocking(move || {
        let args: Vec<&str> = clean_args.iter().map(String::as_str).collect();
        cxqa(&args, &workdir)
    })
    .await;
    assert!(clean.status.success());
    let clean = airbyte_records(&messages(&clean));

    // Stop the sync (SIGKILL) once a few pages of interactions are checkpointed.
    let stopped_args = read_args(None);
    let workdir = dir.path().to_path_buf();
    let before_kill: Vec<Value> = blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cxqa"))
            .args(&stopped_args)
            .current_dir(&workdir)
            .env_remove("CXQA_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = Vec::new();
        let mut interaction_states = 0;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let message: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let is_interaction_state = message["type"] == "STATE"
                && message["state"]["stream"]["stream_descriptor"]["name"] == "interactions";
            lines.push(message);
            if is_interaction_state {
                interaction_states += 1;
                if interaction_states == 3 {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        lines
    })
    .await;
    let states = last_states(&before_kill);
    let interrupted: BTreeSet<String> = states
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["stream"]["stream_state"]["checkpoint"].is_null())
        .map(|s| {
            s["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(interrupted.contains("interactions"), "{states}");
    let state_path = dir.path().join("state.json");
    std::fs::write(&state_path, states.to_string()).unwrap();

    let resumed_args = read_args(Some(&state_path));
    let workdir = dir.path().to_path_buf();
    let resumed = blocking(move || {
        let args: Vec<&str> = resumed_args.iter().map(String::as_str).collect();
        cxqa(&args, &workdir)
    })
    .await;
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let resumed = airbyte_records(&messages(&resumed));
    // Records count once their stream's STATE follows them; later ones are sent again.
    let committed = committed_records(&before_kill);
    let reached: Versions = committed.union(&resumed).cloned().collect();
    let lost: Vec<_> = clean.difference(&reached).collect();
    let extra: Vec<_> = reached.difference(&clean).collect();
    assert!(
        lost.is_empty() && extra.is_empty(),
        "lost {lost:?}, extra {extra:?}"
    );
    for stream in &interrupted {
        let repeated: Vec<_> = committed
            .intersection(&resumed)
            .filter(|(s, _, _)| s == stream)
            .collect();
        assert!(
            repeated.is_empty(),
            "{stream} sent again after its checkpoint: {repeated:?}"
        );
    }
    emu.stop().await;
}

/// The records a STATE of their stream followed.
fn committed_records(messages: &[Value]) -> Versions {
    let mut pending: BTreeMap<String, Versions> = BTreeMap::new();
    let mut committed = Versions::new();
    for message in messages {
        match message["type"].as_str().unwrap() {
            "RECORD" => {
                let record = airbyte_records(std::slice::from_ref(message));
                let stream = message["record"]["stream"].as_str().unwrap().to_string();
                pending.entry(stream).or_default().extend(record);
            }
            "STATE" => {
                let stream = message["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap();
                committed.extend(pending.remove(stream).unwrap_or_default());
            }
            _ => {}
        }
    }
    committed
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_credentials_fail_the_check_with_the_vendors_words_and_no_secret() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config("airbyte", "genesys", &emu, dir.path(), json!({}));
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let secret = "wrong-secret-6f1c2a9d77";
    value["source"]["client_secret"] = json!(secret);
    std::fs::write(&path, value.to_string()).unwrap();
    let workdir = dir.path().to_path_buf();
    let checked =
        blocking(move || cxqa(&["airbyte", "check", "--config", &arg(&path)], &workdir)).await;
    assert!(
        checked.status.success(),
        "a failed check is an answer, not a crash"
    );
    let output = messages(&checked);
    let status = &of_type(&output, "CONNECTION_STATUS")[0]["connectionStatus"];
    assert_eq!(status["status"], "FAILED");
    let message = status["message"].as_str().unwrap();
    assert!(message.contains("401"), "{message}");
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(!everything.contains(secret), "{everything}");
    emu.stop().await;
}

#[test]
fn a_misspelt_config_key_is_a_config_error_naming_the_key_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "literal-secret-92bd61";
    let config = json!({
        "source": {"vendor": "genesys", "base_url": "http://127.0.0.1:9", "client_id": "x", "client_secret": secret},
        "extract": {"windw": "P7D"},
    });
    let path = dir.path().join("config.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let catalog = dir.path().join("catalog.json");
    std::fs::write(&catalog, json!({"streams": []}).to_string()).unwrap();
    let read = cxqa(
        &[
            "airbyte",
            "read",
            "--config",
            &arg(&path),
            "--catalog",
            &arg(&catalog),
        ],
        dir.path(),
    );
    assert!(!read.status.success());
    let output = messages(&read);
    let validator = airbyte_protocol();
    output.iter().for_each(|m| assert_airbyte(&validator, m));
    let error = &of_type(&output, "TRACE")[0]["trace"]["error"];
    assert_eq!(error["failure_type"], "config_error");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("extract.windw") && message.contains("did you mean `window`"),
        "{message}"
    );
    assert!(!String::from_utf8_lossy(&read.stdout).contains(secret));

    // The same refusal from the Singer tap, on stderr with a non-zero exit.
    let sync = cxqa(&["singer", "--config", &arg(&path)], dir.path());
    assert!(!sync.status.success());
    assert!(sync.stdout.is_empty());
    assert!(String::from_utf8_lossy(&sync.stderr).contains("extract.windw"));
}

/// The Singer rules: SCHEMA before any RECORD of its stream, key and bookmark properties in
/// the schema, records that fit it, STATE values with per-stream bookmarks.
fn assert_singer(messages: &[Value], selected: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let mut schemas: BTreeMap<String, jsonschema::Validator> = BTreeMap::new();
    let mut records: BTreeMap<String, usize> = BTreeMap::new();
    let mut last_state = None;
    for message in messages {
        match message["type"].as_str().unwrap().to_uppercase().as_str() {
            "SCHEMA" => {
                let stream = message["stream"].as_str().unwrap().to_string();
                let properties = &message["schema"]["properties"];
                for key in message["key_properties"].as_array().unwrap() {
                    assert!(
                        properties.get(key.as_str().unwrap()).is_some(),
                        "{stream}: {key}"
                    );
                }
                for key in message["bookmark_properties"].as_array().unwrap() {
                    assert!(
                        properties.get(key.as_str().unwrap()).is_some(),
                        "{stream}: {key}"
                    );
                }
                schemas.insert(
                    stream,
                    jsonschema::validator_for(&message["schema"]).unwrap(),
                );
            }
            "RECORD" => {
                let stream = message["stream"].as_str().unwrap();
                let schema = schemas
                    .get(stream)
                    .unwrap_or_else(|| panic!("{stream}: RECORD before SCHEMA"));
                assert!(schema.is_valid(&message["record"]), "{stream}: {message}");
                let extracted = message["time_extracted"].as_str().unwrap();
                chrono::DateTime::parse_from_rfc3339(extracted).unwrap();
                *records.entry(stream.to_string()).or_default() += 1;
            }
            "STATE" => last_state = Some(message["value"].clone()),
            other => panic!("unexpected message type {other}"),
        }
    }
    let bookmarks: BTreeSet<String> = last_state.expect("no STATE")["bookmarks"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(selected.is_subset(&bookmarks), "{bookmarks:?}");
    assert_eq!(&schemas.keys().cloned().collect::<BTreeSet<_>>(), selected);
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn the_singer_tap_discovers_selects_and_syncs_incrementally_from_its_state() {
    let emu = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    for vendor in VENDORS {
        let config = config("singer", vendor, &emu, dir.path(), json!({}));
        let workdir = dir.path().to_path_buf();
        let vendor_dir = workdir.clone();
        let (first, second, selected) = blocking(move || {
            let discovered = cxqa(
                &["singer", "--config", &arg(&config), "--discover"],
                &vendor_dir,
            );
            assert!(discovered.status.success());
            let mut catalog: Value = serde_json::from_slice(&discovered.stdout).unwrap();
            let mut selected = BTreeSet::new();
            for (i, stream) in catalog["streams"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .enumerate()
            {
                assert!(stream["tap_stream_id"].is_string() && stream["schema"].is_object());
                let top = &mut stream["metadata"][0];
                assert_eq!(top["breadcrumb"], json!([]));
                assert_eq!(
                    top["metadata"]["table-key-properties"],
                    json!(["vendor", "id"])
                );
                assert_eq!(top["metadata"]["replication-key"], "modified_at");
                // What Meltano's `select` writes: all but one stream.
                let chosen = i != 1;
                top["metadata"]["selected"] = json!(chosen);
                if chosen {
                    selected.insert(stream["stream"].as_str().unwrap().to_string());
                }
            }
            let catalog_path = vendor_dir.join("singer-catalog.json");
            std::fs::write(&catalog_path, catalog.to_string()).unwrap();
            let sync = |state: Option<&Path>| {
                let args = sync_args(&["singer"], &config, &catalog_path, state);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let output = cxqa(&args, &vendor_dir);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                messages(&output)
            };
            let first = sync(None);
            let state = of_type(&first, "STATE").last().unwrap()["value"].clone();
            let state_path = vendor_dir.join("singer-state.json");
            std::fs::write(&state_path, state.to_string()).unwrap();
            (first, sync(Some(&state_path)), selected)
        })
        .await;
        let first = assert_singer(&first, &selected);
        let second = assert_singer(&second, &selected);
        assert_eq!(
            first.keys().cloned().collect::<BTreeSet<_>>(),
            selected,
            "{vendor}"
        );
        let (first_total, second_total): (usize, usize) =
            (first.values().sum(), second.values().sum());
        assert!(
            second_total < first_total,
            "{vendor}: the second sync sent {second_total} records, the first {first_total}"
        );
    }
    emu.stop().await;
}

#[test]
fn the_dockerfile_runs_the_airbyte_source_and_labels_it_as_the_binary_says() {
    let dockerfile = std::fs::read_to_string(repo_file("Dockerfile")).unwrap();
    let instruction = |name: &str| -> Vec<String> {
        dockerfile
            .lines()
            .filter_map(|line| line.trim().strip_prefix(&format!("{name} ")))
            .map(str::to_string)
            .collect()
    };
    let entrypoint: Vec<String> = serde_json::from_str(&instruction("ENTRYPOINT")[0]).unwrap();
    assert_eq!(entrypoint, ["/usr/local/bin/cxqa", "airbyte"]);
    let env = instruction("ENV").join(" ");
    assert!(
        env.contains("AIRBYTE_ENTRYPOINT=\"/usr/local/bin/cxqa airbyte\""),
        "{env}"
    );
    let labels = instruction("LABEL").join(" ");
    assert!(
        labels.contains("io.airbyte.name=\"cxqa/source-cxqa\""),
        "{labels}"
    );
    let version = format!("io.airbyte.version=\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(labels.contains(&version), "{labels}");
    // The binary the image copies is the one `.ci/run` tests: the release build of `cxqa`.
    assert!(dockerfile.contains("cargo build --release --locked -p cxqa"));
    assert!(dockerfile.contains("USER "), "the image runs as root");
    // And its entrypoint answers the platform's first question.
    let spec = cxqa(&["airbyte", "spec"], Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(spec.status.success());
    assert_eq!(messages(&spec)[0]["type"], "SPEC");
}
