//! CXone's error shapes, also for the gate's refusals. CXone answers in several formats; the
//! gateway-level one carries `icStatusDescription`.

use super::*;
use crate::gate::Wire;

/// How the gate answers for CXone.
pub(super) const WIRE: Wire = Wire {
    token_prefix: "cx",
    error: |status, _code, message, path| cxone_error(status, message, path),
    rate_limited: |_wait, _limit, path| {
        cxone_error(StatusCode::TOO_MANY_REQUESTS, "Too many requests", path)
    },
};

pub(super) fn cxone_error(status: StatusCode, message: &str, path: &str) -> Response {
    let body = json!({
        "timestamp": chrono::Utc::now().timestamp_millis(), "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"), "message": message, "path": path
    });
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(message) {
        response.headers_mut().insert("icStatusDescription", value);
    }
    response
}
