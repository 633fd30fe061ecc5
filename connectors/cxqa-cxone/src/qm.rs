//! QM through Data Extraction: per window chunk, a `qm-workflows` job (one row per workflow) and
//! the separate rubric fetch, a `qm-questions` job (one row per answered question). The rubric of
//! each (form id, form version) is built from the question rows: questions, sections, max scores
//! and derived weights (max score / Σ max score of the scorable questions).
//!
//! CXone has no deleted flag: an id remembered for a chunk that a re-extraction no longer holds
//! becomes a tombstone (`absent_from_reextraction`); Deleted/Replaced statuses become tombstones too.

use crate::extraction::{Extraction, Row};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cxqa_core::model::{
    AssessedGroup, AssessedQuestion, Assessment, AssessmentForm, AssessmentKind, Feedback,
    FeedbackKind, FormQuestion, FormQuestionGroup, QuestionKind, Tombstone, TombstoneReason,
    WeightMode,
};
use cxqa_core::score::{self, GroupInput, QuestionInput, ScoreOptions};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{
    Checkpoint, ExtractRequest, Page, SourceError, Stream, Window, WindowIds, paginate,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The two extractions of one chunk.
#[derive(Debug)]
pub struct QmChunk {
    pub workflows: Vec<Row>,
    pub questions: Vec<Row>,
}

pub struct Qm {
    pub extraction: Extraction,
    pub workflows: (String, String),
    pub questions: (String, String),
    pub chunk_days: u32,
    cache: tokio::sync::Mutex<HashMap<(NaiveDate, NaiveDate), Arc<QmChunk>>>,
}

impl Qm {
    pub fn new(
        extraction: Extraction,
        workflows: (String, String),
        questions: (String, String),
        chunk_days: u32,
    ) -> Self {
        Qm {
            extraction,
            workflows,
            questions,
            chunk_days,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Whole UTC days covering the window, `chunk_days` at a time (extractions filter by date).
    pub fn chunks(&self, window: Window) -> Vec<(NaiveDate, NaiveDate)> {
        let first = window.from.date_naive();
        let last = (window.to - Duration::nanoseconds(1)).date_naive();
        let mut out = Vec::new();
        let mut start = first;
        while start <= last {
            let end =
                (start + Duration::days(i64::from(self.chunk_days))).min(last + Duration::days(1));
            out.push((start, end));
            start = end;
        }
        out
    }

    /// Both extractions of a chunk, run once per connector (assessments, feedback and forms share them).
    pub async fn chunk(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Arc<QmChunk>, SourceError> {
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.get(&(start, end)) {
            return Ok(hit.clone());
        }
        let workflows = self
            .extraction
            .rows(&self.workflows.0, &self.workflows.1, start, end)
            .await?;
        let questions = self
            .extraction
            .rows(&self.questions.0, &self.questions.1, start, end)
            .await?;
        let chunk = Arc::new(QmChunk {
            workflows,
            questions,
        });
        cache.insert((start, end), chunk.clone());
        Ok(chunk)
    }

    /// A page per chunk; the checkpoint is the next chunk's index.
    fn pages<'a, T: Send + 'a>(
        &'a self,
        request: &'a ExtractRequest,
        build: impl Fn(&QmChunk, &str, &ExtractRequest) -> Page<T> + Send + Sync + 'a,
    ) -> PageStream<'a, T> {
        let chunks = self.chunks(request.window);
        let start = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<usize>)
            .unwrap_or(0);
        let build = Arc::new(build);
        paginate(start, request.max_pages, move |index: usize| {
            let chunks = chunks.clone();
            let build = build.clone();
            Box::pin(async move {
                let Some(&(from, to)) = chunks.get(index) else {
                    return Ok((Page::new(Vec::new()), None));
                };
                let data = self.chunk(from, to).await?;
                let page = build(&data, &format!("{from}/{to}"), request);
                let next = (index + 1 < chunks.len()).then_some(index + 1);
                let page = match next {
                    Some(n) => page.with_checkpoint(Checkpoint::new(n)),
                    None => page,
                };
                Ok((page, next))
            })
                as futures::future::BoxFuture<'a, Result<(Page<T>, Option<usize>), SourceError>>
        })
    }
}

fn text(row: &Row, key: &str) -> Option<String> {
    row.get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn number(row: &Row, key: &str) -> Option<f64> {
    text(row, key).and_then(|v| v.trim_end_matches('%').parse().ok())
}

fn flag(row: &Row, key: &str) -> Option<bool> {
    match text(row, key)?.to_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn time(row: &Row, key: &str) -> Option<DateTime<Utc>> {
    text(row, key).as_deref().and_then(parse_lenient)
}

/// `Completed Self Assessment` → `completed_self_assessment`.
fn snake(value: &str) -> String {
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

const DELETED_STATUSES: [&str; 3] = ["deleted", "deleted_expired", "replaced"];

/// One question of a form version as the question rows show it.
#[derive(Debug, Clone)]
struct RubricQuestion {
    id: String,
    number: u32,
    section_id: String,
    section: Option<String>,
    title: Option<String>,
    kind: QuestionKind,
    max: Option<f64>,
    critical: bool,
    scorable: bool,
    mandatory: bool,
    options: Vec<String>,
}

#[derive(Debug, Clone)]
struct Rubric {
    form_id: String,
    form_name: Option<String>,
    version: String,
    questions: Vec<RubricQuestion>,
}

impl Rubric {
    /// Sections in question order, each with its questions.
    fn sections(&self) -> Vec<(String, Option<String>, Vec<&RubricQuestion>)> {
        let mut out: Vec<(String, Option<String>, Vec<&RubricQuestion>)> = Vec::new();
        for q in &self.questions {
            match out.iter_mut().find(|(id, _, _)| *id == q.section_id) {
                Some(section) => section.2.push(q),
                None => out.push((q.section_id.clone(), q.section.clone(), vec![q])),
            }
        }
        out
    }

    /// max score / Σ max score over scorable questions.
    fn weight(&self, question: &RubricQuestion) -> Option<f64> {
        let total: f64 = self
            .questions
            .iter()
            .filter(|q| q.scorable)
            .filter_map(|q| q.max)
            .sum();
        (question.scorable && total > 0.0)
            .then(|| score::round4(question.max.unwrap_or(0.0) / total))
    }
}

fn question_kind(row: &Row) -> QuestionKind {
    match text(row, "questiontype")
        .map(|t| t.to_lowercase())
        .as_deref()
    {
        Some("yes/no" | "multiple choice" | "dropdown" | "radio") => QuestionKind::MultipleChoice,
        Some("multiple select" | "checkbox") => QuestionKind::MultipleSelect,
        Some("free text" | "text") => QuestionKind::FreeText,
        Some("rating scale" | "nps") => QuestionKind::Nps,
        Some(other) => QuestionKind::Other(other.to_string()),
        None => QuestionKind::Other("unknown".into()),
    }
}

/// Rubrics keyed by (form id, version), from every question row of a chunk.
fn rubrics(questions: &[Row]) -> BTreeMap<(String, String), Rubric> {
    let mut out: BTreeMap<(String, String), Rubric> = BTreeMap::new();
    for row in questions {
        let (Some(form_id), Some(version), Some(question_id)) = (
            text(row, "formid"),
            text(row, "formversion"),
            text(row, "questionid"),
        ) else {
            continue;
        };
        let rubric = out
            .entry((form_id.clone(), version.clone()))
            .or_insert_with(|| Rubric {
                form_id,
                form_name: text(row, "formname"),
                version,
                questions: Vec::new(),
            });
        let max = number(row, "maxscore");
        match rubric.questions.iter_mut().find(|q| q.id == question_id) {
            Some(q) => q.max = q.max.into_iter().chain(max).reduce(f64::max),
            None => rubric.questions.push(RubricQuestion {
                id: question_id,
                number: text(row, "questionnumber")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(u32::MAX),
                section_id: text(row, "sectionid").unwrap_or_default(),
                section: text(row, "sectiontitle"),
                title: text(row, "questiontitle"),
                kind: question_kind(row),
                max,
                critical: flag(row, "critical").unwrap_or(false),
                scorable: flag(row, "scorable").unwrap_or(true),
                mandatory: flag(row, "mandatory").unwrap_or(false),
                options: text(row, "options")
                    .map(|o| o.split('|').map(str::to_string).collect())
                    .unwrap_or_default(),
            }),
        }
    }
    for rubric in out.values_mut() {
        rubric.questions.sort_by_key(|q| q.number);
    }
    out
}

fn answers_by_workflow(questions: &[Row]) -> HashMap<String, Vec<&Row>> {
    let mut out: HashMap<String, Vec<&Row>> = HashMap::new();
    for row in questions {
        if let Some(id) = text(row, "workflowinstanceid") {
            out.entry(id).or_default().push(row);
        }
    }
    out
}

fn assessment(
    row: &Row,
    answers: &[&Row],
    rubrics: &BTreeMap<(String, String), Rubric>,
    extracted_at: DateTime<Utc>,
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
                    weight: rubric.weight(q),
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
    // CXone: derived weights reduce to Σ points / Σ possible, and a failed critical question
    // sets the form score to zero.
    let options = ScoreOptions {
        failed_critical_zeroes_score: true,
        ..ScoreOptions::new(WeightMode::Unweighted)
    };
    let outcome = score::normalize(&inputs, options);
    let normalized = rubric.and(outcome.score);
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
        failed_critical: flag(row, "failedcriticalquestion").unwrap_or(outcome.failed_critical),
        failed_kill: false,
        division_ids: Vec::new(),
        question_groups: groups,
        modified_at: time(row, "lastupdated"),
        extracted_at,
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

/// The assessments of one chunk, with tombstones for what disappeared or was deleted.
pub fn assessments_page(chunk: &QmChunk, key: &str, request: &ExtractRequest) -> Page<Assessment> {
    let extracted_at = Utc::now();
    let rubrics = rubrics(&chunk.questions);
    let answers = answers_by_workflow(&chunk.questions);
    let mut records = Vec::new();
    let mut tombstones = Vec::new();
    let mut live = BTreeSet::new();
    // A tombstone retracts something delivered before: only ids remembered for this window.
    let known = request.prior.known_ids.get(key);
    for row in &chunk.workflows {
        let Some(id) = text(row, "workflowid") else {
            continue;
        };
        let status = text(row, "workflowstatus")
            .map(|s| snake(&s))
            .unwrap_or_default();
        if DELETED_STATUSES.contains(&status.as_str()) {
            if known.is_some_and(|k| k.contains(&id)) {
                tombstones.push(tombstone(
                    Stream::Assessments,
                    id,
                    TombstoneReason::Deleted,
                    extracted_at,
                ));
            }
            continue;
        }
        let modified = time(row, "lastupdated");
        let empty = Vec::new();
        if let Some(a) = assessment(
            row,
            answers.get(&id).unwrap_or(&empty),
            &rubrics,
            extracted_at,
        ) {
            live.insert(id);
            if request
                .modified_since
                .is_none_or(|since| modified.is_none_or(|m| m >= since))
            {
                records.push(a);
            }
        }
    }
    for gone in known.into_iter().flat_map(|k| k.difference(&live)) {
        if !tombstones.iter().any(|t| &t.id == gone) {
            tombstones.push(tombstone(
                Stream::Assessments,
                gone.clone(),
                TombstoneReason::AbsentFromReextraction,
                extracted_at,
            ));
        }
    }
    let mut page = Page::new(records).with_tombstones(tombstones);
    page.window_ids = Some(WindowIds {
        key: key.to_string(),
        ids: live,
    });
    page
}

/// Review comments, acknowledgement and dispute resolutions from the workflow rows.
pub fn feedback_page(chunk: &QmChunk, _key: &str, request: &ExtractRequest) -> Page<Feedback> {
    let extracted_at = Utc::now();
    let mut records = Vec::new();
    for row in &chunk.workflows {
        let Some(id) = text(row, "workflowid") else {
            continue;
        };
        let status = text(row, "workflowstatus").map(|s| snake(&s));
        if status
            .as_deref()
            .is_some_and(|s| DELETED_STATUSES.contains(&s))
        {
            continue;
        }
        let modified = time(row, "lastupdated");
        if request
            .modified_since
            .is_some_and(|since| modified.is_some_and(|m| m < since))
        {
            continue;
        }
        // TRUE = auto-acknowledged (the agent did not), FALSE = the agent acknowledged.
        let acknowledged = flag(row, "autoacknowledged").map(|auto| !auto);
        let base = |suffix: &str, kind: FeedbackKind, text_value: Option<String>| Feedback {
            vendor: crate::VENDOR.into(),
            id: format!("{id}:{suffix}"),
            kind,
            assessment_id: Some(id.clone()),
            interaction_id: text(row, "acdid"),
            agent_id: text(row, "agentid"),
            author_id: None,
            question_id: None,
            text: text_value,
            occurred_at: time(row, "lastupdated").or(time(row, "submissiondate")),
            agent_acknowledged: acknowledged,
            dispute_count: None,
            status: status.clone(),
            modified_at: modified,
            extracted_at,
        };
        let review = text(row, "userreviewcomments");
        records.push(Feedback {
            author_id: review.as_ref().and_then(|_| text(row, "agentid")),
            ..base("review", FeedbackKind::ReviewComment, review.clone())
        });
        if let Some(resolution) = text(row, "disputeresolvercomments") {
            records.push(Feedback {
                dispute_count: Some(1),
                ..base("dispute", FeedbackKind::DisputeResolution, Some(resolution))
            });
        }
    }
    Page::new(records)
}

/// Form versions seen in a chunk's question rows.
pub fn forms_page(
    chunk: &QmChunk,
    _key: &str,
    _request: &ExtractRequest,
    seen: &Mutex<HashSet<(String, String)>>,
) -> Page<AssessmentForm> {
    let extracted_at = Utc::now();
    let mut seen = seen.lock().expect("seen forms");
    let records = rubrics(&chunk.questions)
        .into_values()
        .filter(|r| seen.insert((r.form_id.clone(), r.version.clone())))
        .map(|r| AssessmentForm {
            vendor: crate::VENDOR.into(),
            id: format!("{}:v{}", r.form_id, r.version),
            form_id: r.form_id.clone(),
            version: r.version.clone(),
            name: r.form_name.clone(),
            weight_mode: WeightMode::Unweighted,
            published: None,
            question_groups: r
                .sections()
                .into_iter()
                .map(|(id, name, questions)| FormQuestionGroup {
                    id,
                    name,
                    weight: None,
                    na_enabled: questions.iter().any(|q| !q.mandatory),
                    questions: questions
                        .into_iter()
                        .map(|q| FormQuestion {
                            id: q.id.clone(),
                            text: q.title.clone(),
                            kind: q.kind.clone(),
                            max_points: q.max.filter(|_| q.scorable),
                            na_enabled: !q.mandatory,
                            is_critical: q.critical,
                            is_kill: false,
                            answer_options: q
                                .options
                                .iter()
                                .enumerate()
                                .map(|(i, o)| {
                                    let (label, value) = o
                                        .split_once('=')
                                        .map_or((o.as_str(), None), |(l, v)| (l, v.parse().ok()));
                                    cxqa_core::model::AnswerOption {
                                        id: format!("{}:{i}", q.id),
                                        text: Some(label.to_string()),
                                        value,
                                    }
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            modified_at: None,
            extracted_at,
        })
        .collect();
    Page::new(records)
}

pub struct Assessments(pub Arc<Qm>);
pub struct FeedbackSource(pub Arc<Qm>);
pub struct Forms(pub Arc<Qm>, pub Mutex<HashSet<(String, String)>>);

impl Source<Assessment> for Assessments {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Assessment> {
        self.0.pages(request, assessments_page)
    }
}

impl Source<Feedback> for FeedbackSource {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Feedback> {
        self.0.pages(request, feedback_page)
    }
}

impl Source<AssessmentForm> for Forms {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, AssessmentForm> {
        self.0.pages(request, move |chunk, key, request| {
            forms_page(chunk, key, request, &self.1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        row(&[
            ("Workflow ID", id),
            ("Workflow Status", "Completed"),
            ("Score Percentage", percent),
            ("Failed Critical Question", failed),
            ("Last Updated", "2026-11-14 10:00:00"),
            ("Type", "Evaluation"),
        ])
    }

    #[test]
    fn rubric_scores_with_derived_weights_and_the_critical_rule() {
        // Q2 is critical (a property of the form, the same on every row).
        let chunk = QmChunk {
            workflows: vec![
                workflow("w1", "83.33", "FALSE"),
                workflow("w2", "0.00", "TRUE"),
                workflow("w3", "50.00", "FALSE"),
            ],
            questions: vec![
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
        };
        let page = assessments_page(
            &chunk,
            "2026-11-14/2026-11-15",
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
        assert_eq!(page.window_ids.unwrap().ids.len(), 3);
    }

    #[test]
    fn ids_missing_from_a_reextraction_become_tombstones() {
        let chunk = QmChunk {
            workflows: vec![workflow("w1", "100", "FALSE")],
            questions: vec![question("w1", "1", "S1", "1", "1", "FALSE", "Yes")],
        };
        let mut request = ExtractRequest::new(Window::new(Utc::now(), Utc::now()));
        request.prior.known_ids.insert(
            "k".into(),
            ["w1", "w9"].iter().map(|s| s.to_string()).collect(),
        );
        let page = assessments_page(&chunk, "k", &request);
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
