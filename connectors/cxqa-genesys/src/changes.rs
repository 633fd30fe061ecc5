//! The change feed of incremental runs: which conversations had an evaluation or survey event
//! since the high-water mark, whenever the conversation itself happened.
//!
//! The details query is keyed by conversation start, so an evaluation created, re-scored,
//! disputed, retracted or deleted weeks after its call falls outside any look-back. Genesys
//! offers two ways to find evaluations by time of change (reference §5.5):
//! - the evaluation search filters on created, submitted or release dates: an edit after
//!   release (re-score, dispute, agent sign-off) moves none of them, and a deleted evaluation is
//!   no longer found at all;
//! - the evaluation aggregates with `alternateTimeDimension: "eventTime"` count an evaluation in
//!   every interval in which something happened to it, deletions included
//!   (`nEvaluationsDeleted`), grouped by `conversationId`.
//!
//! So the feed is the aggregates query over `[modified_since, window end)` grouped by
//! conversation; the survey aggregates accept `eventTime` too. The conversations are then read
//! by id (`GET /api/v2/analytics/conversations/details?id=…`, 100 at a time), which lists each
//! one's evaluations and surveys with their own `eventTime` and `deleted` flag: the streams go on
//! from there exactly as from the details query.

use crate::api::GenesysApi;
use crate::details::{Conversation, DetailsSettings, Focus, conversation_pages};
use chrono::{DateTime, Utc};
use cxqa_core::source::PageStream;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, paginate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

const EVALUATION_AGGREGATES: &str = "/api/v2/analytics/evaluations/aggregates/query";
const SURVEY_AGGREGATES: &str = "/api/v2/analytics/surveys/aggregates/query";
const DETAILS_BY_ID: &str = "/api/v2/analytics/conversations/details";
/// Conversations per by-id read (the endpoint's limit).
const IDS_PER_READ: usize = 100;

/// Where a feed read stands: the feed's start, and the last conversation id delivered (ids are
/// read in sorted order, so a resumed read asks the feed again and skips up to there).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeedCursor {
    since: DateTime<Utc>,
    after: Option<String>,
}

/// The conversations an evaluation or survey stream reads: on an incremental run (or when
/// resuming an interrupted feed read) those the change feed names, otherwise those that started
/// in the window.
pub fn conversations_for<'a>(
    api: &'a GenesysApi,
    settings: &'a DetailsSettings,
    request: &'a ExtractRequest,
    resume: Option<&Checkpoint>,
    focus: Focus,
) -> PageStream<'a, Conversation> {
    let interrupted = resume.and_then(Checkpoint::read::<FeedCursor>);
    match (interrupted, request.modified_since) {
        (Some(cursor), _) => changed_conversation_pages(api, request, cursor, focus),
        (None, Some(since)) => {
            changed_conversation_pages(api, request, FeedCursor { since, after: None }, focus)
        }
        (None, None) => conversation_pages(api, settings, request, resume, focus),
    }
}

/// Pages of conversations whose evaluations (`Focus::WithEvaluations`) or surveys
/// (`Focus::WithSurveys`) had an event since the cursor's `since`, after its `after`.
fn changed_conversation_pages<'a>(
    api: &'a GenesysApi,
    request: &'a ExtractRequest,
    start: FeedCursor,
    focus: Focus,
) -> PageStream<'a, Conversation> {
    let ids = Arc::new(tokio::sync::OnceCell::<Vec<String>>::new());
    paginate(start, request.max_pages, move |cursor: FeedCursor| {
        let ids = ids.clone();
        async move {
            let all = ids
                .get_or_try_init(|| changed_conversations(api, request, cursor.since, focus))
                .await?;
            let batch: Vec<String> = all
                .iter()
                .filter(|id| cursor.after.as_ref().is_none_or(|after| *id > after))
                .take(IDS_PER_READ)
                .cloned()
                .collect();
            let Some(last) = batch.last().cloned() else {
                return Ok((Page::new(Vec::new()), None));
            };
            let conversations = read_by_id(api, &batch)
                .await?
                .into_iter()
                .filter(|c| passes_filters(request, c))
                .collect();
            let more = all.last() != Some(&last);
            let next = more.then_some(FeedCursor {
                since: cursor.since,
                after: Some(last),
            });
            let mut page = Page::new(conversations);
            if let Some(next) = &next {
                page = page.with_checkpoint(Checkpoint::new(next));
            }
            Ok((page, next))
        }
    })
}

/// The ids of the conversations with an event in `[since, window end)`, sorted.
async fn changed_conversations(
    api: &GenesysApi,
    request: &ExtractRequest,
    since: DateTime<Utc>,
    focus: Focus,
) -> Result<Vec<String>, SourceError> {
    let (path, metrics) = match focus {
        Focus::WithSurveys => (
            SURVEY_AGGREGATES,
            json!(["nSurveysSent", "nSurveyResponses"]),
        ),
        _ => (
            EVALUATION_AGGREGATES,
            json!([
                "nEvaluations",
                "nEvaluationsDeleted",
                "nEvaluationsRescored"
            ]),
        ),
    };
    let f = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let body = json!({
        "interval": format!("{}/{}", f(since), f(request.window.to.max(since))),
        "alternateTimeDimension": "eventTime",
        "groupBy": ["conversationId"],
        "metrics": metrics,
    });
    let http = cxqa_http::Request::post(format!("{}{path}", api.api_base), path).json(body);
    let response: Value = api.json(&http).await?;
    let mut ids: Vec<String> = response["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|group| group["group"]["conversationId"].as_str())
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    tracing::debug!(path, conversations = ids.len(), %since, "change feed");
    Ok(ids)
}

async fn read_by_id(api: &GenesysApi, ids: &[String]) -> Result<Vec<Conversation>, SourceError> {
    #[derive(Deserialize)]
    struct Conversations {
        #[serde(default)]
        conversations: Vec<Conversation>,
    }
    let query: Vec<String> = ids.iter().map(|id| format!("id={id}")).collect();
    let path = format!("{DETAILS_BY_ID}?{}", query.join("&"));
    let read: Conversations = api.json(&api.get(&path, DETAILS_BY_ID)).await?;
    Ok(read.conversations)
}

/// The request's division, agent and queue filters, applied to a conversation read by id (the
/// feed itself is not filtered).
fn passes_filters(request: &ExtractRequest, c: &Conversation) -> bool {
    let f = &request.filters;
    let any = |wanted: &[String], have: &[String]| {
        wanted.is_empty() || have.iter().any(|h| wanted.contains(h))
    };
    let agents: Vec<String> = c.agents().filter_map(|p| p.user_id.clone()).collect();
    any(&f.divisions, &c.division_ids) && any(&f.agents, &agents) && any(&f.queues, &c.queue_ids())
}
