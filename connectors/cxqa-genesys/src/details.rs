//! The conversation details query, which every conversation-based stream starts from:
//! `POST /api/v2/analytics/conversations/details/query` (body paging, `totalHits`), the window
//! read in chunks that are halved when the 100000-result cap answers 400, and async details
//! jobs for chunks older than a setting.

use crate::api::GenesysApi;
use chrono::{DateTime, Duration, Utc};
use cxqa_core::source::PageStream;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, Window, paginate};
use cxqa_http::{Method, Request};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const QUERY: &str = "/api/v2/analytics/conversations/details/query";
const JOBS: &str = "/api/v2/analytics/conversations/details/jobs";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub conversation_id: String,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub conversation_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub conversation_end: Option<DateTime<Utc>>,
    pub originating_direction: Option<String>,
    #[serde(default)]
    pub division_ids: Vec<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub evaluations: Vec<ConversationEvaluation>,
    #[serde(default)]
    pub surveys: Vec<ConversationSurvey>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub purpose: Option<String>,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    #[serde(default)]
    pub sessions: Vec<Session>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub session_id: Option<String>,
    pub media_type: Option<String>,
    #[serde(default)]
    pub segments: Vec<Segment>,
    #[serde(default)]
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub queue_id: Option<String>,
    pub wrap_up_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Metric {
    pub name: MetricName,
    pub value: Option<f64>,
}

/// The session metrics interactions are made of; the others are read as `Other`, not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum MetricName {
    #[serde(rename = "tHandle")]
    Handle,
    #[serde(rename = "tTalk")]
    Talk,
    #[serde(rename = "tHeld")]
    Held,
    #[serde(rename = "tAcw")]
    Acw,
    #[serde(rename = "tAcd")]
    Acd,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationEvaluation {
    pub evaluation_id: String,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub event_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub deleted: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSurvey {
    pub survey_id: String,
    pub survey_partial_response: Option<bool>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub event_time: Option<DateTime<Utc>>,
}

impl Conversation {
    pub fn agents(&self) -> impl Iterator<Item = &Participant> {
        self.participants
            .iter()
            .filter(|p| p.purpose.as_deref() == Some("agent"))
    }

    /// The first agent's user id (the agent a survey or transcript is attributed to).
    pub fn agent_id(&self) -> Option<String> {
        self.agents().find_map(|p| p.user_id.clone())
    }

    pub fn media_type(&self) -> Option<String> {
        self.participants
            .iter()
            .flat_map(|p| &p.sessions)
            .find_map(|s| s.media_type.clone())
    }

    pub fn queue_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .participants
            .iter()
            .flat_map(|p| &p.sessions)
            .flat_map(|s| &s.segments)
            .filter_map(|s| s.queue_id.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Which conversations a stream needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    All,
    WithEvaluations,
    WithSurveys,
}

#[derive(Debug, Clone)]
pub struct DetailsSettings {
    pub page_size: u32,
    pub chunk: Duration,
    /// Chunks ending before now minus this use async jobs; None = never.
    pub async_after: Option<Duration>,
    pub poll_interval: std::time::Duration,
}

/// Where a details read stands: the chunk `[from, to)` and the next page in it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Cursor {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    page: u32,
    /// Start of the last conversation delivered from this chunk (pages are ordered by start).
    #[serde(default)]
    delivered_until: Option<DateTime<Utc>>,
    /// The conversations delivered that start exactly at `delivered_until`: a read that starts
    /// again from there (halving, resume) skips them, and keeps the ones that share their
    /// millisecond but were not delivered yet.
    #[serde(default)]
    delivered_at_edge: Vec<String>,
}

impl Cursor {
    /// After delivering `records` (ordered by start) from this cursor's page.
    fn delivered(&self, records: &[Conversation]) -> (Option<DateTime<Utc>>, Vec<String>) {
        let Some(last) = records.iter().filter_map(|c| c.conversation_start).max() else {
            return (self.delivered_until, self.delivered_at_edge.clone());
        };
        let mut edge = match self.delivered_until {
            Some(before) if before == last => self.delivered_at_edge.clone(),
            Some(before) if before > last => return (Some(before), self.delivered_at_edge.clone()),
            _ => Vec::new(),
        };
        edge.extend(
            records
                .iter()
                .filter(|c| c.conversation_start == Some(last))
                .map(|c| c.conversation_id.clone()),
        );
        (Some(last), edge)
    }

    /// The same chunk read again from the last delivered conversation on (its start, then
    /// skipping what was delivered at that instant), from page 1.
    fn restart_at_last_delivered(&self) -> Cursor {
        Cursor {
            from: self.delivered_until.unwrap_or(self.from),
            to: self.to,
            page: 1,
            delivered_until: self.delivered_until,
            delivered_at_edge: self.delivered_at_edge.clone(),
        }
    }

    /// Whether `c` was delivered already: it starts at the edge and was delivered there.
    fn already_delivered(&self, c: &Conversation) -> bool {
        c.conversation_start.is_some()
            && c.conversation_start == self.delivered_until
            && self.delivered_at_edge.contains(&c.conversation_id)
    }
}

fn interval(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let f = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    format!("{}/{}", f(from), f(to))
}

fn or_predicates(dimension: &str, values: &[String]) -> Value {
    json!({ "type": "or", "predicates": values.iter().map(|v| json!({ "type": "dimension", "dimension": dimension, "operator": "matches", "value": v })).collect::<Vec<_>>() })
}

/// The filter part of a query body (shared by the sync query and async jobs).
fn filters(request: &ExtractRequest, focus: Focus) -> serde_json::Map<String, Value> {
    let mut body = serde_json::Map::new();
    let f = &request.filters;
    if !f.divisions.is_empty() {
        body.insert(
            "conversationFilters".into(),
            json!([or_predicates("divisionId", &f.divisions)]),
        );
    }
    let mut segment = Vec::new();
    if !f.agents.is_empty() {
        segment.push(or_predicates("userId", &f.agents));
    }
    if !f.queues.is_empty() {
        segment.push(or_predicates("queueId", &f.queues));
    }
    if !segment.is_empty() {
        body.insert("segmentFilters".into(), json!(segment));
    }
    let exists = |dimension: &str| json!([{ "type": "and", "predicates": [{ "type": "dimension", "dimension": dimension, "operator": "exists" }] }]);
    match focus {
        Focus::All => {}
        Focus::WithEvaluations => {
            body.insert("evaluationFilters".into(), exists("evaluationId"));
        }
        Focus::WithSurveys => {
            body.insert("surveyFilters".into(), exists("surveyId"));
        }
    }
    body
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResponse {
    #[serde(default)]
    conversations: Vec<Conversation>,
    total_hits: Option<u64>,
}

fn is_pagination_cap(err: &SourceError) -> bool {
    matches!(err, SourceError::Vendor(f) if f.status == 400 && f.message.to_lowercase().contains("pagination may not exceed"))
}

/// Pages of conversations that started inside the request's window, one page per query page
/// (or per async-job chunk), each with a checkpoint pointing after it.
///
/// `resume` is the checkpoint of an interrupted read (usually `request.prior.checkpoint`).
pub fn conversation_pages<'a>(
    api: &'a GenesysApi,
    settings: &'a DetailsSettings,
    request: &'a ExtractRequest,
    resume: Option<&Checkpoint>,
    focus: Focus,
) -> PageStream<'a, Conversation> {
    let window = request.window;
    let first_chunk = move |from: DateTime<Utc>| Cursor {
        from,
        to: (from + settings.chunk).min(window.to),
        page: 1,
        delivered_until: None,
        delivered_at_edge: Vec::new(),
    };
    let start = resume
        .and_then(Checkpoint::read::<Cursor>)
        .filter(|c| c.from >= window.from && c.to <= window.to)
        .unwrap_or_else(|| first_chunk(window.from));
    if start.from >= window.to {
        return Box::pin(futures::stream::empty());
    }
    paginate(
        start,
        request.max_pages,
        move |mut cursor: Cursor| async move {
            loop {
                let outcome = if cursor.page == 1 && uses_jobs(settings, window.to, cursor.to) {
                    read_job(api, settings, request, focus, &cursor)
                        .await
                        .map(|c| (c, true))
                } else {
                    query_page(api, settings, request, focus, &cursor).await
                };
                match outcome {
                    Ok((conversations, chunk_done)) => {
                        let in_chunk = Window::new(cursor.from, cursor.to);
                        let records: Vec<Conversation> = conversations
                            .into_iter()
                            .filter(|c| c.conversation_start.is_some_and(|s| in_chunk.contains(s)))
                            .filter(|c| !cursor.already_delivered(c))
                            .collect();
                        let (delivered_until, delivered_at_edge) = cursor.delivered(&records);
                        let next = if chunk_done {
                            (cursor.to < window.to).then(|| first_chunk(cursor.to))
                        } else {
                            Some(Cursor {
                                page: cursor.page + 1,
                                delivered_until,
                                delivered_at_edge,
                                ..cursor.clone()
                            })
                        };
                        let mut page = Page::new(records);
                        // A resumed read starts again from the last delivered conversation, not
                        // from a page number: pages shift when conversations arrive late.
                        if let Some(next) = &next {
                            let resume = if next.page > 1 {
                                next.restart_at_last_delivered()
                            } else {
                                next.clone()
                            };
                            page = page.with_checkpoint(Checkpoint::new(resume));
                        }
                        return Ok((page, next));
                    }
                    Err(err)
                        if is_pagination_cap(&err)
                            && cursor.to - cursor.from > Duration::minutes(2) =>
                    {
                        // Continue from what this chunk already delivered, over half the rest:
                        // nothing is delivered twice, and conversations sharing the last
                        // delivered millisecond are not lost.
                        let resumed = cursor.restart_at_last_delivered();
                        let mid = resumed.from + (cursor.to - resumed.from) / 2;
                        tracing::info!(from = %resumed.from, to = %cursor.to, "details query hit the result cap; halving the chunk");
                        cursor = Cursor { to: mid, ..resumed };
                    }
                    Err(err) => return Err(err),
                }
            }
        },
    )
}

/// Whether a chunk is old enough for an async job: it ended `async_after` before the window's
/// end (the run's "now" unless the window ends earlier).
fn uses_jobs(
    settings: &DetailsSettings,
    window_end: DateTime<Utc>,
    chunk_end: DateTime<Utc>,
) -> bool {
    settings
        .async_after
        .is_some_and(|after| chunk_end < window_end - after)
}

/// One page of the synchronous query; true when the chunk is exhausted.
async fn query_page(
    api: &GenesysApi,
    settings: &DetailsSettings,
    request: &ExtractRequest,
    focus: Focus,
    cursor: &Cursor,
) -> Result<(Vec<Conversation>, bool), SourceError> {
    let page_size = request.page_size.unwrap_or(settings.page_size);
    let mut body = filters(request, focus);
    body.insert("interval".into(), json!(interval(cursor.from, cursor.to)));
    body.insert("order".into(), json!("asc"));
    body.insert("orderBy".into(), json!("conversationStart"));
    body.insert(
        "paging".into(),
        json!({ "pageSize": page_size, "pageNumber": cursor.page }),
    );
    let response: QueryResponse = api
        .json(
            &Request::new(Method::POST, format!("{}{QUERY}", api.api_base), QUERY)
                .json(Value::Object(body)),
        )
        .await?;
    let returned = response.conversations.len() as u64;
    let covered = u64::from(cursor.page) * u64::from(page_size);
    let done =
        returned < u64::from(page_size) || response.total_hits.is_none_or(|total| covered >= total);
    Ok((response.conversations, done))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobCreated {
    job_id: String,
}

#[derive(Deserialize)]
struct JobState {
    state: String,
    #[serde(rename = "errorMessage")]
    error_message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobResults {
    #[serde(default)]
    conversations: Vec<Conversation>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Availability {
    data_availability_date: Option<DateTime<Utc>>,
}

/// A whole chunk through an async details job. Jobs see only data before the availability
/// date; a chunk reaching past it falls back to the synchronous query.
async fn read_job(
    api: &GenesysApi,
    settings: &DetailsSettings,
    request: &ExtractRequest,
    focus: Focus,
    cursor: &Cursor,
) -> Result<Vec<Conversation>, SourceError> {
    let availability: Availability = api
        .json(&api.get(
            &format!("{JOBS}/availability"),
            &format!("{JOBS}/availability"),
        ))
        .await?;
    if availability
        .data_availability_date
        .is_none_or(|d| d < cursor.to)
    {
        let mut all = Vec::new();
        let mut page = Cursor {
            page: 1,
            delivered_until: None,
            delivered_at_edge: Vec::new(),
            ..cursor.clone()
        };
        loop {
            let (conversations, done) = query_page(api, settings, request, focus, &page).await?;
            all.extend(conversations);
            if done {
                return Ok(all);
            }
            page.page += 1;
        }
    }
    let mut body = filters(request, focus);
    body.insert("interval".into(), json!(interval(cursor.from, cursor.to)));
    body.insert("order".into(), json!("asc"));
    body.insert("orderBy".into(), json!("conversationStart"));
    let created: JobCreated = api
        .json(
            &Request::new(Method::POST, format!("{}{JOBS}", api.api_base), JOBS)
                .json(Value::Object(body)),
        )
        .await?;
    let status_path = format!("{JOBS}/{}", created.job_id);
    loop {
        let state: JobState = api
            .json(&api.get(&status_path, &format!("{JOBS}/{{jobId}}")))
            .await?;
        match state.state.as_str() {
            "FULFILLED" => break,
            "FAILED" | "CANCELLED" | "EXPIRED" => {
                return Err(SourceError::Other(format!(
                    "genesys: async details job {} ended {}: {}; run again (the chunk restarts)",
                    created.job_id,
                    state.state,
                    state.error_message.unwrap_or_default()
                )));
            }
            _ => tokio::time::sleep(settings.poll_interval).await,
        }
    }
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = format!("{status_path}/results?pageSize=1000");
        if let Some(c) = &next {
            path.push_str(&format!("&cursor={c}"));
        }
        let results: JobResults = api
            .json(&api.get(&path, &format!("{JOBS}/{{jobId}}/results")))
            .await?;
        all.extend(results.conversations);
        match results.cursor.filter(|c| !c.is_empty()) {
            Some(c) => next = Some(c),
            None => return Ok(all),
        }
    }
}
