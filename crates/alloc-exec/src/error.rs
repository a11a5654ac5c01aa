//! Errors of an exec session, with Nomad's messages and codes, and how each release ends the
//! WebSocket after the session.
//!
//! Nomad attaches an HTTP-style code to each exec error (`CodedError` in command/agent, the RPC
//! error code in client/alloc_endpoint.go); an error without one counts as 500. After the
//! WebSocket upgrade, `toWsCode` turns 500 into close code 1011 (internal error) and anything
//! else into 1008 (policy violation), with the message as the close reason, unless the agent
//! takes the error for a closed pipe or socket (`isClosedError`), or the reason does not fit a
//! close frame: then the connection just closes. How a session that ran its command ends
//! changed in 1.5.15, 1.6.8 and 1.7.5 ([`socket_end_after_exit`]).

use nomad_api::exec::{close_code_for, EXECUTOR_ERROR_PREFIX};
pub use nomad_api::exec::{CLOSE_INTERNAL_ERROR, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION};
use nomad_api::NomadVersion;

/// The longest reason a close frame holds (RFC 6455, 5.5: 125 bytes of payload, 2 of them the
/// code). gorilla/websocket (v1.5.0 in Nomad 1.4, v1.5.3 in 1.11, `messageWriter.flushFrame`)
/// refuses to write a longer close frame, and Nomad ignores that error: no close frame at all.
const MAX_CLOSE_REASON: usize = 123;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The `command` query parameter is not a JSON array of strings (before the upgrade: HTTP 500).
    #[error("failed to marshal command into json: {0}")]
    CommandJson(String),
    /// The `tty` query parameter is not a Go boolean (before the upgrade: HTTP 500).
    #[error("tty value is not a boolean: {0}")]
    TtyNotBool(String),
    #[error("ws_handshake value is not a boolean: {0}")]
    HandshakeNotBool(String),
    /// The handshake frame is not the JSON Nomad expects.
    #[error("{0}")]
    Handshake(String),
    #[error("unexpected handshake value: {0}")]
    HandshakeVersion(u32),
    #[error("Unknown allocation {0:?}")]
    UnknownAllocation(String),
    /// Nomad sends this one without a code, so it closes the socket with 1011.
    #[error("Permission denied")]
    PermissionDenied,
    #[error("must provide task name")]
    TaskNotPresent,
    #[error("command is not present")]
    CommandNotPresent,
    #[error("unknown task name {0:?}")]
    UnknownTask(String),
    #[error("task {0:?} not started yet.")]
    TaskNotStarted(String),
    #[error("task {0:?} is not running.")]
    TaskNotRunning(String),
    #[error("failed to open a tty: {0}")]
    Tty(String),
    #[error("failed to start command: {0}")]
    Start(String),
    /// An input frame that is not JSON Nomad can decode.
    #[error("{0}")]
    MalformedFrame(String),
    /// `handleStdin` wraps `setTTYSize`'s error (`drivers/shared/executor/exec_utils.go`).
    #[error("failed to resize tty: attempted to resize a non-tty session")]
    ResizeNonTty,
    #[error("failed to resize tty: {0}")]
    Resize(String),
    /// Reading the command's output, writing its input or resizing its terminal failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The peer went away (its frames ended); nothing can be sent to it any more.
    #[error("connection closed")]
    Disconnected,
    /// The transport failed while reading or writing a frame.
    #[error("{0}")]
    Transport(String),
}

/// The close frame that ends the WebSocket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseFrame {
    pub code: u16,
    pub reason: String,
}

/// How the agent ends the WebSocket once the session is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketEnd {
    /// A close frame, then the connection closes.
    Close(CloseFrame),
    /// The connection closes without a close frame (gorilla's `Conn.Close`): the browser
    /// reports 1006.
    Drop,
}

impl SocketEnd {
    pub fn close_frame(&self) -> Option<&CloseFrame> {
        match self {
            SocketEnd::Close(frame) => Some(frame),
            SocketEnd::Drop => None,
        }
    }
}

/// The end after the command exited and its exit frame went out: a close `1000` without a
/// reason up to 1.5.14, 1.6.7 and 1.7.4, and no close frame after hashicorp/nomad#19932
/// ([`NomadVersion::exec_closes_normally_after_exit`], `command/agent/alloc_endpoint.go`).
pub fn socket_end_after_exit(version: NomadVersion) -> SocketEnd {
    if version.exec_closes_normally_after_exit() {
        SocketEnd::Close(CloseFrame { code: CLOSE_NORMAL, reason: String::new() })
    } else {
        SocketEnd::Drop
    }
}

/// The end after an error with `code` (an HTTP status, 500 for none) and `message`, as
/// `execStreamImpl` ends it: none for what it takes for a closed pipe or socket
/// ([`NomadVersion::exec_error_is_closed`]), else `toWsCode`'s close frame when the reason fits.
pub fn socket_end_after_error(version: NomadVersion, code: u16, message: &str) -> SocketEnd {
    if version.exec_error_is_closed(message) {
        return SocketEnd::Drop;
    }
    close_with(close_code_for(code), message)
}

fn close_with(code: u16, reason: &str) -> SocketEnd {
    if reason.len() > MAX_CLOSE_REASON {
        SocketEnd::Drop
    } else {
        SocketEnd::Close(CloseFrame { code, reason: reason.to_string() })
    }
}

impl ExecError {
    /// The code Nomad attaches to this error; before the upgrade it is the HTTP status.
    pub fn code(&self) -> u16 {
        match self {
            Self::HandshakeNotBool(_)
            | Self::Handshake(_)
            | Self::HandshakeVersion(_)
            | Self::TaskNotPresent
            | Self::CommandNotPresent
            | Self::UnknownTask(_) => 400,
            Self::UnknownAllocation(_) | Self::TaskNotStarted(_) | Self::TaskNotRunning(_) => 404,
            Self::CommandJson(_)
            | Self::TtyNotBool(_)
            | Self::PermissionDenied
            | Self::Tty(_)
            | Self::Start(_)
            | Self::MalformedFrame(_)
            | Self::ResizeNonTty
            | Self::Resize(_)
            | Self::Io(_)
            | Self::Disconnected
            | Self::Transport(_) => 500,
        }
    }

    /// Reported by the executor, which runs the command in its own process and answers over
    /// grpc; the rest come from the agent or the client.
    fn is_executors(&self) -> bool {
        matches!(self, Self::Tty(_) | Self::Start(_) | Self::ResizeNonTty | Self::Resize(_) | Self::Io(_))
    }

    /// An error of the command's input that Nomad reports only once the command has exited:
    /// `handleStdin` stops reading input and leaves it on its error channel, which
    /// `execHelper.run` returns after the exit frame.
    pub fn after_exit(&self) -> bool {
        matches!(self, Self::ResizeNonTty | Self::Resize(_) | Self::Io(_))
    }

    /// The error's words as Nomad's agent gets them.
    pub fn message(&self) -> String {
        if self.is_executors() {
            format!("{EXECUTOR_ERROR_PREFIX}{self}")
        } else {
            self.to_string()
        }
    }

    /// How the socket ends after this error. Handshake errors are closed with 1008 directly
    /// (`readWsHandshake`'s caller); a peer that is gone is told nothing.
    pub fn socket_end(&self, version: NomadVersion) -> SocketEnd {
        match self {
            Self::Disconnected | Self::Transport(_) => SocketEnd::Drop,
            Self::HandshakeNotBool(_) | Self::Handshake(_) | Self::HandshakeVersion(_) => {
                close_with(CLOSE_POLICY_VIOLATION, &self.message())
            }
            _ => socket_end_after_error(version, self.code(), &self.message()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1_4: NomadVersion = NomadVersion::new(1, 4, 0);
    const V1_7_0: NomadVersion = NomadVersion::new(1, 7, 0);
    const LATEST: NomadVersion = NomadVersion::LATEST;

    fn closed(code: u16, reason: &str) -> SocketEnd {
        SocketEnd::Close(CloseFrame { code, reason: reason.into() })
    }

    /// `toWsCode` in `command/agent/alloc_endpoint.go` (v1.4.0, v1.11.3).
    #[test]
    fn close_codes_follow_nomads_to_ws_code() {
        assert_eq!(ExecError::CommandNotPresent.socket_end(LATEST), closed(1008, "command is not present"));
        assert_eq!(
            ExecError::TaskNotRunning("web".into()).socket_end(V1_4),
            closed(1008, r#"task "web" is not running."#)
        );
        assert_eq!(ExecError::PermissionDenied.socket_end(LATEST), closed(1011, "Permission denied"));
        assert_eq!(ExecError::HandshakeVersion(2).socket_end(LATEST), closed(1008, "unexpected handshake value: 2"));
        assert_eq!(ExecError::Disconnected.socket_end(V1_4), SocketEnd::Drop);
    }

    /// The executor's errors come over grpc (`drivers/shared/executor/grpc_client.go`).
    #[test]
    fn executor_errors_carry_grpcs_words() {
        let start = ExecError::Start(r#"exec: "nope": executable file not found in $PATH"#.into());
        let reason = r#"rpc error: code = Unknown desc = failed to start command: exec: "nope": executable file not found in $PATH"#;
        assert_eq!(start.socket_end(LATEST), closed(1011, reason));
        assert_eq!(
            ExecError::ResizeNonTty.message(),
            "rpc error: code = Unknown desc = failed to resize tty: attempted to resize a non-tty session"
        );
        assert!(ExecError::ResizeNonTty.after_exit() && !start.after_exit());
    }

    /// gorilla/websocket writes no close frame longer than 125 bytes (`flushFrame`).
    #[test]
    fn a_reason_too_long_for_a_close_frame_leaves_none() {
        let long = ExecError::Start("x".repeat(100));
        assert_eq!(long.socket_end(LATEST), SocketEnd::Drop);
        let fits = "y".repeat(MAX_CLOSE_REASON);
        assert_eq!(socket_end_after_error(LATEST, 404, &fits), closed(1008, &fits));
        assert_eq!(socket_end_after_error(LATEST, 404, &format!("{fits}z")), SocketEnd::Drop);
    }

    /// `isClosedError` and the normal close, before and after hashicorp/nomad#19172 and #19932.
    #[test]
    fn how_a_session_ends_depends_on_the_release() {
        assert_eq!(socket_end_after_exit(V1_4), closed(1000, ""));
        assert_eq!(socket_end_after_exit(V1_7_0), closed(1000, ""));
        assert_eq!(socket_end_after_exit(NomadVersion::new(1, 7, 5)), SocketEnd::Drop);
        assert_eq!(socket_end_after_exit(LATEST), SocketEnd::Drop);
        let eof = ExecError::UnknownTask("EOF".into());
        assert_eq!(eof.socket_end(V1_4), SocketEnd::Drop);
        assert_eq!(eof.socket_end(V1_7_0), closed(1008, r#"unknown task name "EOF""#));
        assert_eq!(eof.socket_end(LATEST), SocketEnd::Drop);
    }
}
