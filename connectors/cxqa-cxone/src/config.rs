//! The `[source]` table for `vendor = "cxone"`.

use cxqa_core::config::{ConfigError, vendor_url};
use cxqa_core::duration::IsoDuration;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;

/// How the registered app authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id:client_secret` in a Basic header (what discovery declares).
    #[default]
    ClientSecretBasic,
    /// `client_id` and `client_secret` as form fields (some back-end app registrations).
    ClientSecretPost,
}

/// NICE CXone: a registered back-end app (client id/secret) plus a user's access key, exchanged
/// with the password grant at the token endpoint discovered from the issuer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CxoneConfig {
    /// OIDC issuer (global authentication). FedRAMP: `https://cxone-gov.niceincontact.com`.
    #[serde(default = "default_issuer")]
    pub issuer: String,
    /// API base URL override; skips tenant discovery (emulator, proxies).
    pub api_base: Option<String>,
    /// UserHub (users, teams, divisions) base URL. CXone does not document the host; the
    /// default is the API base.
    pub userhub_base: Option<String>,
    /// Allow `http://` to a host other than this machine, configured or discovered (secrets
    /// travel in clear).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// The registered app's client id.
    pub client_id: String,
    /// The registered app's client secret. Use `${CXONE_CLIENT_SECRET}`.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// Access key id of the API user (sent as the password grant's username).
    #[schemars(with = "String")]
    pub access_key_id: SecretString,
    /// Access key secret of the API user. Use `${CXONE_ACCESS_KEY_SECRET}`.
    #[schemars(with = "String")]
    pub access_key_secret: SecretString,
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Version of the ACD/Reporting/Admin REST paths (`/incontactapi/services/<version>/...`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Pace requests below this rate (NICE publishes no quota; keep it modest).
    #[serde(default = "default_rpm")]
    pub requests_per_minute: u32,
    /// Fail a request when CXone asks to wait longer than this many seconds.
    #[serde(default = "default_retry_after_cap")]
    pub retry_after_cap_secs: u64,
    /// Renew the access token this many seconds before it expires.
    #[serde(default = "default_refresh_buffer")]
    pub token_refresh_buffer_secs: u64,
    /// Per-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// A request that has not succeeded within this long, retries and waits included, fails
    /// (ISO-8601 duration).
    #[serde(default = "cxqa_http::default_max_retry_elapsed")]
    pub max_retry_elapsed: IsoDuration,
    /// When every request has failed (5xx, timeouts, connection errors) for this long, the run
    /// stops at once: the vendor is down (ISO-8601 duration).
    #[serde(default = "cxqa_http::default_outage_after")]
    pub outage_after: IsoDuration,
    /// Rows per request on the agents listing.
    #[serde(default = "default_agents_page_size")]
    pub agents_page_size: u32,
    /// Rows per request on completed contacts (CXone returns at most 10000).
    #[serde(default = "default_contacts_page_size")]
    pub contacts_page_size: u32,
    /// Evaluations, surveys and transcripts name contacts up to this many days older than
    /// themselves: a window's contacts and this many days before it are listed at once (a page
    /// per `contacts_page_size`) instead of read one by one; older ones are read by id.
    #[serde(default = "default_contact_lookback_days")]
    pub contact_lookback_days: u32,
    /// Data Extraction: seconds between job creations per tenant (CXone allows one call per
    /// 30 s); once the tenant refuses a status poll, between every call.
    #[serde(default = "default_extraction_spacing")]
    pub extraction_spacing_secs: u64,
    /// Data Extraction: milliseconds between job status polls (whether polls count toward the
    /// 30-second rule is unverified: a refused poll makes every call keep the spacing).
    #[serde(default = "default_extraction_poll_ms")]
    pub extraction_poll_ms: u64,
    /// Data Extraction: give up on a job after this many seconds.
    #[serde(default = "default_extraction_timeout")]
    pub extraction_timeout_secs: u64,
    /// Days per Data Extraction job (1 to 14; CXone allows 14): fewer jobs wait fewer 30-second
    /// spacings. Chunks are calendar blocks of this length, so their boundaries do not move.
    #[serde(default = "default_extraction_chunk_days")]
    pub extraction_chunk_days: u32,
    /// QM has no modified-since: every incremental run re-extracts the look-back, and at most
    /// every `sweep_every` a deep sweep re-extracts this far back, so edits and deletions made
    /// long after an evaluation's submission are found (ISO-8601 duration).
    #[serde(default = "default_sweep_lookback")]
    pub sweep_lookback: IsoDuration,
    /// How often the deep sweep runs; an edit older than the look-back reaches the store within
    /// this long (ISO-8601 duration).
    #[serde(default = "default_sweep_every")]
    pub sweep_every: IsoDuration,
    /// `entityName`/`version` of the workflows and questions extractions.
    #[serde(default = "default_workflows_entity")]
    pub workflows_entity: String,
    #[serde(default = "default_workflows_version")]
    pub workflows_version: String,
    #[serde(default = "default_questions_entity")]
    pub questions_entity: String,
    #[serde(default = "default_questions_version")]
    pub questions_version: String,
    /// Feedback Management row field holding the ACD contact id (unverified; a setting).
    #[serde(default = "default_survey_contact_field")]
    pub survey_contact_field: String,
    /// The scale of Feedback Management's PRIMARY_SCORE (unverified; a setting): `csat_score`
    /// is it on 0–100, and a run warns about values outside it.
    #[serde(default = "default_csat_scale_min")]
    pub csat_scale_min: f64,
    #[serde(default = "default_csat_scale_max")]
    pub csat_scale_max: f64,
    /// Feedback Management rows per request.
    #[serde(default = "default_surveys_page_size")]
    pub surveys_page_size: u32,
    /// Interaction Analytics segments per request.
    #[serde(default = "default_segments_page_size")]
    pub segments_page_size: u32,
    /// Analyzed-transcript requests in flight at once (one call per segment).
    #[serde(default = "default_transcript_concurrency")]
    pub transcript_concurrency: u32,
}

fn default_csat_scale_min() -> f64 {
    1.0
}
fn default_csat_scale_max() -> f64 {
    5.0
}
fn default_contacts_page_size() -> u32 {
    10_000
}
fn default_contact_lookback_days() -> u32 {
    31
}
fn default_extraction_spacing() -> u64 {
    30
}
fn default_extraction_poll_ms() -> u64 {
    5000
}
fn default_extraction_timeout() -> u64 {
    600
}
fn default_extraction_chunk_days() -> u32 {
    14
}
fn default_sweep_lookback() -> IsoDuration {
    IsoDuration::from_seconds(90 * 86_400)
}
fn default_sweep_every() -> IsoDuration {
    IsoDuration::from_seconds(7 * 86_400)
}
fn default_workflows_entity() -> String {
    "qm-workflows".into()
}
fn default_workflows_version() -> String {
    "4".into()
}
fn default_questions_entity() -> String {
    "qm-questions".into()
}
fn default_questions_version() -> String {
    "1".into()
}
fn default_survey_contact_field() -> String {
    "acdContactId".into()
}
fn default_surveys_page_size() -> u32 {
    100
}
fn default_segments_page_size() -> u32 {
    100
}
fn default_transcript_concurrency() -> u32 {
    8
}

fn default_issuer() -> String {
    "https://cxone.niceincontact.com".into()
}
fn default_api_version() -> String {
    "v34.0".into()
}
fn default_rpm() -> u32 {
    120
}
fn default_retry_after_cap() -> u64 {
    180
}
fn default_refresh_buffer() -> u64 {
    120
}
fn default_timeout() -> u64 {
    60
}
fn default_agents_page_size() -> u32 {
    500
}

impl CxoneConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let insecure = self.allow_insecure_http;
        vendor_url("source.issuer", &self.issuer, insecure)?;
        if let Some(base) = &self.api_base {
            vendor_url("source.api_base", base, insecure)?;
        }
        if let Some(base) = &self.userhub_base {
            vendor_url("source.userhub_base", base, insecure)?;
        }
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::new("source.client_id", "is empty")
                .with_hint("set the client id of the registered back-end app"));
        }
        let version_ok = self.api_version.strip_prefix('v').is_some_and(|v| {
            v.split('.')
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        });
        if !version_ok {
            return Err(ConfigError::new(
                "source.api_version",
                format!("`{}` is not a version", self.api_version),
            )
            .with_hint("write it like `v34.0`"));
        }
        if !(1..=cxqa_core::config::MAX_REQUESTS_PER_MINUTE).contains(&self.requests_per_minute) {
            return Err(
                ConfigError::new("source.requests_per_minute", "out of range").with_hint(format!(
                    "use 1 to {}",
                    cxqa_core::config::MAX_REQUESTS_PER_MINUTE
                )),
            );
        }
        cxqa_core::config::require_positive(
            "source",
            &[
                (
                    "max_retry_elapsed",
                    self.max_retry_elapsed.as_std().as_secs(),
                ),
                ("outage_after", self.outage_after.as_std().as_secs()),
                ("agents_page_size", u64::from(self.agents_page_size)),
                ("contacts_page_size", u64::from(self.contacts_page_size)),
                ("surveys_page_size", u64::from(self.surveys_page_size)),
                ("segments_page_size", u64::from(self.segments_page_size)),
                (
                    "transcript_concurrency",
                    u64::from(self.transcript_concurrency),
                ),
            ],
        )?;
        if self.sweep_every.as_chrono() <= chrono::Duration::zero()
            || self.sweep_lookback.as_chrono() <= chrono::Duration::zero()
        {
            return Err(ConfigError::new(
                "source.sweep_every",
                "sweep_every and sweep_lookback must be longer than zero",
            )
            .with_hint("the defaults are sweep_lookback = \"P90D\", sweep_every = \"P7D\""));
        }
        if self.csat_scale_max <= self.csat_scale_min {
            return Err(ConfigError::new(
                "source.csat_scale_max",
                "must be greater than `csat_scale_min`",
            )
            .with_hint("e.g. csat_scale_min = 1, csat_scale_max = 5"));
        }
        if !(1..=14).contains(&self.extraction_chunk_days) {
            return Err(
                ConfigError::new("source.extraction_chunk_days", "out of range").with_hint(
                    "Data Extraction takes 1 to 14 days per job; 1 is best for daily runs",
                ),
            );
        }
        Ok(())
    }
}

/// Strips a trailing slash so paths can be appended.
pub fn trim_base(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}
