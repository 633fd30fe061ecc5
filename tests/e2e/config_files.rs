//! The committed schema is fresh, and every example pipeline passes both the schema and the
//! parser (with made-up values for its `${VAR}`s).

use crate::workspace_root;
use cxqa_runner::Pipeline;
use cxqa_runner::interpolate::{Redactor, interpolate};
use cxqa_runner::pipeline::to_json;

fn committed_schema() -> serde_json::Value {
    let text = std::fs::read_to_string(workspace_root().join("config/schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fake_env(name: &str) -> Option<String> {
    if name.ends_with("_URL") {
        return Some("http://127.0.0.1:9".into());
    }
    Some(format!("value-of-{name}"))
}

fn examples() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(workspace_root().join("config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn committed_schema_is_fresh() {
    let committed = std::fs::read_to_string(workspace_root().join("config/schema.json")).unwrap();
    assert!(
        committed == cxqa_runner::pipeline::pipeline_schema_json(),
        "config/schema.json is stale: run `cargo xtask schema` and commit it"
    );
}

#[test]
fn every_example_pipeline_passes_the_schema_and_the_parser() {
    let validator = jsonschema::validator_for(&committed_schema()).unwrap();
    let files = examples();
    assert!(files.len() >= 2, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("#:schema ./schema.json"),
            "{} lacks the #:schema line",
            path.display()
        );
        let mut json = to_json(toml::Value::Table(toml::from_str(&text).unwrap()));
        interpolate(&mut json, "", &fake_env, &mut Redactor::default()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        if let Err(err) = Pipeline::parse(&text, "example", &fake_env) {
            panic!("{}: {err}", path.display());
        }
    }
}

#[test]
fn the_schema_rejects_what_the_parser_rejects() {
    let validator = jsonschema::validator_for(&committed_schema()).unwrap();
    let bad = [
        // misspelled key in [source]
        r#"source = { vendor = "genesys", region = "mypurecloud.com", client_id = "a", client_secert = "b" }
extract = { streams = ["agents"], window = "P1D" }
sink = { kind = "jsonl" }"#,
        // unknown vendor
        r#"source = { vendor = "zendesk", client_id = "a" }
extract = { streams = ["agents"], window = "P1D" }
sink = { kind = "jsonl" }"#,
        // unknown stream
        r#"source = { vendor = "cxone", client_id = "a", client_secret = "b", access_key_id = "c", access_key_secret = "d" }
extract = { streams = ["calls"], window = "P1D" }
sink = { kind = "jsonl" }"#,
    ];
    for text in bad {
        let json = to_json(toml::Value::Table(toml::from_str(text).unwrap()));
        assert!(!validator.is_valid(&json), "schema accepted:\n{text}");
        assert!(
            Pipeline::parse(text, "bad", &fake_env).is_err(),
            "parser accepted:\n{text}"
        );
    }
}

/// The Airbyte and Singer example configs (`config/*-demo-*.json`) fit the schema the SPEC
/// and `--about` publish, and build their vendor's connector.
#[test]
fn every_protocol_example_config_fits_the_published_schema_and_the_parser() {
    let schema = cxqa_runner::schema::protocol_config_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(workspace_root().join("config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p != &workspace_root().join("config/schema.json")
        })
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for front in ["airbyte", "singer"] {
        for vendor in crate::support::emulated_vendors() {
            let name = format!("{front}-demo-{vendor}.json");
            assert!(names.contains(&name), "config/{name} is missing");
        }
    }
    for path in files {
        let config: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&config)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let pipeline = Pipeline::from_protocol_config(config, "example", &fake_env)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            pipeline.extract.streams,
            cxqa_core::connector::offered_streams(pipeline.connector.as_ref())
        );
    }
}

#[test]
fn a_protocol_config_refuses_what_the_platform_decides() {
    let source = serde_json::json!({"vendor": "genesys", "base_url": "http://127.0.0.1:9", "client_id": "x", "client_secret": "y"});
    for (config, path) in [
        (
            serde_json::json!({"source": source, "extract": {"window": "P1D", "streams": ["agents"]}}),
            "extract.streams",
        ),
        (
            serde_json::json!({"source": source, "extract": {"window": "P1D", "incremental": false}}),
            "extract.incremental",
        ),
        (
            serde_json::json!({"source": source, "extract": {"window": "P1D"}, "sink": {"kind": "jsonl"}}),
            "sink",
        ),
    ] {
        let err = Pipeline::from_protocol_config(config, "x", &fake_env)
            .err()
            .unwrap();
        assert_eq!(err.path, path, "{err}");
        assert!(err.hint.is_some(), "{err}");
    }
}
