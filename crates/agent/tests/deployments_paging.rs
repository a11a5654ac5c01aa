//! `GET /v1/deployments` through Nomad's paginator on a real listener: `per_page`,
//! `next_token`, `reverse`, `filter`, `prefix` and `X-Nomad-NextToken`, as
//! `command/agent/deployment_endpoint.go` `DeploymentsRequest`, `command/agent/http.go`
//! `parsePagination`/`setNextToken` and `nomad/deployment_endpoint.go` `List` with
//! `nomad/state/paginator/paginator.go` answer them (v1.11.3; v1.4.0 the same through its
//! `StructsTokenizer`). The agent creates no deployments (see `http/deployments.rs`), so
//! every page is the empty table's: `[]`, index 0, and no next token whatever the page size.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::NomadVersion;
use serde_json::Value;

async fn empty_page(t: &TestAgent, path: &str) {
    let r = t.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    // `DeploymentsRequest` makes a nil list `[]`, never `null`.
    assert_eq!(r.text(), "[]", "{path}");
    assert_eq!(r.index(), 0, "{path}: state.Index(\"deployment\")");
    // `setNextToken` writes the header only for a token.
    assert_eq!(r.header("X-Nomad-NextToken"), None, "{path}");
}

/// Page sizes, tokens (of either tokenizer: `<CreateIndex>.<ID>`, or the ID under a
/// prefix), `reverse`, every namespace and a filter that matches nothing all give the empty
/// table; a jobs' registration (service jobs included) adds no deployment.
#[tokio::test]
async fn pages_of_the_empty_table() {
    for version in [NomadVersion::OLDEST, NomadVersion::LATEST] {
        let t = TestAgent::start_with(|c| c.nomad_version = version).await;
        t.run_job("web", "default", "service", 2, &[("s", "sleep 60")]);
        for path in [
            "/v1/deployments",
            "/v1/deployments?per_page=1",
            "/v1/deployments?per_page=0",
            "/v1/deployments?per_page=-1",
            "/v1/deployments?per_page=1&next_token=12.6e1e3a3c-0000-4000-8000-000000000000",
            "/v1/deployments?next_token=garbage",
            "/v1/deployments?per_page=1&reverse=true",
            "/v1/deployments?namespace=*&per_page=1",
            "/v1/deployments?prefix=6e1e&per_page=1&next_token=6e1e3a3c",
            "/v1/deployments?filter=Status%20%3D%3D%20%22running%22&per_page=1",
            // A regular expression is compiled when the first deployment is read: none is.
            "/v1/deployments?filter=JobID%20matches%20%22(%22",
        ] {
            empty_page(&t, path).await;
        }
    }
}

/// `parsePagination`: `per_page` must parse as an `int32` (`strconv.ParseInt(s, 10, 32)`),
/// else 400 with its text; a filter that does not parse is `NewPaginator`'s 400
/// (`failed to create result paginator: failed to read filter expression: ...`).
#[tokio::test]
async fn bad_page_size_and_filter() {
    let t = TestAgent::start().await;
    for per_page in ["two", "1.5", "2147483648"] {
        let r = t.get(&format!("/v1/deployments?per_page={per_page}")).await;
        assert_eq!(
            (r.status, r.text().as_str()),
            (400, "Expect a number for `per_page` query string parameter"),
            "{per_page}"
        );
    }
    empty_page(&t, "/v1/deployments?per_page=2147483647").await;
    let r = t.get("/v1/deployments?filter=Status%20%3D%3D&per_page=1").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().starts_with("failed to create result paginator: failed to read filter expression: 1:"),
        "{}",
        r.text()
    );
    let listed: Value = t.get("/v1/deployments?per_page=1").await.json();
    assert_eq!(listed, Value::Array(Vec::new()));
}
