//! Coaching appointments and their annotations.

use super::*;

/// When an appointment was last changed: set up two hours before it starts.
pub(super) fn appointment_modified(a: &Appointment) -> DateTime<Utc> {
    a.start - Duration::hours(2)
}

pub(super) async fn appointments(State(state): Shared, RawQuery(raw): RawQuery) -> Response {
    let params = Params::parse(raw.as_deref());
    let user_ids = params.all("userIds");
    if user_ids.is_empty() {
        return bad_request("userIds is required.");
    }
    let range = params
        .get("interval")
        .and_then(|i| interval(&json!({ "interval": i })));
    let world = state.world.read().expect("world lock");
    let items = world
        .appointments
        .iter()
        .filter(|a| user_ids.contains(&world.agents[a.agent].id))
        .filter(|a| range.is_none_or(|(from, to)| a.start >= from && a.start < to))
        .map(|a| {
            let facilitator = &world.agents[a.facilitator];
            json!({
                "id": a.id, "name": a.name, "description": "Weekly QA coaching", "dateStart": ts(a.start),
                "lengthInMinutes": a.length_minutes, "status": appointment_status(a.status),
                "facilitator": { "id": facilitator.id, "selfUri": format!("/api/v2/users/{}", facilitator.id) },
                "attendees": [{ "id": world.agents[a.agent].id, "selfUri": format!("/api/v2/users/{}", world.agents[a.agent].id) }],
                "createdBy": { "id": facilitator.id }, "dateCreated": ts(a.start - Duration::days(1)),
                "modifiedBy": { "id": facilitator.id }, "dateModified": ts(appointment_modified(a)),
                "conversations": a.conversations.iter().map(|&c| json!({ "id": world.conversations[c].id, "selfUri": format!("/api/v2/conversations/{}", world.conversations[c].id) })).collect::<Vec<_>>(),
                "documents": [], "externalLinks": [], "isOverdue": false, "shareInsightsData": true,
                "selfUri": format!("/api/v2/coaching/appointments/{}", a.id)
            })
        })
        .collect();
    Json(listing("/api/v2/coaching/appointments", &params, items, 25)).into_response()
}

pub(super) async fn annotations(
    State(state): Shared,
    Path(appointment_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let Some(a) = world.appointments.iter().find(|a| a.id == appointment_id) else {
        return not_found("appointment");
    };
    let facilitator = &world.agents[a.facilitator].id;
    let items = a
        .annotations
        .iter()
        .map(|(id, text, at)| json!({ "id": id, "createdBy": { "id": facilitator }, "dateCreated": ts(*at),
                                     "modifiedBy": { "id": facilitator }, "dateModified": ts(*at), "text": text,
                                     "isDeleted": false, "accessType": "Public" }))
        .collect();
    let path = format!("/api/v2/coaching/appointments/{appointment_id}/annotations");
    Json(listing(&path, &params, items, 25)).into_response()
}
