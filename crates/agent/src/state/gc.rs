//! The server's garbage collector: Nomad's core scheduler (`nomad/core_sched.go`, v1.11.3)
//! reduced to what this agent keeps. Without it, every stopped job's allocations and every
//! evaluation stay in the state forever, and a register/stop loop grows it without bound.
//!
//! - Eval GC (`evalGC`): a terminal evaluation older than `eval_gc_threshold` (1h; batch
//!   jobs' `batch_eval_gc_threshold`, 24h) is reaped with its allocations once all of them
//!   may be (`allocGCEligible`); a batch job still running keeps its current allocations.
//! - Job GC (`jobGC`): a job that may be collected (`jobIsGCable`: stopped or a finished
//!   batch job, dead) submitted longer ago than `job_gc_threshold` (4h), all of whose
//!   evaluations may be, is purged with them and their allocations.
//! - Forced GC (`PUT /v1/system/gc`, `forceGC`): both with every threshold one millisecond.
//!
//! Nomad runs each on a timer (every 5 minutes, `EvalGCInterval` and `JobGCInterval` in
//! nomad/config.go) through Raft (`Eval.Reap`, `Job.BatchDeregister`); here a pass is one
//! write, so the write-ahead log records what it removed.

use super::status::is_terminal;
use super::status::job_status;
use super::store::{Store, Txn};
use nomad_api::{client_status, desired_status, job_type, Allocation, Evaluation, Job};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// How old objects must be before they are collected (nomad/config.go `DefaultConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// `EvalGCThreshold`.
    pub eval: Duration,
    /// `BatchEvalGCThreshold`: evaluations of batch jobs.
    pub batch_eval: Duration,
    /// `JobGCThreshold`.
    pub job: Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            eval: Duration::from_secs(3600),
            batch_eval: Duration::from_secs(24 * 3600),
            job: Duration::from_secs(4 * 3600),
        }
    }
}

impl Thresholds {
    /// `forceGC`: "a minimal threshold for all objects to make force GC possible".
    pub const FORCE: Thresholds = Thresholds {
        eval: Duration::from_millis(1),
        batch_eval: Duration::from_millis(1),
        job: Duration::from_millis(1),
    };
}

/// What one pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reaped {
    pub jobs: usize,
    pub evals: usize,
    pub allocs: usize,
}

/// One pass of job GC then eval GC (the order of `forceGC`), in one write.
pub fn collect(txn: &mut Txn, thresholds: &Thresholds) -> Reaped {
    let now = txn.now;
    let cutoff = |threshold: Duration| now.saturating_sub(i64::try_from(threshold.as_nanos()).unwrap_or(i64::MAX));
    let (jobs, mut evals, mut allocs) = job_gc(txn.store(), cutoff(thresholds.job), now);
    let (more_evals, more_allocs) = eval_gc(txn.store(), cutoff(thresholds.eval), cutoff(thresholds.batch_eval), now);
    evals.extend(more_evals);
    allocs.extend(more_allocs);
    let mut reaped = Reaped::default();
    // `Eval.Reap` (allocations and evaluations), then `Job.BatchDeregister` with purge.
    for id in &allocs {
        reaped.allocs += usize::from(txn.delete_alloc(id));
    }
    for id in &evals {
        reaped.evals += usize::from(txn.delete_eval(id));
    }
    for (namespace, id) in &jobs {
        if txn.store().job(namespace, id).is_some() {
            txn.delete_job(namespace, id);
            reaped.jobs += 1;
        }
    }
    reaped
}

/// The allocations of every evaluation, by evaluation ID (`AllocsByEval`).
fn allocs_by_eval(store: &Store) -> BTreeMap<&str, Vec<&Allocation>> {
    let mut by_eval: BTreeMap<&str, Vec<&Allocation>> = BTreeMap::new();
    for alloc in store.allocs() {
        by_eval.entry(alloc.eval_id.as_str()).or_default().push(alloc);
    }
    by_eval
}

/// `jobIsGCable` (nomad/state/schema.go): periodic and parameterized jobs once stopped;
/// others once dead, and stopped unless they are batch jobs (which finish on their own).
fn job_is_gcable(job: &Job) -> bool {
    let periodic = job.periodic.as_ref().is_some_and(|p| p.get("Enabled").and_then(|e| e.as_bool()).unwrap_or(false));
    if periodic || job.parameterized_job.is_some() {
        return job.stop;
    }
    if job.status != job_status::DEAD {
        return false;
    }
    job.stop || matches!(job.kind.as_str(), job_type::BATCH | job_type::SYSBATCH)
}

/// `jobGC`: the jobs to purge, with their evaluations and allocations.
fn job_gc(store: &Store, cutoff: i64, now: i64) -> (Vec<(String, String)>, Vec<String>, Vec<String>) {
    let by_eval = allocs_by_eval(store);
    let (mut jobs, mut evals, mut allocs) = (Vec::new(), Vec::new(), Vec::new());
    'jobs: for job in store.jobs().filter(|j| job_is_gcable(j)) {
        // Ignore new jobs.
        if job.submit_time.0 > cutoff {
            continue;
        }
        let (mut job_evals, mut job_allocs) = (Vec::new(), Vec::new());
        for eval in store.evals_of_job(&job.namespace, &job.id) {
            match gc_eval(store, eval, by_eval.get(eval.id.as_str()), cutoff, true, now) {
                (true, ids) => {
                    job_evals.push(eval.id.clone());
                    job_allocs.extend(ids);
                }
                (false, _) => continue 'jobs,
            }
        }
        jobs.push((job.namespace.clone(), job.id.clone()));
        evals.extend(job_evals);
        allocs.extend(job_allocs);
    }
    (jobs, evals, allocs)
}

/// `evalGC`: the evaluations to reap and the allocations to reap with them (some may go
/// while their evaluation stays).
fn eval_gc(store: &Store, cutoff: i64, batch_cutoff: i64, now: i64) -> (Vec<String>, Vec<String>) {
    let by_eval = allocs_by_eval(store);
    let (mut evals, mut allocs) = (Vec::new(), Vec::new());
    for eval in store.evals() {
        let cutoff = if eval.kind == job_type::BATCH { batch_cutoff } else { cutoff };
        let (gc, ids) = gc_eval(store, eval, by_eval.get(eval.id.as_str()), cutoff, false, now);
        if gc {
            evals.push(eval.id.clone());
        }
        allocs.extend(ids);
    }
    let unique: BTreeSet<String> = allocs.into_iter().collect();
    (evals, unique.into_iter().collect())
}

/// `gcEval`: whether the evaluation may go, and which of its allocations may.
fn gc_eval(
    store: &Store,
    eval: &Evaluation,
    allocs: Option<&Vec<&Allocation>>,
    cutoff: i64,
    allow_batch: bool,
    now: i64,
) -> (bool, Vec<String>) {
    // Ignore non-terminal and new evaluations.
    if !eval.is_terminal() || eval.modify_time > cutoff {
        return (false, Vec::new());
    }
    let job = store.job(&eval.namespace, &eval.job_id);
    let allocs = allocs.map(Vec::as_slice).unwrap_or_default();
    // A batch job still running keeps its current allocations (the scheduler would run them
    // again); those of older versions may go.
    if eval.kind == job_type::BATCH {
        let collect = job.is_none_or(|j| j.status == job_status::DEAD && (j.stop || allow_batch));
        if let (false, Some(job)) = (collect, job) {
            let old: Vec<String> = allocs
                .iter()
                .filter(|a| a.create_index < job.job_modify_index && a.modify_time.0 < cutoff && is_terminal(a))
                .map(|a| a.id.clone())
                .collect();
            return (old.len() == allocs.len(), old);
        }
    }
    let eligible: Vec<String> =
        allocs.iter().filter(|a| alloc_gc_eligible(a, job, now, cutoff)).map(|a| a.id.clone()).collect();
    (eligible.len() == allocs.len(), eligible)
}

/// `allocGCEligible`: terminal and old enough, not still running on the client, and not
/// waiting to be rescheduled.
pub fn alloc_gc_eligible(alloc: &Allocation, job: Option<&Job>, now: i64, cutoff: i64) -> bool {
    if !is_terminal(alloc) || alloc.modify_time.0 > cutoff {
        return false;
    }
    // Still running on the client: it cannot be collected.
    if alloc.client_status == client_status::RUNNING {
        return false;
    }
    let Some(job) = job.filter(|j| !j.stop && j.status != job_status::DEAD) else { return true };
    if alloc.desired_status == desired_status::STOP || alloc.client_status != client_status::FAILED {
        return true;
    }
    let policy = job.task_groups.iter().find(|g| g.name == alloc.task_group).and_then(|g| g.reschedule_policy.as_ref());
    // No reschedule policy, or rescheduling disabled.
    let Some(policy) = policy.filter(|p| p.unlimited || p.attempts != 0) else { return true };
    // The reschedule tracker has been carried forward.
    if !alloc.next_allocation.is_empty() {
        return true;
    }
    if policy.unlimited {
        return false;
    }
    let Some(last) = alloc.reschedule_tracker.as_ref().and_then(|t| t.events.last()) else { return false };
    now.saturating_sub(last.reschedule_time.0) > policy.interval.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobspec::{group, job, shell_task};
    use crate::state::scheduler;
    use nomad_api::{Namespace, Node};

    fn store_with_node() -> (Store, Node) {
        let mut store = Store::default();
        let node = crate::node::synthetic_node(1, "dc1", nomad_api::NomadVersion::LATEST, 1);
        let mut txn = store.begin();
        txn.upsert_namespace(Namespace { name: "default".into(), ..Namespace::default() });
        txn.upsert_node(node.clone());
        txn.commit();
        (store, node)
    }

    fn write<R>(store: &mut Store, change: impl FnOnce(&mut Txn) -> R) -> R {
        let mut txn = store.begin();
        let result = change(&mut txn);
        txn.commit();
        result
    }

    /// Forced GC, once the writes before it are older than its one-millisecond thresholds.
    fn force(store: &mut Store) -> Reaped {
        std::thread::sleep(Duration::from_millis(5));
        write(store, |txn| collect(txn, &Thresholds::FORCE))
    }

    fn service(id: &str, count: i64) -> Job {
        job(id, "default", "service", vec![group("web", count, vec![shell_task("s", "sleep 100", 10, 8)])])
    }

    #[test]
    fn a_stopped_job_is_purged_with_its_allocations_and_evaluations() {
        let (mut store, node) = store_with_node();
        let placed = write(&mut store, |txn| scheduler::register(txn, service("web", 2), std::slice::from_ref(&node)));
        let live = write(&mut store, |txn| scheduler::register(txn, service("live", 1), std::slice::from_ref(&node)));
        write(&mut store, |txn| {
            for id in placed.alloc_ids.iter().chain(&live.alloc_ids) {
                txn.update_alloc_client(id, |a| a.client_status = client_status::RUNNING.into());
            }
        });
        write(&mut store, |txn| scheduler::deregister(txn, "default", "web", false));
        // Stopped, but its tasks still run on the client: only the stop's evaluation (which
        // placed nothing) goes.
        assert_eq!(force(&mut store), Reaped { jobs: 0, evals: 1, allocs: 0 });
        assert!(store.job("default", "web").is_some() && placed.alloc_ids.iter().all(|id| store.alloc(id).is_some()));
        write(&mut store, |txn| {
            for id in &placed.alloc_ids {
                txn.update_alloc_client(id, |a| a.client_status = client_status::COMPLETE.into());
            }
        });
        // Not old enough for the default thresholds.
        assert_eq!(write(&mut store, |txn| collect(txn, &Thresholds::default())), Reaped::default());
        assert_eq!(force(&mut store), Reaped { jobs: 1, evals: 1, allocs: 2 });
        assert!(store.job("default", "web").is_none() && store.job_versions("default", "web").next().is_none());
        assert!(placed.alloc_ids.iter().all(|id| store.alloc(id).is_none()));
        assert_eq!(store.allocs_of_node(&node.id).count(), 1);
        assert!(store.evals_of_job("default", "web").next().is_none());
        // The running job and its allocation stay.
        assert!(store.alloc(&live.alloc_ids[0]).is_some() && store.job("default", "live").is_some());
        assert!(store.eval(&live.eval_id).is_some());
    }

    #[test]
    fn replaced_allocations_go_with_their_evaluation_while_the_job_runs() {
        let (mut store, node) = store_with_node();
        let first = write(&mut store, |txn| scheduler::register(txn, service("web", 1), std::slice::from_ref(&node)));
        let second = write(&mut store, |txn| scheduler::register(txn, service("web", 1), std::slice::from_ref(&node)));
        write(&mut store, |txn| {
            txn.update_alloc_client(&first.alloc_ids[0], |a| a.client_status = client_status::COMPLETE.into())
        });
        assert_eq!(force(&mut store), Reaped { jobs: 0, evals: 1, allocs: 1 });
        assert!(store.alloc(&first.alloc_ids[0]).is_none() && store.eval(&first.eval_id).is_none());
        assert!(store.alloc(&second.alloc_ids[0]).is_some() && store.eval(&second.eval_id).is_some());
    }

    /// `allocGCEligible`: a failed allocation of a running job waits to be rescheduled.
    #[test]
    fn a_failed_allocation_waiting_for_a_reschedule_stays() {
        let web = service("web", 1);
        let mut alloc = Allocation {
            desired_status: desired_status::RUN.into(),
            client_status: client_status::FAILED.into(),
            task_group: "web".into(),
            ..Allocation::default()
        };
        let mut running = Job { status: job_status::RUNNING.into(), ..web };
        assert!(alloc_gc_eligible(&alloc, Some(&running), 10, 5));
        running.task_groups[0].reschedule_policy =
            Some(nomad_api::ReschedulePolicy { unlimited: true, ..Default::default() });
        assert!(!alloc_gc_eligible(&alloc, Some(&running), 10, 5));
        assert!(alloc_gc_eligible(&alloc, None, 10, 5));
        alloc.next_allocation = "next".into();
        assert!(alloc_gc_eligible(&alloc, Some(&running), 10, 5));
        alloc.modify_time = nomad_api::NanoTime(6);
        assert!(!alloc_gc_eligible(&alloc, Some(&running), 10, 5));
    }
}
