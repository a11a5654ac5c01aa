//! One open file being read, and the changes to it seen by polling it, as Nomad's polling
//! file watcher sees them; except that the polling is an `fstat` of the open descriptor,
//! never a look at its path again (which a task could by then point anywhere).

use crate::error::FsError;
use crate::framer::FRAME_SIZE;
use crate::pool::Limit;
use crate::read::{read_chunk, Opened};
use crate::resolve::stat_fd;
use rustix::fd::AsFd;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) struct Tail {
    file: Arc<File>,
    full: PathBuf,
    limit: Limit,
    /// The frames' `File`.
    pub name: String,
    /// Offset just after the last byte read.
    pub offset: i64,
}

pub(crate) enum Change {
    None,
    Grew,
    /// Smaller than what was read: the writer started over.
    Truncated,
    /// No name links to the file any more: deleted, or replaced by a rename over it.
    Deleted,
}

impl Tail {
    pub fn new(opened: Opened, name: String, limit: Limit) -> Tail {
        Tail { file: opened.file, full: opened.full, limit, name, offset: opened.offset }
    }

    /// Reads the next bytes (at most a frame's worth); none at the end of what is written so far.
    pub async fn read(&mut self) -> Result<Vec<u8>, FsError> {
        let chunk = read_chunk(&self.limit, &self.file, &self.full, self.offset, FRAME_SIZE).await?;
        self.offset += chunk.len() as i64;
        Ok(chunk)
    }

    pub async fn change(&self) -> Result<Change, FsError> {
        let (file, full, offset) = (Arc::clone(&self.file), self.full.clone(), self.offset);
        self.limit
            .run(move || {
                let meta = stat_fd(file.as_fd()).map_err(|e| FsError::io("stat", full)(e.into()))?;
                Ok(if meta.nlink == 0 {
                    Change::Deleted
                } else if meta.size < offset {
                    Change::Truncated
                } else if meta.size > offset {
                    Change::Grew
                } else {
                    Change::None
                })
            })
            .await
    }

    /// After a truncation: read again from the start.
    pub fn restart(&mut self) {
        self.offset = 0;
    }
}
