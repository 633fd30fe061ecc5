//! Stream state for file sinks, in one JSON file replaced atomically (write, fsync, rename).

use crate::{SinkError, StateKey, StreamState};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    states: BTreeMap<String, StreamState>,
}

impl StateFile {
    /// Loads the file if it exists; a missing file is an empty state.
    pub fn load(path: PathBuf) -> Result<Self, SinkError> {
        let states = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SinkError::CorruptState {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(err) => return Err(SinkError::io(&path, err)),
        };
        Ok(StateFile { path, states })
    }

    pub fn get(&self, key: &StateKey) -> StreamState {
        self.states
            .get(&key.to_string())
            .cloned()
            .unwrap_or_default()
    }

    /// Records the new state of one stream and persists the whole file atomically.
    pub fn put(&mut self, key: &StateKey, state: StreamState) -> Result<(), SinkError> {
        self.states.insert(key.to_string(), state);
        let bytes = serde_json::to_vec_pretty(&self.states)
            .map_err(|e| SinkError::Encode(e.to_string()))?;
        write_atomically(&self.path, &bytes)
    }
}

/// Appends `bytes` to `path` (created if missing) and syncs them to disk before returning.
pub fn append_durably(path: &Path, bytes: &[u8]) -> Result<(), SinkError> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| SinkError::io(path, e))?;
    file.write_all(bytes).map_err(|e| SinkError::io(path, e))?;
    file.sync_data().map_err(|e| SinkError::io(path, e))
}

/// Writes `bytes` to a temporary file beside `path`, fsyncs it, renames it over `path`, and
/// fsyncs the folder, so a crash leaves either the old or the new file, never a torn one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SinkError> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| SinkError::io(&tmp, e))?;
    file.write_all(bytes).map_err(|e| SinkError::io(&tmp, e))?;
    file.sync_all().map_err(|e| SinkError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| SinkError::io(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cxqa_core::{Checkpoint, Stream};

    #[test]
    fn state_survives_a_reload_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let key = StateKey {
            pipeline: "p".into(),
            vendor: "genesys".into(),
            stream: Stream::Agents,
        };
        let mut file = StateFile::load(path.clone()).unwrap();
        assert_eq!(file.get(&key), StreamState::default());
        let state = StreamState {
            checkpoint: Some(Checkpoint::new(serde_json::json!({"page": 2}))),
            ..Default::default()
        };
        file.put(&key, state.clone()).unwrap();
        assert_eq!(StateFile::load(path.clone()).unwrap().get(&key), state);
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn corrupt_state_is_reported_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = StateFile::load(path).unwrap_err().to_string();
        assert!(err.contains("move it away"), "{err}");
    }
}
