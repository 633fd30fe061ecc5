//! The pipeline file: `[source]` (one vendor's connector config), `[extract]`, `[sink]`.

use crate::extract::ExtractConfig;
use crate::interpolate::{Redactor, interpolate};
use crate::requests::RequestStats;
use cxqa_core::Stream;
use cxqa_core::config::{ConfigError, parse_section};
use cxqa_core::connector::{Connector, ConnectorContext, offered_streams};
use cxqa_sinks::SinkConfig;
use schemars::JsonSchema;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

/// The file as written. `source` is dispatched on its `vendor` key to that connector's config.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "cxqa pipeline",
    description = "A cxqa extraction pipeline (TOML)."
)]
pub struct PipelineFile {
    /// Names this pipeline's state; defaults to the file name without its extension.
    pub name: Option<String>,
    /// Where to extract from: `vendor` picks the connector, the other keys are its settings.
    #[schemars(schema_with = "crate::schema::source_schema")]
    pub source: serde_json::Map<String, serde_json::Value>,
    pub extract: ExtractConfig,
    /// Where records go; SQLite in `cxqa.sqlite` when absent.
    #[serde(default)]
    pub sink: SinkConfig,
    /// Append one JSON line per HTTP attempt and per run to this file (no secrets, no records).
    pub audit_log: Option<std::path::PathBuf>,
}

/// The whole pipeline schema, pretty-printed with a trailing newline (as committed).
pub fn pipeline_schema_json() -> String {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<PipelineFile>();
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serializes");
    text.push('\n');
    text
}

/// Why a pipeline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("cannot read {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("{file}: {error}")]
    Config { file: String, error: ConfigError },
}

/// A validated pipeline with its connector built (no network I/O has happened yet).
pub struct Pipeline {
    pub name: String,
    pub vendor: &'static str,
    pub extract: ExtractConfig,
    pub sink: SinkConfig,
    pub audit_log: Option<std::path::PathBuf>,
    pub connector: Box<dyn Connector>,
    /// Counts every HTTP attempt the connector makes.
    pub requests: Arc<RequestStats>,
    /// Removes secrets from anything shown to the user.
    pub redactor: Redactor,
}

impl Pipeline {
    /// Reads, interpolates and validates a pipeline file using the process environment.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text = std::fs::read_to_string(path).map_err(|e| PipelineError::Read {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        let default_name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "pipeline".into());
        Self::parse(&text, &default_name, &|name| std::env::var(name).ok()).map_err(|error| {
            PipelineError::Config {
                file: path.display().to_string(),
                error,
            }
        })
    }

    /// Parses pipeline text; `env` resolves `${VAR}`.
    pub fn parse(
        text: &str,
        default_name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Pipeline, ConfigError> {
        let document = toml::from_str::<toml::Table>(text).map_err(|e| {
            ConfigError::new("", format!("invalid TOML: {}", e.to_string().trim_end()))
                .with_hint("fix the syntax at the line shown")
        })?;
        Self::from_document(to_json(toml::Value::Table(document)), default_name, env)
    }

    /// A pipeline from the JSON config of the Airbyte and Singer front ends: the TOML file's
    /// `name`, `source` and `extract` under the same keys, without `extract.streams` (the
    /// catalog chooses them) or a sink (the protocol's destination or target is the sink). The
    /// pipeline holds every stream the vendor offers until [`Pipeline::select`] narrows it;
    /// runs are incremental, from the state the caller passes.
    pub fn from_protocol_config(
        config: serde_json::Value,
        default_name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Pipeline, ConfigError> {
        let serde_json::Value::Object(mut config) = config else {
            return Err(ConfigError::new("", "the config is not a JSON object")
                .with_hint("write {\"source\": {\"vendor\": ...}, \"extract\": {...}}"));
        };
        if let Some(key) = config
            .keys()
            .find(|k| !["name", "source", "extract"].contains(&k.as_str()))
        {
            let hint = match key.as_str() {
                "sink" | "audit_log" => {
                    "remove it: the destination (Airbyte) or target (Singer) stores the records"
                        .to_string()
                }
                _ => "valid keys: name, source, extract".to_string(),
            };
            return Err(
                ConfigError::new(key.clone(), format!("unknown key `{key}`")).with_hint(hint),
            );
        }
        let extract = config
            .entry("extract")
            .or_insert_with(|| serde_json::json!({}));
        let serde_json::Value::Object(extract) = extract else {
            return Err(ConfigError::new("extract", "must be an object")
                .with_hint("write \"extract\": {\"window\": \"P7D\"}"));
        };
        for (key, why) in [
            ("streams", "streams are chosen in the catalog"),
            (
                "incremental",
                "every sync is incremental from the state it is given; a full refresh is a sync without state",
            ),
        ] {
            if extract.contains_key(key) {
                return Err(ConfigError::new(format!("extract.{key}"), why)
                    .with_hint(format!("remove `{key}`")));
            }
        }
        let all: Vec<&str> = Stream::ALL.iter().map(|s| s.as_str()).collect();
        extract.insert("streams".into(), serde_json::json!(all));
        extract.insert("incremental".into(), serde_json::Value::Bool(true));
        let mut pipeline =
            Self::from_document(serde_json::Value::Object(config), default_name, env)?;
        let offered = offered_streams(pipeline.connector.as_ref());
        pipeline.extract.streams.retain(|s| offered.contains(s));
        Ok(pipeline)
    }

    /// Narrows the streams to `streams`, in that order; each must be one the vendor offers.
    pub fn select(&mut self, streams: &[Stream]) -> Result<(), ConfigError> {
        let offered = offered_streams(self.connector.as_ref());
        if let Some(missing) = streams.iter().find(|s| !offered.contains(s)) {
            return Err(ConfigError::new(
                "streams",
                format!("`{}` does not offer the `{missing}` stream", self.vendor),
            )
            .with_hint(format!(
                "`{}` offers: {}",
                self.vendor,
                cxqa_core::stream::list(&offered)
            )));
        }
        self.extract.streams = streams.to_vec();
        Ok(())
    }

    /// A pipeline document as TOML or JSON gives it: `${VAR}` expanded, then validated.
    fn from_document(
        mut document: serde_json::Value,
        default_name: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Pipeline, ConfigError> {
        let mut redactor = Redactor::default();
        interpolate(&mut document, "", env, &mut redactor)?;
        let redact = |e: ConfigError| ConfigError {
            path: e.path,
            message: redactor.redact(&e.message),
            hint: e.hint.map(|h| redactor.redact(&h)),
        };

        let file: PipelineFile = parse_section("", document).map_err(redact)?;
        file.extract.validate()?;
        file.sink.validate()?;

        let mut source = file.source;
        let vendor = match source.remove("vendor") {
            Some(serde_json::Value::String(v)) => v,
            Some(_) => {
                return Err(ConfigError::new("source.vendor", "must be a string")
                    .with_hint(format!("use one of: {}", vendors())));
            }
            None => {
                return Err(
                    ConfigError::new("source.vendor", "required key `vendor` is missing")
                        .with_hint(format!("add `vendor = \"...\"`, one of: {}", vendors())),
                );
            }
        };
        let registration = cxqa_core::connector::find(&vendor).ok_or_else(|| {
            let known: Vec<String> = cxqa_core::registry()
                .iter()
                .map(|r| r.vendor.to_string())
                .collect();
            let hint = match cxqa_core::config::closest(&vendor, &known) {
                Some(best) => format!("did you mean `{best}`? known vendors: {}", vendors()),
                None => format!("known vendors: {}", vendors()),
            };
            ConfigError::new("source.vendor", format!("unknown vendor `{vendor}`")).with_hint(hint)
        })?;

        let requests = Arc::new(RequestStats::default());
        let context = ConnectorContext {
            events: requests.clone(),
        };
        let connector =
            (registration.build)(serde_json::Value::Object(source), context).map_err(redact)?;

        let offered = offered_streams(connector.as_ref());
        if let Some(missing) = file.extract.streams.iter().find(|s| !offered.contains(s)) {
            return Err(ConfigError::new(
                "extract.streams",
                format!("`{vendor}` does not offer the `{missing}` stream"),
            )
            .with_hint(format!(
                "`{vendor}` offers: {}",
                cxqa_core::stream::list(&offered)
            )));
        }

        Ok(Pipeline {
            name: file.name.unwrap_or_else(|| default_name.to_string()),
            vendor: registration.vendor,
            extract: file.extract,
            sink: file.sink,
            audit_log: file.audit_log,
            connector,
            requests,
            redactor,
        })
    }
}

/// The variable a demo pipeline (`config/demo-<vendor>.toml`) reads the emulator's URL from,
/// e.g. `CXQA_DEMO_GENESYS_URL`.
pub fn emulator_url_variable(vendor: &str) -> String {
    format!("CXQA_DEMO_{}_URL", vendor.to_ascii_uppercase())
}

/// The `[source]` table of a demo pipeline (`config/demo-<vendor>.toml`, the one home of each
/// vendor's emulator settings) as TOML text, pointed at `url` and with `overrides` applied to
/// the settings it already has (tests and benchmarks pace differently from the demo).
pub fn emulator_source(
    demo_pipeline: &str,
    vendor: &str,
    url: &str,
    overrides: &[(&str, i64)],
) -> Result<String, ConfigError> {
    let document: toml::Table = toml::from_str(demo_pipeline)
        .map_err(|e| ConfigError::new("", format!("invalid TOML: {e}")))?;
    let Some(toml::Value::Table(mut source)) = document.get("source").cloned() else {
        return Err(ConfigError::new(
            "source",
            "the demo pipeline has no [source] table",
        ));
    };
    let placeholder = format!("${{{}}}", emulator_url_variable(vendor));
    for (_, value) in source.iter_mut() {
        if value.as_str() == Some(placeholder.as_str()) {
            *value = toml::Value::String(url.to_string());
        }
    }
    for (key, value) in overrides {
        if let Some(setting) = source.get_mut(*key) {
            *setting = toml::Value::Integer(*value);
        }
    }
    toml::to_string(&source).map_err(|e| ConfigError::new("source", e.to_string()))
}

fn vendors() -> String {
    cxqa_core::registry()
        .iter()
        .map(|r| r.vendor)
        .collect::<Vec<_>>()
        .join(", ")
}

/// TOML to JSON, with TOML date-times as RFC 3339 strings.
pub fn to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(table) => {
            J::Object(table.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use cxqa_core::SourceError;
    use cxqa_core::connector::{CheckReport, ConnectorRegistration};
    use cxqa_core::model::Agent;
    use cxqa_core::source::{AgentSource, PageStream, Source};
    use cxqa_core::{ExtractRequest, Stream};

    /// A vendor that exists only in this test binary.
    #[derive(Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct FakeConfig {
        #[schemars(with = "String")]
        api_token: secrecy::SecretString,
        region: String,
        #[serde(default)]
        page_size: u32,
    }

    struct Fake;

    impl Source<Agent> for Fake {
        fn pages<'a>(&'a self, _: &'a ExtractRequest) -> PageStream<'a, Agent> {
            Box::pin(futures::stream::empty())
        }
    }

    #[async_trait]
    impl Connector for Fake {
        fn vendor(&self) -> &'static str {
            "fakevendor"
        }
        async fn check(&self) -> Result<CheckReport, SourceError> {
            Ok(CheckReport::default())
        }
        fn agents(&self) -> Option<&AgentSource> {
            Some(self)
        }
    }

    cxqa_core::inventory::submit! {
        ConnectorRegistration {
            vendor: "fakevendor",
            description: "test vendor",
            streams: &[Stream::Agents],
            config_schema: |g| FakeConfig::json_schema(g),
            build: |value, _| {
                let config: FakeConfig = parse_section("source", value)?;
                if config.region != "eu" {
                    return Err(ConfigError::new("source.region", format!("region `{}` rejected", config.region)));
                }
                Ok(Box::new(Fake))
            },
        }
    }

    const TOKEN: &str = "tok-1234567890";

    fn env(name: &str) -> Option<String> {
        (name == "FAKE_TOKEN").then(|| TOKEN.to_string())
    }

    fn parse(source: &str, streams: &str) -> Result<Pipeline, ConfigError> {
        let text = format!(
            "[source]\n{source}\n[extract]\nstreams = {streams}\nwindow = \"P1D\"\n[sink]\nkind = \"jsonl\"\n"
        );
        Pipeline::parse(&text, "from-file-name", &env)
    }

    fn error(source: &str, streams: &str) -> ConfigError {
        match parse(source, streams) {
            Ok(_) => panic!("accepted: {source}"),
            Err(err) => err,
        }
    }

    const GOOD: &str = "vendor = \"fakevendor\"\napi_token = \"${FAKE_TOKEN}\"\nregion = \"eu\"";

    #[test]
    fn emulator_source_fills_the_url_and_overrides_only_existing_settings() {
        let demo = "[source]\nvendor = \"acme\"\nbase_url = \"${CXQA_DEMO_ACME_URL}\"\nrequests_per_minute = 100\n[extract]\nstreams = []\n";
        let source = emulator_source(
            demo,
            "acme",
            "http://127.0.0.1:9",
            &[("requests_per_minute", 3000), ("spacing", 0)],
        )
        .unwrap();
        let table: toml::Table = toml::from_str(&source).unwrap();
        assert_eq!(table["base_url"].as_str(), Some("http://127.0.0.1:9"));
        assert_eq!(table["requests_per_minute"].as_integer(), Some(3000));
        assert!(!table.contains_key("spacing"));
        assert!(!table.contains_key("streams"));
    }

    #[test]
    fn a_good_pipeline_builds_its_connector() {
        let pipeline = parse(GOOD, "[\"agents\"]").unwrap();
        assert_eq!(pipeline.vendor, "fakevendor");
        assert_eq!(pipeline.name, "from-file-name");
        assert_eq!(pipeline.redactor.redact(TOKEN), "***");
    }

    #[test]
    fn a_stream_the_vendor_does_not_offer_lists_what_it_offers() {
        let err = error(GOOD, "[\"agents\", \"surveys\"]");
        assert_eq!(err.path, "extract.streams");
        assert!(
            err.message.contains("does not offer the `surveys` stream"),
            "{err}"
        );
        assert_eq!(err.hint.as_deref(), Some("`fakevendor` offers: agents"));
    }

    #[test]
    fn unknown_or_missing_vendor_lists_known_vendors() {
        let err = error("vendor = \"fakevendr\"", "[\"agents\"]");
        assert_eq!(err.path, "source.vendor");
        assert!(err.hint.unwrap().contains("did you mean `fakevendor`"));
        let err = error("region = \"eu\"", "[\"agents\"]");
        assert!(err.message.contains("`vendor` is missing"), "{err}");
    }

    #[test]
    fn connector_key_errors_carry_the_source_path() {
        let err = error(&format!("{GOOD}\npage_sise = 3"), "[\"agents\"]");
        assert_eq!(err.path, "source.page_sise");
        assert!(err.hint.unwrap().contains("did you mean `page_size`"));
        let err = error("vendor = \"fakevendor\"\nregion = \"eu\"", "[\"agents\"]");
        assert_eq!(err.path, "source.api_token");
    }

    #[test]
    fn errors_never_show_interpolated_values() {
        // The connector echoes the region; the region came from the secret variable.
        let err = error(
            "vendor = \"fakevendor\"\napi_token = \"x\"\nregion = \"${FAKE_TOKEN}\"",
            "[\"agents\"]",
        );
        let shown = err.to_string();
        assert!(!shown.contains(TOKEN), "{shown}");
        // serde echoes wrongly typed values; an interpolated one must still be hidden.
        let err = error(
            "vendor = \"fakevendor\"\napi_token = \"x\"\nregion = \"eu\"\n[source.nested]\nx = \"${FAKE_TOKEN}\"",
            "[\"agents\"]",
        );
        assert!(!err.to_string().contains(TOKEN), "{err}");
    }

    #[test]
    fn unknown_top_level_and_extract_keys_are_named() {
        let text = format!(
            "[source]\n{GOOD}\n[extract]\nstreams = [\"agents\"]\nwindow = \"P1D\"\nincremantal = true\n[sink]\nkind = \"jsonl\"\n"
        );
        let err = Pipeline::parse(&text, "x", &env).err().unwrap();
        assert_eq!(err.path, "extract.incremantal");
        assert!(err.hint.unwrap().contains("did you mean `incremental`"));
        let text = text.replace("incremantal = true\n", "");
        let err = Pipeline::parse(&format!("{text}[snk]\n"), "x", &env)
            .err()
            .unwrap();
        assert_eq!(err.path, "snk");
    }

    /// A pipeline that uses most of what the file can say.
    const FULL: &str = "name = \"p\"\naudit_log = \"a.jsonl\"\n[source]\nvendor = \"fakevendor\"\napi_token = \"${FAKE_TOKEN}\"\nregion = \"eu\"\n[extract]\nstreams = [\"agents\"]\nwindow = \"P7D\"\nincremental = true\nlookback = \"P14D\"\npage_size = 100\nconcurrency = 4\nmax_delete_ratio = 0.5\npii = \"mask\"\n[extract.filters]\nkeywords = [\"refund\"]\ndivisions = [\"d1\"]\n[extract.filters.sentiment]\nmin = -0.5\n[sink]\nkind = \"postgres\"\ndsn = \"postgres://u@db.example.com/x?sslmode=verify-full\"\nschema = \"qa\"\n";

    #[test]
    fn the_full_pipeline_reads() {
        let pipeline = Pipeline::parse(FULL, "fuzz", &env).unwrap();
        assert_eq!(pipeline.extract.pii, cxqa_core::pii::PiiPolicy::Mask);
    }

    /// What a refusal must carry: the key it is about, or what TOML could not read.
    fn names_the_problem(err: &ConfigError) -> bool {
        let text = err.to_string();
        !err.path.is_empty() || text.contains("TOML") || text.contains('`')
    }

    fn line_edit() -> impl proptest::strategy::Strategy<Value = (usize, u8, String)> {
        use proptest::prelude::*;
        (
            any::<usize>(),
            0u8..5,
            prop_oneof![
                Just("\"".to_string()),
                Just("= 3".to_string()),
                Just("[source.extra]".to_string()),
                Just("-1".to_string()),
                ".{0,12}".prop_map(String::from),
            ],
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_is_a_pipeline_or_an_error_that_names_the_problem(text in ".{0,200}") {
            if let Err(err) = Pipeline::parse(&text, "fuzz", &env) {
                proptest::prop_assert!(names_the_problem(&err), "{err}");
            }
        }

        /// A good file with lines dropped, misspelt, retyped or garbled.
        #[test]
        fn an_edited_pipeline_is_read_or_refused_by_key(
            edits in proptest::collection::vec(line_edit(), 1..4)
        ) {
            let mut lines: Vec<String> = FULL.lines().map(str::to_string).collect();
            for (at, action, text) in edits {
                let at = at % lines.len();
                match action {
                    0 => { lines.remove(at); }
                    1 => lines[at] = lines[at].replacen('_', "", 1).replacen('a', "e", 1),
                    2 => if let Some((key, _)) = lines[at].clone().split_once(" = ") {
                        lines[at] = format!("{key} = {text}");
                    },
                    3 => lines.insert(at, text),
                    _ => lines[at].push_str(&text),
                }
                if lines.is_empty() { break; }
            }
            let text = lines.join("\n");
            match Pipeline::parse(&text, "fuzz", &env) {
                Ok(pipeline) => proptest::prop_assert!(!pipeline.extract.streams.is_empty()),
                Err(err) => {
                    proptest::prop_assert!(names_the_problem(&err), "{err}\n---\n{text}");
                    proptest::prop_assert!(!err.to_string().contains(TOKEN), "{err}");
                }
            }
        }
    }
}
