//! The `cxqa` binary as a user runs it: exit codes, messages, and secrets kept out of output.

use std::path::Path;
use std::process::{Command, Output};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "very-secret-client-secret-1234";
const TOKEN: &str = "access-token-abcdef-987654";

fn cxqa(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxqa"));
    command.args(args).current_dir(dir).env_remove("CXQA_LOG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("cxqa runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    std::fs::write(dir.join(name), body).unwrap();
    name.to_string()
}

fn genesys_pipeline(base_url: &str, source_extra: &str) -> String {
    format!(
        r#"#:schema ./schema.json
[source]
vendor = "genesys"
base_url = "{base_url}"
client_id = "cli-client"
client_secret = "${{CXQA_TEST_SECRET}}"
requests_per_minute = 3000
{source_extra}

[extract]
streams = ["agents"]
window = "P1D"

[sink]
kind = "jsonl"
dir = "out"
"#
    )
}

async fn genesys_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": TOKEN, "token_type": "bearer", "expires_in": 86400
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [{"id": "u1", "name": "Ada", "state": "active"}, {"id": "u2", "name": "Bo", "state": "inactive"}],
            "pageSize": 100, "pageNumber": 1, "total": 2, "pageCount": 1
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/tokens/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "organization": {"id": "o1", "name": "Acme"}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/authorization/divisionspermitted/paged/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [{"id": "d1", "name": "Home"}]
        })))
        .mount(&server)
        .await;
    server
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[test]
fn connectors_lists_every_vendor_with_its_streams() {
    let dir = tempfile::tempdir().unwrap();
    let output = cxqa(&["connectors"], &[], dir.path());
    assert!(output.status.success());
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("genesys") && l.contains("agents")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("cxone") && l.contains("agents")),
        "{out}"
    );
}

#[test]
fn misspelled_key_exits_2_naming_the_key_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        &genesys_pipeline("http://127.0.0.1:9", "").replace("client_id", "client_idd"),
    );
    let output = cxqa(
        &["validate", &file],
        &[("CXQA_TEST_SECRET", SECRET)],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output);
    assert!(err.contains("`source.client_idd`: unknown key"), "{err}");
    assert!(err.contains("did you mean `client_id`"), "{err}");
}

#[test]
fn unset_variable_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        &genesys_pipeline("http://127.0.0.1:9", ""),
    );
    let output = cxqa(&["run", &file], &[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let err = text(&output);
    assert!(err.contains("`source.client_secret`"), "{err}");
    assert!(
        err.contains("environment variable `CXQA_TEST_SECRET` is not set"),
        "{err}"
    );
}

#[test]
fn missing_file_and_bad_toml_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = cxqa(&["validate", "nope.toml"], &[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("cannot read nope.toml"));
    let file = write(dir.path(), "bad.toml", "[source\nvendor = 1");
    let output = cxqa(&["validate", &file], &[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("invalid TOML"), "{}", text(&output));
}

#[test]
fn validate_describes_a_good_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "daily.toml",
        &genesys_pipeline("http://127.0.0.1:9", ""),
    );
    let output = cxqa(
        &["validate", &file],
        &[("CXQA_TEST_SECRET", SECRET)],
        dir.path(),
    );
    assert!(output.status.success(), "{}", text(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains(
            "pipeline `daily` is valid: vendor genesys, streams agents, window the last P1D"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_and_check_never_print_the_secret_or_token_even_at_trace_level() {
    let server = genesys_server().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "p.toml", &genesys_pipeline(&server.uri(), ""));
    let root = dir.path().to_path_buf();
    let outputs = blocking(move || {
        let env = [("CXQA_TEST_SECRET", SECRET)];
        vec![
            cxqa(
                &["-vv", "run", &file, "--summary-json", "summary.json"],
                &env,
                &root,
            ),
            cxqa(&["-vv", "--log-format", "json", "run", &file], &env, &root),
            cxqa(&["-vv", "check", &file], &env, &root),
        ]
    })
    .await;
    for output in &outputs {
        let all = text(output);
        assert!(output.status.success(), "{all}");
        assert!(!all.contains(SECRET), "secret leaked:\n{all}");
        assert!(!all.contains(TOKEN), "token leaked:\n{all}");
    }
    // The run really ran: a summary, the records, and a trace of requests.
    let run = text(&outputs[0]);
    assert!(run.contains("agents"), "{run}");
    assert!(
        run.contains("/api/v2/users"),
        "no request trace at -vv:\n{run}"
    );
    let summary = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    assert!(summary.contains("\"fetched\": 2"), "{summary}");
    let records = std::fs::read_to_string(dir.path().join("out/agents.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 4, "two runs, two agents each");
    for file in ["summary.json", "out/agents.jsonl", "out/cxqa-state.json"] {
        let body = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(
            !body.contains(SECRET) && !body.contains(TOKEN),
            "{file} leaks"
        );
    }
    let check = String::from_utf8_lossy(&outputs[2].stdout).to_string();
    assert!(check.contains("account:  Acme"), "{check}");
    assert!(check.contains("visible divisions (1): Home"), "{check}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_credentials_exit_1_with_status_code_and_fix() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client", "description": "Invalid client credentials", "error_description": "Invalid client credentials"
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "p.toml", &genesys_pipeline(&server.uri(), ""));
    let root = dir.path().to_path_buf();
    let output =
        blocking(move || cxqa(&["check", &file], &[("CXQA_TEST_SECRET", SECRET)], &root)).await;
    assert_eq!(output.status.code(), Some(1));
    let err = text(&output);
    assert!(
        err.contains("genesys answered 401 (invalid_client) on /oauth/token"),
        "{err}"
    );
    assert!(err.contains("check `client_id`/`client_secret`"), "{err}");
    assert!(!err.contains(SECRET));
}

/// `cxqa validate` on `pipeline` (with the secret variable set): its exit code and all it printed,
/// which must not hold the secret.
fn validated(pipeline: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "p.toml", pipeline);
    let output = cxqa(
        &["validate", &file],
        &[("CXQA_TEST_SECRET", SECRET)],
        dir.path(),
    );
    let all = text(&output);
    assert!(!all.contains(SECRET), "{all}");
    (output.status.code(), all)
}

/// Plain HTTP to a vendor host elsewhere is a config error (exit 2) that names the key and the fix.
#[test]
fn plain_http_to_a_remote_vendor_host_is_refused() {
    let (code, all) = validated(&genesys_pipeline("http://example.com", ""));
    assert_eq!(code, Some(2), "{all}");
    assert!(
        all.contains("source.base_url") && all.contains("allow_insecure_http"),
        "{all}"
    );
}

/// A Postgres DSN with an sslmode cxqa cannot honour is refused before connecting (exit 2),
/// naming the fix and not the password.
#[test]
fn an_unknown_postgres_sslmode_is_refused_before_connecting() {
    let (code, all) = validated(&genesys_pipeline("http://127.0.0.1:9", "").replace(
        "kind = \"jsonl\"\ndir = \"out\"",
        "kind = \"postgres\"\ndsn = \"postgres://u:${CXQA_TEST_SECRET}@db.example.com/x?sslmode=always\"",
    ));
    assert_eq!(code, Some(2), "{all}");
    assert!(
        all.contains("sslmode") && all.contains("verify-full"),
        "{all}"
    );
}

/// `cxqa check` on CXone shows the API base (a URL from a variable is no secret) and names the
/// divisions, read from UserHub's division search.
#[tokio::test(flavor = "multi_thread")]
async fn check_on_cxone_shows_the_api_base_and_names_the_divisions_from_userhub() {
    let emu = cxqa_emulator::start(cxqa_emulator::EmulatorConfig::new())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "p.toml",
        include_str!("../../../config/demo-cxone.toml"),
    );
    let root = dir.path().to_path_buf();
    let url = emu.url("cxone").to_string();
    let env_url = url.clone();
    let output = blocking(move || {
        cxqa(
            &["check", &file],
            &[("CXQA_DEMO_CXONE_URL", env_url.as_str())],
            &root,
        )
    })
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", text(&output));
    assert!(stdout.contains(&format!("api base: {url}")), "{stdout}");
    assert!(
        stdout.contains("visible divisions (3): EMEA, Home, Restricted"),
        "{stdout}"
    );
    assert!(!stdout.contains("demo-app-secret"), "{stdout}");
}

/// A vendor answering only errors: at the default verbosity the retries show (what failed,
/// attempt k of n, the next wait), then the outage message, exit 1.
#[tokio::test(flavor = "multi_thread")]
async fn an_outage_is_visible_and_ends_the_run_with_exit_1() {
    let emu = cxqa_emulator::start(cxqa_emulator::EmulatorConfig {
        faults: cxqa_emulator::Faults {
            error_rate: 1.0,
            ..cxqa_emulator::Faults::default()
        },
        ..cxqa_emulator::EmulatorConfig::new()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pipeline = include_str!("../../../config/demo-genesys.toml")
        .replace("[extract]", "outage_after = \"PT4S\"\n\n[extract]");
    let file = write(dir.path(), "p.toml", &pipeline);
    let root = dir.path().to_path_buf();
    let url = emu.url("genesys").to_string();
    let output = blocking(move || {
        cxqa(
            &["run", &file],
            &[("CXQA_DEMO_GENESYS_URL", url.as_str())],
            &root,
        )
    })
    .await;
    let all = text(&output);
    assert_eq!(output.status.code(), Some(1), "{all}");
    assert!(
        all.contains("failed (HTTP 503") && all.contains("attempt 3 of"),
        "retries are visible:\n{all}"
    );
    assert!(all.contains("is down or unreachable"), "{all}");
}

#[test]
fn a_report_of_a_store_that_does_not_exist_exits_2_and_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let output = cxqa(
        &["report", "--store", "missing.sqlite", "--out", "r.html"],
        &[],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("missing.sqlite does not exist"),
        "{}",
        text(&output)
    );
    assert!(!dir.path().join("r.html").exists());
    let output = cxqa(&["report", "--from", "last week"], &[], dir.path());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("neither a date"),
        "{}",
        text(&output)
    );
}
