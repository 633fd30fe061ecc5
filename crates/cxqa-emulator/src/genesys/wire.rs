//! Genesys' wire shapes: the `ErrorBody` (also for the gate's refusals), the 429 body, the
//! classic entity listing and the analytics aggregate response.

use super::*;
use crate::gate::Wire;

/// How the gate answers for Genesys.
pub(super) const WIRE: Wire = Wire {
    token_prefix: "gc",
    error: |status, code, message, _path| genesys_error(status, code, message),
    rate_limited,
};

/// A Genesys `ErrorBody`.
pub(super) fn genesys_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "message": message, "code": code, "status": status.as_u16(),
        "contextId": "emulator", "details": [], "errors": []
    });
    (status, axum::Json(body)).into_response()
}

fn rate_limited(wait: u64, limit: u32, _path: &str) -> Response {
    let body = json!({
        "message": format!("Rate limit exceeded the maximum. Retry the request in [{wait}] seconds"),
        "code": "too.many.requests.retry.after", "status": 429,
        "messageWithParams": "Rate limit exceeded the maximum. Retry the request in [{retryAfterSeconds}] seconds",
        "messageParams": { "retryAfterSeconds": wait.to_string() },
        "contextId": "emulator", "details": [], "errors": [],
        "limit": { "key": "client.credentials.token.rate.per.minute", "namespace": "platform.api", "value": limit }
    });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

/// A classic `*EntityListing`; `nextUri` is absent on the last page.
pub(super) fn listing(path: &str, params: &Params, items: Vec<Value>, default_size: u64) -> Value {
    let page_size = params.number("pageSize", default_size).max(1);
    let page_number = params.number("pageNumber", 1).max(1);
    let total = items.len() as u64;
    let page_count = total.div_ceil(page_size).max(1);
    let rest = params.without(&["pageSize", "pageNumber"]);
    let uri = |n: u64| {
        let mut pairs = vec![
            ("pageSize".to_string(), page_size.to_string()),
            ("pageNumber".to_string(), n.to_string()),
        ];
        pairs.extend(rest.iter().cloned());
        format!("{path}?{}", encode_query(&pairs))
    };
    let mut body = json!({
        "entities": page_of(&items, page_size, page_number),
        "pageSize": page_size, "pageNumber": page_number, "total": total, "pageCount": page_count,
        "firstUri": uri(1), "selfUri": uri(page_number), "lastUri": uri(page_count),
    });
    if page_number < page_count {
        body["nextUri"] = json!(uri(page_number + 1));
    }
    if page_number > 1 {
        body["previousUri"] = json!(uri(page_number - 1));
    }
    body
}

pub(super) fn aggregate_response(
    groups: Vec<(Value, Vec<(String, Value)>)>,
    interval_text: &str,
) -> Value {
    json!({ "results": groups.into_iter().map(|(group, metrics)| json!({
        "group": group,
        "data": [{ "interval": interval_text, "metrics": metrics.into_iter().map(|(m, stats)| json!({ "metric": m, "stats": stats })).collect::<Vec<_>>() }]
    })).collect::<Vec<_>>() })
}
