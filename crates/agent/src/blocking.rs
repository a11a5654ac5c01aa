//! Blocking queries (`blockingRPC` of Nomad's server): with an `index`, a read waits until
//! the index of the data it reads passes that one, or until its `wait` runs out.

use crate::http::request::QueryOptions;
use crate::state::{Cluster, Store};
use std::time::Duration;
use tokio::time::{sleep_until, Instant};

/// `maxQueryTime` and `defaultQueryTime` of Nomad's RPC layer.
pub const MAX_QUERY_TIME: Duration = nomad_api::query::MAX_WAIT;
pub const DEFAULT_QUERY_TIME: Duration = nomad_api::query::DEFAULT_WAIT;
/// `structs.JitterFraction`: up to wait/16 is added to spread wake-ups.
const JITTER_FRACTION: u32 = 16;

/// The time a query with these options may block: capped, defaulted, jittered.
pub fn time_to_block(opts: &QueryOptions) -> Duration {
    let wait = if opts.max_wait > MAX_QUERY_TIME {
        MAX_QUERY_TIME
    } else if opts.max_wait.is_zero() {
        DEFAULT_QUERY_TIME
    } else {
        opts.max_wait
    };
    let jitter = wait / JITTER_FRACTION;
    // Nanoseconds: a wait is at most minutes, well inside u64.
    wait + Duration::from_nanos(fastrand::u64(0..=jitter.as_nanos() as u64))
}

/// Returns once `index_of` the store passes `opts.min_index`, or when the wait is over;
/// at once when there is no index. The caller then answers from the store as it is.
pub async fn wait_past_index(cluster: &Cluster, opts: &QueryOptions, index_of: impl Fn(&Store) -> u64) {
    if opts.min_index == 0 {
        return;
    }
    let deadline = Instant::now() + time_to_block(opts);
    let mut changes = cluster.subscribe();
    loop {
        changes.borrow_and_update();
        if index_of(&cluster.read()) > opts.min_index {
            return;
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = sleep_until(deadline) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(wait: Duration) -> QueryOptions {
        QueryOptions {
            region: "global".into(),
            namespace: "default".into(),
            prefix: String::new(),
            stale: false,
            min_index: 1,
            max_wait: wait,
        }
    }

    #[test]
    fn caps_defaults_and_jitters_the_wait() {
        for (asked, base) in [
            (Duration::ZERO, DEFAULT_QUERY_TIME),
            (Duration::from_secs(3600), MAX_QUERY_TIME),
            (Duration::from_secs(10), Duration::from_secs(10)),
        ] {
            let t = time_to_block(&opts(asked));
            assert!(t >= base && t <= base + base / 16, "{asked:?} -> {t:?}");
        }
    }

    #[tokio::test]
    async fn wakes_on_a_write_past_the_index() {
        let cluster = std::sync::Arc::new(Cluster::default());
        let waiter = {
            let cluster = cluster.clone();
            tokio::spawn(async move {
                wait_past_index(&cluster, &opts(Duration::from_secs(60)), |s| s.index()).await;
                cluster.read().index()
            })
        };
        tokio::task::yield_now().await;
        cluster.write(|txn| txn.upsert_namespace(nomad_api::Namespace { name: "a".into(), ..Default::default() }));
        cluster.write(|txn| txn.upsert_namespace(nomad_api::Namespace { name: "b".into(), ..Default::default() }));
        assert!(waiter.await.unwrap() >= 2);
    }
}
