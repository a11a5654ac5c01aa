//! Garbage collection keeps the state and the data directory bounded, as Nomad's does:
//! the server's core scheduler (nomad/core_sched.go v1.11.3: `evalGC`, `jobGC`, `forceGC`
//! behind `PUT /v1/system/gc`, nomad/system_endpoint.go `System.GarbageCollect`) reaps
//! terminal allocations and evaluations and purges dead jobs, and the client (client/gc.go
//! `keepUsageBelowThreshold`, client/client.go `removeAlloc`) removes the directories of
//! allocations the server collected and of finished ones beyond `gc_max_allocs`.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::{Allocation, Evaluation};
use reqwest::Method;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn alloc_dir(agent: &TestAgent, id: &str) -> PathBuf {
    agent.dir.path().join("alloc").join(id)
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn alloc_ids(agent: &TestAgent) -> Vec<String> {
    let list: Vec<Allocation> = agent.get("/v1/allocations").await.json();
    list.into_iter().map(|a| a.id).collect()
}

fn finished(a: &Allocation) -> bool {
    matches!(a.client_status.as_str(), "complete" | "failed")
}

/// Forced GC: a finished allocation of a stopped job leaves the state and the disk, with its
/// evaluations and the job; a running allocation stays however old; only a management token
/// may force it.
#[tokio::test]
async fn system_gc_reaps_a_stopped_jobs_allocations_and_the_client_removes_their_directories() {
    let agent = TestAgent::start().await;
    let web = agent.run_job("web", "default", "service", 1, &[("main", "sleep 300")]);
    let keep = agent.run_job("keep", "default", "service", 1, &[("main", "sleep 300")]);
    agent.wait_alloc(&web[0], running).await;
    agent.wait_alloc(&keep[0], running).await;
    assert!(alloc_dir(&agent, &web[0]).is_dir());

    // nomad/system_endpoint.go: PUT only (405 otherwise); 200 with no body.
    let get = agent.get("/v1/system/gc").await;
    assert_eq!((get.status, get.text().as_str()), (405, "Invalid method"));
    let r = agent.send(Method::DELETE, "/v1/job/web", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    agent.wait_alloc(&web[0], finished).await;
    tokio::time::sleep(Duration::from_millis(20)).await;

    let r = agent.send(Method::PUT, "/v1/system/gc", None, None).await;
    assert_eq!((r.status, r.text().as_str()), (200, ""));
    let ids = alloc_ids(&agent).await;
    assert!(!ids.contains(&web[0]), "{ids:?}");
    assert!(ids.contains(&keep[0]), "a running allocation is never collected: {ids:?}");
    assert_eq!(agent.get(&format!("/v1/allocation/{}", web[0])).await.status, 404);
    assert_eq!(agent.get("/v1/job/web").await.status, 404, "the dead job is purged");
    let evals: Vec<Evaluation> = agent.get("/v1/evaluations").await.json();
    assert!(evals.iter().all(|e| e.job_id != "web"), "{evals:?}");
    let web_dir = alloc_dir(&agent, &web[0]);
    wait_until("the collected allocation's directory is removed", || !web_dir.exists()).await;
    assert!(alloc_dir(&agent, &keep[0]).is_dir());
    let keep_alloc = agent.wait_alloc(&keep[0], running).await;
    assert_eq!(keep_alloc.desired_status, "run");
}

#[tokio::test]
async fn system_gc_needs_a_management_token() {
    let agent = TestAgent::start_with(|c| c.acl = true).await;
    let secrets = agent.agent.acl_secrets().unwrap();
    for token in [None, Some(secrets.readonly.as_str()), Some(secrets.operator.as_str())] {
        let r = agent.send(Method::PUT, "/v1/system/gc", token, None).await;
        assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"), "{token:?}");
    }
    let r = agent.send(Method::PUT, "/v1/system/gc", Some(&secrets.management), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// The timer, with thresholds of 300 ms: a job registered and stopped over and over leaves a
/// bounded state (eval GC reaps the replaced allocations while the job lives), and once it
/// stays stopped job GC purges it.
#[tokio::test]
async fn the_state_stays_bounded_under_a_register_stop_loop() {
    let threshold = Duration::from_millis(300);
    let agent = TestAgent::start_with(|c| {
        c.gc.eval_gc_threshold = threshold;
        c.gc.batch_eval_gc_threshold = threshold;
        c.gc.job_gc_threshold = threshold;
        c.gc.job_gc_interval = Duration::from_millis(100);
    })
    .await;
    const ROUNDS: usize = 60;
    let mut most = 0;
    for round in 0..ROUNDS {
        let ids = agent.run_job("loop", "default", "service", 1, &[("main", "sleep 300")]);
        assert_eq!(ids.len(), 1);
        let r = agent.send(Method::DELETE, "/v1/job/loop", None, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        tokio::time::sleep(Duration::from_millis(100)).await;
        let held = agent.agent.state().cluster.read().alloc_count();
        if round >= ROUNDS / 2 {
            most = most.max(held);
        }
    }
    // Without GC: one allocation per round, over 30 in the second half. With it: those whose
    // tasks are still being stopped or stopped in the last 300 ms or so.
    println!("at most {most} allocations held in the second half of {ROUNDS} rounds");
    assert!(most <= ROUNDS / 2, "{most} allocations held");
    let state = agent.agent.state().clone();
    wait_until("the stopped job is purged with its allocations and evaluations", || {
        let store = state.cluster.read();
        store.job("default", "loop").is_none() && store.alloc_count() == 0 && store.evals().count() == 0
    })
    .await;
    assert_eq!(agent.get("/v1/job/loop").await.status, 404);
    let dirs = std::fs::read_dir(agent.dir.path().join("alloc")).unwrap().count();
    wait_until("every allocation directory is removed", || dir_count(&agent.dir.path().join("alloc")) == 0).await;
    assert!(dirs <= ROUNDS);
}

fn dir_count(path: &Path) -> usize {
    std::fs::read_dir(path).map(|d| d.count()).unwrap_or(0)
}

/// client/gc.go: beyond `gc_max_allocs` the client removes the directories of finished
/// allocations, the one that finished first first; running ones stay however many; the
/// server keeps the allocations (until its own GC).
#[tokio::test]
async fn the_client_collects_finished_allocations_beyond_gc_max_allocs_oldest_first() {
    let agent = TestAgent::start_with(|c| {
        c.gc.gc_max_allocs = 3;
        c.gc.gc_interval = Duration::from_millis(100);
    })
    .await;
    let live = agent.run_job("live", "default", "service", 2, &[("main", "sleep 300")]);
    for id in &live {
        agent.wait_alloc(id, running).await;
    }
    let mut done = Vec::new();
    for n in 0..4 {
        let id = agent.run_job(&format!("once-{n}"), "default", "batch", 1, &[("main", "true")]).remove(0);
        agent.wait_alloc(&id, finished).await;
        done.push(id);
    }
    let (collected, kept) = done.split_at(3);
    for id in collected {
        let dir = alloc_dir(&agent, id);
        wait_until("an old finished allocation's directory is removed", || !dir.exists()).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(alloc_dir(&agent, &kept[0]).is_dir(), "the newest finished allocation is kept");
    for id in &live {
        assert!(alloc_dir(&agent, id).is_dir(), "a running allocation is never collected");
        agent.wait_alloc(id, running).await;
    }
    let ids = alloc_ids(&agent).await;
    assert!(done.iter().chain(&live).all(|id| ids.contains(id)), "the server keeps them: {ids:?}");
}
