//! `interactions`: conversation details mapped to the normalized Interaction.

use crate::api::GenesysApi;
use crate::details::{
    Conversation, DetailsSettings, Focus, MetricName, Participant, conversation_pages,
};
use cxqa_core::ExtractRequest;
use cxqa_core::model::{Direction, Interaction, InteractionMetrics};
use cxqa_core::source::{PageStream, Source};
use futures::TryStreamExt;

pub struct Interactions {
    pub api: GenesysApi,
    pub details: DetailsSettings,
}

impl Source<Interaction> for Interactions {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Interaction> {
        let pages = conversation_pages(
            &self.api,
            &self.details,
            request,
            request.prior.checkpoint.as_ref(),
            Focus::All,
        );
        Box::pin(pages.map_ok(|page| {
            let records = page.records.iter().map(to_interaction).collect();
            page.with_records(records)
        }))
    }
}

pub fn direction(text: Option<&str>) -> Option<Direction> {
    match text? {
        "inbound" => Some(Direction::Inbound),
        "outbound" => Some(Direction::Outbound),
        _ => None,
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids.dedup();
    ids
}

/// The sum of one metric over the participants' sessions, in whole milliseconds; None when no
/// session reports it.
fn total_ms<'a>(
    participants: impl Iterator<Item = &'a Participant>,
    name: MetricName,
) -> Option<u64> {
    participants
        .flat_map(|p| &p.sessions)
        .flat_map(|s| &s.metrics)
        .filter(|m| m.name == name)
        .filter_map(|m| m.value)
        .reduce(|a, b| a + b)
        .map(|total| total.max(0.0) as u64)
}

pub(crate) fn to_interaction(c: &Conversation) -> Interaction {
    let agent_metric = |name: MetricName| total_ms(c.agents(), name);
    let queue_ms = total_ms(
        c.participants
            .iter()
            .filter(|p| p.purpose.as_deref() == Some("acd")),
        MetricName::Acd,
    );
    Interaction {
        vendor: crate::VENDOR.into(),
        id: c.conversation_id.clone(),
        interaction_id: c.conversation_id.clone(),
        started_at: c.conversation_start,
        ended_at: c.conversation_end,
        media_type: c.media_type(),
        direction: direction(c.originating_direction.as_deref()),
        agent_ids: sorted(c.agents().filter_map(|p| p.user_id.clone()).collect()),
        queue_ids: c.queue_ids(),
        team_ids: sorted(c.agents().filter_map(|p| p.team_id.clone()).collect()),
        division_ids: sorted(c.division_ids.clone()),
        wrap_up_codes: sorted(
            c.agents()
                .flat_map(|p| &p.sessions)
                .flat_map(|s| &s.segments)
                .filter_map(|s| s.wrap_up_code.clone())
                .collect(),
        ),
        metrics: InteractionMetrics {
            handle_ms: agent_metric(MetricName::Handle),
            talk_ms: agent_metric(MetricName::Talk),
            hold_ms: agent_metric(MetricName::Held),
            acw_ms: agent_metric(MetricName::Acw),
            queue_ms,
        },
        assessment_ids: c
            .evaluations
            .iter()
            .filter(|e| !e.deleted)
            .map(|e| e.evaluation_id.clone())
            .collect(),
        survey_ids: c.surveys.iter().map(|s| s.survey_id.clone()).collect(),
        // Conversations have no modification date; a conversation is final once it ended.
        modified_at: c.conversation_end,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}
