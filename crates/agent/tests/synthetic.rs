//! Scale mode: synthetic allocations without processes, and churn.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::*;

#[tokio::test]
async fn synthetic_allocations_are_listed_and_churn() {
    let t = TestAgent::start_with(|c| {
        c.synthetic_allocs = 2_000;
        c.churn = 200.0;
    })
    .await;
    let all = t.get("/v1/allocations?namespace=*").await;
    let index = all.index();
    // Megabytes go out in pieces (compressing one overlaps sending the last), and arrive whole.
    assert_eq!((all.header("transfer-encoding"), all.header("content-length")), (Some("chunked"), None));
    let list: Vec<AllocationListStub> = all.json();
    assert_eq!(list.len(), 2_000);
    assert!(list.iter().any(|a| a.namespace == "ops") && list.iter().any(|a| a.namespace == "default"));
    assert!(list.iter().any(|a| a.client_status == "running"));
    assert!(list.iter().all(|a| a.task_states.as_ref().is_some_and(|s| s.values().all(|t| !t.events.is_empty()))));
    let nodes: Vec<NodeListStub> = t.get("/v1/nodes").await.json();
    assert_eq!(nodes.len(), 11, "ten synthetic nodes and this agent's");
    let jobs: Vec<JobListStub> = t.get("/v1/jobs?namespace=*").await.json();
    assert!(jobs.len() > 20);

    // Churn keeps changing allocations, so a blocking query soon returns a newer index.
    let next = t.get(&format!("/v1/allocations?namespace=*&index={index}&wait=10s&task_states=false")).await;
    assert!(next.index() > index);
    let changed: Vec<AllocationListStub> = next.json();
    assert!(changed.iter().any(|a| a.modify_index > index));

    // Synthetic allocations run no process: their usage is zero (tests/client_stats.rs).
    let r = t.get(&format!("/v1/client/allocation/{}/stats", list[0].id)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json::<nomad_api::AllocResourceUsage>().resource_usage.cpu_stats.total_ticks, 0.0);
    let alloc: Allocation = t.get(&format!("/v1/allocation/{}", list[0].id)).await.json();
    assert!(alloc.job.is_some() && alloc.node_name.starts_with("synthetic-"));
}
