//! How an exec session's WebSocket ends, release by release: the frames, the close code and
//! reason, or no close frame at all.
//!
//! Sources (hashicorp/nomad): `command/agent/alloc_endpoint.go` (`allocExec`, `readWsHandshake`,
//! `execStreamImpl`, `execStreamHandleError`, `toWsCode`, `isClosedError`) at v1.4.0, v1.7.0
//! (hashicorp/nomad#19172) and v1.7.5 / v1.11.3 (#19932); `client/alloc_endpoint.go` (`execImpl`)
//! at v1.4.0 and v1.11.3; `nomad/client_alloc_endpoint.go` (`exec`) at v1.7.0;
//! `drivers/shared/executor/exec_utils.go` and `executor.go` (`ExecStreaming`, #24249 in 1.9.2),
//! `drivers/shared/executor/grpc_client.go`; gorilla/websocket v1.5.0 and v1.5.3 `conn.go`
//! (`flushFrame` writes no close frame over 125 bytes, `Conn.Close` sends none).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use futures::{SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use nomad_api::{AllocationListStub, NomadVersion};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Guards against a hung test, never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(30);

const V1_4_0: NomadVersion = NomadVersion::new(1, 4, 0);

/// How the agent ended the socket.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Close(u16, String),
    /// The connection ended without a close frame (a browser reports 1006).
    NoClose,
}

#[derive(Debug)]
struct Transcript {
    frames: Vec<ExecStreamingOutput>,
    end: End,
}

impl Transcript {
    fn stdout(&self) -> String {
        let bytes: Vec<u8> = self.frames.iter().filter_map(|f| f.stdout.clone()).flat_map(|o| o.data).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
    /// The exit code, when the last frame is the exit frame.
    fn exit_code(&self) -> Option<i32> {
        self.frames.last().and_then(ExecStreamingOutput::exit_code)
    }
}

async fn agent(version: NomadVersion, acl: bool) -> (TestAgent, String) {
    let t = TestAgent::start_with(|c| {
        c.nomad_version = version;
        c.acl = acl;
    })
    .await;
    let ids = t.run_job("web", "default", "service", 1, &[("main", "sleep 600")]);
    t.wait_alloc(&ids[0], running).await;
    (t, ids[0].clone())
}

/// Opens an exec socket with `ws_handshake=true` and the token (empty for none) in the first
/// frame, as the dashboard does.
async fn open(t: &TestAgent, alloc: &str, task: &str, command: &[&str], tty: bool, token: &str) -> Socket {
    let command = serde_json::to_string(command).unwrap();
    let tty = if tty { "true" } else { "false" };
    let query =
        serde_urlencoded::to_string([("task", task), ("command", &command), ("tty", tty), ("ws_handshake", "true")])
            .unwrap();
    let url = format!("ws://{}/v1/client/allocation/{alloc}/exec?{query}", t.agent.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("the upgrade succeeds");
    let handshake = serde_json::json!({"version": 1, "auth_token": token}).to_string();
    ws.send(Message::text(handshake)).await.unwrap();
    ws
}

async fn read_all(ws: &mut Socket) -> Transcript {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.expect("the agent ends the session in time") {
            Some(Ok(Message::Text(text))) => frames.push(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) =
                    frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                return Transcript { frames, end: End::Close(code, reason) };
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Transcript { frames, end: End::NoClose },
        }
    }
}

async fn run(t: &TestAgent, alloc: &str, task: &str, command: &[&str]) -> Transcript {
    read_all(&mut open(t, alloc, task, command, false, "").await).await
}

fn close(code: u16, reason: &str) -> End {
    End::Close(code, reason.to_string())
}

#[tokio::test]
async fn after_the_exit_frame_a_close_1000_until_1_7_4_and_none_from_1_7_5() {
    for (version, end) in [
        (V1_4_0, close(1000, "")),
        (NomadVersion::new(1, 5, 14), close(1000, "")),
        (NomadVersion::new(1, 5, 15), End::NoClose),
        (NomadVersion::new(1, 6, 7), close(1000, "")),
        (NomadVersion::new(1, 6, 8), End::NoClose),
        (NomadVersion::new(1, 7, 4), close(1000, "")),
        (NomadVersion::new(1, 7, 5), End::NoClose),
        (NomadVersion::LATEST, End::NoClose),
    ] {
        let (t, alloc) = agent(version, false).await;
        let out = run(&t, &alloc, "main", &["sh", "-c", "echo hi; exit 3"]).await;
        assert_eq!((out.stdout().as_str(), out.exit_code()), ("hi\n", Some(3)), "{version}");
        assert_eq!(out.end, end, "{version}");
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn a_command_that_does_not_start_closes_with_the_executors_error() {
    for version in [V1_4_0, NomadVersion::LATEST] {
        let (t, alloc) = agent(version, false).await;
        let out = run(&t, &alloc, "main", &["nope"]).await;
        assert!(out.frames.is_empty(), "{out:?}");
        let reason = r#"rpc error: code = Unknown desc = failed to start command: exec: "nope": executable file not found in $PATH"#;
        assert_eq!(out.end, close(1011, reason), "{version}");
        // Too long for a close frame: gorilla writes none, and the connection just ends.
        let out = run(&t, &alloc, "main", &["no-such-command-caravan"]).await;
        assert_eq!((out.frames.len(), out.end), (0, End::NoClose), "{version}");
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn unknown_and_missing_tasks_close_with_the_clients_words() {
    let (t, alloc) = agent(NomadVersion::LATEST, false).await;
    // `GetTaskDriverCapabilities` fails first, without a code.
    assert_eq!(run(&t, &alloc, "nope", &["ls"]).await.end, close(1011, "task not found"));
    assert_eq!(run(&t, &alloc, "", &["ls"]).await.end, close(1008, "must provide task name"));
    assert_eq!(run(&t, &alloc, "main", &[]).await.end, close(1008, "command is not present"));
    t.agent.shutdown().await;
}

/// `isClosedError` reads the message: up to #19172 and after #19932 one with `EOF` in it is
/// taken for the pipe's end, and the connection just closes. (An allocation ID cannot carry
/// the word: go-memdb refuses it as no UUID first. A command's name can.)
#[tokio::test]
async fn an_error_that_reads_like_a_closed_pipe_leaves_no_close_frame_in_some_releases() {
    for (version, closes) in [(V1_4_0, false), (NomadVersion::new(1, 6, 4), true), (NomadVersion::LATEST, false)] {
        let (t, alloc) = agent(version, false).await;
        let out = run(&t, &alloc, "main", &["EOF"]).await;
        let reason = r#"rpc error: code = Unknown desc = failed to start command: exec: "EOF": executable file not found in $PATH"#;
        let expected = if closes { close(1011, reason) } else { End::NoClose };
        assert_eq!(out.end, expected, "{version}");
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn tokens_anonymous_refused_and_unknown_per_release() {
    for (version, unknown_token) in [
        // `ACL.WhoAmI`'s claim parser error (`client/acl.go`; `nomad/encrypter.go`): golang-jwt
        // v5 in 1.6, go-jose from 1.7; `ACL.ResolveToken`'s memdb error in 1.4.
        (NomadVersion::new(1, 4, 0), close(1011, "acl token lookup failed: index error: UUID must be 36 characters")),
        (
            NomadVersion::new(1, 6, 10),
            close(1011, "failed to verify token: token is malformed: token contains an invalid number of segments"),
        ),
        (
            NomadVersion::new(1, 7, 0),
            close(1008, "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts"),
        ),
    ] {
        let (t, alloc) = agent(version, true).await;
        let s = t.agent.acl_secrets().unwrap();
        let ls: &[&str] = &["echo", "ok"];
        // No token is the anonymous token, which may not exec; neither may the read-only one.
        assert_eq!(
            read_all(&mut open(&t, &alloc, "main", ls, false, "").await).await.end,
            close(1011, "Permission denied")
        );
        assert_eq!(
            read_all(&mut open(&t, &alloc, "main", ls, false, &s.readonly).await).await.end,
            close(1011, "Permission denied")
        );
        assert_eq!(
            read_all(&mut open(&t, &alloc, "main", ls, false, "not-a-token").await).await.end,
            unknown_token,
            "{version}"
        );
        let out = read_all(&mut open(&t, &alloc, "main", ls, false, &s.operator).await).await;
        assert_eq!((out.stdout().as_str(), out.exit_code()), ("ok\n", Some(0)));
        t.agent.shutdown().await;
    }
}

/// `handleStdin` stops at the failed resize; `execHelper.run` returns the error after the exit
/// frame, and the agent closes with it, in every release.
#[tokio::test]
async fn a_resize_without_a_terminal_is_reported_after_the_exit() {
    for version in [V1_4_0, NomadVersion::LATEST] {
        let (t, alloc) = agent(version, false).await;
        let mut ws = open(&t, &alloc, "main", &["sh", "-c", "sleep 0.5; echo done"], false, "").await;
        ws.send(Message::text(serde_json::to_string(&ExecStreamingInput::resize(80, 24)).unwrap())).await.unwrap();
        let out = read_all(&mut ws).await;
        assert_eq!((out.stdout().as_str(), out.exit_code()), ("done\n", Some(0)), "{version}");
        let reason = "rpc error: code = Unknown desc = failed to resize tty: attempted to resize a non-tty session";
        assert_eq!(out.end, close(1011, reason), "{version}");
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn the_command_runs_in_slash_until_1_9_2_and_in_the_task_directory_after() {
    for (version, in_task_dir) in [(NomadVersion::new(1, 9, 1), false), (NomadVersion::new(1, 9, 2), true)] {
        let (t, alloc) = agent(version, false).await;
        let out = run(&t, &alloc, "main", &["pwd"]).await;
        let task_dir = t.agent.state().client.task_dir(&alloc, "main").unwrap();
        let expected = if in_task_dir { format!("{}\n", task_dir.display()) } else { "/\n".to_string() };
        assert_eq!(out.stdout(), expected, "{version}");
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn the_server_refuses_finished_allocations_from_1_7_0() {
    for (version, terminal_refused) in [(NomadVersion::new(1, 6, 10), false), (NomadVersion::new(1, 7, 0), true)] {
        let t = TestAgent::start_with(|c| {
            c.nomad_version = version;
            c.synthetic_allocs = 200;
        })
        .await;
        let list: Vec<AllocationListStub> = t.get("/v1/allocations?namespace=*").await.json();
        let done = list.iter().find(|a| a.client_status == "complete").expect("a finished synthetic allocation");
        let out = run(&t, &done.id, "any", &["ls"]).await;
        let expected = if terminal_refused {
            close(1008, &format!("exec not possible, client status of allocation {} is complete", done.id))
        } else {
            close(1008, "No path to node")
        };
        assert_eq!(out.end, expected, "{version}");
        let live = list.iter().find(|a| a.client_status == "running").expect("a running synthetic allocation");
        assert_eq!(run(&t, &live.id, "any", &["ls"]).await.end, close(1008, "No path to node"));
        t.agent.shutdown().await;
    }
}
