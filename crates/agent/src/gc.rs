//! Garbage collection on a timer, as a Nomad agent runs it: the server's core scheduler
//! (`state/gc.rs`) every `job_gc_interval`, and the client's allocation GC (`client/gc.go`)
//! every `gc_interval` and whenever the state changes (Nomad triggers it as allocations
//! finish and arrive), removing the directories of finished allocations beyond
//! `gc_max_allocs`. Without them the state and the data directory grow with every job run.
//!
//! The thresholds and intervals are Nomad's defaults (nomad/config.go `DefaultConfig`,
//! client/config/config.go `DefaultConfig`, v1.11.3); hidden flags shorten them for tests.

use crate::state::gc::{self, Thresholds};
use crate::AppState;
use clap::Args;
use std::time::Duration;
use tokio::sync::watch;

fn go_duration(text: &str) -> Result<Duration, String> {
    nomad_api::duration::parse_go_duration(text)
}

/// The GC settings of Nomad's `server` and `client` blocks this agent follows.
#[derive(Debug, Clone, Args)]
pub struct GcArgs {
    /// `server.eval_gc_threshold`: how old a terminal evaluation must be to be collected.
    #[arg(long, hide = true, default_value = "1h", value_parser = go_duration)]
    pub eval_gc_threshold: Duration,
    /// `server.batch_eval_gc_threshold`: the same for evaluations of batch jobs.
    #[arg(long, hide = true, default_value = "24h", value_parser = go_duration)]
    pub batch_eval_gc_threshold: Duration,
    /// `server.job_gc_threshold`: how old a dead job must be to be purged.
    #[arg(long, hide = true, default_value = "4h", value_parser = go_duration)]
    pub job_gc_threshold: Duration,
    /// `server.job_gc_interval`: how often the server collects (jobs and evaluations; Nomad's
    /// `EvalGCInterval` has the same default and no flag).
    #[arg(long, hide = true, default_value = "5m", value_parser = go_duration)]
    pub job_gc_interval: Duration,
    /// `client.gc_interval`: how often the client collects finished allocations.
    #[arg(long, hide = true, default_value = "1m", value_parser = go_duration)]
    pub gc_interval: Duration,
    /// `client.gc_max_allocs`: the allocations the client holds before it collects finished
    /// ones, oldest first.
    #[arg(long, hide = true, default_value_t = 50)]
    pub gc_max_allocs: usize,
}

impl Default for GcArgs {
    fn default() -> Self {
        let server = Thresholds::default();
        GcArgs {
            eval_gc_threshold: server.eval,
            batch_eval_gc_threshold: server.batch_eval,
            job_gc_threshold: server.job,
            job_gc_interval: Duration::from_secs(5 * 60),
            gc_interval: Duration::from_secs(60),
            gc_max_allocs: 50,
        }
    }
}

impl GcArgs {
    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            eval: self.eval_gc_threshold,
            batch_eval: self.batch_eval_gc_threshold,
            job: self.job_gc_threshold,
        }
    }
}

/// `PUT /v1/system/gc` (`forceGC`) and the timer: one collection, one write.
pub fn collect(state: &AppState, thresholds: &Thresholds) -> gc::Reaped {
    let reaped = state.cluster.write(|txn| gc::collect(txn, thresholds));
    if reaped != gc::Reaped::default() {
        tracing::debug!(?reaped, "garbage collected");
    }
    reaped
}

/// The server's periodic GC, until the agent stops.
pub async fn run_server_gc(state: AppState, settings: GcArgs, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(settings.job_gc_interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        collect(&state, &settings.thresholds());
    }
}

/// The client's allocation GC, until the agent stops: on its interval and after each change.
pub async fn run_client_gc(state: AppState, settings: GcArgs, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(settings.gc_interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut changes = state.cluster.subscribe();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = changes.changed() => if changed.is_err() { return },
            _ = stopped.wait_for(|s| *s) => return,
        }
        match state.client.collect_beyond(settings.gc_max_allocs).await {
            Ok(collected) => {
                for id in collected {
                    tracing::info!(alloc = %id, reason = "number of allocations is over the limit", "garbage collected allocation");
                }
            }
            Err(e) => tracing::warn!(error = %e, "error garbage collecting allocations"),
        }
    }
}
