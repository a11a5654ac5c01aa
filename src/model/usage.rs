//! Resource usage over time, fed by stats polls: what the live charts draw.

use crate::model::series::Series;
use nomad_api::{AllocResourceUsage, HostCpuStats, HostStats, ResourceUsage};
use std::collections::BTreeMap;

/// Five minutes of samples.
pub const WINDOW_MS: f64 = 300_000.0;

/// CPU (MHz, as Nomad counts it) and memory (bytes) of an allocation or a task.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSeries {
    pub cpu: Series,
    /// The memory in use as Nomad reports it: RSS, or `Usage` where RSS is not measured.
    pub used: Series,
    pub cache: Series,
    pub swap: Series,
}

impl Default for UsageSeries {
    fn default() -> Self {
        UsageSeries {
            cpu: Series::new(WINDOW_MS),
            used: Series::new(WINDOW_MS),
            cache: Series::new(WINDOW_MS),
            swap: Series::new(WINDOW_MS),
        }
    }
}

impl UsageSeries {
    /// `None`: the poll failed, a gap in every line.
    pub fn record(&mut self, t: f64, u: Option<&ResourceUsage>) {
        self.cpu.push(t, u.map(|u| u.cpu_stats.total_ticks));
        self.used.push(t, u.map(|u| u.memory_stats.used() as f64));
        self.cache.push(t, u.map(|u| u.memory_stats.cache as f64));
        self.swap.push(t, u.map(|u| u.memory_stats.swap as f64));
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AllocUsage {
    pub alloc: UsageSeries,
    pub tasks: BTreeMap<String, UsageSeries>,
    /// Time of the newest sample.
    pub now: f64,
}

impl AllocUsage {
    pub fn record(&mut self, t: f64, sample: Option<&AllocResourceUsage>) {
        self.now = t;
        self.alloc.record(t, sample.map(|s| &s.resource_usage));
        if let Some(s) = sample {
            for name in s.tasks.keys() {
                self.tasks.entry(name.clone()).or_default();
            }
        }
        for (name, series) in &mut self.tasks {
            series.record(t, sample.and_then(|s| s.tasks.get(name)).map(|t| &t.resource_usage));
        }
    }
}

/// A node's CPU (percent of all cores) and memory (bytes used) over time.
#[derive(Debug, Clone, PartialEq)]
pub struct HostUsage {
    pub cpu: Series,
    pub memory: Series,
    pub now: f64,
}

impl Default for HostUsage {
    fn default() -> Self {
        HostUsage { cpu: Series::new(WINDOW_MS), memory: Series::new(WINDOW_MS), now: 0.0 }
    }
}

impl HostUsage {
    pub fn record(&mut self, t: f64, sample: Option<&HostStats>) {
        self.now = t;
        let cpu = sample
            .filter(|s| !s.cpu.is_empty())
            .map(|s| s.cpu.iter().map(HostCpuStats::percent).sum::<f64>() / s.cpu.len() as f64);
        self.cpu.push(t, cpu);
        self.memory.push(t, sample.and_then(|s| s.memory.as_ref()).map(|m| m.used as f64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::{MemoryStats, TaskResourceUsage};

    fn usage(ticks: f64, rss: u64) -> ResourceUsage {
        let mut u = ResourceUsage::default();
        u.cpu_stats.total_ticks = ticks;
        u.memory_stats.rss = rss;
        u.memory_stats.measured = vec!["RSS".into(), "Swap".into()];
        u
    }

    #[test]
    fn records_samples_and_gaps_per_task() {
        let mut a = AllocUsage::default();
        let mut s = AllocResourceUsage { resource_usage: usage(100.0, 1 << 20), ..Default::default() };
        s.tasks.insert("web".into(), TaskResourceUsage { resource_usage: usage(60.0, 1 << 19), ..Default::default() });
        a.record(1_000.0, Some(&s));
        a.record(3_000.0, None);
        s.tasks
            .insert("sidecar".into(), TaskResourceUsage { resource_usage: usage(40.0, 1 << 18), ..Default::default() });
        a.record(5_000.0, Some(&s));
        assert_eq!((a.alloc.cpu.samples(), a.alloc.cpu.gaps(), a.now), (2, 1, 5_000.0));
        assert_eq!(a.tasks["web"].used.last(), Some((1 << 19) as f64));
        assert_eq!(a.tasks["sidecar"].cpu.samples(), 1);
    }

    #[test]
    fn memory_in_use_is_usage_where_the_driver_measures_no_rss() {
        // docker on cgroups v2 before Nomad 1.10.1 (`drivers/docker/util/stats_posix.go`).
        let u = ResourceUsage {
            memory_stats: MemoryStats {
                usage: 5 << 20,
                cache: 1 << 20,
                measured: vec!["Cache".into(), "Swap".into(), "Usage".into()],
                ..MemoryStats::default()
            },
            ..Default::default()
        };
        let mut series = UsageSeries::default();
        series.record(1.0, Some(&u));
        assert_eq!((series.used.last(), series.cache.last()), (Some((5 << 20) as f64), Some((1 << 20) as f64)));
    }

    /// A core's busy share is `Total` up to Nomad 1.5 and `TotalPercent` from 1.6
    /// (`client/stats/host.go`, `client/hoststats/host.go`).
    #[test]
    fn host_cpu_is_the_mean_over_cores_whichever_field_carries_it() {
        let old = |v: f64| HostCpuStats { total: Some(v), ..Default::default() };
        let new = |v: f64| HostCpuStats { total_percent: Some(v), total_ticks: Some(v * 25.0), ..Default::default() };
        for cpu in [vec![old(20.0), old(40.0)], vec![new(20.0), new(40.0)]] {
            let mut h = HostUsage::default();
            h.record(1.0, Some(&HostStats { cpu, ..Default::default() }));
            h.record(2.0, None);
            assert_eq!((h.cpu.max(), h.cpu.gaps(), h.memory.samples()), (30.0, 1, 0));
        }
    }
}
