//! One conformance suite for every database sink, plus the property that any interleaving of
//! re-delivered pages gives the same final store.

use crate::*;
use chrono::{Duration, TimeZone};
use cxqa_core::model::TombstoneReason;
use proptest::prelude::*;
use serde_json::{Value, json};

fn key(stream: Stream) -> StateKey {
    StateKey {
        pipeline: "p".into(),
        vendor: "v".into(),
        stream,
    }
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

/// Record `id` at version `minute`.
fn envelope(id: &str, minute: i64) -> Envelope {
    Envelope::of_value(
        Stream::Assessments,
        "v",
        id,
        Some(at(minute)),
        &json!({ "vendor": "v", "id": id, "agent_id": "a1", "normalized_score": minute as f64,
                 "modified_at": at(minute), "extracted_at": Utc::now() }),
    )
}

fn batch(records: Vec<Envelope>, tombstones: Vec<Tombstone>, checkpoint: u64) -> Batch {
    Batch {
        key: key(Stream::Assessments),
        records,
        tombstones,
        state: StreamState {
            checkpoint: Some(Checkpoint::new(checkpoint)),
            ..StreamState::default()
        },
    }
}

/// The evaluator comment of assessment `assessment`, as a page of the feedback stream.
fn feedback_of(assessment: &str) -> Batch {
    let id = format!("{assessment}:evaluator");
    Batch {
        key: key(Stream::Feedback),
        records: vec![Envelope::of_value(
            Stream::Feedback,
            "v",
            &id,
            Some(at(1)),
            &json!({ "vendor": "v", "id": id, "assessment_id": assessment, "modified_at": at(1) }),
        )],
        tombstones: vec![],
        state: StreamState::default(),
    }
}

fn tombstone(id: &str) -> Tombstone {
    Tombstone {
        stream: Stream::Assessments,
        vendor: "v".into(),
        id: id.into(),
        detected_at: at(100),
        reason: TombstoneReason::Deleted,
    }
}

/// (id, modified_at, normalized_score, deleted) of every stored assessment, sorted.
type Row = (String, Option<String>, Option<f64>, bool);

async fn sqlite_rows(path: &std::path::Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT id, modified_at, normalized_score, deleted_at IS NOT NULL FROM assessments ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

async fn conformance(sink: &mut dyn Sink, rows: impl AsyncFn() -> Vec<Row>) {
    let stats = sink
        .commit(batch(vec![envelope("a", 1), envelope("b", 1)], vec![], 1))
        .await
        .unwrap();
    assert_eq!((stats.inserted, stats.updated), (2, 0));
    // Re-delivery of the same page: nothing changes.
    let stats = sink
        .commit(batch(vec![envelope("a", 1), envelope("b", 1)], vec![], 1))
        .await
        .unwrap();
    assert_eq!((stats.inserted, stats.unchanged), (0, 2));
    // A newer version replaces; an older one is ignored and counted.
    let stats = sink
        .commit(batch(vec![envelope("a", 5), envelope("b", 0)], vec![], 2))
        .await
        .unwrap();
    assert_eq!((stats.updated, stats.stale), (1, 1));
    // Tombstones mark, never remove; one for an id never delivered changes nothing; the
    // feedback of a deleted assessment goes with it.
    sink.commit(feedback_of("b")).await.unwrap();
    sink.commit(feedback_of("a")).await.unwrap();
    let stats = sink
        .commit(batch(vec![], vec![tombstone("b"), tombstone("zz")], 3))
        .await
        .unwrap();
    assert_eq!(stats.tombstoned, 2, "b and its feedback");
    let again = sink.commit(feedback_of("a")).await.unwrap();
    assert_eq!(again.unchanged, 1, "a's feedback is untouched");
    let again = sink
        .commit(batch(vec![], vec![tombstone("b")], 3))
        .await
        .unwrap();
    assert_eq!(
        again.tombstoned, 0,
        "a re-delivered tombstone changes nothing"
    );
    let again = sink.commit(feedback_of("b")).await.unwrap();
    assert_eq!(again.revived, 1, "b's feedback was deleted with it");
    let stored = rows().await;
    assert_eq!(
        stored.len(),
        2,
        "no row for the never-delivered `zz`: {stored:?}"
    );
    assert_eq!(stored[0].0, "a");
    assert_eq!(stored[0].2, Some(5.0));
    assert!(!stored[0].3 && stored[1].3, "{stored:?}");
    // The vendor delivers `b` again (the deletion was wrong): it is live once more.
    let revived = sink
        .commit(batch(vec![envelope("b", 0)], vec![], 3))
        .await
        .unwrap();
    assert_eq!((revived.revived, revived.stale), (1, 0));
    assert!(rows().await.iter().all(|row| !row.3), "b is live again");
    // The state committed with the last page comes back.
    let state = sink.load_state(&key(Stream::Assessments)).await.unwrap();
    assert_eq!(state.checkpoint, Some(Checkpoint::new(3u64)));
    assert_eq!(
        sink.load_state(&key(Stream::Surveys)).await.unwrap(),
        StreamState::default()
    );
    // Remembered ids are stored by window: a commit rewrites the windows it changed and drops
    // the ones pruned, and they all come back.
    let day = |d: &str, ids: &[&str]| {
        (
            d.to_string(),
            ids.iter()
                .map(|i| i.to_string())
                .collect::<std::collections::BTreeSet<_>>(),
        )
    };
    let mut windowed = batch(vec![], vec![], 4);
    windowed.state.known_ids = [day("2026-11-01", &["a"]), day("2026-11-02", &["b"])].into();
    sink.commit(windowed.clone()).await.unwrap();
    windowed.state.known_ids = [day("2026-11-02", &["b", "c"]), day("2026-11-03", &["d"])].into();
    sink.commit(windowed.clone()).await.unwrap();
    let state = sink.load_state(&key(Stream::Assessments)).await.unwrap();
    assert_eq!(state.known_ids, windowed.state.known_ids);
}

#[tokio::test]
async fn sqlite_upserts_soft_deletes_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/cxqa.sqlite");
    let mut sink = SqliteSink::open(path.clone()).unwrap();
    conformance(&mut sink, async || sqlite_rows(&path).await).await;
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

/// The Postgres URL from `.ci/run`; outside CI its absence skips, inside CI it fails.
pub fn postgres_url() -> Option<String> {
    ci_variable("CXQA_TEST_POSTGRES_URL")
}

/// A variable `.ci/postgres.sh` exports; outside CI its absence skips, inside CI it fails.
fn ci_variable(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(url) => Some(url),
        Err(_) if std::env::var("CI").is_ok() => {
            panic!("CI must provide {name} (see .ci/run)")
        }
        Err(_) => {
            eprintln!(
                "skipping the Postgres test: set {name}, or run `source .ci/postgres.sh` first"
            );
            None
        }
    }
}

#[tokio::test]
async fn postgres_has_the_same_semantics() {
    let Some(url) = postgres_url() else { return };
    let schema = format!("t{}", std::process::id());
    let mut sink = PostgresSink::connect(&url, &schema, None).await.unwrap();
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let query = format!(
        "SELECT id, modified_at::text, normalized_score, deleted_at IS NOT NULL FROM \"{schema}\".assessments ORDER BY id"
    );
    let rows = async || -> Vec<Row> {
        client
            .query(&query, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    };
    conformance(&mut sink, rows).await;
    let record: Value = client
        .query_one(
            &format!("SELECT record FROM \"{schema}\".assessments WHERE id = 'a'"),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(record["normalized_score"], 5.0);
    client
        .batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .await
        .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Pages of versions of a few ids, delivered in any order, any number of times: the store
    /// ends with the newest version of each id, exactly as if delivered once in order.
    #[test]
    fn any_interleaving_of_redelivered_pages_gives_the_same_store(
        pages in prop::collection::vec(prop::collection::vec((0usize..4, 0i64..6), 1..4), 1..6),
        order in prop::collection::vec(0usize..64, 1..20),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let ids = ["a", "b", "c", "d"];
            // Each (id, version) has one payload, so "same version" means "same record".
            let pages: Vec<Vec<Envelope>> = pages.iter().map(|p| p.iter().map(|(i, v)| envelope(ids[*i], *v)).collect()).collect();
            let dir = tempfile::tempdir().unwrap();
            let once = dir.path().join("once.sqlite");
            let mut sink = SqliteSink::open(once.clone()).unwrap();
            for (n, page) in pages.iter().enumerate() {
                sink.commit(batch(page.clone(), vec![], n as u64)).await.unwrap();
            }
            let shuffled = dir.path().join("shuffled.sqlite");
            let mut sink = SqliteSink::open(shuffled.clone()).unwrap();
            // Every page at least once, then re-deliveries in the generated order.
            for (n, page) in pages.iter().enumerate().rev() {
                sink.commit(batch(page.clone(), vec![], n as u64)).await.unwrap();
            }
            for pick in &order {
                let n = pick % pages.len();
                sink.commit(batch(pages[n].clone(), vec![], n as u64)).await.unwrap();
            }
            prop_assert_eq!(sqlite_rows(&once).await, sqlite_rows(&shuffled).await);
            Ok(())
        })?;
    }
}

/// Connects as the sink does and answers whether the session is encrypted, or the error.
async fn session_encrypted(dsn: &str, ca_file: Option<&std::path::Path>) -> Result<bool, String> {
    use crate::postgres_tls::{RustlsConnect, client_config, parse_dsn};
    let parsed = parse_dsn(dsn, ca_file).map_err(|e| e.to_string())?;
    let tls = RustlsConnect::new(
        client_config(parsed.mode, parsed.ca_file.as_deref()).map_err(|e| e.to_string())?,
    );
    let (client, connection) = parsed.config.connect(tls).await.map_err(|e| {
        let cause = std::error::Error::source(&e)
            .map(|s| s.to_string())
            .unwrap_or_default();
        format!("{e}: {cause}")
    })?;
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(row.get(0))
}

/// A server that refuses this role without TLS (`.ci/postgres.sh`, self-signed certificate for
/// localhost): every sslmode behaves as libpq's does, and the sink stores over it.
#[tokio::test]
async fn postgres_over_tls_honours_sslmode_and_the_ca_file() {
    let (Some(url), Some(ca)) = (
        ci_variable("CXQA_TEST_POSTGRES_TLS_URL"),
        ci_variable("CXQA_TEST_POSTGRES_CA"),
    ) else {
        return;
    };
    let ca = std::path::Path::new(&ca);
    let with = |mode: &str| format!("{url}?sslmode={mode}");

    let refused = session_encrypted(&with("disable"), None).await.unwrap_err();
    assert!(refused.contains("no encryption"), "{refused}");
    assert_eq!(session_encrypted(&with("require"), None).await, Ok(true));
    assert_eq!(
        session_encrypted(&url, None).await,
        Ok(true),
        "a local server: prefer"
    );
    assert_eq!(
        session_encrypted(&with("verify-full"), Some(ca)).await,
        Ok(true)
    );
    let unknown = session_encrypted(&with("verify-full"), None)
        .await
        .unwrap_err();
    assert!(unknown.to_lowercase().contains("certificate"), "{unknown}");

    // A host name the certificate does not carry: verify-ca checks only the chain.
    let port = url.rsplit_once(':').unwrap().1.split('/').next().unwrap();
    let renamed = |mode: &str| {
        format!(
            "host=elsewhere.invalid hostaddr=127.0.0.1 port={port} user=cxqa_tls dbname=cxqa_test sslmode={mode}"
        )
    };
    assert_eq!(
        session_encrypted(&renamed("verify-ca"), Some(ca)).await,
        Ok(true)
    );
    let wrong_name = session_encrypted(&renamed("verify-full"), Some(ca))
        .await
        .unwrap_err();
    assert!(wrong_name.contains("not valid for name"), "{wrong_name}");

    let schema = format!("tls{}", std::process::id());
    let mut sink = PostgresSink::connect(&with("verify-full"), &schema, Some(ca))
        .await
        .unwrap();
    let stats = sink
        .commit(batch(vec![envelope("a1", 1)], vec![], 1))
        .await
        .unwrap();
    assert_eq!(stats.inserted, 1);
    let err = PostgresSink::connect(&with("disable"), &schema, None)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("sslmode"),
        "the error names what to check: {err}"
    );
}
