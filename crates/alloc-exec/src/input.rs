//! Input frames (`ExecStreamingInput`) to the command, handled as Nomad's `handleStdin`:
//! stdin data, stdin close, a terminal resize, or anything else as a heartbeat.

use crate::process::Input;
use crate::ExecError;
use futures::{Stream, StreamExt};
use nomad_api::exec::ExecStreamingInput;
use std::convert::Infallible;
use std::fmt::Display;

/// Forwards frames until the peer goes away or a frame cannot be handled; never ends otherwise.
pub(crate) async fn forward_input<R, E>(stream: &mut R, input: &mut Input) -> Result<Infallible, ExecError>
where
    R: Stream<Item = Result<String, E>> + Unpin,
    E: Display,
{
    loop {
        let text = match stream.next().await {
            None => return Err(ExecError::Disconnected),
            Some(Err(e)) => return Err(ExecError::Transport(e.to_string())),
            Some(Ok(text)) => text,
        };
        // Go decodes `null` into an empty message, i.e. a heartbeat.
        let frame: Option<ExecStreamingInput> =
            serde_json::from_str(&text).map_err(|e| ExecError::MalformedFrame(e.to_string()))?;
        let Some(frame) = frame else { continue };
        match (frame.stdin, frame.tty_size) {
            (Some(stdin), _) if !stdin.data.is_empty() => input.write(&stdin.data).await?,
            (Some(stdin), _) if stdin.close => input.close().await?,
            (_, Some(size)) => input.resize(size)?,
            _ => {} // heartbeat
        }
    }
}

/// Reads frames without handling them until the peer goes away.
pub(crate) async fn discard_input<R, E>(stream: &mut R) -> Result<Infallible, ExecError>
where
    R: Stream<Item = Result<String, E>> + Unpin,
    E: Display,
{
    loop {
        match stream.next().await {
            None => return Err(ExecError::Disconnected),
            Some(Err(e)) => return Err(ExecError::Transport(e.to_string())),
            Some(Ok(_)) => {}
        }
    }
}
