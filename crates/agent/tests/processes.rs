//! Issue 16: an exec session's processes, and a task's, die with their session, their
//! allocation and the agent. `sleep 600 &` typed in an interactive shell used to outlive a
//! dropped connection (job control gives it a process group of its own), a stopped allocation,
//! and the agent, reparented to PID 1.
//!
//! Nomad kills a task's processes with its cgroup (`cgroup.kill`, `client/lib/cgroupslib/
//! editor.go`, v1.11.3) and starts exec'd commands in the task's cgroup
//! (`drivers/shared/executor/executor_universal_linux.go` `setSubCmdCgroup`). Where a root
//! agent can use cgroups v2 these tests require that it does (see `cgroups_expected`); elsewhere
//! each unit is a session of its own.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod exec_client;

use common::{running, TestAgent};
use exec_client::{
    alive, cgroup_of, cgroups_expected, finish, gone_within, open, read_number_after, reap, reset, send,
};
use nomad_api::exec::ExecStreamingInput;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

/// How long killed processes may take to be gone.
const SOON: Duration = Duration::from_secs(5);

/// An agent running one service allocation whose task `main` runs `script`.
async fn agent_with(script: &str) -> (TestAgent, String) {
    let t = TestAgent::start().await;
    let id = t.run_job("web", "default", "service", 1, &[("main", script)])[0].clone();
    t.wait_alloc(&id, running).await;
    (t, id)
}

/// Checks that the process is in the agent's cgroup of `alloc` when cgroups are expected.
fn assert_contained(pid: i32, alloc: &str) {
    if cgroups_expected() {
        let cgroup = cgroup_of(pid);
        assert!(cgroup.contains("/caravan-") && cgroup.contains(alloc), "{pid} is in cgroup {cgroup:?}");
    }
}

#[tokio::test]
async fn a_background_job_of_an_interactive_shell_dies_when_the_connection_is_reset() {
    let (t, alloc) = agent_with("sleep 600").await;
    let mut ws = open(t.agent.addr(), &alloc, "main", &["/bin/sh"], true, None).await;
    send(&mut ws, ExecStreamingInput::stdin(b"sleep 600 & echo pid=$!\n".to_vec())).await;
    let sleeper = read_number_after(&mut ws, "pid=").await;
    assert!(alive(sleeper));
    assert_contained(sleeper, &alloc);
    reset(ws);
    let gone = gone_within(sleeper, SOON).await;
    reap(sleeper);
    assert!(gone, "the background job outlived its session");
    // The task itself goes on.
    assert_eq!(t.wait_alloc(&alloc, running).await.client_status, "running");
    t.agent.shutdown().await;
}

#[tokio::test]
async fn a_command_that_ends_leaves_nothing_behind() {
    let (t, alloc) = agent_with("sleep 600").await;
    let mut ws = open(
        t.agent.addr(),
        &alloc,
        "main",
        &["/bin/sh", "-c", "sleep 600 > /dev/null 2>&1 & echo pid=$!"],
        false,
        None,
    )
    .await;
    let sleeper = read_number_after(&mut ws, "pid=").await;
    let out = finish(&mut ws).await;
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    let gone = gone_within(sleeper, SOON).await;
    reap(sleeper);
    assert!(gone, "what the command left outlived its session");
    t.agent.shutdown().await;
}

#[tokio::test]
async fn stopping_the_allocation_ends_its_exec_sessions() {
    let (t, alloc) = agent_with("sleep 600").await;
    let mut ws =
        open(t.agent.addr(), &alloc, "main", &["/bin/sh", "-c", "sleep 600 & echo pid=$!; wait"], false, None).await;
    let sleeper = read_number_after(&mut ws, "pid=").await;
    assert_contained(sleeper, &alloc);
    assert_eq!(t.post(&format!("/v1/allocation/{alloc}/stop"), "").await.status, 200);
    let gone = gone_within(sleeper, SOON + Duration::from_secs(5)).await;
    reap(sleeper);
    assert!(gone, "the session's process outlived its allocation");
    // The session ends: its command was killed (128 + SIGKILL).
    let out = tokio::time::timeout(SOON, finish(&mut ws)).await.expect("the session ends with its allocation");
    assert_eq!(out.exit_code, Some(137), "{out:?}");
    t.agent.shutdown().await;
}

#[tokio::test]
async fn a_tasks_background_children_die_with_its_allocation() {
    // One child stays in the task's process group; the other starts a session of its own,
    // which only a cgroup holds.
    let script = "sleep 600 & echo $! > local/child; setsid sleep 600 & echo $! > local/escaped; wait";
    let (t, alloc) = agent_with(script).await;
    let local = t.agent.state().client.alloc_dir(&alloc).unwrap().join("main/local");
    let child = pid_in(&local.join("child")).await;
    let escaped = pid_in(&local.join("escaped")).await;
    assert_contained(child, &alloc);
    assert_contained(escaped, &alloc);
    // The job stops, so no replacement starts (and, without cgroups, leaves its own escapee).
    assert_eq!(t.send(reqwest::Method::DELETE, "/v1/job/web", None, None).await.status, 200);
    t.wait_alloc(&alloc, |a| a.client_status == "complete").await;
    let child_gone = gone_within(child, SOON).await;
    let escaped_gone = gone_within(escaped, if cgroups_expected() { SOON } else { Duration::ZERO }).await;
    reap(child);
    reap(escaped);
    assert!(child_gone, "the task's child outlived its allocation");
    if cgroups_expected() {
        assert!(escaped_gone, "the task's child in a session of its own outlived its allocation");
    }
    t.agent.shutdown().await;
}

/// Waits for a task to write a pid into `path`.
async fn pid_in(path: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(pid) = std::fs::read_to_string(path).ok().and_then(|s| s.trim().parse().ok()) {
            return pid;
        }
        assert!(Instant::now() < deadline, "{} never written", path.display());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The agent binary on `data_dir`, once it says where it listens.
fn start_agent(data_dir: &Path) -> (Child, u16) {
    let (child, port, lines) = common::spawn_binary(&["--no-demo"], data_dir);
    // Keep reading what it prints so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, port)
}

/// One HTTP/1.1 request; the status code.
fn http(port: u16, method: &str, path: &str, body: &str) -> u16 {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{response}"))
}

/// The one file `<data_dir>/alloc/*/<task>/local/<name>`, once written.
fn find_task_file(data_dir: &Path, task: &str, name: &str) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = std::fs::read_dir(data_dir.join("alloc"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join(task).join("local").join(name))
            .find(|p| std::fs::read_to_string(p).is_ok_and(|s| s.ends_with('\n')));
        if let Some(path) = found {
            return path;
        }
        assert!(Instant::now() < deadline, "no task wrote {name}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_task_grandchild_dies_with_a_killed_agent() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    let (mut agent, port) = start_agent(data_dir);
    let script = "sleep 600 & echo $! > local/grandchild; echo $$ > local/leader; wait";
    let job = serde_json::json!({"Job": {"ID": "keeper", "Name": "keeper", "Type": "service", "TaskGroups": [{
        "Name": "keeper", "Count": 1,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", script]}}]}]}});
    assert_eq!(http(port, "PUT", "/v1/jobs", &job.to_string()), 200);
    let read_pid = |path: PathBuf| std::fs::read_to_string(path).unwrap().trim().parse::<i32>().unwrap();
    let grandchild = read_pid(find_task_file(data_dir, "main", "grandchild"));
    let leader = read_pid(find_task_file(data_dir, "main", "leader"));
    assert!(alive(grandchild) && alive(leader));

    agent.kill().unwrap();
    agent.wait().unwrap();
    // The leader has SIGKILL as its parent-death signal.
    let leader_gone = gone_within(leader, SOON).await;
    if cgroups_expected() {
        // The watchdog kills the agent's cgroups the moment it dies.
        let gone = gone_within(grandchild, SOON).await;
        reap(grandchild);
        reap(leader);
        assert!(gone, "the task's grandchild outlived the agent");
    } else {
        // Else the next agent on the data directory kills it before anything runs.
        let (mut next, port) = start_agent(data_dir);
        let gone = !alive(grandchild);
        assert_eq!(http(port, "GET", "/v1/jobs", ""), 200);
        // SAFETY: signalling the agent this test started.
        unsafe { libc::kill(next.id() as i32, libc::SIGTERM) };
        next.wait().unwrap();
        reap(grandchild);
        assert!(gone, "the task's grandchild outlived the agent and its restart");
    }
    assert!(leader_gone, "the task's leader outlived the agent");
}
