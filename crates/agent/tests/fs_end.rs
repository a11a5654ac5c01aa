//! How `/v1/client/fs/logs` refuses a token, release by release: `client/fs_endpoint.go`
//! (`logs`) sends `Permission denied` without a code before the fix backported to 1.4.13,
//! 1.5.9 and 1.6.2 (hashicorp/nomad#18275), and `command/agent/fs_endpoint.go`
//! (`fsStreamImpl`) makes that a 500; with the fix, 403.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{running, TestAgent};
use nomad_api::NomadVersion;
use reqwest::Method;

#[tokio::test]
async fn a_token_without_read_fs_or_read_logs_is_refused_with_500_before_the_fix_and_403_after() {
    for (version, status) in
        [(NomadVersion::new(1, 4, 12), 500), (NomadVersion::new(1, 4, 13), 403), (NomadVersion::LATEST, 403)]
    {
        let t = TestAgent::start_with(|c| {
            c.acl = true;
            c.nomad_version = version;
        })
        .await;
        let ids = t.run_job("web", "default", "service", 1, &[("web", "echo hello; sleep 600")]);
        t.wait_alloc(&ids[0], running).await;
        let readonly = t.agent.acl_secrets().unwrap().readonly;
        let path = format!("/v1/client/fs/logs/{}?task=web&type=stdout", ids[0]);
        let r = t.send(Method::GET, &path, Some(&readonly), None).await;
        assert_eq!((r.status, r.text().as_str()), (status, "Permission denied"), "{version}");
        // /fs/stream always answered 403 (`stream` gives the denial its code).
        let stream = format!("/v1/client/fs/stream/{}?path=alloc/logs/web.stdout.0&follow=false", ids[0]);
        assert_eq!(t.send(Method::GET, &stream, Some(&readonly), None).await.status, 403, "{version}");
        t.agent.shutdown().await;
    }
}
