//! go-bexpr's `is nil` / `is not nil` in a list's `filter`, by release: parsed from Nomad
//! 1.11.3 (go-bexpr v0.1.16, `go.mod` at v1.11.3; `grammar/grammar.peg`, `evaluate.go`
//! `doMatchIsNil`), the paginator's `400 failed to create result paginator: failed to read
//! filter expression: ...` before (v0.1.15 at 1.11.2, `nomad/state/paginator/paginator.go`).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use nomad_api::{NodeListStub, NomadVersion};

#[tokio::test]
async fn is_nil_filters_from_1_11_3_only() {
    let t = TestAgent::start().await;
    // A node's `Drivers` is a map (never nil), `Missing` no field at all (nil).
    let nil: Vec<NodeListStub> = t.get("/v1/nodes?filter=Missing%20is%20nil").await.json();
    assert_eq!(nil.len(), 1);
    let not_nil: Vec<NodeListStub> = t.get("/v1/nodes?filter=Missing%20is%20not%20nil").await.json();
    assert!(not_nil.is_empty());
    // A string has no nil: the evaluation's error, as the paginator reports it.
    let bad = t.get("/v1/nodes?filter=Name%20is%20nil").await;
    assert_eq!(
        (bad.status, bad.text().as_str()),
        (400, r#"failed to read result page: cannot perform is-nil operations on type string for selector: "Name""#)
    );

    let old = TestAgent::start_with(|c| c.nomad_version = NomadVersion::new(1, 11, 2)).await;
    let r = old.get("/v1/nodes?filter=Missing%20is%20nil").await;
    assert_eq!(r.status, 400);
    assert!(
        r.text().starts_with("failed to create result paginator: failed to read filter expression: "),
        "{}",
        r.text()
    );
    let empty: Vec<NodeListStub> = old.get("/v1/nodes?filter=Missing%20is%20empty").await.json();
    assert_eq!(empty.len(), 1);
}
