//! Task log capture, as Nomad's logmon: each of a task's stdout and stderr goes to
//! `alloc/logs/<task>.<stream>.<N>`, rotated by size, keeping at most `MaxFiles` files.

use nomad_api::logs::{log_base_name, rotated_file_name, rotated_index, LogType};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncReadExt};

/// `structs.DefaultLogConfig`.
pub(crate) const DEFAULT_MAX_FILES: u64 = 10;
pub(crate) const DEFAULT_MAX_FILE_SIZE_MB: u64 = 10;

/// Writes a stream into numbered files of at most `file_size` bytes (logmon's `FileRotator`).
pub(crate) struct FileRotator {
    dir: PathBuf,
    base: String,
    max_files: u64,
    file_size: u64,
    index: u64,
    file: File,
    written: u64,
}

impl FileRotator {
    /// Continues the newest existing file, as logmon does when a task or the agent restarts.
    pub(crate) fn new(dir: &Path, base: &str, max_files: u64, file_size: u64) -> io::Result<Self> {
        let index = last_index(dir, base)?.unwrap_or(0);
        let (file, written) = open_append(dir, base, index)?;
        Ok(FileRotator {
            dir: dir.to_path_buf(),
            base: base.to_string(),
            max_files: max_files.max(1),
            file_size: file_size.max(1),
            index,
            file,
            written,
        })
    }

    /// Writes everything, never past `file_size` in one file, keeping lines whole when a
    /// line fits in a file at all.
    pub(crate) fn write(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            if self.written >= self.file_size {
                self.next_file()?;
            }
            let remaining = (self.file_size - self.written) as usize;
            let take = if data.len() <= remaining {
                data.len()
            } else if let Some(nl) = data[..remaining].iter().rposition(|&b| b == b'\n') {
                nl + 1
            } else {
                let line_len = data.iter().position(|&b| b == b'\n').map_or(data.len(), |i| i + 1);
                if self.written > 0 && line_len as u64 <= self.file_size {
                    0 // the line fits a fresh file: start one rather than split it
                } else {
                    remaining
                }
            };
            if take == 0 {
                self.written = self.file_size;
                continue;
            }
            self.file.write_all(&data[..take])?;
            self.written += take as u64;
            data = &data[take..];
        }
        Ok(())
    }

    fn next_file(&mut self) -> io::Result<()> {
        self.index += 1;
        (self.file, self.written) = open_append(&self.dir, &self.base, self.index)?;
        self.purge_old_files()
    }

    /// Deletes every file older than the newest `max_files`.
    fn purge_old_files(&self) -> io::Result<()> {
        let keep_from = (self.index + 1).saturating_sub(self.max_files);
        for (index, path) in indexed_files(&self.dir, &self.base)? {
            if index < keep_from {
                match fs::remove_file(path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// `createFile`: opens `<base>.<index>` for appending (never truncating what is there) and
/// says how much it already holds. Never through a link: the agent may be root.
fn open_append(dir: &Path, base: &str, index: u64) -> io::Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(dir.join(rotated_file_name(base, index)))?;
    let written = file.metadata()?.len();
    Ok((file, written))
}

fn indexed_files(dir: &Path, base: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // Another file, or one with our prefix but no index: not the rotator's.
        let index = name.to_str().and_then(|n| rotated_index(n, base)).and_then(Result::ok);
        let Some(index) = index.and_then(|i| u64::try_from(i).ok()) else { continue };
        out.push((index, entry.path()));
    }
    Ok(out)
}

fn last_index(dir: &Path, base: &str) -> io::Result<Option<u64>> {
    Ok(indexed_files(dir, base)?.into_iter().map(|(i, _)| i).max())
}

/// One task's two rotators; they outlive restarts of the task, as logmon does.
#[derive(Clone)]
pub(crate) struct LogMon {
    pub(crate) stdout: Arc<Mutex<FileRotator>>,
    pub(crate) stderr: Arc<Mutex<FileRotator>>,
}

impl LogMon {
    pub(crate) fn new(logs_dir: &Path, task: &str, max_files: u64, file_size: u64) -> io::Result<Self> {
        let open = |stream: LogType| -> io::Result<Arc<Mutex<FileRotator>>> {
            let rotator = FileRotator::new(logs_dir, &log_base_name(task, stream.as_str()), max_files, file_size)?;
            Ok(Arc::new(Mutex::new(rotator)))
        };
        Ok(LogMon { stdout: open(LogType::Stdout)?, stderr: open(LogType::Stderr)? })
    }
}

/// Copies a process's output into a rotator until the pipe closes.
pub(crate) async fn copy(mut from: impl AsyncRead + Unpin, to: Arc<Mutex<FileRotator>>) {
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "reading task output failed");
                return;
            }
        };
        let result = match to.lock() {
            Ok(mut rotator) => rotator.write(&buf[..n]),
            Err(poisoned) => poisoned.into_inner().write(&buf[..n]),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "writing task log failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.file_name().into_string().unwrap(), fs::read_to_string(e.path()).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn rotates_at_line_boundaries_and_keeps_max_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = FileRotator::new(dir.path(), "web.stdout", 2, 10).unwrap();
        r.write(b"aaaa\nbbbb\ncc").unwrap();
        r.write(b"cc\n").unwrap();
        assert_eq!(
            files(dir.path()),
            vec![("web.stdout.0".into(), "aaaa\nbbbb\n".into()), ("web.stdout.1".into(), "cccc\n".into())]
        );
        r.write(b"dddddddddddddddd\n").unwrap();
        // A line longer than a file is split; only the newest two files remain.
        assert_eq!(
            files(dir.path()),
            vec![("web.stdout.2".into(), "dddddddddd".into()), ("web.stdout.3".into(), "d\n".into())]
        );
    }

    #[test]
    fn continues_the_newest_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("web.stderr.3"), "abc").unwrap();
        let mut r = FileRotator::new(dir.path(), "web.stderr", 5, 100).unwrap();
        r.write(b"def").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("web.stderr.3")).unwrap(), "abcdef");
        // The next file is appended to as well, never truncated.
        fs::write(dir.path().join("web.stderr.4"), "x\n").unwrap();
        let mut r = FileRotator::new(dir.path(), "web.stderr", 5, 6).unwrap();
        r.write(b"yz\n").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("web.stderr.4")).unwrap(), "x\nyz\n");
        r.write(b"w\n").unwrap();
        assert_eq!(fs::read_to_string(dir.path().join("web.stderr.5")).unwrap(), "w\n");
    }
}
