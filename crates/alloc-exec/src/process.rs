//! The exec'd command: spawned under a PTY (tty) or on pipes. With a workload (the agent's
//! sessions), it starts in a unit inside its task's, as its task's user, from the long-lived
//! spawner thread (so it dies with the agent), and ending the session kills the unit: whatever
//! the command started, even in process groups of its own (a shell's background jobs).
//! Without one, it runs in its own process group, which ending the session kills.

use crate::{ExecError, ExecSpec};
use caravan_workload::Unit;
use nomad_api::exec::TerminalSize;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, Command};

/// What a terminal reads as end of input (VEOF, ^D).
const TERMINAL_EOF: u8 = 0x04;

pub(crate) type Reader = Pin<Box<dyn AsyncRead + Send>>;

/// The running command. Dropping it kills its unit (or, before it was reaped, its process group).
pub(crate) struct Process {
    child: Child,
    unit: Option<Arc<Unit>>,
}

/// Where input frames go.
pub(crate) enum Input {
    /// The pipe to the command's stdin; `None` once closed.
    Pipe(Option<ChildStdin>),
    Pty(pty_process::OwnedWritePty),
}

/// Where output frames come from: under a PTY, stdout and stderr are one stream (sent as stdout).
pub(crate) struct Output {
    pub stdout: Reader,
    pub stderr: Option<Reader>,
}

pub(crate) async fn spawn(spec: &ExecSpec) -> Result<(Process, Input, Output), ExecError> {
    let (program, args) = spec.command.split_first().ok_or(ExecError::CommandNotPresent)?;
    let mut command = Command::new(program);
    // The spec's environment is the whole environment, as Nomad gives the task's.
    command.args(args).env_clear().envs(spec.env.iter().map(|(k, v)| (k, v))).current_dir(&spec.cwd);
    let (process, input, output) =
        if spec.tty { spawn_tty(command, spec).await? } else { spawn_pipes(command, spec).await? };
    if let (Some(unit), Some(pid)) = (&process.unit, process.child.id()) {
        unit.started(pid);
    }
    Ok((process, input, output))
}

/// Forks on the workload's spawner thread when there is a workload, here otherwise.
async fn fork<T: Send + 'static>(spec: &ExecSpec, spawn: impl FnOnce() -> T + Send + 'static) -> Result<T, ExecError> {
    match spec.workload {
        Some(_) => caravan_workload::spawn(spawn).await.map_err(|e| ExecError::Start(e.to_string())),
        None => Ok(spawn()),
    }
}

async fn spawn_tty(mut command: Command, spec: &ExecSpec) -> Result<(Process, Input, Output), ExecError> {
    let (pty, pts) = pty_process::open().map_err(|e| ExecError::Tty(e.to_string()))?;
    command.env("TERM", "xterm-256color");
    if let Some(workload) = &spec.workload {
        // pty-process makes the child a session leader (after this unit's setup).
        workload.unit.prepare(&mut command, workload.user.as_ref(), false);
        if let Some(user) = &workload.user {
            caravan_workload::unit::give_terminal(&pts, user).map_err(|e| ExecError::Tty(e.to_string()))?;
        }
    }
    // pty-process makes the child a session leader, so its process group is its pid.
    let spawned = fork(spec, move || pty_process::Command::from(command).spawn(pts)).await?;
    let child = spawned.map_err(|e| match e {
        pty_process::Error::Io(e) => start_error(spec, &e),
        other => ExecError::Start(other.to_string()),
    })?;
    let (read, write) = pty.into_split();
    let unit = spec.workload.as_ref().map(|w| w.unit.clone());
    Ok((Process { child, unit }, Input::Pty(write), Output { stdout: Box::pin(read), stderr: None }))
}

async fn spawn_pipes(mut command: Command, spec: &ExecSpec) -> Result<(Process, Input, Output), ExecError> {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    match &spec.workload {
        Some(workload) => workload.unit.prepare(&mut command, workload.user.as_ref(), true),
        None => {
            command.process_group(0);
        }
    }
    let mut child = fork(spec, move || command.spawn()).await?.map_err(|e| start_error(spec, &e))?;
    let missing = || ExecError::Start("child has no stdio pipe".into());
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let stderr = child.stderr.take().ok_or_else(missing)?;
    let output = Output { stdout: Box::pin(stdout), stderr: Some(Box::pin(stderr)) };
    let unit = spec.workload.as_ref().map(|w| w.unit.clone());
    Ok((Process { child, unit }, Input::Pipe(Some(stdin)), output))
}

/// Go's `exec.Cmd` wording, which Nomad wraps in `failed to start command: `.
fn start_error(spec: &ExecSpec, e: &io::Error) -> ExecError {
    let program = spec.command.first().map(String::as_str).unwrap_or_default();
    if !spec.cwd.is_dir() {
        ExecError::Start(format!("chdir {}: {e}", spec.cwd.display()))
    } else if !program.contains('/') && (e.kind() == io::ErrorKind::NotFound || look_path(spec, program).is_none()) {
        // A PATH directory the task's user may not search fails the kernel's lookup with
        // EACCES; Go's `exec.LookPath` skips such a directory and reports the name not found.
        ExecError::Start(format!("exec: {program:?}: executable file not found in $PATH"))
    } else {
        ExecError::Start(format!("fork/exec {program}: {e}"))
    }
}

/// Go's `exec.LookPath` for a bare name: the first regular file with an execute bit in the
/// command's `PATH` (the agent's when the environment has none); directories that cannot be
/// read are skipped.
fn look_path(spec: &ExecSpec, program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path =
        spec.env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v.clone()).or_else(|| std::env::var("PATH").ok())?;
    path.split(':').map(|dir| Path::new(if dir.is_empty() { "." } else { dir }).join(program)).find(|candidate| {
        std::fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

impl Process {
    /// Waits for the command to exit; cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Kills the command's process group and reaps the command.
    pub async fn kill(&mut self) {
        self.kill_group();
        // Reaping only fails if the child was already reaped, which is what we want anyway.
        let _ = self.child.wait().await;
    }

    fn kill_group(&self) {
        if let Some(unit) = &self.unit {
            unit.kill();
            return;
        }
        // `id()` is `None` once reaped: the pid may belong to someone else by then.
        let group = self.child.id().and_then(|pid| rustix::process::Pid::from_raw(pid.try_into().ok()?));
        if let Some(group) = group {
            // Fails only when the group is already gone.
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // The session ended, or was dropped mid-way (e.g. the request was cancelled): leave
        // nothing behind.
        self.kill_group();
    }
}

/// The other end is gone: a closed pipe, or EIO from a PTY whose terminal side was closed.
pub(crate) fn is_hangup(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe || e.raw_os_error() == Some(rustix::io::Errno::IO.raw_os_error())
}

/// Nomad's exit code: the status, or 128 + signal for a killed command, -1 if neither.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    status.code().or_else(|| status.signal().map(|signal| 128 + signal)).unwrap_or(-1)
}

impl Input {
    pub async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let result = match self {
            Self::Pipe(Some(stdin)) => stdin.write_all(data).await,
            // Nomad fails writes after close too, but only once the command exits: drop them.
            Self::Pipe(None) => return Ok(()),
            Self::Pty(pty) => pty.write_all(data).await,
        };
        match result {
            // The command stopped reading its input; its output and exit still matter.
            Err(e) if is_hangup(&e) => {
                if let Self::Pipe(stdin) = self {
                    stdin.take();
                }
                Ok(())
            }
            other => other,
        }
    }

    /// Closes the command's stdin; a terminal has no separate stdin, so it gets end-of-file (^D).
    pub async fn close(&mut self) -> io::Result<()> {
        match self {
            Self::Pipe(stdin) => {
                stdin.take();
                Ok(())
            }
            Self::Pty(_) => self.write(&[TERMINAL_EOF]).await,
        }
    }

    pub fn resize(&self, size: TerminalSize) -> Result<(), ExecError> {
        match self {
            Self::Pipe(_) => Err(ExecError::ResizeNonTty),
            Self::Pty(pty) => pty
                .resize(pty_process::Size::new(size.height, size.width))
                .map_err(|e| ExecError::Resize(e.to_string())),
        }
    }
}
