//! The read endpoints clients of Nomad 1.6+ call besides jobs, allocations and nodes
//! (Nomad's own web UI among them): evaluations, deployments, a job's sub-resources, node
//! pools, search, variables, volumes, the agent monitor, the license and the Raft peers.
//! Each test names the Nomad source (at v1.11.3 unless said) whose answer it pins.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::search::{FuzzyMatch, FuzzySearchResponse, SearchResponse};
use nomad_api::*;
use reqwest::Method;
use serde_json::{json, Value};

fn denied(r: &common::Resp) {
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"), "{r:?}");
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// command/agent/eval_endpoint.go, nomad/eval_endpoint.go (GetEval, List, Allocations),
/// nomad/job_endpoint.go (Register, Deregister build the evaluations), scheduler/util.go
/// setStatus, nomad/structs/eval.go (omitempty).
#[tokio::test]
async fn evaluations_are_those_the_scheduler_completed() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 2, &[("server", "sleep 60")]);
    let r = t.get("/v1/job/web/evaluations").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let evals: Vec<Value> = r.json();
    assert_eq!(evals.len(), 1);
    let eval = &evals[0];
    assert_eq!(
        keys(eval),
        [
            "CreateIndex",
            "CreateTime",
            "ID",
            "JobID",
            "JobModifyIndex",
            "ModifyIndex",
            "ModifyTime",
            "Namespace",
            "Priority",
            "QueuedAllocations",
            "SnapshotIndex",
            "Status",
            "TriggeredBy",
            "Type"
        ]
    );
    assert_eq!(
        (eval["Status"].as_str(), eval["TriggeredBy"].as_str(), eval["Type"].as_str()),
        (Some("complete"), Some("job-register"), Some("service"))
    );
    assert_eq!(eval["QueuedAllocations"], json!({"web": 0}));
    let eval_id = eval["ID"].as_str().unwrap().to_string();
    let job: Job = t.get("/v1/job/web").await.json();
    assert_eq!(eval["JobModifyIndex"], job.job_modify_index);
    assert_eq!(r.index(), t.agent.state().cluster.read().table_index(caravan_agent::state::Table::Evals));

    // The allocations point at it, and it lists them.
    let alloc: Allocation = t.get(&format!("/v1/allocation/{}", ids[0])).await.json();
    assert_eq!(alloc.eval_id, eval_id);
    let one = t.get(&format!("/v1/evaluation/{eval_id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.index(), eval["ModifyIndex"].as_u64().unwrap());
    assert_eq!(one.json::<Value>(), *eval);
    let stubs: Vec<AllocationListStub> = t.get(&format!("/v1/evaluation/{eval_id}/allocations")).await.json();
    let mut placed: Vec<String> = stubs.iter().map(|s| s.id.clone()).collect();
    placed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(placed, expected);

    let missing = t.get("/v1/evaluation/00000000-0000-0000-0000-000000000000").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "eval not found"));
    assert!(missing.index() > 0);
    let wrong = t.post(&format!("/v1/evaluation/{eval_id}"), "{}").await;
    assert_eq!((wrong.status, wrong.text().as_str()), (405, "Invalid method"));

    // A stop is a service evaluation triggered by the deregistration.
    assert_eq!(t.send(Method::DELETE, "/v1/job/web", None, None).await.status, 200);
    let all: Vec<Evaluation> = t.get("/v1/evaluations").await.json();
    assert_eq!(all.len(), 2);
    assert_eq!(all.iter().map(|e| e.triggered_by.as_str()).collect::<Vec<_>>(), ["job-register", "job-deregister"]);
    let register: Vec<Evaluation> = t.get("/v1/evaluations?job=web&status=complete&namespace=*").await.json();
    assert_eq!(register.len(), 2);
    assert!(t.get("/v1/evaluations?job=other").await.json::<Vec<Evaluation>>().is_empty());

    // Pages: per_page, then the token of the next one (nomad/state/paginator).
    let first = t.get("/v1/evaluations?per_page=1").await;
    let next = first.header("X-Nomad-NextToken").expect("a next page").to_string();
    assert_eq!(next, format!("{}.{}", all[1].create_index, all[1].id));
    let second = t.get(&format!("/v1/evaluations?per_page=1&next_token={next}")).await;
    assert_eq!(second.json::<Vec<Evaluation>>()[0].id, all[1].id);
    assert!(second.header("X-Nomad-NextToken").is_none());
    let reversed: Vec<Evaluation> = t.get("/v1/evaluations?reverse=true").await.json();
    assert_eq!(reversed[0].id, all[1].id);
    let prefix = &eval_id[..4];
    let by_prefix: Vec<Evaluation> = t.get(&format!("/v1/evaluations?prefix={prefix}")).await.json();
    assert!(by_prefix.iter().all(|e| e.id.starts_with(prefix)) && !by_prefix.is_empty());
    // `filter` (go-bexpr), as the web UI's evaluations page sends it.
    let filter = |expr: &str| format!("/v1/evaluations?filter={}", nomad_api::query::encode(expr));
    let stops: Vec<Evaluation> =
        t.get(&filter(r#"TriggeredBy contains "deregister" and NodeID is empty"#)).await.json();
    assert_eq!(stops.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [all[1].id.as_str()]);
    let bad = t.get(&filter("Status ==")).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.text().starts_with("failed to create result paginator: failed to read filter expression: "),
        "{}",
        bad.text()
    );
    let both = t.get(&format!("{}&job=web", filter(r#"Status == "complete""#))).await;
    assert_eq!(
        (both.status, both.text().as_str()),
        (400, "Filter expression cannot be used with other filter parameters")
    );
    let odd = t.get("/v1/evaluations?prefix=abc").await;
    assert_eq!(
        (odd.status, odd.text().as_str()),
        (500, "eval lookup failed: index error: Input (without hyphens) must be even length")
    );
    // Deleting needs the eval broker paused, which it never is here (Eval.Delete).
    let del = t.send(Method::DELETE, "/v1/evaluations", None, Some(&format!(r#"{{"EvalIDs":["{eval_id}"]}}"#))).await;
    assert_eq!(
        (del.status, del.text().as_str()),
        (500, "eval broker is enabled; eval broker must be paused to delete evals")
    );
    let empty = t.send(Method::DELETE, "/v1/evaluations", None, Some("{}")).await;
    assert_eq!((empty.status, empty.text().as_str()), (400, "evals must be deleted by either ID or filter"));
}

/// nomad/eval_endpoint.go checks read-job in the request's namespace, then in the
/// evaluation's; Eval.List leaves out namespaces the token cannot read.
#[tokio::test]
async fn evaluations_follow_namespace_acls() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    t.run_job("reports", "ops", "batch", 1, &[("gen", "sleep 60")]);
    let ops_eval = t.agent.state().cluster.read().evals_of_job("ops", "reports").next().unwrap().id.clone();
    for path in ["/v1/evaluations", "/v1/job/web/evaluations", "/v1/evaluations?namespace=*"] {
        denied(&t.send(Method::GET, path, None, None).await);
        assert_eq!(t.send(Method::GET, path, Some(&s.readonly), None).await.status, 200, "{path}");
    }
    // Asked in `default`, the evaluation is in `ops`: read-job there too.
    let r = t.send(Method::GET, &format!("/v1/evaluation/{ops_eval}"), Some(&s.readonly), None).await;
    assert_eq!(r.json::<Evaluation>().namespace, "ops");
    denied(&t.send(Method::GET, &format!("/v1/evaluation/{ops_eval}"), None, None).await);
    let all: Vec<Evaluation> = t.send(Method::GET, "/v1/evaluations?namespace=*", Some(&s.readonly), None).await.json();
    assert_eq!(all.len(), 2);
    let del = t.send(Method::DELETE, "/v1/evaluations", Some(&s.operator), Some(r#"{"EvalIDs":["x"]}"#)).await;
    denied(&del);
}

/// nomad/state/state_store.go updateSummaryWithJob / updateSummaryWithAlloc,
/// command/agent/job_endpoint.go jobSummaryRequest.
#[tokio::test]
async fn a_job_summary_counts_its_allocations() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 2, &[("server", "sleep 60")]);
    for id in &ids {
        t.wait_alloc(id, running).await;
    }
    let r = t.get("/v1/job/web/summary").await;
    assert_eq!(r.status, 200);
    let summary: Value = r.json();
    assert_eq!(
        summary["Summary"]["web"],
        json!({"Queued": 0, "Complete": 0, "Failed": 0, "Running": 2, "Starting": 0, "Lost": 0, "Unknown": 0})
    );
    assert_eq!(summary["Children"], json!({"Pending": 0, "Running": 0, "Dead": 0}));
    assert_eq!(r.index(), summary["ModifyIndex"].as_u64().unwrap());
    // Stopping an allocation: it completes and its replacement starts; the stopped one stays
    // counted as complete.
    assert_eq!(t.post(&format!("/v1/allocation/{}/stop", ids[0]), "").await.status, 200);
    t.wait_alloc(&ids[0], |a| a.client_status == "complete").await;
    let summary: JobSummary = t.get("/v1/job/web/summary").await.json();
    let web = &summary.summary["web"];
    assert_eq!(web.complete, 1);
    assert_eq!(web.running + web.starting, 2);
    let missing = t.get("/v1/job/nope/summary").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "job not found"));
    // jobSummaryRequest checks no method.
    assert_eq!(t.post("/v1/job/web/summary", "").await.status, 200);
}

/// nomad/job_endpoint.go GetJobVersions, nomad/state/state_store.go upsertJobVersion,
/// command/agent/job_endpoint.go jobVersions.
#[tokio::test]
async fn versions_are_kept_newest_first() {
    let t = TestAgent::start().await;
    t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    t.run_job("web", "default", "service", 1, &[("server", "sleep 61")]);
    let r = t.get("/v1/job/web/versions").await;
    assert_eq!(r.status, 200);
    let body: Value = r.json();
    assert_eq!(keys(&body), ["Diffs", "Index", "KnownLeader", "LastContact", "NextToken", "Versions"]);
    let versions: Vec<Job> = serde_json::from_value(body["Versions"].clone()).unwrap();
    assert_eq!(versions.iter().map(|j| j.version).collect::<Vec<_>>(), [1, 0]);
    assert_eq!(r.index(), versions.iter().map(|j| j.modify_index).max().unwrap());
    assert_eq!(body["Index"], r.index());
    for n in 2..8 {
        t.run_job("web", "default", "service", 1, &[("server", &format!("sleep {n}"))]);
    }
    let versions: JobVersionsResponse = t.get("/v1/job/web/versions").await.json();
    assert_eq!(versions.versions.iter().map(|j| j.version).collect::<Vec<_>>(), [7, 6, 5, 4, 3, 2]);
    let bad = t.get("/v1/job/web/versions?diffs=maybe").await;
    assert_eq!(bad.status, 500);
    assert_eq!(
        bad.text(),
        "Failed to parse value of \"diffs\" (maybe) as a bool: strconv.ParseBool: parsing \"maybe\": invalid syntax"
    );
    let no_tag = t.get("/v1/job/web/versions?diffs=true&diff_tag=prod").await;
    assert_eq!((no_tag.status, no_tag.text().as_str()), (500, "tag \"prod\" not found"));
    let missing = t.get("/v1/job/nope/versions").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "job versions not found"));
}

/// nomad/job_endpoint.go ScaleStatus, GetServiceRegistrations, LatestDeployment,
/// Deployments, GetJobSubmission; command/agent/job_endpoint.go.
#[tokio::test]
async fn a_jobs_scale_services_deployments_and_submission() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 2, &[("server", "sleep 60")]);
    for id in &ids {
        t.wait_alloc(id, running).await;
    }
    let job: Job = t.get("/v1/job/web").await.json();
    let r = t.get("/v1/job/web/scale").await;
    assert_eq!(r.status, 200);
    let scale: Value = r.json();
    assert_eq!(scale["JobModifyIndex"], job.modify_index);
    assert_eq!(
        scale["TaskGroups"]["web"],
        json!({"Desired": 2, "Placed": 2, "Running": 2, "Healthy": 0, "Unhealthy": 0, "Events": null})
    );
    let missing = t.get("/v1/job/nope/scale").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "job not found"));
    assert_eq!(t.send(Method::DELETE, "/v1/job/web/scale", None, None).await.status, 405);

    let services = t.get("/v1/job/web/services").await;
    assert_eq!((services.status, services.text().as_str(), services.index()), (200, "[]", 1));
    let none = t.get("/v1/job/nope/services").await;
    assert_eq!((none.status, none.text().as_str(), none.index()), (404, "job not found", 0));

    let latest = t.get("/v1/job/web/deployment").await;
    assert_eq!((latest.status, latest.text().as_str(), latest.index()), (200, "null", 0));
    assert_eq!(t.get("/v1/job/web/deployments").await.text(), "[]");
    let list = t.get("/v1/deployments").await;
    assert_eq!((list.status, list.text().as_str(), list.index()), (200, "[]", 0));
    let one = t.get("/v1/deployment/5b6f3b1a-0000-0000-0000-000000000000").await;
    assert_eq!((one.status, one.text().as_str()), (404, "deployment not found"));
    assert_eq!(t.get("/v1/deployment/allocations/5b6f3b1a-0000-0000-0000-000000000000").await.text(), "[]");
    assert_eq!(t.post("/v1/deployments", "").await.status, 405);

    let unversioned = t.get("/v1/job/web/submission").await;
    assert_eq!(
        (unversioned.status, unversioned.text().as_str()),
        (400, "Unable to parse job submission version parameter")
    );
    let source = t.get("/v1/job/web/submission?version=0").await;
    assert_eq!((source.status, source.text().as_str(), source.index()), (404, "job source not found", 0));
}

/// Before 1.6 `/v1/job/:id/submission` is `jobCRUD` of the ID `web/submission`, and
/// `/v1/node/pools` is the node `pools` (command/agent/job_endpoint.go,
/// node_endpoint.go at v1.5.17).
#[tokio::test]
async fn older_releases_have_no_submissions_or_node_pools() {
    let t = TestAgent::start_with(|c| c.nomad_version = "1.5".parse().unwrap()).await;
    t.run_job("web", "default", "service", 1, &[("server", "sleep 60")]);
    let r = t.get("/v1/job/web/submission?version=0").await;
    assert_eq!((r.status, r.text().as_str()), (404, "job not found"));
    // `Node.GetNode` of a node ID go-memdb's UUID index cannot read (nomad/state/state_store.go
    // `NodeByID`): an uncoded error.
    let no_uuid = (500, "node lookup failed: index error: UUID must be 36 characters");
    let pools = t.get("/v1/node/pools").await;
    assert_eq!((pools.status, pools.text().as_str()), no_uuid);
    let pool = t.get("/v1/node/pool/default").await;
    assert_eq!((pool.status, pool.text().as_str()), no_uuid);
    // No node pools or host volumes to search (nomad/search_endpoint.go ossContexts).
    let found: Value = t.post("/v1/search/fuzzy", r#"{"Text":"web","Context":"all","Namespace":"*"}"#).await.json();
    assert!(found["Truncations"].get("node_pools").is_none());
    assert!(found["Truncations"].get("jobs").is_some());
}

/// nomad/state/state_store_node_pools.go nodePoolInit, nomad/node_pool_endpoint.go List,
/// GetNodePool, ListNodes; acl/acl.go AllowNodePoolOperation.
#[tokio::test]
async fn node_pools_are_the_built_in_two() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let r = t.get("/v1/node/pools").await;
    assert_eq!((r.status, r.index()), (200, 1));
    let pools: Vec<Value> = r.json();
    assert_eq!(pools.len(), 2);
    assert_eq!(
        pools[1],
        json!({"Name": "default", "Description": "Default node pool.", "Meta": null, "SchedulerConfiguration": null,
            "NodeIdentityTTL": 86_400_000_000_000i64, "Hash": null, "CreateIndex": 1, "ModifyIndex": 1})
    );
    assert_eq!(t.get("/v1/node/pools?prefix=d").await.json::<Vec<NodePool>>().len(), 1);
    let paged = t.get("/v1/node/pools?per_page=1").await;
    assert_eq!(paged.header("X-Nomad-NextToken"), Some("default"));
    // The read-only policy has no node_pool rules: the list is empty, a pool refused.
    let ro = t.send(Method::GET, "/v1/node/pools", Some(&s.readonly), None).await;
    assert_eq!((ro.status, ro.text().as_str()), (200, "[]"));
    denied(&t.send(Method::GET, "/v1/node/pool/default", Some(&s.readonly), None).await);
    denied(&t.send(Method::GET, "/v1/node/pools", Some("not-a-token"), None).await);

    let pool: NodePool = t.get("/v1/node/pool/all").await.json();
    assert_eq!(pool.description, "Node pool with all nodes in the cluster.");
    let missing = t.get("/v1/node/pool/gpu").await;
    assert_eq!((missing.status, missing.text().as_str(), missing.index()), (404, "node pool not found", 1));
    let nodes: Vec<NodeListStub> = t.get("/v1/node/pool/all/nodes").await.json();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].id, t.agent.state().node_id);
    let prefixed = t.get("/v1/node/pool/all/nodes?prefix=ab").await;
    assert_eq!((prefixed.status, prefixed.text().as_str()), (400, "prefix argument not allowed"));
    assert_eq!(t.send(Method::PATCH, "/v1/node/pools", None, None).await.status, 405);

    // 1.6 has the pools, without identity TTLs.
    let old = TestAgent::start_with(|c| c.nomad_version = "1.6".parse().unwrap()).await;
    let pools: Vec<Value> = old.get("/v1/node/pools").await.json();
    assert!(pools[0].get("NodeIdentityTTL").is_none());
}

/// command/agent/search_endpoint.go, nomad/search_endpoint.go FuzzySearch, PrefixSearch.
#[tokio::test]
async fn search_finds_jobs_allocations_nodes_and_namespaces() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let ids = t.run_job("webapp", "default", "service", 1, &[("webserver", "sleep 60")]);
    t.run_job("reports", "ops", "batch", 1, &[("gen", "sleep 60")]);
    let fuzzy = |token: Option<&str>, body: &str| {
        let (token, body) = (token.map(str::to_string), body.to_string());
        let t = &t;
        async move { t.send(Method::POST, "/v1/search/fuzzy", token.as_deref(), Some(&body)).await }
    };
    let r = fuzzy(Some(&s.readonly), r#"{"Text":"web","Context":"all","Namespace":"*"}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let found: FuzzySearchResponse = r.json();
    assert_eq!(
        found.matches["jobs"],
        [FuzzyMatch { id: "webapp".into(), scope: vec!["default".into(), "webapp".into()] }]
    );
    assert_eq!(found.matches["groups"][0].id, "webapp");
    assert_eq!(found.matches["tasks"][0].scope, ["default", "webapp", "webapp"]);
    assert_eq!(found.matches["allocs"][0].scope, ["default".to_string(), ids[0].clone()]);
    assert_eq!(found.matches["evals"], []);
    assert!(found.known_leader && r.index() == found.index && found.index > 0);
    // Every context is searched for a management token; the read-only one has no
    // node_pool, plugin or variables rules, so those are filtered out object by object.
    let all: FuzzySearchResponse =
        fuzzy(Some(&s.management), r#"{"Text":"web","Context":"all","Namespace":"*"}"#).await.json();
    let contexts: Vec<&str> = all.truncations.keys().map(String::as_str).collect();
    assert_eq!(
        contexts,
        [
            "allocs",
            "deployment",
            "evals",
            "host_volumes",
            "jobs",
            "namespaces",
            "node_pools",
            "nodes",
            "plugins",
            "scaling_policy",
            "vars",
            "volumes"
        ]
    );
    assert!(found.truncations.contains_key("node_pools") && found.truncations.contains_key("evals"));

    // Anonymous: `*` passes the first check, and every object is then filtered out.
    let anon: FuzzySearchResponse = fuzzy(None, r#"{"Text":"web","Context":"all","Namespace":"*"}"#).await.json();
    assert!(anon.matches.is_empty());
    assert!(!anon.truncations.contains_key("evals") && anon.truncations.contains_key("jobs"));
    denied(&fuzzy(None, r#"{"Text":"web","Context":"jobs"}"#).await);
    denied(&fuzzy(Some(&s.readonly), r#"{"Text":"web","Context":"vars"}"#).await);
    // The token may come in the body when no header carries one.
    let in_body = format!(r#"{{"Text":"web","Context":"jobs","AuthToken":"{}"}}"#, s.readonly);
    assert_eq!(fuzzy(None, &in_body).await.status, 200);

    let short = fuzzy(Some(&s.readonly), r#"{"Text":"w","Context":"all"}"#).await;
    assert_eq!((short.status, short.text().as_str()), (500, "fuzzy search query must be at least 2 characters, got 1"));
    let unknown = fuzzy(Some(&s.management), r#"{"Text":"web","Context":"things"}"#).await;
    assert_eq!(unknown.status, 500);
    assert!(
        unknown.text().starts_with("context must be one of [allocs jobs nodes node_pools evals"),
        "{}",
        unknown.text()
    );
    let empty = t.send(Method::POST, "/v1/search/fuzzy", Some(&s.readonly), None).await;
    assert_eq!((empty.status, empty.text().as_str()), (400, "Request body is empty"));
    let typed = fuzzy(Some(&s.readonly), r#"{"Text":5}"#).await;
    assert_eq!(
        (typed.status, typed.text().as_str()),
        (400, "json: cannot unmarshal number into Go struct field FuzzySearchRequest.Text of type string")
    );
    assert_eq!(t.get("/v1/search/fuzzy").await.status, 405);

    // Prefix search: an allocation by the start of its ID; a job ID is no UUID, so the
    // UUID contexts are left out for it.
    let prefix = &ids[0][..6];
    let r = t
        .send(
            Method::PUT,
            "/v1/search",
            Some(&s.readonly),
            Some(&format!(r#"{{"Prefix":"{prefix}","Context":"allocs"}}"#)),
        )
        .await;
    let found: SearchResponse = r.json();
    assert_eq!(found.matches["allocs"], Some(vec![ids[0].clone()]));
    assert!(!found.truncations["allocs"]);
    let jobs: Value = t
        .send(Method::PUT, "/v1/search", Some(&s.management), Some(r#"{"Prefix":"web","Context":"all"}"#))
        .await
        .json();
    assert_eq!(jobs["Matches"]["jobs"], json!(["webapp"]));
    assert_eq!(jobs["Matches"]["namespaces"], Value::Null);
    assert!(jobs["Matches"].get("allocs").is_none() && jobs["Matches"].get("nodes").is_none());
    denied(&t.send(Method::PUT, "/v1/search", None, Some(r#"{"Prefix":"a","Context":"nodes"}"#)).await);
}

/// CVE-2023-3300 (hashicorp/nomad a8789d3872, in 1.4.11, 1.5.7, 1.6.0): before it, search
/// offered variables to read-job and plugins to anyone, and refused a token with no rights
/// whatever the context (nomad/search_endpoint.go at v1.5.6 and v1.5.7).
#[tokio::test]
async fn search_acls_before_and_after_the_plugin_and_variable_fix() {
    for (version, fixed) in [("1.5.6", false), ("1.5.7", true)] {
        let t = TestAgent::start_with(|c| {
            c.acl = true;
            c.nomad_version = version.parse().unwrap();
        })
        .await;
        let s = t.agent.acl_secrets().unwrap();
        let r = t.send(Method::PUT, "/v1/search", Some(&s.readonly), Some(r#"{"Prefix":"ab","Context":"all"}"#)).await;
        let found: Value = r.json();
        let truncated = keys(&found["Truncations"]);
        assert_eq!(
            (truncated.contains(&"vars"), truncated.contains(&"plugins")),
            (!fixed, !fixed),
            "{version}: {truncated:?}"
        );
        let anon = t.send(Method::PUT, "/v1/search", None, Some(r#"{"Prefix":"ab","Context":"all"}"#)).await;
        assert_eq!(anon.status, if fixed { 200 } else { 403 }, "{version}");
    }
}

/// command/agent/variable_endpoint.go VariablesListRequest, nomad/variables_endpoint.go List
/// (v1.4.0 refused tokens without `list` on the prefix; v1.4.3 filters instead).
#[tokio::test]
async fn variables_are_none() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let r = t.send(Method::GET, "/v1/vars", Some(&s.readonly), None).await;
    assert_eq!((r.status, r.text().as_str(), r.index()), (200, "[]", 1));
    assert_eq!(t.send(Method::GET, "/v1/vars?namespace=*", None, None).await.text(), "[]");
    assert_eq!(t.post("/v1/vars", "").await.status, 405);
    let bad = t.get("/v1/vars?wait=soon").await;
    assert_eq!((bad.status, bad.text().as_str()), (400, "Invalid wait timefailed to parse parameters"));
    let old = TestAgent::start_with(|c| {
        c.acl = true;
        c.nomad_version = "1.4.2".parse().unwrap();
    })
    .await;
    let old_ro = old.agent.acl_secrets().unwrap().readonly;
    denied(&old.send(Method::GET, "/v1/vars", Some(&old_ro), None).await);
    assert_eq!(old.send(Method::GET, "/v1/vars?namespace=*", Some(&old_ro), None).await.text(), "[]");
}

/// command/agent/volumes_endpoint.go ListVolumesRequest (1.10+), csi_endpoint.go
/// CSIVolumesRequest, nomad/csi_endpoint.go List, nomad/host_volume_endpoint.go List.
#[tokio::test]
async fn volumes_are_none() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let plain = t.get("/v1/volumes").await;
    assert_eq!((plain.status, plain.text().as_str(), plain.header("X-Nomad-Index")), (200, "[]", None));
    let csi = t.send(Method::GET, "/v1/volumes?type=csi", Some(&s.readonly), None).await;
    assert_eq!((csi.status, csi.text().as_str(), csi.index()), (200, "[]", 0));
    denied(&t.send(Method::GET, "/v1/volumes?type=csi", None, None).await);
    let host = t.send(Method::GET, "/v1/volumes?type=host", None, None).await;
    assert_eq!((host.status, host.text().as_str(), host.index()), (200, "[]", 1));
    let other = t.get("/v1/volumes?type=nfs").await;
    assert_eq!((other.status, other.text().as_str()), (404, "resource not found"));
    assert_eq!(t.send(Method::DELETE, "/v1/volumes", None, None).await.status, 405);

    let old = TestAgent::start_with(|c| c.nomad_version = "1.9".parse().unwrap()).await;
    let host = old.get("/v1/volumes?type=host").await;
    assert_eq!((host.status, host.body.len()), (200, 0));
}

/// command/agent/operator_endpoint_ce.go LicenseRequest, command/agent/status_endpoint.go
/// StatusPeersRequest, nomad/status_endpoint.go Peers (authentication only counted).
#[tokio::test]
async fn license_and_peers() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let license = t.send(Method::GET, "/v1/operator/license", None, None).await;
    assert_eq!((license.status, license.body.len()), (204, 0));
    let put = t.send(Method::PUT, "/v1/operator/license", None, Some("{}")).await;
    assert_eq!((put.status, put.text().as_str()), (501, "Nomad Enterprise only endpoint"));
    assert_eq!(t.send(Method::DELETE, "/v1/operator/license", None, None).await.status, 405);
    // command/agent/http_ce.go entOnly, whatever the method or token.
    for path in [
        "/v1/recommendations?job=web",
        "/v1/quotas",
        "/v1/quota/default",
        "/v1/sentinel/policy/p",
        "/v1/recommendation/x",
    ] {
        let r = t.send(Method::GET, path, None, None).await;
        assert_eq!((r.status, r.text().as_str()), (501, "Nomad Enterprise only endpoint"), "{path}");
    }

    let peers = t.send(Method::GET, "/v1/status/peers", Some("not-a-token"), None).await;
    assert_eq!(peers.status, 200);
    let leader: String = t.get("/v1/status/leader").await.json();
    assert_eq!(peers.json::<Vec<String>>(), [leader]);
    assert_eq!(t.post("/v1/status/peers", "").await.status, 405);
}

/// command/agent/agent_endpoint.go AgentMonitor, nomad/client_agent_endpoint.go monitor
/// (agent:read), client/lib/streamframer (frames of `FileEvent: "log"`).
#[tokio::test]
async fn the_monitor_streams_log_lines() {
    use tracing_subscriber::layer::SubscriberExt;
    // This test binary's only subscriber.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(caravan_agent::http::monitor::layer()),
    );
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    denied(&t.send(Method::GET, "/v1/agent/monitor", None, None).await);
    let level = t.send(Method::GET, "/v1/agent/monitor?log_level=loud", Some(&s.readonly), None).await;
    assert_eq!((level.status, level.text().as_str()), (400, "Unknown log level: loud"));
    let plain = t.send(Method::GET, "/v1/agent/monitor?plain=maybe", Some(&s.readonly), None).await;
    assert_eq!(plain.text(), "Unknown option for plain: strconv.ParseBool: parsing \"maybe\": invalid syntax");
    let both = t.send(Method::GET, "/v1/agent/monitor?node_id=a&server_id=b", Some(&s.readonly), None).await;
    assert_eq!((both.status, both.text().as_str()), (400, "Cannot target node and server simultaneously"));

    for (query, framed) in [("log_level=warn", true), ("log_level=WARN&plain=true", false)] {
        let url = format!("{}/v1/agent/monitor?{query}", t.agent.url());
        let mut res = t.http.get(url).header("X-Nomad-Token", &s.readonly).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(content_type, if framed { "application/json" } else { "text/plain" });
        let needle = format!("monitor test line {query}");
        let mut seen = String::new();
        let mut decoder = FrameDecoder::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !seen.contains(&needle) {
            assert!(std::time::Instant::now() < deadline, "never saw the line: {seen:?}");
            tracing::info!(target: "caravan_agent::test", "an info line the monitor leaves out");
            tracing::warn!(target: "caravan_agent::test", attempt = 1, "{needle}");
            let Ok(Some(chunk)) =
                tokio::time::timeout(std::time::Duration::from_secs(2), res.chunk()).await.unwrap_or(Ok(None))
            else {
                continue;
            };
            if framed {
                for frame in decoder.push(&chunk) {
                    let frame = frame.unwrap();
                    if !frame.is_heartbeat() {
                        assert_eq!(frame.file_event, "log");
                        seen.push_str(&String::from_utf8_lossy(&frame.data));
                    }
                }
            } else {
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
        }
        assert!(!seen.contains("an info line"), "{seen}");
        let line = seen.lines().find(|l| l.contains(&needle)).unwrap();
        assert!(
            line.contains("[WARN]  caravan_agent.test: monitor test line") && line.ends_with("attempt=1"),
            "{line}"
        );
    }
}
