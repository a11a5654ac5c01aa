//! Resource usage read from `/proc`: a task's process tree (as Nomad's executor measures
//! `raw_exec` tasks) and the host (Nomad's `HostStatsCollector`).

use crate::events::now_nanos;
use nomad_api::{
    CpuStats, HostCpuStats, HostDiskStats, HostMemoryStats, HostStats, MemoryStats, NanoTime, ResourceUsage,
    TaskResourceUsage, EXECUTOR_MEASURED_CPU, EXECUTOR_MEASURED_MEMORY,
};
use procfs::process::{MountInfo, Process};
use procfs::{CpuInfo, Current, CurrentSI, KernelStats, Meminfo, Uptime};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Usage is averaged over at least this long, however often it is asked for (Nomad
/// collects every second).
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The counters a CPU percentage is measured against: moved forward only once
/// `MIN_INTERVAL` has passed, so frequent callers still get a meaningful average.
struct Baseline<T> {
    value: T,
    at: Instant,
}

impl<T: Clone> Baseline<T> {
    fn new(value: T) -> Self {
        Baseline { value, at: Instant::now() }
    }

    /// Counters that held `value` `age_secs` ago.
    fn since(value: T, age_secs: f64) -> Self {
        let now = Instant::now();
        let at = Duration::try_from_secs_f64(age_secs).ok().and_then(|age| now.checked_sub(age)).unwrap_or(now);
        Baseline { value, at }
    }

    /// The baseline to measure `current` against and the seconds since it.
    fn advance(&mut self, current: &T) -> (T, f64) {
        let now = Instant::now();
        let (prev, elapsed) = (self.value.clone(), now.duration_since(self.at));
        if elapsed >= MIN_INTERVAL {
            self.value = current.clone();
            self.at = now;
        }
        (prev, elapsed.as_secs_f64())
    }
}

/// Seconds of CPU in user and system mode.
#[derive(Debug, Clone, Copy, Default)]
struct CpuTimes {
    user: f64,
    system: f64,
}

/// Samples one task's process tree as Nomad's executor does (`pidStats` and
/// `aggregatedResourceUsage` in `drivers/shared/executor/pid_collector.go` at 1.4,
/// `procstats` at 1.11): each process on its own, summed into the task's usage.
pub(crate) struct ProcessTreeSampler {
    root: i32,
    /// Each live process's CPU counters to measure against, from when it was first seen.
    baselines: HashMap<i32, Baseline<CpuTimes>>,
}

impl ProcessTreeSampler {
    pub(crate) fn new(root: i32) -> Self {
        ProcessTreeSampler { root, baselines: HashMap::new() }
    }

    pub(crate) fn sample(&mut self) -> Option<TaskResourceUsage> {
        let pids = process_tree(self.root);
        if pids.is_empty() {
            return None;
        }
        let tps = procfs::ticks_per_second() as f64;
        let page = procfs::page_size();
        let uptime = Uptime::current().map(|u| u.uptime).unwrap_or(0.0);
        let mut per_pid = BTreeMap::new();
        let mut total = ResourceUsage::default();
        for pid in &pids {
            let Ok(p) = Process::new(*pid) else { continue };
            let Ok(stat) = p.stat() else { continue };
            let times = CpuTimes { user: stat.utime as f64 / tps, system: stat.stime as f64 / tps };
            // A process seen for the first time is measured from its start, so that the first
            // sample already means something (Nomad samples every second in the background).
            let age = (uptime - stat.starttime as f64 / tps).max(0.0);
            let baseline = self.baselines.entry(*pid).or_insert_with(|| Baseline::since(CpuTimes::default(), age));
            let (prev, elapsed) = baseline.advance(&times);
            let percent_of =
                |cur: f64, prev: f64| if elapsed > 0.0 { ((cur - prev).max(0.0) / elapsed) * 100.0 } else { 0.0 };
            let swap = p.status().ok().and_then(|s| s.vmswap).unwrap_or(0) * 1024;
            let (user_mode, system_mode) = (percent_of(times.user, prev.user), percent_of(times.system, prev.system));
            let usage = ResourceUsage {
                memory_stats: MemoryStats {
                    rss: stat.rss * page,
                    swap,
                    measured: strings(&EXECUTOR_MEASURED_MEMORY),
                    ..MemoryStats::default()
                },
                cpu_stats: CpuStats {
                    user_mode,
                    system_mode,
                    percent: user_mode + system_mode,
                    measured: strings(&EXECUTOR_MEASURED_CPU),
                    ..CpuStats::default()
                },
                device_stats: None,
            };
            total.add(&usage);
            per_pid.insert(pid.to_string(), usage);
        }
        self.baselines.retain(|pid, _| pids.contains(pid));
        // The task's `TotalTicks` (`TicksConsumed`): its percent of one core in MHz; the
        // processes' own stay 0. The lists are the executor's, even with no process read.
        total.cpu_stats.total_ticks = total.cpu_stats.percent / 100.0 * mhz_per_core();
        total.cpu_stats.measured = strings(&EXECUTOR_MEASURED_CPU);
        total.memory_stats.measured = strings(&EXECUTOR_MEASURED_MEMORY);
        Some(TaskResourceUsage { resource_usage: total, timestamp: NanoTime(now_nanos()), pids: Some(per_pid) })
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The root and every live descendant.
fn process_tree(root: i32) -> Vec<i32> {
    let Ok(all) = procfs::process::all_processes() else { return Vec::new() };
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut root_alive = false;
    for p in all.flatten() {
        if let Ok(stat) = p.stat() {
            root_alive |= stat.pid == root;
            children.entry(stat.ppid).or_default().push(stat.pid);
        }
    }
    if !root_alive {
        return Vec::new();
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        if let Some(kids) = children.get(&tree[i]) {
            tree.extend(kids);
        }
        i += 1;
    }
    tree
}

/// Average clock of a core in MHz, the unit Nomad counts CPU in; read once, as Nomad
/// computes its available ticks once.
fn mhz_per_core() -> f64 {
    static MHZ: OnceLock<f64> = OnceLock::new();
    *MHZ.get_or_init(|| {
        let mhz: Vec<f64> = CpuInfo::current()
            .map(|info| {
                (0..info.num_cores())
                    .filter_map(|i| info.get_field(i, "cpu MHz"))
                    .filter_map(|v| v.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if mhz.is_empty() {
            // No clock reported (some virtual machines): count a core as 1 GHz.
            1000.0
        } else {
            mhz.iter().sum::<f64>() / mhz.len() as f64
        }
    })
}

/// One core's counters from `/proc/stat`, in ticks.
#[derive(Debug, Clone, Copy, Default)]
struct CoreTimes {
    idle: f64,
    user: f64,
    system: f64,
    busy: f64,
    total: f64,
}

fn core_times() -> Vec<CoreTimes> {
    let Ok(stats) = KernelStats::current() else { return Vec::new() };
    stats
        .cpu_time
        .iter()
        .map(|c| {
            let extra = [c.iowait, c.irq, c.softirq, c.steal, c.guest, c.guest_nice]
                .iter()
                .map(|v| v.unwrap_or(0))
                .sum::<u64>();
            let busy = (c.user + c.nice + c.system + extra) as f64;
            // gopsutil's Total() leaves guest time out: the kernel counts it in user already.
            let guest = (c.guest.unwrap_or(0) + c.guest_nice.unwrap_or(0)) as f64;
            CoreTimes {
                idle: c.idle as f64,
                user: c.user as f64,
                system: c.system as f64,
                busy,
                total: busy - guest + c.idle as f64,
            }
        })
        .collect()
}

/// Host statistics (`HostStatsCollector` in `client/stats/host.go` up to 1.6,
/// `client/hoststats/host.go` from 1.7), in the newest shape: each core's busy share as
/// `TotalPercent` and `TotalTicks`. `HostStats::as_release` gives an older release's.
pub(crate) struct HostStatsSampler {
    baseline: Baseline<Vec<CoreTimes>>,
}

impl HostStatsSampler {
    pub(crate) fn new() -> Self {
        HostStatsSampler { baseline: Baseline::new(core_times()) }
    }

    pub(crate) fn sample(&mut self, data_dir: &Path) -> HostStats {
        let now = core_times();
        let (last, _) = self.baseline.advance(&now);
        let per_core_mhz = mhz_per_core();
        let mut ticks_consumed = 0.0;
        let cpu = now
            .iter()
            .enumerate()
            .map(|(i, cur)| {
                let prev = last.get(i).copied().unwrap_or_default();
                let delta = cur.total - prev.total;
                // `HostCpuStatsCalculator.Calculate`: a share that is not a number, or is
                // negative (counters that went back), is its fallback.
                let pct = |c: f64, p: f64, fallback: f64| {
                    let v = (c - p) / delta * 100.0;
                    if v.is_finite() && v >= 0.0 {
                        v
                    } else {
                        fallback
                    }
                };
                let busy = pct(cur.busy, prev.busy, 0.0);
                let ticks = busy / 100.0 * per_core_mhz;
                ticks_consumed += ticks;
                HostCpuStats {
                    cpu: format!("cpu{i}"),
                    user: pct(cur.user, prev.user, 0.0),
                    system: pct(cur.system, prev.system, 0.0),
                    idle: pct(cur.idle, prev.idle, 100.0),
                    total: None,
                    total_percent: Some(busy),
                    total_ticks: Some(ticks),
                }
            })
            .collect();
        HostStats {
            // Zeros when unreadable, as Nomad writes them.
            memory: Some(memory_stats().unwrap_or_default()),
            cpu,
            disk_stats: partitions().iter().filter_map(|p| disk_usage(&p.mountpoint, Some(p))).collect(),
            alloc_dir_stats: Some(disk_usage(data_dir, None).unwrap_or_default()),
            // No device plugins: the device manager's nil list.
            device_stats: None,
            uptime: Uptime::current().map(|u| u.uptime as u64).unwrap_or(0),
            timestamp: NanoTime(now_nanos()),
            cpu_ticks_consumed: ticks_consumed,
        }
    }
}

/// gopsutil's `VirtualMemory`.
fn memory_stats() -> Option<HostMemoryStats> {
    let m = Meminfo::current().ok()?;
    let available = m.mem_available.unwrap_or(m.mem_free + m.buffers + m.cached);
    Some(HostMemoryStats {
        total: m.mem_total,
        available,
        used: m.mem_total.saturating_sub(m.mem_free + m.buffers + m.cached),
        free: m.mem_free,
    })
}

/// A mounted filesystem, as gopsutil's `disk.Partitions(false)` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Partition {
    device: String,
    mountpoint: PathBuf,
}

/// gopsutil's `disk.Partitions(false)`: the mounts of init's (else this process's) mount
/// table whose filesystem is a block-device one of `/proc/filesystems` (not `nodev`, but
/// zfs), without those of device `none`; `/dev/mapper/` names resolved, `/dev/root` named by
/// its block device.
fn partitions() -> Vec<Partition> {
    let mounts = Process::new(1).and_then(|p| p.mountinfo()).or_else(|_| Process::myself().and_then(|p| p.mountinfo()));
    let Ok(mounts) = mounts else { return Vec::new() };
    let Ok(filesystems) = std::fs::read_to_string("/proc/filesystems") else { return Vec::new() };
    let physical = block_filesystems(&filesystems);
    mounts.into_iter().filter_map(|m| partition(m, &physical)).collect()
}

fn partition(mount: MountInfo, physical: &[&str]) -> Option<Partition> {
    let device = mount.mount_source.unwrap_or_default();
    if device == "none" || !physical.contains(&mount.fs_type.as_str()) {
        return None;
    }
    let device = if device.starts_with("/dev/mapper/") {
        std::fs::canonicalize(&device).map(|p| p.to_string_lossy().into_owned()).unwrap_or(device)
    } else if device == "/dev/root" {
        std::fs::read_link(format!("/sys/dev/block/{}", mount.majmin))
            .ok()
            .and_then(|link| link.file_name().map(|n| format!("/dev/{}", n.to_string_lossy())))
            .unwrap_or(device)
    } else {
        device
    };
    Some(Partition { device, mountpoint: mount.mount_point })
}

/// The filesystems of `/proc/filesystems` that need a block device, and zfs.
fn block_filesystems(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| match line.split_once('\t') {
            Some(("nodev", fs)) => (fs.trim() == "zfs").then_some(fs.trim()),
            Some(("", fs)) => Some(fs.trim()),
            _ => Some(line.trim()).filter(|l| !l.is_empty() && !l.starts_with("nodev")),
        })
        .collect()
}

/// gopsutil's `disk.Usage` of the filesystem holding `path` (Nomad's `toDiskStats`), named
/// after `partition` when there is one; `None` when it cannot be read (Nomad skips it).
fn disk_usage(path: &Path, partition: Option<&Partition>) -> Option<HostDiskStats> {
    let vfs = nix::sys::statvfs::statvfs(path).ok()?;
    let frsize = vfs.fragment_size() as u64;
    let size = vfs.blocks() as u64 * frsize;
    let available = vfs.blocks_available() as u64 * frsize;
    let used = (vfs.blocks() as u64).saturating_sub(vfs.blocks_free() as u64) * frsize;
    let (inodes, inodes_free) = (vfs.files() as u64, vfs.files_free() as u64);
    Some(HostDiskStats {
        device: partition.map(|p| p.device.clone()).unwrap_or_default(),
        mountpoint: partition.map(|p| p.mountpoint.to_string_lossy().into_owned()).unwrap_or_default(),
        size,
        used,
        available,
        used_percent: ratio(used, used + available),
        inodes_used_percent: ratio(inodes.saturating_sub(inodes_free), inodes),
    })
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64 * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_filesystems_are_those_without_nodev_and_zfs() {
        let text = "nodev\tsysfs\nnodev\ttmpfs\n\text4\n\tvfat\nnodev\tzfs\nnodev\toverlay\n\txfs\n";
        assert_eq!(block_filesystems(text), ["ext4", "vfat", "zfs", "xfs"]);
    }
}
