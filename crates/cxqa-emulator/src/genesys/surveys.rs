//! Surveys: by id, by conversation, and the survey aggregates.

use super::*;

pub(super) fn survey_json(world: &World, index: usize) -> Value {
    let s = &world.surveys[index];
    let c = &world.conversations[s.conversation];
    let f = &world.survey_form;
    let mut body = json!({
        "id": s.id, "name": "Post-contact survey",
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "surveyForm": { "id": f.id, "name": "Post-contact CSAT", "contextId": f.context_id, "published": true, "language": "en-US" },
        "agent": user_ref(world, c.agent),
        "status": survey_status(s.status),
        "queue": { "id": world.queues[c.queue].id, "selfUri": format!("/api/v2/routing/queues/{}", world.queues[c.queue].id) },
        "surveyType": "Web",
        "missingRequiredAnswer": s.partial,
        "selfUri": format!("/api/v2/quality/surveys/{}", s.id),
    });
    if let Some(completed) = s.completed {
        body["completedDate"] = json!(ts(completed));
    }
    if let Some(csat) = s.csat {
        let mut questions = vec![
            json!({ "questionId": f.csat_question, "answerId": format!("{}-{csat}", f.csat_question), "score": csat * 25 - 25, "markedNA": false }),
        ];
        if let Some(nps) = s.nps {
            questions.push(json!({ "questionId": f.nps_question, "score": nps * 10, "npsScore": nps, "markedNA": false }));
        }
        if let Some(comment) = &s.comment {
            questions.push(json!({ "questionId": f.comment_question, "score": 0, "freeTextAnswer": comment, "markedNA": false }));
        }
        let mut answers = json!({
            "totalScore": (csat - 1) as f64 * 25.0,
            "questionGroupScores": [{ "questionGroupId": f.group_id, "totalScore": (csat - 1) as f64 * 25.0, "maxTotalScore": 100.0,
                                      "markedNA": false, "questionScores": questions }]
        });
        if let Some(nps) = s.nps {
            answers["npsScore"] = json!(nps);
        }
        body["answers"] = answers;
    }
    body
}

pub(super) async fn survey_by_id(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(survey_id): Path<String>,
) -> Response {
    if state.take_armed(TransientFault::NotFound) {
        return not_found("survey");
    }
    let world = state.world.read().expect("world lock");
    match world.surveys.iter().position(|s| s.id == survey_id) {
        Some(i)
            if visible(
                &world,
                &caller,
                &world.conversations[world.surveys[i].conversation],
            ) =>
        {
            Json(survey_json(&world, i)).into_response()
        }
        _ => not_found("survey"),
    }
}

pub(super) async fn surveys_by_conversation(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(conversation_id): Path<String>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = world
        .conversations
        .iter()
        .find(|c| c.id == conversation_id && visible(&world, &caller, c))
    else {
        return not_found("conversation");
    };
    // A bare array, not a listing.
    let surveys: Vec<Value> = c
        .survey
        .map(|i| survey_json(&world, i))
        .into_iter()
        .collect();
    Json(Value::Array(surveys)).into_response()
}
