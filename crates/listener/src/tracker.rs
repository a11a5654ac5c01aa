//! The open connections, what each is doing, and whose they are: for the cap (close the
//! connection idle the longest to make room), the header-read deadline, and the per-client
//! limit.

use axum::body::Body;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// What the tracker knows of one connection.
pub(crate) struct Conn {
    /// Requests being served; a connection with none may be closed to make room.
    busy: AtomicUsize,
    /// Milliseconds since the tracker started: when the connection last became idle.
    idle_since: AtomicU64,
    /// Milliseconds since the tracker started (plus one; 0 = none) when the first byte of a
    /// request head arrived while idle.
    head_started: AtomicU64,
    pub(crate) evicting: AtomicBool,
    pub(crate) evict: Notify,
    /// The client address the connection counts against, while it does.
    client: Option<IpAddr>,
    counted: AtomicBool,
}

impl Conn {
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire) > 0
    }

    /// Whether a request head began arriving more than `timeout_ms` ago and is not complete.
    pub(crate) fn head_overdue(&self, tracker: &Tracker, timeout_ms: u64) -> bool {
        let started = self.head_started.load(Ordering::Relaxed);
        started != 0 && tracker.now().saturating_sub(started - 1) > timeout_ms
    }
}

/// Why a connection was not admitted.
pub(crate) enum Refusal {
    /// Its client holds `max_conns_per_client` connections already.
    ClientLimit,
    /// At the cap, and every connection is serving a request.
    Full,
}

#[derive(Default)]
struct Open {
    conns: HashMap<u64, Arc<Conn>>,
    per_client: HashMap<IpAddr, usize>,
}

impl Open {
    fn release_client(&mut self, conn: &Conn) {
        let Some(client) = conn.client else { return };
        if !conn.counted.swap(false, Ordering::AcqRel) {
            return;
        }
        if let Some(count) = self.per_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                self.per_client.remove(&client);
            }
        }
    }
}

pub(crate) struct Tracker {
    started: Instant,
    cap: usize,
    per_client_cap: usize,
    next_id: AtomicU64,
    open: Mutex<Open>,
}

impl Tracker {
    pub(crate) fn new(cap: usize, per_client_cap: usize) -> Self {
        Tracker { started: Instant::now(), cap, per_client_cap, next_id: AtomicU64::new(0), open: Mutex::default() }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection counted against `client` (if limited): refused when that
    /// client is at its limit; closes the connection idle the longest when at the cap; refused
    /// when every connection is serving a request.
    pub(crate) fn admit(self: &Arc<Self>, client: Option<IpAddr>) -> Result<Slot, Refusal> {
        let mut open = self.open();
        if let Some(client) = client {
            if open.per_client.get(&client).copied().unwrap_or(0) >= self.per_client_cap {
                return Err(Refusal::ClientLimit);
            }
        }
        let evicting = open.conns.values().filter(|c| c.evicting.load(Ordering::Relaxed)).count();
        if open.conns.len() - evicting >= self.cap && !Self::evict_idlest(&open.conns) {
            return Err(Refusal::Full);
        }
        if let Some(client) = client {
            *open.per_client.entry(client).or_default() += 1;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            idle_since: AtomicU64::new(self.now()),
            head_started: AtomicU64::new(0),
            evicting: AtomicBool::new(false),
            evict: Notify::new(),
            client,
            counted: AtomicBool::new(client.is_some()),
        });
        open.conns.insert(id, conn.clone());
        Ok(Slot { id, conn, tracker: self.clone() })
    }

    /// Asks the connection idle the longest to close; false if none is idle.
    fn evict_idlest(conns: &HashMap<u64, Arc<Conn>>) -> bool {
        let idlest = conns
            .values()
            .filter(|c| !c.is_busy() && !c.evicting.load(Ordering::Relaxed))
            .min_by_key(|c| c.idle_since.load(Ordering::Relaxed));
        let Some(conn) = idlest else { return false };
        conn.evicting.store(true, Ordering::Relaxed);
        conn.evict.notify_one();
        true
    }

    pub(crate) fn evict_one(&self) -> bool {
        Self::evict_idlest(&self.open().conns)
    }

    /// The connection became a WebSocket: serving for good, and no longer its client's.
    pub(crate) fn upgraded(&self, conn: &Conn) {
        conn.busy.fetch_add(1, Ordering::AcqRel);
        self.open().release_client(conn);
    }
}

/// A connection's place in the tracker, held by its socket (even once upgraded to a
/// WebSocket, which still holds a descriptor); given back when the socket closes.
pub(crate) struct Slot {
    id: u64,
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.tracker.open();
        open.conns.remove(&self.id);
        open.release_client(&self.conn);
    }
}

/// A request being served on a connection: from its head until its response body is done.
pub(crate) struct Busy {
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
}

impl Busy {
    pub(crate) fn new(conn: Arc<Conn>, tracker: Arc<Tracker>) -> Self {
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
pub(crate) struct BusyBody {
    body: Body,
    _busy: Busy,
}

impl BusyBody {
    pub(crate) fn new(body: Body, busy: Busy) -> Self {
        BusyBody { body, _busy: busy }
    }
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
pub(crate) struct TrackedStream {
    stream: TcpStream,
    slot: Slot,
}

impl TrackedStream {
    pub(crate) fn new(stream: TcpStream, slot: Slot) -> Self {
        TrackedStream { stream, slot }
    }

    pub(crate) fn handles(&self) -> (Arc<Conn>, Arc<Tracker>) {
        (self.slot.conn.clone(), self.slot.tracker.clone())
    }
}

impl AsyncRead for TrackedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        let conn = &self.slot.conn;
        if buf.filled().len() > before && !conn.is_busy() && conn.head_started.load(Ordering::Relaxed) == 0 {
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
