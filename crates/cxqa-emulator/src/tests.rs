//! The emulator over real HTTP, whichever vendor it speaks: shared test helpers, and the admin
//! endpoints every vendor's server carries. Each vendor's own behaviour is tested in its folder.

use super::*;
use serde_json::{Value, json};

pub(crate) fn anchor() -> DateTime<Utc> {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

pub(crate) async fn emulator(faults: Faults) -> RunningEmulator {
    start(EmulatorConfig {
        anchor: anchor(),
        faults,
        ..EmulatorConfig::new()
    })
    .await
    .unwrap()
}

pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Sends a request and reads its JSON body (tests expect both to work).
pub(crate) trait JsonOf {
    async fn json_of(self) -> Value;
}

impl JsonOf for reqwest::RequestBuilder {
    async fn json_of(self) -> Value {
        self.send().await.unwrap().json().await.unwrap()
    }
}

/// The raw body of an authenticated GET.
pub(crate) async fn get_bytes(http: &reqwest::Client, url: &str, token: &str) -> Vec<u8> {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    response.bytes().await.unwrap().to_vec()
}

/// Two emulators from the same seed answered alike, byte for byte.
pub(crate) fn assert_same_bytes(first: &[Vec<u8>], second: &[Vec<u8>]) {
    assert_eq!(first.len(), second.len());
    for (x, y) in first.iter().zip(second) {
        assert!(
            x == y,
            "responses differ:\n{}\n{}",
            String::from_utf8_lossy(x),
            String::from_utf8_lossy(y)
        );
    }
}

pub(crate) async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let response = http.get(url).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_vendor_is_served_with_demo_credentials() {
    let emu = emulator(Faults::default()).await;
    assert_eq!(emu.served(), vendors());
    for vendor in vendors() {
        assert!(!demo_credentials(vendor).is_empty(), "{vendor}");
    }
}

#[tokio::test]
async fn faults_and_time_are_shared_by_every_vendor_through_the_admin_endpoints() {
    let emu = emulator(Faults::default()).await;
    let http = client();
    let vendors = vendors();
    let (first, last) = (emu.url(vendors[0]), emu.url(vendors[vendors.len() - 1]));
    let updated: Value = http
        .post(format!("{first}/admin/faults"))
        .json(&json!({ "error_rate": 1.0 }))
        .json_of()
        .await;
    assert_eq!(updated["error_rate"], 1.0);
    let seen: Value = http.get(format!("{last}/admin/faults")).json_of().await;
    assert_eq!(seen["error_rate"], 1.0);
    let bad = http
        .post(format!("{last}/admin/faults"))
        .json(&json!({ "eror_rate": 1.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let passed: Value = http
        .post(format!("{last}/admin/time-passes"))
        .json(&json!({ "edit": 1, "delete": 2 }))
        .json_of()
        .await;
    assert_eq!(passed["deleted"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn vendor_fault_switches_are_checked_by_name_and_type() {
    let unknown = start(EmulatorConfig {
        faults: Faults::default().with("no_such_switch", 1),
        ..EmulatorConfig::new()
    })
    .await;
    assert!(unknown.is_err_and(|e| e.to_string().contains("no_such_switch")));
    let emu = emulator(Faults::default()).await;
    let http = client();
    let vendors = vendors();
    let url = emu.url(vendors[0]);
    let defaults: Value = http.get(format!("{url}/admin/faults")).json_of().await;
    let shared = serde_json::to_value(Faults {
        vendor: Default::default(),
        ..Faults::default()
    })
    .unwrap();
    let (switch, value) = defaults
        .as_object()
        .unwrap()
        .iter()
        .find(|(key, value)| shared.get(key.as_str()).is_none() && value.is_u64())
        .expect("some vendor declares a numeric switch");
    let wrong_type = http
        .post(format!("{url}/admin/faults"))
        .json(&json!({ switch.as_str(): "soon" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 400);
    let changed: Value = http
        .post(format!("{url}/admin/faults"))
        .json(&json!({ switch.as_str(): value.as_u64().unwrap() + 1 }))
        .json_of()
        .await;
    assert_eq!(changed[switch.as_str()], value.as_u64().unwrap() + 1);
}
