//! The directory listings other Genesys extractors read beside users and divisions:
//! `routing/queues`, `groups`, `locations` and `stations`, as classic entity listings.

use super::*;

/// A UUID-shaped id for something the world has one of per `base` (a station per agent): the
/// base's groups in reverse order, so it is stable and never equals the base.
fn derived_id(base: &str) -> String {
    base.split('-').rev().collect::<Vec<_>>().join("-")
}

pub(super) async fn queues(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let items = world
        .queues
        .iter()
        .map(|q| {
            let division = &world.divisions[q.division];
            json!({ "id": q.id, "name": q.name, "memberCount": world.agents.len(),
                    "division": { "id": division.id, "name": division.name, "selfUri": format!("/api/v2/authorization/divisions/{}", division.id) },
                    "selfUri": format!("/api/v2/routing/queues/{}", q.id) })
        })
        .collect();
    Json(listing("/api/v2/routing/queues", &params, items, 25))
}

pub(super) async fn groups(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let items = world
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let members = world.agents.iter().filter(|a| a.team == i).count();
            json!({ "id": derived_id(&t.id), "name": format!("{} group", t.name), "type": "official",
                    "state": "active", "visibility": "public", "memberCount": members, "version": 1,
                    "selfUri": format!("/api/v2/groups/{}", derived_id(&t.id)) })
        })
        .collect();
    Json(listing("/api/v2/groups", &params, items, 25))
}

pub(super) async fn locations(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let id = derived_id(&world.org_id);
    let items = vec![json!({
        "id": id, "name": "Main office", "state": "active", "version": 1,
        "address": { "city": "Indianapolis", "country": "US", "countryName": "United States" },
        "selfUri": format!("/api/v2/locations/{id}")
    })];
    Json(listing("/api/v2/locations", &params, items, 25))
}

pub(super) async fn stations(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let items = world
        .agents
        .iter()
        .filter(|a| a.state == AgentState::Active)
        .map(|a| {
            let id = derived_id(&a.id);
            json!({ "id": id, "name": format!("webrtc-{}", a.first.to_lowercase()), "status": "ASSOCIATED",
                    "userId": a.id, "type": "inin_webrtc_softphone", "webRtcCallAppearances": 1,
                    "selfUri": format!("/api/v2/stations/{id}") })
        })
        .collect();
    Json(listing("/api/v2/stations", &params, items, 25))
}
