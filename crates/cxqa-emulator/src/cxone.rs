//! NICE CXone public APIs, as `shared/reference/nice-cxone-api.md` describes them.

use crate::gate::{Caller, Vendor, cxone_error, gate};
use crate::http_util::{Params, parse_time, ts};
use crate::state::{AppState, ExtractionJob};
use crate::world::{Conversation, Evaluation, Media, QuestionKind, World};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

type Shared = State<Arc<AppState>>;

/// The demo app registration and access key.
pub struct Credentials {
    pub client_id: &'static str,
    pub client_secret: &'static str,
    pub access_key_id: &'static str,
    pub access_key_secret: &'static str,
}

pub const DEMO: Credentials = Credentials {
    client_id: "demo-app",
    client_secret: "demo-app-secret",
    access_key_id: "DEMOACCESSKEY==",
    access_key_secret: "demo-access-key-secret",
};

pub const DEMO_CREDENTIALS: &[(&str, &str)] = &[
    ("client_id", DEMO.client_id),
    ("client_secret", DEMO.client_secret),
    ("access_key_id", DEMO.access_key_id),
    ("access_key_secret", DEMO.access_key_secret),
];

const ACD: [&str; 2] = [
    "/incontactapi/services/{version}",
    "/inContactAPI/services/{version}",
];

pub fn router(state: Arc<AppState>) -> Router {
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
        .route("/survey-data/v1.0/feedback/search", post(feedback_search));
    for prefix in ACD {
        api = api
            .route(
                &format!("{prefix}/contacts/completed"),
                get(completed_contacts),
            )
            .route(
                &format!("{prefix}/contacts/{{contact_id}}"),
                get(contact_by_id),
            )
            .route(&format!("{prefix}/agents"), get(agents));
    }
    let api = api.route_layer(axum::middleware::from_fn_with_state(
        (state.clone(), Vendor::Cxone),
        gate,
    ));
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/.well-known/cxone-configuration", get(cxone_configuration))
        .route("/auth/token", post(token))
        .route("/de-files/{key}", get(download))
        .merge(api)
        .with_state(state)
}

fn base(state: &AppState) -> String {
    state.url("cxone")
}

// ---------------------------------------------------------------- auth and discovery

async fn openid_configuration(State(state): Shared) -> Json<Value> {
    state.count("/.well-known/openid-configuration");
    let base = base(&state);
    Json(json!({
        "issuer": base, "authorization_endpoint": format!("{base}/auth/authorize"),
        "token_endpoint": format!("{base}/auth/token"), "jwks_uri": format!("{base}/auth/jwks"),
        "scopes_supported": ["openid"], "response_types_supported": ["code", "id_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "grant_types_supported": ["authorization_code", "password", "refresh_token"]
    }))
}

async fn cxone_configuration(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    state.count("/.well-known/cxone-configuration");
    let params = Params::parse(raw.as_deref());
    let tenant = state.world.read().expect("world lock").tenant_id.clone();
    if params.get("tenantId") != Some(tenant.as_str()) {
        return cxone_error(
            StatusCode::NOT_FOUND,
            "Unknown tenant",
            "/.well-known/cxone-configuration",
        );
    }
    let base = base(&state);
    Json(json!({
        "private": false, "ui_endpoint": base, "auth_endpoint": base, "api_endpoint": base,
        "area": "na1", "cluster": "E32", "domain": "niceincontact.com", "acdDomain": "niceincontact.com",
        "uhDomain": "nice-incontact.com", "tenantId": tenant
    }))
    .into_response()
}

fn jwt(claims: &Value) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        engine.encode(br#"{"alg":"RS256","typ":"JWT","kid":"emulator"}"#),
        engine.encode(claims.to_string()),
        engine.encode(b"emulated-signature")
    )
}

async fn token(State(state): Shared, headers: HeaderMap, body: String) -> Response {
    state.count("/auth/token");
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let refuse = |error: &str, text: &str| {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": error, "error_description": text })),
        )
            .into_response()
    };
    let client = crate::http_util::client_credentials(&headers, &form);
    if client != Some((DEMO.client_id.to_string(), DEMO.client_secret.to_string())) {
        return refuse("invalid_client", "Client authentication failed");
    }
    match field("grant_type").as_deref() {
        Some("password") => {
            if field("username").as_deref() != Some(DEMO.access_key_id)
                || field("password").as_deref() != Some(DEMO.access_key_secret)
            {
                return refuse("invalid_grant", "Invalid access key");
            }
        }
        Some("refresh_token") => {
            let valid = field("refresh_token").is_some_and(|t| state.authenticate(&t).is_ok());
            if !valid {
                return refuse("invalid_grant", "Invalid refresh token");
            }
        }
        _ => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": "unsupported_grant_type", "error_description": "Use the password grant" })))
                .into_response();
        }
    }
    let (access_token, expires_in) = state.issue_token(DEMO.client_id, "cx");
    let (refresh_token, _) = state.issue_token(DEMO.client_id, "cxr");
    let tenant = state.world.read().expect("world lock").tenant_id.clone();
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": base(&state), "sub": "user:emulated-api-user", "aud": DEMO.client_id, "iat": now, "exp": now + expires_in as i64,
        "tenantId": tenant, "icBUId": 4_600_001, "icClusterId": "E32", "area": "na1", "name": "API User", "tenant": "acme"
    });
    Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": expires_in,
        "refresh_token": refresh_token, "id_token": jwt(&claims), "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"
    }))
    .into_response()
}

// ---------------------------------------------------------------- Reporting / Admin

fn media_name(media: Media) -> (i64, &'static str) {
    match media {
        Media::Voice => (4, "Call"),
        Media::Chat => (3, "Chat"),
        Media::Email => (1, "Email"),
        Media::Message => (8, "Digital"),
    }
}

fn last_update(world: &World, c: &Conversation) -> DateTime<Utc> {
    let base = c.end + Duration::milliseconds(c.acw_ms) + Duration::seconds(5);
    c.evaluation.map_or(base, |e| {
        base.max(world.evaluations[e].changed.min(base + Duration::hours(2)))
    })
}

fn contact_json(world: &World, c: &Conversation) -> Value {
    let agent = &world.agents[c.agent];
    let team = &world.teams[agent.team];
    let queue = &world.queues[c.queue];
    let wrap = &world.wrap_ups[c.wrap_up];
    let (media_id, media) = media_name(c.media);
    let secs = |ms: i64| ms / 1000;
    json!({
        "contactId": c.contact_id, "masterContactId": c.contact_id,
        "contactStartDate": ts(c.start), "lastUpdateTime": ts(last_update(world, c)),
        "agentId": agent.number, "firstName": agent.first, "lastName": agent.last,
        "teamId": team.number, "teamName": team.name, "skillId": queue.skill_id, "skillName": queue.name,
        "campaignId": 1, "campaignName": "Inbound", "mediaTypeId": media_id, "mediaTypeName": media,
        "mediaSubTypeId": 0, "mediaSubTypeName": "", "pointOfContactId": 77, "pointOfContactName": "Main line",
        "fromAddress": "+13175550100", "toAddress": "+18005550199", "isOutbound": !c.inbound,
        "abandoned": false, "abandonSeconds": 0, "acwSeconds": secs(c.acw_ms), "agentSeconds": secs(c.talk_ms),
        "conferenceSeconds": 0, "holdCount": i64::from(c.hold_ms > 0), "holdSeconds": secs(c.hold_ms),
        "inQueueSeconds": secs(c.queue_ms), "preQueueSeconds": 2, "postQueueSeconds": 0, "releaseSeconds": 0,
        "totalDurationSeconds": (c.end - c.start).num_seconds() + secs(c.acw_ms),
        "serviceLevelFlag": 1, "primaryDispositionId": wrap.number, "secondaryDispositionId": 0,
        "dispositionNotes": wrap.name, "endReason": "Contact Hung Up", "isRefused": false, "isShortAbandon": false,
        "isTakeover": false, "isLogged": true, "isAnalyticsProcessed": c.analytics.is_some(),
        "tags": [], "divisionNo": world.divisions[queue.division].number, "futureField": "ignored"
    })
}

async fn completed_contacts(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let (start, end, since) = (
        params.time("startDate"),
        params.time("endDate"),
        params.time("updatedSince"),
    );
    let mut rows: Vec<&Conversation> = world
        .conversations
        .iter()
        .filter(|c| start.is_none_or(|s| c.start >= s) && end.is_none_or(|e| c.start < e))
        .filter(|c| since.is_none_or(|s| last_update(&world, c) >= s))
        .collect();
    rows.sort_by_key(|c| (last_update(&world, c), c.contact_id));
    if params
        .get("orderBy")
        .is_some_and(|o| o.to_lowercase().contains("desc"))
    {
        rows.reverse();
    }
    let top = params.number("top", 10_000).clamp(1, 10_000) as usize;
    let skip = params.number("skip", 0) as usize;
    let page: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(top)
        .map(|c| contact_json(&world, c))
        .collect();
    if page.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let link = |s: usize| {
        let mut pairs = params.without(&["skip", "top"]);
        pairs.push(("top".into(), top.to_string()));
        pairs.push(("skip".into(), s.to_string()));
        format!(
            "{}/incontactapi/services/v34.0/contacts/completed?{}",
            base(&state),
            crate::http_util::encode_query(&pairs)
        )
    };
    let mut links = json!({ "self": link(skip) });
    if skip + top < rows.len() {
        links["next"] = json!(link(skip + top));
    }
    if skip > 0 {
        links["previous"] = json!(link(skip.saturating_sub(top)));
    }
    Json(
        json!({ "totalRecords": rows.len(), "_links": links, "businessUnitId": 4_600_001,
                 "lastPollTime": ts(world.clock), "completedContacts": page }),
    )
    .into_response()
}

async fn contact_by_id(
    State(state): Shared,
    Path((_version, contact_id)): Path<(String, String)>,
) -> Response {
    let world = state.world.read().expect("world lock");
    match world.conversations.iter().find(|c| c.contact_id.to_string() == contact_id) {
        // The object sits under the odd wrapper key `contactId`.
        Some(c) => Json(json!({ "businessUnitId": 4_600_001, "lastPollTime": ts(world.clock), "contactId": contact_json(&world, c) })).into_response(),
        None => cxone_error(StatusCode::NOT_FOUND, "Contact not found", "/contacts"),
    }
}

async fn agents(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let since = params.time("updateSince");
    let active = params
        .get("isActive")
        .map(|v| v.eq_ignore_ascii_case("true"));
    let rows: Vec<Value> = world
        .agents
        .iter()
        .filter(|a| since.is_none_or(|s| a.modified >= s))
        .filter(|a| active.is_none_or(|want| (a.state == "active") == want))
        .map(|a| {
            let team = &world.teams[a.team];
            let mut row = json!({
                "agentId": a.number, "userName": a.email(), "firstName": a.first, "middleName": "", "lastName": a.last,
                "userID": a.id, "emailAddress": a.email(), "isActive": a.state == "active", "teamId": team.number,
                "teamName": team.name, "teamUuId": team.id, "isSupervisor": a.supervisor, "lastUpdated": ts(a.modified),
                "profileId": 5, "profileName": if a.supervisor { "Supervisor" } else { "Agent" }, "timeZone": "UTC",
                "DivisionNo": world.divisions[a.division].number, "hireDate": ts(a.modified - Duration::days(400)),
                "someSetting": true
            });
            if a.state == "deleted" {
                row["terminationDate"] = json!(ts(a.modified));
            }
            if a.state != "active" {
                row["inactiveDate"] = json!(ts(a.modified));
            }
            row
        })
        .collect();
    let top = params.number("top", 10_000).clamp(1, 10_000) as usize;
    let skip = params.number("skip", 0) as usize;
    let page: Vec<Value> = rows.iter().skip(skip).take(top).cloned().collect();
    if page.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let mut links = json!({ "self": Value::Null });
    if skip + top < rows.len() {
        let mut pairs = params.without(&["skip", "top"]);
        pairs.push(("top".into(), top.to_string()));
        pairs.push(("skip".into(), (skip + top).to_string()));
        links["next"] = json!(format!(
            "{}/incontactapi/services/v34.0/agents?{}",
            base(&state),
            crate::http_util::encode_query(&pairs)
        ));
    }
    Json(
        json!({ "businessUnitId": 4_600_001, "_links": links, "lastPollTime": ts(world.clock),
                 "totalRecords": rows.len(), "hiddenAgents": 0, "agents": page }),
    )
    .into_response()
}

// ---------------------------------------------------------------- Data Extraction

fn too_often() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({ "code": "403", "details": "Please wait and try again later. Only one call per tenant every 30 seconds." }))).into_response()
}

async fn create_job(State(state): Shared, Json(body): Json<Value>) -> Response {
    let faults = state.faults();
    {
        let mut last = state.last_extraction_call.lock().expect("extraction lock");
        let running = state
            .extraction_jobs
            .lock()
            .expect("jobs lock")
            .iter()
            .any(|j| j.status == "RUNNING");
        let recent = last.is_some_and(|t| {
            t.elapsed().as_secs_f64() < faults.data_extraction_spacing_secs as f64
        });
        if running || recent {
            return too_often();
        }
        *last = Some(Instant::now());
    }
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (entity, version) = (text("entityName"), text("version"));
    let supported = matches!(
        (entity.as_str(), version.as_str()),
        ("qm-workflows", "4") | ("qm-questions", "1")
    );
    let date = |k: &str| NaiveDate::parse_from_str(&text(k), "%Y-%m-%d").ok();
    let (Some(start), Some(end)) = (date("startDate"), date("endDate")) else {
        return (StatusCode::BAD_REQUEST, Json(json!({ "code": "400", "details": "startDate and endDate are required as YYYY-MM-DD" }))).into_response();
    };
    if (end - start).num_days() > 14 || end <= start {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": "400", "details": "The date range must be 1 to 14 days" })),
        )
            .into_response();
    }
    let id = state.next_id();
    state
        .extraction_jobs
        .lock()
        .expect("jobs lock")
        .push(ExtractionJob {
            id: id.clone(),
            entity,
            start,
            end,
            polls: 0,
            status: if supported { "RUNNING" } else { "FAILED" },
            error: (!supported).then(|| "Unsupported entityName or version".to_string()),
        });
    // The body is a JSON string: the job id in quotes.
    (
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "application/json")],
        format!("\"{id}\""),
    )
        .into_response()
}

async fn list_jobs(State(state): Shared) -> Json<Value> {
    let jobs = state.extraction_jobs.lock().expect("jobs lock");
    Json(
        json!({ "jobs": jobs.iter().map(|j| json!({ "id": j.id, "status": j.status })).collect::<Vec<_>>() }),
    )
}

async fn job_status(State(state): Shared, Path(job_id): Path<String>) -> Response {
    let polls_needed = state.faults().data_extraction_polls;
    let mut jobs = state.extraction_jobs.lock().expect("jobs lock");
    let Some(job) = jobs.iter_mut().find(|j| j.id == job_id) else {
        return cxone_error(
            StatusCode::NOT_FOUND,
            "Job not found",
            "/data-extraction/v1/jobs",
        );
    };
    job.polls += 1;
    let first_success = job.status == "RUNNING" && job.polls > polls_needed;
    if first_success {
        job.status = "SUCCEEDED";
    }
    let mut result = json!({});
    if job.status == "SUCCEEDED" {
        let mut downloads = state.downloads.lock().expect("downloads lock");
        // The URL is issued once; it stays valid for a short while only.
        let key = downloads
            .iter()
            .find(|(_, (j, _))| *j == job.id)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| {
                let key = format!("{}-{}", job.id, job.polls);
                downloads.insert(key.clone(), (job.id.clone(), Instant::now()));
                key
            });
        result["url"] = json!(format!(
            "{}/de-files/{key}?X-Amz-Expires={}",
            base(&state),
            state.faults().data_extraction_url_secs
        ));
    }
    if let Some(error) = &job.error {
        result["errorMessage"] = json!(error);
    }
    Json(json!({ "jobStatus": { "id": job.id, "status": job.status, "result": result } }))
        .into_response()
}

async fn download(State(state): Shared, Path(key): Path<String>) -> Response {
    state.count("/de-files/{key}");
    let lifetime = state.faults().data_extraction_url_secs;
    let entry = state
        .downloads
        .lock()
        .expect("downloads lock")
        .get(&key)
        .cloned();
    let Some((job_id, _)) = entry.filter(|(_, at)| at.elapsed().as_secs() < lifetime) else {
        return (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/xml")],
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
            .into_response();
    };
    let Some(job) = state
        .extraction_jobs
        .lock()
        .expect("jobs lock")
        .iter()
        .find(|j| j.id == job_id)
        .cloned()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let world = state.world.read().expect("world lock");
    let csv = match job.entity.as_str() {
        "qm-workflows" => workflows_csv(&world, job.start, job.end),
        _ => questions_csv(&world, job.start, job.end),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        csv,
    )
        .into_response()
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn csv(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(
        &headers
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|v| csv_field(v))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

fn csv_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Evaluations submitted in [start, end) (UTC dates) that still exist.
fn extracted(world: &World, start: NaiveDate, end: NaiveDate) -> Vec<&Evaluation> {
    world
        .evaluations
        .iter()
        .filter(|e| !e.deleted)
        .filter(|e| {
            e.submitted
                .is_some_and(|s| s.date_naive() >= start && s.date_naive() < end)
        })
        .collect()
}

/// CXone scores: Σ actual / Σ max over scorable answered questions; a failed critical
/// question sets the percentage to zero.
struct CxoneScore {
    score: i64,
    max: i64,
    percent: f64,
    failed_critical: bool,
}

fn cxone_score(world: &World, e: &Evaluation) -> CxoneScore {
    let version = &world.forms[e.form].versions[e.version];
    let (mut score, mut max, mut failed_critical) = (0, 0, false);
    for (group, answer) in version.groups.iter().zip(&e.answers) {
        for (q, a) in group.questions.iter().zip(&answer.questions) {
            let (points, possible) = question_points(q, a);
            let (Some(points), Some(possible)) = (points, possible) else {
                continue;
            };
            score += points;
            max += possible;
            failed_critical |= (q.is_critical || q.is_kill) && points < possible;
        }
    }
    let percent = if failed_critical || max == 0 {
        0.0
    } else {
        (score as f64 / max as f64 * 10_000.0).round() / 100.0
    };
    CxoneScore {
        score,
        max,
        percent,
        failed_critical,
    }
}

/// (actual, max) of a scorable, answered question.
fn question_points(
    q: &crate::world::Question,
    a: &crate::world::QuestionAnswer,
) -> (Option<i64>, Option<i64>) {
    if a.not_applicable || q.kind == QuestionKind::FreeText {
        return (None, None);
    }
    let points = match q.kind {
        QuestionKind::MultipleSelect => Some(a.selected.iter().map(|&i| q.options[i].value).sum()),
        _ => a.option.map(|i| q.options[i].value),
    };
    (points, Some(q.max_points()))
}

const WORKFLOW_HEADERS: [&str; 42] = [
    "Tenant Name",
    "Agent ID",
    "Type",
    "Evaluation Flow Trigger",
    "Workflow Status",
    "Auto Acknowledged",
    "Workflow State",
    "Workflow ID",
    "Plan Name",
    "Form Name",
    "Form Version",
    "Start Date",
    "Submission Date",
    "Last Updated",
    "Score Percentage",
    "Score",
    "Maximum Possible Score",
    "Rank",
    "Failed Critical Question",
    "User Review Comments",
    "Dispute Resolver Comments",
    "Segment ID",
    "ACD ID",
    "Interaction Type",
    "Interaction Start Date",
    "Interaction End Date",
    "Interaction Direction",
    "Team ID",
    "Team Name",
    "Phone Number",
    "FirstName (Eva)",
    "LastName (Eva)",
    "FirstName (Agent)",
    "LastName (Agent)",
    "FirstName (Disp)",
    "LastName (Disp)",
    "FirstName (Assigner)",
    "LastName (Assigner)",
    "Reason",
    "Parent ID",
    "Evaluation Subject",
    "Emulator Extra Column",
];

fn bool_text(value: bool) -> String {
    (if value { "TRUE" } else { "FALSE" }).to_string()
}

fn workflows_csv(world: &World, start: NaiveDate, end: NaiveDate) -> String {
    let rows = extracted(world, start, end)
        .into_iter()
        .map(|e| {
            let c = &world.conversations[e.conversation];
            let agent = &world.agents[e.agent];
            let evaluator = &world.agents[e.evaluator];
            let team = &world.teams[agent.team];
            let form = &world.forms[e.form];
            let s = cxone_score(world, e);
            let status = match e.status {
                "FINISHED" => "Completed",
                "INREVIEW" => "Dispute",
                "RETRACTED" => "Replaced",
                _ => "In Progress",
            };
            let acknowledged = match (e.kind, e.released) {
                ("Self-assessment", _) => String::new(),
                (_, true) => bool_text(!e.agent_has_read),
                _ => String::new(),
            };
            vec![
                "Acme Support".into(),
                agent.number.to_string(),
                e.kind.into(),
                "Quality Plan".into(),
                status.into(),
                acknowledged,
                (if e.status == "FINISHED" {
                    "Closed"
                } else {
                    "Open"
                })
                .into(),
                e.workflow_id.clone(),
                "Weekly QA".into(),
                form.name.into(),
                form.versions[e.version].number.to_string(),
                csv_time(e.created),
                e.submitted.map(csv_time).unwrap_or_default(),
                csv_time(e.changed),
                format!("{:.2}", s.percent),
                s.score.to_string(),
                s.max.to_string(),
                String::new(),
                bool_text(s.failed_critical),
                e.agent_comments.clone().unwrap_or_default(),
                e.dispute_resolution.clone().unwrap_or_default(),
                c.segment_id.clone(),
                c.contact_id.to_string(),
                (match c.media {
                    Media::Voice => "Phone Call",
                    Media::Chat => "Chat",
                    Media::Email => "Email",
                    Media::Message => "Digital",
                })
                .into(),
                csv_time(c.start),
                csv_time(c.end),
                (if c.inbound { "Inbound" } else { "Outbound" }).into(),
                team.number.to_string(),
                team.name.into(),
                "+13175550100".into(),
                evaluator.first.into(),
                evaluator.last.into(),
                agent.first.into(),
                agent.last.into(),
                String::new(),
                String::new(),
                evaluator.first.into(),
                evaluator.last.into(),
                (if e.status == "RETRACTED" {
                    "Replaced by a re-evaluation"
                } else {
                    ""
                })
                .into(),
                String::new(),
                "Agent".into(),
                "ignored".into(),
            ]
        })
        .collect();
    csv(&WORKFLOW_HEADERS, rows)
}

const QUESTION_HEADERS: [&str; 34] = [
    "Actual Score",
    "Answer",
    "Question ID",
    "Question Title",
    "Question Number",
    "Options",
    "Form ID",
    "Form Name",
    "Form Version",
    "Evaluation Score%",
    "Evaluation Start Date",
    "Evaluation Submission Date",
    "Workflow Type",
    "Section ID",
    "Section Title",
    "Section Score%",
    "Max Score",
    "Agent ID",
    "FirstName (Agent)",
    "LastName (Agent)",
    "Team ID",
    "Team Name",
    "FirstName (Eva)",
    "LastName (Eva)",
    "Critical",
    "Failed Critical Question",
    "Mandatory",
    "Scorable",
    "Question Type",
    "Segment ID",
    "Interaction Start Date",
    "Interaction End Date",
    "WorkflowInstance ID",
    "Bank ID",
];

fn questions_csv(world: &World, start: NaiveDate, end: NaiveDate) -> String {
    let mut rows = Vec::new();
    for e in extracted(world, start, end) {
        let c = &world.conversations[e.conversation];
        let agent = &world.agents[e.agent];
        let evaluator = &world.agents[e.evaluator];
        let team = &world.teams[agent.team];
        let form = &world.forms[e.form];
        let version = &form.versions[e.version];
        let s = cxone_score(world, e);
        let mut number = 0;
        for (group, answer) in version.groups.iter().zip(&e.answers) {
            let (mut g_points, mut g_max) = (0, 0);
            for (q, a) in group.questions.iter().zip(&answer.questions) {
                if let (Some(p), Some(m)) = question_points(q, a) {
                    g_points += p;
                    g_max += m;
                }
            }
            let section_percent = if g_max > 0 {
                format!("{:.2}", g_points as f64 / g_max as f64 * 100.0)
            } else {
                String::new()
            };
            for (q, a) in group.questions.iter().zip(&answer.questions) {
                number += 1;
                let (points, _) = question_points(q, a);
                let answer_text = if a.not_applicable {
                    "N/A".to_string()
                } else {
                    match q.kind {
                        QuestionKind::FreeText => a.text.clone().unwrap_or_default(),
                        QuestionKind::MultipleSelect => a
                            .selected
                            .iter()
                            .map(|&i| q.options[i].text.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                        _ => a
                            .option
                            .map(|i| q.options[i].text.clone())
                            .unwrap_or_default(),
                    }
                };
                let kind = match q.kind {
                    QuestionKind::MultipleChoice if q.options.len() == 2 => "Yes/No",
                    QuestionKind::MultipleChoice => "Multiple Choice",
                    QuestionKind::MultipleSelect => "Multiple Select",
                    QuestionKind::FreeText => "Free Text",
                    QuestionKind::Nps => "Rating Scale",
                };
                rows.push(vec![
                    points.map(|p| p.to_string()).unwrap_or_default(),
                    answer_text,
                    q.id.clone(),
                    q.text.into(),
                    number.to_string(),
                    q.options
                        .iter()
                        .map(|o| format!("{}={}", o.text, o.value))
                        .collect::<Vec<_>>()
                        .join("|"),
                    form.context_id.clone(),
                    form.name.into(),
                    version.number.to_string(),
                    format!("{:.2}", s.percent),
                    csv_time(e.created),
                    e.submitted.map(csv_time).unwrap_or_default(),
                    e.kind.into(),
                    group.id.clone(),
                    group.name.into(),
                    section_percent.clone(),
                    q.max_points().to_string(),
                    agent.number.to_string(),
                    agent.first.into(),
                    agent.last.into(),
                    team.number.to_string(),
                    team.name.into(),
                    evaluator.first.into(),
                    evaluator.last.into(),
                    bool_text(q.is_critical || q.is_kill),
                    bool_text(
                        (q.is_critical || q.is_kill) && points.is_some_and(|p| p < q.max_points()),
                    ),
                    bool_text(!q.na_enabled),
                    bool_text(q.kind != QuestionKind::FreeText),
                    kind.into(),
                    c.segment_id.clone(),
                    csv_time(c.start),
                    csv_time(c.end),
                    e.workflow_id.clone(),
                    String::new(),
                ]);
            }
        }
    }
    csv(&QUESTION_HEADERS, rows)
}

// ---------------------------------------------------------------- Interaction Analytics

fn has_transcript(c: &Conversation) -> bool {
    // Some analyzed segments have no transcript (not analyzed yet, or purged): 404.
    c.analytics.is_some() && c.contact_id % 8 != 0
}

fn sentiment_word(score: f64) -> &'static str {
    match score {
        s if s > 15.0 => "Positive",
        s if s < -15.0 => "Negative",
        _ => "Neutral",
    }
}

async fn analyzed_segments(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let by_annotation = params.get("dateField") == Some("firstAnnotatedAt");
    let when = |c: &Conversation| {
        if by_annotation {
            c.end + Duration::minutes(10)
        } else {
            c.start
        }
    };
    let descending = params.get("order") == Some("desc");
    let page_size = params.number("pageSize", 100).clamp(1, 1000) as usize;
    // The cursor is epoch milliseconds of dateField; the date bounds seed it when it is absent.
    // Like the real API, endingDate is not enforced: callers must stop at the window edge.
    let cursor = params
        .get("cursor")
        .and_then(|c| c.parse::<i64>().ok())
        .or_else(|| {
            params
                .time(if descending {
                    "endingDate"
                } else {
                    "beginningDate"
                })
                .map(|t| t.timestamp_millis())
        });
    let mut rows: Vec<&Conversation> = world
        .conversations
        .iter()
        .filter(|c| c.analytics.is_some())
        .filter(|c| {
            let at = when(c).timestamp_millis();
            cursor.is_none_or(|cur| if descending { at <= cur } else { at >= cur })
        })
        .collect();
    rows.sort_by_key(|c| when(c));
    if descending {
        rows.reverse();
    }
    let page: Vec<&Conversation> = rows.into_iter().take(page_size).collect();
    let next_cursor = match (page.last(), descending) {
        (Some(last), false) => when(last).timestamp_millis() + 1,
        (Some(last), true) => when(last).timestamp_millis() - 1,
        // At the end the link repeats the cursor it was given (seen on real tenants).
        (None, _) => cursor.unwrap_or_default(),
    };
    let tenant = world.tenant_id.clone();
    let interactions: Vec<Value> = page
        .iter()
        .map(|c| {
            let a = c.analytics.as_ref().expect("filtered");
            let agent = &world.agents[c.agent];
            let customer_mood = a.phrases.iter().filter(|p| p.purpose == "external").map(|p| p.sentiment).sum::<i64>();
            json!({
                "tenantId": tenant, "segmentId": c.segment_id, "acdContactId": c.contact_id,
                "agentContactId": c.contact_id + 1, "interactionId": c.id, "resolved": true,
                "publishedAt": ts(c.end + Duration::minutes(5)), "startTime": ts(c.start), "endTime": ts(c.end),
                "firstAnnotatedAt": ts(c.end + Duration::minutes(10)),
                "mediaType": if c.media == Media::Voice { "PhoneCall" } else { "Chat" },
                "contactNo": [c.contact_id], "holdCount": i64::from(c.hold_ms > 0), "holdSeconds": c.hold_ms / 1000,
                "enlightenSentimentRawScore": a.sentiment_score / 100.0, "enlightenSentimentIndexScore": (a.sentiment_score + 100.0) / 2.0,
                "channels": [
                    { "name": "Agent", "sentiment": { "value": "Positive" }, "userId": agent.number },
                    { "name": "Customer", "sentiment": { "value": sentiment_word(a.sentiment_score) },
                      "beginSentiment": { "value": "Neutral" }, "endSentiment": { "value": if customer_mood < 0 { "Negative" } else { "Positive" } },
                      "frustration": { "type": if customer_mood < 0 { "Frustrated" } else { "None" } } }
                ],
                "categoryMatches": a.topics.iter().map(|(_, name, _)| json!({ "channelName": "Customer", "fullPaths": [[ "Reasons", name ]] })).collect::<Vec<_>>(),
                "entities": [], "segmentSummaryPrimaryIntentName": a.topics.first().map(|t| t.1)
            })
        })
        .collect();
    let base = base(&state);
    let link = |cur: i64| {
        format!(
            "{base}/interaction-analytics-gateway/v2/segments/analyzed?cursor={cur}&pageSize={page_size}&order={}",
            if descending { "desc" } else { "asc" }
        )
    };
    let mut links = json!({ "self": link(cursor.unwrap_or_default()) });
    links[if descending { "previous" } else { "next" }] = json!(link(next_cursor));
    let total = world
        .conversations
        .iter()
        .filter(|c| c.analytics.is_some())
        .count();
    Json(json!({ "totalRecords": total, "interactions": interactions, "links": links }))
        .into_response()
}

async fn analyzed_transcript(State(state): Shared, Path(segment_id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = world
        .conversations
        .iter()
        .find(|c| c.segment_id == segment_id && has_transcript(c))
    else {
        return cxone_error(
            StatusCode::NOT_FOUND,
            "No transcript for this segment",
            "/analyzed-transcript",
        );
    };
    let a = c.analytics.as_ref().expect("has transcript");
    let agent = &world.agents[c.agent];
    let mut offset = 0usize;
    let blocks: Vec<Value> = a
        .phrases
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let is_agent = p.purpose == "internal";
            let block = json!({
                "channelId": if is_agent { 1 } else { 2 }, "channelName": if is_agent { "Agent" } else { "Customer" },
                "channelUuid": format!("{}-{}", &c.segment_id[..8], if is_agent { "a" } else { "c" }),
                "channelType": if c.media == Media::Voice { "Voice" } else { "Chat" },
                "userType": if is_agent { "Agent" } else { "Customer" },
                "userId": if is_agent { json!(agent.number) } else { Value::Null },
                "blockId": i, "offset": offset, "length": p.text.len(), "text": p.text,
                "voiceMetadata": { "startTime": p.offset_ms, "endTime": p.offset_ms + p.duration_ms, "confidence": p.confidence }
            });
            offset += p.text.len() + 1;
            block
        })
        .collect();
    let annotations: Vec<Value> = a
        .phrases
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sentiment != 0)
        .map(|(i, p)| json!({
            "objectType": "Sentiment", "type": if p.sentiment > 0 { "Positive" } else { "Negative" }, "value": p.sentiment,
            "offset": 0, "highlightLength": p.text.len(), "transcriptOffset": i,
            "channelName": if p.purpose == "internal" { "Agent" } else { "Customer" }, "sentimentCueStrength": 0.8
        }))
        .collect();
    Json(json!({
        "type": if c.media == Media::Voice { "Call" } else { "Chat" }, "language": "en-US", "recordSource": "NICE",
        "fromInterwovenTranscript": false, "annotatedDateTime": ts(c.end + Duration::minutes(10)), "voiceFile": "",
        "transcriptBlocks": blocks, "annotations": annotations, "enlightenMetrics": [],
        "metrics": { "overallSentiment": sentiment_word(a.sentiment_score), "sentimentScore": format!("{:.2}", a.sentiment_score / 100.0) },
        "segmentSummary": { "summary": format!("Customer wanted to {}.", a.topics[0].2),
                            "primaryIntent": { "category": "Service", "score": 0.9, "topic": a.topics[0].1, "name": a.topics[0].1 } }
    }))
    .into_response()
}

// ---------------------------------------------------------------- Feedback Management

/// Every `{field, operator, value}` condition anywhere in the (untyped) filter.
fn conditions(filter: &Value, out: &mut Vec<(String, String, String)>) {
    match filter {
        Value::Object(map) => {
            if let (Some(f), Some(v)) = (map.get("field").and_then(Value::as_str), map.get("value"))
            {
                let op = map.get("operator").and_then(Value::as_str).unwrap_or("EQ");
                out.push((
                    f.to_string(),
                    op.to_uppercase(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                ));
            }
            for value in map.values() {
                conditions(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| conditions(v, out)),
        _ => {}
    }
}

async fn feedback_search(
    State(state): Shared,
    Extension(_caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Option<Json<Value>>,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let Some(limit) = params.get("limit").and_then(|l| l.parse::<usize>().ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "code": "400", "details": "limit is required" })),
        )
            .into_response();
    };
    let mut filters = Vec::new();
    if let Some(Json(body)) = &body {
        conditions(body.get("filter").unwrap_or(&Value::Null), &mut filters);
    }
    let world = state.world.read().expect("world lock");
    let passes = |at: Option<DateTime<Utc>>, field: &str| {
        filters
            .iter()
            .filter(|(f, _, _)| f == field)
            .all(|(_, op, v)| {
                let (Some(at), Some(bound)) = (at, parse_time(v)) else {
                    return false;
                };
                match op.as_str() {
                    "GTE" => at >= bound,
                    "GT" => at > bound,
                    "LT" => at < bound,
                    "LTE" => at <= bound,
                    _ => at == bound,
                }
            })
    };
    let rows: Vec<Value> = world
        .surveys
        .iter()
        .filter(|s| s.csat.is_some())
        .filter(|s| passes(s.completed.or(Some(world.conversations[s.conversation].end)), "completedAt"))
        .map(|s| {
            let c = &world.conversations[s.conversation];
            let category = s.nps.map(|n| if n >= 9 { "PROMOTER" } else if n >= 7 { "PASSIVE" } else { "DETRACTOR" });
            let mut answers = vec![json!({ "FIELD": "How satisfied were you with your contact?", "NUMERIC_VALUE": s.csat, "TEXT_VALUE": null })];
            if let Some(nps) = s.nps {
                answers.push(json!({ "FIELD": "How likely are you to recommend us?", "NUMERIC_VALUE": nps, "TEXT_VALUE": null }));
            }
            if let Some(comment) = &s.comment {
                answers.push(json!({ "FIELD": "Anything else?", "NUMERIC_VALUE": null, "TEXT_VALUE": comment }));
            }
            json!({
                "feedbackId": s.number.to_string(), "surveyIdfier": "post-contact-csat", "surveyName": "Post-contact CSAT",
                "status": if s.partial { "PARTIAL" } else { "COMPLETED" },
                "completedAt": s.completed.map(ts), "lastUpdated": ts(s.completed.unwrap_or(c.end)),
                "acdContactId": c.contact_id.to_string(), "agentId": world.agents[c.agent].number.to_string(),
                "PRIMARY_SCORE": s.csat.map(|v| v * 20), "NPS_SCORE": s.nps, "NPS_CATEGORY": category,
                "FEEDBACK_DETAILS": answers
            })
        })
        .collect();
    let offset: usize = params
        .get("cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(limit.max(1))
        .cloned()
        .collect();
    let more = offset + limit.max(1) < rows.len();
    let next = more.then(|| (offset + limit.max(1)).to_string());
    let mut links = vec![
        json!({ "rel": "self", "href": format!("{}/survey-data/v1.0/feedback/search?limit={limit}&cursor={offset}", base(&state)) }),
    ];
    if let Some(n) = &next {
        links.push(json!({ "rel": "next", "href": format!("{}/survey-data/v1.0/feedback/search?limit={limit}&cursor={n}", base(&state)) }));
    }
    Json(json!({
        "links": links, "warnings": [], "exportLimit": { "limitRemaining": 1000, "resetAt": ts(world.clock + Duration::hours(1)) },
        "data": page, "nextCursor": next.unwrap_or_default()
    }))
    .into_response()
}
