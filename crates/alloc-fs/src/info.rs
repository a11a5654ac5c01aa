//! `/fs/ls` and `/fs/stat`: file metadata as Nomad's `AllocFileInfo`.

use crate::error::FsError;
use crate::pool::Limit;
use crate::resolve::{kind_name, Found, Meta, Open, Root};
use crate::sniff::detect_content_type;
use nomad_api::{AllocFileInfo, DateTime};
use rustix::fd::{AsFd, BorrowedFd};
use rustix::fs::{statat, AtFlags, Dir, FileType};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The entries of a directory, sorted by name (Go's `os.ReadDir`). Symlinks are described
/// as links, not followed. `ContentType` is left empty, as Nomad leaves it. A FIFO, socket
/// or device is refused with a 400 naming what it is (Go's `ReadDir` would open it, and wait
/// on a FIFO forever).
pub async fn list(alloc_dir: &Path, path: &str) -> Result<Vec<AllocFileInfo>, FsError> {
    let (dir, path) = (alloc_dir.to_path_buf(), path.to_string());
    Limit::of(alloc_dir).run(move || list_now(&dir, &path)).await
}

fn list_now(alloc_dir: &Path, path: &str) -> Result<Vec<AllocFileInfo>, FsError> {
    let root = Root::open(alloc_dir)?;
    let found = match root.lookup(path, Open::Dir) {
        Ok(found) => found,
        // Not a directory: what is it? Go's ReadDir opens a file, then fails with `readdirent`.
        Err(FsError::Io { source, path: full, .. }) if source.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(match root.lookup(path, Open::Path).map(|f| f.stat.file_type()) {
                // (A directory now: it was a file a moment ago, and that is the answer.)
                Ok(FileType::RegularFile | FileType::Directory) => FsError::io("readdirent", full)(source),
                Ok(other) => FsError::NotRegular { path: path.to_string(), kind: kind_name(other) },
                Err(FsError::Io { source, .. }) => FsError::io("open", full)(source),
                Err(e) => e,
            });
        }
        Err(FsError::Io { source, path: full, .. }) => return Err(FsError::io("open", full)(source)),
        Err(e) => return Err(e),
    };
    let mut files: Vec<AllocFileInfo> = entries(found.fd.as_fd(), &found.full)?
        .into_iter()
        .map(|(name, meta)| file_info(name.to_string_lossy().into_owned(), &meta))
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// A directory's entries read from its descriptor, each `lstat`ed relative to it.
pub(crate) fn entries(dir: BorrowedFd<'_>, full: &Path) -> Result<Vec<(std::ffi::OsString, Meta)>, FsError> {
    let readdir = |e: Errno| FsError::io("readdirent", full)(e.into());
    let mut reader = Dir::read_from(dir).map_err(|e| FsError::io("open", full)(e.into()))?;
    let mut out = Vec::new();
    while let Some(entry) = reader.read() {
        let entry = entry.map_err(readdir)?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let meta = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(|e| FsError::io("lstat", full.join(name))(e.into()))?;
        out.push((name.to_os_string(), Meta::of(&meta)));
    }
    Ok(out)
}

/// A directory's entry names only, from its descriptor.
pub(crate) fn names(dir: BorrowedFd<'_>, full: &Path) -> Result<Vec<std::ffi::OsString>, FsError> {
    let mut reader = Dir::read_from(dir).map_err(|e| FsError::io("open", full)(e.into()))?;
    let mut out = Vec::new();
    while let Some(entry) = reader.read() {
        let entry = entry.map_err(|e| FsError::io("readdirent", full)(e.into()))?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name != "." && name != ".." {
            out.push(name.to_os_string());
        }
    }
    Ok(out)
}

/// One file or directory, symlinks followed, with `ContentType` sniffed from its first
/// 512 bytes as Go's `http.DetectContentType` does (`.json` names are `application/json`).
/// A FIFO, socket or device is described (its `FileMode` says what it is) but never opened.
pub async fn stat(alloc_dir: &Path, path: &str) -> Result<AllocFileInfo, FsError> {
    let (dir, path) = (alloc_dir.to_path_buf(), path.to_string());
    Limit::of(alloc_dir).run(move || stat_now(&dir, &path)).await
}

fn stat_now(alloc_dir: &Path, path: &str) -> Result<AllocFileInfo, FsError> {
    let root = Root::open(alloc_dir)?;
    let found = root.lookup(path, Open::Path)?;
    let mut info = file_info(Root::name(&found), &found.stat);
    info.content_type = content_type(&root, &found);
    Ok(info)
}

fn file_info(name: String, meta: &Meta) -> AllocFileInfo {
    AllocFileInfo {
        name,
        is_dir: meta.is_dir(),
        size: meta.size,
        file_mode: file_mode(meta),
        mod_time: DateTime::from_unix_nanos(meta.mtime.max(0)),
        content_type: String::new(),
    }
}

/// Best effort, as in Nomad: an unreadable, empty or special file stays octet-stream.
fn content_type(root: &Root, found: &Found) -> String {
    let mut kind = "application/octet-stream";
    if found.stat.file_type() == FileType::RegularFile {
        if let Ok(file) = root.reopen(found) {
            let mut head = [0u8; 512];
            if let Ok(n @ 1..) = file.read_at(&mut head, 0) {
                kind = detect_content_type(&head[..n]);
            }
        }
    }
    // Nomad looks at the path as requested, not where a symlink leads.
    if found.full.to_string_lossy().ends_with(".json") {
        kind = "application/json";
    }
    kind.to_string()
}

/// Go's `os.FileMode.String()`: type letters from "dalTLDpSugct?" then `rwxrwxrwx`.
pub(crate) fn file_mode(meta: &Meta) -> String {
    let ft = meta.file_type();
    let mode = meta.mode;
    let device = matches!(ft, FileType::BlockDevice | FileType::CharacterDevice);
    let flags = [
        ('d', ft == FileType::Directory),
        ('L', ft == FileType::Symlink),
        ('D', device),
        ('p', ft == FileType::Fifo),
        ('S', ft == FileType::Socket),
        ('u', mode & 0o4000 != 0),
        ('g', mode & 0o2000 != 0),
        ('c', ft == FileType::CharacterDevice),
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
