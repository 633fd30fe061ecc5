//! Every CXone decoder against arbitrary and mutated input: Data Extraction CSV files (BOM,
//! quotes, embedded newlines, missing, extra and reordered columns, ragged rows, arbitrary
//! bytes) through to assessments, feedback and forms; analyzed transcripts; survey rows. Each
//! decodes or says what was wrong, and nothing panics.

use crate::extraction::CsvFile;
use crate::qm::{Days, QUESTION_KEYS, QmChunk, WORKFLOW_KEYS};
use crate::transcripts::{AnalyzedTranscript, Segment, to_transcript};
use chrono::{NaiveDate, Utc};
use cxqa_core::fuzz::{arbitrary_json, mutated};
use cxqa_core::{ExtractRequest, Window};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Mutex;

/// The columns the connector reads (human spellings; headers are matched normalized).
const WORKFLOW_COLUMNS: &[&str] = &[
    "Workflow ID",
    "Workflow Status",
    "Type",
    "ACD ID",
    "Segment ID",
    "Agent ID",
    "Form ID",
    "Form Name",
    "Form Version",
    "Score Percentage",
    "Score",
    "Maximum Possible Score",
    "Failed Critical Question",
    "Start Date",
    "Submission Date",
    "Last Updated",
    "User Review Comments",
    "Dispute Resolver Comments",
    "Auto Acknowledged",
];
const QUESTION_COLUMNS: &[&str] = &[
    "WorkflowInstance ID",
    "Question ID",
    "Form ID",
    "Form Name",
    "Form Version",
    "Question Number",
    "Question Title",
    "Question Type",
    "Section ID",
    "Section Title",
    "Options",
    "Answer",
    "Actual Score",
    "Max Score",
    "Critical",
    "Mandatory",
    "Scorable",
];

/// A cell as CXone might write it, or as a broken export might.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[0-9]{1,6}",
        "-?[0-9]{1,4}\\.[0-9]{1,3}",
        prop_oneof![
            Just("TRUE"),
            Just("FALSE"),
            Just("N/A"),
            Just("Completed"),
            Just("Deleted")
        ]
        .prop_map(str::to_string),
        prop_oneof![
            Just("2026-11-14 10:00:00"),
            Just("11/14/2026 10:00 AM"),
            Just("2026-02-30 25:61:00"),
        ]
        .prop_map(str::to_string),
        prop_oneof![Just("w1"), Just("w2"), Just("q1"), Just("f1")].prop_map(str::to_string),
        ".{0,16}",
        Just("quote \" comma , and\nnewline\r\n".to_string()),
    ]
}

fn quoted(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A CSV file over some of `columns` (shuffled, a few dropped, unknown ones added), with or
/// without a BOM, rows of any length.
fn csv_file(columns: &'static [&'static str]) -> impl Strategy<Value = String> {
    (
        Just(columns.to_vec()).prop_shuffle(),
        prop::collection::vec(any::<bool>(), columns.len()),
        prop::collection::vec("[A-Za-z ]{1,10}", 0..3),
        any::<bool>(),
        prop::collection::vec(prop::collection::vec(cell(), 0..columns.len() + 3), 0..6),
    )
        .prop_map(|(order, keep, extra, bom, rows)| {
            let mut header: Vec<String> = order
                .iter()
                .zip(&keep)
                .filter(|(_, keep)| **keep)
                .map(|(c, _)| c.to_string())
                .collect();
            header.extend(extra);
            let mut text = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            let line = |cells: &[String]| {
                cells
                    .iter()
                    .map(|c| quoted(c))
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\r\n"
            };
            text.push_str(&line(&header));
            for row in rows {
                text.push_str(&line(&row));
            }
            text
        })
}

fn request() -> ExtractRequest {
    ExtractRequest::new(Window::new(
        Utc::now() - chrono::Duration::days(7),
        Utc::now(),
    ))
}

fn days() -> Days {
    Days {
        from: NaiveDate::from_ymd_opt(2026, 11, 13).unwrap(),
        to: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
    }
}

/// What a chunk's rows become: every QM stream's page.
fn build_pages(chunk: &QmChunk) {
    let request = request();
    let mut after = None;
    loop {
        let (slice, next) = chunk.slice(after.as_deref(), 2).unwrap();
        for assessment in crate::assessments::assessments_page(&slice, &request).records {
            if let Some(score) = assessment.normalized_score {
                assert!(score.is_finite(), "a score that is no number: {score}");
            }
        }
        crate::feedback::feedback_page(&slice, &request);
        match next {
            Some(id) => after = Some(id),
            None => break,
        }
    }
    crate::forms::forms_page(&chunk.rubrics_only(), &Mutex::new(HashSet::new()));
}

/// The chunk of two files, or why they do not read.
fn chunk_of(workflows: &[u8], questions: Option<&[u8]>) -> Result<QmChunk, String> {
    let questions = questions
        .map(|body| CsvFile::from_bytes(body, QUESTION_KEYS))
        .transpose()?;
    QmChunk::new(days(), Some(CsvFile::from_bytes(workflows, WORKFLOW_KEYS)?))?
        .with_questions(questions)
}

fn segment() -> Value {
    json!({
        "segmentId": "seg-1", "acdContactId": 700000001, "publishedAt": "2026-11-14T10:00:00Z",
        "startTime": "2026-11-14T09:00:00Z", "endTime": "2026-11-14T09:10:00Z", "mediaType": "voice",
        "enlightenSentimentRawScore": 0.4,
        "channels": [{ "name": "Agent", "userId": 1001 },
                     { "name": "Customer", "endSentiment": { "value": "Positive" } }],
        "categoryMatches": [{ "fullPaths": [["Billing", "Refund"]] }]
    })
}

fn analyzed_transcript() -> Value {
    json!({
        "language": "en-US",
        "transcriptBlocks": [
            { "blockId": 0, "channelName": "Agent", "userType": "agent", "userId": 1001, "text": "Hello",
              "voiceMetadata": { "startTime": 0.0, "endTime": 1500.0, "confidence": 0.9 } },
            { "blockId": 1, "channelName": "Customer", "text": "my card is 4111 1111 1111 1111" }
        ]
    })
}

fn survey_row() -> Value {
    json!({
        "feedbackId": "fb-1", "acdContactId": "700000001", "surveyIdfier": "sv-1", "surveyName": "CSAT",
        "status": "COMPLETED", "completedAt": "2026-11-14T11:00:00Z", "lastUpdated": "2026-11-14T11:00:00Z",
        "PRIMARY_SCORE": 4, "NPS_SCORE": 9, "NPS_CATEGORY": "PROMOTER",
        "FEEDBACK_DETAILS": [{ "FIELD": "Comment", "TEXT_VALUE": "call me on +1 317 555 0134" },
                             { "FIELD": "Rating", "NUMERIC_VALUE": 4 }]
    })
}

fn decode<T: serde::de::DeserializeOwned>(body: Value) -> Option<T> {
    cxqa_http::decode_json(body.to_string().as_bytes())
        .inspect_err(|message: &String| {
            assert!(
                message.starts_with("invalid JSON"),
                "an unhelpful error: {message}"
            );
        })
        .ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn extraction_files_become_pages_or_name_the_missing_column(
        workflows in csv_file(WORKFLOW_COLUMNS), questions in csv_file(QUESTION_COLUMNS)
    ) {
        match chunk_of(workflows.as_bytes(), Some(questions.as_bytes())) {
            Ok(chunk) => build_pages(&chunk),
            Err(message) => {
                prop_assert!(message.contains("column") || message.contains("CSV"), "{message}");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_csv_reader(body in prop::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(chunk) = chunk_of(&body, None) {
            build_pages(&chunk);
        }
    }

    #[test]
    fn analyzed_transcripts_and_survey_rows_survive_mutation(
        s in mutated(segment()), t in mutated(analyzed_transcript()), row in mutated(survey_row()),
        anything in arbitrary_json()
    ) {
        let seed: Segment = decode(segment()).unwrap();
        let s = decode::<Segment>(s);
        let segment = s.as_ref().unwrap_or(&seed);
        for document in [decode::<AnalyzedTranscript>(t), decode::<AnalyzedTranscript>(anything.clone())]
            .into_iter()
            .flatten()
        {
            to_transcript(segment, document, segment.sentiment(), None);
        }
        for row in [row, anything] {
            let scale = cxqa_core::model::ScoreScale { min: 1.0, max: 5.0 };
            let survey =
                crate::surveys::to_survey("fb-1".into(), &row, Some("700000001".into()), None, scale);
            if let Some(score) = survey.csat_score {
                prop_assert!((0.0..=100.0).contains(&score), "{score}");
            }
        }
    }
}
