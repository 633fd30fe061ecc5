//! Where a record belongs: the agent, skill and division of its ACD contact. QM workflows,
//! survey rows and analyzed segments name the contact but not its skill or division, and none of
//! those endpoints filters by them, so the `[extract] filters` are applied here, client-side,
//! from the contact ([`Contacts::lookup`]: listed with its window's contacts, once per run), and
//! assessments take their `division_ids` from it.

use crate::contacts::Contacts;
use cxqa_core::{Filters, SourceError, Window};
use std::sync::Arc;

/// A contact's agent, skill and division ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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

/// Contacts' scopes.
pub struct Scopes {
    contacts: Arc<Contacts>,
}

impl Scopes {
    pub fn new(contacts: Arc<Contacts>) -> Self {
        Scopes { contacts }
    }

    /// The scope of a contact a record of `window` names; None when CXone does not know it.
    pub async fn of(&self, contact_id: &str, window: Window) -> Result<Option<Scope>, SourceError> {
        Ok(self
            .contacts
            .lookup(contact_id, window)
            .await?
            .map(|c| c.scope))
    }

    /// Whether a record about `contact_id`, handled by `agent` when the record says, passes
    /// the filters. The contact is read only when the record cannot tell by itself.
    pub async fn keep(
        &self,
        filters: &Filters,
        window: Window,
        contact_id: Option<&str>,
        agent: Option<&str>,
    ) -> Result<bool, SourceError> {
        let by_agent_alone = filters.queues.is_empty() && filters.divisions.is_empty();
        if by_agent_alone && (filters.agents.is_empty() || agent.is_some()) {
            return Ok(filters.agents.is_empty()
                || agent.is_some_and(|a| filters.agents.iter().any(|f| f == a)));
        }
        let scope = match contact_id {
            Some(id) => self.of(id, window).await?.unwrap_or_default(),
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
