//! Resource usage of running tasks and of the host.
// A test target: a failed unwrap, expect or panic is the failure it reports (clippy.toml
// allows them in #[test] functions; this covers the target's helpers too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use nomad_api::client_status;
use std::time::Duration;

#[tokio::test]
async fn busy_task_has_cpu_and_memory_usage() {
    let mut h = harness();
    let tasks = vec![sh_task("busy", "while :; do :; done"), sh_task("idle", "exec sleep 30")];
    h.client.run(&alloc("t1", "service", tasks, policy(0, "fail"))).unwrap();
    h.wait_for("t1", |u| u.task_states.values().all(|s| s.state == "running")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let usage = h.client.alloc_stats("t1", None, true).unwrap();
    let busy = &usage.tasks["busy"].resource_usage;
    assert!(busy.cpu_stats.percent > 0.0, "{busy:?}");
    assert!(busy.cpu_stats.total_ticks > 0.0);
    assert!(busy.cpu_stats.user_mode + busy.cpu_stats.system_mode > 0.0);
    assert!(busy.memory_stats.rss > 0);
    assert_eq!(busy.cpu_stats.measured, ["System Mode", "User Mode", "Percent"]);
    assert_eq!(busy.memory_stats.measured, ["RSS", "Swap"]);
    let idle = &usage.tasks["idle"].resource_usage;
    assert_eq!(usage.resource_usage.memory_stats.rss, busy.memory_stats.rss + idle.memory_stats.rss);
    assert!(usage.timestamp.0 > 0);
    // Each process of the tree on its own (the executor's `Pids`), summed into the task.
    let pids = usage.tasks["busy"].pids.clone().unwrap_or_default();
    assert!(!pids.is_empty());
    assert_eq!(pids.values().map(|p| p.memory_stats.rss).sum::<u64>(), busy.memory_stats.rss);
    assert!(pids.values().all(|p| p.cpu_stats.total_ticks == 0.0 && p.device_stats.is_none()));
    assert_eq!(usage.resource_usage.device_stats.as_deref(), Some(&[][..]));

    // Once stopped, each task keeps its last sample (`LatestResourceUsage`); the allocation sums
    // them up to Nomad 1.11.1, and from 1.11.2 only running tasks, so none.
    h.client.stop("t1").await.unwrap();
    h.wait_status("t1", client_status::COMPLETE).await;
    let before = h.client.alloc_stats("t1", None, false).unwrap();
    assert_eq!(before.tasks.keys().collect::<Vec<_>>(), ["busy", "idle"]);
    assert_eq!(
        before.resource_usage.memory_stats.rss,
        before.tasks.values().map(|t| t.resource_usage.memory_stats.rss).sum::<u64>()
    );
    let after = h.client.alloc_stats("t1", None, true).unwrap();
    assert_eq!(after.tasks, before.tasks);
    assert_eq!((after.resource_usage.memory_stats.rss, after.timestamp.0), (0, 0));
    assert!(h.client.alloc_stats("nope", None, true).unwrap_err().is_not_found());
}

#[tokio::test]
async fn host_stats_cover_every_core_memory_and_disk() {
    let h = harness();
    let cores = std::fs::read_to_string("/proc/stat")
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = h.client.host_stats();
    assert_eq!(stats.cpu.len(), cores);
    assert_eq!(stats.cpu[0].cpu, "cpu0");
    for c in &stats.cpu {
        assert!((0.0..=100.0).contains(&c.idle) && (0.0..=100.0).contains(&c.percent()), "{c:?}");
        // Sampled in the newest shape; the agent writes an older release's.
        assert!(c.total.is_none() && c.total_ticks.is_some(), "{c:?}");
    }
    let ticks: f64 = stats.cpu.iter().filter_map(|c| c.total_ticks).sum();
    assert!((ticks - stats.cpu_ticks_consumed).abs() < 1e-6);
    let memory = stats.memory.unwrap();
    assert!(memory.total > 0 && memory.available > 0 && memory.used > 0);
    // Every readable physical partition, each named by its device and mount point.
    assert!(
        stats.disk_stats.iter().all(|d| d.size > 0 && !d.device.is_empty() && d.mountpoint.starts_with('/')),
        "{:?}",
        stats.disk_stats
    );
    let alloc_dir = stats.alloc_dir_stats.unwrap();
    assert!(alloc_dir.size > 0 && alloc_dir.mountpoint.is_empty() && alloc_dir.device.is_empty());
    assert_eq!(stats.device_stats, None);
    assert!(stats.uptime > 0 && stats.timestamp.0 > 0);
}
