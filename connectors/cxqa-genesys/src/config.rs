//! The `[source]` table for `vendor = "genesys"`.

use cxqa_core::config::{ConfigError, vendor_url};
use cxqa_core::duration::IsoDuration;
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::Deserialize;

/// Genesys Cloud regions: SDK key → domain (API host `api.<domain>`, login host `login.<domain>`).
pub const REGIONS: [(&str, &str); 18] = [
    ("us_east_1", "mypurecloud.com"),
    ("us_east_2", "use2.us-gov-pure.cloud"),
    ("us_west_2", "usw2.pure.cloud"),
    ("ca_central_1", "cac1.pure.cloud"),
    ("sa_east_1", "sae1.pure.cloud"),
    ("mx_central_1", "mxc1.pure.cloud"),
    ("eu_west_1", "mypurecloud.ie"),
    ("eu_west_2", "euw2.pure.cloud"),
    ("eu_central_1", "mypurecloud.de"),
    ("eu_central_2", "euc2.pure.cloud"),
    ("eusc_de_east_1", "edee1.eusc-pure.cloud"),
    ("me_central_1", "mec1.pure.cloud"),
    ("ap_south_1", "aps1.pure.cloud"),
    ("ap_southeast_1", "apse1.pure.cloud"),
    ("ap_southeast_2", "mypurecloud.com.au"),
    ("ap_northeast_1", "mypurecloud.jp"),
    ("ap_northeast_2", "apne2.pure.cloud"),
    ("ap_northeast_3", "apne3.pure.cloud"),
];

/// Genesys Cloud: OAuth client credentials against `login.<region>`, API at `api.<region>`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenesysConfig {
    /// Region as a domain (`mypurecloud.com`) or SDK key (`us_east_1`). Give `region` or `base_url`.
    pub region: Option<String>,
    /// API base URL override, e.g. `http://127.0.0.1:8080` for the emulator or a proxy.
    pub base_url: Option<String>,
    /// Login (OAuth) base URL override; defaults to the API host with `api.` → `login.`.
    pub login_url: Option<String>,
    /// Allow `http://` to a host other than this machine (the client secret travels in clear).
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// OAuth client id (client-credentials grant).
    pub client_id: String,
    /// OAuth client secret. Use `${GENESYS_CLIENT_SECRET}`.
    #[schemars(with = "String")]
    pub client_secret: SecretString,
    /// Pace requests below this rate (Genesys allows 300 per minute per client by default).
    #[serde(default = "default_rpm")]
    pub requests_per_minute: u32,
    /// Fail a request when Genesys asks to wait longer than this many seconds.
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
    /// Page size for the users listing (the maximum is unverified; public code uses 100 and
    /// 500, and 500 costs a fifth of the requests).
    #[serde(default = "default_users_page_size")]
    pub users_page_size: u32,
    /// Page size of the conversation details query (the maximum is unverified).
    #[serde(default = "default_details_page_size")]
    pub details_page_size: u32,
    /// The extraction window is queried in chunks of this many hours (halved on the
    /// 100000-result error).
    #[serde(default = "default_details_chunk_hours")]
    pub details_chunk_hours: u32,
    /// Chunks that ended more than this many days ago are read with async details jobs
    /// (bulk history); 0 turns jobs off.
    #[serde(default = "default_async_jobs_after_days")]
    pub async_jobs_after_days: u32,
    /// Milliseconds between polls of an async details job.
    #[serde(default = "default_job_poll_ms")]
    pub job_poll_interval_ms: u64,
    /// Transcript requests in flight at once (transcript endpoints are heavily rate-limited).
    #[serde(default = "default_transcript_concurrency")]
    pub transcript_concurrency: u32,
    /// The scale of `sentimentScore` (unverified; Genesys documents -100..100). Scores are
    /// divided by it to give -1.0..1.0.
    #[serde(default = "default_sentiment_scale")]
    pub sentiment_scale: f64,
    /// Agents per coaching-appointments request (`userIds` is required and repeated).
    #[serde(default = "default_coaching_batch")]
    pub coaching_user_batch: u32,
    /// Whether a failed kill (fatal) question sets the computed score to zero. Genesys'
    /// guidance says it fails the evaluation; its effect on `totalScore` is unverified, so a
    /// differing vendor total is flagged as a score mismatch either way.
    #[serde(default = "default_true")]
    pub failed_kill_zeroes_score: bool,
    /// An evaluation that answers 404 is asked once more after this many milliseconds before
    /// it is taken as deleted (a tombstone), so a passing 404 deletes nothing.
    #[serde(default = "default_not_found_confirm_ms")]
    pub not_found_confirm_ms: u64,
}

fn default_not_found_confirm_ms() -> u64 {
    1000
}

fn default_true() -> bool {
    true
}

fn default_details_page_size() -> u32 {
    100
}
fn default_details_chunk_hours() -> u32 {
    24
}
fn default_async_jobs_after_days() -> u32 {
    30
}
fn default_job_poll_ms() -> u64 {
    2000
}
fn default_transcript_concurrency() -> u32 {
    2
}
fn default_sentiment_scale() -> f64 {
    100.0
}
fn default_coaching_batch() -> u32 {
    50
}

fn default_rpm() -> u32 {
    240
}
fn default_retry_after_cap() -> u64 {
    180
}
fn default_refresh_buffer() -> u64 {
    60
}
fn default_timeout() -> u64 {
    60
}
fn default_users_page_size() -> u32 {
    500
}

/// Where to send API and login requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    pub api: String,
    pub login: String,
}

impl GenesysConfig {
    pub fn hosts(&self) -> Result<Hosts, ConfigError> {
        let api = match (&self.region, &self.base_url) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "source.base_url",
                    "both `region` and `base_url` are set",
                )
                .with_hint(
                    "keep `region` for a real org, `base_url` for the emulator or a proxy",
                ));
            }
            (None, None) => {
                return Err(ConfigError::new("source.region", "required key `region` is missing")
                    .with_hint("add `region = \"mypurecloud.com\"` (or an SDK key such as `us_east_1`), or `base_url`"));
            }
            (Some(region), None) => format!("https://api.{}", region_domain(region)?),
            (None, Some(base)) => vendor_url("source.base_url", base, self.allow_insecure_http)?,
        };
        let login = match &self.login_url {
            Some(login) => vendor_url("source.login_url", login, self.allow_insecure_http)?,
            None => api.replacen("//api.", "//login.", 1),
        };
        Ok(Hosts { api, login })
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.hosts()?;
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::new("source.client_id", "is empty")
                .with_hint("set the OAuth client id"));
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
                ("users_page_size", u64::from(self.users_page_size)),
                ("details_page_size", u64::from(self.details_page_size)),
                ("details_chunk_hours", u64::from(self.details_chunk_hours)),
                (
                    "transcript_concurrency",
                    u64::from(self.transcript_concurrency),
                ),
                ("coaching_user_batch", u64::from(self.coaching_user_batch)),
            ],
        )?;
        if self.sentiment_scale <= 0.0 {
            return Err(
                ConfigError::new("source.sentiment_scale", "must be positive")
                    .with_hint("use 100 (Genesys' documented range) or 1"),
            );
        }
        Ok(())
    }
}

fn region_domain(region: &str) -> Result<&str, ConfigError> {
    REGIONS
        .iter()
        .find(|(key, domain)| *key == region || *domain == region)
        .map(|(_, domain)| *domain)
        .ok_or_else(|| {
            let keys: Vec<String> = REGIONS.iter().map(|(k, _)| k.to_string()).collect();
            let hint = match cxqa_core::config::closest(region, &keys) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!(
                    "use a domain such as mypurecloud.com or one of: {}",
                    keys.join(", ")
                ),
            };
            ConfigError::new("source.region", format!("unknown region `{region}`")).with_hint(hint)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: serde_json::Value) -> GenesysConfig {
        let mut value = serde_json::json!({"client_id": "id", "client_secret": "secret"});
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn regions_resolve_by_domain_and_sdk_key() {
        let by_key = config(serde_json::json!({"region": "eu_central_1"}))
            .hosts()
            .unwrap();
        assert_eq!(by_key.api, "https://api.mypurecloud.de");
        assert_eq!(by_key.login, "https://login.mypurecloud.de");
        let by_domain = config(serde_json::json!({"region": "usw2.pure.cloud"}))
            .hosts()
            .unwrap();
        assert_eq!(by_domain.login, "https://login.usw2.pure.cloud");
        assert_eq!(REGIONS.len(), 18);
    }

    #[test]
    fn base_url_serves_both_hosts_unless_overridden() {
        let hosts = config(serde_json::json!({"base_url": "http://127.0.0.1:8080/"}))
            .hosts()
            .unwrap();
        assert_eq!(hosts.api, "http://127.0.0.1:8080");
        assert_eq!(hosts.login, "http://127.0.0.1:8080");
        let proxy = config(
            serde_json::json!({"base_url": "https://api.example.test", "login_url": "https://auth.example.test"}),
        );
        assert_eq!(proxy.hosts().unwrap().login, "https://auth.example.test");
    }

    #[test]
    fn bad_hosts_say_how_to_fix() {
        let err = config(serde_json::json!({"region": "us_east1"}))
            .hosts()
            .unwrap_err();
        assert_eq!(err.path, "source.region");
        assert!(err.hint.unwrap().contains("us_east_1"));
        let err = config(serde_json::json!({})).hosts().unwrap_err();
        assert!(err.hint.unwrap().contains("mypurecloud.com"));
        let err = config(serde_json::json!({"base_url": "127.0.0.1:8080"}))
            .hosts()
            .unwrap_err();
        assert_eq!(err.path, "source.base_url");
        let err = config(serde_json::json!({"base_url": "https://api.example.test", "login_url": "http://login.example.test"}))
            .hosts()
            .unwrap_err();
        assert_eq!(err.path, "source.login_url");
        assert!(err.hint.unwrap().contains("allow_insecure_http"));
        let allowed = config(
            serde_json::json!({"base_url": "http://proxy.internal:3128", "allow_insecure_http": true}),
        );
        assert_eq!(allowed.hosts().unwrap().api, "http://proxy.internal:3128");
    }
}
