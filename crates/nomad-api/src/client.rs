//! Client resource usage: `/v1/client/stats` and `/v1/client/allocation/:id/stats`.

use crate::serde_util::nullable;
use crate::time::NanoTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `/v1/client/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostStats {
    pub memory: Option<HostMemoryStats>,
    #[serde(rename = "CPU", deserialize_with = "nullable")]
    pub cpu: Vec<HostCpuStats>,
    #[serde(deserialize_with = "nullable")]
    pub disk_stats: Vec<HostDiskStats>,
    pub alloc_dir_stats: Option<HostDiskStats>,
    #[serde(deserialize_with = "nullable")]
    pub device_stats: Vec<serde_json::Value>,
    /// Seconds since boot.
    pub uptime: u64,
    pub timestamp: NanoTime,
    #[serde(rename = "CPUTicksConsumed")]
    pub cpu_ticks_consumed: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostMemoryStats {
    pub total: u64,
    pub available: u64,
    pub used: u64,
    pub free: u64,
}

/// Percentages of one core over the last collection interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostCpuStats {
    #[serde(rename = "CPU")]
    pub cpu: String,
    pub user: f64,
    pub system: f64,
    pub idle: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostDiskStats {
    pub device: String,
    pub mountpoint: String,
    pub size: u64,
    pub used: u64,
    pub available: u64,
    pub used_percent: f64,
    pub inodes_used_percent: f64,
}

/// `/v1/client/allocation/:id/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocResourceUsage {
    #[serde(deserialize_with = "nullable")]
    pub resource_usage: ResourceUsage,
    #[serde(deserialize_with = "nullable")]
    pub tasks: BTreeMap<String, TaskResourceUsage>,
    pub timestamp: NanoTime,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskResourceUsage {
    #[serde(deserialize_with = "nullable")]
    pub resource_usage: ResourceUsage,
    pub timestamp: NanoTime,
    /// Per-process usage, keyed by pid; `null` for most drivers.
    pub pids: Option<BTreeMap<String, ResourceUsage>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceUsage {
    #[serde(deserialize_with = "nullable")]
    pub memory_stats: MemoryStats,
    #[serde(deserialize_with = "nullable")]
    pub cpu_stats: CpuStats,
}

/// Bytes. `Measured` names the fields the driver actually fills in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MemoryStats {
    #[serde(rename = "RSS")]
    pub rss: u64,
    pub cache: u64,
    pub swap: u64,
    pub mapped_file: u64,
    pub usage: u64,
    pub max_usage: u64,
    pub kernel_usage: u64,
    pub kernel_max_usage: u64,
    #[serde(deserialize_with = "nullable")]
    pub measured: Vec<String>,
}

/// `Percent` is of one core; `TotalTicks` is in MHz-equivalents, as Nomad reports CPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CpuStats {
    pub system_mode: f64,
    pub user_mode: f64,
    pub total_ticks: f64,
    pub throttled_periods: u64,
    pub throttled_time: u64,
    pub percent: f64,
    #[serde(deserialize_with = "nullable")]
    pub measured: Vec<String>,
}
