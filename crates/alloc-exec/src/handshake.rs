//! The `ws_handshake=true` first frame, `{"version":1,"auth_token":"..."}`, which carries the
//! token so that it never appears in a URL.

use crate::ExecError;
use futures::{Stream, StreamExt};
use nomad_api::exec::{ExecHandshake, HANDSHAKE_VERSION};
use std::fmt::Display;

/// Reads the handshake frame and returns its auth token (empty when the frame has none, which
/// is then the anonymous token). Errors close the socket with 1008, as Nomad's `readWsHandshake`.
pub async fn read_handshake<R, E>(stream: &mut R) -> Result<String, ExecError>
where
    R: Stream<Item = Result<String, E>> + Unpin,
    E: Display,
{
    let text = match stream.next().await {
        None => return Err(ExecError::Disconnected),
        Some(Err(e)) => return Err(ExecError::Transport(e.to_string())),
        Some(Ok(text)) => text,
    };
    let handshake: ExecHandshake = serde_json::from_str(&text).map_err(|e| ExecError::Handshake(e.to_string()))?;
    if handshake.version != HANDSHAKE_VERSION {
        return Err(ExecError::HandshakeVersion(handshake.version));
    }
    Ok(handshake.auth_token)
}
