//! Scale mode's churn rate: `--churn N` must make N allocation changes a second, so the
//! allocations it picks from are those it changes (a complete allocation it leaves alone).
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use caravan_agent::synthetic;
use common::TestAgent;
use nomad_api::client_status;
use std::collections::BTreeSet;

#[tokio::test]
async fn churn_picks_only_allocations_it_changes() {
    let t = TestAgent::start_with(|c| {
        c.synthetic_allocs = 2_000;
        c.synthetic_jobs = 200;
        c.synthetic_nodes = 20;
    })
    .await;
    let state = t.agent.state();
    let picked: BTreeSet<String> = synthetic::alloc_ids(state).into_iter().collect();
    let store = state.cluster.read();
    let (complete, changeable): (Vec<_>, Vec<_>) =
        store.allocs().partition(|a| a.client_status == client_status::COMPLETE);
    // The seeded population has finished batch work (else this test proves nothing).
    assert!(!complete.is_empty(), "no complete allocation among {}", store.allocs().count());
    assert_eq!(changeable.len() + complete.len(), 2_000);
    let expected: BTreeSet<String> = changeable.iter().map(|a| a.id.clone()).collect();
    assert_eq!(picked, expected);
}
