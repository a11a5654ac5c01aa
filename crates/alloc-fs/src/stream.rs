//! `/fs/stream` and `/fs/logs`: a file, or a task's rotated logs, as `StreamFrame`s.
//!
//! One loop serves both. It reads whatever is there, then wakes on three clocks: every
//! [`POLL_INTERVAL`] it stats the open file (and, for logs, lists the open logs directory
//! for the next file); every [`BATCH_WINDOW`] it sends the data gathered since; after
//! [`HEARTBEAT`] without sending anything it sends `{}`. Idle, that is an `fstat` and a
//! `getdents` 10 times a second, on descriptors opened once (see `resolve`).

use crate::error::FsError;
use crate::framer::Framer;
use crate::logs::{Leave, LogWalk, POLL_INTERVAL};
use crate::params::{LogType, Origin};
use crate::pool::Limit;
use crate::read;
use crate::tail::{Change, Tail};
use futures_core::Stream;
use nomad_api::{StreamFrame, FILE_DELETED, FILE_TRUNCATED};
use std::path::Path;
use std::time::Duration;
use tokio::time::{interval, sleep_until, Instant, MissedTickBehavior};

/// Data is sent at least this often while it flows (Nomad's `streamBatchWindow`).
pub const BATCH_WINDOW: Duration = Duration::from_millis(200);
/// `{}` is sent after this long without a frame (Nomad's `streamHeartbeatRate`).
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// Streams one file of the allocation directory (Nomad's `/fs/stream`).
///
/// Starts at `offset` from the start or, for [`Origin::End`], back from the end (clamped to
/// the start). Without `follow` it ends at the end of the file. With `follow` it sends what
/// is appended; a file that shrinks is announced with a `file truncated` frame and read
/// again from 0; a file deleted (or replaced) is read to its end, announced with a
/// `file deleted` frame, and the stream ends. Every frame's `File` is `path` as given.
///
/// Errors before the first frame (bad path, directory) come back as `Err` here, so the
/// caller can answer them with [`FsError::code`].
pub async fn stream_file(
    alloc_dir: &Path,
    path: &str,
    offset: i64,
    origin: Origin,
    follow: bool,
) -> Result<impl Stream<Item = Result<StreamFrame, FsError>> + Send + 'static, FsError> {
    let limit = Limit::of(alloc_dir);
    let opened = read::open(&limit, alloc_dir, path, offset, origin).await?;
    let tail = Tail::new(opened, path.to_string(), limit);
    let leave = if follow { Leave::Never } else { Leave::AtEof };
    Ok(frames(tail, leave, None))
}

/// Streams a task's `stdout` or `stderr` (Nomad's `/fs/logs`) across its rotated files
/// `alloc/logs/<task>.<type>.<N>`, in index order.
///
/// [`Origin::Start`]: `offset` bytes from the start of the oldest file still there, forward
/// across files. [`Origin::End`]: `offset` bytes back from the end of the newest file,
/// back across earlier files (with `offset` 0, the newest file from its start, as in Nomad).
/// Without `follow` the stream ends at the end of the newest file. With `follow`, once a
/// later file appears the current one is read to its end and the stream goes on in the
/// next, whose frames carry its name in `File` and offsets from 0.
///
/// No log file at all is [`FsError::LogNotFound`] (404), returned here before streaming.
pub async fn stream_logs(
    alloc_dir: &Path,
    task: &str,
    log_type: LogType,
    offset: i64,
    origin: Origin,
    follow: bool,
) -> Result<impl Stream<Item = Result<StreamFrame, FsError>> + Send + 'static, FsError> {
    if task.is_empty() {
        return Err(FsError::TaskNotPresent);
    }
    let mut walk = LogWalk::new(alloc_dir, task, log_type, offset, origin, follow).await?;
    let Some((tail, leave)) = walk.next().await? else {
        return Err(FsError::LogNotFound { task: task.to_string(), log_type: log_type.as_str().to_string() });
    };
    Ok(frames(tail, leave, Some(walk)))
}

enum Wake {
    Poll,
    Flush,
    Heartbeat,
}

/// Reads `tail`, then each next file of `walk`, into frames.
fn frames(
    tail: Tail,
    leave: Leave,
    mut walk: Option<LogWalk>,
) -> impl Stream<Item = Result<StreamFrame, FsError>> + Send + 'static {
    async_stream::try_stream! {
        let mut framer = Framer::default();
        let mut poll = interval(POLL_INTERVAL);
        let mut flush = interval(BATCH_WINDOW);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        flush.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last_sent = Instant::now();
        let mut current = Some((tail, leave));

        while let Some((mut tail, leave)) = current.take() {
            let mut leaving = matches!(leave, Leave::AtEof);
            let mut readable = true;
            let mut deleted = false;
            loop {
                let mut ready = Vec::new();
                if readable {
                    let chunk = tail.read().await?;
                    readable = !chunk.is_empty();
                    ready = framer.push(&tail.name, &chunk, tail.offset);
                } else if leaving {
                    break;
                } else {
                    let wake = tokio::select! {
                        _ = poll.tick() => Wake::Poll,
                        _ = flush.tick() => Wake::Flush,
                        _ = sleep_until(last_sent + HEARTBEAT) => Wake::Heartbeat,
                    };
                    match wake {
                        Wake::Flush => ready.extend(framer.flush()),
                        Wake::Heartbeat => ready.push(StreamFrame::default()),
                        Wake::Poll => {
                            // Look for the next file before reading: the writer finishes a
                            // file before it creates the next, so what is read after
                            // seeing the next is all there is.
                            if let (Leave::OnRotation(next), Some(walk)) = (leave, &walk) {
                                leaving = walk.rotated(next).await?;
                            }
                            match tail.change().await? {
                                Change::None => {}
                                Change::Grew => readable = true,
                                Change::Truncated => {
                                    ready = framer.event(&tail.name, FILE_TRUNCATED, 0);
                                    tail.restart();
                                    readable = true;
                                }
                                // Whatever was written before the deletion is still
                                // readable through the open file: read it, then say so.
                                Change::Deleted => deleted = true,
                            }
                            if leaving || deleted {
                                leaving = true;
                                readable = true;
                            }
                        }
                    }
                }
                for frame in ready {
                    last_sent = Instant::now();
                    yield frame;
                }
            }
            if deleted {
                for frame in framer.event(&tail.name, FILE_DELETED, tail.offset) {
                    last_sent = Instant::now();
                    yield frame;
                }
            }
            if let Some(walk) = walk.as_mut() {
                current = walk.next().await?;
            }
        }
        if let Some(frame) = framer.flush() {
            yield frame;
        }
    }
}
