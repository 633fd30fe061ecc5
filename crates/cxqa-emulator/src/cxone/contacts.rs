//! Reporting: completed contacts and one contact by id.

use super::*;

pub(super) fn media_name(media: Media) -> (i64, &'static str) {
    match media {
        Media::Voice => (4, "Call"),
        Media::Chat => (3, "Chat"),
        Media::Email => (1, "Email"),
        Media::Message => (8, "Digital"),
    }
}

/// When the contact record last changed: just after the agent wrapped up.
pub(super) fn last_update(c: &Conversation) -> DateTime<Utc> {
    c.wrapped_up() + Duration::seconds(5)
}

/// Completed-contact fields whose names changed between API versions: (before, since).
/// NICE publishes no release for the renaming; the emulator draws the line at v24.0, so the
/// reference's versions fall on both sides (v21 old; v26, v27, v32, v34 current).
const RENAMED_SINCE_V24: [(&str, &str); 5] = [
    ("ACWSeconds", "acwSeconds"),
    ("contactStart", "contactStartDate"),
    ("fromAddr", "fromAddress"),
    ("toAddr", "toAddress"),
    ("mediaType", "mediaTypeId"),
];

/// A contact with the field names of API version `major`.
fn in_version(mut contact: Value, major: u32) -> Value {
    if let (true, Some(fields)) = (major < 24, contact.as_object_mut()) {
        for (before, since) in RENAMED_SINCE_V24 {
            if let Some(value) = fields.remove(since) {
                fields.insert(before.to_string(), value);
            }
        }
    }
    contact
}

pub(super) fn contact_json(world: &World, c: &Conversation) -> Value {
    let agent = &world.agents[c.agent];
    let team = &world.teams[agent.team];
    let queue = &world.queues[c.queue];
    let wrap = &world.wrap_ups[c.wrap_up];
    let (media_id, media) = media_name(c.media);
    let secs = |ms: i64| ms / 1000;
    json!({
        "contactId": c.contact_id, "masterContactId": c.contact_id,
        "contactStartDate": ts(c.start), "lastUpdateTime": ts(last_update(c)),
        "agentId": agent.number, "firstName": agent.first, "lastName": agent.last,
        "teamId": team.number, "teamName": team.name, "skillId": queue.skill_id, "skillName": queue.name,
        "campaignId": 1, "campaignName": "Inbound", "mediaTypeId": media_id, "mediaTypeName": media,
        "mediaSubTypeId": 0, "mediaSubTypeName": "", "pointOfContactId": 77, "pointOfContactName": "Main line",
        "fromAddress": "+13175550100", "toAddress": "+18005550199", "isOutbound": !c.inbound,
        "abandoned": false, "abandonSeconds": 0, "acwSeconds": secs(c.acw_ms), "agentSeconds": secs(c.talk_ms),
        "conferenceSeconds": 0, "holdCount": i64::from(c.hold_ms > 0), "holdSeconds": secs(c.hold_ms),
        "inQueueSeconds": secs(c.queue_ms), "preQueueSeconds": 2, "postQueueSeconds": 0, "releaseSeconds": 0,
        "totalDurationSeconds": (c.wrapped_up() - c.start).num_seconds(),
        "serviceLevelFlag": 1, "primaryDispositionId": wrap.number, "secondaryDispositionId": 0,
        "dispositionNotes": wrap.name, "endReason": "Contact Hung Up", "isRefused": false, "isShortAbandon": false,
        "isTakeover": false, "isLogged": true, "isAnalyticsProcessed": c.analytics.is_some(),
        "tags": [], "divisionNo": world.divisions[queue.division].number
    })
}

pub(super) async fn completed_contacts(
    State(state): Shared,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(major) = acd_version(&version) else {
        return unsupported_version(&version);
    };
    let params = Params::parse(raw.as_deref());
    let agent = params.get("agentId");
    let world = state.world.read().expect("world lock");
    let (start, end, since) = (
        params.time("startDate"),
        params.time("endDate"),
        params.time("updatedSince"),
    );
    let mut rows: Vec<&Conversation> = world
        .conversations
        .iter()
        .filter(|c| start.is_none_or(|s| c.start >= s) && end.is_none_or(|e| c.start < e))
        .filter(|c| since.is_none_or(|s| last_update(c) >= s))
        .filter(|c| agent.is_none_or(|a| world.agents[c.agent].number.to_string() == a))
        .collect();
    rows.sort_by_key(|c| (last_update(c), c.contact_id));
    if params
        .get("orderBy")
        .is_some_and(|o| o.to_lowercase().contains("desc"))
    {
        rows.reverse();
    }
    let top = params.number("top", 10_000).clamp(1, 10_000) as usize;
    let skip = params.number("skip", 0) as usize;
    let page: Vec<Value> = rows
        .iter()
        .skip(skip)
        .take(top)
        .map(|c| in_version(contact_json(&world, c), major))
        .collect();
    if page.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let link = |s: usize| {
        let mut pairs = params.without(&["skip", "top"]);
        pairs.push(("top".into(), top.to_string()));
        pairs.push(("skip".into(), s.to_string()));
        format!(
            "{}/incontactapi/services/{version}/contacts/completed?{}",
            base(&state),
            crate::http_util::encode_query(&pairs)
        )
    };
    let mut links = json!({ "self": link(skip) });
    if skip + top < rows.len() {
        links["next"] = json!(link(skip + top));
    }
    if skip > 0 {
        links["previous"] = json!(link(skip.saturating_sub(top)));
    }
    Json(
        json!({ "totalRecords": rows.len(), "_links": links, "businessUnitId": 4_600_001,
                 "lastPollTime": ts(world.clock), "completedContacts": page }),
    )
    .into_response()
}

pub(super) async fn contact_by_id(
    State(state): Shared,
    Path((version, contact_id)): Path<(String, String)>,
) -> Response {
    let Some(major) = acd_version(&version) else {
        return unsupported_version(&version);
    };
    let world = state.world.read().expect("world lock");
    match world.conversations.iter().find(|c| c.contact_id.to_string() == contact_id) {
        // The object sits under the odd wrapper key `contactId`.
        Some(c) => Json(json!({ "businessUnitId": 4_600_001, "lastPollTime": ts(world.clock), "contactId": in_version(contact_json(&world, c), major) })).into_response(),
        None => cxone_error(StatusCode::NOT_FOUND, "Contact not found", "/contacts"),
    }
}
