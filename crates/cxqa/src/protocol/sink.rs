//! The sink of the protocol front ends: each committed page becomes its records' messages and
//! then one state message, on stdout. A state is written only after every record it covers, so
//! a sync stopped anywhere and restarted from the last state it printed loses and repeats
//! nothing.

use super::{CURSOR, DELETED_AT, emit};
use async_trait::async_trait;
use cxqa_core::Stream;
use cxqa_core::model::Tombstone;
use cxqa_sinks::{AgentKeys, Batch, Sink, SinkError, StateKey, StreamState, WriteStats};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// How one protocol words records and states.
pub trait Dialect: Send {
    /// The message carrying one record of `stream`.
    fn record(&self, stream: Stream, data: Value) -> Value;
    /// The message checkpointing `stream` (Airbyte: that stream; Singer: every bookmark).
    fn state(
        &self,
        vendor: &str,
        stream: Stream,
        states: &BTreeMap<Stream, StreamState>,
        records: u64,
    ) -> Value;
    /// Said once per stream, before its first record (Airbyte: RUNNING).
    fn first_record(&self, _stream: Stream) -> Option<Value> {
        None
    }
}

pub struct ProtocolSink<D> {
    dialect: D,
    vendor: &'static str,
    states: BTreeMap<Stream, StreamState>,
    /// What each stream's last state message said, to say nothing twice.
    emitted: BTreeMap<Stream, StreamState>,
    running: BTreeSet<Stream>,
    agent_keys: AgentKeys,
}

impl<D: Dialect> ProtocolSink<D> {
    /// `states` is what the platform handed over (streams synced in full are left out).
    pub fn new(dialect: D, vendor: &'static str, states: BTreeMap<Stream, StreamState>) -> Self {
        ProtocolSink {
            dialect,
            vendor,
            states,
            emitted: BTreeMap::new(),
            running: BTreeSet::new(),
            agent_keys: AgentKeys::new(),
        }
    }

    fn send(message: &Value) -> Result<(), SinkError> {
        emit(message).map_err(|e| SinkError::Io {
            path: "stdout".into(),
            detail: e.to_string(),
        })
    }
}

/// A deleted record as both protocols carry it: its keys, `deleted_at`, and `modified_at` at
/// the same instant so that a destination keeping the latest version per key keeps this one.
fn deleted(tombstone: &Tombstone) -> Value {
    json!({
        "vendor": tombstone.vendor,
        "id": tombstone.id,
        CURSOR: tombstone.detected_at,
        DELETED_AT: tombstone.detected_at,
        "deletion_reason": tombstone.reason,
    })
}

#[async_trait]
impl<D: Dialect> Sink for ProtocolSink<D> {
    async fn load_state(&mut self, key: &StateKey) -> Result<StreamState, SinkError> {
        Ok(self.states.get(&key.stream).cloned().unwrap_or_default())
    }

    /// The agents this sync delivered: records naming them carry their keys.
    async fn agent_keys(&mut self, _vendor: &str) -> Result<AgentKeys, SinkError> {
        Ok(self.agent_keys.clone())
    }

    async fn commit(&mut self, batch: Batch) -> Result<WriteStats, SinkError> {
        let stream = batch.key.stream;
        let inserted = batch.records.len() as u64;
        let tombstoned = batch.tombstones.len() as u64;
        let count = inserted + tombstoned;
        if count > 0 && self.running.insert(stream) {
            if let Some(message) = self.dialect.first_record(stream) {
                Self::send(&message)?;
            }
        }
        cxqa_sinks::remember_agent_keys(&mut self.agent_keys, &batch.records);
        for envelope in batch.records {
            Self::send(&self.dialect.record(stream, envelope.record()?))?;
        }
        for tombstone in &batch.tombstones {
            Self::send(&self.dialect.record(stream, deleted(tombstone)))?;
        }
        let unchanged = self.emitted.get(&stream) == Some(&batch.state);
        self.states.insert(stream, batch.state.clone());
        if count > 0 || !unchanged {
            let message = self.dialect.state(self.vendor, stream, &self.states, count);
            Self::send(&message)?;
            self.emitted.insert(stream, batch.state);
        }
        Ok(WriteStats {
            inserted,
            tombstoned,
            ..WriteStats::default()
        })
    }

    async fn close(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}
