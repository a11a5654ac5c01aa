//! Allocations: `/v1/allocations`, `/v1/allocation/:id` and the lifecycle request bodies.

use crate::duration::GoDuration;
use crate::job::{Job, TaskLifecycle};
use crate::serde_util::{nullable, nullable_values, optional_nullable_values};
use crate::time::{self, DateTime, NanoTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `ClientStatus` values.
pub mod client_status {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
    pub const LOST: &str = "lost";
    pub const UNKNOWN: &str = "unknown";
}

/// `DesiredStatus` values.
pub mod desired_status {
    pub const RUN: &str = "run";
    pub const STOP: &str = "stop";
    pub const EVICT: &str = "evict";
}

/// An entry of `/v1/allocations` (Nomad's `AllocListStub`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "AllocListStub", rename_all = "PascalCase", default)]
pub struct AllocationListStub {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    pub name: String,
    pub namespace: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    pub node_name: String,
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub job_type: String,
    pub job_version: u64,
    pub task_group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocated_resources: Option<AllocatedResources>,
    pub desired_status: String,
    pub desired_description: String,
    pub client_status: String,
    pub client_description: String,
    #[serde(deserialize_with = "nullable")]
    pub desired_transition: DesiredTransition,
    /// `null` when listed with `task_states=false` and before the client reports.
    #[serde(deserialize_with = "optional_nullable_values", skip_serializing_if = "Option::is_none")]
    pub task_states: Option<BTreeMap<String, TaskState>>,
    pub deployment_status: Option<AllocDeploymentStatus>,
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// Since 1.6.0; before, read the full allocation.
    pub next_allocation: String,
    pub reschedule_tracker: Option<RescheduleTracker>,
    #[serde(deserialize_with = "nullable")]
    pub preempted_allocations: Vec<String>,
    pub preempted_by_allocation: String,
    pub create_index: u64,
    pub modify_index: u64,
    pub create_time: NanoTime,
    pub modify_time: NanoTime,
}

/// A full allocation, `/v1/allocation/:id`. Nomad leaves out every empty field of it
/// (`_struct codec:",omitempty"`), so any field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Allocation {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    pub name: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    pub node_name: String,
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub job: Option<Job>,
    pub task_group: String,
    /// Pre-0.9 resources; still sent by Nomad for compatibility.
    pub resources: Option<Resources>,
    pub shared_resources: Option<Resources>,
    #[serde(deserialize_with = "nullable_values")]
    pub task_resources: BTreeMap<String, Resources>,
    pub allocated_resources: Option<AllocatedResources>,
    pub metrics: Option<AllocMetric>,
    pub desired_status: String,
    pub desired_description: String,
    #[serde(deserialize_with = "nullable")]
    pub desired_transition: DesiredTransition,
    pub client_status: String,
    pub client_description: String,
    #[serde(deserialize_with = "nullable_values")]
    pub task_states: BTreeMap<String, TaskState>,
    pub deployment_status: Option<AllocDeploymentStatus>,
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    pub previous_allocation: String,
    pub next_allocation: String,
    pub reschedule_tracker: Option<RescheduleTracker>,
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    #[serde(deserialize_with = "nullable")]
    pub preempted_allocations: Vec<String>,
    pub preempted_by_allocation: String,
    pub create_index: u64,
    pub modify_index: u64,
    pub alloc_modify_index: u64,
    pub create_time: NanoTime,
    pub modify_time: NanoTime,
}

/// `TaskState.State` values.
pub mod task_state {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const DEAD: &str = "dead";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskState {
    pub state: String,
    pub failed: bool,
    pub restarts: u64,
    #[serde(with = "time::optional")]
    pub last_restart: Option<DateTime>,
    #[serde(with = "time::optional")]
    pub started_at: Option<DateTime>,
    #[serde(with = "time::optional")]
    pub finished_at: Option<DateTime>,
    /// Nomad keeps the latest 10 events per task.
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<TaskEvent>,
}

/// `TaskEvent.Type` values, as Nomad names them.
pub mod task_event {
    pub const SETUP_FAILURE: &str = "Setup Failure";
    pub const DRIVER_FAILURE: &str = "Driver Failure";
    pub const RECEIVED: &str = "Received";
    pub const FAILED_VALIDATION: &str = "Failed Validation";
    pub const STARTED: &str = "Started";
    pub const TERMINATED: &str = "Terminated";
    pub const KILLING: &str = "Killing";
    pub const KILLED: &str = "Killed";
    pub const RESTARTING: &str = "Restarting";
    pub const NOT_RESTARTING: &str = "Not Restarting";
    pub const RESTART_SIGNAL: &str = "Restart Signaled";
    pub const SIGNALING: &str = "Signaling";
    pub const SIBLING_FAILED: &str = "Sibling Task Failed";
    pub const LEADER_DEAD: &str = "Leader Task Dead";
    pub const MAIN_DEAD: &str = "Main Tasks Dead";
    pub const DRIVER_MESSAGE: &str = "Driver";
    pub const TASK_SETUP: &str = "Task Setup";
    pub const BUILDING_TASK_DIR: &str = "Building Task Directory";
    pub const DOWNLOADING_ARTIFACTS: &str = "Downloading Artifacts";
    pub const ARTIFACT_DOWNLOAD_FAILED: &str = "Failed Artifact Download";
    /// `TaskRestoreFailed`: a restarted client could not reattach to the task.
    pub const RESTORE_FAILED: &str = "Failed Restoring Task";
}

/// One entry of a task's event timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskEvent {
    #[serde(rename = "Type")]
    pub kind: String,
    pub time: NanoTime,
    pub message: String,
    pub display_message: String,
    #[serde(deserialize_with = "nullable")]
    pub details: BTreeMap<String, String>,
    pub fails_task: bool,
    pub restart_reason: String,
    pub setup_error: String,
    pub driver_error: String,
    pub driver_message: String,
    pub exit_code: i64,
    pub signal: i64,
    pub kill_reason: String,
    pub kill_timeout: GoDuration,
    pub kill_error: String,
    pub start_delay: GoDuration,
    pub download_error: String,
    pub validation_error: String,
    pub disk_limit: i64,
    pub failed_sibling: String,
    pub vault_error: String,
    pub task_signal_reason: String,
    pub task_signal: String,
    pub generic_source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RescheduleTracker {
    #[serde(deserialize_with = "nullable")]
    pub events: Vec<RescheduleEvent>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RescheduleEvent {
    pub reschedule_time: NanoTime,
    #[serde(rename = "PrevAllocID")]
    pub prev_alloc_id: String,
    #[serde(rename = "PrevNodeID")]
    pub prev_node_id: String,
    pub delay: GoDuration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DesiredTransition {
    pub migrate: Option<bool>,
    pub reschedule: Option<bool>,
    pub force_reschedule: Option<bool>,
    pub no_shutdown_delay: Option<bool>,
    /// Since 1.11.0.
    pub migrate_disable_placement: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocDeploymentStatus {
    pub healthy: Option<bool>,
    #[serde(with = "time::optional")]
    pub timestamp: Option<DateTime>,
    pub canary: bool,
    pub modify_index: u64,
}

/// Scheduling metrics of the placement (`Metrics`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocMetric {
    pub nodes_evaluated: u64,
    pub nodes_filtered: u64,
    /// Since 1.6.0.
    pub nodes_in_pool: u64,
    /// Since 1.10.4.
    pub node_pool: String,
    #[serde(deserialize_with = "nullable")]
    pub nodes_available: BTreeMap<String, u64>,
    #[serde(deserialize_with = "nullable")]
    pub class_filtered: BTreeMap<String, u64>,
    #[serde(deserialize_with = "nullable")]
    pub constraint_filtered: BTreeMap<String, u64>,
    pub nodes_exhausted: u64,
    #[serde(deserialize_with = "nullable")]
    pub class_exhausted: BTreeMap<String, u64>,
    #[serde(deserialize_with = "nullable")]
    pub dimension_exhausted: BTreeMap<String, u64>,
    #[serde(deserialize_with = "nullable")]
    pub quota_exhausted: Vec<String>,
    /// Pre-0.9 flat scores, keyed `<node>.<scorer>`.
    #[serde(deserialize_with = "nullable")]
    pub scores: BTreeMap<String, f64>,
    #[serde(deserialize_with = "nullable")]
    pub score_meta_data: Vec<NodeScoreMeta>,
    pub allocation_time: GoDuration,
    pub coalesced_failures: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeScoreMeta {
    #[serde(rename = "NodeID")]
    pub node_id: String,
    #[serde(deserialize_with = "nullable")]
    pub scores: BTreeMap<String, f64>,
    pub norm_score: f64,
}

/// Pre-0.9 resources block (`Resources`, `TaskResources`), also a task's ask in the job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Resources {
    #[serde(rename = "CPU")]
    pub cpu: i64,
    #[serde(rename = "Cores", skip_serializing_if = "Option::is_none")]
    pub cores: Option<i64>,
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
    #[serde(rename = "MemoryMaxMB", skip_serializing_if = "Option::is_none")]
    pub memory_max_mb: Option<i64>,
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkResource {
    pub mode: String,
    pub device: String,
    #[serde(rename = "CIDR")]
    pub cidr: String,
    #[serde(rename = "IP")]
    pub ip: String,
    #[serde(rename = "MBits")]
    pub mbits: i64,
    #[serde(deserialize_with = "nullable")]
    pub reserved_ports: Vec<Port>,
    #[serde(deserialize_with = "nullable")]
    pub dynamic_ports: Vec<Port>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Port {
    pub label: String,
    pub value: i64,
    pub to: i64,
    #[serde(rename = "HostNetwork")]
    pub host_network: String,
}

/// 0.9+ allocated resources (`AllocatedResources`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedResources {
    #[serde(deserialize_with = "nullable_values")]
    pub tasks: BTreeMap<String, AllocatedTaskResources>,
    /// Every task's `lifecycle` block, `null` for a main task.
    #[serde(deserialize_with = "nullable")]
    pub task_lifecycles: BTreeMap<String, Option<TaskLifecycle>>,
    #[serde(deserialize_with = "nullable")]
    pub shared: AllocatedSharedResources,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedTaskResources {
    #[serde(deserialize_with = "nullable")]
    pub cpu: AllocatedCpuResources,
    #[serde(deserialize_with = "nullable")]
    pub memory: AllocatedMemoryResources,
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedCpuResources {
    pub cpu_shares: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedMemoryResources {
    #[serde(rename = "MemoryMB")]
    pub memory_mb: i64,
    #[serde(rename = "MemoryMaxMB")]
    pub memory_max_mb: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedSharedResources {
    #[serde(rename = "DiskMB")]
    pub disk_mb: i64,
    #[serde(deserialize_with = "nullable")]
    pub networks: Vec<NetworkResource>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<AllocatedPortMapping>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocatedPortMapping {
    pub label: String,
    pub value: i64,
    pub to: i64,
    #[serde(rename = "HostIP")]
    pub host_ip: String,
}

/// Response of `/v1/allocation/:id/stop`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocStopResponse {
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    pub index: u64,
}

/// Body of `/v1/client/allocation/:id/signal`; no `Task` means every task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocSignalRequest {
    pub signal: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task: String,
}

/// Body of `/v1/client/allocation/:id/restart`; no `TaskName` means every task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocRestartRequest {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task_name: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub all_tasks: bool,
}

/// The `{}` body Nomad answers signal, restart and GC with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenericResponse {}
