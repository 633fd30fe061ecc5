//! `assessment_forms`: each (form, version) the rubric fetch of a chunk names, once per run.

use crate::qm::*;
use cxqa_core::model::{AssessmentForm, FormQuestion, FormQuestionGroup, WeightMode};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, Page};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Form versions seen in a chunk's question rows.
pub fn forms_page(
    slice: &QmSlice<'_>,
    seen: &Mutex<HashSet<(String, String)>>,
) -> Page<AssessmentForm> {
    let mut seen = seen.lock().expect("seen forms");
    let records = slice
        .chunk
        .rubrics
        .values()
        .filter(|r| seen.insert((r.form_id.clone(), r.version.clone())))
        .map(|r| AssessmentForm {
            vendor: crate::VENDOR.into(),
            id: format!("{}:v{}", r.form_id, r.version),
            form_id: r.form_id.clone(),
            version: r.version.clone(),
            name: r.form_name.clone(),
            weight_mode: WeightMode::Unweighted,
            published: None,
            question_groups: r
                .sections()
                .into_iter()
                .map(|(id, name, questions)| FormQuestionGroup {
                    id,
                    name,
                    weight: None,
                    na_enabled: questions.iter().any(|q| !q.mandatory),
                    questions: questions
                        .into_iter()
                        .map(|q| FormQuestion {
                            id: q.id.clone(),
                            text: q.title.clone(),
                            kind: q.kind.clone(),
                            max_points: q.max.filter(|_| q.scorable),
                            na_enabled: !q.mandatory,
                            is_critical: q.critical,
                            is_kill: false,
                            answer_options: q
                                .options
                                .iter()
                                .enumerate()
                                .map(|(i, o)| {
                                    let (label, value) = o
                                        .split_once('=')
                                        .map_or((o.as_str(), None), |(l, v)| (l, v.parse().ok()));
                                    cxqa_core::model::AnswerOption {
                                        id: format!("{}:{i}", q.id),
                                        text: Some(label.to_string()),
                                        value,
                                    }
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            modified_at: None,
            extracted_at: cxqa_core::model::UNSTAMPED,
        })
        .collect();
    Page::new(records)
}

pub struct Forms(pub Arc<Qm>, pub Mutex<HashSet<(String, String)>>);

impl Source<AssessmentForm> for Forms {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, AssessmentForm> {
        self.0.pages(request, Reads::Rubrics, move |slice, _| {
            forms_page(slice, &self.1)
        })
    }
}
