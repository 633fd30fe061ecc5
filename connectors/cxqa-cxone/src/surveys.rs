//! `surveys`: Feedback Management `POST /survey-data/v1.0/feedback/search` (cursor paging), each
//! row joined to its ACD contact (the row field is a setting: unverified) for interaction context.

use crate::api::CxoneApi;
use crate::contacts::{Contacts, id_text};
use chrono::{DateTime, SecondsFormat, Utc};
use cxqa_core::model::{InteractionContext, NpsCategory, ScoreScale, Survey, SurveyAnswer};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, paginate};
use cxqa_http::{Method, Request};
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

const SEARCH: &str = "/survey-data/v1.0/feedback/search";

pub struct Surveys {
    pub api: CxoneApi,
    pub contacts: Arc<Contacts>,
    pub page_size: u32,
    pub contact_field: String,
    /// What PRIMARY_SCORE is on (a setting: NICE does not say).
    pub scale: ScoreScale,
    /// A score outside the scale is reported once per connector, not once per survey.
    pub warned_outside_scale: std::sync::atomic::AtomicBool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchResponse {
    #[serde(default)]
    data: Vec<Value>,
    next_cursor: Option<String>,
}

fn field<'v>(row: &'v Value, key: &str) -> Option<&'v Value> {
    row.get(key).filter(|v| !v.is_null())
}

fn text(row: &Value, key: &str) -> Option<String> {
    field(row, key).and_then(id_text)
}

fn number(row: &Value, key: &str) -> Option<f64> {
    field(row, key).and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()))
}

impl Surveys {
    async fn search(
        &self,
        request: &ExtractRequest,
        cursor: Option<&str>,
    ) -> Result<SearchResponse, SourceError> {
        let base = self.api.base().await?;
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let body = json!({ "filter": { "and": { "conditions": [
            { "field": "completedAt", "operator": "GTE", "value": iso(request.window.from) },
            { "field": "completedAt", "operator": "LT", "value": iso(request.window.to) }
        ] } } });
        let mut http = Request::new(Method::POST, format!("{base}{SEARCH}"), SEARCH)
            .query("limit", request.page_size.unwrap_or(self.page_size))
            .json(body);
        if let Some(cursor) = cursor {
            http = http.query("cursor", cursor);
        }
        self.api.http.json(&http, &self.api.auth).await
    }

    async fn survey(
        &self,
        request: &ExtractRequest,
        row: Value,
    ) -> Result<Option<Survey>, SourceError> {
        let Some(id) = text(&row, "feedbackId").or_else(|| text(&row, "id")) else {
            return Ok(None);
        };
        // Stored as it is: no need to read its contact again.
        let last_updated = text(&row, "lastUpdated").as_deref().and_then(parse_lenient);
        if request.prior.holds_unchanged(&id, last_updated) {
            return Ok(None);
        }
        let contact_id = text(&row, &self.contact_field);
        let contact = match &contact_id {
            Some(contact) => self.contacts.lookup(contact, request.window).await?,
            None => None,
        };
        // No survey endpoint filters by agent, skill or division: the contact decides.
        let scope = contact
            .as_ref()
            .map(|c| c.scope.clone())
            .unwrap_or_default();
        if !scope.passes(&request.filters) {
            return Ok(None);
        }
        let survey = to_survey(id, &row, contact_id, contact.map(|c| c.context), self.scale);
        let outside = survey.csat_raw.is_some() && survey.csat_score.is_none();
        if outside
            && !self
                .warned_outside_scale
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                "cxone: survey PRIMARY_SCORE {} lies outside csat_scale_min..csat_scale_max ({}..{}); set the tenant's scale in [source]",
                survey.csat_raw.unwrap_or_default(),
                self.scale.min,
                self.scale.max
            );
        }
        Ok(Some(survey))
    }
}

/// A Feedback Management row as a survey; `context` is its contact's, when it was read.
pub(crate) fn to_survey(
    id: String,
    row: &Value,
    contact_id: Option<String>,
    context: Option<InteractionContext>,
    scale: ScoreScale,
) -> Survey {
    let csat_raw = number(row, "PRIMARY_SCORE");
    let nps_score = number(row, "NPS_SCORE").map(|n| n as i64);
    let category = text(row, "NPS_CATEGORY").and_then(|c| match c.to_uppercase().as_str() {
        "PROMOTER" => Some(NpsCategory::Promoter),
        "PASSIVE" => Some(NpsCategory::Passive),
        "DETRACTOR" => Some(NpsCategory::Detractor),
        _ => None,
    });
    let answers = field(row, "FEEDBACK_DETAILS")
        .and_then(Value::as_array)
        .map(|details| {
            details
                .iter()
                .map(|d| SurveyAnswer {
                    question_id: None,
                    question_text: text(d, "FIELD"),
                    score: number(d, "NUMERIC_VALUE"),
                    nps_score: None,
                    text: text(d, "TEXT_VALUE"),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = text(row, "status").map(|s| s.to_lowercase());
    let completed_at = text(row, "completedAt").as_deref().and_then(parse_lenient);
    Survey {
        vendor: crate::VENDOR.into(),
        id,
        interaction_id: contact_id,
        form_id: text(row, "surveyIdfier"),
        form_name: text(row, "surveyName"),
        partial: status.as_deref() == Some("partial"),
        status,
        completed_at,
        csat_score: csat_raw.and_then(|raw| scale.to_percent(raw)),
        csat_raw,
        csat_scale: Some(scale),
        nps_score,
        nps_category: category.or_else(|| nps_score.and_then(NpsCategory::from_score)),
        answers,
        interaction: context,
        modified_at: text(row, "lastUpdated")
            .as_deref()
            .and_then(parse_lenient)
            .or(completed_at),
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

impl Source<Survey> for Surveys {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Survey> {
        let resume = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<String>);
        paginate(resume, request.max_pages, move |cursor: Option<String>| {
            async move {
                let response = self.search(request, cursor.as_deref()).await?;
                let found: Vec<Option<Survey>> = futures::stream::iter(response.data)
                    .map(|row| self.survey(request, row).boxed())
                    .buffered(request.concurrency.max(1))
                    .try_collect()
                    .await?;
                // Stop when nextCursor is absent, empty, or the same again.
                let next = response
                    .next_cursor
                    .filter(|n| !n.is_empty() && Some(n) != cursor.as_ref());
                let mut page = Page::new(found.into_iter().flatten().collect());
                if let Some(n) = &next {
                    page = page.with_checkpoint(Checkpoint::new(n));
                }
                Ok((page, next.map(Some)))
            }
            .boxed()
        })
    }
}
