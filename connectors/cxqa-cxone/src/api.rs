//! CXone transport: OIDC discovery, the password grant with the access key, the tenant id from
//! the id_token, API-base discovery, and CXone's assorted error formats.

use crate::config::{ClientAuth, CxoneConfig, trim_base};
use async_trait::async_trait;
use base64::Engine;
use cxqa_core::SourceError;
use cxqa_http::{
    Auth, BearerTokens, BodyBuffer, HeaderMap, HttpClient, Request, Token, TokenCache, TokenSource,
    VendorErrorInfo, VendorErrors, default_action,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// What the token exchange taught us about the tenant.
#[derive(Debug, Default)]
pub struct Tenant {
    pub id: Option<String>,
}

/// The password grant: client authentication (Basic or form) plus the access key as
/// username/password, at the `token_endpoint` of the issuer's OpenID configuration.
pub struct PasswordGrant {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub access_key_id: SecretString,
    pub access_key_secret: SecretString,
    pub client_auth: ClientAuth,
    pub token_endpoint: OnceCell<String>,
    pub tenant: Arc<Mutex<Tenant>>,
    pub allow_insecure_http: bool,
}

#[derive(Deserialize)]
struct OpenIdConfiguration {
    token_endpoint: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
    id_token: Option<String>,
}

#[async_trait]
impl TokenSource for PasswordGrant {
    async fn fetch(&self, http: &HttpClient) -> Result<Token, SourceError> {
        let endpoint = self
            .token_endpoint
            .get_or_try_init(|| async {
                let request = Request::get(
                    format!("{}/.well-known/openid-configuration", self.issuer),
                    "/.well-known/openid-configuration",
                );
                let config: OpenIdConfiguration = http.json(&request, &Auth::None).await?;
                discovered(
                    "token_endpoint",
                    config.token_endpoint,
                    self.allow_insecure_http,
                )
            })
            .await?;
        let mut form = vec![
            ("grant_type".to_string(), SecretString::from("password")),
            ("username".to_string(), self.access_key_id.clone()),
            ("password".to_string(), self.access_key_secret.clone()),
        ];
        let auth = match self.client_auth {
            ClientAuth::ClientSecretBasic => Auth::Basic {
                user: self.client_id.clone(),
                password: self.client_secret.clone(),
            },
            ClientAuth::ClientSecretPost => {
                form.push((
                    "client_id".into(),
                    SecretString::from(self.client_id.clone()),
                ));
                form.push(("client_secret".into(), self.client_secret.clone()));
                Auth::None
            }
        };
        let request = Request::post(endpoint, "/auth/token").form(form);
        let response: TokenResponse = http.json(&request, &auth).await?;
        if let Some(tenant_id) = response.id_token.as_deref().and_then(tenant_from_jwt) {
            self.tenant.lock().expect("tenant lock").id = Some(tenant_id);
        }
        Ok(Token {
            access_token: response.access_token.into(),
            expires_in: Duration::from_secs(response.expires_in.unwrap_or(3600)),
        })
    }
}

/// A URL the vendor handed out, held to the same rule as configured ones: no plain HTTP to
/// another machine unless `allow_insecure_http`.
fn discovered(what: &str, url: String, allow_insecure_http: bool) -> Result<String, SourceError> {
    match cxqa_core::config::plain_http_refusal(&url, allow_insecure_http) {
        Ok(()) => Ok(trim_base(&url)),
        Err(_) => Err(SourceError::Other(format!(
            "cxone: discovery gave {what} `{url}`, which is not https to another machine; set `allow_insecure_http = true` in [source] only if plain HTTP is intended"
        ))),
    }
}

/// The `tenantId` claim of a JWT (payload only; the signature is the issuer's business).
pub fn tenant_from_jwt(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("tenantId")?.as_str().map(str::to_string)
}

/// An authenticated CXone API whose base is configured or discovered for the tenant.
#[derive(Clone)]
pub struct CxoneApi {
    pub http: HttpClient,
    pub auth: Auth,
    tokens: Arc<TokenCache>,
    issuer: String,
    configured_base: Option<String>,
    discovered_base: Arc<OnceCell<String>>,
    tenant: Arc<Mutex<Tenant>>,
    allow_insecure_http: bool,
    pub api_version: String,
    /// Listing pages (10,000 contacts, ~10 MB) are read into one allocation, page after page.
    listing_body: BodyBuffer,
}

#[derive(Deserialize)]
struct CxoneConfiguration {
    api_endpoint: Option<String>,
    area: Option<String>,
    domain: Option<String>,
}

impl CxoneApi {
    pub fn new(http: HttpClient, config: &CxoneConfig, refresh_buffer: Duration) -> Self {
        let tenant = Arc::new(Mutex::new(Tenant::default()));
        let issuer = trim_base(&config.issuer);
        let tokens = Arc::new(TokenCache::new(
            PasswordGrant {
                issuer: issuer.clone(),
                client_id: config.client_id.clone(),
                client_secret: config.client_secret.clone(),
                access_key_id: config.access_key_id.clone(),
                access_key_secret: config.access_key_secret.clone(),
                client_auth: config.client_auth,
                token_endpoint: OnceCell::new(),
                tenant: tenant.clone(),
                allow_insecure_http: config.allow_insecure_http,
            },
            refresh_buffer,
        ));
        CxoneApi {
            http,
            auth: Auth::Bearer(tokens.clone()),
            tokens,
            issuer,
            configured_base: config.api_base.as_deref().map(trim_base),
            discovered_base: Arc::new(OnceCell::new()),
            tenant,
            allow_insecure_http: config.allow_insecure_http,
            api_version: config.api_version.clone(),
            listing_body: BodyBuffer::default(),
        }
    }

    /// The tenant id from the id_token (authenticates if that has not happened yet).
    pub async fn tenant_id(&self) -> Result<Option<String>, SourceError> {
        self.tokens.bearer(&self.http).await?;
        Ok(self.tenant.lock().expect("tenant lock").id.clone())
    }

    /// The API base: configured, else `api_endpoint` from `cxone-configuration`, else
    /// `https://api-{area}.{domain}`.
    pub async fn base(&self) -> Result<String, SourceError> {
        if let Some(base) = &self.configured_base {
            return Ok(base.clone());
        }
        self.discovered_base
            .get_or_try_init(|| async {
                let tenant = self.tenant_id().await?.ok_or_else(|| {
                    SourceError::Other(
                        "cxone: the token has no tenantId claim, so the API base cannot be discovered; set `api_base` in [source]".into(),
                    )
                })?;
                let request = Request::get(
                    format!("{}/.well-known/cxone-configuration", self.issuer),
                    "/.well-known/cxone-configuration",
                )
                .query("tenantId", tenant);
                let found: CxoneConfiguration = self.http.json(&request, &Auth::None).await?;
                match (found.api_endpoint, found.area, found.domain) {
                    (Some(endpoint), _, _) => {
                        discovered("api_endpoint", endpoint, self.allow_insecure_http)
                    }
                    (None, Some(area), Some(domain)) => Ok(format!("https://api-{area}.{domain}")),
                    _ => Err(SourceError::Other(
                        "cxone: discovery returned neither api_endpoint nor area/domain; set `api_base` in [source]".into(),
                    )),
                }
            })
            .await
            .cloned()
    }

    /// `{base}/incontactapi/services/{version}{path}`
    pub async fn acd_url(&self, path: &str) -> Result<String, SourceError> {
        Ok(format!(
            "{}/incontactapi/services/{}{path}",
            self.base().await?,
            self.api_version
        ))
    }
}

/// CXone errors come as OAuth bodies, UserHub bodies (`message`/`error`, or `code`/`details`),
/// or only an `icStatusDescription` header (Reporting/Admin).
pub struct CxoneErrors;

#[derive(Deserialize, Default)]
struct ErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    message: Option<String>,
    code: Option<serde_json::Value>,
    details: Option<serde_json::Value>,
}

impl VendorErrors for CxoneErrors {
    fn describe(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> VendorErrorInfo {
        let body: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let header = headers
            .get("icStatusDescription")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let code = body
            .code
            .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_string))
            .or(body.error);
        let message = body
            .error_description
            .or(body.message)
            .or(body.details.map(|d| d.to_string()))
            .or(header)
            .map(|m| m.chars().take(300).collect())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let action = match status {
            400 | 401 if code.as_deref().is_some_and(|c| c.contains("invalid_client") || c.contains("invalid_grant")) => {
                "check `client_id`/`client_secret` of the registered app and the access key id/secret".to_string()
            }
            401 => "check the access key and the app registration in [source]".to_string(),
            403 => "give the access key's user the CXone role permission this API needs".to_string(),
            _ => default_action(status).to_string(),
        };
        VendorErrorInfo {
            code,
            message,
            action,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_id_comes_from_the_id_token_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"tenantId":"11e9-tenant","icClusterId":"L36","area":"na1"}"#);
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig");
        assert_eq!(tenant_from_jwt(&jwt).as_deref(), Some("11e9-tenant"));
        assert_eq!(tenant_from_jwt("not-a-jwt"), None);
    }

    #[test]
    fn errors_read_header_and_bodies() {
        let mut headers = HeaderMap::new();
        headers.insert("icStatusDescription", "Invalid skip value".parse().unwrap());
        let info = CxoneErrors.describe(400, &headers, b"");
        assert_eq!(info.message, "Invalid skip value");
        let info = CxoneErrors.describe(
            401,
            &HeaderMap::new(),
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
        );
        assert_eq!(info.code.as_deref(), Some("invalid_client"));
        assert!(info.action.contains("access key"));
    }
}

/// Where an ACD listing (`skip`/`top`, `_links.next`) continues: the next URL, followed as-is.
#[derive(Debug, serde::Serialize, Deserialize)]
pub struct NextLink {
    pub next: String,
}

impl CxoneApi {
    /// One page of an ACD/Reporting/Admin listing; None for 204 (no data) or an empty body.
    pub async fn acd_listing<T: DeserializeOwned>(
        &self,
        url: &str,
        template: &str,
    ) -> Result<Option<T>, SourceError> {
        // A body that does not decode is retried like a 5xx.
        self.http
            .send_with(
                &Request::get(url, template)
                    .pass_through(&[204])
                    .body_buffer(self.listing_body.clone()),
                &self.auth,
                |response| {
                    let decoded = if response.status == 204 || response.body.is_empty() {
                        Ok(None)
                    } else {
                        response.json().map(Some)
                    };
                    self.listing_body.give_back(response.body);
                    decoded
                },
            )
            .await
    }
}

/// The next page's URL, if the vendor gave one and this page was full (a short page is the last).
pub fn next_link(next: Option<String>, returned: usize, top: u32) -> Option<String> {
    next.filter(|n| !n.is_empty() && returned as u64 >= u64::from(top))
}
