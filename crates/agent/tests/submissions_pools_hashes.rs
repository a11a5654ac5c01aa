//! The last gaps of issue 15 in the local agent, each pinned to the Nomad file it follows
//! (v1.11.3 unless said): job sources kept per version (`/v1/job/:id/submission`), the jobs
//! of a node pool (`/v1/node/pool/:name/jobs`), the `Hash` of ACL tokens, policies and
//! namespaces, and how each release refuses an unknown secret.

mod common;

use common::TestAgent;
use reqwest::Method;
use serde_json::{json, Value};

/// A registration body for a batch job `id` whose one task exits at once, with `submission`.
fn register_body(id: &str, submission: Value) -> String {
    json!({
        "Job": {
            "ID": id, "Name": id, "Type": "batch", "Datacenters": ["dc1"],
            "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{
                "Name": "t", "Driver": "raw_exec", "Config": {"command": "/bin/true"},
                "Resources": {"CPU": 100, "MemoryMB": 64}
            }]}]
        },
        "Submission": submission,
    })
    .to_string()
}

/// command/agent/job_endpoint.go `jobUpdate` (`apiJobSubmissionToStructs`) and
/// `jobSubmissionQuery`; nomad/job_endpoint.go `GetJobSubmission` (read-job; the index is the
/// submission's `JobModifyIndex`, 0 for none); nomad/state/state_store.go
/// `updateJobSubmission` (Namespace, JobID, Version, JobModifyIndex set by the store) and
/// `deleteJobSubmission` (a purge drops them); api/jobs.go `JobSubmission.Canonicalize` (an
/// empty `VariableFlags` is `null`).
#[tokio::test]
async fn a_registration_keeps_its_source_per_version() {
    let t = TestAgent::start().await;
    let first = json!({"Source": "job \"web\" {}", "Format": "hcl2", "VariableFlags": {"dc": "dc 1/a"}, "Variables": "x = 1"});
    let r = t.post("/v1/jobs", &register_body("web", first)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let registered: Value = r.json();
    assert_eq!(registered["Warnings"], "");
    let modify_index = registered["JobModifyIndex"].as_u64().unwrap();

    let r = t.get("/v1/job/web/submission?version=0").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.index(), modify_index);
    assert_eq!(
        r.json::<Value>(),
        json!({
            "Source": "job \"web\" {}", "Format": "hcl2", "VariableFlags": {"dc": "dc 1/a"}, "Variables": "x = 1",
            "Namespace": "default", "JobID": "web", "Version": 0, "JobModifyIndex": modify_index
        })
    );

    // Version 1 through `PUT /v1/job/:id`, with no flags: `null`. Version 0 is still there.
    let second = json!({"Source": "{}", "Format": "json", "VariableFlags": {}});
    let r = t.send(Method::PUT, "/v1/job/web", None, Some(&register_body("web", second))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v1: Value = t.get("/v1/job/web/submission?version=1").await.json();
    assert_eq!((v1["Format"].as_str(), v1["Version"].as_u64(), &v1["VariableFlags"]), (Some("json"), Some(1), &Value::Null));
    assert_eq!(v1["Variables"], "");
    assert_eq!(t.get("/v1/job/web/submission?version=0").await.status, 200);

    // A registration without a source keeps none for its version.
    let r = t.post("/v1/jobs", &register_body("web", Value::Null)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let none = t.get("/v1/job/web/submission?version=2").await;
    assert_eq!((none.status, none.text().as_str(), none.index()), (404, "job source not found", 0));

    // `ParseUint` before the method; then `405`.
    let plus = t.get("/v1/job/web/submission?version=+1").await;
    assert_eq!((plus.status, plus.text().as_str()), (400, "Unable to parse job submission version parameter"));
    let put = t.send(Method::PUT, "/v1/job/web/submission?version=0", None, None).await;
    assert_eq!((put.status, put.text().as_str()), (405, "Invalid method"));

    // A purge drops the sources with the job.
    let r = t.send(Method::DELETE, "/v1/job/web?purge=true", None, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(t.get("/v1/job/web/submission?version=0").await.status, 404);
}

/// nomad/job_endpoint_hooks.go `submissionController`: a source over `job_max_source_size`
/// (default `1M`, command/agent/agent.go) is discarded with a warning (helper/warning.go
/// `MergeMultierrorWarnings`), the job registered all the same.
#[tokio::test]
async fn a_source_too_large_is_discarded_with_a_warning() {
    let t = TestAgent::start().await;
    let big = json!({"Source": "#".repeat(1_000_001), "Format": "hcl2"});
    let r = t.post("/v1/jobs", &register_body("big", big)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json::<Value>()["Warnings"],
        "1 warning:\n\n* job source size of 1.0 MB exceeds maximum of 1.0 MB and will be discarded"
    );
    assert_eq!(t.get("/v1/job/big").await.status, 200);
    assert_eq!(t.get("/v1/job/big/submission?version=0").await.status, 404);
}

/// nomad/state/state_store.go `pruneJobSubmissions`: the `JobTrackedVersions` (6) latest by
/// `JobModifyIndex` are kept; and they survive a restart (the agent's data directory).
#[tokio::test]
async fn sources_are_pruned_as_versions_and_survive_a_restart() {
    let t = TestAgent::start().await;
    for n in 0..8 {
        let sub = json!({"Source": format!("v{n}"), "Format": "hcl2"});
        assert_eq!(t.post("/v1/jobs", &register_body("web", sub)).await.status, 200);
    }
    let t = t.restart().await;
    let status = |v: u64| {
        let t = &t;
        async move { t.get(&format!("/v1/job/web/submission?version={v}")).await.status }
    };
    assert_eq!((status(0).await, status(1).await), (404, 404));
    for v in 2..8 {
        let r = t.get(&format!("/v1/job/web/submission?version={v}")).await;
        assert_eq!((r.status, r.json::<Value>()["Source"].as_str()), (200, Some(format!("v{v}").as_str())));
    }
}

/// Before 1.6 the request's `Submission` is an unknown field (ignored), and
/// `/v1/job/web/submission` is the job `web/submission`: `404 job not found`
/// (command/agent/job_endpoint.go at v1.5.0).
#[tokio::test]
async fn older_releases_keep_no_source() {
    let t = TestAgent::start_with(|c| c.nomad_version = "1.5".parse().unwrap()).await;
    let r = t.post("/v1/jobs", &register_body("web", json!({"Source": "x", "Format": "hcl2"}))).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = t.get("/v1/job/web/submission?version=0").await;
    assert_eq!((r.status, r.text().as_str()), (404, "job not found"));
}
