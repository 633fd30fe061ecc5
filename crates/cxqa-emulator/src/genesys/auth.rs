//! OAuth client credentials (`POST /oauth/token`) and `GET /api/v2/tokens/me`.

use super::*;

/// The OAuth client the demo uses: it sees the Home and EMEA divisions, not Restricted.
pub const DEMO_CLIENT: (&str, &str) = ("demo-client", "demo-secret");

/// An OAuth client that sees every division.
pub const ADMIN_CLIENT: (&str, &str) = ("admin-client", "admin-secret");

/// The clients the token endpoint accepts: (client id, secret).
pub const CLIENTS: [(&str, &str); 2] = [DEMO_CLIENT, ADMIN_CLIENT];

pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("client_id", DEMO_CLIENT.0),
    ("client_secret", DEMO_CLIENT.1),
];

pub(super) async fn token(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    state.count("/oauth/token");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let oauth_error = |status: StatusCode, error: &str, text: &str| {
        (
            status,
            Json(json!({ "error": error, "description": text, "error_description": text })),
        )
            .into_response()
    };
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only client_credentials is supported for this client.",
        );
    }
    let credentials = crate::http_util::client_credentials(&headers, &form);
    let client = credentials.and_then(|(id, secret)| {
        CLIENTS
            .iter()
            .find(|(i, s)| *i == id && *s == secret)
            .map(|(i, _)| *i)
    });
    let Some(client) = client else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials.",
        );
    };
    let (access_token, expires_in) = state.issue_token(client, WIRE.token_prefix);
    Json(json!({ "access_token": access_token, "token_type": "bearer", "expires_in": expires_in }))
        .into_response()
}

pub(super) async fn tokens_me(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
) -> Json<Value> {
    let world = state.world.read().expect("world lock");
    Json(json!({
        "organization": { "id": world.org_id, "name": "Acme Support (emulated)", "selfUri": format!("/api/v2/organizations/{}", world.org_id) },
        "homeOrganization": { "id": world.org_id, "name": "Acme Support (emulated)" },
        "authorizedScope": [],
        "OAuthClient": { "id": caller.client_id, "name": caller.client_id, "organization": { "id": world.org_id } }
    }))
}
