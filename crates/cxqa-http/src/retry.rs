use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::{Duration, SystemTime};

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts for server errors, timeouts and connection failures (first try included).
    pub max_attempts: u32,
    /// Waits on 429/503 before giving up (rate limiting is expected; it gets its own budget).
    pub max_rate_limited: u32,
    /// First backoff delay; doubles per attempt, with full jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A `Retry-After` longer than this fails the request with a clear error.
    pub retry_after_cap: Duration,
    /// A request that has not succeeded within this long (waits included) fails.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_rate_limited: 30,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            retry_after_cap: Duration::from_secs(180),
            max_elapsed: crate::default_max_retry_elapsed().as_std(),
        }
    }
}

impl RetryPolicy {
    /// Jittered exponential delay before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        // Half fixed, half random: spreads retries without ever waiting (almost) nothing.
        let half = exp / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP-date; None when absent or unreadable.
pub fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_http_date() {
        let now = SystemTime::now();
        assert_eq!(
            parse_retry_after(&headers("7"), now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let wait = parse_retry_after(&headers(&later), now).unwrap();
        assert!(
            wait <= Duration::from_secs(30) && wait >= Duration::from_secs(29),
            "{wait:?}"
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&headers(&past), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after(&headers("soon"), now), None);
        assert_eq!(parse_retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        for retry in 1..20 {
            let d = p.backoff(retry);
            assert!(d <= p.max_delay, "{d:?}");
        }
        let first = p.backoff(1);
        assert!(first >= p.base_delay / 2 && first <= p.base_delay);
        assert!(p.backoff(4) >= p.base_delay * 4);
    }
}
