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
        "requests_per_minute": 3000
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
