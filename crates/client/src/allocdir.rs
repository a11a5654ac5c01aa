//! The allocation directory, laid out as Nomad's `client/allocdir`:
//! `<alloc>/alloc/{logs,data,tmp}` shared by the tasks, `<alloc>/<task>/{local,secrets,tmp}` each.
//!
//! Who may enter it (issue 16). Nomad's modes (`AllocDir.Build`, `TaskDir.Build`,
//! `dropDirPermissions` in `client/allocdir/`, v1.11.3) make every directory below the
//! allocation 0777 and nobody's, and rely on the allocation root (0755) and chroots for the
//! rest; its `raw_exec` tasks run as root. Here, when the agent is root, each allocation has a
//! dynamic workload user (`caravan_workload::users`) and its root is `root:<that group>` 0750:
//! only the allocation's tasks, which all carry its group, can enter it. Inside, Nomad's modes
//! hold, with three exceptions: `alloc/` is sticky (a task cannot swap `logs` for a link), the
//! agent alone writes `alloc/logs` (it writes there as root), and `secrets/` is its task's
//! alone (0700). Task directories belong to the task's user. Without root, the modes are the
//! same and everything belongs to the agent's user.
//!
//! The allocation's group is the record of its user: an agent restarted on the directory leases
//! that id again, or another one (and gives the allocation's files to it) if it was taken.

use caravan_workload::users::{self, Lease, DYNAMIC_USER_MAX, DYNAMIC_USER_MIN};
use std::fs::{OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Name of the directory shared by the allocation's tasks (`allocdir.SharedAllocName`).
pub(crate) const SHARED_ALLOC_NAME: &str = "alloc";
/// The shared directories and their modes (`SharedAllocDirs`, 0777 in Nomad; see the module doc).
const SHARED_DIRS: [(&str, u32); 3] = [("logs", 0o755), ("data", 0o777), ("tmp", 0o1777)];
pub(crate) const TASK_LOCAL: &str = "local";
pub(crate) const TASK_SECRETS: &str = "secrets";
/// A task's directories and their modes (`TaskDirs`: `tmp` sticky; `local` 0777).
const TASK_DIRS: [(&str, u32); 3] = [(TASK_LOCAL, 0o777), (TASK_SECRETS, 0o700), ("tmp", 0o1777)];

#[derive(Debug, Clone)]
pub(crate) struct AllocDir {
    root: PathBuf,
    /// The allocation's dynamic workload user, once the directory is built by a root agent.
    user: Arc<OnceLock<Lease>>,
}

impl AllocDir {
    pub(crate) fn new(data_dir: &Path, alloc_id: &str) -> Self {
        AllocDir { root: data_dir.join("alloc").join(alloc_id), user: Arc::default() }
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

    /// The allocation's dynamic workload user (uid and gid), when it has one.
    pub(crate) fn user(&self) -> Option<u32> {
        self.user.get().map(Lease::id)
    }

    /// Builds the allocation root and the shared directory (`AllocDir.Build`).
    pub(crate) fn build(&self) -> io::Result<()> {
        mkdir(&self.root)?;
        let group = if users::is_root() { Some(self.lease()?) } else { None };
        set_mode(&self.root, if group.is_some() { 0o750 } else { 0o755 }, group.map(|g| (0, g)))?;
        let shared = self.shared_dir();
        mkdir(&shared)?;
        set_mode(&shared, 0o1777, group.map(|g| (0, g)))?;
        for (name, mode) in SHARED_DIRS {
            let dir = shared.join(name);
            mkdir(&dir)?;
            set_mode(&dir, mode, group.map(|g| (0, g)))?;
        }
        Ok(())
    }

    /// Leases the allocation's user: the one its directory names, or a new one.
    fn lease(&self) -> io::Result<u32> {
        if let Some(lease) = self.user.get() {
            return Ok(lease.id());
        }
        let recorded = std::fs::metadata(&self.root)?.gid();
        let lease = match users::reclaim(recorded) {
            Some(lease) => lease,
            None => {
                let lease = users::acquire()?;
                if (DYNAMIC_USER_MIN..=DYNAMIC_USER_MAX).contains(&recorded) {
                    tracing::info!(from = recorded, to = lease.id(), dir = %self.root.display(), "the allocation's user was taken: its files move to another");
                    reown_tree(&self.root, recorded, lease.id())?;
                }
                lease
            }
        };
        let id = lease.id();
        // Built once per runner; a lease that lost a race goes back at once.
        let _ = self.user.set(lease);
        Ok(self.user().unwrap_or(id))
    }

    /// Builds one task's directory (`TaskDir.Build`), owned by `owner` (uid, gid) if given.
    /// The name is checked here too, whoever checked it before: no task name may put a
    /// directory outside the allocation's.
    pub(crate) fn build_task_dir(&self, task: &str, owner: Option<(u32, u32)>) -> io::Result<()> {
        check_name("task", task).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let dir = self.task_dir(task);
        mkdir(&dir)?;
        set_mode(&dir, 0o777, owner)?;
        for (name, mode) in TASK_DIRS {
            mkdir(&dir.join(name))?;
            set_mode(&dir.join(name), mode, owner)?;
        }
        Ok(())
    }

    pub(crate) fn destroy(&self) -> io::Result<()> {
        remove_tree(&self.root)
    }
}

/// Makes the data directory's parts as Nomad's client does (`client/client.go` `init`): the
/// client's state 0700, the allocations 0711 (crossed by tasks, never listed); the server's
/// state, if there is one, 0700 too. The data directory itself must be crossed to reach the
/// allocations: it gets the search bits (and keeps its other bits: it may be a directory the
/// agent does not own).
pub fn prepare_data_dir(data_dir: &Path) -> io::Result<()> {
    let mode = std::fs::metadata(data_dir)?.permissions().mode() & 0o7777;
    if mode & 0o011 != 0o011 {
        std::fs::set_permissions(data_dir, Permissions::from_mode(mode | 0o011))?;
    }
    if data_dir.join("server").is_dir() {
        private_dir(&data_dir.join("server"))?;
    }
    for (name, mode) in [("client", 0o700), ("alloc", 0o711)] {
        let dir = data_dir.join(name);
        mkdir(&dir)?;
        set_mode(&dir, mode, None)?;
    }
    if users::is_root() {
        // Tasks reach their directories by absolute paths (NOMAD_ALLOC_DIR, ...).
        let closed = data_dir.ancestors().skip(1).find(|d| std::fs::metadata(d).is_ok_and(|m| m.mode() & 0o001 == 0));
        if let Some(dir) = closed {
            tracing::warn!(dir = %dir.display(), "tasks run as unprivileged users and cannot cross this directory to reach theirs");
        }
    }
    Ok(())
}

/// Makes a directory only the agent's user may enter (0700), or makes an existing one so.
pub fn private_dir(path: &Path) -> io::Result<()> {
    mkdir(path)?;
    set_mode(path, 0o700, None)
}

/// Removes a directory and everything in it; one already gone is fine.
pub(crate) fn remove_tree(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn mkdir(path: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
        }
        other => other,
    }
}

/// Sets a directory's mode (and owner), never through a symbolic link a task put in its place.
fn set_mode(path: &Path, mode: u32, owner: Option<(u32, u32)>) -> io::Result<()> {
    let dir = OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_DIRECTORY | nix::libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(&dir, Some(uid), Some(gid))?;
    }
    // After chown, which clears the sticky and set-id bits of some systems.
    dir.set_permissions(Permissions::from_mode(mode))
}

/// Gives everything under `root` that belongs to uid or gid `from` to `to` instead (links
/// themselves, never what they point to).
fn reown_tree(root: &Path, from: u32, to: u32) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(root)?;
    let swap = |id: u32| if id == from { Some(to) } else { None };
    if swap(meta.uid()).is_some() || swap(meta.gid()).is_some() {
        std::os::unix::fs::lchown(root, swap(meta.uid()), swap(meta.gid()))?;
        if !meta.file_type().is_symlink() {
            // chown clears set-id bits; put the mode back.
            std::fs::set_permissions(root, Permissions::from_mode(meta.mode() & 0o7777))?;
        }
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(root)? {
            reown_tree(&entry?.path(), from, to)?;
        }
    }
    Ok(())
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

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().mode() & 0o7777
    }

    #[test]
    fn builds_nomads_layout_closed_to_other_allocations() {
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir(data.path().join("server")).unwrap();
        prepare_data_dir(data.path()).unwrap();
        assert_eq!((mode(data.path()) & 0o011, mode(&data.path().join("alloc"))), (0o011, 0o711));
        assert_eq!((mode(&data.path().join("client")), mode(&data.path().join("server"))), (0o700, 0o700));
        let dir = AllocDir::new(data.path(), "a1");
        dir.build().unwrap();
        dir.build_task_dir("web", dir.user().map(|u| (u, u))).unwrap();
        assert_eq!(mode(&dir.shared_dir()), 0o1777);
        assert_eq!(mode(&dir.logs_dir()), 0o755);
        assert_eq!(mode(&dir.task_dir("web").join("secrets")), 0o700);
        assert_eq!(mode(&dir.task_dir("web").join("tmp")), 0o1777);
        if users::is_root() {
            let user = dir.user().expect("a root agent gives the allocation a user");
            assert_eq!(mode(dir.root()), 0o750);
            let root = std::fs::metadata(dir.root()).unwrap();
            assert_eq!((root.uid(), root.gid()), (0, user));
            let local = std::fs::metadata(dir.task_dir("web").join("local")).unwrap();
            assert_eq!((local.uid(), local.gid()), (user, user));
            // A restarted agent takes the same user back, or moves the files to a new one.
            std::fs::write(dir.task_dir("web").join("local/f"), "x").unwrap();
            std::os::unix::fs::chown(dir.task_dir("web").join("local/f"), Some(user), Some(user)).unwrap();
            let held = dir.user.get().map(Lease::id);
            let again = AllocDir::new(data.path(), "a1");
            again.build().unwrap();
            let moved = again.user().unwrap();
            assert_ne!(Some(moved), None);
            assert_ne!(moved, held.unwrap(), "the first runner still holds its user");
            let file = std::fs::metadata(again.task_dir("web").join("local/f")).unwrap();
            assert_eq!((file.uid(), file.gid()), (moved, moved));
            drop(dir);
            drop(again);
            let third = AllocDir::new(data.path(), "a1");
            third.build().unwrap();
            assert_eq!(third.user(), Some(moved), "the directory's user, free again, is taken back");
        }
    }

    #[test]
    fn a_link_in_place_of_a_task_directory_is_refused() {
        let data = tempfile::tempdir().unwrap();
        let dir = AllocDir::new(data.path(), "a1");
        dir.build().unwrap();
        std::fs::create_dir(dir.task_dir("web")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.task_dir("web").join("local")).unwrap();
        assert!(dir.build_task_dir("web", None).is_err());
        assert_eq!(std::fs::metadata("/etc").unwrap().mode() & 0o777, 0o755);
    }

    #[test]
    fn builds_no_task_directory_outside_the_allocation() {
        let data = tempfile::tempdir().unwrap();
        let dir = AllocDir::new(data.path(), "a1");
        dir.build().unwrap();
        for bad in ["", ".", "..", "../../../x", "a/b", "a\0b", "alloc"] {
            let e = dir.build_task_dir(bad, None).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(!data.path().join("x").exists() && !data.path().join("alloc/x").exists());
        dir.build_task_dir("web", None).unwrap();
        assert!(dir.root().join("web/local").is_dir());
    }
}
