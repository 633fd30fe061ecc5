//! Interaction Analytics: analyzed segments and their transcripts.

use super::*;

pub(super) fn has_transcript(c: &Conversation) -> bool {
    // Some analyzed segments have no transcript (not analyzed yet, or purged): 404.
    c.analytics.is_some() && c.contact_id % 8 != 0
}

pub(super) fn sentiment_word(score: f64) -> &'static str {
    match score {
        s if s > 15.0 => "Positive",
        s if s < -15.0 => "Negative",
        _ => "Neutral",
    }
}

pub(super) async fn analyzed_segments(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let by_annotation = params.get("dateField") == Some("firstAnnotatedAt");
    let when = |c: &Conversation| {
        if by_annotation {
            c.end + Duration::minutes(10)
        } else {
            c.start
        }
    };
    let descending = params.get("order") == Some("desc");
    let page_size = params.number("pageSize", 100).clamp(1, 1000) as usize;
    // The cursor is epoch milliseconds of dateField; the date bounds seed it when it is absent.
    // Like the real API, endingDate is not enforced: callers must stop at the window edge.
    let cursor = params
        .get("cursor")
        .and_then(|c| c.parse::<i64>().ok())
        .or_else(|| {
            params
                .time(if descending {
                    "endingDate"
                } else {
                    "beginningDate"
                })
                .map(|t| t.timestamp_millis())
        });
    let mut rows: Vec<&Conversation> = world
        .conversations
        .iter()
        .filter(|c| c.analytics.is_some())
        .filter(|c| {
            let at = when(c).timestamp_millis();
            cursor.is_none_or(|cur| if descending { at <= cur } else { at >= cur })
        })
        .collect();
    rows.sort_by_key(|c| when(c));
    if descending {
        rows.reverse();
    }
    let page: Vec<&Conversation> = rows.into_iter().take(page_size).collect();
    let next_cursor = match (page.last(), descending) {
        (Some(last), false) => when(last).timestamp_millis() + 1,
        (Some(last), true) => when(last).timestamp_millis() - 1,
        // At the end the link repeats the cursor it was given (seen on real tenants).
        (None, _) => cursor.unwrap_or_default(),
    };
    let tenant = world.tenant_id.clone();
    let interactions: Vec<Value> = page
        .iter()
        .map(|c| {
            let a = c.analytics.as_ref().expect("filtered");
            let agent = &world.agents[c.agent];
            let customer_mood = a.phrases.iter().filter(|p| p.party == Party::Customer).map(|p| p.sentiment).sum::<i64>();
            json!({
                "tenantId": tenant, "segmentId": c.segment_id, "acdContactId": c.contact_id,
                "agentContactId": c.contact_id + 1, "interactionId": c.id, "resolved": true,
                "publishedAt": ts(c.end + Duration::minutes(5)), "startTime": ts(c.start), "endTime": ts(c.end),
                "firstAnnotatedAt": ts(c.end + Duration::minutes(10)),
                "mediaType": if c.media == Media::Voice { "PhoneCall" } else { "Chat" },
                "contactNo": [c.contact_id], "holdCount": i64::from(c.hold_ms > 0), "holdSeconds": c.hold_ms / 1000,
                "enlightenSentimentRawScore": a.sentiment_percent / 100.0, "enlightenSentimentIndexScore": (a.sentiment_percent + 100.0) / 2.0,
                "channels": [
                    { "name": "Agent", "sentiment": { "value": "Positive" }, "userId": agent.number },
                    { "name": "Customer", "sentiment": { "value": sentiment_word(a.sentiment_percent) },
                      "beginSentiment": { "value": "Neutral" }, "endSentiment": { "value": if customer_mood < 0 { "Negative" } else { "Positive" } },
                      "frustration": { "type": if customer_mood < 0 { "Frustrated" } else { "None" } } }
                ],
                "categoryMatches": a.topics.iter().map(|(_, name, _)| json!({ "channelName": "Customer", "fullPaths": [[ "Reasons", name ]] })).collect::<Vec<_>>(),
                "entities": [], "segmentSummaryPrimaryIntentName": a.topics.first().map(|t| t.1)
            })
        })
        .collect();
    let base = base(&state);
    let link = |cur: i64| {
        format!(
            "{base}/interaction-analytics-gateway/v2/segments/analyzed?cursor={cur}&pageSize={page_size}&order={}",
            if descending { "desc" } else { "asc" }
        )
    };
    let mut links = json!({ "self": link(cursor.unwrap_or_default()) });
    links[if descending { "previous" } else { "next" }] = json!(link(next_cursor));
    let total = world
        .conversations
        .iter()
        .filter(|c| c.analytics.is_some())
        .count();
    Json(json!({ "totalRecords": total, "interactions": interactions, "links": links }))
        .into_response()
}

pub(super) async fn analyzed_transcript(
    State(state): Shared,
    Path(segment_id): Path<String>,
) -> Response {
    let world = state.world.read().expect("world lock");
    let Some(c) = world
        .conversations
        .iter()
        .find(|c| c.segment_id == segment_id && has_transcript(c))
    else {
        return cxone_error(
            StatusCode::NOT_FOUND,
            "No transcript for this segment",
            "/analyzed-transcript",
        );
    };
    let a = c.analytics.as_ref().expect("has transcript");
    let agent = &world.agents[c.agent];
    let mut offset = 0usize;
    let blocks: Vec<Value> = a
        .phrases
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let is_agent = p.party == Party::Agent;
            let block = json!({
                "channelId": if is_agent { 1 } else { 2 }, "channelName": if is_agent { "Agent" } else { "Customer" },
                "channelUuid": format!("{}-{}", &c.segment_id[..8], if is_agent { "a" } else { "c" }),
                "channelType": if c.media == Media::Voice { "Voice" } else { "Chat" },
                "userType": if is_agent { "Agent" } else { "Customer" },
                "userId": if is_agent { json!(agent.number) } else { Value::Null },
                "blockId": i, "offset": offset, "length": p.text.len(), "text": p.text,
                "voiceMetadata": { "startTime": p.offset_ms, "endTime": p.offset_ms + p.duration_ms, "confidence": p.confidence }
            });
            offset += p.text.len() + 1;
            block
        })
        .collect();
    let annotations: Vec<Value> = a
        .phrases
        .iter()
        .enumerate()
        .filter(|(_, p)| p.sentiment != 0)
        .map(|(i, p)| json!({
            "objectType": "Sentiment", "type": if p.sentiment > 0 { "Positive" } else { "Negative" }, "value": p.sentiment,
            "offset": 0, "highlightLength": p.text.len(), "transcriptOffset": i,
            "channelName": if p.party == Party::Agent { "Agent" } else { "Customer" }, "sentimentCueStrength": 0.8
        }))
        .collect();
    Json(json!({
        "type": if c.media == Media::Voice { "Call" } else { "Chat" }, "language": "en-US", "recordSource": "NICE",
        "fromInterwovenTranscript": false, "annotatedDateTime": ts(c.end + Duration::minutes(10)), "voiceFile": "",
        "transcriptBlocks": blocks, "annotations": annotations, "enlightenMetrics": [],
        "metrics": { "overallSentiment": sentiment_word(a.sentiment_percent), "sentimentScore": format!("{:.2}", a.sentiment_percent / 100.0) },
        "segmentSummary": { "summary": format!("Customer wanted to {}.", a.topics[0].2),
                            "primaryIntent": { "category": "Service", "score": 0.9, "topic": a.topics[0].1, "name": a.topics[0].1 } }
    }))
    .into_response()
}
