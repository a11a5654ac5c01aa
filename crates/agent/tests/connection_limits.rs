//! The connection limits (`caravan-listener`) as the agent and `serve` apply them (issue 16):
//! a log stream and an exec session older than the idle timeout keep working, a trickling
//! request body gets 408 within its deadline while other clients are served, and `serve`
//! answers its static files and a forwarded health check while 1,100 idle sockets are open
//! under a descriptor limit of 1,024.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_listener::Timeout;
use common::{running, TestAgent};
use futures::{SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Guards against a hung test, never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(20);
const IDLE_TIMEOUT: Duration = Duration::from_secs(1);

/// An agent whose connections idle out after 1 s, whose heads must arrive within 1 s and whose
/// bodies within 2 s.
async fn agent_with_short_limits() -> TestAgent {
    TestAgent::start_with(|c| {
        c.http_limits.http_idle_timeout = Timeout(IDLE_TIMEOUT);
        c.http_limits.http_header_read_timeout = Timeout(Duration::from_secs(1));
        c.http_limits.http_body_read_timeout = Timeout(Duration::from_secs(2));
    })
    .await
}

#[tokio::test]
async fn a_log_stream_and_an_exec_session_older_than_the_idle_timeout_keep_working() {
    let t = agent_with_short_limits().await;
    let ids = t.run_job(
        "web",
        "default",
        "service",
        1,
        &[("web", "i=0; while :; do echo \"tick $i\"; i=$((i+1)); sleep 0.2; done")],
    );
    let alloc = t.wait_alloc(&ids[0], running).await;

    let url = format!("{}/v1/client/fs/logs/{}?task=web&type=stdout&follow=true&plain=true", t.agent.url(), alloc.id);
    let mut logs = t.http.get(url).send().await.unwrap();
    assert_eq!(logs.status(), 200);
    let command = serde_json::to_string(&["cat"]).unwrap();
    let query = serde_urlencoded::to_string([("task", "web"), ("command", &command), ("tty", "false")]).unwrap();
    let exec_url = format!("ws://{}/v1/client/allocation/{}/exec?{query}", t.agent.addr(), alloc.id);
    let (mut exec, _) = tokio_tungstenite::connect_async(exec_url).await.unwrap();

    // Three idle timeouts of following the log, the exec session quiet all along.
    let started = Instant::now();
    let mut text = String::new();
    let mut last_chunk = Duration::ZERO;
    while started.elapsed() < 3 * IDLE_TIMEOUT + Duration::from_millis(500) {
        let chunk = tokio::time::timeout(PATIENCE, logs.chunk()).await.expect("log data in time");
        let chunk = chunk.unwrap().expect("a followed log stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
        last_chunk = started.elapsed();
    }
    assert!(last_chunk > 3 * IDLE_TIMEOUT, "{last_chunk:?}");
    assert!(text.lines().filter(|l| l.starts_with("tick ")).count() >= 10, "{text}");

    // The exec session still carries input and output both ways.
    let stdin = serde_json::to_string(&ExecStreamingInput::stdin(b"still here\n".to_vec())).unwrap();
    exec.send(Message::text(stdin)).await.unwrap();
    let mut seen = String::new();
    while !seen.contains("still here\n") {
        let message = tokio::time::timeout(PATIENCE, exec.next()).await.expect("output in time");
        let Some(Ok(Message::Text(text))) = message else { panic!("exec ended: {message:?} after {seen:?}") };
        let frame: ExecStreamingOutput = serde_json::from_str(&text).unwrap();
        if let Some(out) = frame.stdout {
            seen.push_str(&String::from_utf8_lossy(&out.data));
        }
    }
    // And the log is still followed.
    let chunk = tokio::time::timeout(PATIENCE, logs.chunk()).await.expect("log data in time").unwrap();
    assert!(chunk.is_some_and(|c| !c.is_empty()));
}

#[tokio::test]
async fn a_trickling_job_body_gets_408_within_its_deadline_while_health_answers() {
    let t = agent_with_short_limits().await;
    let port = t.agent.addr().port();
    let slow = tokio::task::spawn_blocking(move || {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).unwrap();
        socket.set_read_timeout(Some(PATIENCE)).unwrap();
        socket.write_all(b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{").unwrap();
        let started = Instant::now();
        let mut writer = socket.try_clone().unwrap();
        // A byte every 500 ms, until the agent closes the connection.
        let trickle = std::thread::spawn(move || {
            while started.elapsed() < Duration::from_secs(15) && writer.write_all(b" ").is_ok() {
                std::thread::sleep(Duration::from_millis(500));
            }
        });
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer);
        let took = started.elapsed();
        drop(socket);
        let _ = trickle.join();
        (String::from_utf8_lossy(&answer).into_owned(), took)
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let health = t.get("/v1/agent/health").await;
    assert_eq!(health.status, 200, "{}", health.text());
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
    // Answered at the deadline and closed (the read above ended).
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(4), "{took:?}");
    // Nothing was registered.
    let jobs: Vec<serde_json::Value> = t.get("/v1/jobs").await.json();
    assert!(jobs.is_empty(), "{jobs:?}");
}

/// `caravan-agent serve` in front of `upstream`, under a descriptor limit (soft and hard) of
/// `limit`; returns once it says where it listens.
fn spawn_serve(upstream: &str, ui_dir: &std::path::Path, limit: u64) -> (Child, u16) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_caravan-agent"));
    command.args(["serve", "--port", "0", "--nomad-addr", upstream, "--ui-dir"]).arg(ui_dir);
    command.stdout(Stdio::piped()).stderr(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: limit, rlim_max: limit };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first.strip_prefix("Caravan serve listening on http://127.0.0.1:").expect(&first).parse().unwrap();
    std::thread::spawn(move || lines.for_each(drop));
    (child, port)
}

#[tokio::test]
async fn serve_answers_the_dashboard_and_a_forwarded_health_while_1100_idle_sockets_are_open() {
    let t = TestAgent::start().await;
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Caravan</title>").unwrap();
    let (mut child, port) = spawn_serve(&t.agent.url(), ui.path(), 1024);

    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..1100).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect()
    })
    .await
    .unwrap();
    // Each request on a connection of its own, as a new client.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(5)).build().unwrap();
    let page = http.get(format!("http://127.0.0.1:{port}/ui/")).send().await.expect("the dashboard answers");
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.unwrap(), "<!doctype html><title>Caravan</title>");
    let health = http.get(format!("http://127.0.0.1:{port}/v1/agent/health")).send().await.expect("health answers");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    let ok = serde_json::json!({"ok": true, "message": "ok"});
    assert_eq!(body, serde_json::json!({"client": ok, "server": ok}));

    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
}
