//! An emulator of the Genesys Cloud and NICE CXone APIs that cxqa uses, serving a deterministic
//! synthetic organization over real HTTP on 127.0.0.1, with fault injection.
//!
//! It speaks the *vendors'* JSON and CSV (exactly as `shared/reference/` describes), never
//! cxqa's model: it is what the connectors are tested against.
//!
//! Admin endpoints (on both servers, no auth): `GET/POST /admin/faults`, `POST /admin/time-passes`,
//! `GET /admin/stats`.

// The vendors' JSON objects are wide; `json!` needs more room than the default.
#![recursion_limit = "256"]

mod cxone;
mod gate;
mod genesys;
mod http_util;
mod rng;
mod state;
pub mod world;

pub use state::{Faults, Stats};
pub use world::{Scale, TimePassed, TimePasses};

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, DurationRound, Utc};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The Genesys OAuth client the demo uses: it sees the Home and EMEA divisions, not Restricted.
pub const DEMO_GENESYS_CLIENT: (&str, &str) = ("demo-client", "demo-secret");
/// A Genesys OAuth client that sees every division.
pub const ADMIN_GENESYS_CLIENT: (&str, &str) = ("admin-client", "admin-secret");
/// The CXone app registration and access key the demo uses.
pub const DEMO_CXONE: &cxone::Credentials = &cxone::DEMO;

/// What to emulate.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub seed: u64,
    pub scale: Scale,
    /// The end of the generated history; the same seed, scale and anchor give the same data.
    pub anchor: DateTime<Utc>,
    pub faults: Faults,
    /// Port for Genesys (Some(0) = any free port; None = do not serve Genesys).
    pub genesys_port: Option<u16>,
    /// Port for CXone (Some(0) = any free port; None = do not serve CXone).
    pub cxone_port: Option<u16>,
}

impl EmulatorConfig {
    /// Seed 7, small scale, history ending an hour ago (on the hour), free ports.
    pub fn new() -> Self {
        EmulatorConfig {
            seed: 7,
            scale: Scale::Small,
            anchor: default_anchor(Utc::now()),
            faults: Faults::default(),
            genesys_port: Some(0),
            cxone_port: Some(0),
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

/// A running emulator; dropping it (or calling `stop`) shuts both servers down.
pub struct RunningEmulator {
    genesys_url: Option<String>,
    cxone_url: Option<String>,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningEmulator {
    /// Base URL of the Genesys server (API and login host). Panics if Genesys is not served.
    pub fn genesys(&self) -> &str {
        self.genesys_url
            .as_deref()
            .expect("the emulator serves Genesys")
    }

    /// Base URL of the CXone server (issuer and API base). Panics if CXone is not served.
    pub fn cxone(&self) -> &str {
        self.cxone_url
            .as_deref()
            .expect("the emulator serves CXone")
    }

    pub fn genesys_url(&self) -> Option<&str> {
        self.genesys_url.as_deref()
    }

    pub fn cxone_url(&self) -> Option<&str> {
        self.cxone_url.as_deref()
    }

    pub fn set_faults(&self, faults: Faults) {
        *self.state.faults.write().expect("faults lock") = faults;
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    pub fn time_passes(&self, change: &TimePasses) -> TimePassed {
        self.state
            .world
            .write()
            .expect("world lock")
            .time_passes(change, Utc::now())
    }

    /// The CXone workflow id of an evaluation (the same evaluation rendered for each vendor).
    pub fn workflow_id(&self, evaluation_id: &str) -> Option<String> {
        let world = self.state.world.read().expect("world lock");
        world
            .evaluations
            .iter()
            .find(|e| e.id == evaluation_id)
            .map(|e| e.workflow_id.clone())
    }

    pub fn stats(&self) -> Stats {
        self.state.stats.lock().expect("stats lock").clone()
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

fn admin(state: Arc<AppState>) -> Router {
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
        match serde_json::from_value::<Faults>(current) {
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
        Json(
            state
                .world
                .write()
                .expect("world lock")
                .time_passes(&change, Utc::now()),
        )
    }
    async fn stats(State(state): State<Arc<AppState>>) -> Json<Stats> {
        Json(state.stats.lock().expect("stats lock").clone())
    }
    Router::new()
        .route("/admin/faults", get(get_faults).post(set_faults))
        .route("/admin/time-passes", post(time_passes))
        .route("/admin/stats", get(stats))
        .with_state(state)
}

/// Binds 127.0.0.1:port when the vendor is to be served.
fn bind(port: Option<u16>) -> std::io::Result<Option<(String, std::net::TcpListener)>> {
    let Some(port) = port else { return Ok(None) };
    let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    listener.set_nonblocking(true)?;
    Ok(Some((
        format!("http://{}", listener.local_addr()?),
        listener,
    )))
}

/// Starts the configured vendors' servers on 127.0.0.1.
pub async fn start(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    let world = world::World::generate(config.seed, config.scale, config.anchor);
    let state = Arc::new(AppState::new(world, config.faults));
    let genesys = bind(config.genesys_port)?;
    let cxone = bind(config.cxone_port)?;
    let genesys_url = genesys.as_ref().map(|(url, _)| url.clone());
    let cxone_url = cxone.as_ref().map(|(url, _)| url.clone());
    *state.genesys_url.write().expect("url lock") = genesys_url.clone().unwrap_or_default();
    *state.cxone_url.write().expect("url lock") = cxone_url.clone().unwrap_or_default();

    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    let servers = [
        (genesys, genesys::router as fn(Arc<AppState>) -> Router),
        (cxone, cxone::router),
    ];
    for (bound, router) in servers {
        let Some((_, listener)) = bound else { continue };
        let app = router(state.clone()).merge(admin(state.clone()));
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
    tracing::info!(genesys = ?genesys_url, cxone = ?cxone_url, "emulator listening");
    Ok(RunningEmulator {
        genesys_url,
        cxone_url,
        state,
        stop,
        tasks,
    })
}

#[cfg(test)]
mod tests;
