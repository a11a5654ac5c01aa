//! Client resource usage: `/v1/client/stats` and `/v1/client/allocation/:id/stats`.
//!
//! These are client structs (`client/stats/host.go` up to 1.6, `client/hoststats/host.go`
//! from 1.7, `client/structs/structs.go`), without codec tags: Nomad writes every field under
//! its Go name, a nil slice or map as `null`, a float with a `.0` when it is whole. Which
//! fields arrive depends on the release; the rules for reading them live here, so that the
//! dashboard reads whichever shape arrives and the agent writes the one its release writes.

use crate::serde_util::nullable;
use crate::time::NanoTime;
use crate::version::NomadVersion;
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;

/// `/v1/client/stats` (`HostStats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostStats {
    /// Always present: Nomad writes zeros when it cannot read the memory.
    pub memory: Option<HostMemoryStats>,
    /// One entry per core, busy share over the last collection interval.
    #[serde(rename = "CPU", deserialize_with = "nullable")]
    pub cpu: Vec<HostCpuStats>,
    /// Every physical partition Nomad could read (`disk.Partitions(false)`).
    #[serde(deserialize_with = "nullable")]
    pub disk_stats: Vec<HostDiskStats>,
    /// The filesystem of the allocation directory, without `Device` and `Mountpoint`.
    pub alloc_dir_stats: Option<HostDiskStats>,
    /// `null` on a client without device plugins (the device manager's nil slice).
    pub device_stats: Option<Vec<serde_json::Value>>,
    /// Seconds since boot.
    pub uptime: u64,
    /// When the sample was taken, Unix nanoseconds.
    pub timestamp: NanoTime,
    /// MHz in use over all cores, the unit Nomad schedules CPU in.
    #[serde(rename = "CPUTicksConsumed")]
    pub cpu_ticks_consumed: f64,
}

impl HostStats {
    /// The shape `version` writes: a core's busy share is `Total` before 1.6.0 and
    /// `TotalPercent` with `TotalTicks` from 1.6.0 ([`NomadVersion::host_cpu_total_percent`]).
    pub fn as_release(mut self, version: NomadVersion) -> Self {
        for core in &mut self.cpu {
            let percent = core.percent();
            if version.host_cpu_total_percent() {
                core.total = None;
                core.total_percent = Some(percent);
                core.total_ticks.get_or_insert(0.0);
            } else {
                core.total = Some(percent);
                core.total_percent = None;
                core.total_ticks = None;
            }
        }
        self
    }
}

/// The host's memory (`MemoryStats`), bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostMemoryStats {
    /// Total physical memory, bytes.
    pub total: u64,
    /// Memory available to new processes without swapping, bytes.
    pub available: u64,
    /// Memory in use, bytes.
    pub used: u64,
    /// Memory entirely unused, bytes.
    pub free: u64,
}

/// One core over the last collection interval (`CPUStats`). Up to 1.5 its busy share is
/// `Total`; from 1.6.0 it is `TotalPercent`, beside `TotalTicks` (that share in MHz). Read it
/// with [`HostCpuStats::percent`], whatever the release.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostCpuStats {
    /// The core's name, e.g. `cpu0`.
    #[serde(rename = "CPU")]
    pub cpu: String,
    /// Percent of the core spent in user mode.
    pub user: f64,
    /// Percent of the core spent in kernel mode.
    pub system: f64,
    /// Percent of the core idle.
    pub idle: f64,
    /// Up to 1.5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// From 1.6.0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_percent: Option<f64>,
    /// From 1.6.0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_ticks: Option<f64>,
}

impl HostCpuStats {
    /// Percent of the core busy: `TotalPercent` (1.6.0 and later) or `Total` (before).
    pub fn percent(&self) -> f64 {
        self.total_percent.or(self.total).unwrap_or(0.0)
    }
}

/// One filesystem's usage (`DiskStats`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostDiskStats {
    /// Device of the filesystem, e.g. `/dev/sda1`; empty for the allocation directory's.
    pub device: String,
    /// Where it is mounted; empty for the allocation directory's.
    pub mountpoint: String,
    /// Size of the filesystem, bytes.
    pub size: u64,
    /// Space used, bytes.
    pub used: u64,
    /// Space available, bytes.
    pub available: u64,
    /// Percent of the space used.
    pub used_percent: f64,
    /// Percent of the inodes used.
    pub inodes_used_percent: f64,
}

/// `/v1/client/allocation/:id/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocResourceUsage {
    /// The tasks' usage summed (`ResourceUsage.Add`); from 1.11.2 only running tasks count.
    #[serde(deserialize_with = "nullable")]
    pub resource_usage: ResourceUsage,
    /// Every task that has reported usage, a finished one with its last sample.
    #[serde(deserialize_with = "nullable")]
    pub tasks: BTreeMap<String, TaskResourceUsage>,
    /// The newest of the summed tasks' timestamps; 0 when none counts.
    pub timestamp: NanoTime,
}

impl AllocResourceUsage {
    /// What `LatestAllocStats` starts from: zeros, with `DeviceStats` an empty list (not nil).
    pub fn empty() -> Self {
        AllocResourceUsage {
            resource_usage: ResourceUsage { device_stats: Some(Vec::new()), ..ResourceUsage::default() },
            ..AllocResourceUsage::default()
        }
    }

    /// Adds a task's usage to the allocation's sum (`ResourceUsage.Add`, and the newest
    /// timestamp).
    pub fn add(&mut self, task: &TaskResourceUsage) {
        self.resource_usage.add(&task.resource_usage);
        self.timestamp = self.timestamp.max(task.timestamp);
    }
}

/// One task's usage (`TaskResourceUsage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskResourceUsage {
    /// The task's usage, all its processes together.
    #[serde(deserialize_with = "nullable")]
    pub resource_usage: ResourceUsage,
    /// When the sample was taken, Unix nanoseconds.
    pub timestamp: NanoTime,
    /// Per-process usage keyed by pid: filled by executor-based drivers (raw_exec, exec),
    /// `null` for drivers that report none (docker).
    pub pids: Option<BTreeMap<String, ResourceUsage>>,
}

/// Memory, CPU and device usage of a task, a process or an allocation (`ResourceUsage`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceUsage {
    /// Memory usage.
    #[serde(deserialize_with = "nullable")]
    pub memory_stats: MemoryStats,
    /// CPU usage.
    #[serde(deserialize_with = "nullable")]
    pub cpu_stats: CpuStats,
    /// `null` for a task or a process without devices; the allocation's sum is a list.
    pub device_stats: Option<Vec<serde_json::Value>>,
}

impl ResourceUsage {
    /// `ResourceUsage.Add`: sums the numbers, joins the `Measured` lists, appends the devices.
    pub fn add(&mut self, other: &ResourceUsage) {
        let (m, o) = (&mut self.memory_stats, &other.memory_stats);
        m.rss += o.rss;
        m.cache += o.cache;
        m.swap += o.swap;
        m.mapped_file += o.mapped_file;
        m.usage += o.usage;
        m.max_usage += o.max_usage;
        m.kernel_usage += o.kernel_usage;
        m.kernel_max_usage += o.kernel_max_usage;
        join_string_set(&mut m.measured, &o.measured);
        let (c, o) = (&mut self.cpu_stats, &other.cpu_stats);
        c.system_mode += o.system_mode;
        c.user_mode += o.user_mode;
        c.total_ticks += o.total_ticks;
        c.throttled_periods += o.throttled_periods;
        c.throttled_time += o.throttled_time;
        c.percent += o.percent;
        join_string_set(&mut c.measured, &o.measured);
        if let Some(devices) = &other.device_stats {
            self.device_stats.get_or_insert_with(Vec::new).extend(devices.iter().cloned());
        }
    }
}

/// `joinStringSet`: `into`, then what `from` adds, each once.
fn join_string_set(into: &mut Vec<String>, from: &[String]) {
    for s in from {
        if !into.contains(s) {
            into.push(s.clone());
        }
    }
}

/// Bytes. `Measured` names the fields the driver actually fills in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MemoryStats {
    /// Resident set size, bytes.
    #[serde(rename = "RSS")]
    pub rss: u64,
    /// Page cache, bytes.
    pub cache: u64,
    /// Swap in use, bytes.
    pub swap: u64,
    /// Never filled by executor-based drivers: the plugin protocol does not carry it.
    pub mapped_file: u64,
    /// Memory usage as the cgroup counts it, bytes.
    pub usage: u64,
    /// Peak of `Usage`, bytes.
    pub max_usage: u64,
    /// Kernel memory usage, bytes (cgroups v1).
    pub kernel_usage: u64,
    /// Peak of `KernelUsage`, bytes (cgroups v1).
    pub kernel_max_usage: u64,
    /// The fields the driver actually sampled (`RSS`, `Cache`, `Swap`, `Usage`...); the others
    /// are 0.
    #[serde(deserialize_with = "nullable", serialize_with = "empty_as_null")]
    pub measured: Vec<String>,
}

impl MemoryStats {
    /// The memory a task uses, as Nomad reports it (`command/alloc_status.go`, and the UI's
    /// `memoryUsed`): `RSS`, or `Usage` where the driver does not measure RSS (docker and
    /// exec on cgroups v2 before 1.10.1 measure only `Cache`, `Swap` and `Usage`).
    pub fn used(&self) -> u64 {
        if self.rss == 0 && !self.measured.iter().any(|m| m == "RSS") {
            self.usage
        } else {
            self.rss
        }
    }
}

/// `Percent` is of one core; `TotalTicks` is that share in MHz, as Nomad counts CPU.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CpuStats {
    /// Percent of a core spent in kernel mode.
    pub system_mode: f64,
    /// Percent of a core spent in user mode.
    pub user_mode: f64,
    /// CPU used, MHz (the unit Nomad schedules CPU in).
    pub total_ticks: f64,
    /// How many cgroup periods the task was throttled in.
    pub throttled_periods: u64,
    /// Total time the task was throttled, nanoseconds.
    pub throttled_time: u64,
    /// CPU used, percent of one core (over 100 when using several).
    pub percent: f64,
    /// The fields the driver actually sampled (`System Mode`, `User Mode`, `Percent`...); the
    /// others are 0.
    #[serde(deserialize_with = "nullable", serialize_with = "empty_as_null")]
    pub measured: Vec<String>,
}

/// `Measured` is nil in Nomad until a driver's list is joined in (an allocation with no
/// task sampled yet writes `null`); drivers always name at least one field, so an empty list
/// here is that nil.
fn empty_as_null<S: Serializer>(list: &[String], s: S) -> Result<S::Ok, S::Error> {
    if list.is_empty() {
        s.serialize_none()
    } else {
        s.collect_seq(list)
    }
}

/// What an executor-based driver (raw_exec, exec without cgroups) measures of a process
/// tree: `ExecutorBasicMeasuredCpuStats` / `ExecutorBasicMeasuredMemStats`
/// (`drivers/shared/executor/executor.go` at 1.4.0, `procstats/procstats.go` at 1.11.3).
pub const EXECUTOR_MEASURED_CPU: [&str; 3] = ["System Mode", "User Mode", "Percent"];
/// The memory fields such an executor measures.
pub const EXECUTOR_MEASURED_MEMORY: [&str; 2] = ["RSS", "Swap"];

/// What the docker driver measures on cgroups v2 (`drivers/docker/util/stats_posix.go`): CPU
/// throttling and percent; memory without RSS before 1.10.1 (hashicorp/nomad#25751).
pub const DOCKER_MEASURED_CPU: [&str; 3] = ["Throttled Periods", "Throttled Time", "Percent"];
/// The memory fields the docker driver measures on cgroups v2 for a client of `version`.
pub fn docker_measured_memory(version: NomadVersion) -> &'static [&'static str] {
    if version.docker_cgroup_v2_measures_rss() {
        &["RSS", "Cache", "Swap", "Usage"]
    } else {
        &["Cache", "Swap", "Usage"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/v1/client/stats` of a 1.5 client: `CPUStats` of `client/stats/host.go` at v1.5.17
    /// (also v1.4.0), with `Total`. No device plugins: `DeviceStats` is `null`.
    const HOST_1_5: &str = r#"{
        "Memory": {"Total": 16777216000, "Available": 8388608000, "Used": 7340032000, "Free": 1048576000},
        "CPU": [
            {"CPU": "cpu0", "User": 12.0, "System": 8.0, "Idle": 79.0, "Total": 21.0},
            {"CPU": "cpu1", "User": 1.0, "System": 0.0, "Idle": 99.0, "Total": 1.0}
        ],
        "DiskStats": [{"Device": "/dev/sda1", "Mountpoint": "/", "Size": 100, "Used": 40, "Available": 60,
                       "UsedPercent": 40.0, "InodesUsedPercent": 1.5}],
        "AllocDirStats": {"Device": "", "Mountpoint": "", "Size": 100, "Used": 40, "Available": 60,
                          "UsedPercent": 40.0, "InodesUsedPercent": 1.5},
        "DeviceStats": null,
        "Uptime": 3600,
        "Timestamp": 1700000000000000000,
        "CPUTicksConsumed": 550.0
    }"#;

    /// The same host on 1.6+: `CPUStats` of `client/stats/host.go` at v1.6.0 and
    /// `client/hoststats/host.go` at v1.11.3, with `TotalPercent` and `TotalTicks`.
    const HOST_1_11: &str = r#"{
        "Memory": {"Total": 16777216000, "Available": 8388608000, "Used": 7340032000, "Free": 1048576000},
        "CPU": [
            {"CPU": "cpu0", "User": 12.0, "System": 8.0, "Idle": 79.0, "TotalPercent": 21.0, "TotalTicks": 525.0},
            {"CPU": "cpu1", "User": 1.0, "System": 0.0, "Idle": 99.0, "TotalPercent": 1.0, "TotalTicks": 25.0}
        ],
        "DiskStats": null,
        "AllocDirStats": {"Device": "", "Mountpoint": "", "Size": 100, "Used": 40, "Available": 60,
                          "UsedPercent": 40.0, "InodesUsedPercent": 1.5},
        "DeviceStats": null,
        "Uptime": 3600,
        "Timestamp": 1700000000000000000,
        "CPUTicksConsumed": 550.0
    }"#;

    #[test]
    fn a_cores_busy_share_reads_from_either_release() {
        let old: HostStats = serde_json::from_str(HOST_1_5).unwrap();
        let new: HostStats = serde_json::from_str(HOST_1_11).unwrap();
        assert_eq!(old.cpu.iter().map(HostCpuStats::percent).collect::<Vec<_>>(), [21.0, 1.0]);
        assert_eq!(new.cpu.iter().map(HostCpuStats::percent).collect::<Vec<_>>(), [21.0, 1.0]);
        assert_eq!((old.cpu[0].total_ticks, new.cpu[0].total_ticks), (None, Some(525.0)));
        assert!(new.disk_stats.is_empty() && new.device_stats.is_none());
        assert_eq!(HostCpuStats::default().percent(), 0.0);
    }

    #[test]
    fn the_agent_writes_each_releases_shape() {
        let sampled: HostStats = serde_json::from_str(HOST_1_11).unwrap();
        let as_1_5 = serde_json::to_value(sampled.clone().as_release(NomadVersion::new(1, 5, 17))).unwrap();
        assert_eq!(
            as_1_5["CPU"][0],
            serde_json::json!({"CPU": "cpu0", "User": 12.0, "System": 8.0, "Idle": 79.0, "Total": 21.0})
        );
        let as_1_6 = serde_json::to_value(sampled.as_release(NomadVersion::new(1, 6, 0))).unwrap();
        assert_eq!(
            as_1_6["CPU"][1],
            serde_json::json!({"CPU": "cpu1", "User": 1.0, "System": 0.0, "Idle": 99.0, "TotalPercent": 1.0, "TotalTicks": 25.0})
        );
        assert_eq!(as_1_6["DeviceStats"], serde_json::Value::Null);
        let old: HostStats = serde_json::from_str(HOST_1_5).unwrap();
        let back = old.as_release(NomadVersion::LATEST);
        assert_eq!((back.cpu[0].total, back.cpu[0].total_percent), (None, Some(21.0)));
    }

    /// A raw_exec task: the executor's basic lists and a `Pids` map (the plugin protocol's
    /// `TaskStatsFromProto` in `plugins/drivers/utils.go` always makes one), `DeviceStats` of the
    /// task `null`, of the allocation `[]` (`LatestAllocStats` in
    /// `client/allocrunner/alloc_runner.go`); the same at v1.4.0 and v1.11.3.
    const RAW_EXEC_ALLOC: &str = r#"{
        "ResourceUsage": {
            "MemoryStats": {"RSS": 4096000, "Cache": 0, "Swap": 0, "MappedFile": 0, "Usage": 0, "MaxUsage": 0,
                            "KernelUsage": 0, "KernelMaxUsage": 0, "Measured": ["RSS", "Swap"]},
            "CpuStats": {"SystemMode": 1.0, "UserMode": 98.0, "TotalTicks": 2475.0, "ThrottledPeriods": 0,
                         "ThrottledTime": 0, "Percent": 99.0, "Measured": ["System Mode", "User Mode", "Percent"]},
            "DeviceStats": []
        },
        "Tasks": {"spin": {
            "ResourceUsage": {
                "MemoryStats": {"RSS": 4096000, "Cache": 0, "Swap": 0, "MappedFile": 0, "Usage": 0, "MaxUsage": 0,
                                "KernelUsage": 0, "KernelMaxUsage": 0, "Measured": ["RSS", "Swap"]},
                "CpuStats": {"SystemMode": 1.0, "UserMode": 98.0, "TotalTicks": 2475.0, "ThrottledPeriods": 0,
                             "ThrottledTime": 0, "Percent": 99.0, "Measured": ["System Mode", "User Mode", "Percent"]},
                "DeviceStats": null
            },
            "Timestamp": 1700000000000000000,
            "Pids": {"4242": {
                "MemoryStats": {"RSS": 4096000, "Cache": 0, "Swap": 0, "MappedFile": 0, "Usage": 0, "MaxUsage": 0,
                                "KernelUsage": 0, "KernelMaxUsage": 0, "Measured": ["RSS", "Swap"]},
                "CpuStats": {"SystemMode": 1.0, "UserMode": 98.0, "TotalTicks": 0.0, "ThrottledPeriods": 0,
                             "ThrottledTime": 0, "Percent": 99.0, "Measured": ["System Mode", "User Mode", "Percent"]},
                "DeviceStats": null
            }}
        }},
        "Timestamp": 1700000000000000000
    }"#;

    /// A docker task on cgroups v2 before 1.10.1 (`drivers/docker/util/stats_posix.go`): no
    /// RSS measured, `Usage` is the memory in use; no `Pids`.
    const DOCKER_CGROUP_V2_TASK: &str = r#"{
        "ResourceUsage": {
            "MemoryStats": {"RSS": 0, "Cache": 1048576, "Swap": 0, "MappedFile": 0, "Usage": 52428800, "MaxUsage": 0,
                            "KernelUsage": 0, "KernelMaxUsage": 0, "Measured": ["Cache", "Swap", "Usage"]},
            "CpuStats": {"SystemMode": 0.0, "UserMode": 0.0, "TotalTicks": 12.5, "ThrottledPeriods": 3,
                         "ThrottledTime": 1500, "Percent": 0.5, "Measured": ["Throttled Periods", "Throttled Time", "Percent"]},
            "DeviceStats": null
        },
        "Timestamp": 1700000000000000000,
        "Pids": null
    }"#;

    #[test]
    fn allocation_usage_round_trips_as_nomad_writes_it() {
        let usage: AllocResourceUsage = serde_json::from_str(RAW_EXEC_ALLOC).unwrap();
        let spin = &usage.tasks["spin"];
        assert_eq!(spin.pids.as_ref().map(|p| p.len()), Some(1));
        assert_eq!(
            (usage.resource_usage.device_stats.as_deref(), spin.resource_usage.device_stats.as_deref()),
            (Some(&[][..]), None)
        );
        let written = serde_json::to_value(&usage).unwrap();
        let expected: serde_json::Value = serde_json::from_str(RAW_EXEC_ALLOC).unwrap();
        assert_eq!(written, expected);
    }

    #[test]
    fn memory_in_use_is_rss_unless_the_driver_does_not_measure_it() {
        let docker: TaskResourceUsage = serde_json::from_str(DOCKER_CGROUP_V2_TASK).unwrap();
        assert_eq!(docker.resource_usage.memory_stats.used(), 52428800);
        assert_eq!(docker.pids, None);
        let usage: AllocResourceUsage = serde_json::from_str(RAW_EXEC_ALLOC).unwrap();
        assert_eq!(usage.tasks["spin"].resource_usage.memory_stats.used(), 4096000);
        // Measured and zero is zero, not Usage.
        let idle = MemoryStats { usage: 7, measured: vec!["RSS".into()], ..MemoryStats::default() };
        assert_eq!(idle.used(), 0);
    }

    #[test]
    fn an_allocation_sums_its_tasks_as_nomad_adds_them() {
        let mut alloc = AllocResourceUsage::empty();
        let nothing = serde_json::to_value(&alloc).unwrap();
        // `LatestAllocStats` before any task reported: nil `Measured`, empty `DeviceStats`.
        assert_eq!(nothing["ResourceUsage"]["MemoryStats"]["Measured"], serde_json::Value::Null);
        assert_eq!(nothing["ResourceUsage"]["DeviceStats"], serde_json::json!([]));
        assert_eq!(nothing["Tasks"], serde_json::json!({}));
        let docker: TaskResourceUsage = serde_json::from_str(DOCKER_CGROUP_V2_TASK).unwrap();
        let raw: AllocResourceUsage = serde_json::from_str(RAW_EXEC_ALLOC).unwrap();
        alloc.add(&docker);
        alloc.add(&raw.tasks["spin"]);
        let sum = &alloc.resource_usage;
        assert_eq!(
            (sum.memory_stats.rss, sum.memory_stats.usage, sum.cpu_stats.throttled_periods),
            (4096000, 52428800, 3)
        );
        assert_eq!(sum.memory_stats.measured, ["Cache", "Swap", "Usage", "RSS"]);
        assert_eq!(sum.cpu_stats.percent, 99.5);
        assert_eq!(sum.device_stats.as_deref(), Some(&[][..]));
        assert_eq!(alloc.timestamp, NanoTime(1700000000000000000));
    }

    #[test]
    fn docker_measures_rss_on_cgroups_v2_from_1_10_1() {
        assert_eq!(docker_measured_memory(NomadVersion::new(1, 10, 0)), ["Cache", "Swap", "Usage"]);
        assert_eq!(docker_measured_memory(NomadVersion::new(1, 10, 1)), ["RSS", "Cache", "Swap", "Usage"]);
    }
}
