//! The ACL endpoints as each release answers them: `/v1/acl/token/self` before and after
//! 1.10.1 (`ACL.ResolveToken` then `ACL.WhoAmI`), the token, policy, role and auth method
//! lists, who may read which policy, and how an unknown secret is named.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Resp, TestAgent};
use nomad_api::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const UNKNOWN_UUID: &str = "0b0e0000-0000-0000-0000-000000000000";

async fn agent(version: &str, acl: bool) -> TestAgent {
    let version: NomadVersion = version.parse().unwrap();
    TestAgent::start_with(|c| {
        c.acl = acl;
        c.nomad_version = version;
    })
    .await
}

impl TestAgent {
    async fn as_(&self, token: Option<&str>, path: &str) -> Resp {
        self.send(Method::GET, path, token, None).await
    }
}

fn error(r: &Resp) -> (u16, String) {
    (r.status, r.text())
}

/// `aclTokenSelf` in `command/agent/acl_endpoint.go` at v1.10.0: `ACL.ResolveToken`
/// (`nomad/acl_endpoint.go`), which refuses with ACLs off before setting any metadata, fails
/// in `ACLTokenBySecretID` (`nomad/state/state_store.go`, go-memdb's UUID index) without a
/// secret or with one that is not a UUID (500, no metadata), and answers `nil` (so 404, with
/// the token table's index) for an unknown UUID.
#[tokio::test]
async fn token_self_before_1_10_1_resolves_the_secret() {
    let off = agent("1.10.0", false).await;
    let r = off.as_(None, "/v1/acl/token/self").await;
    assert_eq!(error(&r), (400, "ACL support disabled".into()));
    assert_eq!(r.header("X-Nomad-Index"), None);

    let on = agent("1.10.0", true).await;
    let s = on.agent.acl_secrets().unwrap();
    let me = on.as_(Some(&s.operator), "/v1/acl/token/self").await;
    let token: AclToken = me.json();
    assert_eq!(
        (token.name.as_str(), token.policies.as_slice()),
        ("Operator Token", ["operator".to_string()].as_slice())
    );
    assert_eq!(me.index(), token.modify_index);
    let r = on.as_(Some(UNKNOWN_UUID), "/v1/acl/token/self").await;
    assert_eq!(error(&r), (404, "ACL token not found".into()));
    assert_eq!(r.index(), token.create_index, "the token table's index");
    assert_eq!(r.header("X-Nomad-KnownLeader"), Some("true"));
    for (secret, text) in [
        (None, "acl token lookup failed: missing secret id"),
        (Some("wrong"), "acl token lookup failed: index error: UUID must be 36 characters"),
    ] {
        let r = on.as_(secret, "/v1/acl/token/self").await;
        assert_eq!(error(&r), (500, text.into()), "{secret:?}");
        assert_eq!(r.header("X-Nomad-Index"), None);
    }
}

/// From v1.10.1 `ACL.WhoAmI` answers: `structs.ACLsDisabledToken` with ACLs off (whatever
/// the secret), `structs.AnonymousACLToken` without a secret (`nomad/auth/auth.go`
/// `resolveSecretToken`), `Permission denied` for an unknown UUID, and `VerifyClaim`'s
/// error (500, uncoded) for a secret that is not a UUID. The index is the token's
/// `ModifyIndex`, 0 for the made-up tokens.
#[tokio::test]
async fn token_self_from_1_10_1_is_who_am_i() {
    for version in ["1.10.1", "1.11"] {
        let off = agent(version, false).await;
        for secret in [None, Some("anything")] {
            let r = off.as_(secret, "/v1/acl/token/self").await;
            assert_eq!(r.status, 200, "{version}: {}", r.text());
            assert_eq!(
                r.json::<Value>(),
                json!({
                    "AccessorID": "acls-disabled", "SecretID": "", "Name": "ACLs disabled token", "Type": "client",
                    "Policies": null, "Roles": null, "Global": false, "Hash": null, "CreateTime": null,
                    "ExpirationTime": null, "ExpirationTTL": 0, "CreateIndex": 0, "ModifyIndex": 0
                })
            );
            assert_eq!(r.index(), 0);
        }

        let on = agent(version, true).await;
        let s = on.agent.acl_secrets().unwrap();
        let anonymous = on.as_(None, "/v1/acl/token/self").await;
        assert_eq!(anonymous.status, 200);
        let body: Value = anonymous.json();
        assert_eq!(
            (&body["AccessorID"], &body["Name"], &body["Type"]),
            (&json!("anonymous"), &json!("Anonymous Token"), &json!("client"))
        );
        assert_eq!(
            (&body["Policies"], &body["SecretID"], &body["CreateTime"]),
            (&json!(["anonymous"]), &json!(""), &Value::Null)
        );
        assert_eq!(anonymous.index(), 0);
        let unknown = on.as_(Some(UNKNOWN_UUID), "/v1/acl/token/self").await;
        assert_eq!(error(&unknown), (403, "Permission denied".into()));
        assert_eq!(unknown.header("X-Nomad-Index"), None);
        let garbage = on.as_(Some("wrong"), "/v1/acl/token/self").await;
        assert_eq!(
            error(&garbage),
            (500, "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts".into())
        );
        let me = on.as_(Some(&s.management), "/v1/acl/token/self").await;
        let token: AclToken = me.json();
        assert!(token.is_management() && token.global && token.create_time.is_some());
        assert_eq!((token.secret_id.as_str(), me.index()), (s.management.as_str(), token.modify_index));
        let raw: Value = me.json();
        assert_eq!(
            (&raw["Policies"], &raw["Roles"], &raw["ExpirationTime"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
    }
}

/// Every ACL list refuses with ACLs off (`aclDisabled`, 400), in every release; before
/// 1.5.0 `/v1/acl/auth-methods` is not a route at all (Nomad's root handler: 404, no body).
#[tokio::test]
async fn lists_need_acls() {
    let off = agent("1.11", false).await;
    for path in
        ["/v1/acl/tokens", "/v1/acl/policies", "/v1/acl/roles", "/v1/acl/auth-methods", "/v1/acl/policy/readonly"]
    {
        assert_eq!(error(&off.as_(None, path).await), (400, "ACL support disabled".into()), "{path}");
    }
    let old = agent("1.4", true).await;
    let r = old.as_(None, "/v1/acl/auth-methods").await;
    assert_eq!((r.status, r.body.len()), (404, 0));
    let off_old = agent("1.4", false).await;
    assert_eq!(off_old.as_(None, "/v1/acl/auth-methods").await.status, 404);
}

/// `ACL.ListTokens` (management only), `ACL.ListPolicies` (what the token names),
/// `ACL.ListRoles`, `ACL.ListAuthMethods` (anyone) in `nomad/acl_endpoint.go`.
#[tokio::test]
async fn lists_as_nomad_answers_them() {
    let t = agent("1.11", true).await;
    let s = t.agent.acl_secrets().unwrap();
    let tokens = t.as_(Some(&s.management), "/v1/acl/tokens").await;
    assert_eq!(tokens.status, 200);
    let stubs: Vec<Value> = tokens.json();
    assert_eq!(stubs.len(), 3);
    // Each stored token has its `SetHash` (nomad/structs/acl.go; tests/submissions_pools_hashes.rs).
    assert!(stubs.iter().all(|s| s.get("SecretID").is_none() && s["Hash"].is_string()));
    let mut accessors: Vec<&str> = stubs.iter().map(|s| s["AccessorID"].as_str().unwrap()).collect();
    let listed = accessors.clone();
    accessors.sort();
    assert_eq!(listed, accessors, "by accessor ID within one create index");
    let index = tokens.index();
    assert_eq!(index, stubs[0]["CreateIndex"].as_u64().unwrap());
    let prefix = t.as_(Some(&s.management), &format!("/v1/acl/tokens?prefix={}", &listed[1][..8])).await;
    assert_eq!(prefix.json::<Vec<AclTokenListStub>>().len(), 1);
    for secret in [None, Some(s.operator.as_str()), Some(UNKNOWN_UUID)] {
        assert_eq!(error(&t.as_(secret, "/v1/acl/tokens").await), (403, "Permission denied".into()), "{secret:?}");
    }

    let policies = t.as_(Some(&s.management), "/v1/acl/policies").await;
    let list: Vec<Value> = policies.json();
    assert_eq!(list.iter().map(|p| p["Name"].as_str().unwrap()).collect::<Vec<_>>(), ["operator", "readonly"]);
    assert!(list[0].as_object().unwrap().contains_key("JobACL") && list[0]["JobACL"].is_null());
    assert_eq!(policies.index(), index);
    let mine: Vec<AclPolicyListStub> = t.as_(Some(&s.readonly), "/v1/acl/policies").await.json();
    assert_eq!(mine.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["readonly"]);
    let none = t.as_(None, "/v1/acl/policies").await;
    assert_eq!((none.status, none.text().as_str()), (200, "[]"));
    assert_eq!(error(&t.as_(Some(UNKNOWN_UUID), "/v1/acl/policies").await), (403, "Permission denied".into()));

    for secret in [None, Some(s.readonly.as_str())] {
        let roles = t.as_(secret, "/v1/acl/roles").await;
        assert_eq!((roles.status, roles.text().as_str(), roles.index()), (200, "[]", 1));
    }
    assert_eq!(error(&t.as_(Some(UNKNOWN_UUID), "/v1/acl/roles").await), (403, "Permission denied".into()));
    let methods = t.as_(Some(UNKNOWN_UUID), "/v1/acl/auth-methods").await;
    assert_eq!((methods.status, methods.text().as_str(), methods.index()), (200, "[]", 1));

    // The lists are blocking queries: nothing changes, so they wait out `wait`.
    let started = Instant::now();
    let blocked = t.as_(Some(&s.management), &format!("/v1/acl/policies?index={index}&wait=300ms")).await;
    assert_eq!((blocked.status, blocked.index()), (200, index));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    assert_eq!(t.as_(None, "/v1/acl/roles?index=1&wait=300ms").await.index(), 1);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

/// Before 1.10.2 a policy stub has no `JobACL` (`ACLPolicyListStub` in
/// `nomad/structs/structs.go`); before 1.5.0 an unknown secret is `ACL token not found`.
#[tokio::test]
async fn older_releases() {
    let t = agent("1.10.0", true).await;
    let s = t.agent.acl_secrets().unwrap();
    let list: Vec<Value> = t.as_(Some(&s.management), "/v1/acl/policies").await.json();
    assert!(!list[0].as_object().unwrap().contains_key("JobACL"));

    let old = agent("1.4", true).await;
    for path in ["/v1/acl/tokens", "/v1/acl/policies", "/v1/acl/roles", "/v1/acl/policy/anonymous", "/v1/jobs"] {
        assert_eq!(error(&old.as_(Some(UNKNOWN_UUID), path).await), (403, "ACL token not found".into()), "{path}");
        // `ResolveToken` looks any secret up in memdb's UUID index, which refuses this one.
        let r = old.as_(Some("not-a-token"), path).await;
        assert_eq!(
            error(&r),
            (500, "acl token lookup failed: index error: UUID must be 36 characters".into()),
            "{path}"
        );
    }
    // From 1.5.0 `Authenticate` comes first: any secret it cannot resolve is denied.
    assert_eq!(error(&t.as_(Some("not-a-token"), "/v1/acl/policies").await), (403, "Permission denied".into()));
}

/// `ACL.GetPolicy`: anyone may read the `anonymous` policy (the agent has none: 404 with the
/// policy table's index); other policies only a management token or a token naming them.
#[tokio::test]
async fn who_may_read_a_policy() {
    let t = agent("1.11", true).await;
    let s = t.agent.acl_secrets().unwrap();
    for secret in [None, Some(s.readonly.as_str()), Some(s.management.as_str())] {
        let r = t.as_(secret, "/v1/acl/policy/anonymous").await;
        assert_eq!(error(&r), (404, "ACL policy not found".into()), "{secret:?}");
        assert!(r.index() >= 1);
    }
    assert_eq!(error(&t.as_(None, "/v1/acl/policy/readonly").await), (403, "Permission denied".into()));
    assert_eq!(error(&t.as_(Some(&s.operator), "/v1/acl/policy/readonly").await), (403, "Permission denied".into()));
    assert_eq!(error(&t.as_(Some(UNKNOWN_UUID), "/v1/acl/policy/anonymous").await), (403, "Permission denied".into()));
    assert_eq!(error(&t.as_(None, "/v1/acl/policy/").await), (400, "Missing Policy Name".into()));
    let readonly = t.as_(Some(&s.readonly), "/v1/acl/policy/readonly").await;
    let policy: AclPolicy = readonly.json();
    assert_eq!(readonly.index(), policy.modify_index);
}

/// `RulesJSON` is the policy as the release parses it (`acl/policy.go`): the expansion of
/// `read` gained `host-volume-read` in 1.10.0, and `acl.Policy` gained `NodePools` (1.6.0)
/// and `ExtraKeysHCL` (1.11.0). The evaluator reads the same capabilities the endpoint shows.
#[tokio::test]
async fn rules_json_follows_the_release() {
    for (version, host_volumes, node_pools, extra_keys) in [
        ("1.4", false, false, false),
        ("1.9", false, true, false),
        ("1.10", true, true, false),
        ("1.11", true, true, true),
    ] {
        let t = agent(version, true).await;
        let s = t.agent.acl_secrets().unwrap();
        let policy: Value = t.as_(Some(&s.readonly), "/v1/acl/policy/readonly").await.json();
        let rules = policy["RulesJSON"].as_object().unwrap();
        let caps = rules["Namespaces"][0]["Capabilities"].as_array().unwrap();
        assert_eq!(caps.contains(&json!("host-volume-read")), host_volumes, "{version}");
        assert_eq!(
            (rules.contains_key("NodePools"), rules.contains_key("ExtraKeysHCL")),
            (node_pools, extra_keys),
            "{version}"
        );
        assert_eq!(rules["Raw"], policy["Rules"]);
        // `SetHash` hashes Name, Description and Rules only: the same in every release.
        assert_eq!(
            (&policy["JobACL"], &policy["Hash"]),
            (&Value::Null, &json!("lxlOwGcOrUywP451+WU0N6Jx1zljlmjlXILGnYoeJQE="))
        );
        let decoded: AclPolicy = serde_json::from_value(policy).unwrap();
        let acl = Acl::new(decoded.rules_json.as_ref());
        assert!(
            acl.allow_ns_op("ops", "read-job") && !acl.allow_ns_op("ops", "alloc-lifecycle") && acl.allow_node_read()
        );
    }
}

/// `/v1/acl/policy/self` from 1.10.2 (`aclSelfPolicy` in `command/agent/acl_endpoint.go`):
/// a UUID secret gets its policy list (`ACL.ListPolicies`), anything else is taken for a
/// workload identity (`ACL.GetClaimPolicies`) and, being none, denied. Before, `self` is a
/// policy name like any other.
#[tokio::test]
async fn policy_self_from_1_10_2() {
    let t = agent("1.10.2", true).await;
    let s = t.agent.acl_secrets().unwrap();
    let mine = t.as_(Some(&s.readonly), "/v1/acl/policy/self").await;
    let list: Vec<AclPolicyListStub> = mine.json();
    assert_eq!(list.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["readonly"]);
    assert!(mine.index() >= 1);
    for secret in [None, Some("not-a-token"), Some(UNKNOWN_UUID)] {
        assert_eq!(error(&t.as_(secret, "/v1/acl/policy/self").await), (403, "Permission denied".into()), "{secret:?}");
    }
    let off = agent("1.10.2", false).await;
    assert_eq!(error(&off.as_(None, "/v1/acl/policy/self").await), (403, "Permission denied".into()));
    assert_eq!(error(&off.as_(Some(UNKNOWN_UUID), "/v1/acl/policy/self").await), (400, "ACL support disabled".into()));

    let before = agent("1.10.1", true).await;
    let s = before.agent.acl_secrets().unwrap();
    assert_eq!(error(&before.as_(Some(&s.readonly), "/v1/acl/policy/self").await), (403, "Permission denied".into()));
    assert_eq!(
        error(&before.as_(Some(&s.management), "/v1/acl/policy/self").await),
        (404, "ACL policy not found".into())
    );
}
