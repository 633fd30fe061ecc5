//! Small helpers shared by both vendors' handlers.

use chrono::{DateTime, SecondsFormat, Utc};

/// ISO-8601 with milliseconds and `Z`, as both vendors write timestamps.
pub fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Query parameters in order, repeated keys kept (`?id=a&id=b`).
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.and_then(|q| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a key, accepting both repeated keys and comma-separated lists.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .flat_map(|(_, v)| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    pub fn number(&self, key: &str, default: u64) -> u64 {
        self.get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    pub fn time(&self, key: &str) -> Option<DateTime<Utc>> {
        parse_time(self.get(key)?)
    }

    /// The query string without `key`, for building paging links.
    pub fn without(&self, keys: &[&str]) -> Vec<(String, String)> {
        self.0
            .iter()
            .filter(|(k, _)| !keys.iter().any(|x| k.eq_ignore_ascii_case(x)))
            .cloned()
            .collect()
    }
}

pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

pub fn encode_query(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The slice of `items` on a 1-based page.
pub fn page_of<T: Clone>(items: &[T], page_size: u64, page_number: u64) -> Vec<T> {
    let size = page_size.max(1) as usize;
    let start = (page_number.max(1) as usize - 1).saturating_mul(size);
    items.iter().skip(start).take(size).cloned().collect()
}

/// The client id and secret of a token request: from a Basic header, or from the form body
/// (both are used in practice).
pub fn client_credentials(
    headers: &axum::http::HeaderMap,
    form: &[(String, String)],
) -> Option<(String, String)> {
    use base64::Engine;
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .or_else(|| Some((field("client_id")?, field("client_secret")?)))
}
