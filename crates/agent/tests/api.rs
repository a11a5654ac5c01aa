//! Every endpoint's success and error paths, over real HTTP.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::*;
use reqwest::Method;
use std::io::Read;

#[tokio::test]
async fn allocations_list_filters_and_validates() {
    let t = TestAgent::start().await;
    let web = t.run_job("web", "default", "service", 2, &[("server", "sleep 30")]);
    let ops = t.run_job("reports", "ops", "service", 1, &[("gen", "sleep 30")]);

    let r = t.get("/v1/allocations").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("X-Nomad-KnownLeader"), Some("true"));
    assert_eq!(r.header("X-Nomad-LastContact"), Some("0"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("Access-Control-Allow-Origin").is_none());
    let list: Vec<AllocationListStub> = r.json();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|a| a.namespace == "default" && a.job_type == "service" && a.task_states.is_some()));
    assert!(list.iter().all(|a| a.allocated_resources.is_none()));
    let mut names: Vec<_> = list.iter().map(|a| a.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["web.web[0]", "web.web[1]"]);

    let all: Vec<AllocationListStub> = t.get("/v1/allocations?namespace=*").await.json();
    assert_eq!(all.len(), 3);
    let only_ops: Vec<AllocationListStub> = t.get("/v1/allocations?namespace=ops").await.json();
    assert_eq!(only_ops.iter().map(|a| a.id.clone()).collect::<Vec<_>>(), ops);

    let lean: Vec<serde_json::Value> = t.get("/v1/allocations?task_states=false&resources=true").await.json();
    assert!(lean.iter().all(|a| a["TaskStates"].is_null() && a["AllocatedResources"].is_object()));

    let prefix = &web[0][..4];
    let by_prefix: Vec<AllocationListStub> = t.get(&format!("/v1/allocations?prefix={prefix}")).await.json();
    assert!(by_prefix.iter().any(|a| a.id == web[0]) && by_prefix.iter().all(|a| a.id.starts_with(prefix)));

    // nomad/state/state_store.go `AllocsByIDPrefix`: go-memdb's error, returned uncoded (500).
    let odd = t.get("/v1/allocations?prefix=abc").await;
    assert_eq!(
        (odd.status, odd.text().as_str()),
        (500, "alloc lookup failed: index error: Input (without hyphens) must be even length")
    );
    assert_eq!(t.get("/v1/allocations?prefix=zz").await.status, 500);
    let bad_bool = t.get("/v1/allocations?resources=maybe").await;
    assert_eq!(bad_bool.status, 500);
    assert!(bad_bool.text().starts_with("Failed to parse value of \"resources\" (maybe) as a bool"));
    assert_eq!(t.send(Method::DELETE, "/v1/allocations", None, None).await.text(), "Invalid method");
    assert_eq!(t.send(Method::DELETE, "/v1/allocations", None, None).await.status, 405);
}

#[tokio::test]
async fn query_parameter_errors_are_nomads() {
    let t = TestAgent::start().await;
    for (query, message) in [
        ("wait=forever", "Invalid wait time"),
        ("index=minus", "Invalid index"),
        ("index=1&wait=10", "Invalid wait time"),
        ("stale=perhaps", "Expect `true` or `false` for `stale` query string parameter"),
        ("per_page=many", "Expect a number for `per_page` query string parameter"),
    ] {
        for path in ["/v1/allocations", "/v1/jobs", "/v1/nodes", "/v1/namespaces"] {
            let r = t.get(&format!("{path}?{query}")).await;
            assert_eq!((r.status, r.text()), (400, message.to_string()), "{path}?{query}");
            assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
        }
    }
    assert_eq!(t.get("/v1/allocations?stale").await.status, 200);
    assert_eq!(t.get("/v1/allocations?stale=true&wait=-1s").await.status, 200);
}

#[tokio::test]
async fn unknown_region_has_no_path() {
    let t = TestAgent::start().await;
    for path in [
        "/v1/allocations",
        "/v1/jobs",
        "/v1/nodes",
        "/v1/namespaces",
        "/v1/status/leader",
        "/v1/allocation/x",
        "/v1/agent/members",
    ] {
        let r = t.get(&format!("{path}?region=mars")).await;
        assert_eq!((r.status, r.text().as_str()), (500, "No path to region"), "{path}");
    }
    assert_eq!(t.get("/v1/allocations?region=global").await.status, 200);
    let health = t.get("/v1/agent/health?region=mars").await;
    assert_eq!(health.status, 500);
    let h: AgentHealthResponse = serde_json::from_str(&health.text()).unwrap();
    assert_eq!(h.server.map(|s| (s.ok, s.message)), Some((false, "No path to region".to_string())));
}

#[tokio::test]
async fn allocation_read_and_not_found() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", "sleep 30")]);
    let r = t.get(&format!("/v1/allocation/{}", ids[0])).await;
    assert_eq!(r.status, 200);
    let alloc: Allocation = r.json();
    assert_eq!(r.index(), alloc.modify_index);
    assert_eq!((alloc.name.as_str(), alloc.task_group.as_str()), ("web.web[0]", "web"));
    assert_eq!(alloc.job.as_ref().map(|j| j.id.as_str()), Some("web"));
    assert!(alloc.create_index > 0 && alloc.alloc_modify_index >= alloc.create_index);
    assert!(alloc.allocated_resources.is_some() && alloc.metrics.is_some());

    let missing = t.get("/v1/allocation/6a2d1e0c-0000-0000-0000-000000000000").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "alloc not found"));
    assert!(missing.index() > 0);
    assert_eq!(t.get(&format!("/v1/allocation/{}/stop", ids[0])).await.status, 405);
    let extra = t.get(&format!("/v1/allocation/{}/stop/now", ids[0])).await;
    assert_eq!((extra.status, extra.text().as_str()), (404, "resource not found"));
    let stop_missing = t.post("/v1/allocation/6a2d1e0c-0000-0000-0000-000000000000/stop", "").await;
    assert_eq!((stop_missing.status, stop_missing.text().as_str()), (404, "allocation not found"));
}

#[tokio::test]
async fn gzip_pretty_unknown_paths_and_ui() {
    let t = TestAgent::start().await;
    t.run_job("web", "default", "service", 3, &[("server", "sleep 30")]);
    let raw =
        t.http.get(format!("{}/v1/allocations", t.agent.url())).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(raw.headers().get("content-encoding").and_then(|v| v.to_str().ok()), Some("gzip"));
    let bytes = raw.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap();
    assert_eq!(serde_json::from_str::<Vec<AllocationListStub>>(&text).unwrap().len(), 3);

    let pretty = t.get("/v1/regions?pretty").await.text();
    assert_eq!(pretty, "[\n    \"global\"\n]\n");
    assert_eq!(t.get("/v1/regions").await.text(), "[\"global\"]");

    let unknown = t.get("/v1/nonsense").await;
    assert_eq!((unknown.status, unknown.body.len()), (404, 0));
    let root = t.http.get(format!("{}/?x=1", t.agent.url())).send().await.unwrap();
    assert_eq!(root.url().path(), "/ui/");
    assert!(root.text().await.unwrap().contains("Nomad UI is disabled"));
}

#[tokio::test]
async fn ui_dir_is_served_with_spa_fallback_and_the_content_security_policy() {
    let ui = tempfile::tempdir().unwrap();
    let index = r#"<html><base href="/ui/">caravan</html>"#;
    std::fs::write(ui.path().join("index.html"), index).unwrap();
    std::fs::write(ui.path().join("app.js"), "console.log(1)").unwrap();
    let dir = ui.path().to_path_buf();
    let t = TestAgent::start_with(|c| c.ui_dir = Some(dir)).await;
    assert_eq!(t.get("/ui/app.js").await.text(), "console.log(1)");
    for path in ["/ui/allocations/abc", "/ui/", "/ui/index.html"] {
        let page = t.get(path).await;
        assert_eq!(page.text(), index, "{path}");
        assert_eq!(page.headers["content-security-policy"], nomad_proxy::CONTENT_SECURITY_POLICY, "{path}");
        // Portals of other origins may embed it.
        assert!(!page.headers.contains_key("x-frame-options"), "{path}");
    }
}

#[tokio::test]
async fn agent_endpoints() {
    let t = TestAgent::start().await;
    let me: AgentSelf = t.get("/v1/agent/self").await.json();
    assert_eq!((me.config.region.as_str(), me.config.datacenter.as_str()), ("global", "dc1"));
    assert!(me.config.dev_mode && me.version().starts_with("1."));
    assert_eq!(me.stats.get("nomad").and_then(|s| s.get("leader")).map(String::as_str), Some("true"));

    let members: ServerMembers = t.get("/v1/agent/members").await.json();
    assert_eq!(members.members.len(), 1);
    assert_eq!(members.members[0].status, "alive");
    assert_eq!(members.server_region, "global");

    let servers: Vec<String> = t.get("/v1/agent/servers").await.json();
    assert_eq!(servers.len(), 1);
    assert_eq!(t.post("/v1/agent/servers", "").await.text(), "missing server address");
    assert_eq!(
        t.send(Method::PUT, "/v1/agent/servers?address=127.0.0.1:4647&address=localhost", None, None).await.status,
        200
    );
    let servers: Vec<String> = t.get("/v1/agent/servers").await.json();
    assert_eq!(servers, ["127.0.0.1:4647", "localhost:4647"]);
    assert_eq!(t.send(Method::DELETE, "/v1/agent/servers", None, None).await.status, 405);

    let join = t.post("/v1/agent/join?address=1.2.3.4", "").await;
    let join: JoinResponse = join.json();
    assert_eq!(join.num_joined, 0);
    assert!(!join.error.is_empty());
    assert_eq!(t.post("/v1/agent/join", "").await.text(), "missing address to join");
    assert_eq!(t.get("/v1/agent/join?address=x").await.status, 405);

    assert_eq!(t.post("/v1/agent/force-leave?node=other", "").await.status, 200);
    assert_eq!(t.post("/v1/agent/force-leave", "").await.text(), "missing node to force leave");
    assert_eq!(t.post("/v1/agent/force-leave?node=a&prune=x", "").await.text(), "invalid prune value");

    let health: AgentHealthResponse = t.get("/v1/agent/health").await.json();
    assert!(health.client.is_some_and(|c| c.ok) && health.server.is_some_and(|s| s.ok));
    let only_client: AgentHealthResponse = t.get("/v1/agent/health?type=client").await.json();
    assert!(only_client.server.is_none() && only_client.client.is_some());
}

#[tokio::test]
async fn cluster_lists() {
    let t = TestAgent::start().await;
    t.run_job("web", "default", "service", 1, &[("server", "sleep 30")]);
    assert_eq!(t.get("/v1/status/leader").await.json::<String>(), "127.0.0.1:4647");
    let namespaces: Vec<Namespace> = t.get("/v1/namespaces").await.json();
    assert_eq!(namespaces.iter().map(|n| n.name.as_str()).collect::<Vec<_>>(), ["default", "ops"]);
    // ACLs off: Nomad 1.10.1+ answers its `acls-disabled` token (see acl_versions.rs).
    let token: AclToken = t.get("/v1/acl/token/self").await.json();
    assert!(token.is_acls_disabled());

    let nodes = t.get("/v1/nodes?os=true&resources=true").await;
    let nodes: Vec<NodeListStub> = nodes.json();
    assert_eq!(nodes.len(), 1);
    let node_id = nodes[0].id.clone();
    assert_eq!(nodes[0].status, "ready");
    assert!(
        nodes[0].attributes.as_ref().is_some_and(|a| a.contains_key("os.name")) && nodes[0].node_resources.is_some()
    );
    let node: Node = t.get(&format!("/v1/node/{node_id}")).await.json();
    assert!(node.attributes.get("cpu.numcores").is_some_and(|c| c.parse::<u32>().unwrap() >= 1));
    assert!(node.attributes.get("memory.totalbytes").is_some_and(|m| m.parse::<u64>().unwrap() > 0));
    assert!(node.drivers.get("raw_exec").is_some_and(|d| d.healthy));
    let node_allocs: Vec<Allocation> = t.get(&format!("/v1/node/{node_id}/allocations")).await.json();
    assert_eq!(node_allocs.len(), 1);
    let missing = t.get("/v1/node/12345678-0000-0000-0000-000000000000").await;
    assert_eq!((missing.status, missing.text().as_str()), (404, "node not found"));

    let jobs: Vec<JobListStub> = t.get("/v1/jobs").await.json();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].job_summary.as_ref().map(|s| s.summary.len()), Some(1));
    let job = t.get("/v1/job/web").await;
    assert_eq!(job.index(), job.json::<Job>().modify_index);
    let job_allocs: Vec<AllocationListStub> = t.get("/v1/job/web/allocations").await.json();
    assert_eq!(job_allocs.len(), 1);
    let none: Vec<AllocationListStub> = t.get("/v1/job/nope/allocations").await.json();
    assert!(none.is_empty());
    assert_eq!(t.get("/v1/job/nope").await.text(), "job not found");
}

#[tokio::test]
async fn jobs_register_over_http_and_stop() {
    let t = TestAgent::start().await;
    let job = caravan_agent::jobspec::job(
        "hello",
        "",
        "batch",
        vec![caravan_agent::jobspec::group(
            "hello",
            1,
            vec![caravan_agent::jobspec::shell_task("say", "echo hi", 100, 64)],
        )],
    );
    let body = serde_json::to_string(&JobRegisterRequest { job: Some(job), ..Default::default() }).unwrap();
    let r = t.send(Method::PUT, "/v1/jobs", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let registered: JobRegisterResponse = r.json();
    assert_eq!(r.index(), registered.index);
    assert!(!registered.eval_id.is_empty());
    let allocs: Vec<AllocationListStub> = t.get("/v1/job/hello/allocations").await.json();
    let done = t.wait_alloc(&allocs[0].id, |a| a.client_status == "complete").await;
    assert_eq!(done.task_states["say"].state, "dead");
    let job: Job = t.get("/v1/job/hello").await.json();
    assert_eq!(job.status, "dead");

    assert_eq!(t.send(Method::PUT, "/v1/jobs", None, Some("{not json")).await.status, 400);
    assert_eq!(t.send(Method::PUT, "/v1/jobs", None, Some("{}")).await.text(), "Job must be specified");
    let docker = r#"{"Job":{"ID":"d","TaskGroups":[{"Name":"g","Count":1,"Tasks":[{"Name":"t","Driver":"docker","Config":{"image":"x"}}]}]}}"#;
    assert_eq!(t.send(Method::PUT, "/v1/jobs", None, Some(docker)).await.status, 400);

    let stopped = t.send(Method::DELETE, "/v1/job/hello", None, None).await;
    assert_eq!(stopped.status, 200);
    let job: Job = t.get("/v1/job/hello").await.json();
    assert!(job.stop);
    assert_eq!(t.send(Method::DELETE, "/v1/job/hello?purge=true", None, None).await.status, 200);
    assert_eq!(t.get("/v1/job/hello").await.status, 404);
}

#[tokio::test]
async fn bad_bodies_never_crash_the_agent() {
    let t = TestAgent::start().await;
    let ids = t.run_job("web", "default", "service", 1, &[("server", common::TRAP_SCRIPT)]);
    let signal = format!("/v1/client/allocation/{}/signal", ids[0]);
    let r = t.post(&signal, "").await;
    assert_eq!((r.status, r.text().as_str()), (400, "Failed to decode body: Request body is empty"));
    for body in ["{", "[]", "\u{0}", "{\"Signal\": 5}"] {
        let r = t.post(&signal, body).await;
        assert_eq!(r.status, 400, "{body}");
        assert!(r.text().starts_with("Failed to decode body: "));
    }
    // `allocRestart` (command/agent/alloc_endpoint.go) returns the decoder's error uncoded;
    // a bad prefix or ID is go-memdb's error, uncoded too (nomad/state/state_store.go).
    let restart = format!("/v1/client/allocation/{}/restart", ids[0]);
    assert_eq!(t.post(&restart, "{{{").await.status, 500);
    let long = "a".repeat(20_000);
    assert_eq!(t.get(&format!("/v1/allocations?prefix={long}")).await.status, 500);
    assert_eq!(t.get(&format!("/v1/allocation/{long}")).await.status, 500);
    assert_eq!(t.get("/v1/allocations?index=99999999999999999999999").await.status, 400);
    assert_eq!(t.get("/v1/allocations?wait=9999h&index=1&namespace=%ff").await.status, 200);
    assert_eq!(t.get("/v1/allocations?wait=99999999999h").await.status, 400);
    assert_eq!(t.get("/v1/agent/health").await.status, 200);
}

/// Lists reuse each allocation's written stub until the allocation changes: a change shows
/// in every form of every list at once, and the pretty form says the same.
#[tokio::test]
async fn allocation_lists_show_each_change_in_every_form() {
    let t = TestAgent::start().await;
    let web = t.run_job("web", "default", "service", 2, &[("server", "sleep 30")]);
    let paths = ["/v1/allocations", "/v1/allocations?task_states=false&resources=true", "/v1/job/web/allocations"];
    let lists = async || {
        let mut out = Vec::new();
        for path in paths {
            let pretty_path = format!("{path}{}pretty", if path.contains('?') { '&' } else { '?' });
            // Compared at one index: the tasks may still be reporting.
            loop {
                let (compact, pretty) = (t.get(path).await, t.get(&pretty_path).await);
                if compact.index() == pretty.index() {
                    assert_eq!(compact.json::<serde_json::Value>(), pretty.json::<serde_json::Value>(), "{path}");
                    out.push(compact.json::<serde_json::Value>());
                    break;
                }
            }
        }
        out
    };
    let desired = |list: &serde_json::Value, id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|a| a["ID"] == id)
            .map(|a| a["DesiredStatus"].as_str().unwrap().to_string())
    };
    for list in lists().await {
        assert_eq!(desired(&list, &web[0]).as_deref(), Some("run"));
    }
    assert_eq!(t.post(&format!("/v1/allocation/{}/stop", web[0]), "").await.status, 200);
    for list in lists().await {
        assert_eq!(desired(&list, &web[0]).as_deref(), Some("stop"));
        assert_eq!(desired(&list, &web[1]).as_deref(), Some("run"));
    }
}
