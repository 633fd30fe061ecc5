//! Genesys Cloud Platform API v2, as `shared/reference/genesys-cloud-api.md` describes it.

use crate::gate::{Caller, Vendor, bearer, gate, genesys_error};
use crate::http_util::{Params, encode_query, page_of, parse_time, ts};
use crate::state::{AppState, DetailsJob};
use crate::world::{Conversation, Evaluation, Form, FormVersion, Question, QuestionKind, World};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<AppState>>;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/v2/tokens/me", get(tokens_me))
        .route("/api/v2/authorization/divisions", get(divisions))
        .route("/api/v2/authorization/divisionspermitted/paged/me", get(divisions_permitted))
        .route("/api/v2/users", get(users))
        .route("/api/v2/quality/forms/evaluations", get(forms))
        .route("/api/v2/quality/forms/evaluations/{form_id}", get(form_by_id))
        .route("/api/v2/quality/forms/evaluations/{form_id}/versions", get(form_versions))
        .route("/api/v2/quality/publishedforms/evaluations", get(published_forms))
        .route("/api/v2/quality/evaluations/query", get(evaluations_query))
        .route("/api/v2/quality/conversations/{conversation_id}/evaluations/{evaluation_id}", get(evaluation_by_id))
        .route("/api/v2/quality/conversations/{conversation_id}/surveys", get(surveys_by_conversation))
        .route("/api/v2/quality/surveys/{survey_id}", get(survey_by_id))
        .route("/api/v2/analytics/conversations/details/query", post(details_query))
        .route("/api/v2/analytics/conversations/details/jobs", post(details_job_create))
        .route("/api/v2/analytics/conversations/details/jobs/availability", get(details_job_availability))
        .route("/api/v2/analytics/conversations/details/jobs/{job_id}", get(details_job_status).delete(details_job_cancel))
        .route("/api/v2/analytics/conversations/details/jobs/{job_id}/results", get(details_job_results))
        .route("/api/v2/analytics/evaluations/aggregates/query", post(evaluation_aggregates))
        .route("/api/v2/analytics/surveys/aggregates/query", post(survey_aggregates))
        .route("/api/v2/speechandtextanalytics/conversations/{conversation_id}", get(conversation_metrics))
        .route(
            "/api/v2/speechandtextanalytics/conversations/{conversation_id}/communications/{communication_id}/transcripturl",
            get(transcript_url),
        )
        .route("/api/v2/coaching/appointments", get(appointments))
        .route("/api/v2/coaching/appointments/{appointment_id}/annotations", get(annotations))
        .route("/api/v2/organizations/limits/namespaces/{namespace}", get(limits))
        .route_layer(axum::middleware::from_fn_with_state((state.clone(), Vendor::Genesys), gate));
    Router::new()
        .route("/oauth/token", post(token))
        .route("/transcripts/{key}", get(transcript_document))
        .merge(api)
        .with_state(state)
}

/// The OAuth client the demo uses: it sees the Home and EMEA divisions, not Restricted.
pub const DEMO_CLIENT: (&str, &str) = ("demo-client", "demo-secret");
/// An OAuth client that sees every division.
pub const ADMIN_CLIENT: (&str, &str) = ("admin-client", "admin-secret");
/// The clients the token endpoint accepts: (client id, secret).
pub const CLIENTS: [(&str, &str); 2] = [DEMO_CLIENT, ADMIN_CLIENT];
pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("client_id", DEMO_CLIENT.0),
    ("client_secret", DEMO_CLIENT.1),
];

fn not_found(what: &str) -> Response {
    genesys_error(
        StatusCode::NOT_FOUND,
        "not.found",
        &format!("The requested {what} was not found."),
    )
}

fn bad_request(message: &str) -> Response {
    genesys_error(StatusCode::BAD_REQUEST, "bad.request", message)
}

// ---------------------------------------------------------------- OAuth

async fn token(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    state.count("/oauth/token");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let oauth_error = |status: StatusCode, error: &str, text: &str| {
        (
            status,
            Json(json!({ "error": error, "description": text, "error_description": text })),
        )
            .into_response()
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only client_credentials is supported for this client.",
        );
    }
    let credentials = crate::http_util::client_credentials(&headers, &form);
    let client = credentials.and_then(|(id, secret)| {
        CLIENTS
            .iter()
            .find(|(i, s)| *i == id && *s == secret)
            .map(|(i, _)| *i)
    });
    let Some(client) = client else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials.",
        );
    };
    let (access_token, expires_in) = state.issue_token(client, "gc");
    Json(json!({ "access_token": access_token, "token_type": "bearer", "expires_in": expires_in }))
        .into_response()
}

// ---------------------------------------------------------------- listings

/// A classic `*EntityListing`; `nextUri` is absent on the last page.
fn listing(path: &str, params: &Params, items: Vec<Value>, default_size: u64) -> Value {
    let page_size = params.number("pageSize", default_size).max(1);
    let page_number = params.number("pageNumber", 1).max(1);
    let total = items.len() as u64;
    let page_count = total.div_ceil(page_size).max(1);
    let rest = params.without(&["pageSize", "pageNumber"]);
    let uri = |n: u64| {
        let mut pairs = vec![
            ("pageSize".to_string(), page_size.to_string()),
            ("pageNumber".to_string(), n.to_string()),
        ];
        pairs.extend(rest.iter().cloned());
        format!("{path}?{}", encode_query(&pairs))
    };
    let mut body = json!({
        "entities": page_of(&items, page_size, page_number),
        "pageSize": page_size, "pageNumber": page_number, "total": total, "pageCount": page_count,
        "firstUri": uri(1), "selfUri": uri(page_number), "lastUri": uri(page_count),
    });
    if page_number < page_count {
        body["nextUri"] = json!(uri(page_number + 1));
    }
    if page_number > 1 {
        body["previousUri"] = json!(uri(page_number - 1));
    }
    body
}

fn user_ref(world: &World, agent: usize) -> Value {
    let a = &world.agents[agent];
    json!({ "id": a.id, "name": a.name(), "selfUri": format!("/api/v2/users/{}", a.id) })
}

async fn tokens_me(State(state): Shared, Extension(caller): Extension<Caller>) -> Json<Value> {
    let world = state.world.read().expect("world lock");
    Json(json!({
        "organization": { "id": world.org_id, "name": "Acme Support (emulated)", "selfUri": format!("/api/v2/organizations/{}", world.org_id) },
        "homeOrganization": { "id": world.org_id, "name": "Acme Support (emulated)" },
        "authorizedScope": [],
        "OAuthClient": { "id": caller.client_id, "name": caller.client_id, "organization": { "id": world.org_id } }
    }))
}

fn division_entity(world: &World, index: usize) -> Value {
    let d = &world.divisions[index];
    json!({ "id": d.id, "name": d.name, "description": format!("{} division", d.name), "homeDivision": index == 0,
            "selfUri": format!("/api/v2/authorization/divisions/{}", d.id) })
}

async fn divisions(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let items = (0..world.divisions.len())
        .map(|i| division_entity(&world, i))
        .collect();
    Json(listing(
        "/api/v2/authorization/divisions",
        &params,
        items,
        25,
    ))
}

async fn divisions_permitted(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let items = (0..world.divisions.len())
        .filter(|&i| caller.sees(i))
        .map(|i| division_entity(&world, i))
        .collect();
    let mut body = listing(
        "/api/v2/authorization/divisionspermitted/paged/me",
        &params,
        items,
        25,
    );
    body["allDivsPermitted"] = json!(caller.visible.is_none());
    Json(body)
}

async fn users(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let wanted_state = params.get("state").unwrap_or("active").to_string();
    let ids = params.all("id");
    let expand = params.all("expand");
    let world = state.world.read().expect("world lock");
    let items = world
        .agents
        .iter()
        .filter(|a| wanted_state == "any" || a.state == wanted_state)
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .map(|a| {
            let division = &world.divisions[a.division];
            let mut user = json!({
                "id": a.id, "name": a.name(), "email": a.email(), "username": a.email(),
                "state": a.state, "version": 3, "title": if a.supervisor { "QA Supervisor" } else { "Agent" },
                "division": { "id": division.id, "name": division.name, "selfUri": format!("/api/v2/authorization/divisions/{}", division.id) },
                "primaryContactInfo": [], "addresses": [], "acdAutoAnswer": false,
                "selfUri": format!("/api/v2/users/{}", a.id)
            });
            if expand.iter().any(|e| e == "team") {
                let team = &world.teams[a.team];
                user["team"] = json!({ "id": team.id, "name": team.name, "selfUri": format!("/api/v2/teams/{}", team.id) });
            }
            user
        })
        .collect();
    Json(listing("/api/v2/users", &params, items, 25))
}

// ---------------------------------------------------------------- forms

fn question_json(q: &Question) -> Value {
    let kind = match q.kind {
        QuestionKind::MultipleChoice => "multipleChoiceQuestion",
        QuestionKind::MultipleSelect => "multipleSelectQuestion",
        QuestionKind::FreeText => "freeTextQuestion",
        QuestionKind::Nps => "npsQuestion",
    };
    let options: Vec<Value> = if q.kind == QuestionKind::MultipleSelect {
        Vec::new()
    } else {
        q.options
            .iter()
            .map(|o| json!({ "id": o.id, "text": o.text, "value": o.value }))
            .collect()
    };
    let sub_questions: Vec<Value> = if q.kind == QuestionKind::MultipleSelect {
        q.options
            .iter()
            .map(|o| {
                json!({ "id": o.id, "text": o.text, "type": "multipleChoiceQuestion", "naEnabled": false,
                        "commentsRequired": false, "isKill": false, "isCritical": false,
                        "answerOptions": [
                            { "id": format!("{}-selected", o.id), "text": "Selected", "value": o.value, "builtInType": "Selected" },
                            { "id": format!("{}-unselected", o.id), "text": "Unselected", "value": 0, "builtInType": "Unselected" }
                        ] })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "id": q.id, "contextId": q.id, "text": q.text, "helpText": "", "type": kind,
        "naEnabled": q.na_enabled, "commentsRequired": false, "isKill": q.is_kill, "isCritical": q.is_critical,
        "answerOptions": options, "multipleSelectOptionQuestions": sub_questions
    })
}

fn form_json(form: &Form, version: &FormVersion, with_groups: bool, latest: bool) -> Value {
    let mut body = json!({
        "id": version.id, "contextId": form.context_id, "name": form.name,
        "modifiedDate": ts(version.published_at), "published": latest,
        "weightMode": form.weight_mode,
        "evaluationSettings": { "revisionsEnabled": false, "disputesEnabled": true, "disputesAllowedPerEvaluation": 1 },
        "selfUri": format!("/api/v2/quality/forms/evaluations/{}", version.id),
    });
    if with_groups {
        body["questionGroups"] = version
            .groups
            .iter()
            .map(|g| {
                json!({ "id": g.id, "contextId": g.id, "name": g.name, "type": "questionGroup",
                        "weight": g.weight, "manualWeight": true, "naEnabled": g.na_enabled,
                        "defaultAnswersToHighest": false, "defaultAnswersToNA": false,
                        "questions": g.questions.iter().map(question_json).collect::<Vec<_>>() })
            })
            .collect();
    }
    body
}

async fn forms(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    // The listing has no questionGroups and always says published = false.
    let items = world
        .forms
        .iter()
        .filter_map(|f| f.versions.last().map(|v| form_json(f, v, false, false)))
        .collect();
    Json(listing(
        "/api/v2/quality/forms/evaluations",
        &params,
        items,
        25,
    ))
}

fn find_version(world: &World, id: &str) -> Option<(usize, usize)> {
    world.forms.iter().enumerate().find_map(|(f, form)| {
        form.versions
            .iter()
            .position(|v| v.id == id)
            .map(|v| (f, v))
    })
}

async fn form_by_id(State(state): Shared, Path(form_id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    match find_version(&world, &form_id) {
        Some((f, v)) => {
            let form = &world.forms[f];
            Json(form_json(
                form,
                &form.versions[v],
                true,
                v + 1 == form.versions.len(),
            ))
            .into_response()
        }
        None => not_found("evaluation form"),
    }
}

async fn form_versions(
    State(state): Shared,
    Path(form_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let Some((f, _)) = find_version(&world, &form_id).or_else(|| {
        world
            .forms
            .iter()
            .position(|f| f.context_id == form_id)
            .map(|f| (f, 0))
    }) else {
        return not_found("evaluation form");
    };
    let form = &world.forms[f];
    let mut items: Vec<Value> = form
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| form_json(form, v, true, i + 1 == form.versions.len()))
        .collect();
    if params.get("sortOrder").is_some_and(|s| s.starts_with('d')) {
        items.reverse();
    }
    let path = format!("/api/v2/quality/forms/evaluations/{form_id}/versions");
    Json(listing(&path, &params, items, 25)).into_response()
}

async fn published_forms(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let latest_only = params.flag("onlyLatestPerContext");
    let world = state.world.read().expect("world lock");
    let items = world
        .forms
        .iter()
        .flat_map(|f| {
            let n = f.versions.len();
            f.versions
                .iter()
                .enumerate()
                .filter(move |(i, _)| !latest_only || i + 1 == n)
                .map(move |(i, v)| form_json(f, v, true, i + 1 == n))
        })
        .collect();
    Json(listing(
        "/api/v2/quality/publishedforms/evaluations",
        &params,
        items,
        25,
    ))
}

// ---------------------------------------------------------------- evaluations

/// The emulated vendor's own scoring: Σ(points·w)/Σ(possible·w) for SCALED, unweighted for
/// OFF; a failed kill question zeroes the total (one plausible reading of an unverified rule).
pub struct Scored {
    pub total: f64,
    pub critical: f64,
    pub any_failed_kill: bool,
    pub groups: Vec<Value>,
}

pub fn score(world: &World, evaluation: &Evaluation) -> Scored {
    let form = &world.forms[evaluation.form];
    let version = &form.versions[evaluation.version];
    let scaled = form.weight_mode == "SCALED";
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
    let total = if any_failed_kill {
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

fn evaluation_json(world: &World, e: &Evaluation, detail: bool, expand_form: bool) -> Value {
    let c = &world.conversations[e.conversation];
    let form = &world.forms[e.form];
    let version = &form.versions[e.version];
    let division = &world.divisions[world.queues[c.queue].division];
    let scored = score(world, e);
    let mut body = json!({
        "id": e.id,
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "evaluationForm": if expand_form { form_json(form, version, true, e.version + 1 == form.versions.len()) }
                          else { json!({ "id": version.id, "name": form.name, "contextId": form.context_id,
                                         "selfUri": format!("/api/v2/quality/forms/evaluations/{}", version.id) }) },
        "evaluator": user_ref(world, e.evaluator),
        "agent": user_ref(world, e.agent),
        "status": e.status,
        "agentHasRead": e.agent_has_read,
        "assignedDate": ts(e.created),
        "createdDate": ts(e.created),
        "changedDate": ts(e.changed),
        "conversationDate": ts(c.start),
        "conversationEndDate": ts(c.end),
        "neverRelease": !e.released && e.status == "FINISHED",
        "assigned": true, "rescore": false, "redacted": false, "isScoringIndex": false,
        "queue": { "id": world.queues[c.queue].id, "selfUri": format!("/api/v2/routing/queues/{}", world.queues[c.queue].id) },
        "mediaType": [c.media.genesys()],
        "divisionIds": [division.id],
        "authorizedActions": ["viewAudit"],
        "evaluationSource": { "id": "emulator-policy", "name": "Weekly QA", "type": "Policy" },
        "disputeCount": e.dispute_count,
        "version": 1 + u32::from(e.changed > e.submitted.unwrap_or(e.created)),
        "declinedReview": false,
        "emulatorNote": "unknown fields like this one must be tolerated",
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

fn visible(world: &World, caller: &Caller, c: &Conversation) -> bool {
    caller.sees(world.queues[c.queue].division)
}

async fn evaluations_query(
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
        .filter(|e| states.is_empty() || states.iter().any(|s| s == e.status))
        .filter(|e| start.is_none_or(|s| e.created >= s) && end.is_none_or(|t| e.created < t))
        .collect();
    found.sort_by_key(|e| e.created);
    let with_answers = params.flag("expandAnswerTotalScores");
    let items = found
        .into_iter()
        .map(|e| {
            let mut body = evaluation_json(&world, e, false, false);
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

async fn evaluation_by_id(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path((conversation_id, evaluation_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
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
    ))
    .into_response()
}

// ---------------------------------------------------------------- surveys

fn survey_json(world: &World, index: usize) -> Value {
    let s = &world.surveys[index];
    let c = &world.conversations[s.conversation];
    let f = &world.survey_form;
    let mut body = json!({
        "id": s.id, "name": "Post-contact survey",
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "surveyForm": { "id": f.id, "name": "Post-contact CSAT", "contextId": f.context_id, "published": true, "language": "en-US" },
        "agent": user_ref(world, c.agent),
        "status": s.status,
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

async fn survey_by_id(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(survey_id): Path<String>,
) -> Response {
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

async fn surveys_by_conversation(
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

// ---------------------------------------------------------------- conversation details

fn segment(kind: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Value {
    json!({ "segmentStart": ts(start), "segmentEnd": ts(end), "segmentType": kind, "conference": false })
}

fn metric(name: &str, value: i64, at: DateTime<Utc>) -> Value {
    json!({ "name": name, "value": value, "emitDate": ts(at) })
}

pub fn conversation_json(world: &World, index: usize, with_attributes: bool) -> Value {
    let c = &world.conversations[index];
    let agent = &world.agents[c.agent];
    let queue = &world.queues[c.queue];
    let media = c.media.genesys();
    let direction = if c.inbound { "inbound" } else { "outbound" };
    let answered = c.start + Duration::milliseconds(c.queue_ms);
    let talk_end = c.end;
    let wrap_end = c.end + Duration::milliseconds(c.acw_ms);
    let mut agent_segments = vec![segment(
        "alert",
        c.start + Duration::milliseconds(c.queue_ms - 3000),
        answered,
    )];
    let mut interact = segment("interact", answered, talk_end);
    interact["queueId"] = json!(queue.id);
    agent_segments.push(interact);
    if c.hold_ms > 0 {
        agent_segments.push(segment(
            "hold",
            answered + Duration::seconds(60),
            answered + Duration::seconds(60) + Duration::milliseconds(c.hold_ms),
        ));
    }
    let mut wrap = segment("wrapup", talk_end, wrap_end);
    wrap["wrapUpCode"] = json!(world.wrap_ups[c.wrap_up].id);
    wrap["queueId"] = json!(queue.id);
    agent_segments.push(wrap);
    let mut customer = json!({
        "participantId": format!("{}-c", &c.id[..8]), "participantName": "Customer", "purpose": "customer",
        "sessions": [{ "sessionId": c.customer_session_id, "mediaType": media, "direction": direction,
                       "ani": "tel:+13175550100", "dnis": "tel:+18005550199", "recording": media == "voice",
                       "segments": [segment("interact", c.start, talk_end)], "metrics": [] }]
    });
    let mut acd = json!({
        "participantId": format!("{}-q", &c.id[..8]), "participantName": queue.name, "purpose": "acd",
        "sessions": [{ "sessionId": format!("{}-acd", &c.id[..8]), "mediaType": media, "direction": direction,
                       "segments": [{ "segmentStart": ts(c.start), "segmentEnd": ts(answered), "segmentType": "interact", "queueId": queue.id }],
                       "metrics": [metric("tAcd", c.queue_ms, answered)] }]
    });
    let mut agent_participant = json!({
        "participantId": format!("{}-a", &c.id[..8]), "participantName": agent.name(), "purpose": "agent",
        "userId": agent.id, "teamId": world.teams[agent.team].id,
        "sessions": [{ "sessionId": c.agent_session_id, "mediaType": media, "direction": direction, "recording": media == "voice",
                       "segments": agent_segments,
                       "metrics": [metric("tAnswered", 3000, answered), metric("tTalk", c.talk_ms, talk_end),
                                   metric("tHeld", c.hold_ms, talk_end), metric("tAcw", c.acw_ms, wrap_end),
                                   metric("tHandle", (talk_end - answered).num_milliseconds() + c.acw_ms, wrap_end)] }]
    });
    if with_attributes {
        for p in [&mut customer, &mut acd, &mut agent_participant] {
            p["attributes"] = json!({});
        }
    }
    let mut body = json!({
        "conversationId": c.id, "conversationStart": ts(c.start), "conversationEnd": ts(wrap_end),
        "originatingDirection": direction,
        "divisionIds": [world.divisions[queue.division].id],
        "participants": [customer, acd, agent_participant],
    });
    if media == "voice" {
        body["mediaStatsMinConversationMos"] = json!(4.31);
    }
    if let Some(e) = c.evaluation.map(|i| &world.evaluations[i]) {
        let version = &world.forms[e.form].versions[e.version];
        let scored = score(world, e);
        let status = match e.status {
            "FINISHED" => "Finished",
            "INPROGRESS" => "InProgress",
            "INREVIEW" => "InReview",
            "PENDING" => "Pending",
            _ => "Retracted",
        };
        body["evaluations"] = json!([{
            "evaluationId": e.id, "evaluatorId": world.agents[e.evaluator].id, "userId": agent.id,
            "formId": version.id, "formName": world.forms[e.form].name, "contextId": world.forms[e.form].context_id,
            "queueId": queue.id, "evaluationStatus": status, "eventTime": ts(e.changed),
            "released": e.released, "rescored": false, "deleted": e.deleted, "systemSubmitted": false,
            "oTotalScore": scored.total.round() as i64, "oTotalCriticalScore": scored.critical.round() as i64
        }]);
    }
    if let Some(s) = c.survey.map(|i| &world.surveys[i]) {
        let mut survey = json!({
            "surveyId": s.id, "surveyFormId": world.survey_form.id, "surveyFormName": "Post-contact CSAT",
            "surveyFormContextId": world.survey_form.context_id, "surveyStatus": s.status, "surveyType": "Web",
            "surveyPartialResponse": s.partial, "queueId": queue.id, "userId": agent.id,
            "eventTime": ts(s.completed.unwrap_or(c.end)),
        });
        if let Some(completed) = s.completed {
            survey["surveyCompletedDate"] = json!(ts(completed));
        }
        if let Some(csat) = s.csat {
            survey["oSurveyTotalScore"] = json!((csat - 1) * 25);
        }
        if let Some(nps) = s.nps {
            survey["surveyPromoterScore"] = json!(nps);
        }
        body["surveys"] = json!([survey]);
    }
    body
}

/// A conversation's values for a filter dimension.
fn dimension(world: &World, c: &Conversation, name: &str) -> Vec<String> {
    let e = c.evaluation.map(|i| &world.evaluations[i]);
    let s = c.survey.map(|i| &world.surveys[i]);
    match name {
        "conversationId" => vec![c.id.clone()],
        "divisionId" => vec![world.divisions[world.queues[c.queue].division].id.clone()],
        "userId" => vec![world.agents[c.agent].id.clone()],
        "queueId" => vec![world.queues[c.queue].id.clone()],
        "mediaType" => vec![c.media.genesys().to_string()],
        "direction" | "originatingDirection" => {
            vec![(if c.inbound { "inbound" } else { "outbound" }).to_string()]
        }
        "wrapUpCode" => vec![world.wrap_ups[c.wrap_up].id.clone()],
        "evaluationId" => e.map(|e| e.id.clone()).into_iter().collect(),
        "deleted" => e.map(|e| e.deleted.to_string()).into_iter().collect(),
        "surveyId" => s.map(|s| s.id.clone()).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn predicate_matches(world: &World, c: &Conversation, p: &Value) -> bool {
    let name = p
        .get("dimension")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let values = dimension(world, c, name);
    match p
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or("matches")
    {
        "exists" => !values.is_empty(),
        "notExists" => values.is_empty(),
        _ => p
            .get("value")
            .and_then(Value::as_str)
            .is_none_or(|v| values.iter().any(|x| x == v)),
    }
}

fn filter_matches(world: &World, c: &Conversation, filter: &Value) -> bool {
    let is_or = filter.get("type").and_then(Value::as_str) == Some("or");
    let mut results = filter
        .get("predicates")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| predicate_matches(world, c, p))
        .chain(
            filter
                .get("clauses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|cl| filter_matches(world, c, cl)),
        )
        .peekable();
    if results.peek().is_none() {
        return true;
    }
    if is_or {
        results.any(|r| r)
    } else {
        results.all(|r| r)
    }
}

/// Conversations a details query selects, in `order`.
fn select(
    world: &World,
    caller: &Caller,
    body: &Value,
    keep: impl Fn(&Conversation) -> bool,
) -> Vec<usize> {
    let mut selected: Vec<usize> = (0..world.conversations.len())
        .filter(|&i| {
            let c = &world.conversations[i];
            visible(world, caller, c) && keep(c)
        })
        .filter(|&i| {
            let c = &world.conversations[i];
            [
                "conversationFilters",
                "segmentFilters",
                "evaluationFilters",
                "surveyFilters",
            ]
            .iter()
            .all(|key| {
                let filters = body.get(*key).and_then(Value::as_array);
                let needs = |dim: &str| !dimension(world, c, dim).is_empty();
                let present = match *key {
                    "evaluationFilters" => needs("evaluationId"),
                    "surveyFilters" => needs("surveyId"),
                    _ => true,
                };
                filters.is_none_or(|fs| present && fs.iter().all(|f| filter_matches(world, c, f)))
            })
        })
        .collect();
    let by_end = body.get("orderBy").and_then(Value::as_str) == Some("conversationEnd");
    selected.sort_by_key(|&i| {
        if by_end {
            world.conversations[i].end
        } else {
            world.conversations[i].start
        }
    });
    if body.get("order").and_then(Value::as_str) == Some("desc") {
        selected.reverse();
    }
    selected
}

fn interval(body: &Value) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let text = body.get("interval")?.as_str()?;
    let (a, b) = text.split_once('/')?;
    Some((parse_time(a)?, parse_time(b)?))
}

async fn details_query(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    let Some((from, to)) = interval(&body) else {
        return bad_request("interval is required, formatted as start/end in ISO-8601.");
    };
    let page_size = body
        .pointer("/paging/pageSize")
        .and_then(Value::as_u64)
        .unwrap_or(25)
        .max(1);
    let page_number = body
        .pointer("/paging/pageNumber")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1);
    if page_size * page_number > state.faults().details_result_cap {
        return bad_request(&format!(
            "Pagination may not exceed {} results. Please use smaller intervals.",
            state.faults().details_result_cap
        ));
    }
    let world = state.world.read().expect("world lock");
    // Conversations active in the interval, restricted (as the API says) to those "that started
    // on a day touched by the interval": one that started the day before is left out.
    let day_start = from.duration_trunc(Duration::days(1)).unwrap_or(from);
    let selected = select(&world, &caller, &body, |c| {
        c.start < to && c.end > from && c.start >= day_start
    });
    let page: Vec<Value> = page_of(&selected, page_size, page_number)
        .into_iter()
        .map(|i| conversation_json(&world, i, false))
        .collect();
    let mut response = json!({ "totalHits": selected.len() });
    if !page.is_empty() {
        response["conversations"] = json!(page);
    }
    Json(response).into_response()
}

fn availability(world: &World) -> DateTime<Utc> {
    world.anchor - Duration::days(1)
}

async fn details_job_availability(State(state): Shared) -> Json<Value> {
    let world = state.world.read().expect("world lock");
    Json(json!({ "dataAvailabilityDate": ts(availability(&world)) }))
}

async fn details_job_create(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    let Some((from, to)) = interval(&body) else {
        return bad_request("interval is required.");
    };
    let id = state.next_id();
    state.details_jobs.lock().expect("jobs lock").insert(
        id.clone(),
        DetailsJob {
            from,
            to,
            polls: 0,
            cancelled: false,
            client_id: caller.client_id,
        },
    );
    (StatusCode::ACCEPTED, Json(json!({ "jobId": id }))).into_response()
}

async fn details_job_status(State(state): Shared, Path(job_id): Path<String>) -> Response {
    let mut jobs = state.details_jobs.lock().expect("jobs lock");
    let Some(job) = jobs.get_mut(&job_id) else {
        return not_found("job");
    };
    job.polls += 1;
    let job_state = if job.cancelled {
        "CANCELLED"
    } else if job.polls < 2 {
        "QUEUED"
    } else {
        "FULFILLED"
    };
    let world_anchor = state.world.read().expect("world lock").anchor;
    Json(json!({ "state": job_state, "submissionDate": ts(world_anchor), "expirationDate": ts(world_anchor + Duration::days(1)) })).into_response()
}

async fn details_job_cancel(State(state): Shared, Path(job_id): Path<String>) -> Response {
    match state
        .details_jobs
        .lock()
        .expect("jobs lock")
        .get_mut(&job_id)
    {
        Some(job) => {
            job.cancelled = true;
            StatusCode::ACCEPTED.into_response()
        }
        None => not_found("job"),
    }
}

async fn details_job_results(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(job_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let Some(job) = state
        .details_jobs
        .lock()
        .expect("jobs lock")
        .get(&job_id)
        .cloned()
    else {
        return not_found("job");
    };
    if job.cancelled || job.polls < 2 || job.client_id != caller.client_id {
        return bad_request("The job is not fulfilled.");
    }
    let world = state.world.read().expect("world lock");
    let available = availability(&world);
    // "Had activity during the interval", and only data before the availability date.
    let selected = select(&world, &caller, &json!({}), |c| {
        c.start < job.to && c.end > job.from && c.end < available
    });
    let page_size = params.number("pageSize", 1000).max(1) as usize;
    let offset: usize = params
        .get("cursor")
        .and_then(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|&i| conversation_json(&world, i, true))
        .collect();
    let mut body = json!({ "conversations": page, "dataAvailabilityDate": ts(available) });
    if offset + page_size < selected.len() {
        body["cursor"] = json!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode((offset + page_size).to_string())
        );
    }
    Json(body).into_response()
}

// ---------------------------------------------------------------- aggregates

fn aggregate_response(groups: Vec<(Value, Vec<(String, Value)>)>, interval_text: &str) -> Value {
    json!({ "results": groups.into_iter().map(|(group, metrics)| json!({
        "group": group,
        "data": [{ "interval": interval_text, "metrics": metrics.into_iter().map(|(m, stats)| json!({ "metric": m, "stats": stats })).collect::<Vec<_>>() }]
    })).collect::<Vec<_>>() })
}

async fn evaluation_aggregates(State(state): Shared, Json(body): Json<Value>) -> Response {
    let Some((from, to)) = interval(&body) else {
        return bad_request("interval is required.");
    };
    let world = state.world.read().expect("world lock");
    let by_division = body
        .get("groupBy")
        .and_then(Value::as_array)
        .is_some_and(|g| g.iter().any(|d| d == "divisionId"));
    let mut groups: Vec<(Value, Vec<(String, Value)>)> = Vec::new();
    let keys: Vec<Option<usize>> = if by_division {
        (0..world.divisions.len()).map(Some).collect()
    } else {
        vec![None]
    };
    for key in keys {
        let chosen: Vec<&Evaluation> = world
            .evaluations
            .iter()
            .filter(|e| {
                let c = &world.conversations[e.conversation];
                c.start >= from
                    && c.start < to
                    && key.is_none_or(|d| world.queues[c.queue].division == d)
            })
            .collect();
        let live = chosen.iter().filter(|e| !e.deleted).count();
        let deleted = chosen.len() - live;
        if chosen.is_empty() {
            continue;
        }
        let group = key.map_or(
            json!({}),
            |d| json!({ "divisionId": world.divisions[d].id }),
        );
        groups.push((
            group,
            vec![
                ("nEvaluations".into(), json!({ "count": live })),
                ("nEvaluationsDeleted".into(), json!({ "count": deleted })),
            ],
        ));
    }
    let text = body
        .get("interval")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Json(aggregate_response(groups, text)).into_response()
}

async fn survey_aggregates(State(state): Shared, Json(body): Json<Value>) -> Response {
    let Some((from, to)) = interval(&body) else {
        return bad_request("interval is required.");
    };
    let world = state.world.read().expect("world lock");
    let chosen: Vec<_> = world
        .surveys
        .iter()
        .filter(|s| {
            let c = &world.conversations[s.conversation];
            c.start >= from && c.start < to
        })
        .collect();
    let answered: Vec<i64> = chosen
        .iter()
        .filter_map(|s| s.csat.map(|v| (v - 1) * 25))
        .collect();
    let text = body
        .get("interval")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let groups = if chosen.is_empty() {
        Vec::new()
    } else {
        vec![(
            json!({}),
            vec![
                ("nSurveysSent".to_string(), json!({ "count": chosen.len() })),
                (
                    "nSurveyResponses".to_string(),
                    json!({ "count": answered.len() }),
                ),
                (
                    "oSurveyTotalScore".to_string(),
                    json!({ "count": answered.len(), "sum": answered.iter().sum::<i64>() }),
                ),
            ],
        )]
    };
    Json(aggregate_response(groups, text)).into_response()
}

// ---------------------------------------------------------------- speech & text analytics

fn analyzed<'a>(
    world: &'a World,
    caller: &Caller,
    conversation_id: &str,
) -> Option<&'a Conversation> {
    world
        .conversations
        .iter()
        .find(|c| c.id == conversation_id && c.analytics.is_some() && visible(world, caller, c))
}

async fn conversation_metrics(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(conversation_id): Path<String>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = analyzed(&world, &caller, &conversation_id) else {
        return not_found("conversation analytics");
    };
    let a = c.analytics.as_ref().expect("analyzed");
    Json(json!({
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "sentimentScore": a.sentiment_score, "sentimentTrend": a.sentiment_trend, "sentimentTrendClass": a.trend_class,
        "empathyScores": [{ "score": 0.7, "userId": world.agents[c.agent].id }],
        "participantMetrics": { "agentDurationPercentage": 48.0, "customerDurationPercentage": 42.0, "silenceDurationPercentage": 10.0,
                                "ivrDurationPercentage": 0.0, "acdDurationPercentage": 0.0, "overtalkDurationPercentage": 1.5,
                                "otherDurationPercentage": 0.0, "overtalkCount": 1 }
    }))
    .into_response()
}

async fn transcript_url(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path((conversation_id, communication_id)): Path<(String, String)>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = analyzed(&world, &caller, &conversation_id) else {
        return not_found("transcript");
    };
    if communication_id != c.agent_session_id && communication_id != c.customer_session_id {
        return not_found("communication");
    }
    let expires = Utc::now().timestamp() + state.faults().transcript_url_secs as i64;
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{}|{expires}", c.id, communication_id));
    let base = state.url("genesys");
    Json(json!({ "url": format!("{base}/transcripts/{key}?X-Amz-Expires={}&X-Amz-Signature=emulated", state.faults().transcript_url_secs) })).into_response()
}

/// The pre-signed URL's document: no bearer token, expires like S3.
async fn transcript_document(
    State(state): Shared,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.count("/transcripts/{key}");
    let denied = |reason: &str| {
        (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/xml")],
         format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>{reason}</Message></Error>")).into_response()
    };
    if bearer(&headers).is_some() {
        return (StatusCode::BAD_REQUEST, "Only one auth mechanism allowed").into_response();
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&key)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some(decoded) = decoded else {
        return denied("Invalid key");
    };
    let parts: Vec<&str> = decoded.split('|').collect();
    let [conversation_id, communication_id, expires] = parts[..] else {
        return denied("Invalid key");
    };
    if expires
        .parse::<i64>()
        .is_ok_and(|e| e < Utc::now().timestamp())
    {
        return denied("Request has expired");
    }
    let world = state.world.read().expect("world lock");
    let Some(c) = world.conversations.iter().find(|c| c.id == conversation_id) else {
        return denied("No such key");
    };
    let Some(a) = &c.analytics else {
        return denied("No such key");
    };
    let agent = &world.agents[c.agent];
    let start_ms = c.start.timestamp_millis();
    let phrases: Vec<Value> = a.phrases.iter().enumerate().map(|(i, p)| json!({
        "phraseIndex": i, "participantPurpose": p.purpose, "text": p.text, "decoratedText": p.text,
        "stability": 1.0, "confidence": p.confidence, "offset": { "milliseconds": p.offset_ms },
        "startTimeMs": start_ms + p.offset_ms, "duration": { "milliseconds": p.duration_ms }, "type": "transcript",
        "words": [], "alternatives": []
    })).collect();
    let sentiment: Vec<Value> = a.phrases.iter().enumerate().map(|(i, p)| json!({
        "participant": p.purpose, "phrase": p.text, "phraseIndex": i, "sentiment": p.sentiment,
        "offset": { "milliseconds": p.offset_ms }, "startTimeMs": start_ms + p.offset_ms, "duration": { "milliseconds": p.duration_ms }
    })).collect();
    let topics: Vec<Value> = a.topics.iter().map(|(id, name, phrase)| json!({
        "participant": "external", "topicId": id, "topicName": name, "topicPhrase": phrase, "transcriptPhrase": phrase,
        "confidence": 0.9, "offset": { "milliseconds": a.phrases[1].offset_ms }, "startTimeMs": start_ms + a.phrases[1].offset_ms,
        "duration": { "milliseconds": a.phrases[1].duration_ms }
    })).collect();
    let total_ms = a.phrases.last().map_or(0, |p| p.offset_ms + p.duration_ms);
    let media = c.media.genesys();
    Json(json!({
        "organizationId": world.org_id, "conversationId": c.id, "communicationId": communication_id,
        "mediaType": if media == "voice" { "call" } else { media },
        "conversationStartTime": start_ms, "startTime": start_ms, "duration": { "milliseconds": total_ms },
        "participants": [
            { "participantPurpose": "internal", "userId": agent.id, "queueId": world.queues[c.queue].id, "startTimeMs": start_ms, "endTimeMs": start_ms + total_ms },
            { "participantPurpose": "external", "ani": "tel:+13175550100", "startTimeMs": start_ms, "endTimeMs": start_ms + total_ms }
        ],
        "transcripts": [{
            "transcriptId": format!("{}-t", &c.id[..8]), "language": "en-US", "programId": "default", "engineId": "emulated",
            "startTime": start_ms, "duration": { "milliseconds": total_ms },
            "phrases": phrases,
            "analytics": { "sentiment": sentiment, "topics": topics, "acoustic": [] }
        }]
    }))
    .into_response()
}

// ---------------------------------------------------------------- coaching and limits

async fn appointments(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let user_ids = params.all("userIds");
    if user_ids.is_empty() {
        return bad_request("userIds is required.");
    }
    let range = params
        .get("interval")
        .and_then(|i| interval(&json!({ "interval": i })));
    let world = state.world.read().expect("world lock");
    let items = world
        .appointments
        .iter()
        .filter(|a| user_ids.contains(&world.agents[a.agent].id))
        .filter(|a| range.is_none_or(|(from, to)| a.start >= from && a.start < to))
        .map(|a| {
            let facilitator = &world.agents[a.facilitator];
            json!({
                "id": a.id, "name": a.name, "description": "Weekly QA coaching", "dateStart": ts(a.start),
                "lengthInMinutes": a.length_minutes, "status": a.status,
                "facilitator": { "id": facilitator.id, "selfUri": format!("/api/v2/users/{}", facilitator.id) },
                "attendees": [{ "id": world.agents[a.agent].id, "selfUri": format!("/api/v2/users/{}", world.agents[a.agent].id) }],
                "createdBy": { "id": facilitator.id }, "dateCreated": ts(a.start - Duration::days(1)),
                "modifiedBy": { "id": facilitator.id }, "dateModified": ts(a.start - Duration::hours(2)),
                "conversations": a.conversations.iter().map(|&c| json!({ "id": world.conversations[c].id, "selfUri": format!("/api/v2/conversations/{}", world.conversations[c].id) })).collect::<Vec<_>>(),
                "documents": [], "externalLinks": [], "isOverdue": false, "shareInsightsData": true,
                "selfUri": format!("/api/v2/coaching/appointments/{}", a.id)
            })
        })
        .collect();
    Json(listing("/api/v2/coaching/appointments", &params, items, 25)).into_response()
}

async fn annotations(
    State(state): Shared,
    Path(appointment_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let Some(a) = world.appointments.iter().find(|a| a.id == appointment_id) else {
        return not_found("appointment");
    };
    let facilitator = &world.agents[a.facilitator].id;
    let items = a
        .annotations
        .iter()
        .map(|(id, text, at)| json!({ "id": id, "createdBy": { "id": facilitator }, "dateCreated": ts(*at),
                                     "modifiedBy": { "id": facilitator }, "dateModified": ts(*at), "text": text,
                                     "isDeleted": false, "accessType": "Public" }))
        .collect();
    let path = format!("/api/v2/coaching/appointments/{appointment_id}/annotations");
    Json(listing(&path, &params, items, 25)).into_response()
}

async fn limits(State(state): Shared, Path(namespace): Path<String>) -> Json<Value> {
    let rate = state.faults().rate_limit_per_minute.unwrap_or(300);
    Json(json!({
        "namespace": namespace,
        "entities": [
            { "key": "client.credentials.token.rate.per.minute", "value": rate, "namespace": namespace },
            { "key": "token.rate.per.minute", "value": 300, "namespace": namespace }
        ]
    }))
}
