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
    /// `ID`: the job's ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The job's namespace.
    pub namespace: String,
    /// The job's display name.
    pub name: String,
    /// `Type`: `service`, `batch`, `system` or `sysbatch`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The job's node pool.
    pub node_pool: String,
    /// The job's datacenters; `null` when it names none.
    pub datacenters: Option<Vec<String>>,
    /// The job's scheduling priority.
    pub priority: i64,
    /// The job's current version.
    pub version: u64,
    /// When the current version was submitted, in Unix nanoseconds.
    pub submit_time: i64,
    /// The job's `ModifyIndex`.
    pub modify_index: u64,
    /// A few fields of each of the job's allocations; `null` when it has none, and for a periodic
    /// or parameterized parent.
    pub allocs: Option<Vec<JobStatusesAlloc>>,
    /// The groups' `Count`s summed: how many allocations a healthy service job runs.
    pub group_count_sum: i64,
    /// `Status` of each child of a periodic or parameterized job (`[]` if none); `null` for other
    /// jobs.
    pub child_statuses: Option<Vec<String>>,
    /// `ParentID`: set on a child job, to its periodic or parameterized parent.
    #[serde(rename = "ParentID")]
    pub parent_id: String,
    /// `JobStatusesLatestDeployment`, kept as JSON: the agent has no deployments.
    pub latest_deployment: Option<serde_json::Value>,
    /// Whether the job was stopped (1.8.1+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<bool>,
    /// Whether the job carries `pack.name` meta, i.e. came from Nomad Pack (1.8.3+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_pack: Option<bool>,
    /// The job's `Status`: `pending`, `running` or `dead` (1.8.1+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `structs.JobStatusesAlloc`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesAlloc {
    /// `ID`: the allocation's UUID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The task group the allocation runs.
    pub group: String,
    /// `pending`, `running`, `complete`, `failed`, `lost` or `unknown`.
    pub client_status: String,
    /// `NodeID`: the node it is placed on.
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// Whether it is a canary and its health in its deployment; zero values outside a deployment.
    pub deployment_status: JobStatusesDeployment,
    /// The job version the allocation runs.
    pub job_version: u64,
    /// `FollowupEvalID`: the delayed evaluation that will reschedule it; empty if none.
    #[serde(rename = "FollowupEvalID")]
    pub followup_eval_id: String,
    /// Whether any of its tasks is paused (Enterprise); always false in the community edition.
    pub has_paused_task: bool,
}

/// `structs.JobStatusesDeployment`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatusesDeployment {
    /// Whether the allocation is a canary of its deployment.
    pub canary: bool,
    /// Health as the deployment judged it; `null` until decided.
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
    /// Only these jobs; `null` for every job the query selects.
    pub jobs: Option<Vec<NamespacedId>>,
    /// Whether to list the children of periodic and parameterized jobs too (left out by default).
    pub include_children: bool,
}

/// `structs.NamespacedID` / `api.NamespacedID`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NamespacedId {
    /// `ID`: the object's ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// The namespace the ID is unique in.
    pub namespace: String,
}
