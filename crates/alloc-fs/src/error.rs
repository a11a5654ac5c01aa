//! Nomad's fs errors: the exact text Nomad sends as the plain-text error body, and the
//! HTTP status it sends with it.

use std::io;
use std::num::{IntErrorKind, ParseIntError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("must provide a file name")]
    FileNameNotPresent,
    #[error("must provide task name")]
    TaskNotPresent,
    #[error("must provide log type (stdout/stderr)")]
    LogTypeNotPresent,
    #[error("origin must be start or end")]
    InvalidOrigin,
    /// A boolean parameter `strconv.ParseBool` rejects. `code` is 400 where Nomad wraps it
    /// in a `CodedError` (/fs/logs) and 500 where it does not (/fs/stream).
    #[error("failed to parse {field} field to boolean: strconv.ParseBool: parsing {value:?}: invalid syntax")]
    InvalidBool { field: &'static str, value: String, code: u16 },
    /// An integer parameter `strconv.ParseInt` rejects; `code` as for `InvalidBool`.
    #[error("error parsing {field}: strconv.ParseInt: parsing {value:?}: {}", go_parse_int_reason(.reason))]
    InvalidInt { field: &'static str, value: String, reason: ParseIntError, code: u16 },

    #[error("Path escapes the alloc directory")]
    PathEscapes,
    #[error("Reading secret file prohibited: {0}")]
    SecretFile(String),
    #[error("Reading private file prohibited: {0}")]
    PrivateFile(String),
    #[error("file {0:?} is a directory")]
    IsDirectory(String),
    /// A FIFO, socket or device, which is never opened to read (a FIFO would block until a
    /// writer comes). Nomad has no rule (it opens the file and waits); the text follows its
    /// `file %q is a directory`.
    #[error("file {path:?} is a {kind}")]
    NotRegular { path: String, kind: &'static str },
    /// Go formats the offset with `%q`, which an integer does not support.
    #[error("can't seek to offset %!q(int64={offset}): seek {}: invalid argument", .path.display())]
    NegativeOffset { offset: i64, path: PathBuf },

    /// For the agent, which knows the allocation's task states.
    #[error("unknown task name {0:?}")]
    UnknownTask(String),
    /// For the agent: a task that never started has no logs.
    #[error("task {0:?} not started yet. No logs available")]
    TaskNotStarted(String),
    #[error("log entry for task {task:?} and log type {log_type:?} not found")]
    LogNotFound { task: String, log_type: String },
    #[error("failed to convert {value:?} to a log index: strconv.Atoi: parsing {value:?}: {}", go_parse_int_reason(.reason))]
    InvalidLogIndex { value: String, reason: ParseIntError },
    #[error("failed to list entries: {0}")]
    ListLogs(Box<FsError>),

    /// An OS error, written as Go's `*PathError` (`stat /abs/path: no such file or directory`).
    #[error("{op} {}: {}", .path.display(), go_errno_text(.source))]
    Io { op: &'static str, path: PathBuf, source: io::Error },

    #[error("failed to encode stream frame: {0}")]
    Encode(#[from] serde_json::Error),

    /// Opening a file to stream it failed: Nomad answers 400 whatever the cause (its
    /// stream RPC codes every `Stat` failure as a bad request).
    #[error(transparent)]
    Open(Box<FsError>),

    /// The file-work threads could not take the job (none could be started).
    #[error("no thread to do the file work")]
    Unavailable,
}

impl FsError {
    /// The HTTP status Nomad sends with this error.
    pub fn code(&self) -> u16 {
        match self {
            FsError::FileNameNotPresent
            | FsError::TaskNotPresent
            | FsError::LogTypeNotPresent
            | FsError::InvalidOrigin
            | FsError::IsDirectory(_)
            | FsError::NotRegular { .. }
            | FsError::UnknownTask(_)
            | FsError::Open(_) => 400,
            FsError::InvalidBool { code, .. } | FsError::InvalidInt { code, .. } => *code,
            FsError::LogNotFound { .. } | FsError::TaskNotStarted(_) => 404,
            // Nomad's HTTP layer turns any "no such file or directory" into a 404.
            FsError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => 404,
            FsError::PathEscapes
            | FsError::SecretFile(_)
            | FsError::PrivateFile(_)
            | FsError::NegativeOffset { .. }
            | FsError::InvalidLogIndex { .. }
            | FsError::ListLogs(_)
            | FsError::Encode(_)
            | FsError::Unavailable
            | FsError::Io { .. } => 500,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> FsError {
        let path = path.into();
        move |source| FsError::Io { op, path, source }
    }

    pub(crate) fn is_not_found(&self) -> bool {
        match self {
            FsError::Io { source, .. } => source.kind() == io::ErrorKind::NotFound,
            FsError::Open(inner) => inner.is_not_found(),
            _ => false,
        }
    }
}

/// Go's text for the common errnos (`syscall.Errno.Error()`), else Rust's.
fn go_errno_text(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::NotADirectory => "not a directory".into(),
        io::ErrorKind::IsADirectory => "is a directory".into(),
        io::ErrorKind::InvalidInput => "invalid argument".into(),
        _ => e.to_string(),
    }
}

fn go_parse_int_reason(e: &ParseIntError) -> &'static str {
    match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => "value out of range",
        _ => "invalid syntax",
    }
}
