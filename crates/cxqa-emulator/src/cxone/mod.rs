//! NICE CXone public APIs, as `shared/reference/nice-cxone-api.md` describes them.

use crate::gate::{Caller, gate};
use crate::http_util::{Params, parse_time, ts};
use crate::state::AppState;
use crate::world::{
    AgentState, Conversation, Evaluation, EvaluationKind, EvaluationStatus, Media, Party,
    QuestionKind, TransientFault, World,
};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod agents;
mod auth;
mod contacts;
mod extraction;
mod qm;
mod signing;
mod surveys;
mod transcripts;
mod truth;
mod userhub;
mod wire;

use agents::*;
use auth::*;
use contacts::*;
use extraction::*;
use qm::*;
use signing::*;
use surveys::*;
use transcripts::*;
use userhub::*;
use wire::*;

inventory::submit! {
    crate::EmulatedVendor {
        name: "cxone",
        router,
        demo_credentials: DEMO_CREDENTIALS,
        division_visibility: &[],
        evaluation_id: |evaluation| evaluation.workflow_id.clone(),
        truth: truth::truth,
        faults: crate::faults::parse_switches::<CxoneFaults>,
    }
}

/// CXone's own fault switches (flat keys of `/admin/faults`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(crate) struct CxoneFaults {
    /// Data Extraction: minimum seconds between calls per tenant.
    data_extraction_spacing_secs: u64,
    /// Data Extraction: how long a download URL stays valid, in seconds.
    data_extraction_url_secs: u64,
    /// Status polls a Data Extraction job answers RUNNING before SUCCEEDED.
    data_extraction_polls: u32,
    /// Whether status polls count toward the one-call-per-spacing rule (403 when too soon), as
    /// job creations do. NICE does not say; the emulator plays both.
    data_extraction_polls_count: bool,
    /// Feedback Management's PRIMARY_SCORE as a percentage (20 … 100) instead of the answer's
    /// 1 … 5: NICE does not document the scale, so the emulator plays both.
    primary_score_percent: bool,
}

impl Default for CxoneFaults {
    fn default() -> Self {
        CxoneFaults {
            data_extraction_spacing_secs: 30,
            data_extraction_url_secs: 30,
            data_extraction_polls: 1,
            data_extraction_polls_count: false,
            primary_score_percent: false,
        }
    }
}

fn switches(state: &AppState) -> CxoneFaults {
    state.faults().of()
}

/// The shared state plus what only CXone keeps: Data Extraction jobs and download links.
pub(crate) struct Cxone {
    app: Arc<AppState>,
    extraction_jobs: Mutex<Vec<ExtractionJob>>,
    last_extraction_call: Mutex<Option<Instant>>,
    /// Download token → (job id, issued at).
    downloads: Mutex<HashMap<String, (String, Instant)>>,
    /// Refresh tokens issued: they renew a token and are no bearer token themselves.
    refresh_tokens: Mutex<std::collections::HashSet<String>>,
    /// Signs id_tokens; made at start, so every emulator run has its own key.
    signer: TokenSigner,
}

impl std::ops::Deref for Cxone {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

type Shared = State<Arc<Cxone>>;

/// The ACD, Reporting and Admin APIs; the path is case-insensitive at CXone (`inContactAPI`,
/// `INCONTACTAPI`, …), which [`case_insensitive_api`] gives every spelling.
const ACD: &str = "/incontactapi/services/{version}";

/// The ACD API versions served: `v16.0` up to `v34.0` (reference §1).
const ACD_VERSIONS: std::ops::RangeInclusive<u32> = 16..=34;

/// The major number of an ACD path's `vNN.0`, if CXone serves that version.
fn acd_version(version: &str) -> Option<u32> {
    version
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|major| major.parse().ok())
        .filter(|major| ACD_VERSIONS.contains(major))
}

/// CXone's answer to a version it does not serve.
fn unsupported_version(version: &str) -> Response {
    cxone_error(
        StatusCode::NOT_FOUND,
        &format!("API version {version} is not supported"),
        "/incontactapi/services",
    )
}

/// The path with its ACD prefix spelled as the routes are, when it is another spelling of it.
fn canonical_acd_path(path: &str) -> Option<String> {
    const PREFIX: &str = "/incontactapi/";
    let head = path.get(..PREFIX.len())?;
    (head.eq_ignore_ascii_case(PREFIX) && head != PREFIX)
        .then(|| format!("{PREFIX}{}", &path[PREFIX.len()..]))
}

/// Answers a request whose ACD prefix is spelled otherwise by routing it again as spelled in
/// the routes; anything else is not found.
fn case_insensitive_api(routes: Router) -> Router {
    let again = routes.clone();
    routes.fallback(move |mut request: axum::extract::Request| {
        let again = again.clone();
        async move {
            let Some(path) = canonical_acd_path(request.uri().path()) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let query = request
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            match format!("{path}{query}").parse() {
                Ok(uri) => *request.uri_mut() = uri,
                Err(_) => return StatusCode::NOT_FOUND.into_response(),
            }
            match tower::ServiceExt::oneshot(again, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
}

pub fn router(app: Arc<AppState>) -> Router {
    let state = Arc::new(Cxone {
        app: app.clone(),
        extraction_jobs: Mutex::new(Vec::new()),
        last_extraction_call: Mutex::new(None),
        downloads: Mutex::new(HashMap::new()),
        refresh_tokens: Mutex::new(std::collections::HashSet::new()),
        signer: TokenSigner::generate(),
    });
    let mut api = Router::new()
        .route("/data-extraction/v1/jobs", post(create_job).get(list_jobs))
        .route("/data-extraction/v1/jobs/{job_id}", get(job_status))
        .route(
            "/interaction-analytics-gateway/v2/segments/analyzed",
            get(analyzed_segments),
        )
        .route(
            "/interaction-analytics-gateway/v2/segments/{segment_id}/analyzed-transcript",
            get(analyzed_transcript),
        )
        .route("/survey-data/v1.0/feedback/search", post(feedback_search))
        .route("/user-management/v1/users", get(users_list))
        .route("/user-management/v2/users/search", post(users_search))
        .route("/user-management/v3/users/{user_id}", get(user_by_id))
        .route("/user-management/v4/teams/search", post(teams_search))
        .route("/user-management/v3/teams/{team_id}", get(team_by_id))
        .route(
            "/division-management/v1/division/search",
            post(division_search),
        )
        .route(
            "/division-management/v1/division/identities",
            post(division_identities),
        )
        .route(
            "/division-management/v1/division/{division_id}",
            get(division_by_id),
        );
    api = api
        .route(
            &format!("{ACD}/contacts/completed"),
            get(completed_contacts),
        )
        .route(
            &format!("{ACD}/contacts/{{contact_id}}"),
            get(contact_by_id),
        )
        .route(&format!("{ACD}/agents"), get(agents));
    let api = api.route_layer(axum::middleware::from_fn_with_state((app, &WIRE), gate));
    case_insensitive_api(
        Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(openid_configuration),
            )
            .route("/.well-known/cxone-configuration", get(cxone_configuration))
            .route("/auth/token", post(token))
            .route("/auth/jwks", get(jwks))
            .route(
                "/authentication/v1/token/access-key",
                post(access_key_token),
            )
            .route("/public/user/refresh", post(userhub_refresh))
            .route("/de-files/{key}", get(download))
            .merge(api)
            .with_state(state),
    )
}

fn base(state: &AppState) -> String {
    state.url("cxone")
}

#[cfg(test)]
mod tests;
