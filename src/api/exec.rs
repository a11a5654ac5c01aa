//! The exec WebSocket without the browser: its `ws(s)://` URL, the frames each way, and what a
//! close means in words. The socket itself is `exec_socket`.

use super::ApiError;
use crate::model::exec_command::Ending;
use nomad_api::exec::{ExecHandshake, ExecStreamingInput, ExecStreamingOutput, HANDSHAKE_VERSION};
pub use nomad_api::exec::{CLOSE_ABNORMAL, CLOSE_INTERNAL_ERROR, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION};

/// `ws(s)://` + the agent's address + `path_and_query`. An empty address is the page's own
/// origin (`http://host:port`), as when Nomad serves the dashboard.
pub fn socket_url(address: &str, page_origin: &str, path_and_query: &str) -> Result<String, ApiError> {
    let address = address.trim().trim_end_matches('/');
    let base = if address.is_empty() { page_origin.trim_end_matches('/') } else { address };
    let rest = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        return Err(ApiError::Network(format!("the agent address {base:?} is not an http:// or https:// URL")));
    };
    Ok(format!("{rest}{path_and_query}"))
}

/// The first frame: the token (empty for none) travels here, never in the URL.
pub fn handshake(token: Option<&str>) -> String {
    let frame = ExecHandshake { version: HANDSHAKE_VERSION, auth_token: token.unwrap_or_default().to_string() };
    serde_json::to_string(&frame).unwrap_or_default()
}

/// An input frame as JSON text (stdin, `tty_size`, or `{}` for a heartbeat).
pub fn encode(input: &ExecStreamingInput) -> String {
    // Plain structs of strings, bytes and numbers always serialize.
    serde_json::to_string(input).unwrap_or_default()
}

/// What one frame from the agent carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    /// Bytes for the terminal, stdout then stderr; empty for heartbeats and stream closes.
    pub output: Vec<u8>,
    /// The command's exit code, once it has exited.
    pub exit_code: Option<i32>,
}

/// Decodes one text frame from the agent.
pub fn decode(text: &str) -> Result<Received, ApiError> {
    let frame: ExecStreamingOutput =
        serde_json::from_str(text).map_err(|e| ApiError::Malformed(format!("exec frame: {e}")))?;
    let exit_code = frame.exit_code();
    let mut output = frame.stdout.map(|o| o.data).unwrap_or_default();
    if let Some(stderr) = frame.stderr {
        output.extend_from_slice(&stderr.data);
    }
    Ok(Received { output, exit_code })
}

/// How a connection ended, as the browser's close event tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
    /// The socket had opened (the upgrade went through) before it closed.
    pub opened: bool,
}

impl Closed {
    /// What happened, in words: Nomad's reason when it gave one, else what the code means. The
    /// close after an exit frame never gets here: the exit code says how the session ended,
    /// whether Nomad then closed with 1000 (up to 1.7.4) or sent no close frame (1006, from
    /// 1.5.15, 1.6.8 and 1.7.5; `command/agent/alloc_endpoint.go`).
    pub fn message(&self) -> String {
        // The executor's errors come with grpc's words in front; what it said is the point.
        let reason = nomad_api::exec::executor_words(self.reason.trim());
        match (self.code, reason) {
            (_, "Permission denied") => {
                "Permission denied: the token needs alloc-exec (and alloc-node-exec for tasks without filesystem isolation, such as raw_exec)".into()
            }
            // Nomad too ends a session without a close frame when its error does not fit one
            // (over 123 bytes) or reads like a closed pipe.
            (CLOSE_ABNORMAL, _) if self.opened => {
                "Connection lost before the command reported an exit code: the agent stopped or is unreachable, or it ended the session on an error it could not send".into()
            }
            (CLOSE_ABNORMAL, _) => {
                "Connection lost: the agent stopped or is unreachable, or a proxy refused the connection".into()
            }
            (CLOSE_NORMAL, "") => "The agent ended the session without an exit code".into(),
            (_, "") => "The connection closed without a reason".into(),
            (_, reason) => reason.to_string(),
        }
    }
}

/// How a session ended once its socket closed. An exit frame already decided it, whatever
/// close follows: Nomad closes with 1000 up to 1.5.14, 1.6.7 and 1.7.4, with no close frame
/// (1006) from 1.5.15, 1.6.8 and 1.7.5, and with 1011 and the error after an input the executor
/// could not handle (a resize without a terminal). Without one, the close tells.
pub fn ending_after_close(exited: Option<Ending>, closed: Closed) -> Ending {
    exited.unwrap_or(Ending::Closed { code: closed.code, reason: closed.reason, opened: closed.opened })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls_follow_the_agent_address() {
        let path = "/v1/client/allocation/a/exec?task=t";
        assert_eq!(
            socket_url("", "http://127.0.0.1:4646", path).unwrap(),
            "ws://127.0.0.1:4646/v1/client/allocation/a/exec?task=t"
        );
        assert_eq!(
            socket_url(" https://nomad.example/proxy/ ", "http://x", path).unwrap(),
            format!("wss://nomad.example/proxy{path}")
        );
        assert_eq!(
            socket_url("http://10.0.0.1:4646", "https://ui", path).unwrap(),
            format!("ws://10.0.0.1:4646{path}")
        );
        assert!(
            matches!(socket_url("nomad:4646", "http://x", path), Err(ApiError::Network(m)) if m.contains("nomad:4646"))
        );
    }

    #[test]
    fn frames_out() {
        assert_eq!(handshake(Some("s3cret")), r#"{"version":1,"auth_token":"s3cret"}"#);
        assert_eq!(handshake(None), r#"{"version":1,"auth_token":""}"#);
        assert_eq!(encode(&ExecStreamingInput::stdin("é".as_bytes())), r#"{"stdin":{"data":"w6k="}}"#);
        assert_eq!(encode(&ExecStreamingInput::resize(120, 40)), r#"{"tty_size":{"height":40,"width":120}}"#);
        assert_eq!(encode(&ExecStreamingInput::heartbeat()), "{}");
    }

    #[test]
    fn frames_in() {
        // "é" split across two frames stays as bytes: the terminal joins them.
        assert_eq!(decode(r#"{"stdout":{"data":"ww=="}}"#).unwrap().output, vec![0xc3]);
        assert_eq!(decode(r#"{"stderr":{"data":"qQ=="}}"#).unwrap().output, vec![0xa9]);
        assert_eq!(decode(r#"{"stdout":{"close":true}}"#).unwrap(), Received::default());
        assert_eq!(decode("{}").unwrap(), Received::default());
        assert_eq!(decode(r#"{"exited":true,"result":{}}"#).unwrap().exit_code, Some(0));
        assert_eq!(decode(r#"{"exited":true,"result":{"exit_code":3}}"#).unwrap().exit_code, Some(3));
        assert!(matches!(decode("not json"), Err(ApiError::Malformed(_))));
    }

    /// `command/agent/alloc_endpoint.go` `execStreamImpl` at v1.4.0 (close 1000 after the exit),
    /// v1.11.3 (none), and the error after the exit (`drivers/shared/executor/exec_utils.go`).
    #[test]
    fn the_exit_frame_decides_whatever_close_follows() {
        let close = |code, reason: &str| Closed { code, reason: reason.into(), opened: true };
        let resize = "rpc error: code = Unknown desc = failed to resize tty: attempted to resize a non-tty session";
        for closed in [close(CLOSE_NORMAL, ""), close(CLOSE_ABNORMAL, ""), close(CLOSE_INTERNAL_ERROR, resize)] {
            assert_eq!(ending_after_close(Some(Ending::Exited(3)), closed), Ending::Exited(3));
        }
        let denied = ending_after_close(None, close(CLOSE_INTERNAL_ERROR, "Permission denied"));
        assert_eq!(
            denied,
            Ending::Closed { code: CLOSE_INTERNAL_ERROR, reason: "Permission denied".into(), opened: true }
        );
    }

    /// The ways Nomad ends a session without an exit frame (`command/agent/alloc_endpoint.go`
    /// at v1.4.0 and v1.11.3, `client/alloc_endpoint.go`, `drivers/shared/executor/grpc_client.go`).
    #[test]
    fn close_messages() {
        let closed = |code, reason: &str| Closed { code, reason: reason.into(), opened: true }.message();
        assert_eq!(closed(CLOSE_POLICY_VIOLATION, r#"Unknown allocation "a1""#), r#"Unknown allocation "a1""#);
        assert!(closed(CLOSE_INTERNAL_ERROR, "Permission denied").contains("alloc-exec"));
        // Nomad 1.7.0 and later close with 1008 for a token that does not resolve, before with 1011.
        assert_eq!(closed(CLOSE_POLICY_VIOLATION, "ACL token not found"), "ACL token not found");
        assert_eq!(closed(CLOSE_INTERNAL_ERROR, "ACL token not found"), "ACL token not found");
        // A command that does not start: the executor's words, without grpc's.
        let start = r#"rpc error: code = Unknown desc = failed to start command: exec: "nope": executable file not found in $PATH"#;
        assert_eq!(
            closed(CLOSE_INTERNAL_ERROR, start),
            r#"failed to start command: exec: "nope": executable file not found in $PATH"#
        );
        // No close frame at all: before the upgrade, or after it (an error too long for a close
        // frame, or the agent gone).
        assert!(Closed { code: CLOSE_ABNORMAL, reason: String::new(), opened: false }
            .message()
            .starts_with("Connection lost: "));
        let after_open = closed(CLOSE_ABNORMAL, "");
        assert!(after_open.starts_with("Connection lost before the command reported an exit code"), "{after_open}");
        assert_eq!(closed(CLOSE_NORMAL, ""), "The agent ended the session without an exit code");
        assert_eq!(closed(1001, " "), "The connection closed without a reason");
    }
}
