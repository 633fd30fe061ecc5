//! Incremental runs against the real stores: after "time passes", the second run re-reads only
//! the look-back, applies the edit as an update and the retraction and deletion as tombstones.
//! And the quality report reads both databases alike.

use crate::support::source;
use cxqa_emulator::{EmulatorConfig, Faults, TimePasses};
use cxqa_runner::{Pipeline, RunReport};
use std::collections::BTreeSet;

/// The Postgres URL from `.ci/run`; outside CI its absence skips, inside CI it fails.
pub fn postgres_url() -> Option<String> {
    match std::env::var("CXQA_TEST_POSTGRES_URL") {
        Ok(url) => Some(url),
        Err(_) if std::env::var("CI").is_ok() => {
            panic!("CI must provide CXQA_TEST_POSTGRES_URL (see .ci/run)")
        }
        Err(_) => {
            eprintln!(
                "skipping the Postgres part: set CXQA_TEST_POSTGRES_URL, or `source .ci/postgres.sh` first"
            );
            None
        }
    }
}

async fn run(text: &str) -> RunReport {
    let pipeline = Pipeline::parse(text, "incremental", &|_| None).unwrap();
    let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent)
        .await
        .unwrap();
    assert!(report.succeeded(), "{report:?}");
    report
}

fn stream<'a>(report: &'a RunReport, name: &str) -> &'a cxqa_runner::StreamReport {
    report
        .streams
        .iter()
        .find(|s| s.stream.is_some_and(|s| s.as_str() == name))
        .unwrap()
}

async fn incremental_scenario(sink: &str) {
    // A rolling window needs history that ends now-ish: the default anchor (an hour ago).
    let emu = cxqa_emulator::start(EmulatorConfig {
        faults: Faults::default(),
        ..EmulatorConfig::new()
    })
    .await
    .unwrap();
    let text = format!(
        "[source]\n{}\n\n[extract]\nstreams = [\"interactions\", \"assessments\"]\nwindow = \"P7D\"\nincremental = true\nlookback = \"P1D\"\n\n{sink}\n",
        source("genesys", &emu)
    );
    let first = run(&text).await;
    let passed = emu.time_passes(&TimePasses {
        edit: 1,
        retract: 1,
        delete: 1,
        ..TimePasses::default()
    });
    let second = run(&text).await;

    let (a1, a2) = (
        stream(&first, "assessments"),
        stream(&second, "assessments"),
    );
    assert!(a1.written.inserted > 20, "{a1:?}");
    assert_eq!(
        a2.written.updated, 1,
        "the edited evaluation {:?}",
        passed.edited
    );
    assert_eq!(
        a2.written.tombstoned, 2,
        "the retracted and the deleted evaluation"
    );
    assert_eq!(a2.written.inserted, 0);
    // Only the look-back was re-read: far fewer requests than the first run.
    assert!(
        a2.requests.requests * 2 < a1.requests.requests,
        "{} vs {}",
        a2.requests.requests,
        a1.requests.requests
    );
    let (i1, i2) = (
        stream(&first, "interactions"),
        stream(&second, "interactions"),
    );
    assert!(
        i2.fetched < i1.fetched / 2,
        "{} vs {}",
        i2.fetched,
        i1.fetched
    );
    assert_eq!(
        i2.written.inserted + i2.written.updated,
        0,
        "nothing changed in the conversations"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_applies_edits_and_tombstones_incrementally() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    incremental_scenario(&format!(
        "[sink]\nkind = \"sqlite\"\npath = \"{}\"",
        path.display()
    ))
    .await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    let deleted: Vec<(String, String)> = conn
        .prepare("SELECT id, deleted_reason FROM assessments WHERE deleted_at IS NOT NULL AND deleted_reason IN ('deleted', 'retracted') ORDER BY deleted_reason")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        deleted.iter().any(|(_, reason)| reason == "deleted"),
        "{deleted:?}"
    );
    assert!(
        deleted.iter().any(|(_, reason)| reason == "retracted"),
        "{deleted:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_applies_edits_and_tombstones_incrementally() {
    let Some(url) = postgres_url() else { return };
    let schema = format!("incremental_{}", std::process::id());
    incremental_scenario(&format!(
        "[sink]\nkind = \"postgres\"\ndsn = \"{url}\"\nschema = \"{schema}\""
    ))
    .await;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one(
            &format!(
                "SELECT count(*) FROM \"{schema}\".assessments WHERE deleted_reason = 'deleted'"
            ),
            &[],
        )
        .await
        .unwrap();
    assert!(row.get::<_, i64>(0) >= 1);
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}

/// The quality report reads the same store from SQLite and from PostgreSQL: the same run into
/// each gives the same snapshot (records, deletions and streams run; `extracted_at` aside).
#[tokio::test(flavor = "multi_thread")]
async fn the_report_reads_the_same_snapshot_from_sqlite_and_postgres() {
    let Some(url) = postgres_url() else { return };
    let emu = cxqa_emulator::start(EmulatorConfig {
        anchor: "2026-11-20T12:00:00Z".parse().unwrap(),
        ..EmulatorConfig::new()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("report_{}", std::process::id());
    let pipeline = |sink: String| {
        format!(
            "[source]\n{}\n\n[extract]\nstreams = [\"agents\", \"assessments\", \"surveys\"]\nfrom = \"2026-11-16T12:00:00Z\"\nto = \"2026-11-20T12:00:00Z\"\n\n{sink}\n",
            source("genesys", &emu)
        )
    };
    let sqlite = dir.path().join("store.sqlite");
    run(&pipeline(format!(
        "[sink]\nkind = \"sqlite\"\npath = \"{}\"",
        sqlite.display()
    )))
    .await;
    run(&pipeline(format!(
        "[sink]\nkind = \"postgres\"\ndsn = \"{url}\"\nschema = \"{schema}\""
    )))
    .await;
    type Key = (String, String, String, bool, String);
    let keyed = |snapshot: cxqa_sinks::report::Snapshot| -> (BTreeSet<Key>, BTreeSet<String>) {
        let rows = snapshot
            .rows
            .into_iter()
            .map(|mut row| {
                row.record.as_object_mut().unwrap().remove("extracted_at");
                (
                    row.stream.to_string(),
                    row.vendor,
                    row.id,
                    row.deleted,
                    row.record.to_string(),
                )
            })
            .collect();
        let runs = snapshot
            .runs
            .into_iter()
            .map(|r| format!("{}/{}/{}", r.pipeline, r.vendor, r.stream))
            .collect();
        (rows, runs)
    };
    let from_sqlite = keyed(cxqa_sinks::report::snapshot(&sqlite).unwrap());
    let postgres = cxqa_sinks::PostgresSink::connect(&url, &schema, None)
        .await
        .unwrap();
    let from_postgres = keyed(postgres.snapshot().await.unwrap());
    assert!(from_sqlite.0.len() > 30, "{}", from_sqlite.0.len());
    assert_eq!(from_sqlite, from_postgres);
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
    emu.stop().await;
}
