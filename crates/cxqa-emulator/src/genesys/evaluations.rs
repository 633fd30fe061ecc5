//! Evaluations: the query, one evaluation by id, the evaluation aggregates, and Genesys' own
//! scoring of an evaluation.

use super::*;

/// The emulated vendor's own scoring: Σ(points·w)/Σ(possible·w) for SCALED, unweighted for
/// OFF, N/A groups and questions left out. Whether a failed kill question zeroes the total is
/// unverified: the `kill_zeroes_total` switch plays either answer (default: it does, as the
/// guidance reads).
pub struct Scored {
    pub total: f64,
    pub critical: f64,
    pub any_failed_kill: bool,
    pub groups: Vec<Value>,
}

pub fn score(world: &World, evaluation: &Evaluation, kill_zeroes_total: bool) -> Scored {
    let form = &world.forms[evaluation.form];
    let version = &form.versions[evaluation.version];
    let scaled = form.weight_mode == WeightMode::Weighted;
    let (mut points_w, mut possible_w, mut crit_p, mut crit_max) = (0.0, 0.0, 0.0, 0.0);
    let mut any_failed_kill = false;
    let mut groups = Vec::new();
    for (group, answer) in version.groups.iter().zip(&evaluation.answers) {
        let weight = if scaled { group.weight } else { 1.0 };
        let (mut g_points, mut g_possible) = (0.0, 0.0);
        let mut question_scores = Vec::new();
        for (q, a) in group.questions.iter().zip(&answer.questions) {
            let possible = q.max_points() as f64;
            let points = match q.kind {
                QuestionKind::MultipleSelect => {
                    a.selected.iter().map(|&i| q.options[i].value).sum::<i64>() as f64
                }
                QuestionKind::FreeText => 0.0,
                _ => a.option.map_or(0.0, |i| q.options[i].value as f64),
            };
            let counted = !a.not_applicable
                && possible > 0.0
                && (a.option.is_some() || q.kind == QuestionKind::MultipleSelect);
            let failed_kill = q.is_kill && counted && points < possible;
            any_failed_kill |= failed_kill;
            if counted {
                g_points += points;
                g_possible += possible;
                if q.is_critical {
                    crit_p += points * weight;
                    crit_max += possible * weight;
                }
            }
            let mut qs = json!({
                "questionId": q.id, "score": points as i64, "markedNA": a.not_applicable, "systemMarkedNA": false,
                "failedKillQuestion": failed_kill,
            });
            if let Some(i) = a.option {
                qs["answerId"] = json!(q.options[i].id);
            }
            if let Some(text) = a.comment.as_ref().or(a.text.as_ref()) {
                qs["comments"] = json!(text);
            }
            if q.kind == QuestionKind::MultipleSelect {
                qs["multipleSelectQuestionOptionScores"] = q
                    .options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| {
                        let chosen = a.selected.contains(&i);
                        json!({ "questionId": o.id,
                                "answerId": if chosen { format!("{}-selected", o.id) } else { format!("{}-unselected", o.id) },
                                "score": if chosen { o.value } else { 0 }, "markedNA": false })
                    })
                    .collect();
            }
            question_scores.push(qs);
        }
        points_w += g_points * weight;
        possible_w += g_possible * weight;
        groups.push(json!({
            "questionGroupId": group.id, "totalScore": g_points * weight, "maxTotalScore": g_possible * weight,
            "markedNA": answer.not_applicable, "systemMarkedNA": false,
            "totalScoreUnweighted": g_points, "maxTotalScoreUnweighted": g_possible,
            "questionScores": question_scores
        }));
    }
    let percent = |p: f64, m: f64| {
        if m > 0.0 {
            (p / m * 10_000.0).round() / 100.0
        } else {
            0.0
        }
    };
    let total = if any_failed_kill && kill_zeroes_total {
        0.0
    } else {
        percent(points_w, possible_w)
    };
    Scored {
        total,
        critical: percent(crit_p, crit_max),
        any_failed_kill,
        groups,
    }
}

pub(super) fn evaluation_json(
    world: &World,
    e: &Evaluation,
    detail: bool,
    expand_form: bool,
    kill_zeroes_total: bool,
) -> Value {
    let c = &world.conversations[e.conversation];
    let form = &world.forms[e.form];
    let version = &form.versions[e.version];
    let division = &world.divisions[world.queues[c.queue].division];
    let scored = score(world, e, kill_zeroes_total);
    let mut body = json!({
        "id": e.id,
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "evaluationForm": if expand_form { form_json(form, version, true, e.version + 1 == form.versions.len()) }
                          else { json!({ "id": version.id, "name": form.name, "contextId": form.context_id,
                                         "selfUri": format!("/api/v2/quality/forms/evaluations/{}", version.id) }) },
        "evaluator": user_ref(world, e.evaluator),
        "agent": user_ref(world, e.agent),
        "status": evaluation_status(e.status),
        "agentHasRead": e.agent_has_read,
        "assignedDate": ts(e.created),
        "createdDate": ts(e.created),
        "changedDate": ts(e.changed),
        "conversationDate": ts(c.start),
        "conversationEndDate": ts(c.end),
        "neverRelease": !e.released && e.status == EvaluationStatus::Finished,
        "assigned": true, "rescore": false, "redacted": false, "isScoringIndex": false,
        "queue": { "id": world.queues[c.queue].id, "selfUri": format!("/api/v2/routing/queues/{}", world.queues[c.queue].id) },
        "mediaType": [media_type(c.media)],
        "divisionIds": [division.id],
        "authorizedActions": ["viewAudit"],
        "evaluationSource": { "id": "emulator-policy", "name": "Weekly QA", "type": "Policy" },
        "disputeCount": e.dispute_count,
        "version": 1 + u32::from(e.changed > e.submitted.unwrap_or(e.created)),
        "declinedReview": false,
        "selfUri": format!("/api/v2/quality/conversations/{}/evaluations/{}", c.id, e.id),
    });
    if let Some(submitted) = e.submitted {
        body["submittedDate"] = json!(ts(submitted));
    }
    if e.released {
        body["releaseDate"] = json!(ts(e.submitted.unwrap_or(e.created)));
    }
    let mut answers = json!({
        "totalScore": scored.total, "totalCriticalScore": scored.critical,
        "totalNonCriticalScore": scored.total, "anyFailedKillQuestions": scored.any_failed_kill,
    });
    if let Some(comments) = &e.comments {
        answers["comments"] = json!(comments);
    }
    if let Some(agent_comments) = &e.agent_comments {
        answers["agentComments"] = json!(agent_comments);
    }
    if detail {
        answers["questionGroupScores"] = json!(scored.groups);
    }
    body["answers"] = answers;
    body
}

pub(super) fn visible(world: &World, caller: &Caller, c: &Conversation) -> bool {
    caller.sees(world.queues[c.queue].division)
}

pub(super) async fn evaluations_query(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let keys = [
        "conversationId",
        "agentUserId",
        "evaluatorUserId",
        "assigneeUserId",
    ];
    if keys.iter().all(|k| params.get(k).is_none()) {
        return bad_request(
            "One of conversationId, agentUserId, evaluatorUserId or assigneeUserId is required.",
        );
    }
    let world = state.world.read().expect("world lock");
    let states = params.all("evaluationState");
    let (start, end) = (params.time("startTime"), params.time("endTime"));
    let mut found: Vec<&Evaluation> = world
        .evaluations
        .iter()
        .filter(|e| !e.deleted && visible(&world, &caller, &world.conversations[e.conversation]))
        .filter(|e| {
            params
                .get("conversationId")
                .is_none_or(|id| world.conversations[e.conversation].id == id)
        })
        .filter(|e| {
            params
                .get("agentUserId")
                .is_none_or(|id| world.agents[e.agent].id == id)
        })
        .filter(|e| {
            params
                .get("evaluatorUserId")
                .is_none_or(|id| world.agents[e.evaluator].id == id)
        })
        .filter(|e| states.is_empty() || states.iter().any(|s| s == evaluation_status(e.status)))
        .filter(|e| start.is_none_or(|s| e.created >= s) && end.is_none_or(|t| e.created < t))
        .collect();
    found.sort_by_key(|e| e.created);
    let kill_zeroes_total = switches(&state).kill_zeroes_total;
    let with_answers = params.flag("expandAnswerTotalScores");
    let items = found
        .into_iter()
        .map(|e| {
            let mut body = evaluation_json(&world, e, false, false, kill_zeroes_total);
            if !with_answers {
                body.as_object_mut().map(|o| o.remove("answers"));
            }
            body
        })
        .collect();
    Json(listing(
        "/api/v2/quality/evaluations/query",
        &params,
        items,
        25,
    ))
    .into_response()
}

pub(super) async fn evaluation_by_id(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path((conversation_id, evaluation_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    if state.take_armed(TransientFault::NotFound) {
        return not_found("evaluation");
    }
    let world = state.world.read().expect("world lock");
    let Some(e) = world
        .evaluations
        .iter()
        .find(|e| e.id == evaluation_id && !e.deleted)
    else {
        return not_found("evaluation");
    };
    let c = &world.conversations[e.conversation];
    if c.id != conversation_id {
        return not_found("evaluation");
    }
    if !visible(&world, &caller, c) {
        // A permission gap shows as a redacted evaluation, not a 403.
        return Json(json!({ "id": e.id, "redacted": true, "conversation": { "id": c.id },
                            "selfUri": format!("/api/v2/quality/conversations/{}/evaluations/{}", c.id, e.id) }))
            .into_response();
    }
    let expand = params.all("expand");
    Json(evaluation_json(
        &world,
        e,
        true,
        expand.iter().any(|x| x == "evaluationForm"),
        switches(&state).kill_zeroes_total,
    ))
    .into_response()
}
