//! Genesys Cloud Platform API v2, as `shared/reference/genesys-cloud-api.md` describes it.

use crate::gate::{Caller, bearer, gate};
use crate::http_util::{Params, encode_query, page_of, parse_time, ts};
use crate::state::AppState;
use crate::world::{
    AgentState, Appointment, AppointmentStatus, Conversation, Evaluation, EvaluationStatus, Form,
    FormVersion, Media, Party, Question, QuestionKind, SurveyStatus, TransientFault, Trend,
    WeightMode, World,
};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

mod agents;
mod aggregates;
mod auth;
mod details;
mod directory;
mod evaluations;
mod feedback;
mod forms;
mod spelling;
mod surveys;
mod transcripts;
mod truth;
mod wire;

use agents::*;
use aggregates::*;
use auth::*;
use details::*;
use directory::*;
use evaluations::*;
use feedback::*;
use forms::*;
use spelling::*;
use surveys::*;
use transcripts::*;
use wire::*;

inventory::submit! {
    crate::EmulatedVendor {
        name: "genesys",
        router,
        demo_credentials: DEMO_CREDENTIALS,
        division_visibility: &[(DEMO_CLIENT.0, &["Home", "EMEA"])],
        evaluation_id: |evaluation| evaluation.id.clone(),
        truth: truth::truth,
        faults: crate::faults::parse_switches::<GenesysFaults>,
    }
}

/// Genesys' own fault switches (flat keys of `/admin/faults`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(crate) struct GenesysFaults {
    /// Conversation details query: deepest result allowed (pageNumber × pageSize).
    details_result_cap: u64,
    /// Seconds a pre-signed transcript URL stays valid.
    transcript_url_secs: u64,
    /// Whether a failed kill question zeroes `totalScore` (unverified; both are played).
    kill_zeroes_total: bool,
}

impl Default for GenesysFaults {
    fn default() -> Self {
        GenesysFaults {
            details_result_cap: 100_000,
            transcript_url_secs: 300,
            kill_zeroes_total: true,
        }
    }
}

fn switches(state: &AppState) -> GenesysFaults {
    state.faults().of()
}

/// The shared state plus what only Genesys keeps: the async details jobs.
pub(crate) struct Genesys {
    app: Arc<AppState>,
    details_jobs: Mutex<HashMap<String, DetailsJob>>,
}

impl std::ops::Deref for Genesys {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.app
    }
}

type Shared = State<Arc<Genesys>>;

pub fn router(app: Arc<AppState>) -> Router {
    let state = Arc::new(Genesys {
        app: app.clone(),
        details_jobs: Mutex::new(HashMap::new()),
    });
    let api = Router::new()
        .route("/api/v2/tokens/me", get(tokens_me))
        .route("/api/v2/authorization/divisions", get(divisions))
        .route("/api/v2/authorization/divisionspermitted/paged/me", get(divisions_permitted))
        .route("/api/v2/users", get(users))
        .route("/api/v2/routing/queues", get(queues))
        .route("/api/v2/groups", get(groups))
        .route("/api/v2/locations", get(locations))
        .route("/api/v2/stations", get(stations))
        .route("/api/v2/quality/forms/evaluations", get(forms))
        .route("/api/v2/quality/forms/evaluations/{form_id}", get(form_by_id))
        .route("/api/v2/quality/forms/evaluations/{form_id}/versions", get(form_versions))
        .route("/api/v2/quality/publishedforms/evaluations", get(published_forms))
        .route("/api/v2/quality/evaluations/query", get(evaluations_query))
        .route("/api/v2/quality/conversations/{conversation_id}/evaluations/{evaluation_id}", get(evaluation_by_id))
        .route("/api/v2/quality/conversations/{conversation_id}/surveys", get(surveys_by_conversation))
        .route("/api/v2/quality/surveys/{survey_id}", get(survey_by_id))
        .route("/api/v2/analytics/conversations/details", get(details_by_ids))
        .route("/api/v2/analytics/conversations/details/query", post(details_query))
        .route("/api/v2/analytics/conversations/details/jobs", post(details_job_create))
        .route("/api/v2/analytics/conversations/details/jobs/availability", get(details_job_availability))
        .route("/api/v2/analytics/conversations/details/jobs/{job_id}", get(details_job_status).delete(details_job_cancel))
        .route("/api/v2/analytics/conversations/details/jobs/{job_id}/results", get(details_job_results))
        .route("/api/v2/analytics/evaluations/aggregates/query", post(evaluation_aggregates))
        .route("/api/v2/analytics/surveys/aggregates/query", post(survey_aggregates))
        .route("/api/v2/speechandtextanalytics/conversations/{conversation_id}", get(conversation_metrics))
        .route(
            "/api/v2/speechandtextanalytics/conversations/{conversation_id}/communications/{communication_id}/transcripturl",
            get(transcript_url),
        )
        .route("/api/v2/coaching/appointments", get(appointments))
        .route("/api/v2/coaching/appointments/{appointment_id}/annotations", get(annotations))
        .route("/api/v2/organizations/limits/namespaces/{namespace}", get(limits))
        .route_layer(axum::middleware::from_fn_with_state((app, &WIRE), gate));
    Router::new()
        .route("/oauth/token", post(token))
        .route("/transcripts/{key}", get(transcript_document))
        .merge(api)
        .with_state(state)
}

fn not_found(what: &str) -> Response {
    genesys_error(
        StatusCode::NOT_FOUND,
        "not.found",
        &format!("The requested {what} was not found."),
    )
}

fn bad_request(message: &str) -> Response {
    genesys_error(StatusCode::BAD_REQUEST, "bad.request", message)
}

async fn limits(State(state): Shared, Path(namespace): Path<String>) -> Json<Value> {
    let rate = state.faults().rate_limit_per_minute.unwrap_or(300);
    Json(json!({
        "namespace": namespace,
        "entities": [
            { "key": "client.credentials.token.rate.per.minute", "value": rate, "namespace": namespace },
            { "key": "token.rate.per.minute", "value": 300, "namespace": namespace }
        ]
    }))
}

#[cfg(test)]
mod tests;
