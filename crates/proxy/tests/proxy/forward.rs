//! Plain requests: streaming, blocking queries, headers, status codes and bodies both ways.

use crate::common::*;
use axum::body::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

#[tokio::test]
async fn stream_chunks_arrive_while_the_agent_is_still_writing() {
    let mut agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let mut response = get(&proxy, "/v1/stream").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-length").is_none());
    let chunks = agent.chunks.take().unwrap();
    for text in ["{\"Offset\":0}", "{}", "{\"Offset\":7}"] {
        chunks.send(Bytes::from(text)).unwrap();
        // The agent has not finished (its sender is alive), yet the chunk is here.
        let chunk = timeout(PATIENCE, response.chunk()).await.unwrap().unwrap();
        assert_eq!(chunk.as_deref(), Some(text.as_bytes()));
    }
    drop(chunks);
    assert_eq!(timeout(PATIENCE, response.chunk()).await.unwrap().unwrap(), None);
}

#[tokio::test]
async fn a_slow_blocking_query_is_not_cut_and_keeps_its_metadata() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = get(&proxy, "/v1/blocking?index=41&wait=5m").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-nomad-index"], "42");
    assert_eq!(response.headers()["x-nomad-knownleader"], "true");
    assert_eq!(response.headers()["x-nomad-lastcontact"], "0");
    assert_eq!(response.text().await.unwrap(), "[]");
}

#[tokio::test]
async fn headers_status_and_body_pass_both_ways_without_hop_by_hop_headers() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = client()
        .put(format!("{}/v1/echo?namespace=default&prefix=a%20b", proxy.url))
        .header("X-Nomad-Token", "s3cret-token")
        .header("Connection", "x-hop")
        .header("X-Hop", "1")
        .header("Accept-Encoding", "gzip")
        .body("{\"Signal\":\"SIGHUP\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let headers = response.headers().clone();
    assert_eq!(headers["x-nomad-index"], "7");
    assert_eq!(headers["x-nomad-knownleader"], "true");
    assert_eq!(headers["x-nomad-lastcontact"], "0");
    assert!(headers.get("x-upstream-hop").is_none(), "{headers:?}");

    let seen: serde_json::Value = response.json().await.unwrap();
    assert_eq!(seen["method"], "PUT");
    assert_eq!(seen["uri"], "/v1/echo?namespace=default&prefix=a%20b");
    assert_eq!(seen["body"], "{\"Signal\":\"SIGHUP\"}");
    let sent = &seen["headers"];
    assert_eq!(sent["x-nomad-token"], "s3cret-token");
    assert_eq!(sent["accept-encoding"], "gzip");
    assert_eq!(sent["host"], agent.address.trim_start_matches("http://"));
    assert!(sent.get("x-hop").is_none(), "{sent}");
}

#[tokio::test]
async fn error_statuses_and_their_plain_text_pass_as_they_are() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = get(&proxy, "/v1/acl/token/self").await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "Permission denied");
    let response = get(&proxy, "/v1/no/such/endpoint").await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_gzipped_answer_passes_undecoded() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = get(&proxy, "/v1/gzip").await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(response.headers()["content-length"], GZIP_BODY.len().to_string().as_str());
    assert_eq!(response.bytes().await.unwrap().as_ref(), GZIP_BODY);
}

/// Reads from `socket` until what was read contains `wanted`.
async fn read_until(socket: &mut tokio::net::TcpStream, seen: &mut Vec<u8>, wanted: &str) {
    let found = |seen: &[u8]| String::from_utf8_lossy(seen).contains(wanted);
    let reading = async {
        let mut buffer = [0u8; 4096];
        while !found(seen) {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "connection closed before {wanted:?}: {}", String::from_utf8_lossy(seen));
            seen.extend_from_slice(&buffer[..n]);
        }
    };
    timeout(PATIENCE, reading).await.unwrap();
}

#[tokio::test]
async fn a_request_body_streams_to_the_agent_while_it_is_sent() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let mut socket = tokio::net::TcpStream::connect(proxy.url.trim_start_matches("http://")).await.unwrap();
    let head = "POST /v1/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    socket.write_all(format!("{head}5\r\nfirst\r\n").as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    // The echo of the first chunk arrives before the body is finished.
    read_until(&mut socket, &mut seen, "first").await;
    socket.write_all(b"6\r\nsecond\r\n0\r\n\r\n").await.unwrap();
    read_until(&mut socket, &mut seen, "second").await;
    assert!(String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn an_unreachable_agent_is_a_502_with_a_plain_reason() {
    let address = dead_address().await;
    let proxy = start_proxy(&["--nomad-addr", &address], &[]).await;
    let response = get(&proxy, "/v1/jobs?index=3").await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    let text = response.text().await.unwrap();
    assert!(text.starts_with(&format!("Cannot reach the Nomad agent at {address}: ")), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
}
