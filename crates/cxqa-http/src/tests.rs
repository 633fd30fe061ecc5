//! The retry loop, token cache and events against a local wiremock server.

use crate::*;
use async_trait::async_trait;
use cxqa_core::SourceError;
use cxqa_core::events::{RequestEvent, RequestEventSink};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-value-never-logged";

#[derive(Default)]
struct Recorded(Mutex<Vec<RequestEvent>>);

impl RequestEventSink for Recorded {
    fn record(&self, event: RequestEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorded {
    fn events(&self) -> Vec<RequestEvent> {
        self.0.lock().unwrap().clone()
    }
}

fn fast_settings() -> HttpSettings {
    HttpSettings {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        ..HttpSettings::default()
    }
}

fn client(settings: &HttpSettings) -> (HttpClient, Arc<Recorded>) {
    let events = Arc::new(Recorded::default());
    let client =
        HttpClient::new("test", settings, events.clone(), Arc::new(GenericErrors)).unwrap();
    (client, events)
}

fn get(server: &MockServer, p: &str) -> Request {
    Request::get(format!("{}{p}", server.uri()), p)
}

/// Client credentials in a Basic header, like Genesys.
struct ClientCredentials {
    url: String,
    expires_in: u64,
}

#[async_trait]
impl TokenSource for ClientCredentials {
    async fn fetch(&self, http: &HttpClient) -> Result<Token, SourceError> {
        #[derive(serde::Deserialize)]
        struct Body {
            access_token: String,
            expires_in: u64,
        }
        let request = Request::post(&self.url, "/oauth/token").form(vec![(
            "grant_type".into(),
            SecretString::from("client_credentials"),
        )]);
        let auth = Auth::Basic {
            user: "client".into(),
            password: SecretString::from(SECRET),
        };
        let body: Body = http.json(&request, &auth).await?;
        Ok(Token {
            access_token: body.access_token.into(),
            expires_in: Duration::from_secs(body.expires_in.min(self.expires_in)),
        })
    }
}

/// A token endpoint that issues t1, t2, t3, ... in order.
async fn token_server(server: &MockServer) -> Arc<Mutex<u32>> {
    let issued = Arc::new(Mutex::new(0u32));
    let counter = issued.clone();
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(move |_: &wiremock::Request| {
            let mut n = counter.lock().unwrap();
            *n += 1;
            ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "access_token": format!("t{n}"), "token_type": "bearer", "expires_in": 86400
            }))
        })
        .mount(server)
        .await;
    issued
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/limited"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let started = Instant::now();
    let response = http
        .send(&get(&server, "/limited"), &Auth::None)
        .await
        .unwrap();
    assert_eq!(response.body, b"ok");
    assert!(started.elapsed() >= Duration::from_secs(1));
    let events = events.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].status, Some(429));
    assert_eq!(events[1].attempt, 2);
    assert!(events[1].waited_ms >= 1000, "{:?}", events[1]);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = MockServer::start().await;
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    Mock::given(path("/dated"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", at.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/dated"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let started = Instant::now();
    http.send(&get(&server, "/dated"), &Auth::None)
        .await
        .unwrap();
    // HTTP-dates have one-second resolution: at least one second must have been waited.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(events.events().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_fails_clearly() {
    let server = MockServer::start().await;
    Mock::given(path("/slow"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let started = Instant::now();
    let err = http
        .send(&get(&server, "/slow"), &Auth::None)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    let text = err.to_string();
    assert!(matches!(
        err,
        SourceError::WaitTooLong {
            wait_secs: 600,
            cap_secs: 180,
            ..
        }
    ));
    assert!(
        text.contains("600s") && text.contains("cap of 180s"),
        "{text}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(path("/flaky"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"n": 1})))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let value: serde_json::Value = http
        .json(&get(&server, "/flaky"), &Auth::None)
        .await
        .unwrap();
    assert_eq!(value["n"], 1);
    let statuses: Vec<_> = events.events().iter().map(|e| e.status).collect();
    assert_eq!(statuses, vec![Some(502), Some(502), Some(200)]);
}

#[tokio::test]
async fn server_errors_exhaust_the_attempt_budget() {
    let server = MockServer::start().await;
    Mock::given(path("/down"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let err = http
        .send(&get(&server, "/down"), &Auth::None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SourceError::Exhausted { attempts: 5, .. }),
        "{err}"
    );
    assert_eq!(events.events().len(), 5);
}

#[tokio::test]
async fn malformed_json_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/truncated"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"entities\": [1, 2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/truncated"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"entities": [1, 2]})),
        )
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let value: serde_json::Value = http
        .json(&get(&server, "/truncated"), &Auth::None)
        .await
        .unwrap();
    assert_eq!(value["entities"][1], 2);
}

/// A body that does not fit says where (the field's path) and what, but not the value there.
#[test]
fn decode_errors_name_the_field_and_never_the_value() {
    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        #[allow(dead_code)]
        score: f64,
    }
    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        answers: Vec<Inner>,
    }
    let err = crate::decode_json::<Outer>(
        br#"{"answers": [{"score": 1}, {"score": "jane@example.com"}]}"#,
    )
    .unwrap_err();
    assert!(err.contains("at `answers[1].score`"), "{err}");
    assert!(
        err.contains("expected f64") && !err.contains("jane"),
        "{err}"
    );
    let err = crate::decode_json::<Outer>(br#"{"answers": [{"score": 1"#).unwrap_err();
    assert!(err.starts_with("invalid JSON (EOF"), "{err}");
    assert!(crate::decode_json::<Outer>(br#"{"answers": []} trailing"#).is_err());
}

/// Bodies are checked as UTF-8 once; one that is not is refused with where, not decoded.
#[test]
fn bodies_that_are_not_utf8_are_refused_with_where() {
    #[derive(Debug, serde::Deserialize)]
    struct Named {
        name: String,
    }
    let named = crate::decode_json::<Named>("{\"name\": \"Zoë\"}".as_bytes()).unwrap();
    assert_eq!(named.name, "Zoë");
    let err = crate::decode_json::<Named>(b"{\"name\": \"Zo\xff\"}").unwrap_err();
    assert!(err.starts_with("invalid JSON"), "{err}");
    assert!(err.contains("column"), "{err}");
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/bad"))
        .respond_with(ResponseTemplate::new(400).set_body_string("nope"))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let err = http
        .send(&get(&server, "/bad"), &Auth::None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(events.events().len(), 1);
    assert!(
        err.to_string().contains("test answered 400 on /bad"),
        "{err}"
    );
}

#[tokio::test]
async fn pass_through_statuses_are_returned() {
    let server = MockServer::start().await;
    Mock::given(path("/none"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let response = http
        .send(&get(&server, "/none").pass_through(&[404]), &Auth::None)
        .await
        .unwrap();
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn unauthorized_refreshes_the_token_once_and_resends() {
    let server = MockServer::start().await;
    let issued = token_server(&server).await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(path("/api"))
        .and(header("authorization", "Bearer t2"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fresh"))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let tokens = Arc::new(TokenCache::new(
        ClientCredentials {
            url: format!("{}/oauth/token", server.uri()),
            expires_in: 86400,
        },
        Duration::from_secs(60),
    ));
    let response = http
        .send(&get(&server, "/api"), &Auth::Bearer(tokens))
        .await
        .unwrap();
    assert_eq!(response.body, b"fresh");
    assert_eq!(*issued.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_second_401_is_an_error_naming_the_status_not_the_secret() {
    let server = MockServer::start().await;
    token_server(&server).await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let (http, events) = client(&fast_settings());
    let tokens = Arc::new(TokenCache::new(
        ClientCredentials {
            url: format!("{}/oauth/token", server.uri()),
            expires_in: 86400,
        },
        Duration::from_secs(60),
    ));
    let err = http
        .send(&get(&server, "/api"), &Auth::Bearer(tokens))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let text = format!("{err} {err:?} {:?}", events.events());
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    let server = MockServer::start().await;
    let issued = token_server(&server).await;
    Mock::given(path("/api"))
        .respond_with(|req: &wiremock::Request| {
            let auth = req
                .headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            ResponseTemplate::new(200).set_body_string(auth)
        })
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    // Lifetime 2 s, refresh buffer 1 s: the token is renewed after about 1 s.
    let tokens = Arc::new(TokenCache::new(
        ClientCredentials {
            url: format!("{}/oauth/token", server.uri()),
            expires_in: 2,
        },
        Duration::from_secs(1),
    ));
    let auth = Auth::Bearer(tokens);
    let first = http.send(&get(&server, "/api"), &auth).await.unwrap();
    let again = http.send(&get(&server, "/api"), &auth).await.unwrap();
    assert_eq!(first.body, b"Bearer t1");
    assert_eq!(again.body, b"Bearer t1");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let renewed = http.send(&get(&server, "/api"), &auth).await.unwrap();
    assert_eq!(renewed.body, b"Bearer t2");
    assert_eq!(*issued.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_refresh_buffer_longer_than_the_token_lifetime_does_not_refresh_every_request() {
    let server = MockServer::start().await;
    let issued = token_server(&server).await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    // 2 s tokens with a 60 s buffer: renewed after 1 s (half the lifetime), not at once.
    let tokens = Arc::new(TokenCache::new(
        ClientCredentials {
            url: format!("{}/oauth/token", server.uri()),
            expires_in: 2,
        },
        Duration::from_secs(60),
    ));
    let auth = Auth::Bearer(tokens);
    for _ in 0..5 {
        http.send(&get(&server, "/api"), &auth).await.unwrap();
    }
    assert_eq!(*issued.lock().unwrap(), 1);
}

#[tokio::test]
async fn concurrent_requests_share_one_token_fetch() {
    let server = MockServer::start().await;
    let issued = token_server(&server).await;
    Mock::given(path("/api"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let tokens = Arc::new(TokenCache::new(
        ClientCredentials {
            url: format!("{}/oauth/token", server.uri()),
            expires_in: 86400,
        },
        Duration::from_secs(60),
    ));
    let auth = Auth::Bearer(tokens);
    let request = get(&server, "/api");
    let all = futures_join(&http, &request, &auth, 10).await;
    assert!(all.iter().all(Result::is_ok));
    assert_eq!(*issued.lock().unwrap(), 1);
}

async fn futures_join(
    http: &HttpClient,
    request: &Request,
    auth: &Auth,
    n: usize,
) -> Vec<Result<Response, SourceError>> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (http, request, auth) = (http.clone(), request.clone(), auth.clone());
        set.spawn(async move { http.send(&request, &auth).await });
    }
    set.join_all().await
}

#[tokio::test]
async fn pacing_spaces_requests() {
    let server = MockServer::start().await;
    Mock::given(path("/paced"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let settings = HttpSettings {
        requests_per_minute: Some(600),
        ..fast_settings()
    };
    let (http, events) = client(&settings);
    let started = Instant::now();
    for _ in 0..4 {
        http.send(&get(&server, "/paced"), &Auth::None)
            .await
            .unwrap();
    }
    // 600/min = one per 100 ms: the 4th request leaves 300 ms after the first.
    assert!(started.elapsed() >= Duration::from_millis(300));
    let waited: u64 = events.events().iter().map(|e| e.waited_ms).sum();
    assert!(waited >= 250, "{waited}");
}

#[tokio::test]
async fn presigned_downloads_neither_wait_for_nor_spend_the_pacers_slots() {
    let server = MockServer::start().await;
    Mock::given(path("/paced"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // One request a minute: a second paced request would wait a minute.
    let settings = HttpSettings {
        requests_per_minute: Some(1),
        ..fast_settings()
    };
    let (http, events) = client(&settings);
    http.send(&get(&server, "/paced"), &Auth::None)
        .await
        .unwrap();
    for _ in 0..5 {
        http.send(&get(&server, "/paced").presigned(), &Auth::None)
            .await
            .unwrap();
    }
    assert!(events.events().iter().all(|e| e.waited_ms == 0));
    // The slot after the first paced request is still a minute away: downloads took none.
    let next = tokio::time::timeout(
        Duration::from_millis(200),
        http.send(&get(&server, "/paced"), &Auth::None),
    )
    .await;
    assert!(next.is_err(), "the second paced request waits for its slot");
}

#[test]
fn secret_form_values_are_redacted_in_debug() {
    let request = Request::post("http://127.0.0.1/token", "/token")
        .form(vec![("password".into(), SecretString::from(SECRET))]);
    let debug = format!("{request:?}");
    assert!(!debug.contains(SECRET), "{debug}");
    if let Body::Form(fields) = &request.body {
        assert_eq!(fields[0].1.expose_secret(), SECRET);
    }
}

#[tokio::test]
async fn bodies_read_into_a_kept_buffer_reuse_its_allocation() {
    let server = MockServer::start().await;
    let page = vec![b'x'; 64 << 10];
    Mock::given(path("/page"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(page.clone()))
        .mount(&server)
        .await;
    let (http, _) = client(&fast_settings());
    let buffer = BodyBuffer::default();
    let request = get(&server, "/page").body_buffer(buffer.clone());
    let mut allocations = Vec::new();
    for _ in 0..3 {
        let response = http.send(&request, &Auth::None).await.unwrap();
        assert_eq!(response.body, page);
        allocations.push(response.body.as_ptr());
        buffer.give_back(response.body);
    }
    assert!(allocations.iter().all(|a| *a == allocations[0]));
    buffer.give_back(Vec::with_capacity(16));
    let response = http.send(&request, &Auth::None).await.unwrap();
    assert_eq!(
        response.body.as_ptr(),
        allocations[0],
        "the larger buffer is kept"
    );
}
