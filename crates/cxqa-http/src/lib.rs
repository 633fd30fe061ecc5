//! The one HTTP client every connector uses.
//!
//! - one reqwest client (rustls with the ring provider, timeouts);
//! - a retry loop owned here: 429/503 honour `Retry-After` (seconds or HTTP-date) up to a cap,
//!   other 5xx, 408, connect errors, timeouts and unreadable bodies get jittered exponential
//!   backoff within an attempts budget; 401 on a bearer request refreshes the token once;
//! - pacing below a configured requests-per-minute (pre-signed downloads are not paced);
//! - [`FetchOnce`]: what several streams share (forms, evaluations) fetched once per key;
//! - one [`RequestEvent`](cxqa_core::events::RequestEvent) per attempt, for the audit log.
//!
//! Secrets travel as `SecretString` and never reach logs, errors or events.

mod client;
mod fetch_once;
mod health;
mod pacing;
mod retry;
mod token;

#[cfg(test)]
mod tests;

pub use client::{
    Auth, BearerTokens, Body, BodyBuffer, GenericErrors, HttpClient, HttpSettings, Request,
    Response, VendorErrorInfo, VendorErrors, decode_json, default_action,
    default_max_retry_elapsed, default_outage_after,
};
pub use fetch_once::FetchOnce;
pub use pacing::Pacer;
pub use reqwest::Method;
pub use reqwest::header::HeaderMap;
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::{Token, TokenCache, TokenSource};

/// Installs the ring crypto provider for rustls once per process (tests included).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
