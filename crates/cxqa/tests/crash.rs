//! `kill -9` in the middle of a run, then run again: the store ends exactly as after one
//! uninterrupted run (same rows, same payloads, nothing duplicated or lost).

use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STREAMS: [&str; 3] = ["interactions", "assessments", "surveys"];

/// The demo's Genesys `[source]` (its one home), paced for the test, in smaller chunks so a
/// run has many pages to be killed between.
fn pipeline(emu: &RunningEmulator, sink: &str, audit: &Path) -> String {
    let source = cxqa_runner::pipeline::emulator_source(
        include_str!("../../../config/demo-genesys.toml"),
        "genesys",
        emu.url("genesys"),
        &[("requests_per_minute", 3000)],
    )
    .unwrap();
    format!(
        "audit_log = \"{}\"\n[source]\n{source}details_chunk_hours = 6\n\n[extract]\nstreams = [\"interactions\", \"assessments\", \"surveys\"]\nfrom = \"2026-11-13T12:00:00Z\"\nto = \"2026-11-20T12:00:00Z\"\npage_size = 5\nconcurrency = 2\n\n{sink}\n",
        audit.display(),
    )
}

fn cxqa(dir: &Path, file: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cxqa"));
    command
        .args(["run", file])
        .current_dir(dir)
        .env_remove("CXQA_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Starts a run, kills it with SIGKILL once `progressed()` says pages are committed, then runs
/// again to completion.
async fn crash_and_resume(dir: &Path, file: &str, progressed: impl Fn() -> bool) {
    let dir_owned = dir.to_path_buf();
    let file_owned = file.to_string();
    let mut child = cxqa(&dir_owned, &file_owned).spawn().unwrap();
    let started = Instant::now();
    while !progressed() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never committed a page"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap(); // SIGKILL: no cleanup, no flush
    child.wait().unwrap();
    let output =
        tokio::task::spawn_blocking(move || cxqa(&dir_owned, &file_owned).output().unwrap())
            .await
            .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("ok (resumed)"),
        "the second run should resume:\n{stderr}"
    );
}

async fn uninterrupted(dir: &Path, file: &str) {
    let (dir, file) = (dir.to_path_buf(), file.to_string());
    let output = tokio::task::spawn_blocking(move || cxqa(&dir, &file).output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn slow_emulator() -> RunningEmulator {
    let config = EmulatorConfig {
        anchor: "2026-11-20T12:00:00Z".parse().unwrap(),
        faults: Faults {
            latency_ms: 15,
            ..Faults::default()
        },
        ..EmulatorConfig::new()
    };
    cxqa_emulator::start(config).await.unwrap()
}

type Rows = Vec<(String, String, Option<String>, bool, String)>;

fn sqlite_rows(path: &Path) -> Rows {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut rows = Vec::new();
    for stream in STREAMS {
        let sql = format!(
            "SELECT '{stream}', vendor || '/' || id, modified_at, deleted_at IS NULL, json_remove(record, '$.extracted_at') FROM {stream} ORDER BY vendor, id"
        );
        let mut statement = conn.prepare(&sql).unwrap();
        rows.extend(
            statement
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .unwrap()
                .map(Result::unwrap),
        );
    }
    rows
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_store_after_kill_and_resume_equals_one_clean_run() {
    let emu = slow_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    std::fs::write(
        dir.path().join("crashed.toml"),
        pipeline(
            &emu,
            "[sink]\nkind = \"sqlite\"\npath = \"crashed.sqlite\"",
            &audit,
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("clean.toml"),
        pipeline(
            &emu,
            "[sink]\nkind = \"sqlite\"\npath = \"clean.sqlite\"",
            &audit,
        ),
    )
    .unwrap();

    let db = dir.path().join("crashed.sqlite");
    crash_and_resume(dir.path(), "crashed.toml", || {
        rusqlite::Connection::open(&db)
            .and_then(|c| c.query_row("SELECT count(*) FROM cxqa_state WHERE json_extract(state, '$.checkpoint') IS NOT NULL", [], |r| r.get::<_, i64>(0)))
            .is_ok_and(|n| n > 0)
    })
    .await;
    uninterrupted(dir.path(), "clean.toml").await;

    let (crashed, clean) = (
        sqlite_rows(&db),
        sqlite_rows(&dir.path().join("clean.sqlite")),
    );
    assert!(clean.len() > 100, "{}", clean.len());
    assert_eq!(crashed.len(), clean.len());
    assert!(
        crashed == clean,
        "the resumed store differs from a clean run"
    );

    // The audit log has every attempt and the runs, and never the secret or a token.
    let log = std::fs::read_to_string(&audit).unwrap();
    assert!(log.lines().any(|l| l.contains("\"type\":\"request\"")
        && l.contains("/api/v2/analytics/conversations/details/query")));
    assert!(
        log.lines()
            .filter(|l| l.contains("\"type\":\"run\""))
            .count()
            >= 2
    );
    assert!(
        !log.contains("demo-secret") && !log.contains("gc-"),
        "the audit log leaks a secret or token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_store_after_kill_and_resume_equals_one_clean_run() {
    let Ok(url) = std::env::var("CXQA_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must provide CXQA_TEST_POSTGRES_URL (see .ci/run)"
        );
        eprintln!("skipping: set CXQA_TEST_POSTGRES_URL, or `source .ci/postgres.sh` first");
        return;
    };
    let emu = slow_emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let id = std::process::id();
    let sink = |schema: &str| {
        format!("[sink]\nkind = \"postgres\"\ndsn = \"{url}\"\nschema = \"{schema}\"")
    };
    std::fs::write(
        dir.path().join("crashed.toml"),
        pipeline(&emu, &sink(&format!("crashed_{id}")), &audit),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("clean.toml"),
        pipeline(&emu, &sink(&format!("clean_{id}")), &audit),
    )
    .unwrap();

    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let client = std::sync::Arc::new(client);
    let probe = client.clone();
    let committed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = committed.clone();
    let watcher = tokio::spawn(async move {
        loop {
            let query = format!(
                "SELECT count(*) FROM \"crashed_{id}\".cxqa_state WHERE state->'checkpoint' <> 'null'::jsonb"
            );
            if probe
                .query_one(&query, &[])
                .await
                .is_ok_and(|r| r.get::<_, i64>(0) > 0)
            {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    crash_and_resume(dir.path(), "crashed.toml", || {
        committed.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    watcher.abort();
    uninterrupted(dir.path(), "clean.toml").await;

    let rows = |schema: String| {
        let client = client.clone();
        async move {
            let mut all = Vec::new();
            for stream in STREAMS {
                let sql = format!(
                    "SELECT vendor || '/' || id, modified_at::text, deleted_at IS NULL, (record - 'extracted_at')::text FROM \"{schema}\".{stream} ORDER BY vendor, id"
                );
                all.extend(client.query(&sql, &[]).await.unwrap().iter().map(|r| {
                    (
                        stream,
                        r.get::<_, String>(0),
                        r.get::<_, Option<String>>(1),
                        r.get::<_, bool>(2),
                        r.get::<_, String>(3),
                    )
                }));
            }
            all
        }
    };
    let (crashed, clean) = (
        rows(format!("crashed_{id}")).await,
        rows(format!("clean_{id}")).await,
    );
    assert!(clean.len() > 100);
    assert!(
        crashed == clean,
        "the resumed store differs from a clean run"
    );
    client
        .batch_execute(&format!(
            "DROP SCHEMA \"crashed_{id}\" CASCADE; DROP SCHEMA \"clean_{id}\" CASCADE;"
        ))
        .await
        .unwrap();
}
