//! Who a workload process runs as. A task's `User` is looked up as Nomad's executor does
//! (`setCmdUser` in `drivers/shared/executor/executor_unix.go`: the user's uid, primary gid and
//! group list; `USER`, `LOGNAME` and `HOME` set to the user's). A task without one runs, when
//! the agent is root, as a *dynamic workload user*: a uid/gid pair from Nomad's reserved range
//! (`client.users.dynamic_user_min/max`, 80000-89999 in `client/config/config.go`; the pool is
//! `helper/users/dynamic/pool.go`, Nomad 1.8+), named `nomad-<id>` with home `/nonexistent`
//! (`helper/users/dynamic/users.go`). Unlike Nomad, which hands one to each task of a driver
//! that asks for it (exec2), the local agent gives one to each *allocation*: its tasks share
//! the allocation directory, and no two allocations share a uid, so one allocation's processes
//! can neither read another's files nor reach its processes through `/proc`.
//!
//! Several agents may run on one host (tests start many), so an id is leased host-wide: a
//! lease holds an exclusive `flock` on `/run/caravan-agent/workload-users/<id>` as well as
//! its place in this process's set; the kernel drops the lock when the agent dies.

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::unistd::{Gid, Uid, User};
use std::collections::BTreeSet;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// `client.users.dynamic_user_min` and `_max` defaults (`client/config/config.go`, Nomad 1.8+).
pub const DYNAMIC_USER_MIN: u32 = 80_000;
pub const DYNAMIC_USER_MAX: u32 = 89_999;
/// `dynamic.Home`: a path that does not exist, as systemd gives its service users.
pub const DYNAMIC_HOME: &str = "/nonexistent";
/// Where the host-wide leases live; root's, mode 0700.
const LEASE_DIR: &str = "/run/caravan-agent/workload-users";

/// A user a process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    /// The supplementary groups (the user's, as `getgrouplist` gives them).
    pub groups: Vec<u32>,
    /// `USER` and `LOGNAME`.
    pub name: String,
    /// `HOME`.
    pub home: String,
}

impl Credentials {
    /// The dynamic workload user `id` (`dynamic.LookupUser` of `nomad-<id>`).
    pub fn dynamic(id: u32) -> Credentials {
        Credentials { uid: id, gid: id, groups: vec![id], name: format!("nomad-{id}"), home: DYNAMIC_HOME.to_string() }
    }

    /// The same user, also in group `gid` (the allocation's, so it can reach the allocation
    /// directory).
    pub fn with_group(mut self, gid: u32) -> Credentials {
        if !self.groups.contains(&gid) {
            self.groups.push(gid);
        }
        self
    }

    /// The variables `setCmdUser` sets for the user.
    pub fn env(&self) -> [(String, String); 3] {
        [
            ("USER".to_string(), self.name.clone()),
            ("LOGNAME".to_string(), self.name.clone()),
            ("HOME".to_string(), self.home.clone()),
        ]
    }
}

/// Why a user could not be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// Go's `user.Lookup` error (`user: unknown user X`, `user.UnknownUserError`).
    Identify { name: String, cause: String },
    /// `user.GroupIds` failed.
    Groups(String),
}

impl std::fmt::Display for LookupError {
    /// As the executor's `setCmdUser` words it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Identify { name, cause } => write!(f, "failed to identify user {name}: {cause}"),
            LookupError::Groups(cause) => write!(f, "unable to lookup user's group membership: {cause}"),
        }
    }
}

/// Looks a user up by name, as Go's `user.Lookup` and `User.GroupIds` do.
pub fn lookup(name: &str) -> Result<Credentials, LookupError> {
    let failed = |cause: String| LookupError::Identify { name: name.to_string(), cause };
    let unknown = || failed(format!("user: unknown user {name}"));
    let cname = CString::new(name).map_err(|_| unknown())?;
    let user = match User::from_name(name) {
        Ok(Some(user)) => user,
        Ok(None) => return Err(unknown()),
        Err(e) => return Err(failed(format!("user: lookup username {name}: {}", e.desc()))),
    };
    let groups = nix::unistd::getgrouplist(&cname, user.gid).map_err(|e| LookupError::Groups(e.desc().to_string()))?;
    Ok(Credentials {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        groups: groups.into_iter().map(Gid::as_raw).collect(),
        name: user.name,
        home: user.dir.to_string_lossy().into_owned(),
    })
}

/// Whether the agent can run processes as other users.
pub fn is_root() -> bool {
    Uid::effective().is_root()
}

/// A dynamic workload user id held by this agent until dropped.
#[derive(Debug)]
pub struct Lease {
    id: u32,
    _lock: Option<Flock<File>>,
}

impl Lease {
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        used().lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

fn used() -> &'static Mutex<BTreeSet<u32>> {
    static USED: OnceLock<Mutex<BTreeSet<u32>>> = OnceLock::new();
    USED.get_or_init(Default::default)
}

/// Leases an id no allocation of any agent on this host holds and no account of the host
/// has (`pool.Acquire`: a random one, then the first free).
pub fn acquire() -> io::Result<Lease> {
    let span = DYNAMIC_USER_MAX - DYNAMIC_USER_MIN + 1;
    let start = random_below(span);
    (0..span)
        .map(|i| DYNAMIC_USER_MIN + (start + i) % span)
        .find_map(try_lease)
        .ok_or_else(|| io::Error::other("users: uid/gid pool exhausted"))
}

/// Leases `id` again (an allocation directory restored after a restart); `None` when it is
/// not free any more.
pub fn reclaim(id: u32) -> Option<Lease> {
    (DYNAMIC_USER_MIN..=DYNAMIC_USER_MAX).contains(&id).then(|| try_lease(id)).flatten()
}

fn try_lease(id: u32) -> Option<Lease> {
    let mut used = used().lock().unwrap_or_else(|p| p.into_inner());
    if used.contains(&id) || !matches!(User::from_uid(Uid::from_raw(id)), Ok(None)) {
        return None;
    }
    let lock = match lease_dir() {
        Some(dir) => Some(lock_file(&dir.join(id.to_string()))?),
        None => None,
    };
    used.insert(id);
    Some(Lease { id, _lock: lock })
}

/// The lock of one id, or `None` when another agent holds it (or it cannot be taken).
fn lock_file(path: &Path) -> Option<Flock<File>> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Some(lock),
        Err((_, Errno::EWOULDBLOCK)) => None,
        Err((_, e)) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot lock a workload user lease");
            None
        }
    }
}

/// The host-wide lease directory, if it can be made safe (root's, not writable by others);
/// without it, ids are only unique within this process.
fn lease_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(LEASE_DIR);
        let made = std::fs::DirBuilder::new().recursive(true).create(&dir);
        let safe = |p: &Path| {
            std::fs::symlink_metadata(p)
                .is_ok_and(|m| m.is_dir() && m.uid() == Uid::effective().as_raw() && m.mode() & 0o022 == 0)
        };
        if made.is_ok() {
            // Nobody else needs to see which ids are leased.
            let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
        }
        match dir.parent() {
            Some(parent) if made.is_ok() && safe(parent) && safe(&dir) => Some(dir),
            _ => {
                tracing::warn!(
                    dir = LEASE_DIR,
                    "no safe host-wide lease directory: dynamic workload users are unique within this agent only"
                );
                None
            }
        }
    })
    .clone()
}

/// A number below `n`, good enough to spread leases (not for secrets).
fn random_below(n: u32) -> u32 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let mut x = u64::from(nanos) ^ (u64::from(std::process::id()) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    u32::try_from(x % u64::from(n)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_users_up_as_nomad_reports_them() {
        let root = lookup("root").unwrap();
        assert_eq!((root.uid, root.gid, root.name.as_str()), (0, 0, "root"));
        assert!(root.groups.contains(&0));
        assert_eq!(
            lookup("no-such-user-xyz").unwrap_err().to_string(),
            "failed to identify user no-such-user-xyz: user: unknown user no-such-user-xyz"
        );
        assert!(lookup("bad\0name").is_err());
    }

    #[test]
    fn dynamic_users_are_named_after_their_id() {
        let user = Credentials::dynamic(80_123).with_group(80_123).with_group(5);
        assert_eq!((user.uid, user.gid, user.groups.clone()), (80_123, 80_123, vec![80_123, 5]));
        assert_eq!(user.env()[0], ("USER".to_string(), "nomad-80123".to_string()));
        assert_eq!(user.env()[2], ("HOME".to_string(), "/nonexistent".to_string()));
    }

    #[test]
    fn a_lease_is_held_until_dropped() {
        let lease = acquire().unwrap();
        let id = lease.id();
        assert!((DYNAMIC_USER_MIN..=DYNAMIC_USER_MAX).contains(&id));
        assert!(reclaim(id).is_none(), "held");
        drop(lease);
        let again = reclaim(id).expect("free again");
        assert_eq!(again.id(), id);
        assert!(reclaim(DYNAMIC_USER_MAX + 1).is_none(), "outside the range");
    }
}
