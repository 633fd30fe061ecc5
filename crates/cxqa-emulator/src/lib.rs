//! An emulator of the vendor APIs cxqa uses, serving a deterministic synthetic organization over
//! real HTTP on 127.0.0.1, with fault injection.
//!
//! Layout: `world/` is the vendor-neutral organization; each vendor's folder renders it in that
//! vendor's API, one file per capability like its connector, and registers itself
//! ([`EmulatedVendor`]); `gate.rs` guards every request and lets the vendor's `Wire` word
//! refusals; `faults.rs` holds the switches, each vendor declaring its own.
//!
//! It speaks the *vendors'* JSON and CSV (exactly as `shared/reference/` describes), never
//! cxqa's model: it is what the connectors are tested against.
//!
//! Admin endpoints (on both servers, no auth): `GET/POST /admin/faults`, `POST /admin/time-passes`,
//! `GET /admin/stats`, `GET /admin/truth?stream=…` (the vendor of that port's ground truth).

// The vendors' JSON objects are wide; `json!` needs more room than the default.
#![recursion_limit = "256"]

mod cxone;
mod faults;
mod gate;
mod genesys;
mod http_util;
mod rng;
mod state;
mod truth;
pub mod world;

pub use faults::Faults;
pub use state::Stats;
pub use truth::{LiveRecord, TRUTH_STREAMS, Truth};
pub use world::{History, Scale, TimePassed, TimePasses, TransientFault};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, DurationRound, Utc};
use state::AppState;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// One emulated vendor. Each vendor module registers itself (`inventory`), as connector crates
/// do; nothing outside the vendor's module knows it.
pub(crate) struct EmulatedVendor {
    /// The name cxqa's `[source] vendor` uses.
    pub name: &'static str,
    /// Builds the vendor's routes over the shared state.
    pub router: fn(Arc<AppState>) -> Router,
    /// The credentials the demo uses, as (setting, value) pairs in the vendor's own terms.
    pub demo_credentials: &'static [(&'static str, &'static str)],
    /// Divisions (by name) each of the vendor's clients may see by default.
    pub division_visibility: &'static [(&'static str, &'static [&'static str])],
    /// An evaluation's id as the vendor renders it.
    pub evaluation_id: fn(&world::Evaluation) -> String,
    /// The vendor's ground truth of a stream, with ids as cxqa stores them.
    pub truth: truth::RenderTruth,
    /// The vendor's own fault switches read from the flat map, defaults filled in
    /// ([`faults::parse_switches`] of its `Faults`).
    pub faults: faults::ParseSwitches,
}

inventory::collect!(EmulatedVendor);

/// Every emulated vendor, sorted by name.
pub(crate) fn registered() -> Vec<&'static EmulatedVendor> {
    let mut all: Vec<_> = inventory::iter::<EmulatedVendor>.into_iter().collect();
    all.sort_by_key(|v| v.name);
    all
}

fn find(vendor: &str) -> Option<&'static EmulatedVendor> {
    registered().into_iter().find(|v| v.name == vendor)
}

/// Names of the emulated vendors, as cxqa's `[source] vendor` spells them, sorted.
pub fn vendors() -> Vec<&'static str> {
    registered().into_iter().map(|v| v.name).collect()
}

/// The demo credentials a vendor's server accepts, as (setting, value) pairs in that vendor's
/// own terms; empty for a vendor the emulator does not speak.
pub fn demo_credentials(vendor: &str) -> &'static [(&'static str, &'static str)] {
    find(vendor).map_or(&[], |v| v.demo_credentials)
}

/// What to emulate.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub seed: u64,
    pub scale: Scale,
    /// The end of the generated history; the same seed, scale, anchor and history give the
    /// same data.
    pub anchor: DateTime<Utc>,
    /// How many days of history, and how many of its last days "time passes" still has to play.
    pub history: History,
    pub faults: Faults,
    /// The vendors to serve, each on its port (0 = any free port); a vendor not listed is not
    /// served.
    pub ports: BTreeMap<String, u16>,
}

impl EmulatorConfig {
    /// Seed 7, small scale, history ending an hour ago (on the hour), every vendor on a free port.
    pub fn new() -> Self {
        EmulatorConfig {
            seed: 7,
            scale: Scale::Small,
            anchor: default_anchor(Utc::now()),
            history: History::default(),
            faults: Faults::default(),
            ports: vendors().into_iter().map(|v| (v.to_string(), 0)).collect(),
        }
    }

    /// The same, serving only `vendor` (on a free port).
    pub fn only(vendor: &str) -> Self {
        EmulatorConfig {
            ports: BTreeMap::from([(vendor.to_string(), 0)]),
            ..Self::new()
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// An hour before `now`, on the hour: recent enough for "last 7 days" windows, stable enough
/// that two emulators started in the same hour serve the same data.
pub fn default_anchor(now: DateTime<Utc>) -> DateTime<Utc> {
    let hour = Duration::hours(1);
    now.duration_trunc(hour).unwrap_or(now) - hour
}

/// A running emulator; dropping it (or calling `stop`) shuts every server down.
pub struct RunningEmulator {
    urls: BTreeMap<&'static str, String>,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningEmulator {
    /// Base URL of a vendor's server (whatever hosts the vendor has, login and API alike, are
    /// served there). Panics if the vendor is not served.
    pub fn url(&self, vendor: &str) -> &str {
        self.try_url(vendor)
            .unwrap_or_else(|| panic!("the emulator does not serve `{vendor}`"))
    }

    /// Base URL of a vendor's server, None when it is not served.
    pub fn try_url(&self, vendor: &str) -> Option<&str> {
        self.urls.get(vendor).map(String::as_str)
    }

    /// The vendors being served, sorted.
    pub fn served(&self) -> Vec<&'static str> {
        self.urls.keys().copied().collect()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().expect("faults lock") = faults;
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    pub fn time_passes(&self, change: &TimePasses) -> TimePassed {
        self.state.time_passes(change)
    }

    /// The id `vendor` gives the evaluation the world calls `world_id` (the ids "time passes"
    /// reports): one evaluation is rendered by every vendor, each in its own id scheme.
    pub fn evaluation_id(&self, vendor: &str, world_id: &str) -> Option<String> {
        let render = find(vendor)?.evaluation_id;
        let world = self.state.world.read().expect("world lock");
        world
            .evaluations
            .iter()
            .find(|e| e.id == world_id)
            .map(render)
    }

    pub fn stats(&self) -> Stats {
        self.state.stats.lock().expect("stats lock").clone()
    }

    /// `vendor`'s ground truth of `stream` as its demo client sees it (what `GET /admin/truth`
    /// answers); None for a vendor not served or a stream without truth.
    pub fn truth(&self, vendor: &str, stream: &str) -> Option<Truth> {
        truth_of(&self.state, find(vendor)?, stream)
    }

    /// How far the scripted history has played (the anchor unless days are still hidden).
    pub fn visible_until(&self) -> DateTime<Utc> {
        self.state.world.read().expect("world lock").visible_until
    }

    pub fn anchor(&self) -> DateTime<Utc> {
        self.state.world.read().expect("world lock").anchor
    }

    pub async fn stop(mut self) {
        self.shutdown();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }

    fn shutdown(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn truth_of(state: &AppState, vendor: &EmulatedVendor, stream: &str) -> Option<Truth> {
    let demo_client = vendor
        .demo_credentials
        .iter()
        .find(|(setting, _)| *setting == "client_id")
        .map(|(_, value)| *value)
        .unwrap_or_default();
    let visible = state.visible_divisions(demo_client);
    let sees = |division: usize| visible.as_ref().is_none_or(|v| v.contains(&division));
    let world = state.world.read().expect("world lock");
    let mut facts = (vendor.truth)(&world, stream, &sees)?;
    facts.live.sort();
    facts.deleted.sort();
    Some(Truth {
        vendor: vendor.name.to_string(),
        stream: stream.to_string(),
        live: facts.live,
        deleted: facts.deleted,
    })
}

fn admin(state: Arc<AppState>, vendor: &'static EmulatedVendor) -> Router {
    async fn get_faults(State(state): State<Arc<AppState>>) -> Json<Faults> {
        Json(state.faults())
    }
    async fn set_faults(
        State(state): State<Arc<AppState>>,
        Json(patch): Json<serde_json::Value>,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        let mut current = serde_json::to_value(state.faults()).unwrap_or_default();
        if let (Some(target), Some(changes)) = (current.as_object_mut(), patch.as_object()) {
            for (key, value) in changes {
                target.insert(key.clone(), value.clone());
            }
        }
        match serde_json::from_value::<Faults>(current)
            .map_err(|e| e.to_string())
            .and_then(|faults| faults.validate().map(|()| faults))
        {
            Ok(faults) => {
                *state.faults.write().expect("faults lock") = faults.clone();
                Json(faults).into_response()
            }
            Err(err) => (axum::http::StatusCode::BAD_REQUEST, err.to_string()).into_response(),
        }
    }
    async fn time_passes(
        State(state): State<Arc<AppState>>,
        Json(change): Json<TimePasses>,
    ) -> Json<TimePassed> {
        Json(state.time_passes(&change))
    }
    async fn stats(State(state): State<Arc<AppState>>) -> Json<Stats> {
        Json(state.stats.lock().expect("stats lock").clone())
    }
    let truth = move |State(state): State<Arc<AppState>>,
                      axum::extract::Query(query): axum::extract::Query<
        BTreeMap<String, String>,
    >| async move {
        use axum::response::IntoResponse;
        let stream = query.get("stream").map(String::as_str).unwrap_or_default();
        match truth_of(&state, vendor, stream) {
            Some(truth) => Json(truth).into_response(),
            None => (
                axum::http::StatusCode::BAD_REQUEST,
                format!(
                    "unknown stream `{stream}`: ask for stream= one of {}",
                    TRUTH_STREAMS.join(", ")
                ),
            )
                .into_response(),
        }
    };
    Router::new()
        .route("/admin/truth", get(truth))
        .route("/admin/faults", get(get_faults).post(set_faults))
        .route("/admin/time-passes", post(time_passes))
        .route("/admin/stats", get(stats))
        .with_state(state)
}

fn bind(port: u16) -> std::io::Result<(String, std::net::TcpListener)> {
    let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    listener.set_nonblocking(true)?;
    Ok((format!("http://{}", listener.local_addr()?), listener))
}

/// Starts the configured vendors' servers on 127.0.0.1.
pub async fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    if let Some(unknown) = config
        .ports
        .keys()
        .find(|v| !vendors().contains(&v.as_str()))
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "the emulator does not speak `{unknown}`; it speaks {}",
                vendors().join(", ")
            ),
        ));
    }
    config
        .faults
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let world = world::World::generate(config.seed, config.scale, config.anchor, config.history);
    let state = Arc::new(AppState::new(world, config.faults));
    let mut bound = Vec::new();
    for vendor in registered() {
        if let Some(port) = config.ports.get(vendor.name) {
            bound.push((vendor, bind(*port)?));
        }
    }
    let urls: BTreeMap<&'static str, String> = bound
        .iter()
        .map(|(vendor, (url, _))| (vendor.name, url.clone()))
        .collect();
    *state.urls.write().expect("url lock") = urls.clone();

    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    for (vendor, (_, listener)) in bound {
        let app = (vendor.router)(state.clone()).merge(admin(state.clone(), vendor));
        let listener = TcpListener::from_std(listener)?;
        let mut stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("emulator server stopped: {err}");
            }
        }));
    }
    tracing::info!(?urls, "emulator listening");
    Ok(RunningEmulator {
        urls,
        state,
        stop,
        tasks,
    })
}

#[cfg(test)]
mod tests;
