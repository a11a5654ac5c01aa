//! Batching file data into `StreamFrame`s, as Nomad's `StreamFramer` does, except that a
//! frame's `Offset` is always exactly the offset in `File` just after its `Data`.

use nomad_api::StreamFrame;

/// At most this much `Data` in one frame (Nomad's `streamFrameSize`).
pub const FRAME_SIZE: usize = 64 * 1024;

/// The frame being filled: data read from one file, not yet sent.
#[derive(Debug, Default)]
pub(crate) struct Framer {
    file: String,
    data: Vec<u8>,
    /// Offset in `file` just after `data`.
    end: i64,
}

impl Framer {
    /// Adds `bytes` read from `file`, ending at offset `end`. Returns the frames that are
    /// ready: what was pending for another file, and every full frame.
    pub fn push(&mut self, file: &str, bytes: &[u8], end: i64) -> Vec<StreamFrame> {
        let mut ready = Vec::new();
        if self.file != file {
            ready.extend(self.flush());
            self.file = file.to_string();
        }
        self.data.extend_from_slice(bytes);
        self.end = end;
        while self.data.len() >= FRAME_SIZE {
            let rest = self.data.split_off(FRAME_SIZE);
            let full = std::mem::replace(&mut self.data, rest);
            ready.push(self.frame(full, self.end - self.data.len() as i64));
        }
        ready
    }

    /// The pending data as a frame, if any (the batch window elapsed, or the stream ends).
    pub fn flush(&mut self) -> Option<StreamFrame> {
        if self.data.is_empty() {
            return None;
        }
        let data = std::mem::take(&mut self.data);
        Some(self.frame(data, self.end))
    }

    /// A `FileEvent` frame, after whatever data was pending before it.
    pub fn event(&mut self, file: &str, event: &str, offset: i64) -> Vec<StreamFrame> {
        let mut ready: Vec<StreamFrame> = self.flush().into_iter().collect();
        ready.push(StreamFrame { offset, file: file.to_string(), file_event: event.to_string(), ..Default::default() });
        ready
    }

    fn frame(&self, data: Vec<u8>, offset: i64) -> StreamFrame {
        StreamFrame { offset, data, file: self.file.clone(), file_event: String::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_frame_size_with_exact_offsets() {
        let mut framer = Framer::default();
        let big = vec![7u8; FRAME_SIZE * 2 + 10];
        let ready = framer.push("f", &big, 100 + big.len() as i64);
        assert_eq!(ready.len(), 2);
        assert_eq!(ready[0].offset, 100 + FRAME_SIZE as i64);
        assert_eq!(ready[1].offset, 100 + 2 * FRAME_SIZE as i64);
        let last = framer.flush().expect("remainder");
        assert_eq!((last.data.len(), last.offset), (10, 100 + big.len() as i64));
        assert!(framer.flush().is_none());
    }

    #[test]
    fn a_new_file_or_an_event_flushes_what_was_pending() {
        let mut framer = Framer::default();
        assert!(framer.push("a", b"one", 3).is_empty());
        let ready = framer.push("b", b"two", 3);
        assert_eq!((ready[0].file.as_str(), ready[0].data.as_slice()), ("a", &b"one"[..]));
        let ready = framer.event("b", nomad_api::FILE_TRUNCATED, 0);
        assert_eq!(ready.len(), 2);
        assert_eq!(ready[0].data, b"two");
        assert_eq!(ready[1].file_event, nomad_api::FILE_TRUNCATED);
        assert!(ready[1].data.is_empty());
    }
}
