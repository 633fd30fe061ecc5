//! `transcripts`: for analyzed conversations, the STA conversation metrics (sentiment), the
//! transcript URL of the agent's communication, and the transcript document behind it
//! (a pre-signed URL fetched without the bearer token; a 403 gets a fresh URL once).

use crate::api::GenesysApi;
use crate::details::{Conversation, DetailsSettings, Focus, conversation_pages};
use chrono::DateTime;
use cxqa_core::model::{PiiSummary, Sentiment, SpeakerRole, Topic, Transcript, Utterance};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, SourceError};
use cxqa_http::{Auth, Request};
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::Deserialize;

const METRICS: &str = "/api/v2/speechandtextanalytics/conversations/{conversationId}";
const URL: &str = "/api/v2/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}/transcripturl";

pub struct Transcripts {
    pub api: GenesysApi,
    pub details: DetailsSettings,
    pub concurrency: usize,
    pub sentiment_scale: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    sentiment_score: Option<f64>,
    sentiment_trend: Option<f64>,
    sentiment_trend_class: Option<String>,
}

#[derive(Deserialize)]
struct UrlResponse {
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    start_time: Option<i64>,
    duration: Option<Millis>,
    #[serde(default)]
    transcripts: Vec<DocumentTranscript>,
}

#[derive(Deserialize)]
struct Millis {
    milliseconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentTranscript {
    language: Option<String>,
    #[serde(default)]
    phrases: Vec<Phrase>,
    analytics: Option<Analytics>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Phrase {
    phrase_index: Option<u32>,
    participant_purpose: Option<String>,
    text: Option<String>,
    confidence: Option<f64>,
    offset: Option<Millis>,
    duration: Option<Millis>,
}

#[derive(Deserialize)]
struct Analytics {
    #[serde(default)]
    sentiment: Vec<PhraseSentiment>,
    #[serde(default)]
    topics: Vec<DocumentTopic>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhraseSentiment {
    phrase_index: Option<u32>,
    sentiment: Option<i8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentTopic {
    topic_id: Option<String>,
    topic_name: Option<String>,
    topic_phrase: Option<String>,
}

/// A transcript's id: its conversation's and communication's.
fn transcript_id(conversation_id: &str, communication: &str) -> String {
    format!("{conversation_id}:{communication}")
}

impl Transcripts {
    /// The transcript of one conversation, or None when it was not analyzed or is filtered out.
    async fn transcript(
        &self,
        request: &ExtractRequest,
        c: &Conversation,
    ) -> Result<Option<Transcript>, SourceError> {
        let cid = &c.conversation_id;
        let Some(communication) = c
            .agents()
            .flat_map(|p| &p.sessions)
            .find_map(|s| s.session_id.clone())
        else {
            return Ok(None);
        };
        // Genesys names no analysis time; a transcript is made once the conversation is over,
        // so its end versions it: one stored with that end is not asked for again.
        if request
            .prior
            .holds_unchanged(&transcript_id(cid, &communication), c.conversation_end)
        {
            return Ok(None);
        }
        let metrics = self
            .api
            .get(
                &format!("/api/v2/speechandtextanalytics/conversations/{cid}"),
                METRICS,
            )
            .pass_through(&[404]);
        // 404: no analysis. A body that does not decode is retried like a 5xx.
        let Ok(metrics) = self
            .api
            .http
            .json_or_status::<Metrics>(&metrics, &self.api.auth)
            .await?
        else {
            return Ok(None);
        };
        let sentiment = metrics.sentiment_score.map(|score| Sentiment {
            score: cxqa_core::score::round4((score / self.sentiment_scale).clamp(-1.0, 1.0)),
            trend: metrics.sentiment_trend,
            trend_class: metrics.sentiment_trend_class.clone(),
        });
        // Skip the transcript download when the sentiment filter already excludes it.
        let score = sentiment.as_ref().map(|s| s.score);
        if request.filters.sentiment.is_some_and(|f| !f.accepts(score)) {
            return Ok(None);
        }
        let Some(document) = self.document(cid, &communication).await? else {
            return Ok(None);
        };
        let transcript = to_transcript(c, &communication, document, sentiment);
        Ok(Some(transcript))
    }

    async fn document(
        &self,
        cid: &str,
        communication: &str,
    ) -> Result<Option<Document>, SourceError> {
        let path = format!(
            "/api/v2/speechandtextanalytics/conversations/{cid}/communications/{communication}/transcripturl"
        );
        for _ in 0..2 {
            let Ok(url) = self
                .api
                .http
                .json_or_status::<UrlResponse>(
                    &self.api.get(&path, URL).pass_through(&[404]),
                    &self.api.auth,
                )
                .await?
            else {
                return Ok(None);
            };
            // Pre-signed: no bearer token; an expired link answers 403 and gets one fresh try.
            let download = Request::get(&url.url, "{transcript url}")
                .pass_through(&[403])
                .presigned();
            if let Ok(document) = self
                .api
                .http
                .json_or_status::<Document>(&download, &Auth::None)
                .await?
            {
                return Ok(Some(document));
            }
        }
        Err(SourceError::Other(format!(
            "genesys: the transcript link for conversation {cid} was refused twice (403); run again later"
        )))
    }
}

impl Source<Transcript> for Transcripts {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Transcript> {
        let pages = conversation_pages(
            &self.api,
            &self.details,
            request,
            request.prior.checkpoint.as_ref(),
            Focus::All,
        );
        Box::pin(pages.and_then(move |page| {
            async move {
                let candidates: Vec<usize> = (0..page.records.len())
                    .filter(|&i| {
                        matches!(
                            page.records[i].media_type().as_deref(),
                            Some("voice" | "chat" | "message" | "callback")
                        )
                    })
                    .collect();
                let records = &page.records;
                let found: Vec<Option<Transcript>> = futures::stream::iter(candidates)
                    .map(|i| self.transcript(request, &records[i]).boxed())
                    .buffered(self.concurrency.max(1))
                    .try_collect()
                    .await?;
                Ok(page.with_records(found.into_iter().flatten().collect()))
            }
            .boxed()
        }))
    }
}

fn speaker(purpose: Option<&str>) -> SpeakerRole {
    match purpose {
        Some("internal" | "agent" | "user") => SpeakerRole::Agent,
        Some("external" | "customer") => SpeakerRole::Customer,
        Some("ivr") => SpeakerRole::Ivr,
        Some("acd" | "system") => SpeakerRole::System,
        other => SpeakerRole::Other(other.unwrap_or("unknown").to_string()),
    }
}

pub(crate) fn to_transcript(
    c: &Conversation,
    communication: &str,
    document: Document,
    sentiment: Option<Sentiment>,
) -> Transcript {
    let mut utterances = Vec::new();
    let mut topics = Vec::new();
    let mut language = None;
    for part in document.transcripts {
        language = language.or(part.language);
        let sentiments = part
            .analytics
            .as_ref()
            .map(|a| a.sentiment.as_slice())
            .unwrap_or_default();
        for phrase in part.phrases {
            let index = phrase.phrase_index.unwrap_or(utterances.len() as u32);
            let text = phrase.text.unwrap_or_default();
            let start = phrase
                .offset
                .and_then(|o| o.milliseconds)
                .map(|m| m.max(0) as u64);
            let length = phrase
                .duration
                .and_then(|d| d.milliseconds)
                .map(|m| m.max(0) as u64);
            utterances.push(Utterance {
                index,
                speaker: speaker(phrase.participant_purpose.as_deref()),
                speaker_id: None,
                start_ms: start,
                end_ms: start.zip(length).map(|(s, l)| s + l),
                text,
                confidence: phrase.confidence,
                sentiment: sentiments
                    .iter()
                    .find(|s| s.phrase_index == Some(index))
                    .and_then(|s| s.sentiment),
            });
        }
        if let Some(analytics) = part.analytics {
            topics.extend(analytics.topics.into_iter().filter_map(|t| {
                Some(Topic {
                    id: t.topic_id,
                    name: t.topic_name?,
                    phrase: t.topic_phrase,
                })
            }));
        }
    }
    // Phrases carry no user id; the agent participant is the only internal speaker we know.
    let agent_id = c.agent_id();
    for u in &mut utterances {
        if u.speaker == SpeakerRole::Agent {
            u.speaker_id = agent_id.clone();
        }
    }
    Transcript {
        vendor: crate::VENDOR.into(),
        id: transcript_id(&c.conversation_id, communication),
        interaction_id: Some(c.conversation_id.clone()),
        communication_id: Some(communication.to_string()),
        agent_id,
        media_type: c.media_type(),
        language,
        started_at: document
            .start_time
            .and_then(DateTime::from_timestamp_millis)
            .or(c.conversation_start),
        duration_ms: document
            .duration
            .and_then(|d| d.milliseconds)
            .map(|m| m.max(0) as u64),
        sentiment,
        pii: PiiSummary::default(),
        utterances,
        topics,
        keyword_hits: Vec::new(),
        modified_at: c.conversation_end,
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}
