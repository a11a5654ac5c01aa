//! Keeping the server's state in the data directory, as a Nomad server keeps its Raft log and
//! snapshots there, and read back when an agent starts on the same directory. Dev mode (no
//! `--data-dir`) keeps nothing.
//!
//! Nomad answers a write once Raft has committed it to disk, so an answered write survives a
//! crash. Here every write is appended to a write-ahead log as it commits (`server/journal/`,
//! one JSON record per line: the objects it changed, see `state/journal.rs`), before any reader
//! sees it, and a write request is answered only once its record is synced (`sync_writes`).
//! Syncs are grouped: one `fdatasync` covers every record appended before it, whoever waits;
//! records nobody waits for (the client's updates, synthetic churn) are synced within a second.
//! The whole state is written as a snapshot (`server/state.json`) after changes, coalesced, and
//! the log segments it covers are then removed; a starting agent reads the snapshot and replays
//! the log above it. Each new index is also recorded alone (`server/index`) before readers see
//! it, so that even if the log could not be written, a restarted agent goes on above every
//! index served.

use crate::error::ApiError;
use crate::state::{snapshot, Changes, Cluster, Journal, Snapshot, Store};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nomad_api::AclToken;
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The shortest pause between two snapshots: the changes of a burst are written once.
const MIN_PAUSE: Duration = Duration::from_millis(100);
/// A snapshot is followed by a pause this many times as long as it took, so a large state
/// under churn costs a bounded share of the time.
const PAUSE_FACTOR: u32 = 10;
/// The longest a record nobody waits for stays unsynced.
const BACKGROUND_SYNC: Duration = Duration::from_secs(1);

/// What an agent starts from.
#[derive(Default)]
pub struct Saved {
    pub store: Store,
    pub acl_tokens: Vec<AclToken>,
    /// Whether an earlier agent's state was found; if not, this is a new cluster.
    pub restored: bool,
}

/// `<data-dir>/server/`: `state.json`, `index` and `journal/`.
pub struct StateFile {
    path: PathBuf,
    mark_path: PathBuf,
    journal_dir: PathBuf,
    /// One snapshot at a time, so a later one (of a later index) is never overtaken.
    writing: Mutex<()>,
    journal: Mutex<Option<Arc<WriteAheadLog>>>,
}

/// The index as `server/index` holds it: fixed width, so each one overwrites the last whole.
fn mark_text(index: u64) -> String {
    format!("{index:020}\n")
}

fn unreadable(path: &Path, why: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot restore the state in {}: {why}", path.display()))
}

/// Makes a new or renamed entry of `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl StateFile {
    pub fn new(data_dir: &Path) -> Self {
        let dir = data_dir.join("server");
        StateFile {
            path: dir.join("state.json"),
            mark_path: dir.join("index"),
            journal_dir: dir.join("journal"),
            writing: Mutex::new(()),
            journal: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state saved by an earlier agent with its ACL tokens, with the writes logged after
    /// its last snapshot, going on above the highest index it served. A state that cannot be
    /// read is an error: starting afresh would lose it.
    pub fn load(&self) -> io::Result<Saved> {
        let mut saved = match File::open(&self.path) {
            Ok(file) => {
                // Read as it is parsed: at 100,000 allocations the file is hundreds of MB.
                let reader = io::BufReader::with_capacity(1 << 20, file);
                let snapshot: Snapshot = serde_json::from_reader(reader).map_err(|e| unreadable(&self.path, e))?;
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
        saved.restored |= replay(&self.journal_dir, &mut saved.store)?;
        let highest = match std::fs::read_to_string(&self.mark_path) {
            // Empty: made by a start that was stopped before it wrote its first mark.
            Ok(text) if text.trim().is_empty() => 0,
            Ok(text) => text.trim().parse().map_err(|e| unreadable(&self.mark_path, e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        saved.store.recover_lost_writes(highest);
        Ok(saved)
    }

    /// Starts keeping the cluster's writes: every write from now on is appended to the log,
    /// and the state as it is now is written whole (what the agent restored, and set up at
    /// start, is in the snapshot rather than the log). Called once, before serving.
    pub fn start(&self, cluster: &Cluster, acl_tokens: &[AclToken]) -> io::Result<()> {
        std::fs::create_dir_all(&self.journal_dir)?;
        let mark = OpenOptions::new().create(true).write(true).truncate(false).open(&self.mark_path)?;
        {
            let store = cluster.read();
            // At once, so the mark is never left empty (an agent stopped before its first
            // write would leave nothing a successor can read).
            std::os::unix::fs::FileExt::write_all_at(&mark, mark_text(store.index()).as_bytes(), 0)?;
            let segment = Segment::create(&self.journal_dir, store.index() + 1)?;
            let log = WriteAheadLog::start(segment, mark, store.index());
            cluster.keep_in(log.clone());
            *self.journal.lock().unwrap_or_else(|e| e.into_inner()) = Some(log);
        }
        self.save(cluster, acl_tokens)
    }

    /// Writes the current state: to a temporary file beside it, synced, then renamed over it;
    /// then removes the log segments it covers.
    pub fn save(&self, cluster: &Cluster, acl_tokens: &[AclToken]) -> io::Result<()> {
        let _writing = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        let journal = self.journal.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // A copy (allocations shared) taken under the lock, serialized outside it. No write
        // commits meanwhile, so the log is cut exactly at the copy's index.
        let (store, retired) = {
            let store = cluster.read();
            let retired = journal.as_ref().map(|j| j.rotate(store.index())).transpose()?;
            (store.copy_to_save(), retired)
        };
        if let (Some(journal), Some(retired)) = (&journal, &retired) {
            journal.retire(retired)?;
        }
        let dir = self.path.parent().ok_or_else(|| io::Error::other("state file path has no directory"))?;
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        // Written as it is serialized: at 100,000 allocations the document is over a
        // gigabyte, which built in memory first doubled the agent's peak.
        let mut out = io::BufWriter::with_capacity(1 << 20, file.as_file_mut());
        serde_json::to_writer(&mut out, &store.snapshot(acl_tokens)).map_err(io::Error::other)?;
        out.flush()?;
        drop(out);
        drop(store);
        // The copy's maps and the serializer's buffers are freed in pieces malloc keeps.
        crate::release_freed_memory();
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|e| e.error)?;
        sync_dir(dir)?;
        if let (Some(journal), Some(retired)) = (journal, retired) {
            journal.compacted(retired.covered);
        }
        Ok(())
    }
}

/// Applies the records of every segment in `dir` above the store's index, in order. A record
/// cut short at the very end of a segment (the agent killed while writing it, so never
/// answered or seen) is dropped; anything else unreadable is an error. Returns whether any
/// record was applied.
fn replay(dir: &Path, store: &mut Store) -> io::Result<bool> {
    let mut applied = false;
    for path in Segment::existing(dir)? {
        let bytes = std::fs::read(&path)?;
        let mut lines = bytes.split_inclusive(|b| *b == b'\n').peekable();
        while let Some(line) = lines.next() {
            let complete = line.ends_with(b"\n");
            match serde_json::from_slice::<crate::state::journal::Record>(line) {
                Ok(record) if record.index > store.index() => {
                    store.apply(record);
                    applied = true;
                }
                Ok(_) => {}
                Err(e) if !complete && lines.peek().is_none() => {
                    tracing::warn!(path = %path.display(), error = %e, "dropping a log record cut short");
                }
                Err(e) => return Err(unreadable(&path, e)),
            }
        }
    }
    Ok(applied)
}

/// One file of the log: the records from index `first` on.
struct Segment {
    first: u64,
    path: PathBuf,
    file: Arc<File>,
}

impl Segment {
    /// A new segment for records from `first` on. Its name is new even when an earlier agent
    /// started at the same index, so no record is appended after one cut short.
    fn create(dir: &Path, first: u64) -> io::Result<Segment> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = dir.join(format!("{first:020}-{nanos:020}.log"));
        let file = OpenOptions::new().create_new(true).append(true).open(&path)?;
        sync_dir(dir)?;
        Ok(Segment { first, path, file: Arc::new(file) })
    }

    /// The segments in `dir`, oldest first (the names sort as they were made).
    fn existing(dir: &Path) -> io::Result<Vec<PathBuf>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "log") {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    }
}

/// A segment a snapshot is about to cover.
struct Retired {
    first: u64,
    file: Arc<File>,
    appended: u64,
    /// The index of the snapshot that covers it.
    covered: u64,
}

/// How far the log is on disk.
#[derive(Debug, Clone, Default)]
struct Synced {
    index: u64,
    /// Why records could not be written or synced: until a snapshot covers them, writes are not
    /// durable and are answered with this.
    error: Option<String>,
}

struct Log {
    segment: Segment,
    /// The highest index appended.
    appended: u64,
    /// The segment (its first index) where an append or sync failed, and why: nothing more is
    /// appended to it (it may end in a partial record), and writes are answered with the error
    /// until a snapshot covers it.
    failed: Option<(u64, String)>,
    mark: File,
}

/// What the syncing thread and the writers share.
struct Shared {
    log: Mutex<Log>,
    synced: watch::Sender<Synced>,
    /// The highest index a writer waits for; the syncing thread waits on `wake`.
    wanted: Mutex<(u64, bool)>,
    wake: Condvar,
}

/// The write-ahead log: records appended as writes commit, synced in groups by one thread.
pub struct WriteAheadLog {
    shared: Arc<Shared>,
}

impl WriteAheadLog {
    fn start(segment: Segment, mark: File, index: u64) -> Arc<Self> {
        let shared = Arc::new(Shared {
            log: Mutex::new(Log { segment, appended: index, failed: None, mark }),
            synced: watch::Sender::new(Synced { index, error: None }),
            wanted: Mutex::new((index, false)),
            wake: Condvar::new(),
        });
        let syncing = shared.clone();
        if let Err(e) = std::thread::Builder::new().name("caravan-wal-sync".into()).spawn(move || sync_loop(&syncing)) {
            shared.synced.send_modify(|s| s.error = Some(format!("cannot start syncing the log: {e}")));
        }
        Arc::new(WriteAheadLog { shared })
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.shared.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a new segment after `index` (the caller holds the state still, so nothing is
    /// appended meanwhile). Returns the segment left, to be synced outside the lock (`retire`).
    fn rotate(&self, index: u64) -> io::Result<Retired> {
        let mut log = self.log();
        let dir = log.segment.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let next = Segment::create(&dir, index + 1)?;
        let left = std::mem::replace(&mut log.segment, next);
        Ok(Retired { first: left.first, file: left.file, appended: log.appended, covered: index })
    }

    /// Syncs the segment left by `rotate`, so every record up to it is on disk even before the
    /// snapshot is.
    fn retire(&self, retired: &Retired) -> io::Result<()> {
        if self.log().failed.as_ref().is_some_and(|(first, _)| *first == retired.first) {
            return Ok(());
        }
        if let Err(e) = retired.file.sync_data() {
            self.log().failed.get_or_insert((retired.first, e.to_string()));
            return Err(e);
        }
        self.shared.synced.send_if_modified(|s| {
            let newer = s.index < retired.appended;
            s.index = s.index.max(retired.appended);
            newer
        });
        Ok(())
    }

    /// A snapshot of the state at `index` is on disk: the segments before the current one
    /// are no longer needed, and a failure in them no longer matters.
    fn compacted(&self, index: u64) {
        let mut log = self.log();
        let current = log.segment.path.clone();
        let dir = current.parent().map(Path::to_path_buf).unwrap_or_default();
        for path in Segment::existing(&dir).unwrap_or_default() {
            if path < current {
                if let Err(e) = std::fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), error = %e, "removing a log segment failed");
                }
            }
        }
        if log.failed.as_ref().is_some_and(|(first, _)| *first <= index) {
            // The failed segment was an older one: the snapshot holds what it lost.
            log.failed = None;
            self.shared.synced.send_modify(|s| {
                s.index = s.index.max(index);
                s.error = None;
            });
        }
    }
}

impl Drop for WriteAheadLog {
    fn drop(&mut self) {
        self.shared.wanted.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.shared.wake.notify_one();
    }
}

/// Syncs the current segment whenever a writer waits for a record not yet synced, or at
/// least every `BACKGROUND_SYNC` while records are unsynced; ends with the log.
fn sync_loop(shared: &Shared) {
    loop {
        {
            let wanted = shared.wanted.lock().unwrap_or_else(|e| e.into_inner());
            // After a failure there is nothing to sync until a snapshot covers it.
            let done = match &*shared.synced.borrow() {
                Synced { error: Some(_), .. } => u64::MAX,
                Synced { index, .. } => *index,
            };
            let (wanted, _) = shared
                .wake
                .wait_timeout_while(wanted, BACKGROUND_SYNC, |(want, stop)| !*stop && *want <= done)
                .unwrap_or_else(|e| e.into_inner());
            if wanted.1 {
                return;
            }
        }
        let (file, upto, failed) = {
            let log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
            (log.segment.file.clone(), log.appended, log.failed.clone())
        };
        if let Some((_, error)) = failed {
            shared.synced.send_if_modified(|s| {
                let new = s.error.as_ref() != Some(&error);
                s.error = Some(error);
                new
            });
            continue;
        }
        if upto <= shared.synced.borrow().index {
            continue;
        }
        match file.sync_data() {
            Ok(()) => {
                shared.synced.send_modify(|s| s.index = s.index.max(upto));
            }
            Err(e) => {
                tracing::error!(error = %e, "syncing the log failed");
                let mut log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
                let first = log.segment.first;
                log.failed.get_or_insert((first, e.to_string()));
            }
        }
    }
}

impl Journal for WriteAheadLog {
    fn committed(&self, store: &Store, changes: &Changes) {
        let index = store.index();
        let record = serde_json::to_vec(&store.record(changes));
        let mut log = self.log();
        if let Err(e) = log.mark.write_all_at(mark_text(index).as_bytes(), 0) {
            tracing::warn!(error = %e, "recording the index failed");
        }
        log.appended = index;
        if log.failed.as_ref().is_some_and(|(first, _)| *first == log.segment.first) {
            return;
        }
        let appended = record.map_err(io::Error::other).and_then(|mut bytes| {
            bytes.push(b'\n');
            (&*log.segment.file).write_all(&bytes)
        });
        if let Err(e) = appended {
            tracing::error!(error = %e, index, "appending to the log failed");
            let first = log.segment.first;
            log.failed.get_or_insert((first, e.to_string()));
        }
    }

    fn synced(&self, index: u64) -> Pin<Box<dyn Future<Output = io::Result<()>> + Send>> {
        let shared = self.shared.clone();
        Box::pin(async move {
            let mut synced = shared.synced.subscribe();
            if synced.borrow().index < index {
                let mut wanted = shared.wanted.lock().unwrap_or_else(|e| e.into_inner());
                wanted.0 = wanted.0.max(index);
                shared.wake.notify_one();
            }
            let state = synced
                .wait_for(|s| s.index >= index || s.error.is_some())
                .await
                .map_err(|_| io::Error::other("the log is closed"))?
                .clone();
            match state.error {
                Some(error) if state.index < index => Err(io::Error::other(error)),
                _ => Ok(()),
            }
        })
    }
}

/// Middleware: a write request (any method but GET, HEAD and OPTIONS) answered with success
/// is answered only once what it wrote is on disk; if it cannot be, with a 500 saying why.
pub async fn sync_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if !write || !response.status().is_success() {
        return response;
    }
    match state.cluster.synced().await {
        Ok(()) => response,
        Err(e) => ApiError::internal(format!("the write could not be saved to disk: {e}")).into_response(),
    }
}

/// Writes the state after every change, coalesced, until the agent stops (the agent writes it
/// once at start, and one last time once nothing changes it any more).
pub async fn keep_saved(file: Arc<StateFile>, state: AppState, saved: u64, mut stopped: watch::Receiver<bool>) {
    let mut changes = state.cluster.subscribe();
    // The agent saved the state at index `saved` as it started: wait for a later one.
    if *changes.borrow_and_update() <= saved {
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::Namespace;

    fn add_namespace(cluster: &Cluster, name: &str) {
        cluster.write(|txn| txn.upsert_namespace(Namespace { name: name.into(), ..Namespace::default() }));
    }

    fn newest_segment(dir: &Path) -> PathBuf {
        Segment::existing(&dir.join("server/journal")).unwrap().pop().unwrap()
    }

    /// The browser suite's stop-and-restart: an agent stopped before it wrote anything after
    /// its start leaves a mark its successor reads (it once left the mark empty, and the next
    /// start refused the data directory).
    #[tokio::test]
    async fn an_agent_stopped_before_any_write_is_succeeded() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = Cluster::default();
        add_namespace(&cluster, "before");
        StateFile::new(dir.path()).start(&cluster, &[]).unwrap();
        let index = cluster.read().index();
        let mark = std::fs::read_to_string(dir.path().join("server/index")).unwrap();
        assert_eq!(mark.trim().parse::<u64>().unwrap(), index);
        let saved = StateFile::new(dir.path()).load().unwrap();
        assert!(saved.store.index() >= index);
        // A mark made but never written (an agent killed between the two) reads as none.
        std::fs::write(dir.path().join("server/index"), "").unwrap();
        assert!(StateFile::new(dir.path()).load().is_ok());
    }

    #[tokio::test]
    async fn writes_after_the_snapshot_are_replayed_and_a_record_cut_short_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path());
        let cluster = Cluster::default();
        add_namespace(&cluster, "before");
        file.start(&cluster, &[]).unwrap();
        add_namespace(&cluster, "after");
        add_namespace(&cluster, "later");
        cluster.synced().await.unwrap();
        let index = cluster.read().index();

        // Killed while writing a record: it was never seen, never answered.
        let segment = newest_segment(dir.path());
        OpenOptions::new().append(true).open(&segment).unwrap().write_all(b"{\"Index\":99,\"Tab").unwrap();
        let saved = StateFile::new(dir.path()).load().unwrap();
        assert!(saved.restored);
        assert_eq!(saved.store.index(), index);
        let names: Vec<&str> = saved.store.namespaces().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["after", "before", "later"]);

        // Anything else unreadable is an error: starting without it would lose writes.
        OpenOptions::new().append(true).open(&segment).unwrap().write_all(b"\n{}\n").unwrap();
        let error = StateFile::new(dir.path()).load().err().unwrap().to_string();
        assert!(error.starts_with("cannot restore the state in "), "{error}");
    }

    /// An agent killed while writing a record, restarted, then killed again before its first
    /// snapshot removed the old segment: the record cut short at the end of the older segment
    /// is dropped, and the newer segment's records are replayed after it.
    #[tokio::test]
    async fn a_record_cut_short_in_an_older_segment_is_dropped_and_later_ones_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = Cluster::default();
        StateFile::new(dir.path()).start(&cluster, &[]).unwrap();
        add_namespace(&cluster, "first");
        cluster.synced().await.unwrap();
        let torn = newest_segment(dir.path());
        OpenOptions::new().append(true).open(&torn).unwrap().write_all(b"{\"Index\":").unwrap();

        // The next agent: its log goes on in a new segment (no snapshot written yet).
        let saved = StateFile::new(dir.path()).load().unwrap();
        let restarted = Cluster::new(saved.store, None);
        let journal_dir = dir.path().join("server/journal");
        let segment = Segment::create(&journal_dir, restarted.read().index() + 1).unwrap();
        let mark = OpenOptions::new().write(true).open(dir.path().join("server/index")).unwrap();
        restarted.keep_in(WriteAheadLog::start(segment, mark, restarted.read().index()));
        add_namespace(&restarted, "second");
        restarted.synced().await.unwrap();
        assert_eq!(Segment::existing(&journal_dir).unwrap().len(), 2);

        let saved = StateFile::new(dir.path()).load().unwrap();
        let names: Vec<&str> = saved.store.namespaces().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["first", "second"]);
        assert_eq!(saved.store.index(), restarted.read().index());
    }

    #[tokio::test]
    async fn a_snapshot_removes_the_segments_it_covers() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path());
        let cluster = Cluster::default();
        file.start(&cluster, &[]).unwrap();
        add_namespace(&cluster, "a");
        file.save(&cluster, &[]).unwrap();
        add_namespace(&cluster, "b");
        cluster.synced().await.unwrap();
        let segments = Segment::existing(&dir.path().join("server/journal")).unwrap();
        assert_eq!(segments.len(), 1, "{segments:?}");
        let text = std::fs::read_to_string(&segments[0]).unwrap();
        let record: crate::state::journal::Record = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!((record.index, record.namespaces[0].name.as_str()), (cluster.read().index(), "b"));
        let saved = StateFile::new(dir.path()).load().unwrap();
        assert_eq!(saved.store.namespaces().count(), 2);
    }
}
