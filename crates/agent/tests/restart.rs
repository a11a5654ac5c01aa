//! An agent restarted on the same data directory, as a Nomad agent with `-data-dir`: the same
//! jobs, allocations, node and ACL tokens at an index that went on growing; tasks that were
//! running run again, their logs kept byte for byte with the new output after them. Without a
//! data directory each start is a new cluster, as `nomad agent -dev`.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::jobspec::{group, job, shell_task};
use common::{running, TestAgent, TRAP_SCRIPT};
use nomad_api::*;
use serde_json::json;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Numbered lines; each run first says which process it is. The shell itself handles the kill
/// signal: one that reaches its `sleep` between fork and exec would otherwise be lost.
const TICKS: &str = r#"trap 'exit 0' INT; echo "run $$"; i=0; while :; do i=$((i+1)); echo "tick $i of a line padded to forty"; sleep 0.01; done"#;

fn alloc_ids(t: &TestAgent) -> BTreeSet<String> {
    t.agent.state().cluster.read().allocs().map(|a| a.id.clone()).collect()
}

fn evals(t: &TestAgent) -> Vec<Evaluation> {
    t.agent.state().cluster.read().evals_of_job("default", "web").cloned().collect()
}

/// A task's whole stdout across its rotated files, as `/v1/client/fs/logs` serves it.
async fn whole_log(t: &TestAgent, alloc: &str, task: &str) -> Vec<u8> {
    let r = t.get(&format!("/v1/client/fs/logs/{alloc}?task={task}&type=stdout&plain=true")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.body
}

fn runs(log: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(log).lines().filter(|l| l.starts_with("run ")).map(str::to_string).collect()
}

#[tokio::test]
async fn a_restarted_agent_keeps_its_state_and_runs_its_tasks_again() {
    let t = TestAgent::start().await;
    // Small log files, so the log has rotated before the restart and rotates on after it.
    let mut server = shell_task("server", TICKS, 100, 64);
    server.config.insert("log_max_bytes".into(), json!(500));
    let web = t.agent.register_job(job("web", "default", "service", vec![group("web", 2, vec![server])])).unwrap();
    let once = t.run_job("once", "default", "batch", 1, &[("dump", "echo dumped")]);
    let done = t.wait_alloc(&once[0], |a| a.client_status == "complete").await;
    for id in &web.alloc_ids {
        t.wait_alloc(id, running).await;
    }
    let id = &web.alloc_ids[0];
    let deadline = Instant::now() + Duration::from_secs(20);
    let before_log = loop {
        let log = whole_log(&t, id, "server").await;
        if log.len() > 1500 {
            break log;
        }
        assert!(Instant::now() < deadline, "the task wrote {} bytes", log.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let job_before: Job = t.get("/v1/job/web").await.json();
    let nodes_before: Vec<NodeListStub> = t.get("/v1/nodes").await.json();
    let ids_before = alloc_ids(&t);
    let evals_before = evals(&t);
    let index_before = t.get("/v1/allocations").await.index();

    let t = t.restart().await;

    // The same cluster, at a later index.
    let r = t.get("/v1/allocations").await;
    assert!(r.index() > index_before, "{} after {index_before}", r.index());
    assert_eq!(alloc_ids(&t), ids_before);
    let job_after: Job = t.get("/v1/job/web").await.json();
    assert_eq!(
        (job_after.version, job_after.job_modify_index, job_after.create_index, job_after.submit_time),
        (job_before.version, job_before.job_modify_index, job_before.create_index, job_before.submit_time)
    );
    let nodes_after: Vec<NodeListStub> = t.get("/v1/nodes").await.json();
    assert_eq!(nodes_after.len(), 1);
    assert_eq!((&nodes_after[0].id, nodes_after[0].create_index), (&nodes_before[0].id, nodes_before[0].create_index));
    assert_eq!(t.agent.state().node_id, nodes_before[0].id);
    assert_eq!(evals(&t), evals_before);

    // The running tasks could not be reattached to: they were started again.
    for alloc_id in &web.alloc_ids {
        let alloc = t
            .wait_alloc(alloc_id, |a| {
                running(a) && a.task_states["server"].events.last().is_some_and(|e| e.kind == "Started")
            })
            .await;
        let kinds: Vec<&str> = alloc.task_states["server"].events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["Received", "Task Setup", "Started", "Failed Restoring Task", "Started"]);
    }
    // The finished one is as it was.
    let done_after: Allocation = t.get(&format!("/v1/allocation/{}", once[0])).await.json();
    assert_eq!((done_after.client_status.as_str(), &done_after.task_states), ("complete", &done.task_states));
    let r = t.get(&format!("/v1/client/fs/cat/{}?path=alloc/logs/dump.stdout.0", once[0])).await;
    assert_eq!(r.text(), "dumped\n");

    // The log: every byte from before, then the new run's output after it, rotation going on.
    let deadline = Instant::now() + Duration::from_secs(20);
    let after_log = loop {
        let log = whole_log(&t, id, "server").await;
        if log.len() > before_log.len() + 1500 {
            break log;
        }
        assert!(Instant::now() < deadline, "the new run wrote nothing after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(after_log.starts_with(&before_log), "the log from before the restart is intact");
    let (old_runs, all_runs) = (runs(&before_log), runs(&after_log));
    assert_eq!(old_runs.len(), 1);
    assert!(all_runs.len() == 2 && all_runs[0] != all_runs[1], "{all_runs:?}");
    let files: Vec<AllocFileInfo> = t.get(&format!("/v1/client/fs/ls/{id}?path=alloc/logs")).await.json();
    let rotated = files.iter().filter(|f| f.name.starts_with("server.stdout.")).count();
    assert!(rotated >= 6, "{rotated} files");
    t.agent.shutdown().await;
}

#[tokio::test]
async fn acl_tokens_and_demo_jobs_are_made_once() {
    let t = TestAgent::start_with(|c| {
        c.acl = true;
        c.no_demo = false;
    })
    .await;
    let secrets = t.agent.acl_secrets().unwrap();
    let tokens_file = std::fs::read_to_string(t.dir.path().join("acl-tokens.json")).unwrap();
    let jobs_before: Vec<JobListStub> = t.get("/v1/jobs?namespace=*").await.json();
    let allocs_before = alloc_ids(&t);
    assert_eq!(jobs_before.len(), 5);

    let t = t.restart().await;
    assert_eq!(t.agent.acl_secrets(), Some(secrets.clone()));
    assert_eq!(std::fs::read_to_string(t.dir.path().join("acl-tokens.json")).unwrap(), tokens_file);
    let jobs_after: Vec<JobListStub> = t.get("/v1/jobs?namespace=*").await.json();
    let names = |jobs: &[JobListStub]| jobs.iter().map(|j| (j.id.clone(), j.job_modify_index)).collect::<Vec<_>>();
    assert_eq!(names(&jobs_after), names(&jobs_before));
    assert_eq!(alloc_ids(&t), allocs_before);
    let me = t.send(reqwest::Method::GET, "/v1/acl/token/self", Some(&secrets.operator), None).await;
    assert_eq!(me.status, 200, "{}", me.text());
    t.agent.shutdown().await;
}

#[tokio::test]
async fn writes_lost_with_a_killed_agent_leave_the_index_above_every_one_served() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", TRAP_SCRIPT)]);
    t.wait_trap_ready(&ids[0], "server").await;
    let dir = t.dir.path().to_path_buf();
    let seen = t.get("/v1/allocations").await.index();
    let mark = || std::fs::read_to_string(dir.join("server/index")).unwrap().trim().parse::<u64>().unwrap();
    assert!(mark() >= seen);
    t.agent.shutdown().await;
    // As if the agent had served three more writes and was killed before saving them.
    let served = mark() + 3;
    std::fs::write(dir.join("server/index"), format!("{served:020}\n")).unwrap();

    let t = TestAgent { agent: caravan_agent::Agent::start(t.config.clone()).await.unwrap(), ..t };
    // A reader that saw the lost writes is answered at once, at a later index, with what was kept.
    let r = t.get(&format!("/v1/allocations?index={served}&wait=10s")).await;
    assert!(r.index() > served, "{} after {served}", r.index());
    assert_eq!(r.json::<Vec<AllocationListStub>>().len(), 1);
    assert!(mark() > served);
    t.agent.shutdown().await;
}

#[tokio::test]
async fn without_a_data_directory_each_start_is_a_new_cluster() {
    let t = TestAgent::start_with(|c| c.data_dir = None).await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", TRAP_SCRIPT)]);
    t.wait_trap_ready(&ids[0], "server").await;
    let node_id = t.agent.state().node_id.clone();
    let data_dir = t.agent.state().data_dir.clone();
    assert!(!data_dir.join("server").exists() && !data_dir.join("client/client-id").exists());
    let t = t.restart().await;
    assert_ne!(t.agent.state().node_id, node_id);
    assert!(t.get("/v1/jobs").await.json::<Vec<JobListStub>>().is_empty());
    assert!(!data_dir.exists(), "the temporary data directory is removed");
    t.agent.shutdown().await;
}
