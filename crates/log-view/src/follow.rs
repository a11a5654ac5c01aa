//! Following one framed stream (`/fs/logs` of a task's stdout or stderr, or `/fs/stream`
//! of one file) and resuming it after a drop without gap or duplicate, as alloc-fs's crate
//! docs lay down:
//!
//! 1. Position = `(File, end)`: on the first data frame of a body `end = Offset`; later, the
//!    same `File` adds `len(Data)`, another `File` (rotation) starts at `len(Data)`; `file
//!    truncated` sets `end = 0`. The position moves only once a frame's data is taken in.
//! 2. After a drop, an `ls` of `alloc/logs`: if `File` is gone, its rest is lost: start
//!    again from the oldest file and mark the gap.
//! 3. `base` = the sizes of the listed files before `File`.
//! 4. Reconnect with `origin=start&offset=base+end`.
//! 5. At the first frame of the new body, `ls` again: if a file before `File` went away in
//!    between, the landing is wrong: drop the body and what it brought, and go back to 2.
//!
//! A single file (`/fs/stream`) resumes with `origin=start&offset=end`, no listing needed.
//!
//! The viewer starts at the end of the output (`origin=end`), usually in the middle of a
//! line. That first partial line is held back (the "head"): loading earlier output puts it
//! back together with what comes before it, and once the start of the log is reached it is
//! shown whole.

use crate::logs::{log_files, log_index};
use crate::store::Marker;
use nomad_api::stream::{FrameDecoder, FrameError, StreamFrame, FILE_DELETED, FILE_TRUNCATED};
use nomad_api::utf8::Utf8Decoder;
use nomad_api::AllocFileInfo;
use std::borrow::Cow;

/// Longest first partial line held back; a longer one is shown as it is.
const MAX_HEAD: usize = 64 << 10;

/// What is followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/fs/logs?task=&type=`.
    Logs { task: String, log_type: String },
    /// `/fs/stream?path=`.
    File { path: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Start,
    End,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Start => "start",
            Origin::End => "end",
        }
    }
}

/// Where a (re)connection starts: the `origin` and `offset` query parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamQuery {
    pub origin: Origin,
    pub offset: u64,
}

/// A byte position: `end` bytes into `file` (as the frames name it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub end: u64,
}

/// What the viewer shows, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Text(String),
    Marker(Marker),
}

/// The result of feeding a chunk of the body.
#[derive(Debug, Default)]
pub struct Pushed {
    pub output: Vec<Output>,
    /// Malformed frames (skipped).
    pub errors: Vec<FrameError>,
    /// A resumed body has sent its first frame: list the logs and call [`Follower::verify`]
    /// before reading on. Its frames are held until then.
    pub needs_check: bool,
}

/// How earlier output can be read: `readat` of `path` at `offset` for `limit` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierRead {
    pub path: String,
    pub offset: u64,
    pub limit: u64,
    /// These bytes start at the very beginning of what is left of the log.
    pub reaches_start: bool,
}

/// Earlier output, if there is any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    Read(EarlierRead),
    /// Everything is shown (or what came before was rotated away).
    AtStart,
    /// Not known yet: no frame has arrived, so where the view starts is not known. Asking
    /// again once data came in answers.
    NotYet,
    /// Not possible (the file was truncated or is not a rotated log).
    Unavailable,
}

/// Bytes completing the held-back head: `prepend` goes before everything shown (decode it
/// on its own), `append` after (it is the start of the stream, nothing shown yet).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Released {
    pub prepend: Vec<u8>,
    pub append: Vec<Output>,
}

#[derive(Debug, Default)]
struct Head {
    /// Where the bytes shown (or held) start.
    start: Option<Position>,
    /// The partial first line, with its `\n` once it came.
    fragment: Vec<u8>,
    /// Still waiting for the first `\n`.
    holding: bool,
    /// Nothing earlier can be loaded.
    done: bool,
}

#[derive(Debug)]
pub struct Follower {
    target: Target,
    frames: FrameDecoder,
    utf8: Utf8Decoder,
    /// Taken in so far (step 1).
    position: Option<Position>,
    /// Where to connect when there is no position.
    fresh: StreamQuery,
    /// A data frame of the current body has been applied.
    body_has_data: bool,
    /// Files (paths) that must still be listed for the resumed body to be kept (step 5).
    check: Option<Vec<String>>,
    held: Vec<StreamFrame>,
    head: Head,
}

impl Follower {
    pub fn new(target: Target, tail: u64) -> Self {
        let fresh = StreamQuery { origin: Origin::End, offset: tail };
        Follower {
            target,
            frames: FrameDecoder::new(),
            utf8: Utf8Decoder::new(),
            position: None,
            fresh,
            body_has_data: false,
            check: None,
            held: Vec::new(),
            head: Head { holding: tail > 0, done: tail == 0, ..Head::default() },
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The first connection.
    pub fn start(&self) -> StreamQuery {
        self.fresh
    }

    pub fn position(&self) -> Option<&Position> {
        self.position.as_ref()
    }

    /// Feeds a chunk of the body, split anywhere.
    pub fn push(&mut self, chunk: &[u8]) -> Pushed {
        let mut pushed = Pushed::default();
        for frame in self.frames.push(chunk) {
            match frame {
                Err(e) => pushed.errors.push(e),
                Ok(frame) if self.check.is_some() => self.held.push(frame),
                Ok(frame) => self.apply(frame, &mut pushed.output),
            }
        }
        pushed.needs_check = self.check.is_some() && !self.held.is_empty();
        pushed
    }

    fn apply(&mut self, frame: StreamFrame, out: &mut Vec<Output>) {
        match frame.file_event.as_str() {
            "" => {}
            FILE_TRUNCATED => {
                self.flush_text(out);
                out.push(Output::Marker(Marker::Truncated));
                let file = if frame.file.is_empty() {
                    self.position.as_ref().map(|p| p.file.clone()).unwrap_or_default()
                } else {
                    frame.file
                };
                if self.head.start.as_ref().is_some_and(|s| s.file == file) {
                    // What came before in this file is gone: nothing earlier to load.
                    self.head.done = true;
                }
                self.position = Some(Position { file, end: 0 });
                return;
            }
            FILE_DELETED => {
                self.flush_text(out);
                out.push(Output::Marker(Marker::Deleted));
                return;
            }
            // Unknown events carry no data.
            _ => return,
        }
        if frame.data.is_empty() {
            return;
        }
        let len = frame.data.len() as u64;
        let end = match &self.position {
            Some(p) if self.body_has_data && p.file == frame.file => p.end + len,
            _ if self.body_has_data => len,
            // The first data frame of a body.
            _ => frame.offset.max(0) as u64,
        };
        if self.head.start.is_none() {
            self.head.start = Some(Position { file: frame.file.clone(), end: end.saturating_sub(len) });
        }
        let data = self.hold(&frame.data);
        if !data.is_empty() {
            let text = self.utf8.push(&data);
            if !text.is_empty() {
                out.push(Output::Text(text));
            }
        }
        self.position = Some(Position { file: frame.file, end });
        self.body_has_data = true;
    }

    /// Keeps the first partial line back; returns what goes on to the screen.
    fn hold<'a>(&mut self, data: &'a [u8]) -> Cow<'a, [u8]> {
        if !self.head.holding {
            return Cow::Borrowed(data);
        }
        if let Some(i) = data.iter().position(|&b| b == b'\n') {
            self.head.fragment.extend_from_slice(&data[..=i]);
            self.head.holding = false;
            return Cow::Borrowed(&data[i + 1..]);
        }
        self.head.fragment.extend_from_slice(data);
        if self.head.fragment.len() <= MAX_HEAD {
            return Cow::Borrowed(&[]);
        }
        // A line this long is shown cut rather than never; it cannot be joined with
        // earlier output, so none is loaded.
        self.head.holding = false;
        self.head.done = true;
        Cow::Owned(std::mem::take(&mut self.head.fragment))
    }

    fn flush_text(&mut self, out: &mut Vec<Output>) {
        let rest = self.utf8.finish();
        if !rest.is_empty() {
            out.push(Output::Text(rest));
        }
    }

    /// The body ended or failed: what was not applied is forgotten (it will come again).
    pub fn broke(&mut self) {
        self.frames = FrameDecoder::new();
        self.held.clear();
        self.check = None;
        self.body_has_data = false;
    }

    /// Steps 2-4: where to reconnect, given an `ls` of `alloc/logs` taken after the drop
    /// (ignored for a single file). The output is a gap marker when output was lost.
    pub fn resume(&mut self, listing: &[AllocFileInfo]) -> (StreamQuery, Vec<Output>) {
        let mut out = Vec::new();
        let Some(position) = self.position.clone() else { return (self.fresh, out) };
        let (task, log_type) = match &self.target {
            Target::File { .. } => return (StreamQuery { origin: Origin::Start, offset: position.end }, out),
            Target::Logs { task, log_type } => (task.as_str(), log_type.as_str()),
        };
        let files = log_files(listing, task, log_type);
        let current = log_index(&position.file, task, log_type);
        let Some(n) = current.filter(|n| files.iter().any(|f| f.index == *n)) else {
            // Rotated out while disconnected: the rest of it is lost. A head still held
            // back came before the gap, and nothing earlier can be joined to it now.
            if self.head.holding {
                self.head.holding = false;
                self.head.done = true;
                let text = self.utf8.push(&std::mem::take(&mut self.head.fragment));
                if !text.is_empty() {
                    out.push(Output::Text(text));
                }
            }
            self.flush_text(&mut out);
            out.push(Output::Marker(Marker::Gap));
            self.position = None;
            self.fresh = StreamQuery { origin: Origin::Start, offset: 0 };
            return (self.fresh, out);
        };
        let before: Vec<_> = files.iter().filter(|f| f.index < n).collect();
        let base: u64 = before.iter().map(|f| f.size).sum();
        self.check = Some(before.iter().map(|f| f.path.clone()).collect());
        (StreamQuery { origin: Origin::Start, offset: base + position.end }, out)
    }

    /// Step 5, with an `ls` taken after the resumed body's first frame. `Some` output: the
    /// landing was exact and the held frames are shown. `None`: the body must be dropped
    /// ([`broke`](Self::broke)) and resumed again.
    pub fn verify(&mut self, listing: &[AllocFileInfo]) -> Option<Vec<Output>> {
        let expected = self.check.take()?;
        let listed =
            |path: &String| listing.iter().any(|f| !f.is_dir && path.rsplit('/').next() == Some(f.name.as_str()));
        if !expected.iter().all(listed) {
            self.check = Some(expected);
            return None;
        }
        let mut out = Vec::new();
        for frame in std::mem::take(&mut self.held) {
            self.apply(frame, &mut out);
        }
        Some(out)
    }

    /// Where earlier output can be read from, `want` bytes at most, given an `ls` of
    /// `alloc/logs` (ignored for a single file).
    pub fn earlier(&self, listing: &[AllocFileInfo], want: u64) -> Earlier {
        let Some(start) = self.head.start.as_ref().filter(|_| !self.head.done) else {
            return if self.head.done { Earlier::AtStart } else { Earlier::NotYet };
        };
        let want = want.max(1);
        let read = |path: &str, end: u64, reaches_start: bool| {
            let offset = end.saturating_sub(want);
            Earlier::Read(EarlierRead {
                path: path.to_string(),
                offset,
                limit: end - offset,
                reaches_start: reaches_start && offset == 0,
            })
        };
        let (task, log_type) = match &self.target {
            Target::File { path } if start.end > 0 => return read(path, start.end, true),
            Target::File { .. } => return Earlier::AtStart,
            Target::Logs { task, log_type } => (task.as_str(), log_type.as_str()),
        };
        let files = log_files(listing, task, log_type);
        let Some(n) = log_index(&start.file, task, log_type) else { return Earlier::Unavailable };
        let oldest = files.first().map(|f| f.index);
        if !files.iter().any(|f| f.index == n) {
            return Earlier::AtStart;
        }
        if start.end > 0 {
            return read(&start.file, start.end, oldest == Some(n));
        }
        match files.iter().rev().find(|f| f.index < n) {
            Some(prev) if prev.size > 0 => read(&prev.path, prev.size, oldest == Some(prev.index)),
            // An empty earlier file: step over it.
            Some(prev) => Earlier::Read(EarlierRead {
                path: prev.path.clone(),
                offset: 0,
                limit: 0,
                reaches_start: oldest == Some(prev.index),
            }),
            None => Earlier::AtStart,
        }
    }

    /// Takes in the bytes of an [`Earlier::Read`]; returns the whole lines among them (with
    /// the head they complete) to show before everything else. A partial first line is
    /// held back again unless the read reached the start.
    pub fn take_earlier(&mut self, read: &EarlierRead, bytes: &[u8]) -> Vec<u8> {
        self.head.start = Some(Position { file: read.path.clone(), end: read.offset });
        let mut combined = bytes.to_vec();
        combined.extend(std::mem::take(&mut self.head.fragment));
        // Fewer bytes than asked: the file changed under us, so this cannot be joined on.
        if read.reaches_start || (bytes.len() as u64) < read.limit {
            self.head.done = true;
            return combined;
        }
        match combined.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let lines = combined.split_off(i + 1);
                self.head.fragment = combined;
                lines
            }
            None => {
                self.head.fragment = combined;
                Vec::new()
            }
        }
    }

    /// The start of the log is shown: the held-back head is a whole line after all.
    pub fn release_head(&mut self) -> Released {
        self.head.done = true;
        let fragment = std::mem::take(&mut self.head.fragment);
        if self.head.holding {
            // Nothing of this stream is on screen yet: the head just goes first.
            self.head.holding = false;
            let text = self.utf8.push(&fragment);
            let append = if text.is_empty() { Vec::new() } else { vec![Output::Text(text)] };
            return Released { prepend: Vec::new(), append };
        }
        Released { prepend: fragment, append: Vec::new() }
    }

    /// Whether earlier output may still be loaded.
    pub fn has_earlier(&self) -> bool {
        !self.head.done
    }
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
