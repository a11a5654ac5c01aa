//! What contains a workload's processes, so that none outlives its exec session, its task or
//! the agent, whatever it does (`sleep 600 &` in an interactive shell, which job control puts
//! in a process group of its own; `setsid`; a double fork).
//!
//! Where the agent may (root, a writable cgroup v2 hierarchy with `cgroup.kill`, Linux 5.14+),
//! each task runs in a cgroup of its own and each exec session in a cgroup below its task's,
//! as Nomad 1.11 puts a task in `nomad.slice/share.slice/<alloc>.<task>.scope`
//! (`client/lib/cgroupslib/editor.go`), starts exec'd commands in the task's cgroup
//! (`setSubCmdCgroup` in `drivers/shared/executor/executor_universal_linux.go`) and kills a
//! task by writing `1` to its `cgroup.kill` (`lifeCG2.Kill`). Nomad only uses cgroups v2 when
//! `/sys/fs/cgroup` itself is the cgroup2 mount (`client/lib/cgroupslib/mount.go`); the agent
//! needs no controller, only membership and `cgroup.kill`, so it also takes the cgroup2 mount
//! of a hybrid host (`/sys/fs/cgroup/unified`). The agent's cgroups sit in one directory of
//! its own below its cgroup, `caravan-<pid>-<n>`; a watchdog (`/bin/sh` reading a pipe only
//! the agent holds) kills that whole directory the moment the agent dies, however it dies, and
//! removes it.
//!
//! Elsewhere, each task and each exec session is a session of its own (`setsid`, as Nomad's
//! executor makes a process group, `executor_unix.go`): ending it SIGKILLs every process of
//! the session, which job control cannot leave (only another `setsid` can). The leader gets
//! SIGKILL when the agent dies (`PR_SET_PDEATHSIG`); what it left is killed when an agent
//! next starts on the same data directory.
//!
//! Either way every unit is recorded under `<data_dir>/client/units/` while it lives, and an
//! agent starting there first kills whatever an earlier agent left.

use crate::users::Credentials;
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::{Gid, Pid, Uid};
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The record naming the agent's cgroup directory.
const CGROUP_RECORD: &str = "cgroup";
/// How long killed processes may take to be gone before a cgroup is removed anyway later.
const GONE_TIMEOUT: Duration = Duration::from_secs(2);
/// Kills the agent's cgroup directory (`$1`) once its stdin ends: when the agent is gone or
/// done with it. Then removes it (and the task and exec cgroups below it) once they are empty.
const WATCHDOG_SCRIPT: &str = r#"read -r _
echo 1 > "$1/cgroup.kill"
i=0
while [ -d "$1" ] && [ $i -lt 50 ]; do
  rmdir "$1"/*/*/ "$1"/*/ "$1" 2>/dev/null
  i=$((i + 1))
  sleep 0.1
done"#;

/// Names of units: unique within the process, so a new unit never meets an old one's remains.
static SEQ: AtomicU64 = AtomicU64::new(1);

/// How this agent contains its workloads.
pub struct Containment {
    records: PathBuf,
    cgroup: Option<AgentCgroup>,
}

/// The agent's cgroup directory and its watchdog.
struct AgentCgroup {
    dir: PathBuf,
    watchdog: Mutex<Option<(Child, ChildStdin)>>,
}

impl Containment {
    /// Kills what an earlier agent on this state directory left (see the module doc), then
    /// sets up cgroups if it can.
    pub fn new(state_dir: &Path) -> Arc<Containment> {
        Self::with_cgroups(state_dir, true)
    }

    /// As [`Containment::new`]; with `cgroups` false, units are sessions even where cgroups
    /// would do (to exercise the fallback).
    pub fn with_cgroups(state_dir: &Path, cgroups: bool) -> Arc<Containment> {
        let records = state_dir.join("units");
        if let Err(e) = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&records) {
            tracing::warn!(dir = %records.display(), error = %e, "cannot keep unit records");
        }
        sweep(&records);
        let cgroup = match if cgroups { AgentCgroup::create() } else { Err("not asked for".into()) } {
            Ok(cgroup) => {
                if let Err(e) = write_atomic(&records.join(CGROUP_RECORD), &cgroup.dir.to_string_lossy()) {
                    tracing::warn!(error = %e, "cannot record the agent's cgroup");
                }
                tracing::debug!(dir = %cgroup.dir.display(), "tasks and exec sessions run in cgroups");
                Some(cgroup)
            }
            Err(why) => {
                tracing::debug!(%why, "no cgroup v2: tasks and exec sessions run in sessions of their own");
                None
            }
        };
        Arc::new(Containment { records, cgroup })
    }

    /// `"cgroup"` or `"session"`: what a unit is.
    pub fn kind(&self) -> &'static str {
        if self.cgroup.is_some() {
            "cgroup"
        } else {
            "session"
        }
    }

    /// A new unit for one run of a task; `name` is `<alloc_id>.<task>`.
    pub fn unit(&self, name: &str) -> io::Result<Arc<Unit>> {
        let name = format!("{name}.{}.scope", SEQ.fetch_add(1, Ordering::Relaxed));
        let place = match &self.cgroup {
            Some(cgroup) => Place::cgroup(cgroup.dir.join(&name))?,
            None => Place::Session { record: self.records.join(&name) },
        };
        Ok(Arc::new(Unit::new(name, place)))
    }
}

impl Drop for Containment {
    fn drop(&mut self) {
        let Some(cgroup) = &self.cgroup else { return };
        kill_cgroup(&cgroup.dir);
        // The watchdog removes the directories once their processes are gone, even if this
        // process exits first (a thread here would not).
        match cgroup.watchdog.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some((mut child, stdin)) => {
                drop(stdin);
                let reaped =
                    std::thread::Builder::new().name("caravan-watchdog-reaper".into()).spawn(move || child.wait());
                if reaped.is_err() {
                    tracing::debug!("the watchdog is left to be reaped at exit");
                }
            }
            None => remove_later(cgroup.dir.clone()),
        }
        let _ = std::fs::remove_file(self.records.join(CGROUP_RECORD));
    }
}

impl AgentCgroup {
    fn create() -> Result<AgentCgroup, String> {
        let own = own_cgroup_dir()?;
        // Moving a process from the agent's cgroup into one below needs write access there.
        nix::unistd::access(&own.join("cgroup.procs"), nix::unistd::AccessFlags::W_OK)
            .map_err(|e| format!("{}/cgroup.procs is not writable: {e}", own.display()))?;
        let dir = own.join(format!("caravan-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed)));
        std::fs::DirBuilder::new()
            .mode(0o755)
            .create(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        if !dir.join("cgroup.kill").exists() {
            let _ = std::fs::remove_dir(&dir);
            return Err("no cgroup.kill (Linux before 5.14)".into());
        }
        let watchdog = match spawn_watchdog(&dir) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "no watchdog: what tasks leave when the agent dies is killed at its next start");
                None
            }
        };
        Ok(AgentCgroup { dir, watchdog: Mutex::new(watchdog) })
    }
}

fn spawn_watchdog(dir: &Path) -> io::Result<(Child, ChildStdin)> {
    let mut child = std::process::Command::new("/bin/sh")
        .args(["-c", WATCHDOG_SCRIPT, "caravan-agent-watchdog"])
        .arg(dir)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Out of the agent's process group: a Ctrl-C at the terminal is for the agent.
        .process_group(0)
        .spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| io::Error::other("the watchdog has no stdin"))?;
    Ok((child, stdin))
}

/// The directory of this process's cgroup on the cgroup2 mount.
fn own_cgroup_dir() -> Result<PathBuf, String> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("mountinfo: {e}"))?;
    let (mount_root, mount_point) = mountinfo
        .lines()
        .find_map(|line| {
            let (fields, fs) = line.split_once(" - ")?;
            (fs.split_whitespace().next()? == "cgroup2").then_some(())?;
            let fields: Vec<&str> = fields.split_whitespace().collect();
            Some((unescape(fields.get(3)?), unescape(fields.get(4)?)))
        })
        .ok_or("no cgroup2 mount")?;
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("/proc/self/cgroup: {e}"))?;
    let own = cgroups.lines().find_map(|l| l.strip_prefix("0::")).ok_or("not in a cgroup v2")?;
    let relative =
        Path::new(own).strip_prefix(&mount_root).map_err(|_| format!("cgroup {own} is not under the mount's root"))?;
    Ok(PathBuf::from(mount_point).join(relative))
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let mut out = Vec::with_capacity(field.len());
    let bytes = field.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        match (bytes[i], octal) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One task run's or exec session's processes.
pub struct Unit {
    name: String,
    place: Place,
    /// The first process (0 until started); in a session unit, the session's id.
    leader: AtomicI32,
    /// Killed: whatever starts in it after is killed at once.
    dead: AtomicBool,
    children: Mutex<Vec<Weak<Unit>>>,
}

enum Place {
    /// The cgroup directory, and its `cgroup.procs` opened for a new process to join.
    Cgroup {
        dir: PathBuf,
        procs: OwnedFd,
    },
    Session {
        record: PathBuf,
    },
}

impl Place {
    fn cgroup(dir: PathBuf) -> io::Result<Place> {
        std::fs::DirBuilder::new().mode(0o755).create(&dir)?;
        match OpenOptions::new().write(true).open(dir.join("cgroup.procs")) {
            Ok(procs) => Ok(Place::Cgroup { dir, procs: procs.into() }),
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(e)
            }
        }
    }
}

impl std::fmt::Debug for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unit").field("name", &self.name).field("leader", &self.leader).finish()
    }
}

impl Unit {
    fn new(name: String, place: Place) -> Unit {
        Unit { name, place, leader: AtomicI32::new(0), dead: AtomicBool::new(false), children: Mutex::new(Vec::new()) }
    }

    /// A unit inside this one for an exec session: it dies with this one.
    pub fn child(&self) -> io::Result<Arc<Unit>> {
        if self.dead.load(Ordering::SeqCst) {
            return Err(io::Error::other("the task's processes are gone"));
        }
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("{}.exec-{seq}", self.name);
        let place = match &self.place {
            Place::Cgroup { dir, .. } => Place::cgroup(dir.join(format!("exec-{seq}")))?,
            Place::Session { record } => Place::Session { record: record.with_file_name(&name) },
        };
        let child = Arc::new(Unit::new(name, place));
        let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
        children.retain(|c| c.strong_count() > 0);
        children.push(Arc::downgrade(&child));
        Ok(child)
    }

    /// Whether the unit is a session of its own, which the command must then start
    /// (`setsid`): a cgroup needs none, and a terminal session makes its own.
    pub fn is_session(&self) -> bool {
        matches!(self.place, Place::Session { .. })
    }

    /// Makes `cmd`'s process start in this unit (joining its cgroup, or starting a session when
    /// `new_session`), as `user` when given, and get SIGKILL if the agent dies. Spawn it with
    /// [`crate::spawn`], then call [`Unit::started`].
    pub fn prepare(&self, cmd: &mut tokio::process::Command, user: Option<&Credentials>, new_session: bool) {
        let procs = match &self.place {
            Place::Cgroup { procs, .. } => Some(procs.as_raw_fd()),
            Place::Session { .. } => None,
        };
        let user = user.map(|u| {
            let groups: Vec<Gid> = u.groups.iter().map(|g| Gid::from_raw(*g)).collect();
            (Uid::from_raw(u.uid), Gid::from_raw(u.gid), groups)
        });
        let agent = nix::unistd::getpid();
        // SAFETY: the closure runs between fork and exec and makes only system calls (write,
        // setsid, setgroups, setgid, setuid, prctl, getppid) on data prepared before the fork,
        // without allocating. `procs` stays open: the unit outlives the spawn.
        unsafe {
            cmd.pre_exec(move || enter(procs, new_session, user.as_ref(), agent));
        }
    }

    /// The unit's first process started.
    pub fn started(&self, pid: u32) {
        let Ok(pid) = i32::try_from(pid) else { return };
        self.leader.store(pid, Ordering::SeqCst);
        if let Place::Session { record } = &self.place {
            if let Err(e) = SessionRecord::of(pid).and_then(|r| write_atomic(record, &r.to_string())) {
                tracing::warn!(unit = %self.name, error = %e, "cannot record a session");
            }
        }
        // Killed while it was starting: what started goes too.
        if self.dead.load(Ordering::SeqCst) {
            self.kill_now();
        }
    }

    /// SIGKILLs every process of the unit and of the units inside it, from now on.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        self.kill_now();
    }

    fn kill_now(&self) {
        let children: Vec<_> =
            self.children.lock().unwrap_or_else(|p| p.into_inner()).iter().filter_map(Weak::upgrade).collect();
        for child in children {
            child.kill();
        }
        match &self.place {
            Place::Cgroup { dir, .. } => kill_cgroup(dir),
            Place::Session { .. } => match self.leader.load(Ordering::SeqCst) {
                0 => {}
                sid => kill_session(sid),
            },
        }
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        self.kill();
        match &self.place {
            Place::Cgroup { dir, .. } => remove_later(dir.clone()),
            Place::Session { record } => {
                let _ = std::fs::remove_file(record);
            }
        }
    }
}

/// In the child, between fork and exec.
fn enter(procs: Option<i32>, new_session: bool, user: Option<&(Uid, Gid, Vec<Gid>)>, agent: Pid) -> io::Result<()> {
    if let Some(fd) = procs {
        // SAFETY: the descriptor is the unit's open `cgroup.procs` (see `prepare`).
        nix::unistd::write(unsafe { BorrowedFd::borrow_raw(fd) }, b"0")?;
    }
    if new_session {
        nix::unistd::setsid()?;
    }
    if let Some((uid, gid, groups)) = user {
        nix::unistd::setgroups(groups)?;
        nix::unistd::setgid(*gid)?;
        nix::unistd::setuid(*uid)?;
    }
    // After setuid, which clears it.
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
    if nix::unistd::getppid() != agent {
        // The agent died before the signal was armed.
        return Err(Errno::ESRCH.into());
    }
    Ok(())
}

/// Writes `1` to the cgroup's `cgroup.kill`: the kernel kills every process in it and below.
fn kill_cgroup(dir: &Path) {
    match std::fs::write(dir.join("cgroup.kill"), "1") {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "cannot kill a cgroup"),
    }
}

/// SIGKILLs every process of session `sid` until none is left (briefly; the first pass
/// nearly always does it: only a process forking during the scan can add one).
fn kill_session(sid: i32) {
    let deadline = Instant::now() + GONE_TIMEOUT;
    loop {
        let members = session_members(sid);
        if members.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            tracing::warn!(sid, left = members.len(), "processes of a session would not die");
            return;
        }
        for pid in members {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The live processes of session `sid`.
fn session_members(sid: i32) -> Vec<i32> {
    let Ok(all) = procfs::process::all_processes() else { return Vec::new() };
    all.flatten()
        .filter_map(|p| p.stat().ok())
        .filter(|s| s.session == sid && s.state != 'Z' && s.state != 'X')
        .map(|s| s.pid)
        .collect()
}

/// A session leader as recorded: its pid, when it started (clock ticks after boot) and in
/// which boot, so that a pid handed out again is not mistaken for it.
#[derive(Debug, PartialEq)]
struct SessionRecord {
    pid: i32,
    start_ticks: u64,
    boot_id: String,
}

impl SessionRecord {
    fn of(pid: i32) -> io::Result<SessionRecord> {
        Ok(SessionRecord { pid, start_ticks: start_ticks(pid)?, boot_id: boot_id()? })
    }

    fn parse(text: &str) -> Option<SessionRecord> {
        let mut fields = text.split_whitespace();
        let record = SessionRecord {
            pid: fields.next()?.parse().ok()?,
            start_ticks: fields.next()?.parse().ok()?,
            boot_id: fields.next()?.to_string(),
        };
        (record.pid > 1).then_some(record)
    }

    /// Whether the session is still the recorded one. A session id is not handed out again
    /// while any member lives, so a session that still exists in the same boot is it, unless
    /// its leader's pid now belongs to a process that started at another time.
    fn is_leftover(&self) -> bool {
        if boot_id().ok().as_deref() != Some(self.boot_id.as_str()) {
            return false;
        }
        let leader_is_another = start_ticks(self.pid).is_ok_and(|ticks| ticks != self.start_ticks);
        !leader_is_another && !session_members(self.pid).is_empty()
    }
}

impl std::fmt::Display for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} {} {}", self.pid, self.start_ticks, self.boot_id)
    }
}

fn start_ticks(pid: i32) -> io::Result<u64> {
    let stat = procfs::process::Process::new(pid).and_then(|p| p.stat()).map_err(io::Error::other)?;
    Ok(stat.starttime)
}

fn boot_id() -> io::Result<String> {
    Ok(std::fs::read_to_string("/proc/sys/kernel/random/boot_id")?.trim().to_string())
}

/// Kills what the records say an earlier agent left, and forgets the records.
fn sweep(records: &Path) {
    let Ok(entries) = std::fs::read_dir(records) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if entry.file_name() == CGROUP_RECORD {
            let dir = PathBuf::from(text.trim());
            if is_agent_cgroup(&dir) {
                tracing::info!(dir = %dir.display(), "killing what a previous agent left");
                kill_cgroup(&dir);
                remove_now(&dir);
            }
        } else if let Some(record) = SessionRecord::parse(&text) {
            if record.is_leftover() {
                tracing::info!(sid = record.pid, "killing what a previous agent left");
                kill_session(record.pid);
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}

/// Whether `dir` is an agent's cgroup directory (and not anything a damaged record names).
fn is_agent_cgroup(dir: &Path) -> bool {
    let named = dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with("caravan-"));
    let on_cgroup2 =
        nix::sys::statfs::statfs(dir).is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC);
    named && on_cgroup2 && dir.is_absolute()
}

/// Removes a cgroup directory and those below it, deepest first. A cgroup goes once no
/// process is left in it (`EBUSY` until then).
fn remove_tree(dir: &Path) -> io::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    remove_tree(&entry.path())?;
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    }
    match std::fs::remove_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Removes a killed cgroup, waiting (briefly) for its processes to be gone.
fn remove_now(dir: &Path) {
    let deadline = Instant::now() + GONE_TIMEOUT;
    while let Err(e) = remove_tree(dir) {
        if Instant::now() > deadline {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot remove a cgroup");
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Removes a killed cgroup now if its processes are already gone, else on a thread that
/// waits for them.
fn remove_later(dir: PathBuf) {
    if remove_tree(&dir).is_ok() {
        return;
    }
    static REAPER: OnceLock<Option<Mutex<Sender<PathBuf>>>> = OnceLock::new();
    let reaper = REAPER.get_or_init(|| {
        let (tx, rx) = channel::<PathBuf>();
        let thread = std::thread::Builder::new().name("caravan-cgroup-reaper".into()).spawn(move || {
            for dir in rx {
                remove_now(&dir);
            }
        });
        thread.ok().map(|_| Mutex::new(tx))
    });
    match reaper {
        Some(tx) => {
            let _ = tx.lock().unwrap_or_else(|p| p.into_inner()).send(dir);
        }
        None => remove_now(&dir),
    }
}

/// Writes a small file whole or not at all.
fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Makes the controlling terminal side of a PTY the user's, as `login` does, so the command
/// can open its own terminal again (`tty`, `ssh`, `sudo`).
pub fn give_terminal(pts: impl AsFd, user: &Credentials) -> io::Result<()> {
    nix::unistd::fchown(pts.as_fd().as_raw_fd(), Some(Uid::from_raw(user.uid)), None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alive(pid: i32) -> bool {
        procfs::process::Process::new(pid).and_then(|p| p.stat()).is_ok_and(|s| s.state != 'Z')
    }

    /// Starts `sh -c script` in `unit`; returns the pid the script prints first (a background
    /// child) and the shell.
    async fn start(unit: &Unit, script: &str, new_session: bool) -> (i32, tokio::process::Child) {
        let mut cmd = tokio::process::Command::new("/bin/sh");
        cmd.args(["-c", script]).stdout(Stdio::piped());
        unit.prepare(&mut cmd, None, new_session);
        let mut child = crate::spawn(move || cmd.spawn()).await.unwrap().unwrap();
        unit.started(child.id().unwrap());
        let mut out = child.stdout.take().unwrap();
        let mut line = Vec::new();
        let mut byte = [0u8];
        while tokio::io::AsyncReadExt::read(&mut out, &mut byte).await.unwrap() == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        (String::from_utf8(line).unwrap().trim().parse().unwrap(), child)
    }

    #[tokio::test]
    async fn killing_a_unit_kills_what_left_its_process_group_and_its_children() {
        for cgroups in [true, false] {
            kills_what_left(cgroups).await;
        }
    }

    async fn kills_what_left(cgroups: bool) {
        let state = tempfile::tempdir().unwrap();
        let containment = Containment::with_cgroups(state.path(), cgroups);
        if cgroups && own_cgroup_dir().is_ok() && crate::users::is_root() {
            assert_eq!(containment.kind(), "cgroup");
        }
        let task = containment.unit("a1.web").unwrap();
        // A grandchild in a process group of its own, as job control makes one.
        let (escaped, mut shell) = start(&task, "setsid sleep 300 & echo $!; wait", task.is_session()).await;
        let session = task.child().unwrap();
        let (in_session, mut exec) = start(&session, "sleep 300 & echo $!; wait", session.is_session()).await;
        assert!(alive(escaped) && alive(in_session));
        task.kill();
        shell.wait().await.unwrap();
        exec.wait().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while (alive(in_session) || (containment.kind() == "cgroup" && alive(escaped))) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!alive(in_session), "the exec session's child died with the task");
        if containment.kind() == "cgroup" {
            assert!(!alive(escaped), "a cgroup holds even what called setsid");
        } else {
            let _ = kill(Pid::from_raw(escaped), Signal::SIGKILL);
        }
        assert!(task.child().is_err(), "nothing new starts in a killed unit");
    }

    #[tokio::test]
    async fn a_new_agent_kills_what_the_last_one_left() {
        for cgroups in [true, false] {
            sweeps_leftovers(cgroups).await;
        }
    }

    async fn sweeps_leftovers(cgroups: bool) {
        let state = tempfile::tempdir().unwrap();
        let containment = Containment::with_cgroups(state.path(), cgroups);
        let unit = containment.unit("a1.web").unwrap();
        let (child, mut shell) = start(&unit, "sleep 300 & echo $!; wait", unit.is_session()).await;
        // As if the agent died: nothing dropped, the records stay.
        std::mem::forget(unit);
        let cgroup = containment.cgroup.as_ref().map(|c| c.dir.clone());
        std::mem::forget(containment);
        let _ = kill(Pid::from_raw(shell.id().unwrap() as i32), Signal::SIGKILL);
        shell.wait().await.unwrap();
        assert!(alive(child));
        let next = Containment::with_cgroups(state.path(), cgroups);
        assert!(!alive(child), "killed before the new agent runs anything");
        if let Some(dir) = cgroup {
            assert!(!dir.exists(), "the old cgroup is gone");
        }
        drop(next);
        assert_eq!(std::fs::read_dir(state.path().join("units")).unwrap().count(), 0, "no records left");
    }

    #[tokio::test]
    async fn the_watchdog_kills_and_removes_the_agents_cgroups_when_the_agent_is_gone() {
        let state = tempfile::tempdir().unwrap();
        let containment = Containment::new(state.path());
        let Some(cgroup) = &containment.cgroup else { return };
        let dir = cgroup.dir.clone();
        let unit = containment.unit("a1.web").unwrap();
        let session = unit.child().unwrap();
        let (child, mut shell) = start(&session, "setsid sleep 300 & echo $!; wait", false).await;
        // The agent dies: its end of the pipe closes, without a word.
        let (mut watchdog, stdin) = cgroup.watchdog.lock().unwrap().take().unwrap();
        drop(stdin);
        watchdog.wait().unwrap();
        shell.wait().await.unwrap();
        assert!(!alive(child), "the watchdog killed what the agent left");
        assert!(!dir.exists(), "and removed its cgroups");
        drop((session, unit, containment));
    }

    #[test]
    fn records_and_mountinfo_fields_parse() {
        let record = SessionRecord { pid: 42, start_ticks: 7, boot_id: "b".into() };
        assert_eq!(SessionRecord::parse(&record.to_string()), Some(record));
        assert_eq!(SessionRecord::parse("1 2 b"), None);
        assert_eq!(SessionRecord::parse("x"), None);
        assert_eq!(unescape(r"/sys/fs/with\040space"), "/sys/fs/with space");
        assert_eq!(unescape(r"back\\slash\0"), r"back\\slash\0");
    }
}
