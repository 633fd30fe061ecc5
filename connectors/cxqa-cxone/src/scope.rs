//! Where a record belongs: the agent, skill and division of its ACD contact. QM workflows,
//! survey rows and analyzed segments name the contact but not its skill or division, and none of
//! those endpoints filters by them, so the `[extract] filters` are applied here, client-side,
//! from the contact (`GET …/contacts/{contactId}`, read once per contact per run), and
//! assessments take their `division_ids` from it.

use crate::contacts::Contacts;
use cxqa_core::{Filters, SourceError};
use std::collections::HashMap;
use std::sync::Arc;

/// A contact's agent, skill and division ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub agent: Option<String>,
    pub skill: Option<String>,
    pub division: Option<String>,
}

impl Scope {
    /// Whether the filters keep a record of this scope (an empty filter keeps everything).
    pub fn passes(&self, filters: &Filters) -> bool {
        let keeps = |wanted: &[String], have: &Option<String>| {
            wanted.is_empty() || have.as_ref().is_some_and(|h| wanted.contains(h))
        };
        keeps(&filters.agents, &self.agent)
            && keeps(&filters.queues, &self.skill)
            && keeps(&filters.divisions, &self.division)
    }
}

/// Contacts' scopes, read once per run.
pub struct Scopes {
    contacts: Arc<Contacts>,
    read: tokio::sync::Mutex<HashMap<String, Option<Scope>>>,
}

impl Scopes {
    pub fn new(contacts: Arc<Contacts>) -> Self {
        Scopes {
            contacts,
            read: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Forgets the contacts an earlier run read.
    pub async fn start_run(&self) {
        self.read.lock().await.clear();
    }

    /// The scope of a contact; None when CXone does not know it.
    pub async fn of(&self, contact_id: &str) -> Result<Option<Scope>, SourceError> {
        if let Some(known) = self.read.lock().await.get(contact_id) {
            return Ok(known.clone());
        }
        let scope = self.contacts.by_id(contact_id).await?.map(|c| c.scope());
        self.read
            .lock()
            .await
            .insert(contact_id.to_string(), scope.clone());
        Ok(scope)
    }

    /// Whether a record about `contact_id`, handled by `agent` when the record says, passes
    /// the filters. The contact is read only when the record cannot tell by itself.
    pub async fn keep(
        &self,
        filters: &Filters,
        contact_id: Option<&str>,
        agent: Option<&str>,
    ) -> Result<bool, SourceError> {
        let by_agent_alone = filters.queues.is_empty() && filters.divisions.is_empty();
        if by_agent_alone && (filters.agents.is_empty() || agent.is_some()) {
            return Ok(filters.agents.is_empty()
                || agent.is_some_and(|a| filters.agents.iter().any(|f| f == a)));
        }
        let scope = match contact_id {
            Some(id) => self.of(id).await?.unwrap_or_default(),
            None => Scope::default(),
        };
        let scope = Scope {
            agent: agent.map(str::to_string).or(scope.agent),
            ..scope
        };
        Ok(scope.passes(filters))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_only_matching_scopes() {
        let scope = Scope {
            agent: Some("1004".into()),
            skill: Some("3001".into()),
            division: Some("11".into()),
        };
        let mut filters = Filters::default();
        assert!(scope.passes(&filters));
        filters.divisions = vec!["10".into()];
        assert!(!scope.passes(&filters));
        filters.divisions = vec!["10".into(), "11".into()];
        assert!(scope.passes(&filters));
        filters.queues = vec!["3000".into()];
        assert!(!scope.passes(&filters));
        assert!(
            !Scope::default().passes(&filters),
            "an unknown contact is left out"
        );
    }
}
