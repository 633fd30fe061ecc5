//! `agents`: `GET /incontactapi/services/{v}/agents` (skip/top, `updateSince`, `_links.next`).

use crate::api::{CxoneApi, NextLink, next_link};
use crate::contacts::id_text;
use chrono::SecondsFormat;
use cxqa_core::model::{Agent, AgentState};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, paginate};
use serde::Deserialize;

const TEMPLATE: &str = "/incontactapi/services/{version}/agents";

pub struct Agents {
    pub api: CxoneApi,
    pub page_size: u32,
}

#[derive(Debug, Deserialize)]
struct Listing {
    #[serde(default)]
    agents: Vec<AcdAgent>,
    #[serde(rename = "totalRecords")]
    total_records: Option<u64>,
    #[serde(rename = "_links")]
    links: Option<Links>,
}

#[derive(Debug, Deserialize)]
struct Links {
    next: Option<String>,
}

/// Field casing is CXone's own (`userID`, `DivisionNo`); ids are numbers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AcdAgent {
    agent_id: serde_json::Value,
    user_name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email_address: Option<String>,
    is_active: Option<bool>,
    team_id: Option<serde_json::Value>,
    team_name: Option<String>,
    #[serde(rename = "DivisionNo")]
    division_no: Option<serde_json::Value>,
    last_updated: Option<String>,
}

impl Agents {
    async fn first_url(&self, request: &ExtractRequest) -> Result<String, SourceError> {
        let mut url = format!(
            "{}?top={}&skip=0&orderBy=lastUpdated",
            self.api.acd_url("/agents").await?,
            request.page_size.unwrap_or(self.page_size)
        );
        if let Some(since) = request.modified_since {
            // The agents listing spells it `updateSince` (contacts use `updatedSince`).
            url.push_str(&format!(
                "&updateSince={}",
                since.to_rfc3339_opts(SecondsFormat::Secs, true)
            ));
        }
        Ok(url)
    }
}

impl Source<Agent> for Agents {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Agent> {
        let resume = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<NextLink>)
            .map(|c| c.next);
        paginate(
            resume,
            request.max_pages,
            move |next: Option<String>| async move {
                let url = match next {
                    Some(url) => url,
                    None => self.first_url(request).await?,
                };
                let Some(listing) = self.api.acd_listing::<Listing>(&url, TEMPLATE).await? else {
                    return Ok((Page::new(Vec::new()), None));
                };
                let returned = listing.agents.len();
                let divisions = &request.filters.divisions;
                let records: Vec<Agent> = listing
                    .agents
                    .into_iter()
                    .filter_map(to_agent)
                    .filter(|a| {
                        divisions.is_empty()
                            || a.division_id
                                .as_ref()
                                .is_some_and(|d| divisions.contains(d))
                    })
                    .collect();
                let next = next_link(
                    listing.links.and_then(|l| l.next),
                    returned,
                    request.page_size.unwrap_or(self.page_size),
                );
                let mut page = Page::new(records);
                page.vendor_total = listing.total_records;
                if let Some(next) = &next {
                    page = page.with_checkpoint(Checkpoint::new(NextLink { next: next.clone() }));
                }
                Ok((page, next.map(Some)))
            },
        )
    }
}

fn to_agent(agent: AcdAgent) -> Option<Agent> {
    let id = id_text(&agent.agent_id)?;
    let name = [agent.first_name.as_deref(), agent.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Some(Agent {
        vendor: crate::VENDOR.to_string(),
        id: id.clone(),
        agent_id: id,
        name: (!name.is_empty()).then_some(name),
        email: agent.email_address,
        username: agent.user_name,
        state: if agent.is_active == Some(false) {
            AgentState::Inactive
        } else {
            AgentState::Active
        },
        division_id: agent.division_no.as_ref().and_then(id_text),
        team_id: agent.team_id.as_ref().and_then(id_text),
        team_name: agent.team_name,
        modified_at: agent.last_updated.as_deref().and_then(parse_lenient),
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    })
}
