//! `/v1/client/stats` and `/v1/client/allocation/:id/stats` as each Nomad release writes them,
//! for this agent's node and for the synthetic nodes of scale mode.
//!
//! Sources: `command/agent/stats_endpoint.go` (`ClientStatsRequest`), `nomad/client_stats_endpoint.go`
//! and `nomad/util.go` (`getNodeForRpc`), `client/stats/host.go` (v1.4.0, v1.5.17, v1.6.0) and
//! `client/hoststats/host.go` (v1.7.0 to v1.11.3), `client/allocrunner/alloc_runner.go`
//! (`LatestAllocStats`), `client/structs/structs.go` (`AllocResourceUsage`), `plugins/drivers/utils.go`
//! (`TaskStatsFromProto`), `drivers/docker/util/stats_posix.go`.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::{AllocResourceUsage, AllocationListStub, NodeListStub, NomadVersion};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn agent(version: NomadVersion, synthetic_allocs: usize) -> TestAgent {
    TestAgent::start_with(|c| {
        c.nomad_version = version;
        c.synthetic_allocs = synthetic_allocs;
    })
    .await
}

fn keys(v: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// A synthetic node, and the ID of one of its allocations.
async fn synthetic(t: &TestAgent) -> (String, String) {
    let nodes: Vec<NodeListStub> = t.get("/v1/nodes").await.json();
    let node = nodes.into_iter().find(|n| n.id != t.agent.state().node_id).expect("a synthetic node");
    let allocs: Vec<AllocationListStub> = t.get("/v1/allocations?namespace=*").await.json();
    let alloc = allocs
        .into_iter()
        .find(|a| a.node_id == node.id && a.client_status == "running")
        .expect("a running allocation");
    (node.id, alloc.id)
}

#[tokio::test]
async fn host_cpu_is_total_up_to_1_5_and_total_percent_with_ticks_from_1_6() {
    for (version, fields) in [
        (NomadVersion::new(1, 5, 17), vec!["CPU", "Idle", "System", "Total", "User"]),
        (NomadVersion::new(1, 6, 0), vec!["CPU", "Idle", "System", "TotalPercent", "TotalTicks", "User"]),
        (NomadVersion::LATEST, vec!["CPU", "Idle", "System", "TotalPercent", "TotalTicks", "User"]),
    ] {
        let t = agent(version, 0).await;
        let r = t.get("/v1/client/stats").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let host: Value = r.json();
        assert_eq!(
            keys(&host),
            ["AllocDirStats", "CPU", "CPUTicksConsumed", "DeviceStats", "DiskStats", "Memory", "Timestamp", "Uptime"]
        );
        let cores = host["CPU"].as_array().unwrap();
        assert!(!cores.is_empty());
        assert!(cores.iter().all(|c| keys(c) == fields), "{version}: {cores:?}");
        // No device plugins: the device manager's nil list.
        assert_eq!(host["DeviceStats"], Value::Null);
        assert_eq!((&host["AllocDirStats"]["Device"], &host["AllocDirStats"]["Mountpoint"]), (&json!(""), &json!("")));
        assert_eq!(keys(&host["Memory"]), ["Available", "Free", "Total", "Used"]);
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn synthetic_nodes_answer_with_this_hosts_stats_and_unknown_nodes_are_404() {
    let t = agent(NomadVersion::LATEST, 1).await;
    let (node, _) = synthetic(&t).await;
    let own: Value = t.get("/v1/client/stats").await.json();
    let r = t.get(&format!("/v1/client/stats?node_id={node}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let theirs: Value = r.json();
    assert_eq!(theirs["CPU"].as_array().map(Vec::len), own["CPU"].as_array().map(Vec::len));
    assert_eq!(theirs["Memory"]["Total"], own["Memory"]["Total"]);

    // `getNodeForRpc`: `%w %s`, no quotes; `ClientStatsRequest` makes it a 404.
    let unknown = "0b0e0000-0000-0000-0000-000000000000";
    let r = t.get(&format!("/v1/client/stats?node_id={unknown}")).await;
    assert_eq!((r.status, r.text()), (404, format!("Unknown node {unknown}")));

    // `/v1/client/gc` keeps its errors: no connection to a synthetic node, a plain error for an
    // unknown one (`ClientGCRequest` maps only `No path to node`).
    let r = t.post(&format!("/v1/client/gc?node_id={node}"), "").await;
    assert_eq!((r.status, r.text()), (404, "No path to node".to_string()));
    let r = t.post(&format!("/v1/client/gc?node_id={unknown}"), "").await;
    assert_eq!((r.status, r.text()), (500, format!("Unknown node {unknown}")));
    t.agent.shutdown().await;
}

#[tokio::test]
async fn the_server_checks_the_token_before_it_looks_for_the_node() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let unknown = "0b0e0000-0000-0000-0000-000000000000";
    let r = t.send(reqwest::Method::GET, &format!("/v1/client/stats?node_id={unknown}"), None, None).await;
    assert_eq!((r.status, r.text()), (403, "Permission denied".to_string()));
    let r = t.get(&format!("/v1/client/stats?node_id={unknown}")).await;
    assert_eq!(r.status, 404);
    t.agent.shutdown().await;
}

#[tokio::test]
async fn a_synthetic_allocation_uses_nothing_in_the_shape_of_a_docker_task() {
    for (version, memory) in [
        (NomadVersion::new(1, 10, 0), json!(["Cache", "Swap", "Usage"])),
        (NomadVersion::LATEST, json!(["RSS", "Cache", "Swap", "Usage"])),
    ] {
        let t = agent(version, 1).await;
        let (_, alloc) = synthetic(&t).await;
        let r = t.get(&format!("/v1/client/allocation/{alloc}/stats")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let usage: Value = r.json();
        assert_eq!(keys(&usage), ["ResourceUsage", "Tasks", "Timestamp"]);
        let sum = &usage["ResourceUsage"];
        assert_eq!(keys(sum), ["CpuStats", "DeviceStats", "MemoryStats"]);
        assert_eq!(sum["DeviceStats"], json!([]));
        assert_eq!(sum["MemoryStats"]["Measured"], memory, "{version}");
        assert_eq!(sum["CpuStats"]["Measured"], json!(["Throttled Periods", "Throttled Time", "Percent"]));
        let tasks = usage["Tasks"].as_object().unwrap();
        assert!(!tasks.is_empty());
        for task in tasks.values() {
            assert_eq!(keys(task), ["Pids", "ResourceUsage", "Timestamp"]);
            assert_eq!((&task["Pids"], &task["ResourceUsage"]["DeviceStats"]), (&Value::Null, &Value::Null));
            assert!(task["Timestamp"].as_i64().unwrap() > 0);
        }
        let numbers: AllocResourceUsage = serde_json::from_value(usage.clone()).unwrap();
        assert_eq!(numbers.resource_usage.memory_stats.used(), 0);
        assert_eq!(numbers.resource_usage.cpu_stats.total_ticks, 0.0);
        assert_eq!(
            serde_json::to_value(&numbers.resource_usage.memory_stats).unwrap(),
            json!({"RSS": 0, "Cache": 0, "Swap": 0, "MappedFile": 0, "Usage": 0, "MaxUsage": 0,
                   "KernelUsage": 0, "KernelMaxUsage": 0, "Measured": memory})
        );

        // One task, or none for a name the allocation does not have.
        let name = tasks.keys().next().unwrap();
        let one: AllocResourceUsage = t.get(&format!("/v1/client/allocation/{alloc}/stats?task={name}")).await.json();
        assert_eq!(one.tasks.keys().collect::<Vec<_>>(), [name]);
        let none: Value = t.get(&format!("/v1/client/allocation/{alloc}/stats?task=ghost")).await.json();
        assert_eq!(none["Tasks"], json!({}));
        assert_eq!((&none["Timestamp"], &none["ResourceUsage"]["MemoryStats"]["Measured"]), (&json!(0), &Value::Null));
        t.agent.shutdown().await;
    }
}

#[tokio::test]
async fn an_unknown_allocation_is_404() {
    let t = TestAgent::start().await;
    let unknown = "0b0e0000-0000-0000-0000-000000000000";
    let r = t.get(&format!("/v1/client/allocation/{unknown}/stats")).await;
    assert_eq!((r.status, r.text()), (404, format!("Unknown allocation {unknown:?}")));
    t.agent.shutdown().await;
}

/// Polls until `done` holds of the allocation's stats.
async fn stats_until(t: &TestAgent, alloc: &str, done: impl Fn(&AllocResourceUsage) -> bool) -> AllocResourceUsage {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = t.get(&format!("/v1/client/allocation/{alloc}/stats")).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let usage: AllocResourceUsage = r.json();
        if done(&usage) {
            return usage;
        }
        assert!(Instant::now() < deadline, "never: {usage:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_finished_task_keeps_its_last_sample_and_counts_in_the_sum_until_1_11_2() {
    for (version, counted) in [(NomadVersion::new(1, 11, 1), true), (NomadVersion::new(1, 11, 2), false)] {
        let t = agent(version, 0).await;
        let ids = t.run_job("pair", "default", "batch", 1, &[("brief", "sleep 2"), ("long", "exec sleep 600")]);
        t.wait_alloc(&ids[0], running).await;
        // Sampled while it runs, each process on its own (the executor's `Pids`).
        let first = stats_until(&t, &ids[0], |u| u.tasks.contains_key("brief") && u.tasks.contains_key("long")).await;
        assert!(first.tasks.values().all(|task| task.pids.as_ref().is_some_and(|p| !p.is_empty())), "{first:?}");
        t.wait_alloc(&ids[0], |a| a.task_states["brief"].state == "dead").await;

        let usage = stats_until(&t, &ids[0], |u| u.tasks["long"].timestamp > u.tasks["brief"].timestamp).await;
        let (brief, long) = (&usage.tasks["brief"].resource_usage, &usage.tasks["long"].resource_usage);
        assert!(brief.memory_stats.rss > 0, "the last sample stays: {brief:?}");
        let expected = if counted { brief.memory_stats.rss + long.memory_stats.rss } else { long.memory_stats.rss };
        assert_eq!(usage.resource_usage.memory_stats.rss, expected, "{version}");
        assert_eq!(usage.timestamp, usage.tasks["long"].timestamp);
        t.agent.shutdown().await;
    }
}
