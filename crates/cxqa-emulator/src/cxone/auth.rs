//! OIDC discovery, tenant discovery (`cxone-configuration`) and the password grant.

use super::*;

/// The demo app registration and access key.
pub struct Credentials {
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub access_key_id: &'static str,
    pub access_key_secret: &'static str,
}

pub const DEMO: Credentials = Credentials {
    client_id: "demo-app",
    client_secret: "demo-app-secret",
    access_key_id: "DEMOACCESSKEY==",
    access_key_secret: "demo-access-key-secret",
};

pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("client_id", DEMO.client_id),
    ("client_secret", DEMO.client_secret),
    ("access_key_id", DEMO.access_key_id),
    ("access_key_secret", DEMO.access_key_secret),
];

pub(super) async fn openid_configuration(State(state): Shared) -> Json<Value> {
    state.count("/.well-known/openid-configuration");
    let base = base(&state);
    Json(json!({
        "issuer": base, "authorization_endpoint": format!("{base}/auth/authorize"),
        "token_endpoint": format!("{base}/auth/token"), "jwks_uri": format!("{base}/auth/jwks"),
        "scopes_supported": ["openid"], "response_types_supported": ["code", "id_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "grant_types_supported": ["authorization_code", "password", "refresh_token"]
    }))
}

pub(super) async fn cxone_configuration(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    state.count("/.well-known/cxone-configuration");
    let params = Params::parse(raw.as_deref());
    let tenant = state.world.read().expect("world lock").tenant_id.clone();
    if params.get("tenantId") != Some(tenant.as_str()) {
        return cxone_error(
            StatusCode::NOT_FOUND,
            "Unknown tenant",
            "/.well-known/cxone-configuration",
        );
    }
    let base = base(&state);
    let domain = loopback_domain(&base);
    Json(json!({
        "private": false, "ui_endpoint": base, "auth_endpoint": base, "api_endpoint": base,
        "area": "na1", "cluster": "E32", "domain": domain, "acdDomain": domain,
        "uhDomain": domain, "tenantId": tenant
    }))
    .into_response()
}

/// The `domain` for discovery: clients build hosts as `api-{area}.{domain}` (reference §2.3),
/// and every name under `localhost` is the loopback (RFC 6761), so with the emulator's port
/// that host is the emulator again.
fn loopback_domain(base: &str) -> String {
    let port = base
        .rsplit_once(':')
        .map(|(_, port)| port.trim_end_matches('/'))
        .filter(|port| port.chars().all(|c| c.is_ascii_digit()));
    match port {
        Some(port) => format!("localhost:{port}"),
        None => "localhost".to_string(),
    }
}

pub(super) async fn token(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    state.count("/auth/token");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let refuse = |error: &str, text: &str| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": error, "error_description": text })),
        )
            .into_response()
    };
    let client = crate::http_util::client_credentials(&headers, &form);
    let authenticated =
        client == Some((DEMO.client_id.to_string(), DEMO.client_secret.to_string()));
    match field("grant_type").as_deref() {
        Some("password") => {
            if !authenticated {
                return refuse("invalid_client", "Client authentication failed");
            }
            if field("username").as_deref() != Some(DEMO.access_key_id)
                || field("password").as_deref() != Some(DEMO.access_key_secret)
            {
                return refuse("invalid_grant", "Invalid access key");
            }
        }
        // Reference §2: `grant_type=refresh_token&client_id=…&refresh_token=…`; the client
        // may also authenticate as for the password grant.
        Some("refresh_token") => {
            if !authenticated && field("client_id").as_deref() != Some(DEMO.client_id) {
                return refuse("invalid_client", "Client authentication failed");
            }
            let known =
                field("refresh_token").is_some_and(|t| redeemable(&state, &t, OIDC_REFRESH));
            if !known {
                return refuse("invalid_grant", "Invalid refresh token");
            }
        }
        _ => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": "unsupported_grant_type", "error_description": "Use the password grant" })))
                .into_response();
        }
    }
    let (access_token, expires_in) = state.issue_token(DEMO.client_id, WIRE.token_prefix);
    Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
        "refresh_token": new_refresh_token(&state, OIDC_REFRESH),
        "id_token": id_token(&state, expires_in),
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"
    }))
    .into_response()
}

/// Refresh-token prefixes: a token renews only at the endpoint that issued it.
const OIDC_REFRESH: &str = "cxr";
const USERHUB_REFRESH: &str = "uhr";

fn new_refresh_token(state: &Cxone, prefix: &str) -> String {
    let token = format!("{prefix}-{}", state.next_id());
    state
        .refresh_tokens
        .lock()
        .expect("refresh tokens lock")
        .insert(token.clone());
    token
}

fn redeemable(state: &Cxone, token: &str, prefix: &str) -> bool {
    token.starts_with(&format!("{prefix}-"))
        && state
            .refresh_tokens
            .lock()
            .expect("refresh tokens lock")
            .contains(token)
}

/// The signed id_token: the tenant, and the access key's user (the first supervisor).
fn id_token(state: &Cxone, expires_in: u64) -> String {
    let (tenant, user) = {
        let world = state.world.read().expect("world lock");
        let owner = world
            .agents
            .iter()
            .find(|a| a.supervisor)
            .or(world.agents.first());
        (
            world.tenant_id.clone(),
            owner.map(|a| (a.id.clone(), a.first, a.last)),
        )
    };
    let (user_id, first, last) = user.unwrap_or_default();
    let now = Utc::now().timestamp();
    state.signer.sign(&json!({
        "iss": base(state), "sub": format!("user:{user_id}"), "aud": DEMO.client_id, "iat": now, "exp": now + expires_in as i64,
        "tenantId": tenant, "icBUId": 4_600_001, "icClusterId": "E32", "area": "na1", "tenant": "acme",
        "userId": user_id, "name": format!("{first} {last}"), "given_name": first, "family_name": last
    }))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AccessKeyLogin {
    access_key_id: String,
    access_key_secret: String,
}

/// Reference §2.4, the legacy UserHub login: the access key alone, as JSON, no app registration.
pub(super) async fn access_key_token(
    State(state): Shared,
    body: Option<Json<AccessKeyLogin>>,
) -> Response {
    const PATH: &str = "/authentication/v1/token/access-key";
    state.count(PATH);
    let valid = body.is_some_and(|Json(login)| {
        login.access_key_id == DEMO.access_key_id
            && login.access_key_secret == DEMO.access_key_secret
    });
    if !valid {
        return cxone_error(StatusCode::UNAUTHORIZED, "Invalid access key", PATH);
    }
    let (access_token, expires_in) = state.issue_token(DEMO.client_id, WIRE.token_prefix);
    Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
        "refresh_token": new_refresh_token(&state, USERHUB_REFRESH)
    }))
    .into_response()
}

#[derive(serde::Deserialize)]
pub(super) struct UserHubRefresh {
    token: String,
}

/// Reference §2.4: `{ "token": <refresh_token> }` → a new token pair with their lifetimes.
pub(super) async fn userhub_refresh(
    State(state): Shared,
    body: Option<Json<UserHubRefresh>>,
) -> Response {
    const PATH: &str = "/public/user/refresh";
    state.count(PATH);
    if !body.is_some_and(|Json(r)| redeemable(&state, &r.token, USERHUB_REFRESH)) {
        return cxone_error(StatusCode::UNAUTHORIZED, "Invalid refresh token", PATH);
    }
    let (access_token, expires_in) = state.issue_token(DEMO.client_id, WIRE.token_prefix);
    Json(json!({
        "token": access_token, "refreshToken": new_refresh_token(&state, USERHUB_REFRESH),
        "tokenExpirationTimeSec": expires_in, "refreshTokenExpirationTimeSec": 86_400
    }))
    .into_response()
}
