//! Acknowledged writes survive a SIGKILL: a write is answered once it is on disk (the
//! write-ahead log, synced), as Nomad answers once Raft has committed it, and an agent
//! restarted on the same data directory has it.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::process::AgentProcess;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn job(id: &str, kind: &str, script: &str) -> String {
    json!({"Job": {"ID": id, "Name": id, "Type": kind, "TaskGroups": [{
        "Name": "main", "Count": 1,
        "Tasks": [{"Name": "main", "Driver": "raw_exec", "Config": {"command": "/bin/sh", "args": ["-c", script]}}]}]}})
    .to_string()
}

async fn send(http: &reqwest::Client, method: reqwest::Method, url: String, body: Option<String>) -> (u16, Value) {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test]
async fn a_registered_job_survives_a_sigkill_right_after_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut agent = AgentProcess::on_data_dir(dir.path(), &[]);
    let mut registered = Vec::new();
    for attempt in 0..3 {
        let id = format!("durable-{attempt}");
        let (status, answer) =
            send(&http, reqwest::Method::POST, format!("{}/v1/jobs", agent.url), Some(job(&id, "batch", "true"))).await;
        agent.kill();
        assert_eq!(status, 200, "{answer}");
        registered.push((id, answer["JobModifyIndex"].as_u64().unwrap()));

        agent = AgentProcess::on_data_dir(dir.path(), &[]);
        for (id, modify_index) in &registered {
            let (status, job) = send(&http, reqwest::Method::GET, format!("{}/v1/job/{id}", agent.url), None).await;
            assert_eq!(status, 200, "{id} lost after the kill of attempt {attempt}: {job}");
            assert_eq!(job["JobModifyIndex"].as_u64(), Some(*modify_index), "{id}");
        }
    }
}

#[tokio::test]
async fn a_stopped_allocation_stays_stopped_after_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut agent = AgentProcess::on_data_dir(dir.path(), &[]);
    let (status, answer) =
        send(&http, reqwest::Method::POST, format!("{}/v1/jobs", agent.url), Some(job("web", "service", "sleep 300")))
            .await;
    assert_eq!(status, 200, "{answer}");
    let (_, allocs) = send(&http, reqwest::Method::GET, format!("{}/v1/job/web/allocations", agent.url), None).await;
    let alloc_id = allocs[0]["ID"].as_str().unwrap().to_string();

    let (status, stopped) =
        send(&http, reqwest::Method::POST, format!("{}/v1/allocation/{alloc_id}/stop", agent.url), Some(String::new()))
            .await;
    agent.kill();
    assert_eq!(status, 200, "{stopped}");

    let agent = AgentProcess::on_data_dir(dir.path(), &[]);
    let (status, alloc) =
        send(&http, reqwest::Method::GET, format!("{}/v1/allocation/{alloc_id}", agent.url), None).await;
    assert_eq!(status, 200, "{alloc}");
    assert_eq!(alloc["DesiredStatus"], "stop");
    assert_eq!(alloc["DesiredTransition"]["Migrate"], true);
    let next = alloc["NextAllocation"].as_str().unwrap();
    assert!(!next.is_empty(), "the replacement was lost: {alloc}");
    let (status, replacement) =
        send(&http, reqwest::Method::GET, format!("{}/v1/allocation/{next}", agent.url), None).await;
    assert_eq!(status, 200, "{replacement}");
    assert_eq!(replacement["PreviousAllocation"], alloc_id.as_str());
    assert!(stopped["Index"].as_u64().unwrap() <= alloc["ModifyIndex"].as_u64().unwrap());
}

/// Scale mode: 10,000 synthetic allocations changing 50 times a second. A write waits for its
/// own sync, not for a snapshot of the whole state, and the log the churn leaves replays.
#[tokio::test]
async fn writes_stay_fast_and_durable_under_churn() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let scale = ["--synthetic-allocs", "10000", "--churn", "50"];
    let started = Instant::now();
    let mut agent = AgentProcess::on_data_dir(dir.path(), &scale);
    println!("started with 10,000 synthetic allocations in {:?}", started.elapsed());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut took = Vec::new();
    for i in 0..20 {
        let started = Instant::now();
        let (status, answer) = send(
            &http,
            reqwest::Method::POST,
            format!("{}/v1/jobs", agent.url),
            Some(job(&format!("busy-{i}"), "batch", "true")),
        )
        .await;
        took.push(started.elapsed());
        assert_eq!(status, 200, "{answer}");
    }
    agent.kill();
    took.sort();
    println!("job registration under churn: median {:?}, slowest {:?}", took[took.len() / 2], took[took.len() - 1]);
    assert!(took[took.len() / 2] < Duration::from_millis(500), "{took:?}");

    let started = Instant::now();
    let agent = AgentProcess::on_data_dir(dir.path(), &scale);
    println!("restarted (snapshot and log replayed) in {:?}", started.elapsed());
    let (status, jobs) = send(&http, reqwest::Method::GET, format!("{}/v1/jobs?prefix=busy-", agent.url), None).await;
    assert_eq!(status, 200);
    assert_eq!(jobs.as_array().unwrap().len(), 20, "{jobs}");
    let (_, allocs) =
        send(&http, reqwest::Method::GET, format!("{}/v1/allocations?namespace=*&task_states=false", agent.url), None)
            .await;
    assert!(allocs.as_array().unwrap().len() >= 10_000);
}

/// What `/v1/job/:id/versions` answers, reduced to what must survive: each version's number
/// and `JobModifyIndex`, newest first.
async fn versions(http: &reqwest::Client, url: &str, id: &str) -> Vec<(u64, u64)> {
    let (status, answer) = send(http, reqwest::Method::GET, format!("{url}/v1/job/{id}/versions"), None).await;
    assert_eq!(status, 200, "{answer}");
    let list = answer["Versions"].as_array().unwrap();
    list.iter().map(|j| (j["Version"].as_u64().unwrap(), j["JobModifyIndex"].as_u64().unwrap())).collect()
}

/// A job's versions (the last six, nomad/state/state_store.go `upsertJobVersion`) and what a
/// forced garbage collection removed (nomad/core_sched.go `forceGC`) are in the log: an agent
/// killed right after the answers has them as they were.
#[tokio::test]
async fn job_versions_and_a_collection_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut agent = AgentProcess::on_data_dir(dir.path(), &[]);
    let (status, answer) =
        send(&http, reqwest::Method::POST, format!("{}/v1/jobs", agent.url), Some(job("gone", "service", "sleep 300")))
            .await;
    assert_eq!(status, 200, "{answer}");
    let (_, allocs) = send(&http, reqwest::Method::GET, format!("{}/v1/job/gone/allocations", agent.url), None).await;
    let gone_alloc = allocs[0]["ID"].as_str().unwrap().to_string();
    let (status, answer) = send(&http, reqwest::Method::DELETE, format!("{}/v1/job/gone", agent.url), None).await;
    assert_eq!(status, 200, "{answer}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, alloc) =
            send(&http, reqwest::Method::GET, format!("{}/v1/allocation/{gone_alloc}", agent.url), None).await;
        if alloc["ClientStatus"] == "complete" {
            break;
        }
        assert!(Instant::now() < deadline, "the stopped allocation never finished: {alloc}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A service job that keeps running, so the collection leaves it and its versions.
    for n in 0..8 {
        let (status, answer) = send(
            &http,
            reqwest::Method::POST,
            format!("{}/v1/jobs", agent.url),
            Some(job("history", "service", &format!("sleep {}", 300 + n))),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }
    let before = versions(&http, &agent.url, "history").await;
    assert_eq!(before.iter().map(|v| v.0).collect::<Vec<_>>(), [7, 6, 5, 4, 3, 2]);
    let (status, answer) = send(&http, reqwest::Method::PUT, format!("{}/v1/system/gc", agent.url), None).await;
    agent.kill();
    assert_eq!(status, 200, "{answer}");

    let agent = AgentProcess::on_data_dir(dir.path(), &[]);
    assert_eq!(versions(&http, &agent.url, "history").await, before);
    let (status, job) = send(&http, reqwest::Method::GET, format!("{}/v1/job/gone", agent.url), None).await;
    assert_eq!(status, 404, "the purged job came back: {job}");
    let (status, alloc) =
        send(&http, reqwest::Method::GET, format!("{}/v1/allocation/{gone_alloc}", agent.url), None).await;
    assert_eq!(status, 404, "the reaped allocation came back: {alloc}");
}

/// The agent has no ACL token or policy write endpoints (policy writes are refused past
/// Nomad's checks as not modelled; token create, update and delete are not served), so its
/// only token write is the bootstrap, which is in the state saved before the agent says where
/// it listens: an agent killed at once comes back with the same tokens, bootstrapping nothing.
#[tokio::test]
async fn bootstrapped_acl_tokens_survive_a_sigkill_right_after_start() {
    let dir = tempfile::tempdir().unwrap();
    let http = reqwest::Client::new();
    let mut agent = AgentProcess::on_data_dir(dir.path(), &["--acl"]);
    agent.kill();
    let secrets: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("acl-tokens.json")).unwrap()).unwrap();

    let agent = AgentProcess::on_data_dir(dir.path(), &["--acl"]);
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("acl-tokens.json")).unwrap()).unwrap();
    assert_eq!(again, secrets);
    for (name, expected) in
        [("management", "Bootstrap Token"), ("operator", "Operator Token"), ("readonly", "Read-only Token")]
    {
        let secret = secrets[name].as_str().unwrap();
        let response =
            http.get(format!("{}/v1/acl/token/self", agent.url)).header("X-Nomad-Token", secret).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let token: Value = response.json().await.unwrap();
        assert_eq!(token["Name"], expected);
    }
}
