//! `surveys`: survey ids from the details query (`surveys[]`), each survey by id
//! (`GET /api/v2/quality/surveys/{surveyId}`), carrying the rated conversation's context.

use crate::api::GenesysApi;
use crate::changes::conversations_for;
use crate::details::{Conversation, DetailsSettings, Focus};
use crate::interactions::direction;
use chrono::{DateTime, Utc};
use cxqa_core::model::{
    InteractionContext, NpsCategory, ScoreScale, Survey, SurveyAnswer, Tombstone, TombstoneReason,
};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, SourceError, Stream};
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::Deserialize;

const BY_ID: &str = "/api/v2/quality/surveys/{surveyId}";

#[derive(Debug, Deserialize)]
struct IdName {
    id: Option<String>,
    name: Option<String>,
    #[serde(rename = "contextId")]
    context_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SurveyDto {
    id: String,
    conversation: Option<IdName>,
    survey_form: Option<IdName>,
    agent: Option<IdName>,
    queue: Option<IdName>,
    status: Option<String>,
    completed_date: Option<DateTime<Utc>>,
    #[serde(default)]
    missing_required_answer: bool,
    answers: Option<SurveyAnswers>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SurveyAnswers {
    total_score: Option<f64>,
    nps_score: Option<i64>,
    #[serde(default)]
    question_group_scores: Vec<GroupScores>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupScores {
    #[serde(default)]
    question_scores: Vec<QuestionScore>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QuestionScore {
    question_id: Option<String>,
    score: Option<f64>,
    nps_score: Option<i64>,
    nps_text_answer: Option<String>,
    free_text_answer: Option<String>,
    #[serde(default, rename = "markedNA")]
    marked_na: bool,
}

pub struct Surveys {
    pub api: GenesysApi,
    pub details: DetailsSettings,
}

enum Fetched {
    Found(Box<SurveyDto>),
    Gone(String),
}

impl Source<Survey> for Surveys {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Survey> {
        let pages = conversations_for(
            &self.api,
            &self.details,
            request,
            request.prior.checkpoint.as_ref(),
            Focus::WithSurveys,
        );
        Box::pin(pages.and_then(move |page| {
            async move {
                // (conversation index, survey id, partial): owned items keep Send inference happy.
                let wanted: Vec<(usize, String, bool)> = page
                    .records
                    .iter()
                    .enumerate()
                    .flat_map(|(i, c)| {
                        c.surveys
                            .iter()
                            // Incremental runs do not fetch again a survey stored as it is.
                            .filter(|s| !request.prior.holds_unchanged(&s.survey_id, s.event_time))
                            .map(move |s| {
                                (
                                    i,
                                    s.survey_id.clone(),
                                    s.survey_partial_response.unwrap_or(false),
                                )
                            })
                    })
                    .collect();
                let fetched: Vec<(usize, Fetched, bool)> = futures::stream::iter(wanted)
                    .map(|(c, id, partial)| {
                        async move {
                            let path = format!("/api/v2/quality/surveys/{id}");
                            let fetched =
                                match self.api.get_unless_gone::<SurveyDto>(&path, BY_ID).await? {
                                    Some(dto) => Fetched::Found(Box::new(dto)),
                                    None => Fetched::Gone(id),
                                };
                            Ok::<_, SourceError>((c, fetched, partial))
                        }
                        .boxed()
                    })
                    .buffered(request.concurrency.max(1))
                    .try_collect()
                    .await?;
                let mut records = Vec::new();
                let mut tombstones = Vec::new();
                for (conversation, fetched, partial) in fetched {
                    match fetched {
                        Fetched::Found(dto) => {
                            records.push(to_survey(*dto, &page.records[conversation], partial))
                        }
                        Fetched::Gone(id) => tombstones.push(Tombstone {
                            stream: Stream::Surveys,
                            vendor: crate::VENDOR.into(),
                            id,
                            detected_at: Utc::now(),
                            reason: TombstoneReason::NotFound,
                        }),
                    }
                }
                Ok(page.with_records(records).with_tombstones(tombstones))
            }
            .boxed()
        }))
    }
}

/// A survey's `totalScore` is its form's weighted score, a percentage.
const TOTAL_SCORE_SCALE: ScoreScale = ScoreScale {
    min: 0.0,
    max: 100.0,
};

pub(crate) fn to_survey(dto: SurveyDto, c: &Conversation, partial: bool) -> Survey {
    let answers = dto.answers.as_ref();
    let nps_score = answers.and_then(|a| a.nps_score);
    let csat_raw = answers.and_then(|a| a.total_score);
    Survey {
        vendor: crate::VENDOR.into(),
        id: dto.id.clone(),
        interaction_id: dto
            .conversation
            .as_ref()
            .and_then(|x| x.id.clone())
            .or_else(|| Some(c.conversation_id.clone())),
        form_id: dto
            .survey_form
            .as_ref()
            .and_then(|f| f.context_id.clone().or(f.id.clone())),
        form_name: dto.survey_form.as_ref().and_then(|f| f.name.clone()),
        status: dto.status.as_deref().map(snake),
        partial: partial || dto.missing_required_answer,
        completed_at: dto.completed_date,
        csat_score: csat_raw.and_then(|raw| TOTAL_SCORE_SCALE.to_percent(raw)),
        csat_raw,
        csat_scale: Some(TOTAL_SCORE_SCALE),
        nps_score,
        nps_category: nps_score.and_then(NpsCategory::from_score),
        answers: answers
            .map(|a| {
                a.question_group_scores
                    .iter()
                    .flat_map(|g| &g.question_scores)
                    .filter(|q| !q.marked_na)
                    .map(|q| SurveyAnswer {
                        question_id: q.question_id.clone(),
                        question_text: None,
                        score: q.score,
                        nps_score: q.nps_score,
                        text: q.free_text_answer.clone().or(q.nps_text_answer.clone()),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        interaction: Some(InteractionContext {
            agent_id: dto.agent.and_then(|a| a.id).or_else(|| c.agent_id()),
            queue_id: dto
                .queue
                .and_then(|q| q.id)
                .or_else(|| c.queue_ids().into_iter().next()),
            media_type: c.media_type(),
            direction: direction(c.originating_direction.as_deref()),
            started_at: c.conversation_start,
            ended_at: c.conversation_end,
        }),
        modified_at: dto.completed_date.or(c
            .surveys
            .iter()
            .find(|s| s.survey_id == dto.id)
            .and_then(|s| s.event_time)),
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

/// `InProgress` → `in_progress`.
pub fn snake(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.char_indices() {
        if c.is_uppercase() && i > 0 && !text[..i].ends_with(|p: char| p.is_uppercase() || p == '_')
        {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn statuses_become_snake_case() {
        assert_eq!(super::snake("InProgress"), "in_progress");
        assert_eq!(super::snake("Finished"), "finished");
        assert_eq!(super::snake("FINISHED"), "finished");
        assert_eq!(super::snake("OptOut"), "opt_out");
    }
}
