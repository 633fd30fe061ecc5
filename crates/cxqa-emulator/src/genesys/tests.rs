//! The Genesys server over real HTTP: paging styles end, error bodies have Genesys' shapes,
//! faults behave, and the same seed gives byte-identical responses.

use super::*;
use crate::tests::{JsonOf, assert_same_bytes, client, emulator, get_bytes, get_json};
use crate::{Faults, RunningEmulator};

async fn genesys_token(http: &reqwest::Client, base: &str, (id, secret): (&str, &str)) -> String {
    let response: Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .json_of()
        .await;
    response["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn genesys_tokens_accept_basic_and_form_credentials_and_refuse_bad_ones() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    assert!(
        !genesys_token(&http, emu.url("genesys"), DEMO_CLIENT)
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
        .json_of()
        .await;
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
    let (status, body) = get_json(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        "nonsense",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "authentication.required");
    assert_eq!(body["status"], 401);
    let token = genesys_token(&http, emu.url("genesys"), DEMO_CLIENT).await;
    assert_eq!(
        get_json(
            &http,
            &format!("{}/api/v2/users", emu.url("genesys")),
            &token
        )
        .await
        .0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = get_json(
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
    let token = genesys_token(&http, emu.url("genesys"), DEMO_CLIENT).await;
    let mut next = Some("/api/v2/users?pageSize=3&state=any".to_string());
    let (mut seen, mut pages, mut total) = (0, 0, 0);
    while let Some(path) = next {
        let (status, body) =
            get_json(&http, &format!("{}{path}", emu.url("genesys")), &token).await;
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
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
    let (status, body) = get_json(
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

    let users = get_json(
        &http,
        &format!("{}/api/v2/users?pageSize=100", emu.url("genesys")),
        &token,
    )
    .await
    .1;
    let agent = users["entities"][5]["id"].as_str().unwrap().to_string();
    let bare = get_json(
        &http,
        &format!(
            "{}/api/v2/quality/evaluations/query?agentUserId={agent}&pageSize=100",
            emu.url("genesys")
        ),
        &token,
    )
    .await
    .1;
    let with = get_json(&http, &format!("{}/api/v2/quality/evaluations/query?agentUserId={agent}&pageSize=100&expandAnswerTotalScores=true", emu.url("genesys")), &token).await.1;
    assert!(!bare["entities"].as_array().unwrap().is_empty());
    assert!(bare["entities"][0].get("answers").is_none());
    assert!(with["entities"][0]["answers"]["totalScore"].is_number());
    assert!(
        with["entities"][0]["answers"]
            .get("questionGroupScores")
            .is_none()
    );
}

#[tokio::test]
async fn genesys_details_query_body_paging_covers_total_hits_and_hides_restricted_divisions() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let interval = "2026-11-13T00:00:00.000Z/2026-11-21T00:00:00.000Z";
    let admin = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
    let demo = genesys_token(&http, emu.url("genesys"), DEMO_CLIENT).await;
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
    let emu = emulator(Faults::default().with("details_result_cap", 50)).await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
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
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
    let base = emu.url("genesys");
    let job: Value = http
        .post(format!(
            "{base}/api/v2/analytics/conversations/details/jobs"
        ))
        .bearer_auth(&token)
        .json(&json!({ "interval": "2026-11-13T00:00:00Z/2026-11-19T00:00:00Z" }))
        .json_of()
        .await;
    let id = job["jobId"].as_str().unwrap();
    let first = get_json(
        &http,
        &format!("{base}/api/v2/analytics/conversations/details/jobs/{id}"),
        &token,
    )
    .await
    .1;
    assert_eq!(first["state"], "QUEUED");
    let second = get_json(
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
        let page = get_json(&http, &url, &token).await.1;
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
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
    let (status, body) = get_json(
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
        get_json(
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
    let emu = emulator(Faults::default().with("transcript_url_secs", 1)).await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
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
        if get_json(
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
    let url = get_json(&http, &format!("{base}/api/v2/speechandtextanalytics/conversations/{id}/communications/{session}/transcripturl"), &token).await.1;
    let url = url["url"].as_str().unwrap().to_string();
    let document: Value = http.get(&url).json_of().await;
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
            .json_of().await;
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
async fn genesys_same_seed_serves_byte_identical_responses() {
    async fn sample(emu: &RunningEmulator) -> Vec<Vec<u8>> {
        let http = client();
        let g = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
        let mut out = Vec::new();
        for path in [
            "/api/v2/users?pageSize=100&state=any",
            "/api/v2/quality/forms/evaluations",
            "/api/v2/authorization/divisions",
        ] {
            out.push(get_bytes(&http, &format!("{}{path}", emu.url("genesys")), &g).await);
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
        out.push(get_bytes(&http, &format!("{}{path}", emu.url("genesys")), &g).await);
        out
    }
    let a = emulator(Faults::default()).await;
    let b = emulator(Faults::default()).await;
    assert_same_bytes(&sample(&a).await, &sample(&b).await);
}

#[tokio::test]
async fn genesys_injected_errors_answer_with_an_error_body() {
    let emu = emulator(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let http = client();
    let token = genesys_token(&http, emu.url("genesys"), ADMIN_CLIENT).await;
    let (status, body) = get_json(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        &token,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("service.unavailable"))
    );
}

/// Every conversation of a quarter's history, as the details query renders it, is physically
/// possible: segments end after they start and follow each other, metrics add up.
#[test]
fn every_rendered_conversation_is_physically_consistent() {
    let mut world = World::generate(
        11,
        crate::Scale::Small,
        crate::tests::anchor(),
        crate::History {
            days: 120,
            hidden_days: 0,
        },
    );
    world.reveal(world.anchor);
    let time = |v: &Value| parse_time(v.as_str().unwrap()).unwrap();
    for index in 0..world.conversations.len() {
        let c = conversation_json(&world, index, false, true);
        let (start, end) = (time(&c["conversationStart"]), time(&c["conversationEnd"]));
        assert!(start < end);
        for participant in c["participants"].as_array().unwrap() {
            for session in participant["sessions"].as_array().unwrap() {
                let mut previous_start = start;
                for segment in session["segments"].as_array().unwrap() {
                    let (s, e) = (time(&segment["segmentStart"]), time(&segment["segmentEnd"]));
                    assert!(
                        s <= e,
                        "{} segment ends before it starts",
                        c["conversationId"]
                    );
                    assert!(s >= previous_start && s >= start && e <= end, "{c}");
                    previous_start = s;
                }
                let metric = |name: &str| {
                    session["metrics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|m| m["name"] == name)
                        .and_then(|m| m["value"].as_i64())
                };
                if let Some(handle) = metric("tHandle") {
                    let (talk, held, acw) = (
                        metric("tTalk").unwrap(),
                        metric("tHeld").unwrap(),
                        metric("tAcw").unwrap(),
                    );
                    assert_eq!(talk + held + acw, handle, "{}", c["conversationId"]);
                    assert!(talk <= handle);
                }
            }
        }
    }
}

/// Reference §5.3: an evaluation carries only the fields `Evaluation` documents; one more key
/// comes only with the `unknown_fields` fault, on the record and on each listed record.
#[tokio::test]
async fn genesys_evaluations_carry_only_documented_fields_unless_the_fault_adds_one() {
    const DOCUMENTED: &[&str] = &[
        "id",
        "name",
        "selfUri",
        "conversation",
        "evaluationForm",
        "evaluator",
        "agent",
        "assignee",
        "calibration",
        "status",
        "answers",
        "agentHasRead",
        "assigneeApplicable",
        "assigned",
        "neverRelease",
        "rescore",
        "redacted",
        "isScoringIndex",
        "hasAssistanceFailed",
        "releaseDate",
        "assignedDate",
        "createdDate",
        "changedDate",
        "submittedDate",
        "revisionCreatedDate",
        "conversationDate",
        "conversationEndDate",
        "dateAssigneeChanged",
        "queue",
        "mediaType",
        "divisionIds",
        "resourceId",
        "resourceType",
        "agentTeam",
        "authorizedActions",
        "evaluationSource",
        "aiScoring",
        "disputeCount",
        "version",
        "versionHistory",
        "declinedReview",
        "evaluationContextId",
        "retractedEvaluation",
    ];
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("genesys");
    let token = genesys_token(&http, base, ADMIN_CLIENT).await;
    let (conversation, evaluation) = {
        let world = emu.state.world.read().unwrap();
        let e = &world.evaluations[0];
        (world.conversations[e.conversation].id.clone(), e.id.clone())
    };
    let by_id =
        format!("{base}/api/v2/quality/conversations/{conversation}/evaluations/{evaluation}");
    let agent = {
        let world = emu.state.world.read().unwrap();
        world.agents[world.evaluations[0].agent].id.clone()
    };
    let query = format!(
        "{base}/api/v2/quality/evaluations/query?agentUserId={agent}&pageSize=5&expandAnswerTotalScores=true"
    );
    let read = |unknown: bool| {
        let (emu, http, token, by_id, query) = (&emu, &http, &token, &by_id, &query);
        async move {
            emu.set_faults(Faults {
                unknown_fields: unknown,
                ..Faults::default()
            });
            let one = get_json(http, by_id, token).await.1;
            let listed = get_json(http, query, token).await.1["entities"].clone();
            let mut all = vec![one];
            all.extend(listed.as_array().unwrap().iter().cloned());
            all
        }
    };
    for e in read(false).await {
        for key in e.as_object().unwrap().keys() {
            assert!(
                DOCUMENTED.contains(&key.as_str()),
                "undocumented `{key}` in {e}"
            );
        }
    }
    let with_fault = read(true).await;
    assert!(with_fault.len() > 1);
    for e in with_fault {
        assert!(e.get(crate::gate::UNKNOWN_FIELD).is_some(), "{e}");
    }
}

/// A token works only at the vendor that issued it, and an unknown one gets Genesys' 401 body.
#[tokio::test]
async fn genesys_refuses_a_token_another_vendor_issued() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let foreign = emu.state.issue_token(ADMIN_CLIENT.0, "elsewhere").0;
    let (status, body) = get_json(
        &http,
        &format!("{}/api/v2/users", emu.url("genesys")),
        &foreign,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("authentication.required"))
    );
}

/// The directory listings other extractors read answer as classic entity listings, paged by
/// `pageSize`/`pageNumber` until `nextUri` disappears, instead of 404.
#[tokio::test]
async fn genesys_directory_listings_page_like_every_classic_listing() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let base = emu.url("genesys");
    let token = genesys_token(&http, base, ADMIN_CLIENT).await;
    for path in [
        "/api/v2/routing/queues",
        "/api/v2/groups",
        "/api/v2/locations",
        "/api/v2/stations",
    ] {
        let mut url = format!("{base}{path}?pageSize=2");
        let mut seen = std::collections::BTreeSet::new();
        let mut total = None;
        loop {
            let (status, page) = get_json(&http, &url, &token).await;
            assert_eq!(status, 200, "{path}");
            total = total.or(page["total"].as_u64());
            for entity in page["entities"].as_array().unwrap() {
                assert!(
                    entity["name"].is_string() && entity["selfUri"].is_string(),
                    "{entity}"
                );
                assert!(
                    seen.insert(entity["id"].as_str().unwrap().to_string()),
                    "{path}: repeated"
                );
            }
            match page["nextUri"].as_str() {
                Some(next) => url = format!("{base}{next}"),
                None => break,
            }
        }
        assert_eq!(Some(seen.len() as u64), total, "{path}");
        assert!(!seen.is_empty(), "{path}");
    }
}
