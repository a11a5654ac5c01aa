//! `/fs/cat` and `/fs/readat`, and opening a file to read as every reading endpoint does.

use crate::error::FsError;
use crate::framer::FRAME_SIZE;
use crate::pool::Limit;
use crate::resolve::{check_readable, kind_name, Found, Root};
use bytes::Bytes;
use futures_core::Stream;
use rustix::fs::FileType;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A regular file opened for reading, and where reading starts.
pub(crate) struct Opened {
    pub file: Arc<File>,
    /// The path as Nomad names it in errors.
    pub full: PathBuf,
    /// Where reading starts.
    pub offset: i64,
}

/// Opens `path` as Nomad's stream RPC does, with its errors and codes: a path that cannot
/// be stat'ed (missing, escaping) is a 400, a directory too, and so is a FIFO, socket or
/// device (never opened, see `resolve`); a secret file and a negative offset are 500s.
/// `offset` is applied to the file's size for [`Origin::End`].
///
/// [`Origin::End`]: crate::Origin::End
pub(crate) async fn open(
    limit: &Limit,
    alloc_dir: &Path,
    path: &str,
    offset: i64,
    origin: crate::Origin,
) -> Result<Opened, FsError> {
    let (alloc_dir, path) = (alloc_dir.to_path_buf(), path.to_string());
    limit
        .run(move || {
            let root = Root::open(&alloc_dir).map_err(|e| FsError::Open(Box::new(e)))?;
            let found = root.lookup(&path, crate::resolve::Open::Path).map_err(|e| FsError::Open(Box::new(e)))?;
            open_found(&root, &found, &path, offset, origin)
        })
        .await
}

/// The checks and the opening of [`open`] once `found` is looked up (beneath the root, or
/// beneath the logs directory for a log).
pub(crate) fn open_found(
    root: &Root,
    found: &Found,
    path: &str,
    offset: i64,
    origin: crate::Origin,
) -> Result<Opened, FsError> {
    match found.stat.file_type() {
        FileType::RegularFile => {}
        FileType::Directory => return Err(FsError::IsDirectory(path.to_string())),
        other => return Err(FsError::NotRegular { path: path.to_string(), kind: kind_name(other) }),
    }
    let offset = match origin {
        crate::Origin::Start => offset,
        crate::Origin::End => found.stat.size.saturating_sub(offset).max(0),
    };
    check_readable(path, [&found.rel, &root.real_path(found)?])?;
    let file = root.reopen(found)?;
    if offset < 0 {
        return Err(FsError::NegativeOffset { offset, path: found.full.clone() });
    }
    Ok(Opened { file: Arc::new(file), full: found.full.clone(), offset })
}

/// Reads up to `len` bytes at `offset` on the pool (`pread`: the descriptor keeps no position).
pub(crate) async fn read_chunk(
    limit: &Limit,
    file: &Arc<File>,
    full: &Path,
    offset: i64,
    len: usize,
) -> Result<Vec<u8>, FsError> {
    let (file, full) = (Arc::clone(file), full.to_path_buf());
    let at = u64::try_from(offset).map_err(|_| FsError::NegativeOffset { offset, path: full.clone() })?;
    limit
        .run(move || {
            let mut buf = vec![0u8; len];
            loop {
                match file.read_at(&mut buf, at) {
                    Ok(n) => {
                        buf.truncate(n);
                        return Ok(buf);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(FsError::io("read", full)(e)),
                }
            }
        })
        .await
}

/// The whole file (Nomad's `/fs/cat`): a directory is refused.
pub async fn cat(
    alloc_dir: &Path,
    path: &str,
) -> Result<impl Stream<Item = Result<Bytes, FsError>> + Send + 'static, FsError> {
    read_at(alloc_dir, path, 0, 0).await
}

/// `limit` bytes from `offset` (Nomad's `/fs/readat`); `limit` <= 0 reads to the end.
/// The bytes come as a stream so a large file is never held in memory.
pub async fn read_at(
    alloc_dir: &Path,
    path: &str,
    offset: i64,
    limit: i64,
) -> Result<impl Stream<Item = Result<Bytes, FsError>> + Send + 'static, FsError> {
    let pool = Limit::of(alloc_dir);
    let Opened { file, full, offset, .. } = open(&pool, alloc_dir, path, offset, crate::Origin::Start).await?;
    let mut left = u64::try_from(limit).ok().filter(|&l| l > 0).unwrap_or(u64::MAX);
    Ok(async_stream::try_stream! {
        let mut at = offset;
        while left > 0 {
            let want = usize::try_from(left).unwrap_or(FRAME_SIZE).min(FRAME_SIZE);
            let chunk = read_chunk(&pool, &file, &full, at, want).await?;
            if chunk.is_empty() {
                break;
            }
            at += chunk.len() as i64;
            left -= chunk.len() as u64;
            yield Bytes::from(chunk);
        }
    })
}
