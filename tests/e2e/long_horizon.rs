//! Data that stays right over months. The emulator holds 150 days of scripted history of which
//! the last 60 are still to come: evaluations created weeks after their call, re-scored,
//! disputed, retracted and deleted up to 60 days later, surveys answered days later, agents
//! renamed, a new form version, and on chosen days an empty Data Extraction file, a passing 404,
//! a burst of 503s or a cut body. One incremental run a simulated day, with the default
//! look-back: after every run the store holds exactly what the vendor holds (`/admin/truth`),
//! at the end it equals a clean backfill of the same period, and its state does not grow.

use crate::storage::postgres_url;
use crate::support::{ANCHOR, source};
use chrono::{DateTime, Duration, Utc};
use cxqa_emulator::{EmulatorConfig, Faults, History, RunningEmulator, TimePasses, Truth};
use cxqa_runner::Pipeline;
use std::collections::BTreeMap;

const SIMULATED_DAYS: i64 = 60;
const STREAMS: [&str; 4] = ["interactions", "assessments", "feedback", "surveys"];

/// Where a run writes: an SQLite file or a Postgres schema.
enum Store {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

/// Live ids and their `modified_at` (milliseconds), per stream.
type Contents = BTreeMap<String, BTreeMap<String, i64>>;

impl Store {
    fn sink(&self) -> String {
        match self {
            Store::Sqlite(path) => format!("kind = \"sqlite\"\npath = \"{}\"", path.display()),
            Store::Postgres { url, schema } => {
                format!("kind = \"postgres\"\ndsn = \"{url}\"\nschema = \"{schema}\"")
            }
        }
    }

    /// What the store holds live for `vendor`, and the size of its stream state in bytes.
    async fn read(&self, vendor: &str) -> (Contents, usize) {
        let mut contents = Contents::new();
        match self {
            Store::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                for stream in STREAMS {
                    let rows: BTreeMap<String, i64> = conn
                        .prepare(&format!("SELECT id, modified_at FROM {stream} WHERE vendor = ?1 AND deleted_at IS NULL"))
                        .unwrap()
                        .query_map([vendor], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))
                        .unwrap()
                        .map(|row| {
                            let (id, at) = row.unwrap();
                            let at = at.and_then(|t| t.parse::<DateTime<Utc>>().ok());
                            (id, at.map_or(0, |t| t.timestamp_millis()))
                        })
                        .collect();
                    contents.insert(stream.to_string(), rows);
                }
                let size: i64 = conn
                    .query_row(
                        "SELECT (SELECT coalesce(sum(length(state)), 0) FROM cxqa_state WHERE vendor = ?1)
                              + (SELECT coalesce(sum(length(ids)), 0) FROM cxqa_known_ids WHERE vendor = ?1)",
                        [vendor],
                        |r| r.get(0),
                    )
                    .unwrap();
                (contents, size as usize)
            }
            Store::Postgres { url, schema } => {
                let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                for stream in STREAMS {
                    let rows = client
                        .query(
                            &format!("SELECT id, coalesce((extract(epoch from modified_at) * 1000)::bigint, 0) FROM \"{schema}\".\"{stream}\" WHERE vendor = $1 AND deleted_at IS NULL"),
                            &[&vendor],
                        )
                        .await
                        .unwrap();
                    contents.insert(
                        stream.to_string(),
                        rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
                    );
                }
                let size: i64 = client
                    .query_one(
                        &format!("SELECT ((SELECT coalesce(sum(length(state::text)), 0) FROM \"{schema}\".cxqa_state WHERE vendor = $1)
                                        + (SELECT coalesce(sum(length(ids)), 0) FROM \"{schema}\".cxqa_known_ids WHERE vendor = $1))::bigint"),
                        &[&vendor],
                    )
                    .await
                    .unwrap()
                    .get(0);
                (contents, size as usize)
            }
        }
    }
}

fn truth(emu: &RunningEmulator, vendor: &str) -> Contents {
    STREAMS
        .iter()
        .map(|stream| {
            let truth: Truth = emu.truth(vendor, stream).unwrap();
            let live = truth
                .live
                .into_iter()
                .map(|r| (r.id, r.modified_at.timestamp_millis()))
                .collect();
            (stream.to_string(), live)
        })
        .collect()
}

/// What differs between two stores' contents, stream by stream, in a few lines.
fn differences(expected: &Contents, actual: &Contents) -> Vec<String> {
    let mut out = Vec::new();
    for (stream, want) in expected {
        let have = &actual[stream];
        let missing: Vec<_> = want.keys().filter(|id| !have.contains_key(*id)).collect();
        let extra: Vec<_> = have.keys().filter(|id| !want.contains_key(*id)).collect();
        let stale: Vec<_> = want
            .iter()
            .filter(|(id, at)| have.get(*id).is_some_and(|h| h != *at))
            .map(|(id, _)| id)
            .collect();
        if !missing.is_empty() || !extra.is_empty() || !stale.is_empty() {
            out.push(format!(
                "{stream}: {} missing {:?}, {} extra {:?}, {} stale {:?}",
                missing.len(),
                missing.iter().take(3).collect::<Vec<_>>(),
                extra.len(),
                extra.iter().take(3).collect::<Vec<_>>(),
                stale.len(),
                stale.iter().take(3).collect::<Vec<_>>(),
            ));
        }
    }
    out
}

/// The vendor's pipeline over the whole history: incremental with the default look-back, or a
/// plain backfill. The emulator's pacing is the tests' (no rate limit, no Data Extraction
/// spacing, jobs ready at the first poll); a passing 404 is confirmed after 20 ms instead of a
/// second, and CXone's deep sweep runs daily, so every day's store can be compared with the
/// truth.
fn pipeline(vendor: &str, emu: &RunningEmulator, store: &Store, incremental: bool) -> Pipeline {
    let mut source: toml::Table = toml::from_str(&source(vendor, emu)).unwrap();
    let settings: [(&str, toml::Value); 6] = [
        ("not_found_confirm_ms", 20.into()),
        ("details_chunk_hours", 168.into()),
        ("job_poll_interval_ms", 1.into()),
        ("extraction_chunk_days", 14.into()),
        ("extraction_poll_ms", 1.into()),
        ("sweep_every", "P1D".into()),
    ];
    for (key, value) in settings {
        if has_setting(vendor, key) {
            source.insert(key.to_string(), value);
        }
    }
    let from = ANCHOR.parse::<DateTime<Utc>>().unwrap() - Duration::days(150);
    let streams: Vec<String> = STREAMS.iter().map(|s| format!("\"{s}\"")).collect();
    let text = format!(
        "[source]\n{}\n[extract]\nstreams = [{}]\nfrom = \"{}\"\nincremental = {incremental}\n\n[sink]\n{}\n",
        toml::to_string(&source).unwrap(),
        streams.join(", "),
        from.to_rfc3339(),
        store.sink(),
    );
    Pipeline::parse(&text, "long-horizon", &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Whether the vendor's `[source]` has `key` (each vendor has its own settings).
fn has_setting(vendor: &str, key: &str) -> bool {
    let registration = cxqa_core::registry()
        .into_iter()
        .find(|r| r.vendor == vendor)
        .unwrap();
    let schema = (registration.config_schema)(&mut schemars::SchemaGenerator::default());
    schema.as_value()["properties"].get(key).is_some()
}

/// One run, at the simulated day's end: the history has played up to `now`.
async fn run(pipeline: &Pipeline, now: DateTime<Utc>) {
    let report = cxqa_runner::run_pipeline_at(pipeline, &cxqa_runner::Silent, now)
        .await
        .unwrap();
    for stream in &report.streams {
        assert!(
            stream.error.is_none(),
            "{:?}: {:?}",
            stream.stream,
            stream.error
        );
    }
}

async fn months_of_daily_runs(vendor: &str, store: Store, fresh: Store) {
    let emu = cxqa_emulator::start(EmulatorConfig {
        anchor: ANCHOR.parse().unwrap(),
        // Longer than CXone's sweep horizon (P90D) by the ten days after which state must
        // stay flat.
        history: History {
            days: 150,
            hidden_days: SIMULATED_DAYS,
        },
        faults: Faults {
            scripted_faults: true,
            ..Faults::default()
        }
        .with("data_extraction_spacing_secs", 0)
        .with("data_extraction_polls", 0),
        ..EmulatorConfig::only(vendor)
    })
    .await
    .unwrap();
    let daily = pipeline(vendor, &emu, &store, true);
    let mut state_size = BTreeMap::new();
    let mut faults = 0;
    for day in 0..=SIMULATED_DAYS {
        if day > 0 {
            let passed = emu.time_passes(&TimePasses {
                days: 1,
                ..TimePasses::default()
            });
            faults += passed.faults.len();
        }
        run(&daily, emu.visible_until()).await;
        let (stored, size) = store.read(vendor).await;
        let diff = differences(&truth(&emu, vendor), &stored);
        assert!(diff.is_empty(), "{vendor}, day {day}:\n{}", diff.join("\n"));
        state_size.insert(day, size);
    }
    assert!(faults >= 10, "the script played {faults} faults");
    let (day10, day60) = (state_size[&10] as f64, state_size[&SIMULATED_DAYS] as f64);
    assert!(
        (day60 - day10).abs() <= day10 * 0.10,
        "state grew from {day10} bytes on day 10 to {day60} on day {SIMULATED_DAYS}"
    );
    // A clean backfill of the same period holds the same.
    run(&pipeline(vendor, &emu, &fresh, false), emu.visible_until()).await;
    let (incremental, _) = store.read(vendor).await;
    let (backfilled, _) = fresh.read(vendor).await;
    let diff = differences(&backfilled, &incremental);
    assert!(
        diff.is_empty(),
        "{vendor} vs a clean backfill:\n{}",
        diff.join("\n")
    );
}

fn sqlite_pair(dir: &tempfile::TempDir) -> (Store, Store) {
    (
        Store::Sqlite(dir.path().join("daily.sqlite")),
        Store::Sqlite(dir.path().join("backfill.sqlite")),
    )
}

fn postgres_pair(vendor: &str) -> Option<(Store, Store)> {
    let url = postgres_url()?;
    let schema = |what: &str| format!("horizon_{vendor}_{what}_{}", std::process::id());
    Some((
        Store::Postgres {
            url: url.clone(),
            schema: schema("daily"),
        },
        Store::Postgres {
            url,
            schema: schema("backfill"),
        },
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn genesys_stays_right_over_two_months_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (daily, fresh) = sqlite_pair(&dir);
    months_of_daily_runs("genesys", daily, fresh).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cxone_stays_right_over_two_months_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (daily, fresh) = sqlite_pair(&dir);
    months_of_daily_runs("cxone", daily, fresh).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn genesys_stays_right_over_two_months_in_postgres() {
    let Some((daily, fresh)) = postgres_pair("genesys") else {
        return;
    };
    months_of_daily_runs("genesys", daily, fresh).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cxone_stays_right_over_two_months_in_postgres() {
    let Some((daily, fresh)) = postgres_pair("cxone") else {
        return;
    };
    months_of_daily_runs("cxone", daily, fresh).await;
}
