//! Running tasks: output to logs, rotation, the environment, completion and failure.

mod common;

use common::*;
use nomad_api::{client_status, task_event, task_state};
use std::fs;

#[tokio::test]
async fn task_stdout_and_stderr_land_in_alloc_logs() {
    let mut h = harness();
    let task = sh_task("web", "echo hello; echo oops >&2; echo \"$NOMAD_ALLOC_INDEX $NOMAD_TASK_NAME $NOMAD_JOB_ID\"; pwd");
    h.client.run(&alloc("a1", "batch", vec![task], policy(0, "fail"))).unwrap();
    let done = h.wait_status("a1", client_status::COMPLETE).await;
    assert_eq!(done.client_description, "All tasks have completed");
    let logs = h.logs_dir("a1");
    let task_dir = h.client.task_dir("a1", "web").unwrap();
    let stdout = fs::read_to_string(logs.join("web.stdout.0")).unwrap();
    assert_eq!(stdout, format!("hello\n2 web example\n{}\n", task_dir.display()));
    assert_eq!(fs::read_to_string(logs.join("web.stderr.0")).unwrap(), "oops\n");
    let state = &done.task_states["web"];
    assert_eq!(state.state, task_state::DEAD);
    assert!(!state.failed);
    assert!(state.started_at.is_some() && state.finished_at.is_some());
    assert_eq!(
        event_types(&done, "web"),
        [task_event::RECEIVED, task_event::TASK_SETUP, task_event::STARTED, task_event::TERMINATED]
    );
    for d in ["alloc/data", "alloc/tmp", "web/local", "web/secrets", "web/tmp"] {
        assert!(h.dir.path().join("alloc/a1").join(d).is_dir(), "{d}");
    }
}
