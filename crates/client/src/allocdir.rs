//! The allocation directory, laid out as Nomad's `client/allocdir`:
//! `<alloc>/alloc/{logs,data,tmp}` shared by the tasks, `<alloc>/<task>/{local,secrets,tmp}` each.

use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Name of the directory shared by the allocation's tasks (`allocdir.SharedAllocName`).
pub(crate) const SHARED_ALLOC_NAME: &str = "alloc";
const SHARED_DIRS: [&str; 3] = ["logs", "data", "tmp"];
pub(crate) const TASK_LOCAL: &str = "local";
pub(crate) const TASK_SECRETS: &str = "secrets";
const TASK_DIRS: [&str; 3] = [TASK_LOCAL, TASK_SECRETS, "tmp"];

#[derive(Debug, Clone)]
pub(crate) struct AllocDir {
    root: PathBuf,
}

impl AllocDir {
    pub(crate) fn new(data_dir: &Path, alloc_id: &str) -> Self {
        AllocDir { root: data_dir.join("alloc").join(alloc_id) }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn shared_dir(&self) -> PathBuf {
        self.root.join(SHARED_ALLOC_NAME)
    }

    pub(crate) fn logs_dir(&self) -> PathBuf {
        self.shared_dir().join("logs")
    }

    pub(crate) fn task_dir(&self, task: &str) -> PathBuf {
        self.root.join(task)
    }

    /// Builds the allocation root and the shared directory (`AllocDir.Build`).
    pub(crate) fn build(&self) -> io::Result<()> {
        mkdir(&self.root, 0o755)?;
        for d in SHARED_DIRS {
            mkdir(&self.shared_dir().join(d), 0o777)?;
        }
        Ok(())
    }

    /// Builds one task's directory (`TaskDir.Build`). The name is checked here too, whoever
    /// checked it before: no task name may put a directory outside the allocation's.
    pub(crate) fn build_task_dir(&self, task: &str) -> io::Result<()> {
        check_name("task", task).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let dir = self.task_dir(task);
        mkdir(&dir, 0o777)?;
        for d in TASK_DIRS {
            mkdir(&dir.join(d), if d == TASK_SECRETS { 0o700 } else { 0o777 })?;
        }
        Ok(())
    }

    pub(crate) fn destroy(&self) -> io::Result<()> {
        remove_tree(&self.root)
    }
}

/// Removes a directory and everything in it; one already gone is fine.
pub(crate) fn remove_tree(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn mkdir(path: &Path, mode: u32) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(mode).create(path)
}

/// An allocation ID or task name becomes a path component: refuse anything that could
/// escape the data directory or collide with the shared directory.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\0'])
        || (what == "task" && name == SHARED_ALLOC_NAME);
    if bad {
        Err(format!("invalid {what} name {name:?}"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_names_that_escape() {
        for bad in ["", ".", "..", "a/b", "../x"] {
            assert!(check_name("allocation", bad).is_err(), "{bad}");
        }
        assert!(check_name("task", "alloc").is_err());
        assert!(check_name("task", "web-1").is_ok());
    }

    #[test]
    fn builds_no_task_directory_outside_the_allocation() {
        let data = tempfile::tempdir().unwrap();
        let dir = AllocDir::new(data.path(), "a1");
        dir.build().unwrap();
        for bad in ["", ".", "..", "../../../x", "a/b", "a\0b", "alloc"] {
            let e = dir.build_task_dir(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(!data.path().join("x").exists() && !data.path().join("alloc/x").exists());
        dir.build_task_dir("web").unwrap();
        assert!(dir.root().join("web/local").is_dir());
    }
}
