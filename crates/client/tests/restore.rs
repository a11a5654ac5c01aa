//! A restarted agent's client restoring its allocations: tasks that were running start
//! again and append to their logs, dead tasks stay dead, collected allocations stay gone, and
//! what a killed agent's tasks left running is killed first.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_client::{AllocUpdate, ClientError};
use common::*;
use nomad_api::{client_status, task_event, task_state, Allocation};
use std::fs;
use std::time::Duration;

const TICKS: &str = r#"echo "run $$"; i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.05; done"#;

/// The allocation as the server kept it: the last client update it got.
fn as_kept(alloc: &Allocation, update: &AllocUpdate) -> Allocation {
    Allocation { client_status: update.client_status.clone(), task_states: update.task_states.clone(), ..alloc.clone() }
}

/// The allocation's state once it has `status`.
async fn reported(h: &Harness, alloc_id: &str, status: &str) -> AllocUpdate {
    eventually(status, || h.client.alloc_state(alloc_id).is_ok_and(|u| u.client_status == status)).await;
    h.client.alloc_state(alloc_id).unwrap()
}

fn read(path: &std::path::Path) -> Vec<u8> {
    fs::read(path).unwrap_or_default()
}

#[tokio::test]
async fn a_restarted_client_runs_its_tasks_again_and_appends_to_their_logs() {
    let mut h = harness();
    let service = alloc("s1", "service", vec![sh_task("web", TICKS)], policy(2, "fail"));
    let stopped = alloc("s2", "service", vec![sh_task("web", TICKS)], policy(2, "fail"));
    let batch = alloc("b1", "batch", vec![sh_task("once", "echo done")], policy(0, "fail"));
    let collected = alloc("g1", "batch", vec![sh_task("once", "true")], policy(0, "fail"));
    for a in [&service, &stopped, &batch, &collected] {
        h.client.run(a).unwrap();
    }
    let service_kept = reported(&h, "s1", client_status::RUNNING).await;
    let stopped_kept = reported(&h, "s2", client_status::RUNNING).await;
    let batch_kept = reported(&h, "b1", client_status::COMPLETE).await;
    let collected_kept = reported(&h, "g1", client_status::COMPLETE).await;
    h.client.gc("g1").await.unwrap();
    let log = h.logs_dir("s1").join("web.stdout.0");
    eventually("a few ticks", || String::from_utf8_lossy(&read(&log)).contains("tick 3")).await;

    // The agent goes away: its tasks are stopped, the server's state stays as it was.
    h.client.shutdown().await;
    let before = read(&log);
    let (client, updates) = client_at(h.dir.path());
    (h.client, h.updates) = (client, updates);
    h.client.restore(&as_kept(&service, &service_kept), true).await.unwrap();
    h.client.restore(&as_kept(&stopped, &stopped_kept), false).await.unwrap();
    h.client.restore(&as_kept(&batch, &batch_kept), false).await.unwrap();
    h.client.restore(&as_kept(&collected, &collected_kept), false).await.unwrap();

    let again = h
        .wait_for("s1", |u| {
            u.client_status == client_status::RUNNING && u.task_states["web"].state == task_state::RUNNING
        })
        .await;
    assert_eq!(
        event_types(&again, "web"),
        [
            task_event::RECEIVED,
            task_event::TASK_SETUP,
            task_event::STARTED,
            task_event::RESTORE_FAILED,
            task_event::STARTED
        ]
    );
    let restore_failed = &again.task_states["web"].events[3];
    assert_eq!(restore_failed.display_message, "failed to restore task; will not run until server is contacted");
    assert!(again.task_states["web"].started_at > service_kept.task_states["web"].started_at);

    // The earlier output stays byte for byte; the new run's is appended after it.
    eventually("the new run's output", || {
        let now = read(&log);
        now.starts_with(&before) && String::from_utf8_lossy(&now[before.len()..]).contains("tick 2")
    })
    .await;
    let now = String::from_utf8_lossy(&read(&log)).into_owned();
    let runs: Vec<&str> = now.lines().filter(|l| l.starts_with("run ")).collect();
    assert!(runs.len() == 2 && runs[0] != runs[1], "{runs:?}");

    // Stopped by the server while the agent was away: dead, without a kill of its own.
    let stopped_now = h.client.alloc_state("s2").unwrap();
    assert_eq!(stopped_now.task_states["web"].state, task_state::DEAD);
    assert_eq!(event_types(&stopped_now, "web"), event_types(&stopped_kept, "web"));
    // Finished: as it was, its files still served.
    let batch_now = h.client.alloc_state("b1").unwrap();
    assert_eq!(
        (batch_now.client_status.as_str(), batch_now.task_states),
        (client_status::COMPLETE, batch_kept.task_states)
    );
    assert_eq!(fs::read_to_string(h.logs_dir("b1").join("once.stdout.0")).unwrap(), "done\n");
    // Collected before the restart: stays collected.
    assert!(matches!(h.client.alloc_dir("g1"), Err(ClientError::UnknownAllocation(_))));
    h.client.shutdown().await;
}

#[test]
fn what_a_killed_agent_left_running_is_killed_before_the_task_runs_again() {
    // The test binary re-runs this test as the "agent" process it then kills.
    if let Ok(dir) = std::env::var(AGENT_DIR_VAR) {
        return play_agent(dir);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut agent = spawn_agent("what_a_killed_agent_left_running_is_killed_before_the_task_runs_again", dir.path());
    let child_file = dir.path().join("alloc/o1/web/local/child");
    wait_blocking("the task to start its child", || child_file.exists());
    let child = fs::read_to_string(&child_file).unwrap().trim().to_string();
    agent.kill().unwrap();
    agent.wait().unwrap();
    // In a cgroup, the agent's watchdog kills the child at once; in a session of its own, the
    // child outlives the agent (only the task itself gets its parent-death signal) until a
    // client starts on the data directory again.
    let outlived = is_alive(&child);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (client, mut updates) = client_at(dir.path());
        assert!(!is_alive(&child), "the leftover child (alive: {outlived}) was killed before the client runs anything");
        let mut kept = orphaning_alloc();
        let state = nomad_api::TaskState { state: task_state::RUNNING.into(), ..Default::default() };
        kept.task_states.insert("web".into(), state);
        client.restore(&kept, true).await.unwrap();
        loop {
            let u = tokio::time::timeout(Duration::from_secs(10), updates.recv()).await.unwrap().unwrap();
            if u.task_states["web"].state == task_state::RUNNING {
                break;
            }
        }
        client.shutdown().await;
    });
}

/// A task whose shell leaves a child in its process group and records the child's PID (in
/// its own directory: it may run as another user).
fn orphaning_alloc() -> Allocation {
    let script = "sleep 300 & echo $! > local/child.tmp; mv local/child.tmp local/child; wait";
    alloc("o1", "service", vec![sh_task("web", script)], policy(0, "fail"))
}

/// Plays the agent in the child process: runs the task, then waits to be killed.
fn play_agent(dir: String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (client, _updates) = client_at(std::path::Path::new(&dir));
        client.run(&orphaning_alloc()).unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
}
