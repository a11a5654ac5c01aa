//! `PUT /v1/node/:id/eligibility` on a real listener: the one write that changes a node after
//! it registered, so the test of everything that shows a node live (blocking list queries,
//! the event stream). Followed: `nodeToggleEligibility` (`command/agent/node_endpoint.go`),
//! `Node.UpdateEligibility` and `createNodeEvals` (`nomad/node_endpoint.go`),
//! `UpdateNodeEligibility` (`nomad/state/state_store.go`) and `MsgTypeEvents`
//! (`nomad/state/events.go`), alike at v1.4.0 and v1.11.3 except where a test names a release.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::{Node, NodeListStub};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn node_id(t: &TestAgent) -> String {
    let nodes: Vec<NodeListStub> = t.get("/v1/nodes").await.json();
    nodes[0].id.clone()
}

async fn set(t: &TestAgent, id: &str, token: Option<&str>, body: &str) -> common::Resp {
    t.send(Method::PUT, &format!("/v1/node/{id}/eligibility"), token, Some(body)).await
}

/// The request's errors, in the order Nomad checks them: the method (405), the body (400),
/// then the RPC's uncoded errors (500) with their texts.
#[tokio::test]
async fn requests_are_checked_as_nomad_checks_them() {
    let t = TestAgent::start().await;
    let id = node_id(&t).await;
    let path = format!("/v1/node/{id}/eligibility");
    let get = t.send(Method::GET, &path, None, None).await;
    assert_eq!((get.status, get.text().as_str()), (405, "Invalid method"));
    let cases: [(&str, &str, u16, String); 8] = [
        (&id, "", 400, "Request body is empty".into()),
        (&id, r#"{"Eligibility": 1}"#, 400,
            "json: cannot unmarshal number into Go struct field NodeUpdateEligibilityRequest.Eligibility of type string".into()),
        (&id, r#"{"Eligibility": "maybe"}"#, 500, r#"invalid scheduling eligibility "maybe""#.into()),
        (&id, r#"{"Eligibility": ""}"#, 500, r#"invalid scheduling eligibility """#.into()),
        (&id, r#"{"Eligibility": "ineligible", "NodeEvent": {"Message": "x"}}"#, 500, "node event must not be set".into()),
        ("abc", r#"{"Eligibility": "ineligible"}"#, 500, "node lookup failed: index error: UUID must be 36 characters".into()),
        ("0b0e0000-0000-4000-8000-000000000000", r#"{"Eligibility": "ineligible"}"#, 500, "node not found".into()),
        // `NodeID` in the body names the node; the path's is only the default.
        (&id, r#"{"NodeID": "0b0e0000-0000-4000-8000-000000000000", "Eligibility": "ineligible"}"#, 500,
            "node not found".into()),
    ];
    for (node, body, status, text) in cases {
        let r = set(&t, node, None, body).await;
        assert_eq!((r.status, r.text()), (status, text), "{node} {body}");
    }
    let empty = set(&t, "", None, r#"{"Eligibility": "ineligible"}"#).await;
    assert_eq!((empty.status, empty.text().as_str()), (500, "missing node ID for setting scheduling eligibility"));
    // Nothing was written by any of them.
    let node: Node = t.get(&format!("/v1/node/{id}")).await.json();
    assert_eq!(node.scheduling_eligibility, "eligible");
}

/// A token without node:write gets `403 Permission denied` (`AllowNodeWrite`); the
/// management token may.
#[tokio::test]
async fn writing_a_node_needs_node_write() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let id = node_id(&t).await;
    for token in [Some(s.readonly.as_str()), Some(s.operator.as_str()), None] {
        let r = set(&t, &id, token, r#"{"Eligibility": "ineligible"}"#).await;
        assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"), "{token:?}");
    }
    // The ACL check comes before the value's.
    let r = set(&t, &id, Some(&s.operator), r#"{"Eligibility": "maybe"}"#).await;
    assert_eq!(r.status, 403);
    let r = set(&t, &id, Some(&s.management), r#"{"Eligibility": "ineligible"}"#).await;
    assert_eq!(r.status, 200);
}

/// Marking a node ineligible: the answer (`NodeModifyIndex` never set, no evaluation), the
/// node as read after (its eligibility, the `Cluster` event, `ModifyIndex`), a blocking list
/// query woken by it, and asking again for the same eligibility writing nothing.
#[tokio::test]
async fn marking_a_node_ineligible_changes_it_live() {
    let t = TestAgent::start().await;
    let id = node_id(&t).await;
    let list = t.get("/v1/nodes").await;
    let before = list.index();
    let blocked = {
        let (http, url) = (t.http.clone(), format!("{}/v1/nodes?index={before}&wait=20s", t.agent.url()));
        tokio::spawn(async move { http.get(url).send().await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!blocked.is_finished(), "the list query blocks until a node changes");

    let r = set(&t, &id, None, r#"{"Eligibility": "ineligible"}"#).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let index = r.index();
    assert!(index > before);
    assert_eq!(r.json::<Value>(), json!({"NodeModifyIndex": 0, "EvalIDs": null, "EvalCreateIndex": 0, "Index": index}));

    let woken = tokio::time::timeout(Duration::from_secs(5), blocked).await.expect("woken").unwrap();
    assert_eq!(woken.headers()["X-Nomad-Index"].to_str().unwrap(), index.to_string());
    let stubs: Vec<NodeListStub> = woken.json().await.unwrap();
    assert_eq!(stubs[0].scheduling_eligibility, "ineligible");
    assert_eq!(stubs[0].modify_index, index);

    let got = t.get(&format!("/v1/node/{id}")).await;
    assert_eq!(got.index(), index);
    // `NewNodeEvent` makes no `Details`: a nil map, `null` on the wire.
    let raw: Value = got.json();
    let last = raw["Events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["Details"], Value::Null);
    assert!(last["Timestamp"].is_string());
    let node: Node = got.json();
    assert_eq!((node.scheduling_eligibility.as_str(), node.modify_index), ("ineligible", index));
    let event = node.events.last().unwrap();
    assert_eq!(
        (event.message.as_str(), event.subsystem.as_str(), event.create_index),
        ("Node marked as ineligible for scheduling", "Cluster", index)
    );
    assert!(event.details.is_empty() && event.timestamp.is_some());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - node.status_updated_at).abs() <= 5, "StatusUpdatedAt is the write's time");

    // "Nothing to do": 200, every field zero, `X-Nomad-Index: 0`, and no write.
    let again = t
        .send(Method::POST, &format!("/v1/node/{id}/eligibility"), None, Some(r#"{"Eligibility": "ineligible"}"#))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.index(), 0);
    assert_eq!(again.json::<Value>(), json!({"NodeModifyIndex": 0, "EvalIDs": null, "EvalCreateIndex": 0, "Index": 0}));
    assert_eq!(t.get("/v1/nodes").await.index(), index);
}

/// The first batch at `index` an open stream sends (heartbeats and earlier batches skipped).
async fn batch_at(res: &mut reqwest::Response, index: u64) -> Value {
    let mut pending = Vec::new();
    loop {
        if let Some(at) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=at).collect();
            let batch: Value = serde_json::from_slice(&line[..at]).unwrap();
            if batch["Index"] == index {
                return batch;
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), res.chunk()).await.expect("a line").unwrap();
        pending.extend_from_slice(&chunk.expect("the stream goes on"));
    }
}

/// The event stream sends the write as a `Node` event of type `NodeDrain` (every release maps
/// `NodeUpdateEligibilityRequestType` to `TypeNodeDrain`; `NodeEligibility` is never sent),
/// keyed by the node's ID, with `{"Node": node}` as payload: to a subscription of every node
/// (the nodes list) and to one of this node's key (`topic=Node:<id>`, its page).
#[tokio::test]
async fn the_event_stream_sends_the_node() {
    let t = TestAgent::start().await;
    let id = node_id(&t).await;
    let open = |topic: String| {
        let url = format!("{}/v1/event/stream?topic={topic}", t.agent.url());
        let http = t.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    let mut all = open("Node".into()).await;
    let mut one = open(format!("Node:{id}")).await;
    assert_eq!((all.status().as_u16(), one.status().as_u16()), (200, 200));
    let r = set(&t, &id, None, r#"{"Eligibility": "ineligible"}"#).await;
    let index = r.index();
    for res in [&mut all, &mut one] {
        let batch = batch_at(res, index).await;
        let events = batch["Events"].as_array().unwrap();
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(
            (e["Topic"].as_str(), e["Type"].as_str(), e["Key"].as_str()),
            (Some("Node"), Some("NodeDrain"), Some(id.as_str()))
        );
        assert_eq!(e["Index"], index);
        let node: Node = serde_json::from_value(e["Payload"]["Node"].clone()).unwrap();
        assert_eq!(
            (node.id.as_str(), node.scheduling_eligibility.as_str(), node.modify_index),
            (id.as_str(), "ineligible", index)
        );
    }
}

/// Made eligible again, the node's jobs are evaluated (`createNodeEvals`): one `node-update`
/// evaluation per job with allocations there, at the next index, named in the answer.
#[tokio::test]
async fn marking_a_node_eligible_again_evaluates_its_jobs() {
    let t = TestAgent::start().await;
    let id = node_id(&t).await;
    let allocs = t.run_job("web", "default", "service", 2, &[("s", "sleep 60")]);
    t.wait_alloc(&allocs[0], running).await;
    set(&t, &id, None, r#"{"Eligibility": "ineligible"}"#).await;
    let r = set(&t, &id, None, r#"{"Eligibility": "eligible"}"#).await;
    assert_eq!(r.status, 200);
    let body: Value = r.json();
    let index = r.index();
    assert_eq!(body["Index"], index);
    assert_eq!(body["NodeModifyIndex"], 0);
    assert_eq!(body["EvalCreateIndex"], index + 1);
    let ids = body["EvalIDs"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "one evaluation for the job's two allocations");
    let eval: Value = t.get(&format!("/v1/evaluation/{}", ids[0].as_str().unwrap())).await.json();
    assert_eq!(eval["TriggeredBy"], "node-update");
    assert_eq!(eval["JobID"], "web");
    assert_eq!(eval["NodeID"], id.as_str());
    assert_eq!(eval["NodeModifyIndex"], index);
    assert_eq!(eval["CreateIndex"], index + 1);
    let node: Node = t.get(&format!("/v1/node/{id}")).await.json();
    assert_eq!(node.scheduling_eligibility, "eligible");
    assert_eq!(node.events.last().unwrap().message, "Node marked as eligible for scheduling");
}

/// The write is kept: after a restart the node, registering again, is still ineligible with
/// its event (`upsertNodeTxn` keeps an existing node's `SchedulingEligibility` and `Events`,
/// `nomad/state/state_store.go`).
#[tokio::test]
async fn a_restart_keeps_the_eligibility() {
    let t = TestAgent::start().await;
    let id = node_id(&t).await;
    let index = set(&t, &id, None, r#"{"Eligibility": "ineligible"}"#).await.index();
    let t = t.restart().await;
    let node: Node = t.get(&format!("/v1/node/{id}")).await.json();
    assert_eq!(node.scheduling_eligibility, "ineligible");
    assert!(node
        .events
        .iter()
        .any(|e| e.message == "Node marked as ineligible for scheduling" && e.create_index == index));
}
