//! Starts agents on ephemeral ports and talks to them over real HTTP.
#![allow(dead_code)]

pub mod process;

use caravan_agent::jobspec::{group, job, shell_task};
use caravan_agent::{Agent, Config};
use nomad_api::Allocation;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

pub struct TestAgent {
    pub agent: Agent,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The token `get` and `post` send: the management token when ACLs are on.
    pub token: Option<String>,
    pub config: Config,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// `X-Nomad-Index`.
    pub fn index(&self) -> u64 {
        self.header("X-Nomad-Index").and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no index: {self:?}"))
    }
}

impl TestAgent {
    pub async fn start() -> TestAgent {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> TestAgent {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::for_tests(dir.path().to_path_buf());
        configure(&mut config);
        let agent = Agent::start(config.clone()).await.unwrap();
        let token = agent.acl_secrets().map(|s| s.management);
        TestAgent { agent, http: reqwest::Client::new(), dir, token, config }
    }

    /// Shuts the agent down and starts another with the same flags on the same data directory.
    pub async fn restart(self) -> TestAgent {
        let TestAgent { agent, http, dir, config, .. } = self;
        agent.shutdown().await;
        let agent = Agent::start(config.clone()).await.unwrap();
        let token = agent.acl_secrets().map(|s| s.management);
        TestAgent { agent, http, dir, token, config }
    }

    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: Option<&str>) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.agent.url()));
        if let Some(token) = token {
            req = req.header("X-Nomad-Token", token);
        }
        if let Some(body) = body {
            req = req.body(body.to_string());
        }
        let res = req.send().await.unwrap();
        Resp {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.bytes().await.unwrap().to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, self.token.as_deref(), None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Resp {
        self.send(Method::POST, path, self.token.as_deref(), Some(body)).await
    }

    /// Registers a job of one group whose tasks run the given `sh` scripts; returns its
    /// allocation IDs.
    pub fn run_job(&self, id: &str, namespace: &str, kind: &str, count: i64, tasks: &[(&str, &str)]) -> Vec<String> {
        let tasks = tasks.iter().map(|(name, script)| shell_task(name, script, 100, 64)).collect();
        let job = job(id, namespace, kind, vec![group(id, count, tasks)]);
        self.agent.register_job(job).unwrap().alloc_ids
    }

    /// Follows the allocation with blocking queries until `done` holds.
    pub async fn wait_alloc(&self, id: &str, done: impl Fn(&Allocation) -> bool) -> Allocation {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut index = 0;
        loop {
            let r = self.get(&format!("/v1/allocation/{id}?index={index}&wait=2s")).await;
            assert_eq!(r.status, 200, "{}", r.text());
            let alloc: Allocation = r.json();
            if done(&alloc) {
                return alloc;
            }
            assert!(Instant::now() < deadline, "allocation never got there: {alloc:#?}");
            index = r.index();
        }
    }

    /// Waits until the allocation runs and `task`'s `TRAP_SCRIPT` has its traps installed (a
    /// signal sent earlier may beat them); returns the task's stdout log.
    pub async fn wait_trap_ready(&self, alloc_id: &str, task: &str) -> std::path::PathBuf {
        self.wait_alloc(alloc_id, running).await;
        let dir = self.agent.state().client.alloc_dir(alloc_id).expect("a running allocation has a directory");
        let log = dir.join(format!("alloc/logs/{task}.stdout.0"));
        self.wait_file_contains(&log, "ready").await;
        log
    }

    /// Waits until the file holds `needle`.
    pub async fn wait_file_contains(&self, path: &std::path::Path, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "{} never contained {needle:?}: {text:?}", path.display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn running(a: &Allocation) -> bool {
    a.client_status == "running"
}

/// A task that keeps running and reports signals it gets.
pub const TRAP_SCRIPT: &str = r#"
trap 'echo "got USR1"' USR1
trap 'echo "got INT"; exit 0' INT
trap 'echo "got TERM"; exit 0' TERM
echo ready
while :; do sleep 0.1; done
"#;

/// The agent binary with `args` (a `--data-dir` among them), once it says where it listens:
/// the child (its stdout taken), its port, and the rest of what it prints.
pub fn spawn_binary(
    args: &[&str],
    data_dir: &std::path::Path,
) -> (std::process::Child, u16, std::io::Lines<std::io::BufReader<std::process::ChildStdout>>) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_caravan-agent"))
        .args(["--port", "0"])
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first.strip_prefix("Caravan agent listening on http://127.0.0.1:").expect(&first);
    let port = port.parse::<u16>().ok().filter(|p| *p > 0).expect(&first);
    (child, port, lines)
}
