//! Frames of the exec WebSocket, `/v1/client/allocation/:id/exec`.
//!
//! Mirrors Nomad's `ExecStreamingInput` / `ExecStreamingOutput` (plugins/drivers), whose
//! Go tags use `omitempty`: an exit code of 0 is omitted, so `"result":{}` means 0.

use crate::serde_util::base64_bytes;
use serde::{Deserialize, Serialize};

/// The `version` of the `ws_handshake` frame: the only one Nomad accepts (`readWsHandshake`,
/// `supportedWSHandshakeVersion`, `command/agent/alloc_endpoint.go`, v1.4.0 to v1.11.3).
pub const HANDSHAKE_VERSION: u32 = 1;

/// WebSocket close code (RFC 6455, 7.4.1) of a session that ended because the command exited
/// (gorilla's `CloseNormalClosure`).
pub const CLOSE_NORMAL: u16 = 1000;
/// What the browser reports for a connection that ended without a close frame (agent gone,
/// network down, the upgrade refused, or a Nomad error that did not fit a close frame). No
/// peer ever sends it.
pub const CLOSE_ABNORMAL: u16 = 1006;
/// Nomad's close code for every coded error other than 500 (`toWsCode`,
/// `command/agent/alloc_endpoint.go`: gorilla's `ClosePolicyViolation`).
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
/// Nomad's close code for 500 and for errors without a code (`toWsCode`:
/// `CloseInternalServerErr`).
pub const CLOSE_INTERNAL_ERROR: u16 = 1011;

/// `toWsCode`: the close code Nomad sends for an error with this HTTP-style code.
pub fn close_code_for(http_code: u16) -> u16 {
    if http_code == 500 {
        CLOSE_INTERNAL_ERROR
    } else {
        CLOSE_POLICY_VIOLATION
    }
}

/// How an error of the executor (the plugin process that runs an exec'd command for raw_exec
/// and exec) reaches the agent and so the close frame's reason: grpc-go's status text, code
/// `Unknown` (`drivers/shared/executor/grpc_client.go`), e.g. `rpc error: code = Unknown desc =
/// failed to start command: ...`.
pub const EXECUTOR_ERROR_PREFIX: &str = "rpc error: code = Unknown desc = ";

/// A close reason without grpc's words in front: what the executor said.
pub fn executor_words(reason: &str) -> &str {
    reason.strip_prefix(EXECUTOR_ERROR_PREFIX).unwrap_or(reason)
}

/// First frame with `ws_handshake=true`: carries the token so it never appears in a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecHandshake {
    /// `version`: must be [`HANDSHAKE_VERSION`].
    pub version: u32,
    /// `auth_token`: the ACL secret the session runs as; empty without ACLs.
    pub auth_token: String,
}

/// `ExecStreamingIOOperation` (`api/allocations.go`): one stream's data, or its close.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecStreamingIoOperation {
    /// `data`: raw bytes, base64 in JSON; left out when empty.
    #[serde(with = "base64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    /// `close`: the stream has ended (stdin closed, or the task's output done); left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub close: bool,
}

/// The terminal's size in character cells, for a `tty` session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TerminalSize {
    /// `height`: rows.
    pub height: u16,
    /// `width`: columns.
    pub width: u16,
}

/// A frame from the browser: stdin data or close, a resize, or `{}` (heartbeat).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecStreamingInput {
    /// `stdin`: bytes typed, or stdin's close; left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin: Option<ExecStreamingIoOperation>,
    /// `tty_size`: the terminal's new size after a resize; left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tty_size: Option<TerminalSize>,
}

impl ExecStreamingInput {
    /// A frame of stdin bytes.
    pub fn stdin(data: impl Into<Vec<u8>>) -> Self {
        Self { stdin: Some(ExecStreamingIoOperation { data: data.into(), close: false }), tty_size: None }
    }
    /// The frame that closes stdin (end of input).
    pub fn stdin_close() -> Self {
        Self { stdin: Some(ExecStreamingIoOperation { data: Vec::new(), close: true }), tty_size: None }
    }
    /// The frame reporting a terminal resized to `width` columns by `height` rows.
    pub fn resize(width: u16, height: u16) -> Self {
        Self { stdin: None, tty_size: Some(TerminalSize { height, width }) }
    }
    /// The `{}` frame that keeps the connection alive.
    pub fn heartbeat() -> Self {
        Self::default()
    }
}

/// `result` of the last frame: how the command exited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecStreamingExitResult {
    /// `exit_code`: the command's exit status; left out when 0, so `{}` means 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub exit_code: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// A frame from the agent: output, an output stream's close, the exit, or `{}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecStreamingOutput {
    /// `stdout`: standard output bytes, or its close.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<ExecStreamingIoOperation>,
    /// `stderr`: standard error bytes, or its close (a `tty` session writes everything to stdout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<ExecStreamingIoOperation>,
    /// `exited`: the command has ended; the last frame, with `result`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exited: bool,
    /// `result`: the exit code, in the frame with `exited`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<ExecStreamingExitResult>,
}

impl ExecStreamingOutput {
    /// A frame of stdout bytes.
    pub fn stdout(data: impl Into<Vec<u8>>) -> Self {
        Self { stdout: Some(ExecStreamingIoOperation { data: data.into(), close: false }), ..Default::default() }
    }
    /// A frame of stderr bytes.
    pub fn stderr(data: impl Into<Vec<u8>>) -> Self {
        Self { stderr: Some(ExecStreamingIoOperation { data: data.into(), close: false }), ..Default::default() }
    }
    /// The last frame: the command exited with `exit_code`.
    pub fn exited(exit_code: i32) -> Self {
        Self { exited: true, result: Some(ExecStreamingExitResult { exit_code }), ..Default::default() }
    }
    /// The exit code, once the command has exited (`"result":{}` is 0).
    pub fn exit_code(&self) -> Option<i32> {
        self.exited.then(|| self.result.map_or(0, |r| r.exit_code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_frames_match_nomad_docs() {
        let h: ExecHandshake = serde_json::from_str(r#"{"version":1,"auth_token":"fc3c"}"#).unwrap();
        assert_eq!(h, ExecHandshake { version: 1, auth_token: "fc3c".into() });
        assert_eq!(
            serde_json::to_string(&ExecStreamingInput::stdin(b"\x0c".to_vec())).unwrap(),
            r#"{"stdin":{"data":"DA=="}}"#
        );
        assert_eq!(serde_json::to_string(&ExecStreamingInput::stdin_close()).unwrap(), r#"{"stdin":{"close":true}}"#);
        assert_eq!(
            serde_json::to_string(&ExecStreamingInput::resize(80, 24)).unwrap(),
            r#"{"tty_size":{"height":24,"width":80}}"#
        );
        assert_eq!(serde_json::to_string(&ExecStreamingInput::heartbeat()).unwrap(), "{}");
    }

    #[test]
    fn output_frames_match_nomad() {
        let o: ExecStreamingOutput = serde_json::from_str(r#"{"stdout":{"data":"G1tIG1sySiQg"}}"#).unwrap();
        assert_eq!(o.stdout.unwrap().data, b"\x1b[H\x1b[2J$ ");
        let zero: ExecStreamingOutput = serde_json::from_str(r#"{"exited":true,"result":{}}"#).unwrap();
        assert_eq!(zero.exit_code(), Some(0));
        let three: ExecStreamingOutput = serde_json::from_str(r#"{"exited":true,"result":{"exit_code":3}}"#).unwrap();
        assert_eq!(three.exit_code(), Some(3));
        assert_eq!(serde_json::to_string(&ExecStreamingOutput::exited(0)).unwrap(), r#"{"exited":true,"result":{}}"#);
        let hb: ExecStreamingOutput = serde_json::from_str("{}").unwrap();
        assert_eq!(hb.exit_code(), None);
    }

    #[test]
    fn executor_errors_read_without_grpcs_words() {
        let reason =
            "rpc error: code = Unknown desc = failed to start command: fork/exec /bin/bash: no such file or directory";
        assert_eq!(executor_words(reason), "failed to start command: fork/exec /bin/bash: no such file or directory");
        assert_eq!(executor_words("Permission denied"), "Permission denied");
    }
}
