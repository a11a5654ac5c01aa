//! A filter expression that fails while the list is read, on a blocking query: Nomad runs the
//! query once before it blocks (`blockingRPC` in `nomad/rpc.go`, v1.4.0 to v1.11.3), so the
//! paginator's error (`failed to read result page: ...`, `nomad/alloc_endpoint.go` and
//! `nomad/job_endpoint.go` `List`) is answered at once, not when the wait is over. The
//! dashboard's expression box relies on that answer to show Nomad's error.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::TestAgent;
use std::time::{Duration, Instant};

/// `matches "("`: parsed fine, but go's regexp refuses it when the first object is read.
const BAD_REGEXP: &str = "%20matches%20%22(%22";

#[tokio::test]
async fn a_failing_filter_answers_at_once_on_a_blocking_query() {
    let t = TestAgent::start().await;
    t.run_job("web", "default", "service", 1, &[("s", "sleep 60")]);
    for (path, field) in [("/v1/allocations", "JobID"), ("/v1/jobs", "ID")] {
        let index = t.get(path).await.index();
        assert!(index > 0, "{path}");
        let started = Instant::now();
        let r = t.get(&format!("{path}?filter={field}{BAD_REGEXP}&index={index}&wait=20s")).await;
        assert!(started.elapsed() < Duration::from_secs(5), "{path} blocked for {:?}", started.elapsed());
        assert_eq!(r.status, 400, "{path}");
        assert!(
            r.text().starts_with(
                "failed to read result page: failed to compile regular expression \"(\": error parsing regexp: "
            ),
            "{path}: {}",
            r.text()
        );
        // A filter that reads fine still blocks until the index passes (or the wait ends); the
        // task starting may move the index first, so the latest one is waited on again.
        let good = format!("{path}?filter={field}%20%3D%3D%20%22web%22");
        let mut blocked = false;
        for _ in 0..20 {
            let index = t.get(&good).await.index();
            let started = Instant::now();
            let r = t.get(&format!("{good}&index={index}&wait=1s")).await;
            assert_eq!(r.status, 200, "{path}");
            if r.index() == index {
                assert!(
                    started.elapsed() >= Duration::from_millis(900),
                    "{path} answered after {:?}",
                    started.elapsed()
                );
                blocked = true;
                break;
            }
        }
        assert!(blocked, "{path} never blocked");
    }
}
