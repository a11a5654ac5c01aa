//! A small client of the exec WebSocket for `secrets.rs` and `processes.rs`: run a command in a
//! task as some token, read its output and exit code, or drop the connection mid-way.
#![allow(dead_code)]

use futures::{SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Guards against a hung test, never a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Opens an exec session of `command` in `task`, with `token` in `X-Nomad-Token`.
pub async fn open(
    addr: SocketAddr,
    alloc: &str,
    task: &str,
    command: &[&str],
    tty: bool,
    token: Option<&str>,
) -> Socket {
    let command = serde_json::to_string(command).unwrap();
    let query = serde_urlencoded::to_string([
        ("task", task),
        ("command", &command),
        ("tty", if tty { "true" } else { "false" }),
    ])
    .unwrap();
    let mut request = format!("ws://{addr}/v1/client/allocation/{alloc}/exec?{query}").into_client_request().unwrap();
    if let Some(token) = token {
        request.headers_mut().insert("X-Nomad-Token", token.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.expect("the upgrade succeeds").0
}

pub async fn send(ws: &mut Socket, frame: ExecStreamingInput) {
    ws.send(Message::text(serde_json::to_string(&frame).unwrap())).await.unwrap();
}

/// What a session sent until it ended.
#[derive(Debug, Default)]
pub struct Outcome {
    /// stdout and stderr, in order.
    pub output: String,
    pub exit_code: Option<i32>,
    pub close: Option<(u16, String)>,
}

/// Reads every frame until the socket closes.
pub async fn finish(ws: &mut Socket) -> Outcome {
    let mut outcome = Outcome::default();
    loop {
        match tokio::time::timeout(PATIENCE, ws.next()).await.expect("a message in time") {
            Some(Ok(Message::Text(text))) => {
                let frame: ExecStreamingOutput = serde_json::from_str(&text).unwrap();
                for data in [frame.stdout.as_ref(), frame.stderr.as_ref()].into_iter().flatten() {
                    outcome.output.push_str(&String::from_utf8_lossy(&data.data));
                }
                if let Some(code) = frame.exit_code() {
                    outcome.exit_code = Some(code);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                outcome.close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                return outcome;
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return outcome,
        }
    }
}

/// Runs `command` to its end.
pub async fn run(addr: SocketAddr, alloc: &str, task: &str, command: &[&str], token: Option<&str>) -> Outcome {
    finish(&mut open(addr, alloc, task, command, false, token).await).await
}

/// Reads output until it holds `pattern` followed by a number and a newline; returns the number.
pub async fn read_number_after(ws: &mut Socket, pattern: &str) -> i32 {
    let mut seen = String::new();
    loop {
        // A terminal echoes the command line too (`echo pid=$!`): take the first number.
        let found = seen.split(pattern).skip(1).find_map(|rest| rest.split_once(['\r', '\n'])?.0.trim().parse().ok());
        if let Some(n) = found {
            return n;
        }
        let message = tokio::time::timeout(PATIENCE, ws.next()).await.expect("output in time");
        let Some(Ok(Message::Text(text))) = message else { panic!("the session ended before {pattern:?}: {seen:?}") };
        let frame: ExecStreamingOutput = serde_json::from_str(&text).unwrap();
        for data in [frame.stdout.as_ref(), frame.stderr.as_ref()].into_iter().flatten() {
            seen.push_str(&String::from_utf8_lossy(&data.data));
        }
    }
}

/// Ends the connection with a TCP reset, as a client that vanishes does.
pub fn reset(ws: Socket) {
    let MaybeTlsStream::Plain(tcp) = ws.get_ref() else { panic!("a plain connection") };
    tcp.set_zero_linger().unwrap();
    drop(ws);
}

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with(['Z', 'X'])))
}

/// Waits up to `limit` for `pid` to be gone; whether it is.
pub async fn gone_within(pid: i32, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    true
}

/// The cgroup v2 path of a process (`0::` line of `/proc/<pid>/cgroup`).
pub fn cgroup_of(pid: i32) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix("0::")).unwrap_or_default().to_string()
}

/// SIGKILLs `pid` if a test leaves it running.
pub fn reap(pid: i32) {
    if alive(pid) {
        // SAFETY: killing a process the test started (through the agent).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Whether this host lets a root agent use cgroups v2 (a cgroup2 mount, and this process's
/// cgroup writable): the agent must then contain its workloads in cgroups.
pub fn cgroups_expected() -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return false;
    }
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let Some(mount) = mountinfo.lines().find_map(|l| {
        let (fields, fs) = l.split_once(" - ")?;
        (fs.split_whitespace().next()? == "cgroup2").then(|| fields.split_whitespace().nth(4).map(str::to_string))?
    }) else {
        return false;
    };
    let own = cgroup_of(std::process::id() as i32);
    let procs = std::path::Path::new(&mount).join(own.trim_start_matches('/')).join("cgroup.procs");
    let procs = std::ffi::CString::new(procs.to_string_lossy().into_owned()).unwrap();
    // `cgroup.kill` came with Linux 5.14.
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut version = release.split(['.', '-']).map(|n| n.parse::<u32>().unwrap_or(0));
    let kill = (version.next().unwrap_or(0), version.next().unwrap_or(0)) >= (5, 14);
    // SAFETY: a valid C string.
    kill && unsafe { libc::access(procs.as_ptr(), libc::W_OK) } == 0
}
