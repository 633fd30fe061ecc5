//! The CXone connector end to end.

use crate::support::{
    ALL, comparable, emulator, pipeline_text, records, run, source, source_with, tombstones,
};
use cxqa_emulator::{Faults, TimePasses};
use serde_json::Value;
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread")]
async fn every_stream_normalizes_and_matches_its_snapshot() {
    let dir = crate::support::snapshot_every_stream("cxone", &ALL).await;
    // The rubric fetch: every assessment has its questions and a score core computed that agrees
    // with CXone's percentage (the emulated tenant zeroes failed critical questions as CXone does).
    let assessments = records(dir.path(), "assessments");
    assert!(
        assessments
            .iter()
            .all(|a| !a["question_groups"].as_array().unwrap().is_empty())
    );
    assert!(
        assessments.iter().all(|a| a["score_mismatch"].is_null()),
        "CXone scores should reproduce"
    );
    assert!(
        assessments
            .iter()
            .any(|a| a["failed_critical"] == true && a["normalized_score"] == 0.0)
    );
    // Surveys are joined to their contact.
    assert!(
        records(dir.path(), "surveys")
            .iter()
            .all(|s| s["interaction"]["agent_id"].is_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_evaluations_become_tombstones_and_edits_update_once() {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let text = pipeline_text(&source("cxone", &emu), &["assessments"], dir.path()).replace(
        "\nconcurrency = 4\n",
        "\nconcurrency = 4\nincremental = true\n",
    );
    run(&text).await;
    let first: BTreeMap<String, Value> = comparable(records(dir.path(), "assessments"))
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r))
        .collect();

    let passed = emu.time_passes(&TimePasses {
        edit: 1,
        delete: 2,
        ..TimePasses::default()
    });
    let workflow = |world_id: &str| {
        emu.evaluation_id("cxone", world_id)
            .expect("the evaluation has a CXone workflow")
    };
    let deleted: Vec<String> = passed.deleted.iter().map(|id| workflow(id)).collect();
    let edited = workflow(&passed.edited[0]);
    let lines_before = std::fs::read_to_string(dir.path().join("assessments.jsonl"))
        .unwrap()
        .lines()
        .count();

    run(&text).await;
    let stones = tombstones(dir.path());
    let mut stone_ids: Vec<&str> = stones.iter().map(|t| t["id"].as_str().unwrap()).collect();
    stone_ids.sort();
    let mut expected: Vec<&str> = deleted.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(stone_ids, expected, "exactly the two deleted evaluations");
    assert!(
        stones
            .iter()
            .all(|t| t["reason"] == "absent_from_reextraction")
    );

    // The second run re-delivered the look-back window: exactly one record changed.
    let second: Vec<Value> = std::fs::read_to_string(dir.path().join("assessments.jsonl"))
        .unwrap()
        .lines()
        .skip(lines_before)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changed: Vec<String> = comparable(second)
        .into_iter()
        .filter(|r| first.get(r["id"].as_str().unwrap()) != Some(r))
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(changed, vec![edited]);
}

#[tokio::test(flavor = "multi_thread")]
async fn data_extraction_refusals_are_waited_out_and_expired_links_fail_clearly() {
    // The tenant wants 2 s between calls; the connector spaces 1 s, so it is refused (403) and
    // has to wait and try again.
    let emu = emulator(Faults::default()).await;
    emu.set_faults(emu.faults().with("data_extraction_spacing_secs", 2));
    let dir = tempfile::tempdir().unwrap();
    let spaced_source = source_with(
        "cxone",
        &emu,
        &[("extraction_spacing_secs", 1), ("extraction_chunk_days", 7)],
    );
    let text = pipeline_text(&spaced_source, &["assessments"], dir.path()).replace(
        &format!("from = \"{}\"", crate::support::FROM),
        "from = \"2026-11-18T00:00:00Z\"",
    );
    run(&text).await;
    assert!(!records(dir.path(), "assessments").is_empty());

    // Links that expire at once: the job is created again, then the run stops with a clear error.
    emu.set_faults(
        emu.faults()
            .with("data_extraction_spacing_secs", 0)
            .with("data_extraction_url_secs", 0),
    );
    let dir = tempfile::tempdir().unwrap();
    let text = pipeline_text(&source("cxone", &emu), &["assessments"], dir.path());
    let pipeline = cxqa_runner::Pipeline::parse(&text, "expired", &|_| None).unwrap();
    let report = cxqa_runner::run_pipeline(&pipeline, &cxqa_runner::Silent)
        .await
        .unwrap();
    let error = report.streams[0].error.clone().unwrap_or_default();
    assert!(error.contains("expired three times"), "{error}");
}

/// A 14-day look-back costs one job per entity and calendar chunk, and only job creations are
/// spaced. Whether status polls count toward the rule is unverified, so the emulator plays both:
/// when they count, the first refused poll makes every later call keep the spacing, no job is
/// created twice, and the store is the same.
#[tokio::test(flavor = "multi_thread")]
async fn data_extraction_spaces_job_creations_and_learns_when_polls_count() {
    let mut stores = Vec::new();
    for polls_count in [false, true] {
        let emu = emulator(Faults::default()).await;
        emu.set_faults(
            emu.faults()
                .with("data_extraction_spacing_secs", 1)
                .with("data_extraction_polls_count", polls_count),
        );
        let dir = tempfile::tempdir().unwrap();
        let spaced = source_with(
            "cxone",
            &emu,
            &[("extraction_spacing_secs", 1), ("extraction_poll_ms", 50)],
        );
        // 2026-11-06T12:00 to the anchor: 15 calendar days, split where the 14-day blocks
        // counted from 1970-01-01 end (2026-11-19): two chunks.
        let text = pipeline_text(&spaced, &["assessments"], dir.path()).replace(
            &format!("from = \"{}\"", crate::support::FROM),
            "from = \"2026-11-06T12:00:00Z\"",
        );
        run(&text).await;
        let served = emu.stats().by_route;
        assert_eq!(
            served["/data-extraction/v1/jobs"], 4,
            "polls count: {polls_count}: two entities for each of two chunks, none refused"
        );
        let polls = served["/data-extraction/v1/jobs/{job_id}"];
        if polls_count {
            assert!(polls > 8, "a refused poll is asked again: {polls}");
        } else {
            assert_eq!(
                polls, 8,
                "two polls a job (RUNNING, SUCCEEDED), none refused"
            );
        }
        stores.push(comparable(records(dir.path(), "assessments")));
    }
    assert!(!stores[0].is_empty());
    assert_eq!(stores[0], stores[1]);
}

/// No QM, survey or transcript endpoint filters by skill or division: the connector applies the
/// filters from each record's contact, so every stream keeps only the filtered contacts, and
/// assessments carry their contact's division.
#[tokio::test(flavor = "multi_thread")]
async fn division_and_skill_filters_apply_to_every_stream() {
    let emu = emulator(Faults::default()).await;
    let streams = [
        "interactions",
        "assessments",
        "feedback",
        "surveys",
        "transcripts",
    ];
    let all = tempfile::tempdir().unwrap();
    run(&pipeline_text(&source("cxone", &emu), &streams, all.path())).await;
    let filtered = tempfile::tempdir().unwrap();
    let text = pipeline_text(&source("cxone", &emu), &streams, filtered.path()).replace(
        "\nconcurrency = 4\n",
        "\nconcurrency = 4\n[extract.filters]\ndivisions = [\"10\"]\nqueues = [\"3000\", \"3001\"]\n",
    );
    run(&text).await;

    let contacts: std::collections::BTreeSet<String> = records(filtered.path(), "interactions")
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!contacts.is_empty());
    for stream in ["assessments", "feedback", "surveys", "transcripts"] {
        let (kept, everything) = (
            records(filtered.path(), stream),
            records(all.path(), stream),
        );
        assert!(
            !kept.is_empty() && kept.len() < everything.len(),
            "{stream}: {} of {}",
            kept.len(),
            everything.len()
        );
        for record in &kept {
            let contact = record["interaction_id"].as_str().unwrap();
            assert!(
                contacts.contains(contact),
                "{stream} {}: contact {contact}",
                record["id"]
            );
        }
    }
    for a in records(all.path(), "assessments") {
        assert_eq!(
            a["division_ids"].as_array().unwrap().len(),
            1,
            "{}",
            a["id"]
        );
    }
}

/// Completed contacts spell some fields otherwise before v24 (`contactStart`, `ACWSeconds`): a
/// tenant pinned to v21.0 stores exactly what v34.0 gives.
#[tokio::test(flavor = "multi_thread")]
async fn interactions_read_the_same_under_an_older_api_version() {
    let emu = emulator(Faults::default()).await;
    let in_version = |version: &str| {
        let mut table: toml::Table = toml::from_str(&source("cxone", &emu)).unwrap();
        table.insert("api_version".into(), toml::Value::String(version.into()));
        toml::to_string(&table).unwrap()
    };
    let (old, current) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run(&pipeline_text(
        &in_version("v21.0"),
        &["interactions"],
        old.path(),
    ))
    .await;
    run(&pipeline_text(
        &in_version("v34.0"),
        &["interactions"],
        current.path(),
    ))
    .await;
    let (old, current) = (
        comparable(records(old.path(), "interactions")),
        comparable(records(current.path(), "interactions")),
    );
    assert!(!current.is_empty());
    assert!(
        current
            .iter()
            .all(|i| i["started_at"].is_string() && i["metrics"]["acw_ms"].is_u64()),
        "the renamed fields are read"
    );
    assert_eq!(old, current);
}

/// CXone does not say what scale PRIMARY_SCORE is on: the emulator plays 1–5 and percentages,
/// and the connector's `csat_scale_*` says which. On 1–5 `csat_score` is the 0–100 Genesys gives
/// for the same answers ((csat − 1) × 25); on 0–100 it is the percentage itself. A scale that
/// does not fit leaves `csat_score` empty and keeps the raw value.
#[tokio::test(flavor = "multi_thread")]
async fn csat_is_0_to_100_whichever_scale_the_tenant_uses() {
    let scores = |dir: &std::path::Path| -> Vec<Value> {
        records(dir, "surveys")
            .into_iter()
            .map(|s| s["csat_score"].clone())
            .collect()
    };
    let stars = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(
        &source("cxone", &stars),
        &["surveys"],
        dir.path(),
    ))
    .await;
    let from_stars = scores(dir.path());
    assert!(!from_stars.is_empty());
    for survey in records(dir.path(), "surveys") {
        let score = survey["csat_score"].as_f64().unwrap();
        assert!([0.0, 25.0, 50.0, 75.0, 100.0].contains(&score), "{survey}");
        assert_eq!(
            survey["csat_scale"],
            serde_json::json!({"min": 1.0, "max": 5.0})
        );
    }

    let percent = emulator(Faults::default().with("primary_score_percent", true)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut table: toml::Table = toml::from_str(&source("cxone", &percent)).unwrap();
    table.insert("csat_scale_min".into(), toml::Value::Float(0.0));
    table.insert("csat_scale_max".into(), toml::Value::Float(100.0));
    let scaled = toml::to_string(&table).unwrap();
    run(&pipeline_text(&scaled, &["surveys"], dir.path())).await;
    let from_percent = records(dir.path(), "surveys");
    assert_eq!(from_percent.len(), from_stars.len());
    for survey in from_percent {
        let raw = survey["csat_raw"].as_f64().unwrap();
        assert!((20.0..=100.0).contains(&raw), "{survey}");
        assert_eq!(survey["csat_score"].as_f64(), Some(raw), "{survey}");
    }

    let dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(
        &source("cxone", &percent),
        &["surveys"],
        dir.path(),
    ))
    .await;
    for survey in records(dir.path(), "surveys") {
        assert!(
            survey["csat_score"].is_null() && survey["csat_raw"].is_number(),
            "{survey}"
        );
    }
}
