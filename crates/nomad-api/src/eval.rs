//! Evaluations: the scheduler's unit of work (`/v1/evaluations`, `/v1/evaluation/:id`), created
//! by job registration, job stops, allocation stops and other state changes.
//!
//! `structs.Evaluation` (`nomad/structs/eval.go` from 1.9, `structs.go` before) carries
//! `_struct bool \`codec:",omitempty"\``, so Nomad's encoder leaves out every empty field:
//! an evaluation that completed at once has no `StatusDescription`, `NodeID`, `Wait`,
//! `WaitUntil`, `PreviousEval`... in its JSON, not empty values. Every field here is skipped
//! when empty for that reason.

use crate::allocation::AllocMetric;
use crate::serde_util::nullable;
use crate::time::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `Evaluation.Status` values.
pub mod eval_status {
    pub const BLOCKED: &str = "blocked";
    pub const PENDING: &str = "pending";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
    pub const CANCELED: &str = "canceled";
}

/// `Evaluation.TriggeredBy` values (`structs.EvalTrigger*`).
pub mod eval_trigger {
    pub const JOB_REGISTER: &str = "job-register";
    pub const JOB_DEREGISTER: &str = "job-deregister";
    pub const PERIODIC_JOB: &str = "periodic-job";
    pub const NODE_DRAIN: &str = "node-drain";
    pub const NODE_UPDATE: &str = "node-update";
    pub const ALLOC_STOP: &str = "alloc-stop";
    pub const SCHEDULED: &str = "scheduled";
    pub const ROLLING_UPDATE: &str = "rolling-update";
    pub const DEPLOYMENT_WATCHER: &str = "deployment-watcher";
    pub const FAILED_FOLLOW_UP: &str = "failed-follow-up";
    pub const MAX_PLANS: &str = "max-plan-attempts";
    pub const RETRY_FAILED_ALLOC: &str = "alloc-failure";
    pub const QUEUED_ALLOCS: &str = "queued-allocs";
    pub const PREEMPTION: &str = "preemption";
    pub const SCALING: &str = "job-scaling";
    pub const MAX_DISCONNECT_TIMEOUT: &str = "max-disconnect-timeout";
    pub const RECONNECT: &str = "reconnect";
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Evaluation {
    #[serde(rename = "ID", skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub priority: i64,
    #[serde(rename = "Type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub triggered_by: String,
    #[serde(rename = "JobID", skip_serializing_if = "String::is_empty")]
    pub job_id: String,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub job_modify_index: u64,
    #[serde(rename = "NodeID", skip_serializing_if = "String::is_empty")]
    pub node_id: String,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub node_modify_index: u64,
    #[serde(rename = "DeploymentID", skip_serializing_if = "String::is_empty")]
    pub deployment_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_description: String,
    /// `time.Duration`, nanoseconds.
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub wait: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_until: Option<DateTime>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub next_eval: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub previous_eval: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub blocked_eval: String,
    /// Only with `related=true`.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub related_evals: Vec<EvaluationStub>,
    #[serde(rename = "FailedTGAllocs", deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_tg_allocs: BTreeMap<String, AllocMetric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_annotations: Option<Value>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub class_eligibility: BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub quota_limit_reached: String,
    #[serde(skip_serializing_if = "is_false")]
    pub escaped_computed_class: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub annotate_plan: bool,
    /// Per task group, the allocations the scheduler could not place yet.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub queued_allocations: BTreeMap<String, i64>,
    #[serde(rename = "LeaderACL", skip_serializing_if = "String::is_empty")]
    pub leader_acl: String,
    /// The state index the scheduler worked from.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub snapshot_index: u64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub create_index: u64,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub modify_index: u64,
    /// Unix nanoseconds (`int64` in Nomad, not a `time.Time`).
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub create_time: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub modify_time: i64,
}

impl Evaluation {
    /// `TerminalStatus`: complete, failed or canceled.
    pub fn is_terminal(&self) -> bool {
        matches!(self.status.as_str(), eval_status::COMPLETE | eval_status::FAILED | eval_status::CANCELED)
    }
}

/// `structs.EvaluationStub`, the form of `RelatedEvals` entries (not omitempty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EvaluationStub {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    pub priority: i64,
    #[serde(rename = "Type")]
    pub kind: String,
    pub triggered_by: String,
    #[serde(rename = "JobID")]
    pub job_id: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    pub status: String,
    pub status_description: String,
    pub wait_until: Option<DateTime>,
    pub next_eval: String,
    pub previous_eval: String,
    pub blocked_eval: String,
    pub create_index: u64,
    pub modify_index: u64,
    pub create_time: i64,
    pub modify_time: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `_struct bool \`codec:",omitempty"\`` (nomad/structs/eval.go, v1.11.3): a completed
    /// evaluation's JSON holds only the fields that have a value.
    #[test]
    fn empty_fields_are_left_out() {
        let eval = Evaluation {
            id: "e".into(),
            namespace: "default".into(),
            priority: 50,
            kind: "service".into(),
            triggered_by: eval_trigger::JOB_REGISTER.into(),
            job_id: "web".into(),
            job_modify_index: 7,
            status: eval_status::COMPLETE.into(),
            queued_allocations: BTreeMap::from([("web".into(), 0)]),
            snapshot_index: 7,
            create_index: 7,
            modify_index: 7,
            create_time: 1,
            modify_time: 1,
            ..Evaluation::default()
        };
        let json = serde_json::to_value(&eval).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "CreateIndex", "CreateTime", "ID", "JobID", "JobModifyIndex", "ModifyIndex", "ModifyTime", "Namespace",
                "Priority", "QueuedAllocations", "SnapshotIndex", "Status", "TriggeredBy", "Type"
            ]
        );
        assert_eq!(json["QueuedAllocations"]["web"], 0);
        let back: Evaluation = serde_json::from_value(json).unwrap();
        assert_eq!(back, eval);
        assert!(back.is_terminal());
        let nulls: Evaluation = serde_json::from_str(r#"{"ID":"x","FailedTGAllocs":null,"QueuedAllocations":null}"#).unwrap();
        assert!(nulls.failed_tg_allocs.is_empty() && !nulls.is_terminal());
    }
}
