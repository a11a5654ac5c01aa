//! The exec WebSocket without the browser: its `ws(s)://` URL, the frames each way, and what a
//! close means in words. The socket itself is `exec_socket`.

use super::ApiError;
use nomad_api::exec::{ExecHandshake, ExecStreamingInput, ExecStreamingOutput};

/// The `version` of the `ws_handshake` frame Nomad accepts.
const HANDSHAKE_VERSION: u32 = 1;

/// Close codes the browser or Nomad report (RFC 6455, 7.4.1).
pub const CLOSE_NORMAL: u16 = 1000;
/// The browser's code for a connection that ended without a close frame (agent gone, network
/// down, or the upgrade refused: the browser hides an HTTP answer to a WebSocket request).
pub const CLOSE_ABNORMAL: u16 = 1006;
/// Nomad's code for its coded errors other than 500 (unknown allocation, task not running).
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
/// Nomad's code for errors without a code (permission denied, the command failed to start).
pub const CLOSE_INTERNAL_ERROR: u16 = 1011;

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
}

impl Closed {
    /// What happened, in words: Nomad's reason when it gave one, else what the code means.
    pub fn message(&self) -> String {
        let reason = self.reason.trim();
        match (self.code, reason) {
            (_, "Permission denied") => {
                "Permission denied: the token needs alloc-exec (and alloc-node-exec for tasks without filesystem isolation, such as raw_exec)".into()
            }
            (CLOSE_ABNORMAL, _) => {
                "Connection lost: the agent stopped or is unreachable, or a proxy refused the connection".into()
            }
            (_, "") if self.code == CLOSE_NORMAL => "The agent ended the session".into(),
            (_, "") => "The connection closed without a reason".into(),
            (_, reason) => reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls_follow_the_agent_address() {
        let path = "/v1/client/allocation/a/exec?task=t";
        assert_eq!(socket_url("", "http://127.0.0.1:4646", path).unwrap(), "ws://127.0.0.1:4646/v1/client/allocation/a/exec?task=t");
        assert_eq!(socket_url(" https://nomad.example/proxy/ ", "http://x", path).unwrap(), format!("wss://nomad.example/proxy{path}"));
        assert_eq!(socket_url("http://10.0.0.1:4646", "https://ui", path).unwrap(), format!("ws://10.0.0.1:4646{path}"));
        assert!(matches!(socket_url("nomad:4646", "http://x", path), Err(ApiError::Network(m)) if m.contains("nomad:4646")));
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

    #[test]
    fn close_messages() {
        let closed = |code, reason: &str| Closed { code, reason: reason.into() }.message();
        assert_eq!(closed(CLOSE_POLICY_VIOLATION, r#"Unknown allocation "a1""#), r#"Unknown allocation "a1""#);
        assert!(closed(CLOSE_INTERNAL_ERROR, "Permission denied").contains("alloc-exec"));
        assert!(closed(CLOSE_ABNORMAL, "").starts_with("Connection lost"));
        assert_eq!(closed(CLOSE_NORMAL, ""), "The agent ended the session");
        assert_eq!(closed(1001, " "), "The connection closed without a reason");
    }
}
