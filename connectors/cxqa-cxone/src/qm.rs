//! QM through Data Extraction: per window chunk, a `qm-workflows` job (one row per workflow) and
//! the separate rubric fetch, a `qm-questions` job (one row per answered question). The rubric of
//! each (form id, form version) is built from the question rows: questions, sections and max
//! scores; each assessment derives its question weights from the questions that count in it.
//!
//! CXone has no deleted flag: an id remembered for a submission day that a re-extraction no longer
//! holds becomes a tombstone (`absent_from_reextraction`); Deleted/Replaced statuses become
//! tombstones too.

use crate::extraction::{Extraction, Row};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cxqa_core::model::QuestionKind;
use cxqa_core::source::PageStream;
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, Window, WindowIds, paginate};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The columns each extraction's rows are known by: without them nothing can be joined.
pub const WORKFLOW_KEYS: &[&str] = &["Workflow ID"];
pub const QUESTION_KEYS: &[&str] = &["WorkflowInstance ID", "Question ID"];

/// The two extractions of one chunk.
#[derive(Debug)]
pub struct QmChunk {
    pub workflows: Vec<Row>,
    pub questions: Vec<Row>,
}

/// The UTC days `[from, to)` one chunk's extractions cover (by submission date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Days {
    pub fn iter(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d < self.to)
    }
}

pub struct Qm {
    pub extraction: Extraction,
    pub workflows: (String, String),
    pub questions: (String, String),
    pub chunk_days: u32,
    cache: tokio::sync::Mutex<Chunks>,
}

/// The chunks of one run, each kept until every QM stream of the run has read it: a long
/// window does not hold all its chunks at once.
#[derive(Default)]
struct Chunks {
    kept: HashMap<(NaiveDate, NaiveDate), Arc<QmChunk>>,
    reads: HashMap<(NaiveDate, NaiveDate), usize>,
    /// The streams of this run that read chunks (assessments, feedback, forms).
    readers: usize,
}

impl Chunks {
    /// Counts a read of `chunk`; keeps it only while a reader has yet to read it.
    fn read(&mut self, key: (NaiveDate, NaiveDate), chunk: &Arc<QmChunk>) {
        let reads = self.reads.entry(key).or_default();
        *reads += 1;
        if *reads >= self.readers {
            self.kept.remove(&key);
        } else {
            self.kept.insert(key, chunk.clone());
        }
    }
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
            cache: tokio::sync::Mutex::new(Chunks::default()),
        }
    }

    pub fn chunks(&self, window: Window) -> Vec<(NaiveDate, NaiveDate)> {
        calendar_chunks(window, self.chunk_days)
    }

    /// Forgets the chunks an earlier run extracted; `readers` streams of this run read chunks.
    pub async fn start_run(&self, readers: usize) {
        *self.cache.lock().await = Chunks {
            readers,
            ..Chunks::default()
        };
    }

    /// Both extractions of a chunk, run once per run (assessments, feedback and forms share
    /// them).
    /// `expected`: records were extracted from these days before, so an empty workflows file is
    /// more likely a glitch than every evaluation gone at once; it is extracted again once.
    pub async fn chunk(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        expected: bool,
    ) -> Result<Arc<QmChunk>, SourceError> {
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.kept.get(&(start, end)).cloned() {
            cache.read((start, end), &hit);
            return Ok(hit);
        }
        let extract_workflows = || {
            self.extraction.rows(
                &self.workflows.0,
                &self.workflows.1,
                WORKFLOW_KEYS,
                start,
                end,
            )
        };
        let mut workflows = extract_workflows().await?;
        if workflows.is_empty() && expected {
            tracing::warn!(
                %start, %end,
                "the QM workflows file came back empty although evaluations were extracted from these days before; extracting it again"
            );
            workflows = extract_workflows().await?;
        }
        // Answers belong to workflows: a chunk without any has none to ask for.
        let questions = if workflows.is_empty() {
            Vec::new()
        } else {
            self.extraction
                .rows(
                    &self.questions.0,
                    &self.questions.1,
                    QUESTION_KEYS,
                    start,
                    end,
                )
                .await?
        };
        let chunk = Arc::new(QmChunk {
            workflows,
            questions,
        });
        cache.read((start, end), &chunk);
        Ok(chunk)
    }

    /// A page per chunk; the checkpoint is the next chunk's index.
    pub(crate) fn pages<'a, T: Send + 'a>(
        &'a self,
        request: &'a ExtractRequest,
        build: impl Fn(&QmChunk, Days, &ExtractRequest) -> Page<T> + Send + Sync + 'a,
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
                let days = Days { from, to };
                let expected = days.iter().any(|day| {
                    request
                        .prior
                        .known_ids
                        .contains_key(&WindowIds::day_key(day))
                });
                let data = self.chunk(from, to, expected).await?;
                let page = build(&data, days, request);
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

/// Whole UTC days covering the window, split where the calendar's `days`-long blocks (counted
/// from 1970-01-01) end: the boundaries stay where they are from one run to the next, so a
/// daily run's look-back re-extracts the same chunks (extractions filter by date).
pub fn calendar_chunks(window: Window, days: u32) -> Vec<(NaiveDate, NaiveDate)> {
    let first = window.from.date_naive();
    let last = (window.to - Duration::nanoseconds(1)).date_naive();
    let length = i64::from(days.max(1));
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let into_block = (start - epoch).num_days().rem_euclid(length);
        let end = (start + Duration::days(length - into_block)).min(last + Duration::days(1));
        out.push((start, end));
        start = end;
    }
    out
}

pub(crate) fn text(row: &Row, key: &str) -> Option<String> {
    row.get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub(crate) fn number(row: &Row, key: &str) -> Option<f64> {
    text(row, key).and_then(|v| v.trim_end_matches('%').parse().ok())
}

pub(crate) fn flag(row: &Row, key: &str) -> Option<bool> {
    match text(row, key)?.to_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

pub(crate) fn time(row: &Row, key: &str) -> Option<DateTime<Utc>> {
    text(row, key).as_deref().and_then(parse_lenient)
}

/// `Completed Self Assessment` → `completed_self_assessment`.
pub(crate) fn snake(value: &str) -> String {
    value
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

pub(crate) const DELETED_STATUSES: [&str; 3] = ["deleted", "deleted_expired", "replaced"];

/// One question of a form version as the question rows show it.
#[derive(Debug, Clone)]
pub(crate) struct RubricQuestion {
    pub(crate) id: String,
    pub(crate) number: u32,
    pub(crate) section_id: String,
    pub(crate) section: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) kind: QuestionKind,
    pub(crate) max: Option<f64>,
    pub(crate) critical: bool,
    pub(crate) scorable: bool,
    pub(crate) mandatory: bool,
    pub(crate) options: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Rubric {
    pub(crate) form_id: String,
    pub(crate) form_name: Option<String>,
    pub(crate) version: String,
    pub(crate) questions: Vec<RubricQuestion>,
}

impl Rubric {
    /// Sections in question order, each with its questions.
    pub(crate) fn sections(&self) -> Vec<(String, Option<String>, Vec<&RubricQuestion>)> {
        let mut out: Vec<(String, Option<String>, Vec<&RubricQuestion>)> = Vec::new();
        for q in &self.questions {
            match out.iter_mut().find(|(id, _, _)| *id == q.section_id) {
                Some(section) => section.2.push(q),
                None => out.push((q.section_id.clone(), q.section.clone(), vec![q])),
            }
        }
        out
    }
}

pub(crate) fn question_kind(row: &Row) -> QuestionKind {
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
pub(crate) fn rubrics(questions: &[Row]) -> BTreeMap<(String, String), Rubric> {
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

pub(crate) fn answers_by_workflow(questions: &[Row]) -> HashMap<String, Vec<&Row>> {
    let mut out: HashMap<String, Vec<&Row>> = HashMap::new();
    for row in questions {
        if let Some(id) = text(row, "workflowinstanceid") {
            out.entry(id).or_default().push(row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(from: &str, to: &str) -> Window {
        Window::new(
            format!("{from}T00:00:00Z").parse().unwrap(),
            format!("{to}T00:00:00Z").parse().unwrap(),
        )
    }

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn chunks_are_calendar_blocks_whose_boundaries_do_not_move_between_runs() {
        // 2026-11-19 is day 20,776 since 1970-01-01, a multiple of 14: blocks start there and
        // on 2026-12-03.
        let today = calendar_chunks(window("2026-11-20", "2026-12-04"), 14);
        assert_eq!(
            today,
            vec![
                (day("2026-11-20"), day("2026-12-03")),
                (day("2026-12-03"), day("2026-12-04")),
            ]
        );
        // The next day's window ends one day later; the boundary stays on the 3rd.
        let tomorrow = calendar_chunks(window("2026-11-21", "2026-12-05"), 14);
        assert_eq!(
            tomorrow,
            vec![
                (day("2026-11-21"), day("2026-12-03")),
                (day("2026-12-03"), day("2026-12-05")),
            ]
        );
        // A window inside one block is one chunk: one job per entity.
        assert_eq!(
            calendar_chunks(window("2026-11-19", "2026-12-03"), 14),
            vec![(day("2026-11-19"), day("2026-12-03"))]
        );
        // Every day of the window is covered once, at any length.
        for days in 1..=14 {
            let chunks = calendar_chunks(window("2026-10-01", "2026-12-03"), days);
            let covered: Vec<NaiveDate> = chunks
                .iter()
                .flat_map(|&(from, to)| Days { from, to }.iter())
                .collect();
            let expected: Vec<NaiveDate> = Days {
                from: day("2026-10-01"),
                to: day("2026-12-03"),
            }
            .iter()
            .collect();
            assert_eq!(covered, expected, "{days}-day chunks");
            assert!(
                chunks
                    .iter()
                    .all(|(f, t)| (*t - *f).num_days() <= i64::from(days))
            );
        }
    }
}
