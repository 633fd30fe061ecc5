//! Orchestration: for each requested stream, pull pages and commit each with its checkpoint.

use crate::error::RunError;
use crate::pages::{
    EnvelopePages, FinishWith, Part, PiiHandling, RECORDS_PER_PART, envelope_pages,
};
use crate::pipeline::Pipeline;
use crate::report::{RunReport, StreamReport, reconciliation};
use crate::requests::counted_as;
use chrono::{DateTime, Utc};
use cxqa_core::model::{Tombstone, TombstoneReason};
use cxqa_core::{ExtractRequest, Page, PriorState, Stream, WindowIds};
use cxqa_sinks::{Batch, Envelope, Sink, StateKey, StreamState};
use futures::StreamExt;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Hears how a run advances (progress bars on a terminal).
pub trait Progress: Send + Sync {
    fn stream_started(&self, _vendor: &str, _stream: Stream) {}
    /// After each committed page, with the stream's running total of records.
    fn page_committed(&self, _vendor: &str, _stream: Stream, _fetched: u64) {}
    fn stream_finished(&self, _vendor: &str, _report: &StreamReport) {}
}

/// Tells nobody.
pub struct Silent;

impl Progress for Silent {}

/// Runs every requested stream of `pipeline` into `sink`. A failing stream is reported and the
/// others still run; the run fails as a whole if any stream failed.
pub async fn run(pipeline: &Pipeline, sink: &mut dyn Sink, now: DateTime<Utc>) -> RunReport {
    run_observed(pipeline, sink, now, &Silent).await
}

/// Streams whose stored records the others read when they start (the agents' keys, stamped on
/// every record that names an agent): they run, side by side, before the rest.
const READ_BY_OTHERS: [Stream; 1] = [Stream::Agents];

/// The one sink every stream of a run commits to, a page at a time.
type SharedSink<'a> = Mutex<&'a mut dyn Sink>;

/// [`run`], telling `progress` as it goes. The streams run side by side (after those the others
/// read, [`READ_BY_OTHERS`]): they share the connector's pacer, which alone decides the request
/// rate, so a stream waiting on something else (a Data Extraction job, a pre-signed download)
/// never holds the others back. Their pages are committed one at a time, each with its own
/// stream's checkpoint.
pub async fn run_observed(
    pipeline: &Pipeline,
    sink: &mut dyn Sink,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> RunReport {
    let started = Instant::now();
    pipeline
        .connector
        .start_run(&pipeline.extract.streams)
        .await;
    let sink: SharedSink = Mutex::new(sink);
    let side_by_side = |streams: Vec<Stream>| {
        futures::future::join_all(
            streams
                .into_iter()
                .map(|stream| run_reported(pipeline, &sink, stream, now, progress)),
        )
    };
    let (first, then): (Vec<Stream>, Vec<Stream>) = pipeline
        .extract
        .streams
        .iter()
        .partition(|s| READ_BY_OTHERS.contains(s));
    let mut streams = side_by_side(first).await;
    streams.extend(side_by_side(then).await);
    let order = |report: &StreamReport| {
        let configured = pipeline.extract.streams.iter();
        configured
            .take_while(|&&s| Some(s) != report.stream)
            .count()
    };
    streams.sort_by_key(order);
    // Names only for what was counted: a run that read no division asks nothing more.
    let division_names = if streams.iter().any(|s| !s.divisions.is_empty()) {
        pipeline
            .connector
            .division_names()
            .await
            .unwrap_or_else(|error| {
                let error = pipeline.redactor.redact(&error.to_string());
                tracing::warn!("division names unavailable: {error}");
                Default::default()
            })
    } else {
        Default::default()
    };
    RunReport {
        pipeline: pipeline.name.clone(),
        vendor: pipeline.vendor.to_string(),
        started_at: now,
        streams,
        requests: pipeline.requests.snapshot(),
        elapsed_ms: millis(started.elapsed()),
        division_names,
    }
}

/// One stream's run and its report. Requests are counted per stream by path (the connector's
/// streams share a client, and run side by side).
async fn run_reported(
    pipeline: &Pipeline,
    sink: &SharedSink<'_>,
    stream: Stream,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> StreamReport {
    let key = StateKey {
        pipeline: pipeline.name.clone(),
        vendor: pipeline.vendor.to_string(),
        stream,
    };
    let stream_started = Instant::now();
    let mut report = StreamReport {
        stream: Some(stream),
        ..Default::default()
    };
    progress.stream_started(pipeline.vendor, stream);
    let ran = counted_as(
        stream,
        run_stream(pipeline, sink, &key, now, &mut report, progress),
    )
    .await;
    if let Err(error) = ran {
        report.failure = Some(error.kind());
        let error = pipeline.redactor.redact(&error.to_string());
        tracing::error!(stream = %stream, "{error}");
        report.error = Some(error);
    }
    report.requests = pipeline.requests.snapshot_of(stream);
    if let Some(warning) = reconciliation(&report) {
        tracing::warn!(stream = %stream, "{warning}");
        report.warnings.push(warning);
    }
    report.elapsed_ms = millis(stream_started.elapsed());
    tracing::info!(
        stream = %stream,
        fetched = report.fetched,
        inserted = report.written.inserted,
        updated = report.written.updated,
        tombstoned = report.written.tombstoned,
        requests = report.requests.requests,
        "stream done"
    );
    progress.stream_finished(pipeline.vendor, &report);
    report
}

fn millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

async fn run_stream(
    pipeline: &Pipeline,
    sink: &SharedSink<'_>,
    key: &StateKey,
    now: DateTime<Utc>,
    report: &mut StreamReport,
    progress: &dyn Progress,
) -> Result<(), RunError> {
    let state = sink.lock().await.load_state(key).await?;
    let sweep = pipeline.connector.sweep(key.stream);
    let Plan {
        mut request,
        sweeping,
    } = plan_request(pipeline, &state, now, sweep);
    if let Some(since) = request.modified_since {
        request.prior.stored = sink.lock().await.stored_versions(key, since).await?;
    }
    if sweeping {
        tracing::info!(stream = %key.stream, from = %request.window.from, "deep re-read (sweep)");
    }
    report.window = Some(request.window);
    report.resumed = state.checkpoint.is_some();
    if report.resumed {
        tracing::info!(stream = %key.stream, "resuming from the last committed page");
    }
    let with = FinishWith {
        pii: PiiHandling::new(pipeline.extract.pii),
        agent_keys: sink.lock().await.agent_keys(pipeline.vendor).await?,
    };
    let pages = envelope_pages(pipeline.connector.as_ref(), key.stream, &request, &with)?;
    let mut run = StreamRun {
        sink,
        key,
        vendor: pipeline.vendor,
        state,
        report: &mut *report,
        progress,
    };
    run.state.window = Some(request.window);
    let finish = Finish {
        max_pages: request.max_pages,
        max_delete_ratio: pipeline.extract.max_delete_ratio,
        // Remembered ids are kept as far back as a later run (or sweep) re-reads.
        keep_ids_from: sweep.map_or(request.window.from, |s| {
            request.window.from.min(now - s.lookback)
        }),
        swept_at: sweeping.then_some(now),
    };
    let driven = run.drive(pages, finish).await;
    if let Some(warning) = with.pii.masked_warning() {
        tracing::warn!(stream = %key.stream, "{warning}");
        report.warnings.push(warning);
    }
    driven
}

/// What one stream's run asks for, and whether it is a sweep.
struct Plan {
    request: ExtractRequest,
    sweeping: bool,
}

/// The request for one stream: the configured window, or for a resumed run the interrupted
/// run's window; narrowed to the high-water mark minus look-back on incremental runs, or to the
/// sweep's look-back when the stream's sweep is due.
fn plan_request(
    pipeline: &Pipeline,
    state: &StreamState,
    now: DateTime<Utc>,
    sweep: Option<cxqa_core::Sweep>,
) -> Plan {
    let extract = &pipeline.extract;
    let mut window = match (&state.checkpoint, state.window) {
        (Some(_), Some(interrupted)) => interrupted,
        _ => extract.window_at(now),
    };
    let mut modified_since = None;
    let mut sweeping = false;
    if extract.incremental && state.checkpoint.is_none() {
        if let Some(watermark) = state.watermark {
            let since = watermark - extract.lookback.as_chrono();
            modified_since = Some(since);
            let mut from = since;
            if let Some(sweep) = sweep {
                let due = state.swept_at.is_none_or(|at| now - at >= sweep.every);
                if due && now - sweep.lookback < since {
                    from = now - sweep.lookback;
                    sweeping = true;
                }
            }
            window.from = window.from.max(from).min(window.to);
        }
    }
    let request = ExtractRequest {
        window,
        modified_since,
        filters: extract.filters.clone(),
        page_size: extract.page_size,
        max_pages: extract.max_pages,
        concurrency: extract.concurrency as usize,
        prior: PriorState {
            checkpoint: state.checkpoint.clone(),
            watermark: state.watermark,
            known_ids: state.known_ids.clone(),
            stored: Default::default(),
        },
    };
    Plan { request, sweeping }
}

/// How a stream's run ends: its limits, how far back remembered ids are kept, and the sweep it
/// completes, if any.
struct Finish {
    max_pages: Option<u32>,
    max_delete_ratio: f64,
    keep_ids_from: DateTime<Utc>,
    swept_at: Option<DateTime<Utc>>,
}

/// Absence tombstones of a page (one re-extraction) are believed when the re-extraction
/// returned rows and deletes at most `max_ratio` of the ids remembered for its days, or when the
/// same absences were already seen (and withheld) by the previous run. Otherwise they are
/// dropped, the days keep the ids they had, and the absences are remembered as withheld so the
/// next run can confirm them; the warning says what was withheld.
fn withhold_implausible_deletions(
    page: &mut Page<Envelope>,
    state: &mut StreamState,
    max_ratio: f64,
) -> Option<String> {
    if page.window_ids.is_empty() {
        return None;
    }
    let live: BTreeSet<&String> = page.window_ids.iter().flat_map(|w| &w.ids).collect();
    state.withheld.retain(|id| !live.contains(id));
    let known: usize = page
        .window_ids
        .iter()
        .filter_map(|w| state.known_ids.get(&w.key))
        .map(BTreeSet::len)
        .sum();
    let absent: BTreeSet<String> = page
        .tombstones
        .iter()
        .filter(|t| t.reason == TombstoneReason::AbsentFromReextraction)
        .map(|t| t.id.clone())
        .collect();
    let empty = live.is_empty() && known > 0;
    let implausible = empty || absent.len() as f64 > max_ratio * known as f64;
    let confirmed = !absent.is_empty() && absent.is_subset(&state.withheld);
    if !implausible || confirmed {
        state.withheld.retain(|id| !absent.contains(id));
        return None;
    }
    let days = match (page.window_ids.first(), page.window_ids.last()) {
        (Some(first), Some(last)) if first.key != last.key => {
            format!("{} to {}", first.key, last.key)
        }
        (Some(first), _) => first.key.clone(),
        _ => String::new(),
    };
    page.tombstones
        .retain(|t| t.reason != TombstoneReason::AbsentFromReextraction);
    page.window_ids.clear();
    let what = if empty {
        format!("returned nothing although {known} records were extracted from it before")
    } else {
        format!(
            "would delete {} of its {known} records, more than max_delete_ratio allows",
            absent.len()
        )
    };
    state.withheld.extend(absent);
    Some(format!(
        "the re-extraction of {days} {what}: no deletion was recorded; if the next run sees the same, it is believed"
    ))
}

/// Forgets the ids of days before `from`: no later run re-reads them, so they can tell nothing
/// disappeared, and state stays as small as the window. Keys that are not days (older state)
/// go too.
fn prune_known_ids(state: &mut StreamState, from: chrono::NaiveDate) {
    state
        .known_ids
        .retain(|key, _| WindowIds::parse_day(key).is_some_and(|day| day >= from));
}

/// How long read records may wait for others to share their commit.
const COMMIT_WITHIN: Duration = Duration::from_secs(1);

/// How much JSON read records may hold while they wait (a thousand transcripts are tens of MB).
const COMMIT_BYTES: usize = 2 << 20;

/// Records, tombstones and whole pages read since the last commit. Pages are committed together
/// up to a part's worth of records ([`RECORDS_PER_PART`]) or [`COMMIT_BYTES`]: a database writes
/// each index page a transaction touches once, so a hundred small transactions cost many times
/// one large one. A record waits at most [`COMMIT_WITHIN`] for the others; a crash loses none of
/// them, as the checkpoint committed with the records is that of the last whole page among them.
#[derive(Default)]
struct Pending {
    records: Vec<Envelope>,
    tombstones: Vec<Tombstone>,
    /// The JSON text the records hold.
    bytes: usize,
    /// When what is pending must be committed, if anything is.
    due: Option<tokio::time::Instant>,
}

impl Pending {
    fn add(&mut self, records: Vec<Envelope>, tombstones: Vec<Tombstone>) {
        self.due
            .get_or_insert_with(|| tokio::time::Instant::now() + COMMIT_WITHIN);
        self.bytes += records.iter().map(|r| r.json.len()).sum::<usize>();
        self.records.extend(records);
        self.tombstones.extend(tombstones);
    }

    fn full(&self) -> bool {
        self.records.len() >= RECORDS_PER_PART || self.bytes >= COMMIT_BYTES
    }
}

struct StreamRun<'a, 's> {
    sink: &'a SharedSink<'s>,
    key: &'a StateKey,
    vendor: &'static str,
    state: StreamState,
    report: &'a mut StreamReport,
    progress: &'a dyn Progress,
}

impl StreamRun<'_, '_> {
    async fn drive(
        &mut self,
        mut pages: EnvelopePages<'_>,
        finish: Finish,
    ) -> Result<(), RunError> {
        let Finish {
            max_pages,
            max_delete_ratio,
            keep_ids_from,
            swept_at,
        } = finish;
        let watermark_before = self.state.watermark;
        // The latest change among the records of the page being read, its parts so far.
        let mut page_latest = None;
        let mut pending = Pending::default();
        loop {
            let next = match pending.due {
                None => pages.next().await,
                Some(due) => match tokio::time::timeout_at(due, pages.next()).await {
                    Ok(next) => next,
                    Err(_waited) => {
                        self.flush(&mut pending).await?;
                        continue;
                    }
                },
            };
            let Some(part) = next else { break };
            let Part { mut page, last } = match part {
                Ok(part) => part,
                Err(err) => {
                    // What was read before the error is kept, with its last whole page's checkpoint.
                    self.flush(&mut pending).await?;
                    return Err(err);
                }
            };
            page_latest = page
                .records
                .iter()
                .filter_map(|r| r.modified_at)
                .chain(page_latest)
                .max();
            self.count(&page.records);
            if !last {
                // The page's checkpoint and ids go with its last part: a crash before it
                // resumes at the page again, and its records already stored read unchanged.
                pending.add(page.records, Vec::new());
                if pending.full() {
                    self.flush(&mut pending).await?;
                }
                continue;
            }
            if let Some(warning) =
                withhold_implausible_deletions(&mut page, &mut self.state, max_delete_ratio)
            {
                tracing::warn!(stream = %self.key.stream, "{warning}");
                self.report.warnings.push(warning);
            }
            if let Some(max) = page_latest.take() {
                self.state.watermark = Some(self.state.watermark.map_or(max, |w| w.max(max)));
            }
            self.state.checkpoint = page.checkpoint.clone();
            for window in &page.window_ids {
                self.state
                    .known_ids
                    .insert(window.key.clone(), window.ids.clone());
            }
            self.report.pages += 1;
            self.report.tombstones += page.tombstones.len() as u64;
            if page.vendor_total.is_some() {
                self.report.vendor_total = page.vendor_total;
            }
            tracing::debug!(stream = %self.key.stream, records = page.records.len(), "page");
            pending.add(page.records, page.tombstones);
            if pending.full() {
                self.flush(&mut pending).await?;
            }
        }
        // Cut short by `max_pages` with pages left: the records not fetched must stay ahead of
        // the high-water mark, or an incremental run would never read them.
        if let Some(max) = max_pages
            .filter(|max| self.report.pages >= u64::from(*max) && self.state.checkpoint.is_some())
        {
            self.state.watermark = watermark_before;
            self.report.warnings.push(format!(
                "stopped after max_pages = {max} with pages left: the high-water mark was kept, so the next incremental run reads them"
            ));
        } else if swept_at.is_some() {
            self.state.swept_at = swept_at;
        }
        prune_known_ids(&mut self.state, keep_ids_from.date_naive());
        // Finished: forget the checkpoint so the next run starts a new extraction.
        self.state.checkpoint = None;
        self.state.window = None;
        let Pending {
            records,
            tombstones,
            ..
        } = std::mem::take(&mut pending);
        self.commit(records, tombstones).await
    }

    /// Commits what is pending with the state after the last whole page read.
    async fn flush(&mut self, pending: &mut Pending) -> Result<(), RunError> {
        let Pending {
            records,
            tombstones,
            ..
        } = std::mem::take(pending);
        self.commit(records, tombstones).await?;
        self.progress
            .page_committed(self.vendor, self.key.stream, self.report.fetched);
        Ok(())
    }

    /// Counts records fetched, per division too.
    fn count(&mut self, records: &[Envelope]) {
        self.report.fetched += records.len() as u64;
        let divisions = &mut self.report.divisions;
        for division in records.iter().flat_map(|r| &r.fields.division_ids) {
            match divisions.get_mut(division) {
                Some(count) => *count += 1,
                None => {
                    divisions.insert(division.clone(), 1);
                }
            }
        }
    }

    async fn commit(
        &mut self,
        records: Vec<Envelope>,
        tombstones: Vec<Tombstone>,
    ) -> Result<(), RunError> {
        let stats = self
            .sink
            .lock()
            .await
            .commit(Batch {
                key: self.key.clone(),
                records,
                tombstones,
                state: self.state.clone(),
            })
            .await?;
        self.report.written += stats;
        Ok(())
    }
}

/// Opens the pipeline's sink (and audit log), runs every stream into it and closes it.
pub async fn run_pipeline(
    pipeline: &Pipeline,
    progress: &dyn Progress,
) -> Result<RunReport, RunError> {
    run_pipeline_at(pipeline, progress, Utc::now()).await
}

/// [`run_pipeline`] as if it were `now` (windows end, and look-backs count back, from there).
pub async fn run_pipeline_at(
    pipeline: &Pipeline,
    progress: &dyn Progress,
    now: DateTime<Utc>,
) -> Result<RunReport, RunError> {
    let audit = match &pipeline.audit_log {
        Some(path) => {
            let log = std::sync::Arc::new(
                crate::audit::AuditLog::open(path)
                    .map_err(|e| cxqa_sinks::SinkError::io(path, e))?,
            );
            pipeline.requests.attach_audit(log.clone());
            Some(log)
        }
        None => None,
    };
    let mut sink = cxqa_sinks::open(&pipeline.sink, pipeline.requests.clone()).await?;
    tracing::info!(
        pipeline = %pipeline.name,
        vendor = pipeline.vendor,
        sink = %pipeline.sink.describe(),
        "run starting"
    );
    let report = run_observed(pipeline, sink.as_mut(), now, progress).await;
    sink.close().await?;
    if let Some(audit) = audit {
        audit.run(&report);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ExtractConfig;
    use crate::interpolate::Redactor;
    use crate::requests::RequestStats;
    use async_trait::async_trait;
    use cxqa_core::connector::{CheckReport, Connector};
    use cxqa_core::model::{Agent, Interaction, Survey};
    use cxqa_core::source::Source;
    use cxqa_core::source::{AgentSource, InteractionSource, PageStream, SurveySource};
    use cxqa_core::{Checkpoint, SourceError, WindowIds, paginate};
    use cxqa_sinks::{JsonlSink, SinkConfig, SinkError, WriteStats};
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};

    const PAGES: u32 = 3;

    /// A vendor with three pages of agents; it can be told to fail once after N pages.
    #[derive(Default)]
    struct FakeVendor {
        fail_after_pages: Mutex<Option<u32>>,
        /// How long each page takes to arrive.
        page_delay: Duration,
        requests: Mutex<Vec<ExtractRequest>>,
    }

    fn at(minute: u32) -> DateTime<Utc> {
        format!("2026-11-10T10:{minute:02}:00Z").parse().unwrap()
    }

    /// An active agent `id`, last modified `at`.
    fn agent(id: &str, modified: DateTime<Utc>) -> Agent {
        crate::test_records::agent(id, Some(modified))
    }

    impl Source<Agent> for FakeVendor {
        fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Agent> {
            self.requests.lock().unwrap().push(request.clone());
            let start = request
                .prior
                .checkpoint
                .as_ref()
                .and_then(Checkpoint::read::<u32>)
                .unwrap_or(0);
            let fail_after = self.fail_after_pages.lock().unwrap().take();
            let mut served = 0;
            paginate(start, request.max_pages, move |page_no| {
                served += 1;
                let fail = fail_after.is_some_and(|n| served > n);
                let delay = self.page_delay;
                async move {
                    tokio::time::sleep(delay).await;
                    if fail {
                        return Err(SourceError::Other("vendor went away".into()));
                    }
                    let records = (0..2)
                        .map(|i| agent(&format!("a{page_no}-{i}"), at(page_no * 2 + i)))
                        .collect();
                    let next = (page_no + 1 < PAGES).then_some(page_no + 1);
                    let mut page = Page::new(records);
                    if let Some(next) = next {
                        page = page.with_checkpoint(Checkpoint::new(next));
                    }
                    Ok((page, next))
                }
            })
        }
    }

    impl Source<Interaction> for FakeVendor {
        fn pages<'a>(&'a self, _request: &'a ExtractRequest) -> PageStream<'a, Interaction> {
            Box::pin(futures::stream::once(async {
                Err(SourceError::Other("interactions are down".into()))
            }))
        }
    }

    /// A connector serving a fake vendor's agents and interactions, with a sweep or not.
    struct Serving<V>(Arc<V>, Option<cxqa_core::Sweep>);

    #[async_trait]
    impl<V: Source<Agent> + Source<Interaction> + 'static> Connector for Serving<V> {
        fn vendor(&self) -> &'static str {
            "fake"
        }
        async fn check(&self) -> Result<CheckReport, SourceError> {
            Ok(CheckReport::default())
        }
        fn sweep(&self, _stream: Stream) -> Option<cxqa_core::Sweep> {
            self.1
        }
        fn agents(&self) -> Option<&AgentSource> {
            Some(self.0.as_ref())
        }
        fn interactions(&self) -> Option<&InteractionSource> {
            Some(self.0.as_ref())
        }
    }

    fn pipeline<V: Source<Agent> + Source<Interaction> + 'static>(
        vendor: Arc<V>,
        streams: &str,
        incremental: bool,
    ) -> Pipeline {
        let extract: ExtractConfig = toml::from_str(&format!(
            "streams = {streams}\nfrom = \"2026-11-01T00:00:00Z\"\nincremental = {incremental}\nlookback = \"PT10M\""
        ))
        .unwrap();
        Pipeline {
            name: "test".into(),
            vendor: "fake",
            extract,
            audit_log: None,
            sink: SinkConfig::Jsonl {
                dir: "unused".into(),
            },
            connector: Box::new(Serving(vendor, None)),
            requests: Arc::new(RequestStats::default()),
            redactor: Redactor::default(),
        }
    }

    fn key() -> StateKey {
        StateKey {
            pipeline: "test".into(),
            vendor: "fake".into(),
            stream: Stream::Agents,
        }
    }

    fn lines(dir: &std::path::Path) -> Vec<String> {
        std::fs::read_to_string(dir.join("agents.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[tokio::test]
    async fn commits_every_page_and_clears_the_checkpoint_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        let pipeline = pipeline(vendor.clone(), "[\"agents\"]", false);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        let report = run(&pipeline, &mut sink, at(0)).await;
        assert!(report.succeeded());
        assert_eq!(report.streams[0].pages, 3);
        assert_eq!(report.streams[0].fetched, 6);
        assert_eq!(lines(dir.path()).len(), 6);
        let state = sink.load_state(&key()).await.unwrap();
        assert_eq!(state.checkpoint, None);
        assert_eq!(state.watermark, Some(at(5)));
    }

    /// A JSON-lines sink that remembers how many records each commit carried.
    struct CountingCommits(JsonlSink, Vec<usize>);

    #[async_trait]
    impl Sink for CountingCommits {
        async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
            self.0.load_state(key).await
        }
        async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
            self.1.push(batch.records.len());
            self.0.commit(batch).await
        }
        async fn close(&mut self) -> Result<(), SinkError> {
            self.0.close().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pages_read_in_quick_succession_share_a_commit_and_slow_ones_do_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = CountingCommits(JsonlSink::open(dir.path().into()).await.unwrap(), vec![]);
        let quick = Arc::new(FakeVendor::default());
        assert!(
            run(&pipeline(quick, "[\"agents\"]", false), &mut sink, at(0))
                .await
                .succeeded()
        );
        assert_eq!(sink.1, [6], "three pages of two records, one commit");

        sink.1.clear();
        let slow = Arc::new(FakeVendor {
            page_delay: COMMIT_WITHIN * 2,
            ..Default::default()
        });
        let report = run(&pipeline(slow, "[\"agents\"]", false), &mut sink, at(1)).await;
        assert!(report.succeeded());
        assert_eq!(
            sink.1,
            [2, 2, 2],
            "each page committed before the next arrives"
        );
    }

    #[tokio::test]
    async fn a_failed_stream_resumes_after_its_last_committed_page() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        *vendor.fail_after_pages.lock().unwrap() = Some(2);
        let pipeline = pipeline(vendor.clone(), "[\"agents\"]", false);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();

        let first = run(&pipeline, &mut sink, at(0)).await;
        assert!(!first.succeeded());
        assert_eq!(first.streams[0].fetched, 4);
        assert!(
            first.streams[0]
                .error
                .as_deref()
                .unwrap()
                .contains("vendor went away")
        );

        // A later run (another "now") resumes with the interrupted run's window and cursor.
        let second = run(&pipeline, &mut sink, at(30)).await;
        assert!(second.succeeded());
        assert!(second.streams[0].resumed);
        let requests = vendor.requests.lock().unwrap();
        assert_eq!(requests[1].prior.checkpoint, Some(Checkpoint::new(2u32)));
        assert_eq!(requests[1].window, requests[0].window);
        // Every record exactly once across both runs.
        let mut ids = lines(dir.path());
        ids.sort();
        let expected: Vec<String> = (0..3)
            .flat_map(|p| (0..2).map(move |i| format!("a{p}-{i}")))
            .collect();
        assert_eq!(ids, expected);
    }

    #[tokio::test]
    async fn incremental_runs_start_at_the_watermark_minus_lookback() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        let pipeline = pipeline(vendor.clone(), "[\"agents\"]", true);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        run(&pipeline, &mut sink, at(0)).await;
        run(&pipeline, &mut sink, at(40)).await;
        let requests = vendor.requests.lock().unwrap();
        assert_eq!(requests[0].modified_since, None);
        // Watermark 10:05 minus PT10M.
        let since: DateTime<Utc> = "2026-11-10T09:55:00Z".parse().unwrap();
        assert_eq!(requests[1].modified_since, Some(since));
        assert_eq!(requests[1].window.from, since);
        assert_eq!(requests[1].window.to, at(40));
    }

    #[tokio::test]
    async fn a_due_sweep_widens_the_window_and_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        let mut pipeline = pipeline(vendor.clone(), "[\"agents\"]", true);
        pipeline.connector = Box::new(Serving(
            vendor.clone(),
            Some(cxqa_core::Sweep {
                lookback: chrono::Duration::hours(2),
                every: chrono::Duration::minutes(15),
            }),
        ));
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        for minute in [0, 40, 50, 59] {
            run(&pipeline, &mut sink, at(minute)).await;
        }
        let froms: Vec<DateTime<Utc>> = vendor
            .requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.window.from)
            .collect();
        let sweep_from = |minute| at(minute) - chrono::Duration::hours(2);
        // First run: the configured window. Then a sweep (due: never swept), then the plain
        // look-back (watermark 10:05 minus PT10M), then a sweep again (15 minutes later).
        assert_eq!(
            froms[0],
            "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(froms[1], sweep_from(40));
        assert_eq!(
            froms[2],
            "2026-11-10T09:55:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(froms[3], sweep_from(59));
        assert_eq!(
            sink.load_state(&key()).await.unwrap().swept_at,
            Some(at(59))
        );
    }

    #[tokio::test]
    async fn max_pages_never_moves_the_watermark_past_unfetched_pages() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        let mut pipeline = pipeline(vendor.clone(), "[\"agents\"]", true);
        pipeline.extract.max_pages = Some(2);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        let cut = run(&pipeline, &mut sink, at(0)).await;
        assert_eq!(cut.streams[0].fetched, 4);
        assert!(
            cut.streams[0].warnings[0].contains("max_pages = 2"),
            "{cut:?}"
        );
        assert_eq!(sink.load_state(&key()).await.unwrap().watermark, None);
        // Without the cap the next run reads to the end and the watermark moves.
        pipeline.extract.max_pages = None;
        run(&pipeline, &mut sink, at(10)).await;
        assert_eq!(
            sink.load_state(&key()).await.unwrap().watermark,
            Some(at(5))
        );
    }

    /// A vendor whose one day (10 November) holds whatever ids the test says, and that
    /// tombstones the remembered ids it no longer holds, as an absence-based connector does.
    #[derive(Default)]
    struct WindowVendor {
        holds: Mutex<Vec<&'static str>>,
    }

    impl Source<Agent> for WindowVendor {
        fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Agent> {
            let holds: BTreeSet<String> = self
                .holds
                .lock()
                .unwrap()
                .iter()
                .map(|s| s.to_string())
                .collect();
            let known = request
                .prior
                .known_ids
                .get(DAY)
                .cloned()
                .unwrap_or_default();
            let mut page = Page::new(holds.iter().map(|id| agent(id, at(1))).collect())
                .with_tombstones(
                    known
                        .difference(&holds)
                        .map(|id| Tombstone {
                            stream: Stream::Agents,
                            vendor: "fake".into(),
                            id: id.clone(),
                            detected_at: at(2),
                            reason: TombstoneReason::AbsentFromReextraction,
                        })
                        .collect(),
                );
            page.window_ids = vec![WindowIds::day(DAY.parse().unwrap(), holds)];
            Box::pin(futures::stream::once(async { Ok(page) }))
        }
    }

    impl Source<Interaction> for WindowVendor {
        fn pages<'a>(&'a self, _request: &'a ExtractRequest) -> PageStream<'a, Interaction> {
            Box::pin(futures::stream::empty())
        }
    }

    const DAY: &str = "2026-11-10";

    #[tokio::test]
    async fn implausible_absence_deletions_are_withheld_until_a_run_confirms_them() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(WindowVendor::default());
        let pipeline = pipeline(vendor.clone(), "[\"agents\"]", false);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        let mut run_holding = async |ids: &[&'static str]| {
            *vendor.holds.lock().unwrap() = ids.to_vec();
            let report = run(&pipeline, &mut sink, at(0)).await;
            let known = sink.load_state(&key()).await.unwrap().known_ids[DAY].len();
            let stream = report.streams[0].clone();
            (stream.written.tombstoned, known, stream.warnings.join(" "))
        };
        run_holding(&["a", "b", "c", "d"]).await;
        // An empty re-extraction is not believed; the next one holds everything again.
        let (tombstoned, known, warning) = run_holding(&[]).await;
        assert_eq!((tombstoned, known), (0, 4));
        assert!(warning.contains("returned nothing"), "{warning}");
        assert_eq!(run_holding(&["a", "b", "c", "d"]).await.0, 0);
        // One of four gone: plausible, tombstoned, the day now holds three.
        assert_eq!(run_holding(&["a", "b", "c"]).await, (1, 3, String::new()));
        // Two of three gone at once: withheld ...
        let (tombstoned, known, warning) = run_holding(&["a"]).await;
        assert_eq!((tombstoned, known), (0, 3));
        assert!(warning.contains("would delete 2 of its 3"), "{warning}");
        // ... until the next run sees the same: then believed.
        assert_eq!(run_holding(&["a"]).await, (2, 1, String::new()));
    }

    #[test]
    fn known_ids_of_days_before_the_window_are_forgotten() {
        let mut state = StreamState::default();
        for key in [
            "2026-10-31",
            "2026-11-01",
            "2026-11-02",
            "2026-10-31/2026-11-07",
        ] {
            state
                .known_ids
                .insert(key.into(), BTreeSet::from(["x".to_string()]));
        }
        prune_known_ids(&mut state, "2026-11-01".parse().unwrap());
        let kept: Vec<&str> = state.known_ids.keys().map(String::as_str).collect();
        assert_eq!(kept, vec!["2026-11-01", "2026-11-02"]);
    }

    /// Each stream waits until the other has started, and makes one request of its own.
    struct SideBySide {
        both_started: tokio::sync::Barrier,
        requests: Arc<RequestStats>,
    }

    impl SideBySide {
        fn page<'a, T: Send + 'a>(&'a self, path: &'static str) -> PageStream<'a, T> {
            Box::pin(futures::stream::once(async move {
                self.both_started.wait().await;
                use cxqa_core::events::RequestEventSink;
                self.requests.record(cxqa_core::events::RequestEvent {
                    at: at(0),
                    vendor: "fake".into(),
                    method: "GET".into(),
                    path: path.into(),
                    status: Some(200),
                    latency_ms: 1,
                    attempt: 1,
                    waited_ms: 0,
                    presigned: false,
                });
                Ok(Page::new(Vec::new()))
            }))
        }
    }

    impl Source<Survey> for SideBySide {
        fn pages<'a>(&'a self, _request: &'a ExtractRequest) -> PageStream<'a, Survey> {
            self.page("/surveys")
        }
    }

    impl Source<Interaction> for SideBySide {
        fn pages<'a>(&'a self, _request: &'a ExtractRequest) -> PageStream<'a, Interaction> {
            self.page("/interactions")
        }
    }

    #[async_trait]
    impl Connector for Serving<SideBySide> {
        fn vendor(&self) -> &'static str {
            "fake"
        }
        async fn check(&self) -> Result<CheckReport, SourceError> {
            Ok(CheckReport::default())
        }
        fn interactions(&self) -> Option<&InteractionSource> {
            Some(self.0.as_ref())
        }
        fn surveys(&self) -> Option<&SurveySource> {
            Some(self.0.as_ref())
        }
    }

    #[tokio::test]
    async fn streams_run_side_by_side_and_count_their_own_requests() {
        let dir = tempfile::tempdir().unwrap();
        let requests = Arc::new(RequestStats::default());
        let vendor = Arc::new(SideBySide {
            both_started: tokio::sync::Barrier::new(2),
            requests: requests.clone(),
        });
        let mut pipeline = pipeline(
            Arc::new(FakeVendor::default()),
            "[\"interactions\", \"surveys\"]",
            false,
        );
        pipeline.connector = Box::new(Serving(vendor, None));
        pipeline.requests = requests;
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        // One after the other, the first stream would wait for the second for ever.
        let report =
            tokio::time::timeout(Duration::from_secs(10), run(&pipeline, &mut sink, at(0)))
                .await
                .expect("the streams run side by side");
        assert!(report.succeeded(), "{report:?}");
        assert_eq!(report.requests.requests, 2);
        for stream in &report.streams {
            assert_eq!(stream.requests.requests, 1, "{stream:?}");
        }
    }

    #[tokio::test]
    async fn one_failing_stream_does_not_stop_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let vendor = Arc::new(FakeVendor::default());
        let pipeline = pipeline(vendor, "[\"interactions\", \"agents\"]", false);
        let mut sink = JsonlSink::open(dir.path().to_path_buf()).await.unwrap();
        let report = run(&pipeline, &mut sink, at(0)).await;
        assert!(!report.succeeded());
        assert!(
            report.streams[0]
                .error
                .as_deref()
                .unwrap()
                .contains("interactions are down")
        );
        assert_eq!(report.streams[1].error, None);
        assert_eq!(report.streams[1].fetched, 6);
    }
}
