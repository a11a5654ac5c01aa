//! `serve`'s connections under the local agent's limits (`caravan-listener`): an idle
//! connection and a half-sent head are closed, a trickling body gets 408 while the dashboard
//! and the API are served meanwhile, and a stream older than the idle timeout is not cut.

use crate::common::*;
use axum::body::Bytes;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tokio::time::timeout;

/// A proxy in front of `agent` whose connections idle out after 1 s, whose heads must arrive
/// within 1 s and whose bodies within 2 s.
async fn proxy_with_short_limits(agent: &FakeAgent) -> Proxy {
    let flags = [
        "--nomad-addr",
        &agent.address,
        "--http-idle-timeout",
        "1s",
        "--http-header-read-timeout",
        "1s",
        "--http-body-read-timeout",
        "2s",
    ];
    start_proxy(&flags, &[]).await
}

fn connect(proxy: &Proxy) -> TcpStream {
    let socket = TcpStream::connect(proxy.url.trim_start_matches("http://")).unwrap();
    socket.set_read_timeout(Some(PATIENCE)).unwrap();
    socket
}

/// What the proxy sent until it closed the connection, and how long that took.
fn read_until_closed(socket: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[tokio::test]
async fn idle_connections_and_late_heads_are_closed() {
    let agent = start_agent().await;
    let proxy = proxy_with_short_limits(&agent).await;
    let (mut fresh, mut used, mut late) = (connect(&proxy), connect(&proxy), connect(&proxy));
    let checks = tokio::task::spawn_blocking(move || {
        // A request answered (the connection kept alive), then nothing: closed after 1 s.
        used.write_all(b"GET /ui/app.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut head = [0u8; 15];
        used.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200 OK");
        let (_, used_closed) = read_until_closed(&mut used);

        late.write_all(b"GET /ui/ HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
        let (late_answer, late_closed) = read_until_closed(&mut late);
        let (fresh_answer, fresh_closed) = read_until_closed(&mut fresh);
        (used_closed, late_answer, late_closed, fresh_answer, fresh_closed)
    });
    let (used_closed, late_answer, late_closed, fresh_answer, fresh_closed) = checks.await.unwrap();
    assert!(used_closed >= Duration::from_millis(800) && used_closed < Duration::from_secs(3), "{used_closed:?}");
    assert_eq!(late_answer, "");
    assert!(late_closed < Duration::from_secs(3), "{late_closed:?}");
    // Opened before the others, so already closed (or nearly) by now.
    assert_eq!(fresh_answer, "");
    assert!(fresh_closed < Duration::from_secs(2), "{fresh_closed:?}");
}

#[tokio::test]
async fn a_trickling_body_gets_408_while_the_dashboard_and_the_api_are_served() {
    let agent = start_agent().await;
    let proxy = proxy_with_short_limits(&agent).await;
    let mut socket = connect(&proxy);
    let slow = tokio::task::spawn_blocking(move || {
        socket.write_all(b"PUT /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{").unwrap();
        let started = Instant::now();
        let mut writer = socket.try_clone().unwrap();
        // A byte every 500 ms, until the proxy closes the connection.
        let trickle = std::thread::spawn(move || {
            while started.elapsed() < Duration::from_secs(15) && writer.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        let (answer, _) = read_until_closed(&mut socket);
        let took = started.elapsed();
        drop(socket);
        let _ = trickle.join();
        (answer, took)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let page = get(&proxy, "/ui/").await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.unwrap(), INDEX_HTML);
    let echo = client().put(format!("{}/v1/echo", proxy.url)).body("{}").send().await.unwrap();
    assert_eq!(echo.status(), 201);
    // Served before the slow client's deadline (2 s from 0.5 s before).
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    let (answer, took) = slow.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(
        answer.ends_with(
            "\r\n\r\nRequest body too slow: it must arrive within 2s plus 1s per 64 KiB, without pausing over 2s\n"
        ),
        "{answer}"
    );
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test]
async fn a_stream_older_than_the_idle_timeout_is_not_cut() {
    let mut agent = start_agent().await;
    let proxy = proxy_with_short_limits(&agent).await;
    let mut response = get(&proxy, "/v1/stream").await;
    assert_eq!(response.status(), 200);
    let chunks = agent.chunks.take().unwrap();
    for text in ["{\"Offset\":0}", "{}", "{\"Offset\":7}"] {
        chunks.send(Bytes::from(text)).unwrap();
        let chunk = timeout(PATIENCE, response.chunk()).await.unwrap().unwrap();
        assert_eq!(chunk.as_deref(), Some(text.as_bytes()));
        // Quiet for longer than the idle timeout between chunks.
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    drop(chunks);
    assert_eq!(timeout(PATIENCE, response.chunk()).await.unwrap().unwrap(), None);
}
