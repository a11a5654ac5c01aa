//! Jobs: the copy embedded in an allocation, and `/v1/jobs`, `/v1/job/:id`.

use crate::duration::GoDuration;
use crate::resources::Resources;
use crate::serde_util::{nullable, nullable_values};
use crate::time::NanoTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `Job.Type` values.
pub mod job_type {
    /// Long-lived services the scheduler keeps running, restarting and rescheduling them on
    /// failure.
    pub const SERVICE: &str = "service";
    /// Short-lived work run until it completes; scheduled for speed rather than best placement.
    pub const BATCH: &str = "batch";
    /// One allocation on every eligible node, kept running (agents, log shippers).
    pub const SYSTEM: &str = "system";
    /// One allocation on every eligible node, run until it completes (Nomad 1.2+).
    pub const SYSBATCH: &str = "sysbatch";
}

/// `structs.Job`: the job as submitted plus what the servers add (status, version, Raft indexes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Job {
    /// Region the job runs in; `global` unless the jobspec sets one.
    pub region: String,
    /// Namespace the job lives in; `default` unless the jobspec sets one.
    pub namespace: String,
    /// `ID`: unique within the namespace (the jobspec's `job "…"` label; child jobs get
    /// `<parent>/periodic-<unix>` or `<parent>/dispatch-<unix>-<suffix>`).
    #[serde(rename = "ID")]
    pub id: String,
    /// `ParentID`: the periodic or parameterized job that launched this one; empty for other jobs.
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    /// Display name; the ID unless the jobspec sets `name`.
    pub name: String,
    /// `Type`: one of [`job_type`] (`service` unless set).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Scheduling priority, 1 to the servers' `job_max_priority` (100 by default); 50 unless set.
    /// Higher may preempt lower.
    pub priority: i64,
    /// Whether the scheduler must place every allocation in one go or none (rarely set; false by
    /// default).
    pub all_at_once: bool,
    /// Datacenters the job may be placed in; glob patterns and `["*"]` by default since 1.5.0.
    #[serde(deserialize_with = "nullable")]
    pub datacenters: Vec<String>,
    /// Since 1.6.0 (node pools); `default` unless the job picks one.
    pub node_pool: String,
    /// Job-level `constraint` blocks, kept as JSON (`LTarget`, `RTarget`, `Operand`).
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    /// Job-level `affinity` blocks, kept as JSON (`LTarget`, `RTarget`, `Operand`, `Weight`).
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    /// Job-level `spread` blocks, kept as JSON (`Attribute`, `Weight`, `SpreadTarget`).
    #[serde(deserialize_with = "nullable")]
    pub spreads: Vec<Value>,
    /// The job's groups; each runs as `Count` allocations.
    #[serde(deserialize_with = "nullable")]
    pub task_groups: Vec<TaskGroup>,
    /// Only `Stagger` and `MaxParallel` are kept at the job level: the rest of the job's
    /// `update` block is merged into each group's.
    #[serde(deserialize_with = "nullable")]
    pub update: UpdateStrategy,
    /// The `periodic` block (cron spec, time zone, overlap rule) as JSON; `null` unless the job is
    /// periodic.
    pub periodic: Option<Value>,
    /// The `parameterized` block (meta and payload rules) as JSON; `null` unless the job is
    /// dispatched with `job dispatch`.
    pub parameterized_job: Option<Value>,
    /// Whether this job is a child launched by `job dispatch` (it keeps its parent's
    /// `ParameterizedJob` block, but is not itself parameterized).
    pub dispatched: bool,
    /// User metadata of the `meta` block, inherited by groups and tasks.
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    /// Set by `nomad job stop` (without `-purge`): the job is kept but its allocations are stopped.
    pub stop: bool,
    /// `pending`, `running` or `dead`, worked out by the servers from the job's allocations and
    /// evaluations.
    pub status: String,
    /// Free text explaining `Status`; usually empty.
    pub status_description: String,
    /// 0 at first registration, plus one each time the job's specification changes.
    pub version: u64,
    /// When this version was submitted, in Unix nanoseconds.
    pub submit_time: NanoTime,
    /// Raft index at which the job was first registered.
    pub create_index: u64,
    /// Raft index of the job's last change of any kind, status included.
    pub modify_index: u64,
    /// Raft index of the last change to the job's specification (not its status): what
    /// `EnforceIndex` checks.
    pub job_modify_index: u64,
}

/// `structs.TaskGroup`, a `group` block: tasks always placed together, on one node, as one
/// allocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroup {
    /// Unique within the job.
    pub name: String,
    /// `Count`: how many allocations of this group the scheduler keeps running (1 unless set).
    pub count: i64,
    /// The job's `update` block merged with the group's (service and system jobs).
    pub update: Option<UpdateStrategy>,
    /// Service jobs only.
    pub migrate: Option<MigrateStrategy>,
    /// How the client restarts the group's failed tasks in place; defaults depend on the job type.
    pub restart_policy: Option<RestartPolicy>,
    /// Group-level `constraint` blocks, kept as JSON.
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    /// Group-level `affinity` blocks, kept as JSON.
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    /// Group-level `spread` blocks, kept as JSON.
    #[serde(deserialize_with = "nullable")]
    pub spreads: Vec<Value>,
    /// The tasks every allocation of the group runs.
    #[serde(deserialize_with = "nullable")]
    pub tasks: Vec<Task>,
    /// How failed allocations are replaced, usually on another node (service and batch jobs).
    pub reschedule_policy: Option<ReschedulePolicy>,
    /// The allocation's scratch disk (`alloc/` directory): size and whether it follows updates.
    pub ephemeral_disk: Option<EphemeralDisk>,
    /// Group metadata, merged over the job's.
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
}

/// `structs.Task`, a `task` block: one process or container run by a driver.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    /// Unique within the group.
    pub name: String,
    /// The task driver that runs it: `docker`, `exec`, `raw_exec`, `java`, `qemu`, or a plugin's
    /// name.
    pub driver: String,
    /// OS user the task runs as; empty for the driver's default.
    pub user: String,
    /// Driver-specific; for the local agent's `raw_exec`: `command` and `args`.
    #[serde(deserialize_with = "nullable")]
    pub config: BTreeMap<String, Value>,
    /// Environment variables set for the task, besides the `NOMAD_*` ones Nomad adds.
    #[serde(deserialize_with = "nullable")]
    pub env: BTreeMap<String, String>,
    /// Task-level `service` blocks, kept as JSON (`Name`, `PortLabel`, `Provider`, `Checks`, ...).
    #[serde(deserialize_with = "nullable")]
    pub services: Vec<Value>,
    /// Task-level `constraint` blocks, kept as JSON.
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    /// Task-level `affinity` blocks, kept as JSON.
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    /// What the task asks for: CPU in MHz, memory in MB, cores, devices, networks.
    pub resources: Option<Resources>,
    /// The group's restart policy unless the task has its own.
    pub restart_policy: Option<RestartPolicy>,
    /// When the task runs relative to the group's main tasks; `null` for a main task.
    pub lifecycle: Option<TaskLifecycle>,
    /// Task metadata, merged over the group's and the job's.
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    /// How long the client waits after `KillSignal` before killing the task outright (5s unless
    /// set).
    pub kill_timeout: GoDuration,
    /// Rotation of the task's stdout/stderr log files (the `logs` block).
    pub log_config: Option<LogConfig>,
    /// Whether this is the group's leader: when it exits, the group's other tasks are stopped.
    pub leader: bool,
    /// Signal sent to stop the task (such as `SIGTERM`); empty for the driver's default.
    pub kill_signal: String,
    /// The task's `default` workload identity (since 1.5.0; always set since 1.7.0).
    pub identity: Option<WorkloadIdentity>,
}

/// `structs.TaskLifecycleConfig`, a task's `lifecycle` block: when it runs relative to the main
/// tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "TaskLifecycleConfig", rename_all = "PascalCase", default)]
pub struct TaskLifecycle {
    /// `prestart`, `poststart` or `poststop`.
    pub hook: String,
    /// Whether the task keeps running beside the main tasks instead of running once to completion.
    pub sidecar: bool,
}

/// `RestartPolicy.Mode` values.
pub mod restart_mode {
    /// When `Attempts` are used up within `Interval`, wait for the interval to end, then restart
    /// again.
    pub const DELAY: &str = "delay";
    /// When `Attempts` are used up within `Interval`, stop restarting: the task fails (and may be
    /// rescheduled).
    pub const FAIL: &str = "fail";
}

/// `structs.RestartPolicy`, a `restart` block: how the client restarts a failed task on the same
/// node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    /// Restarts allowed within `Interval` before `Mode` applies.
    pub attempts: i64,
    /// The window in which `Attempts` are counted.
    pub interval: GoDuration,
    /// Wait before each restart.
    pub delay: GoDuration,
    /// What happens once attempts run out: `delay` or `fail` ([`restart_mode`]).
    pub mode: String,
    /// Whether the task's templates are rendered again on each restart.
    pub render_templates: bool,
}

/// `structs.ReschedulePolicy`, a `reschedule` block: how the scheduler replaces failed allocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReschedulePolicy {
    /// Reschedules allowed within `Interval` (ignored when `Unlimited`).
    pub attempts: i64,
    /// The window in which `Attempts` are counted.
    pub interval: GoDuration,
    /// Wait before the first reschedule; the base that `DelayFunction` grows.
    pub delay: GoDuration,
    /// How the delay grows between reschedules: `constant`, `exponential` or `fibonacci`.
    pub delay_function: String,
    /// Ceiling of the delay for the `exponential` and `fibonacci` functions.
    pub max_delay: GoDuration,
    /// Whether to reschedule without a limit on attempts.
    pub unlimited: bool,
}

/// A job's or group's `update` block (`UpdateStrategy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateStrategy {
    /// Delay between migrations of allocations off down or draining nodes (30s by default).
    pub stagger: GoDuration,
    /// How many allocations are updated at once; 0 turns off rolling updates and deployments.
    pub max_parallel: i64,
    /// How an allocation's health is judged: `checks`, `task_states` or `manual`.
    pub health_check: String,
    /// How long an allocation must stay healthy before it counts as healthy.
    pub min_healthy_time: GoDuration,
    /// Time after which an allocation not yet healthy is marked unhealthy.
    pub healthy_deadline: GoDuration,
    /// Time within which some allocation must turn healthy or the deployment fails; 0 for no
    /// deadline.
    pub progress_deadline: GoDuration,
    /// Whether a failed deployment rolls the job back to its last stable version.
    pub auto_revert: bool,
    /// Whether canaries are promoted once they are all healthy, without `deployment promote`.
    pub auto_promote: bool,
    /// How many canary allocations are placed before the old ones are replaced; 0 for none.
    pub canary: i64,
}

/// A group's `migrate` block (`MigrateStrategy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MigrateStrategy {
    /// How many of the group's allocations are migrated off a draining node at once (1 by default).
    pub max_parallel: i64,
    /// How a migrated allocation's health is judged: `checks` or `task_states`.
    pub health_check: String,
    /// How long a migrated allocation must stay healthy before the next one moves.
    pub min_healthy_time: GoDuration,
    /// Time after which a migrated allocation not yet healthy is marked unhealthy.
    pub healthy_deadline: GoDuration,
}

/// A task's workload identity (`WorkloadIdentity`, 1.5.0; `Name` and `Audience` from 1.7.0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WorkloadIdentity {
    /// The identity's name; `default` for the task's default identity.
    pub name: String,
    /// The token's `aud` claims (`nomadproject.io` for the default identity).
    #[serde(deserialize_with = "nullable")]
    pub audience: Vec<String>,
    /// Whether the token is put in the task's environment (`NOMAD_TOKEN` for the default identity).
    pub env: bool,
    /// Whether the token is written to a file in the task's `secrets/` directory (`nomad_token` for
    /// the default identity).
    pub file: bool,
}

/// `structs.EphemeralDisk`, a group's `ephemeral_disk` block: the allocation's local scratch space.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EphemeralDisk {
    /// Whether an updated allocation is placed on the same node and keeps the data (best effort).
    pub sticky: bool,
    /// `SizeMB`: disk space in MB the scheduler counts against the node (300 unless set).
    #[serde(rename = "SizeMB")]
    pub size_mb: i64,
    /// Whether the data is copied over when the allocation moves to another node (best effort).
    pub migrate: bool,
}

/// `structs.LogConfig`, a task's `logs` block: rotation of its stdout and stderr files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    /// Rotated files kept per stream (10 unless set).
    pub max_files: i64,
    /// `MaxFileSizeMB`: size in MB at which a log file is rotated (10 unless set).
    #[serde(rename = "MaxFileSizeMB")]
    pub max_file_size_mb: i64,
    /// Since 1.5.5.
    pub disabled: bool,
}

/// An entry of `/v1/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobListStub {
    /// `ID`: unique within the namespace.
    #[serde(rename = "ID")]
    pub id: String,
    /// `ParentID`: the periodic or parameterized parent; empty for other jobs.
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    /// Display name; the ID unless set.
    pub name: String,
    /// Namespace the job lives in.
    pub namespace: String,
    /// Datacenters the job may be placed in (glob patterns since 1.5.0).
    #[serde(deserialize_with = "nullable")]
    pub datacenters: Vec<String>,
    /// Since 1.6.0.
    pub node_pool: String,
    /// `Type`: one of [`job_type`].
    #[serde(rename = "Type")]
    pub kind: String,
    /// Scheduling priority (50 unless set).
    pub priority: i64,
    /// Whether the job has a `periodic` block, i.e. launches child jobs on a schedule.
    pub periodic: bool,
    /// Whether the job is parameterized, i.e. launches child jobs on `job dispatch`.
    pub parameterized_job: bool,
    /// Whether the job was stopped without being purged.
    pub stop: bool,
    /// `pending`, `running` or `dead`.
    pub status: String,
    /// Free text explaining `Status`; usually empty.
    pub status_description: String,
    /// Allocation counts by group and state; `null` when the servers have none for the job.
    pub job_summary: Option<JobSummary>,
    /// Raft index at which the job was first registered.
    pub create_index: u64,
    /// Raft index of the job's last change of any kind.
    pub modify_index: u64,
    /// Raft index of the last change to the job's specification.
    pub job_modify_index: u64,
    /// When the current version was submitted, in Unix nanoseconds.
    pub submit_time: NanoTime,
    /// Listed with `meta=true` (since 1.4.3); absent when the job has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<BTreeMap<String, String>>,
}

/// `structs.JobStubFields` (1.4.3+): the optional fields of a jobs list entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobStubFields {
    /// `meta=true`: each entry carries its job's `Meta`.
    pub meta: bool,
}

impl JobListStub {
    /// `Job.Stub(summary, fields)` (`nomad/structs/structs.go`, v1.4.0 to v1.11.3): a job as
    /// `/v1/jobs` lists it, with its summary (which the job does not hold: the list reads it
    /// from the `job_summary` table). The list endpoint and a Job event's payload (the whole
    /// job, `nomad/state/events.go`) both become a row through this one rule.
    ///
    /// `ParameterizedJob` is true for a job with a `parameterized` block that was not itself
    /// dispatched (`IsParameterized`); `Periodic` for one with a `periodic` block
    /// (`IsPeriodic`). `Meta` comes only when asked for (`JobStubFields.Meta`, 1.4.3).
    pub fn from_job(job: &Job, summary: Option<JobSummary>, fields: JobStubFields) -> JobListStub {
        JobListStub {
            id: job.id.clone(),
            parent_id: job.parent_id.clone(),
            name: job.name.clone(),
            namespace: job.namespace.clone(),
            datacenters: job.datacenters.clone(),
            node_pool: job.node_pool.clone(),
            kind: job.kind.clone(),
            priority: job.priority,
            periodic: job.periodic.is_some(),
            parameterized_job: job.parameterized_job.is_some() && !job.dispatched,
            stop: job.stop,
            status: job.status.clone(),
            status_description: job.status_description.clone(),
            job_summary: summary,
            create_index: job.create_index,
            modify_index: job.modify_index,
            job_modify_index: job.job_modify_index,
            submit_time: job.submit_time,
            meta: fields.meta.then(|| job.meta.clone()),
        }
    }
}

/// `structs.JobSummary` (`/v1/job/:id/summary`): a job's allocation counts, by group and state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobSummary {
    /// `JobID`: the job summarised.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// The job's namespace.
    pub namespace: String,
    /// Counts per task group name.
    #[serde(deserialize_with = "nullable_values")]
    pub summary: BTreeMap<String, TaskGroupSummary>,
    /// Created (all zero) with every summary (`updateSummaryWithJob`).
    pub children: Option<JobChildrenSummary>,
    /// Raft index at which the summary was created (with the job).
    pub create_index: u64,
    /// Raft index of the summary's last change.
    pub modify_index: u64,
}

/// `structs.JobChildrenSummary`: the children of a periodic or parameterized job. Nomad
/// creates one (all zero) with every job summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobChildrenSummary {
    /// Child jobs whose status is `pending`.
    pub pending: i64,
    /// Child jobs whose status is `running`.
    pub running: i64,
    /// Child jobs whose status is `dead`.
    pub dead: i64,
}

/// `structs.TaskGroupSummary`: one group's allocations counted by state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupSummary {
    /// Allocations the scheduler could not place yet.
    pub queued: u64,
    /// Allocations whose tasks all finished successfully.
    pub complete: u64,
    /// Allocations that failed.
    pub failed: u64,
    /// Allocations running on a client.
    pub running: u64,
    /// Allocations placed but not yet running (client status `pending`).
    pub starting: u64,
    /// Allocations lost with a node that went down.
    pub lost: u64,
    /// Allocations on disconnected nodes, in state `unknown` (1.3.0+).
    pub unknown: u64,
}

/// Body of `PUT /v1/jobs` and `PUT /v1/job/:id` (`api.JobRegisterRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterRequest {
    /// The job to register; required.
    pub job: Option<Job>,
    /// Register only if the job's `JobModifyIndex` is still `JobModifyIndex` (0: a new job).
    pub enforce_index: bool,
    /// The index `EnforceIndex` checks against.
    pub job_modify_index: u64,
    /// The job's source (1.6+, `api.JobRegisterRequest.Submission`); earlier releases ignore it.
    pub submission: Option<crate::submission::JobSubmission>,
}

/// Response of a job registration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterResponse {
    /// `EvalID`: the evaluation created for the change; empty when none is (periodic or
    /// parameterized jobs).
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Raft index at which that evaluation was created.
    pub eval_create_index: u64,
    /// The job's `JobModifyIndex` after this registration.
    pub job_modify_index: u64,
    /// Warnings about the job (deprecations, a discarded source) merged into one text; empty if
    /// none.
    pub warnings: String,
    /// Raft index of the write.
    pub index: u64,
    /// Time since the answering server last heard from the leader, in nanoseconds (0 on the
    /// leader).
    pub last_contact: u64,
    /// Whether the answering server knew of a cluster leader.
    pub known_leader: bool,
}

/// Response of `DELETE /v1/job/:id` (stop, or purge).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobDeregisterResponse {
    /// `EvalID`: the evaluation created to stop the job's allocations.
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    /// Raft index at which that evaluation was created.
    pub eval_create_index: u64,
    /// Raft index of the stop or purge.
    pub job_modify_index: u64,
    /// Raft index of the write.
    pub index: u64,
    /// Time since the answering server last heard from the leader, in nanoseconds (0 on the
    /// leader).
    pub last_contact: u64,
    /// Whether the answering server knew of a cluster leader.
    pub known_leader: bool,
}
