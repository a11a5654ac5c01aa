//! Running tasks: output to logs, rotation, the environment, completion and failure.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use nomad_api::{client_status, task_event, task_state};
use std::fs;

#[tokio::test]
async fn task_stdout_and_stderr_land_in_alloc_logs() {
    let mut h = harness();
    let task =
        sh_task("web", "echo hello; echo oops >&2; echo \"$NOMAD_ALLOC_INDEX $NOMAD_TASK_NAME $NOMAD_JOB_ID\"; pwd");
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

#[tokio::test]
async fn logs_rotate_by_size_and_keep_max_files() {
    let mut h = harness();
    let script = "i=1; while [ $i -le 40 ]; do echo line-$i; i=$((i+1)); done";
    let kept = with_logs(sh_task("few", script), 3, 64);
    let all = with_logs(sh_task("all", script), 100, 64);
    h.client.run(&alloc("a2", "batch", vec![kept, all], policy(0, "fail"))).unwrap();
    h.wait_status("a2", client_status::COMPLETE).await;
    let logs = h.logs_dir("a2");
    let expected: String = (1..=40).map(|i| format!("line-{i}\n")).collect();

    // Every file is full lines within the size; together they are the whole output.
    let mut joined = String::new();
    for n in 0.. {
        let Ok(text) = fs::read_to_string(logs.join(format!("all.stdout.{n}"))) else { break };
        assert!(text.len() <= 64 && text.ends_with('\n'), "all.stdout.{n}: {text:?}");
        joined.push_str(&text);
    }
    assert_eq!(joined, expected);

    // Only the newest three files remain, still ending with the last line.
    let mut names: Vec<String> = fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("few.stdout."))
        .collect();
    names.sort_by_key(|n| n.rsplit('.').next().and_then(|i| i.parse::<u32>().ok()));
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(!names.contains(&"few.stdout.0".to_string()));
    let newest = fs::read_to_string(logs.join(names.last().unwrap())).unwrap();
    assert!(newest.ends_with("line-40\n"), "{newest:?}");
}

#[tokio::test]
async fn crashing_task_restarts_then_fails_the_allocation() {
    let mut h = harness();
    let task = sh_task("web", "echo run; exit 3");
    h.client.run(&alloc("a3", "service", vec![task], policy(1, "fail"))).unwrap();
    let failed = h.wait_status("a3", client_status::FAILED).await;
    assert_eq!(failed.client_description, "Failed tasks");
    let state = &failed.task_states["web"];
    assert!(state.failed);
    assert_eq!(state.state, task_state::DEAD);
    assert_eq!(state.restarts, 1);
    assert!(state.last_restart.is_some());
    assert_eq!(
        event_types(&failed, "web"),
        [
            task_event::RECEIVED,
            task_event::TASK_SETUP,
            task_event::STARTED,
            task_event::TERMINATED,
            task_event::RESTARTING,
            task_event::STARTED,
            task_event::TERMINATED,
            task_event::NOT_RESTARTING,
        ]
    );
    let events = &state.events;
    assert_eq!(events[3].exit_code, 3);
    assert_eq!(events[3].display_message, "Exit Code: 3");
    assert_eq!(events[4].restart_reason, "Restart within policy");
    assert!(events[4].display_message.starts_with("Task restarting in "));
    assert!(events[7].fails_task);
    assert_eq!(events[7].display_message, "Exceeded allowed attempts 1 in interval 1m0s and mode is \"fail\"");
    assert_eq!(fs::read_to_string(h.logs_dir("a3").join("web.stdout.0")).unwrap(), "run\nrun\n");
}

#[tokio::test]
async fn missing_command_is_a_driver_failure() {
    let mut h = harness();
    let mut task = sh_task("web", "");
    task.config.insert("command".into(), serde_json::json!("no-such-command-caravan"));
    h.client.run(&alloc("a4", "service", vec![task], policy(3, "delay"))).unwrap();
    let failed = h.wait_status("a4", client_status::FAILED).await;
    let events = &failed.task_states["web"].events;
    let driver_failure = events.iter().find(|e| e.kind == task_event::DRIVER_FAILURE).unwrap();
    assert!(driver_failure.driver_error.contains("file no-such-command-caravan not found under path"));
    assert_eq!(driver_failure.display_message, driver_failure.driver_error);
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.display_message.as_str()),
        (task_event::NOT_RESTARTING, "Error was unrecoverable")
    );
}

#[tokio::test]
async fn task_environment_has_nomad_variables_and_interpolates() {
    let mut h = harness();
    let mut task = sh_task("web", "echo \"$GREETING\"");
    task.env.insert("GREETING".into(), "hi from ${NOMAD_TASK_NAME} on ${node.unique.name}".into());
    h.client.run(&alloc("a5", "batch", vec![task], policy(0, "fail"))).unwrap();
    h.wait_status("a5", client_status::COMPLETE).await;
    assert_eq!(fs::read_to_string(h.logs_dir("a5").join("web.stdout.0")).unwrap(), "hi from web on local\n");
    let env: std::collections::BTreeMap<_, _> = h.client.task_env("a5", "web").unwrap().into_iter().collect();
    let alloc_dir = h.client.alloc_dir("a5").unwrap();
    assert_eq!(env["NOMAD_ALLOC_DIR"], alloc_dir.join("alloc").to_string_lossy());
    assert_eq!(env["NOMAD_TASK_DIR"], alloc_dir.join("web/local").to_string_lossy());
    assert_eq!(env["NOMAD_SECRETS_DIR"], alloc_dir.join("web/secrets").to_string_lossy());
    for (k, v) in [
        ("NOMAD_ALLOC_ID", "a5"),
        ("NOMAD_ALLOC_NAME", "example.group[2]"),
        ("NOMAD_ALLOC_INDEX", "2"),
        ("NOMAD_GROUP_NAME", "group"),
        ("NOMAD_JOB_ID", "example"),
        ("NOMAD_JOB_NAME", "example"),
        ("NOMAD_NAMESPACE", "default"),
        ("NOMAD_REGION", "global"),
        ("NOMAD_DC", "dc1"),
        ("NOMAD_CPU_LIMIT", "0"),
        ("NOMAD_MEMORY_LIMIT", "0"),
    ] {
        assert_eq!(env[k], v, "{k}");
    }
}

#[tokio::test]
async fn bad_allocations_are_refused_without_running_anything() {
    let h = harness();
    let mut no_job = alloc("b1", "batch", vec![sh_task("web", "true")], policy(0, "fail"));
    no_job.job = None;
    let mut no_group = alloc("b2", "batch", vec![sh_task("web", "true")], policy(0, "fail"));
    no_group.task_group = "other".into();
    let escaping = alloc("../b3", "batch", vec![sh_task("web", "true")], policy(0, "fail"));
    let bad_task = alloc("b4", "batch", vec![sh_task("a/b", "true")], policy(0, "fail"));
    let twice = alloc("b6", "batch", vec![sh_task("web", "true"), sh_task("web", "true")], policy(0, "fail"));
    for a in [no_job, no_group, escaping, bad_task, twice] {
        let err = h.client.run(&a).unwrap_err();
        assert!(err.is_bad_request(), "{err}");
        assert!(h.client.alloc_dir(&a.id).unwrap_err().is_not_found());
    }
    assert_eq!(
        h.client
            .run(&{
                let mut a = alloc("b5", "batch", vec![sh_task("web", "true")], policy(0, "fail"));
                a.task_group = "nope".into();
                a
            })
            .unwrap_err()
            .to_string(),
        "failed to lookup task group \"nope\""
    );
    assert!(!h.dir.path().join("b3").exists());
}
