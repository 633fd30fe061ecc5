//! The Data Extraction API: `POST /data-extraction/v1/jobs` (202 with the job id as a quoted
//! string), status polling, and the CSV behind `result.url`, which must be downloaded at once.
//!
//! CXone allows one call per tenant at a time and one per 30 s; calling too often answers 403.
//! Jobs run one at a time (one lock), and job *creations* keep the configured spacing. Whether
//! status polls count toward the rule is unverified: polls go out every `extraction_poll_ms`,
//! and once the tenant refuses one (403), every call keeps the spacing for the rest of the run.
//! Any 403 waits a spacing and tries again (a bounded number of times). An expired download URL
//! re-creates the job.

use crate::api::CxoneApi;
use chrono::NaiveDate;
use cxqa_core::SourceError;
use cxqa_http::{Auth, Method, Request, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

const JOBS: &str = "/data-extraction/v1/jobs";
const TOO_OFTEN_RETRIES: u32 = 5;

#[derive(Debug, Clone)]
pub struct ExtractionSettings {
    pub spacing: Duration,
    pub poll: Duration,
    pub timeout: Duration,
}

/// One CSV row, its values read by normalized header (lower-case; only a–z, 0–9 and `%` kept),
/// so `Agent ID`, `Agent_ID` and `agentId` are all `agentid`. The headers are the file's, shared
/// by its rows: a file holds hundreds of thousands of rows, each keeping only its values.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<HashMap<String, usize>>,
    values: Vec<String>,
}

impl Row {
    /// The value under a normalized header; None when the file has no such column or the row
    /// is shorter.
    pub fn get(&self, header: &str) -> Option<&String> {
        self.values.get(*self.columns.get(header)?)
    }
}

impl std::ops::Index<&str> for Row {
    type Output = String;
    fn index(&self, header: &str) -> &String {
        self.get(header)
            .unwrap_or_else(|| panic!("no `{header}` column"))
    }
}

/// A row of its own (tests build rows this way).
impl FromIterator<(String, String)> for Row {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let (headers, values): (Vec<String>, Vec<String>) = pairs.into_iter().unzip();
        Row {
            columns: columns(headers),
            values,
        }
    }
}

/// The rows as one CSV file, every row under the headers any of them has (tests).
#[cfg(test)]
pub fn csv_of(rows: &[Row]) -> Vec<u8> {
    let mut headers: Vec<&String> = Vec::new();
    for row in rows {
        let mut own: Vec<(&String, &usize)> = row.columns.iter().collect();
        own.sort_by_key(|(_, i)| **i);
        for (header, _) in own {
            if !headers.contains(&header) {
                headers.push(header);
            }
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).expect("a header");
    for row in rows {
        let values = headers
            .iter()
            .map(|h| row.get(h).map_or("", String::as_str));
        out.write_record(values).expect("a row");
    }
    out.into_inner().expect("the file")
}

/// Each normalized header's column; a header that repeats is read from its last column.
fn columns(headers: Vec<String>) -> Arc<HashMap<String, usize>> {
    Arc::new(
        headers
            .into_iter()
            .enumerate()
            .map(|(i, header)| (header, i))
            .collect(),
    )
}

pub fn normalize_header(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_ascii_alphanumeric() || *c == '%')
        .collect()
}

/// A CSV export kept on disk: the file can hold hundreds of thousands of rows, and the streams
/// read the rows they need by byte range. UTF-8 with or without BOM, quoted fields, columns in
/// any order, unknown columns kept, short rows allowed.
#[derive(Debug)]
pub struct CsvFile {
    file: Arc<File>,
    columns: Arc<HashMap<String, usize>>,
    /// The reader of byte ranges, built once: building a CSV reader (its DFA) per range read
    /// cost more than reading the rows.
    ranges: std::sync::Mutex<csv::Reader<std::io::Cursor<Vec<u8>>>>,
}

impl CsvFile {
    /// Reads the header of `file`. A file without one of the `required` columns (matched by
    /// normalized header) is an error naming it: rows without their id would read as deletions.
    pub fn open(file: Arc<File>, required: &[&str]) -> Result<Self, String> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(from_start(&file));
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| format!("unreadable CSV header: {e}"))?
            .iter()
            .map(normalize_header)
            .collect();
        if let Some(missing) = required
            .iter()
            .find(|column| !headers.contains(&normalize_header(column)))
        {
            return Err(format!(
                "the file has no `{missing}` column ({} columns read); check the entity's `version` setting",
                headers.len()
            ));
        }
        let ranges = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(std::io::Cursor::new(Vec::new()));
        Ok(CsvFile {
            file,
            columns: columns(headers),
            ranges: std::sync::Mutex::new(ranges),
        })
    }

    /// A file of these bytes (tests and fuzzing).
    #[cfg(test)]
    pub fn from_bytes(body: &[u8], required: &[&str]) -> Result<Self, String> {
        use std::io::Write;
        let mut file = tempfile::tempfile().map_err(local)?;
        file.write_all(body).map_err(local)?;
        Self::open(Arc::new(file), required)
    }

    /// Every row in file order, each with the byte range it was read from.
    pub fn scan(&self) -> Result<impl Iterator<Item = Result<(Range<u64>, Row), String>>, String> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(from_start(&self.file));
        reader
            .headers()
            .map_err(|e| format!("unreadable CSV header: {e}"))?;
        let columns = self.columns.clone();
        let mut record = csv::StringRecord::new();
        Ok(std::iter::from_fn(move || {
            match reader.read_record(&mut record) {
                Ok(false) => None,
                Ok(true) => {
                    let start = record.position().map_or(0, csv::Position::byte);
                    let end = reader.position().byte();
                    Some(Ok((start..end, self.row(&record, &columns))))
                }
                Err(e) => Some(Err(format!("unreadable CSV row: {e}"))),
            }
        }))
    }

    /// The rows in `range` (a range [`Self::scan`] gave, or adjacent ones joined).
    pub fn read(&self, range: Range<u64>) -> Result<Vec<Row>, String> {
        let mut reader = self.ranges.lock().expect("csv range reader lock");
        let bytes = reader.get_mut().get_mut();
        bytes.resize((range.end - range.start) as usize, 0);
        read_at(&self.file, bytes, range.start).map_err(local)?;
        let unreadable = |e: csv::Error| format!("unreadable CSV row: {e}");
        reader
            .seek_raw(std::io::SeekFrom::Start(0), csv::Position::new())
            .map_err(unreadable)?;
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(unreadable)? {
            rows.push(self.row(&record, &self.columns));
        }
        Ok(rows)
    }

    fn row(&self, record: &csv::StringRecord, columns: &Arc<HashMap<String, usize>>) -> Row {
        Row {
            columns: columns.clone(),
            values: record.iter().map(str::to_string).collect(),
        }
    }
}

fn local(e: std::io::Error) -> String {
    format!("reading the downloaded file failed: {e}")
}

/// A buffered reader of the whole file from its first byte, with a position of its own: the
/// streams sharing a chunk read its files at once.
fn from_start(file: &File) -> std::io::BufReader<FileAt<'_>> {
    std::io::BufReader::with_capacity(1 << 16, FileAt { file, offset: 0 })
}

struct FileAt<'f> {
    file: &'f File,
    offset: u64,
}

impl std::io::Read for FileAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_some_at(self.file, buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match read_some_at(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn read_some_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_some_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

/// A downloaded file that does not read as the entity's CSV.
pub fn unreadable(entity: &str, version: &str, detail: String) -> SourceError {
    SourceError::Decode {
        vendor: crate::VENDOR.into(),
        path: format!("{{data extraction url}} ({entity} v{version})"),
        detail,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusResponse {
    job_status: JobStatus,
}

#[derive(Deserialize)]
struct JobStatus {
    status: String,
    result: Option<JobResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobResult {
    url: Option<String>,
    error_message: Option<String>,
    message_error: Option<String>,
}

/// What the spacing rule has seen of one tenant.
#[derive(Debug, Default)]
struct Calls {
    last_creation: Option<Instant>,
    last_call: Option<Instant>,
    /// The tenant refused a status poll: polls count toward its rule too.
    polls_count: bool,
}

/// Which call: a job creation always keeps the spacing, a poll only once polls are known to
/// count.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Call {
    Create,
    Poll,
}

/// Serializes Data Extraction jobs of one tenant and spaces their creations.
pub struct Extraction {
    api: CxoneApi,
    settings: ExtractionSettings,
    calls: Mutex<Calls>,
}

impl Extraction {
    pub fn new(api: CxoneApi, settings: ExtractionSettings) -> Self {
        Extraction {
            api,
            settings,
            calls: Mutex::new(Calls::default()),
        }
    }

    /// Runs one job and returns its CSV file (None when the job has no file: 204). `[start,
    /// end)` are UTC dates.
    pub async fn file(
        &self,
        entity: &str,
        version: &str,
        required: &[&str],
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<Option<CsvFile>, SourceError> {
        // Holding the lock for the whole job keeps calls of one tenant strictly one at a time.
        let mut calls = self.calls.lock().await;
        for _ in 0..3 {
            let id = self.create(&mut calls, entity, version, start, end).await?;
            let url = self.wait(&mut calls, &id).await?;
            let file = Arc::new(tempfile::tempfile().map_err(|e| {
                SourceError::Other(format!(
                    "cxone: no temporary file for the {entity} download ({e}); check the space in the temporary directory (TMPDIR)"
                ))
            })?);
            // Pre-signed and short-lived: download at once, without the bearer token.
            let download = Request::get(&url, "{data extraction url}")
                .pass_through(&[403, 204])
                .presigned()
                .body_into(file.clone());
            let response = self.api.http.send(&download, &Auth::None).await?;
            match response.status {
                403 => tracing::info!(
                    entity,
                    "the download URL expired before it was fetched; creating the job again"
                ),
                204 => return Ok(None),
                _ => {
                    return CsvFile::open(file, required)
                        .map(Some)
                        .map_err(|detail| unreadable(entity, version, detail));
                }
            }
        }
        Err(SourceError::Other(format!(
            "cxone: the {entity} download URL expired three times in a row; check the network speed and run again"
        )))
    }

    /// One call, spaced as the rule says; a 403 for calling too often waits a spacing and
    /// retries, and a refused poll makes every later call keep the spacing.
    async fn call(
        &self,
        calls: &mut Calls,
        kind: Call,
        request: &Request,
    ) -> Result<Response, SourceError> {
        // A status that does not read is asked again (and counted) by the client; a creation is
        // not sent twice for it, since the first may have made a job.
        let readable = |response: Response| match kind {
            Call::Poll if response.status != 403 => {
                response.json::<StatusResponse>().map(|_| response)
            }
            _ => Ok(response),
        };
        let mut refusals = 0;
        loop {
            let after = match kind {
                Call::Create if !calls.polls_count => calls.last_creation,
                _ if calls.polls_count => calls.last_call,
                _ => None,
            };
            if let Some(last) = after {
                tokio::time::sleep_until(last + self.settings.spacing).await;
            }
            let response = self
                .api
                .http
                .send_with(request, &self.api.auth, readable)
                .await?;
            // Timed from the answer: the tenant's clock started somewhere before it.
            let answered = Instant::now();
            calls.last_call = Some(answered);
            if kind == Call::Create {
                calls.last_creation = Some(answered);
            }
            if response.status != 403 {
                return Ok(response);
            }
            refusals += 1;
            if refusals > TOO_OFTEN_RETRIES {
                return Err(SourceError::Other(format!(
                    "cxone answered 403 on {} {TOO_OFTEN_RETRIES} times after waiting {}s each time: either another client is using Data Extraction for this tenant, or the access key's user lacks \"QM Tools > Data Extraction APIs > QM Workflow API\"",
                    request.path,
                    self.settings.spacing.as_secs()
                )));
            }
            if kind == Call::Poll && !calls.polls_count {
                tracing::info!(
                    "Data Extraction refused a status poll (403): this tenant counts polls toward its spacing; every call now keeps it"
                );
                calls.polls_count = true;
            } else {
                tracing::info!(path = %request.path, "Data Extraction refused the call (403, too often); waiting and trying again");
            }
            // The next try waits a whole spacing from the refusal.
            calls.last_creation = calls.last_call;
        }
    }

    async fn create(
        &self,
        calls: &mut Calls,
        entity: &str,
        version: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<String, SourceError> {
        let base = self.api.base().await?;
        let request = Request::new(Method::POST, format!("{base}{JOBS}"), JOBS)
            .json(serde_json::json!({
                "entityName": entity, "version": version,
                "startDate": start.format("%Y-%m-%d").to_string(), "endDate": end.format("%Y-%m-%d").to_string()
            }))
            .pass_through(&[403]);
        let response = self.call(calls, Call::Create, &request).await?;
        // The body is a JSON string: the job id in quotes.
        let id: String = response.json().map_err(|detail| SourceError::Decode {
            vendor: crate::VENDOR.into(),
            path: JOBS.into(),
            detail,
        })?;
        Ok(id)
    }

    async fn wait(&self, calls: &mut Calls, id: &str) -> Result<String, SourceError> {
        let base = self.api.base().await?;
        let request = Request::get(format!("{base}{JOBS}/{id}"), format!("{JOBS}/{{jobId}}"))
            .pass_through(&[403]);
        let deadline = Instant::now() + self.settings.timeout;
        loop {
            tokio::time::sleep(self.settings.poll).await;
            let response = self.call(calls, Call::Poll, &request).await?;
            let status: StatusResponse = response.json().map_err(|detail| SourceError::Decode {
                vendor: crate::VENDOR.into(),
                path: request.path.clone(),
                detail,
            })?;
            let result = status.job_status.result;
            match status.job_status.status.as_str() {
                "SUCCEEDED" => {
                    return result.and_then(|r| r.url).ok_or_else(|| {
                        SourceError::Other(format!(
                            "cxone: Data Extraction job {id} succeeded without a download URL"
                        ))
                    });
                }
                "FAILED" | "CANCELLED" | "EXPIRED" => {
                    let reason = result
                        .and_then(|r| r.error_message.or(r.message_error))
                        .unwrap_or_default();
                    return Err(SourceError::Other(format!(
                        "cxone: Data Extraction job {id} ended {}: {reason}; check `workflows_entity`/`questions_entity` and their versions",
                        status.job_status.status
                    )));
                }
                _ if Instant::now() > deadline => {
                    return Err(SourceError::Other(format!(
                        "cxone: Data Extraction job {id} still running after {}s; raise `extraction_timeout_secs` or run later",
                        self.settings.timeout.as_secs()
                    )));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalize_across_spellings() {
        for h in ["Agent ID", "Agent_ID", "agentId", "\u{feff}Agent ID"] {
            assert_eq!(normalize_header(h), "agentid");
        }
        assert_eq!(normalize_header("Evaluation Score%"), "evaluationscore%");
        assert_eq!(normalize_header("FirstName (Eva)"), "firstnameeva");
    }

    #[test]
    fn csv_with_bom_quotes_and_newlines_parses() {
        let body = "\u{feff}Workflow ID,User Review Comments,Extra\r\nw1,\"Fair, but \"\"late\"\"\nsecond line\",x\r\nw2,,y\r\n";
        let file = CsvFile::from_bytes(body.as_bytes(), &["Workflow ID"]).unwrap();
        let scanned: Vec<(Range<u64>, Row)> = file.scan().unwrap().map(Result::unwrap).collect();
        let rows: Vec<&Row> = scanned.iter().map(|(_, row)| row).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["workflowid"], "w1");
        assert_eq!(
            rows[0]["userreviewcomments"],
            "Fair, but \"late\"\nsecond line"
        );
        assert_eq!(rows[1]["extra"], "y");
        // A row reads back from its range alone, and adjacent ranges read back together.
        let (first, second) = (scanned[0].0.clone(), scanned[1].0.clone());
        assert_eq!(first.end, second.start);
        assert_eq!(file.read(second.clone()).unwrap()[0]["extra"], "y");
        let both = file.read(first.start..second.end).unwrap();
        assert_eq!(both.len(), 2);
        assert_eq!(both[0]["userreviewcomments"], rows[0]["userreviewcomments"]);
    }

    #[test]
    fn a_file_without_a_required_column_names_it() {
        let err = CsvFile::from_bytes(
            b"Workflow Id,Score\r\nw1,3\r\n",
            &["Workflow ID", "Question ID"],
        )
        .unwrap_err();
        assert!(err.contains("`Question ID`"), "{err}");
        assert!(CsvFile::from_bytes(b"", &["Workflow ID"]).is_err());
    }
}
