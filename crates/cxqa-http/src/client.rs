use crate::health::Health;
use crate::pacing::Pacer;
use crate::retry::{RetryPolicy, parse_retry_after};
use chrono::Utc;
use cxqa_core::SourceError;
use cxqa_core::duration::IsoDuration;
use cxqa_core::error::VendorFailure;
use cxqa_core::events::{RequestEvent, RequestEventSink};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// Client-wide settings; connectors fill them from their config.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Pace requests below this rate; None = no pacing.
    pub requests_per_minute: Option<u32>,
    /// Every request failing with 5xx, timeouts or connection errors for this long is an outage.
    pub outage_after: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            requests_per_minute: None,
            outage_after: default_outage_after().as_std(),
        }
    }
}

impl HttpSettings {
    /// Settings of a vendor connector: paced below `requests_per_minute`, a per-request timeout,
    /// and a cap on how long a `Retry-After` may ask to wait.
    pub fn paced(requests_per_minute: u32, timeout: Duration, retry_after_cap: Duration) -> Self {
        HttpSettings {
            timeout,
            requests_per_minute: Some(requests_per_minute),
            retry: RetryPolicy {
                retry_after_cap,
                ..RetryPolicy::default()
            },
            ..HttpSettings::default()
        }
    }

    /// With a time budget per request and the outage breaker's patience.
    pub fn with_budgets(mut self, max_retry_elapsed: Duration, outage_after: Duration) -> Self {
        self.retry.max_elapsed = max_retry_elapsed;
        self.outage_after = outage_after;
        self
    }
}

/// The default of a connector's `max_retry_elapsed`: five minutes.
pub fn default_max_retry_elapsed() -> IsoDuration {
    IsoDuration::from_seconds(300)
}

/// The default of a connector's `outage_after`: two minutes.
pub fn default_outage_after() -> IsoDuration {
    IsoDuration::from_seconds(120)
}

/// What a vendor's error body says, phrased for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorErrorInfo {
    pub code: Option<String>,
    pub message: String,
    /// What the user should do.
    pub action: String,
}

/// Reads a vendor's error responses. Each connector knows its vendor's error format.
pub trait VendorErrors: Send + Sync {
    fn describe(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> VendorErrorInfo;
}

/// Generic descriptions by status, for vendors whose bodies say nothing useful.
pub struct GenericErrors;

impl VendorErrors for GenericErrors {
    fn describe(&self, status: u16, _headers: &HeaderMap, _body: &[u8]) -> VendorErrorInfo {
        VendorErrorInfo {
            code: None,
            message: StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_string(),
            action: default_action(status).to_string(),
        }
    }
}

/// The usual remedy for a status, for connectors to fall back on.
pub fn default_action(status: u16) -> &'static str {
    match status {
        400 => "the request was rejected; check the [extract] settings, or report it as a cxqa bug",
        401 => "check the client id and secret in [source]",
        403 => "grant the credentials the permission this endpoint needs, or drop the stream",
        404 => "check the ids and the region/base_url in [source]",
        429 => "lower requests_per_minute or concurrency, or run later",
        _ if status >= 500 => {
            "the vendor is failing; run again later (a resumed run loses nothing)"
        }
        _ => "see the vendor's documentation for this status",
    }
}

/// A request body. Form values are secret-capable (client secrets travel in forms).
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, SecretString)>),
    /// Exact bytes (when a signature covers the body); set Content-Type yourself.
    Bytes(Vec<u8>),
}

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    None,
    Basic {
        user: String,
        password: SecretString,
    },
    Bearer(Arc<dyn BearerTokens>),
}

impl Auth {
    /// Gets the bearer token now unless one is held: a run signs in before its streams start,
    /// so no stream is charged for it. A failure is left for the first request to report.
    pub async fn sign_in(&self, http: &HttpClient) {
        if let Auth::Bearer(tokens) = self {
            let _ = tokens.bearer(http).await;
        }
    }
}

/// Where bearer requests get their token: [`crate::TokenCache`] implements it. A trait keeps
/// the client independent of how tokens are obtained and cached.
#[async_trait::async_trait]
pub trait BearerTokens: Send + Sync {
    /// A valid token and its generation (pass the generation to [`Self::reject`]).
    async fn bearer(&self, http: &HttpClient) -> Result<(SecretString, u64), SourceError>;
    /// The vendor refused the token of `generation` (401): forget it unless already replaced.
    async fn reject(&self, generation: u64);
}

/// One logical request; it may be sent several times.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    /// Template of the path for events and errors, e.g. `/api/v2/users/{userId}`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Statuses handed back as responses instead of errors (e.g. 404 = "no transcript").
    pub pass_through: Vec<u16>,
    /// Whether the request spends the vendor's API budget (the pacer's slots). Pre-signed
    /// storage links do not: they are not the vendor's API.
    pub paced: bool,
    /// Where a successful body goes instead of memory (large exports); the response then comes
    /// back with an empty body.
    pub body_into: Option<Arc<std::fs::File>>,
    /// The allocation the body is read into, kept between requests.
    pub body_buffer: Option<BodyBuffer>,
}

/// A body allocation kept between requests, for listings whose pages are megabytes each. A
/// buffer of 10 MB freed after every page makes glibc raise its mmap threshold to 10 MB, after
/// which freed memory below that size stays with the process; read into the same buffer, a
/// listing is allocated once.
#[derive(Debug, Clone, Default)]
pub struct BodyBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl BodyBuffer {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("body buffer lock"))
    }

    /// Keeps `body`'s allocation for the next request (the larger one, if one is held).
    pub fn give_back(&self, mut body: Vec<u8>) {
        body.clear();
        let mut held = self.0.lock().expect("body buffer lock");
        if body.capacity() > held.capacity() {
            *held = body;
        }
    }
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>, path: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            pass_through: Vec::new(),
            paced: true,
            body_into: None,
            body_buffer: None,
        }
    }

    pub fn get(url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::GET, url, path)
    }

    pub fn post(url: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(Method::POST, url, path)
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn header(mut self, key: &str, value: impl ToString) -> Self {
        self.headers.push((key.to_string(), value.to_string()));
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn bytes(mut self, body: Vec<u8>) -> Self {
        self.body = Body::Bytes(body);
        self
    }

    pub fn form(mut self, fields: Vec<(String, SecretString)>) -> Self {
        self.body = Body::Form(fields);
        self
    }

    pub fn pass_through(mut self, statuses: &[u16]) -> Self {
        self.pass_through.extend_from_slice(statuses);
        self
    }

    /// A pre-signed download (object storage, not the vendor's API): sent without waiting for
    /// the pacer, so it neither spends nor waits for API budget.
    pub fn presigned(mut self) -> Self {
        self.paced = false;
        self
    }

    /// Streams a successful body into `file` (rewritten on each attempt), so an export of any
    /// size costs no memory.
    pub fn body_into(mut self, file: Arc<std::fs::File>) -> Self {
        self.body_into = Some(file);
        self
    }

    /// Reads the body into `buffer`'s allocation; the caller gives it back once decoded
    /// ([`BodyBuffer::give_back`]).
    pub fn body_buffer(mut self, buffer: BodyBuffer) -> Self {
        self.body_buffer = Some(buffer);
        self
    }
}

/// serde's message with the offending value left out (`invalid type: string "…", expected
/// f64`): a body's strings can be personal data, and errors reach logs.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quotes = false;
    for c in message.chars() {
        match (c, in_quotes) {
            ('"', false) => {
                in_quotes = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                in_quotes = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

/// A fully read response.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, String> {
        decode_json(&self.body)
    }
}

/// Decodes a vendor's JSON body; an error names where in the body it went wrong (the field's
/// path, or the line and column of broken JSON), never the values around it.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    // Tracking the path costs on every body; only a body that fails is decoded again with it.
    // Text checked as UTF-8 once is not checked again string by string.
    if let Ok(Ok(value)) = std::str::from_utf8(body).map(serde_json::from_str::<T>) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let what = without_values(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() || path == "." {
            format!("invalid JSON ({what})")
        } else {
            format!("invalid JSON at `{path}` ({what})")
        }
    })?;
    deserializer
        .end()
        .map_err(|e| format!("invalid JSON ({e})"))?;
    Ok(value)
}

/// The HTTP client of one connector instance.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    vendor: &'static str,
    policy: RetryPolicy,
    pacer: Option<Arc<Pacer>>,
    events: Arc<dyn RequestEventSink>,
    errors: Arc<dyn VendorErrors>,
    health: Arc<Health>,
}

enum Attempt<T> {
    Done(T),
    /// Retry after a server-requested wait (429, or 503 — `true`: a server failure too).
    RateLimited(Option<Duration>, String, bool),
    /// Retry after backoff.
    Failed(String),
    /// The bearer token was refused.
    Unauthorized(u64, SourceError),
    Fatal(SourceError),
}

impl HttpClient {
    pub fn new(
        vendor: &'static str,
        settings: &HttpSettings,
        events: Arc<dyn RequestEventSink>,
        errors: Arc<dyn VendorErrors>,
    ) -> Result<Self, SourceError> {
        crate::install_crypto_provider();
        let inner = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("cxqa/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SourceError::Other(format!("could not build the HTTP client: {e}")))?;
        Ok(HttpClient {
            inner,
            vendor,
            policy: settings.retry,
            pacer: settings
                .requests_per_minute
                .map(|rpm| Arc::new(Pacer::per_minute(rpm))),
            events,
            errors,
            health: Arc::new(Health::new(settings.outage_after)),
        })
    }

    fn outage(&self) -> Option<SourceError> {
        self.health.outage().map(|outage| SourceError::Outage {
            vendor: self.vendor.to_string(),
            last: outage.last,
            seconds: outage.lasted.as_secs(),
        })
    }

    /// Says at the default verbosity that a request keeps failing or must wait long.
    fn notice(&self, request: &Request, last: &str, attempt: u32, of: u32, wait: Duration) {
        if self.health.may_notice(&request.path) {
            tracing::warn!(
                "{}: {} {} failed ({last}), attempt {attempt} of {of}; retrying in {:.1}s",
                self.vendor,
                request.method,
                request.path,
                wait.as_secs_f64()
            );
        }
    }

    pub fn vendor(&self) -> &'static str {
        self.vendor
    }

    /// Sends the request with retries and returns the response (2xx or a pass-through status).
    pub async fn send(&self, request: &Request, auth: &Auth) -> Result<Response, SourceError> {
        self.send_with(request, auth, Ok).await
    }

    /// Sends the request and decodes a JSON body; an unreadable body is retried like a 5xx.
    pub async fn json<T: DeserializeOwned>(
        &self,
        request: &Request,
        auth: &Auth,
    ) -> Result<T, SourceError> {
        self.send_with(request, auth, |r| r.json::<T>()).await
    }

    /// [`Self::json`] for a request with pass-through statuses: a pass-through status (and 204)
    /// comes back as `Err(status)`, undecoded; an unreadable 2xx body is retried.
    pub async fn json_or_status<T: DeserializeOwned>(
        &self,
        request: &Request,
        auth: &Auth,
    ) -> Result<Result<T, u16>, SourceError> {
        self.send_with(request, auth, |r| match r.status {
            200..=299 if r.status != 204 => r.json::<T>().map(Ok),
            status => Ok(Err(status)),
        })
        .await
    }

    /// The retry loop. `decode` turns a successful response into the caller's value; its error
    /// counts as a failed attempt (truncated or malformed bodies happen under load).
    pub async fn send_with<T>(
        &self,
        request: &Request,
        auth: &Auth,
        decode: impl Fn(Response) -> Result<T, String>,
    ) -> Result<T, SourceError> {
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        let mut refreshed = false;
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        let started = Instant::now();
        loop {
            attempt += 1;
            if let Some(outage) = self.outage() {
                return Err(outage);
            }
            if let Some(pacer) = self.pacer.as_ref().filter(|_| request.paced) {
                waited += pacer.acquire().await;
            }
            let outcome = self.attempt(request, auth, attempt, waited, &decode).await;
            waited = Duration::ZERO;
            let (wait, last, of) = match outcome {
                Attempt::Done(value) => {
                    self.health.answered();
                    return Ok(value);
                }
                Attempt::Fatal(err) => {
                    self.health.answered();
                    return Err(err);
                }
                Attempt::Unauthorized(generation, err) => {
                    self.health.answered();
                    let Auth::Bearer(tokens) = auth else {
                        return Err(err);
                    };
                    if refreshed {
                        return Err(err);
                    }
                    refreshed = true;
                    tokens.reject(generation).await;
                    tracing::debug!(vendor = self.vendor, path = %request.path, "401: refreshing the token once");
                    continue;
                }
                Attempt::RateLimited(retry_after, last, server_failure) => {
                    if server_failure {
                        self.health.failed(&last);
                    } else {
                        self.health.answered();
                    }
                    rate_limited += 1;
                    if rate_limited >= self.policy.max_rate_limited {
                        return Err(self.exhausted(request, attempt, last));
                    }
                    let wait = match retry_after {
                        Some(wait) if wait > self.policy.retry_after_cap => {
                            return Err(SourceError::WaitTooLong {
                                vendor: self.vendor.to_string(),
                                path: request.path.clone(),
                                wait_secs: wait.as_secs(),
                                cap_secs: self.policy.retry_after_cap.as_secs(),
                            });
                        }
                        Some(wait) => wait,
                        None => self.policy.backoff(rate_limited),
                    };
                    (wait, last, self.policy.max_rate_limited)
                }
                Attempt::Failed(last) => {
                    self.health.failed(&last);
                    failures += 1;
                    if failures >= self.policy.max_attempts {
                        return Err(self.exhausted(request, attempt, last));
                    }
                    (
                        self.policy.backoff(failures),
                        last,
                        self.policy.max_attempts,
                    )
                }
            };
            if let Some(outage) = self.outage() {
                return Err(outage);
            }
            if started.elapsed() + wait > self.policy.max_elapsed {
                return Err(self.exhausted(
                    request,
                    attempt,
                    format!(
                        "{last}; no success within the {}s budget (`max_retry_elapsed`)",
                        self.policy.max_elapsed.as_secs()
                    ),
                ));
            }
            let tries = failures.max(rate_limited);
            if tries >= 3 || wait > Duration::from_secs(10) {
                self.notice(request, &last, attempt, of, wait);
            }
            if !wait.is_zero() {
                tracing::debug!(vendor = self.vendor, path = %request.path, wait_ms = wait.as_millis() as u64, "retrying");
                tokio::time::sleep(wait).await;
                waited += wait;
            }
        }
    }

    fn exhausted(&self, request: &Request, attempts: u32, last: String) -> SourceError {
        SourceError::Exhausted {
            vendor: self.vendor.to_string(),
            path: request.path.clone(),
            attempts,
            last,
        }
    }

    async fn attempt<T>(
        &self,
        request: &Request,
        auth: &Auth,
        attempt: u32,
        waited: Duration,
        decode: &impl Fn(Response) -> Result<T, String>,
    ) -> Attempt<T> {
        let mut builder = self.inner.request(request.method.clone(), &request.url);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        for (key, value) in &request.headers {
            builder = builder.header(key, value);
        }
        builder = match &request.body {
            Body::None => builder,
            Body::Json(value) => builder.json(value),
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            Body::Form(fields) => {
                let exposed: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.expose_secret()))
                    .collect();
                builder.form(&exposed)
            }
        };
        let mut generation = 0;
        builder = match auth {
            Auth::None => builder,
            Auth::Basic { user, password } => {
                builder.basic_auth(user, Some(password.expose_secret()))
            }
            Auth::Bearer(tokens) => match tokens.bearer(self).await {
                Ok((token, gen_)) => {
                    generation = gen_;
                    builder.bearer_auth(token.expose_secret())
                }
                Err(err) => return Attempt::Fatal(err),
            },
        };

        let started = Instant::now();
        let sent = builder.send().await;
        let (status, result) = match sent {
            Err(err) => (None, Err(transport_detail(&err))),
            Ok(mut response) => {
                let status = response.status().as_u16();
                let headers = std::mem::take(response.headers_mut());
                let body = match &request.body_into {
                    Some(file) if (200..300).contains(&status) => {
                        save_body(response, file).await.map(|()| Vec::new())
                    }
                    _ => read_body(response, request.body_buffer.as_ref()).await,
                };
                (
                    Some(status),
                    body.map(|body| Response {
                        status,
                        headers,
                        body,
                    }),
                )
            }
        };
        self.events.record(RequestEvent {
            at: Utc::now(),
            vendor: self.vendor.to_string(),
            method: request.method.to_string(),
            path: request.path.clone(),
            status,
            latency_ms: started.elapsed().as_millis() as u64,
            attempt,
            waited_ms: waited.as_millis() as u64,
            presigned: !request.paced,
        });

        let response = match result {
            Ok(response) => response,
            Err(detail) => return Attempt::Failed(detail),
        };
        let status = response.status;
        if (200..300).contains(&status) || request.pass_through.contains(&status) {
            return match decode(response) {
                Ok(value) => Attempt::Done(value),
                Err(detail) => {
                    Attempt::Failed(format!("{status} with an unreadable body: {detail}"))
                }
            };
        }
        match status {
            429 | 503 => Attempt::RateLimited(
                parse_retry_after(&response.headers, SystemTime::now()),
                self.status_detail(&response),
                status == 503,
            ),
            408 | 500 | 502 | 504..=599 => Attempt::Failed(self.status_detail(&response)),
            401 if matches!(auth, Auth::Bearer(_)) => {
                Attempt::Unauthorized(generation, self.vendor_error(request, &response))
            }
            _ => Attempt::Fatal(self.vendor_error(request, &response)),
        }
    }

    /// `HTTP 503 (service.unavailable)`: the status and the vendor's code, if it sent one.
    fn status_detail(&self, response: &Response) -> String {
        let info = self
            .errors
            .describe(response.status, &response.headers, &response.body);
        match info.code {
            Some(code) => format!("HTTP {} ({code})", response.status),
            None => format!("HTTP {}", response.status),
        }
    }

    fn vendor_error(&self, request: &Request, response: &Response) -> SourceError {
        let info = self
            .errors
            .describe(response.status, &response.headers, &response.body);
        SourceError::Vendor(Box::new(VendorFailure {
            vendor: self.vendor.to_string(),
            status: response.status,
            code: info.code,
            path: request.path.clone(),
            message: info.message,
            action: info.action,
        }))
    }
}

/// The whole body, its chunks appended as they arrive: a large listing is held once, not as
/// its chunks and their concatenation.
async fn read_body(
    mut response: reqwest::Response,
    buffer: Option<&BodyBuffer>,
) -> Result<Vec<u8>, String> {
    let expected = response.content_length().unwrap_or(0).min(64 << 20) as usize;
    let mut body = buffer.map(BodyBuffer::take).unwrap_or_default();
    body.reserve(expected);
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_detail(&e))? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Writes the body into `file` from its start, chunk by chunk as it arrives.
async fn save_body(mut response: reqwest::Response, file: &std::fs::File) -> Result<(), String> {
    use std::io::{Seek, Write};
    let mut out = file;
    let local = |e: std::io::Error| format!("writing the body to a temporary file failed: {e}");
    out.set_len(0).map_err(local)?;
    out.seek(std::io::SeekFrom::Start(0)).map_err(local)?;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_detail(&e))? {
        out.write_all(&chunk).map_err(local)?;
    }
    out.flush().map_err(local)
}

/// A transport error without its URL (which may carry ids or query values).
fn transport_detail(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "response body broken off"
    } else {
        "request failed"
    };
    let mut detail = kind.to_string();
    let mut source = std::error::Error::source(err);
    if let Some(inner) = source.take() {
        detail.push_str(&format!(" ({inner})"));
    }
    detail
}
