//! Data Extraction: jobs (spaced, polled), their status and the CSV download.

use super::*;

/// A Data Extraction job.
#[derive(Debug, Clone)]
pub(super) struct ExtractionJob {
    pub id: String,
    pub entity: String,
    pub start: chrono::NaiveDate,
    pub end: chrono::NaiveDate,
    pub polls: u32,
    pub status: &'static str,
    pub error: Option<String>,
}

pub(super) fn too_often() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({ "code": "403", "details": "Please wait and try again later. Only one call per tenant every 30 seconds." }))).into_response()
}

/// Whether a call now breaks the one-call-per-spacing rule; if not, it is the last call.
fn too_soon(state: &Cxone, faults: &CxoneFaults) -> bool {
    let mut last = state.last_extraction_call.lock().expect("extraction lock");
    let recent = last
        .is_some_and(|t| t.elapsed().as_secs_f64() < faults.data_extraction_spacing_secs as f64);
    if !recent {
        *last = Some(Instant::now());
    }
    recent
}

pub(super) async fn create_job(State(state): Shared, Json(body): Json<Value>) -> Response {
    let faults = switches(&state);
    let running = state
        .extraction_jobs
        .lock()
        .expect("jobs lock")
        .iter()
        .any(|j| j.status == "RUNNING");
    if running || too_soon(&state, &faults) {
        return too_often();
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

pub(super) async fn list_jobs(State(state): Shared) -> Json<Value> {
    let jobs = state.extraction_jobs.lock().expect("jobs lock");
    Json(
        json!({ "jobs": jobs.iter().map(|j| json!({ "id": j.id, "status": j.status })).collect::<Vec<_>>() }),
    )
}

pub(super) async fn job_status(State(state): Shared, Path(job_id): Path<String>) -> Response {
    let faults = switches(&state);
    if faults.data_extraction_polls_count && too_soon(&state, &faults) {
        return too_often();
    }
    let polls_needed = faults.data_extraction_polls;
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
            switches(&state).data_extraction_url_secs
        ));
    }
    if let Some(error) = &job.error {
        result["errorMessage"] = json!(error);
    }
    Json(json!({ "jobStatus": { "id": job.id, "status": job.status, "result": result } }))
        .into_response()
}

pub(super) async fn download(State(state): Shared, Path(key): Path<String>) -> Response {
    state.count("/de-files/{key}");
    let lifetime = switches(&state).data_extraction_url_secs;
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
    // A passing fault: the file of a period that has data comes back empty, as 204.
    if job.entity == "qm-workflows" && state.take_armed(TransientFault::EmptyExtraction) {
        return StatusCode::NO_CONTENT.into_response();
    }
    let unknown_column = state.faults().unknown_fields;
    let world = state.world.read().expect("world lock");
    let csv = match job.entity.as_str() {
        "qm-workflows" => workflows_csv(&world, job.start, job.end, unknown_column),
        _ => questions_csv(&world, job.start, job.end, unknown_column),
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        csv,
    )
        .into_response()
}

pub(super) fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A CSV file as Data Extraction serves it: a BOM, CRLF lines; with `unknown_column` (the
/// `unknown_fields` fault) one more column than the entity's version documents.
pub(super) fn csv(headers: &[&str], rows: Vec<Vec<String>>, unknown_column: bool) -> String {
    let line = |fields: &mut dyn Iterator<Item = &str>, extra: &str| {
        let mut cells: Vec<String> = fields.map(csv_field).collect();
        if unknown_column {
            cells.push(csv_field(extra));
        }
        cells.join(",") + "\r\n"
    };
    let mut out = String::from("\u{feff}");
    out.push_str(&line(&mut headers.iter().copied(), "Unannounced Column"));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str), "ignored"));
    }
    out
}

pub(super) fn csv_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}
