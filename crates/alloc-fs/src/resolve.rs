//! Opening a path of the allocation directory without ever leaving it, whatever a task does
//! to the directory while the request runs.
//!
//! Nomad checks a path first (`helper/escapingfs/escapes.go` `PathEscapesAllocDir`: `..`,
//! then `filepath.EvalSymlinks` and a prefix check) and opens it after
//! (`client/allocdir/alloc_dir.go` `List`, `Stat`, `ReadAt`). Between the two a task can
//! swap a checked directory for a symlink to `/` (issue 16: `renameat2(RENAME_EXCHANGE)` in a
//! loop made `/fs/cat` answer the host's `/etc/passwd`). Here the path is resolved and opened
//! in one step beneath a descriptor of the allocation directory: `openat2` with
//! `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`, where the kernel refuses any step out of it
//! (`..` above it, an absolute symlink, a symlink climbing out) with `EXDEV`. Where the kernel
//! has no `openat2` (before 5.6), a walk does the same in user space, one component at a
//! time from directory descriptors opened `O_NOFOLLOW`, following symlinks itself.
//!
//! What is opened is an `O_PATH` descriptor, which opens nothing for reading: a FIFO,
//! device or socket is classified by `fstat` and never opened (opening a FIFO for reading
//! blocks until a writer comes, the second half of issue 16). Every later step works on
//! descriptors: [`Root::reopen`] turns a checked regular file into a readable one through
//! the same inode, and directories are read with `getdents` on their descriptor.
//!
//! Symlinks: Nomad allows a symlink whose target stays inside the allocation directory and
//! refuses one that leaves it (`escapingfs`). Relative links that stay inside are followed
//! here too; an absolute link is refused even when it names a path inside (the kernel's
//! `RESOLVE_BENEATH` rule, and this agent's task directories never hold one).

use crate::error::FsError;
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use rustix::fs::{fstat, openat, openat2, readlinkat, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;
use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Resolves `path` (relative to the allocation directory; a leading `/`, `""` and `"/"` all
/// mean its root, as in Nomad) to the path it names on disk inside `alloc_dir`, symlinks
/// resolved: for display and checks only. The endpoints never open a path this returns:
/// they open beneath the directory in one step (see the module docs).
///
/// Refused with [`FsError::PathEscapes`]: `..` climbing above the root, and a path whose
/// symlinks leave it. An absolute path such as `/etc/passwd` names `<alloc_dir>/etc/passwd`,
/// never the host's file. A path that does not exist yet (a log about to be created) is
/// returned as written, unless a symlink on the way to it leaves the directory.
pub fn resolve(alloc_dir: &Path, path: &str) -> Result<PathBuf, FsError> {
    let root = Root::open(alloc_dir)?;
    match root.lookup(path, Open::Path) {
        Ok(found) => Ok(root.real.join(root.real_path(&found)?)),
        Err(FsError::Io { source, .. }) if is_missing(&source) => Ok(root.real.join(clean(path)?)),
        Err(e) => Err(e),
    }
}

/// The allocation directory, open.
pub(crate) struct Root {
    fd: OwnedFd,
    /// Its path with symlinks resolved: error messages name paths under it, as Nomad's do.
    pub real: PathBuf,
}

/// How to open what a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// `O_PATH`: a handle to stat, never a read (so never a FIFO's or a device's open).
    Path,
    /// A directory, to list: anything else is `ENOTDIR` and is not opened.
    Dir,
}

impl Open {
    pub fn flags(self) -> OFlags {
        match self {
            Open::Path => OFlags::PATH | OFlags::CLOEXEC,
            Open::Dir => OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NONBLOCK | OFlags::CLOEXEC,
        }
    }
}

/// What a path named, open, and where it was found.
pub(crate) struct Found {
    pub fd: OwnedFd,
    pub stat: Meta,
    /// The request path cleaned, relative to the root (Go's `filepath.Join` of it).
    pub rel: PathBuf,
    /// `<root>/<rel>`, symlinks not resolved: the path error messages and `Name` use.
    pub full: PathBuf,
    /// Where the walk found it, relative to the root (the walk knows; `openat2` does not).
    walked: Option<PathBuf>,
}

/// The parts of `stat(2)` the endpoints use, in fixed types (`rustix::fs::Stat`'s differ by
/// architecture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meta {
    pub mode: u32,
    pub size: i64,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime: i64,
}

impl Found {
    pub fn new(fd: OwnedFd, stat: Meta, rel: PathBuf, full: PathBuf, walked: Option<PathBuf>) -> Found {
        Found { fd, stat, rel, full, walked }
    }
}

impl Meta {
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)] // the field types vary by target
    pub fn of(st: &Stat) -> Meta {
        let secs = i64::from(st.st_mtime);
        let nanos = i64::try_from(st.st_mtime_nsec).unwrap_or(0);
        Meta {
            mode: st.st_mode as u32,
            size: st.st_size as i64,
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            nlink: st.st_nlink as u64,
            mtime: secs.saturating_mul(1_000_000_000).saturating_add(nanos),
        }
    }

    pub fn file_type(&self) -> FileType {
        FileType::from_raw_mode(self.mode)
    }

    pub fn is_dir(&self) -> bool {
        self.file_type() == FileType::Directory
    }

    /// Same file: what was checked is what is read.
    pub fn same_file(&self, other: &Meta) -> bool {
        (self.dev, self.ino) == (other.dev, other.ino)
    }
}

/// `fstat` of a descriptor.
pub(crate) fn stat_fd(fd: BorrowedFd<'_>) -> Result<Meta, Errno> {
    fstat(fd).map(|st| Meta::of(&st))
}

/// What a file that is neither regular nor a directory is, in words, for errors.
pub(crate) fn kind_name(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::Fifo => "named pipe",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character device",
        FileType::BlockDevice => "block device",
        FileType::Unknown => "special file",
    }
}

impl Root {
    /// Opens the allocation directory. Its path belongs to the agent; only what is below it
    /// belongs to the task. The directory itself is never a symlink.
    pub fn open(alloc_dir: &Path) -> Result<Root, FsError> {
        let real = alloc_dir.canonicalize().map_err(FsError::io("stat", alloc_dir))?;
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd =
            openat(rustix::fs::CWD, &real, flags, Mode::empty()).map_err(|e| FsError::io("open", &real)(e.into()))?;
        Ok(Root { fd, real })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Opens what `path` names beneath the root, as `how` says, with its `fstat`. Leaving the
    /// root is [`FsError::PathEscapes`]; any other failure is `stat <full>: <errno>`.
    pub fn lookup(&self, path: &str, how: Open) -> Result<Found, FsError> {
        let rel = clean(path)?;
        let full = self.real.join(&rel);
        let failed = |e: Errno| match e {
            Errno::XDEV => FsError::PathEscapes,
            e => FsError::io("stat", &full)(e.into()),
        };
        let (fd, walked) = open_beneath(self.fd(), &rel, how.flags()).map_err(failed)?;
        let stat = stat_fd(fd.as_fd()).map_err(failed)?;
        Ok(Found { fd, stat, rel, full, walked })
    }

    /// Where `found` is now, relative to the root: what the secret-file rule looks at.
    pub fn real_path(&self, found: &Found) -> Result<PathBuf, FsError> {
        if let Some(walked) = &found.walked {
            return Ok(walked.clone());
        }
        let link = format!("/proc/self/fd/{}", found.fd.as_raw_fd());
        let real = std::fs::read_link(&link).map_err(FsError::io("readlink", &link))?;
        // Moved out of the directory since it was opened: not ours to read any more.
        real.strip_prefix(&self.real).map(Path::to_path_buf).map_err(|_| FsError::PathEscapes)
    }

    /// A descriptor to read the regular file `found` with, of the same inode. Through
    /// `/proc/self/fd` where there is a proc filesystem; else opened again beneath the root
    /// (non-blocking, so a FIFO swapped in meanwhile cannot block) and refused unless it is
    /// still the same file.
    pub fn reopen(&self, found: &Found) -> Result<std::fs::File, FsError> {
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let failed = |e: Errno| FsError::io("open", &found.full)(e.into());
        let link = format!("/proc/self/fd/{}", found.fd.as_raw_fd());
        let fd = match openat(rustix::fs::CWD, link.as_str(), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) if !Path::new("/proc/self/fd").exists() => {
                let (fd, _) = open_beneath(self.fd(), &found.rel, flags).map_err(|e| match e {
                    Errno::XDEV => FsError::PathEscapes,
                    e => failed(e),
                })?;
                fd
            }
            Err(e) => return Err(failed(e)),
        };
        let stat = stat_fd(fd.as_fd()).map_err(failed)?;
        if !stat.same_file(&found.stat) {
            return Err(failed(Errno::AGAIN));
        }
        Ok(std::fs::File::from(fd))
    }

    /// The name `Stat` reports: the last component as requested (Go's `FileInfo.Name()` of
    /// the joined path).
    pub fn name(found: &Found) -> String {
        found.full.file_name().unwrap_or(found.full.as_os_str()).to_string_lossy().into_owned()
    }
}

/// Refuses reading a task's `secrets` or `private` directory, as Nomad's `ReadAt` does
/// (listing and stat stay allowed): `<task>/secrets/...` with `task` not `alloc`. Nomad
/// looks at the path as requested; so does this, and also at where the file really is, so
/// a symlink into a secrets directory is refused too.
pub(crate) fn check_readable(requested: &str, paths: [&Path; 2]) -> Result<(), FsError> {
    for rel in paths {
        let mut parts = rel.components().map(|c| c.as_os_str());
        let (Some(task), Some(dir)) = (parts.next(), parts.next()) else { continue };
        if task == "alloc" {
            continue;
        }
        match dir.to_str() {
            Some("secrets") => return Err(FsError::SecretFile(requested.to_string())),
            Some("private") => return Err(FsError::PrivateFile(requested.to_string())),
            _ => {}
        }
    }
    Ok(())
}

pub(crate) fn is_missing(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory)
}

/// The request path made relative and free of `.` and `..` (Go's `filepath.Join` cleans it
/// the same way before anything is looked up).
pub(crate) fn clean(path: &str) -> Result<PathBuf, FsError> {
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

/// Set once the kernel has said it has no `openat2` (`ENOSYS`): walk from then on.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

/// Tries of `openat2` that the kernel answers `EAGAIN` (a rename somewhere raced a `..`
/// step) before the walk takes over.
const OPENAT2_TRIES: usize = 16;

/// Opens `rel` (clean and relative) beneath `base`; `EXDEV` when it would leave `base`.
/// The walk's answer also says where it found the file.
pub(crate) fn open_beneath(
    base: BorrowedFd<'_>,
    rel: &Path,
    flags: OFlags,
) -> Result<(OwnedFd, Option<PathBuf>), Errno> {
    if !NO_OPENAT2.load(Ordering::Relaxed) {
        let path = if rel.as_os_str().is_empty() { Path::new(".") } else { rel };
        let resolve = ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS;
        for _ in 0..OPENAT2_TRIES {
            match openat2(base, path, flags, Mode::empty(), resolve) {
                Err(Errno::AGAIN | Errno::INTR) => continue,
                // No openat2 in this kernel (or a seccomp filter denies it): walk.
                Err(Errno::NOSYS) => {
                    NO_OPENAT2.store(true, Ordering::Relaxed);
                    break;
                }
                Err(Errno::PERM) => break,
                result => return result.map(|fd| (fd, None)),
            }
        }
    }
    walk(base, rel, flags).map(|(fd, walked)| (fd, Some(walked)))
}

/// Symlinks followed in one lookup before `ELOOP`, as the kernel's limit.
const MAX_LINKS: usize = 40;
/// Steps of one walk, retries after a race included, before giving up with `EAGAIN`.
const MAX_STEPS: usize = 4096;

/// `openat2(RESOLVE_BENEATH)` in user space: each component is looked at with `readlinkat`
/// and opened `O_NOFOLLOW` from the descriptor of the directory before it, so a component
/// swapped for a symlink between the two is seen (`ELOOP`/`ENOTDIR`, or an `O_PATH` handle
/// of a link) and looked at again. `..` goes back to the previous descriptor; above `base`
/// it is `EXDEV`, as is an absolute symlink.
pub(crate) fn walk(base: BorrowedFd<'_>, rel: &Path, flags: OFlags) -> Result<(OwnedFd, PathBuf), Errno> {
    let mut pending: VecDeque<OsString> = components(rel.as_os_str()).collect();
    // The directories entered below `base`, with their names.
    let mut dirs: Vec<(OwnedFd, OsString)> = Vec::new();
    let (mut links, mut steps) = (0, 0);
    let dir_flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    while let Some(name) = pending.pop_front() {
        steps += 1;
        if steps > MAX_STEPS {
            return Err(Errno::AGAIN);
        }
        if name == ".." {
            dirs.pop().ok_or(Errno::XDEV)?;
            continue;
        }
        let cur = dirs.last().map_or(base, |(fd, _)| fd.as_fd());
        match readlinkat(cur, name.as_os_str(), Vec::new()) {
            Ok(target) => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(Errno::LOOP);
                }
                let target = OsStr::from_bytes(target.as_bytes());
                if target.as_bytes().starts_with(b"/") {
                    return Err(Errno::XDEV);
                }
                for part in components(target).collect::<Vec<_>>().into_iter().rev() {
                    pending.push_front(part);
                }
                continue;
            }
            Err(Errno::INVAL) => {}
            Err(e) => return Err(e),
        }
        let last = pending.is_empty();
        let opened =
            openat(cur, name.as_os_str(), if last { flags | OFlags::NOFOLLOW } else { dir_flags }, Mode::empty());
        let fd = match opened {
            Ok(fd) if stat_fd(fd.as_fd())?.file_type() == FileType::Symlink => Err(None),
            Ok(fd) => Ok(fd),
            Err(e @ (Errno::LOOP | Errno::NOTDIR)) => Err(Some(e)),
            Err(e) => return Err(e),
        };
        let fd = match fd {
            Ok(fd) => fd,
            Err(error) => {
                // It may have become a symlink since `readlinkat`, or have been one only
                // for a moment: look again. What stays a file where a directory is needed
                // is ENOTDIR.
                let now = rustix::fs::statat(cur, name.as_os_str(), rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .map(|st| Meta::of(&st).file_type());
                match (now, error) {
                    (Ok(FileType::Symlink), _) | (Ok(_), None) | (Ok(FileType::Directory), Some(Errno::NOTDIR)) => {
                        pending.push_front(name);
                        continue;
                    }
                    (Ok(_), Some(e)) | (Err(e), _) => return Err(e),
                }
            }
        };
        if last {
            let mut walked: PathBuf = dirs.iter().map(|(_, n)| n.as_os_str()).collect();
            walked.push(&name);
            return Ok((fd, walked));
        }
        dirs.push((fd, name));
    }
    // The path ended on a directory already entered (or was empty): open it as asked.
    let cur = dirs.last().map_or(base, |(fd, _)| fd.as_fd());
    let fd = openat(cur, ".", flags, Mode::empty())?;
    Ok((fd, dirs.iter().map(|(_, n)| n.as_os_str()).collect()))
}

/// The components of a relative path or link target; `.` and empty ones dropped, `..` kept.
fn components(path: &OsStr) -> impl Iterator<Item = OsString> + '_ {
    path.as_bytes()
        .split(|&b| b == b'/')
        .filter(|part| !part.is_empty() && *part != b".")
        .map(|part| OsStr::from_bytes(part).to_os_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, MetadataExt};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    /// `<root>/alloc/{data,logs}` with a file, and the root open.
    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["alloc/data", "alloc/logs", "web/secrets"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        std::fs::write(dir.path().join("alloc/data/f"), b"file").expect("write");
        let root = Root::open(dir.path()).expect("root");
        (dir, root)
    }

    type Opener = fn(BorrowedFd<'_>, &Path, OFlags) -> Result<(OwnedFd, Option<PathBuf>), Errno>;

    /// Both ways of opening beneath: `openat2` (where the kernel has it) and the walk.
    const WAYS: [(&str, Opener); 2] =
        [("openat2", open_beneath), ("walk", |base, rel, flags| walk(base, rel, flags).map(|(fd, p)| (fd, Some(p))))];

    fn inode(path: &Path) -> (u64, u64) {
        let meta = std::fs::metadata(path).expect("stat");
        (meta.dev(), meta.ino())
    }

    fn opened(open: Opener, root: &Root, rel: &str) -> Result<((u64, u64), Option<PathBuf>), Errno> {
        let (fd, walked) = open(root.fd(), Path::new(rel), Open::Path.flags())?;
        let meta = stat_fd(fd.as_fd())?;
        Ok(((meta.dev, meta.ino), walked))
    }

    #[test]
    fn symlinks_out_are_refused_both_ways() {
        let (dir, root) = tree();
        let data = dir.path().join("alloc/data");
        symlink("/", data.join("slash")).expect("symlink");
        symlink("/etc/hostname", data.join("host")).expect("symlink");
        symlink("../../..", data.join("up")).expect("symlink");
        symlink("../../../../../../../../../../etc", data.join("far")).expect("symlink");
        // Absolute, even naming a path inside: refused, as RESOLVE_BENEATH refuses it.
        symlink(dir.path().join("alloc/logs"), data.join("abs-inside")).expect("symlink");
        for (way, open) in WAYS {
            for rel in [
                "alloc/data/slash",
                "alloc/data/slash/etc/passwd",
                "alloc/data/host",
                "alloc/data/up",
                "alloc/data/up/x",
                "alloc/data/far/passwd",
                "alloc/data/abs-inside",
                "alloc/data/slash/no-such-file",
            ] {
                assert_eq!(opened(open, &root, rel).err(), Some(Errno::XDEV), "{way}: {rel}");
            }
        }
    }

    #[test]
    fn symlinks_that_stay_inside_are_followed_both_ways() {
        let (dir, root) = tree();
        let data = dir.path().join("alloc/data");
        symlink("../logs", data.join("logs")).expect("symlink");
        symlink("f", data.join("to-f")).expect("symlink");
        symlink("../../alloc/./data/to-f", data.join("chain")).expect("symlink");
        symlink("../../web/secrets", data.join("secrets")).expect("symlink");
        symlink("..", data.join("parent")).expect("symlink");
        let cases = [
            ("alloc/data/logs", "alloc/logs"),
            ("alloc/data/to-f", "alloc/data/f"),
            ("alloc/data/chain", "alloc/data/f"),
            ("alloc/data/secrets", "web/secrets"),
            ("alloc/data/parent", "alloc"),
            ("alloc/data/parent/data/f", "alloc/data/f"),
            ("", ""),
        ];
        for (way, open) in WAYS {
            for (rel, real) in cases {
                let (id, walked) = opened(open, &root, rel).unwrap_or_else(|e| panic!("{way}: {rel}: {e}"));
                assert_eq!(id, inode(&dir.path().join(real)), "{way}: {rel}");
                if way == "walk" {
                    assert_eq!(walked.as_deref(), Some(Path::new(real)), "{way}: {rel}");
                }
            }
        }
    }

    #[test]
    fn other_failures_are_the_kernels_both_ways() {
        let (dir, root) = tree();
        let data = dir.path().join("alloc/data");
        symlink("loop", data.join("loop")).expect("symlink");
        for (way, open) in WAYS {
            assert_eq!(opened(open, &root, "alloc/data/missing").err(), Some(Errno::NOENT), "{way}");
            assert_eq!(opened(open, &root, "alloc/data/f/x").err(), Some(Errno::NOTDIR), "{way}");
            assert_eq!(opened(open, &root, "alloc/data/loop").err(), Some(Errno::LOOP), "{way}");
            // A directory is asked for: a file is ENOTDIR and not opened.
            let dir_only = open(root.fd(), Path::new("alloc/data/f"), Open::Dir.flags()).err();
            assert_eq!(dir_only, Some(Errno::NOTDIR), "{way}");
        }
    }

    #[test]
    fn lookup_cleans_and_names_paths_inside() {
        let (dir, root) = tree();
        let real = dir.path().canonicalize().expect("canonical");
        for path in ["..", "../x", "alloc/../../x", "/../etc/passwd"] {
            assert!(matches!(root.lookup(path, Open::Path), Err(FsError::PathEscapes)), "{path}");
        }
        // An absolute path names a path inside: here, none.
        match root.lookup("/etc/passwd", Open::Path) {
            Err(FsError::Io { op, path, source }) => {
                assert_eq!((op, path, source.kind()), ("stat", real.join("etc/passwd"), std::io::ErrorKind::NotFound));
            }
            other => panic!("{:?}", other.map(|f| f.full)),
        }
        let found = root.lookup("/alloc//./data/../data/f", Open::Path).expect("found");
        assert_eq!((found.rel.as_path(), found.full.clone()), (Path::new("alloc/data/f"), real.join("alloc/data/f")));
        assert_eq!(root.real_path(&found).expect("real"), Path::new("alloc/data/f"));
        assert_eq!(Root::name(&found), "f");
    }

    /// A directory swapped with a symlink to `/` as fast as the kernel allows (issue 16): each
    /// way opens either the file inside or refuses, never the host's.
    #[test]
    fn a_racing_swap_never_leads_out() {
        let (dir, root) = tree();
        let data = dir.path().join("alloc/data");
        std::fs::create_dir_all(data.join("race/etc")).expect("mkdir");
        std::fs::write(data.join("race/etc/passwd"), b"inside").expect("write");
        symlink("/", data.join("slash")).expect("symlink");
        let inside = inode(&data.join("race/etc/passwd"));
        let stop = Arc::new(AtomicBool::new(false));
        let racer = {
            let (stop, data) = (Arc::clone(&stop), data.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let swapped = rustix::fs::renameat_with(
                        rustix::fs::CWD,
                        data.join("race"),
                        rustix::fs::CWD,
                        data.join("slash"),
                        rustix::fs::RenameFlags::EXCHANGE,
                    );
                    assert!(swapped.is_ok(), "{swapped:?}");
                }
            })
        };
        let mut seen = [0u32; 2];
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            for (way, open) in WAYS {
                match opened(open, &root, "alloc/data/race/etc/passwd") {
                    Ok((id, _)) => {
                        assert_eq!(id, inside, "{way} opened a file outside");
                        seen[0] += 1;
                    }
                    Err(Errno::XDEV) => seen[1] += 1,
                    Err(e) => panic!("{way}: {e}"),
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        racer.join().expect("racer");
        assert!(seen[0] > 0 && seen[1] > 0, "the race was run: {seen:?}");
    }
}
