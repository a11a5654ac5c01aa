//! The `caravan-agent` binary: the line it prints, the ACL files, that SIGTERM takes the
//! tasks down with it, and that a killed agent restarted on its data directory runs each task
//! once again.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufReader, Lines, Read, Write};
use std::process::{Child, ChildStdout};
use std::time::{Duration, Instant};

/// Processes whose environment names `dir` (the client gives tasks their alloc dir).
fn tasks_under(dir: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().chars().all(|c| c.is_ascii_digit()))
        .filter(|e| {
            std::fs::read(e.path().join("environ")).is_ok_and(|env| String::from_utf8_lossy(&env).contains(dir))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The agent with ACLs and the demo jobs on `data_dir`, once it says where it listens: the
/// child, its port, and the rest of what it prints.
fn start_agent(data_dir: &std::path::Path) -> (Child, u16, Lines<BufReader<ChildStdout>>) {
    common::spawn_binary(&["--acl"], data_dir)
}

/// One HTTP/1.1 request; the status code, the `X-Nomad-Index` (0 if none) and the body.
fn http(port: u16, method: &str, path: &str, token: &str, body: &str) -> (u16, u64, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token: {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let index = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("x-nomad-index:").and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0);
    (status, index, body.to_string())
}

fn wait(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn prints_its_address_and_stops_its_tasks_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let (mut child, port, mut lines) = start_agent(&data_dir);
    let printed: Vec<String> = lines.by_ref().take(4).map(|l| l.unwrap()).collect();
    let tokens: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("acl-tokens.json")).unwrap()).unwrap();
    let management = tokens["management"].as_str().unwrap();
    assert!(printed.iter().any(|l| l.contains(management)), "{printed:?}");

    // The demo jobs start real processes.
    let marker = data_dir.to_string_lossy().into_owned();
    wait("the demo tasks", || tasks_under(&marker).len() >= 5);

    // A blocking query held open must not hold up the shutdown.
    let mut blocked = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "GET /v1/allocations?index=999999&wait=5m HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Nomad-Token: {management}\r\n\r\n"
    );
    std::io::Write::write_all(&mut blocked, request.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let stopping = Instant::now();
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(stopping.elapsed() < Duration::from_secs(8), "shutdown waited for the blocked query");
    wait("the tasks to stop with the agent", || tasks_under(&marker).is_empty());
}

/// The task process groups under `dir`: one leader per running task.
fn task_leaders(dir: &str) -> Vec<(String, String)> {
    tasks_under(dir)
        .into_iter()
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().nth(2)) == Some(pid.as_str())
        })
        .map(|pid| {
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let env = String::from_utf8_lossy(&env).into_owned();
            let var = |name: &str| env.split('\0').find_map(|v| v.strip_prefix(name)).unwrap_or_default().to_string();
            (var("NOMAD_ALLOC_ID="), var("NOMAD_TASK_NAME="))
        })
        .collect()
}

#[test]
fn a_killed_agent_restarts_on_its_data_directory_with_each_task_once() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let marker = data_dir.to_string_lossy().into_owned();
    let (mut child, port, _output) = start_agent(&data_dir);
    let tokens = std::fs::read_to_string(data_dir.join("acl-tokens.json")).unwrap();
    let management =
        serde_json::from_str::<serde_json::Value>(&tokens).unwrap()["management"].as_str().unwrap().to_string();
    // A task that leaves a child behind in its process group, recording the child's PID (in
    // its own directory: it runs as another user).
    let script = "sleep 300 & echo $! > local/child.tmp; mv local/child.tmp local/child; wait";
    let job = serde_json::json!({"Job": {"ID": "keeper", "Name": "keeper", "Type": "service", "TaskGroups": [{
        "Name": "keeper", "Count": 1,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", script]}}]}]}});
    assert_eq!(http(port, "PUT", "/v1/jobs", &management, &job.to_string()).0, 200);
    let pid_file = || -> Option<std::path::PathBuf> {
        let allocs = std::fs::read_dir(data_dir.join("alloc")).ok()?;
        allocs.flatten().map(|a| a.path().join("main/local/child")).find(|p| p.exists())
    };
    wait("the task's child", || pid_file().is_some());
    let orphan = std::fs::read_to_string(pid_file().unwrap()).unwrap().trim().to_string();
    // Killed once the saved state has that task running.
    let state = data_dir.join("server/state.json");
    wait("the state saved with the task running", || {
        let saved: serde_json::Value =
            std::fs::read(&state).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        saved["Allocs"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["JobID"] == "keeper" && a["ClientStatus"] == "running")
    });
    let leaders = task_leaders(&marker);
    let (_, seen, _) = http(port, "GET", "/v1/allocations", &management, "");
    child.kill().unwrap();
    child.wait().unwrap();
    // The child dies with the agent when it ran in a cgroup (processes.rs); else the next agent
    // kills it before anything runs.

    std::fs::remove_file(pid_file().unwrap()).unwrap();
    let (mut child, port, _output) = start_agent(&data_dir);
    assert_eq!(std::fs::read_to_string(data_dir.join("acl-tokens.json")).unwrap(), tokens);
    let (_, index, _) = http(port, "GET", "/v1/allocations", &management, "");
    assert!(index >= seen, "the index went back from {seen} to {index}");
    let (status, _, jobs) = http(port, "GET", "/v1/jobs?namespace=*", &management, "");
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&jobs).unwrap().len(), 6, "{jobs}");
    // What the killed agent's task left was killed before the task ran again.
    let alive = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
    };
    assert!(!alive(&orphan), "the orphan is gone once the agent serves");
    wait("the task's new child", || pid_file().is_some());
    // Each task that ran before runs again, once.
    wait("every task again", || {
        let now = task_leaders(&marker);
        leaders.iter().all(|l| now.contains(l))
    });
    let now = task_leaders(&marker);
    let unique: std::collections::BTreeSet<_> = now.iter().collect();
    assert_eq!(unique.len(), now.len(), "a task runs twice: {now:?}");
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(child.wait().unwrap().success());
    wait("the tasks to stop with the agent", || tasks_under(&marker).is_empty());
}
