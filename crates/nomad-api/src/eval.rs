//! Evaluations: the scheduler's unit of work (`/v1/evaluation/:id`), created by job
//! registration, allocation stops and other state changes.

use crate::time::NanoTime;
use serde::{Deserialize, Serialize};

/// `Evaluation.Status` values.
pub mod eval_status {
    pub const BLOCKED: &str = "blocked";
    pub const PENDING: &str = "pending";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
    pub const CANCELED: &str = "canceled";
}

/// `Evaluation.TriggeredBy` values.
pub mod eval_trigger {
    pub const JOB_REGISTER: &str = "job-register";
    pub const JOB_DEREGISTER: &str = "job-deregister";
    pub const ALLOC_STOP: &str = "alloc-stop";
    pub const NODE_UPDATE: &str = "node-update";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Evaluation {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    pub priority: i64,
    #[serde(rename = "Type")]
    pub kind: String,
    pub triggered_by: String,
    #[serde(rename = "JobID")]
    pub job_id: String,
    pub job_modify_index: u64,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    pub status: String,
    pub status_description: String,
    #[serde(rename = "PreviousEval")]
    pub previous_eval: String,
    pub create_index: u64,
    pub modify_index: u64,
    pub create_time: NanoTime,
    pub modify_time: NanoTime,
}
