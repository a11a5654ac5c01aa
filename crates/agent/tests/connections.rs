//! Connections: idle sockets cannot lock clients out (the agent caps connections below its
//! descriptor limit and closes idle ones to make room), a request head must arrive in time,
//! and a request being served is never cut for room.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::process::AgentProcess;
use common::TestAgent;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The common default soft limit, which 1,100 idle sockets used to exhaust.
const DESCRIPTOR_LIMIT: u64 = 1024;
const IDLE_SOCKETS: usize = 1100;

fn client() -> reqwest::Client {
    // No pooled connection: each request opens its own, as a new client would.
    reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(30)).build().unwrap()
}

#[tokio::test]
async fn health_answers_while_1100_idle_sockets_are_open_and_a_blocking_query_is_not_cut() {
    let agent = AgentProcess::start(&["--no-demo"], Some(DESCRIPTOR_LIMIT));
    let http = client();
    let health = format!("{}/v1/agent/health", agent.url);
    assert_eq!(http.get(&health).send().await.unwrap().status(), 200);

    // A blocking query in flight on its own connection, answered when its wait ends.
    let nodes = http.get(format!("{}/v1/nodes", agent.url)).send().await.unwrap();
    let index: u64 = nodes.headers()["x-nomad-index"].to_str().unwrap().parse().unwrap();
    assert!(index > 0);
    let blocking = tokio::spawn({
        let url = format!("{}/v1/nodes?index={index}&wait=6s", agent.url);
        let http = http.clone();
        async move {
            let started = Instant::now();
            let response = http.get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let nodes: Vec<serde_json::Value> = response.json().await.unwrap();
            (status, nodes.len(), started.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    let port = agent.port;
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..IDLE_SOCKETS).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect()
    })
    .await
    .unwrap();

    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), http.get(&health).send()).await;
    let took = started.elapsed();
    let answer = answer.expect("health did not answer within 5 s").unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    let ok = serde_json::json!({"ok": true, "message": "ok"});
    assert_eq!(body, serde_json::json!({"client": ok, "server": ok}));
    println!("health answered in {took:?} with {IDLE_SOCKETS} idle sockets open");

    let (status, nodes, waited) = blocking.await.unwrap();
    assert_eq!((status, nodes), (200, 1), "the blocking query was cut");
    assert!(waited >= Duration::from_secs(5), "{waited:?}");

    let log = agent.log();
    assert!(!log.contains("Too many open files"), "{log}");
    drop(idle);
}

#[tokio::test]
async fn a_request_head_that_does_not_arrive_in_time_closes_the_connection() {
    let t = TestAgent::start().await;
    let port = t.agent.addr().port();
    let (closed_after, answer) = tokio::task::spawn_blocking(move || {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        socket.write_all(b"GET /v1/agent/health HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
        let started = Instant::now();
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer);
        (started.elapsed(), answer)
    })
    .await
    .unwrap();
    // `caravan_listener::HEADER_READ_TIMEOUT` (10 s), checked every second.
    assert!(closed_after >= Duration::from_secs(9) && closed_after < Duration::from_secs(14), "{closed_after:?}");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}
