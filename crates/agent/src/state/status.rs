//! What Nomad's state store derives from allocations and evaluations: the job status. (Job
//! summaries follow each allocation change in the store, `Txn::count_in_summary`.)

use super::store::is_terminal;
use nomad_api::{eval_status, job_type, Allocation, Evaluation, Job};

/// `JobStatusPending`, `JobStatusRunning`, `JobStatusDead`.
pub mod job_status {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const DEAD: &str = "dead";
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
