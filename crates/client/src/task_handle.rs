//! The part of a task's node-local state that must outlive the agent (Nomad persists
//! `LocalState.TaskHandle` in its client state): the process group of a running task. The
//! raw_exec process gets SIGKILL when the agent dies, but what it started in its group may
//! live on; a restarted agent cannot reattach to it (its output went through pipes that died
//! with the agent), so it destroys what is left (`DestroyTask` of a handle that cannot be
//! recovered) before running the task again.
//!
//! Kept in `<data_dir>/client/task-handles/<alloc_id>/<task>`: `<pid> <start ticks> <boot id>`.

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a restarted agent waits for a killed leftover group to be gone.
const DESTROY_TIMEOUT: Duration = Duration::from_secs(2);

/// The directory of an allocation's task handles.
pub(crate) fn handles_dir(data_dir: &Path, alloc_id: &str) -> PathBuf {
    data_dir.join("client").join("task-handles").join(alloc_id)
}

#[derive(Debug, Clone)]
pub(crate) struct TaskHandleFile {
    path: PathBuf,
}

/// A task process as it was recorded: the group leader's PID, when it started (clock ticks
/// after boot) and in which boot.
#[derive(Debug, PartialEq)]
struct Recorded {
    pid: i32,
    start_ticks: u64,
    boot_id: String,
}

impl TaskHandleFile {
    pub(crate) fn new(data_dir: &Path, alloc_id: &str, task: &str) -> Self {
        TaskHandleFile { path: handles_dir(data_dir, alloc_id).join(task) }
    }

    /// Records the process group of a task that just started (written whole or not at all).
    pub(crate) fn save(&self, pid: i32) -> io::Result<()> {
        let start_ticks = start_ticks(pid)?;
        let text = format!("{pid} {start_ticks} {}\n", boot_id()?);
        let dir = self.path.parent().ok_or_else(|| io::Error::other("task handle path has no directory"))?;
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(text.as_bytes())?;
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The task's process group is gone.
    pub(crate) fn clear(&self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "removing task handle failed");
            }
        }
    }

    fn load(&self) -> Option<Recorded> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let mut fields = text.split_whitespace();
        let recorded = Recorded {
            pid: fields.next()?.parse().ok()?,
            start_ticks: fields.next()?.parse().ok()?,
            boot_id: fields.next()?.to_string(),
        };
        (recorded.pid > 1).then_some(recorded)
    }

    /// Kills whatever is left of the recorded process group, once it is sure to be the
    /// task's, waits (briefly) until it is gone, and forgets the handle.
    pub(crate) async fn destroy(&self) {
        if let Some(recorded) = self.load() {
            if is_leftover(&recorded) {
                tracing::info!(pgid = recorded.pid, "killing what is left of a task of the previous agent");
                let _ = killpg(Pid::from_raw(recorded.pid), Signal::SIGKILL);
                let deadline = tokio::time::Instant::now() + DESTROY_TIMEOUT;
                while !group_members(recorded.pid).is_empty() && tokio::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
        self.clear();
    }
}

/// Whether the group is still the task's. A process group ID is not handed out again while
/// any member lives, so a group that still exists in the same boot is the task's, unless its
/// leader's PID now belongs to a process that started at another time.
fn is_leftover(recorded: &Recorded) -> bool {
    if boot_id().ok().as_deref() != Some(recorded.boot_id.as_str()) {
        return false;
    }
    let leader_is_another = start_ticks(recorded.pid).is_ok_and(|ticks| ticks != recorded.start_ticks);
    !leader_is_another && !group_members(recorded.pid).is_empty()
}

fn start_ticks(pid: i32) -> io::Result<u64> {
    let stat = procfs::process::Process::new(pid).and_then(|p| p.stat()).map_err(io::Error::other)?;
    Ok(stat.starttime)
}

fn boot_id() -> io::Result<String> {
    Ok(std::fs::read_to_string("/proc/sys/kernel/random/boot_id")?.trim().to_string())
}

/// The live processes of process group `pgid`.
fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(all) = procfs::process::all_processes() else { return Vec::new() };
    all.flatten()
        .filter_map(|p| p.stat().ok())
        .filter(|s| s.pgrp == pgid && s.state != 'Z')
        .map(|s| s.pid)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::os::unix::process::CommandExt;

    #[tokio::test]
    async fn destroys_the_recorded_group_and_only_it() {
        let dir = tempfile::tempdir().unwrap();
        let handle = TaskHandleFile::new(dir.path(), "a1", "web");
        // A leader that leaves a child behind in its group, as a task under a killed agent does.
        let mut leader = Command::new("/bin/sh")
            .args(["-c", "sleep 300 & echo $!; wait"])
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pgid = leader.id() as i32;
        handle.save(pgid).unwrap();
        assert_eq!(handle.load().unwrap().pid, pgid);
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(leader.stdout.take().unwrap()), &mut line).unwrap();
        let child: i32 = line.trim().parse().unwrap();
        let _ = nix::sys::signal::kill(Pid::from_raw(pgid), Signal::SIGKILL);
        leader.wait().unwrap();
        assert_eq!(group_members(pgid), vec![child], "the child outlived its leader");

        // Recorded in another boot: left alone.
        let other_boot = format!("{pgid} {} not-this-boot\n", handle.load().unwrap().start_ticks);
        std::fs::write(&handle.path, other_boot).unwrap();
        assert!(!is_leftover(&handle.load().unwrap()));

        let recorded = format!("{pgid} 1 {}\n", boot_id().unwrap());
        std::fs::write(&handle.path, recorded).unwrap();
        handle.destroy().await;
        assert!(group_members(pgid).is_empty(), "the leftover child was killed");
        assert!(!handle.path.exists(), "the handle is forgotten");
        handle.destroy().await; // nothing recorded: nothing to do
    }
}
