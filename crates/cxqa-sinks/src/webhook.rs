//! The webhook sink: batches of normalized records POSTed as JSON to a coaching or QA platform.
//!
//! Each request carries `X-Cxqa-Timestamp` (Unix seconds) and `X-Cxqa-Signature:
//! sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, so a receiver that rejects old timestamps
//! ([`verify`]) cannot be fed a captured request again later. `Idempotency-Key` is a SHA-256 of
//! what identifies the batch (stream, and each record's vendor, id and `modified_at`, each
//! tombstone's vendor and id), not of volatile fields like `extracted_at`, so a re-delivered batch
//! carries the same key. 5xx and timeouts are retried with backoff by the HTTP client; a 4xx
//! fails clearly.

use crate::{Batch, Envelope, Sink, SinkError, StateFile, StateKey, StreamState, WriteStats};
use async_trait::async_trait;
use cxqa_core::model::Tombstone;
use cxqa_http::{Auth, HttpClient, HttpSettings, Request};
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Arc;

pub struct WebhookSink {
    http: HttpClient,
    url: String,
    secret: SecretString,
    batch_size: usize,
    state: StateFile,
}

pub const SIGNATURE_HEADER: &str = "X-Cxqa-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Cxqa-Timestamp";
/// How old a request's timestamp may be (or how far ahead) before [`verify`] refuses it.
pub const REPLAY_WINDOW_SECS: i64 = 300;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn signed_message(timestamp: i64, body: &[u8]) -> Vec<u8> {
    [timestamp.to_string().as_bytes(), b".", body].concat()
}

/// `sha256=<hex>` of `"<timestamp>.<body>"` under the shared secret.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, &signed_message(timestamp, body));
    format!("sha256={}", hex(tag.as_ref()))
}

/// What a receiver checks: the signature over the timestamp and body (compared in constant
/// time), and a timestamp within [`REPLAY_WINDOW_SECS`] of `now` (Unix seconds). Err says which
/// check failed.
pub fn verify(
    secret: &[u8],
    timestamp: &str,
    signature_header: &str,
    body: &[u8],
    now: i64,
) -> Result<(), &'static str> {
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "timestamp is not a number")?;
    let tag = signature_header
        .trim()
        .strip_prefix("sha256=")
        .and_then(unhex)
        .ok_or("signature is not sha256=<hex>")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::verify(&key, &signed_message(sent, body), &tag)
        .map_err(|_| "signature does not match")?;
    if (now - sent).abs() > REPLAY_WINDOW_SECS {
        return Err("timestamp outside the replay window");
    }
    Ok(())
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The key of a batch: its stream and what identifies each record and tombstone in it.
fn idempotency_key(stream: &str, records: &[&Envelope], tombstones: &[Tombstone]) -> String {
    let mut identity = format!("{stream}\n");
    for record in records {
        let modified = record
            .modified_at
            .map(|m| m.to_rfc3339())
            .unwrap_or_default();
        identity.push_str(&format!(
            "r\t{}\t{}\t{modified}\n",
            record.vendor, record.id
        ));
    }
    for tombstone in tombstones {
        identity.push_str(&format!("t\t{}\t{}\n", tombstone.vendor, tombstone.id));
    }
    hex(ring::digest::digest(&ring::digest::SHA256, identity.as_bytes()).as_ref())
}

impl WebhookSink {
    pub fn open(
        url: String,
        secret: SecretString,
        batch_size: usize,
        state_file: PathBuf,
        events: Arc<dyn cxqa_core::events::RequestEventSink>,
    ) -> Result<Self, SinkError> {
        let http = HttpClient::new(
            "webhook",
            &HttpSettings::default(),
            events,
            Arc::new(cxqa_http::GenericErrors),
        )
        .map_err(|e| SinkError::Io {
            path: url.clone(),
            detail: e.to_string(),
        })?;
        Ok(WebhookSink {
            http,
            url,
            secret,
            batch_size: batch_size.max(1),
            state: StateFile::load(state_file)?,
        })
    }

    async fn post(
        &self,
        stream: &str,
        records: &[&Envelope],
        tombstones: &[Tombstone],
    ) -> Result<(), SinkError> {
        let body = body(stream, records, tombstones)?;
        let timestamp = chrono::Utc::now().timestamp();
        let request = Request::post(&self.url, "{webhook}")
            .header("Content-Type", "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                signature(self.secret.expose_secret().as_bytes(), timestamp, &body),
            )
            .header(
                "Idempotency-Key",
                idempotency_key(stream, records, tombstones),
            )
            .bytes(body);
        self.http
            .send(&request, &Auth::None)
            .await
            .map(|_| ())
            .map_err(|e| SinkError::Io { path: "webhook".into(), detail: format!("{e} (the receiver refused the batch; fix the receiver or the URL and run again: nothing is lost)") })
    }
}

#[async_trait]
impl Sink for WebhookSink {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        Ok(self.state.get(key))
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let stream = batch.key.stream.to_string();
        let mut stats = WriteStats::default();
        let records: Vec<&Envelope> = batch.records.iter().collect();
        for (i, chunk) in records.chunks(self.batch_size).enumerate() {
            // Tombstones travel with the first batch of the page.
            let tombstones: &[Tombstone] = if i == 0 { &batch.tombstones } else { &[] };
            self.post(&stream, chunk, tombstones).await?;
            stats.inserted += chunk.len() as u64;
        }
        if records.is_empty() && !batch.tombstones.is_empty() {
            self.post(&stream, &[], &batch.tombstones).await?;
        }
        stats.tombstoned = batch.tombstones.len() as u64;
        self.state.put(&batch.key, batch.state)?;
        Ok(stats)
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A POST's body, `{"records": [...], "stream": "...", "tombstones": [...]}`: the records' JSON
/// text as encoded, not decoded and encoded again.
fn body(
    stream: &str,
    records: &[&Envelope],
    tombstones: &[Tombstone],
) -> Result<Vec<u8>, SinkError> {
    let encode = |e: serde_json::Error| SinkError::Encode(e.to_string());
    let mut body = b"{\"records\":[".to_vec();
    for (i, envelope) in records.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(envelope.json.as_bytes());
    }
    body.extend_from_slice(b"],\"stream\":");
    serde_json::to_writer(&mut body, stream).map_err(encode)?;
    body.extend_from_slice(b",\"tombstones\":");
    serde_json::to_writer(&mut body, tombstones).map_err(encode)?;
    body.push(b'}');
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Envelope;
    use cxqa_core::Stream;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request as Received, Respond, ResponseTemplate};

    const SECRET: &str = "webhook-shared-secret";

    fn header<'r>(request: &'r Received, name: &str) -> &'r str {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// What a receiver does with a request arriving at `now`: [`verify`] it.
    fn receive(request: &Received, now: i64) -> Result<(), &'static str> {
        verify(
            SECRET.as_bytes(),
            header(request, TIMESTAMP_HEADER),
            header(request, SIGNATURE_HEADER),
            &request.body,
            now,
        )
    }

    /// A receiver that checks the signature and timestamp like a real one would.
    struct Verifying;

    impl Respond for Verifying {
        fn respond(&self, request: &Received) -> ResponseTemplate {
            let keyed = request.headers.contains_key("idempotency-key");
            match receive(request, chrono::Utc::now().timestamp()) {
                Ok(()) if keyed => ResponseTemplate::new(200),
                _ => ResponseTemplate::new(401),
            }
        }
    }

    fn batch(n: usize) -> Batch {
        Batch {
            key: StateKey {
                pipeline: "p".into(),
                vendor: "v".into(),
                stream: Stream::Surveys,
            },
            records: (0..n)
                .map(|i| {
                    Envelope::of_value(
                        Stream::Surveys,
                        "v",
                        &format!("s{i}"),
                        Some(chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(i as i64)),
                        &serde_json::json!({ "id": format!("s{i}"), "extracted_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true) }),
                    )
                })
                .collect(),
            tombstones: vec![],
            state: StreamState::default(),
        }
    }

    fn sink(server: &MockServer, secret: &str, dir: &tempfile::TempDir) -> WebhookSink {
        WebhookSink::open(
            format!("{}/hook", server.uri()),
            SecretString::from(secret),
            2,
            dir.path().join("state.json"),
            cxqa_core::events::discard(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn batches_are_signed_and_verified_by_the_receiver() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(Verifying)
            .expect(3)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let stats = sink(&server, SECRET, &dir).commit(batch(5)).await.unwrap();
        assert_eq!(stats.inserted, 5);
        let bodies: Vec<serde_json::Value> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        assert_eq!(
            bodies
                .iter()
                .map(|b| b["records"].as_array().unwrap().len())
                .collect::<Vec<_>>(),
            vec![2, 2, 1]
        );
    }

    #[tokio::test]
    async fn server_errors_are_retried_and_a_4xx_fails_clearly() {
        let server = MockServer::start().await;
        Mock::given(path("/hook"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(path("/hook"))
            .respond_with(Verifying)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        sink(&server, SECRET, &dir).commit(batch(1)).await.unwrap();
        // A wrong secret: the receiver answers 401, which is not retried.
        let err = sink(&server, "wrong-secret", &dir)
            .commit(batch(1))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("401") && err.contains("nothing is lost"),
            "{err}"
        );
        assert!(!err.contains("wrong-secret"));
    }

    /// A captured request is accepted once, within the window; replayed later it is refused,
    /// and a timestamp moved forward breaks the signature.
    #[tokio::test]
    async fn a_replayed_request_is_refused_and_a_redelivered_batch_keeps_its_key() {
        let server = MockServer::start().await;
        Mock::given(path("/hook"))
            .respond_with(Verifying)
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let mut webhook = sink(&server, SECRET, &dir);
        webhook.commit(batch(2)).await.unwrap();
        // The same records again, extracted later: a new body, the same batch.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        webhook.commit(batch(2)).await.unwrap();
        let mut changed = batch(2);
        changed.records[1].modified_at = Some(chrono::Utc::now());
        webhook.commit(changed).await.unwrap();
        let received = server.received_requests().await.unwrap();
        let keys: Vec<&str> = received
            .iter()
            .map(|r| header(r, "idempotency-key"))
            .collect();
        assert_ne!(received[0].body, received[1].body, "extracted_at differs");
        assert_eq!(keys[0], keys[1], "a re-delivered batch keeps its key");
        assert_ne!(keys[1], keys[2], "a changed record is a new batch");

        let captured = &received[0];
        let sent: i64 = header(captured, TIMESTAMP_HEADER).parse().unwrap();
        assert_eq!(receive(captured, sent + 60), Ok(()));
        assert_eq!(
            receive(captured, sent + REPLAY_WINDOW_SECS + 1),
            Err("timestamp outside the replay window")
        );
        let mut moved = captured.clone();
        moved
            .headers
            .insert(TIMESTAMP_HEADER, (sent + 3600).to_string().parse().unwrap());
        assert_eq!(
            receive(&moved, sent + 3600),
            Err("signature does not match")
        );
    }

    /// The README's Python receiver computes the same signature (value from running it).
    #[test]
    fn the_signature_is_what_the_readme_receiver_computes() {
        assert_eq!(
            signature(b"k", 1_700_000_000, b"{}"),
            "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"
        );
    }
}
