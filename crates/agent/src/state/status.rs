//! What Nomad's state store derives from allocations and evaluations: whether an
//! allocation is terminal, and the job status. (Job summaries follow each allocation change
//! in the store, `Txn::count_in_summary`.) The store asks these; they read no table.

use nomad_api::{client_status, desired_status, eval_status, job_type, Allocation, Evaluation, Job};

/// `Allocation.TerminalStatus`: stopped by the server or finished on the client.
pub fn is_terminal(alloc: &Allocation) -> bool {
    matches!(alloc.desired_status.as_str(), desired_status::STOP | desired_status::EVICT) || is_client_terminal(alloc)
}

/// `Allocation.ClientTerminalStatus`.
pub fn is_client_terminal(alloc: &Allocation) -> bool {
    matches!(alloc.client_status.as_str(), client_status::COMPLETE | client_status::FAILED | client_status::LOST)
}

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
