//! The conversation details query and its async jobs (`/api/v2/analytics/conversations/details`).

use super::*;

/// An async conversation-details job.
#[derive(Debug, Clone)]
pub(super) struct DetailsJob {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub polls: u32,
    pub cancelled: bool,
    pub client_id: String,
}

pub(super) fn segment(kind: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Value {
    json!({ "segmentStart": ts(start), "segmentEnd": ts(end), "segmentType": kind, "conference": false })
}

pub(super) fn metric(name: &str, value: i64, at: DateTime<Utc>) -> Value {
    json!({ "name": name, "value": value, "emitDate": ts(at) })
}

pub fn conversation_json(
    world: &World,
    index: usize,
    with_attributes: bool,
    kill_zeroes_total: bool,
) -> Value {
    let c = &world.conversations[index];
    let agent = &world.agents[c.agent];
    let queue = &world.queues[c.queue];
    let media = media_type(c.media);
    let direction = if c.inbound { "inbound" } else { "outbound" };
    let answered = c.start + Duration::milliseconds(c.queue_ms);
    let talk_end = c.end;
    let wrap_end = c.wrapped_up();
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
        let scored = score(world, e, kill_zeroes_total);
        let status = details_evaluation_status(e.status);
        body["evaluations"] = json!([{
            "evaluationId": e.id, "evaluatorId": world.agents[e.evaluator].id, "userId": agent.id,
            "formId": version.id, "formName": world.forms[e.form].name, "contextId": world.forms[e.form].context_id,
            "queueId": queue.id, "evaluationStatus": status, "eventTime": ts(e.changed),
            "released": e.released, "rescored": e.rescored, "deleted": e.deleted, "systemSubmitted": false,
            "oTotalScore": scored.total.round() as i64, "oTotalCriticalScore": scored.critical.round() as i64
        }]);
    }
    if let Some(s) = c.survey.map(|i| &world.surveys[i]) {
        let mut survey = json!({
            "surveyId": s.id, "surveyFormId": world.survey_form.id, "surveyFormName": "Post-contact CSAT",
            "surveyFormContextId": world.survey_form.context_id, "surveyStatus": survey_status(s.status), "surveyType": "Web",
            "surveyPartialResponse": s.partial, "queueId": queue.id, "userId": agent.id,
            "eventTime": ts(s.last_event()),
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
pub(super) fn dimension(world: &World, c: &Conversation, name: &str) -> Vec<String> {
    let e = c.evaluation.map(|i| &world.evaluations[i]);
    let s = c.survey.map(|i| &world.surveys[i]);
    match name {
        "conversationId" => vec![c.id.clone()],
        "divisionId" => vec![world.divisions[world.queues[c.queue].division].id.clone()],
        "userId" => vec![world.agents[c.agent].id.clone()],
        "queueId" => vec![world.queues[c.queue].id.clone()],
        "mediaType" => vec![media_type(c.media).to_string()],
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

pub(super) fn predicate_matches(world: &World, c: &Conversation, p: &Value) -> bool {
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

pub(super) fn filter_matches(world: &World, c: &Conversation, filter: &Value) -> bool {
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
pub(super) fn select(
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

pub(super) fn interval(body: &Value) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let text = body.get("interval")?.as_str()?;
    let (a, b) = text.split_once('/')?;
    Some((parse_time(a)?, parse_time(b)?))
}

pub(super) async fn details_query(
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
    if page_size * page_number > switches(&state).details_result_cap {
        return bad_request(&format!(
            "Pagination may not exceed {} results. Please use smaller intervals.",
            switches(&state).details_result_cap
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
        .map(|i| conversation_json(&world, i, false, switches(&state).kill_zeroes_total))
        .collect();
    let mut response = json!({ "totalHits": selected.len() });
    if !page.is_empty() {
        response["conversations"] = json!(page);
    }
    Json(response).into_response()
}

/// `GET /api/v2/analytics/conversations/details?id=…&id=…`: several conversations by id (the
/// ones the caller may not see, or that do not exist, are left out).
pub(super) async fn details_by_ids(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let ids = params.all("id");
    if ids.is_empty() {
        return bad_request("At least one id is required.");
    }
    if ids.len() > 100 {
        return bad_request("At most 100 ids may be requested at once.");
    }
    let world = state.world.read().expect("world lock");
    let kill_zeroes_total = switches(&state).kill_zeroes_total;
    let conversations: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.conversations.iter().position(|c| &c.id == id))
        .filter(|&i| visible(&world, &caller, &world.conversations[i]))
        .map(|i| conversation_json(&world, i, false, kill_zeroes_total))
        .collect();
    Json(json!({ "conversations": conversations })).into_response()
}

pub(super) fn availability(world: &World) -> DateTime<Utc> {
    world.visible_until - Duration::days(1)
}

pub(super) async fn details_job_availability(State(state): Shared) -> Json<Value> {
    let world = state.world.read().expect("world lock");
    Json(json!({ "dataAvailabilityDate": ts(availability(&world)) }))
}

pub(super) async fn details_job_create(
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

pub(super) async fn details_job_status(
    State(state): Shared,
    Path(job_id): Path<String>,
) -> Response {
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
    let now = state.world.read().expect("world lock").clock;
    Json(json!({ "state": job_state, "submissionDate": ts(now), "expirationDate": ts(now + Duration::days(1)) })).into_response()
}

pub(super) async fn details_job_cancel(
    State(state): Shared,
    Path(job_id): Path<String>,
) -> Response {
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

pub(super) async fn details_job_results(
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
        .map(|&i| conversation_json(&world, i, true, switches(&state).kill_zeroes_total))
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
