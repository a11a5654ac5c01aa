//! Resource usage of running tasks and of the host.

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
    let usage = h.client.alloc_stats("t1").unwrap();
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

    h.client.stop("t1").await.unwrap();
    h.wait_status("t1", client_status::COMPLETE).await;
    assert!(h.client.alloc_stats("t1").unwrap().tasks.is_empty());
    assert!(h.client.alloc_stats("nope").unwrap_err().is_not_found());
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
        assert!((0.0..=100.0).contains(&c.idle) && (0.0..=100.0).contains(&c.total), "{c:?}");
    }
    let memory = stats.memory.unwrap();
    assert!(memory.total > 0 && memory.available > 0 && memory.used > 0);
    assert_eq!(stats.disk_stats.len(), 1);
    assert!(stats.disk_stats[0].size > 0 && !stats.disk_stats[0].mountpoint.is_empty());
    let alloc_dir = stats.alloc_dir_stats.unwrap();
    assert_eq!(alloc_dir.size, stats.disk_stats[0].size);
    assert!(alloc_dir.mountpoint.is_empty());
    assert!(stats.uptime > 0 && stats.timestamp.0 > 0);
}
