//! `GET /v1/jobs/statuses` (1.8.0+): the paginated, blocking job index Nomad's web UI reads,
//! each job with the few fields of its allocations the UI draws (`nomad/structs/job.go`
//! `JobStatusesJob`, `JobStatusesAlloc`; `nomad/job_endpoint_statuses.go`). Built here from
//! a job and its allocations so that the agent writes it and the dashboard reads it alike.

use crate::version::NomadVersion;
use crate::{Allocation, Job};
use serde::{Deserialize, Serialize};

/// `structs.JobStatusesJob`: no omitempty, `NamespacedID` embedded first. `Stop` and
/// `Status` came in 1.8.1, `IsPack` in 1.8.3 (absent before: `None`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesJob {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
    pub name: String,
    #[serde(rename = "Type")]
    pub kind: String,
    pub node_pool: String,
    pub datacenters: Option<Vec<String>>,
    pub priority: i64,
    pub version: u64,
    pub submit_time: i64,
    pub modify_index: u64,
    pub allocs: Option<Vec<JobStatusesAlloc>>,
    pub group_count_sum: i64,
    pub child_statuses: Option<Vec<String>>,
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    /// `JobStatusesLatestDeployment`, kept as JSON: the agent has no deployments.
    pub latest_deployment: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pack: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `structs.JobStatusesAlloc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesAlloc {
    #[serde(rename = "ID")]
    pub id: String,
    pub group: String,
    pub client_status: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    pub deployment_status: JobStatusesDeployment,
    pub job_version: u64,
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    pub has_paused_task: bool,
}

/// `structs.JobStatusesDeployment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesDeployment {
    pub canary: bool,
    pub healthy: Option<bool>,
}

impl JobStatusesJob {
    /// `jobStatusesJobFromJob`: the job, its groups' counts summed, and its allocations (a
    /// periodic or parameterized job lists its children's statuses instead, `[]` if none);
    /// with the highest modify index among them, the page's blocking index.
    pub fn of<'a>(
        job: &Job,
        allocs: impl Iterator<Item = &'a Allocation>,
        children: impl Iterator<Item = &'a Job>,
        version: NomadVersion,
    ) -> (JobStatusesJob, u64) {
        let mut highest = job.modify_index;
        let mut out = JobStatusesJob {
            id: job.id.clone(),
            namespace: job.namespace.clone(),
            name: job.name.clone(),
            kind: job.kind.clone(),
            node_pool: job.node_pool.clone(),
            datacenters: (!job.datacenters.is_empty()).then(|| job.datacenters.clone()),
            priority: job.priority,
            version: job.version,
            submit_time: job.submit_time.0,
            modify_index: job.modify_index,
            group_count_sum: job.task_groups.iter().map(|g| g.count).sum(),
            parent_id: job.parent_id.clone(),
            stop: version.job_statuses_status().then_some(job.stop),
            is_pack: version.job_statuses_is_pack().then(|| job.meta.contains_key("pack.name")),
            status: version.job_statuses_status().then(|| job.status.clone()),
            ..JobStatusesJob::default()
        };
        if job.periodic.is_some() || job.parameterized_job.is_some() {
            let mut statuses = Vec::new();
            for child in children.filter(|c| c.parent_id == job.id) {
                highest = highest.max(child.modify_index);
                statuses.push(child.status.clone());
            }
            out.child_statuses = Some(statuses);
            return (out, highest);
        }
        let mut list = Vec::new();
        for a in allocs {
            list.push(JobStatusesAlloc {
                id: a.id.clone(),
                group: a.task_group.clone(),
                client_status: a.client_status.clone(),
                node_id: a.node_id.clone(),
                deployment_status: a
                    .deployment_status
                    .as_ref()
                    .map(|d| JobStatusesDeployment { canary: d.canary, healthy: d.healthy })
                    .unwrap_or_default(),
                job_version: a.job.as_ref().map_or(0, |j| j.version),
                followup_eval_id: a.followup_eval_id.clone(),
                has_paused_task: false,
            });
            highest = highest.max(a.modify_index);
        }
        out.allocs = (!list.is_empty()).then_some(list);
        (out, highest)
    }
}

/// The body a `POST` (or `GET`) may carry (`api.JobStatusesRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesRequest {
    pub jobs: Option<Vec<NamespacedId>>,
    pub include_children: bool,
}

/// `structs.NamespacedID` / `api.NamespacedID`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NamespacedId {
    #[serde(rename = "ID")]
    pub id: String,
    pub namespace: String,
}
