//! How a vendor is doing across every request of a connector: the outage breaker (every request
//! failing with 5xx, timeouts or connection errors for `outage_after` stops the run at once)
//! and the retry notices a user sees at the default verbosity (at most one per path every 30 s).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often one path may announce its retries.
const NOTICE_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Health {
    outage_after: Duration,
    failing: Mutex<Option<Failing>>,
    noticed: Mutex<HashMap<String, Instant>>,
}

#[derive(Debug, Clone)]
struct Failing {
    since: Instant,
    last: String,
}

/// The vendor has failed every request for a while: what it answered and for how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    pub last: String,
    pub lasted: Duration,
}

impl Health {
    pub fn new(outage_after: Duration) -> Self {
        Health {
            outage_after,
            failing: Mutex::new(None),
            noticed: Mutex::new(HashMap::new()),
        }
    }

    /// Any answer that is not a server failure: the vendor is up.
    pub fn answered(&self) {
        *self.failing.lock().expect("health lock") = None;
    }

    /// A 5xx, a timeout or a connection failure.
    pub fn failed(&self, detail: &str) {
        let mut failing = self.failing.lock().expect("health lock");
        match failing.as_mut() {
            Some(f) => f.last = detail.to_string(),
            None => {
                *failing = Some(Failing {
                    since: Instant::now(),
                    last: detail.to_string(),
                })
            }
        }
    }

    /// Some when every request has failed for `outage_after`.
    pub fn outage(&self) -> Option<Outage> {
        let failing = self.failing.lock().expect("health lock").clone()?;
        let lasted = failing.since.elapsed();
        (lasted >= self.outage_after).then_some(Outage {
            last: failing.last,
            lasted,
        })
    }

    /// Whether `path` may announce a retry now (and, if so, it has).
    pub fn may_notice(&self, path: &str) -> bool {
        let mut noticed = self.noticed.lock().expect("notices lock");
        let now = Instant::now();
        match noticed.get(path) {
            Some(at) if now.duration_since(*at) < NOTICE_EVERY => false,
            _ => {
                noticed.insert(path.to_string(), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_failures_without_an_answer_for_long_enough() {
        let health = Health::new(Duration::from_millis(30));
        health.failed("HTTP 503");
        assert_eq!(health.outage(), None);
        std::thread::sleep(Duration::from_millis(40));
        health.failed("HTTP 502");
        let outage = health.outage().unwrap();
        assert_eq!(outage.last, "HTTP 502");
        health.answered();
        assert_eq!(health.outage(), None, "one answer ends it");
    }

    #[test]
    fn a_path_announces_at_most_once_per_period() {
        let health = Health::new(Duration::from_secs(60));
        assert!(health.may_notice("/a"));
        assert!(!health.may_notice("/a"));
        assert!(health.may_notice("/b"));
    }
}
