//! The HTTP server's accept loop. `axum::serve` has no timeouts and accepts until the process
//! runs out of descriptors, after which `accept` fails for everyone: a thousand idle sockets
//! locked every client out of the agent. Here connections are served by hyper directly, with
//! - a header-read timeout: a request head must arrive within [`HEADER_READ_TIMEOUT`] of its
//!   first byte;
//! - an idle timeout: a connection waiting for its next request is closed after
//!   [`IDLE_TIMEOUT`] (hyper's `header_read_timeout`, which runs whenever hyper waits for a
//!   head); a request being served (a blocking query of 5 minutes, a log stream, an exec
//!   WebSocket) is never cut;
//! - a cap on open connections below the descriptor limit: when it is reached, the connection
//!   idle the longest is closed to make room, and only when every connection is serving a
//!   request is a new one turned away (503), so descriptors never run out.
//!
//! The soft `RLIMIT_NOFILE` is raised to the hard limit at start, so the cap is as high as the
//! system allows.

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How long a request head may take from its first byte.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may wait for a request. Longer than the idle time of common client
/// pools (hyper's and Go's 90 s, nginx's 60 s), so that clients drop idle connections before we
/// do and never send a request on one we are closing.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often a connection checks its header-read deadline.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);
/// After an `accept` that failed for want of descriptors: a pause, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// Descriptors kept for everything but connections: task logs and pipes, exec terminals, the
/// state files, the runtime's own.
fn reserved_descriptors(limit: u64) -> u64 {
    (limit / 4).max(256).min(limit / 2)
}

/// The most connections served at once under a descriptor limit of `limit`.
pub fn connection_cap(limit: u64) -> usize {
    usize::try_from(limit.saturating_sub(reserved_descriptors(limit))).unwrap_or(usize::MAX).max(8)
}

/// Raises the soft descriptor limit to the hard one; returns the limit now in force.
pub fn raise_descriptor_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        } else {
            tracing::warn!(error = %io::Error::last_os_error(), "raising the descriptor limit failed");
        }
    }
    Ok(limit.rlim_cur)
}

/// What the tracker knows of one connection.
struct Conn {
    /// Requests being served; a connection with none may be closed to make room.
    busy: AtomicUsize,
    /// Milliseconds since the tracker started: when the connection last became idle.
    idle_since: AtomicU64,
    /// Milliseconds since the tracker started (plus one; 0 = none) when the first byte of a
    /// request head arrived while idle.
    head_started: AtomicU64,
    evicting: AtomicBool,
    evict: Notify,
}

/// The open connections, for the cap and for choosing which idle one to close.
struct Tracker {
    started: Instant,
    cap: usize,
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Tracker {
    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A place for a new connection: closes the connection idle the longest when at the cap;
    /// `None` when every connection is serving a request.
    fn admit(self: &Arc<Self>) -> Option<Slot> {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        let evicting = conns.values().filter(|c| c.evicting.load(Ordering::Relaxed)).count();
        if conns.len() - evicting >= self.cap && !Self::evict_idlest(&conns) {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now()),
            head_started: AtomicU64::new(0),
            evicting: AtomicBool::new(false),
            evict: Notify::new(),
        });
        conns.insert(id, conn.clone());
        Some(Slot { id, conn, tracker: self.clone() })
    }

    /// Asks the connection idle the longest to close; false if none is idle.
    fn evict_idlest(conns: &HashMap<u64, Arc<Conn>>) -> bool {
        let idlest = conns
            .values()
            .filter(|c| c.busy.load(Ordering::Acquire) == 0 && !c.evicting.load(Ordering::Relaxed))
            .min_by_key(|c| c.idle_since.load(Ordering::Relaxed));
        let Some(conn) = idlest else { return false };
        conn.evicting.store(true, Ordering::Relaxed);
        conn.evict.notify_one();
        true
    }

    fn evict_one(&self) -> bool {
        Self::evict_idlest(&self.conns.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A connection's place in the tracker, held by its socket (even once upgraded to a
/// WebSocket, which still holds a descriptor); given back when the socket closes.
struct Slot {
    id: u64,
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.tracker.conns.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

/// A request being served on a connection: from its head until its response body is done.
struct Busy {
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
}

impl Busy {
    fn new(conn: Arc<Conn>, tracker: Arc<Tracker>) -> Self {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        conn.head_started.store(0, Ordering::Relaxed);
        Busy { conn, tracker }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn.idle_since.store(self.tracker.now(), Ordering::Relaxed);
        self.conn.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped).
struct BusyBody {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for BusyBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The socket, noting when the first byte of a request head arrives on an idle connection.
struct TrackedStream {
    stream: TcpStream,
    slot: Slot,
}

impl AsyncRead for TrackedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        let conn = &self.slot.conn;
        if buf.filled().len() > before
            && conn.busy.load(Ordering::Acquire) == 0
            && conn.head_started.load(Ordering::Relaxed) == 0
        {
            conn.head_started.store(self.slot.tracker.now() + 1, Ordering::Relaxed);
        }
        result
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, data)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves `app` on `listener` with at most `cap` connections until `stopped`, then lets the
/// requests in flight finish (the caller bounds how long it waits).
pub async fn serve(listener: TcpListener, app: Router, cap: usize, mut stopped: watch::Receiver<bool>) {
    let tracker = Arc::new(Tracker {
        started: Instant::now(),
        cap,
        next_id: AtomicU64::new(0),
        conns: Mutex::new(HashMap::new()),
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(IDLE_TIMEOUT).keep_alive(true);
    let mut conns = JoinSet::new();
    let stop = stopped.clone();
    let mut last_warning: Option<Instant> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match tracker.admit() {
                    Some(slot) => {
                        let conn = serve_connection(builder.clone(), app.clone(), TrackedStream { stream, slot }, stop.clone());
                        conns.spawn(conn);
                    }
                    None => turn_away(&stream, cap),
                },
                Err(e) => {
                    // Out of descriptors (tasks and files use them too): make room, pause, go on.
                    if last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                        tracing::warn!(error = %e, connections = conns.len(), "accept failed");
                        last_warning = Some(Instant::now());
                    }
                    tracker.evict_one();
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = stopped_signal(&mut stopped) => break,
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// Resolves once the agent stops (or its sender is gone), holding no borrow of the value.
async fn stopped_signal(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// Every connection serves a request: a plain 503 and the socket closed, rather than leaving
/// the client waiting in the backlog.
fn turn_away(stream: &TcpStream, cap: usize) {
    let text = format!("Too many open connections: this agent serves at most {cap} at once\n");
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    // One attempt without waiting: a client that cannot take it gets the closed socket alone.
    let _ = stream.try_write(response.as_bytes());
}

async fn serve_connection(
    builder: hyper::server::conn::http1::Builder,
    app: Router,
    stream: TrackedStream,
    mut stopped: watch::Receiver<bool>,
) {
    let (conn, tracker) = (stream.slot.conn.clone(), stream.slot.tracker.clone());
    let service = {
        let (conn, tracker) = (conn.clone(), tracker.clone());
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let busy = Busy::new(conn.clone(), tracker.clone());
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(Body::new)).await;
                response.map(|r: Response<Body>| r.map(|body| Body::new(BusyBody { body, _busy: busy })))
            }
        })
    };
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    let mut watch = tokio::time::interval(WATCH_INTERVAL);
    watch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            // A finished connection wins over closing it: an upgrade completes this way.
            biased;
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                break;
            }
            _ = conn.evict.notified() => {
                if conn.busy.load(Ordering::Acquire) == 0 {
                    return;
                }
                conn.evicting.store(false, Ordering::Relaxed);
            }
            _ = stopped_signal(&mut stopped), if !shutting_down => {
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = watch.tick() => {
                let started = conn.head_started.load(Ordering::Relaxed);
                let overdue = started != 0 && tracker.now().saturating_sub(started - 1) > HEADER_READ_TIMEOUT.as_millis() as u64;
                if overdue && conn.busy.load(Ordering::Acquire) == 0 {
                    tracing::debug!("closing a connection whose request head did not arrive in time");
                    return;
                }
            }
        }
    }
    // Upgraded: the socket lives on in the WebSocket, serving, and must not be taken for idle.
    conn.busy.fetch_add(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_descriptors_for_everything_else() {
        assert_eq!(connection_cap(1024), 768);
        assert_eq!(connection_cap(256), 128);
        assert_eq!(connection_cap(20_000), 15_000);
        assert_eq!(connection_cap(10), 8);
    }
}
