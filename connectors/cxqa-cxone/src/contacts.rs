//! `interactions`: completed contacts (`GET /incontactapi/services/{v}/contacts/completed`) with
//! `updatedSince` and `orderBy=lastUpdateTime asc`, `skip`/`top`, following `_links.next`;
//! 204 means no data. Also the contacts other records name (QM workflows, survey responses,
//! analyzed segments): listed a window (and `contact_lookback_days` before it) at a time, once
//! per day per run, and read by id only when the listing did not hold them.

use crate::api::{CxoneApi, NextLink, next_link};
use crate::scope::Scope;
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use cxqa_core::chunked::Chunked;
use cxqa_core::model::{Direction, Interaction, InteractionContext, InteractionMetrics};
use cxqa_core::source::{PageStream, Source};
use cxqa_core::timestamp::parse_lenient;
use cxqa_core::{Checkpoint, ExtractRequest, Page, SourceError, Window, paginate};
use cxqa_http::Request;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

const COMPLETED: &str = "/incontactapi/services/{version}/contacts/completed";
const BY_ID: &str = "/incontactapi/services/{version}/contacts/{contactId}";

pub struct Contacts {
    pub api: CxoneApi,
    pub page_size: u32,
    /// Records name contacts up to this many days older than themselves.
    pub lookback: Duration,
    known: std::sync::Mutex<Known>,
    listed_days: tokio::sync::Mutex<BTreeSet<NaiveDate>>,
    /// A listing page of 10,000 contacts is about 10 MB of JSON: the interactions stream and
    /// the lookups take turns, so one page is held at a time.
    listing_turn: tokio::sync::Mutex<()>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    #[serde(default)]
    completed_contacts: Chunked<Contact>,
    total_records: Option<u64>,
    #[serde(rename = "_links")]
    links: Option<Links>,
}

#[derive(Debug, Deserialize)]
struct Links {
    next: Option<String>,
}

/// A completed contact; ids are numbers, every field optional. Older API versions (v21, v23)
/// spell some fields otherwise (`contactStart`, `ACWSeconds`); both spellings decode.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    contact_id: serde_json::Value,
    #[serde(alias = "contactStart")]
    contact_start_date: Option<String>,
    last_update_time: Option<String>,
    agent_id: Option<serde_json::Value>,
    team_id: Option<serde_json::Value>,
    skill_id: Option<serde_json::Value>,
    media_type_name: Option<String>,
    is_outbound: Option<bool>,
    agent_seconds: Option<f64>,
    #[serde(alias = "ACWSeconds")]
    acw_seconds: Option<f64>,
    hold_seconds: Option<f64>,
    in_queue_seconds: Option<f64>,
    total_duration_seconds: Option<f64>,
    primary_disposition_id: Option<serde_json::Value>,
    division_no: Option<serde_json::Value>,
}

/// Numbers and strings alike as text (CXone ids are numeric).
pub fn id_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) if n.as_i64() != Some(0) => Some(n.to_string()),
        _ => None,
    }
}

/// CXone media type names → the normalized media types.
pub fn media(name: Option<&str>) -> Option<String> {
    let name = name?.to_lowercase();
    Some(
        match name.as_str() {
            "call" | "phonecall" | "phone call" | "voice" => "voice",
            "chat" => "chat",
            "email" => "email",
            "digital" | "sms" | "messaging" | "work item" => "message",
            other => other,
        }
        .to_string(),
    )
}

impl Contact {
    fn start(&self) -> Option<DateTime<Utc>> {
        self.contact_start_date.as_deref().and_then(parse_lenient)
    }

    fn end(&self) -> Option<DateTime<Utc>> {
        let seconds = self.total_duration_seconds?;
        Some(self.start()? + Duration::milliseconds((seconds * 1000.0) as i64))
    }

    fn direction(&self) -> Option<Direction> {
        self.is_outbound.map(|o| {
            if o {
                Direction::Outbound
            } else {
                Direction::Inbound
            }
        })
    }

    /// What records take from the contact, its parts many contacts share kept in `known`.
    fn remembered(&self, known: &mut Known) -> Remembered {
        Remembered {
            profile: known.profile(Scope {
                agent: self.agent_id.as_ref().and_then(id_text),
                skill: self.skill_id.as_ref().and_then(id_text),
                division: self.division_no.as_ref().and_then(id_text),
            }),
            media: known.media(media(self.media_type_name.as_deref())),
            outbound: self.is_outbound,
            started_at: self.start(),
            ended_at: self.end(),
        }
    }

    fn interaction(&self) -> Option<Interaction> {
        let id = id_text(&self.contact_id)?;
        let ms = |s: Option<f64>| s.map(|s| (s.max(0.0) * 1000.0) as u64);
        let one = |v: &Option<serde_json::Value>| {
            v.as_ref().and_then(id_text).into_iter().collect::<Vec<_>>()
        };
        Some(Interaction {
            vendor: crate::VENDOR.into(),
            id: id.clone(),
            interaction_id: id,
            started_at: self.start(),
            ended_at: self.end(),
            media_type: media(self.media_type_name.as_deref()),
            direction: self.direction(),
            agent_ids: one(&self.agent_id),
            queue_ids: one(&self.skill_id),
            team_ids: one(&self.team_id),
            division_ids: one(&self.division_no),
            wrap_up_codes: one(&self.primary_disposition_id),
            metrics: InteractionMetrics {
                handle_ms: ms(self
                    .agent_seconds
                    .zip(self.acw_seconds)
                    .map(|(a, w)| a + w)
                    .or(self.agent_seconds)),
                talk_ms: ms(self.agent_seconds),
                hold_ms: ms(self.hold_seconds),
                acw_ms: ms(self.acw_seconds),
                queue_ms: ms(self.in_queue_seconds),
            },
            assessment_ids: Vec::new(),
            survey_ids: Vec::new(),
            modified_at: self.last_update_time.as_deref().and_then(parse_lenient),
            extracted_at: cxqa_core::model::UNSTAMPED,
        })
    }
}

/// What records take from their contact: its scope, and the context surveys carry.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFacts {
    pub scope: Scope,
    pub context: InteractionContext,
}

/// The contacts a run has listed or read. A week of a large tenant with its look-back is
/// hundreds of thousands of contacts, so each keeps only its times, media and direction, and an
/// index into the (agent, skill, division) profiles contacts share; numeric ids (CXone's) are
/// kept as numbers.
#[derive(Default)]
struct Known {
    numbered: HashMap<u64, Option<Remembered>>,
    named: HashMap<Box<str>, Option<Remembered>>,
    profiles: Vec<Scope>,
    by_profile: HashMap<Scope, u32>,
    media: Vec<Option<String>>,
}

#[derive(Debug, Clone, Copy)]
struct Remembered {
    profile: u32,
    media: u8,
    outbound: Option<bool>,
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
}

/// The id as a number when it reads back the same.
fn numbered(id: &str) -> Option<u64> {
    id.parse::<u64>().ok().filter(|n| n.to_string() == id)
}

impl Known {
    fn remember(&mut self, id: String, contact: Option<&Contact>) {
        let remembered = contact.map(|c| c.remembered(self));
        match numbered(&id) {
            Some(n) => self.numbered.insert(n, remembered),
            None => self.named.insert(id.into_boxed_str(), remembered),
        };
    }

    /// The index of `scope` among the profiles, added when new.
    fn profile(&mut self, scope: Scope) -> u32 {
        let next = self.profiles.len() as u32;
        *self.by_profile.entry(scope.clone()).or_insert_with(|| {
            self.profiles.push(scope);
            next
        })
    }

    fn media(&mut self, media: Option<String>) -> u8 {
        match self.media.iter().position(|m| *m == media) {
            Some(i) => i as u8,
            None if self.media.len() < usize::from(u8::MAX) => {
                self.media.push(media);
                (self.media.len() - 1) as u8
            }
            // More media names than any tenant has: the rest read as unknown.
            None => u8::MAX,
        }
    }

    /// None when the contact is not known yet; Some(None) when CXone does not know it.
    fn facts(&self, id: &str) -> Option<Option<ContactFacts>> {
        let remembered = match numbered(id) {
            Some(n) => *self.numbered.get(&n)?,
            None => *self.named.get(id)?,
        };
        let Some(r) = remembered else {
            return Some(None);
        };
        let scope = self.profiles[r.profile as usize].clone();
        Some(Some(ContactFacts {
            context: InteractionContext {
                agent_id: scope.agent.clone(),
                queue_id: scope.skill.clone(),
                media_type: self.media.get(usize::from(r.media)).cloned().flatten(),
                direction: r.outbound.map(|o| {
                    if o {
                        Direction::Outbound
                    } else {
                        Direction::Inbound
                    }
                }),
                started_at: r.started_at,
                ended_at: r.ended_at,
            },
            scope,
        }))
    }
}

fn iso(at: DateTime<Utc>) -> String {
    // CXone wants the literal `Z`.
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Contacts {
    pub fn new(api: CxoneApi, page_size: u32, lookback: Duration) -> Self {
        Contacts {
            api,
            page_size,
            lookback,
            known: Default::default(),
            listed_days: Default::default(),
            listing_turn: Default::default(),
        }
    }

    /// Forgets the contacts an earlier run read.
    pub async fn start_run(&self) {
        *self.known.lock().expect("contacts") = Known::default();
        self.listed_days.lock().await.clear();
    }

    async fn first_url(&self, request: &ExtractRequest) -> Result<String, SourceError> {
        let mut url = self.listing_url(request.window, request.page_size).await?;
        if let Some(since) = request.modified_since {
            url.push_str(&format!("&updatedSince={}", iso(since)));
        }
        Ok(url)
    }

    async fn listing_url(&self, window: Window, top: Option<u32>) -> Result<String, SourceError> {
        Ok(format!(
            "{}?startDate={}&endDate={}&top={}&skip=0&orderBy=lastUpdateTime%20asc",
            self.api.acd_url("/contacts/completed").await?,
            iso(window.from),
            iso(window.to),
            top.unwrap_or(self.page_size)
        ))
    }

    fn known(&self, contact_id: &str) -> Option<Option<ContactFacts>> {
        self.known.lock().expect("contacts").facts(contact_id)
    }

    /// The contact a record of `window` names: from the listing of the window's contacts and
    /// the `lookback` before it (listed once per day per run), else by id. None when CXone
    /// does not know it.
    pub async fn lookup(
        &self,
        contact_id: &str,
        window: Window,
    ) -> Result<Option<ContactFacts>, SourceError> {
        if let Some(known) = self.known(contact_id) {
            return Ok(known);
        }
        self.list_days(Window::new(window.from - self.lookback, window.to))
            .await?;
        if let Some(known) = self.known(contact_id) {
            return Ok(known);
        }
        let read = self.by_id(contact_id).await?;
        let mut known = self.known.lock().expect("contacts");
        known.remember(contact_id.to_string(), read.as_ref());
        Ok(known.facts(contact_id).flatten())
    }

    /// Lists the completed contacts of the days of `window` not listed yet in this run.
    async fn list_days(&self, window: Window) -> Result<(), SourceError> {
        let mut listed = self.listed_days.lock().await;
        let first = window.from.date_naive();
        let last = (window.to - Duration::nanoseconds(1)).date_naive();
        let missing: Vec<NaiveDate> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter(|d| !listed.contains(d))
            .collect();
        let (Some(&from), Some(&to)) = (missing.first(), missing.last()) else {
            return Ok(());
        };
        let days = Window::new(
            from.and_time(chrono::NaiveTime::MIN).and_utc(),
            (to + Duration::days(1))
                .and_time(chrono::NaiveTime::MIN)
                .and_utc(),
        );
        let mut next = Some(self.listing_url(days, None).await?);
        let mut first_page = true;
        while let Some(url) = next {
            let _turn = self.listing_turn.lock().await;
            let Some(listing) = self.api.acd_listing::<Listing>(&url, COMPLETED).await? else {
                break;
            };
            let returned = listing.completed_contacts.len();
            let mut known = self.known.lock().expect("contacts");
            if first_page {
                // Sized for the whole listing at once: a map growing by doubling holds its old
                // and new table together, at 100,000 contacts a peak of the run.
                known
                    .numbered
                    .reserve(listing.total_records.unwrap_or(0) as usize);
                first_page = false;
            }
            for contact in listing.completed_contacts {
                if let Some(id) = id_text(&contact.contact_id) {
                    known.remember(id, Some(&contact));
                }
            }
            next = next_link(listing.links.and_then(|l| l.next), returned, self.page_size);
        }
        listed.extend(missing);
        Ok(())
    }

    /// One contact by id: the object sits under the odd wrapper key `contactId`. None on 404.
    async fn by_id(&self, contact_id: &str) -> Result<Option<Contact>, SourceError> {
        #[derive(Deserialize)]
        struct Wrapper {
            #[serde(rename = "contactId")]
            contact: Contact,
        }
        let url = self.api.acd_url(&format!("/contacts/{contact_id}")).await?;
        let read = self
            .api
            .http
            .json_or_status::<Wrapper>(
                &Request::get(url, BY_ID).pass_through(&[404]),
                &self.api.auth,
            )
            .await?;
        Ok(read.ok().map(|wrapper| wrapper.contact))
    }
}

impl Source<Interaction> for Contacts {
    fn pages<'a>(&'a self, request: &'a ExtractRequest) -> PageStream<'a, Interaction> {
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
                let _turn = self.listing_turn.lock().await;
                let Some(listing) = self.api.acd_listing::<Listing>(&url, COMPLETED).await? else {
                    return Ok((Page::new(Vec::new()), None));
                };
                let f = &request.filters;
                let returned = listing.completed_contacts.len();
                // Sized once: collected through filters, the Vec would grow by doubling.
                let mut records = Vec::with_capacity(returned);
                records.extend(
                    listing
                        .completed_contacts
                        .into_iter()
                        .filter_map(|c| c.interaction())
                        .filter(|i| {
                            f.agents.is_empty() || i.agent_ids.iter().any(|a| f.agents.contains(a))
                        })
                        .filter(|i| {
                            f.queues.is_empty() || i.queue_ids.iter().any(|q| f.queues.contains(q))
                        })
                        .filter(|i| {
                            f.divisions.is_empty()
                                || i.division_ids.iter().any(|d| f.divisions.contains(d))
                        }),
                );
                let top = request.page_size.unwrap_or(self.page_size);
                let next = next_link(listing.links.and_then(|l| l.next), returned, top);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: serde_json::Value, agent: i64, media: &str) -> Contact {
        serde_json::from_value(serde_json::json!({
            "contactId": id, "contactStartDate": "2026-11-14T09:00:00Z", "totalDurationSeconds": 90,
            "agentId": agent, "skillId": 3001, "divisionNo": 11, "mediaTypeName": media,
            "isOutbound": false
        }))
        .unwrap()
    }

    #[test]
    fn remembered_contacts_give_back_their_scope_and_context() {
        let mut known = Known::default();
        for (id, agent, media) in [
            (serde_json::json!(700000001), 1001, "Call"),
            (serde_json::json!("700000002"), 1001, "Chat"),
            (serde_json::json!("c-0042"), 1002, "Call"),
            (serde_json::json!("007"), 1001, "Call"),
        ] {
            let c = contact(id, agent, media);
            known.remember(id_text(&c.contact_id).unwrap(), Some(&c));
        }
        known.remember("404".into(), None);
        let facts = known.facts("700000002").unwrap().unwrap();
        assert_eq!(facts.scope.agent.as_deref(), Some("1001"));
        assert_eq!(facts.scope.division.as_deref(), Some("11"));
        assert_eq!(facts.context.queue_id.as_deref(), Some("3001"));
        assert_eq!(facts.context.media_type.as_deref(), Some("chat"));
        assert_eq!(facts.context.direction, Some(Direction::Inbound));
        assert_eq!(
            facts.context.ended_at.unwrap() - facts.context.started_at.unwrap(),
            Duration::seconds(90)
        );
        assert_eq!(
            known
                .facts("c-0042")
                .unwrap()
                .unwrap()
                .scope
                .agent
                .as_deref(),
            Some("1002")
        );
        // A leading zero is part of the id: "007" is not contact 7.
        assert!(known.facts("007").unwrap().is_some());
        assert!(known.facts("7").is_none());
        assert_eq!(known.facts("404"), Some(None), "CXone does not know it");
        assert!(known.facts("700000003").is_none(), "not read yet");
        // Contacts of one agent, skill and division share one profile.
        assert_eq!(known.profiles.len(), 2);
    }
}
