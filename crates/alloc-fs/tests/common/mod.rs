//! Helpers shared by the integration tests: an allocation directory laid out as the
//! client lays it out, and a reader that decodes a framed body as a client would.
#![allow(dead_code)] // each test binary uses part of this

use alloc_fs::{framed, FsError};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use nomad_api::{FrameDecoder, StreamFrame};
use std::collections::VecDeque;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;
use tempfile::TempDir;

/// `<alloc>/alloc/{logs,data,tmp}` and `<alloc>/web/{local,secrets,tmp}`.
pub fn alloc_dir() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for sub in ["alloc/logs", "alloc/data", "alloc/tmp", "web/local", "web/secrets", "web/tmp"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
    }
    dir
}

pub fn write(root: &Path, rel: &str, data: &[u8]) {
    std::fs::write(root.join(rel), data).expect("write");
}

pub fn append(root: &Path, rel: &str, data: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(root.join(rel)).expect("open");
    f.write_all(data).expect("append");
}

/// Collects a byte stream whole.
pub async fn collect(stream: impl Stream<Item = Result<Bytes, FsError>>) -> Vec<u8> {
    let chunks: Vec<_> = stream.collect().await;
    chunks.into_iter().flat_map(|c| c.expect("chunk").to_vec()).collect()
}

/// A framed body read the way the dashboard reads one: bytes through `FrameDecoder`,
/// with the client-side position of the crate docs checked against every `Offset`.
pub struct Reader {
    body: Pin<Box<dyn Stream<Item = Result<Bytes, FsError>> + Send>>,
    decoder: FrameDecoder,
    queue: VecDeque<StreamFrame>,
    /// Client-side `(File, end)`.
    pub position: Option<(String, i64)>,
    /// Every data byte, in order.
    pub data: Vec<u8>,
    /// Each frame, heartbeats included.
    pub frames: Vec<StreamFrame>,
    /// Whether the raw bytes ever held a heartbeat.
    raw: Vec<u8>,
}

impl Reader {
    pub fn new(frames: impl Stream<Item = Result<StreamFrame, FsError>> + Send + 'static) -> Reader {
        Reader {
            body: Box::pin(framed(frames)),
            decoder: FrameDecoder::new(),
            queue: VecDeque::new(),
            position: None,
            data: Vec::new(),
            frames: Vec::new(),
            raw: Vec::new(),
        }
    }

    /// The next frame; `None` when the body ends. Panics after 5 s without one.
    pub async fn next(&mut self) -> Option<StreamFrame> {
        loop {
            if let Some(frame) = self.queue.pop_front() {
                self.track(&frame);
                self.frames.push(frame.clone());
                return Some(frame);
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.body.next())
                .await
                .expect("a frame within 5 s")?
                .expect("no stream error");
            self.raw.extend_from_slice(&chunk);
            for frame in self.decoder.push(&chunk) {
                self.queue.push_back(frame.expect("well-formed frame"));
            }
        }
    }

    /// Reads until `want` data bytes have arrived in total.
    pub async fn read_data(&mut self, want: usize) {
        while self.data.len() < want {
            self.next().await.expect("body ended before the data");
        }
        assert_eq!(self.data.len(), want, "no more data than written");
    }

    /// Reads to the end of the body.
    pub async fn read_to_end(&mut self) {
        while self.next().await.is_some() {}
    }

    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    fn track(&mut self, frame: &StreamFrame) {
        if frame.file_event == nomad_api::FILE_TRUNCATED {
            self.position = Some((frame.file.clone(), 0));
            return;
        }
        if frame.data.is_empty() {
            return;
        }
        let len = frame.data.len() as i64;
        let end = match &self.position {
            None => frame.offset,
            Some((file, end)) if *file == frame.file => end + len,
            Some(_) => len,
        };
        assert_eq!(frame.offset, end, "Offset is the end of the frame's data in {}", frame.file);
        assert!(frame.data.len() <= alloc_fs::FRAME_SIZE);
        self.position = Some((frame.file.clone(), end));
        self.data.extend_from_slice(&frame.data);
    }
}
