//! QM through Data Extraction: per window chunk, a `qm-workflows` job (one row per workflow) and
//! the separate rubric fetch, a `qm-questions` job (one row per answered question). The rubric of
//! each (form id, form version) is built from the question rows: questions, sections and max
//! scores; each assessment derives its question weights from the questions that count in it.
//!
//! CXone has no deleted flag: an id remembered for a submission day that a re-extraction no longer
//! holds becomes a tombstone (`absent_from_reextraction`); Deleted/Replaced statuses become
//! tombstones too.

use crate::extraction::{CsvFile, Extraction, Row, unreadable};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use cxqa_core::model::QuestionKind;
use cxqa_core::source::PageStream;
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, Window, WindowIds, paginate};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

/// The columns each extraction's rows are known by: without them nothing can be joined.
pub const WORKFLOW_KEYS: &[&str] = &["Workflow ID"];
pub const QUESTION_KEYS: &[&str] = &["WorkflowInstance ID", "Question ID"];

/// Workflows per page when the run sets no `page_size`.
const WORKFLOWS_PER_PAGE: usize = 500;

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

/// The two extractions of one chunk, kept on disk and indexed: pages read their workflows and
/// answers by byte range, so memory stays the same whatever the chunk holds.
#[derive(Debug)]
pub struct QmChunk {
    pub days: Days,
    workflows: Option<CsvFile>,
    questions: Option<CsvFile>,
    /// Every workflow row with an id, sorted by id: the pages' order, which a re-extraction
    /// keeps, so a resumed run picks up after the last id it committed.
    entries: Vec<(String, Range<u64>)>,
    /// Each workflow's question rows (adjacent rows joined into one range).
    answers: HashMap<String, Vec<Range<u64>>>,
    pub(crate) rubrics: BTreeMap<(String, String), Rubric>,
    /// The ids that are there (not deleted or replaced), per submission day of the chunk.
    pub(crate) live: BTreeMap<NaiveDate, BTreeSet<String>>,
    /// The ids whose status says deleted or replaced.
    pub(crate) deleted: BTreeSet<String>,
}

/// What one page of a chunk reads: its workflow rows and their answers.
pub struct QmSlice<'c> {
    pub chunk: &'c QmChunk,
    pub workflows: Vec<Row>,
    pub answers: HashMap<String, Vec<Row>>,
    /// The chunk's last page: the one that reports what the whole chunk holds.
    pub last: bool,
}

/// What a stream reads of each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reads {
    /// Workflow rows with their answers, a page of them at a time.
    Workflows,
    /// The rubrics alone: one page per chunk.
    Rubrics,
}

impl QmChunk {
    /// Indexes the workflows file of `days` (None: the job had no file).
    pub fn new(days: Days, workflows: Option<CsvFile>) -> Result<Self, String> {
        let mut chunk = QmChunk {
            days,
            workflows: None,
            questions: None,
            entries: Vec::new(),
            answers: HashMap::new(),
            rubrics: BTreeMap::new(),
            live: days.iter().map(|day| (day, BTreeSet::new())).collect(),
            deleted: BTreeSet::new(),
        };
        if let Some(file) = &workflows {
            for scanned in file.scan()? {
                let (range, row) = scanned?;
                let Some(id) = text(&row, "workflowid") else {
                    continue;
                };
                let status = text(&row, "workflowstatus")
                    .map(|s| snake(&s))
                    .unwrap_or_default();
                if DELETED_STATUSES.contains(&status.as_str()) {
                    chunk.deleted.insert(id.clone());
                } else {
                    let day = time(&row, "submissiondate")
                        .map(|t| t.date_naive())
                        .filter(|d| chunk.live.contains_key(d))
                        .unwrap_or(days.from);
                    chunk.live.entry(day).or_default().insert(id.clone());
                }
                chunk.entries.push((id, range));
            }
        }
        chunk.entries.sort_by(|a, b| a.0.cmp(&b.0));
        chunk.workflows = workflows;
        Ok(chunk)
    }

    /// Indexes the chunk's question rows: each workflow's answers and the rubrics.
    pub fn with_questions(mut self, questions: Option<CsvFile>) -> Result<Self, String> {
        let mut rubrics = Rubrics::default();
        if let Some(file) = &questions {
            for scanned in file.scan()? {
                let (range, row) = scanned?;
                rubrics.add(&row);
                let Some(id) = text(&row, "workflowinstanceid") else {
                    continue;
                };
                let ranges = self.answers.entry(id).or_default();
                match ranges.last_mut() {
                    Some(last) if last.end == range.start => last.end = range.end,
                    _ => ranges.push(range),
                }
            }
        }
        self.rubrics = rubrics.finish();
        self.questions = questions;
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The page after the workflow id `after` (from the start when None): up to `size`
    /// workflows and their answers, and the id to continue after (None on the last page).
    pub fn slice(
        &self,
        after: Option<&str>,
        size: usize,
    ) -> Result<(QmSlice<'_>, Option<String>), String> {
        let start = after.map_or(0, |after| {
            self.entries.partition_point(|(id, _)| id.as_str() <= after)
        });
        let mut end = start.saturating_add(size.max(1)).min(self.entries.len());
        // Rows of one id stay on one page.
        while end > start
            && end < self.entries.len()
            && self.entries[end].0 == self.entries[end - 1].0
        {
            end += 1;
        }
        let taken = &self.entries[start..end];
        let mut workflows = Vec::with_capacity(taken.len());
        let mut answers = HashMap::new();
        for (id, range) in taken {
            if let Some(file) = &self.workflows {
                workflows.extend(file.read(range.clone())?);
            }
            if let (Some(file), Some(ranges)) = (&self.questions, self.answers.get(id)) {
                if answers.contains_key(id) {
                    continue;
                }
                let mut rows = Vec::new();
                for range in ranges {
                    rows.extend(file.read(range.clone())?);
                }
                answers.insert(id.clone(), rows);
            }
        }
        let last = end == self.entries.len();
        let next = (!last).then(|| self.entries[end - 1].0.clone());
        let slice = QmSlice {
            chunk: self,
            workflows,
            answers,
            last,
        };
        Ok((slice, next))
    }

    /// A chunk of these rows, read as one page (tests).
    #[cfg(test)]
    pub fn of_rows(days: Days, workflows: &[Row], questions: &[Row]) -> Self {
        use crate::extraction::csv_of;
        let workflows = CsvFile::from_bytes(&csv_of(workflows), WORKFLOW_KEYS).unwrap();
        let questions = CsvFile::from_bytes(&csv_of(questions), &[]).unwrap();
        QmChunk::new(days, Some(workflows))
            .and_then(|chunk| chunk.with_questions(Some(questions)))
            .unwrap()
    }

    /// Every workflow as one page (tests).
    #[cfg(test)]
    pub fn whole(&self) -> QmSlice<'_> {
        self.slice(None, usize::MAX).unwrap().0
    }

    /// The rubrics alone, as the chunk's only page.
    pub fn rubrics_only(&self) -> QmSlice<'_> {
        QmSlice {
            chunk: self,
            workflows: Vec::new(),
            answers: HashMap::new(),
            last: true,
        }
    }
}

/// The chunk a stream is reading, by its index in the window.
type Held = (usize, Arc<QmChunk>);

/// Where a QM stream is: the chunk it reads, and the last workflow id it delivered of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Position {
    chunk: usize,
    after: Option<String>,
}

pub struct Qm {
    pub extraction: Extraction,
    pub workflows: (String, String),
    pub questions: (String, String),
    pub chunk_days: u32,
    cache: tokio::sync::Mutex<Chunks>,
}

/// The chunks of one run, each kept until every QM stream of the run has read it through: a
/// long window does not hold all its chunks at once.
#[derive(Default)]
struct Chunks {
    kept: HashMap<(NaiveDate, NaiveDate), Arc<QmChunk>>,
    finished: HashMap<(NaiveDate, NaiveDate), usize>,
    /// The streams of this run that read chunks (assessments, feedback, forms).
    readers: usize,
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
    pub async fn chunk(&self, days: Days, expected: bool) -> Result<Arc<QmChunk>, SourceError> {
        let mut cache = self.cache.lock().await;
        if let Some(hit) = cache.kept.get(&(days.from, days.to)) {
            return Ok(hit.clone());
        }
        let (entity, version) = &self.workflows;
        let extract_workflows = async || {
            let file = self
                .extraction
                .file(entity, version, WORKFLOW_KEYS, days.from, days.to)
                .await?;
            QmChunk::new(days, file).map_err(|detail| unreadable(entity, version, detail))
        };
        let mut chunk = extract_workflows().await?;
        if chunk.is_empty() && expected {
            tracing::warn!(
                from = %days.from, to = %days.to,
                "the QM workflows file came back empty although evaluations were extracted from these days before; extracting it again"
            );
            chunk = extract_workflows().await?;
        }
        // Answers belong to workflows: a chunk without any has none to ask for.
        if !chunk.is_empty() {
            let (entity, version) = &self.questions;
            let file = self
                .extraction
                .file(entity, version, QUESTION_KEYS, days.from, days.to)
                .await?;
            chunk = chunk
                .with_questions(file)
                .map_err(|detail| unreadable(entity, version, detail))?;
        }
        let chunk = Arc::new(chunk);
        if cache.readers > 1 {
            cache.kept.insert((days.from, days.to), chunk.clone());
        }
        Ok(chunk)
    }

    /// A stream read `days` through: the chunk is let go once every reader has.
    async fn finished(&self, days: Days) {
        let mut cache = self.cache.lock().await;
        let key = (days.from, days.to);
        let finished = cache.finished.entry(key).or_default();
        *finished += 1;
        if *finished >= cache.readers {
            cache.kept.remove(&key);
        }
    }

    /// Pages of each chunk in turn; the checkpoint is the chunk and the last workflow id
    /// delivered.
    pub(crate) fn pages<'a, T: Send + 'a>(
        &'a self,
        request: &'a ExtractRequest,
        reads: Reads,
        build: impl Fn(&QmSlice<'_>, &ExtractRequest) -> Page<T> + Send + Sync + 'a,
    ) -> PageStream<'a, T> {
        let chunks = self.chunks(request.window);
        let start = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<Position>)
            .unwrap_or_default();
        let size = request
            .page_size
            .map_or(WORKFLOWS_PER_PAGE, |size| size as usize);
        let build = Arc::new(build);
        // The chunk this stream is reading, fetched once for all its pages.
        let current: Arc<std::sync::Mutex<Option<Held>>> = Arc::default();
        paginate(start, request.max_pages, move |at: Position| {
            let chunks = chunks.clone();
            let build = build.clone();
            let current = current.clone();
            Box::pin(async move {
                let Some(&(from, to)) = chunks.get(at.chunk) else {
                    return Ok((Page::new(Vec::new()), None));
                };
                let days = Days { from, to };
                let expected = days.iter().any(|day| {
                    request
                        .prior
                        .known_ids
                        .contains_key(&WindowIds::day_key(day))
                });
                let held = current
                    .lock()
                    .expect("the current chunk")
                    .clone()
                    .filter(|(index, _)| *index == at.chunk);
                let chunk = match held {
                    Some((_, chunk)) => chunk,
                    None => {
                        let chunk = self.chunk(days, expected).await?;
                        *current.lock().expect("the current chunk") =
                            Some((at.chunk, chunk.clone()));
                        chunk
                    }
                };
                let (page, after) = match reads {
                    Reads::Rubrics => (build(&chunk.rubrics_only(), request), None),
                    Reads::Workflows => {
                        let (slice, after) =
                            chunk.slice(at.after.as_deref(), size).map_err(|detail| {
                                unreadable(&self.workflows.0, &self.workflows.1, detail)
                            })?;
                        (build(&slice, request), after)
                    }
                };
                let next = match after {
                    Some(after) => Some(Position {
                        chunk: at.chunk,
                        after: Some(after),
                    }),
                    None => {
                        current.lock().expect("the current chunk").take();
                        self.finished(days).await;
                        (at.chunk + 1 < chunks.len()).then(|| Position {
                            chunk: at.chunk + 1,
                            after: None,
                        })
                    }
                };
                let page = match &next {
                    Some(n) => page.with_checkpoint(Checkpoint::new(n)),
                    None => page,
                };
                Ok((page, next))
            })
                as futures::future::BoxFuture<'a, Result<(Page<T>, Option<Position>), SourceError>>
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
#[derive(Default)]
struct Rubrics(BTreeMap<(String, String), Rubric>);

impl Rubrics {
    fn add(&mut self, row: &Row) {
        let (Some(form_id), Some(version), Some(question_id)) = (
            text(row, "formid"),
            text(row, "formversion"),
            text(row, "questionid"),
        ) else {
            return;
        };
        let rubric = self
            .0
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

    fn finish(mut self) -> BTreeMap<(String, String), Rubric> {
        for rubric in self.0.values_mut() {
            rubric.questions.sort_by_key(|q| q.number);
        }
        self.0
    }
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

    fn workflow(id: &str, submitted: &str) -> Row {
        [
            ("workflowid", id),
            ("workflowstatus", "Completed"),
            ("submissiondate", submitted),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn answer(workflow: &str, question: &str) -> Row {
        [
            ("workflowinstanceid", workflow),
            ("questionid", question),
            ("formid", "F1"),
            ("formversion", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_chunk_is_read_a_page_at_a_time_in_id_order_and_resumes_after_the_last_id() {
        let days = Days {
            from: day("2026-11-14"),
            to: day("2026-11-16"),
        };
        // File order is not id order; w2 has two rows, and its answers are not adjacent.
        let workflows = [
            workflow("w3", "2026-11-15 10:00:00"),
            workflow("w1", "2026-11-14 10:00:00"),
            workflow("w2", "2026-11-14 11:00:00"),
            workflow("w2", "2026-11-14 11:00:00"),
            workflow("w4", "2026-11-15 12:00:00"),
        ];
        let answers = [
            answer("w2", "q1"),
            answer("w1", "q1"),
            answer("w2", "q2"),
            answer("w4", "q1"),
        ];
        let chunk = QmChunk::of_rows(days, &workflows, &answers);
        let mut pages = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (slice, next) = chunk.slice(after.as_deref(), 2).unwrap();
            let ids: Vec<String> = slice
                .workflows
                .iter()
                .map(|r| r["workflowid"].clone())
                .collect();
            let answered: BTreeMap<String, usize> = slice
                .answers
                .iter()
                .map(|(id, rows)| (id.clone(), rows.len()))
                .collect();
            pages.push((ids, answered, slice.last));
            match next {
                Some(id) => after = Some(id),
                None => break,
            }
        }
        let ids: Vec<Vec<String>> = pages.iter().map(|p| p.0.clone()).collect();
        assert_eq!(
            ids,
            vec![vec!["w1", "w2", "w2"], vec!["w3", "w4"]],
            "two per page, and both rows of w2 on the same page"
        );
        assert_eq!(
            pages[0].1,
            BTreeMap::from([("w1".into(), 1), ("w2".into(), 2)])
        );
        assert_eq!(pages[1].1, BTreeMap::from([("w4".into(), 1)]));
        assert_eq!(
            pages.iter().map(|p| p.2).collect::<Vec<_>>(),
            vec![false, true]
        );
        // Resuming after w2 reads on from w3, however the file orders its rows.
        let (slice, next) = chunk.slice(Some("w2"), 10).unwrap();
        assert_eq!(slice.workflows.len(), 2);
        assert!(slice.last && next.is_none());
        // The whole chunk's ids per submission day, and its rubric from every answer.
        assert_eq!(chunk.live[&day("2026-11-14")].len(), 2);
        assert_eq!(chunk.live[&day("2026-11-15")].len(), 2);
        assert_eq!(
            chunk.rubrics[&("F1".to_string(), "1".to_string())]
                .questions
                .len(),
            2
        );
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
