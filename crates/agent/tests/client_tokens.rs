//! How a release treats the secret a request carries before any policy is read: what the
//! client answers for one it cannot resolve (`client/acl.go`, through `ACL.ResolveToken` in
//! 1.4, `ACL.WhoAmI` from 1.5.0), and whether `X-Nomad-Token` is trimmed (`parseToken` in
//! `command/agent/http.go`, from 1.5.2). Both are asked of agents answering as each release.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Resp, TestAgent};
use nomad_api::NomadVersion;
use reqwest::Method;

const UNKNOWN_UUID: &str = "0b0e0000-0000-0000-0000-000000000000";

async fn agent(version: &str) -> TestAgent {
    let version: NomadVersion = version.parse().unwrap();
    TestAgent::start_with(|c| {
        c.acl = true;
        c.nomad_version = version;
    })
    .await
}

fn error(r: &Resp) -> (u16, String) {
    (r.status, r.text())
}

/// A secret the client cannot resolve, on the client's endpoints (`/v1/client/stats`,
/// `/v1/agent/servers`, an allocation's stats and files). `client/acl.go` at v1.4.0 asks
/// `ACL.ResolveToken` (`nomad/acl_endpoint.go`): an unknown UUID is `structs.ErrTokenNotFound`
/// (403 by its suffix, `errCodeFromHandler` in `command/agent/http.go`), any other secret
/// fails in `ACLTokenBySecretID` (`nomad/state/state_store.go`, go-memdb's UUID index, 500).
/// From v1.5.0 it asks `ACL.WhoAmI`, which passes `Authenticate`'s error on (`nomad/acl.go`;
/// `nomad/auth/auth.go` from 1.7): an unknown UUID is `Permission denied` (403), any other
/// secret `Encrypter.VerifyClaim`'s error (`nomad/encrypter.go`, 500), worded by the claim
/// parser of the release's `go.mod`: golang-jwt v4 (1.5), v5 (1.6), go-jose (1.7+).
#[tokio::test]
async fn client_endpoints_name_a_bad_secret_by_release() {
    let segments = "token contains an invalid number of segments";
    for (version, not_a_uuid) in [
        ("1.4.0", "acl token lookup failed: index error: UUID must be 36 characters".to_string()),
        ("1.5.0", format!("failed to verify token: {segments}")),
        ("1.6.0", format!("failed to verify token: token is malformed: {segments}")),
        ("1.11.3", "failed to parse signed token: go-jose/go-jose: compact JWS format must have three parts".into()),
    ] {
        let unknown = if version == "1.4.0" { "ACL token not found" } else { "Permission denied" };
        let t = agent(version).await;
        let ids = t.run_job("web", "default", "service", 1, &[("main", "sleep 60")]);
        let id = &ids[0];
        let node_id = t.get(&format!("/v1/allocation/{id}")).await.json::<nomad_api::Allocation>().node_id;
        for path in [
            format!("/v1/agent/monitor?node_id={node_id}"),
            "/v1/client/stats".to_string(),
            "/v1/agent/servers".into(),
            format!("/v1/client/allocation/{id}/stats"),
            format!("/v1/client/fs/ls/{id}?path=/"),
            format!("/v1/client/fs/cat/{id}?path=alloc/logs/main.stdout.0"),
            format!("/v1/client/fs/stream/{id}?path=alloc/logs/main.stdout.0&follow=false"),
            format!("/v1/client/fs/logs/{id}?task=main&type=stdout"),
        ] {
            // `FileSystem.Stream` sends any such error with 403, `FileSystem.Logs` with no
            // code, which the HTTP agent answers 500 (`client/fs_endpoint.go`,
            // `command/agent/fs_endpoint.go`); the others by `errCodeFromHandler`.
            // The client's `Agent.monitor` (`client/agent_endpoint.go`) codes it 403 too.
            let (unknown_code, not_a_uuid_code) = match &path {
                p if p.contains("/fs/stream/") || p.contains("/monitor") => (403, 403),
                p if p.contains("/fs/logs/") => (500, 500),
                _ => (403, 500),
            };
            let r = t.send(Method::GET, &path, Some(UNKNOWN_UUID), None).await;
            assert_eq!(error(&r), (unknown_code, unknown.to_string()), "{version} {path}");
            let r = t.send(Method::GET, &path, Some("not-a-token"), None).await;
            assert_eq!(error(&r), (not_a_uuid_code, not_a_uuid.clone()), "{version} {path}");
        }
        t.agent.shutdown().await;
    }
}

/// `parseToken` (`command/agent/http.go`) takes `X-Nomad-Token` as sent at v1.5.1 and in every
/// 1.4 release (v1.4.14 included), and trims it with `strings.TrimSpace` from v1.5.2
/// (hashicorp/nomad#16469). Go's header parser already cuts spaces and tabs, so the difference
/// shows with other white space, a trailing no-break space here. The `Bearer` value of
/// `Authorization` is trimmed in every release.
#[tokio::test]
async fn x_nomad_token_is_trimmed_from_1_5_2() {
    for (version, padded) in [
        ("1.4.14", (500, "acl token lookup failed: index error: UUID must be 36 characters".to_string())),
        // `Authenticate` fails on the secret, and `Job.List` answers `Permission denied`.
        ("1.5.1", (403, "Permission denied".into())),
        ("1.5.2", (200, String::new())),
        ("1.11.3", (200, String::new())),
    ] {
        let t = agent(version).await;
        let management = t.agent.acl_secrets().unwrap().management;
        let secret = format!("{management}\u{a0}");
        let r = t.send(Method::GET, "/v1/jobs", Some(&secret), None).await;
        let got = if r.status == 200 { (200, String::new()) } else { error(&r) };
        assert_eq!(got, padded, "{version}");
        let bearer = t
            .http
            .get(format!("{}/v1/jobs", t.agent.url()))
            .header("Authorization", format!("Bearer {secret}"))
            .send()
            .await
            .unwrap();
        assert_eq!(bearer.status().as_u16(), 200, "{version}");
        t.agent.shutdown().await;
    }
}
