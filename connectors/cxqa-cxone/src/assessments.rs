//! `assessments` from the QM workflows of each chunk, scored from the rubric; Deleted/Replaced
//! statuses and ids a re-extraction no longer holds become tombstones.

use crate::extraction::Row;
use crate::qm::*;
use crate::scope::{Scope, Scopes};
use chrono::{DateTime, Utc};
use cxqa_core::model::{
    AssessedGroup, AssessedQuestion, Assessment, AssessmentKind, QuestionKind, Tombstone,
    TombstoneReason, WeightMode,
};
use cxqa_core::score::{self, GroupInput, QuestionInput, ScoreOptions};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, Page, SourceError, Stream, WindowIds};
use futures::{FutureExt, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

fn assessment(
    row: &Row,
    answers: &[Row],
    rubrics: &BTreeMap<(String, String), Rubric>,
) -> Option<Assessment> {
    let id = text(row, "workflowid")?;
    let form = answers
        .first()
        .and_then(|a| Some((text(a, "formid")?, text(a, "formversion")?)));
    let rubric = form.as_ref().and_then(|key| rubrics.get(key));
    let mut groups = Vec::new();
    let mut inputs = Vec::new();
    if let Some(rubric) = rubric {
        for (section_id, section, questions) in rubric.sections() {
            let mut assessed = Vec::new();
            let mut question_inputs = Vec::new();
            for q in questions {
                let answer = answers
                    .iter()
                    .find(|a| text(a, "questionid").as_deref() == Some(q.id.as_str()));
                let answer_text = answer.and_then(|a| text(a, "answer"));
                let not_applicable = answer_text
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("n/a"));
                let points = answer.and_then(|a| number(a, "actualscore"));
                let possible = q.max.filter(|_| q.scorable);
                question_inputs.push(QuestionInput {
                    points,
                    possible,
                    not_applicable,
                    is_critical: q.critical,
                    is_kill: false,
                });
                assessed.push(AssessedQuestion {
                    question_id: q.id.clone(),
                    text: q.title.clone(),
                    kind: Some(q.kind.clone()),
                    answer_id: None,
                    answer_text: answer_text.clone(),
                    score: points,
                    max_score: q.max,
                    weight: None,
                    not_applicable,
                    is_critical: q.critical,
                    is_kill: false,
                    failed_kill: false,
                    comments: None,
                    selected_options: if q.kind == QuestionKind::MultipleSelect {
                        answer_text
                            .iter()
                            .flat_map(|t| t.split(';'))
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    } else {
                        Vec::new()
                    },
                });
            }
            let totals = score::group_totals(&question_inputs);
            groups.push(AssessedGroup {
                group_id: section_id,
                name: section,
                weight: None,
                not_applicable: !question_inputs.is_empty()
                    && question_inputs.iter().all(|q| q.not_applicable),
                score: totals.map(|t| t.0),
                max_score: totals.map(|t| t.1),
                questions: assessed,
            });
            inputs.push(GroupInput {
                weight: 1.0,
                not_applicable: false,
                questions: question_inputs,
            });
        }
    }
    // CXone: derived weights reduce to Σ points / Σ possible over the questions that count.
    // Whether a critical question failed is CXone's call (its Failed Critical Question column:
    // "the evaluation form score is set to zero"); only without the column is any critical
    // answer below its maximum taken as a failure.
    let vendor_failed_critical = flag(row, "failedcriticalquestion");
    let options = ScoreOptions {
        failed_critical_zeroes_score: vendor_failed_critical.is_none(),
        ..ScoreOptions::new(WeightMode::Unweighted)
    };
    let outcome = score::normalize(&inputs, options);
    let failed_critical = vendor_failed_critical.unwrap_or(outcome.failed_critical);
    let normalized = rubric
        .and(outcome.score)
        .map(|s| if failed_critical { 0.0 } else { s });
    // Each counted question's share of what was possible; N/A and unanswered ones have none,
    // so the weights agree with `normalized_score`.
    let counted: f64 = inputs
        .iter()
        .flat_map(|g| &g.questions)
        .filter(|q| !q.not_applicable && q.points.is_some())
        .filter_map(|q| q.possible)
        .sum();
    for (group, input) in groups.iter_mut().zip(&inputs) {
        for (question, q) in group.questions.iter_mut().zip(&input.questions) {
            if counted > 0.0 && !q.not_applicable && q.points.is_some() {
                question.weight = q.possible.map(|p| score::round4(p / counted));
            }
        }
    }
    let vendor_score = number(row, "scorepercentage").or_else(|| number(row, "scorepercentage%"));
    let kind = match text(row, "type").map(|t| t.to_lowercase()).as_deref() {
        Some("evaluation") | None => AssessmentKind::Evaluation,
        Some("self-assessment" | "self assessment" | "selfassessment") => {
            AssessmentKind::SelfAssessment
        }
        Some("calibration" | "collaborative") => AssessmentKind::Calibration,
        Some(other) => AssessmentKind::Other(other.to_string()),
    };
    Some(Assessment {
        vendor: crate::VENDOR.into(),
        id,
        kind,
        status: text(row, "workflowstatus").as_deref().map(snake),
        interaction_id: text(row, "acdid"),
        segment_id: text(row, "segmentid"),
        agent_id: text(row, "agentid"),
        evaluator_id: None,
        form_id: form.as_ref().map(|f| f.0.clone()),
        form_version: text(row, "formversion").or(form.map(|f| f.1)),
        form_name: text(row, "formname"),
        released: None,
        created_at: time(row, "startdate"),
        submitted_at: time(row, "submissiondate"),
        released_at: None,
        raw_score: number(row, "score"),
        raw_max: number(row, "maximumpossiblescore"),
        vendor_score,
        normalized_score: normalized,
        score_mismatch: vendor_score
            .zip(normalized)
            .and_then(|(v, c)| score::compare(v, c)),
        failed_critical,
        failed_kill: false,
        division_ids: Vec::new(),
        question_groups: groups,
        modified_at: time(row, "lastupdated"),
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    })
}

fn tombstone(stream: Stream, id: String, reason: TombstoneReason, at: DateTime<Utc>) -> Tombstone {
    Tombstone {
        stream,
        vendor: crate::VENDOR.into(),
        id,
        detected_at: at,
        reason,
    }
}

/// The assessments of one page of a chunk, with tombstones for what was deleted; the chunk's
/// last page adds tombstones for what disappeared and reports the ids of each day. The ids are
/// remembered per submission day (the extraction's filter), so they stay comparable however
/// later runs chunk their windows.
pub fn assessments_page(slice: &QmSlice<'_>, request: &ExtractRequest) -> Page<Assessment> {
    let chunk = slice.chunk;
    let mut records = Vec::new();
    let mut tombstones = Vec::new();
    // A tombstone retracts something delivered before: only ids remembered for these days.
    let known: BTreeSet<&String> = chunk
        .days
        .iter()
        .filter_map(|day| request.prior.known_ids.get(&WindowIds::day_key(day)))
        .flatten()
        .collect();
    let empty = Vec::new();
    for row in &slice.workflows {
        let Some(id) = text(row, "workflowid") else {
            continue;
        };
        let status = text(row, "workflowstatus")
            .map(|s| snake(&s))
            .unwrap_or_default();
        if DELETED_STATUSES.contains(&status.as_str()) {
            if known.contains(&id) {
                tombstones.push(tombstone(
                    Stream::Assessments,
                    id,
                    TombstoneReason::Deleted,
                    Utc::now(),
                ));
            }
            continue;
        }
        let modified = time(row, "lastupdated");
        let answers = slice.answers.get(&id).unwrap_or(&empty);
        if let Some(a) = assessment(row, answers, &chunk.rubrics) {
            // Incremental runs deliver what changed since the high-water mark minus the
            // look-back, and not what the store holds as it is.
            let changed = request
                .modified_since
                .is_none_or(|since| modified.is_none_or(|m| m >= since));
            if changed && !request.prior.holds_unchanged(&id, modified) {
                records.push(a);
            }
        }
    }
    if !slice.last {
        return Page::new(records).with_tombstones(tombstones);
    }
    let all_live: BTreeSet<&String> = chunk.live.values().flatten().collect();
    for gone in known
        .into_iter()
        .filter(|id| !all_live.contains(id) && !chunk.deleted.contains(*id))
    {
        tombstones.push(tombstone(
            Stream::Assessments,
            gone.clone(),
            TombstoneReason::AbsentFromReextraction,
            Utc::now(),
        ));
    }
    let mut page = Page::new(records).with_tombstones(tombstones);
    page.window_ids = chunk
        .live
        .iter()
        .map(|(day, ids)| WindowIds::day(*day, ids.clone()))
        .collect();
    page
}

pub struct Assessments {
    pub qm: Arc<Qm>,
    pub scopes: Arc<Scopes>,
}

impl Source<Assessment> for Assessments {
    /// Each page's assessments take their division from their contact, and the filters apply
    /// to the contact's agent, skill and division.
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Assessment> {
        Box::pin(
            self.qm
                .pages(request, Reads::Workflows, assessments_page)
                .and_then(move |mut page| {
                    async move {
                        let scoped: Vec<Option<Assessment>> =
                            futures::stream::iter(std::mem::take(&mut page.records))
                                .map(|a| self.scoped(request, a).boxed())
                                .buffered(request.concurrency.max(1))
                                .try_collect()
                                .await?;
                        page.records = scoped.into_iter().flatten().collect();
                        Ok(page)
                    }
                    .boxed()
                }),
        )
    }
}

impl Assessments {
    /// The assessment with its contact's division, or None when the filters leave it out.
    async fn scoped(
        &self,
        request: &ExtractRequest,
        mut a: Assessment,
    ) -> Result<Option<Assessment>, SourceError> {
        let contact = match &a.interaction_id {
            Some(id) => self.scopes.of(id, request.window).await?,
            None => None,
        };
        let scope = Scope {
            agent: a.agent_id.clone(),
            ..contact.unwrap_or_default()
        };
        if !scope.passes(&request.filters) {
            return Ok(None);
        }
        a.division_ids = scope.division.into_iter().collect();
        Ok(Some(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extraction::Extraction;
    use cxqa_core::Window;
    use std::collections::HashMap;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (crate::extraction::normalize_header(k), v.to_string()))
            .collect()
    }

    fn question(
        workflow: &str,
        id: &str,
        section: &str,
        actual: &str,
        max: &str,
        critical: &str,
        answer: &str,
    ) -> Row {
        row(&[
            ("Form ID", "F1"),
            ("Form Version", "3"),
            ("Form Name", "QA"),
            ("Question ID", id),
            ("Question Number", id),
            ("Section ID", section),
            ("Actual Score", actual),
            ("Max Score", max),
            ("Critical", critical),
            ("Scorable", "TRUE"),
            ("Answer", answer),
            ("WorkflowInstance ID", workflow),
            ("Question Type", "Yes/No"),
        ])
    }

    fn workflow(id: &str, percent: &str, failed: &str) -> Row {
        workflow_with(id, percent, Some(failed), &[])
    }

    /// A workflow row; without the Failed Critical Question column when `failed` is None.
    fn workflow_with(id: &str, percent: &str, failed: Option<&str>, more: &[(&str, &str)]) -> Row {
        let mut pairs = vec![
            ("Workflow ID", id),
            ("Workflow Status", "Completed"),
            ("Score Percentage", percent),
            ("Last Updated", "2026-11-14 10:00:00"),
            ("Type", "Evaluation"),
        ];
        pairs.extend(failed.map(|f| ("Failed Critical Question", f)));
        pairs.extend_from_slice(more);
        row(&pairs)
    }

    #[test]
    fn rubric_scores_with_derived_weights_and_the_critical_rule() {
        // Q2 is critical (a property of the form, the same on every row).
        let chunk = QmChunk::of_rows(
            days("2026-11-14", "2026-11-15"),
            &[
                workflow("w1", "83.33", "FALSE"),
                workflow("w2", "0.00", "TRUE"),
                workflow("w3", "50.00", "FALSE"),
            ],
            &[
                question("w1", "1", "S1", "1", "1", "FALSE", "Yes"),
                question("w1", "2", "S2", "3", "3", "TRUE", "Fully"),
                question("w1", "3", "S2", "1", "2", "FALSE", "Partly"),
                question("w2", "1", "S1", "1", "1", "FALSE", "Yes"),
                question("w2", "2", "S2", "0", "3", "TRUE", "No"),
                question("w2", "3", "S2", "2", "2", "FALSE", "Yes"),
                question("w3", "1", "S1", "", "1", "FALSE", "N/A"),
                question("w3", "2", "S2", "3", "3", "TRUE", "Fully"),
                question("w3", "3", "S2", "0", "2", "FALSE", "No"),
            ],
        );
        let page = assessments_page(
            &chunk.whole(),
            &ExtractRequest::new(Window::new(Utc::now(), Utc::now())),
        );
        let by_id: HashMap<&str, &Assessment> =
            page.records.iter().map(|a| (a.id.as_str(), a)).collect();
        assert_eq!(by_id["w1"].normalized_score, Some(83.3333));
        assert_eq!(
            by_id["w1"].score_mismatch, None,
            "83.33 is within the tolerance"
        );
        assert_eq!(
            by_id["w1"].question_groups[1].questions[0].weight,
            Some(0.5),
            "max 3 of 6"
        );
        assert_eq!(
            by_id["w2"].normalized_score,
            Some(0.0),
            "a failed critical question zeroes the score"
        );
        // N/A is left out: 3 of 5 — and the vendor's 50 disagrees, so it is flagged.
        assert_eq!(by_id["w3"].normalized_score, Some(60.0));
        assert!(by_id["w3"].score_mismatch.is_some());
        assert_eq!(page.window_ids.len(), 1);
        assert_eq!(page.window_ids[0].ids.len(), 3);
    }

    fn days(from: &str, to: &str) -> Days {
        Days {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
        }
    }

    fn submitted(id: &str, at: &str) -> Row {
        workflow_with(id, "100", Some("FALSE"), &[("Submission Date", at)])
    }

    #[test]
    fn ids_are_remembered_per_submission_day_whatever_the_chunking() {
        // A week-long chunk files each id under its submission day.
        let week = QmChunk::of_rows(
            days("2026-11-14", "2026-11-21"),
            &[
                submitted("w1", "2026-11-14 09:00:00"),
                submitted("w2", "2026-11-16 09:00:00"),
            ],
            &[],
        );
        let request = ExtractRequest::new(Window::new(Utc::now(), Utc::now()));
        let page = assessments_page(&week.whole(), &request);
        let remembered: BTreeMap<String, BTreeSet<String>> = page
            .window_ids
            .into_iter()
            .map(|w| (w.key, w.ids))
            .collect();
        assert_eq!(
            remembered.len(),
            7,
            "every day of the chunk, empty ones too"
        );
        assert_eq!(remembered["2026-11-14"], BTreeSet::from(["w1".to_string()]));
        assert_eq!(remembered["2026-11-16"], BTreeSet::from(["w2".to_string()]));
        // A later run chunks from another day: the days still line up, and the one that
        // vanished from 14 November is a tombstone.
        let mut later = request.clone();
        later.prior.known_ids = remembered;
        let shifted = QmChunk::of_rows(
            days("2026-11-13", "2026-11-20"),
            &[submitted("w2", "2026-11-16 09:00:00")],
            &[],
        );
        let page = assessments_page(&shifted.whole(), &later);
        let gone: Vec<&str> = page.tombstones.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(gone, vec!["w1"]);
    }

    #[test]
    fn a_critical_question_fails_only_when_cxone_says_so() {
        // Q2 is critical and answered "Partly" (1 of 3), but CXone's Failed Critical Question
        // column is FALSE: the score is the weighted one, (1 + 1 + 2) / (1 + 3 + 2) = 66.67 %,
        // not 0. Without the column, a critical answer below its maximum counts as failed.
        let questions = vec![
            question("w1", "1", "S1", "1", "1", "FALSE", "Yes"),
            question("w1", "2", "S2", "1", "3", "TRUE", "Partly"),
            question("w1", "3", "S2", "2", "2", "FALSE", "Yes"),
        ];
        let request = ExtractRequest::new(Window::new(Utc::now(), Utc::now()));
        let day = days("2026-11-14", "2026-11-15");
        let chunk = QmChunk::of_rows(day, &[workflow("w1", "66.67", "FALSE")], &questions);
        let page = assessments_page(&chunk.whole(), &request);
        assert_eq!(page.records[0].normalized_score, Some(66.6667));
        assert!(!page.records[0].failed_critical);
        let without_column = workflow_with("w1", "0", None, &[]);
        let chunk = QmChunk::of_rows(day, &[without_column], &questions);
        let page = assessments_page(&chunk.whole(), &request);
        assert_eq!(page.records[0].normalized_score, Some(0.0));
        assert!(page.records[0].failed_critical);
    }

    #[test]
    fn question_weights_leave_out_na_questions_and_agree_with_the_score() {
        // w3 answers Q1 N/A, Q2 3 of 3, Q3 0 of 2: the score is 3 / 5 = 60 %, so the weights
        // are Q2 3/5 and Q3 2/5, and N/A Q1 has none (it would have 1/6 over the whole form).
        let chunk = QmChunk::of_rows(
            days("2026-11-14", "2026-11-15"),
            &[workflow("w3", "60.00", "FALSE")],
            &[
                question("w3", "1", "S1", "", "1", "FALSE", "N/A"),
                question("w3", "2", "S2", "3", "3", "TRUE", "Fully"),
                question("w3", "3", "S2", "0", "2", "FALSE", "No"),
            ],
        );
        let request = ExtractRequest::new(Window::new(Utc::now(), Utc::now()));
        let page = assessments_page(&chunk.whole(), &request);
        let a = &page.records[0];
        assert_eq!(a.normalized_score, Some(60.0));
        let weights: Vec<Option<f64>> = a
            .question_groups
            .iter()
            .flat_map(|g| &g.questions)
            .map(|q| q.weight)
            .collect();
        assert_eq!(weights, vec![None, Some(0.6), Some(0.4)]);
    }

    #[test]
    fn ids_missing_from_a_reextraction_become_tombstones() {
        let chunk = QmChunk::of_rows(
            days("2026-11-14", "2026-11-15"),
            &[workflow("w1", "100", "FALSE")],
            &[question("w1", "1", "S1", "1", "1", "FALSE", "Yes")],
        );
        let mut request = ExtractRequest::new(Window::new(Utc::now(), Utc::now()));
        request.prior.known_ids.insert(
            "2026-11-14".into(),
            ["w1", "w9"].iter().map(|s| s.to_string()).collect(),
        );
        let page = assessments_page(&chunk.whole(), &request);
        assert_eq!(page.tombstones.len(), 1);
        assert_eq!(page.tombstones[0].id, "w9");
        assert_eq!(
            page.tombstones[0].reason,
            TombstoneReason::AbsentFromReextraction
        );
    }

    fn test_api() -> crate::api::CxoneApi {
        let config: crate::config::CxoneConfig = serde_json::from_value(serde_json::json!({
            "client_id": "a", "client_secret": "b", "access_key_id": "c", "access_key_secret": "d"
        }))
        .unwrap();
        let http = cxqa_http::HttpClient::new(
            "cxone",
            &cxqa_http::HttpSettings::default(),
            cxqa_core::events::discard(),
            Arc::new(cxqa_http::GenericErrors),
        )
        .unwrap();
        crate::api::CxoneApi::new(http, &config, std::time::Duration::from_secs(60))
    }

    #[test]
    fn chunks_cover_whole_days() {
        let qm = Qm::new(
            Extraction::new(
                test_api(),
                crate::extraction::ExtractionSettings {
                    spacing: std::time::Duration::ZERO,
                    poll: std::time::Duration::ZERO,
                    timeout: std::time::Duration::ZERO,
                },
            ),
            ("a".into(), "4".into()),
            ("b".into(), "1".into()),
            1,
        );
        let window = Window::new(
            "2026-11-13T12:00:00Z".parse().unwrap(),
            "2026-11-15T12:00:00Z".parse().unwrap(),
        );
        let chunks = qm.chunks(window);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].0.to_string(), "2026-11-13");
        assert_eq!(chunks[2].1.to_string(), "2026-11-16");
    }
}
