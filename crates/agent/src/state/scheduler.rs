//! The scheduler's decisions, taken synchronously in the write that asks for them: placing a
//! job's allocations, replacing a stopped one, stopping a job. Nodes never run out of room
//! here, so every evaluation completes at once, and is recorded as Nomad's worker leaves it:
//! complete, with the queued allocations per group (none) and the index it was scheduled at.

use super::status::is_terminal;
use super::store::Txn;
use nomad_api::{
    desired_status, eval_status, eval_trigger, AllocMetric, AllocatedCpuResources, AllocatedMemoryResources,
    AllocatedResources, AllocatedSharedResources, AllocatedTaskResources, Allocation, Evaluation, Job, Node,
    NodeScoreMeta, Resources, TaskGroup,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `allocMigrating`, the description of an allocation stopped through the API.
pub const ALLOC_MIGRATING: &str = "alloc is being migrated";
/// `allocUpdating`: replaced by a new version of its job.
pub const ALLOC_UPDATING: &str = "alloc is being updated due to job update";
/// `allocNotNeeded`: its job was stopped.
pub const ALLOC_NOT_NEEDED: &str = "alloc not needed due to job update";

/// What `Job.Register` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub eval_id: String,
    pub eval_create_index: u64,
    pub job_modify_index: u64,
    pub index: u64,
    /// The allocations placed.
    pub alloc_ids: Vec<String>,
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `structs.JobDefaultPriority`.
const JOB_DEFAULT_PRIORITY: i64 = 50;

/// An evaluation as its RPC creates it (`Job.Register`, `Job.Deregister`, `Alloc.Stop`).
fn new_eval(namespace: &str, job: &Job, triggered_by: &str, job_modify_index: u64) -> Evaluation {
    Evaluation {
        id: new_id(),
        namespace: namespace.to_string(),
        priority: job.priority,
        kind: job.kind.clone(),
        triggered_by: triggered_by.to_string(),
        job_id: job.id.clone(),
        job_modify_index,
        ..Evaluation::default()
    }
}

/// The evaluation once scheduled (`setStatus` of the generic scheduler): complete, with its
/// `QueuedAllocations` — zero for each group placed, or for every group of the job when
/// nothing was placed (none for a purged job) — and the index the worker's snapshot had.
pub(crate) fn complete_eval(txn: &mut Txn, mut eval: Evaluation, placed: &[&str]) -> Evaluation {
    eval.status = eval_status::COMPLETE.to_string();
    eval.snapshot_index = txn.index;
    let job = txn.store().job(&eval.namespace, &eval.job_id);
    eval.queued_allocations = if placed.is_empty() {
        job.into_iter().flat_map(|j| j.task_groups.iter().map(|g| (g.name.clone(), 0))).collect()
    } else {
        placed.iter().map(|g| (g.to_string(), 0)).collect()
    };
    let id = eval.id.clone();
    txn.upsert_eval(eval.clone());
    txn.store().eval(&id).cloned().unwrap_or(eval)
}

/// Registers (or updates) `job` and places `Count` allocations of each group, spread over
/// `nodes` in turn. An update replaces the running allocations of the previous version.
pub fn register(txn: &mut Txn, mut job: Job, nodes: &[Node]) -> Registered {
    let existing = txn.store().job(&job.namespace, &job.id).cloned();
    job.version = existing.as_ref().map_or(0, |j| j.version + 1);
    job.job_modify_index = txn.index;
    job.submit_time = nomad_api::NanoTime(txn.now);
    job.stop = false;
    job.status = super::status::job_status::PENDING.to_string();
    txn.upsert_job(job.clone());
    let job = txn.store().job(&job.namespace, &job.id).cloned().unwrap_or(job);
    // Periodic and parameterized jobs get no evaluation: their children are what runs.
    if job.periodic.is_some() || job.parameterized_job.is_some() {
        return Registered {
            eval_id: String::new(),
            eval_create_index: 0,
            job_modify_index: job.job_modify_index,
            index: txn.index,
            alloc_ids: Vec::new(),
        };
    }
    let eval = new_eval(&job.namespace, &job, eval_trigger::JOB_REGISTER, job.job_modify_index);

    if existing.is_some() {
        stop_running_allocs(txn, &job, ALLOC_UPDATING);
    }
    let mut alloc_ids = Vec::new();
    let mut placed = Vec::new();
    let mut turn = 0;
    // One job shared by the allocations this registration places, as Nomad's plan applier
    // shares it (`structs.DenormalizeAllocationJobs`): 100,000 allocations do not hold
    // 100,000 copies.
    let shared = Arc::new(job.clone());
    for group in &job.task_groups {
        // The group's resources are shared by its allocations in the same way.
        let resources = GroupResources::of(group);
        for i in 0..group.count.max(0) {
            let Some(node) = nodes.get(turn % nodes.len().max(1)) else { break };
            turn += 1;
            let name = format!("{}.{}[{i}]", job.id, group.name);
            let alloc = new_alloc(&shared, group, &resources, name, node, &eval.id, nodes.len());
            alloc_ids.push(alloc.id.clone());
            placed.push(group.name.as_str());
            txn.insert_alloc(alloc);
        }
    }
    let eval = complete_eval(txn, eval, &placed);
    Registered {
        eval_id: eval.id,
        eval_create_index: eval.create_index,
        job_modify_index: job.job_modify_index,
        index: txn.index,
        alloc_ids,
    }
}

/// `Alloc.Stop` and the evaluation it triggers: the allocation is marked for migration and,
/// unless it had already stopped, stopped and replaced on its node by one of the same name.
/// Returns the evaluation's ID, or `None` if there is no such allocation.
pub fn stop_alloc(txn: &mut Txn, alloc_id: &str) -> Option<String> {
    let alloc = txn.store().alloc(alloc_id)?.clone();
    let current_job = txn.store().job(&alloc.namespace, &alloc.job_id).cloned();
    // From the job the allocation carries, as `Alloc.Stop` builds it: its `ModifyIndex`.
    let alloc_job = alloc.job.clone().unwrap_or_default();
    let eval = new_eval(&alloc.namespace, &alloc_job, eval_trigger::ALLOC_STOP, alloc_job.modify_index);
    let was_terminal = is_terminal(&alloc);
    txn.update_alloc_desired(alloc_id, |a| {
        a.desired_transition.migrate = Some(true);
        if !was_terminal {
            a.desired_status = desired_status::STOP.to_string();
            a.desired_description = ALLOC_MIGRATING.to_string();
        }
    });
    let replace_on = txn.store().node(&alloc.node_id).cloned();
    let mut placed = Vec::new();
    if let (false, Some(job), Some(node)) = (was_terminal, current_job.filter(|j| !j.stop), replace_on) {
        if let Some(group) = job.task_groups.iter().find(|g| g.name == alloc.task_group) {
            let resources = GroupResources::of(group);
            let mut next = new_alloc(&Arc::new(job.clone()), group, &resources, alloc.name.clone(), &node, &eval.id, 1);
            next.previous_allocation = alloc.id.clone();
            txn.insert_alloc(next);
            placed.push(alloc.task_group.as_str());
        }
    }
    Some(complete_eval(txn, eval, &placed).id)
}

/// `Job.Deregister`: marks the job stopped (or removes it with `purge`) and stops its
/// allocations. Returns the evaluation's ID, or `None` if there is no such job.
pub fn deregister(txn: &mut Txn, namespace: &str, job_id: &str, purge: bool) -> Option<(String, u64)> {
    let mut job = txn.store().job(namespace, job_id)?.clone();
    job.stop = true;
    job.version += 1;
    job.job_modify_index = txn.index;
    // `Job.Deregister` makes every stop a service evaluation, of the job's priority.
    let priority = if job.priority > 0 { job.priority } else { JOB_DEFAULT_PRIORITY };
    let eval_job = Job { kind: nomad_api::job_type::SERVICE.to_string(), priority, ..job.clone() };
    let eval = new_eval(namespace, &eval_job, eval_trigger::JOB_DEREGISTER, txn.index);
    stop_running_allocs(txn, &job, ALLOC_NOT_NEEDED);
    if purge {
        txn.delete_job(namespace, job_id);
    } else {
        txn.upsert_job(job.clone());
    }
    // As at registration, periodic and parameterized jobs get no evaluation.
    if job.periodic.is_some() || job.parameterized_job.is_some() {
        return Some((String::new(), job.job_modify_index));
    }
    let eval = complete_eval(txn, eval, &[]);
    Some((eval.id, job.job_modify_index))
}

fn stop_running_allocs(txn: &mut Txn, job: &Job, description: &str) {
    let running: Vec<String> =
        txn.store().allocs_of_job(&job.namespace, &job.id).filter(|a| !is_terminal(a)).map(|a| a.id.clone()).collect();
    for id in running {
        txn.update_alloc_desired(&id, |a| {
            a.desired_status = desired_status::STOP.to_string();
            a.desired_description = description.to_string();
        });
    }
}

/// What the scheduler gives each allocation of a group: the same for all of them (no group
/// here asks for ports), so built once per placement and shared.
pub struct GroupResources {
    cpu: i64,
    memory_mb: i64,
    disk_mb: i64,
    task_resources: Arc<BTreeMap<String, Resources>>,
    allocated: Arc<AllocatedResources>,
}

impl GroupResources {
    pub fn of(group: &TaskGroup) -> Self {
        let disk_mb = group.ephemeral_disk.as_ref().map_or(300, |d| d.size_mb);
        let mut task_resources = BTreeMap::new();
        let mut allocated = BTreeMap::new();
        // `scheduler/rank.go` records every task's lifecycle, `nil` for a main task.
        let task_lifecycles = group.tasks.iter().map(|t| (t.name.clone(), t.lifecycle.clone())).collect();
        let (mut cpu, mut memory_mb) = (0, 0);
        for task in &group.tasks {
            let r = task.resources.clone().unwrap_or_default();
            cpu += r.cpu;
            memory_mb += r.memory_mb;
            allocated.insert(
                task.name.clone(),
                AllocatedTaskResources {
                    cpu: AllocatedCpuResources { cpu_shares: r.cpu },
                    memory: AllocatedMemoryResources {
                        memory_mb: r.memory_mb,
                        memory_max_mb: r.memory_max_mb.unwrap_or(0),
                    },
                    networks: Vec::new(),
                },
            );
            task_resources.insert(task.name.clone(), Resources { disk_mb: 0, ..r });
        }
        let allocated = AllocatedResources {
            tasks: allocated,
            task_lifecycles,
            shared: AllocatedSharedResources { disk_mb, ..AllocatedSharedResources::default() },
        };
        GroupResources {
            cpu,
            memory_mb,
            disk_mb,
            task_resources: Arc::new(task_resources),
            allocated: Arc::new(allocated),
        }
    }
}

/// A new allocation of `group` on `node`, with the resources and placement metrics the
/// scheduler records.
pub fn new_alloc(
    job: &Arc<Job>,
    group: &TaskGroup,
    resources: &GroupResources,
    name: String,
    node: &Node,
    eval_id: &str,
    nodes_evaluated: usize,
) -> Allocation {
    let GroupResources { cpu, memory_mb, disk_mb, .. } = *resources;
    let node_cpu = node.node_resources.as_ref().map_or(0, |r| r.cpu.cpu_shares).max(1);
    let binpack = (cpu as f64 / node_cpu as f64).clamp(0.0, 1.0);
    Allocation {
        id: new_id(),
        namespace: job.namespace.clone(),
        eval_id: eval_id.to_string(),
        name,
        node_id: node.id.clone(),
        node_name: node.name.clone(),
        job_id: job.id.clone(),
        job: Some(job.clone()),
        task_group: group.name.clone(),
        resources: Some(Resources { cpu, memory_mb, disk_mb, ..Resources::default() }),
        shared_resources: Some(Resources { disk_mb, ..Resources::default() }),
        task_resources: Arc::clone(&resources.task_resources),
        allocated_resources: Some(Arc::clone(&resources.allocated)),
        metrics: Some(AllocMetric {
            nodes_evaluated: nodes_evaluated as u64,
            nodes_in_pool: nodes_evaluated as u64,
            node_pool: job.node_pool.clone(),
            nodes_available: BTreeMap::from([(node.datacenter.clone(), nodes_evaluated as u64)]),
            score_meta_data: vec![NodeScoreMeta {
                node_id: node.id.clone(),
                scores: BTreeMap::from([
                    ("binpack".to_string(), binpack),
                    ("job-anti-affinity".to_string(), 0.0),
                    ("node-affinity".to_string(), 0.0),
                    ("node-reschedule-penalty".to_string(), 0.0),
                ]),
                norm_score: binpack,
            }],
            allocation_time: nomad_api::duration::GoDuration(48_000),
            ..AllocMetric::default()
        }),
        desired_status: desired_status::RUN.to_string(),
        client_status: nomad_api::client_status::PENDING.to_string(),
        ..Allocation::default()
    }
}
