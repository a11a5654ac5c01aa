//! The client: the allocations this node runs, and the lifecycle requests of
//! `/v1/client/allocation/:id/*` and `/v1/client/*`.

use crate::alloc_runner::{AllocRunner, AllocUpdate};
use crate::config::ClientConfig;
use crate::events;
use crate::signals;
use crate::stats::HostStatsSampler;
use crate::sync::lock;
use crate::task_runner::TaskRunner;
use crate::ClientError;
use caravan_workload::{Containment, Workload};
use nomad_api::{AllocResourceUsage, Allocation, HostStats};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

/// Runs allocations as local processes. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    updates: UnboundedSender<AllocUpdate>,
    allocs: Mutex<BTreeMap<String, Arc<AllocRunner>>>,
    host: Mutex<HostStatsSampler>,
    containment: Arc<Containment>,
}

impl Client {
    /// The receiver yields every change of an allocation's client-side state. Closes the data
    /// directory to tasks (see `prepare_data_dir`) and kills whatever an agent that ran there
    /// before left running (see `caravan_workload::unit`).
    pub fn new(config: ClientConfig) -> (Client, UnboundedReceiver<AllocUpdate>) {
        let (updates, rx) = mpsc::unbounded_channel();
        if let Err(e) = crate::allocdir::prepare_data_dir(&config.data_dir) {
            tracing::warn!(dir = %config.data_dir.display(), error = %e, "cannot set the data directory's modes");
        }
        let containment = Containment::new(&config.data_dir.join("client"));
        let inner = Inner {
            config,
            updates,
            allocs: Mutex::new(BTreeMap::new()),
            host: Mutex::new(HostStatsSampler::new()),
            containment,
        };
        (Client { inner: Arc::new(inner) }, rx)
    }

    fn runner(&self, alloc_id: &str) -> Result<Arc<AllocRunner>, ClientError> {
        lock(&self.inner.allocs)
            .get(alloc_id)
            .cloned()
            .ok_or_else(|| ClientError::UnknownAllocation(alloc_id.to_string()))
    }

    fn task_runner(&self, alloc_id: &str, task: &str) -> Result<Arc<TaskRunner>, ClientError> {
        self.runner(alloc_id)?.task(task).cloned().ok_or_else(|| ClientError::TaskNotFound(task.to_string()))
    }

    /// Builds the allocation directory and starts every task of `alloc.job`'s group
    /// `alloc.task_group`. Must be called within a Tokio runtime. Running an allocation
    /// that is already here does nothing.
    pub fn run(&self, alloc: &Allocation) -> Result<(), ClientError> {
        let runtime = Handle::try_current().map_err(|_| {
            ClientError::Io(std::io::Error::other("allocations run on a Tokio runtime; none is current"))
        })?;
        let mut allocs = lock(&self.inner.allocs);
        if allocs.contains_key(&alloc.id) {
            return Ok(());
        }
        let runner = AllocRunner::new(
            &self.inner.config,
            alloc,
            false,
            self.inner.updates.clone(),
            runtime,
            &self.inner.containment,
        )?;
        runner.start(true)?;
        allocs.insert(alloc.id.clone(), runner);
        Ok(())
    }

    /// Restores an allocation this node ran before the agent restarted (`Client.restoreState`),
    /// from the state the server kept: its directory and logs stay, dead tasks stay dead, and
    /// tasks that were running are started again (their processes died with the agent; what
    /// was left of them was killed when this client started). With `should_run` false (stopped by the server or
    /// finished), nothing runs, and an allocation whose directory was collected stays gone.
    /// Call it before the allocations are watched; restoring one that is here does nothing.
    pub async fn restore(&self, alloc: &Allocation, should_run: bool) -> Result<(), ClientError> {
        let runtime = Handle::try_current().map_err(|_| {
            ClientError::Io(std::io::Error::other("allocations run on a Tokio runtime; none is current"))
        })?;
        if lock(&self.inner.allocs).contains_key(&alloc.id) {
            return Ok(());
        }
        let runner = AllocRunner::new(
            &self.inner.config,
            alloc,
            true,
            self.inner.updates.clone(),
            runtime,
            &self.inner.containment,
        )?;
        if !should_run && !runner.alloc_dir.root().is_dir() {
            return Ok(());
        }
        runner.start(should_run)?;
        lock(&self.inner.allocs).insert(alloc.id.clone(), runner);
        Ok(())
    }

    /// Kills every task (its KillSignal, SIGINT by default as Nomad; SIGKILL after its
    /// KillTimeout); resolves when all are dead. A terminal allocation is left as it is.
    pub async fn stop(&self, alloc_id: &str) -> Result<(), ClientError> {
        let runner = self.runner(alloc_id)?;
        if !runner.is_terminal() {
            runner.kill_tasks(false).await;
        }
        Ok(())
    }

    /// Sends a signal by name (`SIGUSR1`) to one task, or to every task.
    pub async fn signal(&self, alloc_id: &str, task: Option<&str>, signal: &str) -> Result<(), ClientError> {
        let runner = self.runner(alloc_id)?;
        let sig = signals::parse(signal).ok_or_else(|| ClientError::InvalidSignal(signal.to_string()))?;
        if let Some(task) = task.filter(|t| !t.is_empty()) {
            let tr = runner.task(task).ok_or_else(|| ClientError::TaskNotFound(task.to_string()))?;
            return tr.signal(signal, sig);
        }
        let errors: Vec<String> = runner
            .tasks
            .iter()
            .filter_map(|(name, tr)| {
                tr.signal(signal, sig).err().map(|e| format!("Failed to signal task: {name}, err: {e}"))
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ClientError::Multiple(errors))
        }
    }

    /// Restarts one task, or every running task, in place; resolves once the old
    /// processes are gone. Does not count against the restart policy.
    pub async fn restart(&self, alloc_id: &str, task: Option<&str>) -> Result<(), ClientError> {
        let runner = self.runner(alloc_id)?;
        if let Some(task) = task.filter(|t| !t.is_empty()) {
            let tr = runner.task(task).ok_or_else(|| ClientError::TaskRunnerNotFound(task.to_string()))?;
            return tr.restart(events::restart_signaled("User requested task to restart"), false).await;
        }
        restart_tasks(&runner, "User requested running tasks to restart", false).await
    }

    /// Restarts every task, the ones that have finished too (`AllTasks` of the request).
    pub async fn restart_all_tasks(&self, alloc_id: &str) -> Result<(), ClientError> {
        let runner = self.runner(alloc_id)?;
        restart_tasks(&runner, "User requested all tasks to restart", true).await
    }

    /// Only for an allocation whose tasks are all dead: removes its directory and forgets it.
    pub async fn gc(&self, alloc_id: &str) -> Result<(), ClientError> {
        let runner = {
            let mut allocs = lock(&self.inner.allocs);
            let runner = allocs.get(alloc_id).ok_or_else(|| ClientError::UnknownAllocation(alloc_id.to_string()))?;
            if !runner.all_dead() {
                return Err(ClientError::NotEligibleForGc);
            }
            let runner = runner.clone();
            allocs.remove(alloc_id);
            runner
        };
        let dir = runner.alloc_dir.clone();
        tokio::task::spawn_blocking(move || dir.destroy())
            .await
            .map_err(|e| ClientError::Io(std::io::Error::other(e)))??;
        Ok(())
    }

    /// GC of every allocation whose tasks are all dead (`/v1/client/gc`).
    pub async fn gc_all(&self) -> Result<(), ClientError> {
        let dead: Vec<String> =
            lock(&self.inner.allocs).iter().filter(|(_, r)| r.all_dead()).map(|(id, _)| id.clone()).collect();
        for id in dead {
            match self.gc(&id).await {
                // Collected or restarted meanwhile: nothing left to do for it.
                Ok(()) | Err(ClientError::UnknownAllocation(_)) | Err(ClientError::NotEligibleForGc) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// `AllocGarbageCollector.keepUsageBelowThreshold` (client/gc.go) for its allocation
    /// count: while the client holds more than `max_allocs` allocations (`gc_max_allocs`),
    /// the directory of the allocation that finished first among those whose tasks are all
    /// dead is removed and the allocation forgotten (the server keeps it until its own GC).
    /// Running allocations are never collected, however many there are. Returns the
    /// allocations collected.
    pub async fn collect_beyond(&self, max_allocs: usize) -> Result<Vec<String>, ClientError> {
        let (held, mut dead) = {
            let allocs = lock(&self.inner.allocs);
            if allocs.len() <= max_allocs {
                return Ok(Vec::new());
            }
            let dead: Vec<(i64, String)> = allocs
                .iter()
                .filter(|(_, r)| r.all_dead())
                .map(|(id, r)| {
                    // When it was marked for collection: its last task's finish.
                    let finished = r.snapshot().task_states.values().filter_map(|t| t.finished_at.map(|f| f.0)).max();
                    (finished.unwrap_or(0), id.clone())
                })
                .collect();
            (allocs.len(), dead)
        };
        dead.sort();
        let mut collected = Vec::new();
        for (_, id) in dead.into_iter().take(held.saturating_sub(max_allocs)) {
            match self.gc(&id).await {
                Ok(()) => collected.push(id),
                // Collected or restarted meanwhile.
                Err(ClientError::UnknownAllocation(_)) | Err(ClientError::NotEligibleForGc) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(collected)
    }

    /// `Client.removeAlloc`: the server collected the allocation, so the client destroys it
    /// at once (its tasks killed if any still run, its directory removed).
    pub async fn remove(&self, alloc_id: &str) -> Result<(), ClientError> {
        self.stop(alloc_id).await?;
        self.gc(alloc_id).await
    }

    /// Resource usage of the allocation's tasks, or of `task` alone (a task it does not have
    /// leaves it empty); a finished task's last sample included, summed over the running tasks
    /// only when `running_only` (Nomad 1.11.2 and later).
    pub fn alloc_stats(
        &self,
        alloc_id: &str,
        task: Option<&str>,
        running_only: bool,
    ) -> Result<AllocResourceUsage, ClientError> {
        Ok(self.runner(alloc_id)?.stats(task, running_only))
    }

    /// Host CPU (averaged over at least the last second), memory, disk and uptime.
    pub fn host_stats(&self) -> HostStats {
        lock(&self.inner.host).sample(&self.inner.config.data_dir)
    }

    pub fn alloc_dir(&self, alloc_id: &str) -> Result<PathBuf, ClientError> {
        Ok(self.runner(alloc_id)?.alloc_dir.root().to_path_buf())
    }

    /// The task's directory, `<alloc_dir>/<task>` (its working directory).
    pub fn task_dir(&self, alloc_id: &str, task: &str) -> Result<PathBuf, ClientError> {
        Ok(self.task_runner(alloc_id, task)?.task_dir.clone())
    }

    /// The environment the task's processes get.
    pub fn task_env(&self, alloc_id: &str, task: &str) -> Result<Vec<(String, String)>, ClientError> {
        Ok(self.task_runner(alloc_id, task)?.process_env())
    }

    /// Where an exec session's command runs and as whom: inside the running task's unit (so it
    /// dies with the task, hence with the allocation and the agent), as the task's user.
    pub fn exec_workload(&self, alloc_id: &str, task: &str) -> Result<Workload, ClientError> {
        self.task_runner(alloc_id, task)?.exec_workload()
    }

    /// What contains tasks and exec sessions: `"cgroup"` or `"session"`.
    pub fn containment_kind(&self) -> &'static str {
        self.inner.containment.kind()
    }

    /// The allocation's current client status and task states.
    pub fn alloc_state(&self, alloc_id: &str) -> Result<AllocUpdate, ClientError> {
        Ok(self.runner(alloc_id)?.snapshot())
    }

    /// Shuts down every task (agent exit), poststop tasks included, without GC.
    pub async fn shutdown(&self) {
        let runners: Vec<_> = lock(&self.inner.allocs).values().filter(|r| !r.all_dead()).cloned().collect();
        let kills: Vec<_> =
            runners.into_iter().map(|r| tokio::spawn(async move { r.kill_tasks(true).await })).collect();
        for killed in kills {
            let _ = killed.await;
        }
    }
}

/// `allocRunner.restartTasks`: every task at once; tasks that are not running are skipped.
async fn restart_tasks(runner: &AllocRunner, reason: &str, dead_too: bool) -> Result<(), ClientError> {
    if runner.is_terminal() {
        return Err(ClientError::AllocShouldNotRun);
    }
    let restarts: Vec<_> = runner
        .tasks
        .iter()
        .map(|(name, tr)| {
            let (name, tr, event) = (name.clone(), tr.clone(), events::restart_signaled(reason));
            tokio::spawn(async move {
                match tr.restart(event, dead_too).await {
                    Ok(()) | Err(ClientError::TaskNotRunning) => None,
                    Err(e) => Some(format!("failed to restart task {name}: {e}")),
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    for restart in restarts {
        if let Ok(Some(e)) = restart.await {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ClientError::Multiple(errors))
    }
}
