//! The gate every vendor API request passes: bearer check, per-client rate limit, latency,
//! injected 5xx and malformed bodies. Refusals are rendered by the vendor's [`Wire`].

use crate::state::AppState;
use crate::world::TransientFault;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Duration;

/// How a vendor answers the gate's refusals, in its own error format. Each vendor module
/// hands its own to the gate; the gate knows no vendor.
pub struct Wire {
    /// The prefix of the vendor's access tokens: a token works only at the vendor that issued it.
    pub token_prefix: &'static str,
    /// (status, error code, message, request path) → the vendor's error response.
    pub error: fn(StatusCode, &str, &str, &str) -> Response,
    /// (seconds to wait, requests allowed per window, request path) → the vendor's 429 body; the
    /// gate adds `Retry-After`.
    pub rate_limited: fn(u64, u32, &str) -> Response,
}

/// The authenticated caller, for handlers that scope data by client.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    /// Division indexes the caller may see; None = all.
    pub visible: Option<Vec<usize>>,
}

impl Caller {
    pub fn sees(&self, division: usize) -> bool {
        self.visible.as_ref().is_none_or(|v| v.contains(&division))
    }
}

pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .or_else(|| {
            headers
                .get(header::AUTHORIZATION)?
                .to_str()
                .ok()?
                .strip_prefix("bearer ")
        })
}

pub async fn gate(
    State((state, wire)): State<(Arc<AppState>, &'static Wire)>,
    mut request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_string(),
        |m| m.as_str().to_string(),
    );
    let path = request.uri().path().to_string();
    state.count(&route);

    let client_id =
        match bearer(request.headers()).map(|t| state.authenticate(t, wire.token_prefix)) {
            Some(Ok(client)) => client,
            Some(Err(true)) => {
                return (wire.error)(
                    StatusCode::UNAUTHORIZED,
                    "credentials.expired",
                    "The access token has expired.",
                    &path,
                );
            }
            _ => {
                return (wire.error)(
                    StatusCode::UNAUTHORIZED,
                    "authentication.required",
                    "Authentication is required: send a valid bearer token.",
                    &path,
                );
            }
        };

    if let Err(wait) = state.admit(&client_id) {
        state.stats.lock().expect("stats lock").rate_limited += 1;
        let limit = state.faults().rate_limit_per_minute.unwrap_or(0);
        let mut response = (wire.rate_limited)(wait, limit, &path);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return response;
    }

    let faults = state.faults();
    let delay = faults.latency_ms + (state.draw() * faults.jitter_ms as f64) as u64;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let injected = faults.error_rate > 0.0 && state.draw() < faults.error_rate;
    if injected || state.take_armed(TransientFault::ServerErrors) {
        state.stats.lock().expect("stats lock").injected_errors += 1;
        return (wire.error)(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "The service is temporarily unavailable.",
            &path,
        );
    }

    let visible = state.visible_divisions(&client_id);
    request
        .extensions_mut()
        .insert(Caller { client_id, visible });
    let response = next.run(request).await;

    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let cut = faults.malformed_rate > 0.0 && state.draw() < faults.malformed_rate;
    if response.status() == StatusCode::OK
        && (cut || (is_json && state.take_armed(TransientFault::Malformed)))
    {
        state.stats.lock().expect("stats lock").malformed += 1;
        return truncate(response).await;
    }
    if faults.unknown_fields && is_json && response.status().is_success() {
        return with_unknown_fields(response).await;
    }
    response
}

/// The key the `unknown_fields` fault adds; no vendor documents it.
pub const UNKNOWN_FIELD: &str = "unannouncedField";

/// Adds [`UNKNOWN_FIELD`] to the body's top-level object and to every object in its top-level
/// arrays (the records of a listing), where a vendor's new release adds fields.
async fn with_unknown_fields(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let mark = |object: &mut serde_json::Map<String, serde_json::Value>| {
        object.insert(
            UNKNOWN_FIELD.into(),
            serde_json::json!({ "since": "next release" }),
        );
    };
    let arrays: &mut dyn Iterator<Item = &mut serde_json::Value> = match &mut value {
        serde_json::Value::Object(top) => {
            mark(top);
            &mut top.values_mut()
        }
        array @ serde_json::Value::Array(_) => &mut std::iter::once(array),
        _ => &mut std::iter::empty(),
    };
    for items in arrays.filter_map(serde_json::Value::as_array_mut) {
        items
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
            .for_each(mark);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}

/// Cuts a body in half, keeping the status and headers but the length (as a broken proxy would).
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(0..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(half))
}
