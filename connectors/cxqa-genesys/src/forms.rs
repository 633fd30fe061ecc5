//! Evaluation forms: `GET /api/v2/quality/forms/evaluations` (no questionGroups in the listing),
//! each form's versions, and each version by id, cached per version id.

use crate::api::{GenesysApi, Listing};
use chrono::{DateTime, Utc};
use cxqa_core::model::{
    AnswerOption, AssessmentForm, FormQuestion, FormQuestionGroup, QuestionKind, WeightMode,
};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, paginate};
use cxqa_http::FetchOnce;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const FORMS: &str = "/api/v2/quality/forms/evaluations";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Form {
    pub id: String,
    pub context_id: Option<String>,
    pub name: Option<String>,
    pub modified_date: Option<DateTime<Utc>>,
    pub published: Option<bool>,
    pub weight_mode: Option<String>,
    #[serde(default)]
    pub question_groups: Vec<Group>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub name: Option<String>,
    pub weight: Option<f64>,
    pub na_enabled: Option<bool>,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    pub text: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub na_enabled: Option<bool>,
    pub is_kill: Option<bool>,
    pub is_critical: Option<bool>,
    #[serde(default)]
    pub answer_options: Vec<Answer>,
    #[serde(default)]
    pub multiple_select_option_questions: Vec<Question>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    pub id: String,
    pub text: Option<String>,
    pub value: Option<f64>,
}

impl Form {
    pub fn weight_mode(&self) -> WeightMode {
        match self.weight_mode.as_deref() {
            Some("OFF") => WeightMode::Unweighted,
            _ => WeightMode::Scaled,
        }
    }
}

impl Question {
    pub fn kind(&self) -> QuestionKind {
        match self.kind.as_deref() {
            Some("multipleChoiceQuestion") => QuestionKind::MultipleChoice,
            Some("multipleSelectQuestion") => QuestionKind::MultipleSelect,
            Some("freeTextQuestion") => QuestionKind::FreeText,
            Some("npsQuestion") => QuestionKind::Nps,
            Some("readOnlyTextBlockQuestion") => QuestionKind::ReadOnlyText,
            other => QuestionKind::Other(other.unwrap_or("unknown").to_string()),
        }
    }

    /// Highest points: the best answer's value; for multi-select, the sum over its options.
    pub fn max_points(&self) -> Option<f64> {
        if !self.multiple_select_option_questions.is_empty() {
            return Some(
                self.multiple_select_option_questions
                    .iter()
                    .filter_map(Question::max_points)
                    .sum(),
            );
        }
        self.answer_options
            .iter()
            .filter_map(|a| a.value)
            .reduce(f64::max)
            .filter(|max| *max > 0.0)
    }

    pub fn answer(&self, answer_id: &str) -> Option<&Answer> {
        self.answer_options.iter().find(|a| a.id == answer_id)
    }
}

/// Form versions by id, shared by the forms, assessments and feedback streams of one connector:
/// each version is fetched once, even when streams running side by side ask for it together.
#[derive(Default)]
pub struct FormCache {
    versions: FetchOnce<String, Arc<Form>>,
}

impl FormCache {
    pub fn insert(&self, form: Form) -> Arc<Form> {
        self.versions.insert(form.id.clone(), Arc::new(form))
    }

    /// The version by id, fetched once.
    pub async fn version(&self, api: &GenesysApi, id: &str) -> Result<Arc<Form>, SourceError> {
        self.versions
            .get_or_fetch(&id.to_string(), || async {
                let form: Form = api
                    .json(&api.get(&format!("{FORMS}/{id}"), &format!("{FORMS}/{{formId}}")))
                    .await?;
                Ok(Arc::new(form))
            })
            .await
    }
}

pub struct AssessmentForms {
    pub api: GenesysApi,
    pub cache: Arc<FormCache>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    next: String,
}

impl AssessmentForms {
    /// Every version of the form whose listing entry is `latest`.
    async fn versions(&self, latest: &Form) -> Result<Vec<Arc<Form>>, SourceError> {
        let mut out = Vec::new();
        let mut next = Some(format!(
            "{FORMS}/{}/versions?pageSize=25&pageNumber=1",
            latest.id
        ));
        while let Some(path) = next {
            let listing: Listing<Form> = self
                .api
                .json(&self.api.get(&path, &format!("{FORMS}/{{formId}}/versions")))
                .await?;
            for version in listing.entities {
                // Listings may hold only a subset of fields: fetch by id when the groups are missing.
                let full = if version.question_groups.is_empty() {
                    self.cache.version(&self.api, &version.id).await?
                } else {
                    self.cache.insert(version)
                };
                out.push(full);
            }
            next = listing.next_uri;
        }
        Ok(out)
    }
}

impl Source<AssessmentForm> for AssessmentForms {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, AssessmentForm> {
        let start = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<Cursor>)
            .map_or_else(|| format!("{FORMS}?pageSize=25&pageNumber=1"), |c| c.next);
        paginate(start, request.max_pages, move |path| async move {
            let listing: Listing<Form> = self.api.json(&self.api.get(&path, FORMS)).await?;
            let mut records = Vec::new();
            for latest in &listing.entities {
                let versions = self.versions(latest).await?;
                let newest = versions.iter().filter_map(|v| v.modified_date).max();
                records.extend(versions.iter().map(|v| to_form(v, latest, newest)));
            }
            let mut page = Page::new(records);
            if let Some(next) = &listing.next_uri {
                page = page.with_checkpoint(Checkpoint::new(Cursor { next: next.clone() }));
            }
            Ok((page, listing.next_uri))
        })
    }
}

pub(crate) fn to_form(
    version: &Form,
    latest: &Form,
    newest: Option<DateTime<Utc>>,
) -> AssessmentForm {
    AssessmentForm {
        vendor: crate::VENDOR.into(),
        id: version.id.clone(),
        form_id: version
            .context_id
            .clone()
            .or_else(|| latest.context_id.clone())
            .unwrap_or_else(|| latest.id.clone()),
        version: version.id.clone(),
        name: version.name.clone(),
        weight_mode: version.weight_mode(),
        // The listing always says false; the newest version of a published form is the live one.
        published: Some(
            version.published.unwrap_or(false)
                || (newest.is_some() && version.modified_date == newest),
        ),
        question_groups: version
            .question_groups
            .iter()
            .map(|g| FormQuestionGroup {
                id: g.id.clone(),
                name: g.name.clone(),
                weight: g.weight,
                na_enabled: g.na_enabled.unwrap_or(false),
                questions: g.questions.iter().map(to_question).collect(),
            })
            .collect(),
        modified_at: version.modified_date,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}

fn to_question(q: &Question) -> FormQuestion {
    let options: Vec<AnswerOption> = if q.multiple_select_option_questions.is_empty() {
        q.answer_options
            .iter()
            .map(|a| AnswerOption {
                id: a.id.clone(),
                text: a.text.clone(),
                value: a.value,
            })
            .collect()
    } else {
        q.multiple_select_option_questions
            .iter()
            .map(|o| AnswerOption {
                id: o.id.clone(),
                text: o.text.clone(),
                value: o.max_points(),
            })
            .collect()
    };
    FormQuestion {
        id: q.id.clone(),
        text: q.text.clone(),
        kind: q.kind(),
        max_points: q.max_points(),
        na_enabled: q.na_enabled.unwrap_or(false),
        is_critical: q.is_critical.unwrap_or(false),
        is_kill: q.is_kill.unwrap_or(false),
        answer_options: options,
    }
}
