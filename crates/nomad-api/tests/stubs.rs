//! The list stubs made from whole objects (`JobListStub::from_job`, `NodeListStub::from_node`)
//! equal the entries Nomad lists for the same objects: `tests/fixtures/<release>/job.json` is
//! the first entry of `jobs.json`, `node.json` the first of `nodes.json`, written following
//! `Job.Stub` and `Node.Stub` in `nomad/structs/structs.go` (v1.4.0 and v1.11.3).
// A test target: a failed unwrap, expect or panic is the failure it reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use nomad_api::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture<T: DeserializeOwned>(release: &str, name: &str) -> T {
    let path = format!("{}/tests/fixtures/{release}/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn a_job_stub_is_the_listed_entry() {
    for release in ["1.4", "1.11"] {
        let job: Job = fixture(release, "job.json");
        let listed: Vec<JobListStub> = fixture(release, "jobs.json");
        let entry = listed.iter().find(|j| j.id == job.id).unwrap();
        let fields = JobStubFields { meta: entry.meta.is_some() };
        assert_eq!(&JobListStub::from_job(&job, entry.job_summary.clone(), fields), entry, "{release}");
    }
}

/// `IsParameterized`: a dispatched child keeps its parent's block but is not parameterized;
/// `IsPeriodic`: a `periodic` block, whatever it holds.
#[test]
fn parameterized_and_periodic_follow_the_blocks() {
    let mut job: Job = fixture("1.11", "job.json");
    job.parameterized_job = Some(Value::Object(Default::default()));
    job.periodic = Some(Value::Object(Default::default()));
    let stub = JobListStub::from_job(&job, None, JobStubFields::default());
    assert!(stub.parameterized_job && stub.periodic);
    assert_eq!((stub.job_summary, stub.meta), (None, None));
    job.dispatched = true;
    assert!(!JobListStub::from_job(&job, None, JobStubFields::default()).parameterized_job);
    assert_eq!(JobListStub::from_job(&job, None, JobStubFields { meta: true }).meta, Some(job.meta.clone()));
}

#[test]
fn a_node_stub_is_the_listed_entry() {
    for release in ["1.4", "1.11"] {
        let node: Node = fixture(release, "node.json");
        let listed: Vec<NodeListStub> = fixture(release, "nodes.json");
        let entry = listed.iter().find(|n| n.id == node.id).unwrap();
        let fields = NodeStubFields { resources: entry.node_resources.is_some(), os: entry.attributes.is_some() };
        assert_eq!(&NodeListStub::from_node(&node, fields), entry, "{release}");
    }
}

/// `Address` is `net.SplitHostPort(HTTPAddr)`'s host, empty on its error.
#[test]
fn a_node_address_is_the_host_of_its_http_address() {
    let address = |http_addr: &str| {
        let node = Node { http_addr: http_addr.into(), ..Node::default() };
        NodeListStub::from_node(&node, NodeStubFields::default()).address
    };
    assert_eq!(address("10.0.2.15:4646"), "10.0.2.15");
    assert_eq!(address("client-1:4646"), "client-1");
    assert_eq!(address("[fd00::1]:4646"), "fd00::1");
    assert_eq!(address(":4646"), "");
    // No port, or an IPv6 address without brackets: SplitHostPort fails.
    assert_eq!(address("10.0.2.15"), "");
    assert_eq!(address("fd00::1:4646"), "");
    assert_eq!(address(""), "");
}
