//! `/fs/cat` and `/fs/readat`, and opening a file to read as every reading endpoint does.

use crate::error::FsError;
use crate::resolve::Resolved;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// A file opened for reading, positioned at its start offset.
pub(crate) struct Opened {
    pub file: File,
    pub full: PathBuf,
    /// Where reading starts.
    pub offset: i64,
}

/// Opens `path` as Nomad's stream RPC does, with its errors and codes: a path that cannot
/// be stat'ed (missing, escaping) is a 400, a directory too; a secret file and a
/// negative offset are 500s. `offset` is applied to the file's size for [`Origin::End`].
///
/// [`Origin::End`]: crate::Origin::End
pub(crate) async fn open(alloc_dir: &Path, path: &str, offset: i64, origin: crate::Origin) -> Result<Opened, FsError> {
    let bad_request = |e| FsError::Open(Box::new(e));
    let resolved = Resolved::new(alloc_dir, path).map_err(bad_request)?;
    let full = resolved.full.clone();
    let meta = tokio::fs::metadata(&full).await.map_err(|e| bad_request(FsError::io("stat", &full)(e)))?;
    if meta.is_dir() {
        return Err(FsError::IsDirectory(path.to_string()));
    }
    let size = i64::try_from(meta.len()).unwrap_or(i64::MAX);
    let offset = match origin {
        crate::Origin::Start => offset,
        crate::Origin::End => size.saturating_sub(offset).max(0),
    };
    resolved.check_readable(path)?;
    let mut file = File::open(&full).await.map_err(FsError::io("open", &full))?;
    let start = u64::try_from(offset).map_err(|_| FsError::NegativeOffset { offset, path: full.clone() })?;
    file.seek(SeekFrom::Start(start)).await.map_err(FsError::io("seek", &full))?;
    Ok(Opened { file, full, offset })
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
    let Opened { file, full, .. } = open(alloc_dir, path, offset, crate::Origin::Start).await?;
    let limit = u64::try_from(limit).ok().filter(|&l| l > 0).unwrap_or(u64::MAX);
    Ok(ReaderStream::new(file.take(limit)).map(move |chunk| chunk.map_err(|e| FsError::io("read", &full)(e))))
}
