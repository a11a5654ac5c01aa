//! Allocation filesystem: `/v1/client/fs/ls` and `/v1/client/fs/stat`.

use crate::time::DateTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AllocFileInfo {
    pub name: String,
    pub is_dir: bool,
    pub size: i64,
    /// Go's `os.FileMode` text (`-rw-r--r--`, `drwxr-xr-x`).
    pub file_mode: String,
    pub mod_time: DateTime,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content_type: String,
}
