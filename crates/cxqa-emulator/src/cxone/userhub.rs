//! UserHub (reference §8): users, teams and divisions, each by id and by search.
//!
//! The searches share one body grammar — `filter` (field → values), `operations` (field →
//! `LIKE`/`BETWEEN`/`NOT`/`OR`/`IN`/`EQ`), `fields`, `skip`, `top`, `orderBy` — and answer
//! `{totalRecords, skip, top, <key>: [...]}`, the key differing per endpoint (`division`, singular,
//! on the division search).

use super::*;
use crate::world::{Agent, Division, Team};

/// Rows per search page when the body names no `top`, and the most one page holds.
const DEFAULT_TOP: u64 = 100;
const MAX_TOP: u64 = 1000;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct SearchBody {
    filter: serde_json::Map<String, Value>,
    fields: Vec<String>,
    operations: HashMap<String, String>,
    skip: Option<u64>,
    top: Option<u64>,
    #[serde(rename = "orderBy")]
    order_by: serde_json::Map<String, Value>,
}

/// One filter value as text, so numbers and strings compare alike (`divisionId: ["10"]`).
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}

fn wanted(values: &Value) -> Vec<String> {
    match values {
        Value::Array(items) => items.iter().map(text).collect(),
        Value::Null => Vec::new(),
        single => vec![text(single)],
    }
}

/// Orders numbers as numbers and everything else as text.
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

fn matches(row: &Value, field: &str, operation: &str, values: &[String]) -> Result<bool, String> {
    let actual = row.get(field).filter(|v| !v.is_null()).map(text);
    let Some(actual) = actual else {
        return Ok(operation == "NOT");
    };
    Ok(match operation {
        "IN" | "EQ" | "OR" => values.iter().any(|v| v.eq_ignore_ascii_case(&actual)),
        "NOT" => !values.iter().any(|v| v.eq_ignore_ascii_case(&actual)),
        "LIKE" => {
            let actual = actual.to_lowercase();
            values
                .iter()
                .any(|v| actual.contains(&v.trim_matches('%').to_lowercase()))
        }
        "BETWEEN" => match values {
            [low, high] => compare(&actual, low).is_ge() && compare(&actual, high).is_le(),
            _ => return Err(format!("BETWEEN on `{field}` needs two values")),
        },
        other => return Err(format!("Unsupported operation `{other}` on `{field}`")),
    })
}

/// Filters, orders and pages `rows` as the body asks; the error is a 400 body's `details`.
fn search(rows: Vec<Value>, body: &SearchBody, key: &str) -> Result<Value, String> {
    let mut kept = Vec::new();
    for row in rows {
        let mut keep = true;
        for (field, values) in &body.filter {
            let operation = body
                .operations
                .get(field)
                .map_or("IN", String::as_str)
                .to_ascii_uppercase();
            keep &= matches(&row, field, &operation, &wanted(values))?;
        }
        if keep {
            kept.push(row);
        }
    }
    if let Some((field, direction)) = body.order_by.iter().next() {
        let descending = text(direction).eq_ignore_ascii_case("DESC");
        kept.sort_by(|a, b| {
            let (a, b) = (
                a.get(field).map(text).unwrap_or_default(),
                b.get(field).map(text).unwrap_or_default(),
            );
            let order = compare(&a, &b);
            if descending { order.reverse() } else { order }
        });
    }
    let skip = body.skip.unwrap_or(0);
    let top = body.top.unwrap_or(DEFAULT_TOP);
    if !(1..=MAX_TOP).contains(&top) {
        return Err(format!("top must be between 1 and {MAX_TOP}"));
    }
    let total = kept.len();
    let page: Vec<Value> = kept
        .into_iter()
        .skip(skip as usize)
        .take(top as usize)
        .map(|mut row| {
            if let (false, Some(object)) = (body.fields.is_empty(), row.as_object_mut()) {
                object.retain(|k, _| body.fields.iter().any(|f| f == k));
            }
            row
        })
        .collect();
    Ok(json!({ "totalRecords": total, "skip": skip, "top": top, key: page }))
}

/// UserHub's 4xx body (reference §10).
fn userhub_error(status: StatusCode, details: &str, entity: &str) -> Response {
    (
        status,
        Json(json!({
            "code": status.canonical_reason().unwrap_or("Error").to_uppercase().replace(' ', "_"),
            "details": details, "hostname": "userhub-emulator", "entityType": entity, "errors": []
        })),
    )
        .into_response()
}

fn search_response(result: Result<Value, String>, entity: &str) -> Response {
    match result {
        Ok(page) => Json(page).into_response(),
        Err(details) => userhub_error(StatusCode::BAD_REQUEST, &details, entity),
    }
}

fn parse_body(body: &str) -> Result<SearchBody, String> {
    if body.trim().is_empty() {
        return Ok(SearchBody::default());
    }
    serde_json::from_str(body).map_err(|e| format!("Malformed search body: {e}"))
}

fn user_status(agent: &Agent) -> &'static str {
    match agent.state {
        AgentState::Active => "ACTIVE",
        AgentState::Inactive => "BLOCKED",
        AgentState::Deleted => "DELETED",
    }
}

fn user_json(world: &World, agent: &Agent) -> Value {
    let role = if agent.supervisor {
        "Supervisor"
    } else {
        "Agent"
    };
    let created = agent.modified - Duration::days(400);
    let mut user = json!({
        "id": agent.id, "userName": agent.email(), "firstName": agent.first, "middleName": "",
        "lastName": agent.last, "displayName": agent.name(), "fullName": agent.name(),
        "emailAddress": agent.email(), "status": user_status(agent), "teamId": world.teams[agent.team].id,
        "role": role, "roleUUID": format!("role-{}", role.to_lowercase()), "secondaryRoleIds": [], "groupIds": [],
        "acdUserMappings": [{ "loginId": agent.number.to_string() }],
        "acdInfos": [{ "loginId": agent.number.to_string() }],
        "icBUId": 4_600_001, "icClusterId": "E32", "creationDate": ts(created), "hireDate": ts(created),
        "timeZone": "UTC", "country": "US", "customAttributes": {},
        "divisionId": world.divisions[agent.division].number
    });
    if agent.state == AgentState::Deleted {
        user["deletedDate"] = json!(ts(agent.modified));
    }
    user
}

/// A team's division and lead: those of its first supervisor, else of its first member.
fn team_lead(world: &World, team: usize) -> Option<&Agent> {
    let members = || world.agents.iter().filter(move |a| a.team == team);
    members()
        .find(|a| a.supervisor)
        .or_else(|| members().next())
}

fn team_json(world: &World, index: usize, team: &Team) -> Value {
    let lead = team_lead(world, index);
    json!({
        "id": team.id, "name": team.name, "description": format!("{} team", team.name),
        "status": "ACTIVE", "leadUserId": lead.map(|a| a.id.clone()), "teamCustomAttributes": [],
        "isDefault": index == 0, "divisionId": world.divisions[lead.map_or(0, |a| a.division)].number,
        "createdBy": "emulator", "lastModified": ts(world.anchor - Duration::days(400)), "customAttributes": []
    })
}

/// The first division is the tenant's default and the parent of the others.
fn division_json(world: &World, index: usize, division: &Division) -> Value {
    let root = &world.divisions[0];
    let child = index > 0;
    json!({
        "divisionId": division.number, "name": division.name,
        "description": format!("{} division", division.name),
        "parentDivisionId": if child { json!(root.number) } else { Value::Null },
        "parentDivisionName": if child { json!(root.name) } else { Value::Null },
        "status": "ACTIVE", "isDefault": !child, "divisionType": "STANDARD",
        "billingCode": format!("BC-{}", division.number), "level": if child { 2 } else { 1 }
    })
}

fn divisions(world: &World) -> Vec<Value> {
    world
        .divisions
        .iter()
        .enumerate()
        .map(|(i, d)| division_json(world, i, d))
        .collect()
}

pub(super) async fn users_list(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let deleted_after = params.time("includeDeletedAfter");
    let include_deleted = params.flag("includeDeleted");
    let name = params.get("fullNameContains").map(str::to_lowercase);
    let world = state.world.read().expect("world lock");
    let users: Vec<Value> = world
        .agents
        .iter()
        .filter(|a| {
            a.state != AgentState::Deleted
                || include_deleted
                || deleted_after.is_some_and(|after| a.modified >= after)
        })
        .filter(|a| {
            name.as_deref()
                .is_none_or(|n| a.name().to_lowercase().contains(n))
        })
        .map(|a| user_json(&world, a))
        .collect();
    Json(json!({ "users": users })).into_response()
}

pub(super) async fn users_search(State(state): Shared, body: String) -> Response {
    let world = state.world.read().expect("world lock");
    let rows = world.agents.iter().map(|a| user_json(&world, a)).collect();
    search_response(
        parse_body(&body).and_then(|b| search(rows, &b, "users")),
        "user",
    )
}

pub(super) async fn user_by_id(State(state): Shared, Path(id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    match world.agents.iter().find(|a| a.id == id) {
        Some(agent) => Json(json!({ "user": user_json(&world, agent) })).into_response(),
        None => userhub_error(StatusCode::NOT_FOUND, "User not found", "user"),
    }
}

pub(super) async fn teams_search(State(state): Shared, body: String) -> Response {
    let world = state.world.read().expect("world lock");
    let rows = world
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| team_json(&world, i, t))
        .collect();
    search_response(
        parse_body(&body).and_then(|b| search(rows, &b, "teams")),
        "team",
    )
}

pub(super) async fn team_by_id(State(state): Shared, Path(id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    match world.teams.iter().position(|t| t.id == id) {
        Some(i) => Json(json!({ "team": team_json(&world, i, &world.teams[i]) })).into_response(),
        None => userhub_error(StatusCode::NOT_FOUND, "Team not found", "team"),
    }
}

pub(super) async fn division_search(State(state): Shared, body: String) -> Response {
    let world = state.world.read().expect("world lock");
    search_response(
        parse_body(&body).and_then(|b| search(divisions(&world), &b, "division")),
        "division",
    )
}

pub(super) async fn division_identities(State(state): Shared, body: String) -> Response {
    let world = state.world.read().expect("world lock");
    search_response(
        parse_body(&body).and_then(|b| search(divisions(&world), &b, "divisions")),
        "division",
    )
}

pub(super) async fn division_by_id(State(state): Shared, Path(id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    match world
        .divisions
        .iter()
        .position(|d| d.number.to_string() == id)
    {
        Some(i) => Json(division_json(&world, i, &world.divisions[i])).into_response(),
        None => userhub_error(StatusCode::NOT_FOUND, "Division not found", "division"),
    }
}
