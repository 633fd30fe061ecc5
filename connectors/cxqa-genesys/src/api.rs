//! Genesys transport: client-credentials tokens, error bodies, and the classic paged listing.

use async_trait::async_trait;
use cxqa_core::SourceError;
use cxqa_http::{
    Auth, HeaderMap, HttpClient, Request, Token, TokenCache, TokenSource, VendorErrorInfo,
    VendorErrors, default_action,
};
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// An authenticated Genesys API.
#[derive(Clone)]
pub struct GenesysApi {
    pub http: HttpClient,
    pub api_base: String,
    pub auth: Auth,
    /// A 404 on a single record is asked again after this long before the record counts as
    /// gone: a passing 404 must not become a tombstone.
    pub confirm_not_found_after: Duration,
}

impl GenesysApi {
    pub fn new(
        http: HttpClient,
        api_base: String,
        tokens: Arc<TokenCache>,
        confirm_not_found_after: Duration,
    ) -> Self {
        GenesysApi {
            http,
            api_base,
            auth: Auth::Bearer(tokens),
            confirm_not_found_after,
        }
    }

    /// One record by id; None when it is gone (404 twice, `confirm_not_found_after` apart).
    pub async fn get_unless_gone<T: DeserializeOwned>(
        &self,
        path: &str,
        template: &str,
    ) -> Result<Option<T>, SourceError> {
        let request = self.get(path, template).pass_through(&[404]);
        // A body that does not decode is retried like a 5xx.
        let read = |response: cxqa_http::Response| match response.status {
            404 => Ok(None),
            _ => response.json::<T>().map(Some),
        };
        match self.http.send_with(&request, &self.auth, read).await? {
            Some(found) => Ok(Some(found)),
            None => {
                tokio::time::sleep(self.confirm_not_found_after).await;
                self.http.send_with(&request, &self.auth, read).await
            }
        }
    }

    /// A GET of `path` (which may carry a query string, as `nextUri` does); `template` names it
    /// in events and errors.
    pub fn get(&self, path: &str, template: &str) -> Request {
        Request::get(format!("{}{path}", self.api_base), template)
    }

    pub async fn json<T: DeserializeOwned>(&self, request: &Request) -> Result<T, SourceError> {
        self.http.json(request, &self.auth).await
    }
}

/// Classic `*EntityListing`. Paging stops when `nextUri` is absent: `total`/`pageCount` can lie.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing<T> {
    #[serde(default = "Vec::new")]
    pub entities: Vec<T>,
    pub total: Option<u64>,
    pub next_uri: Option<String>,
}

/// OAuth client credentials: Basic header, form `grant_type=client_credentials`, no scope.
pub struct ClientCredentials {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

#[async_trait]
impl TokenSource for ClientCredentials {
    async fn fetch(&self, http: &HttpClient) -> Result<Token, SourceError> {
        #[derive(Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let request = Request::post(&self.token_url, "/oauth/token").form(vec![(
            "grant_type".into(),
            SecretString::from("client_credentials"),
        )]);
        let auth = Auth::Basic {
            user: self.client_id.clone(),
            password: self.client_secret.clone(),
        };
        let response: TokenResponse = http.json(&request, &auth).await?;
        Ok(Token {
            access_token: response.access_token.into(),
            // Genesys defaults to 24 h when a client sets no lifetime.
            expires_in: Duration::from_secs(response.expires_in.unwrap_or(86_400)),
        })
    }
}

/// Reads Genesys `ErrorBody` (`message`, `code`, `status`) and OAuth errors (`error`,
/// `error_description`), and says what to do.
pub struct GenesysErrors;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    description: Option<String>,
}

impl VendorErrors for GenesysErrors {
    fn describe(&self, status: u16, _headers: &HeaderMap, body: &[u8]) -> VendorErrorInfo {
        let body: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let code = body.code.or(body.error);
        let message = body
            .message
            .or(body.error_description)
            .or(body.description)
            .map(|m| m.chars().take(300).collect::<String>())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let action = match (status, code.as_deref()) {
            (400, Some("invalid_client")) | (401, _) => {
                "check `client_id`/`client_secret` and that the OAuth client uses the client-credentials grant in this region".to_string()
            }
            (403, _) => "add the missing permission to a role of the OAuth client (Admin > OAuth > Roles), in the divisions to extract".to_string(),
            (400, Some(c)) if c.contains("pagination") || message.contains("100000") => {
                "split the window into smaller chunks".to_string()
            }
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
    fn error_bodies_give_code_message_and_action() {
        let body = br#"{"message":"Unable to perform the requested action. You are missing the following permission(s): quality:evaluation:view","code":"missing.permissions","status":403}"#;
        let info = GenesysErrors.describe(403, &HeaderMap::new(), body);
        assert_eq!(info.code.as_deref(), Some("missing.permissions"));
        assert!(info.message.contains("quality:evaluation:view"));
        assert!(info.action.contains("role of the OAuth client"));

        let oauth = br#"{"error":"invalid_client","description":"client not found","error_description":"client not found"}"#;
        let info = GenesysErrors.describe(401, &HeaderMap::new(), oauth);
        assert_eq!(info.code.as_deref(), Some("invalid_client"));
        assert!(info.action.contains("client_secret"));

        let info = GenesysErrors.describe(500, &HeaderMap::new(), b"<html>");
        assert_eq!(info.message, "HTTP 500");
    }
}
