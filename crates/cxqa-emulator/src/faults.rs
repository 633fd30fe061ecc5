//! Fault injection. Every switch can be changed at run time through `POST /admin/faults`, where
//! they are all flat keys: the shared ones here, and each vendor's own (`vendor`), which that
//! vendor's module declares and reads with its defaults.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Requests allowed per client per window (a sliding minute by default); None = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// Length of the rate-limit window in seconds (60 = the vendors' per-minute limits; tests
    /// shorten it to keep waits short).
    pub rate_limit_window_secs: u64,
    /// Fixed latency added to every API response, in milliseconds.
    pub latency_ms: u64,
    /// Random extra latency, 0..=jitter_ms.
    pub jitter_ms: u64,
    /// Share of API requests answered with a 503 (0.0..=1.0).
    pub error_rate: f64,
    /// Share of successful JSON bodies cut in half (0.0..=1.0).
    pub malformed_rate: f64,
    /// Lifetime of issued access tokens, in seconds.
    pub token_lifetime_secs: u64,
    /// Whether the transient faults of the scripted history (an empty Data Extraction file, a
    /// 404 on one record, a burst of 503s, a cut body, on chosen days) happen when "time passes"
    /// plays those days.
    pub scripted_faults: bool,
    /// Whether responses carry fields (and Data Extraction files columns) no vendor documents,
    /// as a vendor's next release might: every record of a JSON body gets one more key.
    pub unknown_fields: bool,
    /// Divisions (by name) each client id may see; a client not listed sees every division.
    pub division_visibility: BTreeMap<String, Vec<String>>,
    /// Each vendor's own switches by name (see its module's `Faults`), with their defaults.
    #[serde(flatten)]
    pub vendor: Map<String, Value>,
}

impl Default for Faults {
    fn default() -> Self {
        let registered = crate::registered();
        Faults {
            rate_limit_per_minute: None,
            rate_limit_window_secs: 60,
            latency_ms: 0,
            jitter_ms: 0,
            error_rate: 0.0,
            malformed_rate: 0.0,
            token_lifetime_secs: 86_400,
            scripted_faults: false,
            unknown_fields: false,
            division_visibility: registered
                .iter()
                .flat_map(|vendor| vendor.division_visibility)
                .map(|(client, divisions)| {
                    (
                        client.to_string(),
                        divisions.iter().map(|d| d.to_string()).collect(),
                    )
                })
                .collect(),
            vendor: registered
                .iter()
                .flat_map(|vendor| (vendor.faults)(&Map::new()).unwrap_or_default())
                .collect(),
        }
    }
}

impl Faults {
    /// The same faults with one vendor switch set, e.g. `.with("details_result_cap", 15)`.
    /// [`crate::start`] refuses a switch no vendor knows.
    pub fn with(mut self, switch: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.vendor.insert(switch.to_string(), value);
        self
    }

    /// One vendor's switches, read with that vendor's defaults.
    pub(crate) fn of<T: DeserializeOwned + Default>(&self) -> T {
        serde_json::from_value(Value::Object(self.vendor.clone())).unwrap_or_default()
    }

    /// Checks every vendor switch: its name must be some vendor's, its value of the right type.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut known = Vec::new();
        for vendor in crate::registered() {
            let parsed =
                (vendor.faults)(&self.vendor).map_err(|e| format!("{}: {e}", vendor.name))?;
            known.extend(parsed.into_iter().map(|(key, _)| key));
        }
        match self.vendor.keys().find(|key| !known.contains(key)) {
            Some(unknown) => Err(format!("unknown fault switch `{unknown}`")),
            None => Ok(()),
        }
    }
}

/// How a vendor reads its switches: see [`parse_switches`].
pub(crate) type ParseSwitches = fn(&Map<String, Value>) -> Result<Map<String, Value>, String>;

/// A vendor's switches from the flat map: its own struct's fields (serde defaults for the missing
/// ones), as a map again. Vendors register `|map| parse_switches::<TheirFaults>(map)`.
pub(crate) fn parse_switches<T: DeserializeOwned + Serialize>(
    switches: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let parsed: T =
        serde_json::from_value(Value::Object(switches.clone())).map_err(|e| e.to_string())?;
    match serde_json::to_value(parsed).map_err(|e| e.to_string())? {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}
