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
    pub const RUNNING: &str = "running";
    pub const PAUSED: &str = "paused";
    pub const FAILED: &str = "failed";
    pub const SUCCESSFUL: &str = "successful";
    pub const CANCELLED: &str = "cancelled";
    pub const INITIALIZING: &str = "initializing";
    pub const PENDING: &str = "pending";
    pub const BLOCKED: &str = "blocked";
    pub const UNBLOCKING: &str = "unblocking";
}

/// `structs.Deployment`. `CreateTime` and `ModifyTime` (Unix nanoseconds) exist from 1.5.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Deployment {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub job_version: u64,
    pub job_modify_index: u64,
    pub job_spec_modify_index: u64,
    pub job_create_index: u64,
    pub is_multiregion: bool,
    #[serde(deserialize_with = "nullable")]
    pub task_groups: BTreeMap<String, DeploymentState>,
    pub status: String,
    pub status_description: String,
    pub eval_priority: i64,
    pub create_index: u64,
    pub modify_index: u64,
    pub create_time: i64,
    pub modify_time: i64,
}

/// `structs.DeploymentState`: one task group's progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeploymentState {
    pub auto_revert: bool,
    pub auto_promote: bool,
    /// `time.Duration`, nanoseconds.
    pub progress_deadline: i64,
    pub require_progress_by: Option<DateTime>,
    pub promoted: bool,
    #[serde(deserialize_with = "nullable")]
    pub placed_canaries: Vec<String>,
    pub desired_canaries: i64,
    pub desired_total: i64,
    pub placed_allocs: i64,
    pub healthy_allocs: i64,
    pub unhealthy_allocs: i64,
}
