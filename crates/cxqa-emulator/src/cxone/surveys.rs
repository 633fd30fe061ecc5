//! Feedback Management: the survey response search.

use super::*;

/// Every `{field, operator, value}` condition anywhere in the (untyped) filter.
pub(super) fn conditions(filter: &Value, out: &mut Vec<(String, String, String)>) {
    match filter {
        Value::Object(map) => {
            if let (Some(f), Some(v)) = (map.get("field").and_then(Value::as_str), map.get("value"))
            {
                let op = map.get("operator").and_then(Value::as_str).unwrap_or("EQ");
                out.push((
                    f.to_string(),
                    op.to_uppercase(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                ));
            }
            for value in map.values() {
                conditions(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| conditions(v, out)),
        _ => {}
    }
}

pub(super) async fn feedback_search(
    State(state): Shared,
    Extension(_caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Option<Json<Value>>,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let Some(limit) = params.get("limit").and_then(|l| l.parse::<usize>().ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": "400", "details": "limit is required" })),
        )
            .into_response();
    };
    let mut filters = Vec::new();
    if let Some(Json(body)) = &body {
        conditions(body.get("filter").unwrap_or(&Value::Null), &mut filters);
    }
    let percent = switches(&state).primary_score_percent;
    let world = state.world.read().expect("world lock");
    let passes = |at: Option<DateTime<Utc>>, field: &str| {
        filters
            .iter()
            .filter(|(f, _, _)| f == field)
            .all(|(_, op, v)| {
                let (Some(at), Some(bound)) = (at, parse_time(v)) else {
                    return false;
                };
                match op.as_str() {
                    "GTE" => at >= bound,
                    "GT" => at > bound,
                    "LT" => at < bound,
                    "LTE" => at <= bound,
                    _ => at == bound,
                }
            })
    };
    let rows: Vec<Value> = world
        .surveys
        .iter()
        .filter(|s| s.csat.is_some())
        .filter(|s| passes(Some(s.last_event()), "completedAt"))
        .map(|s| {
            let c = &world.conversations[s.conversation];
            let category = s.nps.map(|n| if n >= 9 { "PROMOTER" } else if n >= 7 { "PASSIVE" } else { "DETRACTOR" });
            let mut answers = vec![json!({ "FIELD": "How satisfied were you with your contact?", "NUMERIC_VALUE": s.csat, "TEXT_VALUE": null })];
            if let Some(nps) = s.nps {
                answers.push(json!({ "FIELD": "How likely are you to recommend us?", "NUMERIC_VALUE": nps, "TEXT_VALUE": null }));
            }
            if let Some(comment) = &s.comment {
                answers.push(json!({ "FIELD": "Anything else?", "NUMERIC_VALUE": null, "TEXT_VALUE": comment }));
            }
            json!({
                "feedbackId": s.number.to_string(), "surveyIdfier": "post-contact-csat", "surveyName": "Post-contact CSAT",
                "status": if s.partial { "PARTIAL" } else { "COMPLETED" },
                "completedAt": s.completed.map(ts), "lastUpdated": ts(s.last_event()),
                "acdContactId": c.contact_id.to_string(), "agentId": world.agents[c.agent].number.to_string(),
                "PRIMARY_SCORE": s.csat.map(|v| if percent { v * 20 } else { v }), "NPS_SCORE": s.nps, "NPS_CATEGORY": category,
                "FEEDBACK_DETAILS": answers
            })
        })
        .collect();
    let offset: usize = params
        .get("cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(limit.max(1))
        .cloned()
        .collect();
    let more = offset + limit.max(1) < rows.len();
    let next = more.then(|| (offset + limit.max(1)).to_string());
    let mut links = vec![
        json!({ "rel": "self", "href": format!("{}/survey-data/v1.0/feedback/search?limit={limit}&cursor={offset}", base(&state)) }),
    ];
    if let Some(n) = &next {
        links.push(json!({ "rel": "next", "href": format!("{}/survey-data/v1.0/feedback/search?limit={limit}&cursor={n}", base(&state)) }));
    }
    Json(json!({
        "links": links, "warnings": [], "exportLimit": { "limitRemaining": 1000, "resetAt": ts(world.clock + Duration::hours(1)) },
        "data": page, "nextCursor": next.unwrap_or_default()
    }))
    .into_response()
}
