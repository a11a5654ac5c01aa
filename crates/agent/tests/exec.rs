//! The exec WebSocket over a real socket (tokio-tungstenite) against an agent running real tasks.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use futures::{SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use nomad_api::Allocation;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Guards against a hung test, never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(30);

/// What an exec request asks for.
struct Exec<'a> {
    alloc: &'a str,
    task: &'a str,
    command: &'a [&'a str],
    tty: bool,
    /// With `ws_handshake=true`, the token goes in the first frame.
    handshake: Option<&'a str>,
    header_token: Option<&'a str>,
    origin: Option<String>,
}

impl<'a> Exec<'a> {
    fn new(alloc: &'a str, task: &'a str, command: &'a [&'a str]) -> Self {
        Exec { alloc, task, command, tty: false, handshake: None, header_token: None, origin: None }
    }

    async fn connect(&self, t: &TestAgent) -> Result<Socket, WsError> {
        let command = serde_json::to_string(self.command).unwrap();
        let query = serde_urlencoded::to_string([
            ("task", self.task),
            ("command", &command),
            ("tty", if self.tty { "true" } else { "false" }),
            ("ws_handshake", if self.handshake.is_some() { "true" } else { "false" }),
        ])
        .unwrap();
        let url = format!("ws://{}/v1/client/allocation/{}/exec?{query}", t.agent.addr(), self.alloc);
        let mut request = url.into_client_request().unwrap();
        // As browsers send it.
        request.headers_mut().insert("Accept-Encoding", HeaderValue::from_static("gzip, deflate"));
        if let Some(origin) = &self.origin {
            request.headers_mut().insert("Origin", origin.parse().unwrap());
        }
        if let Some(token) = self.header_token {
            request.headers_mut().insert("X-Nomad-Token", token.parse().unwrap());
        }
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        if let Some(token) = self.handshake {
            let handshake = serde_json::json!({"version": 1, "auth_token": token}).to_string();
            ws.send(Message::text(handshake)).await.unwrap();
        }
        Ok(ws)
    }

    async fn open(&self, t: &TestAgent) -> Socket {
        self.connect(t).await.expect("the upgrade succeeds")
    }
}

/// Everything the agent sent until it closed the socket.
#[derive(Debug)]
struct Transcript {
    /// Each output frame as sent.
    frames: Vec<String>,
    close: Option<(u16, String)>,
}

impl Transcript {
    fn decoded(&self) -> Vec<ExecStreamingOutput> {
        self.frames.iter().map(|f| serde_json::from_str(f).unwrap()).collect()
    }
    fn stdout(&self) -> String {
        let bytes: Vec<u8> = self.decoded().iter().filter_map(|f| f.stdout.clone()).flat_map(|o| o.data).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
    fn exit_code(&self) -> Option<i32> {
        self.decoded().last().and_then(|f| f.exit_code())
    }
}

async fn send(ws: &mut Socket, frame: ExecStreamingInput) {
    ws.send(Message::text(serde_json::to_string(&frame).unwrap())).await.unwrap();
}

async fn read_all(ws: &mut Socket) -> Transcript {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(text))) => frames.push(text.to_string()),
            Some(Ok(Message::Close(frame))) => {
                let close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                return Transcript { frames, close };
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Transcript { frames, close: None },
        }
    }
}

/// Reads output until it contains `needle`.
async fn read_until(ws: &mut Socket, needle: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(needle) {
        let message = tokio::time::timeout(PATIENCE, ws.next()).await.expect("output in time");
        let Some(Ok(Message::Text(text))) = message else { panic!("socket ended before {needle:?}: {seen:?}") };
        let frame: ExecStreamingOutput = serde_json::from_str(&text).unwrap();
        if let Some(out) = frame.stdout {
            seen.push_str(&String::from_utf8_lossy(&out.data));
        }
    }
    seen
}

/// An agent running one service allocation with a long-lived task `main`.
async fn agent_with_task(acl: bool) -> (TestAgent, Allocation) {
    let t = TestAgent::start_with(|c| c.acl = acl).await;
    let ids = t.run_job("web", "default", "service", 1, &[("main", "sleep 600")]);
    let alloc = t.wait_alloc(&ids[0], running).await;
    (t, alloc)
}

#[tokio::test]
async fn echo_runs_in_the_task_directory_with_its_environment() {
    let (t, alloc) = agent_with_task(false).await;
    let mut ws = Exec::new(&alloc.id, "main", &["echo", "hi"]).open(&t).await;
    let out = read_all(&mut ws).await;
    assert_eq!(out.stdout(), "hi\n");
    assert_eq!(out.frames.last().map(String::as_str), Some(r#"{"exited":true,"result":{}}"#));
    // Nomad 1.11 sends no close frame after the exit frame (tests/exec_end.rs).
    assert_eq!(out.close, None);

    let script = ["sh", "-c", "pwd; echo $NOMAD_TASK_NAME $NOMAD_ALLOC_ID"];
    let out = read_all(&mut Exec::new(&alloc.id, "main", &script).open(&t).await).await;
    let task_dir = t.agent.state().client.task_dir(&alloc.id, "main").unwrap();
    assert_eq!(out.stdout(), format!("{}\nmain {}\n", task_dir.display(), alloc.id));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn exit_code_is_reported() {
    let (t, alloc) = agent_with_task(false).await;
    let out = read_all(&mut Exec::new(&alloc.id, "main", &["sh", "-c", "exit 3"]).open(&t).await).await;
    assert_eq!(out.exit_code(), Some(3));
    assert_eq!(out.frames.last().map(String::as_str), Some(r#"{"exited":true,"result":{"exit_code":3}}"#));
    assert_eq!(out.close, None);
    t.agent.shutdown().await;
}

#[tokio::test]
async fn the_connection_ends_once_the_close_is_answered() {
    // A release that closes with 1000 after the exit frame.
    let t = TestAgent::start_with(|c| c.nomad_version = nomad_api::NomadVersion::new(1, 4, 0)).await;
    let ids = t.run_job("web", "default", "service", 1, &[("main", "sleep 600")]);
    let alloc = t.wait_alloc(&ids[0], running).await;
    let mut ws = Exec::new(&alloc.id, "main", &["true"]).open(&t).await;
    assert_eq!(read_all(&mut ws).await.close, Some((1000, String::new())));
    // Until the close is answered the connection stays open: ending it with the client's last
    // frames unread would reset it, and a proxy in between could lose the close (RFC 6455 §7.1.1).
    let MaybeTlsStream::Plain(tcp) = ws.get_ref() else { panic!("a plain connection") };
    let peeked = tokio::time::timeout(Duration::from_millis(300), tcp.peek(&mut [0u8; 1])).await;
    assert!(peeked.is_err(), "the agent ended the connection before its close was answered: {peeked:?}");
    // The next read sends tungstenite's answer; then the agent ends the connection cleanly.
    let end = tokio::time::timeout(PATIENCE, ws.next()).await.expect("the end in time");
    assert!(end.is_none(), "{end:?}");
    t.agent.shutdown().await;
}

#[tokio::test]
async fn terminal_size_follows_tty_size() {
    let (t, alloc) = agent_with_task(false).await;
    let mut exec = Exec::new(&alloc.id, "main", &["sh"]);
    exec.tty = true;
    let mut ws = exec.open(&t).await;
    send(&mut ws, ExecStreamingInput::resize(100, 30)).await;
    send(&mut ws, ExecStreamingInput::stdin(b"stty size\n".to_vec())).await;
    read_until(&mut ws, "30 100").await;
    send(&mut ws, ExecStreamingInput::resize(132, 43)).await;
    send(&mut ws, ExecStreamingInput::stdin(b"stty size; exit 7\n".to_vec())).await;
    let out = read_all(&mut ws).await;
    assert!(out.stdout().contains("43 132"), "{:?}", out.stdout());
    assert_eq!(out.exit_code(), Some(7));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn closing_stdin_ends_cat() {
    let (t, alloc) = agent_with_task(false).await;
    let mut ws = Exec::new(&alloc.id, "main", &["cat"]).open(&t).await;
    send(&mut ws, ExecStreamingInput::stdin(b"hello\n".to_vec())).await;
    send(&mut ws, ExecStreamingInput::stdin_close()).await;
    let out = read_all(&mut ws).await;
    assert_eq!(out.stdout(), "hello\n");
    assert_eq!(out.exit_code(), Some(0));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_the_agents_own_is_not() {
    let (t, alloc) = agent_with_task(false).await;
    let mut exec = Exec::new(&alloc.id, "main", &["echo", "hi"]);
    exec.origin = Some("http://evil.example".into());
    let Err(WsError::Http(response)) = exec.connect(&t).await else { panic!("a foreign origin was let in") };
    assert_eq!(response.status(), 403);
    // Asked with gzip accepted, as browsers do, and answered in plain text: Nomad's gzip
    // handler passes requests carrying `Upgrade` through.
    assert_eq!(response.headers().get("Content-Encoding"), None);
    let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).into_owned();
    assert_eq!(
        body,
        "Forbidden\nfailed to upgrade connection: websocket: request origin not allowed by Upgrader.CheckOrigin"
    );

    // Another port is another origin; the dashboard served by the agent itself is the same one.
    exec.origin = Some(format!("http://{}:1", t.agent.addr().ip()));
    assert!(matches!(exec.connect(&t).await, Err(WsError::Http(r)) if r.status() == 403));
    exec.origin = Some(t.agent.url());
    let out = read_all(&mut exec.open(&t).await).await;
    assert_eq!((out.stdout().as_str(), out.exit_code()), ("hi\n", Some(0)));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_fail_before_or_after_the_upgrade_as_in_nomad() {
    let (t, alloc) = agent_with_task(false).await;
    let url = format!("{}/v1/client/allocation/{}/exec?task=main&command=echo", t.agent.url(), alloc.id);
    let r = t.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().await.unwrap().starts_with("failed to marshal command into json: "));

    let plain = t.get(&format!("/v1/client/allocation/{}/exec?task=main&command=%5B%22ls%22%5D", alloc.id)).await;
    assert_eq!(plain.status, 400);
    assert_eq!(
        plain.text(),
        "Bad Request\nfailed to upgrade connection: websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header"
    );

    let out = read_all(&mut Exec::new(&alloc.id, "main", &[]).open(&t).await).await;
    assert_eq!(out.close, Some((1008, "command is not present".into())));
    let out = read_all(&mut Exec::new(&alloc.id, "", &["ls"]).open(&t).await).await;
    assert_eq!(out.close, Some((1008, "must provide task name".into())));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn unknown_and_stopped_tasks_get_nomads_close_reasons() {
    let (t, alloc) = agent_with_task(false).await;
    let out = read_all(&mut Exec::new(&alloc.id, "nope", &["ls"]).open(&t).await).await;
    assert_eq!(out.close, Some((1011, "task not found".into())));
    let unknown = "0b1ad11c-0000-4000-8000-000000000000";
    let out = read_all(&mut Exec::new(unknown, "main", &["ls"]).open(&t).await).await;
    assert_eq!(out.close, Some((1008, format!("Unknown allocation {unknown:?}"))));

    let ids = t.run_job("once", "default", "batch", 1, &[("quick", "true")]);
    t.wait_alloc(&ids[0], |a| a.client_status == "complete").await;
    let out = read_all(&mut Exec::new(&ids[0], "quick", &["ls"]).open(&t).await).await;
    assert_eq!(out.close, Some((1008, r#"task "quick" is not running."#.into())));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn exec_needs_alloc_exec_and_alloc_node_exec() {
    let (t, alloc) = agent_with_task(true).await;
    let s = t.agent.acl_secrets().unwrap();
    let ls: &[&str] = &["echo", "ok"];

    // The read-only token has neither capability, whether in the handshake or the header.
    let mut exec = Exec::new(&alloc.id, "main", ls);
    exec.handshake = Some(&s.readonly);
    let out = read_all(&mut exec.open(&t).await).await;
    assert_eq!(out.close, Some((1011, "Permission denied".into())));
    let mut exec = Exec::new(&alloc.id, "main", ls);
    exec.header_token = Some(&s.readonly);
    assert_eq!(read_all(&mut exec.open(&t).await).await.close, Some((1011, "Permission denied".into())));
    // No token at all is the anonymous token; an unknown one does not resolve.
    exec.header_token = None;
    assert_eq!(read_all(&mut exec.open(&t).await).await.close, Some((1011, "Permission denied".into())));
    // Code 400 from Nomad 1.7.0 (tests/exec_end.rs); the text is `ACL.WhoAmI`'s
    // (`client/acl.go`, tests/client_tokens.rs).
    exec.handshake = Some("not-a-token");
    let reason = "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts";
    assert_eq!(read_all(&mut exec.open(&t).await).await.close, Some((1008, reason.into())));

    // The handshake's token is the one that counts, not the header's.
    exec.handshake = Some(&s.operator);
    exec.header_token = Some(&s.readonly);
    let out = read_all(&mut exec.open(&t).await).await;
    assert_eq!((out.stdout().as_str(), out.exit_code()), ("ok\n", Some(0)));
    let mut exec = Exec::new(&alloc.id, "main", ls);
    exec.header_token = Some(&s.operator);
    assert_eq!(read_all(&mut exec.open(&t).await).await.exit_code(), Some(0));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn allocations_of_other_nodes_have_no_path() {
    let t = TestAgent::start_with(|c| c.synthetic_allocs = 200).await;
    let list: Vec<nomad_api::AllocationListStub> = t.get("/v1/allocations?namespace=*").await.json();
    // A finished one is refused before that (tests/exec_end.rs).
    let live = list.iter().find(|a| a.client_status == "running").expect("a running synthetic allocation");
    let out = read_all(&mut Exec::new(&live.id, "any", &["ls"]).open(&t).await).await;
    assert_eq!(out.close, Some((1008, "No path to node".into())));
    t.agent.shutdown().await;
}
