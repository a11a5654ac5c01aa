//! `/fs/ls` and `/fs/stat`: file metadata as Nomad's `AllocFileInfo`.

use crate::error::FsError;
use crate::resolve::Resolved;
use crate::sniff::detect_content_type;
use nomad_api::{AllocFileInfo, DateTime};
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::time::UNIX_EPOCH;
use tokio::fs;
use tokio::io::AsyncReadExt;

/// The entries of a directory, sorted by name (Go's `os.ReadDir`). Symlinks are described
/// as links, not followed. `ContentType` is left empty, as Nomad leaves it.
pub async fn list(alloc_dir: &Path, path: &str) -> Result<Vec<AllocFileInfo>, FsError> {
    let dir = Resolved::new(alloc_dir, path)?.full;
    // Go's ReadDir opens the path, then fails on a file with `readdirent`.
    let readdir_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotADirectory => FsError::io("readdirent", &dir)(e),
        _ => FsError::io("open", &dir)(e),
    };
    let mut entries = fs::read_dir(&dir).await.map_err(readdir_error)?;
    let mut files = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(readdir_error)? {
        let meta = entry.metadata().await.map_err(FsError::io("lstat", entry.path()))?;
        files.push(file_info(entry.file_name().to_string_lossy().into_owned(), &meta));
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// One file or directory, symlinks followed, with `ContentType` sniffed from its first
/// 512 bytes as Go's `http.DetectContentType` does (`.json` names are `application/json`).
pub async fn stat(alloc_dir: &Path, path: &str) -> Result<AllocFileInfo, FsError> {
    let resolved = Resolved::new(alloc_dir, path)?;
    let full = &resolved.full;
    let meta = fs::metadata(full).await.map_err(FsError::io("stat", full))?;
    let mut info = file_info(resolved.name(), &meta);
    info.content_type = content_type(full, &meta).await;
    Ok(info)
}

fn file_info(name: String, meta: &Metadata) -> AllocFileInfo {
    let mod_time = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    AllocFileInfo {
        name,
        is_dir: meta.is_dir(),
        size: i64::try_from(meta.len()).unwrap_or(i64::MAX),
        file_mode: file_mode(meta),
        mod_time: DateTime::from_unix_nanos(mod_time),
        content_type: String::new(),
    }
}

async fn content_type(path: &Path, meta: &Metadata) -> String {
    let mut kind = "application/octet-stream";
    let mut head = Vec::with_capacity(512);
    // Best effort, as in Nomad: an unreadable or empty file stays octet-stream.
    if !meta.is_dir() {
        if let Ok(file) = fs::File::open(path).await {
            if file.take(512).read_to_end(&mut head).await.is_ok_and(|n| n > 0) {
                kind = detect_content_type(&head);
            }
        }
    }
    if path.to_string_lossy().ends_with(".json") {
        kind = "application/json";
    }
    kind.to_string()
}

/// Go's `os.FileMode.String()`: type letters from "dalTLDpSugct?" then `rwxrwxrwx`.
pub(crate) fn file_mode(meta: &Metadata) -> String {
    let ft = meta.file_type();
    let mode = meta.mode();
    let flags = [
        ('d', ft.is_dir()),
        ('L', ft.is_symlink()),
        ('D', ft.is_block_device() || ft.is_char_device()),
        ('p', ft.is_fifo()),
        ('S', ft.is_socket()),
        ('u', mode & 0o4000 != 0),
        ('g', mode & 0o2000 != 0),
        ('c', ft.is_char_device()),
        ('t', mode & 0o1000 != 0),
    ];
    let mut out: String = flags.iter().filter(|(_, set)| *set).map(|(c, _)| *c).collect();
    if out.is_empty() {
        out.push('-');
    }
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        out.push(if mode & (1 << (8 - i)) != 0 { c } else { '-' });
    }
    out
}
