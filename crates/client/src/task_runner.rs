//! One task's life, as Nomad's `TaskRunner`: start, wait, restart by policy, kill, signal,
//! restart in place; its `TaskState` and latest events.

use crate::allocdir::AllocDir;
use crate::coordinator::Lifecycle;
use crate::driver::{self, DriverHandle, ExitResult, RawExecConfig, LOG_MAX_BYTES_KEY};
use crate::events;
use crate::logmon::{LogMon, DEFAULT_MAX_FILES, DEFAULT_MAX_FILE_SIZE_MB};
use crate::restarts::{is_batch, Decision, RestartTracker};
use crate::stats::ProcessTreeSampler;
use crate::sync::{lock, StateChanged};
use crate::ClientError;
use caravan_workload::users::{self, Credentials};
use caravan_workload::{Containment, Workload};
use nix::sys::signal::Signal;
use nomad_api::{task_state, DateTime, RestartPolicy, Task, TaskEvent, TaskResourceUsage, TaskState};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Nomad keeps the latest 10 events of a task.
const MAX_EVENTS: usize = 10;
/// `structs.DefaultKillTimeout`, and the client's default `max_kill_timeout`.
const DEFAULT_KILL_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_KILL_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) struct TaskSpec {
    pub(crate) task: Task,
    pub(crate) job_type: String,
    pub(crate) policy: RestartPolicy,
    pub(crate) env: BTreeMap<String, String>,
    /// The driver config with `${...}` interpolated, or why it cannot run.
    pub(crate) config: Result<RawExecConfig, String>,
    /// The task's state before the agent restarted, when the allocation is restored.
    pub(crate) restored: Option<TaskState>,
    /// `<alloc_id>.<task>`: what the task's units are named after.
    pub(crate) unit_name: String,
    /// `raw_exec` checks the task's `User` before launching it (`raw_exec_validates_user`).
    pub(crate) validates_user: bool,
    pub(crate) containment: Arc<Containment>,
}

/// Why a task cannot run as its `User`.
enum UserError {
    Lookup(users::LookupError),
    /// A uid the agent does not run tasks as.
    Denied(u32),
}

/// Who the task's processes run as.
#[derive(Debug, Clone, Default)]
struct TaskUser {
    /// `None`: as the agent's user.
    credentials: Option<Credentials>,
    /// `USER`, `LOGNAME` and `HOME` of a user the task names or was given.
    env: Vec<(String, String)>,
}

pub(crate) struct TaskRunner {
    pub(crate) name: String,
    pub(crate) leader: bool,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) task_dir: PathBuf,
    alloc_dir: AllocDir,
    config: Result<RawExecConfig, String>,
    /// Restored after an agent restart: the task directory built before is not built again.
    restored: bool,
    /// The task's `User`; empty for the allocation's user (or the agent's).
    user_name: String,
    /// Who the latest run runs as.
    user: Mutex<Option<TaskUser>>,
    validates_user: bool,
    unit_name: String,
    containment: Arc<Containment>,
    kill_signal: Signal,
    pub(crate) kill_timeout: Duration,
    log_max_files: u64,
    log_file_size: u64,
    state: Mutex<TaskState>,
    handle: Mutex<Option<DriverHandle>>,
    tracker: Mutex<RestartTracker>,
    logmon: Mutex<Option<LogMon>>,
    sampler: Mutex<Option<ProcessTreeSampler>>,
    /// The newest sample, kept after the process exits as Nomad keeps it.
    last_usage: Mutex<Option<TaskResourceUsage>>,
    /// Opened by the allocation once the task's lifecycle stage may start.
    may_start: watch::Sender<bool>,
    kill: watch::Sender<bool>,
    dead: watch::Sender<bool>,
    /// Tells the allocation (which owns this runner) that the task's state changed.
    changed: StateChanged,
}

impl TaskRunner {
    pub(crate) fn new(spec: TaskSpec, alloc_dir: AllocDir, changed: StateChanged) -> TaskRunner {
        let task = &spec.task;
        // Nomad's default kill signal is SIGINT.
        let kill_signal = crate::signals::parse(&task.kill_signal).unwrap_or(Signal::SIGINT);
        let kill_timeout = match task.kill_timeout.as_std() {
            d if d.is_zero() => DEFAULT_KILL_TIMEOUT,
            d => d.min(MAX_KILL_TIMEOUT),
        };
        let log = task.log_config.clone().unwrap_or_default();
        let log_max_files = u64::try_from(log.max_files).ok().filter(|n| *n > 0).unwrap_or(DEFAULT_MAX_FILES);
        let size_mb = u64::try_from(log.max_file_size_mb).ok().filter(|n| *n > 0).unwrap_or(DEFAULT_MAX_FILE_SIZE_MB);
        let log_file_size = task
            .config
            .get(LOG_MAX_BYTES_KEY)
            .and_then(serde_json::Value::as_u64)
            .filter(|n| *n > 0)
            .unwrap_or(size_mb * 1024 * 1024);
        let lifecycle = Lifecycle::of(task);
        let on_success = lifecycle.restarts_on_success(is_batch(&spec.job_type));
        let restored = spec.restored.is_some();
        let state = spec.restored.unwrap_or_else(|| {
            let mut state = TaskState { state: task_state::PENDING.to_string(), ..TaskState::default() };
            append_event(&mut state, events::received());
            state
        });
        TaskRunner {
            name: task.name.clone(),
            leader: task.leader,
            lifecycle,
            task_dir: alloc_dir.task_dir(&task.name),
            alloc_dir,
            config: spec.config,
            restored,
            user_name: task.user.clone(),
            user: Mutex::new(None),
            validates_user: spec.validates_user,
            unit_name: spec.unit_name,
            containment: spec.containment,
            env: spec.env,
            kill_signal,
            kill_timeout,
            log_max_files,
            log_file_size,
            state: Mutex::new(state),
            handle: Mutex::new(None),
            tracker: Mutex::new(RestartTracker::new(spec.policy, on_success)),
            logmon: Mutex::new(None),
            sampler: Mutex::new(None),
            last_usage: Mutex::new(None),
            may_start: watch::channel(false).0,
            kill: watch::channel(false).0,
            dead: watch::channel(false).0,
            changed,
        }
    }

    pub(crate) fn state(&self) -> TaskState {
        lock(&self.state).clone()
    }

    /// Lets the task start once its lifecycle stage is reached; stays open.
    pub(crate) fn allow_start(&self) {
        self.may_start.send_if_modified(|open| !std::mem::replace(open, true));
    }

    pub(crate) fn is_dead(&self) -> bool {
        *self.dead.borrow()
    }

    fn notify(&self) {
        self.changed.notify();
    }

    pub(crate) fn emit_event(&self, event: TaskEvent) {
        append_event(&mut lock(&self.state), event);
        self.notify();
    }

    /// `TaskRunner.UpdateState`: the new state, with its start and finish times.
    fn update_state(&self, new_state: &str, event: Option<TaskEvent>) {
        {
            let mut state = lock(&self.state);
            if let Some(event) = event {
                append_event(&mut state, event);
            }
            let now = Some(DateTime::from_unix_nanos(events::now_nanos()));
            match new_state {
                task_state::RUNNING if state.state != task_state::RUNNING => state.started_at = now,
                task_state::DEAD if state.finished_at.is_none() => state.finished_at = now,
                _ => {}
            }
            state.state = new_state.to_string();
            // Only the end of the run loop makes a task dead; flagged under the state lock
            // so nobody sees a dead state with a live loop.
            if new_state == task_state::DEAD {
                self.dead.send_replace(true);
            }
        }
        self.notify();
    }

    /// `TaskRunner.Restore` and the start of `Run` for a task the agent ran before it
    /// restarted: a dead task stays dead; one that should no longer run ends without an
    /// event; one that was running cannot be reattached to (its process died with the agent),
    /// so it waits as pending to be started again. Returns whether the run loop should start.
    pub(crate) fn restore(&self, should_run: bool) -> bool {
        let state = lock(&self.state).state.clone();
        if state == task_state::DEAD {
            self.dead.send_replace(true);
            return false;
        }
        if !should_run {
            self.kill.send_replace(true);
        } else if state == task_state::RUNNING {
            self.update_state(task_state::PENDING, Some(events::restore_failed()));
        }
        true
    }

    /// The task's main loop (`TaskRunner.Run`); returns when the task is dead for good.
    pub(crate) async fn run(self: Arc<Self>) {
        let mut kill = self.kill.subscribe();
        let mut may_start = self.may_start.subscribe();
        let last_event = loop {
            if *kill.borrow_and_update() {
                break None;
            }
            tokio::select! {
                _ = may_start.wait_for(|open| *open) => {}
                _ = killed(&mut kill) => break None,
            }
            match self.start().await {
                Err(event) => {
                    self.emit_event(*event);
                    // Setup and raw_exec driver errors are not recoverable.
                    lock(&self.tracker).set_start_error(false);
                }
                Ok(handle) => {
                    *lock(&self.handle) = Some(handle.clone());
                    *lock(&self.sampler) = Some(ProcessTreeSampler::new(handle.pid()));
                    self.update_state(task_state::RUNNING, Some(events::started()));
                    let result = tokio::select! {
                        r = handle.wait() => r,
                        _ = killed(&mut kill) => self.handle_kill(&handle).await,
                    };
                    self.emit_event(events::terminated(result.exit_code, result.signal, None));
                    // The driver killed the task's unit once the process exited.
                    *lock(&self.handle) = None;
                    lock(&self.tracker).set_exit_result(result.exit_code, result.signal);
                }
            }
            let decision = lock(&self.tracker).state();
            match decision {
                Decision::Killed => break Some(events::killed()),
                Decision::Terminated => break None,
                Decision::NotRestarting(reason) => break Some(events::not_restarting(&reason)),
                Decision::Restart(delay, reason) => {
                    // Nomad shows a task waiting to restart as pending.
                    self.update_state(task_state::PENDING, Some(events::restarting(delay, &reason)));
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = killed(&mut kill) => break None,
                    }
                }
            }
        };
        self.update_state(task_state::DEAD, last_event);
    }

    /// Builds the task directory and logmon once, then launches the process; an error is
    /// the Setup Failure or Driver Failure event to emit.
    async fn start(&self) -> Result<DriverHandle, Box<TaskEvent>> {
        let user = self.task_user();
        // The task's directories are its user's (with the allocation's group).
        let group = self.alloc_dir.user();
        let owner = match &user {
            Ok(TaskUser { credentials: Some(c), .. }) if users::is_root() => Some((c.uid, group.unwrap_or(c.gid))),
            _ => group.map(|g| (g, g)),
        };
        let logs = {
            let mut logmon = lock(&self.logmon);
            match &*logmon {
                Some(l) => l.clone(),
                None => {
                    // `PrestartDone` of the task dir hook survives a restart in Nomad's client state.
                    if !(self.restored && self.task_dir.is_dir()) {
                        self.emit_event(events::building_task_dir());
                    }
                    let setup_failure = |e: String| Box::new(events::setup_failure(&e));
                    self.alloc_dir.build_task_dir(&self.name, owner).map_err(|e| {
                        setup_failure(format!("failed to build task directory for {:?}: {e}", self.name))
                    })?;
                    let l = LogMon::new(&self.alloc_dir.logs_dir(), &self.name, self.log_max_files, self.log_file_size)
                        .map_err(|e| setup_failure(format!("failed to launch logmon: {e}")))?;
                    *logmon = Some(l.clone());
                    l
                }
            }
        };
        let driver_failure = |e: &str| Box::new(events::driver_failure(e));
        // What the executor plugin reports comes back through gRPC.
        let executor_failure = |e: &str| {
            driver_failure(&format!("failed to launch command with executor: rpc error: code = Unknown desc = {e}"))
        };
        let config = self.config.as_ref().map_err(|e| driver_failure(e))?;
        let user = user.map_err(|e| match e {
            UserError::Lookup(users::LookupError::Identify { name, cause }) if self.validates_user => {
                driver_failure(&format!("failed driver config validation: failed to identify user {name:?}: {cause}"))
            }
            UserError::Lookup(e) => executor_failure(&e.to_string()),
            UserError::Denied(uid) => {
                driver_failure(&format!("failed driver config validation: running as uid {uid} is disallowed"))
            }
        })?;
        let unit = self
            .containment
            .unit(&self.unit_name)
            .map_err(|e| executor_failure(&format!("unable to configure cgroups: {e}")))?;
        let mut env = self.env.clone();
        env.extend(user.env.iter().cloned());
        let started = driver::start(config, &self.task_dir, &env, &logs, unit, user.credentials.as_ref()).await;
        *lock(&self.user) = Some(user);
        started.map_err(|e| driver_failure(&e))
    }

    /// Who the task runs as: its `User` (looked up as the executor's `setCmdUser` does, the
    /// allocation's group added), else the allocation's dynamic workload user when the agent
    /// is root, else the agent's user. A root agent runs no task as root: its state and
    /// secrets would be the task's (as if raw_exec had `denied_host_uids = "0"`,
    /// `drivers/shared/validators/validators.go`).
    fn task_user(&self) -> Result<TaskUser, UserError> {
        let group = self.alloc_dir.user();
        if self.user_name.is_empty() {
            let credentials = group.map(Credentials::dynamic);
            let env = credentials.iter().flat_map(Credentials::env).collect();
            return Ok(TaskUser { credentials, env });
        }
        let named = users::lookup(&self.user_name).map_err(UserError::Lookup)?;
        if named.uid == 0 && users::is_root() {
            return Err(UserError::Denied(named.uid));
        }
        let env = named.env().to_vec();
        let credentials = match group {
            Some(group) => Some(named.with_group(group)),
            // Not root: the agent's own user needs no change (and could not set its groups).
            None if named.uid == nix::unistd::geteuid().as_raw() => None,
            None => Some(named),
        };
        Ok(TaskUser { credentials, env })
    }

    /// The environment of the task's processes, its user's variables included.
    pub(crate) fn process_env(&self) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        if let Some(user) = lock(&self.user).as_ref() {
            env.extend(user.env.iter().cloned());
        }
        env.into_iter().collect()
    }

    /// Where an exec session's command runs: in a unit inside the running task's, as its user.
    pub(crate) fn exec_workload(&self) -> Result<Workload, ClientError> {
        let handle = lock(&self.handle).clone().ok_or(ClientError::TaskNotRunning)?;
        let unit = handle.unit().child().map_err(|_| ClientError::TaskNotRunning)?;
        let user = lock(&self.user).as_ref().and_then(|u| u.credentials.clone());
        Ok(Workload { unit, user })
    }

    async fn handle_kill(&self, handle: &DriverHandle) -> ExitResult {
        lock(&self.tracker).set_killed();
        handle.kill(self.kill_signal, self.kill_timeout).await
    }

    /// `TaskRunner.Kill`: emits the event, stops the loop and waits until the task is dead.
    pub(crate) async fn kill(&self, event: Option<TaskEvent>) {
        if let Some(event) = event {
            self.emit_event(event);
        }
        self.kill.send_replace(true);
        let mut dead = self.dead.subscribe();
        let _ = dead.wait_for(|d| *d).await;
    }

    pub(crate) fn killing_event(&self) -> TaskEvent {
        events::killing(self.kill_timeout)
    }

    /// `TaskRunner.Signal`.
    pub(crate) fn signal(&self, name: &str, sig: Signal) -> Result<(), ClientError> {
        let handle = lock(&self.handle).clone().ok_or(ClientError::TaskNotRunning)?;
        self.emit_event(events::signaling(name));
        handle.signal(sig).map_err(ClientError::Driver)
    }

    /// `TaskRunner.Restart`: kills the process and lets the loop start it again at once,
    /// outside the restart policy. With `dead_too` (`RestartAll`), a task that finished
    /// without being killed runs again as well.
    pub(crate) async fn restart(self: &Arc<Self>, event: TaskEvent, dead_too: bool) -> Result<(), ClientError> {
        let handle = lock(&self.handle).clone();
        let Some(handle) = handle else {
            if dead_too && self.is_dead() && !*self.kill.borrow() {
                self.emit_event(event);
                self.dead.send_replace(false);
                tokio::spawn(self.clone().run());
                return Ok(());
            }
            return Err(ClientError::TaskNotRunning);
        };
        self.emit_event(event);
        lock(&self.tracker).set_restart_triggered();
        handle.kill(self.kill_signal, self.kill_timeout).await;
        Ok(())
    }

    /// `TaskRunner.LatestResourceUsage` and `IsRunning`: the process tree's usage sampled now
    /// while it runs, else its last sample (a finished task keeps it); `None` before any.
    pub(crate) fn usage(&self) -> Option<(TaskResourceUsage, bool)> {
        let running = lock(&self.handle).as_ref().is_some_and(|h| h.exited().is_none());
        if running {
            if let Some(sample) = lock(&self.sampler).as_mut().and_then(ProcessTreeSampler::sample) {
                *lock(&self.last_usage) = Some(sample);
            }
        }
        lock(&self.last_usage).clone().map(|u| (u, running))
    }
}

/// Resolves once a kill was asked for (its guard must not live across an await).
async fn killed(kill: &mut watch::Receiver<bool>) {
    let _ = kill.wait_for(|k| *k).await;
}

/// `TaskRunner.appendEvent`: display message, failure, restart count, and the cap of 10.
fn append_event(state: &mut TaskState, mut event: TaskEvent) {
    events::populate_display_message(&mut event);
    if event.fails_task {
        state.failed = true;
    }
    if event.kind == nomad_api::task_event::RESTARTING {
        state.restarts += 1;
        state.last_restart = Some(DateTime::from_unix_nanos(event.time.0));
    }
    if state.events.len() >= MAX_EVENTS {
        let excess = state.events.len() + 1 - MAX_EVENTS;
        state.events.drain(..excess);
    }
    state.events.push(event);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_latest_ten_events_and_counts_restarts() {
        let mut state = TaskState::default();
        append_event(&mut state, events::received());
        for _ in 0..11 {
            append_event(&mut state, events::restarting(Duration::from_secs(1), events::REASON_WITHIN_POLICY));
        }
        append_event(&mut state, events::not_restarting("done"));
        assert_eq!(state.events.len(), MAX_EVENTS);
        assert_eq!(state.events[0].kind, nomad_api::task_event::RESTARTING);
        assert_eq!(state.events.last().unwrap().display_message, "done");
        assert_eq!(state.restarts, 11);
        assert!(state.failed && state.last_restart.is_some());
    }
}
