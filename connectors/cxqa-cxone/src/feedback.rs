//! `feedback` from the QM workflows of each chunk.

use crate::qm::*;
use crate::scope::Scopes;
use cxqa_core::model::{Feedback, FeedbackKind};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{ExtractRequest, Page};
use futures::{FutureExt, TryStreamExt};
use std::sync::Arc;

/// Review comments, acknowledgement and dispute resolutions from the workflow rows.
pub fn feedback_page(slice: &QmSlice<'_>, request: &ExtractRequest) -> Page<Feedback> {
    let mut records = Vec::new();
    for row in &slice.workflows {
        let Some(id) = text(row, "workflowid") else {
            continue;
        };
        let status = text(row, "workflowstatus").map(|s| snake(&s));
        if status
            .as_deref()
            .is_some_and(|s| DELETED_STATUSES.contains(&s))
        {
            continue;
        }
        let modified = time(row, "lastupdated");
        if request
            .modified_since
            .is_some_and(|since| modified.is_some_and(|m| m < since))
        {
            continue;
        }
        // TRUE = auto-acknowledged (the agent did not), FALSE = the agent acknowledged.
        let acknowledged = flag(row, "autoacknowledged").map(|auto| !auto);
        let base = |suffix: &str, kind: FeedbackKind, text_value: Option<String>| Feedback {
            vendor: crate::VENDOR.into(),
            id: format!("{id}:{suffix}"),
            kind,
            assessment_id: Some(id.clone()),
            interaction_id: text(row, "acdid"),
            agent_id: text(row, "agentid"),
            author_id: None,
            question_id: None,
            text: text_value,
            occurred_at: time(row, "lastupdated").or(time(row, "submissiondate")),
            agent_acknowledged: acknowledged,
            dispute_count: None,
            status: status.clone(),
            modified_at: modified,
            extracted_at: cxqa_core::model::UNSTAMPED,
        };
        let review = text(row, "userreviewcomments");
        records.push(Feedback {
            author_id: review.as_ref().and_then(|_| text(row, "agentid")),
            ..base("review", FeedbackKind::ReviewComment, review.clone())
        });
        if let Some(resolution) = text(row, "disputeresolvercomments") {
            records.push(Feedback {
                dispute_count: Some(1),
                ..base("dispute", FeedbackKind::DisputeResolution, Some(resolution))
            });
        }
    }
    Page::new(records)
}

/// Feedback from the QM workflows (evaluator and agent comments, disputes).
pub struct FeedbackItems {
    pub qm: Arc<Qm>,
    pub scopes: Arc<Scopes>,
}

impl Source<Feedback> for FeedbackItems {
    /// The filters apply to each item's contact (its agent, skill and division).
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Feedback> {
        Box::pin(
            self.qm
                .pages(request, Reads::Workflows, feedback_page)
                .and_then(move |mut page| {
                    async move {
                        let mut kept = Vec::new();
                        for item in std::mem::take(&mut page.records) {
                            let keep = self
                                .scopes
                                .keep(
                                    &request.filters,
                                    request.window,
                                    item.interaction_id.as_deref(),
                                    item.agent_id.as_deref(),
                                )
                                .await?;
                            if keep {
                                kept.push(item);
                            }
                        }
                        page.records = kept;
                        Ok(page)
                    }
                    .boxed()
                }),
        )
    }
}
