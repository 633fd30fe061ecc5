//! Speech and text analytics: conversation metrics, the transcript URL and the pre-signed
//! transcript document.

use super::*;

pub(super) fn analyzed<'a>(
    world: &'a World,
    caller: &Caller,
    conversation_id: &str,
) -> Option<&'a Conversation> {
    world
        .conversations
        .iter()
        .find(|c| c.id == conversation_id && c.analytics.is_some() && visible(world, caller, c))
}

pub(super) async fn conversation_metrics(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path(conversation_id): Path<String>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = analyzed(&world, &caller, &conversation_id) else {
        return not_found("conversation analytics");
    };
    let a = c.analytics.as_ref().expect("analyzed");
    Json(json!({
        "conversation": { "id": c.id, "selfUri": format!("/api/v2/conversations/{}", c.id) },
        "sentimentScore": a.sentiment_percent, "sentimentTrend": a.sentiment_trend, "sentimentTrendClass": trend_class(a.trend),
        "empathyScores": [{ "score": 0.7, "userId": world.agents[c.agent].id }],
        "participantMetrics": { "agentDurationPercentage": 48.0, "customerDurationPercentage": 42.0, "silenceDurationPercentage": 10.0,
                                "ivrDurationPercentage": 0.0, "acdDurationPercentage": 0.0, "overtalkDurationPercentage": 1.5,
                                "otherDurationPercentage": 0.0, "overtalkCount": 1 }
    }))
    .into_response()
}

pub(super) async fn transcript_url(
    State(state): Shared,
    Extension(caller): Extension<Caller>,
    Path((conversation_id, communication_id)): Path<(String, String)>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = analyzed(&world, &caller, &conversation_id) else {
        return not_found("transcript");
    };
    if communication_id != c.agent_session_id && communication_id != c.customer_session_id {
        return not_found("communication");
    }
    let expires = Utc::now().timestamp() + switches(&state).transcript_url_secs as i64;
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{}|{expires}", c.id, communication_id));
    let base = state.url("genesys");
    Json(json!({ "url": format!("{base}/transcripts/{key}?X-Amz-Expires={}&X-Amz-Signature=emulated", switches(&state).transcript_url_secs) })).into_response()
}

/// The pre-signed URL's document: no bearer token, expires like S3.
pub(super) async fn transcript_document(
    State(state): Shared,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.count("/transcripts/{key}");
    let denied = |reason: &str| {
        (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "application/xml")],
         format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>{reason}</Message></Error>")).into_response()
    };
    if bearer(&headers).is_some() {
        return (StatusCode::BAD_REQUEST, "Only one auth mechanism allowed").into_response();
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&key)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some(decoded) = decoded else {
        return denied("Invalid key");
    };
    let parts: Vec<&str> = decoded.split('|').collect();
    let [conversation_id, communication_id, expires] = parts[..] else {
        return denied("Invalid key");
    };
    if expires
        .parse::<i64>()
        .is_ok_and(|e| e < Utc::now().timestamp())
    {
        return denied("Request has expired");
    }
    let world = state.world.read().expect("world lock");
    let Some(c) = world.conversations.iter().find(|c| c.id == conversation_id) else {
        return denied("No such key");
    };
    let Some(a) = &c.analytics else {
        return denied("No such key");
    };
    let agent = &world.agents[c.agent];
    let start_ms = c.start.timestamp_millis();
    let phrases: Vec<Value> = a.phrases.iter().enumerate().map(|(i, p)| json!({
        "phraseIndex": i, "participantPurpose": purpose(p.party), "text": p.text, "decoratedText": p.text,
        "stability": 1.0, "confidence": p.confidence, "offset": { "milliseconds": p.offset_ms },
        "startTimeMs": start_ms + p.offset_ms, "duration": { "milliseconds": p.duration_ms }, "type": "transcript",
        "words": [], "alternatives": []
    })).collect();
    let sentiment: Vec<Value> = a.phrases.iter().enumerate().map(|(i, p)| json!({
        "participant": purpose(p.party), "phrase": p.text, "phraseIndex": i, "sentiment": p.sentiment,
        "offset": { "milliseconds": p.offset_ms }, "startTimeMs": start_ms + p.offset_ms, "duration": { "milliseconds": p.duration_ms }
    })).collect();
    let topics: Vec<Value> = a.topics.iter().map(|(id, name, phrase)| json!({
        "participant": "external", "topicId": id, "topicName": name, "topicPhrase": phrase, "transcriptPhrase": phrase,
        "confidence": 0.9, "offset": { "milliseconds": a.phrases[1].offset_ms }, "startTimeMs": start_ms + a.phrases[1].offset_ms,
        "duration": { "milliseconds": a.phrases[1].duration_ms }
    })).collect();
    let total_ms = a.phrases.last().map_or(0, |p| p.offset_ms + p.duration_ms);
    let media = media_type(c.media);
    Json(json!({
        "organizationId": world.org_id, "conversationId": c.id, "communicationId": communication_id,
        "mediaType": if media == "voice" { "call" } else { media },
        "conversationStartTime": start_ms, "startTime": start_ms, "duration": { "milliseconds": total_ms },
        "participants": [
            { "participantPurpose": "internal", "userId": agent.id, "queueId": world.queues[c.queue].id, "startTimeMs": start_ms, "endTimeMs": start_ms + total_ms },
            { "participantPurpose": "external", "ani": "tel:+13175550100", "startTimeMs": start_ms, "endTimeMs": start_ms + total_ms }
        ],
        "transcripts": [{
            "transcriptId": format!("{}-t", &c.id[..8]), "language": "en-US", "programId": "default", "engineId": "emulated",
            "startTime": start_ms, "duration": { "milliseconds": total_ms },
            "phrases": phrases,
            "analytics": { "sentiment": sentiment, "topics": topics, "acoustic": [] }
        }]
    }))
    .into_response()
}
