//! Errors of an exec session, with Nomad's messages and codes.
//!
//! Nomad attaches an HTTP-style code to each exec error (`CodedError` in command/agent, the RPC
//! error code in client/alloc_endpoint.go); an error without one counts as 500. After the
//! WebSocket upgrade, `toWsCode` turns 500 into close code 1011 (internal error) and anything
//! else into 1008 (policy violation), with the message as the close reason.

/// WebSocket close code for a session that ended because the command exited.
pub const CLOSE_NORMAL: u16 = 1000;
/// WebSocket close code Nomad uses for every coded error other than 500.
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
/// WebSocket close code Nomad uses for 500 (and for errors that carry no code).
pub const CLOSE_INTERNAL_ERROR: u16 = 1011;

/// A close frame's reason may be at most 123 bytes (RFC 6455, 5.5: 125 minus the code).
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
    #[error("attempted to resize a non-tty session")]
    ResizeNonTty,
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

impl CloseFrame {
    /// What Nomad sends once the command has exited and its exit frame went out.
    pub fn normal() -> Self {
        Self { code: CLOSE_NORMAL, reason: String::new() }
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
            | Self::Io(_)
            | Self::Disconnected
            | Self::Transport(_) => 500,
        }
    }

    /// The close frame to end the socket with: 1011 for code 500, 1008 otherwise, the message as
    /// reason. `None` when the connection is already gone, as Nomad's `isClosedError` skips it.
    pub fn close_frame(&self) -> Option<CloseFrame> {
        if matches!(self, Self::Disconnected | Self::Transport(_)) {
            return None;
        }
        let code = if self.code() == 500 { CLOSE_INTERNAL_ERROR } else { CLOSE_POLICY_VIOLATION };
        Some(CloseFrame { code, reason: truncate_reason(self.to_string()) })
    }
}

fn truncate_reason(mut reason: String) -> String {
    if reason.len() > MAX_CLOSE_REASON {
        let mut end = MAX_CLOSE_REASON;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes_follow_nomads_to_ws_code() {
        let frame = ExecError::CommandNotPresent.close_frame();
        assert_eq!(frame, Some(CloseFrame { code: 1008, reason: "command is not present".into() }));
        let frame = ExecError::TaskNotRunning("web".into()).close_frame();
        assert_eq!(frame, Some(CloseFrame { code: 1008, reason: r#"task "web" is not running."#.into() }));
        let frame = ExecError::PermissionDenied.close_frame();
        assert_eq!(frame, Some(CloseFrame { code: 1011, reason: "Permission denied".into() }));
        assert_eq!(ExecError::HandshakeVersion(2).close_frame().map(|f| f.code), Some(1008));
        assert_eq!(ExecError::Disconnected.close_frame(), None);
    }

    #[test]
    fn long_reasons_fit_a_close_frame_on_a_char_boundary() {
        let reason = ExecError::Start("é".repeat(100)).close_frame().map(|f| f.reason).unwrap_or_default();
        assert!(reason.len() <= MAX_CLOSE_REASON && reason.len() > 100);
        assert!(reason.starts_with("failed to start command: é"));
    }
}
