//! Scale mode: allocations without processes on synthetic nodes, for driving the dashboard
//! with thousands of allocations, and churn that keeps changing them as clients would report.

use crate::state::scheduler;
use crate::AppState;
use fastrand::Rng;
use nomad_api::duration::GoDuration;
use nomad_api::{
    client_status, job_type, task_event, task_state, Allocation, DateTime, Job, NanoTime, NomadVersion, Resources,
    Task, TaskEvent, TaskState,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::watch;

/// Allocations per synthetic node.
const ALLOCS_PER_NODE: usize = 200;
/// Nomad keeps the last 10 events of a task.
const MAX_EVENTS: usize = 10;
const SERVICES: &[&str] = &[
    "checkout",
    "payments",
    "search",
    "inventory",
    "auth",
    "billing",
    "catalog",
    "gateway",
    "notifier",
    "recommender",
    "ingest",
    "metrics",
    "pricing",
    "shipping",
    "reviews",
    "media",
];
const GROUP_SIZES: &[i64] = &[1, 2, 3, 5, 8, 10, 20, 50];

fn event(kind: &str, time: i64, display: String) -> TaskEvent {
    TaskEvent { kind: kind.to_string(), time: NanoTime(time), display_message: display, ..TaskEvent::default() }
}

fn push_event(state: &mut TaskState, e: TaskEvent) {
    let excess = (state.events.len() + 1).saturating_sub(MAX_EVENTS);
    state.events.drain(..excess);
    // Grown by one, not doubled: half-empty room for events in 100,000 allocations would
    // be tens of megabytes.
    state.events.reserve_exact(1);
    state.events.push(e);
}

fn synthetic_task(name: &str, image: &str, rng: &mut Rng) -> Task {
    Task {
        name: name.to_string(),
        driver: "docker".to_string(),
        config: BTreeMap::from([("image".to_string(), json!(image))]),
        resources: Some(Resources {
            cpu: [100, 250, 500][rng.usize(0..3)],
            memory_mb: [64, 128, 256, 512][rng.usize(0..4)],
            ..Resources::default()
        }),
        kill_timeout: GoDuration::from_std(Duration::from_secs(5)),
        ..Task::default()
    }
}

/// A job as Nomad would hold it once registered (`jobspec::fill_defaults`).
fn synthetic_job(n: usize, rng: &mut Rng, datacenter: &str, version: NomadVersion) -> Job {
    let service = SERVICES[n % SERVICES.len()];
    let batch = rng.f64() < 0.15;
    let namespace = if rng.f64() < 0.2 { crate::OPS_NAMESPACE } else { "default" };
    let id = format!("{service}-{n:04}");
    let mut tasks = vec![synthetic_task(service, &format!("registry.example/{service}:1.{}.{}", n % 9, n % 4), rng)];
    if rng.f64() < 0.3 {
        tasks.push(synthetic_task("envoy", "envoyproxy/envoy:v1.29", rng));
    }
    let group = crate::jobspec::group(service, GROUP_SIZES[rng.usize(0..GROUP_SIZES.len())], tasks);
    let kind = if batch { job_type::BATCH } else { job_type::SERVICE };
    let mut job = crate::jobspec::job(&id, namespace, kind, vec![group]);
    crate::jobspec::fill_defaults(&mut job, "global", datacenter, version);
    job
}

/// A task that was received, set up and started `age` nanoseconds before `now`.
fn started_task(now: i64, age: i64) -> TaskState {
    let start = now - age;
    let mut state =
        TaskState { state: task_state::RUNNING.into(), started_at: Some(DateTime(start)), ..TaskState::default() };
    push_event(&mut state, event(task_event::RECEIVED, start - 3_000_000_000, "Task received by client".into()));
    push_event(&mut state, event(task_event::TASK_SETUP, start - 2_900_000_000, "Building Task Directory".into()));
    push_event(&mut state, event(task_event::DRIVER_MESSAGE, start - 2_500_000_000, "Downloading image".into()));
    push_event(&mut state, event(task_event::STARTED, start, "Task started by client".into()));
    state
}

/// How much synthetic state to make (`--synthetic-allocs`, `--synthetic-jobs`,
/// `--synthetic-nodes`); a count of 0 jobs or nodes is derived from the allocations.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scale {
    pub allocs: usize,
    pub jobs: usize,
    pub nodes: usize,
}

/// Registers synthetic nodes and jobs until they hold `count` allocations, in varied states.
/// With a number of jobs, the allocations are shared evenly among them; with a number of
/// nodes (or jobs), each job's allocations go to the nodes after the last job's, so that
/// every node holds its share.
pub fn populate(state: &AppState, scale: Scale) {
    let count = scale.allocs;
    let mut rng = Rng::with_seed(count as u64);
    let now = crate::state::store::now_nanos();
    let node_count = if scale.nodes > 0 { scale.nodes } else { count.div_ceil(ALLOCS_PER_NODE).max(1) };
    let nodes: Vec<_> =
        (0..node_count).map(|i| crate::node::synthetic_node(i, &state.datacenter, state.version, now)).collect();
    state.cluster.write(|txn| nodes.iter().for_each(|n| txn.upsert_node(n.clone())));
    let spread = scale.nodes > 0 || scale.jobs > 0;
    let mut placed_count = 0;
    let mut n = 0;
    while placed_count < count || n < scale.jobs {
        let mut job = synthetic_job(n, &mut rng, &state.datacenter, state.version);
        for g in &mut job.task_groups {
            g.count = match scale.jobs {
                0 => g.count.min((count - placed_count) as i64),
                jobs => (count / jobs + usize::from(n < count % jobs)) as i64,
            };
        }
        n += 1;
        // The window of nodes this job's allocations take in turn.
        let wanted: usize =
            job.task_groups.iter().map(|g| g.count.max(0) as usize).sum::<usize>().clamp(1, nodes.len());
        let window = if spread {
            let start = (placed_count % nodes.len()).min(nodes.len() - wanted);
            &nodes[start..start + wanted]
        } else {
            &nodes[..]
        };
        let placed = state.cluster.write(|txn| scheduler::register(txn, job.clone(), window));
        state.cluster.write(|txn| {
            for id in &placed.alloc_ids {
                let age = rng.i64(60..7 * 86400) * 1_000_000_000;
                let roll = rng.f64();
                txn.update_alloc_client(id, |a| settle(a, &job, now, age, roll));
            }
        });
        placed_count += placed.alloc_ids.len();
    }
    crate::release_freed_memory();
}

/// The synthetic allocations (those not on this agent's node) churn can change: not the
/// complete ones, which it leaves as they are, so that `--churn N` makes N changes a second
/// (picking them cost about a tenth of the rate at 100,000 allocations).
pub fn alloc_ids(state: &AppState) -> Vec<String> {
    state
        .cluster
        .read()
        .allocs()
        .filter(|a| a.node_id != state.node_id && a.client_status != client_status::COMPLETE)
        .map(|a| a.id.clone())
        .collect()
}

/// Gives a new synthetic allocation a plausible client state: mostly running, some pending,
/// finished batch work, a few failures.
fn settle(alloc: &mut Allocation, job: &Job, now: i64, age: i64, roll: f64) {
    let tasks: Vec<String> = job.task_groups.iter().flat_map(|g| g.tasks.iter().map(|t| t.name.clone())).collect();
    let (status, description) = match (job.kind.as_str(), roll) {
        (job_type::BATCH, r) if r < 0.7 => (client_status::COMPLETE, "All tasks have completed"),
        (_, r) if r < 0.05 => (client_status::PENDING, "No tasks have started"),
        (_, r) if r < 0.08 => (client_status::FAILED, "Failed tasks"),
        _ => (client_status::RUNNING, "Tasks are running"),
    };
    alloc.client_status = status.into();
    alloc.client_description = description.into();
    for task in tasks {
        let mut ts = started_task(now, age);
        match status {
            client_status::PENDING => {
                ts = TaskState { state: task_state::PENDING.into(), ..TaskState::default() };
                push_event(&mut ts, event(task_event::RECEIVED, now - 1_000_000_000, "Task received by client".into()));
            }
            client_status::COMPLETE => finish(&mut ts, now - age / 2, 0, false),
            client_status::FAILED => finish(&mut ts, now - age / 2, 1, true),
            _ => {}
        }
        alloc.task_states.insert(task, ts);
    }
}

fn finish(ts: &mut TaskState, at: i64, exit_code: i64, failed: bool) {
    let mut terminated = event(task_event::TERMINATED, at, format!("Exit Code: {exit_code}"));
    terminated.exit_code = exit_code;
    terminated.details.insert("exit_code".into(), exit_code.to_string());
    push_event(ts, terminated);
    if failed {
        let e = event(task_event::NOT_RESTARTING, at + 1_000_000, "Error was unrecoverable".into());
        push_event(ts, TaskEvent { fails_task: true, ..e });
    }
    ts.state = task_state::DEAD.into();
    ts.failed = failed;
    ts.finished_at = Some(DateTime(at));
}

/// One client-reported change to a synthetic allocation.
fn change(alloc: &mut Allocation, now: i64, rng: &mut Rng) {
    let roll = rng.f64();
    let next = match (alloc.client_status.as_str(), roll) {
        (client_status::RUNNING, r) if r < 0.7 => client_status::RUNNING,
        (client_status::RUNNING, r) if r < 0.9 => client_status::PENDING,
        (client_status::RUNNING, _) => client_status::FAILED,
        _ => client_status::RUNNING,
    };
    for ts in alloc.task_states.values_mut() {
        match next {
            client_status::RUNNING => {
                if ts.state == task_state::RUNNING {
                    let mut terminated = event(task_event::TERMINATED, now - 2_000_000, "Exit Code: 137".into());
                    terminated.exit_code = 137;
                    push_event(ts, terminated);
                }
                if ts.state != task_state::PENDING {
                    restarting(ts, now - 1_000_000);
                }
                push_event(ts, event(task_event::STARTED, now, "Task started by client".into()));
                ts.state = task_state::RUNNING.into();
                ts.failed = false;
                ts.started_at = Some(DateTime(now));
                ts.finished_at = None;
            }
            client_status::PENDING => {
                let mut terminated = event(task_event::TERMINATED, now - 1_000_000, "Exit Code: 1".into());
                terminated.exit_code = 1;
                push_event(ts, terminated);
                restarting(ts, now);
                ts.state = task_state::PENDING.into();
            }
            _ => finish(ts, now, 1, true),
        }
    }
    alloc.client_status = next.into();
    alloc.client_description = match next {
        client_status::RUNNING => "Tasks are running",
        client_status::PENDING => "No tasks have started",
        _ => "Failed tasks",
    }
    .into();
}

fn restarting(ts: &mut TaskState, at: i64) {
    let mut e = event(task_event::RESTARTING, at, "Task restarting in 15s".into());
    e.restart_reason = "Restart within policy".into();
    e.start_delay = GoDuration::from_std(Duration::from_secs(15));
    push_event(ts, e);
    ts.restarts += 1;
    ts.last_restart = Some(DateTime(at));
}

/// Changes `rate` synthetic allocations per second, in batches every 100 ms (clients batch
/// their updates too), until stopped.
pub async fn churn(state: AppState, ids: Vec<String>, rate: f64, mut stopped: watch::Receiver<bool>) {
    if ids.is_empty() {
        return;
    }
    let mut rng = Rng::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut owed = 0.0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        owed += rate / 10.0;
        let batch = owed.floor() as usize;
        owed -= batch as f64;
        if batch == 0 {
            continue;
        }
        let now = crate::state::store::now_nanos();
        state.cluster.write(|txn| {
            for _ in 0..batch {
                let id = &ids[rng.usize(0..ids.len())];
                let finished = txn.store().alloc(id).is_none_or(|a| a.client_status == client_status::COMPLETE);
                if !finished {
                    txn.update_alloc_client(id, |a| change(a, now, &mut rng));
                }
            }
        });
    }
}
