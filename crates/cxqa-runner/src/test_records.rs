//! Records the runner's unit tests feed through it.

use chrono::{DateTime, Utc};
use cxqa_core::model::{Agent, AgentState, UNSTAMPED};

/// An active agent `id`, last modified `modified_at` (the run stamps vendor and extraction time).
pub fn agent(id: &str, modified_at: Option<DateTime<Utc>>) -> Agent {
    Agent {
        vendor: String::new(),
        id: id.into(),
        agent_id: id.into(),
        name: None,
        email: None,
        username: None,
        state: AgentState::Active,
        division_id: None,
        team_id: None,
        team_name: None,
        modified_at,
        agent_key: None,
        extracted_at: UNSTAMPED,
    }
}
