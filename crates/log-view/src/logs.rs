//! A task's rotated log files, `alloc/logs/<task>.<type>.<N>`, in a listing of `alloc/logs`
//! (the naming rule itself is `nomad_api::logs`).

use nomad_api::AllocFileInfo;

pub use nomad_api::logs::LOG_DIR;

/// One rotated log file of a task's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub index: i64,
    /// Path relative to the allocation directory (`alloc/logs/web.stdout.0`).
    pub path: String,
    pub size: u64,
}

/// The rotation index of `path` (a bare name or under `alloc/logs/`) if it is a log of
/// this task and type.
pub fn log_index(path: &str, task: &str, log_type: &str) -> Option<i64> {
    let name = path.rsplit('/').next().unwrap_or(path);
    // A name with the prefix but no number is no log to follow (the agent refuses to list it).
    nomad_api::logs::log_index(name, task, log_type)?.ok()
}

/// This task's logs of this type in an `ls` of `alloc/logs`, oldest first.
pub fn log_files(listing: &[AllocFileInfo], task: &str, log_type: &str) -> Vec<LogFile> {
    let mut files: Vec<LogFile> = listing
        .iter()
        .filter(|f| !f.is_dir)
        .filter_map(|f| {
            log_index(&f.name, task, log_type).map(|index| LogFile {
                index,
                path: format!("{LOG_DIR}/{}", f.name),
                size: f.size.max(0) as u64,
            })
        })
        .collect();
    files.sort_by_key(|f| f.index);
    files
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn listing(files: &[(&str, i64)]) -> Vec<AllocFileInfo> {
        files
            .iter()
            .map(|(name, size)| AllocFileInfo {
                name: name.to_string(),
                size: *size,
                file_mode: "-rw-r--r--".into(),
                ..AllocFileInfo::default()
            })
            .collect()
    }

    #[test]
    fn indexes_and_ordering() {
        assert_eq!(log_index("alloc/logs/web.stdout.12", "web", "stdout"), Some(12));
        assert_eq!(log_index("web.stdout.x", "web", "stdout"), None);
        assert_eq!(log_index("web.stderr.1", "web", "stdout"), None);
        assert_eq!(log_index("web.2.stdout.1", "web", "stdout"), None);
        assert_eq!(log_index("my.web.stdout.3", "my.web", "stdout"), Some(3));
        let l = listing(&[
            ("web.stdout.10", 5),
            ("web.stdout.9", 7),
            ("web.stderr.0", 1),
            ("api.stdout.0", 1),
            (".web.stdout.fifo", 0),
        ]);
        let files = log_files(&l, "web", "stdout");
        assert_eq!(files.iter().map(|f| (f.index, f.size)).collect::<Vec<_>>(), vec![(9, 7), (10, 5)]);
        assert_eq!(files[0].path, "alloc/logs/web.stdout.9");
    }
}
