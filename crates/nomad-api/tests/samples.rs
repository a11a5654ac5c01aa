//! Every real sample response decodes into its type, and what the type models round-trips.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nomad_api::*;
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

fn sample(name: &str) -> String {
    let path = format!("{}/tests/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes the sample, re-encodes it and decodes again: the two decodings must agree.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str) -> T {
    let first: T = serde_json::from_str(&sample(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let again: T = serde_json::from_str(&serde_json::to_string(&first).unwrap()).unwrap();
    assert_eq!(first, again, "{name} does not round-trip");
    first
}

#[test]
fn agent_samples() {
    let health: AgentHealthResponse = round_trip("agent-health.json");
    assert!(health.client.unwrap().ok && health.server.unwrap().ok);
    let join: JoinResponse = round_trip("agent-join.json");
    assert_eq!(join.num_joined, 2);
    let members: ServerMembers = round_trip("agent-members.json");
    assert_eq!(members.members[0].tags["role"], "nomad");
    assert_eq!(members.members[0].protocol_max, 5);
    let servers: Vec<String> = round_trip("agent-servers.json");
    assert_eq!(servers, ["127.0.0.1:4647"]);
    let me: AgentSelf = round_trip("agent-self.json");
    assert_eq!(me.config.region, "global");
    assert_eq!(me.version(), "0.5.5dev");
    assert_eq!(me.stats["raft"]["state"], "Leader");
    assert!(me.config.other.contains_key("Telemetry"), "unmodelled config is kept");
}

#[test]
fn allocation_samples() {
    let list: Vec<AllocationListStub> = round_trip("allocations.json");
    let stub = &list[0];
    assert_eq!(stub.id, "5457f16d-0f87-8e6b-5e91-0c7da3a41eb7");
    assert_eq!(stub.create_time, NanoTime(1636017249798459000));
    let redis = &stub.task_states.as_ref().unwrap()["redis"];
    assert_eq!(redis.events[1].details["message"], "Building Task Directory");
    assert_eq!(redis.finished_at, None, "null time");
    assert!(redis.started_at.is_some());

    let alloc: Allocation = round_trip("allocation.json");
    assert_eq!(alloc.next_allocation, "cd13d9b9-4f97-7184-c88b-7b451981616b");
    let tracker = alloc.reschedule_tracker.as_ref().unwrap();
    assert_eq!(tracker.events[0].delay.0, 5_000_000_000, "duration given as a string");
    let redis = &alloc.task_states["redis"];
    assert_eq!(redis.finished_at, None, "Go zero time");
    assert_eq!(redis.events.len(), 3);
    let job = alloc.job.as_ref().unwrap();
    let task = &job.task_groups[0].tasks[0];
    assert_eq!(task.log_config.as_ref().unwrap().max_files, 10);
    assert_eq!(job.task_groups[0].restart_policy.as_ref().unwrap().delay.0, 25_000_000_000);
    assert_eq!(alloc.metrics.as_ref().unwrap().nodes_available["dc1"], 1);
    assert_eq!(alloc.task_resources["redis"].networks[0].dynamic_ports[0].value, 23116);

    let stop: AllocStopResponse = round_trip("allocation-stop.json");
    assert_eq!(stop.index, 54);
    let signal: AllocSignalRequest = round_trip("allocation-signal.request.json");
    assert_eq!((signal.signal.as_str(), signal.task.as_str()), ("SIGUSR1", "FOO"));
    let restart: AllocRestartRequest = round_trip("allocation-restart.request.json");
    assert_eq!(restart.task_name, "FOO");
}

#[test]
fn client_samples() {
    let host: HostStats = round_trip("client-stats.json");
    assert_eq!(host.cpu.len(), 8);
    assert_eq!(host.memory.unwrap().total, 17179869184);
    assert_eq!(host.uptime, 193520);
    let usage: AllocResourceUsage = round_trip("client-allocation-stats.json");
    assert_eq!(usage.tasks["redis"].resource_usage.memory_stats.rss, 1486848);
    assert!(usage.resource_usage.cpu_stats.percent > 0.0);
    let ls: Vec<AllocFileInfo> = round_trip("client-fs-ls.json");
    assert!(ls.iter().all(|f| f.is_dir));
    let stat: AllocFileInfo = round_trip("client-fs-stat.json");
    assert_eq!(stat.size, 96);
}

#[test]
fn every_sample_is_covered() {
    let dir = format!("{}/tests/samples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<_> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    let covered = [
        "agent-health.json",
        "agent-join.json",
        "agent-members.json",
        "agent-self.json",
        "agent-servers.json",
        "allocation-restart.request.json",
        "allocation-signal.request.json",
        "allocation-stop.json",
        "allocation.json",
        "allocations.json",
        "client-allocation-stats.json",
        "client-fs-ls.json",
        "client-fs-stat.json",
        "client-stats.json",
    ];
    assert_eq!(names, covered, "a new sample needs a decoding test above");
}
