//! `agents`: `GET /api/v2/users?state=any` (classic listing, follow `nextUri`).

use crate::api::{GenesysApi, Listing};
use cxqa_core::model::{Agent, AgentState};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::{Checkpoint, ExtractRequest, Page, paginate};
use serde::{Deserialize, Serialize};

const TEMPLATE: &str = "/api/v2/users";

pub struct Agents {
    pub api: GenesysApi,
    pub page_size: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    id: String,
    name: Option<String>,
    email: Option<String>,
    username: Option<String>,
    state: Option<String>,
    division: Option<IdName>,
    team: Option<IdName>,
}

#[derive(Debug, Deserialize)]
struct IdName {
    id: Option<String>,
    name: Option<String>,
}

/// Where the next page starts: the path (with query) of the next request.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    next: String,
}

impl Agents {
    fn first_page(&self, request: &ExtractRequest) -> String {
        let mut path = format!(
            "{TEMPLATE}?pageSize={}&pageNumber=1&state=any&expand=team",
            request.page_size.unwrap_or(self.page_size)
        );
        for id in &request.filters.agents {
            path.push_str(&format!("&id={id}"));
        }
        path
    }
}

impl Source<Agent> for Agents {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Agent> {
        let start = request
            .prior
            .checkpoint
            .as_ref()
            .and_then(Checkpoint::read::<Cursor>)
            .map_or_else(|| self.first_page(request), |c| c.next);
        paginate(start, request.max_pages, move |path| async move {
            let listing: Listing<User> = self.api.json(&self.api.get(&path, TEMPLATE)).await?;
            let divisions = &request.filters.divisions;
            let records = listing
                .entities
                .into_iter()
                .filter(|u| {
                    divisions.is_empty()
                        || u.division
                            .as_ref()
                            .and_then(|d| d.id.as_ref())
                            .is_some_and(|d| divisions.contains(d))
                })
                .map(to_agent)
                .collect();
            let next = listing.next_uri;
            let mut page = Page::new(records);
            page.vendor_total = listing.total;
            if let Some(next) = &next {
                page = page.with_checkpoint(Checkpoint::new(Cursor { next: next.clone() }));
            }
            Ok((page, next))
        })
    }
}

pub(crate) fn to_agent(user: User) -> Agent {
    let state = match user.state.as_deref() {
        Some("inactive") => AgentState::Inactive,
        Some("deleted") => AgentState::Deleted,
        _ => AgentState::Active,
    };
    Agent {
        vendor: crate::VENDOR.to_string(),
        id: user.id.clone(),
        agent_id: user.id,
        name: user.name,
        email: user.email,
        username: user.username,
        state,
        division_id: user.division.and_then(|d| d.id),
        team_id: user.team.as_ref().and_then(|t| t.id.clone()),
        team_name: user.team.and_then(|t| t.name),
        modified_at: None,
        agent_key: None,
        extracted_at: cxqa_core::model::UNSTAMPED,
    }
}
