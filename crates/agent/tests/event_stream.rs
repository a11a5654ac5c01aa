//! `GET /v1/event/stream` on a real listener: the lines, topics, namespaces, resumption from
//! an index, ACL refusals and errors as Nomad answers them (`command/agent/event_endpoint.go`,
//! `nomad/event_endpoint.go`, `nomad/stream/` and `nomad/state/events.go`, v1.11.3 unless a
//! test names another release).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::NomadVersion;
use reqwest::Method;
use serde_json::Value;
use std::time::Duration;

/// An open stream, read line by line.
struct Lines {
    res: reqwest::Response,
    pending: Vec<u8>,
}

impl Lines {
    async fn open(t: &TestAgent, path: &str, token: Option<&str>) -> Lines {
        let mut req = t.http.get(format!("{}{path}", t.agent.url()));
        if let Some(token) = token {
            req = req.header("X-Nomad-Token", token);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        Lines { res, pending: Vec::new() }
    }

    /// The next line, or `None` once the stream ends.
    async fn next(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=at).collect();
                return Some(String::from_utf8_lossy(&line[..at]).into_owned());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.res.chunk()).await.expect("a line in time");
            match chunk.unwrap() {
                Some(bytes) => self.pending.extend_from_slice(&bytes),
                None if self.pending.is_empty() => return None,
                None => return Some(String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned()),
            }
        }
    }

    /// The next batch (skipping heartbeats).
    async fn batch(&mut self) -> Value {
        loop {
            let line = self.next().await.expect("the stream goes on");
            if line != "{}" {
                return serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            }
        }
    }
}

fn kinds(batch: &Value) -> Vec<(String, String)> {
    batch["Events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["Topic"].as_str().unwrap().to_string(), e["Type"].as_str().unwrap().to_string()))
        .collect()
}

/// The stream opens with a `{}` heartbeat (`NewJsonStream` sends one at once), then one line per
/// write: a registration's job, evaluation and allocations at its index, each allocation
/// without its job and with `[JobID, DeploymentID]` as filter keys (`eventFromChange`); then
/// what the client reports, as `AllocationUpdated`.
#[tokio::test]
async fn writes_arrive_as_batches() {
    let t = TestAgent::start().await;
    let mut all = Lines::open(&t, "/v1/event/stream?index=0", None).await;
    assert_eq!(all.res.headers()["content-type"], "application/json");
    assert_eq!(all.res.headers()["cache-control"], "no-cache");
    assert!(all.res.headers().get("content-encoding").is_none());
    // 1.11.2+: written on the hijacked connection, which closes with the stream.
    assert_eq!(all.res.headers()["connection"], "close");
    assert_eq!(all.next().await.as_deref(), Some("{}"));
    // index=0 replays the buffer: the agent's node registration comes first.
    let first = all.batch().await;
    assert_eq!(kinds(&first), [("Node".to_string(), "NodeRegistration".to_string())]);
    assert_eq!(first["Events"][0]["Namespace"], "");
    assert_eq!(first["Events"][0]["FilterKeys"], Value::Null);

    let mut allocs = Lines::open(&t, "/v1/event/stream?topic=Allocation", None).await;
    assert_eq!(allocs.next().await.as_deref(), Some("{}"));
    let ids = t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    let batch = all.batch().await;
    let index = batch["Index"].as_u64().unwrap();
    assert_eq!(
        kinds(&batch),
        [("Job", "JobRegistered"), ("Evaluation", "EvaluationUpdated"), ("Allocation", "PlanResult")]
            .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let job = t.get("/v1/job/web").await;
    assert_eq!(job.json::<Value>()["JobModifyIndex"], index);
    let alloc = &batch["Events"][2];
    assert_eq!(
        (alloc["Key"].as_str(), alloc["Namespace"].as_str(), alloc["Index"].as_u64()),
        (Some(ids[0].as_str()), Some("default"), Some(index))
    );
    assert_eq!(alloc["FilterKeys"], serde_json::json!(["web", ""]));
    assert_eq!(alloc["Payload"]["Allocation"]["ID"], ids[0].as_str());
    assert!(alloc["Payload"]["Allocation"].get("Job").is_none(), "{alloc}");
    assert_eq!(batch["Events"][0]["Payload"]["Job"]["ID"], "web");
    assert!(batch["Events"][0]["Payload"].get("Deleted").is_none());

    // The Allocation subscription gets the same write with only its allocation.
    let only = allocs.batch().await;
    assert_eq!((only["Index"].as_u64(), kinds(&only).len()), (Some(index), 1));
    // Then the client's report that it runs.
    loop {
        let next = allocs.batch().await;
        let event = &next["Events"][0];
        assert_eq!(event["Type"], "AllocationUpdated");
        if event["Payload"]["Allocation"]["ClientStatus"] == "running" {
            break;
        }
    }
}

/// `topic=Job:<id>` keeps the events whose key or filter keys name the job; the default
/// namespace is `default`, `namespace=*` every namespace (`filter` in
/// `nomad/stream/subscription.go`).
#[tokio::test]
async fn topics_and_namespaces_filter_events() {
    let t = TestAgent::start().await;
    let mut web = Lines::open(&t, "/v1/event/stream?topic=Job:web&topic=Allocation:web", None).await;
    let mut every = Lines::open(&t, "/v1/event/stream?topic=Job&namespace=*", None).await;
    t.run_job("other", "default", "batch", 1, &[("main", "true")]);
    t.run_job("ops-job", caravan_agent::OPS_NAMESPACE, "service", 1, &[("main", "sleep 60")]);
    t.run_job("web", "default", "service", 1, &[("main", "sleep 60")]);
    let batch = web.batch().await;
    assert_eq!(
        kinds(&batch),
        [("Job", "JobRegistered"), ("Allocation", "PlanResult")].map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(batch["Events"][0]["Key"], "web");
    let mut namespaces = Vec::new();
    while namespaces.len() < 3 {
        let batch = every.batch().await;
        for event in batch["Events"].as_array().unwrap() {
            if event["Type"] == "JobRegistered" {
                namespaces.push(event["Namespace"].as_str().unwrap().to_string());
            }
        }
    }
    assert_eq!(namespaces, ["default", "ops", "default"]);
}

/// A stream from an index starts at that index's batch (inclusive); one older than the buffer
/// holds starts at the oldest batch held, with no error, so the reader sees the gap by the
/// first `Index` (`Subscribe`, `StartAtClosest` in `nomad/stream/`).
#[tokio::test]
async fn resumes_from_an_index() {
    let t = TestAgent::start_with(|c| c.event_buffer_size = 3).await;
    let mut indexes = Vec::new();
    for n in 0..5 {
        t.run_job(&format!("job{n}"), "default", "batch", 0, &[("main", "true")]);
        indexes.push(t.get(&format!("/v1/job/job{n}")).await.json::<Value>()["JobModifyIndex"].as_u64().unwrap());
    }
    let mut from = Lines::open(&t, &format!("/v1/event/stream?topic=Job&index={}", indexes[3]), None).await;
    assert_eq!(from.next().await.as_deref(), Some("{}"));
    assert_eq!(from.batch().await["Index"].as_u64(), Some(indexes[3]));
    assert_eq!(from.batch().await["Index"].as_u64(), Some(indexes[4]));
    let mut old = Lines::open(&t, &format!("/v1/event/stream?topic=Job&index={}", indexes[0]), None).await;
    assert_eq!(old.batch().await["Index"].as_u64(), Some(indexes[2]), "the oldest of the 3 kept");
}

/// The checks before the stream: `index` and `topic` (400), the method (405); the token's
/// right to each topic in each namespace. From 1.11.2 the RPC's refusal is an empty 200
/// (the head is on the hijacked connection already); before, 403 `Permission denied`.
#[tokio::test]
async fn refusals_and_errors() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let secrets = t.agent.acl_secrets().unwrap();
    let r = t.get("/v1/event/stream?index=x").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Unable to parse index: strconv.Atoi: parsing \"x\": invalid syntax")
    );
    let r = t.get("/v1/event/stream?topic=Job:a:b").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Invalid topic query: error parsing topics: Invalid key value pair for topic, topic: Job:a:b")
    );
    let r = t.send(Method::POST, "/v1/event/stream", t.token.as_deref(), None).await;
    assert_eq!((r.status, r.text().as_str()), (405, "Invalid method"));
    // Read-only may read allocations everywhere, but not every topic (`*` needs management).
    let mut ok = Lines::open(&t, "/v1/event/stream?topic=Allocation&namespace=*", Some(&secrets.readonly)).await;
    assert_eq!(ok.next().await.as_deref(), Some("{}"));
    let r = t.send(Method::GET, "/v1/event/stream", Some(&secrets.readonly), None).await;
    assert_eq!((r.status, r.text().as_str(), r.header("connection")), (200, "", Some("close")));

    let old = TestAgent::start_with(|c| {
        c.acl = true;
        c.nomad_version = NomadVersion::new(1, 10, 5);
    })
    .await;
    let readonly = old.agent.acl_secrets().unwrap().readonly;
    let r = old.send(Method::GET, "/v1/event/stream", Some(&readonly), None).await;
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
    let r = old.send(Method::GET, "/v1/event/stream?topic=Node", None, None).await;
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
    let r = old.send(Method::GET, "/v1/event/stream?region=elsewhere", old.token.as_deref(), None).await;
    assert_eq!((r.status, r.text().as_str()), (500, "No path to region"));
}

/// `enable_event_broker = false`: `EventBroker not configured` (500 before 1.11.2, an empty
/// 200 after; `StateStore.EventBroker`).
#[tokio::test]
async fn without_a_broker() {
    let t = TestAgent::start_with(|c| c.no_event_broker = true).await;
    let r = t.get("/v1/event/stream").await;
    assert_eq!((r.status, r.text().as_str()), (200, ""));
    let old = TestAgent::start_with(|c| {
        c.no_event_broker = true;
        c.nomad_version = NomadVersion::new(1, 9, 7);
    })
    .await;
    let r = old.get("/v1/event/stream").await;
    assert_eq!((r.status, r.text().as_str()), (500, "EventBroker not configured"));
    // 1.9: not hijacked, no `Connection: close`.
    let served = TestAgent::start_with(|c| c.nomad_version = NomadVersion::new(1, 9, 7)).await;
    let mut lines = Lines::open(&served, "/v1/event/stream", None).await;
    assert!(lines.res.headers().get("connection").is_none());
    assert_eq!(lines.next().await.as_deref(), Some("{}"));
}

/// Scale mode's churn is client reports like any other: each batch of changes reaches the
/// stream as `AllocationUpdated` events (issue 18: every change flows through the stream).
#[tokio::test]
async fn churn_flows_through_the_stream() {
    let t = TestAgent::start_with(|c| {
        c.synthetic_allocs = 400;
        c.churn = 50.0;
    })
    .await;
    let from = t.get("/v1/allocations?namespace=*&per_page=1").await.index() + 1;
    let mut lines = Lines::open(&t, &format!("/v1/event/stream?topic=Allocation&namespace=*&index={from}"), None).await;
    // An index past the newest batch gets the newest again (`StartAtClosest`): skip it.
    let batch = loop {
        let batch = lines.batch().await;
        if batch["Index"].as_u64().unwrap() >= from {
            break batch;
        }
    };
    let events = batch["Events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["Type"] == "AllocationUpdated" && e["Topic"] == "Allocation"), "{batch}");
    let index = batch["Index"].as_u64().unwrap();
    assert!(events.iter().all(|e| e["Index"] == index));
}
