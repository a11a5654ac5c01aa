//! ACLs: what each built-in token may do, and Nomad's answers when it may not.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent, TRAP_SCRIPT};
use nomad_api::*;
use reqwest::Method;

#[tokio::test]
async fn tokens_are_written_and_resolved() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let secrets = t.agent.acl_secrets().unwrap();
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.dir.path().join("acl-tokens.json")).unwrap()).unwrap();
    assert_eq!(on_disk["management"], secrets.management.as_str());
    assert_eq!(on_disk["operator"], secrets.operator.as_str());
    assert_eq!(on_disk["readonly"], secrets.readonly.as_str());
    assert_eq!(std::fs::read_to_string(t.dir.path().join("acl-token")).unwrap().trim(), secrets.management);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(t.dir.path().join("acl-tokens.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0);

    let me = t.send(Method::GET, "/v1/acl/token/self", Some(&secrets.readonly), None).await;
    let token: AclToken = me.json();
    assert_eq!((token.kind.as_str(), token.policies.as_slice()), ("client", ["readonly".to_string()].as_slice()));
    assert_eq!(me.index(), token.modify_index);
    let root: AclToken = t.send(Method::GET, "/v1/acl/token/self", Some(&secrets.management), None).await.json();
    assert_eq!(root.kind, "management");
    let bearer =
        t.http.get(format!("{}/v1/acl/token/self", t.agent.url())).bearer_auth(&secrets.operator).send().await.unwrap();
    assert_eq!(bearer.json::<AclToken>().await.unwrap().policies, ["operator"]);
    // Without a token, Nomad 1.10.1+ answers the anonymous token (see acl_versions.rs).
    let none: AclToken = t.send(Method::GET, "/v1/acl/token/self", None, None).await.json();
    assert_eq!(none, AclToken::anonymous());
    let wrong = t.send(Method::GET, "/v1/acl/token/self", Some("0b0e0000-0000-0000-0000-000000000000"), None).await;
    assert_eq!((wrong.status, wrong.text().as_str()), (403, "Permission denied"));
    let self_: AgentSelf = t.send(Method::GET, "/v1/agent/self", Some(&secrets.readonly), None).await.json();
    assert_eq!(self_.config.acl.map(|a| a.enabled), Some(true));
}

#[tokio::test]
async fn each_token_kind_gets_what_its_policy_allows() {
    let t = TestAgent::start_with(|c| c.acl = true).await;
    let s = t.agent.acl_secrets().unwrap();
    let ids = t.run_job("web", "default", "service", 3, &[("server", TRAP_SCRIPT)]);
    t.run_job("reports", "ops", "service", 1, &[("gen", "sleep 60")]);
    for id in &ids {
        t.wait_alloc(id, running).await;
    }
    let as_ = |token: Option<&str>, method: Method, path: &str| {
        let (token, path) = (token.map(str::to_string), path.to_string());
        let t = &t;
        async move { t.send(method, &path, token.as_deref(), None).await }
    };
    let denied = |r: common::Resp| {
        assert_eq!((r.status, r.text().as_str()), (403, "Permission denied"));
    };

    // Reads: open to the read-only and operator tokens, closed without a token or with a bad one.
    for path in ["/v1/allocations", "/v1/jobs", "/v1/nodes", "/v1/agent/self", "/v1/agent/members", "/v1/job/web"] {
        for token in [&s.readonly, &s.operator, &s.management] {
            let r = as_(Some(token), Method::GET, path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text());
        }
        denied(as_(None, Method::GET, path).await);
        // `/v1/agent/self` resolves the token itself and words a bad one its own way
        // (tests/submissions_pools_hashes.rs).
        if path != "/v1/agent/self" {
            denied(as_(Some("not-a-token"), Method::GET, path).await);
        }
    }
    let all: Vec<AllocationListStub> = as_(Some(&s.readonly), Method::GET, "/v1/allocations?namespace=*").await.json();
    assert_eq!(all.len(), 4);
    let alloc = as_(Some(&s.readonly), Method::GET, &format!("/v1/allocation/{}", ids[0])).await;
    assert_eq!(alloc.status, 200);
    let anon = as_(None, Method::GET, &format!("/v1/allocation/{}", ids[0])).await;
    assert_eq!((anon.status, anon.text()), (500, format!("Unknown allocation {:?}", ids[0])));
    let stats = as_(Some(&s.readonly), Method::GET, &format!("/v1/client/allocation/{}/stats", ids[0])).await;
    assert_eq!(stats.status, 200);
    let bad_client_token = as_(Some("not-a-token"), Method::GET, "/v1/client/stats").await;
    // The client asks `ACL.WhoAmI` (`client/acl.go`), which passes on the claim parser's error
    // (tests/client_tokens.rs has every release).
    assert_eq!(
        (bad_client_token.status, bad_client_token.text().as_str()),
        (500, "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts")
    );
    let namespaces: Vec<Namespace> = as_(None, Method::GET, "/v1/namespaces").await.json();
    assert!(namespaces.is_empty());
    let namespaces: Vec<Namespace> = as_(Some(&s.readonly), Method::GET, "/v1/namespaces").await.json();
    assert_eq!(namespaces.len(), 2);
    for open in ["/v1/agent/health", "/v1/regions", "/v1/status/leader"] {
        assert_eq!(as_(None, Method::GET, open).await.status, 200, "{open}");
    }

    // Lifecycle: the read-only token may not stop, signal or restart; the operator may.
    denied(as_(Some(&s.readonly), Method::POST, &format!("/v1/allocation/{}/stop", ids[0])).await);
    denied(as_(None, Method::POST, &format!("/v1/allocation/{}/stop", ids[0])).await);
    let signal = |token: &str| {
        let path = format!("/v1/client/allocation/{}/signal", ids[1]);
        let token = token.to_string();
        let t = &t;
        async move { t.send(Method::POST, &path, Some(&token), Some(r#"{"Signal":"SIGUSR1"}"#)).await }
    };
    denied(signal(&s.readonly).await);
    assert_eq!(signal(&s.operator).await.status, 200);
    denied(as_(Some(&s.readonly), Method::POST, &format!("/v1/client/allocation/{}/restart", ids[1])).await);
    assert_eq!(
        as_(Some(&s.operator), Method::POST, &format!("/v1/client/allocation/{}/restart", ids[1])).await.status,
        200
    );
    let stop = as_(Some(&s.operator), Method::POST, &format!("/v1/allocation/{}/stop", ids[2])).await;
    assert_eq!(stop.status, 200, "{}", stop.text());
    let unknown_stop =
        as_(Some(&s.operator), Method::POST, "/v1/allocation/0b0e0000-0000-0000-0000-000000000000/stop").await;
    assert_eq!(unknown_stop.status, 404);

    // Node and agent writes need more than the operator has.
    denied(as_(Some(&s.operator), Method::GET, "/v1/client/gc").await);
    assert_eq!(as_(Some(&s.management), Method::GET, "/v1/client/gc").await.status, 200);
    denied(as_(Some(&s.operator), Method::POST, "/v1/agent/force-leave?node=x").await);
    denied(as_(Some(&s.operator), Method::PUT, "/v1/agent/servers?address=127.0.0.1:4647").await);
    assert_eq!(as_(Some(&s.management), Method::PUT, "/v1/agent/servers?address=127.0.0.1:4647").await.status, 200);
    // Nomad means to refuse an anonymous join from 2.1 (agent_endpoint.go, v2.0.4): refused here.
    denied(as_(None, Method::POST, "/v1/agent/join?address=1.2.3.4").await);
    assert_eq!(as_(Some(&s.management), Method::POST, "/v1/agent/join?address=1.2.3.4").await.status, 200);

    // Job submission: submit-job.
    let job = caravan_agent::jobspec::job(
        "x",
        "default",
        "batch",
        vec![caravan_agent::jobspec::group("x", 1, vec![caravan_agent::jobspec::shell_task("t", "true", 100, 64)])],
    );
    let body = serde_json::to_string(&JobRegisterRequest { job: Some(job), ..Default::default() }).unwrap();
    denied(t.send(Method::PUT, "/v1/jobs", Some(&s.readonly), Some(&body)).await);
    assert_eq!(t.send(Method::PUT, "/v1/jobs", Some(&s.operator), Some(&body)).await.status, 200);
}
