//! Bounds on what one request can make the agent hold: a job asking for a billion allocations
//! is refused with Nomad's `job_max_count` message instead of killing the agent, and a body
//! larger than the agent reads is refused before it is read.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use serde_json::json;

fn job_with_count(count: i64) -> String {
    json!({"Job": {"ID": "huge", "Name": "huge", "Type": "batch", "TaskGroups": [{
        "Name": "main", "Count": count,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/true"}}]}]}})
    .to_string()
}

#[tokio::test]
async fn a_billion_allocations_are_refused_with_nomads_message() {
    let t = TestAgent::start().await;
    // nomad/job_endpoint_hooks.go (v1.11.3) jobValidate: a multierror, returned uncoded (500).
    let r = t.post("/v1/jobs", &job_with_count(1_000_000_000)).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, "1 error occurred:\n\t* total count was greater than configured job_max_count: 1000000000 > 50000\n\n")
    );
    let r = t.post("/v1/job/huge", &job_with_count(50_001)).await;
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(t.get("/v1/job/huge").await.status, 404);
    assert_eq!(t.get("/v1/agent/health").await.status, 200);
}

#[tokio::test]
async fn a_body_larger_than_the_agent_reads_is_refused() {
    let t = TestAgent::start().await;
    let padding = "x".repeat(caravan_agent::limits::MAX_REQUEST_BODY);
    let r = t.post("/v1/jobs", &format!("{{\"Job\":{{\"ID\":\"{padding}\"}}}}")).await;
    assert_eq!((r.status, r.text().as_str()), (413, "Request body too large: this agent reads at most 16 MiB"));
    // Without a length announced, the body is cut where the limit is.
    let port = t.agent.addr().port();
    let status = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head =
            "POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        socket.write_all(head.as_bytes()).unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, " ".repeat(1 << 20));
        // The agent may answer and close before all of it is sent.
        for _ in 0..17 {
            if socket.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
        let _ = socket.write_all(b"0\r\n\r\n");
        let mut answer = String::new();
        let _ = socket.read_to_string(&mut answer);
        answer.lines().next().unwrap_or_default().to_string()
    })
    .await
    .unwrap();
    assert_eq!(status, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(t.get("/v1/agent/health").await.status, 200);
}
