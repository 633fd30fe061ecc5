//! The CXone server over real HTTP: discovery and tokens, paging styles end, Data Extraction
//! jobs behave, and the same seed gives byte-identical responses.

use super::*;
use crate::tests::{JsonOf, assert_same_bytes, client, emulator, get_bytes, get_json};
use crate::{Faults, RunningEmulator};

/// `startDate`/`endDate` of the week the history ends with.
fn the_week() -> String {
    let anchor = crate::tests::anchor();
    format!(
        "startDate={}&endDate={}",
        ts(anchor - Duration::days(7)),
        ts(anchor)
    )
}

/// A bearer token from the password grant.
async fn access_token(http: &reqwest::Client, base: &str) -> String {
    cxone_token(http, base).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn cxone_token(http: &reqwest::Client, base: &str) -> Value {
    http.post(format!("{base}/auth/token"))
        .basic_auth(DEMO.client_id, Some(DEMO.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", DEMO.access_key_id),
            ("password", DEMO.access_key_secret),
        ])
        .json_of()
        .await
}

#[tokio::test]
async fn cxone_password_grant_id_token_and_discovery() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let openid: Value = http
        .get(format!("{base}/.well-known/openid-configuration"))
        .json_of()
        .await;
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
        .json_of()
        .await;
    assert_eq!(discovered["api_endpoint"], base);
    let bad = http
        .post(format!("{base}/auth/token"))
        .basic_auth(DEMO.client_id, Some(DEMO.client_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", DEMO.access_key_id),
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
    let token = access_token(&http, emu.url("cxone")).await;
    let mut url = Some(format!(
        "{}/incontactapi/services/v34.0/contacts/completed?startDate=2026-11-13T00:00:00Z&endDate=2026-11-21T00:00:00Z&top=50&skip=0&orderBy=lastUpdateTime%20asc",
        emu.url("cxone")
    ));
    let (mut rows, mut total) = (0, 0);
    while let Some(next) = url {
        let (status, body) = get_json(&http, &next, &token).await;
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
    let emu = emulator(
        Faults::default()
            .with("data_extraction_spacing_secs", 1)
            .with("data_extraction_url_secs", 1),
    )
    .await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
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
        get_json(&http, &status_url, &token).await.1["jobStatus"]["status"],
        "RUNNING"
    );
    let done = get_json(&http, &status_url, &token).await.1;
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

/// Whether status polls count toward the spacing is unverified: with the switch off only job
/// creations are spaced; with it on a poll within the spacing of the last call is refused too.
#[tokio::test]
async fn cxone_data_extraction_status_polls_count_toward_the_spacing_only_when_switched_on() {
    for polls_count in [false, true] {
        let emu = emulator(
            Faults::default()
                .with("data_extraction_spacing_secs", 1)
                .with("data_extraction_polls_count", polls_count),
        )
        .await;
        let http = client();
        let base = emu.url("cxone");
        let token = access_token(&http, base).await;
        let created = http
            .post(format!("{base}/data-extraction/v1/jobs"))
            .bearer_auth(&token)
            .json(&json!({ "entityName": "qm-workflows", "version": "4", "startDate": "2026-11-13", "endDate": "2026-11-21" }))
            .send()
            .await
            .unwrap();
        let id = created.text().await.unwrap().trim_matches('"').to_string();
        let status_url = format!("{base}/data-extraction/v1/jobs/{id}");
        let poll = || async { get_json(&http, &status_url, &token).await.0 };
        assert_eq!(poll().await, if polls_count { 403 } else { 200 });
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(poll().await, 200, "after the spacing a poll is answered");
        assert_eq!(poll().await, if polls_count { 403 } else { 200 });
    }
}

#[tokio::test]
async fn cxone_analyzed_segments_cursor_ends_with_an_empty_page_and_transcripts_may_404() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let mut url = format!(
        "{base}/interaction-analytics-gateway/v2/segments/analyzed?dateField=startTime&beginningDate=2026-11-13T00:00:00Z&endingDate=2026-11-21T00:00:00Z&pageSize=25&order=asc"
    );
    let mut segments = Vec::new();
    for _ in 0..100 {
        let page = get_json(&http, &url, &token).await.1;
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
        let (status, _) = get_json(
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
    let token = access_token(&http, base).await;
    let mut cursor = String::new();
    let mut rows = 0;
    loop {
        let body: Value = http
            .post(format!("{base}/survey-data/v1.0/feedback/search?limit=10&cursor={cursor}"))
            .bearer_auth(&token)
            .json(&json!({ "filter": { "and": { "conditions": [{ "field": "completedAt", "operator": "GTE", "value": "2026-11-01T00:00:00Z" }] } } }))
            .json_of().await;
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
async fn cxone_same_seed_serves_byte_identical_responses() {
    async fn sample(emu: &RunningEmulator) -> Vec<Vec<u8>> {
        let http = client();
        let mut out = Vec::new();
        let x = access_token(&http, emu.url("cxone")).await;
        out.push(
            get_bytes(
                &http,
                &format!("{}/incontactapi/services/v34.0/agents", emu.url("cxone")),
                &x,
            )
            .await,
        );
        out
    }
    let a = emulator(Faults::default()).await;
    let b = emulator(Faults::default()).await;
    assert_same_bytes(&sample(&a).await, &sample(&b).await);
}

/// Reference §1: the ACD path is case-insensitive (`inContactAPI` is what NICE's own clients
/// write); §7: `_links` keep the version asked for, and `agentId` narrows completed contacts;
/// §8: `fields` narrows what each agent carries.
#[tokio::test]
async fn cxone_acd_paths_ignore_case_links_keep_the_version_and_filters_apply() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let window = the_week();
    let agent = {
        let world = emu.state.world.read().unwrap();
        world.agents[world.conversations[0].agent].number
    };
    for spelling in ["incontactapi", "inContactAPI", "INCONTACTAPI"] {
        let url = format!(
            "{base}/{spelling}/services/v21.0/contacts/completed?{window}&agentId={agent}&top=2"
        );
        let (status, page) = get_json(&http, &url, &token).await;
        assert_eq!(status, 200, "{spelling}");
        let contacts = page["completedContacts"].as_array().unwrap();
        assert!(!contacts.is_empty());
        assert!(contacts.iter().all(|c| c["agentId"] == agent), "{spelling}");
        let next = page["_links"]["next"].as_str().unwrap();
        assert!(next.contains("/services/v21.0/"), "{next}");
    }
    let (status, _) = get_json(
        &http,
        &format!("{base}/incontact/services/v34.0/agents"),
        &token,
    )
    .await;
    assert_eq!(
        status, 404,
        "only the ACD prefix is case-insensitive, not any path"
    );

    let url = format!("{base}/InContactAPI/services/v23.0/agents?fields=agentId,firstName&top=3");
    let (status, page) = get_json(&http, &url, &token).await;
    assert_eq!(status, 200);
    for a in page["agents"].as_array().unwrap() {
        let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["agentId", "firstName"], "{a}");
    }
    assert!(
        page["_links"]["next"]
            .as_str()
            .unwrap()
            .contains("/services/v23.0/agents")
    );
}

/// Reference §2.2: the id_token names the access key's user (`userId`, `family_name`); a
/// refresh is `grant_type=refresh_token&client_id=…&refresh_token=…`, and a refresh token is
/// not a bearer token.
#[tokio::test]
async fn cxone_refresh_follows_the_reference_and_the_id_token_names_the_user() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("cxone");
    let token = cxone_token(&http, base).await;
    let payload = token["id_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    for claim in ["userId", "family_name", "tenantId", "icBUId", "area"] {
        assert!(claims.get(claim).is_some(), "{claim} in {claims}");
    }
    let refresh = token["refresh_token"].as_str().unwrap();
    let agents = format!("{base}/incontactapi/services/v34.0/agents?top=1");
    let (status, _) = get_json(&http, &agents, refresh).await;
    assert_eq!(status, 401, "a refresh token is no bearer token");

    let renewed = http
        .post(format!("{base}/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO.client_id),
            ("refresh_token", refresh),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    let (status, _) = get_json(&http, &agents, renewed["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let unknown = http
        .post(format!("{base}/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO.client_id),
            ("refresh_token", "cxr-made-up"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
}

mod tokens;
mod userhub;
mod versions;

/// One Data Extraction file, start to download.
async fn extracted_csv(http: &reqwest::Client, base: &str, token: &str, entity: &str) -> String {
    let version = if entity == "qm-workflows" { "4" } else { "1" };
    let id: String = http
        .post(format!("{base}/data-extraction/v1/jobs"))
        .bearer_auth(token)
        .json(&json!({ "entityName": entity, "version": version, "startDate": "2026-11-13", "endDate": "2026-11-21" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status_url = format!("{base}/data-extraction/v1/jobs/{id}");
    loop {
        let status = get_json(http, &status_url, token).await.1;
        if let Some(url) = status["jobStatus"]["result"]["url"].as_str() {
            return http.get(url).send().await.unwrap().text().await.unwrap();
        }
    }
}

/// Unknown fields and columns come only with the `unknown_fields` fault: then every record of a
/// JSON listing has one more key and each Data Extraction file one more column.
#[tokio::test]
async fn cxone_unknown_fields_and_columns_come_only_with_the_fault() {
    let emu = emulator(Faults::default().with("data_extraction_spacing_secs", 0)).await;
    let http = client();
    let base = emu.url("cxone");
    let token = access_token(&http, base).await;
    let contacts = format!(
        "{base}/incontactapi/services/v34.0/contacts/completed?{}&top=5",
        the_week()
    );
    let mut columns = Vec::new();
    for unknown in [false, true] {
        emu.set_faults(
            Faults {
                unknown_fields: unknown,
                ..Faults::default()
            }
            .with("data_extraction_spacing_secs", 0),
        );
        let page = get_json(&http, &contacts, &token).await.1;
        for contact in page["completedContacts"].as_array().unwrap() {
            assert_eq!(contact.get(crate::gate::UNKNOWN_FIELD).is_some(), unknown);
        }
        for entity in ["qm-workflows", "qm-questions"] {
            let csv = extracted_csv(&http, base, &token, entity).await;
            let header = csv.lines().next().unwrap().to_string();
            assert_eq!(header.contains("Unannounced Column"), unknown, "{header}");
            columns.push(header.split(',').count());
        }
    }
    assert_eq!((columns[2], columns[3]), (columns[0] + 1, columns[1] + 1));
}

/// A token works only at the vendor that issued it; elsewhere CXone answers its own 401.
#[tokio::test]
async fn cxone_refuses_a_token_another_vendor_issued() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let foreign = emu.state.issue_token(DEMO.client_id, "elsewhere").0;
    let response = http
        .get(format!(
            "{}/incontactapi/services/v34.0/agents",
            emu.url("cxone")
        ))
        .bearer_auth(foreign)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("icStatusDescription"));
}
