//! `transcripts`: Interaction Analytics analyzed segments (epoch-ms cursor, guarded against
//! repeated cursors and pages beyond the window), then one analyzed transcript per segment with
//! bounded concurrency (404 = none).

use crate::api::CxoneApi;
use crate::contacts::{id_text, media};
use crate::scope::Scopes;
use chrono::{DateTime, Utc};
use cxqa_core::model::{PiiSummary, Sentiment, SpeakerRole, Topic, Transcript, Utterance};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, paginate};
use cxqa_http::Request;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

const SEGMENTS: &str = "/interaction-analytics-gateway/v2/segments/analyzed";
const TRANSCRIPT: &str =
    "/interaction-analytics-gateway/v2/segments/{segmentId}/analyzed-transcript";

pub struct Transcripts {
    pub api: CxoneApi,
    pub page_size: u32,
    pub concurrency: usize,
    /// The segments' contacts, for the agent, skill and division filters.
    pub scopes: Arc<Scopes>,
}

#[derive(Deserialize)]
struct SegmentPage {
    #[serde(default)]
    interactions: Vec<Segment>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Segment {
    segment_id: String,
    acd_contact_id: Option<Value>,
    /// When the analysis was published: the transcript's change time.
    published_at: Option<String>,
    start_time: Option<String>,
    end_time: Option<String>,
    media_type: Option<String>,
    enlighten_sentiment_raw_score: Option<f64>,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default)]
    category_matches: Vec<CategoryMatch>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Channel {
    name: Option<String>,
    user_id: Option<Value>,
    end_sentiment: Option<Named>,
}

#[derive(Debug, Deserialize)]
struct Named {
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CategoryMatch {
    #[serde(default)]
    full_paths: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AnalyzedTranscript {
    language: Option<String>,
    #[serde(default)]
    transcript_blocks: Vec<Block>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Block {
    block_id: Option<u32>,
    channel_name: Option<String>,
    user_type: Option<String>,
    user_id: Option<Value>,
    text: Option<String>,
    voice_metadata: Option<VoiceMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VoiceMetadata {
    start_time: Option<f64>,
    end_time: Option<f64>,
    confidence: Option<f64>,
}

impl Segment {
    fn start(&self) -> Option<DateTime<Utc>> {
        self.start_time.as_deref().and_then(parse_lenient)
    }

    /// The segment's sentiment (−1 … 1) and the customer's end sentiment as its trend class.
    pub(crate) fn sentiment(&self) -> Option<Sentiment> {
        self.enlighten_sentiment_raw_score.map(|score| Sentiment {
            score: cxqa_core::score::round4(score.clamp(-1.0, 1.0)),
            trend: None,
            trend_class: self
                .channels
                .iter()
                .find(|c| c.name.as_deref() == Some("Customer"))
                .and_then(|c| {
                    c.end_sentiment
                        .as_ref()?
                        .value
                        .as_ref()?
                        .as_str()
                        .map(str::to_string)
                }),
        })
    }
}

impl Transcripts {
    /// One page of analyzed segments from `cursor` (epoch ms of startTime).
    async fn segments(
        &self,
        request: &ExtractRequest,
        cursor: i64,
    ) -> Result<Vec<Segment>, SourceError> {
        let base = self.api.base().await?;
        let http = Request::get(format!("{base}{SEGMENTS}"), SEGMENTS)
            .query("dateField", "startTime")
            .query(
                "beginningDate",
                request
                    .window
                    .from
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )
            .query(
                "endingDate",
                request
                    .window
                    .to
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )
            .query("pageSize", request.page_size.unwrap_or(self.page_size))
            .query("order", "asc")
            .query("cursor", cursor);
        let page: SegmentPage = self.api.http.json(&http, &self.api.auth).await?;
        Ok(page.interactions)
    }

    async fn transcript(
        &self,
        request: &ExtractRequest,
        segment: Segment,
    ) -> Result<Option<Transcript>, SourceError> {
        // Stored as it was last analyzed: no need to download it again.
        let published = segment.published_at.as_deref().and_then(parse_lenient);
        if request
            .prior
            .holds_unchanged(&segment.segment_id, published)
        {
            return Ok(None);
        }
        let sentiment = segment.sentiment();
        // Skip the transcript call when the sentiment filter already excludes it, or the
        // agent, skill and division filters the segment's contact.
        if request
            .filters
            .sentiment
            .is_some_and(|f| !f.accepts(sentiment.as_ref().map(|s| s.score)))
        {
            return Ok(None);
        }
        let contact = segment.acd_contact_id.as_ref().and_then(id_text);
        if !self
            .scopes
            .keep(&request.filters, request.window, contact.as_deref(), None)
            .await?
        {
            return Ok(None);
        }
        let base = self.api.base().await?;
        let url = format!(
            "{base}/interaction-analytics-gateway/v2/segments/{}/analyzed-transcript",
            segment.segment_id
        );
        // 404: no transcript. A body that does not decode is retried like a 5xx.
        let Ok(document) = self
            .api
            .http
            .json_or_status::<AnalyzedTranscript>(
                &Request::get(url, TRANSCRIPT).pass_through(&[404]),
                &self.api.auth,
            )
            .await?
        else {
            return Ok(None);
        };
        let transcript = to_transcript(&segment, document, sentiment, published);
        Ok(Some(transcript))
    }
}

/// A segment and its analyzed transcript as a transcript record.
pub(crate) fn to_transcript(
    segment: &Segment,
    document: AnalyzedTranscript,
    sentiment: Option<Sentiment>,
    published: Option<DateTime<Utc>>,
) -> Transcript {
    let agent_id = segment
        .channels
        .iter()
        .find(|c| c.name.as_deref() == Some("Agent"))
        .and_then(|c| c.user_id.as_ref())
        .and_then(id_text);
    let utterances: Vec<Utterance> = document
        .transcript_blocks
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let role = b
                .user_type
                .as_deref()
                .or(b.channel_name.as_deref())
                .unwrap_or("unknown");
            let speaker = match role.to_lowercase().as_str() {
                "agent" => SpeakerRole::Agent,
                "customer" | "caller" => SpeakerRole::Customer,
                "ivr" => SpeakerRole::Ivr,
                "system" | "bot" => SpeakerRole::System,
                other => SpeakerRole::Other(other.to_string()),
            };
            let voice = b.voice_metadata;
            Utterance {
                index: b.block_id.unwrap_or(i as u32),
                speaker_id: b.user_id.as_ref().and_then(id_text),
                speaker,
                start_ms: voice
                    .as_ref()
                    .and_then(|v| v.start_time)
                    .map(|t| t.max(0.0) as u64),
                end_ms: voice
                    .as_ref()
                    .and_then(|v| v.end_time)
                    .map(|t| t.max(0.0) as u64),
                text: b.text.unwrap_or_default(),
                confidence: voice.and_then(|v| v.confidence),
                sentiment: None,
            }
        })
        .collect();
    let start = segment.start();
    let end = segment.end_time.as_deref().and_then(parse_lenient);
    Transcript {
        vendor: crate::VENDOR.into(),
        id: segment.segment_id.clone(),
        interaction_id: segment.acd_contact_id.as_ref().and_then(id_text),
        communication_id: Some(segment.segment_id.clone()),
        agent_id,
        media_type: media(segment.media_type.as_deref()),
        language: document.language,
        started_at: start,
        duration_ms: start
            .zip(end)
            .map(|(s, e)| (e - s).num_milliseconds().max(0) as u64),
        sentiment,
        utterances,
        topics: segment
            .category_matches
            .iter()
            .flat_map(|m| &m.full_paths)
            .filter_map(|path| path.last())
            .map(|name| Topic {
                id: None,
                name: name.clone(),
                phrase: None,
            })
            .collect(),
        pii: PiiSummary::default(),
        keyword_hits: Vec::new(),
        modified_at: published,
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

impl Source<Transcript> for Transcripts {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Transcript> {
        let window = request.window;
        let start = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<i64>)
            .unwrap_or_else(|| window.from.timestamp_millis());
        paginate(start, request.max_pages, move |cursor: i64| {
            async move {
                let segments = self.segments(request, cursor).await?;
                // The API may ignore the date bounds: keep what started inside the window and stop at
                // its edge; the next cursor is derived from the page (links may repeat the cursor).
                let newest = segments.iter().filter_map(Segment::start).max();
                let past_window = segments
                    .iter()
                    .any(|s| s.start().is_some_and(|t| t >= window.to));
                let inside: Vec<Segment> = segments
                    .into_iter()
                    .filter(|s| s.start().is_some_and(|t| window.contains(t)))
                    .collect();
                let next = newest
                    .map(|t| t.timestamp_millis() + 1)
                    .filter(|n| *n > cursor && !past_window);
                let found: Vec<Option<Transcript>> = futures::stream::iter(inside)
                    .map(|segment| self.transcript(request, segment).boxed())
                    .buffered(self.concurrency.max(1))
                    .try_collect()
                    .await?;
                let mut page = Page::new(found.into_iter().flatten().collect());
                if let Some(n) = next {
                    page = page.with_checkpoint(Checkpoint::new(n));
                }
                Ok((page, next))
            }
            .boxed()
        })
    }
}
