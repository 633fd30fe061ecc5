//! The Genesys connector against a local wiremock server speaking the reference's shapes.

use super::*;
use cxqa_core::ExtractRequest;
use cxqa_core::model::AgentState;
use futures::StreamExt;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "genesys-secret-value";

async fn server_with_token() -> MockServer {
    let server = MockServer::start().await;
    // Basic base64("client:genesys-secret-value")
    let basic = format!("Basic {}", base64_encode(&format!("client:{SECRET}")));
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", basic.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "tok", "token_type": "bearer", "expires_in": 86400
        })))
        .mount(&server)
        .await;
    server
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn connector(server: &MockServer) -> GenesysConnector {
    let value = serde_json::json!({
        "base_url": server.uri(), "client_id": "client", "client_secret": SECRET,
        "requests_per_minute": 3000, "not_found_confirm_ms": 10
    });
    let config: GenesysConfig = parse_section("source", value).unwrap();
    GenesysConnector::new(config, ConnectorContext::default()).unwrap()
}

fn user(id: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "name": format!("Agent {id}"), "email": format!("{id}@example.com"),
        "state": state, "division": {"id": "div-1", "name": "Home"},
        "team": {"id": "team-1", "name": "Blue"}, "version": 3, "unknownField": true
    })
}

#[tokio::test]
async fn agents_follow_next_uri_until_it_is_absent() {
    let server = server_with_token().await;
    Mock::given(path("/api/v2/users"))
        .and(query_param("pageNumber", "1"))
        .and(query_param("state", "any"))
        .and(header("authorization", "Bearer tok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [user("u1", "active"), user("u2", "inactive")],
            "pageSize": 2, "pageNumber": 1, "total": 3, "pageCount": 2,
            "nextUri": "/api/v2/users?pageSize=2&pageNumber=2&state=any"
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users"))
        .and(query_param("pageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [user("u3", "deleted")],
            "pageSize": 2, "pageNumber": 2, "total": 3, "pageCount": 2
        })))
        .mount(&server)
        .await;
    let genesys = connector(&server);
    let request = ExtractRequest::new(cxqa_core::Window::new(
        chrono::Utc::now(),
        chrono::Utc::now(),
    ));
    let pages: Vec<_> = genesys.agents().unwrap().pages(&request).collect().await;
    assert_eq!(pages.len(), 2);
    let first = pages[0].as_ref().unwrap();
    assert_eq!(first.vendor_total, Some(3));
    assert!(first.checkpoint.is_some());
    let agents: Vec<_> = pages.into_iter().flat_map(|p| p.unwrap().records).collect();
    let states: Vec<_> = agents.iter().map(|a| (a.id.as_str(), a.state)).collect();
    assert_eq!(
        states,
        vec![
            ("u1", AgentState::Active),
            ("u2", AgentState::Inactive),
            ("u3", AgentState::Deleted)
        ]
    );
    assert_eq!(agents[0].team_name.as_deref(), Some("Blue"));
    assert_eq!(agents[0].division_id.as_deref(), Some("div-1"));
}

#[tokio::test]
async fn agents_resume_from_the_checkpoint() {
    let server = server_with_token().await;
    Mock::given(path("/api/v2/users"))
        .and(query_param("pageNumber", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [user("u3", "active")], "pageSize": 2, "pageNumber": 2
        })))
        .expect(1)
        .mount(&server)
        .await;
    let genesys = connector(&server);
    let mut request = ExtractRequest::new(cxqa_core::Window::new(
        chrono::Utc::now(),
        chrono::Utc::now(),
    ));
    request.prior.checkpoint = Some(cxqa_core::Checkpoint::new(
        serde_json::json!({"next": "/api/v2/users?pageSize=2&pageNumber=2&state=any"}),
    ));
    let pages: Vec<_> = genesys.agents().unwrap().pages(&request).collect().await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].as_ref().unwrap().records[0].id, "u3");
}

#[tokio::test]
async fn check_reports_org_divisions_and_stream_access() {
    let server = server_with_token().await;
    Mock::given(path("/api/v2/tokens/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "organization": {"id": "org-1", "name": "Acme Support"}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/authorization/divisionspermitted/paged/me"))
        .and(query_param("permission", "quality:evaluation:view"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "entities": [{"id": "d1", "name": "Home"}, {"id": "d2", "name": "EMEA"}],
            "allDivsPermitted": false
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/users"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "message": "You are missing the following permission(s): directory:user:view",
            "code": "missing.permissions", "status": 403
        })))
        .mount(&server)
        .await;
    let report = connector(&server).check().await.unwrap();
    assert_eq!(report.account.as_deref(), Some("Acme Support"));
    assert_eq!(report.visible_scopes, vec!["Home", "EMEA"]);
    let agents = report
        .streams
        .iter()
        .find(|s| s.stream == Stream::Agents)
        .unwrap();
    assert!(!agents.ok);
    assert!(
        agents.detail.contains("403 (missing.permissions)"),
        "{}",
        agents.detail
    );
}

#[tokio::test]
async fn wrong_credentials_say_status_code_and_fix_without_the_secret() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client", "description": "client not found", "error_description": "client not found"
        })))
        .mount(&server)
        .await;
    let err = connector(&server).check().await.unwrap_err().to_string();
    assert!(err.contains("401 (invalid_client)"), "{err}");
    assert!(err.contains("client_secret"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

/// The details query as the reference describes it, answering one interval and page.
async fn details_page(server: &MockServer, interval: &str, page: u32, answer: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api/v2/analytics/conversations/details/query"))
        .and(wiremock::matchers::body_partial_json(serde_json::json!({
            "interval": interval, "paging": { "pageSize": 2, "pageNumber": page }
        })))
        .respond_with(answer)
        .mount(server)
        .await;
}

fn conversations(total: u64, list: &[(&str, &str)]) -> ResponseTemplate {
    let conversations: Vec<serde_json::Value> = list
        .iter()
        .map(|(id, start)| serde_json::json!({ "conversationId": id, "conversationStart": start }))
        .collect();
    ResponseTemplate::new(200)
        .set_body_json(serde_json::json!({ "conversations": conversations, "totalHits": total }))
}

/// An hour of conversations, two of them (c2, c3) starting in the same millisecond across a
/// page boundary, read two at a time by a connector that never uses async jobs.
async fn same_millisecond_server() -> (MockServer, GenesysConnector, ExtractRequest) {
    let server = server_with_token().await;
    let config: GenesysConfig = parse_section(
        "source",
        serde_json::json!({
            "base_url": server.uri(), "client_id": "client", "client_secret": SECRET,
            "requests_per_minute": 3000, "async_jobs_after_days": 0
        }),
    )
    .unwrap();
    let connector = GenesysConnector::new(config, ConnectorContext::default()).unwrap();
    let mut request = ExtractRequest::new(cxqa_core::Window::new(
        "2026-11-14T10:00:00Z".parse().unwrap(),
        "2026-11-14T11:00:00Z".parse().unwrap(),
    ));
    request.page_size = Some(2);
    let hour = "2026-11-14T10:00:00.000Z/2026-11-14T11:00:00.000Z";
    details_page(
        &server,
        hour,
        1,
        conversations(
            5,
            &[
                ("c1", "2026-11-14T10:00:00.000Z"),
                ("c2", "2026-11-14T10:10:00.000Z"),
            ],
        ),
    )
    .await;
    (server, connector, request)
}

async fn interaction_ids(connector: &GenesysConnector, request: &ExtractRequest) -> Vec<String> {
    let source = connector.interactions().unwrap();
    let pages: Vec<_> = source.pages(request).collect().await;
    pages
        .into_iter()
        .flat_map(|page| page.unwrap().records)
        .map(|i| i.id)
        .collect()
}

#[tokio::test]
async fn halving_at_the_result_cap_keeps_conversations_of_the_same_millisecond() {
    let (server, connector, request) = same_millisecond_server().await;
    let capped = ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "message": "Pagination may not exceed 100000 results", "code": "bad.request", "status": 400
    }));
    details_page(
        &server,
        "2026-11-14T10:00:00.000Z/2026-11-14T11:00:00.000Z",
        2,
        capped,
    )
    .await;
    // Halved from c2's start (inclusive) to the middle of the rest, 10:35: c2 again, c3 new.
    let halved = "2026-11-14T10:10:00.000Z/2026-11-14T10:35:00.000Z";
    let same_ms = [
        ("c2", "2026-11-14T10:10:00.000Z"),
        ("c3", "2026-11-14T10:10:00.000Z"),
    ];
    details_page(&server, halved, 1, conversations(3, &same_ms)).await;
    let c4 = [("c4", "2026-11-14T10:20:00.000Z")];
    details_page(&server, halved, 2, conversations(3, &c4)).await;
    let rest = "2026-11-14T10:35:00.000Z/2026-11-14T11:00:00.000Z";
    let c5 = [("c5", "2026-11-14T10:40:00.000Z")];
    details_page(&server, rest, 1, conversations(1, &c5)).await;
    assert_eq!(
        interaction_ids(&connector, &request).await,
        vec!["c1", "c2", "c3", "c4", "c5"],
        "each once; c3 shares c2's millisecond"
    );
}

#[tokio::test]
async fn a_resumed_details_read_starts_from_the_last_delivered_conversation() {
    let (server, connector, mut request) = same_millisecond_server().await;
    let source = connector.interactions().unwrap();
    let first = source.pages(&request).next().await.unwrap().unwrap();
    let delivered: Vec<String> = first.records.iter().map(|i| i.id.clone()).collect();
    assert_eq!(delivered, vec!["c1", "c2"]);
    // Page 2 never comes: the run stopped. Conversations arrived late meanwhile, so page
    // numbers shifted; the resumed read asks from c2's start instead.
    let from_c2 = "2026-11-14T10:10:00.000Z/2026-11-14T11:00:00.000Z";
    let page = [
        ("c2", "2026-11-14T10:10:00.000Z"),
        ("c3", "2026-11-14T10:10:00.000Z"),
    ];
    details_page(&server, from_c2, 1, conversations(4, &page)).await;
    let page = [
        ("c4", "2026-11-14T10:20:00.000Z"),
        ("c5", "2026-11-14T10:40:00.000Z"),
    ];
    details_page(&server, from_c2, 2, conversations(4, &page)).await;
    request.prior.checkpoint = first.checkpoint;
    assert_eq!(
        interaction_ids(&connector, &request).await,
        vec!["c3", "c4", "c5"]
    );
}

#[tokio::test]
async fn a_passing_404_on_an_evaluation_is_asked_again_before_it_counts_as_deleted() {
    use crate::assessments::{EvaluationCache, Fetched};
    let server = server_with_token().await;
    let passing = "/api/v2/quality/conversations/c1/evaluations/e1";
    let not_found = ResponseTemplate::new(404).set_body_json(serde_json::json!({
        "message": "Not found", "code": "not.found", "status": 404
    }));
    Mock::given(path(passing))
        .respond_with(not_found.clone())
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path(passing))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "id": "e1", "status": "FINISHED" })),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/quality/conversations/c1/evaluations/e2"))
        .respond_with(not_found)
        .expect(2)
        .mount(&server)
        .await;
    let connector = connector(&server);
    let cache = EvaluationCache::default();
    let passed = cache.get(&connector.api, "c1", "e1").await.unwrap();
    assert!(matches!(passed, Fetched::Found(e) if e.id == "e1"));
    let gone = cache.get(&connector.api, "c1", "e2").await.unwrap();
    assert!(matches!(gone, Fetched::Gone), "two 404s in a row: deleted");
}

/// With assessments and feedback in the run, an evaluation is fetched once for both and then
/// forgotten: memory does not grow with the window.
#[tokio::test]
async fn an_evaluation_is_kept_until_both_streams_have_read_it() {
    use crate::assessments::EvaluationCache;
    let server = server_with_token().await;
    Mock::given(path("/api/v2/quality/conversations/c1/evaluations/e1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "id": "e1", "status": "FINISHED" })),
        )
        .expect(2)
        .mount(&server)
        .await;
    let connector = connector(&server);
    let cache = EvaluationCache::default();
    cache.start_run(2);
    // The first two reads (assessments, feedback) share one fetch; then it is gone.
    for _ in 0..3 {
        cache.get(&connector.api, "c1", "e1").await.unwrap();
    }
}
