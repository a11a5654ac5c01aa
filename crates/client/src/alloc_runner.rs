//! One allocation, as Nomad's `allocRunner`: its directory, its task runners, its client
//! status, and killing the other tasks when one fails or the leader dies.

use crate::allocdir::{check_name, AllocDir};
use crate::config::ClientConfig;
use crate::coordinator::{self, Stage};
use crate::driver::RawExecConfig;
use crate::env::TaskEnv;
use crate::events;
use crate::restarts::default_policy;
use crate::sync::{lock, state_changes};
use crate::task_runner::{TaskRunner, TaskSpec};
use crate::ClientError;
use caravan_workload::Containment;
use nomad_api::{client_status, task_state, AllocResourceUsage, Allocation, DateTime, TaskState};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::runtime::Handle;
use tokio::sync::mpsc::UnboundedSender;

/// A change of an allocation's client-side state.
#[derive(Debug, Clone)]
pub struct AllocUpdate {
    pub alloc_id: String,
    pub client_status: String,
    pub client_description: String,
    pub task_states: BTreeMap<String, TaskState>,
}

pub(crate) struct AllocRunner {
    pub(crate) id: String,
    pub(crate) alloc_dir: AllocDir,
    pub(crate) tasks: BTreeMap<String, Arc<TaskRunner>>,
    updates: UnboundedSender<AllocUpdate>,
    /// Serializes snapshots so updates leave in the order the states changed; holds the
    /// last client status sent.
    status: Mutex<String>,
    /// Set once the tasks are being killed because a task failed or the leader died.
    killing_siblings: AtomicBool,
    runtime: Handle,
}

impl AllocRunner {
    /// `restored`: the allocation ran before the agent restarted; its tasks start from the
    /// task states it had then.
    pub(crate) fn new(
        config: &ClientConfig,
        alloc: &Allocation,
        restored: bool,
        updates: UnboundedSender<AllocUpdate>,
        runtime: Handle,
        containment: &Arc<Containment>,
    ) -> Result<Arc<AllocRunner>, ClientError> {
        check_name("allocation", &alloc.id).map_err(ClientError::InvalidAllocation)?;
        let job = alloc.job.as_ref().ok_or_else(|| ClientError::InvalidAllocation("allocation has no job".into()))?;
        let group = job.task_groups.iter().find(|g| g.name == alloc.task_group).ok_or_else(|| {
            ClientError::InvalidAllocation(format!("failed to lookup task group {:?}", alloc.task_group))
        })?;
        if group.tasks.is_empty() {
            return Err(ClientError::InvalidAllocation(format!("task group {:?} has no tasks", group.name)));
        }
        let alloc_dir = AllocDir::new(&config.data_dir, &alloc.id);
        let policy = group.restart_policy.clone().unwrap_or_else(|| default_policy(&job.kind));
        let mut specs = Vec::new();
        for (i, task) in group.tasks.iter().enumerate() {
            check_name("task", &task.name).map_err(ClientError::InvalidAllocation)?;
            if group.tasks[..i].iter().any(|t| t.name == task.name) {
                return Err(ClientError::InvalidAllocation(format!("duplicate task name {:?}", task.name)));
            }
            let env = TaskEnv::build(config, alloc, job, group, task, &alloc_dir);
            let driver_config = RawExecConfig::parse(&task.config).map(|c| RawExecConfig {
                command: env.interpolate(&c.command),
                args: c.args.iter().map(|a| env.interpolate(a)).collect(),
            });
            specs.push(TaskSpec {
                task: task.clone(),
                job_type: job.kind.clone(),
                policy: policy.clone(),
                env: env.vars,
                config: driver_config,
                restored: restored.then(|| alloc.task_states.get(&task.name).cloned()).flatten(),
                unit_name: format!("{}.{}", alloc.id, task.name),
                validates_user: config.nomad_version.raw_exec_validates_user(),
                containment: containment.clone(),
            });
        }
        let (changed, mut changes) = state_changes();
        let runner = Arc::new(AllocRunner {
            id: alloc.id.clone(),
            tasks: specs
                .into_iter()
                .map(|s| (s.task.name.clone(), Arc::new(TaskRunner::new(s, alloc_dir.clone(), changed.clone()))))
                .collect(),
            alloc_dir,
            updates,
            status: Mutex::new(String::new()),
            killing_siblings: AtomicBool::new(false),
            runtime,
        });
        // The task runners report their changes here. The loop holds the allocation weakly:
        // the task runners it owns hold the channel open, so a strong hold would keep both
        // alive forever; once the allocation is dropped, its task runners and the channel go.
        let me = Arc::downgrade(&runner);
        runner.runtime.spawn(async move {
            while changes.changed().await {
                match me.upgrade() {
                    Some(runner) => runner.task_state_updated(),
                    None => break,
                }
            }
        });
        Ok(runner)
    }

    /// Builds the allocation directory and starts every task that is not dead; with
    /// `should_run` false (the server stopped the allocation), they end at once.
    pub(crate) fn start(self: &Arc<Self>, should_run: bool) -> Result<(), ClientError> {
        self.alloc_dir.build()?;
        let run: Vec<_> = self.tasks.values().filter(|tr| tr.restore(should_run)).cloned().collect();
        self.task_state_updated();
        for tr in run {
            self.runtime.spawn(tr.run());
        }
        Ok(())
    }

    pub(crate) fn task_states(&self) -> BTreeMap<String, TaskState> {
        self.tasks.iter().map(|(n, tr)| (n.clone(), tr.state())).collect()
    }

    /// The task states and the client status they make (`allocRunner.clientAlloc`).
    pub(crate) fn snapshot(&self) -> AllocUpdate {
        let mut task_states = self.task_states();
        let (status, description) = client_status_of(&task_states);
        if status == client_status::COMPLETE || status == client_status::FAILED {
            // Every task of a terminal allocation has a finish time.
            let now = DateTime::from_unix_nanos(events::now_nanos());
            for s in task_states.values_mut() {
                s.finished_at.get_or_insert(now);
            }
        }
        AllocUpdate {
            alloc_id: self.id.clone(),
            client_status: status.to_string(),
            client_description: description.to_string(),
            task_states,
        }
    }

    /// `allocRunner.handleTaskStateUpdates`: reports the allocation's state, lets tasks
    /// start as their lifecycle stage comes, and kills the live tasks once a task failed,
    /// the leader died, or only sidecars are left.
    pub(crate) fn task_state_updated(self: &Arc<Self>) {
        let mut last_status = lock(&self.status);
        let update = self.snapshot();
        let lifecycles: Vec<_> = self.tasks.iter().map(|(n, tr)| (n.as_str(), tr.lifecycle)).collect();
        for (tr, may_start) in self.tasks.values().zip(coordinator::may_start(&lifecycles, &update.task_states)) {
            if may_start {
                tr.allow_start();
            }
        }
        let mut kill_event = None;
        let mut live = Vec::new();
        for (name, tr) in &self.tasks {
            let state = &update.task_states[name];
            if tr.lifecycle.stage == Stage::Poststop {
                continue;
            }
            if state.state != task_state::DEAD {
                live.push(tr.clone());
            } else if state.failed {
                kill_event.get_or_insert_with(|| events::sibling_failed(name));
            } else if tr.leader {
                kill_event = Some(events::leader_dead());
            }
        }
        let has_sidecars = self.tasks.values().any(|tr| tr.lifecycle.sidecar);
        if kill_event.is_none() && has_sidecars && !live.is_empty() && live.iter().all(|tr| tr.lifecycle.sidecar) {
            kill_event = Some(events::main_dead());
        }
        if let Some(event) = kill_event {
            if !live.is_empty() && !self.killing_siblings.swap(true, Ordering::SeqCst) {
                let me = self.clone();
                // Emitting re-enters this function: do it outside the lock, on the runtime.
                self.runtime.spawn(async move {
                    for tr in &live {
                        tr.emit_event(event.clone());
                    }
                    me.kill_tasks(false).await;
                });
            }
        }
        last_status.clone_from(&update.client_status);
        let _ = self.updates.send(update);
    }

    pub(crate) fn is_terminal(&self) -> bool {
        let status = lock(&self.status);
        *status == client_status::COMPLETE || *status == client_status::FAILED
    }

    pub(crate) fn all_dead(&self) -> bool {
        self.tasks.values().all(|tr| tr.is_dead())
    }

    /// `allocRunner.killTasks`: the leader first, then the other tasks together, then the
    /// sidecars. Poststop tasks are left to run after the others, unless `poststop_too`
    /// (the agent is going away).
    pub(crate) async fn kill_tasks(&self, poststop_too: bool) {
        let poststop = |tr: &TaskRunner| tr.lifecycle.stage == Stage::Poststop;
        if let Some(leader) = self.tasks.values().find(|tr| tr.leader && !poststop(tr)) {
            leader.kill(Some(leader.killing_event())).await;
        }
        // Waves: the main tasks, then the sidecars, then (at agent exit) the poststop tasks.
        let in_wave = |tr: &TaskRunner, wave: usize| match wave {
            0 => !tr.leader && !poststop(tr) && !tr.lifecycle.sidecar,
            1 => !tr.leader && !poststop(tr) && tr.lifecycle.sidecar,
            _ => poststop_too && poststop(tr),
        };
        for wave in 0..3 {
            let kills: Vec<_> = self
                .tasks
                .values()
                .filter(|tr| in_wave(tr, wave))
                .cloned()
                .map(|tr| self.runtime.spawn(async move { tr.kill(Some(tr.killing_event())).await }))
                .collect();
            for killed in kills {
                let _ = killed.await;
            }
        }
    }

    pub(crate) fn task(&self, name: &str) -> Option<&Arc<TaskRunner>> {
        self.tasks.get(name)
    }

    /// `allocRunner.LatestAllocStats`: every task that has reported usage (only `task` when
    /// given), summed into the allocation's (only the running ones when `running_only`, as from
    /// Nomad 1.11.2).
    pub(crate) fn stats(&self, task: Option<&str>, running_only: bool) -> AllocResourceUsage {
        let mut usage = AllocResourceUsage::empty();
        for (name, tr) in self.tasks.iter().filter(|(name, _)| task.is_none_or(|t| t == name.as_str())) {
            if let Some((u, running)) = tr.usage() {
                if running || !running_only {
                    usage.add(&u);
                }
                usage.tasks.insert(name.clone(), u);
            }
        }
        usage
    }
}

/// `getClientStatus`.
fn client_status_of(states: &BTreeMap<String, TaskState>) -> (&'static str, &'static str) {
    let has = |pred: &dyn Fn(&TaskState) -> bool| states.values().any(pred);
    if has(&|s| s.state == task_state::DEAD && s.failed) {
        (client_status::FAILED, "Failed tasks")
    } else if has(&|s| s.state == task_state::RUNNING) {
        (client_status::RUNNING, "Tasks are running")
    } else if has(&|s| s.state == task_state::PENDING) {
        (client_status::PENDING, "No tasks have started")
    } else if has(&|s| s.state == task_state::DEAD) {
        (client_status::COMPLETE, "All tasks have completed")
    } else {
        ("", "")
    }
}
