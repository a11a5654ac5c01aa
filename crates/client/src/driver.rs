//! The `raw_exec` driver: runs a task's `command` with `args` as a local process in its own
//! session and unit (a cgroup, or the session; see `caravan_workload::unit`), as the task's
//! user, with stdout and stderr going to logmon.

use crate::logmon::{self, LogMon};
use caravan_workload::{Credentials, Unit};
use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Local-agent extension: a task `config` key that overrides `LogConfig.MaxFileSizeMB` with
/// a size in bytes, so tests can rotate logs without writing megabytes.
pub(crate) const LOG_MAX_BYTES_KEY: &str = "log_max_bytes";

/// How long an exited task's remaining output may take to reach the logs.
const LOG_DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The driver config of a task.
#[derive(Debug, Clone)]
pub(crate) struct RawExecConfig {
    pub(crate) command: String,
    pub(crate) args: Vec<String>,
}

impl RawExecConfig {
    pub(crate) fn parse(config: &BTreeMap<String, Value>) -> Result<Self, String> {
        let command = match config.get("command") {
            Some(Value::String(c)) if !c.trim().is_empty() => c.clone(),
            Some(Value::String(_)) | None => {
                return Err("failed to decode driver config: missing required argument \"command\"".into())
            }
            Some(_) => return Err("failed to decode driver config: \"command\" must be a string".into()),
        };
        let args = match config.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    _ => Err("failed to decode driver config: \"args\" must be a list of strings".to_string()),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("failed to decode driver config: \"args\" must be a list of strings".into()),
        };
        Ok(RawExecConfig { command, args })
    }
}

/// How a task's process ended (`drivers.ExitResult`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ExitResult {
    pub(crate) exit_code: i64,
    pub(crate) signal: i64,
}

/// A running task process. Clones share the one process.
#[derive(Clone)]
pub(crate) struct DriverHandle {
    pid: i32,
    exit: watch::Receiver<Option<ExitResult>>,
    /// Everything the process started; killed once it exits.
    unit: Arc<Unit>,
}

/// Starts the process in `unit`, as `user` if given; an error is the driver error Nomad would
/// report.
pub(crate) async fn start(
    config: &RawExecConfig,
    task_dir: &Path,
    env: &BTreeMap<String, String>,
    logs: &LogMon,
    unit: Arc<Unit>,
    user: Option<&Credentials>,
) -> Result<DriverHandle, String> {
    let bin = lookup_bin(task_dir, &config.command, env.get("PATH").map(String::as_str))
        .map_err(|e| format!("failed to launch command with executor: rpc error: code = Unknown desc = {e}"))?;
    let mut cmd = tokio::process::Command::new(&bin);
    cmd.args(&config.args)
        .current_dir(task_dir)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(false);
    // A restarted agent cannot reattach to a task (its output went through pipes that die with
    // the agent) and starts it again, so nothing of it may outlive the agent: the unit sees to
    // it. A session of its own makes the process its group's leader, which signals go to.
    unit.prepare(&mut cmd, user, true);
    let spawned = caravan_workload::spawn(move || cmd.spawn()).await.and_then(|spawned| spawned);
    let mut child = spawned.map_err(|e| {
        format!(
            "failed to launch command with executor: rpc error: code = Unknown desc = failed to start command path={:?} --- args={:?}: {e}",
            bin.to_string_lossy(),
            config.args
        )
    })?;
    let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) else {
        unit.kill();
        return Err("failed to launch command with executor: process exited before it could be tracked".into());
    };
    unit.started(pid.unsigned_abs());
    let copiers = [
        child.stdout.take().map(|out| tokio::spawn(logmon::copy(out, logs.stdout.clone()))),
        child.stderr.take().map(|err| tokio::spawn(logmon::copy(err, logs.stderr.clone()))),
    ];
    let (tx, rx) = watch::channel(None);
    let task_unit = unit.clone();
    tokio::spawn(async move {
        let result = match child.wait().await {
            Ok(status) => match status.signal() {
                // The executor reports a signaled process as 128+signal, as shells do.
                Some(sig) => ExitResult { exit_code: 128 + i64::from(sig), signal: i64::from(sig) },
                None => ExitResult { exit_code: i64::from(status.code().unwrap_or(-1)), signal: 0 },
            },
            Err(e) => {
                tracing::warn!(error = %e, "waiting for task process failed");
                ExitResult { exit_code: -1, signal: 0 }
            }
        };
        // Like Nomad destroying the task's cgroup: nothing the task started outlives it, its
        // exec sessions included.
        task_unit.kill();
        // Report the exit once the output is in the logs, unless something that left the
        // process group still holds the pipes open.
        let _ = tokio::time::timeout(LOG_DRAIN_TIMEOUT, async {
            for copier in copiers.into_iter().flatten() {
                let _ = copier.await;
            }
        })
        .await;
        let _ = tx.send(Some(result));
    });
    Ok(DriverHandle { pid, exit: rx, unit })
}

impl DriverHandle {
    pub(crate) fn pid(&self) -> i32 {
        self.pid
    }

    pub(crate) fn unit(&self) -> &Arc<Unit> {
        &self.unit
    }

    pub(crate) fn exited(&self) -> Option<ExitResult> {
        *self.exit.borrow()
    }

    pub(crate) async fn wait(&self) -> ExitResult {
        let mut rx = self.exit.clone();
        // The waiter never drops the sender before sending, so an error cannot happen.
        let result = rx.wait_for(Option::is_some).await.ok().and_then(|r| *r);
        result.unwrap_or(ExitResult { exit_code: -1, signal: 0 })
    }

    /// Sends a signal to the task's whole process group.
    pub(crate) fn signal(&self, sig: Signal) -> Result<(), String> {
        if self.exited().is_some() {
            return Err("os: process already finished".into());
        }
        match killpg(Pid::from_raw(self.pid), sig) {
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(e) => Err(format!("failed to signal task: {e}")),
        }
    }

    /// `StopTask`: the kill signal, then SIGKILL once `timeout` has passed.
    pub(crate) async fn kill(&self, sig: Signal, timeout: Duration) -> ExitResult {
        if let Some(r) = self.exited() {
            return r;
        }
        if let Err(e) = self.signal(sig) {
            tracing::debug!(error = %e, "kill signal not delivered");
        }
        match tokio::time::timeout(timeout, self.wait()).await {
            Ok(r) => r,
            Err(_) => {
                self.unit.kill();
                self.wait().await
            }
        }
    }
}

/// raw_exec's `lookupBin`: the task's `local/`, the task dir, an absolute path, then `$PATH`.
fn lookup_bin(task_dir: &Path, bin: &str, path_var: Option<&str>) -> Result<PathBuf, String> {
    let not_found = || format!("file {bin} not found under path {}", task_dir.display());
    if bin.contains('\0') {
        return Err(not_found());
    }
    for candidate in [task_dir.join(crate::allocdir::TASK_LOCAL).join(bin), task_dir.join(bin)] {
        if candidate.exists() {
            return Ok(candidate);
        }
    }
    let bin_path = Path::new(bin);
    if bin_path.is_absolute() {
        return if bin_path.exists() { Ok(bin_path.to_path_buf()) } else { Err(not_found()) };
    }
    if !bin.contains('/') {
        for dir in path_var.unwrap_or("/usr/local/bin:/usr/bin:/bin").split(':').filter(|d| !d.is_empty()) {
            let candidate = Path::new(dir).join(bin);
            let executable = candidate.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
            if executable {
                return Ok(candidate);
            }
        }
    }
    Err(not_found())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_command_and_args() {
        let cfg: BTreeMap<String, Value> =
            serde_json::from_value(json!({"command": "sh", "args": ["-c", "echo", 1]})).unwrap();
        let c = RawExecConfig::parse(&cfg).unwrap();
        assert_eq!((c.command.as_str(), c.args), ("sh", vec!["-c".to_string(), "echo".into(), "1".into()]));
        for bad in [
            json!({}),
            json!({"command": 3}),
            json!({"command": "sh", "args": "x"}),
            json!({"command": "sh", "args": [{}]}),
        ] {
            let cfg: BTreeMap<String, Value> = serde_json::from_value(bad).unwrap();
            assert!(RawExecConfig::parse(&cfg).is_err());
        }
    }

    #[test]
    fn finds_binaries_like_raw_exec() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(lookup_bin(dir.path(), "sh", Some("/bin:/usr/bin")).unwrap().file_name().unwrap(), "sh");
        let err = lookup_bin(dir.path(), "no-such-binary-xyz", Some("/bin")).unwrap_err();
        assert_eq!(err, format!("file no-such-binary-xyz not found under path {}", dir.path().display()));
        std::fs::create_dir(dir.path().join("local")).unwrap();
        std::fs::write(dir.path().join("local/run.sh"), "").unwrap();
        assert_eq!(lookup_bin(dir.path(), "run.sh", None).unwrap(), dir.path().join("local/run.sh"));
    }
}
