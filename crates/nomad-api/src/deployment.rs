//! Deployments (`/v1/deployments`, `/v1/deployment/:id`, `/v1/job/:id/deployment[s]`): the
//! rollout of one version of a service job with an `update` strategy
//! (`nomad/structs/deployment.go`; `structs.go` before 1.9).
//!
//! The local agent creates none: it places every allocation of a version at once and models
//! neither update strategies nor allocation health, so its deployments table is empty, which
//! is what these types then describe.

use crate::serde_util::nullable;
use crate::time::DateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `Deployment.Status` values.
pub mod deployment_status {
    /// `running`: placing and watching allocations.
    pub const RUNNING: &str = "running";
    /// `paused`: paused by an operator; no further allocations are placed.
    pub const PAUSED: &str = "paused";
    /// `failed`: failed (unhealthy allocations, progress deadline, or marked failed); terminal.
    pub const FAILED: &str = "failed";
    /// `successful`: every group reached its desired healthy count; terminal.
    pub const SUCCESSFUL: &str = "successful";
    /// `cancelled`: superseded by a newer job version or the job was stopped; terminal.
    pub const CANCELLED: &str = "cancelled";
    /// `initializing`: multiregion, created and not started yet.
    pub const INITIALIZING: &str = "initializing";
    /// `pending`: multiregion, waiting for a peer region.
    pub const PENDING: &str = "pending";
    /// `blocked`: multiregion, done here but waiting for a peer region.
    pub const BLOCKED: &str = "blocked";
    /// `unblocking`: multiregion, unblocking the remaining regions.
    pub const UNBLOCKING: &str = "unblocking";
}

/// `structs.Deployment`. `CreateTime` and `ModifyTime` (Unix nanoseconds) exist from 1.5.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Deployment {
    /// The deployment's UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace of the job.
    pub namespace: String,
    /// ID of the job being deployed.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// Version of the job being deployed.
    pub job_version: u64,
    /// The job's `ModifyIndex` when the deployment was created.
    pub job_modify_index: u64,
    /// The job's `JobModifyIndex` (last change of its spec) when the deployment was created.
    pub job_spec_modify_index: u64,
    /// The job's create index, so that a stopped and re-run job does not list old deployments.
    pub job_create_index: u64,
    /// Whether the job is deployed across several regions (Enterprise).
    pub is_multiregion: bool,
    /// Per task group, its progress.
    #[serde(deserialize_with = "nullable")]
    pub task_groups: BTreeMap<String, DeploymentState>,
    /// One of [`deployment_status`].
    pub status: String,
    /// A human-readable explanation, e.g. `Deployment is running but requires manual promotion`.
    pub status_description: String,
    /// Priority of the evaluation that created the deployment, inherited by the ones it creates.
    pub eval_priority: i64,
    /// Raft index at which the deployment was created.
    pub create_index: u64,
    /// Raft index of the deployment's last change.
    pub modify_index: u64,
    /// When the deployment was created, Unix nanoseconds (1.5+; 0 before).
    pub create_time: i64,
    /// When the deployment last changed, Unix nanoseconds (1.5+; 0 before).
    pub modify_time: i64,
}

/// `structs.DeploymentState`: one task group's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentState {
    /// Roll back to the last stable job version if the deployment fails (`update.auto_revert`).
    pub auto_revert: bool,
    /// Promote the canaries once they are healthy, without an operator (`update.auto_promote`).
    pub auto_promote: bool,
    /// `time.Duration`, nanoseconds.
    pub progress_deadline: i64,
    /// By when an allocation must become healthy before the deployment fails; `None` when not set.
    pub require_progress_by: Option<DateTime>,
    /// Whether the group's canaries have been promoted.
    pub promoted: bool,
    /// IDs of the canary allocations placed.
    #[serde(deserialize_with = "nullable")]
    pub placed_canaries: Vec<String>,
    /// How many canaries the group asks for (`update.canary`).
    pub desired_canaries: i64,
    /// How many allocations the group wants in all.
    pub desired_total: i64,
    /// How many allocations have been placed.
    pub placed_allocs: i64,
    /// How many placed allocations are healthy.
    pub healthy_allocs: i64,
    /// How many placed allocations are unhealthy.
    pub unhealthy_allocs: i64,
}
