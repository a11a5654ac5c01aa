//! Stop, signal, restart and GC of running allocations.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use nomad_api::{client_status, task_event, task_state};
use std::fs;
use std::time::Duration;

const LOOP: &str = "echo ready; while :; do sleep 0.05; done";

async fn wait_ready(h: &Harness, alloc_id: &str, task: &str) {
    let path = h.logs_dir(alloc_id).join(format!("{task}.stdout.0"));
    eventually("the task to be ready", || fs::read_to_string(&path).is_ok_and(|s| s.contains("ready"))).await;
}

#[tokio::test]
async fn stop_sends_the_kill_signal() {
    let mut h = harness();
    h.client.run(&alloc("s1", "service", vec![sh_task("web", "exec sleep 30")], policy(2, "fail"))).unwrap();
    h.wait_status("s1", client_status::RUNNING).await;
    h.client.stop("s1").await.unwrap();
    let done = h.wait_status("s1", client_status::COMPLETE).await;
    let types = event_types(&done, "web");
    assert_eq!(types[types.len() - 3..], [task_event::KILLING, task_event::TERMINATED, task_event::KILLED]);
    let events = &done.task_states["web"].events;
    let terminated = &events[events.len() - 2];
    assert_eq!((terminated.exit_code, terminated.signal), (130, 2));
    assert_eq!(terminated.display_message, "Exit Code: 130, Signal: 2");
    assert_eq!(events.last().unwrap().display_message, "Task successfully killed");
    assert!(!done.task_states["web"].failed);
    // Stopping a terminal allocation changes nothing.
    h.client.stop("s1").await.unwrap();
    assert_eq!(h.client.alloc_state("s1").unwrap().task_states["web"].events, *events);
}

#[tokio::test]
async fn stop_force_kills_a_task_that_ignores_the_signal() {
    let h = harness();
    let task = sh_task("web", &format!("trap '' INT TERM; {LOOP}"));
    h.client.run(&alloc("s2", "service", vec![task], policy(2, "fail"))).unwrap();
    wait_ready(&h, "s2", "web").await;
    h.client.stop("s2").await.unwrap();
    let state = h.client.alloc_state("s2").unwrap();
    assert_eq!(state.client_status, client_status::COMPLETE);
    let events = &state.task_states["web"].events;
    let killing = events.iter().find(|e| e.kind == task_event::KILLING).unwrap();
    assert_eq!(killing.kill_timeout.as_std(), Duration::from_millis(300));
    assert_eq!(killing.display_message, "Sent interrupt. Waiting 300ms before force killing");
    assert_eq!(killing.details["kill_timeout"], "300ms");
    let terminated = events.iter().find(|e| e.kind == task_event::TERMINATED).unwrap();
    assert_eq!((terminated.exit_code, terminated.signal), (137, 9));
    assert_eq!(events.last().unwrap().kind, task_event::KILLED);
}

#[tokio::test]
async fn signal_reaches_the_process() {
    let h = harness();
    let task = sh_task("web", &format!("trap 'echo got USR1' USR1; {LOOP}"));
    h.client.run(&alloc("g1", "service", vec![task, sh_task("other", LOOP)], policy(2, "fail"))).unwrap();
    wait_ready(&h, "g1", "web").await;
    h.client.signal("g1", Some("web"), "SIGUSR1").await.unwrap();
    let out = h.logs_dir("g1").join("web.stdout.0");
    eventually("the trap to run", || fs::read_to_string(&out).is_ok_and(|s| s.contains("got USR1"))).await;
    let state = h.client.alloc_state("g1").unwrap();
    let signaling = state.task_states["web"].events.last().unwrap();
    assert_eq!(signaling.kind, task_event::SIGNALING);
    assert_eq!(signaling.details["signal"], "SIGUSR1");
    assert_eq!(signaling.display_message, "Task being sent a signal");
    assert!(state.task_states["other"].events.iter().all(|e| e.kind != task_event::SIGNALING));

    let err = h.client.signal("g1", Some("nope"), "SIGUSR1").await.unwrap_err();
    assert_eq!(err.to_string(), "Task not found");
    assert!(err.is_bad_request());
    let err = h.client.signal("g1", None, "SIGBOGUS").await.unwrap_err();
    assert!(err.is_bad_request());
    assert!(err.to_string().starts_with("invalid signal \"SIGBOGUS\" - valid signals are [\"SIGABRT\""), "{err}");
    let err = h.client.signal("missing", None, "SIGUSR1").await.unwrap_err();
    assert_eq!(err.to_string(), "Unknown allocation \"missing\"");
    assert!(err.is_not_found());

    // Without a task, every task gets it.
    h.client.signal("g1", None, "sighup").await.unwrap();
    let state = h.client.alloc_state("g1").unwrap();
    assert!(state.task_states.values().all(|s| s.events.last().unwrap().kind == task_event::SIGNALING));
    h.client.shutdown().await;
}

#[tokio::test]
async fn restart_restarts_in_place_outside_the_policy() {
    let mut h = harness();
    // No restarts allowed by the policy: a user restart still happens.
    h.client.run(&alloc("r1", "service", vec![sh_task("web", LOOP)], policy(0, "fail"))).unwrap();
    wait_ready(&h, "r1", "web").await;
    h.client.restart("r1", Some("web")).await.unwrap();
    let out = h.logs_dir("r1").join("web.stdout.0");
    eventually("the second run", || fs::read_to_string(&out).is_ok_and(|s| s == "ready\nready\n")).await;
    h.wait_for("r1", |u| u.task_states["web"].state == task_state::RUNNING && u.task_states["web"].restarts == 1).await;
    let state = h.client.alloc_state("r1").unwrap();
    let types = event_types(&state, "web");
    assert_eq!(
        types[types.len() - 4..],
        [task_event::RESTART_SIGNAL, task_event::TERMINATED, task_event::RESTARTING, task_event::STARTED]
    );
    let web = &state.task_states["web"];
    let signaled = &web.events[web.events.len() - 4];
    assert_eq!(signaled.display_message, "User requested task to restart");
    assert_eq!(web.events[web.events.len() - 2].display_message, "Task restarting in 0s");
    assert!(!web.failed);

    let err = h.client.restart("r1", Some("nope")).await.unwrap_err();
    assert_eq!(err.to_string(), "Could not find task runner for task: nope");
    assert!(err.is_bad_request());

    h.client.restart("r1", None).await.unwrap();
    h.wait_for("r1", |u| u.task_states["web"].state == task_state::RUNNING && u.task_states["web"].restarts == 2).await;
    let state = h.client.alloc_state("r1").unwrap();
    let signaled = state.task_states["web"].events.iter().rev().find(|e| e.kind == task_event::RESTART_SIGNAL).unwrap();
    assert_eq!(signaled.display_message, "User requested running tasks to restart");
    h.client.shutdown().await;
}

#[tokio::test]
async fn restart_all_tasks_reruns_finished_ones() {
    let mut h = harness();
    let tasks = vec![sh_task("once", "echo once"), sh_task("web", LOOP)];
    h.client.run(&alloc("r2", "batch", tasks, policy(0, "fail"))).unwrap();
    h.wait_for("r2", |u| u.task_states["once"].state == task_state::DEAD).await;
    assert!(matches!(h.client.restart("r2", Some("once")).await, Err(caravan_client::ClientError::TaskNotRunning)));
    h.client.restart_all_tasks("r2").await.unwrap();
    let out = h.logs_dir("r2").join("once.stdout.0");
    eventually("the finished task to run again", || fs::read_to_string(&out).is_ok_and(|s| s == "once\nonce\n")).await;
    h.client.shutdown().await;
}

#[tokio::test]
async fn gc_removes_only_dead_allocations() {
    let mut h = harness();
    h.client.run(&alloc("c1", "service", vec![sh_task("web", LOOP)], policy(0, "fail"))).unwrap();
    h.wait_status("c1", client_status::RUNNING).await;
    let dir = h.client.alloc_dir("c1").unwrap();
    let err = h.client.gc("c1").await.unwrap_err();
    assert_eq!(err.to_string(), "No such allocation on client, or allocation not eligible for GC");
    assert!(!err.is_bad_request() && !err.is_not_found());
    h.client.gc_all().await.unwrap();
    assert!(dir.is_dir());

    h.client.stop("c1").await.unwrap();
    h.client.gc("c1").await.unwrap();
    assert!(!dir.exists());
    assert!(h.client.alloc_dir("c1").unwrap_err().is_not_found());
    assert!(h.client.gc("c1").await.unwrap_err().is_not_found());

    h.client.run(&alloc("c2", "batch", vec![sh_task("web", "true")], policy(0, "fail"))).unwrap();
    h.wait_status("c2", client_status::COMPLETE).await;
    let dir = h.client.alloc_dir("c2").unwrap();
    h.client.gc_all().await.unwrap();
    assert!(!dir.exists());
}

#[tokio::test]
async fn a_failed_task_kills_its_siblings() {
    let mut h = harness();
    let tasks = vec![sh_task("bad", "sleep 0.2; exit 1"), sh_task("good", LOOP)];
    h.client.run(&alloc("f1", "service", tasks, policy(0, "fail"))).unwrap();
    let failed = h
        .wait_for("f1", |u| u.client_status == client_status::FAILED && u.task_states["good"].state == task_state::DEAD)
        .await;
    let good = &failed.task_states["good"];
    assert!(!good.failed);
    let types = event_types(&failed, "good");
    assert_eq!(
        types[types.len() - 4..],
        [task_event::SIBLING_FAILED, task_event::KILLING, task_event::TERMINATED, task_event::KILLED]
    );
    let sibling = &good.events[good.events.len() - 4];
    assert_eq!(sibling.failed_sibling, "bad");
    assert_eq!(sibling.display_message, "Task's sibling \"bad\" failed");
    assert!(failed.task_states["bad"].failed);
}

#[test]
fn tasks_die_with_the_agent() {
    // The test binary re-runs this test as the "agent" process it then kills.
    if let Ok(dir) = std::env::var(AGENT_DIR_VAR) {
        return play_agent(dir);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut agent = spawn_agent("tasks_die_with_the_agent", dir.path());
    // Tasks write in their own directories (they may run as another user).
    let pid_file = dir.path().join("alloc/o1/web/local/pid");
    wait_blocking("the task to start", || pid_file.exists());
    let pid = fs::read_to_string(&pid_file).unwrap().trim().to_string();
    agent.kill().unwrap();
    agent.wait().unwrap();
    wait_blocking("the task to die", || !is_alive(&pid));
}

/// Plays the agent in the child process of `tasks_die_with_the_agent`: runs a task, then
/// waits to be killed.
fn play_agent(dir: String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (client, _updates) = client_at(std::path::Path::new(&dir));
        let script = "echo $$ > local/pid.tmp; mv local/pid.tmp local/pid; exec sleep 30";
        client.run(&alloc("o1", "service", vec![sh_task("web", script)], policy(0, "fail"))).unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
}
