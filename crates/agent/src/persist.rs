//! Keeping the server's state in the data directory, as a Nomad server keeps its Raft log and
//! snapshots there: written after changes (coalesced, each write whole or not at all), read
//! back when an agent starts on the same directory. Dev mode (no `--data-dir`) keeps nothing.
//!
//! A Raft index is durable before anyone sees it. Writing the whole state on every change
//! would cost too much, so each new index alone is recorded before readers see it
//! (`server/index`); an agent killed before it saved its last writes loses them, but its
//! successor goes on above every index served.

use crate::state::{snapshot, Cluster, CommitHook, Snapshot, Store};
use crate::AppState;
use nomad_api::AclToken;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The shortest pause between two writes: the changes of a burst are written once.
const MIN_PAUSE: Duration = Duration::from_millis(100);
/// A write is followed by a pause this many times as long as it took, so a large state under
/// churn costs a bounded share of the time.
const PAUSE_FACTOR: u32 = 10;

/// What an agent starts from.
#[derive(Default)]
pub struct Saved {
    pub store: Store,
    pub acl_tokens: Vec<AclToken>,
    /// Whether an earlier agent's state was found; if not, this is a new cluster.
    pub restored: bool,
}

/// `<data-dir>/server/state.json` and `<data-dir>/server/index`.
pub struct StateFile {
    path: PathBuf,
    mark_path: PathBuf,
    /// One write at a time, so a later write (of a later index) is never overtaken.
    writing: Mutex<()>,
}

/// The index as `server/index` holds it: fixed width, so each one overwrites the last whole.
fn mark_text(index: u64) -> String {
    format!("{index:020}\n")
}

impl StateFile {
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("server");
        StateFile { path: dir.join("state.json"), mark_path: dir.join("index"), writing: Mutex::new(()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state saved by an earlier agent with its ACL tokens, going on above the highest
    /// index it served. A state that cannot be read is an error: starting afresh would lose it.
    pub fn load(&self) -> io::Result<Saved> {
        let unreadable = |path: &Path, why: String| io::Error::other(format!("cannot restore the state in {}: {why}", path.display()));
        let mut saved = match std::fs::read(&self.path) {
            Ok(bytes) => {
                let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| unreadable(&self.path, e.to_string()))?;
                if snapshot.version != snapshot::VERSION {
                    let why = format!("format version {} (this agent reads {})", snapshot.version, snapshot::VERSION);
                    return Err(unreadable(&self.path, why));
                }
                let acl_tokens = snapshot.acl_tokens.iter().map(|t| t.clone().into_owned()).collect();
                Saved { store: Store::restore(snapshot), acl_tokens, restored: true }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Saved::default(),
            Err(e) => return Err(e),
        };
        let highest = match std::fs::read_to_string(&self.mark_path) {
            Ok(text) => text.trim().parse().map_err(|e| unreadable(&self.mark_path, format!("{e}")))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        saved.store.recover_lost_writes(highest);
        Ok(saved)
    }

    /// Records every index the cluster commits, before readers see it.
    pub fn index_mark(&self) -> io::Result<CommitHook> {
        if let Some(dir) = self.mark_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).write(true).truncate(false).open(&self.mark_path)?;
        Ok(Box::new(move |index| {
            if let Err(e) = file.write_all_at(mark_text(index).as_bytes(), 0) {
                tracing::warn!(error = %e, "recording the index failed");
            }
        }))
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
