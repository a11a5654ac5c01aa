//! Command output to `ExecStreamingOutput` frames: data and close per stream, `{}` heartbeats
//! while idle, then the exit frame. Each frame awaits the sink, so a slow peer slows the command
//! (its pipe fills) instead of growing a buffer.

use crate::process::{exit_code, is_hangup, Output, Process, Reader};
use crate::ExecError;
use futures::{Sink, SinkExt};
use nomad_api::exec::{ExecStreamingIoOperation, ExecStreamingOutput};
use std::fmt::Display;
use std::io;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::time::{sleep, Instant};

/// Most bytes read into one frame.
const FRAME_BYTES: usize = 16 * 1024;
/// A `{}` goes out after this long without any other frame.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(10);
/// After the command exits, how long output may still arrive: a background child that keeps the
/// pipes or the terminal open must not hold the session open.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(1);

enum Event {
    Stdout(io::Result<usize>),
    Stderr(io::Result<usize>),
    Exited(io::Result<std::process::ExitStatus>),
    Heartbeat,
    DrainOver,
}

#[derive(Clone, Copy)]
enum Channel {
    Stdout,
    Stderr,
}

/// Forwards output until both streams are closed and the command has exited, sends the exit
/// frame and returns the exit code.
pub(crate) async fn forward_output<S>(output: Output, process: &mut Process, sink: &mut S) -> Result<i32, ExecError>
where
    S: Sink<String> + Unpin,
    S::Error: Display,
{
    let mut stdout = Some(output.stdout);
    let mut stderr = output.stderr;
    let mut stdout_buf = vec![0; FRAME_BYTES];
    let mut stderr_buf = vec![0; FRAME_BYTES];
    let mut exit = None;
    let heartbeat = sleep(HEARTBEAT_INTERVAL);
    let drain = sleep(DRAIN_AFTER_EXIT);
    tokio::pin!(heartbeat, drain);

    while stdout.is_some() || stderr.is_some() || exit.is_none() {
        let event = tokio::select! {
            // Output first: once the command exits, what it wrote is already readable.
            biased;
            read = read_some(&mut stdout, &mut stdout_buf) => Event::Stdout(read),
            read = read_some(&mut stderr, &mut stderr_buf) => Event::Stderr(read),
            status = process.wait(), if exit.is_none() => Event::Exited(status),
            () = &mut drain, if exit.is_some() => Event::DrainOver,
            () = &mut heartbeat => Event::Heartbeat,
        };
        let frame = match event {
            Event::Stdout(read) => stream_frame(Channel::Stdout, read, &stdout_buf, &mut stdout)?,
            Event::Stderr(read) => stream_frame(Channel::Stderr, read, &stderr_buf, &mut stderr)?,
            Event::Exited(status) => {
                exit = Some(exit_code(status?));
                drain.as_mut().reset(Instant::now() + DRAIN_AFTER_EXIT);
                continue;
            }
            Event::DrainOver => {
                for (channel, reader) in [(Channel::Stdout, &mut stdout), (Channel::Stderr, &mut stderr)] {
                    if reader.take().is_some() {
                        send(sink, &close_frame(channel)).await?;
                    }
                }
                continue;
            }
            Event::Heartbeat => ExecStreamingOutput::default(),
        };
        send(sink, &frame).await?;
        heartbeat.as_mut().reset(Instant::now() + HEARTBEAT_INTERVAL);
    }

    let code = exit.unwrap_or(-1);
    send(sink, &ExecStreamingOutput::exited(code)).await?;
    Ok(code)
}

/// Reads from an open stream; a closed one never yields.
async fn read_some(reader: &mut Option<Reader>, buf: &mut [u8]) -> io::Result<usize> {
    match reader {
        Some(reader) => reader.read(buf).await,
        None => std::future::pending().await,
    }
}

/// The frame for one read: data, or the stream's close at end of file (which closes `reader`).
fn stream_frame(
    channel: Channel,
    read: io::Result<usize>,
    buf: &[u8],
    reader: &mut Option<Reader>,
) -> Result<ExecStreamingOutput, ExecError> {
    let n = match read {
        Ok(n) => n,
        Err(e) if is_hangup(&e) => 0,
        Err(e) => return Err(ExecError::Io(e)),
    };
    if n == 0 {
        reader.take();
        return Ok(close_frame(channel));
    }
    Ok(match channel {
        Channel::Stdout => ExecStreamingOutput::stdout(&buf[..n]),
        Channel::Stderr => ExecStreamingOutput::stderr(&buf[..n]),
    })
}

fn close_frame(channel: Channel) -> ExecStreamingOutput {
    let close = Some(ExecStreamingIoOperation { data: Vec::new(), close: true });
    match channel {
        Channel::Stdout => ExecStreamingOutput { stdout: close, ..Default::default() },
        Channel::Stderr => ExecStreamingOutput { stderr: close, ..Default::default() },
    }
}

async fn send<S>(sink: &mut S, frame: &ExecStreamingOutput) -> Result<(), ExecError>
where
    S: Sink<String> + Unpin,
    S::Error: Display,
{
    let text = serde_json::to_string(frame).map_err(|e| ExecError::Io(e.into()))?;
    sink.send(text).await.map_err(|e| ExecError::Transport(e.to_string()))
}
