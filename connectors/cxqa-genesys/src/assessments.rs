//! `assessments`: evaluation ids from the details query (on incremental runs, from the change
//! feed: see `changes.rs`), each evaluation fetched by id
//! (`GET /api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}`) with bounded
//! concurrency, scored by core from its form version's weights and compared with `totalScore`.

use crate::api::GenesysApi;
use crate::changes::conversations_for;
use crate::details::{Conversation, ConversationEvaluation, DetailsSettings, Focus};
use crate::forms::{Form, FormCache};
use chrono::{DateTime, Utc};
use cxqa_core::model::{
    AssessedGroup, AssessedQuestion, Assessment, AssessmentKind, Tombstone, TombstoneReason,
};
use cxqa_core::score::{self, GroupInput, QuestionInput, ScoreOptions};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, Page, SourceError, Stream};
use cxqa_http::FetchOnce;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

pub const BY_ID: &str = "/api/v2/quality/conversations/{conversationId}/evaluations/{evaluationId}";

#[derive(Debug, Clone, Deserialize)]
pub struct IdRef {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub id: String,
    pub conversation: Option<IdRef>,
    pub evaluation_form: Option<IdRef>,
    pub evaluator: Option<IdRef>,
    pub agent: Option<IdRef>,
    pub calibration: Option<IdRef>,
    pub status: Option<String>,
    pub answers: Option<Answers>,
    pub agent_has_read: Option<bool>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub release_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub created_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub changed_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "cxqa_core::timestamp::deserialize_option")]
    pub submitted_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub redacted: bool,
    #[serde(default)]
    pub division_ids: Vec<String>,
    pub dispute_count: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answers {
    pub total_score: Option<f64>,
    pub comments: Option<String>,
    pub agent_comments: Option<String>,
    #[serde(default)]
    pub question_group_scores: Vec<GroupScore>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupScore {
    pub question_group_id: String,
    // Genesys spells it `markedNA`, which camelCase would not produce.
    #[serde(default, rename = "markedNA")]
    pub marked_na: bool,
    /// Marked N/A by Genesys itself (e.g. a visibility condition hid the group).
    #[serde(default, rename = "systemMarkedNA")]
    pub system_marked_na: bool,
    #[serde(default)]
    pub question_scores: Vec<QuestionScore>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionScore {
    pub question_id: String,
    pub answer_id: Option<String>,
    pub score: Option<f64>,
    // Genesys spells it `markedNA`, which camelCase would not produce.
    #[serde(default, rename = "markedNA")]
    pub marked_na: bool,
    #[serde(default, rename = "systemMarkedNA")]
    pub system_marked_na: bool,
    #[serde(default)]
    pub failed_kill_question: bool,
    pub comments: Option<String>,
    #[serde(default)]
    pub multiple_select_question_option_scores: Vec<QuestionScore>,
}

/// An evaluation fetched in this run, or why there is none.
#[derive(Debug, Clone)]
pub enum Fetched {
    Found(Arc<Evaluation>),
    /// 404: deleted since the details query saw it.
    Gone,
}

/// Evaluations by id, shared by the assessments and feedback streams of one run: each is
/// fetched once, even when both streams ask for it at the same time, and forgotten once every
/// stream of the run that reads evaluations has read it, so memory stays flat however long the
/// window.
#[derive(Default)]
pub struct EvaluationCache {
    entries: FetchOnce<String, Fetched>,
    /// Streams of this run that read evaluations, and how many have read each one.
    readers: AtomicUsize,
    reads: Mutex<HashMap<String, usize>>,
}

impl EvaluationCache {
    /// A new run, whose `readers` streams read evaluations: forget every evaluation.
    pub fn start_run(&self, readers: usize) {
        self.entries.clear();
        self.reads.lock().expect("evaluation reads").clear();
        self.readers.store(readers, Ordering::Relaxed);
    }

    pub async fn get(
        &self,
        api: &GenesysApi,
        conversation_id: &str,
        evaluation_id: &str,
    ) -> Result<Fetched, SourceError> {
        let key = evaluation_id.to_string();
        let fetched = self
            .entries
            .get_or_fetch(&key, || async {
                let path = format!(
                    "/api/v2/quality/conversations/{conversation_id}/evaluations/{evaluation_id}"
                );
                Ok(
                    match api.get_unless_gone::<Evaluation>(&path, BY_ID).await? {
                        Some(evaluation) => Fetched::Found(Arc::new(evaluation)),
                        None => Fetched::Gone,
                    },
                )
            })
            .await?;
        let mut reads = self.reads.lock().expect("evaluation reads");
        let read = reads.entry(key.clone()).or_default();
        *read += 1;
        if *read >= self.readers.load(Ordering::Relaxed) {
            // Every reader has it. The id stays counted, so a later read (an edit seen again
            // in the same run) fetches afresh and is forgotten at once.
            self.entries.remove(&key);
        }
        Ok(fetched)
    }
}

/// What the details query says about one evaluation, and what the fetch found.
pub enum Outcome {
    Live(Arc<Evaluation>, Arc<Form>),
    Tombstone(Tombstone),
    /// Hidden by a permission gap (`redacted`): neither a record nor a deletion.
    Redacted,
}

/// Fetches the evaluations of a page of conversations with bounded concurrency, in order.
/// `stored_id` names the record the stream keeps for an evaluation id: an evaluation whose last
/// event is what the store holds is not fetched again.
pub async fn fetch_page(
    api: &GenesysApi,
    forms: &FormCache,
    cache: &EvaluationCache,
    request: &ExtractRequest,
    conversations: &[Conversation],
    stored_id: fn(&str) -> String,
) -> Result<Vec<(Conversation, Outcome)>, SourceError> {
    // Owned items: references in a buffered stream's items defeat Send inference.
    let wanted: Vec<(Conversation, ConversationEvaluation)> = conversations
        .iter()
        .flat_map(|c| c.evaluations.iter().map(move |e| (c.clone(), e.clone())))
        // Incremental runs skip evaluations whose last event is older than the high-water mark,
        // and those stored as they are.
        .filter(|(_, e)| {
            request
                .modified_since
                .is_none_or(|since| e.event_time.is_none_or(|t| t >= since))
        })
        .filter(|(_, e)| {
            e.deleted
                || !request
                    .prior
                    .holds_unchanged(&stored_id(&e.evaluation_id), e.event_time)
        })
        .collect();
    futures::stream::iter(wanted)
        .map(|(conversation, summary)| {
            async move {
                let now = Utc::now();
                let tombstone = |reason| {
                    Outcome::Tombstone(Tombstone {
                        stream: Stream::Assessments,
                        vendor: crate::VENDOR.into(),
                        id: summary.evaluation_id.clone(),
                        detected_at: now,
                        reason,
                    })
                };
                if summary.deleted {
                    return Ok((conversation, tombstone(TombstoneReason::Deleted)));
                }
                let outcome = match cache
                    .get(api, &conversation.conversation_id, &summary.evaluation_id)
                    .await?
                {
                    Fetched::Gone => tombstone(TombstoneReason::NotFound),
                    Fetched::Found(e) if e.redacted => Outcome::Redacted,
                    Fetched::Found(e) if e.status.as_deref() == Some("RETRACTED") => {
                        tombstone(TombstoneReason::Retracted)
                    }
                    Fetched::Found(e) => {
                        let form_id = e
                            .evaluation_form
                            .as_ref()
                            .map(|f| f.id.clone())
                            .ok_or_else(|| SourceError::Decode {
                                vendor: crate::VENDOR.into(),
                                path: BY_ID.into(),
                                detail: format!("evaluation {} names no evaluationForm", e.id),
                            })?;
                        Outcome::Live(e, forms.version(api, &form_id).await?)
                    }
                };
                Ok::<_, SourceError>((conversation, outcome))
            }
            .boxed()
        })
        .buffered(request.concurrency.max(1))
        .try_collect()
        .await
}

pub struct Assessments {
    pub api: GenesysApi,
    pub details: DetailsSettings,
    pub forms: Arc<FormCache>,
    pub cache: Arc<EvaluationCache>,
    pub scoring: Scoring,
}

impl Assessments {
    /// `nEvaluations` over the window from the evaluation aggregates (reconciliation), per
    /// division in the logs. None when the credentials may not read aggregates.
    async fn vendor_total(&self, request: &ExtractRequest) -> Result<Option<u64>, SourceError> {
        const AGGREGATES: &str = "/api/v2/analytics/evaluations/aggregates/query";
        let f = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let body = serde_json::json!({
            "interval": format!("{}/{}", f(request.window.from), f(request.window.to)),
            "groupBy": ["divisionId"],
            "metrics": ["nEvaluations"],
        });
        let http =
            cxqa_http::Request::post(format!("{}{AGGREGATES}", self.api.api_base), AGGREGATES)
                .json(body)
                .pass_through(&[403]);
        let Ok(value) = self
            .api
            .http
            .json_or_status::<serde_json::Value>(&http, &self.api.auth)
            .await?
        else {
            tracing::info!(
                "no permission for evaluation aggregates (analytics:evaluationAggregate:view): extraction not reconciled"
            );
            return Ok(None);
        };
        let mut total = 0;
        for group in value["results"].as_array().into_iter().flatten() {
            let count: u64 = group["data"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|d| d["metrics"].as_array().into_iter().flatten())
                .filter(|m| m["metric"] == "nEvaluations")
                .filter_map(|m| m["stats"]["count"].as_u64())
                .sum();
            tracing::info!(division = %group["group"]["divisionId"].as_str().unwrap_or("-"), evaluations = count, "vendor-reported evaluations");
            total += count;
        }
        Ok(Some(total))
    }
}

impl Source<Assessment> for Assessments {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Assessment> {
        let pages = conversations_for(
            &self.api,
            &self.details,
            request,
            request.prior.checkpoint.as_ref(),
            Focus::WithEvaluations,
        );
        let pages = pages.and_then(move |page| async move {
            let fetched = fetch_page(&self.api, &self.forms, &self.cache, request, &page.records, |id| id.to_string()).await?;
            let mut records = Vec::new();
            let mut tombstones = Vec::new();
            let mut redacted = 0;
            for (conversation, outcome) in fetched {
                match outcome {
                    Outcome::Live(e, form) => records.push(to_assessment(&e, &form, &conversation, self.scoring)),
                    Outcome::Tombstone(t) => tombstones.push(t),
                    Outcome::Redacted => redacted += 1,
                }
            }
            if redacted > 0 {
                tracing::warn!(redacted, "evaluations hidden by division permissions (redacted); grant the OAuth client those divisions to extract them");
            }
            let page: Page<Assessment> = page.with_records(records);
            Ok(page.with_tombstones(tombstones))
        }.boxed());
        // A closing page carries what the vendor reports, for reconciliation.
        let closing = futures::stream::once(
            async move {
                let mut page = Page::new(Vec::new());
                page.vendor_total = self.vendor_total(request).await?;
                Ok(page)
            }
            .boxed(),
        );
        Box::pin(pages.chain(closing))
    }
}

/// Maps one evaluation against its form version and scores it with core's formula.
/// Scoring rules the reference leaves unverified, as settings.
#[derive(Debug, Clone, Copy)]
pub struct Scoring {
    /// A failed kill (fatal) question sets the total to zero (the documented guidance).
    pub failed_kill_zeroes_score: bool,
}

pub fn to_assessment(
    e: &Evaluation,
    form: &Form,
    conversation: &Conversation,
    scoring: Scoring,
) -> Assessment {
    let answers = e.answers.as_ref();
    let group_scores: HashMap<&str, &GroupScore> = answers
        .map(|a| {
            a.question_group_scores
                .iter()
                .map(|g| (g.question_group_id.as_str(), g))
                .collect()
        })
        .unwrap_or_default();
    let mut inputs = Vec::new();
    let mut groups = Vec::new();
    for group in &form.question_groups {
        let scored = group_scores.get(group.id.as_str());
        let group_na = scored.is_some_and(|g| g.marked_na || g.system_marked_na);
        let mut questions = Vec::new();
        let mut question_inputs = Vec::new();
        for question in &group.questions {
            let qs = scored.and_then(|g| {
                g.question_scores
                    .iter()
                    .find(|q| q.question_id == question.id)
            });
            let possible = question.max_points();
            let selected: Vec<String> = qs
                .map(|q| {
                    q.multiple_select_question_option_scores
                        .iter()
                        .filter(|o| o.score.unwrap_or(0.0) > 0.0)
                        .filter_map(|o| {
                            question
                                .multiple_select_option_questions
                                .iter()
                                .find(|m| m.id == o.question_id)
                        })
                        .filter_map(|m| m.text.clone())
                        .collect()
                })
                .unwrap_or_default();
            let answer = qs
                .and_then(|q| q.answer_id.as_deref())
                .and_then(|id| question.answer(id));
            let points = match qs {
                None => None,
                Some(q) if !q.multiple_select_question_option_scores.is_empty() => Some(
                    q.multiple_select_question_option_scores
                        .iter()
                        .filter_map(|o| o.score)
                        .sum(),
                ),
                // Without an answer id the question was not answered: it scores nothing and
                // leaves the denominator, whatever `score` says.
                Some(q) if q.answer_id.is_some() => answer.and_then(|a| a.value).or(q.score),
                Some(_) => None,
            };
            let not_applicable = group_na || qs.is_some_and(|q| q.marked_na || q.system_marked_na);
            let input = QuestionInput {
                points: points.filter(|_| possible.is_some()),
                possible,
                not_applicable,
                is_critical: question.is_critical.unwrap_or(false),
                is_kill: question.is_kill.unwrap_or(false),
            };
            question_inputs.push(input);
            questions.push(AssessedQuestion {
                question_id: question.id.clone(),
                text: question.text.clone(),
                kind: Some(question.kind()),
                answer_id: qs.and_then(|q| q.answer_id.clone()),
                answer_text: answer.and_then(|a| a.text.clone()),
                score: if not_applicable { None } else { points },
                max_score: possible,
                weight: None,
                not_applicable,
                is_critical: input.is_critical,
                is_kill: input.is_kill,
                failed_kill: qs.is_some_and(|q| q.failed_kill_question),
                comments: qs.and_then(|q| q.comments.clone()),
                selected_options: selected,
            });
        }
        let weight = group.weight.unwrap_or(1.0);
        let totals = score::group_totals(&question_inputs);
        groups.push(AssessedGroup {
            group_id: group.id.clone(),
            name: group.name.clone(),
            weight: group.weight,
            not_applicable: group_na,
            score: totals.map(|t| t.0),
            max_score: totals.map(|t| t.1),
            questions,
        });
        inputs.push(GroupInput {
            weight,
            not_applicable: group_na,
            questions: question_inputs,
        });
    }
    let mode = form.weight_mode();
    let outcome = score::normalize(
        &inputs,
        ScoreOptions {
            failed_kill_zeroes_score: scoring.failed_kill_zeroes_score,
            ..ScoreOptions::new(mode)
        },
    );
    // Each question's share of the total: its possible points times its group's weight.
    let total_weight: f64 = inputs
        .iter()
        .filter(|g| !g.not_applicable)
        .flat_map(|g| {
            g.questions
                .iter()
                .filter(|q| !q.not_applicable && q.points.is_some())
                .map(move |q| q.possible.unwrap_or(0.0) * group_weight(g, mode))
        })
        .sum();
    for (group, input) in groups.iter_mut().zip(&inputs) {
        for (question, q) in group.questions.iter_mut().zip(&input.questions) {
            if total_weight > 0.0 && !q.not_applicable && q.points.is_some() {
                question.weight = Some(score::round4(
                    q.possible.unwrap_or(0.0) * group_weight(input, mode) / total_weight,
                ));
            }
        }
    }
    let vendor_score = answers.and_then(|a| a.total_score);
    let kind = if e.calibration.is_some() {
        AssessmentKind::Calibration
    } else {
        AssessmentKind::Evaluation
    };
    Assessment {
        vendor: crate::VENDOR.into(),
        id: e.id.clone(),
        kind,
        status: e.status.as_deref().map(str::to_lowercase),
        interaction_id: e
            .conversation
            .as_ref()
            .map(|c| c.id.clone())
            .or_else(|| Some(conversation.conversation_id.clone())),
        segment_id: None,
        agent_id: e.agent.as_ref().map(|a| a.id.clone()),
        evaluator_id: e.evaluator.as_ref().map(|a| a.id.clone()),
        form_id: form.context_id.clone(),
        form_version: Some(form.id.clone()),
        form_name: form.name.clone(),
        released: Some(e.release_date.is_some()),
        created_at: e.created_date,
        submitted_at: e.submitted_date,
        released_at: e.release_date,
        raw_score: Some(outcome.raw_points),
        raw_max: Some(outcome.raw_possible),
        vendor_score,
        normalized_score: outcome.score,
        score_mismatch: vendor_score
            .zip(outcome.score)
            .and_then(|(v, c)| score::compare(v, c)),
        failed_critical: outcome.failed_critical,
        failed_kill: outcome.failed_kill,
        division_ids: if e.division_ids.is_empty() {
            conversation.division_ids.clone()
        } else {
            e.division_ids.clone()
        },
        question_groups: groups,
        modified_at: e.changed_date,
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

fn group_weight(group: &GroupInput, mode: cxqa_core::model::WeightMode) -> f64 {
    match mode {
        cxqa_core::model::WeightMode::Scaled => group.weight,
        cxqa_core::model::WeightMode::Unweighted => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn yes_no(id: &str, extra: Value) -> Value {
        let mut q = json!({ "id": id, "type": "multipleChoiceQuestion", "text": id,
            "answerOptions": [{ "id": format!("{id}-y"), "text": "Yes", "value": 1 }, { "id": format!("{id}-n"), "text": "No", "value": 0 }] });
        q.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        q
    }

    /// The reference's worked example form: G1 (two questions, weight w1), G2 (one, weight w2).
    fn form(id: &str, mode: &str, w1: f64, w2: f64) -> Form {
        serde_json::from_value(json!({
            "id": id, "contextId": "ctx", "name": "QA", "weightMode": mode,
            "questionGroups": [
                { "id": "g1", "weight": w1, "questions": [yes_no("q1", json!({ "isKill": true })), yes_no("q2", json!({ "isCritical": true }))] },
                { "id": "g2", "weight": w2, "naEnabled": true, "questions": [
                    yes_no("q3", json!({})),
                    { "id": "q4", "type": "multipleSelectQuestion", "text": "Behaviours", "answerOptions": [],
                      "multipleSelectOptionQuestions": [
                        { "id": "o1", "text": "Empathy", "answerOptions": [{ "id": "o1-s", "value": 1 }, { "id": "o1-u", "value": 0 }] },
                        { "id": "o2", "text": "Clarity", "answerOptions": [{ "id": "o2-s", "value": 1 }, { "id": "o2-u", "value": 0 }] }] }
                ] }
            ]
        }))
        .unwrap()
    }

    fn evaluation(form_id: &str, total: f64, q1: &str, q2: &str, g2: Value) -> Evaluation {
        serde_json::from_value(json!({
            "id": "e1", "conversation": { "id": "c1" }, "evaluationForm": { "id": form_id }, "status": "FINISHED",
            "changedDate": "2026-11-14T10:00:00.000Z",
            "answers": { "totalScore": total, "questionGroupScores": [
                { "questionGroupId": "g1", "markedNA": false, "questionScores": [
                    { "questionId": "q1", "answerId": format!("q1-{q1}"), "score": if q1 == "y" { 1 } else { 0 }, "failedKillQuestion": q1 == "n" },
                    { "questionId": "q2", "answerId": format!("q2-{q2}"), "score": if q2 == "y" { 1 } else { 0 } }] },
                g2
            ] }
        }))
        .unwrap()
    }

    fn g2_answered() -> Value {
        json!({ "questionGroupId": "g2", "markedNA": false, "questionScores": [
            { "questionId": "q3", "answerId": "q3-y", "score": 1 },
            { "questionId": "q4", "score": 1, "multipleSelectQuestionOptionScores": [
                { "questionId": "o1", "answerId": "o1-s", "score": 1 }, { "questionId": "o2", "answerId": "o2-u", "score": 0 }] }] })
    }

    fn conversation() -> Conversation {
        serde_json::from_value(json!({ "conversationId": "c1", "divisionIds": ["d1"] })).unwrap()
    }

    fn assess(form: &Form, e: &Evaluation) -> Assessment {
        to_assessment(
            e,
            form,
            &conversation(),
            Scoring {
                failed_kill_zeroes_score: true,
            },
        )
    }

    #[test]
    fn the_reference_example_with_an_na_group() {
        // yes/no in G1 (weight 40), G2 (weight 20) marked N/A: 1·40 / 2·40 = 50.
        let na = json!({ "questionGroupId": "g2", "markedNA": true, "questionScores": [] });
        let a = assess(
            &form("v1", "SCALED", 40.0, 20.0),
            &evaluation("v1", 50.0, "y", "n", na),
        );
        assert_eq!(a.normalized_score, Some(50.0));
        assert!(a.question_groups[1].not_applicable);
        assert_eq!(a.score_mismatch, None);
        assert!(a.failed_critical, "q2 is critical and answered No");
        assert!(!a.failed_kill);
    }

    #[test]
    fn weights_change_the_score_and_off_ignores_them() {
        // G1: yes, yes (2 of 2, w 40); G2: yes + one of two behaviours (2 of 3, w 20).
        let e = evaluation("v1", 0.0, "y", "y", g2_answered());
        let scaled = assess(&form("v1", "SCALED", 40.0, 20.0), &e);
        assert_eq!(
            scaled.normalized_score,
            Some(85.7143),
            "(2·40 + 2·20) / (2·40 + 3·20)"
        );
        let other_version = assess(&form("v2", "SCALED", 20.0, 40.0), &e);
        assert_eq!(
            other_version.normalized_score,
            Some(75.0),
            "(2·20 + 2·40) / (2·20 + 3·40)"
        );
        assert_eq!(other_version.form_version.as_deref(), Some("v2"));
        let off = assess(&form("v1", "OFF", 40.0, 20.0), &e);
        assert_eq!(off.normalized_score, Some(80.0), "4 of 5 points");
        assert_eq!(off.vendor_score, Some(0.0));
        assert!(
            off.score_mismatch.is_some(),
            "the vendor's 0 is kept and flagged, not hidden"
        );
    }

    #[test]
    fn multi_select_sums_its_options_and_keeps_the_choices() {
        let a = assess(
            &form("v1", "SCALED", 40.0, 20.0),
            &evaluation("v1", 85.71, "y", "y", g2_answered()),
        );
        let q4 = &a.question_groups[1].questions[1];
        assert_eq!((q4.score, q4.max_score), (Some(1.0), Some(2.0)));
        assert_eq!(q4.selected_options, vec!["Empathy"]);
        assert_eq!(
            a.score_mismatch, None,
            "85.71 is within the tolerance of 85.7143"
        );
    }

    #[test]
    fn a_failed_kill_question_zeroes_the_score_only_with_the_setting_on() {
        // q1 is a kill question answered No; everything else as in `g2_answered`.
        let form = form("v1", "SCALED", 40.0, 20.0);
        let e = evaluation("v1", 0.0, "n", "y", g2_answered());
        let on = assess(&form, &e);
        assert!(on.failed_kill);
        assert!(on.question_groups[0].questions[0].failed_kill);
        assert_eq!(
            on.normalized_score,
            Some(0.0),
            "the guidance: the evaluation fails"
        );
        assert_eq!(on.score_mismatch, None, "the vendor's 0 agrees");
        let off = to_assessment(
            &e,
            &form,
            &conversation(),
            Scoring {
                failed_kill_zeroes_score: false,
            },
        );
        assert!(off.failed_kill);
        assert_eq!(
            off.normalized_score,
            Some(57.1429),
            "(1·40 + 2·20) / (2·40 + 3·20) = 80 / 140"
        );
        assert_eq!(off.score_mismatch.unwrap().vendor_score, 0.0);
    }

    #[test]
    fn a_system_na_group_leaves_the_denominator() {
        // The reference's example with G2 (weight 20) marked N/A by Genesys itself, its q3
        // answered No and q4 left unanswered: G1 yes/no gives 1·40 of 2·40 = 50 %. Counting
        // G2 would give (1·40 + 0·20) / (2·40 + 1·20) = 40 %.
        let g2 = json!({ "questionGroupId": "g2", "markedNA": false, "systemMarkedNA": true, "questionScores": [
            { "questionId": "q3", "answerId": "q3-n", "score": 0 }] });
        let a = assess(
            &form("v1", "SCALED", 40.0, 20.0),
            &evaluation("v1", 50.0, "y", "n", g2),
        );
        assert_eq!(a.normalized_score, Some(50.0));
        assert!(a.question_groups[1].not_applicable);
        assert_eq!(a.score_mismatch, None);
    }

    #[test]
    fn a_question_without_an_answer_id_does_not_score() {
        // q2 carries a score but no answerId: unanswered. G1 counts q1 only (1 of 1, weight
        // 40) and G2 2 of 3 (weight 20): (1·40 + 2·20) / (1·40 + 3·20) = 80 / 100 = 80 %.
        // Scoring q2 would give (2·40 + 2·20) / (2·40 + 3·20) = 85.71 %.
        let mut e = evaluation("v1", 80.0, "y", "y", g2_answered());
        let answers = e.answers.as_mut().unwrap();
        answers.question_group_scores[0].question_scores[1].answer_id = None;
        let a = assess(&form("v1", "SCALED", 40.0, 20.0), &e);
        assert_eq!(a.normalized_score, Some(80.0));
        assert_eq!(a.question_groups[0].questions[1].score, None);
    }
}
