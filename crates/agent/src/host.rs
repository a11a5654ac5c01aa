//! Facts about this machine for the local node's attributes and resources, read where
//! Nomad's fingerprinters read them on Linux.

use std::fs;
use std::path::Path;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostFacts {
    pub hostname: String,
    pub kernel_version: String,
    pub os_name: String,
    pub os_version: String,
    pub arch: String,
    pub cpu_cores: u64,
    pub cpu_model: String,
    pub cpu_mhz: u64,
    pub memory_bytes: u64,
    pub disk_total_bytes: u64,
    pub disk_free_bytes: u64,
}

fn read(path: &str) -> String {
    fs::read_to_string(path).map(|s| s.trim().to_string()).unwrap_or_default()
}

/// The value of `key` in `key : value` lines (`/proc/cpuinfo`, `/proc/meminfo`).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == key).map(|(_, v)| v.trim()))
}

/// `ID=` and `VERSION_ID=` of os-release, unquoted.
fn os_release(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_default()
}

/// Bytes (total, available) of the filesystem holding `path`.
fn disk_space(path: &Path) -> (u64, u64) {
    let Ok(stat) = nix::sys::statvfs::statvfs(path) else { return (0, 0) };
    // All three are 64-bit on the 64-bit Linux the agent runs on.
    let block = stat.fragment_size();
    (stat.blocks() * block, stat.blocks_available() * block)
}

impl HostFacts {
    pub fn read(data_dir: &Path) -> Self {
        let cpuinfo = read("/proc/cpuinfo");
        let meminfo = read("/proc/meminfo");
        let os = read("/etc/os-release");
        let cpu_cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        let memory_kb = field(&meminfo, "MemTotal")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let (disk_total_bytes, disk_free_bytes) = disk_space(data_dir);
        let hostname = match read("/proc/sys/kernel/hostname") {
            h if h.is_empty() => "localhost".to_string(),
            h => h,
        };
        HostFacts {
            hostname,
            kernel_version: read("/proc/sys/kernel/osrelease"),
            os_name: os_release(&os, "ID"),
            os_version: os_release(&os, "VERSION_ID"),
            arch: match std::env::consts::ARCH {
                "x86_64" => "amd64".to_string(),
                "aarch64" => "arm64".to_string(),
                other => other.to_string(),
            },
            cpu_cores,
            cpu_model: field(&cpuinfo, "model name").unwrap_or("unknown").to_string(),
            // Some virtual machines report no frequency: count 1 GHz per core then.
            cpu_mhz: field(&cpuinfo, "cpu MHz").and_then(|v| v.parse::<f64>().ok()).map_or(1000, |mhz| mhz as u64),
            memory_bytes: memory_kb * 1024,
            disk_total_bytes,
            disk_free_bytes,
        }
    }

    /// `cpu.totalcompute`: MHz across all cores, the unit of `CPU` asks.
    pub fn total_compute(&self) -> u64 {
        self.cpu_cores * self.cpu_mhz
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_machine() {
        let facts = HostFacts::read(Path::new("/"));
        assert!(facts.cpu_cores >= 1 && facts.memory_bytes > 0 && facts.disk_total_bytes > 0);
        assert!(!facts.hostname.is_empty() && !facts.kernel_version.is_empty());
        assert_eq!(field("model name\t: Xeon\ncpu MHz : 2000.5", "cpu MHz"), Some("2000.5"));
        assert_eq!(os_release("ID=debian\nVERSION_ID=\"12\"", "VERSION_ID"), "12");
    }
}
