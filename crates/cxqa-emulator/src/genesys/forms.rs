//! Evaluation forms and their versions (`/api/v2/quality/forms/evaluations`, published forms).

use super::*;

pub(super) fn question_json(q: &Question) -> Value {
    let kind = match q.kind {
        QuestionKind::MultipleChoice => "multipleChoiceQuestion",
        QuestionKind::MultipleSelect => "multipleSelectQuestion",
        QuestionKind::FreeText => "freeTextQuestion",
        QuestionKind::Nps => "npsQuestion",
    };
    let options: Vec<Value> = if q.kind == QuestionKind::MultipleSelect {
        Vec::new()
    } else {
        q.options
            .iter()
            .map(|o| json!({ "id": o.id, "text": o.text, "value": o.value }))
            .collect()
    };
    let sub_questions: Vec<Value> = if q.kind == QuestionKind::MultipleSelect {
        q.options
            .iter()
            .map(|o| {
                json!({ "id": o.id, "text": o.text, "type": "multipleChoiceQuestion", "naEnabled": false,
                        "commentsRequired": false, "isKill": false, "isCritical": false,
                        "answerOptions": [
                            { "id": format!("{}-selected", o.id), "text": "Selected", "value": o.value, "builtInType": "Selected" },
                            { "id": format!("{}-unselected", o.id), "text": "Unselected", "value": 0, "builtInType": "Unselected" }
                        ] })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "id": q.id, "contextId": q.id, "text": q.text, "helpText": "", "type": kind,
        "naEnabled": q.na_enabled, "commentsRequired": false, "isKill": q.is_kill, "isCritical": q.is_critical,
        "answerOptions": options, "multipleSelectOptionQuestions": sub_questions
    })
}

pub(super) fn form_json(
    form: &Form,
    version: &FormVersion,
    with_groups: bool,
    latest: bool,
) -> Value {
    let mut body = json!({
        "id": version.id, "contextId": form.context_id, "name": form.name,
        "modifiedDate": ts(version.published_at), "published": latest,
        "weightMode": weight_mode(form.weight_mode),
        "evaluationSettings": { "revisionsEnabled": false, "disputesEnabled": true, "disputesAllowedPerEvaluation": 1 },
        "selfUri": format!("/api/v2/quality/forms/evaluations/{}", version.id),
    });
    if with_groups {
        body["questionGroups"] = version
            .groups
            .iter()
            .map(|g| {
                json!({ "id": g.id, "contextId": g.id, "name": g.name, "type": "questionGroup",
                        "weight": g.weight, "manualWeight": true, "naEnabled": g.na_enabled,
                        "defaultAnswersToHighest": false, "defaultAnswersToNA": false,
                        "questions": g.questions.iter().map(question_json).collect::<Vec<_>>() })
            })
            .collect();
    }
    body
}

pub(super) async fn forms(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    // The listing has no questionGroups and always says published = false.
    let items = world
        .forms
        .iter()
        .filter_map(|f| f.versions.last().map(|v| form_json(f, v, false, false)))
        .collect();
    Json(listing(
        "/api/v2/quality/forms/evaluations",
        &params,
        items,
        25,
    ))
}

pub(super) fn find_version(world: &World, id: &str) -> Option<(usize, usize)> {
    world.forms.iter().enumerate().find_map(|(f, form)| {
        form.versions
            .iter()
            .position(|v| v.id == id)
            .map(|v| (f, v))
    })
}

pub(super) async fn form_by_id(State(state): Shared, Path(form_id): Path<String>) -> Response {
    let world = state.world.read().expect("world lock");
    match find_version(&world, &form_id) {
        Some((f, v)) => {
            let form = &world.forms[f];
            Json(form_json(
                form,
                &form.versions[v],
                true,
                v + 1 == form.versions.len(),
            ))
            .into_response()
        }
        None => not_found("evaluation form"),
    }
}

pub(super) async fn form_versions(
    State(state): Shared,
    Path(form_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let params = Params::parse(raw.as_deref());
    let world = state.world.read().expect("world lock");
    let Some((f, _)) = find_version(&world, &form_id).or_else(|| {
        world
            .forms
            .iter()
            .position(|f| f.context_id == form_id)
            .map(|f| (f, 0))
    }) else {
        return not_found("evaluation form");
    };
    let form = &world.forms[f];
    let mut items: Vec<Value> = form
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| form_json(form, v, true, i + 1 == form.versions.len()))
        .collect();
    if params.get("sortOrder").is_some_and(|s| s.starts_with('d')) {
        items.reverse();
    }
    let path = format!("/api/v2/quality/forms/evaluations/{form_id}/versions");
    Json(listing(&path, &params, items, 25)).into_response()
}

pub(super) async fn published_forms(State(state): Shared, RawQuery(raw): RawQuery) -> Json<Value> {
    let params = Params::parse(raw.as_deref());
    let latest_only = params.flag("onlyLatestPerContext");
    let world = state.world.read().expect("world lock");
    let items = world
        .forms
        .iter()
        .flat_map(|f| {
            let n = f.versions.len();
            f.versions
                .iter()
                .enumerate()
                .filter(move |(i, _)| !latest_only || i + 1 == n)
                .map(move |(i, v)| form_json(f, v, true, i + 1 == n))
        })
        .collect();
    Json(listing(
        "/api/v2/quality/publishedforms/evaluations",
        &params,
        items,
        25,
    ))
}
