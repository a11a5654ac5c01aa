//! Walking a task's rotated logs `alloc/logs/<task>.<type>.<N>` as Nomad's `logsImpl`,
//! `logIndexes` and `findClosest` do.

use crate::error::FsError;
use crate::params::{LogType, Origin};
use crate::pool::Limit;
use crate::read;
use crate::resolve::{open_beneath, stat_fd, Found, Meta, Open, Root};
use crate::tail::Tail;
use rustix::fd::{AsFd, OwnedFd};
use rustix::io::Errno;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use nomad_api::logs::LOG_DIR;

/// How often to look for the next log file (Nomad's `nextLogCheckRate`) and poll a file.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A log file and its rotation index.
#[derive(Debug, Clone)]
struct LogFile {
    index: i64,
    name: String,
    size: i64,
}

/// When to stop reading a file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leave {
    /// At the first end of file (no follow).
    AtEof,
    /// Never: follow it until it is deleted.
    Never,
    /// At the end of file once a log with this index or a later one exists.
    OnRotation(i64),
}

/// The allocation directory and its logs directory, open: the walk lists and opens log
/// files through these descriptors for as long as it follows, never by path again.
struct LogsDir {
    root: Root,
    dir: OwnedFd,
    /// `<root>/alloc/logs`, for errors.
    full: PathBuf,
}

/// Which file comes next, and from where.
pub(crate) struct LogWalk {
    logs: Arc<LogsDir>,
    limit: Limit,
    task: String,
    log_type: LogType,
    follow: bool,
    next_index: i64,
    /// Negative: back from the end of `next_index`'s file (Nomad's convention).
    offset: i64,
    started: bool,
    done: bool,
}

impl LogWalk {
    /// Opens the allocation's logs directory; failing that is Nomad's `failed to list entries`.
    pub async fn new(
        alloc_dir: &Path,
        task: &str,
        log_type: LogType,
        offset: i64,
        origin: Origin,
        follow: bool,
    ) -> Result<LogWalk, FsError> {
        let (next_index, offset) = match origin {
            Origin::Start => (0, offset),
            Origin::End => (i64::MAX, offset.saturating_neg()),
        };
        let limit = Limit::of(alloc_dir);
        let alloc_dir = alloc_dir.to_path_buf();
        let listed = |e| FsError::ListLogs(Box::new(e));
        let logs = limit
            .run(move || {
                let root = Root::open(&alloc_dir).map_err(listed)?;
                let found = root.lookup(LOG_DIR, Open::Dir).map_err(|e| match e {
                    FsError::Io { source, path, .. } => listed(FsError::io("open", path)(source)),
                    e => listed(e),
                })?;
                Ok(LogsDir { root, dir: found.fd, full: found.full })
            })
            .await?;
        Ok(LogWalk {
            logs: Arc::new(logs),
            limit,
            task: task.to_string(),
            log_type,
            follow,
            next_index,
            offset,
            started: false,
            done: false,
        })
    }

    /// The next file to read and when to leave it; `None` when the walk is over.
    pub async fn next(&mut self) -> Result<Option<(Tail, Leave)>, FsError> {
        // A file listed but gone when opened was rotated out: list again, a few times.
        const ATTEMPTS: usize = 3;
        for attempt in 1..=ATTEMPTS {
            if self.done {
                return Ok(None);
            }
            let logs = self.list().await?;
            let (file, open_offset) = find_closest(&logs, self.next_index, self.offset, &self.task, self.log_type)?;
            if self.started && file.index < self.next_index {
                // The file we followed went away with no successor.
                return Ok(None);
            }
            let last = logs.last().map_or(file.index, |l| l.index);
            let (index, name) = (file.index, format!("{LOG_DIR}/{}", file.name));
            match self.open(&file.name, &name, open_offset).await {
                Ok(opened) => {
                    self.started = true;
                    self.done = !self.follow && index >= last;
                    self.next_index = index + 1;
                    self.offset = 0;
                    let leave = if self.follow { Leave::OnRotation(index + 1) } else { Leave::AtEof };
                    return Ok(Some((Tail::new(opened, name, self.limit.clone()), leave)));
                }
                Err(e) if e.is_not_found() && attempt < ATTEMPTS => tokio::time::sleep(POLL_INTERVAL).await,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Opens `file` of the logs directory beneath it, as [`read::open`] opens any file.
    async fn open(&self, file: &str, path: &str, offset: i64) -> Result<read::Opened, FsError> {
        let (logs, file, path) = (Arc::clone(&self.logs), PathBuf::from(file), path.to_string());
        self.limit
            .run(move || {
                let bad_request = |e| FsError::Open(Box::new(e));
                let full = logs.full.join(&file);
                let failed = |e: Errno| match e {
                    Errno::XDEV => FsError::PathEscapes,
                    e => FsError::io("stat", &full)(e.into()),
                };
                let (fd, walked) =
                    open_beneath(logs.dir.as_fd(), &file, Open::Path.flags()).map_err(|e| bad_request(failed(e)))?;
                let stat: Meta = stat_fd(fd.as_fd()).map_err(|e| bad_request(failed(e)))?;
                let rel = Path::new(LOG_DIR).join(&file);
                let found = Found::new(fd, stat, rel, full.clone(), walked.map(|w| Path::new(LOG_DIR).join(w)));
                read::open_found(&logs.root, &found, &path, offset, Origin::Start)
            })
            .await
    }

    /// Whether a log with `index` or a later one exists. Polled often, so it reads names
    /// only, not each file's metadata.
    pub async fn rotated(&self, index: i64) -> Result<bool, FsError> {
        let logs = Arc::clone(&self.logs);
        let names = self
            .limit
            .run(move || crate::info::names(logs.dir.as_fd(), &logs.full).map_err(|e| FsError::ListLogs(Box::new(e))))
            .await?;
        for name in names {
            if self.index_of(&name.to_string_lossy())?.is_some_and(|i| i >= index) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// This task's logs of this type, by index.
    async fn list(&self) -> Result<Vec<LogFile>, FsError> {
        let logs = Arc::clone(&self.logs);
        let entries = self
            .limit
            .run(move || crate::info::entries(logs.dir.as_fd(), &logs.full).map_err(|e| FsError::ListLogs(Box::new(e))))
            .await?;
        let mut files = Vec::new();
        for (name, meta) in entries.into_iter().filter(|(_, meta)| !meta.is_dir()) {
            let name = name.to_string_lossy().into_owned();
            if let Some(index) = self.index_of(&name)? {
                files.push(LogFile { index, name, size: meta.size });
            }
        }
        files.sort_by_key(|l| l.index);
        Ok(files)
    }

    /// The rotation index in `<task>.<type>.<N>`; `None` for another file (Nomad's `logIndexes`).
    fn index_of(&self, name: &str) -> Result<Option<i64>, FsError> {
        let Some(index) = nomad_api::logs::log_index(name, &self.task, self.log_type.as_str()) else { return Ok(None) };
        index.map(Some).map_err(|e| FsError::InvalidLogIndex { value: e.value, reason: e.reason })
    }
}

/// The log file to start in and the offset in it: the first file with an index at least
/// `index` (else the last), then `offset` bytes forward across later files, or, when
/// negative, back across earlier ones; clamped to the first file's start and the last's end.
fn find_closest<'a>(
    logs: &'a [LogFile],
    index: i64,
    offset: i64,
    task: &str,
    log_type: LogType,
) -> Result<(&'a LogFile, i64), FsError> {
    let not_found = || FsError::LogNotFound { task: task.to_string(), log_type: log_type.as_str().to_string() };
    let last = logs.len().checked_sub(1).ok_or_else(not_found)?;
    let mut i = logs.partition_point(|l| l.index < index).min(last);
    let mut offset = offset;
    loop {
        let size = logs[i].size;
        if offset < 0 {
            let from_start = size + offset;
            if from_start >= 0 || i == 0 {
                offset = from_start.max(0);
                break;
            }
            offset = from_start;
            i -= 1;
        } else {
            if offset <= size || i == last {
                offset = offset.min(size);
                break;
            }
            offset -= size;
            i += 1;
        }
    }
    Ok((&logs[i], offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(sizes: &[(i64, i64)]) -> Vec<LogFile> {
        sizes.iter().map(|&(index, size)| LogFile { index, name: format!("web.stdout.{index}"), size }).collect()
    }

    fn closest(logs: &[LogFile], index: i64, offset: i64) -> (i64, i64) {
        let (file, offset) = find_closest(logs, index, offset, "web", LogType::Stdout).expect("found");
        (file.index, offset)
    }

    #[test]
    fn finds_as_nomad_does() {
        let l = logs(&[(3, 100), (4, 50), (5, 20)]);
        assert_eq!(closest(&l, 0, 0), (3, 0));
        assert_eq!(closest(&l, 0, 120), (4, 20));
        assert_eq!(closest(&l, 0, 100), (3, 100));
        assert_eq!(closest(&l, 0, 10_000), (5, 20));
        assert_eq!(closest(&l, i64::MAX, -10), (5, 10));
        assert_eq!(closest(&l, i64::MAX, -30), (4, 40));
        assert_eq!(closest(&l, i64::MAX, -100), (3, 70));
        assert_eq!(closest(&l, i64::MAX, -10_000), (3, 0));
        // origin=end with offset 0 starts at the beginning of the last file, as in Nomad.
        assert_eq!(closest(&l, i64::MAX, 0), (5, 0));
        assert_eq!(closest(&l, 4, 0), (4, 0));
        assert_eq!(closest(&l, 6, 0), (5, 0));
    }

    #[test]
    fn no_log_is_nomads_404() {
        let err = find_closest(&[], 0, 0, "web", LogType::Stderr).expect_err("none");
        assert_eq!(err.to_string(), r#"log entry for task "web" and log type "stderr" not found"#);
        assert_eq!(err.code(), 404);
    }
}
