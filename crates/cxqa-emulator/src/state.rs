//! What every vendor server shares: the world, fault settings, issued tokens, rate-limit
//! windows, and counters the admin endpoint reports.

use crate::faults::Faults;
use crate::rng::Rng;
use crate::world::{TimePassed, TimePasses, TransientFault, World};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// An issued access token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub client_id: String,
    /// The token's prefix, which names the vendor that issued it.
    pub prefix: &'static str,
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

pub struct AppState {
    pub world: RwLock<World>,
    pub faults: RwLock<Faults>,
    pub tokens: Mutex<HashMap<String, Issued>>,
    pub windows: Mutex<HashMap<String, VecDeque<Instant>>>,
    pub stats: Mutex<Stats>,
    pub counter: Mutex<Rng>,
    /// Base URL per served vendor (discovery documents and pre-signed links name it).
    pub urls: RwLock<BTreeMap<&'static str, String>>,
    /// Transient faults the scripted history armed, each waiting for a request it applies to.
    pub armed: Mutex<Vec<TransientFault>>,
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
            urls: RwLock::new(BTreeMap::new()),
            armed: Mutex::new(Vec::new()),
        }
    }

    /// "Time passes" on the world; the faults of the played days are armed when
    /// `scripted_faults` is on.
    pub fn time_passes(&self, change: &TimePasses) -> TimePassed {
        let passed = self
            .world
            .write()
            .expect("world lock")
            .time_passes(change, chrono::Utc::now());
        if self.faults().scripted_faults {
            let mut armed = self.armed.lock().expect("armed lock");
            for &fault in &passed.faults {
                // A burst, not a single error: a client's retry meets the next ones.
                let times = if fault == TransientFault::ServerErrors {
                    3
                } else {
                    1
                };
                armed.extend(std::iter::repeat_n(fault, times));
            }
        }
        passed
    }

    /// Consumes one armed fault of this kind; true when there was one.
    pub fn take_armed(&self, fault: TransientFault) -> bool {
        let mut armed = self.armed.lock().expect("armed lock");
        match armed.iter().position(|f| *f == fault) {
            Some(i) => {
                armed.remove(i);
                true
            }
            None => false,
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

    pub fn issue_token(&self, client_id: &str, prefix: &'static str) -> (String, u64) {
        let lifetime = self.faults().token_lifetime_secs;
        let token = format!("{prefix}-{}", self.next_id());
        self.tokens.lock().expect("tokens lock").insert(
            token.clone(),
            Issued {
                client_id: client_id.to_string(),
                prefix,
                expires: Instant::now() + Duration::from_secs(lifetime),
            },
        );
        self.stats.lock().expect("stats lock").tokens_issued += 1;
        (token, lifetime)
    }

    /// Checks a bearer token at the vendor whose tokens start with `prefix`: Ok(client id), or
    /// Err(true) when it expired, Err(false) when unknown there.
    pub fn authenticate(&self, token: &str, prefix: &str) -> Result<String, bool> {
        let tokens = self.tokens.lock().expect("tokens lock");
        match tokens.get(token).filter(|issued| issued.prefix == prefix) {
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
