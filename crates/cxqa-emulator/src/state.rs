//! What both vendor servers share: the world, fault settings, issued tokens, rate-limit
//! windows, and counters the admin endpoint reports.

use crate::rng::Rng;
use crate::world::World;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// Fault injection. Every field can be changed at run time through `POST /admin/faults`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Requests allowed per client per window (a sliding minute by default); None = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// Length of the rate-limit window in seconds (60 = the vendors' per-minute limits; tests
    /// shorten it to keep waits short).
    pub rate_limit_window_secs: u64,
    /// Fixed latency added to every API response, in milliseconds.
    pub latency_ms: u64,
    /// Random extra latency, 0..=jitter_ms.
    pub jitter_ms: u64,
    /// Share of API requests answered with a 503 (0.0..=1.0).
    pub error_rate: f64,
    /// Share of successful JSON bodies cut in half (0.0..=1.0).
    pub malformed_rate: f64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Divisions (by name) each client id may see; a client not listed sees every division.
    pub division_visibility: BTreeMap<String, Vec<String>>,
    /// CXone Data Extraction: minimum seconds between job creations per tenant.
    pub data_extraction_spacing_secs: u64,
    /// CXone Data Extraction: how long a download URL stays valid, in seconds.
    pub data_extraction_url_secs: u64,
    /// Status polls a Data Extraction job answers RUNNING before SUCCEEDED.
    pub data_extraction_polls: u32,
    /// Genesys conversation details query: deepest result allowed (pageNumber × pageSize).
    pub details_result_cap: u64,
    /// Seconds a Genesys pre-signed transcript URL stays valid.
    pub transcript_url_secs: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rate_limit_per_minute: None,
            rate_limit_window_secs: 60,
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            malformed_rate: 0.0,
            token_lifetime_secs: 86_400,
            division_visibility: BTreeMap::from([(
                crate::genesys::DEMO_CLIENT.0.to_string(),
                vec!["Home".to_string(), "EMEA".to_string()],
            )]),
            data_extraction_spacing_secs: 30,
            data_extraction_url_secs: 30,
            data_extraction_polls: 1,
            details_result_cap: 100_000,
            transcript_url_secs: 300,
        }
    }
}

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub client_id: String,
    pub expires: Instant,
}

/// Counters for `GET /admin/stats`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub requests: u64,
    pub rate_limited: u64,
    pub injected_errors: u64,
    pub malformed: u64,
    pub tokens_issued: u64,
    /// Requests per route template.
    pub by_route: BTreeMap<String, u64>,
}

/// A Data Extraction job.
#[derive(Debug, Clone)]
pub struct ExtractionJob {
    pub id: String,
    pub entity: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub polls: u32,
    pub status: &'static str,
    pub error: Option<String>,
}

/// Async conversation-details jobs (Genesys).
#[derive(Debug, Clone)]
pub struct DetailsJob {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub polls: u32,
    pub cancelled: bool,
    pub client_id: String,
}

pub struct AppState {
    pub world: RwLock<World>,
    pub faults: RwLock<Faults>,
    pub tokens: Mutex<HashMap<String, Issued>>,
    pub windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    pub stats: Mutex<Stats>,
    pub counter: Mutex<Rng>,
    pub extraction_jobs: Mutex<Vec<ExtractionJob>>,
    pub last_extraction_call: Mutex<Option<Instant>>,
    /// Download token → (job id, issued at).
    pub downloads: Mutex<HashMap<String, (String, Instant)>>,
    pub details_jobs: Mutex<HashMap<String, DetailsJob>>,
    /// Base URL per served vendor (discovery documents and pre-signed links name it).
    pub urls: RwLock<BTreeMap<&'static str, String>>,
}

impl AppState {
    pub fn new(world: World, faults: Faults) -> Self {
        let seed = world.seed;
        AppState {
            world: RwLock::new(world),
            faults: RwLock::new(faults),
            tokens: Mutex::new(HashMap::new()),
            windows: Mutex::new(HashMap::new()),
            stats: Mutex::new(Stats::default()),
            counter: Mutex::new(Rng::new(seed).fork("server")),
            extraction_jobs: Mutex::new(Vec::new()),
            last_extraction_call: Mutex::new(None),
            downloads: Mutex::new(HashMap::new()),
            details_jobs: Mutex::new(HashMap::new()),
            urls: RwLock::new(BTreeMap::new()),
        }
    }

    /// The base URL a vendor's server was bound to.
    pub fn url(&self, vendor: &str) -> String {
        self.urls
            .read()
            .expect("url lock")
            .get(vendor)
            .cloned()
            .unwrap_or_default()
    }

    pub fn faults(&self) -> Faults {
        self.faults.read().expect("faults lock").clone()
    }

    /// A deterministic id from the server's own sequence (tokens, job ids).
    pub fn next_id(&self) -> String {
        self.counter.lock().expect("counter lock").uuid()
    }

    /// A draw in 0..1 from the server's sequence (fault decisions).
    pub fn draw(&self) -> f64 {
        (self.counter.lock().expect("counter lock").next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn issue_token(&self, client_id: &str, prefix: &str) -> (String, u64) {
        let lifetime = self.faults().token_lifetime_secs;
        let token = format!("{prefix}-{}", self.next_id());
        self.tokens.lock().expect("tokens lock").insert(
            token.clone(),
            Issued {
                client_id: client_id.to_string(),
                expires: Instant::now() + Duration::from_secs(lifetime),
            },
        );
        self.stats.lock().expect("stats lock").tokens_issued += 1;
        (token, lifetime)
    }

    /// Checks a bearer token: Ok(client id), or Err(true) when it expired, Err(false) when unknown.
    pub fn authenticate(&self, token: &str) -> Result<String, bool> {
        let tokens = self.tokens.lock().expect("tokens lock");
        match tokens.get(token) {
            Some(issued) if issued.expires > Instant::now() => Ok(issued.client_id.clone()),
            Some(_) => Err(true),
            None => Err(false),
        }
    }

    /// Counts a request against the client's window; Err(seconds to wait) when over the limit.
    /// Refused requests are not counted, so a client that retries at once is refused again.
    pub fn admit(&self, client_id: &str) -> Result<(), u64> {
        let faults = self.faults();
        let Some(limit) = faults.rate_limit_per_minute else {
            return Ok(());
        };
        let now = Instant::now();
        let window = Duration::from_secs(faults.rate_limit_window_secs.max(1));
        let mut windows = self.windows.lock().expect("windows lock");
        let seen = windows.entry(client_id.to_string()).or_default();
        while seen
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            seen.pop_front();
        }
        if seen.len() >= limit as usize {
            let oldest = *seen.front().expect("non-empty when over the limit");
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        seen.push_back(now);
        Ok(())
    }

    pub fn count(&self, route: &str) {
        let mut stats = self.stats.lock().expect("stats lock");
        stats.requests += 1;
        *stats.by_route.entry(route.to_string()).or_default() += 1;
    }

    /// Division indexes a client may see (None = all).
    pub fn visible_divisions(&self, client_id: &str) -> Option<Vec<usize>> {
        let faults = self.faults.read().expect("faults lock");
        let names = faults.division_visibility.get(client_id)?;
        let world = self.world.read().expect("world lock");
        Some(
            world
                .divisions
                .iter()
                .enumerate()
                .filter(|(_, d)| names.iter().any(|n| n == d.name))
                .map(|(i, _)| i)
                .collect(),
        )
    }
}
