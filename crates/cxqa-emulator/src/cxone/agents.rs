//! Admin: the agent listing.

use super::*;

pub(super) async fn agents(
    State(state): Shared,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if acd_version(&version).is_none() {
        return unsupported_version(&version);
    }
    let params = Params::parse(raw.as_deref());
    // `fields` names the fields each agent carries (case as the client writes it).
    let fields: Vec<String> = params
        .get("fields")
        .map(|f| f.split(',').map(|x| x.trim().to_lowercase()).collect())
        .unwrap_or_default();
    let world = state.world.read().expect("world lock");
    let since = params.time("updateSince");
    let active = params
        .get("isActive")
        .map(|v| v.eq_ignore_ascii_case("true"));
    let rows: Vec<Value> = world
        .agents
        .iter()
        .filter(|a| since.is_none_or(|s| a.modified >= s))
        .filter(|a| active.is_none_or(|want| (a.state == AgentState::Active) == want))
        .map(|a| {
            let team = &world.teams[a.team];
            let mut row = json!({
                "agentId": a.number, "userName": a.email(), "firstName": a.first, "middleName": "", "lastName": a.last,
                "userID": a.id, "emailAddress": a.email(), "isActive": a.state == AgentState::Active, "teamId": team.number,
                "teamName": team.name, "teamUuId": team.id, "isSupervisor": a.supervisor, "lastUpdated": ts(a.modified),
                "profileId": 5, "profileName": if a.supervisor { "Supervisor" } else { "Agent" }, "timeZone": "UTC",
                "DivisionNo": world.divisions[a.division].number, "hireDate": ts(a.modified - Duration::days(400))
            });
            if a.state == AgentState::Deleted {
                row["terminationDate"] = json!(ts(a.modified));
            }
            if a.state != AgentState::Active {
                row["inactiveDate"] = json!(ts(a.modified));
            }
            if let (false, Some(object)) = (fields.is_empty(), row.as_object_mut()) {
                object.retain(|key, _| fields.contains(&key.to_lowercase()));
            }
            row
        })
        .collect();
    let top = params.number("top", 10_000).clamp(1, 10_000) as usize;
    let skip = params.number("skip", 0) as usize;
    let page: Vec<Value> = rows.iter().skip(skip).take(top).cloned().collect();
    if page.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let mut links = json!({ "self": Value::Null });
    if skip + top < rows.len() {
        let mut pairs = params.without(&["skip", "top"]);
        pairs.push(("top".into(), top.to_string()));
        pairs.push(("skip".into(), (skip + top).to_string()));
        links["next"] = json!(format!(
            "{}/incontactapi/services/{version}/agents?{}",
            base(&state),
            crate::http_util::encode_query(&pairs)
        ));
    }
    Json(
        json!({ "businessUnitId": 4_600_001, "_links": links, "lastPollTime": ts(world.clock),
                 "totalRecords": rows.len(), "hiddenAgents": 0, "agents": page }),
    )
    .into_response()
}
