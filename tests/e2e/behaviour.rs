//! The connector behaviour suite: what every connector must do, run for each registered
//! connector the emulator speaks (it has a `config/demo-<vendor>.toml`). A new connector gets
//! these tests by registering; nothing here names a vendor.

use crate::support::{
    ANCHOR, FROM, emulated_vendors, emulator, offered, pipeline_into, pipeline_text, records, run,
    source,
};
use cxqa_core::{ExtractRequest, Stream, Window};
use cxqa_emulator::{Faults, RunningEmulator, TimePasses};
use cxqa_runner::Pipeline;
use cxqa_runner::pages::envelope_pages;
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Every stream `vendor` offers, through the runner into JSON lines under `dir`.
async fn run_every_stream(vendor: &str, emu: &RunningEmulator, dir: &std::path::Path) {
    run(&pipeline_text(&source(vendor, emu), &offered(vendor), dir)).await;
}

fn pipeline(vendor: &str, emu: &RunningEmulator, dir: &std::path::Path) -> Pipeline {
    let text = pipeline_text(&source(vendor, emu), &offered(vendor), dir);
    Pipeline::parse(&text, "behaviour", &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn the_suite_covers_every_emulated_vendor() {
    let vendors = emulated_vendors();
    assert!(
        !vendors.is_empty(),
        "no connector is emulated: the suite would test nothing"
    );
    for file in std::fs::read_dir(crate::workspace_root().join("config")).unwrap() {
        let name = file.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(vendor) = name
            .strip_prefix("demo-")
            .and_then(|n| n.strip_suffix(".toml"))
        {
            assert!(
                vendors.contains(&vendor),
                "{name}: `{vendor}` is not registered and emulated"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registration_names_the_streams_the_connector_offers() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        let dir = tempfile::tempdir().unwrap();
        let built = pipeline(vendor, &emu, dir.path());
        let offered = cxqa_core::connector::offered_streams(built.connector.as_ref());
        let registered = cxqa_core::connector::find(vendor).unwrap().streams;
        assert_eq!(offered, registered, "{vendor}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_answers_for_every_offered_stream() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        let dir = tempfile::tempdir().unwrap();
        let report = pipeline(vendor, &emu, dir.path())
            .connector
            .check()
            .await
            .unwrap_or_else(|e| panic!("{vendor}: check failed: {e}"));
        assert!(report.account.is_some(), "{vendor}: check names no account");
        for stream in offered(vendor) {
            let found = report.streams.iter().find(|s| s.stream.as_str() == stream);
            assert!(
                found.is_some_and(|s| s.ok),
                "{vendor}: check says {stream} does not answer: {found:?}"
            );
        }
    }
}

/// One stream read straight from the source: each page's ids (its parts joined) and checkpoint.
async fn read_pages(
    pipeline: &Pipeline,
    stream: Stream,
    request: &ExtractRequest,
) -> Vec<(Vec<String>, Option<cxqa_core::Checkpoint>)> {
    let with = cxqa_runner::pages::FinishWith {
        pii: cxqa_runner::pages::PiiHandling::new(pipeline.extract.pii),
        ..Default::default()
    };
    let mut pages = envelope_pages(pipeline.connector.as_ref(), stream, request, &with).unwrap();
    let mut out = Vec::new();
    let read = async {
        let mut ids = Vec::new();
        while let Some(part) = pages.next().await {
            let part = part.unwrap_or_else(|e| panic!("{stream}: {e}"));
            ids.extend(part.page.records.iter().map(|r| r.id.clone()));
            if part.last {
                out.push((std::mem::take(&mut ids), part.page.checkpoint));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), read)
        .await
        .unwrap_or_else(|_| panic!("{stream}: paging did not end within 120 s"));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_ends_and_every_checkpoint_resumes_without_loss_or_duplicate() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = pipeline(vendor, &emu, dir.path());
        for &stream in &pipeline.extract.streams {
            let mut request =
                ExtractRequest::new(Window::new(FROM.parse().unwrap(), ANCHOR.parse().unwrap()));
            request.page_size = Some(5);
            let pages = read_pages(&pipeline, stream, &request).await;
            let all: Vec<&String> = pages.iter().flat_map(|(ids, _)| ids).collect();
            let distinct: BTreeSet<&String> = all.iter().copied().collect();
            assert!(!all.is_empty(), "{vendor} {stream}: nothing extracted");
            assert_eq!(
                all.len(),
                distinct.len(),
                "{vendor} {stream}: a record came twice"
            );
            // Every page followed by more records must say where to resume; the first, a middle
            // one and the last of them are resumed (pages of some streams are many).
            let followed: Vec<usize> = (0..pages.len())
                .filter(|&k| pages[k + 1..].iter().any(|(ids, _)| !ids.is_empty()))
                .collect();
            let picks: BTreeSet<usize> = [
                followed.first(),
                followed.get(followed.len() / 2),
                followed.last(),
            ]
            .into_iter()
            .flatten()
            .copied()
            .collect();
            for k in picks {
                let checkpoint = pages[k].1.clone().unwrap_or_else(|| {
                    panic!(
                        "{vendor} {stream}: page {k} of {} has no checkpoint",
                        pages.len()
                    )
                });
                let mut resumed = request.clone();
                resumed.prior.checkpoint = Some(checkpoint);
                let before: Vec<&String> = pages[..=k].iter().flat_map(|(ids, _)| ids).collect();
                let after = read_pages(&pipeline, stream, &resumed).await;
                let mut joined: Vec<&String> = before;
                joined.extend(after.iter().flat_map(|(ids, _)| ids));
                let joined_set: BTreeSet<&String> = joined.iter().copied().collect();
                assert_eq!(
                    joined_set, distinct,
                    "{vendor} {stream}: resuming after page {k} lost records"
                );
                assert_eq!(
                    joined.len(),
                    distinct.len(),
                    "{vendor} {stream}: resuming after page {k} repeated records"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_record_validates_against_its_stream_schema() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        let dir = tempfile::tempdir().unwrap();
        run_every_stream(vendor, &emu, dir.path()).await;
        for stream in offered(vendor) {
            let stream: Stream = stream.parse().unwrap();
            let schema = serde_json::to_value(cxqa_core::model::record_schema(stream)).unwrap();
            let validator = jsonschema::validator_for(&schema).unwrap();
            let all = records(dir.path(), stream.as_str());
            assert!(!all.is_empty(), "{vendor} produced no {stream}");
            for record in &all {
                let errors: Vec<String> = validator
                    .iter_errors(record)
                    .map(|e| format!("{e} at {}", e.instance_path()))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{vendor} {stream} {}: {errors:?}",
                    record["id"]
                );
                assert_eq!(record["vendor"], vendor);
            }
        }
    }
}

/// `id → (deleted, assessment_id)` of every row of a stream's table in a SQLite store.
fn rows(store: &std::path::Path, stream: &str) -> BTreeMap<String, (bool, Option<String>)> {
    let db = rusqlite::Connection::open(store).unwrap();
    let mut query = db
        .prepare(&format!(
            "SELECT id, deleted_at IS NOT NULL, json_extract(record, '$.assessment_id') FROM {stream}"
        ))
        .unwrap();
    query
        .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The costly per-record reads (an evaluation, a survey's contact, a transcript) are not made
/// again for records the store holds as the vendor last changed them.
#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_run_fetches_nothing_the_store_holds_unchanged() {
    for vendor in emulated_vendors() {
        let emu = emulator(Faults::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let sink = format!(
            "kind = \"sqlite\"\npath = {:?}",
            dir.path().join("cxqa.sqlite").display().to_string()
        );
        let streams = ["assessments", "surveys", "transcripts"];
        let text = pipeline_into(&source(vendor, &emu), &streams, &sink).replace(
            "\nconcurrency = 4\n",
            "\nconcurrency = 4\nincremental = true\n",
        );
        let first = run(&text).await;
        let second = run(&text).await;
        for (before, again) in first.streams.iter().zip(&second.streams) {
            assert!(
                before.fetched > 5,
                "{vendor} {:?}: {before:?}",
                before.stream
            );
            assert_eq!(again.fetched, 0, "{vendor} {:?}: {again:?}", again.stream);
            // Listings and extractions are read again; the per-record reads are not (a stream
            // whose records need none, like CXone's assessments, costs the same).
            assert!(
                again.requests.requests <= before.requests.requests,
                "{vendor} {:?}: {} requests again, {} the first time",
                again.stream,
                again.requests.requests,
                before.requests.requests
            );
        }
        let total = |report: &cxqa_runner::RunReport| report.requests.api_requests();
        assert!(
            total(&second) < total(&first),
            "{vendor}: {} requests again, {} the first time",
            total(&second),
            total(&first)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deletions_mark_exactly_the_delivered_records_the_vendor_removed() {
    for vendor in emulated_vendors() {
        let emu = emulator(Faults::default()).await;
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("cxqa.sqlite");
        let sink = format!(
            "kind = \"sqlite\"\npath = {:?}",
            store.display().to_string()
        );
        let text = pipeline_into(&source(vendor, &emu), &offered(vendor), &sink).replace(
            "\nconcurrency = 4\n",
            "\nconcurrency = 4\nincremental = true\n",
        );
        run(&text).await;
        let before: BTreeMap<&str, _> = offered(vendor)
            .into_iter()
            .map(|stream| (stream, rows(&store, stream)))
            .collect();
        for (stream, rows) in &before {
            assert!(
                rows.values().all(|(deleted, _)| !deleted),
                "{vendor} {stream}: a first run deleted something"
            );
        }
        let passed = emu.time_passes(&TimePasses {
            delete: 2,
            retract: 2,
            ..TimePasses::default()
        });
        run(&text).await;
        let now: BTreeMap<&str, _> = offered(vendor)
            .into_iter()
            .map(|stream| (stream, rows(&store, stream)))
            .collect();
        let deleted = |stream: &str| -> BTreeSet<String> {
            now[stream]
                .iter()
                .filter(|(_, (deleted, _))| *deleted)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let assessments = deleted("assessments");
        assert!(
            assessments
                .iter()
                .all(|id| before["assessments"].contains_key(id)),
            "{vendor}: an assessment never delivered was deleted"
        );
        let removed = passed.deleted.len() + passed.retracted.len();
        assert_eq!(
            assessments.len(),
            removed,
            "{vendor}: assessments deleted in the store vs evaluations the vendor removed: {passed:?}"
        );
        // Feedback goes with its assessment, and nothing else is deleted.
        for (id, (is_deleted, assessment)) in &now["feedback"] {
            let of_deleted = assessment.as_ref().is_some_and(|a| assessments.contains(a));
            assert_eq!(
                *is_deleted, of_deleted,
                "{vendor}: feedback {id} of {assessment:?}"
            );
        }
        for stream in now
            .keys()
            .filter(|s| !["assessments", "feedback"].contains(*s))
        {
            assert!(
                deleted(stream).is_empty(),
                "{vendor} {stream}: {:?}",
                deleted(stream)
            );
        }
    }
}

/// Whether `text` holds a value the pipeline treats as secret.
fn leaked(pipeline: &Pipeline, text: &str) -> bool {
    pipeline.redactor.redact(text) != text
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_appear_in_records_reports_or_errors() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        // A good run: nothing it stores or reports holds a secret.
        let dir = tempfile::tempdir().unwrap();
        let good = pipeline(vendor, &emu, dir.path());
        let report = cxqa_runner::run_pipeline(&good, &cxqa_runner::Silent)
            .await
            .unwrap();
        assert!(report.succeeded(), "{vendor}: {report:?}");
        assert!(!leaked(&good, &serde_json::to_string(&report).unwrap()));
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
            assert!(
                !leaked(&good, &text),
                "{vendor}: a secret reached the output"
            );
        }
        // Wrong secrets: the refusal names no secret.
        let mut source: toml::Table = toml::from_str(&source(vendor, &emu)).unwrap();
        let mut wrong = Vec::new();
        for (key, value) in source.iter_mut() {
            if cxqa_runner::interpolate::is_secret_key(key) {
                let bad = format!("wrong-{key}-behaviour-suite");
                *value = toml::Value::String(bad.clone());
                wrong.push(bad);
            }
        }
        assert!(
            !wrong.is_empty(),
            "{vendor}: the demo [source] has no secret-named setting"
        );
        let text = pipeline_text(
            &toml::to_string(&source).unwrap(),
            &offered(vendor),
            dir.path(),
        );
        let bad = Pipeline::parse(&text, "behaviour", &|_| None).unwrap();
        let error = match bad.connector.check().await {
            Ok(_) => panic!("{vendor}: wrong credentials were accepted"),
            Err(error) => error.to_string(),
        };
        for secret in &wrong {
            assert!(!error.contains(secret.as_str()), "{vendor}: {error}");
        }
    }
}

/// A vendor release that adds fields and columns changes nothing: every offered stream stores
/// the same records with the emulator's `unknown_fields` fault on as off.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_fields_and_columns_change_no_stored_record() {
    for vendor in emulated_vendors() {
        let mut stores = Vec::new();
        for unknown_fields in [false, true] {
            let emu = emulator(Faults {
                unknown_fields,
                ..Faults::default()
            })
            .await;
            let dir = tempfile::tempdir().unwrap();
            run_every_stream(vendor, &emu, dir.path()).await;
            let store: BTreeMap<&str, Vec<serde_json::Value>> = offered(vendor)
                .into_iter()
                .map(|stream| {
                    (
                        stream,
                        crate::support::comparable(records(dir.path(), stream)),
                    )
                })
                .collect();
            stores.push(store);
        }
        assert!(
            stores[0].values().all(|records| !records.is_empty()),
            "{vendor}"
        );
        assert!(
            stores[0] == stores[1],
            "{vendor}: unknown fields changed the store"
        );
    }
}

/// A vendor that answers every request with a server error is an outage: the run stops within
/// `outage_after` plus one backoff, every stream saying what the vendor answered,
/// for how long, and that the committed pages are safe.
#[tokio::test(flavor = "multi_thread")]
async fn an_outage_stops_the_run_fast_with_a_clear_message() {
    const OUTAGE_AFTER: u64 = 3;
    for vendor in emulated_vendors() {
        let emu = emulator(Faults {
            error_rate: 1.0,
            ..Faults::default()
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let mut source: toml::Table = toml::from_str(&source(vendor, &emu)).unwrap();
        source.insert(
            "outage_after".into(),
            toml::Value::String(format!("PT{OUTAGE_AFTER}S")),
        );
        let source = toml::to_string(&source).unwrap();
        let text = pipeline_text(&source, &offered(vendor), dir.path());
        let pipeline = Pipeline::parse(&text, "outage", &|_| None).unwrap();
        let started = std::time::Instant::now();
        let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent)
            .await
            .unwrap();
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_secs(OUTAGE_AFTER + 5),
            "{vendor}: took {elapsed:?}"
        );
        // The streams run side by side and share the breaker: each stops with the outage.
        assert_eq!(report.streams.len(), offered(vendor).len());
        for stream in &report.streams {
            let error = stream.error.clone().unwrap_or_default();
            for part in [
                vendor,
                "is down or unreachable",
                "HTTP 503",
                "committed page is safe",
                "resumes",
            ] {
                assert!(error.contains(part), "{vendor}: `{part}` in {error}");
            }
        }
        assert!(!report.succeeded());
    }
}

/// Both vendors into one store: the same people get the same `agent_key` at every vendor, and
/// assessments, surveys and transcripts carry their agent's key, so one `GROUP BY agent_key`
/// (the README's query) gives a person's QA and CSAT across a vendor switch.
#[tokio::test(flavor = "multi_thread")]
async fn one_agent_key_follows_a_person_across_vendors() {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("both.sqlite");
    let sink = format!("kind = \"sqlite\"\npath = \"{}\"", store.display());
    let vendors = emulated_vendors();
    for vendor in &vendors {
        let streams = ["agents", "assessments", "surveys", "transcripts"];
        run(&pipeline_into(&source(vendor, &emu), &streams, &sink)).await;
    }
    let conn = rusqlite::Connection::open(&store).unwrap();
    let shared: i64 = conn
        .query_row(
            &format!(
                "SELECT COUNT(*) FROM (SELECT json_extract(record, '$.agent_key') k FROM agents
                 GROUP BY k HAVING COUNT(DISTINCT vendor) = {})",
                vendors.len()
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(shared >= 5, "people known at every vendor: {shared}");
    for (table, agent) in [
        ("assessments", "$.agent_id"),
        ("surveys", "$.interaction.agent_id"),
        ("transcripts", "$.agent_id"),
    ] {
        let (rows, keyed, wrong): (i64, i64, i64) = conn
            .query_row(
                &format!(
                    "SELECT COUNT(*), COUNT(json_extract(t.record, '$.agent_key')),
                            SUM(a.id IS NOT NULL AND json_extract(t.record, '$.agent_key') IS NOT json_extract(a.record, '$.agent_key'))
                     FROM {table} t LEFT JOIN agents a ON a.vendor = t.vendor AND a.id = json_extract(t.record, '{agent}')"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Option<i64>>(2)?.unwrap_or(0))),
            )
            .unwrap();
        assert!(
            rows > 0 && keyed * 10 >= rows * 9,
            "{table}: {keyed} of {rows} keyed"
        );
        assert_eq!(wrong, 0, "{table}: a key that is not its agent's");
    }
    // The README's query: one person's QA and CSAT at each vendor.
    let across: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (
               SELECT json_extract(record, '$.agent_key') AS agent_key FROM assessments
               WHERE deleted_at IS NULL GROUP BY agent_key HAVING COUNT(DISTINCT vendor) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(across > 0, "no person has assessments at both vendors");
}

/// The run summary counts records per division by id and names each one from the vendor
/// (Genesys divisions, CXone UserHub), so people read names while `--summary-json` keeps ids.
#[tokio::test(flavor = "multi_thread")]
async fn division_counts_are_named() {
    let emu = emulator(Faults::default()).await;
    for vendor in emulated_vendors() {
        let dir = tempfile::tempdir().unwrap();
        let report = run(&pipeline_text(
            &source(vendor, &emu),
            &["interactions", "assessments"],
            dir.path(),
        ))
        .await;
        let counted: BTreeSet<&String> = report
            .streams
            .iter()
            .flat_map(|s| s.divisions.keys())
            .collect();
        assert!(!counted.is_empty(), "{vendor}");
        for id in counted {
            let name = report.division_names.get(id);
            assert!(
                name.is_some_and(|n| ["Home", "EMEA", "Restricted"].contains(&n.as_str())),
                "{vendor}: division {id} is named {name:?}"
            );
        }
    }
}
