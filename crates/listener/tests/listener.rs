//! The accept loop on a real listener, with limits short enough for a test: a trickling
//! request body gets 408 and its connection closed while other clients are served, a body
//! arriving steadily is not cut, Nomad's per-client limit answers 429 (and stops counting a
//! connection upgraded to a WebSocket, as `go-connlimit` does), idle connections and half-sent
//! heads are closed, and a response or WebSocket older than the idle timeout is not.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::routing::{get, post};
use axum::Router;
use caravan_listener::{serve, Limits};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Nomad's answer to a client over `http_max_conns_per_client`: `command/agent/http.go`
/// `connLimiter` (v1.11.3), with `go-connlimit` v0.3.1's message.
const TOO_MANY_CONNS: &str = "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: 81\r\nConnection: close\r\n\r\nYour IP is issuing too many concurrent connections, please rate limit your calls\n";

/// A WebSocket handshake (RFC 6455's sample key).
const UPGRADE: &str = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

struct Server {
    addr: SocketAddr,
    _stop: watch::Sender<bool>,
}

fn app() -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/upload", post(|body: Bytes| async move { body.len().to_string() }))
        // A response that keeps sending: a chunk every 200 ms, fifteen of them (3 s).
        .route(
            "/stream",
            get(|| async {
                let ticks = futures_util::stream::unfold(0u32, |n| async move {
                    if n == 15 {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Some((Ok::<_, std::io::Error>(Bytes::from(format!("tick {n}\n"))), n + 1))
                });
                Body::from_stream(ticks)
            }),
        )
        .route(
            "/ws",
            get(|upgrade: WebSocketUpgrade| async move {
                upgrade.on_upgrade(|mut socket| async move {
                    while let Some(Ok(message)) = socket.recv().await {
                        if socket.send(message).await.is_err() {
                            break;
                        }
                    }
                })
            }),
        )
}

async fn start(configure: impl FnOnce(&mut Limits)) -> Server {
    let mut limits = Limits::new(64);
    configure(&mut limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(serve(listener, app(), limits, stopped));
    Server { addr, _stop: stop }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let socket = TcpStream::connect(addr).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    socket
}

/// Everything until the server closes (or the read timeout).
fn read_all(socket: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

/// One response's head and body, read up to its end (`Content-Length`), the connection kept.
fn read_response(socket: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        assert_eq!(socket.read(&mut byte).unwrap(), 1, "closed early: {}", String::from_utf8_lossy(&answer));
        answer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&answer).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).unwrap();
    head + &String::from_utf8_lossy(&body)
}

fn get_on(socket: &mut TcpStream, path: &str) -> String {
    socket.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).unwrap();
    read_response(socket)
}

/// `GET /health` on a new connection.
fn health(addr: SocketAddr) -> String {
    get_on(&mut connect(addr), "/health")
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test]
async fn a_trickling_body_gets_408_and_its_connection_closed_while_other_clients_are_served() {
    let server = start(|l| l.body_read_timeout = Duration::from_secs(2)).await;
    let addr = server.addr;
    let slow = tokio::task::spawn_blocking(move || {
        let mut socket = connect(addr);
        socket.write_all(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n").unwrap();
        let started = Instant::now();
        let mut writer = socket.try_clone().unwrap();
        // A byte every 500 ms (never pausing as long as the stall timeout), until refused.
        let trickle = std::thread::spawn(move || {
            while started.elapsed() < Duration::from_secs(15) && writer.write_all(b"x").is_ok() {
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        let answer = read_all(&mut socket);
        let took = started.elapsed();
        drop(socket);
        let _ = trickle.join();
        (answer, took)
    });
    // Meanwhile other clients are served at once, a body of theirs too.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let others = blocking(move || {
        let started = Instant::now();
        let health = health(addr);
        let mut socket = connect(addr);
        let body = vec![b'y'; 100_000];
        socket.write_all(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n").unwrap();
        socket.write_all(&body).unwrap();
        let upload = read_response(&mut socket);
        (health, upload, started.elapsed())
    })
    .await;
    assert!(others.0.starts_with("HTTP/1.1 200 OK\r\n") && others.0.ends_with("\r\n\r\nok"), "{}", others.0);
    assert!(others.1.starts_with("HTTP/1.1 200 OK\r\n") && others.1.ends_with("\r\n\r\n100000"), "{}", others.1);
    assert!(others.2 < Duration::from_millis(1500), "{:?}", others.2);

    let (answer, took) = slow.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{answer}");
    assert!(
        answer.ends_with(
            "\r\n\r\nRequest body too slow: it must arrive within 2s plus 1s per 64 KiB, without pausing over 10s\n"
        ),
        "{answer}"
    );
    // The deadline (2 s), and the connection closed right after the answer (read_all ended).
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test]
async fn a_body_that_pauses_longer_than_the_stall_timeout_gets_408() {
    let server = start(|l| l.body_stall_timeout = Duration::from_secs(1)).await;
    let addr = server.addr;
    let (answer, took) = blocking(move || {
        let mut socket = connect(addr);
        socket.write_all(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhalf ").unwrap();
        let started = Instant::now();
        (read_all(&mut socket), started.elapsed())
    })
    .await;
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_large_body_arriving_steadily_is_not_cut_at_the_read_timeout() {
    let server = start(|l| {
        l.body_read_timeout = Duration::from_secs(1);
        l.body_stall_timeout = Duration::from_secs(1);
    })
    .await;
    let addr = server.addr;
    let (answer, took) = blocking(move || {
        let mut socket = connect(addr);
        // 12 chunks of 128 KiB, 250 ms apart: 3 s at 512 KiB/s, well over the 64 KiB/s floor.
        socket
            .write_all(
                format!("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", 12 * 131_072)
                    .as_bytes(),
            )
            .unwrap();
        let started = Instant::now();
        for _ in 0..12 {
            socket.write_all(&[b'z'; 131_072]).unwrap();
            std::thread::sleep(Duration::from_millis(250));
        }
        (read_response(&mut socket), started.elapsed())
    })
    .await;
    assert!(took > Duration::from_secs(2), "{took:?}");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.ends_with("\r\n\r\n1572864"), "{answer}");
}

#[tokio::test]
async fn a_client_over_its_limit_gets_nomads_429_and_an_upgraded_connection_no_longer_counts() {
    let server = start(|l| {
        l.max_conns_per_client = 3;
        l.limit_loopback_clients = true;
    })
    .await;
    let addr = server.addr;
    blocking(move || {
        let (a, b, mut c) = (connect(addr), connect(addr), connect(addr));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(read_all(&mut connect(addr)), TOO_MANY_CONNS);

        // `c` becomes a WebSocket: Nomad's limiter frees a hijacked connection.
        c.write_all(UPGRADE.as_bytes()).unwrap();
        let handshake = read_response(&mut c);
        assert!(handshake.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{handshake}");
        std::thread::sleep(Duration::from_millis(200));
        let mut d = connect(addr);
        assert!(get_on(&mut d, "/health").ends_with("\r\n\r\nok"));
        assert_eq!(read_all(&mut connect(addr)), TOO_MANY_CONNS);

        // A connection closed gives its place back.
        drop(a);
        std::thread::sleep(Duration::from_millis(200));
        assert!(health(addr).starts_with("HTTP/1.1 200 OK\r\n"));
        drop((b, c, d));
    })
    .await;
}

#[tokio::test]
async fn loopback_clients_are_not_held_to_the_per_client_limit_by_default() {
    let server = start(|l| l.max_conns_per_client = 3).await;
    let addr = server.addr;
    blocking(move || {
        let mut open: Vec<TcpStream> = (0..6).map(|_| connect(addr)).collect();
        for socket in &mut open {
            assert!(get_on(socket, "/health").starts_with("HTTP/1.1 200 OK\r\n"));
        }
    })
    .await;
}

#[tokio::test]
async fn idle_connections_and_late_heads_are_closed() {
    let server = start(|l| {
        l.idle_timeout = Duration::from_secs(1);
        l.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let addr = server.addr;
    blocking(move || {
        // After a request: closed once idle for 1 s, not before.
        let mut used = connect(addr);
        assert!(get_on(&mut used, "/health").ends_with("ok"));
        let started = Instant::now();
        assert_eq!(read_all(&mut used), "");
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(3), "{took:?}");

        // A new connection that sends nothing.
        let started = Instant::now();
        assert_eq!(read_all(&mut connect(addr)), "");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

        // Half a head.
        let mut late = connect(addr);
        late.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
        let started = Instant::now();
        assert_eq!(read_all(&mut late), "");
        assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    })
    .await;
}

#[tokio::test]
async fn a_response_and_a_websocket_older_than_the_idle_timeout_are_not_cut() {
    let server = start(|l| l.idle_timeout = Duration::from_secs(1)).await;
    let addr = server.addr;
    blocking(move || {
        let mut ws = connect(addr);
        ws.write_all(UPGRADE.as_bytes()).unwrap();
        assert!(read_response(&mut ws).starts_with("HTTP/1.1 101 "));

        // A response streaming for 3 s.
        let mut stream = connect(addr);
        stream.write_all(b"GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
        let started = Instant::now();
        let answer = read_all(&mut stream);
        assert!(started.elapsed() > Duration::from_secs(2), "{:?}", started.elapsed());
        assert!(answer.contains("tick 0\n") && answer.contains("tick 14\n"), "{answer}");

        // The WebSocket, 3 s old and quiet all along, still echoes: a masked text frame "hi".
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | 2];
        frame.extend_from_slice(&mask);
        frame.extend(b"hi".iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
        ws.write_all(&frame).unwrap();
        let mut echo = [0u8; 4];
        ws.read_exact(&mut echo).unwrap();
        assert_eq!(echo, [0x81, 2, b'h', b'i']);
    })
    .await;
}
