//! What keeps the agent within issue 18's memory target at 100,000 allocations (at most
//! 1 GB): allocations of one placement share their resources, and a long allocation list is
//! written piece by piece as it is sent, with the same bytes as the list written whole.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::*;
use std::sync::Arc;

async fn synthetic(allocs: usize) -> TestAgent {
    TestAgent::start_with(|c| {
        c.synthetic_allocs = allocs;
        c.synthetic_jobs = allocs / 10;
        c.synthetic_nodes = 10;
    })
    .await
}

/// A list of many pieces (256 KB each) is the list written whole: the same stubs as the
/// pages read one by one, the same values as `pretty` (written whole) gives, and the same
/// bytes again when read a second time (from the stub cache, within its budget).
#[tokio::test]
async fn a_long_list_streamed_is_the_list_written_whole() {
    let t = synthetic(3_000).await;
    let first = t.get("/v1/allocations?namespace=*").await;
    assert_eq!(first.status, 200);
    assert!(first.body.len() > 4 * 256 * 1024, "{} bytes", first.body.len());
    assert_eq!((first.header("transfer-encoding"), first.header("content-length")), (Some("chunked"), None));
    assert_eq!(first.header("content-type"), Some("application/json"));
    let again = t.get("/v1/allocations?namespace=*").await;
    assert_eq!(again.index(), first.index());
    assert!(first.body == again.body, "the second read differs from the first");

    // Gzipped, as a browser asks: the same bytes once inflated, to the end. (The compression
    // layer polls the body past its end; the stream must answer that with its end again.)
    let gzipped = t
        .http
        .get(format!("{}/v1/allocations?namespace=*", t.agent.url()))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let compressed = gzipped.bytes().await.expect("the whole gzipped answer");
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut inflated).unwrap();
    assert_eq!(inflated.len(), first.body.len());
    assert!(inflated == first.body, "the gzipped answer inflates to another list");

    let whole: serde_json::Value = first.json();
    let pretty: serde_json::Value = t.get("/v1/allocations?namespace=*&pretty").await.json();
    assert_eq!(whole, pretty);
    assert_eq!(whole.as_array().map(Vec::len), Some(3_000));

    // The dashboard's snapshot: newest first, a page of 200, then the rest in pages.
    let mut paged: Vec<serde_json::Value> = Vec::new();
    let mut next = String::new();
    loop {
        let page = t.get(&format!("/v1/allocations?namespace=*&per_page=700&next_token={next}")).await;
        assert_eq!(page.status, 200, "{}", page.text());
        paged.extend(page.json::<Vec<serde_json::Value>>());
        match page.header("X-Nomad-NextToken") {
            Some(token) if !token.is_empty() => next = token.to_string(),
            _ => break,
        }
    }
    assert_eq!(serde_json::Value::Array(paged), whole);

    // A list of one piece still goes out whole, with its length.
    let short = t.get("/v1/allocations?namespace=*&per_page=3").await;
    assert_eq!(short.header("content-length").map(|l| l.parse::<usize>().unwrap()), Some(short.body.len()));
    assert_eq!(short.json::<Vec<AllocationListStub>>().len(), 3);
}

/// `TaskResources` and `AllocatedResources` are one value per placed group, shared by its
/// allocations (and written for each as before).
#[tokio::test]
async fn the_allocations_of_a_group_share_its_resources() {
    let t = synthetic(200).await;
    let id = {
        let store = t.agent.state().cluster.read();
        let job = store.jobs().find(|j| j.task_groups.iter().map(|g| g.count).sum::<i64>() > 1).unwrap();
        let allocs: Vec<&Allocation> = store.allocs_of_job(&job.namespace, &job.id).collect();
        assert!(allocs.len() > 1);
        let (a, b) = (allocs[0], allocs[1]);
        assert!(Arc::ptr_eq(&a.task_resources, &b.task_resources));
        assert!(Arc::ptr_eq(a.allocated_resources.as_ref().unwrap(), b.allocated_resources.as_ref().unwrap()));
        a.id.clone()
    };
    let full: serde_json::Value = t.get(&format!("/v1/allocation/{id}")).await.json();
    let group = &job_group_task(&full);
    assert!(full["AllocatedResources"]["Tasks"][group]["Cpu"]["CpuShares"].as_i64().unwrap() > 0);
    assert_eq!(full["TaskResources"][group]["DiskMB"], 0);
}

/// A restored state shares again what the saved one shared: each allocation was written with
/// its job and resources, and 100,000 copies of them would not fit in the target.
#[tokio::test]
async fn a_restored_state_shares_jobs_and_resources_again() {
    let t = synthetic(200).await.restart().await;
    let store = t.agent.state().cluster.read();
    assert_eq!(store.allocs().filter(|a| a.node_id != t.agent.state().node_id).count(), 200);
    let job = store.jobs().find(|j| j.task_groups.iter().map(|g| g.count).sum::<i64>() > 1).unwrap();
    let allocs: Vec<&Allocation> = store.allocs_of_job(&job.namespace, &job.id).collect();
    assert!(allocs.len() > 1);
    let (a, b) = (allocs[0], allocs[1]);
    assert!(Arc::ptr_eq(a.job.as_ref().unwrap(), b.job.as_ref().unwrap()));
    assert!(Arc::ptr_eq(&a.task_resources, &b.task_resources));
    assert!(Arc::ptr_eq(a.allocated_resources.as_ref().unwrap(), b.allocated_resources.as_ref().unwrap()));
}

/// The first task's name of a full allocation.
fn job_group_task(alloc: &serde_json::Value) -> String {
    alloc["TaskResources"].as_object().and_then(|m| m.keys().next().cloned()).unwrap()
}
