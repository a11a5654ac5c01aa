//! Helpers shared by the client's integration tests: allocations of `sh -c` tasks and
//! waiting on the update channel.

#![allow(dead_code)]

use caravan_client::{AllocUpdate, Client, ClientConfig};
use nomad_api::duration::GoDuration;
use nomad_api::{Allocation, Job, LogConfig, RestartPolicy, Task, TaskGroup};
use serde_json::json;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Harness {
    pub client: Client,
    pub updates: UnboundedReceiver<AllocUpdate>,
    pub dir: tempfile::TempDir,
}

pub fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let (client, updates) = client_at(dir.path());
    Harness { client, updates, dir }
}

/// A client whose data directory is `data_dir` (a second one there plays the restarted agent).
pub fn client_at(data_dir: &std::path::Path) -> (Client, UnboundedReceiver<AllocUpdate>) {
    Client::new(ClientConfig {
        data_dir: data_dir.to_path_buf(),
        node_id: "node-1".into(),
        node_name: "local".into(),
        region: "global".into(),
        datacenter: "dc1".into(),
        nomad_version: nomad_api::NomadVersion::LATEST,
    })
}

/// A task running `sh -c script`, killed after 300ms.
pub fn sh_task(name: &str, script: &str) -> Task {
    let config = json!({"command": "sh", "args": ["-c", script]});
    Task {
        name: name.into(),
        driver: "raw_exec".into(),
        config: serde_json::from_value(config).expect("config"),
        kill_timeout: GoDuration::from_std(Duration::from_millis(300)),
        ..Task::default()
    }
}

pub fn policy(attempts: i64, mode: &str) -> RestartPolicy {
    RestartPolicy {
        attempts,
        interval: GoDuration::from_std(Duration::from_secs(60)),
        delay: GoDuration::from_std(Duration::from_millis(50)),
        mode: mode.into(),
        render_templates: false,
    }
}

pub fn alloc(id: &str, job_type: &str, tasks: Vec<Task>, restart: RestartPolicy) -> Allocation {
    Allocation {
        id: id.into(),
        name: "example.group[2]".into(),
        namespace: "default".into(),
        task_group: "group".into(),
        job: Some(std::sync::Arc::new(Job {
            id: "example".into(),
            name: "example".into(),
            kind: job_type.into(),
            region: "global".into(),
            task_groups: vec![TaskGroup {
                name: "group".into(),
                count: 1,
                tasks,
                restart_policy: Some(restart),
                ..TaskGroup::default()
            }],
            ..Job::default()
        })),
        ..Allocation::default()
    }
}

pub fn with_logs(mut task: Task, max_files: i64, max_bytes: u64) -> Task {
    task.log_config = Some(LogConfig { max_files, max_file_size_mb: 1, disabled: false });
    task.config.insert("log_max_bytes".into(), json!(max_bytes));
    task
}

impl Harness {
    /// The first update of `alloc_id` satisfying `pred`, within 10 seconds.
    pub async fn wait_for(&mut self, alloc_id: &str, pred: impl Fn(&AllocUpdate) -> bool) -> AllocUpdate {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(deadline, self.updates.recv()).await;
            match next {
                Ok(Some(u)) if u.alloc_id == alloc_id && pred(&u) => return u,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("update channel closed"),
                Err(_) => panic!("timed out waiting for an update of {alloc_id}"),
            }
        }
    }

    pub async fn wait_status(&mut self, alloc_id: &str, status: &str) -> AllocUpdate {
        self.wait_for(alloc_id, |u| u.client_status == status).await
    }

    pub fn logs_dir(&self, alloc_id: &str) -> std::path::PathBuf {
        self.dir.path().join("alloc").join(alloc_id).join("alloc/logs")
    }
}

/// Event types of a task, oldest first.
pub fn event_types(u: &AllocUpdate, task: &str) -> Vec<String> {
    u.task_states[task].events.iter().map(|e| e.kind.clone()).collect()
}

/// Polls `check` every 20ms for up to 10 seconds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The variable that makes a test play the agent in a process of its own.
pub const AGENT_DIR_VAR: &str = "CARAVAN_TEST_AGENT_DIR";

/// Runs this test binary again, only `test`, with `AGENT_DIR_VAR` set to `dir`: that test
/// then plays an agent the caller can kill.
pub fn spawn_agent(test: &str, dir: &std::path::Path) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary");
    std::process::Command::new(exe)
        .args(["--exact", test, "--quiet"])
        .env(AGENT_DIR_VAR, dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("agent process")
}

/// Polls `check` every 20ms for up to 10 seconds, blocking the thread.
pub fn wait_blocking(what: &str, check: impl Fn() -> bool) {
    for _ in 0..500 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

/// Whether process `pid` lives (neither gone nor a zombie waiting to be reaped).
pub fn is_alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}
