//! Users and divisions: `GET /api/v2/users`, `/api/v2/authorization/divisions` and the
//! permitted-divisions listing.

use super::*;

pub(super) fn user_ref(world: &World, agent: usize) -> Value {
    let a = &world.agents[agent];
    json!({ "id": a.id, "name": a.name(), "selfUri": format!("/api/v2/users/{}", a.id) })
}

pub(super) fn division_entity(world: &World, index: usize) -> Value {
    let d = &world.divisions[index];
    json!({ "id": d.id, "name": d.name, "description": format!("{} division", d.name), "homeDivision": index == 0,
            "selfUri": format!("/api/v2/authorization/divisions/{}", d.id) })
}

pub(super) async fn divisions(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
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

pub(super) async fn divisions_permitted(
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

pub(super) async fn users(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let wanted_state = params.get("state").unwrap_or("active").to_string();
    let ids = params.all("id");
    let expand = params.all("expand");
    let world = state.world.read().expect("world lock");
    let items = world
        .agents
        .iter()
        .filter(|a| wanted_state == "any" || user_state(a.state) == wanted_state)
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .map(|a| {
            let division = &world.divisions[a.division];
            let mut user = json!({
                "id": a.id, "name": a.name(), "email": a.email(), "username": a.email(),
                "state": user_state(a.state), "version": 3, "title": if a.supervisor { "QA Supervisor" } else { "Agent" },
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
