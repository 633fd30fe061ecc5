//! The Genesys connector end to end: emulator → connector → runner → JSONL.

use crate::support::{
    ALL, comparable, emulator, line_ids, pipeline_text, records, run, source, source_with,
    tombstones,
};
use cxqa_emulator::Faults;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[tokio::test(flavor = "multi_thread")]
async fn every_stream_normalizes_and_matches_its_snapshot() {
    crate::support::snapshot_every_stream("genesys", &ALL).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn records_join_up_and_scores_are_version_aware() {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(&source("genesys", &emu), &ALL, dir.path())).await;
    let ids = |stream: &str| -> BTreeSet<String> {
        records(dir.path(), stream)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let interactions = ids("interactions");
    let forms: BTreeMap<String, Value> = records(dir.path(), "assessment_forms")
        .into_iter()
        .map(|f| (f["id"].as_str().unwrap().to_string(), f))
        .collect();
    let assessments = records(dir.path(), "assessments");

    // Every assessment points at a form version that was extracted, and at a known interaction.
    for a in &assessments {
        assert!(
            forms.contains_key(a["form_version"].as_str().unwrap()),
            "{}",
            a["id"]
        );
        assert!(interactions.contains(a["interaction_id"].as_str().unwrap()));
    }
    // The care form switched versions inside the window, and the versions weigh groups differently.
    let care_versions: BTreeSet<&str> = assessments
        .iter()
        .filter(|a| a["form_name"] == "Customer Care QA")
        .map(|a| a["form_version"].as_str().unwrap())
        .collect();
    assert_eq!(care_versions.len(), 2, "{care_versions:?}");
    let weights: BTreeSet<String> = care_versions
        .iter()
        .map(|v| forms[*v]["question_groups"][0]["weight"].to_string())
        .collect();
    assert_eq!(
        weights.len(),
        2,
        "the two versions should weigh the first group differently"
    );
    // weightMode OFF is read as unweighted.
    assert!(forms.values().any(|f| f["weight_mode"] == "unweighted"));
    // The emulated vendor and core score alike, failed kill questions included (both zero
    // the total by default): nothing is flagged. Disagreement is tested below.
    assert!(assessments.iter().any(|a| a["failed_kill"] == true));
    let flagged: Vec<&Value> = assessments
        .iter()
        .filter(|a| !a["score_mismatch"].is_null())
        .collect();
    assert!(flagged.is_empty(), "{flagged:?}");
    // N/A groups are excluded and multi-select answers keep their options.
    assert!(assessments.iter().any(|a| {
        a["question_groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["not_applicable"] == true)
    }));
    assert!(
        assessments
            .iter()
            .flat_map(|a| a["question_groups"].as_array().unwrap())
            .flat_map(|g| g["questions"].as_array().unwrap())
            .any(|q| !q["selected_options"].as_array().unwrap().is_empty())
    );

    // Surveys carry the interaction context.
    for s in records(dir.path(), "surveys") {
        assert!(interactions.contains(s["interaction_id"].as_str().unwrap()));
        assert!(
            s["interaction"]["agent_id"].is_string() && s["interaction"]["started_at"].is_string()
        );
    }
    // Transcripts: card numbers, e-mails and phones the vendor left in clear are masked (the
    // default `pii = "mask"`), the vendor's own labels recognized, and nothing stays in clear.
    let transcripts = records(dir.path(), "transcripts");
    let count = |field: &str| -> u64 {
        transcripts
            .iter()
            .map(|t| t["pii"][field].as_u64().unwrap())
            .sum()
    };
    let (unmasked, masked, redacted) = (count("unmasked"), count("masked"), count("redacted"));
    assert!(
        unmasked == 0 && redacted > 0 && masked > redacted,
        "{unmasked} {masked} {redacted}"
    );
    // Retractions arrive as tombstones, not as records.
    let retracted: Vec<Value> = tombstones(dir.path())
        .into_iter()
        .filter(|t| t["reason"] == "retracted")
        .collect();
    assert!(!retracted.is_empty());
    let assessment_ids = ids("assessments");
    assert!(
        retracted
            .iter()
            .all(|t| !assessment_ids.contains(t["id"].as_str().unwrap()))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keyword_and_sentiment_filters_narrow_transcripts() {
    let emu = emulator(Faults::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let text = pipeline_text(&source("genesys", &emu), &["transcripts"], dir.path()).replace(
        "\nconcurrency = 4\n",
        "\nconcurrency = 4\n[extract.filters]\nkeywords = [\"REFUND!\"]\nsentiment = { max = 0.0 }\n",
    );
    run(&text).await;
    let transcripts = records(dir.path(), "transcripts");
    assert!(!transcripts.is_empty());
    for t in &transcripts {
        assert_eq!(t["keyword_hits"], serde_json::json!(["refund"]));
        assert!(t["sentiment"]["score"].as_f64().unwrap() <= 0.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn short_tokens_and_rate_limits_lose_and_duplicate_nothing() {
    let streams = ["interactions", "assessments", "surveys"];
    let clean = emulator(Faults::default()).await;
    let clean_dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(
        &source("genesys", &clean),
        &streams,
        clean_dir.path(),
    ))
    .await;

    // Tokens live 2 s and each client gets 25 requests per 2 s: refreshes and 429s all run long.
    let faulty = emulator(Faults {
        token_lifetime_secs: 2,
        rate_limit_per_minute: Some(25),
        rate_limit_window_secs: 2,
        ..Faults::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let report = run(&pipeline_text(
        &source("genesys", &faulty),
        &streams,
        dir.path(),
    ))
    .await;
    let stats = faulty.stats();
    assert!(stats.rate_limited > 0, "no 429 was served");
    assert!(stats.tokens_issued > 1, "the token was never renewed");
    assert!(report.requests.rate_limited > 0 && report.requests.waited_ms > 0);
    for stream in streams {
        let ids = line_ids(dir.path(), stream);
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{stream} has duplicates");
        assert_eq!(
            comparable(records(dir.path(), stream)),
            comparable(records(clean_dir.path(), stream)),
            "{stream} differs from a clean run"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn result_cap_halving_and_async_jobs_lose_nothing() {
    let clean = emulator(Faults::default()).await;
    let clean_dir = tempfile::tempdir().unwrap();
    run(&pipeline_text(
        &source("genesys", &clean),
        &["interactions"],
        clean_dir.path(),
    ))
    .await;

    // A cap of 15 results with pages of 10 forces every one-day chunk to be halved (some twice),
    // and chunks that ended more than a day ago go through async details jobs.
    let capped = emulator(Faults::default().with("details_result_cap", 15)).await;
    let dir = tempfile::tempdir().unwrap();
    let capped_source = source_with(
        "genesys",
        &capped,
        &[("async_jobs_after_days", 1), ("job_poll_interval_ms", 10)],
    );
    let text = pipeline_text(&capped_source, &["interactions"], dir.path())
        .replace("\nconcurrency = 4\n", "\nconcurrency = 4\npage_size = 10\n");
    run(&text).await;
    let stats = capped.stats();
    assert!(
        stats
            .by_route
            .get("/api/v2/analytics/conversations/details/jobs")
            .is_some_and(|n| *n > 0),
        "no async job was used"
    );
    assert_eq!(
        comparable(records(dir.path(), "interactions")),
        comparable(records(clean_dir.path(), "interactions"))
    );
    let ids = line_ids(dir.path(), "interactions");
    assert_eq!(
        ids.len(),
        ids.iter().collect::<BTreeSet<_>>().len(),
        "no conversation twice"
    );
}

/// Whether a failed kill question zeroes the total is unverified: the emulator plays either
/// answer and the connector's `failed_kill_zeroes_score` follows either. Agreeing, no score
/// mismatch is flagged on the failed-kill evaluations; disagreeing, every one is.
#[tokio::test(flavor = "multi_thread")]
async fn failed_kill_questions_score_by_the_setting_and_disagreement_is_flagged() {
    let failed_kill = |dir: &std::path::Path| -> Vec<Value> {
        records(dir, "assessments")
            .into_iter()
            .filter(|a| a["failed_kill"] == true)
            .collect()
    };
    for (vendor_zeroes, connector_zeroes) in [(true, true), (false, false), (false, true)] {
        let emu = emulator(Faults::default().with("kill_zeroes_total", vendor_zeroes)).await;
        let dir = tempfile::tempdir().unwrap();
        let source = format!(
            "{}failed_kill_zeroes_score = {connector_zeroes}\n",
            source("genesys", &emu)
        );
        run(&pipeline_text(&source, &["assessments"], dir.path())).await;
        let failed = failed_kill(dir.path());
        assert!(
            !failed.is_empty(),
            "the emulated org has failed kill questions"
        );
        for a in &failed {
            let flagged = !a["score_mismatch"].is_null();
            assert_eq!(
                flagged,
                vendor_zeroes != connector_zeroes,
                "vendor zeroes {vendor_zeroes}, connector zeroes {connector_zeroes}: {a}"
            );
            assert_eq!(a["normalized_score"] == 0.0, connector_zeroes, "{a}");
        }
    }
}
