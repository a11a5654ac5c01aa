//! What Nomad's state store derives from allocations: job summaries and job status.

use super::store::is_terminal;
use nomad_api::{client_status, eval_status, job_type, Allocation, Evaluation, Job, TaskGroupSummary};
use std::collections::BTreeMap;

/// `JobStatusPending`, `JobStatusRunning`, `JobStatusDead`.
pub mod job_status {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const DEAD: &str = "dead";
}

/// Per task group counts of allocations by client status (`JobSummary.Summary`).
pub fn summarize<'a>(job: &Job, allocs: impl Iterator<Item = &'a Allocation>) -> BTreeMap<String, TaskGroupSummary> {
    let mut summary: BTreeMap<String, TaskGroupSummary> =
        job.task_groups.iter().map(|tg| (tg.name.clone(), TaskGroupSummary::default())).collect();
    for alloc in allocs {
        let Some(tg) = summary.get_mut(&alloc.task_group) else { continue };
        match alloc.client_status.as_str() {
            client_status::PENDING => tg.starting += 1,
            client_status::RUNNING => tg.running += 1,
            client_status::COMPLETE => tg.complete += 1,
            client_status::FAILED => tg.failed += 1,
            client_status::LOST => tg.lost += 1,
            client_status::UNKNOWN => tg.unknown += 1,
            _ => {}
        }
    }
    summary
}

/// `getJobStatus` of Nomad's state store.
pub fn job_status<'a>(
    job: &Job,
    allocs: impl Iterator<Item = &'a Allocation>,
    evals: impl Iterator<Item = &'a Evaluation>,
) -> String {
    if job.kind == job_type::SYSTEM || job.parameterized_job.is_some() || job.periodic.is_some() {
        return if job.stop { job_status::DEAD } else { job_status::RUNNING }.to_string();
    }
    let mut has_alloc = false;
    for alloc in allocs {
        has_alloc = true;
        if !is_terminal(alloc) {
            return job_status::RUNNING.to_string();
        }
    }
    let mut has_eval = false;
    for eval in evals {
        has_eval = true;
        if !matches!(eval.status.as_str(), eval_status::COMPLETE | eval_status::FAILED | eval_status::CANCELED) {
            return job_status::PENDING.to_string();
        }
    }
    if job.stop || has_alloc || has_eval {
        job_status::DEAD.to_string()
    } else {
        job_status::PENDING.to_string()
    }
}
