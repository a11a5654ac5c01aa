//! Blocking queries and the allocation lifecycle over real processes: stop (with its
//! replacement), signal, restart, stats, garbage collection.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent, TRAP_SCRIPT};
use nomad_api::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn blocking_query_returns_on_change_and_on_timeout() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    let alloc = t.wait_alloc(&ids[0], running).await;

    let r = t.get("/v1/allocations").await;
    let index = r.index();
    assert!(index >= alloc.modify_index);

    // Nothing changes: the query answers at its wait with the same index and body.
    let started = Instant::now();
    let same = t.get(&format!("/v1/allocations?index={index}&wait=300ms")).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!((same.status, same.index()), (200, index));
    assert_eq!(same.json::<Vec<AllocationListStub>>().len(), 1);

    // A stop during the wait answers the blocked list and the blocked single read.
    let (list_path, single_path) = (
        format!("/v1/allocations?index={index}&wait=20s"),
        format!("/v1/allocation/{}?index={}&wait=20s", ids[0], alloc.modify_index),
    );
    let (list, single) = (t.get(&list_path), t.get(&single_path));
    let stop = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        t.post(&format!("/v1/allocation/{}/stop", ids[0]), "").await
    };
    let (list, single, stop) = tokio::join!(list, single, stop);
    assert_eq!(stop.status, 200, "{}", stop.text());
    assert!(list.index() > index && single.index() > index);
    let stopped: Allocation = single.json();
    assert_eq!(
        (stopped.desired_status.as_str(), stopped.desired_description.as_str()),
        ("stop", "alloc is being migrated")
    );
    assert_eq!(list.json::<Vec<AllocationListStub>>().len(), 2);
}

#[tokio::test]
async fn stop_replaces_a_service_allocation() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", TRAP_SCRIPT)]);
    let log = t.wait_trap_ready(&ids[0], "server").await;

    let r = t.send(reqwest::Method::PUT, &format!("/v1/allocation/{}/stop", ids[0]), None, None).await;
    assert_eq!(r.status, 200);
    let stop: AllocStopResponse = r.json();
    assert_eq!(r.index(), stop.index);
    assert!(!stop.eval_id.is_empty());

    let old = t.wait_alloc(&ids[0], |a| a.client_status == "complete").await;
    assert_eq!(old.desired_status, "stop");
    assert_eq!(old.desired_transition.migrate, Some(true));
    assert!(!old.next_allocation.is_empty());
    let server = &old.task_states["server"];
    assert_eq!(server.state, "dead");
    let kinds: Vec<&str> = server.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"Killing") && kinds.contains(&"Killed"), "{kinds:?}");

    let next = t.wait_alloc(&old.next_allocation, running).await;
    assert_eq!((next.previous_allocation.as_str(), next.name.as_str()), (ids[0].as_str(), "web.web[0]"));
    assert_eq!(next.eval_id, stop.eval_id);
    // Nomad kills with SIGINT unless the task names a `kill_signal`.
    t.wait_file_contains(&log, "got INT").await;

    // A batch allocation that already finished is not replaced.
    let batch = t.run_job("once", "default", "batch", 1, &[("run", "true")]);
    t.wait_alloc(&batch[0], |a| a.client_status == "complete").await;
    assert_eq!(t.post(&format!("/v1/allocation/{}/stop", batch[0]), "").await.status, 200);
    let done: Allocation = t.get(&format!("/v1/allocation/{}", batch[0])).await.json();
    assert!(done.next_allocation.is_empty());
}

#[tokio::test]
async fn signal_reaches_the_process() {
    let t = TestAgent::start().await;
    let ids = t.run_job("trap", "default", "service", 1, &[("trap", TRAP_SCRIPT), ("other", TRAP_SCRIPT)]);
    let log = t.wait_trap_ready(&ids[0], "trap").await;

    let signal = format!("/v1/client/allocation/{}/signal", ids[0]);
    let r = t.post(&signal, r#"{"Signal":"SIGUSR1","Task":"trap"}"#).await;
    assert_eq!((r.status, r.text().as_str()), (200, "{}"));
    assert_eq!(r.header("Access-Control-Allow-Origin"), None, "CORS only answers a request with an Origin");
    t.wait_file_contains(&log, "got USR1").await;
    let alloc = t.wait_alloc(&ids[0], |a| a.task_states["trap"].events.iter().any(|e| e.kind == "Signaling")).await;
    assert!(!alloc.task_states["other"].events.iter().any(|e| e.kind == "Signaling"));

    let bad = t.post(&signal, r#"{"Signal":"SIGNOPE"}"#).await;
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("SIGNOPE"), "{}", bad.text());
    let no_task = t.post(&signal, r#"{"Signal":"SIGUSR1","Task":"ghost"}"#).await;
    assert_eq!((no_task.status, no_task.text().as_str()), (400, "Task not found"));
    let unknown =
        t.post("/v1/client/allocation/0b0e0000-0000-0000-0000-000000000000/signal", r#"{"Signal":"SIGUSR1"}"#).await;
    assert_eq!(
        (unknown.status, unknown.text().as_str()),
        (404, "Unknown allocation \"0b0e0000-0000-0000-0000-000000000000\"")
    );
    assert_eq!(t.get(&signal).await.status, 405);
}

#[tokio::test]
async fn restart_counts_and_records_events() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", TRAP_SCRIPT)]);
    t.wait_alloc(&ids[0], running).await;
    let restart = format!("/v1/client/allocation/{}/restart", ids[0]);
    let r = t.post(&restart, r#"{"TaskName":"server"}"#).await;
    assert_eq!((r.status, r.text().as_str()), (200, "{}"));
    let alloc = t.wait_alloc(&ids[0], |a| a.task_states["server"].restarts == 1 && running(a)).await;
    let kinds: Vec<&str> = alloc.task_states["server"].events.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"Restart Signaled"), "{kinds:?}");

    // An empty body restarts every running task.
    assert_eq!(t.post(&restart, "").await.status, 200);
    t.wait_alloc(&ids[0], |a| a.task_states["server"].restarts == 2).await;
    let ghost = t.post(&restart, r#"{"TaskName":"ghost"}"#).await;
    assert_eq!(ghost.status, 400);
}

#[tokio::test]
async fn stats_of_a_busy_task_and_of_the_host() {
    let t = TestAgent::start().await;
    let ids = t.run_job("busy", "default", "service", 1, &[("spin", "while :; do :; done")]);
    t.wait_alloc(&ids[0], running).await;
    let path = format!("/v1/client/allocation/{}/stats", ids[0]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let usage = loop {
        let r = t.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let usage: AllocResourceUsage = r.json();
        if usage.resource_usage.cpu_stats.percent > 0.0 && usage.resource_usage.memory_stats.rss > 0 {
            break usage;
        }
        assert!(Instant::now() < deadline, "no usage measured: {usage:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert!(usage.tasks.contains_key("spin"));
    let one: AllocResourceUsage = t.get(&format!("{path}?task=spin")).await.json();
    assert_eq!(one.tasks.len(), 1);
    // `LatestAllocStats` filters without checking the name (client/allocrunner/alloc_runner.go).
    let ghost = t.get(&format!("{path}?task=ghost")).await;
    assert_eq!(ghost.status, 200);
    assert!(ghost.json::<AllocResourceUsage>().tasks.is_empty());

    let host: HostStats = t.get("/v1/client/stats").await.json();
    assert!(host.memory.is_some_and(|m| m.total > 0) && !host.cpu.is_empty());
    let cors = t
        .http
        .get(format!("{}/v1/client/stats", t.agent.url()))
        .header("Origin", "http://elsewhere")
        .send()
        .await
        .unwrap();
    assert_eq!(cors.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"));
    let other = t
        .http
        .get(format!("{}/v1/allocations", t.agent.url()))
        .header("Origin", "http://elsewhere")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let missing = t.get("/v1/client/allocation/0b0e0000-0000-0000-0000-000000000000/stats").await;
    assert_eq!(missing.status, 404);
    assert_eq!(t.get(&format!("/v1/client/allocation/{}/nothing", ids[0])).await.text(), "resource not found");
    assert_eq!(t.get("/v1/client/stats?node_id=0b0e0000-0000-0000-0000-000000000000").await.status, 404);
}

#[tokio::test]
async fn gc_collects_finished_allocations() {
    let t = TestAgent::start().await;
    let ids = t.run_job("once", "default", "batch", 1, &[("run", "echo done")]);
    let running_ids = t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    t.wait_alloc(&ids[0], |a| a.client_status == "complete").await;
    t.wait_alloc(&running_ids[0], running).await;
    let not_yet = t.get(&format!("/v1/client/allocation/{}/gc", running_ids[0])).await;
    assert_eq!(not_yet.status, 500, "{}", not_yet.text());
    let dir = t.agent.state().client.alloc_dir(&ids[0]).unwrap();
    assert!(dir.exists());
    let r = t.get(&format!("/v1/client/allocation/{}/gc", ids[0])).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!dir.exists());
    assert_eq!(t.get(&format!("/v1/client/allocation/{}/stats", ids[0])).await.status, 404);
    assert_eq!(t.get("/v1/client/gc").await.status, 200);
}
