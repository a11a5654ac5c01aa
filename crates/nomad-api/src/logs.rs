//! Naming of a task's rotated log files, `alloc/logs/<task>.<type>.<N>`: the client writes
//! them (logmon's `FileRotator`), `/v1/client/fs/logs` walks them (`logIndexes`), and the
//! dashboard lists them to follow and page back. One rule for the three, so that a name one
//! side writes is the name the others read.
//!
//! Nomad: `client/logmon/logging/rotator.go` (`<base>.<N>`, `baseFileName` being
//! `<task>.<type>`, `client/logmon/logmon.go`) and `client/fs_endpoint.go` (`logIndexes`:
//! the prefix `<task>.<type>.` trimmed, the rest through `strconv.Atoi`), v1.4.0 to v1.11.3.

use std::num::ParseIntError;

/// The logs directory, relative to the allocation directory.
pub const LOG_DIR: &str = "alloc/logs";

/// Which of a task's two log streams (the `type` of `/v1/client/fs/logs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogType {
    /// The task's standard output, `<task>.stdout.<N>`.
    Stdout,
    /// The task's standard error, `<task>.stderr.<N>`.
    Stderr,
}

impl LogType {
    /// `stdout` or `stderr`; anything else is `None` (Nomad: `log type is not present`).
    pub fn parse(value: &str) -> Option<LogType> {
        match value {
            "stdout" => Some(LogType::Stdout),
            "stderr" => Some(LogType::Stderr),
            _ => None,
        }
    }

    /// `stdout` or `stderr`: the `type` parameter and the middle of the file names.
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Stdout => "stdout",
            LogType::Stderr => "stderr",
        }
    }
}

/// logmon's `baseFileName`, `<task>.<type>`: the name each rotated file adds `.<N>` to.
pub fn log_base_name(task: &str, log_type: &str) -> String {
    format!("{task}.{log_type}")
}

/// `<base>.<index>`, the name `FileRotator` gives the file it writes.
pub fn rotated_file_name(base: &str, index: u64) -> String {
    format!("{base}.{index}")
}

/// A file with a log's prefix but no number after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to convert {value:?} to a log index: {reason}")]
pub struct InvalidLogIndex {
    /// What follows the prefix.
    pub value: String,
    /// Why `strconv.Atoi` (here `str::parse`) refused it.
    pub reason: ParseIntError,
}

/// The `N` of `<base>.<N>`: `None` when `name` is another file, an error when it has the
/// prefix but no number after it (`logIndexes` fails the request then; Go's `Atoi` takes a
/// sign, as Rust's parse does).
pub fn rotated_index(name: &str, base: &str) -> Option<Result<i64, InvalidLogIndex>> {
    let value = name.strip_prefix(base)?.strip_prefix('.')?;
    Some(value.parse().map_err(|reason| InvalidLogIndex { value: value.to_string(), reason }))
}

/// The rotation index of the bare file `name` if it is a log of this task and type; see
/// [`rotated_index`].
pub fn log_index(name: &str, task: &str, log_type: &str) -> Option<Result<i64, InvalidLogIndex>> {
    rotated_index(name, &log_base_name(task, log_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indexes_round_trip() {
        let base = log_base_name("web", LogType::Stdout.as_str());
        assert_eq!(base, "web.stdout");
        assert_eq!(rotated_file_name(&base, 12), "web.stdout.12");
        assert_eq!(log_index("web.stdout.12", "web", "stdout"), Some(Ok(12)));
        assert_eq!(log_index("web.stdout.+3", "web", "stdout"), Some(Ok(3)));
        // Another task or type, or a task whose name only starts the same: not ours.
        assert_eq!(log_index("web.stderr.0", "web", "stdout"), None);
        assert_eq!(log_index("webby.stdout.0", "web", "stdout"), None);
        assert_eq!(log_index("web.stdout", "web", "stdout"), None);
        // The prefix without a number: `logIndexes`'s error.
        let err = log_index("web.stdout.1.5", "web", "stdout").and_then(Result::err).map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some(r#"failed to convert "1.5" to a log index: invalid digit found in string"#));
        assert!(matches!(log_index("web.stdout.", "web", "stdout"), Some(Err(_))));
        // A task named with dots is still one prefix.
        assert_eq!(log_index("a.b.stderr.1", "a.b", "stderr"), Some(Ok(1)));
    }

    #[test]
    fn log_types() {
        assert_eq!(LogType::parse("stderr"), Some(LogType::Stderr));
        assert_eq!(LogType::parse("STDOUT"), None);
        assert_eq!(LogType::Stdout.as_str(), "stdout");
    }
}
