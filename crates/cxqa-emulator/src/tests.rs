//! The emulator over real HTTP: paging styles end, error bodies have the vendors' shapes,
//! faults behave, and the same seed gives byte-identical responses.

use super::*;
use base64::Engine;
use serde_json::{Value, json};

fn anchor() -> DateTime<Utc> {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

async fn emulator(faults: Faults) -> RunningEmulator {
    start(EmulatorConfig {
        anchor: anchor(),
        faults,
        ..EmulatorConfig::new()
    })
    .await
    .unwrap()
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn genesys_token(http: &reqwest::Client, base: &str, (id, secret): (&str, &str)) -> String {
    let response: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["access_token"].as_str().unwrap().to_string()
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn cxone_token(http: &reqwest::Client, base: &str) -> Value {
    http.post(format!("{base}/auth/token"))
        .basic_auth(cxone::DEMO.client_id, Some(cxone::DEMO.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", cxone::DEMO.access_key_id),
            ("password", cxone::DEMO.access_key_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn genesys_tokens_accept_basic_and_form_credentials_and_refuse_bad_ones() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    assert!(
        !genesys_token(&http, emu.url("genesys"), genesys::DEMO_CLIENT)
            .await
            .is_empty()
    );
    let form: Value = http
        .post(format!("{}/oauth/token", emu.url("genesys")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["token_type"], "bearer");
    assert_eq!(form["expires_in"], 86_400);
    let bad = http
        .post(format!("{}/oauth/token", emu.url("genesys")))
        .basic_auth("demo-client", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].is_string() && body["description"].is_string());
}

#[tokio::test]
async fn genesys_401_bodies_distinguish_missing_and_expired_tokens() {
    let emu = emulator(Faults {
        token_lifetime_secs: 1,
        ..Faults::default()
    })
    .await;
    let http = client();
    let (status, body) = get(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        "nonsense",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "authentication.required");
    assert_eq!(body["status"], 401);
    let token = genesys_token(&http, emu.url("genesys"), genesys::DEMO_CLIENT).await;
    assert_eq!(
        get(
            &http,
            &format!("{}/api/v2/users", emu.url("genesys")),
            &token
        )
        .await
        .0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = get(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        &token,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("credentials.expired"))
    );
}

#[tokio::test]
async fn genesys_classic_listing_pages_end_when_next_uri_disappears() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::DEMO_CLIENT).await;
    let mut next = Some("/api/v2/users?pageSize=3&state=any".to_string());
    let (mut seen, mut pages, mut total) = (0, 0, 0);
    while let Some(path) = next {
        let (status, body) = get(&http, &format!("{}{path}", emu.url("genesys")), &token).await;
        assert_eq!(status, 200);
        for key in [
            "pageSize",
            "pageNumber",
            "total",
            "pageCount",
            "selfUri",
            "firstUri",
            "lastUri",
        ] {
            assert!(body.get(key).is_some(), "missing {key}");
        }
        seen += body["entities"].as_array().unwrap().len();
        total = body["total"].as_u64().unwrap();
        pages += 1;
        next = body["nextUri"].as_str().map(str::to_string);
    }
    assert_eq!(seen as u64, total);
    assert_eq!(pages, total.div_ceil(3));
    assert_eq!(total, 10);
}

#[tokio::test]
async fn genesys_evaluations_query_requires_an_id_and_omits_answers_unless_asked() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let (status, body) = get(
        &http,
        &format!(
            "{}/api/v2/quality/evaluations/query?startTime=2026-11-01T00:00:00Z",
            emu.url("genesys")
        ),
        &token,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "bad.request");
    assert!(body["message"].as_str().unwrap().contains("agentUserId"));

    let users = get(
        &http,
        &format!("{}/api/v2/users?pageSize=100", emu.url("genesys")),
        &token,
    )
    .await
    .1;
    let agent = users["entities"][5]["id"].as_str().unwrap().to_string();
    let bare = get(
        &http,
        &format!(
            "{}/api/v2/quality/evaluations/query?agentUserId={agent}&pageSize=100",
            emu.url("genesys")
        ),
        &token,
    )
    .await
    .1;
    let with = get(&http, &format!("{}/api/v2/quality/evaluations/query?agentUserId={agent}&pageSize=100&expandAnswerTotalScores=true", emu.url("genesys")), &token).await.1;
    assert!(!bare["entities"].as_array().unwrap().is_empty());
    assert!(bare["entities"][0].get("answers").is_none());
    assert!(with["entities"][0]["answers"]["totalScore"].is_number());
    assert!(
        with["entities"][0]["answers"]
            .get("questionGroupScores")
            .is_none()
    );
}

/// Walks the details query by body paging; returns every conversation.
async fn details(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    interval: &str,
    page_size: u64,
) -> (Vec<Value>, u64) {
    let mut all = Vec::new();
    let mut total = 0;
    for page in 1.. {
        let body: Value = http
            .post(format!("{base}/api/v2/analytics/conversations/details/query"))
            .bearer_auth(token)
            .json(&json!({ "interval": interval, "paging": { "pageSize": page_size, "pageNumber": page } }))
            .send().await.unwrap().json().await.unwrap();
        total = body["totalHits"].as_u64().unwrap();
        let Some(conversations) = body["conversations"].as_array() else {
            break;
        };
        all.extend(conversations.iter().cloned());
        if (conversations.len() as u64) < page_size || page * page_size >= total {
            break;
        }
    }
    (all, total)
}

#[tokio::test]
async fn genesys_details_query_body_paging_covers_total_hits_and_hides_restricted_divisions() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let interval = "2026-11-13T00:00:00.000Z/2026-11-21T00:00:00.000Z";
    let admin = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let demo = genesys_token(&http, emu.url("genesys"), genesys::DEMO_CLIENT).await;
    let (all, total) = details(&http, emu.url("genesys"), &admin, interval, 25).await;
    assert_eq!(all.len() as u64, total);
    assert_eq!(total, 140);
    let (visible, _) = details(&http, emu.url("genesys"), &demo, interval, 25).await;
    assert!(
        visible.len() < all.len(),
        "the demo client must not see the Restricted division"
    );
    // Every session lists its segments, and evaluation statuses are capitalised.
    let c = &all[0];
    assert!(
        c["participants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["sessions"][0]["segments"].is_array())
    );
    let statuses: Vec<&str> = all
        .iter()
        .filter_map(|c| c["evaluations"][0]["evaluationStatus"].as_str())
        .collect();
    assert!(statuses.contains(&"Finished"));
}

#[tokio::test]
async fn genesys_details_query_refuses_pages_past_the_cap_like_the_real_api() {
    let emu = emulator(Faults {
        details_result_cap: 50,
        ..Faults::default()
    })
    .await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let response = http
        .post(format!("{}/api/v2/analytics/conversations/details/query", emu.url("genesys")))
        .bearer_auth(&token)
        .json(&json!({ "interval": "2026-11-13T00:00:00Z/2026-11-21T00:00:00Z", "paging": { "pageSize": 25, "pageNumber": 3 } }))
        .send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Pagination may not exceed 50 results")
    );
}

#[tokio::test]
async fn genesys_async_jobs_go_queued_to_fulfilled_and_cursor_paging_ends() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let base = emu.url("genesys");
    let job: Value = http
        .post(format!(
            "{base}/api/v2/analytics/conversations/details/jobs"
        ))
        .bearer_auth(&token)
        .json(&json!({ "interval": "2026-11-13T00:00:00Z/2026-11-19T00:00:00Z" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = job["jobId"].as_str().unwrap();
    let first = get(
        &http,
        &format!("{base}/api/v2/analytics/conversations/details/jobs/{id}"),
        &token,
    )
    .await
    .1;
    assert_eq!(first["state"], "QUEUED");
    let second = get(
        &http,
        &format!("{base}/api/v2/analytics/conversations/details/jobs/{id}"),
        &token,
    )
    .await
    .1;
    assert_eq!(second["state"], "FULFILLED");
    let mut cursor: Option<String> = None;
    let mut count = 0;
    loop {
        let url = match &cursor {
            Some(c) => format!(
                "{base}/api/v2/analytics/conversations/details/jobs/{id}/results?pageSize=20&cursor={c}"
            ),
            None => format!(
                "{base}/api/v2/analytics/conversations/details/jobs/{id}/results?pageSize=20"
            ),
        };
        let page = get(&http, &url, &token).await.1;
        count += page["conversations"].as_array().unwrap().len();
        assert!(page["dataAvailabilityDate"].is_string());
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert!(count > 20, "{count}");
}

#[tokio::test]
async fn genesys_404_and_429_bodies_match_the_reference() {
    let emu = emulator(Faults {
        rate_limit_per_minute: Some(3),
        ..Faults::default()
    })
    .await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let (status, body) = get(
        &http,
        &format!("{}/api/v2/quality/surveys/nope", emu.url("genesys")),
        &token,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["status"].as_u64()),
        (404, Some("not.found"), Some(404))
    );
    for _ in 0..2 {
        get(
            &http,
            &format!("{}/api/v2/users", emu.url("genesys")),
            &token,
        )
        .await;
    }
    let response = http
        .get(format!("{}/api/v2/users", emu.url("genesys")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "too.many.requests.retry.after");
    assert_eq!(
        body["limit"]["key"],
        "client.credentials.token.rate.per.minute"
    );
    assert_eq!(body["limit"]["value"], 3);
    assert_eq!(emu.stats().rate_limited, 1);
}

#[tokio::test]
async fn genesys_transcripts_come_from_a_presigned_url_that_expires() {
    let emu = emulator(Faults {
        transcript_url_secs: 1,
        ..Faults::default()
    })
    .await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let (all, _) = details(
        &http,
        emu.url("genesys"),
        &token,
        "2026-11-13T00:00:00Z/2026-11-21T00:00:00Z",
        100,
    )
    .await;
    let base = emu.url("genesys");
    let mut found = None;
    for c in &all {
        let id = c["conversationId"].as_str().unwrap();
        if get(
            &http,
            &format!("{base}/api/v2/speechandtextanalytics/conversations/{id}"),
            &token,
        )
        .await
        .0 == 200
        {
            found = Some(c.clone());
            break;
        }
    }
    let c = found.expect("some conversation has analytics");
    let id = c["conversationId"].as_str().unwrap();
    let agent = c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "agent")
        .unwrap();
    let session = agent["sessions"][0]["sessionId"].as_str().unwrap();
    let url = get(&http, &format!("{base}/api/v2/speechandtextanalytics/conversations/{id}/communications/{session}/transcripturl"), &token).await.1;
    let url = url["url"].as_str().unwrap().to_string();
    let document: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(document["conversationId"], id);
    assert!(
        document["transcripts"][0]["phrases"]
            .as_array()
            .unwrap()
            .len()
            >= 4
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(http.get(&url).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn cxone_password_grant_id_token_and_discovery() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let openid: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(openid["token_endpoint"], format!("{base}/auth/token"));
    assert_eq!(openid["scopes_supported"], json!(["openid"]));
    let token = cxone_token(&http, base).await;
    let claims = token["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_string();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    let tenant = claims["tenantId"].as_str().unwrap();
    let discovered: Value = http
        .get(format!(
            "{base}/.well-known/cxone-configuration?tenantId={tenant}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovered["api_endpoint"], base);
    let bad = http
        .post(format!("{base}/auth/token"))
        .basic_auth(cxone::DEMO.client_id, Some(cxone::DEMO.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", cxone::DEMO.access_key_id),
            ("password", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"], "invalid_grant");
}

#[tokio::test]
async fn cxone_completed_contacts_follow_next_links_then_204() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let token = cxone_token(&http, emu.url("cxone")).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut url = Some(format!(
        "{}/incontactapi/services/v34.0/contacts/completed?startDate=2026-11-13T00:00:00Z&endDate=2026-11-21T00:00:00Z&top=50&skip=0&orderBy=lastUpdateTime%20asc",
        emu.url("cxone")
    ));
    let (mut rows, mut total) = (0, 0);
    while let Some(next) = url {
        let (status, body) = get(&http, &next, &token).await;
        assert_eq!(status, 200);
        rows += body["completedContacts"].as_array().unwrap().len();
        total = body["totalRecords"].as_u64().unwrap();
        url = body["_links"]["next"].as_str().map(str::to_string);
    }
    assert_eq!((rows as u64, total), (140, 140));
    let empty = http
        .get(format!("{}/incontactapi/services/v34.0/contacts/completed?startDate=2020-01-01T00:00:00Z&endDate=2020-01-02T00:00:00Z", emu.url("cxone")))
        .bearer_auth(&token).send().await.unwrap();
    assert_eq!(empty.status(), 204);
    assert!(empty.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn cxone_data_extraction_jobs_spacing_csv_and_expiry() {
    let emu = emulator(Faults {
        data_extraction_spacing_secs: 1,
        data_extraction_url_secs: 1,
        ..Faults::default()
    })
    .await;
    let http = client();
    let base = emu.url("cxone");
    let token = cxone_token(&http, base).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let create = |entity: &'static str, version: &'static str| {
        http.post(format!("{base}/data-extraction/v1/jobs"))
            .bearer_auth(&token)
            .json(&json!({ "entityName": entity, "version": version, "startDate": "2026-11-13", "endDate": "2026-11-21" }))
            .send()
    };
    let created = create("qm-workflows", "4").await.unwrap();
    assert_eq!(created.status(), 202);
    let raw = created.text().await.unwrap();
    assert!(raw.starts_with('"') && raw.ends_with('"'), "{raw}");
    let id = raw.trim_matches('"').to_string();
    // A second job while one runs (and within the spacing) is refused with 403.
    assert_eq!(create("qm-questions", "1").await.unwrap().status(), 403);
    let status_url = format!("{base}/data-extraction/v1/jobs/{id}");
    assert_eq!(
        get(&http, &status_url, &token).await.1["jobStatus"]["status"],
        "RUNNING"
    );
    let done = get(&http, &status_url, &token).await.1;
    assert_eq!(done["jobStatus"]["status"], "SUCCEEDED");
    let url = done["jobStatus"]["result"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let csv = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'), "BOM expected");
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Workflow ID")
            && header.contains("Score Percentage")
            && header.contains("ACD ID")
    );
    assert!(csv.lines().count() > 20);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        403,
        "download URLs expire"
    );
    // After the spacing, the next job is accepted.
    assert_eq!(create("qm-questions", "1").await.unwrap().status(), 202);
}

#[tokio::test]
async fn cxone_analyzed_segments_cursor_ends_with_an_empty_page_and_transcripts_may_404() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = cxone_token(&http, base).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut url = format!(
        "{base}/interaction-analytics-gateway/v2/segments/analyzed?dateField=startTime&beginningDate=2026-11-13T00:00:00Z&endingDate=2026-11-21T00:00:00Z&pageSize=25&order=asc"
    );
    let mut segments = Vec::new();
    for _ in 0..100 {
        let page = get(&http, &url, &token).await.1;
        let items = page["interactions"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        segments.extend(items);
        url = page["links"]["next"].as_str().unwrap().to_string();
    }
    assert!(segments.len() > 30);
    let mut statuses = std::collections::BTreeSet::new();
    for s in &segments {
        let id = s["segmentId"].as_str().unwrap();
        let (status, _) = get(
            &http,
            &format!("{base}/interaction-analytics-gateway/v2/segments/{id}/analyzed-transcript"),
            &token,
        )
        .await;
        statuses.insert(status);
    }
    assert_eq!(statuses, [200, 404].into_iter().collect());
}

#[tokio::test]
async fn cxone_feedback_search_cursor_ends() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = cxone_token(&http, base).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut cursor = String::new();
    let mut rows = 0;
    loop {
        let body: Value = http
            .post(format!("{base}/survey-data/v1.0/feedback/search?limit=10&cursor={cursor}"))
            .bearer_auth(&token)
            .json(&json!({ "filter": { "and": { "conditions": [{ "field": "completedAt", "operator": "GTE", "value": "2026-11-01T00:00:00Z" }] } } }))
            .send().await.unwrap().json().await.unwrap();
        rows += body["data"].as_array().unwrap().len();
        assert!(body["exportLimit"]["limitRemaining"].is_number());
        cursor = body["nextCursor"].as_str().unwrap_or_default().to_string();
        if cursor.is_empty() {
            break;
        }
    }
    assert!(rows > 10, "{rows}");
}

#[tokio::test]
async fn the_same_seed_serves_byte_identical_responses() {
    async fn sample(emu: &RunningEmulator) -> Vec<Vec<u8>> {
        let http = client();
        let g = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
        let mut out = Vec::new();
        for path in [
            "/api/v2/users?pageSize=100&state=any",
            "/api/v2/quality/forms/evaluations",
            "/api/v2/authorization/divisions",
        ] {
            out.push(
                http.get(format!("{}{path}", emu.url("genesys")))
                    .bearer_auth(&g)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .to_vec(),
            );
        }
        let details = http
            .post(format!("{}/api/v2/analytics/conversations/details/query", emu.url("genesys")))
            .bearer_auth(&g)
            .json(&json!({ "interval": "2026-11-13T00:00:00Z/2026-11-21T00:00:00Z", "paging": { "pageSize": 100, "pageNumber": 1 } }))
            .send().await.unwrap().bytes().await.unwrap().to_vec();
        let parsed: Value = serde_json::from_slice(&details).unwrap();
        let c = parsed["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["evaluations"].is_array())
            .unwrap();
        let path = format!(
            "/api/v2/quality/conversations/{}/evaluations/{}?expand=evaluationForm",
            c["conversationId"].as_str().unwrap(),
            c["evaluations"][0]["evaluationId"].as_str().unwrap()
        );
        out.push(details);
        out.push(
            http.get(format!("{}{path}", emu.url("genesys")))
                .bearer_auth(&g)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec(),
        );
        let x = cxone_token(&http, emu.url("cxone")).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        out.push(
            http.get(format!(
                "{}/incontactapi/services/v34.0/agents",
                emu.url("cxone")
            ))
            .bearer_auth(&x)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec(),
        );
        out
    }
    let a = emulator(Faults::default()).await;
    let b = emulator(Faults::default()).await;
    let (first, second) = (sample(&a).await, sample(&b).await);
    assert_eq!(first.len(), second.len());
    for (x, y) in first.iter().zip(&second) {
        assert!(
            x == y,
            "responses differ:\n{}\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

#[tokio::test]
async fn faults_can_be_changed_through_the_admin_endpoint() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let updated: Value = http
        .post(format!("{}/admin/faults", emu.url("genesys")))
        .json(&json!({ "error_rate": 1.0 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["error_rate"], 1.0);
    let token = genesys_token(&http, emu.url("genesys"), genesys::ADMIN_CLIENT).await;
    let (status, body) = get(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        &token,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service.unavailable"))
    );
    let bad = http
        .post(format!("{}/admin/faults", emu.url("cxone")))
        .json(&json!({ "eror_rate": 1.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let passed: Value = http
        .post(format!("{}/admin/time-passes", emu.url("cxone")))
        .json(&json!({ "edit": 1, "delete": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(passed["deleted"].as_array().unwrap().len(), 2);
}
