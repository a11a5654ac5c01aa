//! Jobs: the copy embedded in an allocation, and `/v1/jobs`, `/v1/job/:id`.

use crate::allocation::Resources;
use crate::duration::GoDuration;
use crate::serde_util::{nullable, nullable_values};
use crate::time::NanoTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `Job.Type` values.
pub mod job_type {
    pub const SERVICE: &str = "service";
    pub const BATCH: &str = "batch";
    pub const SYSTEM: &str = "system";
    pub const SYSBATCH: &str = "sysbatch";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Job {
    pub region: String,
    pub namespace: String,
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub priority: i64,
    pub all_at_once: bool,
    #[serde(deserialize_with = "nullable")]
    pub datacenters: Vec<String>,
    /// Since 1.6.0 (node pools); `default` unless the job picks one.
    pub node_pool: String,
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub spreads: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub task_groups: Vec<TaskGroup>,
    /// Only `Stagger` and `MaxParallel` are kept at the job level: the rest of the job's
    /// `update` block is merged into each group's.
    #[serde(deserialize_with = "nullable")]
    pub update: UpdateStrategy,
    pub periodic: Option<Value>,
    pub parameterized_job: Option<Value>,
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    pub stop: bool,
    pub status: String,
    pub status_description: String,
    pub version: u64,
    pub submit_time: NanoTime,
    pub create_index: u64,
    pub modify_index: u64,
    pub job_modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroup {
    pub name: String,
    pub count: i64,
    /// The job's `update` block merged with the group's (service and system jobs).
    pub update: Option<UpdateStrategy>,
    /// Service jobs only.
    pub migrate: Option<MigrateStrategy>,
    pub restart_policy: Option<RestartPolicy>,
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub spreads: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub tasks: Vec<Task>,
    pub reschedule_policy: Option<ReschedulePolicy>,
    pub ephemeral_disk: Option<EphemeralDisk>,
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    pub name: String,
    pub driver: String,
    pub user: String,
    /// Driver-specific; for the local agent's `raw_exec`: `command` and `args`.
    #[serde(deserialize_with = "nullable")]
    pub config: BTreeMap<String, Value>,
    #[serde(deserialize_with = "nullable")]
    pub env: BTreeMap<String, String>,
    #[serde(deserialize_with = "nullable")]
    pub services: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub constraints: Vec<Value>,
    #[serde(deserialize_with = "nullable")]
    pub affinities: Vec<Value>,
    pub resources: Option<Resources>,
    /// The group's restart policy unless the task has its own.
    pub restart_policy: Option<RestartPolicy>,
    pub lifecycle: Option<TaskLifecycle>,
    #[serde(deserialize_with = "nullable")]
    pub meta: BTreeMap<String, String>,
    pub kill_timeout: GoDuration,
    pub log_config: Option<LogConfig>,
    pub leader: bool,
    pub kill_signal: String,
    /// The task's `default` workload identity (since 1.5.0; always set since 1.7.0).
    pub identity: Option<WorkloadIdentity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "TaskLifecycleConfig", rename_all = "PascalCase", default)]
pub struct TaskLifecycle {
    pub hook: String,
    pub sidecar: bool,
}

/// `RestartPolicy.Mode` values.
pub mod restart_mode {
    pub const DELAY: &str = "delay";
    pub const FAIL: &str = "fail";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    pub attempts: i64,
    pub interval: GoDuration,
    pub delay: GoDuration,
    pub mode: String,
    pub render_templates: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReschedulePolicy {
    pub attempts: i64,
    pub interval: GoDuration,
    pub delay: GoDuration,
    pub delay_function: String,
    pub max_delay: GoDuration,
    pub unlimited: bool,
}

/// A job's or group's `update` block (`UpdateStrategy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateStrategy {
    pub stagger: GoDuration,
    pub max_parallel: i64,
    pub health_check: String,
    pub min_healthy_time: GoDuration,
    pub healthy_deadline: GoDuration,
    pub progress_deadline: GoDuration,
    pub auto_revert: bool,
    pub auto_promote: bool,
    pub canary: i64,
}

/// A group's `migrate` block (`MigrateStrategy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MigrateStrategy {
    pub max_parallel: i64,
    pub health_check: String,
    pub min_healthy_time: GoDuration,
    pub healthy_deadline: GoDuration,
}

/// A task's workload identity (`WorkloadIdentity`, 1.5.0; `Name` and `Audience` from 1.7.0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WorkloadIdentity {
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub audience: Vec<String>,
    pub env: bool,
    pub file: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EphemeralDisk {
    pub sticky: bool,
    #[serde(rename = "SizeMB")]
    pub size_mb: i64,
    pub migrate: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    pub max_files: i64,
    #[serde(rename = "MaxFileSizeMB")]
    pub max_file_size_mb: i64,
    /// Since 1.5.5.
    pub disabled: bool,
}

/// An entry of `/v1/jobs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobListStub {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    pub name: String,
    pub namespace: String,
    #[serde(deserialize_with = "nullable")]
    pub datacenters: Vec<String>,
    /// Since 1.6.0.
    pub node_pool: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub priority: i64,
    pub periodic: bool,
    pub parameterized_job: bool,
    pub stop: bool,
    pub status: String,
    pub status_description: String,
    pub job_summary: Option<JobSummary>,
    pub create_index: u64,
    pub modify_index: u64,
    pub job_modify_index: u64,
    pub submit_time: NanoTime,
    /// Listed with `meta=true` (since 1.4.3); absent when the job has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobSummary {
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub namespace: String,
    #[serde(deserialize_with = "nullable_values")]
    pub summary: BTreeMap<String, TaskGroupSummary>,
    /// Created (all zero) with every summary (`updateSummaryWithJob`).
    pub children: Option<crate::summary::JobChildrenSummary>,
    pub create_index: u64,
    pub modify_index: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskGroupSummary {
    pub queued: u64,
    pub complete: u64,
    pub failed: u64,
    pub running: u64,
    pub starting: u64,
    pub lost: u64,
    pub unknown: u64,
}

/// Body of `PUT /v1/jobs` and `PUT /v1/job/:id` (`api.JobRegisterRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterRequest {
    pub job: Option<Job>,
    /// Register only if the job's `JobModifyIndex` is still `JobModifyIndex` (0: a new job).
    pub enforce_index: bool,
    pub job_modify_index: u64,
    /// The job's source (1.6+, `api.JobRegisterRequest.Submission`); earlier releases ignore it.
    pub submission: Option<crate::submission::JobSubmission>,
}

/// Response of a job registration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobRegisterResponse {
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    pub eval_create_index: u64,
    pub job_modify_index: u64,
    pub warnings: String,
    pub index: u64,
    pub last_contact: u64,
    pub known_leader: bool,
}

/// Response of `DELETE /v1/job/:id` (stop, or purge).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobDeregisterResponse {
    #[serde(rename = "EvalID")]
    pub eval_id: String,
    pub eval_create_index: u64,
    pub job_modify_index: u64,
    pub index: u64,
    pub last_contact: u64,
    pub known_leader: bool,
}
