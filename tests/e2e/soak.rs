//! The fault soak: every stream of every emulated vendor, a medium-scale organization's last two
//! days, through one run that meets 10% 5xx, 5% cut bodies, a 429 storm (30 requests a minute,
//! counted over 10-second windows, for a stretch), 5-second tokens and latency jitter; and a
//! clean run of the same into a fresh store (run alongside: the two emulators are independent).
//! The two SQLite stores must be identical, table by table and column by column (only
//! `extracted_at` and the state's `updated_at` may differ), and the run's summary must count
//! every retry the faults caused.

use crate::support::{ANCHOR, FROM, emulated_vendors, offered, pipeline_into, source};
use cxqa_emulator::{EmulatorConfig, Faults, RunningEmulator, Scale};
use cxqa_runner::RunReport;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Columns whose values say when a row was written, not what it holds.
const WRITE_TIMES: [&str; 2] = ["extracted_at", "updated_at"];

async fn medium(faults: Faults) -> RunningEmulator {
    cxqa_emulator::start(EmulatorConfig {
        anchor: ANCHOR.parse().unwrap(),
        scale: Scale::Medium,
        faults: faults.with("data_extraction_spacing_secs", 0),
        ..EmulatorConfig::new()
    })
    .await
    .unwrap()
}

fn faulty() -> Faults {
    Faults {
        error_rate: 0.10,
        malformed_rate: 0.05,
        token_lifetime_secs: 5,
        jitter_ms: 20,
        ..Faults::default()
    }
    .with("data_extraction_spacing_secs", 0)
}

/// Every row of every table, keyed by table, each row as its columns' text with the write
/// times left out (inside the record JSON too).
fn dump(path: &Path) -> BTreeMap<String, Vec<Vec<(String, String)>>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = BTreeMap::new();
    for table in tables {
        let mut statement = conn
            .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1, 2, 3"))
            .unwrap();
        let columns: Vec<String> = statement.column_names().map(str::to_string).collect();
        let mut rows = Vec::new();
        let mut cursor = statement.query([]).unwrap();
        while let Some(row) = cursor.next().unwrap() {
            let mut cells = Vec::new();
            for (i, column) in columns.iter().enumerate() {
                if WRITE_TIMES.contains(&column.as_str()) {
                    continue;
                }
                let value: rusqlite::types::Value = row.get(i).unwrap();
                let text = match value {
                    rusqlite::types::Value::Text(text) => without_write_times(&text),
                    other => format!("{other:?}"),
                };
                cells.push((column.clone(), text));
            }
            rows.push(cells);
        }
        out.insert(table, rows);
    }
    out
}

/// A JSON object's text without its `extracted_at`; other text as it is.
fn without_write_times(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(mut object)) => {
            object.remove("extracted_at");
            serde_json::Value::Object(object).to_string()
        }
        _ => text.to_string(),
    }
}

async fn run_into(vendor: &str, emu: &RunningEmulator, store: &Path) -> RunReport {
    let text = pipeline_into(
        &source(vendor, emu),
        &offered(vendor),
        &format!("kind = \"sqlite\"\npath = \"{}\"", store.display()),
    )
    .replace(FROM, LAST_TWO_DAYS);
    crate::support::run(&text).await
}

/// The window's start: two days before [`ANCHOR`].
const LAST_TWO_DAYS: &str = "2026-11-18T12:00:00Z";

async fn soak(vendor: &'static str) {
    let dir = tempfile::tempdir().unwrap();
    let (soaked, clean) = (
        dir.path().join("soaked.sqlite"),
        dir.path().join("clean.sqlite"),
    );

    let (emu, clean_emu) = (medium(faulty()).await, medium(Faults::default()).await);
    // The storm: a few seconds in, for 15 seconds, every client may make 30 requests a minute.
    let storm = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        emu.set_faults(Faults {
            rate_limit_per_minute: Some(5),
            rate_limit_window_secs: 10,
            ..faulty()
        });
        tokio::time::sleep(Duration::from_secs(15)).await;
        emu.set_faults(faulty());
    };
    let (report, (), _) = tokio::join!(
        run_into(vendor, &emu, &soaked),
        storm,
        run_into(vendor, &clean_emu, &clean)
    );
    let served = emu.stats();

    let (soaked, clean) = (dump(&soaked), dump(&clean));
    assert!(clean["interactions"].len() > 200, "{vendor}: medium scale");
    for (table, rows) in &clean {
        assert!(
            soaked.get(table) == Some(rows),
            "{vendor}: table {table} differs after the faulty run"
        );
    }
    assert_eq!(soaked.len(), clean.len(), "{vendor}: the same tables");

    // Every fault the emulator served was met with a retry the summary counts.
    let faults_served = served.injected_errors + served.malformed + served.rate_limited;
    assert!(
        served.injected_errors > 0 && served.malformed > 0 && served.rate_limited > 0,
        "{vendor}: the soak served every kind of fault: {served:?}"
    );
    assert!(served.tokens_issued > 1, "{vendor}: tokens were renewed");
    assert!(
        report.requests.retries >= faults_served,
        "{vendor}: {} retries counted for {faults_served} faults served",
        report.requests.retries
    );
    assert!(report.requests.rate_limited >= served.rate_limited);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_through_every_fault_stores_what_a_clean_run_stores() {
    let vendors = emulated_vendors();
    assert!(!vendors.is_empty());
    futures::future::join_all(vendors.into_iter().map(soak)).await;
}
