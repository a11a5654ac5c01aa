//! The HTTP accept loop of the local agent and of `serve`, one implementation for both.
//! `axum::serve` has no timeouts and accepts until the process runs out of descriptors, after
//! which `accept` fails for everyone: a thousand idle sockets locked every client out of the
//! agent (issue 16). Here connections are served by hyper directly, with
//! - a header-read timeout: a request head must arrive within
//!   [`Limits::header_read_timeout`] of its first byte;
//! - an idle timeout: a connection waiting for its next request is closed after
//!   [`Limits::idle_timeout`] (hyper's `header_read_timeout`, which runs whenever hyper waits
//!   for a head); a request being served (a blocking query of 5 minutes, a log stream, an exec
//!   WebSocket) is never cut;
//! - a body deadline (`body.rs`): a request body that trickles in gets 408 and the connection
//!   is closed, rather than holding it and its handler for as long as the client likes;
//! - a cap on open connections below the descriptor limit: when it is reached, the connection
//!   idle the longest is closed to make room, and only when every connection is serving a
//!   request is a new one turned away (503), so descriptors never run out;
//! - Nomad's per-client limit (`limits.http_max_conns_per_client`, 100 by default; 429 with
//!   Nomad's message beyond it), for clients other than loopback ones.
//!
//! Nomad 1.11.3 (`command/agent/http.go` `NewHTTPServers`, `makeConnState`) sets none of the
//! `http.Server` timeouts (`ReadTimeout`, `ReadHeaderTimeout`, `IdleTimeout`, `WriteTimeout`):
//! with TLS it gives a new connection `limits.https_handshake_timeout` (5 s,
//! `nomad/structs/config/limits.go`) until its first request is active, and otherwise relies on
//! the per-client limit (`go-connlimit`, which stops counting a connection once it is hijacked
//! for a WebSocket). The timeouts here go further because this server sits on developers'
//! machines where one local program can otherwise starve every other.

mod args;
mod body;
mod descriptors;
mod tracker;

pub use args::{HttpLimitsArgs, Timeout};
pub use descriptors::{connection_cap, raise_descriptor_limit};

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::Router;
use body::DeadlineBody;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt;
use tracker::{Busy, BusyBody, Refusal, TrackedStream, Tracker};

/// How long a request head may take from its first byte.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may wait for a request. Longer than the idle time of common client
/// pools (hyper's and Go's 90 s, nginx's 60 s), so that clients drop idle connections before we
/// do and never send a request on one we are closing.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a request body may take, before the time its size earns (see [`BODY_MIN_RATE`]).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a request body may pause.
pub const BODY_STALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes per second: each this many bytes of a body received extend its deadline by a second.
pub const BODY_MIN_RATE: u64 = 64 * 1024;
/// Nomad's default `limits.http_max_conns_per_client` (`nomad/structs/config/limits.go`).
pub const MAX_CONNS_PER_CLIENT: usize = 100;
/// The longest a connection takes to notice its header-read deadline has passed.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);
/// After an `accept` that failed for want of descriptors: a pause, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);
/// What Nomad answers a client over its limit (`go-connlimit`'s `tooManyConnsMsg`).
const TOO_MANY_CONNS: &str = "Your IP is issuing too many concurrent connections, please rate limit your calls\n";

/// What a server built on [`serve`] tolerates; [`HttpLimitsArgs::limits`] makes them from flags.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub body_read_timeout: Duration,
    pub body_stall_timeout: Duration,
    /// Connections open at once, all clients together (see [`connection_cap`]).
    pub max_conns: usize,
    /// Connections open at once from one client address; 0 for no limit.
    pub max_conns_per_client: usize,
    /// Whether loopback clients are limited too, as Nomad limits them. Off by default: on
    /// loopback every local program (the browser, the CLI, tests, a proxy in front) shares one
    /// address, so the limit would be a second, lower cap on the whole server.
    pub limit_loopback_clients: bool,
}

impl Limits {
    /// The default limits with a cap of `max_conns` connections.
    pub fn new(max_conns: usize) -> Self {
        HttpLimitsArgs::default().limits(max_conns)
    }

    /// The client address a connection from `peer` counts against, if any.
    fn client_of(&self, peer: IpAddr) -> Option<IpAddr> {
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        let limited = self.max_conns_per_client > 0 && (self.limit_loopback_clients || !peer.is_loopback());
        limited.then_some(peer)
    }
}

/// Serves `app` on `listener` under `limits` until `stopped` turns true (or its sender is
/// dropped), then lets the requests in flight finish (the caller bounds how long it waits).
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, mut stopped: watch::Receiver<bool>) {
    let tracker = Arc::new(Tracker::new(limits.max_conns, limits.max_conns_per_client));
    let limits = Arc::new(limits);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.idle_timeout).keep_alive(true);
    let mut conns = JoinSet::new();
    let stop = stopped.clone();
    let mut last_warning: Option<Instant> = None;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => match tracker.admit(limits.client_of(peer.ip())) {
                    Ok(slot) => {
                        let stream = TrackedStream::new(stream, slot);
                        conns.spawn(serve_connection(builder.clone(), app.clone(), limits.clone(), stream, stop.clone()));
                    }
                    Err(Refusal::ClientLimit) => {
                        tracing::warn!(address = %peer, limit = limits.max_conns_per_client, "Too many concurrent connections");
                        turn_away(&stream, "429 Too Many Requests", "text/plain", TOO_MANY_CONNS);
                    }
                    Err(Refusal::Full) => {
                        let text = format!("Too many open connections: this server serves at most {} at once\n", limits.max_conns);
                        turn_away(&stream, "503 Service Unavailable", "text/plain; charset=utf-8", &text);
                    }
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

/// Resolves once the server stops (or its sender is gone), holding no borrow of the value.
async fn stopped_signal(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// A connection refused before any request: an answer and the socket closed, rather than
/// leaving the client waiting in the backlog.
fn turn_away(stream: &TcpStream, status: &str, content_type: &str, text: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    // One attempt without waiting: a client that cannot take it gets the closed socket alone.
    let _ = stream.try_write(response.as_bytes());
}

/// A request whose body did not arrive in time: 408, and the connection closed (the rest of
/// the body may still be on its way).
fn body_too_slow(limits: &Limits) -> Response<Body> {
    let text = format!(
        "Request body too slow: it must arrive within {} plus 1s per {} KiB, without pausing over {}\n",
        Timeout(limits.body_read_timeout),
        BODY_MIN_RATE / 1024,
        Timeout(limits.body_stall_timeout),
    );
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

async fn serve_connection(
    builder: hyper::server::conn::http1::Builder,
    app: Router,
    limits: Arc<Limits>,
    stream: TrackedStream,
    mut stopped: watch::Receiver<bool>,
) {
    let (conn, tracker) = stream.handles();
    let service = {
        let (conn, tracker, limits) = (conn.clone(), tracker.clone(), limits.clone());
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let busy = Busy::new(conn.clone(), tracker.clone());
            let (app, limits) = (app.clone(), limits.clone());
            let expired = Arc::new(AtomicBool::new(false));
            let request = if http_body::Body::is_end_stream(request.body()) {
                request.map(Body::new)
            } else {
                request.map(|body| Body::new(DeadlineBody::new(body, &limits, expired.clone())))
            };
            async move {
                let response = app.oneshot(request).await;
                response.map(|r: Response<Body>| {
                    let r = if expired.load(Ordering::Relaxed) { body_too_slow(&limits) } else { r };
                    r.map(|body| Body::new(BusyBody::new(body, busy)))
                })
            }
        })
    };
    let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(connection);
    let header_read_ms = u64::try_from(limits.header_read_timeout.as_millis()).unwrap_or(u64::MAX);
    let mut watch =
        tokio::time::interval(WATCH_INTERVAL.min(limits.header_read_timeout / 4).max(Duration::from_millis(10)));
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
                if !conn.is_busy() {
                    return;
                }
                conn.evicting.store(false, Ordering::Relaxed);
            }
            _ = stopped_signal(&mut stopped), if !shutting_down => {
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = watch.tick() => {
                if conn.head_overdue(&tracker, header_read_ms) && !conn.is_busy() {
                    tracing::debug!("closing a connection whose request head did not arrive in time");
                    return;
                }
            }
        }
    }
    // Upgraded: the socket lives on in the WebSocket, serving, and must not be taken for idle.
    // Like Nomad's limiter with a hijacked connection, its client no longer counts it.
    tracker.upgraded(&conn);
}
