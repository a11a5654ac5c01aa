//! Log and file streams: the loops that follow a task's log or a file, reading the body chunk by
//! chunk (`Client::stream`, aborted when dropped), and resume after a drop. The resume logic
//! itself is `log_view::follow` (framed) and `log_view::plain`; this is the I/O around it.

use super::backoff::Backoff;
use super::browser::{now_ms, random, sleep};
use super::client::Client;
use super::endpoints::{self, Read, Scope};
use super::error::ApiError;
use super::fetch::Body;
use futures::{pin_mut, select, FutureExt};
use log_view::follow::{Follower, Output, StreamQuery, Target};
use log_view::logs::{log_files, LOG_DIR};
use log_view::plain::PlainTracker;
use log_view::store::Marker;
use nomad_api::utf8::Utf8Decoder;
use nomad_api::AllocFileInfo;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// How much recent output a view starts with.
pub const TAIL: u64 = 64 << 10;

/// A stream that sent nothing, not even a heartbeat (Nomad sends one every second while
/// idle), for this long is taken as broken.
const STALL: Duration = Duration::from_secs(15);

/// The next chunk, or an error if none came for [`STALL`].
async fn next_or_stall(body: &mut Body) -> Result<Option<Vec<u8>>, ApiError> {
    let next = body.next().fuse();
    let stall = sleep(STALL).fuse();
    pin_mut!(next, stall);
    select! {
        r = next => r,
        _ = stall => Err(ApiError::Network(format!("nothing received for {} s", STALL.as_secs()))),
    }
}

/// How a followed stream is doing.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamState {
    Connecting,
    Live,
    /// It broke; the next attempt is at `retry_at_ms`.
    Broken {
        reason: String,
        retry_at_ms: f64,
    },
    /// Reconnecting from the last byte shown.
    Resuming,
    /// It cannot work (403, 404): no retry.
    Failed(ApiError),
}

/// Where a loop's results go.
pub struct Sink {
    pub output: Box<dyn Fn(Vec<Output>)>,
    pub state: Box<dyn Fn(StreamState)>,
}

/// The task's rotated logs (the listing of `alloc/logs`).
pub async fn list_logs(client: &Client, scope: &Scope, alloc: &str) -> Result<Vec<AllocFileInfo>, ApiError> {
    client.read(&endpoints::fs_ls(scope, alloc, LOG_DIR)).await
}

/// A raw body (cat, readat).
pub async fn read_raw(client: &Client, read: &Read) -> Result<Vec<u8>, ApiError> {
    Ok(client.get(read, None, Duration::ZERO).await?.body)
}

/// Every rotated file of a task's stdout or stderr, oldest first, concatenated.
pub async fn whole_log(
    client: &Client,
    scope: &Scope,
    alloc: &str,
    task: &str,
    log_type: &str,
) -> Result<Vec<u8>, ApiError> {
    let listing = list_logs(client, scope, alloc).await?;
    let mut all = Vec::new();
    for file in log_files(&listing, task, log_type) {
        match read_raw(client, &endpoints::fs_cat(scope, alloc, &file.path)).await {
            Ok(bytes) => all.extend(bytes),
            // Rotated away since the listing: it is before everything else, so skip it.
            Err(ApiError::NotFound(_)) if all.is_empty() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(all)
}

/// Waits `delay`, telling the view why; then lists the logs, waiting longer while that
/// fails. `Err` only for a failure retrying cannot fix.
async fn pause_then_list(
    client: &Client,
    scope: &Scope,
    alloc: &str,
    reason: String,
    backoff: &mut Backoff,
    sink: &Sink,
    logs: bool,
) -> Result<Vec<AllocFileInfo>, ApiError> {
    let mut reason = reason;
    loop {
        let delay = backoff.next_delay(random());
        (sink.state)(StreamState::Broken { reason, retry_at_ms: now_ms() + delay.as_millis() as f64 });
        sleep(delay).await;
        (sink.state)(StreamState::Resuming);
        if !logs {
            return Ok(Vec::new());
        }
        match list_logs(client, scope, alloc).await {
            Ok(listing) => return Ok(listing),
            Err(e) if e.is_permanent() => return Err(e),
            Err(e) => reason = e.to_string(),
        }
    }
}

fn stream_read(scope: &Scope, alloc: &str, target: &Target, q: StreamQuery) -> Read {
    match target {
        Target::Logs { task, log_type } => {
            endpoints::fs_logs(scope, alloc, task, log_type, false, q.origin.as_str(), q.offset)
        }
        Target::File { path } => endpoints::fs_stream(scope, alloc, path, q.origin.as_str(), q.offset),
    }
}

/// Why a body stopped being read.
enum Stop {
    Broke(String),
    /// The resumed body landed wrong (step 5): resume again from this listing.
    Relist(Vec<AllocFileInfo>),
}

/// Follows a framed stream until the view goes away (the future is dropped) or it fails
/// for good; after a drop it resumes from the exact byte already taken in.
pub async fn follow_framed(client: Client, scope: Scope, alloc: String, follower: Rc<RefCell<Follower>>, sink: Sink) {
    let mut backoff = Backoff::default();
    let target = follower.borrow().target().clone();
    let logs = matches!(target, Target::Logs { .. });
    let mut query = follower.borrow().start();
    let mut state = StreamState::Connecting;
    loop {
        (sink.state)(state.clone());
        let stop = match client.stream(&stream_read(&scope, &alloc, &target, query)).await {
            Err(e) if e.is_permanent() => return (sink.state)(StreamState::Failed(e)),
            Err(e) => Stop::Broke(e.to_string()),
            Ok(mut body) => {
                (sink.state)(StreamState::Live);
                read_framed(&client, &scope, &alloc, &follower, &mut body, &sink, &mut backoff).await
            }
        };
        follower.borrow_mut().broke();
        let listing = match stop {
            Stop::Relist(listing) => listing,
            Stop::Broke(reason) => {
                match pause_then_list(&client, &scope, &alloc, reason, &mut backoff, &sink, logs).await {
                    Ok(listing) => listing,
                    Err(e) => return (sink.state)(StreamState::Failed(e)),
                }
            }
        };
        let (q, out) = follower.borrow_mut().resume(&listing);
        if !out.is_empty() {
            (sink.output)(out);
        }
        query = q;
        state = StreamState::Resuming;
    }
}

async fn read_framed(
    client: &Client,
    scope: &Scope,
    alloc: &str,
    follower: &Rc<RefCell<Follower>>,
    body: &mut Body,
    sink: &Sink,
    backoff: &mut Backoff,
) -> Stop {
    loop {
        let chunk = match next_or_stall(body).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Stop::Broke("the agent ended the stream".into()),
            Err(e) => return Stop::Broke(e.to_string()),
        };
        backoff.reset();
        let pushed = follower.borrow_mut().push(&chunk);
        // Even with nothing to show (a first line held back) the view learns of the chunk.
        (sink.output)(pushed.output);
        if pushed.needs_check {
            let listing = match list_logs(client, scope, alloc).await {
                Ok(l) => l,
                Err(e) => return Stop::Broke(e.to_string()),
            };
            let verified = follower.borrow_mut().verify(&listing);
            match verified {
                Some(out) => (sink.output)(out),
                None => return Stop::Relist(listing),
            }
        }
    }
}

/// Follows a task's log in plain mode (raw bytes).
pub async fn follow_plain(client: Client, scope: Scope, alloc: String, task: String, log_type: String, sink: Sink) {
    let mut backoff = Backoff::default();
    let mut tracker = PlainTracker::new(&task, &log_type, TAIL);
    let mut utf8 = Utf8Decoder::new();
    (sink.state)(StreamState::Connecting);
    let mut query = match list_logs(&client, &scope, &alloc).await {
        Ok(listing) => tracker.start(&listing),
        Err(e) if e.is_permanent() => return (sink.state)(StreamState::Failed(e)),
        Err(e) => match pause_then_list(&client, &scope, &alloc, e.to_string(), &mut backoff, &sink, true).await {
            Ok(listing) => tracker.start(&listing),
            Err(e) => return (sink.state)(StreamState::Failed(e)),
        },
    };
    loop {
        let read = endpoints::fs_logs(&scope, &alloc, &task, &log_type, true, query.origin.as_str(), query.offset);
        let reason = match client.stream(&read).await {
            Err(e) if e.is_permanent() => return (sink.state)(StreamState::Failed(e)),
            Err(e) => e.to_string(),
            Ok(mut body) => {
                (sink.state)(StreamState::Live);
                loop {
                    match next_or_stall(&mut body).await {
                        Ok(Some(chunk)) => {
                            backoff.reset();
                            tracker.taken(chunk.len());
                            let text = utf8.push(&chunk);
                            if !text.is_empty() {
                                (sink.output)(vec![Output::Text(text)]);
                            }
                        }
                        Ok(None) => break "the agent ended the stream".to_string(),
                        Err(e) => break e.to_string(),
                    }
                }
            }
        };
        let listing = match pause_then_list(&client, &scope, &alloc, reason, &mut backoff, &sink, true).await {
            Ok(listing) => listing,
            Err(e) => return (sink.state)(StreamState::Failed(e)),
        };
        let (q, out) = tracker.resume(&listing);
        if out.contains(&Output::Marker(Marker::Gap)) {
            let rest = utf8.finish();
            if !rest.is_empty() {
                (sink.output)(vec![Output::Text(rest)]);
            }
        }
        if !out.is_empty() {
            (sink.output)(out);
        }
        query = q;
    }
}
