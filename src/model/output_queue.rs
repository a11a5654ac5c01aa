//! Output on its way to the terminal, under xterm's flow control.
//!
//! A browser WebSocket has no backpressure: frames arrive as fast as the agent sends them. So
//! nothing is dropped, and instead of handing xterm everything at once (its own buffer would
//! grow and it would parse in ever longer bursts), frames wait here and go to the terminal in
//! chunks, with at most `HIGH_WATER` bytes written but not yet processed (xterm's write
//! callback says when a chunk is done).

use std::collections::VecDeque;

/// Most bytes in one write: small frames are joined, large ones split. xterm checks its time
/// budget only between writes, so this bounds how long one of its parsing slices can take
/// (8 KB of short lines is a few milliseconds).
pub const CHUNK: usize = 8 * 1024;
/// Most bytes the terminal holds unprocessed.
pub const HIGH_WATER: usize = 256 * 1024;

#[derive(Debug, Default)]
pub struct OutputQueue {
    waiting: VecDeque<Vec<u8>>,
    waiting_bytes: usize,
    /// Sizes of the chunks written and not yet processed, oldest first.
    in_flight: VecDeque<usize>,
    in_flight_bytes: usize,
}

impl OutputQueue {
    pub fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.waiting_bytes += bytes.len();
            self.waiting.push_back(bytes);
        }
    }

    /// The next chunk to write, unless the terminal is full or nothing waits.
    pub fn next_chunk(&mut self) -> Option<Vec<u8>> {
        if self.in_flight_bytes >= HIGH_WATER {
            return None;
        }
        let mut chunk = self.waiting.pop_front()?;
        if chunk.len() > CHUNK {
            let rest = chunk.split_off(CHUNK);
            self.waiting.push_front(rest);
        } else {
            while let Some(next) = self.waiting.front().filter(|n| chunk.len() + n.len() <= CHUNK) {
                chunk.extend_from_slice(next);
                self.waiting.pop_front();
            }
        }
        self.waiting_bytes -= chunk.len();
        self.in_flight.push_back(chunk.len());
        self.in_flight_bytes += chunk.len();
        Some(chunk)
    }

    /// The terminal has processed the oldest chunk written.
    pub fn written(&mut self) {
        if let Some(n) = self.in_flight.pop_front() {
            self.in_flight_bytes -= n;
        }
    }

    /// Bytes received and not yet processed by the terminal.
    pub fn pending_bytes(&self) -> usize {
        self.waiting_bytes + self.in_flight_bytes
    }

    /// Everything received has been processed.
    pub fn is_idle(&self) -> bool {
        self.pending_bytes() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_are_joined_in_order() {
        let mut q = OutputQueue::default();
        q.push(b"ab".to_vec());
        q.push(Vec::new());
        q.push(b"cd".to_vec());
        assert_eq!(q.pending_bytes(), 4);
        assert_eq!(q.next_chunk().unwrap(), b"abcd");
        assert_eq!(q.next_chunk(), None);
        assert!(!q.is_idle());
        q.written();
        assert!(q.is_idle());
    }

    #[test]
    fn large_frames_are_split_and_writes_stop_at_the_high_water_mark() {
        let mut q = OutputQueue::default();
        let total = HIGH_WATER * 2 + 10;
        q.push((0..total).map(|i| (i % 251) as u8).collect());
        let mut written = Vec::new();
        let mut chunks = 0;
        while let Some(c) = q.next_chunk() {
            assert!(c.len() <= CHUNK);
            written.extend(c);
            chunks += 1;
        }
        assert_eq!(written.len(), HIGH_WATER, "stops once the terminal holds HIGH_WATER bytes");
        assert_eq!(q.pending_bytes(), total);
        // Each processed chunk makes room for the next; nothing is lost or reordered.
        loop {
            if chunks > 0 {
                q.written();
                chunks -= 1;
            }
            match q.next_chunk() {
                Some(c) => {
                    written.extend(c);
                    chunks += 1;
                }
                None if chunks == 0 => break,
                None => {}
            }
        }
        assert!(q.is_idle());
        assert_eq!(written, (0..total).map(|i| (i % 251) as u8).collect::<Vec<_>>());
    }
}
