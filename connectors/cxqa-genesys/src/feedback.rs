//! `feedback`: what evaluators and agents said inside evaluations (overall, per question, the
//! agent's own comments, read and dispute state), then coaching appointments and their
//! annotations (`GET /api/v2/coaching/appointments`, `userIds` required: agents in batches).

use crate::api::{GenesysApi, Listing};
use crate::assessments::{Evaluation, EvaluationCache, Outcome, fetch_page};
use crate::changes::conversations_for;
use crate::details::{DetailsSettings, Focus};
use crate::forms::FormCache;
use chrono::{DateTime, SecondsFormat, Utc};
use cxqa_core::model::{Feedback, FeedbackKind, Tombstone, TombstoneReason};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, Stream, paginate};
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const APPOINTMENTS: &str = "/api/v2/coaching/appointments";

pub struct FeedbackItems {
    pub api: GenesysApi,
    pub details: DetailsSettings,
    pub forms: Arc<FormCache>,
    pub cache: Arc<EvaluationCache>,
    pub batch: usize,
    /// Page size of the users listing (`users_page_size`).
    pub users_page_size: u32,
    pub agents: tokio::sync::Mutex<Option<Arc<Vec<String>>>>,
}

/// Evaluations first (details-query cursor), then coaching (agent batch index).
#[derive(Debug, Serialize, Deserialize)]
enum Phase {
    Evaluations(Checkpoint),
    Coaching(usize),
}

#[derive(Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Appointment {
    id: String,
    name: Option<String>,
    description: Option<String>,
    date_start: Option<DateTime<Utc>>,
    status: Option<String>,
    facilitator: Option<IdRef>,
    #[serde(default)]
    attendees: Vec<IdRef>,
    #[serde(default)]
    conversations: Vec<IdRef>,
    date_modified: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    id: String,
    created_by: Option<IdRef>,
    date_created: Option<DateTime<Utc>>,
    date_modified: Option<DateTime<Utc>>,
    text: Option<String>,
    #[serde(default)]
    is_deleted: bool,
}

fn feedback(id: String, kind: FeedbackKind) -> Feedback {
    Feedback {
        vendor: crate::VENDOR.into(),
        id,
        kind,
        assessment_id: None,
        interaction_id: None,
        agent_id: None,
        author_id: None,
        question_id: None,
        text: None,
        occurred_at: None,
        agent_acknowledged: None,
        dispute_count: None,
        status: None,
        modified_at: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

/// A feedback record's id: its evaluation's, then what it is (`evaluator`, `agent`,
/// `question:{id}`). Every evaluation has the `evaluator` one.
fn feedback_id(evaluation_id: &str, suffix: &str) -> String {
    format!("{evaluation_id}:{suffix}")
}

/// The feedback inside one evaluation.
pub(crate) fn from_evaluation(e: &Evaluation) -> Vec<Feedback> {
    let base = |suffix: &str, kind: FeedbackKind| Feedback {
        assessment_id: Some(e.id.clone()),
        interaction_id: e.conversation.as_ref().map(|c| c.id.clone()),
        agent_id: e.agent.as_ref().map(|a| a.id.clone()),
        author_id: e.evaluator.as_ref().map(|a| a.id.clone()),
        occurred_at: e.submitted_date.or(e.changed_date),
        agent_acknowledged: e.agent_has_read,
        status: e.status.as_deref().map(str::to_lowercase),
        modified_at: e.changed_date,
        ..feedback(feedback_id(&e.id, suffix), kind)
    };
    let answers = e.answers.as_ref();
    let mut out = vec![Feedback {
        text: answers.and_then(|a| a.comments.clone()),
        dispute_count: e.dispute_count,
        ..base("evaluator", FeedbackKind::EvaluatorComment)
    }];
    for question in answers
        .into_iter()
        .flat_map(|a| &a.question_group_scores)
        .flat_map(|g| &g.question_scores)
    {
        if let Some(text) = &question.comments {
            out.push(Feedback {
                question_id: Some(question.question_id.clone()),
                text: Some(text.clone()),
                ..base(
                    &format!("question:{}", question.question_id),
                    FeedbackKind::QuestionComment,
                )
            });
        }
    }
    if let Some(text) = answers.and_then(|a| a.agent_comments.clone()) {
        out.push(Feedback {
            author_id: e.agent.as_ref().map(|a| a.id.clone()),
            text: Some(text),
            ..base("agent", FeedbackKind::AgentComment)
        });
    }
    out
}

impl FeedbackItems {
    /// Every user id (any state), read once per run.
    async fn agent_ids(&self) -> Result<Arc<Vec<String>>, SourceError> {
        let mut agents = self.agents.lock().await;
        if let Some(ids) = agents.as_ref() {
            return Ok(ids.clone());
        }
        let mut ids = Vec::new();
        let mut next = Some(format!(
            "/api/v2/users?pageSize={}&pageNumber=1&state=any",
            self.users_page_size
        ));
        while let Some(path) = next {
            let listing: Listing<IdRef> =
                self.api.json(&self.api.get(&path, "/api/v2/users")).await?;
            ids.extend(listing.entities.into_iter().map(|u| u.id));
            next = listing.next_uri;
        }
        let ids = Arc::new(ids);
        *agents = Some(ids.clone());
        Ok(ids)
    }

    /// Forgets the users read by an earlier run.
    pub async fn start_run(&self) {
        *self.agents.lock().await = None;
    }

    /// Appointments (and their annotations) of one batch of agents in the window.
    async fn coaching(
        &self,
        request: &ExtractRequest,
        agents: &[String],
    ) -> Result<Page<Feedback>, SourceError> {
        let f = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut query: String = agents.iter().map(|a| format!("userIds={a}&")).collect();
        query.push_str(&format!(
            "interval={}/{}&pageSize=100",
            f(request.window.from),
            f(request.window.to)
        ));
        let mut appointments = Vec::new();
        let mut next = Some(format!("{APPOINTMENTS}?{query}&pageNumber=1"));
        while let Some(path) = next {
            let listing: Listing<Appointment> =
                self.api.json(&self.api.get(&path, APPOINTMENTS)).await?;
            appointments.extend(listing.entities);
            next = listing.next_uri;
        }
        let ids: Vec<String> = appointments.iter().map(|a| a.id.clone()).collect();
        let annotations: Vec<Vec<Annotation>> = futures::stream::iter(ids)
            .map(|id| {
                async move {
                    let path = format!("{APPOINTMENTS}/{id}/annotations?pageSize=100");
                    let listing: Listing<Annotation> = self
                        .api
                        .json(&self.api.get(
                            &path,
                            &format!("{APPOINTMENTS}/{{appointmentId}}/annotations"),
                        ))
                        .await?;
                    Ok::<_, SourceError>(listing.entities)
                }
                .boxed()
            })
            .buffered(request.concurrency.max(1))
            .try_collect()
            .await?;
        let mut records = Vec::new();
        let mut tombstones = Vec::new();
        for (appointment, notes) in appointments.iter().zip(annotations) {
            let agent_id = appointment.attendees.first().map(|a| a.id.clone());
            let interaction_id = appointment.conversations.first().map(|c| c.id.clone());
            records.push(Feedback {
                agent_id: agent_id.clone(),
                interaction_id: interaction_id.clone(),
                author_id: appointment.facilitator.as_ref().map(|f| f.id.clone()),
                text: appointment.name.clone().or(appointment.description.clone()),
                occurred_at: appointment.date_start,
                status: appointment.status.as_deref().map(crate::surveys::snake),
                modified_at: appointment.date_modified,
                ..feedback(
                    format!("appointment:{}", appointment.id),
                    FeedbackKind::CoachingAppointment,
                )
            });
            for note in notes {
                let id = format!("annotation:{}", note.id);
                if note.is_deleted {
                    tombstones.push(Tombstone {
                        stream: Stream::Feedback,
                        vendor: crate::VENDOR.into(),
                        id,
                        detected_at: Utc::now(),
                        reason: TombstoneReason::Deleted,
                    });
                    continue;
                }
                records.push(Feedback {
                    agent_id: agent_id.clone(),
                    interaction_id: interaction_id.clone(),
                    author_id: note.created_by.map(|c| c.id),
                    text: note.text,
                    occurred_at: note.date_created,
                    modified_at: note.date_modified,
                    ..feedback(id, FeedbackKind::CoachingNote)
                });
            }
        }
        Ok(Page::new(records).with_tombstones(tombstones))
    }
}

impl Source<Feedback> for FeedbackItems {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Feedback> {
        let resume = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<Phase>);
        let (evaluations_from, coaching_from) = match resume {
            Some(Phase::Coaching(batch)) => (None, batch),
            Some(Phase::Evaluations(checkpoint)) => (Some(Some(checkpoint)), 0),
            None => (Some(None), 0),
        };
        let evaluation_pages: PageStream<'a, Feedback> = match evaluations_from {
            None => Box::pin(futures::stream::empty()),
            Some(resume) => {
                let pages = conversations_for(
                    &self.api,
                    &self.details,
                    request,
                    resume.as_ref(),
                    Focus::WithEvaluations,
                );
                Box::pin(pages.and_then(move |page| {
                    async move {
                        let fetched = fetch_page(
                            &self.api,
                            &self.forms,
                            &self.cache,
                            request,
                            &page.records,
                            |id| feedback_id(id, "evaluator"),
                        )
                        .await?;
                        let records = fetched
                            .iter()
                            .filter_map(|(_, outcome)| match outcome {
                                Outcome::Live(e, _) => Some(from_evaluation(e)),
                                _ => None,
                            })
                            .flatten()
                            .collect();
                        let checkpoint = Checkpoint::new(match page.checkpoint.clone() {
                            Some(inner) => Phase::Evaluations(inner),
                            None => Phase::Coaching(0),
                        });
                        let mut page = page.with_records(records);
                        page.checkpoint = Some(checkpoint);
                        Ok(page)
                    }
                    .boxed()
                }))
            }
        };
        let coaching_pages = paginate(coaching_from, request.max_pages, move |batch: usize| {
            async move {
                let agents = self.agent_ids().await?;
                let chunk: Vec<String> = agents
                    .iter()
                    .skip(batch * self.batch)
                    .take(self.batch)
                    .cloned()
                    .collect();
                if chunk.is_empty() {
                    return Ok((Page::new(Vec::new()), None));
                }
                let more = (batch + 1) * self.batch < agents.len();
                let page = self.coaching(request, &chunk).await?;
                let page = if more {
                    page.with_checkpoint(Checkpoint::new(Phase::Coaching(batch + 1)))
                } else {
                    page
                };
                Ok((page, more.then_some(batch + 1)))
            }
            .boxed()
        });
        Box::pin(evaluation_pages.chain(coaching_pages))
    }
}
