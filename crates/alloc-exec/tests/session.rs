// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use alloc_exec::{run_session, ExecError, ExecSpec, SocketEnd, CLOSE_INTERNAL_ERROR, CLOSE_POLICY_VIOLATION};
use nomad_api::exec::ExecStreamingInput;
use nomad_api::NomadVersion;
use support::{spec, Session, PATIENCE};

#[tokio::test]
async fn echo_hi_sends_stdout_then_an_exit_frame_without_exit_code() {
    let mut session = Session::start(spec(&["echo", "hi"], false), 8);
    let t = session.transcript().await;
    assert_eq!(t.stdout, b"hi\n");
    assert!(t.stdout_closed && t.stderr_closed, "both streams close before the exit: {t:?}");
    assert_eq!(t.exit_frame.as_deref(), Some(r#"{"exited":true,"result":{}}"#));
    assert_eq!(session.result().await.ok(), Some(0));
}

#[tokio::test]
async fn exit_code_is_reported() {
    let mut session = Session::start(spec(&["sh", "-c", "exit 3"], false), 8);
    let t = session.transcript().await;
    assert_eq!(t.exit_frame.as_deref(), Some(r#"{"exited":true,"result":{"exit_code":3}}"#));
    assert_eq!(session.result().await.ok(), Some(3));
}

#[tokio::test]
async fn tty_size_resizes_the_terminal_and_term_is_set() {
    let mut session = Session::start(spec(&["sh", "-c", "read line; stty size; echo \"$TERM\""], true), 8);
    session.send(&ExecStreamingInput::resize(117, 42)).await;
    session.send(&ExecStreamingInput::stdin(b"\n".to_vec())).await;
    let t = session.transcript().await;
    let shown = String::from_utf8_lossy(&t.stdout);
    assert!(shown.contains("42 117\r\n"), "stty size after the resize: {shown:?}");
    assert!(shown.contains("xterm-256color"), "TERM under a tty: {shown:?}");
    assert!(t.stderr.is_empty() && !t.stderr_closed, "a terminal has one output stream, sent as stdout");
    assert_eq!(t.exit_code, Some(0));
}

#[tokio::test]
async fn stdin_reaches_cat_and_stdin_close_ends_it() {
    let mut session = Session::start(spec(&["cat"], false), 8);
    session.send(&ExecStreamingInput::stdin(b"hello\n".to_vec())).await;
    session.send(&ExecStreamingInput::stdin(b"world".to_vec())).await;
    session.send(&ExecStreamingInput::stdin_close()).await;
    let t = session.transcript().await;
    assert_eq!(t.stdout, b"hello\nworld");
    assert_eq!(session.result().await.ok(), Some(0));
}

#[tokio::test]
async fn stdin_close_under_a_tty_is_end_of_file() {
    let mut session = Session::start(spec(&["cat"], true), 8);
    session.send(&ExecStreamingInput::stdin(b"typed\n".to_vec())).await;
    session.send(&ExecStreamingInput::stdin_close()).await;
    let t = session.transcript().await;
    // The terminal echoes the line and cat prints it again.
    assert_eq!(String::from_utf8_lossy(&t.stdout).matches("typed").count(), 2, "{t:?}");
    assert_eq!(t.exit_code, Some(0));
}

#[tokio::test]
async fn stderr_has_its_own_frames_on_pipes() {
    let mut session = Session::start(spec(&["sh", "-c", "echo oops >&2; echo fine"], false), 8);
    let t = session.transcript().await;
    assert_eq!(t.stderr, b"oops\n");
    assert_eq!(t.stdout, b"fine\n");
    assert!(t.stderr_closed);
    assert_eq!(t.exit_code, Some(0));
}

#[tokio::test]
async fn a_missing_command_fails_to_start_with_an_internal_error() {
    let session = Session::start(spec(&["no-such-command-caravan"], false), 8);
    let err = session.result().await.expect_err("start fails");
    assert_eq!(
        err.to_string(),
        r#"failed to start command: exec: "no-such-command-caravan": executable file not found in $PATH"#
    );
    // With grpc's words in front, 125 bytes: more than a close frame holds, so Nomad sends none.
    assert_eq!(err.message().len(), 125);
    assert_eq!(err.socket_end(NomadVersion::LATEST), SocketEnd::Drop);
    let short = Session::start(spec(&["nope"], false), 8).result().await.expect_err("start fails");
    assert_eq!(short.socket_end(NomadVersion::LATEST).close_frame().map(|f| f.code), Some(CLOSE_INTERNAL_ERROR));

    let session = Session::start(spec(&["no-such-command-caravan"], true), 8);
    assert!(matches!(session.result().await, Err(ExecError::Start(_))));

    let gone = std::env::temp_dir().join("alloc-exec-no-such-dir");
    let session = Session::start(ExecSpec { cwd: gone.clone(), ..spec(&["true"], false) }, 8);
    let err = session.result().await.expect_err("no working directory");
    assert!(err.to_string().starts_with(&format!("failed to start command: chdir {}: ", gone.display())), "{err}");
}

#[tokio::test]
async fn an_empty_command_is_not_present() {
    let session = Session::start(ExecSpec { command: vec![], ..spec(&[], false) }, 8);
    let err = session.result().await.expect_err("no command");
    let end = err.socket_end(NomadVersion::LATEST);
    let frame = end.close_frame().expect("a close frame");
    assert_eq!((frame.code, frame.reason.as_str()), (CLOSE_POLICY_VIOLATION, "command is not present"));
}

/// A process that is gone or only waits to be reaped by init.
fn is_dead(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the parenthesised command name.
        Ok(stat) => stat.rsplit(')').next().map(|rest| rest.trim_start().starts_with('Z')).unwrap_or(false),
    }
}

async fn wait_dead(pid: &str) -> bool {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        if is_dead(pid) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn the_peer_going_away_kills_the_command_and_its_children() {
    let mut session = Session::start(spec(&["sh", "-c", "sleep 1000 & echo $$ $!; wait"], false), 8);
    let (_, frame) = session.next_frame().await.expect("the pids");
    let line = String::from_utf8(frame.stdout.map(|o| o.data).unwrap_or_default()).expect("pids are text");
    let pids: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "shell and sleep pids: {line:?}");
    assert!(!is_dead(pids[1]), "sleep runs before the peer leaves");

    let Session { input, output, handle } = session;
    drop(input);
    let result = tokio::time::timeout(PATIENCE, handle).await.expect("ends in time").expect("session task");
    drop(output);
    assert!(matches!(result, Err(ExecError::Disconnected)), "{result:?}");
    assert!(wait_dead(pids[0]).await, "the shell is killed");
    assert!(wait_dead(pids[1]).await, "its background child is killed too");
}

#[tokio::test]
async fn dropping_the_session_kills_the_command() {
    let mut session = Session::start(spec(&["sh", "-c", "echo $$; exec sleep 1000"], false), 8);
    let (_, frame) = session.next_frame().await.expect("the pid");
    let pid = String::from_utf8(frame.stdout.map(|o| o.data).unwrap_or_default()).expect("pid is text");
    let pid = pid.trim();
    assert!(!is_dead(pid), "sleep runs before the session is dropped");
    // What happens when the agent's request is cancelled mid-session.
    session.handle.abort();
    assert!(wait_dead(pid).await, "the command is killed");
}

#[tokio::test]
async fn heartbeats_from_the_peer_are_accepted() {
    let mut session = Session::start(spec(&["cat"], false), 8);
    session.send(&ExecStreamingInput::heartbeat()).await;
    session.send(&ExecStreamingInput::stdin(b"a".to_vec())).await;
    session.send_text("{}").await;
    session.send_text("null").await;
    session.send(&ExecStreamingInput::stdin(b"b".to_vec())).await;
    session.send_text(r#"{"stdin":{"data":""}}"#).await;
    session.send(&ExecStreamingInput::stdin_close()).await;
    let t = session.transcript().await;
    assert_eq!(t.stdout, b"ab");
    assert_eq!(session.result().await.ok(), Some(0));
}

#[tokio::test(start_paused = true)]
async fn an_idle_session_sends_heartbeats() {
    // The paused clock jumps to each heartbeat while the command sleeps for real.
    let mut session = Session::start(spec(&["sleep", "0.2"], false), 8);
    let t = session.transcript().await;
    assert!(t.heartbeats > 0, "{t:?}");
    assert_eq!(t.exit_code, Some(0));
}

#[tokio::test]
async fn a_malformed_frame_ends_the_session_with_an_internal_error() {
    for bad in ["not json", "[1,2]", r#"{"stdin":{"data":"%%%"}}"#] {
        let mut session = Session::start(spec(&["cat"], false), 8);
        session.send_text(bad).await;
        let err = session.result().await.expect_err("malformed frame");
        assert!(matches!(err, ExecError::MalformedFrame(_)), "{bad}: {err:?}");
        let end = err.socket_end(NomadVersion::LATEST);
        let frame = end.close_frame().expect("a close frame");
        assert_eq!(frame.code, CLOSE_INTERNAL_ERROR);
        assert!(!frame.reason.is_empty());
    }
}

/// `handleStdin` stops at the failed resize and leaves the error for after the exit
/// (`drivers/shared/executor/exec_utils.go`): the command runs on and its exit frame goes out.
#[tokio::test]
async fn resizing_a_session_without_tty_is_an_error_once_the_command_has_exited() {
    let mut session = Session::start(spec(&["sh", "-c", "sleep 0.3; echo done"], false), 8);
    session.send(&ExecStreamingInput::resize(80, 24)).await;
    // Input after it goes nowhere.
    session.send(&ExecStreamingInput::stdin(b"ignored\n".to_vec())).await;
    let t = session.transcript().await;
    assert_eq!((t.stdout.as_slice(), t.exit_code), (&b"done\n"[..], Some(0)));
    let err = session.result().await.expect_err("no tty to resize");
    assert_eq!(err.to_string(), "failed to resize tty: attempted to resize a non-tty session");
    let end = err.socket_end(NomadVersion::LATEST);
    let frame = end.close_frame().expect("a close frame");
    assert_eq!(
        (frame.code, frame.reason.as_str()),
        (
            CLOSE_INTERNAL_ERROR,
            "rpc error: code = Unknown desc = failed to resize tty: attempted to resize a non-tty session"
        )
    );
}

#[tokio::test]
async fn five_megabytes_of_binary_output_arrive_intact() {
    // Deterministic bytes covering every value, not valid UTF-8.
    let mut state: u32 = 0x2545_f491;
    let data: Vec<u8> = (0..5_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect();
    let path = std::env::temp_dir().join(format!("alloc-exec-5mb-{}", std::process::id()));
    std::fs::write(&path, &data).expect("write test data");

    // A one-frame channel: the session can only go as fast as this reader.
    let mut session = Session::start(spec(&["cat", path.to_str().expect("utf-8 temp path")], false), 1);
    let t = session.transcript().await;
    std::fs::remove_file(&path).ok();
    assert_eq!(t.stdout.len(), data.len());
    assert!(t.stdout == data, "bytes arrive in order and unchanged");
    assert_eq!(session.result().await.ok(), Some(0));
}

#[test]
fn the_session_future_is_send() {
    fn assert_send<T: Send>(_: T) {}
    let (sink, _) = futures::channel::mpsc::channel::<String>(1);
    let (_, stream) = futures::channel::mpsc::channel::<Result<String, std::convert::Infallible>>(1);
    assert_send(run_session(spec(&["true"], false), sink, stream));
}
