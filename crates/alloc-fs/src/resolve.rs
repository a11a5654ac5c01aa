//! Confining a request path to the allocation directory, as Nomad's
//! `escapingfs.PathEscapesAllocDir` does: by `..` and by symlinks.

use crate::error::FsError;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Resolves `path` (relative to the allocation directory; a leading `/`, `""` and `"/"` all
/// mean its root, as in Nomad) to a path on disk inside `alloc_dir`.
///
/// Refused with [`FsError::PathEscapes`]: `..` climbing above the root, and a path whose
/// symlinks resolve outside it. An absolute path such as `/etc/passwd` names
/// `<alloc_dir>/etc/passwd`, never the host's file. An existing path is returned with its
/// symlinks resolved, so what is opened is what was checked.
pub fn resolve(alloc_dir: &Path, path: &str) -> Result<PathBuf, FsError> {
    Ok(Resolved::new(alloc_dir, path)?.full)
}

pub(crate) struct Resolved {
    /// The allocation directory, symlinks resolved.
    root: PathBuf,
    /// `root` joined with the cleaned request path, symlinks not resolved.
    lexical: PathBuf,
    /// What to open: `lexical` with symlinks resolved when it exists.
    pub full: PathBuf,
}

impl Resolved {
    pub fn new(alloc_dir: &Path, path: &str) -> Result<Resolved, FsError> {
        let rel = clean(path)?;
        let root = alloc_dir.canonicalize().map_err(FsError::io("stat", alloc_dir))?;
        let lexical = root.join(rel);
        let full = match lexical.canonicalize() {
            Ok(real) => real,
            Err(e) if is_missing(&e) => {
                // Nothing to open yet (a log not yet created): still refuse a missing file
                // under a directory symlinked out of the allocation.
                let existing = lexical.ancestors().skip(1).find_map(|a| a.canonicalize().ok());
                if existing.is_some_and(|real| !real.starts_with(&root)) {
                    return Err(FsError::PathEscapes);
                }
                lexical.clone()
            }
            Err(e) => return Err(FsError::io("stat", lexical)(e)),
        };
        if !full.starts_with(&root) {
            return Err(FsError::PathEscapes);
        }
        Ok(Resolved { root, lexical, full })
    }

    /// The final name as requested (Go's `FileInfo.Name()` of the joined path).
    pub fn name(&self) -> String {
        self.lexical
            .file_name()
            .unwrap_or(self.lexical.as_os_str())
            .to_string_lossy()
            .into_owned()
    }

    /// Refuses reading a task's `secrets` or `private` directory, as Nomad's `ReadAt` does
    /// (listing and stat stay allowed). `<alloc_dir>/<task>/secrets/...`, task != `alloc`.
    pub fn check_readable(&self, requested: &str) -> Result<(), FsError> {
        let rel = self.full.strip_prefix(&self.root).unwrap_or(&self.full);
        let mut parts = rel.components().map(|c| c.as_os_str());
        let (Some(task), Some(dir)) = (parts.next(), parts.next()) else {
            return Ok(());
        };
        if task == "alloc" {
            return Ok(());
        }
        match dir.to_str() {
            Some("secrets") => Err(FsError::SecretFile(requested.to_string())),
            Some("private") => Err(FsError::PrivateFile(requested.to_string())),
            _ => Ok(()),
        }
    }
}

fn is_missing(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

/// The request path made relative and free of `.` and `..`.
fn clean(path: &str) -> Result<PathBuf, FsError> {
    let mut out = PathBuf::new();
    for part in Path::new(path).components() {
        match part {
            Component::Normal(name) => out.push(name),
            Component::ParentDir => {
                if !out.pop() {
                    return Err(FsError::PathEscapes);
                }
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    Ok(out)
}
