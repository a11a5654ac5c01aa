//! `GET /v1/allocations` through Nomad's paginator on a real listener: `per_page`,
//! `next_token`, `reverse`, `filter` (go-bexpr, `matches` included) and `X-Nomad-NextToken`,
//! as `nomad/alloc_endpoint.go` `List` and `nomad/state/paginator/paginator.go` (v1.11.3, the
//! same from v1.4.0) answer them.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use serde_json::Value;

fn ids(r: &common::Resp) -> Vec<String> {
    r.json::<Vec<Value>>().iter().map(|a| a["ID"].as_str().unwrap().to_string()).collect()
}

/// Allocations in create-index order (ties by ID), then pages of `per_page`, each naming the
/// next one's first as `<CreateIndex>.<ID>` (`CreateIndexAndIDTokenizer`); `reverse` walks
/// back; with a prefix, ID order and the ID as token.
#[tokio::test]
async fn pages_in_create_index_order() {
    let t = TestAgent::start().await;
    let mut web = t.run_job("web", "default", "service", 3, &[("s", "sleep 60")]);
    web.sort();
    let api = t.run_job("api", "default", "batch", 1, &[("s", "sleep 60")]);
    let mut expected = web.clone();
    expected.extend(api.iter().cloned());

    let all = t.get("/v1/allocations").await;
    assert_eq!(ids(&all), expected);
    assert!(all.header("X-Nomad-NextToken").is_none());

    let first = t.get("/v1/allocations?per_page=2").await;
    assert_eq!(ids(&first), expected[..2]);
    let create_index =
        |id: &str| all.json::<Vec<Value>>().iter().find(|a| a["ID"] == id).unwrap()["CreateIndex"].as_u64().unwrap();
    let token = format!("{}.{}", create_index(&expected[2]), expected[2]);
    assert_eq!(first.header("X-Nomad-NextToken"), Some(token.as_str()));
    let second = t.get(&format!("/v1/allocations?per_page=2&next_token={token}")).await;
    assert_eq!(ids(&second), expected[2..]);
    assert!(second.header("X-Nomad-NextToken").is_none());

    let back = t.get("/v1/allocations?reverse=true&per_page=3").await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(ids(&back), reversed[..3]);

    let prefix = &expected[0][..2];
    let by_prefix = t.get(&format!("/v1/allocations?prefix={prefix}&per_page=1")).await;
    let mut matching: Vec<String> = expected.iter().filter(|id| id.starts_with(prefix)).cloned().collect();
    matching.sort();
    assert_eq!(ids(&by_prefix), matching[..1]);
    assert_eq!(by_prefix.header("X-Nomad-NextToken"), matching.get(1).map(String::as_str));
}

/// `filter` reads the allocation itself (its `Job` too), before the page is counted; a bad
/// expression is the paginator's 400, a pattern that does not compile the page's 400.
#[tokio::test]
async fn filters_with_go_bexpr() {
    let t = TestAgent::start().await;
    let web = t.run_job("web", "default", "service", 2, &[("s", "sleep 60")]);
    let billing = t.run_job("billing-api", "default", "batch", 1, &[("s", "sleep 60")]);

    let r = t.get("/v1/allocations?filter=JobID%20matches%20%22%5Ebilling-%22").await;
    assert_eq!((r.status, ids(&r)), (200, billing.clone()));
    let r = t.get("/v1/allocations?filter=Job.Type%20%3D%3D%20%22service%22&per_page=1").await;
    assert_eq!(ids(&r).len(), 1);
    assert!(web.contains(&ids(&r)[0]));
    let mut sorted_web = web.clone();
    sorted_web.sort();
    assert!(r.header("X-Nomad-NextToken").unwrap().ends_with(&sorted_web[1]));
    let r = t.get("/v1/allocations?filter=JobID%20not%20matches%20%22billing%22").await;
    assert_eq!(ids(&r).len(), 2);

    // A collection expression over the job's groups (go-bexpr `any`).
    let r = t.get("/v1/jobs?filter=any%20TaskGroups%20as%20g%20%7B%20g.Name%20%3D%3D%20%22web%22%20%7D").await;
    let listed: Vec<String> = r.json::<Vec<Value>>().iter().map(|j| j["ID"].as_str().unwrap().to_string()).collect();
    assert_eq!((r.status, listed), (200, vec!["web".to_string()]));
    let r = t.get("/v1/allocations?filter=JobID%20%3D%3D").await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().starts_with("failed to create result paginator: failed to read filter expression: 1:"),
        "{}",
        r.text()
    );
    let r = t.get("/v1/allocations?filter=JobID%20matches%20%22(%22").await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().starts_with(
            "failed to read result page: failed to compile regular expression \"(\": error parsing regexp: "
        ),
        "{}",
        r.text()
    );
}

/// `/v1/jobs` pages in (namespace, ID) order with `<namespace>.<id>` tokens
/// (`NamespaceIDTokenizer`, `nomad/job_endpoint.go` `List`); `/v1/nodes` in ID order with the
/// ID as token (`nomad/node_endpoint.go` `List`); both filter the object itself.
#[tokio::test]
async fn jobs_and_nodes_page_too() {
    let t = TestAgent::start_with(|c| c.synthetic_allocs = 400).await;
    for id in ["b", "a", "c"] {
        t.run_job(id, caravan_agent::OPS_NAMESPACE, "batch", 0, &[("s", "true")]);
    }
    let r = t.get("/v1/jobs?namespace=ops&prefix=&per_page=2&filter=ID%20matches%20%22%5E%5Babc%5D%24%22").await;
    let page: Vec<String> = r.json::<Vec<Value>>().iter().map(|j| j["ID"].as_str().unwrap().to_string()).collect();
    assert_eq!((page, r.header("X-Nomad-NextToken")), (vec!["a".to_string(), "b".to_string()], Some("ops.c")));
    let r = t.get("/v1/jobs?namespace=ops&next_token=ops.c&filter=ID%20matches%20%22%5E%5Babc%5D%24%22").await;
    assert_eq!(r.json::<Vec<Value>>().len(), 1);
    let r = t.get("/v1/jobs?namespace=ops&reverse=true&per_page=1&filter=ID%20in%20%5B%5D").await;
    assert_eq!(r.status, 400, "{}", r.text());

    let all = t.get("/v1/nodes").await;
    let mut node_ids: Vec<String> =
        all.json::<Vec<Value>>().iter().map(|n| n["ID"].as_str().unwrap().to_string()).collect();
    assert!(node_ids.len() >= 3, "{node_ids:?}");
    let sorted = {
        let mut s = node_ids.clone();
        s.sort();
        s
    };
    assert_eq!(node_ids, sorted);
    let r = t.get("/v1/nodes?per_page=1&reverse=true").await;
    node_ids.reverse();
    assert_eq!(r.json::<Vec<Value>>()[0]["ID"], node_ids[0].as_str());
    assert_eq!(r.header("X-Nomad-NextToken"), Some(node_ids[1].as_str()));
    let r = t.get("/v1/nodes?filter=Status%20%3D%3D%20%22ready%22%20and%20Name%20is%20not%20empty&per_page=2").await;
    assert_eq!(r.json::<Vec<Value>>().len(), 2);
}

/// `/v1/jobs/statuses` (1.8.0+, `nomad/job_endpoint_statuses.go` `Job.Statuses`): newest
/// modify index first, `ModifyIndexTokenizer` tokens, `reverse` oldest first, a body's jobs
/// as the page (its size their number), the page's highest index as `X-Nomad-Index`, the
/// paginator's errors 500; each job with its allocations' few fields.
#[tokio::test]
async fn job_statuses_page_by_modify_index() {
    let t = TestAgent::start().await;
    for id in ["a", "b", "c"] {
        t.run_job(id, "default", "batch", 0, &[("s", "true")]);
    }
    let modify = |r: &common::Resp, id: &str| {
        r.json::<Vec<Value>>().iter().find(|j| j["ID"] == id).unwrap()["ModifyIndex"].as_u64().unwrap()
    };
    let all = t.get("/v1/jobs/statuses").await;
    assert_eq!(all.status, 200, "{}", all.text());
    let names = |r: &common::Resp| {
        r.json::<Vec<Value>>().iter().map(|j| j["ID"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(names(&all), ["c", "b", "a"]);
    assert_eq!(all.index(), modify(&all, "c"));
    let first = t.get("/v1/jobs/statuses?per_page=2").await;
    assert_eq!(names(&first), ["c", "b"]);
    let token = modify(&all, "a").to_string();
    assert_eq!(first.header("X-Nomad-NextToken"), Some(token.as_str()));
    let rest = t.get(&format!("/v1/jobs/statuses?per_page=2&next_token={token}")).await;
    assert_eq!((names(&rest), rest.index()), (vec!["a".to_string()], modify(&all, "a")));
    assert_eq!(names(&t.get("/v1/jobs/statuses?reverse=true").await), ["a", "b", "c"]);
    let job = &all.json::<Vec<Value>>()[0];
    assert_eq!(
        (job["Allocs"].clone(), job["ChildStatuses"].clone(), job["LatestDeployment"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(
        (job["Stop"].as_bool(), job["IsPack"].as_bool(), job["Type"].as_str()),
        (Some(false), Some(false), Some("batch"))
    );

    let picked = t.post("/v1/jobs/statuses", r#"{"Jobs":[{"ID":"b"}]}"#).await;
    assert_eq!(names(&picked), ["b"]);
    let r = t.post("/v1/jobs/statuses", r#"{"Jobs":[]}"#).await;
    assert_eq!((r.status, r.text().as_str()), (400, "no jobs in request"));
    let r = t.get("/v1/jobs/statuses?filter=ID%20%3D%3D").await;
    assert_eq!(r.status, 500);
    assert!(
        r.text().starts_with("failed to create result paginator: failed to read filter expression: "),
        "{}",
        r.text()
    );

    let web = t.run_job("web", "default", "service", 2, &[("s", "sleep 60")]);
    let r = t.post("/v1/jobs/statuses", r#"{"Jobs":[{"ID":"web","Namespace":"default"}]}"#).await;
    let allocs = r.json::<Vec<Value>>()[0]["Allocs"].as_array().unwrap().clone();
    assert_eq!(allocs.len(), 2);
    assert!(allocs.iter().all(|a| web.contains(&a["ID"].as_str().unwrap().to_string()) && a["Group"] == "web"));
    assert_eq!(allocs[0]["DeploymentStatus"], serde_json::json!({"Canary": false, "Healthy": null}));
    assert_eq!(r.json::<Vec<Value>>()[0]["GroupCountSum"], 2);

    let old = TestAgent::start_with(|c| c.nomad_version = nomad_api::NomadVersion::new(1, 7, 7)).await;
    let r = old.get("/v1/jobs/statuses").await;
    assert_eq!((r.status, r.text().as_str()), (404, ""));
}

/// Scale mode's `--synthetic-jobs` and `--synthetic-nodes`: the allocations shared evenly
/// among that many jobs and nodes.
#[tokio::test]
async fn scale_mode_takes_jobs_and_nodes() {
    let t = TestAgent::start_with(|c| {
        c.synthetic_allocs = 1_000;
        c.synthetic_jobs = 50;
        c.synthetic_nodes = 20;
    })
    .await;
    let jobs = t.get("/v1/jobs?namespace=*").await.json::<Vec<Value>>();
    assert_eq!(jobs.len(), 50);
    let allocs = t.get("/v1/allocations?namespace=*&task_states=false").await.json::<Vec<Value>>();
    assert_eq!(allocs.len(), 1_000);
    let nodes = t.get("/v1/nodes").await.json::<Vec<Value>>();
    let synthetic: Vec<&Value> =
        nodes.iter().filter(|n| n["Name"].as_str().unwrap().starts_with("synthetic-")).collect();
    assert_eq!(synthetic.len(), 20);
    for node in synthetic {
        let id = node["ID"].as_str().unwrap();
        assert_eq!(allocs.iter().filter(|a| a["NodeID"] == id).count(), 50, "{id}");
    }
}

/// `/v1/jobs/statuses` blocks until the page changes: a new job on it answers with the jobs
/// table's index (`prevJobs` in `Job.Statuses`).
#[tokio::test]
async fn job_statuses_block() {
    let t = TestAgent::start().await;
    t.run_job("a", "default", "batch", 0, &[("s", "true")]);
    let first = t.get("/v1/jobs/statuses").await;
    let index = first.index();
    let path = format!("/v1/jobs/statuses?index={index}&wait=10s");
    let waiting = t.get(&path);
    let register = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        t.run_job("b", "default", "batch", 0, &[("s", "true")]);
    };
    let (r, ()) = tokio::join!(waiting, register);
    assert!(r.index() > index, "{} {}", r.index(), index);
    let listed: Vec<String> = r.json::<Vec<Value>>().iter().map(|j| j["ID"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, ["b", "a"]);
}
