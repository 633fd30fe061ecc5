//! The webhook sink: batches of normalized records POSTed as JSON to a coaching or QA platform.
//! Each body is signed (`X-Cxqa-Signature: sha256=<hex HMAC-SHA256 of the body>`) and carries an
//! `Idempotency-Key` (SHA-256 of stream and body), so a re-delivered batch is recognisable.
//! 5xx and timeouts are retried with backoff by the HTTP client; a 4xx fails clearly.

use crate::{Batch, Sink, SinkError, StateFile, StateKey, StreamState, WriteStats};
use async_trait::async_trait;
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `sha256=<hex>` of the body under the shared secret.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    format!("sha256={}", hex(ring::hmac::sign(&key, body).as_ref()))
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

    async fn post(&self, body: Vec<u8>, stream: &str) -> Result<(), SinkError> {
        let key = ring::digest::digest(
            &ring::digest::SHA256,
            &[stream.as_bytes(), b"\n", &body].concat(),
        );
        let request = Request::post(&self.url, "{webhook}")
            .header("Content-Type", "application/json")
            .header(
                SIGNATURE_HEADER,
                signature(self.secret.expose_secret().as_bytes(), &body),
            )
            .header("Idempotency-Key", hex(key.as_ref()))
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
        let records: Vec<&serde_json::Value> = batch.records.iter().map(|e| &e.record).collect();
        for (i, chunk) in records.chunks(self.batch_size).enumerate() {
            // Tombstones travel with the first batch of the page (or alone).
            let tombstones = if i == 0 {
                serde_json::to_value(&batch.tombstones).unwrap_or_default()
            } else {
                serde_json::json!([])
            };
            let body = serde_json::to_vec(&serde_json::json!({ "stream": stream, "records": chunk, "tombstones": tombstones }))
                .map_err(|e| SinkError::Encode(e.to_string()))?;
            self.post(body, &stream).await?;
            stats.inserted += chunk.len() as u64;
        }
        if records.is_empty() && !batch.tombstones.is_empty() {
            let body = serde_json::to_vec(&serde_json::json!({ "stream": stream, "records": [], "tombstones": batch.tombstones }))
                .map_err(|e| SinkError::Encode(e.to_string()))?;
            self.post(body, &stream).await?;
        }
        stats.tombstoned = batch.tombstones.len() as u64;
        self.state.put(&batch.key, batch.state)?;
        Ok(stats)
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Envelope;
    use cxqa_core::Stream;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request as Received, Respond, ResponseTemplate};

    const SECRET: &str = "webhook-shared-secret";

    /// A receiver that checks the signature like a real one would.
    struct Verifying;

    impl Respond for Verifying {
        fn respond(&self, request: &Received) -> ResponseTemplate {
            let given = request
                .headers
                .get(SIGNATURE_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if given == signature(SECRET.as_bytes(), &request.body)
                && request.headers.contains_key("idempotency-key")
            {
                ResponseTemplate::new(200)
            } else {
                ResponseTemplate::new(401)
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
                .map(|i| Envelope {
                    stream: Stream::Surveys,
                    vendor: "v".into(),
                    id: format!("s{i}"),
                    modified_at: None,
                    record: serde_json::json!({ "id": format!("s{i}") }),
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
}
