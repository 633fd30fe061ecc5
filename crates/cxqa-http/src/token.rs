use crate::client::{BearerTokens, HttpClient};
use async_trait::async_trait;
use cxqa_core::SourceError;
use secrecy::SecretString;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct Token {
    pub access_token: SecretString,
    pub expires_in: Duration,
}

/// Obtains tokens from a vendor (client credentials, password grant, ...).
#[async_trait]
pub trait TokenSource: Send + Sync {
    async fn fetch(&self, http: &HttpClient) -> Result<Token, SourceError>;
}

struct Cached {
    token: SecretString,
    refresh_at: Instant,
    generation: u64,
}

/// Caches a token and renews it `refresh_buffer` before it expires. Refreshes are single-flight:
/// concurrent callers wait for the one fetch in progress and share its result.
pub struct TokenCache {
    source: Box<dyn TokenSource>,
    refresh_buffer: Duration,
    state: Mutex<Option<Cached>>,
}

impl TokenCache {
    pub fn new(source: impl TokenSource + 'static, refresh_buffer: Duration) -> Self {
        TokenCache {
            source: Box::new(source),
            refresh_buffer,
            state: Mutex::new(None),
        }
    }
}

#[async_trait]
impl BearerTokens for TokenCache {
    async fn bearer(&self, http: &HttpClient) -> Result<(SecretString, u64), SourceError> {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_ref().filter(|c| Instant::now() < c.refresh_at) {
            return Ok((cached.token.clone(), cached.generation));
        }
        let generation = state.as_ref().map_or(1, |c| c.generation + 1);
        let token = self.source.fetch(http).await?;
        // A buffer longer than a short-lived token would refresh on every request: cap it at half.
        let buffer = self.refresh_buffer.min(token.expires_in / 2);
        let lifetime = token.expires_in.saturating_sub(buffer);
        tracing::debug!(
            vendor = http.vendor(),
            lifetime_secs = token.expires_in.as_secs(),
            "obtained access token"
        );
        *state = Some(Cached {
            token: token.access_token.clone(),
            refresh_at: Instant::now() + lifetime,
            generation,
        });
        Ok((token.access_token, generation))
    }

    async fn reject(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_mut().filter(|c| c.generation == generation) {
            cached.refresh_at = Instant::now();
        }
    }
}
