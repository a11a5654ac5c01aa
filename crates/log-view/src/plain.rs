//! Following a task's log in plain mode (`plain=true`): raw bytes with no positions. The
//! start is computed from a listing instead (`origin=start` at the total size less the
//! tail), so the bytes taken in give an absolute position to reconnect at. That holds while
//! the oldest file stays; when a rotation removed it the position cannot be trusted, and
//! the viewer starts again near the end with a gap marker.

use crate::follow::{Origin, Output, StreamQuery};
use crate::logs::log_files;
use crate::store::Marker;
use nomad_api::AllocFileInfo;

#[derive(Debug)]
pub struct PlainTracker {
    task: String,
    log_type: String,
    tail: u64,
    /// The oldest file's index when the position was set.
    oldest: Option<i64>,
    /// Bytes from the start of the oldest file.
    position: u64,
}

impl PlainTracker {
    pub fn new(task: &str, log_type: &str, tail: u64) -> Self {
        PlainTracker { task: task.into(), log_type: log_type.into(), tail, oldest: None, position: 0 }
    }

    /// Where to connect first, from an `ls` of `alloc/logs`.
    pub fn start(&mut self, listing: &[AllocFileInfo]) -> StreamQuery {
        let files = log_files(listing, &self.task, &self.log_type);
        let total: u64 = files.iter().map(|f| f.size).sum();
        self.oldest = files.first().map(|f| f.index);
        self.position = total.saturating_sub(self.tail);
        StreamQuery { origin: Origin::Start, offset: self.position }
    }

    pub fn taken(&mut self, bytes: usize) {
        self.position += bytes as u64;
    }

    /// Where to reconnect after a drop, from a new listing; a gap marker when the position
    /// was lost to rotation.
    pub fn resume(&mut self, listing: &[AllocFileInfo]) -> (StreamQuery, Vec<Output>) {
        let oldest = log_files(listing, &self.task, &self.log_type).first().map(|f| f.index);
        if self.oldest.is_some() && oldest == self.oldest {
            return (StreamQuery { origin: Origin::Start, offset: self.position }, Vec::new());
        }
        (self.start(listing), vec![Output::Marker(Marker::Gap)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::tests::listing;

    #[test]
    fn starts_near_the_end_and_resumes_exactly_while_the_oldest_file_stays() {
        let mut t = PlainTracker::new("web", "stdout", 10);
        let q = t.start(&listing(&[("web.stdout.0", 30), ("web.stdout.1", 5)]));
        assert_eq!(q, StreamQuery { origin: Origin::Start, offset: 25 });
        t.taken(12);
        let (q, out) = t.resume(&listing(&[("web.stdout.0", 30), ("web.stdout.1", 20)]));
        assert_eq!((q.offset, out.len()), (37, 0));
        let (q, out) = t.resume(&listing(&[("web.stdout.1", 20), ("web.stdout.2", 4)]));
        assert_eq!((q.offset, out), (14, vec![Output::Marker(Marker::Gap)]));
    }
}
