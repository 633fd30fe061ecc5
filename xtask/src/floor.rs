//! The fewest API requests each vendor's API allows for the records a run stored: the floor
//! `requests_over_floor` divides by. Each line says why. Pre-signed downloads are not the
//! vendor's API and are not counted on either side.

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use cxqa_emulator::RunningEmulator;
use std::collections::BTreeMap;
use std::path::Path;

/// Per stream, the fewest requests for what `store` holds of `vendor` after one run of every
/// stream over `window`. `polls` is how many status polls the emulator answers RUNNING before
/// a Data Extraction job succeeds (a job cannot be seen done before it is).
/// `emulator` answers for the vendor's data the store cannot show.
pub fn floors(
    vendor: &str,
    store: &Path,
    window: Window,
    polls: u64,
    emulator: &RunningEmulator,
) -> Result<BTreeMap<String, u64>> {
    let db = Store(
        rusqlite::Connection::open(store)
            .with_context(|| format!("opening {}", store.display()))?,
    );
    match vendor {
        "genesys" => genesys(&db),
        "cxone" => {
            // Every segment the analyzed listing names costs its transcript call, a 404 too
            // (only the call tells that a transcript was purged): the vendor's truth says how
            // many started in the window.
            let segments = emulator
                .truth("cxone", "analyzed_segments")
                .context("the emulator has no truth of the analyzed segments")?
                .live
                .iter()
                .filter(|s| (window.started..window.ended).contains(&s.modified_at))
                .count() as u64;
            cxone(&db, window, polls, segments)
        }
        other => bail!("the bench has no floor for `{other}`: add one to xtask/src/floor.rs"),
    }
}

/// Streams whose requests serve each other: what one of them fetches once per run (forms and
/// versions, a Data Extraction chunk, the contacts listing) is fetched by whichever asks first,
/// so their requests are compared with their floors together.
pub fn shared(vendor: &str) -> &'static [&'static str] {
    match vendor {
        // Forms and versions, and the evaluations feedback reads.
        "genesys" => &["assessment_forms", "assessments", "feedback"],
        // The QM extraction, and the contacts listing of evaluations, surveys and segments.
        "cxone" => &[
            "assessment_forms",
            "assessments",
            "feedback",
            "surveys",
            "transcripts",
        ],
        _ => &[],
    }
}

/// The waits a vendor's documented rules force on a run that made `routes` requests, in
/// seconds: they count as time at the ceiling.
pub fn forced_wait_secs(vendor: &str, routes: &BTreeMap<String, u64>, spacing_secs: u64) -> u64 {
    match vendor {
        // One Data Extraction job creation per tenant every 30 s.
        "cxone" => {
            let creations = routes.get("/data-extraction/v1/jobs").copied().unwrap_or(0);
            creations.saturating_sub(1) * spacing_secs
        }
        _ => 0,
    }
}

/// The window a run read: its instants, and the UTC days `[from, to)` it touches.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// How many 14-day calendar blocks (counted from 1970-01-01) the window touches: CXone allows
/// at most 14 days per Data Extraction job, and blocks keep chunk boundaries stable between runs.
fn calendar_chunks(window: Window) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let block = |day: NaiveDate| (day - epoch).num_days().div_euclid(14);
    let last = window.to - chrono::Duration::days(1);
    (block(last) - block(window.from) + 1).max(1) as u64
}

/// The requests of the run itself, outside any stream (sign-in, division names).
pub const RUN: &str = "(run)";

struct Store(rusqlite::Connection);

impl Store {
    fn count(&self, sql: &str) -> Result<u64> {
        let n: i64 = self
            .0
            .query_row(sql, [], |r| r.get(0))
            .with_context(|| sql.to_string())?;
        Ok(n as u64)
    }
}

/// Pages of `size` for `n` items; a listing answers at least one page.
fn pages(n: u64, size: u64) -> u64 {
    n.div_ceil(size).max(1)
}

fn genesys(db: &Store) -> Result<BTreeMap<String, u64>> {
    let agents = db.count("SELECT COUNT(*) FROM agents")?;
    let conversations = db.count("SELECT COUNT(*) FROM interactions")?;
    // Speech and text analytics transcribes calls and messaging, not e-mail.
    let transcribable = db.count(
        "SELECT COUNT(*) FROM interactions WHERE agent_id IS NOT NULL
           AND json_extract(record, '$.media_type') <> 'email'",
    )?;
    let evaluations = db.count("SELECT COUNT(*) FROM assessments")?;
    let evaluated = db.count("SELECT COUNT(DISTINCT interaction_id) FROM assessments")?;
    let forms = db.count("SELECT COUNT(DISTINCT form_id) FROM assessment_forms")?;
    let versions = db.count("SELECT COUNT(*) FROM assessment_forms")?;
    let surveys = db.count("SELECT COUNT(*) FROM surveys")?;
    let surveyed = db.count("SELECT COUNT(DISTINCT interaction_id) FROM surveys")?;
    let transcripts = db.count("SELECT COUNT(*) FROM transcripts")?;
    let appointments = db.count("SELECT COUNT(*) FROM feedback WHERE id LIKE 'appointment:%'")?;
    // The details query serves at most 100 conversations a page.
    let details = |n| pages(n, 100);
    Ok(BTreeMap::from([
        // Before and after the streams: the token, and the division names of the summary.
        (RUN.into(), 2),
        // The users listing, 500 a page.
        ("agents".into(), pages(agents, 500)),
        // The forms listing (25 a page), each form's versions listing (25 a page), and each
        // version by id: listings carry no question groups.
        (
            "assessment_forms".into(),
            pages(forms, 25) + forms + versions,
        ),
        ("interactions".into(), details(conversations)),
        // The conversations with evaluations, then one GET per evaluation.
        ("assessments".into(), details(evaluated) + evaluations),
        // The evaluations are the assessments stream's (fetched once per run); then the users
        // listing, one appointments page per batch of 100 users, and each appointment's
        // annotations.
        (
            "feedback".into(),
            details(evaluated) + pages(agents, 500) + pages(agents, 100) + appointments,
        ),
        // The conversations with surveys, then one GET per survey.
        ("surveys".into(), details(surveyed) + surveys),
        // Every call or message an agent handled may be analyzed: its metrics (404 when not),
        // and the transcript URL of each analyzed one.
        (
            "transcripts".into(),
            details(conversations) + transcribable + transcripts,
        ),
    ]))
}

fn cxone(db: &Store, window: Window, polls: u64, segments: u64) -> Result<BTreeMap<String, u64>> {
    let agents = db.count("SELECT COUNT(*) FROM agents")?;
    let contacts = db.count("SELECT COUNT(*) FROM interactions")?;
    let surveys = db.count("SELECT COUNT(*) FROM surveys")?;
    let days = (window.to - window.from).num_days().max(1) as u64;
    // One Data Extraction job per entity and 14-day chunk: created, then polled until it
    // succeeds; the file comes from a pre-signed link (not counted).
    let jobs = 2 * calendar_chunks(window);
    let extraction = jobs * (1 + polls + 1);
    // Evaluations, surveys and segments name contacts up to a month older than themselves:
    // the completed contacts of the window and 31 days before it, 10,000 a page, once a run.
    let contact_days = days + 31;
    let listing = pages(contacts * contact_days / days, 10_000);
    Ok(BTreeMap::from([
        // Before and after the streams: the two discovery documents, the token, and the
        // division names of the summary.
        (RUN.into(), 4),
        // The agents listing, 500 a page.
        ("agents".into(), pages(agents, 500)),
        // The rubric comes from the QM extraction the assessments stream runs.
        ("assessment_forms".into(), 0),
        // Completed contacts, up to 10,000 a page.
        ("interactions".into(), pages(contacts, 10_000)),
        // The QM extraction, and each evaluation's contact (for its division) from the listing.
        ("assessments".into(), extraction + listing),
        // Feedback comes from the same QM extraction.
        ("feedback".into(), 0),
        // The feedback search, 100 a page; the contacts are the listing's.
        ("surveys".into(), pages(surveys, 100)),
        // The analyzed segments listing (100 a page) and each segment's transcript.
        ("transcripts".into(), pages(segments, 100) + segments),
    ]))
}
