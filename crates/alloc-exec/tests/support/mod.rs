//! Drives `run_session` over in-memory channels, as the agent drives it over a WebSocket.

#![allow(dead_code)] // each test binary uses its own part

use alloc_exec::{run_session, ExecError, ExecSpec};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use nomad_api::exec::{ExecStreamingInput, ExecStreamingOutput};
use std::convert::Infallible;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Guards against a hung test, never a timing assertion.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn spec(command: &[&str], tty: bool) -> ExecSpec {
    ExecSpec {
        command: command.iter().map(|s| s.to_string()).collect(),
        tty,
        cwd: std::env::temp_dir(),
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()))],
        workload: None,
    }
}

pub struct Session {
    pub input: mpsc::Sender<Result<String, Infallible>>,
    pub output: mpsc::Receiver<String>,
    pub handle: JoinHandle<Result<i32, ExecError>>,
}

/// What the peer saw until the exit frame.
#[derive(Debug, Default)]
pub struct Transcript {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_closed: bool,
    pub stderr_closed: bool,
    pub heartbeats: usize,
    pub exit_frame: Option<String>,
    pub exit_code: Option<i32>,
}

impl Session {
    /// Starts a session whose output channel holds only `capacity` frames, so a slow reader
    /// holds the session back.
    pub fn start(spec: ExecSpec, capacity: usize) -> Self {
        let (input, input_rx) = mpsc::channel(8);
        let (output_tx, output) = mpsc::channel(capacity);
        let handle = tokio::spawn(run_session(spec, output_tx, input_rx));
        Self { input, output, handle }
    }

    pub async fn send(&mut self, frame: &ExecStreamingInput) {
        let text = serde_json::to_string(frame).expect("input frames encode");
        self.send_text(&text).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.input.send(Ok(text.to_string())).await.expect("session takes input");
    }

    /// The next output frame, raw and decoded; `None` once the session dropped its sink.
    pub async fn next_frame(&mut self) -> Option<(String, ExecStreamingOutput)> {
        let text = tokio::time::timeout(PATIENCE, self.output.next()).await.expect("a frame in time")?;
        let frame = serde_json::from_str(&text).expect("output frames decode");
        Some((text, frame))
    }

    /// Reads frames up to and including the exit frame.
    pub async fn transcript(&mut self) -> Transcript {
        let mut t = Transcript::default();
        while let Some((text, frame)) = self.next_frame().await {
            if let Some(out) = &frame.stdout {
                t.stdout.extend_from_slice(&out.data);
                t.stdout_closed |= out.close;
            }
            if let Some(err) = &frame.stderr {
                t.stderr.extend_from_slice(&err.data);
                t.stderr_closed |= err.close;
            }
            if text == "{}" {
                t.heartbeats += 1;
            }
            if let Some(code) = frame.exit_code() {
                t.exit_code = Some(code);
                t.exit_frame = Some(text);
                break;
            }
        }
        t
    }

    /// What `run_session` returned.
    pub async fn result(self) -> Result<i32, ExecError> {
        tokio::time::timeout(PATIENCE, self.handle).await.expect("session ends in time").expect("session task")
    }
}
