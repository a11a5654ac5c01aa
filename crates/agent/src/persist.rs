//! Keeping the server's state in the data directory, as a Nomad server keeps its Raft log and
//! snapshots there: written after changes (coalesced, each write whole or not at all), read
//! back when an agent starts on the same directory. Dev mode (no `--data-dir`) keeps nothing.

use crate::state::{snapshot, Cluster, Snapshot, Store};
use crate::AppState;
use nomad_api::AclToken;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The shortest pause between two writes: the changes of a burst are written once.
const MIN_PAUSE: Duration = Duration::from_millis(100);
/// A write is followed by a pause this many times as long as it took, so a large state under
/// churn costs a bounded share of the time.
const PAUSE_FACTOR: u32 = 10;

/// `<data-dir>/server/state.json`.
pub struct StateFile {
    path: PathBuf,
    /// One write at a time, so a later write (of a later index) is never overtaken.
    writing: Mutex<()>,
}

impl StateFile {
    pub fn new(data_dir: &Path) -> Self {
        StateFile { path: data_dir.join("server").join("state.json"), writing: Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state saved by an earlier agent with its ACL tokens, or `None` when there is none.
    /// A state that cannot be read is an error: starting afresh would lose it.
    pub fn load(&self) -> io::Result<Option<(Store, Vec<AclToken>)>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let unreadable = |why: String| io::Error::other(format!("cannot restore the state in {}: {why}", self.path.display()));
        let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
        if snapshot.version != snapshot::VERSION {
            return Err(unreadable(format!("format version {} (this agent reads {})", snapshot.version, snapshot::VERSION)));
        }
        let tokens = snapshot.acl_tokens.iter().map(|t| t.clone().into_owned()).collect();
        Ok(Some((Store::restore(snapshot), tokens)))
    }

    /// Writes the current state: to a temporary file beside it, synced, then renamed over it.
    pub fn save(&self, cluster: &Cluster, acl_tokens: &[AclToken]) -> io::Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        // A copy (allocations shared) taken under the lock, serialized outside it.
        let store = cluster.read().clone();
        let bytes = serde_json::to_vec(&store.snapshot(acl_tokens)).map_err(io::Error::other)?;
        drop(store);
        let dir = self.path.parent().ok_or_else(|| io::Error::other("state file path has no directory"))?;
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(&bytes)?;
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Writes the state now and after every change, coalesced, until the agent stops (the agent
/// writes it one last time once nothing changes it any more).
pub async fn keep_saved(file: Arc<StateFile>, state: AppState, mut stopped: watch::Receiver<bool>) {
    let mut changes = state.cluster.subscribe();
    loop {
        let started = Instant::now();
        let (f, s) = (file.clone(), state.clone());
        let saved = tokio::task::spawn_blocking(move || f.save(&s.cluster, s.acl.tokens())).await;
        if let Err(e) = saved.map_err(io::Error::other).and_then(|r| r) {
            tracing::warn!(error = %e, "saving the state failed");
        }
        let took = started.elapsed();
        tracing::debug!(?took, "state saved");
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = stopped.wait_for(|s| *s) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(MIN_PAUSE.max(took * PAUSE_FACTOR)) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        changes.borrow_and_update();
    }
}
