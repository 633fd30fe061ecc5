//! Every Genesys decoder against mutated bodies (values of another type, missing and extra
//! keys, emptied lists, extreme numbers): decoding either fails with serde's account of what was
//! wrong, or the record built from it comes out without a panic.

use crate::assessments::{Evaluation, Scoring, to_assessment};
use crate::details::Conversation;
use crate::forms::Form;
use cxqa_core::fuzz::{arbitrary_json, mutated};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decodes `body` as `T` the way the HTTP client does; a refusal must name where it failed.
fn decode<T: DeserializeOwned>(body: Value) -> Option<T> {
    match cxqa_http::decode_json::<T>(body.to_string().as_bytes()) {
        Ok(value) => Some(value),
        Err(message) => {
            assert!(
                message.starts_with("invalid JSON at `") || message.starts_with("invalid JSON ("),
                "an unhelpful error: {message}"
            );
            None
        }
    }
}

fn form() -> Value {
    json!({
        "id": "f1", "contextId": "ctx", "name": "QA", "weightMode": "SCALED", "published": true,
        "publishedVersions": { "entities": [] },
        "questionGroups": [{ "id": "g1", "name": "Opening", "weight": 0.5, "naEnabled": true,
            "questions": [
                { "id": "q1", "type": "multipleChoiceQuestion", "text": "Greeted?", "isKill": true, "isCritical": false,
                  "naEnabled": false, "answerOptions": [{ "id": "a1", "text": "Yes", "value": 1 }, { "id": "a2", "text": "No", "value": 0 }] },
                { "id": "q2", "type": "multipleSelectQuestion", "text": "Behaviours", "answerOptions": [],
                  "multipleSelectOptionQuestions": [{ "id": "o1", "text": "Empathy",
                      "answerOptions": [{ "id": "o1-s", "value": 2 }, { "id": "o1-u", "value": 0 }] }] },
                { "id": "q3", "type": "freeTextQuestion", "text": "Notes" }
            ] }]
    })
}

fn evaluation() -> Value {
    json!({
        "id": "e1", "conversation": { "id": "c1" }, "evaluationForm": { "id": "f1", "contextId": "ctx" },
        "agent": { "id": "u1" }, "evaluator": { "id": "u2" }, "status": "FINISHED", "agentHasRead": true,
        "createdDate": "2026-11-14T10:00:00.000Z", "changedDate": "2026-11-14T10:00:00.000Z",
        "submittedDate": "2026-11-14T10:00:00.000Z", "releaseDate": "2026-11-14T10:00:00.000Z",
        "disputeCount": 1, "version": 2,
        "answers": { "totalScore": 75.0, "anyFailedKillQuestions": false, "comments": "Good call",
            "agentComments": "Thanks", "questionGroupScores": [{ "questionGroupId": "g1", "markedNA": false,
                "questionScores": [
                    { "questionId": "q1", "answerId": "a1", "score": 1, "comments": "ok" },
                    { "questionId": "q2", "score": 2, "multipleSelectQuestionOptionScores": [
                        { "questionId": "o1", "answerId": "o1-s", "score": 2 }] },
                    { "questionId": "q3", "freeTextAnswer": "call me on +1 317 555 0134" }
                ] }] }
    })
}

fn conversation() -> Value {
    json!({
        "conversationId": "c1", "conversationStart": "2026-11-14T09:00:00.000Z",
        "conversationEnd": "2026-11-14T09:10:00.000Z", "originatingDirection": "inbound", "divisionIds": ["d1"],
        "participants": [{ "purpose": "agent", "userId": "u1", "teamId": "t1", "sessions": [{
            "sessionId": "s1", "mediaType": "voice",
            "segments": [{ "queueId": "q1", "wrapUpCode": "w1" }],
            "metrics": [{ "name": "tHandle", "value": 600000 }, { "name": "tTalk", "value": 500000 }] }] }],
        "evaluations": [{ "evaluationId": "e1", "eventTime": "2026-11-14T10:00:00.000Z" }],
        "surveys": [{ "surveyId": "s1", "surveyPartialResponse": false }]
    })
}

fn document() -> Value {
    json!({
        "startTime": 1_763_110_800_000_i64, "duration": { "milliseconds": 600000 },
        "transcripts": [{ "language": "en-US",
            "phrases": [{ "phraseIndex": 0, "participantPurpose": "external", "text": "my card is 4111 1111 1111 1111",
                          "confidence": 0.9, "offset": { "milliseconds": 1000 }, "duration": { "milliseconds": 2000 } }],
            "analytics": { "sentiment": [{ "phraseIndex": 0, "sentiment": -1 }],
                           "topics": [{ "topicId": "t1", "topicName": "Billing", "topicPhrase": "card" }] } }]
    })
}

fn survey() -> Value {
    json!({
        "id": "s1", "conversation": { "id": "c1" }, "surveyForm": { "id": "sf1", "name": "CSAT" },
        "agent": { "id": "u1" }, "queue": { "id": "q1" }, "status": "Finished",
        "completedDate": "2026-11-14T11:00:00.000Z", "missingRequiredAnswer": false,
        "answers": { "totalScore": 80.0, "npsScore": 9, "questionGroupScores": [{ "questionScores": [
            { "questionId": "nps", "npsScore": 9, "npsTextAnswer": "great" },
            { "questionId": "free", "freeTextAnswer": "mail me at jane@example.com", "markedNA": false }] }] }
    })
}

fn user() -> Value {
    json!({ "id": "u1", "name": "Ann Lee", "email": "ann@acme.example", "username": "ann",
            "state": "active", "division": { "id": "d1", "name": "Home" }, "team": { "id": "t1", "name": "Blue" } })
}

fn build_everything(e: &Evaluation, f: &Form, c: &Conversation) {
    for zeroes in [true, false] {
        let scored = to_assessment(
            e,
            f,
            c,
            Scoring {
                failed_kill_zeroes_score: zeroes,
            },
        );
        if let Some(score) = scored.normalized_score {
            assert!(score.is_finite(), "a score that is no number: {score}");
        }
    }
    crate::feedback::from_evaluation(e);
    crate::forms::to_form(f, f, None);
    crate::interactions::to_interaction(c);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn evaluations_forms_and_details_survive_mutation(
        e in mutated(evaluation()), f in mutated(form()), c in mutated(conversation())
    ) {
        let (e, f, c) = (decode::<Evaluation>(e), decode::<Form>(f), decode::<Conversation>(c));
        let seeds = (
            serde_json::from_value::<Evaluation>(evaluation()).unwrap(),
            serde_json::from_value::<Form>(form()).unwrap(),
            serde_json::from_value::<Conversation>(conversation()).unwrap(),
        );
        // Each mutated body against the realistic others, and all three together.
        if let Some(e) = &e { build_everything(e, &seeds.1, &seeds.2); }
        if let Some(f) = &f { build_everything(&seeds.0, f, &seeds.2); }
        if let Some(c) = &c { build_everything(&seeds.0, &seeds.1, c); }
        if let (Some(e), Some(f), Some(c)) = (&e, &f, &c) { build_everything(e, f, c); }
    }

    #[test]
    fn transcripts_surveys_and_users_survive_mutation(
        d in mutated(document()), s in mutated(survey()), u in mutated(user()), c in mutated(conversation())
    ) {
        let seed = serde_json::from_value::<Conversation>(conversation()).unwrap();
        let c = decode::<Conversation>(c).unwrap_or(seed);
        if let Some(d) = decode::<crate::transcripts::Document>(d) {
            crate::transcripts::to_transcript(&c, "comm-1", d, None);
        }
        if let Some(s) = decode::<crate::surveys::SurveyDto>(s) {
            crate::surveys::to_survey(s, &c, false);
        }
        if let Some(u) = decode::<crate::agents::User>(u) {
            crate::agents::to_agent(u);
        }
    }

    #[test]
    fn arbitrary_json_never_panics_a_decoder(body in arbitrary_json()) {
        let c = serde_json::from_value::<Conversation>(conversation()).unwrap();
        let f = serde_json::from_value::<Form>(form()).unwrap();
        if let Some(e) = decode::<Evaluation>(body.clone()) { build_everything(&e, &f, &c); }
        if let Some(d) = decode::<crate::transcripts::Document>(body.clone()) {
            crate::transcripts::to_transcript(&c, "comm-1", d, None);
        }
        if let Some(s) = decode::<crate::surveys::SurveyDto>(body) {
            crate::surveys::to_survey(s, &c, false);
        }
    }
}
