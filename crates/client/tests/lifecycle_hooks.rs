//! Task lifecycle: prestart, sidecars, poststart and poststop tasks run in Nomad's order.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use nomad_api::{client_status, task_event, task_state, TaskLifecycle};
use std::fs;

fn hooked(mut task: nomad_api::Task, hook: &str, sidecar: bool) -> nomad_api::Task {
    task.lifecycle = Some(TaskLifecycle { hook: hook.into(), sidecar });
    task
}

#[tokio::test]
async fn hooks_run_in_order_and_sidecars_stop_with_the_main_tasks() {
    let mut h = harness();
    let tasks = vec![
        hooked(sh_task("init", "sleep 0.1; echo prepared > \"$NOMAD_ALLOC_DIR/data/init\""), "prestart", false),
        hooked(sh_task("proxy", "echo ready; while :; do sleep 0.05; done"), "prestart", true),
        sh_task("main", "cat \"$NOMAD_ALLOC_DIR/data/init\""),
        hooked(sh_task("after", "echo after-main"), "poststart", false),
        hooked(sh_task("cleanup", "echo cleanup"), "poststop", false),
    ];
    h.client.run(&alloc("l1", "batch", tasks, policy(0, "fail"))).unwrap();
    let done = h
        .wait_for("l1", |u| {
            u.client_status == client_status::COMPLETE && u.task_states["cleanup"].state == task_state::DEAD
        })
        .await;
    let logs = h.logs_dir("l1");
    assert_eq!(fs::read_to_string(logs.join("main.stdout.0")).unwrap(), "prepared\n");
    assert_eq!(fs::read_to_string(logs.join("after.stdout.0")).unwrap(), "after-main\n");
    assert_eq!(fs::read_to_string(logs.join("cleanup.stdout.0")).unwrap(), "cleanup\n");
    let started = |task: &str| done.task_states[task].started_at.unwrap().0;
    let finished = |task: &str| done.task_states[task].finished_at.unwrap().0;
    assert!(finished("init") <= started("main"));
    assert!(started("main") <= started("after"));
    assert!(finished("main") <= started("cleanup"));
    let proxy = &done.task_states["proxy"];
    assert!(!proxy.failed);
    let types = event_types(&done, "proxy");
    assert_eq!(
        types[types.len() - 4..],
        [task_event::MAIN_DEAD, task_event::KILLING, task_event::TERMINATED, task_event::KILLED]
    );
    assert_eq!(proxy.events[proxy.events.len() - 4].display_message, "Main tasks in the group died");
}

#[tokio::test]
async fn a_failed_prestart_task_keeps_the_main_task_from_running() {
    let mut h = harness();
    let tasks = vec![
        hooked(sh_task("init", "exit 2"), "prestart", false),
        sh_task("main", "echo should-not-run"),
        hooked(sh_task("cleanup", "echo cleanup"), "poststop", false),
    ];
    h.client.run(&alloc("l2", "service", tasks, policy(0, "fail"))).unwrap();
    let done = h.wait_for("l2", |u| u.task_states.values().all(|s| s.state == task_state::DEAD)).await;
    assert_eq!(done.client_status, client_status::FAILED);
    assert!(done.task_states["main"].started_at.is_none());
    assert!(!h.logs_dir("l2").join("main.stdout.0").exists());
    assert_eq!(fs::read_to_string(h.logs_dir("l2").join("cleanup.stdout.0")).unwrap(), "cleanup\n");
}
