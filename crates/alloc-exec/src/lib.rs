//! The session half of Nomad's exec WebSocket, `/v1/client/allocation/:id/exec`, independent of
//! HTTP: the agent's handler upgrades the socket, checks the ACL and hands the socket's text
//! frames to [`run_session`] as a `Sink<String>` and a `Stream<Item = Result<String, E>>`.
//!
//! What the handler does around it, in Nomad's order:
//! 1. Before the upgrade: [`parse_command`] and [`parse_tty`]; a JSON or boolean error is an
//!    HTTP error with [`ExecError::code`] (500) and the message as plain text. An empty command
//!    is different: Nomad reports `command is not present` after the upgrade.
//! 2. After the upgrade: if [`handshake_required`], [`read_handshake`] gives the token.
//! 3. Checks the token, the allocation and the task ([`ExecError::PermissionDenied`],
//!    [`ExecError::TaskNotRunning`], ...), then calls [`run_session`].
//! 4. Ends the socket as the release does: [`socket_end_after_exit`] after `Ok(exit code)`,
//!    [`ExecError::socket_end`] after an error (a close frame, or none at all).
//!
//! The handler maps its socket to text frames: a Close message ends the stream, Text (or Binary,
//! as UTF-8) frames are items; outgoing frames are Text messages.

mod error;
mod handshake;
mod input;
mod output;
mod params;
mod process;

pub use error::{
    socket_end_after_error, socket_end_after_exit, CloseFrame, ExecError, SocketEnd, CLOSE_INTERNAL_ERROR,
    CLOSE_NORMAL, CLOSE_POLICY_VIOLATION,
};
pub use handshake::read_handshake;
pub use nomad_api::exec::HANDSHAKE_VERSION;
pub use output::HEARTBEAT_INTERVAL;
pub use params::{handshake_required, parse_command, parse_tty};

use futures::{Sink, Stream};
use std::fmt::Display;
use std::path::PathBuf;

/// What to run: the command, whether under a terminal, where and with which environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecSpec {
    /// Program and arguments; the program is looked up in the environment's `PATH`.
    pub command: Vec<String>,
    pub tty: bool,
    /// The working directory (the task's directory).
    pub cwd: PathBuf,
    /// The whole environment of the command (the task's); with a tty, `TERM=xterm-256color` is added.
    pub env: Vec<(String, String)>,
    /// The unit inside its task's and the user the command runs in; `None`: as the caller,
    /// in a process group of its own.
    pub workload: Option<caravan_workload::Workload>,
}

/// Runs one exec session: spawns `spec.command` (under a real PTY when tty, pipes otherwise),
/// forwards input frames (stdin data, stdin close, tty_size, heartbeat `{}`) to the process and
/// output as `ExecStreamingOutput` frames (stdout/stderr data and close, then
/// `{"exited":true,"result":{...}}`), sends `{}` heartbeats while idle, and ends when the process
/// exits or the peer goes away (killing the process then). Frames are JSON text.
///
/// Returns the exit code once the exit frame was sent. An input error the command survives
/// ([`ExecError::after_exit`], say a resize without a terminal) stops the input, as Nomad's
/// `handleStdin` does, and is returned once the command has exited and the exit frame went
/// out. On any other error the command's process group has been killed. See
/// [`ExecError::socket_end`] for how to end the socket.
pub async fn run_session<S, R, E>(spec: ExecSpec, mut sink: S, mut stream: R) -> Result<i32, ExecError>
where
    S: Sink<String> + Unpin,
    S::Error: Display,
    R: Stream<Item = Result<String, E>> + Unpin,
    E: Display,
{
    let (mut process, mut input, output) = process::spawn(&spec).await?;
    let mut deferred = None;
    let result = {
        let output = output::forward_output(output, &mut process, &mut sink);
        tokio::pin!(output);
        let first = tokio::select! {
            // The command's end wins over a peer that leaves at the same moment.
            biased;
            result = &mut output => Ok(result),
            Err(e) = input::forward_input(&mut stream, &mut input) => Err(e),
        };
        match first {
            Ok(result) => result,
            Err(e) if e.after_exit() => {
                deferred = Some(e);
                // The command runs on; the peer may still leave, and what it sends goes nowhere.
                tokio::select! {
                    biased;
                    result = &mut output => result,
                    Err(e) = input::discard_input(&mut stream) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    };
    if result.is_err() {
        process.kill().await;
    }
    match (result, deferred) {
        (Ok(_), Some(e)) => Err(e),
        (result, _) => result,
    }
}
