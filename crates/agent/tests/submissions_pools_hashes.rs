//! The last gaps of issue 15 in the local agent, each pinned to the Nomad file it follows
//! (v1.11.3 unless said): job sources kept per version (`/v1/job/:id/submission`), the jobs
//! of a node pool (`/v1/node/pool/:name/jobs`), the `Hash` of ACL tokens, policies and
//! namespaces, and how each release refuses an unknown secret.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
    let first =
        json!({"Source": "job \"web\" {}", "Format": "hcl2", "VariableFlags": {"dc": "dc 1/a"}, "Variables": "x = 1"});
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
    assert_eq!(
        (v1["Format"].as_str(), v1["Version"].as_u64(), &v1["VariableFlags"]),
        (Some("json"), Some(1), &Value::Null)
    );
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

/// nomad/node_pool_endpoint.go `ListJobs` and command/agent/node_pool_endpoint.go
/// `nodePoolJobList`: the stubs of the jobs that name the pool, in the request's namespace
/// or (`*`) every one, by namespace then ID, paginated by `<namespace>.<id>`
/// (nomad/state/paginator/tokenizer.go `NamespaceIDTokenizer`), at the larger of the jobs and
/// job summaries indexes; a pool that does not exist is `[]` at index 0.
#[tokio::test]
async fn a_node_pool_lists_the_jobs_that_name_it() {
    let t = TestAgent::start().await;
    t.run_job("b", "default", "service", 0, &[("s", "sleep 60")]);
    t.run_job("a", "default", "service", 0, &[("s", "sleep 60")]);
    t.run_job("o", "ops", "service", 0, &[("s", "sleep 60")]);
    let tables = {
        let store = t.agent.state().cluster.read();
        use caravan_agent::state::Table;
        store.max_index(&[Table::Jobs, Table::JobSummary])
    };
    let ids = |r: &common::Resp| {
        r.json::<Vec<Value>>()
            .iter()
            .map(|j| format!("{}.{}", j["Namespace"].as_str().unwrap(), j["ID"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };

    let r = t.get("/v1/node/pool/default/jobs").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!((ids(&r), r.index()), (vec!["default.a".to_string(), "default.b".to_string()], tables));
    // A job stub as `/v1/jobs` writes it, its summary included.
    let listed: Vec<Value> = t.get("/v1/jobs").await.json();
    assert_eq!(r.json::<Vec<Value>>()[0], listed[0]);

    let all = t.get("/v1/node/pool/default/jobs?namespace=*").await;
    assert_eq!(ids(&all), ["default.a", "default.b", "ops.o"]);
    let page = t.get("/v1/node/pool/default/jobs?namespace=*&per_page=2").await;
    assert_eq!(
        (ids(&page), page.header("X-Nomad-NextToken")),
        (vec!["default.a".to_string(), "default.b".to_string()], Some("ops.o"))
    );
    let rest = t.get("/v1/node/pool/default/jobs?namespace=*&per_page=2&next_token=ops.o").await;
    assert_eq!((ids(&rest), rest.header("X-Nomad-NextToken")), (vec!["ops.o".to_string()], None));
    // `reverse` reads one namespace's jobs backwards (1.8+).
    assert_eq!(ids(&t.get("/v1/node/pool/default/jobs?reverse=true").await), ["default.b", "default.a"]);
    let filtered = t.get("/v1/node/pool/default/jobs?filter=ID%20%3D%3D%20%22b%22").await;
    assert_eq!(ids(&filtered), ["default.b"]);

    // `all` holds the jobs that name it, none here; an unknown pool is empty at index 0.
    let r = t.get("/v1/node/pool/all/jobs").await;
    assert_eq!((r.text().as_str(), r.index()), ("[]", tables));
    let r = t.get("/v1/node/pool/nope/jobs").await;
    assert_eq!((r.status, r.text().as_str(), r.index()), (200, "[]", 0));

    let r = t.get("/v1/node/pool/default/jobs?prefix=a").await;
    assert_eq!((r.status, r.text().as_str()), (400, "prefix argument not allowed"));
    let r = t.send(Method::PUT, "/v1/node/pool/default/jobs", None, None).await;
    assert_eq!((r.status, r.text().as_str()), (405, "Invalid method"));
}

/// Node pool read is what `ListJobs` checks first: the built-in read-only token has no
/// `node_pool` rule (acl/acl.go `AllowNodePoolOperation`), a management token may.
#[tokio::test]
async fn node_pool_jobs_need_node_pool_read() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let r = t.send(Method::GET, "/v1/node/pool/default/jobs", Some(&s.readonly), None).await;
    assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
    let r = t.send(Method::GET, "/v1/node/pool/default/jobs", Some(&s.management), None).await;
    assert_eq!((r.status, r.text().as_str()), (200, "[]"));
}

/// base64 of BLAKE2b-256 over the concatenated fields, computed in Python
/// (`base64.b64encode(hashlib.blake2b(data, digest_size=32).digest())`) so that the test
/// does not share the agent's code:
/// - nomad/structs/acl.go `ACLToken.SetHash`: Name, Type, each policy, `global`/`local`,
///   each role's ID: `b"Bootstrap Tokenmanagementglobal"`, `b"Read-only Tokenclientreadonlylocal"`;
/// - `ACLPolicy.SetHash`: Name, Description, Rules (RulesJSON and indexes are not hashed):
///   `b"readonly" + rules`;
/// - nomad/structs/structs.go `Namespace.SetHash`: Name, Description (no quota,
///   capabilities, pool, Vault or Consul configuration, or meta here):
///   `b"defaultDefault shared namespace"`.
///   The token's and policy's fields are the same at v1.4.0 and v1.11.3.
#[tokio::test]
async fn tokens_policies_and_namespaces_carry_nomads_hash() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let me: Value = t.send(Method::GET, "/v1/acl/token/self", Some(&s.management), None).await.json();
    assert_eq!(me["Hash"], "BUJ3BerTfrqFVm1P+vZr1gz9ubOkd+JAvYjNAJyaU9Y=");
    let ro: Value = t.send(Method::GET, "/v1/acl/token/self", Some(&s.readonly), None).await.json();
    assert_eq!(ro["Hash"], "C0Wg0cTkgi/VZ7r17+bLoLMfhgsHwVuxiGo9P4vTvqk=");
    let tokens: Vec<Value> = t.send(Method::GET, "/v1/acl/tokens", Some(&s.management), None).await.json();
    assert!(tokens.iter().any(|stub| stub["Hash"] == me["Hash"]), "{tokens:?}");

    // `b"readonly"` and the policy's rules as the agent serves them (checked, so a change
    // to the rules shows here rather than as a wrong hash).
    let policy: Value = t.send(Method::GET, "/v1/acl/policy/readonly", Some(&s.management), None).await.json();
    assert_eq!(
        policy["Rules"],
        "namespace \"*\" {\n  policy = \"read\"\n}\nnode {\n  policy = \"read\"\n}\nagent {\n  policy = \"read\"\n}\n"
    );
    assert_eq!(policy["Hash"], "lxlOwGcOrUywP451+WU0N6Jx1zljlmjlXILGnYoeJQE=");
    let policies: Vec<Value> = t.send(Method::GET, "/v1/acl/policies", Some(&s.management), None).await.json();
    assert!(policies.iter().any(|stub| stub["Hash"] == policy["Hash"]), "{policies:?}");
    let namespaces: Vec<Value> = t.get("/v1/namespaces").await.json();
    let default = namespaces.iter().find(|n| n["Name"] == "default").unwrap();
    assert_eq!(default["Hash"], "C7UbjDwBK0dK8wQq7Izg7SJIzaV+lIo2X7wRtzY3pSw=");

    // The tokens Nomad makes up have none (`structs.AnonymousACLToken`).
    let anon: Value = t.send(Method::GET, "/v1/acl/token/self", None, None).await.json();
    assert_eq!(anon["Hash"], Value::Null);
}

/// command/agent/http.go `ResolveToken` (which `/v1/agent/self` calls) and
/// `errCodeFromHandler`: from 1.11.1 `Authenticate` (nomad/auth/auth.go) refuses an unknown
/// secret with `Permission denied` and a secret that is not a UUID with the identity
/// parser's error; before, nomad/auth/auth.go (nomad/acl.go before 1.7)
/// `resolveTokenFromSnapshotCache` says `ACL token not found`, or the state store's error.
#[tokio::test]
async fn agent_self_words_an_unknown_secret_as_each_release() {
    const UNKNOWN: &str = "00000000-0000-0000-0000-000000000000";
    let cases = [
        ("1.11.3", (403, "Permission denied".to_string()), (500, "ACL token not found or invalid workload identity: failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts".to_string())),
        ("1.11.0", (403, "ACL token not found".to_string()), (500, "failed to resolve ACL token: acl token lookup failed: index error: UUID must be 36 characters".to_string())),
        ("1.4.0", (403, "ACL token not found".to_string()), (500, "failed to resolve ACL token: acl token lookup failed: index error: UUID must be 36 characters".to_string())),
    ];
    for (version, unknown, not_uuid) in cases {
        let t = TestAgent::start_with(|c| {
            c.acl = true;
            c.nomad_version = version.parse().unwrap();
        })
        .await;
        let r = t.send(Method::GET, "/v1/agent/self", Some(UNKNOWN), None).await;
        assert_eq!((r.status, r.text()), unknown, "{version}");
        let r = t.send(Method::GET, "/v1/agent/self", Some("not-a-token"), None).await;
        assert_eq!((r.status, r.text()), not_uuid, "{version}");
        // Server RPCs are unchanged: `Permission denied` from 1.5 (`Authenticate`).
        let r = t.send(Method::GET, "/v1/jobs", Some(UNKNOWN), None).await;
        let rpc = if version == "1.4.0" { "ACL token not found" } else { "Permission denied" };
        assert_eq!((r.status, r.text().as_str()), (403, rpc), "{version}");
    }
}
