//! Allocation filesystem: `/v1/client/fs/ls` and `/v1/client/fs/stat`.

use crate::time::DateTime;
use serde::{Deserialize, Serialize};

/// A file or directory of an allocation's filesystem (`AllocFileInfo`), as `ls` lists it and
/// `stat` reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocFileInfo {
    /// The file's base name.
    pub name: String,
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Size in bytes.
    pub size: i64,
    /// Go's `os.FileMode` text (`-rw-r--r--`, `drwxr-xr-x`).
    pub file_mode: String,
    /// When the file was last modified.
    pub mod_time: DateTime,
    /// MIME type sniffed from the first 512 bytes (`stat` only; `application/octet-stream` for
    /// a directory or an unreadable file).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_type: String,
}
