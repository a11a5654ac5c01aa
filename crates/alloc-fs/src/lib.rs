//! The allocation-filesystem half of Nomad's `/v1/client/fs/*` endpoints, without HTTP:
//! the agent's handlers parse the query with the `*Request::from_query` types, call one
//! function here, and answer an `Err` with [`FsError::code`] and its text as the body.
//!
//! | endpoint | query | call | body |
//! |---|---|---|---|
//! | `/fs/ls` | [`ListRequest`] | [`list`] | JSON array of `AllocFileInfo` |
//! | `/fs/stat` | [`PathRequest`] | [`stat`] | JSON `AllocFileInfo` |
//! | `/fs/cat` | [`PathRequest`] | [`cat`] | raw bytes |
//! | `/fs/readat` | [`ReadAtRequest`] | [`read_at`] | raw bytes |
//! | `/fs/stream` | [`StreamRequest`] | [`stream_file`] then [`framed`] | frames |
//! | `/fs/logs` | [`LogsRequest`] | [`stream_logs`] then [`framed`], or [`plain`] if `plain` | frames or raw bytes |
//!
//! Paths are relative to the allocation directory (a leading `/` too) and confined to it,
//! however a task races symlinks or renames under it: every path is resolved and opened
//! beneath the directory in one step, and all later work goes through the descriptor; FIFOs,
//! sockets and devices are never opened to read. See [`resolve`]. The file work runs on a
//! small pool of threads of its own, a few jobs per allocation at a time: see [`WORKERS`].
//!
//! # Frames
//!
//! A framed body is JSON `StreamFrame` objects back to back. Data is batched for at most
//! [`BATCH_WINDOW`] (200 ms) and at most [`FRAME_SIZE`] (64 KiB) per frame; `{}` is sent
//! after [`HEARTBEAT`] (1 s) without a frame. `File` names the file the data is from
//! (`alloc/logs/web.stdout.3` on /fs/logs, the `path` as given on /fs/stream). `Offset` is
//! the byte offset in `File` just after the frame's `Data`, so a frame's data starts at
//! `Offset - len(Data)`. A `FileEvent` frame has no data: `file truncated` means `File`
//! restarts at offset 0 (the frames after it count from 0); `file deleted` (with `Offset`
//! at the end of what was read) means the file is gone; on /fs/stream the body ends there.
//!
//! # Resuming a log stream without gap or duplicate
//!
//! Against a real Nomad, `Offset` is exact only for a frame built from one read, so a
//! client keeps its own position, which this agent's `Offset` always equals:
//!
//! 1. Position = `(File, end)`. On the first data frame of a body, `end = Offset`. On each
//!    later data frame: if `File` is the same as before, `end += len(Data)`; if `File`
//!    changed (rotation), `end = len(Data)`. A `file truncated` frame sets `end = 0`.
//!    Update the position only after the frame's data has been taken in.
//! 2. When the body drops, list the logs: `GET /v1/client/fs/ls/<alloc>?path=alloc/logs`.
//!    Keep the files named `<task>.<type>.<K>` (`K` an integer). Let `N` be the index in
//!    `File`. If `File` is no longer listed, it rotated out while disconnected: the bytes
//!    after `end` are lost for good; resume at offset 0 with `origin=start` and mark the gap.
//! 3. Otherwise let `base` = the sum of `Size` over the listed files with `K < N`. Files
//!    before `N` are finished and never change again; only the oldest can disappear.
//! 4. `GET /v1/client/fs/logs/<alloc>?task=<task>&type=<type>&origin=start&offset=<base+end>&follow=true`.
//!    The server counts `base + end` bytes forward from the oldest file it finds, which
//!    lands exactly on `(File, end)` if no file before `N` was deleted in between (a
//!    position at the very end of `File` stays there and continues into the next file).
//! 5. Once the first frame of any kind (data or `{}`) arrives, list the logs again. If every
//!    file of step 2 with `K < N` is still listed, the landing was exact: keep the body.
//!    Otherwise (a rotation deleted one, rare) drop this body and everything it delivered,
//!    and start again at step 2. The server picks its start before sending any frame,
//!    and files are only ever deleted oldest first, so this check cannot pass wrongly.
//!
//! The new body's first data frame then starts exactly at `(File, end)` (against this
//! agent `Offset - len(Data) == end` when it is in `File`; it may instead be the next
//! file from 0 if `File` had ended there). A single file followed with /fs/stream resumes
//! with `path=<File>&offset=<end>&origin=start`. Plain mode carries no positions: resume
//! only framed bodies.

mod encode;
mod error;
mod framer;
mod info;
mod logs;
mod params;
mod pool;
mod read;
mod resolve;
mod sniff;
mod stream;
mod tail;

pub use encode::{framed, plain};
pub use error::FsError;
pub use framer::FRAME_SIZE;
pub use info::{list, stat};
pub use logs::LOG_DIR;
pub use params::{ListRequest, LogType, LogsRequest, Origin, PathRequest, ReadAtRequest, StreamRequest};
pub use pool::{PER_ALLOCATION, WORKERS};
pub use read::{cat, read_at};
pub use resolve::resolve;
pub use sniff::detect_content_type;
pub use stream::{stream_file, stream_logs, BATCH_WINDOW, HEARTBEAT};
