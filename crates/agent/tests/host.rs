//! DNS rebinding: the agent answers only requests addressed to its own address, a loopback
//! name, or a name given with `--allowed-host` (or `CARAVAN_ALLOWED_HOSTS`). A page of another
//! site whose name was rebound to 127.0.0.1 sends that name as `Host` and `Origin`: it must get
//! neither the API nor an exec session.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::Cli;
use clap::Parser;
use common::process::AgentProcess;
use common::TestAgent;
use std::io::{Read, Write};
use std::net::TcpStream;

const REBOUND: &str = "rebind.attacker.example";

/// A request as a page on `host` would send it; the status line and the body.
fn request(port: u16, host: &str, head: &str) -> (String, String) {
    let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    let text = format!("{head}\r\nHost: {host}\r\nOrigin: http://{host}\r\nConnection: close\r\n\r\n");
    socket.write_all(text.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    // Until the end (Connection: close), or the head of an upgrade (the socket stays open).
    while let Ok(n @ 1..) = socket.read(&mut chunk) {
        answer.extend_from_slice(&chunk[..n]);
        if answer.starts_with(b"HTTP/1.1 101 ") && answer.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

const AGENT_SELF: &str = "GET /v1/agent/self HTTP/1.1";
/// The exec upgrade; the allocation need not exist: the socket is upgraded before it is looked up.
const EXEC: &str = "GET /v1/client/allocation/0b8c5d4e-0000-4000-8000-000000000000/exec?task=main&command=%5B%22id%22%5D HTTP/1.1\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13";

fn assert_refused(port: u16, host: &str, head: &str) {
    let (status, body) = request(port, host, head);
    assert_eq!(status, "HTTP/1.1 403 Forbidden", "{host}: {body}");
    assert!(body.starts_with(&format!("Host \"{host}\" is not allowed")), "{body}");
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    assert!(body.contains(&format!("--allowed-host {name} (repeatable; or CARAVAN_ALLOWED_HOSTS={name}")), "{body}");
}

#[tokio::test]
async fn a_rebound_name_gets_neither_the_api_nor_an_exec_session() {
    let t = TestAgent::start().await;
    let port = t.agent.addr().port();
    tokio::task::spawn_blocking(move || {
        for host in [format!("{REBOUND}:{port}"), REBOUND.to_string(), format!("127.0.0.1.{REBOUND}:{port}")] {
            assert_refused(port, &host, AGENT_SELF);
            assert_refused(port, &host, EXEC);
            assert_refused(port, &host, "GET /ui/ HTTP/1.1");
        }
        for host in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            "localhost".into(),
            format!("[::1]:{port}"),
            "127.0.0.2".into(),
        ] {
            assert_eq!(request(port, &host, AGENT_SELF).0, "HTTP/1.1 200 OK", "{host}");
            assert_eq!(request(port, &host, EXEC).0, "HTTP/1.1 101 Switching Protocols", "{host}");
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_allowed_name_is_answered() {
    let t = TestAgent::start_with(|c| c.host_check.allowed_hosts = vec![REBOUND.into(), "nomad".into()]).await;
    let port = t.agent.addr().port();
    tokio::task::spawn_blocking(move || {
        for host in [format!("{REBOUND}:{port}"), "NOMAD".into()] {
            assert_eq!(request(port, &host, AGENT_SELF).0, "HTTP/1.1 200 OK", "{host}");
        }
        assert_refused(port, "other.example", AGENT_SELF);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_environment_variable_allows_names_too() {
    let agent = AgentProcess::start_with_env(&["--no-demo"], &[("CARAVAN_ALLOWED_HOSTS", &format!("nomad,{REBOUND}"))]);
    let port = agent.port;
    tokio::task::spawn_blocking(move || {
        assert_eq!(request(port, REBOUND, AGENT_SELF).0, "HTTP/1.1 200 OK");
        assert_eq!(request(port, "nomad:80", AGENT_SELF).0, "HTTP/1.1 200 OK");
        assert_refused(port, "other.example", AGENT_SELF);
    })
    .await
    .unwrap();
}

#[test]
fn the_flag_repeats_and_a_bad_name_stops_the_agent() {
    let cli = Cli::try_parse_from(["caravan-agent", "--allowed-host", "a.example", "--allowed-host", "b.example:8080"])
        .unwrap();
    assert_eq!(cli.agent.host_check.allowed_hosts, ["a.example", "b.example:8080"]);
    let mut agent = std::process::Command::new(env!("CARGO_BIN_EXE_caravan-agent"))
        .args(["--port", "0", "--no-demo", "--allowed-host", "not a name"])
        .output()
        .unwrap();
    assert!(!agent.status.success());
    agent.stderr.retain(|b| *b != b'\n');
    assert_eq!(
        String::from_utf8_lossy(&agent.stderr),
        "caravan-agent: invalid --allowed-host \"not a name\": expected a host name or address, with or without a port"
    );
}
