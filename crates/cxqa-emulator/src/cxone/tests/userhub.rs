//! Reference §8: UserHub users, teams and divisions, by id and by search, with `skip`/`top`,
//! `totalRecords`, `fields`, `operations`, `orderBy` and the singular `division` key.

use super::*;

async fn search(http: &reqwest::Client, url: &str, token: &str, body: Value) -> (u16, Value) {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn user_search_filters_orders_pages_and_narrows_fields() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let url = format!("{base}/user-management/v2/users/search");
    let (active, agents) = {
        let world = emu.state.world.read().unwrap();
        let active = world
            .agents
            .iter()
            .filter(|a| a.state == AgentState::Active)
            .count();
        (active, world.agents.clone())
    };

    let body = json!({ "filter": { "status": ["ACTIVE"] }, "orderBy": { "lastName": "DESC" }, "skip": 1, "top": 2 });
    let (status, page) = search(&http, &url, &token, body).await;
    assert_eq!(status, 200);
    assert_eq!(page["totalRecords"], active);
    assert_eq!(
        (page["skip"].as_u64(), page["top"].as_u64()),
        (Some(1), Some(2))
    );
    let users = page["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert!(users[0]["lastName"].as_str() >= users[1]["lastName"].as_str());
    assert!(
        users
            .iter()
            .all(|u| u["status"] == "ACTIVE" && u["divisionId"].is_i64())
    );

    let first = agents[0].first;
    let body = json!({ "filter": { "firstName": [first.to_lowercase()] }, "operations": { "firstName": "LIKE" },
                        "fields": ["id", "firstName"] });
    let (_, page) = search(&http, &url, &token, body).await;
    let users = page["users"].as_array().unwrap();
    assert!(!users.is_empty());
    for user in users {
        let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["firstName", "id"], "{user}");
        assert!(user["firstName"].as_str().unwrap().contains(first));
    }

    let body = json!({ "filter": { "status": ["ACTIVE"] }, "operations": { "status": "NOT" } });
    let (_, page) = search(&http, &url, &token, body).await;
    assert_eq!(page["totalRecords"], agents.len() - active);

    let body =
        json!({ "filter": { "status": ["ACTIVE"] }, "operations": { "status": "SOUNDSLIKE" } });
    let (status, error) = search(&http, &url, &token, body).await;
    assert_eq!(status, 400);
    assert!(
        error["details"].as_str().unwrap().contains("SOUNDSLIKE"),
        "{error}"
    );

    let (status, _) = search(&http, &url, "not-a-token", json!({})).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn users_by_id_and_listing_map_to_acd_agents_and_hide_deleted_users() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let agent = emu.state.world.read().unwrap().agents[0].clone();
    let (status, found) = get_json(
        &http,
        &format!("{base}/user-management/v3/users/{}", agent.id),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let user = &found["user"];
    assert_eq!(user["emailAddress"], agent.email());
    assert_eq!(
        user["acdUserMappings"][0]["loginId"],
        agent.number.to_string()
    );
    let (status, missing) = get_json(
        &http,
        &format!("{base}/user-management/v3/users/no-such-user"),
        &token,
    )
    .await;
    assert_eq!(status, 404);
    assert!(missing["code"].is_string() && missing["details"].is_string());

    // The listing leaves deleted users out unless asked, and has no paging.
    let deleted = |listing: &Value| {
        listing["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["status"] == "DELETED")
            .count()
    };
    let world_deleted = emu
        .state
        .world
        .read()
        .unwrap()
        .agents
        .iter()
        .filter(|a| a.state == AgentState::Deleted)
        .count();
    let (_, plain) = get_json(&http, &format!("{base}/user-management/v1/users"), &token).await;
    let (_, all) = get_json(
        &http,
        &format!("{base}/user-management/v1/users?includeDeleted=true"),
        &token,
    )
    .await;
    assert!(world_deleted > 0, "the world has a deleted agent");
    assert_eq!(deleted(&plain), 0);
    assert_eq!(deleted(&all), world_deleted);
}

#[tokio::test]
async fn teams_and_divisions_search_by_id_and_division_uses_the_singular_key() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let (divisions, teams) = {
        let world = emu.state.world.read().unwrap();
        (world.divisions.clone(), world.teams.clone())
    };

    let (status, page) = search(
        &http,
        &format!("{base}/division-management/v1/division/search"),
        &token,
        json!({ "orderBy": { "name": "ASC" }, "top": 2 }),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.get("divisions").is_none(),
        "search answers under `division`"
    );
    assert_eq!(page["totalRecords"], divisions.len());
    let names: Vec<&str> = page["division"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = divisions.iter().map(|d| d.name).collect();
    expected.sort();
    assert_eq!(names, expected[..2]);

    let (_, identities) = search(
        &http,
        &format!("{base}/division-management/v1/division/identities"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(
        identities["divisions"].as_array().unwrap().len(),
        divisions.len()
    );
    let (status, one) = get_json(
        &http,
        &format!(
            "{base}/division-management/v1/division/{}",
            divisions[1].number
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], divisions[1].name);
    assert_eq!(one["parentDivisionId"], divisions[0].number);

    let (status, page) = search(
        &http,
        &format!("{base}/user-management/v4/teams/search"),
        &token,
        json!({ "filter": { "name": [teams[1].name] }, "operations": { "name": "EQ" } }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["totalRecords"], 1);
    assert_eq!(page["teams"][0]["id"], teams[1].id);
    let (_, one) = get_json(
        &http,
        &format!("{base}/user-management/v3/teams/{}", teams[1].id),
        &token,
    )
    .await;
    let division = one["team"]["divisionId"].clone();
    assert!(division.is_i64(), "{one}");
    let (_, in_division) = search(
        &http,
        &format!("{base}/user-management/v4/teams/search"),
        &token,
        json!({ "filter": { "divisionId": [division] } }),
    )
    .await;
    assert!(
        in_division["teams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == teams[1].id)
    );
}
