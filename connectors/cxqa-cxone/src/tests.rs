//! The CXone connector against a local wiremock server speaking the reference's shapes.

use super::*;
use base64::Engine;
use cxqa_core::model::AgentState;
use cxqa_core::{ExtractRequest, Window};
use futures::StreamExt;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCESS_KEY_ID: &str = "AKID==";
const ACCESS_KEY_SECRET: &str = "access-key-secret-value";

fn id_token(tenant: &str) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = engine.encode(serde_json::json!({"tenantId": tenant, "area": "na1"}).to_string());
    format!("{header}.{claims}.signature")
}

/// Discovery, token and tenant discovery as the reference describes them.
async fn cxone_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "issuer": server.uri(),
            "token_endpoint": format!("{}/auth/token", server.uri()),
            "scopes_supported": ["openid"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"]
        })))
        .mount(&server)
        .await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("app-id:app-secret")
    );
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(header("authorization", basic.as_str()))
        .and(body_string_contains("grant_type=password"))
        .and(body_string_contains("username=AKID%3D%3D"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "cx-token", "token_type": "Bearer", "expires_in": 3600,
            "refresh_token": "r", "id_token": id_token("tenant-42")
        })))
        .mount(&server)
        .await;
    Mock::given(path("/.well-known/cxone-configuration"))
        .and(query_param("tenantId", "tenant-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "private": false, "api_endpoint": format!("{}/gateway", server.uri()),
            "area": "na1", "domain": "niceincontact.com"
        })))
        .mount(&server)
        .await;
    server
}

fn connector(server: &MockServer) -> CxoneConnector {
    let value = serde_json::json!({
        "issuer": server.uri(), "client_id": "app-id", "client_secret": "app-secret",
        "access_key_id": ACCESS_KEY_ID, "access_key_secret": ACCESS_KEY_SECRET,
        "requests_per_minute": 3000, "agents_page_size": 2
    });
    let config: CxoneConfig = parse_section("source", value).unwrap();
    CxoneConnector::new(&config, ConnectorContext::default()).unwrap()
}

fn agent(id: u64, active: bool) -> serde_json::Value {
    serde_json::json!({
        "agentId": id, "userName": format!("agent{id}@acme"), "firstName": "Ann", "lastName": format!("N{id}"),
        "emailAddress": format!("a{id}@example.com"), "isActive": active, "teamId": 7, "teamName": "Gold",
        "DivisionNo": 3, "lastUpdated": "2026-11-01T10:00:00.000Z", "userID": "uuid", "someNewField": 1
    })
}

#[tokio::test]
async fn check_discovers_tenant_and_api_base() {
    let server = cxone_server().await;
    Mock::given(path("/gateway/incontactapi/services/v34.0/agents"))
        .and(header("authorization", "Bearer cx-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"agents": [agent(1, true)]})),
        )
        .mount(&server)
        .await;
    let report = connector(&server).check().await.unwrap();
    assert_eq!(report.account.as_deref(), Some("tenant tenant-42"));
    assert_eq!(report.api_base, Some(format!("{}/gateway", server.uri())));
    let agents = report
        .streams
        .iter()
        .find(|s| s.stream == Stream::Agents)
        .unwrap();
    assert!(agents.ok, "{:?}", report.streams);
    // Endpoints this mock server does not serve are reported, not fatal.
    assert!(
        report
            .streams
            .iter()
            .any(|s| !s.ok && s.detail.contains("404"))
    );
}

#[tokio::test]
async fn agents_follow_next_links_and_stop_on_204() {
    let server = cxone_server().await;
    let next = format!(
        "{}/gateway/incontactapi/services/v34.0/agents?top=2&skip=2",
        server.uri()
    );
    Mock::given(path("/gateway/incontactapi/services/v34.0/agents"))
        .and(query_param("skip", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "businessUnitId": 1, "totalRecords": 2, "agents": [agent(1, true), agent(2, false)],
            "_links": {"self": "x", "next": next}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/gateway/incontactapi/services/v34.0/agents"))
        .and(query_param("skip", "2"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let cxone = connector(&server);
    let request = ExtractRequest::new(Window::new(chrono::Utc::now(), chrono::Utc::now()));
    let pages: Vec<_> = cxone.agents().unwrap().pages(&request).collect().await;
    assert_eq!(pages.len(), 2);
    let agents: Vec<_> = pages.into_iter().flat_map(|p| p.unwrap().records).collect();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0].id, "1");
    assert_eq!(agents[0].name.as_deref(), Some("Ann N1"));
    assert_eq!(agents[0].division_id.as_deref(), Some("3"));
    assert_eq!(agents[1].state, AgentState::Inactive);
    assert!(agents[0].modified_at.is_some());
}

#[tokio::test]
async fn bad_app_credentials_say_what_to_fix_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_endpoint": format!("{}/auth/token", server.uri())
        })))
        .mount(&server)
        .await;
    Mock::given(path("/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client", "error_description": "Client authentication failed"
        })))
        .mount(&server)
        .await;
    let err = connector(&server).check().await.unwrap_err().to_string();
    assert!(err.contains("401 (invalid_client)"), "{err}");
    assert!(
        !err.contains(ACCESS_KEY_SECRET) && !err.contains("app-secret"),
        "{err}"
    );
}

#[tokio::test]
async fn a_discovered_plain_http_host_elsewhere_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_endpoint": "http://auth.example.com/auth/token"
        })))
        .mount(&server)
        .await;
    let err = connector(&server).check().await.unwrap_err().to_string();
    assert!(
        err.contains("token_endpoint") && err.contains("allow_insecure_http"),
        "{err}"
    );
}
