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
    /// `blocked`: could not place everything; waits for capacity or a change in the cluster.
    pub const BLOCKED: &str = "blocked";
    /// `pending`: waiting for (or being processed by) a scheduler.
    pub const PENDING: &str = "pending";
    /// `complete`: the scheduler processed it; terminal.
    pub const COMPLETE: &str = "complete";
    /// `failed`: processing failed too often (the broker's delivery limit); terminal, a
    /// `failed-follow-up` evaluation retries later.
    pub const FAILED: &str = "failed";
    /// `canceled`: superseded by a newer evaluation of the same job before it ran; terminal.
    pub const CANCELED: &str = "canceled";
}

/// `Evaluation.TriggeredBy` values (`structs.EvalTrigger*`).
pub mod eval_trigger {
    /// The job was registered or updated.
    pub const JOB_REGISTER: &str = "job-register";
    /// The job was stopped or purged.
    pub const JOB_DEREGISTER: &str = "job-deregister";
    /// A periodic job launched a child.
    pub const PERIODIC_JOB: &str = "periodic-job";
    /// A node is draining.
    pub const NODE_DRAIN: &str = "node-drain";
    /// A node changed (status, eligibility, drain...).
    pub const NODE_UPDATE: &str = "node-update";
    /// An allocation was stopped (`nomad alloc stop`).
    pub const ALLOC_STOP: &str = "alloc-stop";
    /// A core job the servers run themselves (garbage collection), of type `_core`.
    pub const SCHEDULED: &str = "scheduled";
    /// A rolling update continues with its next batch.
    pub const ROLLING_UPDATE: &str = "rolling-update";
    /// The deployment watcher acted (promotion, failure, progress).
    pub const DEPLOYMENT_WATCHER: &str = "deployment-watcher";
    /// Follow-up of an evaluation that failed, retried after a delay.
    pub const FAILED_FOLLOW_UP: &str = "failed-follow-up";
    /// The blocked evaluation created when the scheduler hit its limit of plan attempts.
    pub const MAX_PLANS: &str = "max-plan-attempts";
    /// An allocation failed and is to be rescheduled (maybe later, with `WaitUntil`).
    pub const RETRY_FAILED_ALLOC: &str = "alloc-failure";
    /// The blocked evaluation created for allocations that could not be placed.
    pub const QUEUED_ALLOCS: &str = "queued-allocs";
    /// Allocations were preempted by a higher-priority job.
    pub const PREEMPTION: &str = "preemption";
    /// The job's group was scaled (`nomad job scale`, autoscaler).
    pub const SCALING: &str = "job-scaling";
    /// An allocation of a disconnected node reached its disconnect timeout.
    pub const MAX_DISCONNECT_TIMEOUT: &str = "max-disconnect-timeout";
    /// A disconnected node came back and its allocations reconnect.
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

/// An evaluation (`structs.Evaluation`): one request for the scheduler to reconcile a job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Evaluation {
    /// The evaluation's UUID.
    #[serde(rename = "ID", skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Namespace of the job the evaluation is for.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Scheduling priority, from the job's (1 to 100, default 50); higher can preempt lower.
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub priority: i64,
    /// Which scheduler handles it: the job type (`service`, `batch`, `system`, `sysbatch`) or
    /// `_core` for the servers' own GC.
    #[serde(rename = "Type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Why it was created: one of [`eval_trigger`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub triggered_by: String,
    /// ID of the job the evaluation is for.
    #[serde(rename = "JobID", skip_serializing_if = "String::is_empty")]
    pub job_id: String,
    /// The job's modify index when the evaluation was created.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub job_modify_index: u64,
    /// UUID of the node whose change triggered the evaluation; empty otherwise.
    #[serde(rename = "NodeID", skip_serializing_if = "String::is_empty")]
    pub node_id: String,
    /// The node's modify index when the evaluation was created; 0 without a node.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub node_modify_index: u64,
    /// UUID of the deployment that triggered the evaluation; empty otherwise.
    #[serde(rename = "DeploymentID", skip_serializing_if = "String::is_empty")]
    pub deployment_id: String,
    /// One of [`eval_status`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// A human-readable explanation of the status (e.g. `created due to placement conflicts`);
    /// often empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status_description: String,
    /// `time.Duration`, nanoseconds.
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub wait: i64,
    /// When the evaluation should run: delayed reschedules and disconnect timeouts; `None` to
    /// run now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_until: Option<DateTime>,
    /// ID of the follow-up evaluation this one created; empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub next_eval: String,
    /// ID of the evaluation that created this one as its follow-up; empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub previous_eval: String,
    /// ID of the blocked evaluation created for what could not be placed; empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub blocked_eval: String,
    /// Only with `related=true`.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "Vec::is_empty")]
    pub related_evals: Vec<EvaluationStub>,
    /// Per task group that could not place every allocation, why (the placement metrics).
    #[serde(rename = "FailedTGAllocs", deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub failed_tg_allocs: BTreeMap<String, AllocMetric>,
    /// What the scheduler's reconciliation planned, only when `AnnotatePlan` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_annotations: Option<Value>,
    /// Per computed node class, whether it was found eligible for the job.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub class_eligibility: BTreeMap<String, bool>,
    /// The quota whose limit was reached (Enterprise); empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub quota_limit_reached: String,
    /// The job has constraints that computed node classes do not capture.
    #[serde(skip_serializing_if = "is_false")]
    pub escaped_computed_class: bool,
    /// Asks the scheduler to annotate its plan (for `nomad job plan`); false in normal operation.
    #[serde(skip_serializing_if = "is_false")]
    pub annotate_plan: bool,
    /// Per task group, the allocations the scheduler could not place yet.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "BTreeMap::is_empty")]
    pub queued_allocations: BTreeMap<String, i64>,
    /// Management token the scheduler uses to call the leader; never exposed by the API, so empty.
    #[serde(rename = "LeaderACL", skip_serializing_if = "String::is_empty")]
    pub leader_acl: String,
    /// The state index the scheduler worked from.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub snapshot_index: u64,
    /// Raft index at which the evaluation was created.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub create_index: u64,
    /// Raft index of the evaluation's last change.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub modify_index: u64,
    /// Unix nanoseconds (`int64` in Nomad, not a `time.Time`).
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub create_time: i64,
    /// When the evaluation last changed, Unix nanoseconds.
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
    /// The evaluation's UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Namespace of the job the evaluation is for.
    pub namespace: String,
    /// Scheduling priority, from the job's (1 to 100).
    pub priority: i64,
    /// Which scheduler handles it: the job type, or `_core`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Why it was created: one of [`eval_trigger`].
    pub triggered_by: String,
    /// ID of the job the evaluation is for.
    #[serde(rename = "JobID")]
    pub job_id: String,
    /// UUID of the node whose change triggered it; empty otherwise.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// UUID of the deployment that triggered it; empty otherwise.
    #[serde(rename = "DeploymentID")]
    pub deployment_id: String,
    /// One of [`eval_status`].
    pub status: String,
    /// A human-readable explanation of the status; often empty.
    pub status_description: String,
    /// When the evaluation should run; `None` to run now.
    pub wait_until: Option<DateTime>,
    /// ID of its follow-up evaluation; empty when none.
    pub next_eval: String,
    /// ID of the evaluation it follows up; empty when none.
    pub previous_eval: String,
    /// ID of the blocked evaluation it created; empty when none.
    pub blocked_eval: String,
    /// Raft index at which the evaluation was created.
    pub create_index: u64,
    /// Raft index of the evaluation's last change.
    pub modify_index: u64,
    /// When the evaluation was created, Unix nanoseconds.
    pub create_time: i64,
    /// When the evaluation last changed, Unix nanoseconds.
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
                "CreateIndex",
                "CreateTime",
                "ID",
                "JobID",
                "JobModifyIndex",
                "ModifyIndex",
                "ModifyTime",
                "Namespace",
                "Priority",
                "QueuedAllocations",
                "SnapshotIndex",
                "Status",
                "TriggeredBy",
                "Type"
            ]
        );
        assert_eq!(json["QueuedAllocations"]["web"], 0);
        let back: Evaluation = serde_json::from_value(json).unwrap();
        assert_eq!(back, eval);
        assert!(back.is_terminal());
        let nulls: Evaluation =
            serde_json::from_str(r#"{"ID":"x","FailedTGAllocs":null,"QueuedAllocations":null}"#).unwrap();
        assert!(nulls.failed_tg_allocs.is_empty() && !nulls.is_terminal());
    }
}
