//! Allocations: `/v1/allocations`, `/v1/allocation/:id` and the lifecycle request bodies.

use crate::duration::GoDuration;
use crate::job::{Job, TaskLifecycle};
use crate::resources::{NetworkResource, Resources};
use crate::serde_util::{nullable, nullable_values, optional_nullable_values, shared_nullable_values};
use crate::time::{self, DateTime, NanoTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `ClientStatus` values.
pub mod client_status {
    /// `pending`: placed, but the client has not started every task yet.
    pub const PENDING: &str = "pending";
    /// `running`: the client is running the allocation's tasks.
    pub const RUNNING: &str = "running";
    /// `complete`: every task finished successfully; terminal.
    pub const COMPLETE: &str = "complete";
    /// `failed`: a task failed beyond its restart policy; terminal.
    pub const FAILED: &str = "failed";
    /// `lost`: its node went down (or was disconnected too long); terminal.
    pub const LOST: &str = "lost";
    /// `unknown`: its node is disconnected and it may still be running (`disconnect` /
    /// `max_client_disconnect`).
    pub const UNKNOWN: &str = "unknown";
}

/// `DesiredStatus` values.
pub mod desired_status {
    /// `run`: the scheduler wants the allocation running.
    pub const RUN: &str = "run";
    /// `stop`: the scheduler wants it stopped (job stopped or updated, group scaled down, alloc
    /// stopped).
    pub const STOP: &str = "stop";
    /// `evict`: stopped to make room for another allocation (preemption).
    pub const EVICT: &str = "evict";
}

/// An entry of `/v1/allocations` (Nomad's `AllocListStub`).
///
/// `T` is what each task's state is read as: the whole [`TaskState`] by default, or
/// [`TaskRestarts`] for a list that only counts restarts and need not carry (or, in the
/// dashboard's wasm, compile) the decoder of every task's state and events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "AllocListStub", rename_all = "PascalCase", default)]
#[serde(bound(deserialize = "T: Default + Deserialize<'de>"))]
pub struct AllocationListStub<T = TaskState> {
    /// The allocation's UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// UUID of the evaluation that placed or last updated the allocation.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// `<job>.<group>[<index>]`, e.g. `web.frontend[0]`.
    pub name: String,
    /// Namespace of the allocation's job.
    pub namespace: String,
    /// UUID of the node the allocation is placed on.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Name of that node.
    pub node_name: String,
    /// ID of the allocation's job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job's type: `service`, `batch`, `system` or `sysbatch`.
    pub job_type: String,
    /// Version of the job the allocation runs.
    pub job_version: u64,
    /// Name of the task group the allocation runs.
    pub task_group: String,
    /// What the scheduler gave the allocation's tasks and group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocated_resources: Option<AllocatedResources>,
    /// What the scheduler wants: see [`desired_status`].
    pub desired_status: String,
    /// Why the scheduler wants that status (e.g. `alloc is being updated due to job update`);
    /// often empty.
    pub desired_description: String,
    /// What the client reports: see [`client_status`].
    pub client_status: String,
    /// The client's explanation of its status (e.g. `Tasks are running`); often empty.
    pub client_description: String,
    /// Transitions the servers have marked for the allocation (migrate, reschedule...); all
    /// unset by default.
    #[serde(deserialize_with = "nullable")]
    pub desired_transition: DesiredTransition,
    /// `null` when listed with `task_states=false` and before the client reports.
    #[serde(deserialize_with = "optional_nullable_values", skip_serializing_if = "Option::is_none")]
    pub task_states: Option<BTreeMap<String, T>>,
    /// Health within the deployment that placed it; `null` outside a deployment.
    pub deployment_status: Option<AllocDeploymentStatus>,
    /// The evaluation that will reschedule this failed allocation once its delay passes; empty
    /// otherwise.
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// Since 1.6.0; before, read the full allocation.
    pub next_allocation: String,
    /// The reschedules that led to this allocation; `null` when it replaces none.
    pub reschedule_tracker: Option<RescheduleTracker>,
    /// IDs of the allocations this one preempted.
    #[serde(deserialize_with = "nullable")]
    pub preempted_allocations: Vec<String>,
    /// ID of the allocation that preempted this one; empty when none did.
    pub preempted_by_allocation: String,
    /// Raft index at which the allocation was created.
    pub create_index: u64,
    /// Raft index of the allocation's last change.
    pub modify_index: u64,
    /// When the allocation was created, Unix nanoseconds.
    pub create_time: NanoTime,
    /// When the allocation last changed, Unix nanoseconds.
    pub modify_time: NanoTime,
}

/// A full allocation, `/v1/allocation/:id`. Nomad leaves out every empty field of it
/// (`_struct codec:",omitempty"`), so any field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Allocation {
    /// The allocation's UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace of the allocation's job.
    pub namespace: String,
    /// UUID of the evaluation that placed or last updated the allocation.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// `<job>.<group>[<index>]`, e.g. `web.frontend[0]`.
    pub name: String,
    /// UUID of the node the allocation is placed on.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Name of that node.
    pub node_name: String,
    /// ID of the allocation's job.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job as it was when the allocation was placed or last updated.
    pub job: Option<std::sync::Arc<Job>>,
    /// Name of the task group the allocation runs.
    pub task_group: String,
    /// Pre-0.9 resources; still sent by Nomad for compatibility.
    pub resources: Option<Resources>,
    /// Pre-0.9 resources shared by the group's tasks (ephemeral disk, group networks).
    pub shared_resources: Option<Resources>,
    /// Pre-0.9 resources per task name. Shared: every allocation a placement makes of one
    /// group holds the same map (100,000 allocations would otherwise hold 100,000 copies).
    #[serde(deserialize_with = "shared_nullable_values")]
    pub task_resources: Arc<BTreeMap<String, Resources>>,
    /// What the scheduler gave the allocation's tasks and group; shared as `TaskResources`.
    pub allocated_resources: Option<Arc<AllocatedResources>>,
    /// How the scheduler chose the node (nodes evaluated, filtered, scores).
    pub metrics: Option<AllocMetric>,
    /// What the scheduler wants: see [`desired_status`].
    pub desired_status: String,
    /// Why the scheduler wants that status (e.g. `alloc is being updated due to job update`).
    pub desired_description: String,
    /// Transitions the servers have marked for the allocation (migrate, reschedule...); all
    /// unset by default.
    #[serde(deserialize_with = "nullable")]
    pub desired_transition: DesiredTransition,
    /// What the client reports: see [`client_status`].
    pub client_status: String,
    /// The client's explanation of its status (e.g. `Tasks are running`).
    pub client_description: String,
    /// Per task name, its state as the client reports it; empty until the client first reports.
    #[serde(deserialize_with = "nullable_values")]
    pub task_states: BTreeMap<String, TaskState>,
    /// Health within the deployment that placed it; `None` outside a deployment.
    pub deployment_status: Option<AllocDeploymentStatus>,
    /// UUID of the deployment that placed it; empty outside a deployment.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// ID of the allocation this one replaces (rescheduled or updated); empty when none.
    pub previous_allocation: String,
    /// ID of the allocation that replaced this one; empty when none.
    pub next_allocation: String,
    /// The reschedules that led to this allocation; `None` when it replaces none.
    pub reschedule_tracker: Option<RescheduleTracker>,
    /// The evaluation that will reschedule this failed allocation once its delay passes; empty
    /// otherwise.
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// IDs of the allocations this one preempted.
    #[serde(deserialize_with = "nullable")]
    pub preempted_allocations: Vec<String>,
    /// ID of the allocation that preempted this one; empty when none did.
    pub preempted_by_allocation: String,
    /// Raft index at which the allocation was created.
    pub create_index: u64,
    /// Raft index of the allocation's last change, by a server or a client update.
    pub modify_index: u64,
    /// Raft index of the last change made by a server; client status updates leave it alone.
    pub alloc_modify_index: u64,
    /// When the allocation was created, Unix nanoseconds.
    pub create_time: NanoTime,
    /// When the allocation last changed, Unix nanoseconds.
    pub modify_time: NanoTime,
}

/// `TaskState.State` values.
pub mod task_state {
    /// `pending`: waiting to start, or to restart.
    pub const PENDING: &str = "pending";
    /// `running`: the task is running.
    pub const RUNNING: &str = "running";
    /// `dead`: stopped for good; `Failed` tells whether it failed.
    pub const DEAD: &str = "dead";
}

/// A task's state as its client reports it (`TaskState`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskState {
    /// One of [`task_state`].
    pub state: String,
    /// Whether the task failed; set once it is dead after a failure.
    pub failed: bool,
    /// How many times the client has restarted the task.
    pub restarts: u64,
    /// When the task last restarted; `None` if it never did.
    #[serde(with = "time::optional")]
    pub last_restart: Option<DateTime>,
    /// When the task last started; `None` until it does.
    #[serde(with = "time::optional")]
    pub started_at: Option<DateTime>,
    /// When the task died; `None` while it is not dead.
    #[serde(with = "time::optional")]
    pub finished_at: Option<DateTime>,
    /// Nomad keeps the latest 10 events per task.
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<TaskEvent>,
}

/// The part of a [`TaskState`] a list of allocations shows: its restarts
/// (`AllocationListStub<TaskRestarts>`). Every other field of the state, and its events, are
/// skipped unread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "TaskState", rename_all = "PascalCase", default)]
pub struct TaskRestarts {
    /// How many times the client has restarted the task.
    pub restarts: u64,
}

/// `TaskEvent.Type` values, as Nomad names them.
pub mod task_event {
    /// The task could not be set up (`SetupError`).
    pub const SETUP_FAILURE: &str = "Setup Failure";
    /// The driver could not start the task (`DriverError`).
    pub const DRIVER_FAILURE: &str = "Driver Failure";
    /// The client received the task.
    pub const RECEIVED: &str = "Received";
    /// The task is invalid, so it was not run.
    pub const FAILED_VALIDATION: &str = "Failed Validation";
    /// The task started and is running.
    pub const STARTED: &str = "Started";
    /// The task exited (`ExitCode`, `Signal`).
    pub const TERMINATED: &str = "Terminated";
    /// The client is killing the task (`KillTimeout`).
    pub const KILLING: &str = "Killing";
    /// The task was killed.
    pub const KILLED: &str = "Killed";
    /// The task exited and will be restarted after `StartDelay`.
    pub const RESTARTING: &str = "Restarting";
    /// The task failed and exhausted its restart policy, so it stays dead.
    pub const NOT_RESTARTING: &str = "Not Restarting";
    /// The task was asked to restart (`nomad alloc restart`, a template change...).
    pub const RESTART_SIGNAL: &str = "Restart Signaled";
    /// A signal is being sent to the task (`TaskSignal`, `TaskSignalReason`).
    pub const SIGNALING: &str = "Signaling";
    /// A sibling task of the group failed, so this one is stopped (`FailedSibling`).
    pub const SIBLING_FAILED: &str = "Sibling Task Failed";
    /// The group's leader task finished, so this one is stopped.
    pub const LEADER_DEAD: &str = "Leader Task Dead";
    /// The group's main tasks finished, so this sidecar is stopped.
    pub const MAIN_DEAD: &str = "Main Tasks Dead";
    /// An informational message of the driver (`DriverMessage`).
    pub const DRIVER_MESSAGE: &str = "Driver";
    /// The task is being set up.
    pub const TASK_SETUP: &str = "Task Setup";
    /// The client is building the task directory.
    pub const BUILDING_TASK_DIR: &str = "Building Task Directory";
    /// The client is downloading the task's artifacts.
    pub const DOWNLOADING_ARTIFACTS: &str = "Downloading Artifacts";
    /// An artifact failed to download (`DownloadError`).
    pub const ARTIFACT_DOWNLOAD_FAILED: &str = "Failed Artifact Download";
    /// `TaskRestoreFailed`: a restarted client could not reattach to the task.
    pub const RESTORE_FAILED: &str = "Failed Restoring Task";
}

/// One entry of a task's event timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskEvent {
    /// What happened: one of [`task_event`].
    #[serde(rename = "Type")]
    pub kind: String,
    /// When it happened, Unix nanoseconds.
    pub time: NanoTime,
    /// Text explaining the event, when it has one (e.g. why the task terminated).
    pub message: String,
    /// The human-friendly description Nomad builds from the type and details, as its UI shows it.
    pub display_message: String,
    /// The event's annotations as strings (`exit_code`, `signal`, `kill_timeout`,
    /// `restart_reason`...).
    #[serde(deserialize_with = "nullable")]
    pub details: BTreeMap<String, String>,
    /// Whether this event fails the task (deprecated: `Details["fails_task"]`).
    pub fails_task: bool,
    /// Why the task is or is not restarted (deprecated: `Details["restart_reason"]`).
    pub restart_reason: String,
    /// Why the task could not be set up (deprecated: `Details["setup_error"]`).
    pub setup_error: String,
    /// The driver's error starting the task (deprecated: `Details["driver_error"]`).
    pub driver_error: String,
    /// The driver action being taken (deprecated: `Details["driver_message"]`).
    pub driver_message: String,
    /// The task's exit code (deprecated: `Details["exit_code"]`).
    pub exit_code: i64,
    /// The signal that terminated the task, 0 for none (deprecated: `Details["signal"]`).
    pub signal: i64,
    /// Why the task was killed (deprecated: `Details["kill_reason"]`).
    pub kill_reason: String,
    /// How long the client waits after the kill signal before forcing the kill, nanoseconds.
    pub kill_timeout: GoDuration,
    /// The error killing the task (deprecated: `Details["kill_error"]`).
    pub kill_error: String,
    /// How long before the task restarts, nanoseconds (deprecated: `Details["start_delay"]`).
    pub start_delay: GoDuration,
    /// The error downloading an artifact (deprecated: `Details["download_error"]`).
    pub download_error: String,
    /// Why the task failed validation (deprecated: `Details["validation_error"]`).
    pub validation_error: String,
    /// The maximum task disk size that was exceeded (deprecated: `Details["disk_limit"]`).
    pub disk_limit: i64,
    /// The sibling task whose failure stopped this one (deprecated: `Details["failed_sibling"]`).
    pub failed_sibling: String,
    /// The Vault token renewal error (deprecated: `Details["vault_renewal_error"]`).
    pub vault_error: String,
    /// Why the task is being signalled (deprecated: `Details["task_signal_reason"]`).
    pub task_signal_reason: String,
    /// The signal sent to the task (deprecated: `Details["task_signal"]`).
    pub task_signal: String,
    /// The source of a message; deprecated, redundant with the type.
    pub generic_source: String,
}

/// The reschedules that led to an allocation (`RescheduleTracker`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RescheduleTracker {
    /// One per reschedule attempt, oldest first, carried from each replaced allocation to the next.
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<RescheduleEvent>,
}

/// One reschedule attempt (`RescheduleEvent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RescheduleEvent {
    /// When the reschedule happened, Unix nanoseconds.
    pub reschedule_time: NanoTime,
    /// ID of the allocation that was replaced.
    #[serde(rename = "PrevAllocID")]
    pub prev_alloc_id: String,
    /// ID of the node the replaced allocation was on.
    #[serde(rename = "PrevNodeID")]
    pub prev_node_id: String,
    /// The delay applied before this reschedule, nanoseconds.
    pub delay: GoDuration,
}

/// What the servers want to happen to an allocation (`DesiredTransition`); `None` is unset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DesiredTransition {
    /// The allocation should move off its node (its node is draining).
    pub migrate: Option<bool>,
    /// The allocation may be rescheduled although not automatically eligible (e.g. in a
    /// deployment).
    pub reschedule: Option<bool>,
    /// The allocation must be rescheduled even if its reschedule policy would not allow it.
    pub force_reschedule: Option<bool>,
    /// Stop it without waiting for the group's `shutdown_delay`.
    pub no_shutdown_delay: Option<bool>,
    /// Since 1.11.0.
    pub migrate_disable_placement: Option<bool>,
}

/// The allocation's health within its deployment (`AllocDeploymentStatus`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocDeploymentStatus {
    /// `None` until health is decided, then whether the allocation became healthy.
    pub healthy: Option<bool>,
    /// When the health was set; `None` before.
    #[serde(with = "time::optional")]
    pub timestamp: Option<DateTime>,
    /// Whether the allocation is a canary of the deployment.
    pub canary: bool,
    /// Raft index of the last change to this status.
    pub modify_index: u64,
}

/// Scheduling metrics of the placement (`Metrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocMetric {
    /// How many nodes the scheduler evaluated.
    pub nodes_evaluated: u64,
    /// How many nodes were filtered out by constraints.
    pub nodes_filtered: u64,
    /// Since 1.6.0.
    pub nodes_in_pool: u64,
    /// Since 1.10.4.
    pub node_pool: String,
    /// Per datacenter, the nodes available for evaluation.
    #[serde(deserialize_with = "nullable")]
    pub nodes_available: BTreeMap<String, u64>,
    /// Per node class, how many nodes were filtered out.
    #[serde(deserialize_with = "nullable")]
    pub class_filtered: BTreeMap<String, u64>,
    /// Per constraint, how many nodes it filtered out.
    #[serde(deserialize_with = "nullable")]
    pub constraint_filtered: BTreeMap<String, u64>,
    /// How many nodes passed the constraints but lacked resources.
    pub nodes_exhausted: u64,
    /// Per node class, how many nodes lacked resources.
    #[serde(deserialize_with = "nullable")]
    pub class_exhausted: BTreeMap<String, u64>,
    /// Per resource dimension (`memory`, `cpu`, `network: ...`), how many nodes ran out of it.
    #[serde(deserialize_with = "nullable")]
    pub dimension_exhausted: BTreeMap<String, u64>,
    /// The quota limits that were reached (Enterprise).
    #[serde(deserialize_with = "nullable")]
    pub quota_exhausted: Vec<String>,
    /// Pre-0.9 flat scores, keyed `<node>.<scorer>`.
    #[serde(deserialize_with = "nullable")]
    pub scores: BTreeMap<String, f64>,
    /// The top-scoring nodes, with their scores.
    #[serde(deserialize_with = "nullable")]
    pub score_meta_data: Vec<NodeScoreMeta>,
    /// How long the placement took, nanoseconds.
    pub allocation_time: GoDuration,
    /// How many more identical placement failures were folded into this metric.
    pub coalesced_failures: u64,
}

/// One node's scores for a placement (`NodeScoreMeta`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeScoreMeta {
    /// UUID of the node.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Per scorer (`binpack`, `job-anti-affinity`, `node-affinity`...), its score.
    #[serde(deserialize_with = "nullable")]
    pub scores: BTreeMap<String, f64>,
    /// The node's final score, normalized over the scorers.
    pub norm_score: f64,
}

/// 0.9+ allocated resources (`AllocatedResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedResources {
    /// Per task name, its CPU, memory and networks.
    #[serde(deserialize_with = "nullable_values")]
    pub tasks: BTreeMap<String, AllocatedTaskResources>,
    /// Every task's `lifecycle` block, `null` for a main task.
    #[serde(deserialize_with = "nullable")]
    pub task_lifecycles: BTreeMap<String, Option<TaskLifecycle>>,
    /// What the group shares: ephemeral disk, group networks and ports.
    #[serde(deserialize_with = "nullable")]
    pub shared: AllocatedSharedResources,
}

/// One task's allocated resources (`AllocatedTaskResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedTaskResources {
    /// CPU given to the task.
    #[serde(deserialize_with = "nullable")]
    pub cpu: AllocatedCpuResources,
    /// Memory given to the task.
    #[serde(deserialize_with = "nullable")]
    pub memory: AllocatedMemoryResources,
    /// Networks of the task (pre-group-network style).
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
}

/// CPU given to a task (`AllocatedCpuResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedCpuResources {
    /// CPU, MHz.
    pub cpu_shares: i64,
}

/// Memory given to a task (`AllocatedMemoryResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedMemoryResources {
    /// Memory, MB.
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
    /// Memory the task may use beyond `MemoryMB` (oversubscription), MB; 0 when unset.
    #[serde(rename = "MemoryMaxMB")]
    pub memory_max_mb: i64,
}

/// What a group's tasks share (`AllocatedSharedResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedSharedResources {
    /// Ephemeral disk, MB.
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
    /// The group's networks (its `network` block).
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
    /// The group's ports as assigned on the host.
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<AllocatedPortMapping>,
}

/// A group port as assigned on the host (`AllocatedPortMapping`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedPortMapping {
    /// The port's label in the job (`port "http"`).
    pub label: String,
    /// The port number on the host.
    pub value: i64,
    /// The port inside the allocation's network namespace it is forwarded to; 0 or -1 means the
    /// same as `Value`.
    pub to: i64,
    /// The host address the port is bound on.
    #[serde(rename = "HostIP")]
    pub host_ip: String,
}

/// Response of `/v1/allocation/:id/stop`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocStopResponse {
    /// ID of the evaluation created to replace the stopped allocation.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Raft index of the write.
    pub index: u64,
}

/// Body of `/v1/client/allocation/:id/signal`; no `Task` means every task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocSignalRequest {
    /// The signal's name, e.g. `SIGHUP`.
    pub signal: String,
    /// The task to signal; empty for every task.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task: String,
}

/// Body of `/v1/client/allocation/:id/restart`; no `TaskName` means every task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocRestartRequest {
    /// The task to restart; empty for every running task.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task_name: String,
    /// Restart every task, including prestart and poststart tasks that already finished.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub all_tasks: bool,
}

/// The `{}` body Nomad answers signal, restart and GC with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenericResponse {}
