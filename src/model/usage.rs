//! Resource usage over time, fed by stats polls: what the live charts draw.

use crate::model::series::Series;
use nomad_api::{AllocResourceUsage, HostStats, ResourceUsage};
use std::collections::BTreeMap;

/// Five minutes of samples.
pub const WINDOW_MS: f64 = 300_000.0;

/// CPU (MHz, as Nomad counts it) and memory (bytes) of an allocation or a task.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageSeries {
    pub cpu: Series,
    pub rss: Series,
    pub cache: Series,
    pub swap: Series,
}

impl Default for UsageSeries {
    fn default() -> Self {
        UsageSeries { cpu: Series::new(WINDOW_MS), rss: Series::new(WINDOW_MS), cache: Series::new(WINDOW_MS), swap: Series::new(WINDOW_MS) }
    }
}

impl UsageSeries {
    /// `None`: the poll failed, a gap in every line.
    pub fn record(&mut self, t: f64, u: Option<&ResourceUsage>) {
        self.cpu.push(t, u.map(|u| u.cpu_stats.total_ticks));
        self.rss.push(t, u.map(|u| u.memory_stats.rss as f64));
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
        let cpu = sample.filter(|s| !s.cpu.is_empty()).map(|s| s.cpu.iter().map(|c| c.total).sum::<f64>() / s.cpu.len() as f64);
        self.cpu.push(t, cpu);
        self.memory.push(t, sample.and_then(|s| s.memory.as_ref()).map(|m| m.used as f64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nomad_api::{HostCpuStats, TaskResourceUsage};

    fn usage(ticks: f64, rss: u64) -> ResourceUsage {
        let mut u = ResourceUsage::default();
        u.cpu_stats.total_ticks = ticks;
        u.memory_stats.rss = rss;
        u
    }

    #[test]
    fn records_samples_and_gaps_per_task() {
        let mut a = AllocUsage::default();
        let mut s = AllocResourceUsage { resource_usage: usage(100.0, 1 << 20), ..Default::default() };
        s.tasks.insert("web".into(), TaskResourceUsage { resource_usage: usage(60.0, 1 << 19), ..Default::default() });
        a.record(1_000.0, Some(&s));
        a.record(3_000.0, None);
        s.tasks.insert("sidecar".into(), TaskResourceUsage { resource_usage: usage(40.0, 1 << 18), ..Default::default() });
        a.record(5_000.0, Some(&s));
        assert_eq!((a.alloc.cpu.samples(), a.alloc.cpu.gaps(), a.now), (2, 1, 5_000.0));
        assert_eq!(a.tasks["web"].rss.last(), Some((1 << 19) as f64));
        assert_eq!(a.tasks["sidecar"].cpu.samples(), 1);
    }

    #[test]
    fn host_cpu_is_the_mean_over_cores() {
        let mut h = HostUsage::default();
        let s = HostStats {
            cpu: vec![HostCpuStats { total: 20.0, ..Default::default() }, HostCpuStats { total: 40.0, ..Default::default() }],
            ..Default::default()
        };
        h.record(1.0, Some(&s));
        h.record(2.0, None);
        assert_eq!((h.cpu.max(), h.cpu.gaps(), h.memory.samples()), (30.0, 1, 0));
    }
}
