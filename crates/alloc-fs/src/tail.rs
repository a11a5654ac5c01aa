//! One open file being read, and the changes to it seen by polling its path, as Nomad's
//! polling file watcher sees them.

use crate::error::FsError;
use crate::read::Opened;
use std::io::{ErrorKind, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

pub(crate) struct Tail {
    file: File,
    full: PathBuf,
    /// The frames' `File`.
    pub name: String,
    /// Offset just after the last byte read.
    pub offset: i64,
    /// Device and inode, to tell the file from one that replaced it at the same path.
    id: (u64, u64),
}

pub(crate) enum Change {
    None,
    Grew,
    /// Smaller than what was read: the writer started over.
    Truncated,
    /// Gone from its path, or replaced there by another file.
    Deleted,
}

impl Tail {
    pub async fn new(opened: Opened, name: String) -> Result<Tail, FsError> {
        let meta = opened.file.metadata().await.map_err(FsError::io("stat", &opened.full))?;
        Ok(Tail { file: opened.file, full: opened.full, name, offset: opened.offset, id: (meta.dev(), meta.ino()) })
    }

    /// Reads the next bytes; 0 at the end of what is written so far.
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, FsError> {
        let n = self.file.read(buf).await.map_err(|e| FsError::io("read", &self.full)(e))?;
        self.offset += n as i64;
        Ok(n)
    }

    pub async fn change(&self) -> Result<Change, FsError> {
        let meta = match tokio::fs::metadata(&self.full).await {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Change::Deleted),
            Err(e) => return Err(FsError::io("stat", &self.full)(e)),
        };
        let size = i64::try_from(meta.len()).unwrap_or(i64::MAX);
        Ok(if (meta.dev(), meta.ino()) != self.id {
            Change::Deleted
        } else if size < self.offset {
            Change::Truncated
        } else if size > self.offset {
            Change::Grew
        } else {
            Change::None
        })
    }

    /// After a truncation: read again from the start.
    pub async fn restart(&mut self) -> Result<(), FsError> {
        self.file.seek(SeekFrom::Start(0)).await.map_err(FsError::io("seek", &self.full))?;
        self.offset = 0;
        Ok(())
    }
}
