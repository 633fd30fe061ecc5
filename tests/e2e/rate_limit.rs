//! With 60 requests a minute and Retry-After, a client that ignores Retry-After is refused
//! again, and cxqa's client, which honours it, completes.

use crate::support::emulator;
use cxqa_emulator::Faults;
use cxqa_http::{Auth, HttpClient, HttpSettings, Request};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn sixty_a_minute_refuses_the_impatient_and_serves_the_patient() {
    let emu = emulator(Faults {
        rate_limit_per_minute: Some(60),
        ..Faults::default()
    })
    .await;
    cxqa_http::install_crypto_provider();
    let raw = reqwest::Client::new();
    let token: serde_json::Value = raw
        .post(format!("{}/oauth/token", emu.url("genesys")))
        .basic_auth("admin-client", Some("admin-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let url = format!("{}/api/v2/authorization/divisions", emu.url("genesys"));
    for _ in 0..60 {
        assert_eq!(
            raw.get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // The impatient client: retries at once, three times, and is refused every time.
    for _ in 0..3 {
        let response = raw.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 429);
        assert!(response.headers().contains_key("retry-after"));
    }
    // The patient client (the same OAuth client, so the same budget) waits as told and succeeds.
    let http = HttpClient::new(
        "genesys",
        &HttpSettings::default(),
        cxqa_core::events::discard(),
        std::sync::Arc::new(cxqa_http::GenericErrors),
    )
    .unwrap();
    let started = Instant::now();
    let request = Request::get(&url, "/api/v2/authorization/divisions")
        .header("Authorization", format!("Bearer {token}"));
    let response = http.send(&request, &Auth::None).await.unwrap();
    assert_eq!(response.status, 200);
    assert!(
        started.elapsed() > Duration::from_secs(30),
        "it should have waited for the window"
    );
}
