//! Resource usage read from `/proc`: a task's process tree (as Nomad's executor measures
//! `raw_exec` tasks) and the host (Nomad's `HostStatsCollector`).

use crate::events::now_nanos;
use nomad_api::{
    CpuStats, HostCpuStats, HostDiskStats, HostMemoryStats, HostStats, MemoryStats, NanoTime, ResourceUsage,
    TaskResourceUsage,
};
use procfs::process::Process;
use procfs::{Current, CurrentSI, CpuInfo, KernelStats, Meminfo, Uptime};
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What Nomad's executor fills for a process tree (`ExecutorBasicMeasured*Stats`).
const MEASURED_CPU: [&str; 3] = ["System Mode", "User Mode", "Percent"];
const MEASURED_MEMORY: [&str; 2] = ["RSS", "Swap"];

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

/// Samples one task's process tree.
pub(crate) struct ProcessTreeSampler {
    root: i32,
    baseline: Baseline<CpuTimes>,
}

impl ProcessTreeSampler {
    /// A new process, whose CPU use is counted from now.
    pub(crate) fn new(root: i32) -> Self {
        ProcessTreeSampler { root, baseline: Baseline::new(CpuTimes::default()) }
    }

    pub(crate) fn sample(&mut self) -> Option<TaskResourceUsage> {
        let pids = process_tree(self.root);
        if pids.is_empty() {
            return None;
        }
        let tps = procfs::ticks_per_second() as f64;
        let page = procfs::page_size();
        let (mut times, mut rss, mut swap) = (CpuTimes::default(), 0u64, 0u64);
        for pid in pids {
            let Ok(p) = Process::new(pid) else { continue };
            if let Ok(stat) = p.stat() {
                times.user += stat.utime as f64 / tps;
                times.system += stat.stime as f64 / tps;
                rss += stat.rss * page;
            }
            if let Ok(status) = p.status() {
                swap += status.vmswap.unwrap_or(0) * 1024;
            }
        }
        let (prev, elapsed) = self.baseline.advance(&times);
        let percent_of = |cur: f64, prev: f64| if elapsed > 0.0 { ((cur - prev).max(0.0) / elapsed) * 100.0 } else { 0.0 };
        let user_mode = percent_of(times.user, prev.user);
        let system_mode = percent_of(times.system, prev.system);
        let percent = user_mode + system_mode;
        let usage = ResourceUsage {
            memory_stats: MemoryStats {
                rss,
                swap,
                measured: MEASURED_MEMORY.iter().map(|s| s.to_string()).collect(),
                ..MemoryStats::default()
            },
            cpu_stats: CpuStats {
                user_mode,
                system_mode,
                percent,
                // `TicksConsumed`: percent of one core in MHz.
                total_ticks: percent / 100.0 * mhz_per_core(),
                measured: MEASURED_CPU.iter().map(|s| s.to_string()).collect(),
                ..CpuStats::default()
            },
        };
        Some(TaskResourceUsage { resource_usage: usage, timestamp: NanoTime(now_nanos()), pids: None })
    }
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

/// Sums task usages into the allocation's (`ResourceUsage.Add`).
pub(crate) fn add_usage(total: &mut ResourceUsage, u: &ResourceUsage) {
    let (m, t) = (&mut total.memory_stats, &u.memory_stats);
    m.rss += t.rss;
    m.cache += t.cache;
    m.swap += t.swap;
    m.mapped_file += t.mapped_file;
    m.usage += t.usage;
    m.max_usage += t.max_usage;
    m.kernel_usage += t.kernel_usage;
    m.kernel_max_usage += t.kernel_max_usage;
    union(&mut m.measured, &t.measured);
    let (c, t) = (&mut total.cpu_stats, &u.cpu_stats);
    c.system_mode += t.system_mode;
    c.user_mode += t.user_mode;
    c.total_ticks += t.total_ticks;
    c.throttled_periods += t.throttled_periods;
    c.throttled_time += t.throttled_time;
    c.percent += t.percent;
    union(&mut c.measured, &t.measured);
}

fn union(into: &mut Vec<String>, from: &[String]) {
    for s in from {
        if !into.contains(s) {
            into.push(s.clone());
        }
    }
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
            let extra = [c.iowait, c.irq, c.softirq, c.steal, c.guest, c.guest_nice].iter().map(|v| v.unwrap_or(0)).sum::<u64>();
            let busy = (c.user + c.nice + c.system + extra) as f64;
            // gopsutil's Total() leaves guest time out: the kernel counts it in user already.
            let guest = (c.guest.unwrap_or(0) + c.guest_nice.unwrap_or(0)) as f64;
            CoreTimes { idle: c.idle as f64, user: c.user as f64, system: c.system as f64, busy, total: busy - guest + c.idle as f64 }
        })
        .collect()
}

/// Host statistics.
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
                let pct = |c: f64, p: f64, fallback: f64| {
                    let v = (c - p) / delta * 100.0;
                    if v.is_finite() { v } else { fallback }
                };
                let s = HostCpuStats {
                    cpu: format!("cpu{i}"),
                    user: pct(cur.user, prev.user, 0.0),
                    system: pct(cur.system, prev.system, 0.0),
                    idle: pct(cur.idle, prev.idle, 100.0),
                    total: pct(cur.busy, prev.busy, 0.0),
                };
                ticks_consumed += s.total / 100.0 * per_core_mhz;
                s
            })
            .collect();
        let disk = disk_stats(data_dir);
        HostStats {
            memory: memory_stats(),
            cpu,
            disk_stats: disk.iter().cloned().collect(),
            alloc_dir_stats: disk.map(|d| HostDiskStats { device: String::new(), mountpoint: String::new(), ..d }),
            device_stats: Vec::new(),
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

/// gopsutil's `disk.Usage` of the filesystem holding `path`, named by its mount.
fn disk_stats(path: &Path) -> Option<HostDiskStats> {
    let vfs = nix::sys::statvfs::statvfs(path).ok()?;
    let frsize = vfs.fragment_size() as u64;
    let size = vfs.blocks() as u64 * frsize;
    let available = vfs.blocks_available() as u64 * frsize;
    let used = (vfs.blocks() as u64).saturating_sub(vfs.blocks_free() as u64) * frsize;
    let (inodes, inodes_free) = (vfs.files() as u64, vfs.files_free() as u64);
    let (device, mountpoint) = mount_of(path).unwrap_or_default();
    Some(HostDiskStats {
        device,
        mountpoint,
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

/// The device and mount point of the deepest mount containing `path`.
fn mount_of(path: &Path) -> Option<(String, String)> {
    let path = path.canonicalize().ok()?;
    let mounts = procfs::process::Process::myself().ok()?.mountinfo().ok()?;
    mounts
        .into_iter()
        .filter(|m| path.starts_with(&m.mount_point))
        .max_by_key(|m| m.mount_point.components().count())
        .map(|m| (m.mount_source.unwrap_or_default(), m.mount_point.to_string_lossy().into_owned()))
}
