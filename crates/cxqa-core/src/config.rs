//! Config errors that point at the TOML key and say how to fix it.

use serde::de::DeserializeOwned;
use std::fmt;

/// A problem in the user's pipeline file. `path` is the dotted TOML key (`source.client_secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ConfigError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "`{}`: {}", self.path, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " (fix: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The highest `requests_per_minute` a connector accepts: vendors allow far less per client
/// (Genesys 300), but a private gateway or the emulator may allow more, and a benchmark measures
/// the client without a pacer in the way.
pub const MAX_REQUESTS_PER_MINUTE: u32 = 1_000_000;

/// The first of `(key, value)` that is zero, as an error on `prefix.key`.
pub fn require_positive(prefix: &str, values: &[(&str, u64)]) -> Result<(), ConfigError> {
    match values.iter().find(|(_, value)| *value == 0) {
        Some((key, _)) => {
            Err(ConfigError::new(join_path(prefix, key), "is 0").with_hint("use at least 1"))
        }
        None => Ok(()),
    }
}

/// Checks a vendor URL from the config at `path`: http(s), and `https://` unless the host is
/// this machine or `allow_insecure_http` says plain HTTP is wanted (secrets travel in clear).
/// Returns the URL without a trailing slash.
pub fn vendor_url(path: &str, url: &str, allow_insecure_http: bool) -> Result<String, ConfigError> {
    let trimmed = url.trim().trim_end_matches('/');
    match plain_http_refusal(trimmed, allow_insecure_http) {
        Ok(()) => Ok(trimmed.to_string()),
        Err(UrlRefusal::NotHttp) => Err(ConfigError::new(
            path,
            format!("`{url}` is not an http(s) URL"),
        )
        .with_hint("write it like `https://api.example.com`, or `http://127.0.0.1:8080` for the emulator")),
        Err(UrlRefusal::PlainHttp) => Err(ConfigError::new(
            path,
            format!("`{url}` is plain HTTP to another machine: credentials and records would travel in clear"),
        )
        .with_hint("use `https://`; on a trusted network where TLS is impossible, set `allow_insecure_http = true` in [source]")),
    }
}

/// Why a URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlRefusal {
    NotHttp,
    PlainHttp,
}

/// The same rule for URLs a vendor hands out at run time (discovery, token endpoints).
pub fn plain_http_refusal(url: &str, allow_insecure_http: bool) -> Result<(), UrlRefusal> {
    if url.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(UrlRefusal::NotHttp);
    };
    if allow_insecure_http || is_loopback_host(host_of(rest)) {
        Ok(())
    } else {
        Err(UrlRefusal::PlainHttp)
    }
}

/// The host of `authority/path…` (no scheme), without user info, port or IPv6 brackets.
fn host_of(after_scheme: &str) -> &str {
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    if let Some(bracketed) = host_port.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default();
    }
    host_port.split(':').next().unwrap_or_default()
}

/// `localhost`, a name under it (RFC 6761), or a loopback address.
fn is_loopback_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Joins a key prefix and a serde path (`source` + `client_id` → `source.client_id`).
pub fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty() || path == ".") {
        (true, _) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Deserializes one section of the pipeline, reporting errors with the full key path and a fix.
pub fn parse_section<C: DeserializeOwned>(
    prefix: &str,
    value: serde_json::Value,
) -> Result<C, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        describe_serde_error(&join_path(prefix, &path), &err.into_inner().to_string())
    })
}

/// Turns serde's message into a ConfigError with a hint. Unknown keys get the closest valid key.
pub fn describe_serde_error(path: &str, message: &str) -> ConfigError {
    if let Some(unknown) = between(message, "unknown field `", "`") {
        let expected = expected_names(message);
        // serde_path_to_error's path ends at the struct, not the unknown key; name the key.
        let key_path = if path.ends_with(unknown) {
            path.to_string()
        } else {
            join_path(path, unknown)
        };
        let hint = match closest(unknown, &expected) {
            Some(best) => format!("did you mean `{best}`? valid keys: {}", expected.join(", ")),
            None if expected.is_empty() => "remove it".to_string(),
            None => format!("remove it; valid keys: {}", expected.join(", ")),
        };
        return ConfigError::new(key_path, format!("unknown key `{unknown}`")).with_hint(hint);
    }
    if let Some(missing) = between(message, "missing field `", "`") {
        return ConfigError::new(
            join_path(path, missing),
            format!("required key `{missing}` is missing"),
        )
        .with_hint(format!("add `{missing} = ...`"));
    }
    if let Some(variant) = between(message, "unknown variant `", "`") {
        let expected = expected_names(message);
        let hint = match closest(variant, &expected) {
            Some(best) => format!("did you mean `{best}`? allowed: {}", expected.join(", ")),
            None => format!("use one of: {}", expected.join(", ")),
        };
        return ConfigError::new(path, format!("`{variant}` is not allowed here")).with_hint(hint);
    }
    ConfigError::new(path, message.to_string())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

fn expected_names(message: &str) -> Vec<String> {
    let Some(idx) = message.find("expected ") else {
        return Vec::new();
    };
    message[idx..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The candidate nearest to `word` by edit distance, if it is plausibly a typo of it.
pub fn closest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Demo {
        client_id: String,
        client_secret: String,
        #[serde(default)]
        page_size: u32,
    }

    #[test]
    fn plain_http_is_refused_unless_the_host_is_this_machine_or_it_is_allowed() {
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost/x",
            "http://[::1]:9/",
            "http://api-na1.localhost:81",
            "http://user@127.0.0.2:1",
            "https://example.com",
        ] {
            assert_eq!(
                vendor_url("source.base_url", local, false).map(|_| ()),
                Ok(()),
                "{local}"
            );
        }
        for remote in [
            "http://example.com",
            "http://127.0.0.1.example.com",
            "http://localhost.example.com:80",
            "http://10.0.0.1",
            "http://127.0.0.1@example.com",
        ] {
            let err = vendor_url("source.base_url", remote, false).unwrap_err();
            assert_eq!(err.path, "source.base_url");
            assert!(err.message.contains("in clear"), "{remote}: {err}");
            assert!(err.hint.unwrap().contains("allow_insecure_http = true"));
            assert!(vendor_url("source.base_url", remote, true).is_ok());
        }
        let err = vendor_url("source.issuer", "ftp://x", true).unwrap_err();
        assert!(err.message.contains("not an http(s) URL"));
        assert_eq!(
            vendor_url("k", "https://a.example/", false).unwrap(),
            "https://a.example"
        );
    }

    #[test]
    fn unknown_key_names_the_full_path_and_the_closest_key() {
        let value = serde_json::json!({"client_id": "a", "client_secert": "b"});
        let err = parse_section::<Demo>("source", value).unwrap_err();
        assert_eq!(err.path, "source.client_secert");
        let hint = err.hint.unwrap();
        assert!(hint.contains("did you mean `client_secret`"), "{hint}");
    }

    #[test]
    fn missing_key_says_what_to_add() {
        let value = serde_json::json!({"client_id": "a"});
        let err = parse_section::<Demo>("source", value).unwrap_err();
        assert_eq!(err.path, "source.client_secret");
        assert!(err.to_string().contains("add `client_secret"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let value = serde_json::json!({"client_id": "a", "client_secret": "b", "page_size": "ten"});
        let err = parse_section::<Demo>("extract", value).unwrap_err();
        assert_eq!(err.path, "extract.page_size");
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
