//! The framed stream of `/v1/client/fs/stream` and `/v1/client/fs/logs`.
//!
//! Nomad writes JSON objects back to back (Go's `json.Encoder`, so usually newline
//! separated). A heartbeat is `{}`. `Offset` is the byte offset *within `File`* of the end
//! of the frame's data, so a resume names the file and that offset.

use crate::serde_util::{base64_bytes, nullable};
use serde::{Deserialize, Serialize};

/// `FileEvent` values.
pub const FILE_TRUNCATED: &str = "file truncated";
pub const FILE_DELETED: &str = "file deleted";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StreamFrame {
    #[serde(skip_serializing_if = "is_zero")]
    pub offset: i64,
    #[serde(with = "base64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub file_event: String,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl StreamFrame {
    /// `{}`: sent while idle so proxies and clients know the stream is alive.
    pub fn is_heartbeat(&self) -> bool {
        self.data.is_empty() && self.file.is_empty() && self.file_event.is_empty() && self.offset == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed stream frame at byte {at}: {reason}")]
pub struct FrameError {
    pub at: u64,
    pub reason: String,
}

/// Incremental decoder: feed chunks split anywhere, get whole frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    pending: Vec<u8>,
    consumed: u64,
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes every frame completed by `chunk`. A malformed frame is reported and
    /// skipped up to the next `{` so one bad frame does not end the stream.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Result<StreamFrame, FrameError>> {
        self.pending.extend_from_slice(chunk);
        // Only a chunk holding a `}` can complete a frame: without one, parsing the pending
        // bytes again would just fail at their end (a large frame arriving in many small
        // chunks would be parsed over and over).
        if !chunk.contains(&b'}') && !self.pending.iter().all(u8::is_ascii_whitespace) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let rest = &self.pending[start..];
            let skip = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            if skip == rest.len() {
                start = self.pending.len();
                break;
            }
            let mut iter = serde_json::Deserializer::from_slice(&rest[skip..]).into_iter::<StreamFrame>();
            match iter.next() {
                Some(Ok(frame)) => {
                    start += skip + iter.byte_offset();
                    out.push(Ok(frame));
                }
                Some(Err(e)) if e.is_eof() => {
                    start += skip;
                    break;
                }
                Some(Err(e)) => {
                    let at = self.consumed + (start + skip) as u64;
                    out.push(Err(FrameError { at, reason: e.to_string() }));
                    // Resynchronise at the next object start after the bad one.
                    let bad = start + skip + 1;
                    start = self.pending[bad..]
                        .iter()
                        .position(|&b| b == b'{')
                        .map_or(self.pending.len(), |p| bad + p);
                }
                None => break,
            }
        }
        self.consumed += start as u64;
        self.pending.drain(..start);
        out
    }

    /// Bytes received but not yet part of a complete frame.
    pub fn buffered(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_json() -> (Vec<u8>, Vec<StreamFrame>) {
        let frames = vec![
            StreamFrame { offset: 5, data: "héllo".as_bytes()[..5].to_vec(), file: "alloc/logs/web.stdout.0".into(), ..Default::default() },
            StreamFrame::default(),
            StreamFrame { offset: 9, data: "llo\n".into(), file: "alloc/logs/web.stdout.0".into(), ..Default::default() },
            StreamFrame { file: "alloc/logs/web.stdout.0".into(), file_event: FILE_TRUNCATED.into(), ..Default::default() },
        ];
        let mut bytes = Vec::new();
        for f in &frames {
            bytes.extend(serde_json::to_vec(f).unwrap());
            bytes.push(b'\n');
        }
        (bytes, frames)
    }

    #[test]
    fn decodes_at_every_split_point() {
        let (bytes, want) = frames_json();
        for split in 0..=bytes.len() {
            let mut d = FrameDecoder::new();
            let mut got: Vec<_> = d.push(&bytes[..split]);
            got.extend(d.push(&bytes[split..]));
            let got: Vec<_> = got.into_iter().map(Result::unwrap).collect();
            assert_eq!(got, want, "split at {split}");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn decodes_byte_by_byte_and_without_separators() {
        let (_, want) = frames_json();
        let bytes: Vec<u8> = want.iter().flat_map(|f| serde_json::to_vec(f).unwrap()).collect();
        let mut d = FrameDecoder::new();
        let got: Vec<_> = bytes.chunks(1).flat_map(|c| d.push(c)).map(Result::unwrap).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn heartbeat_is_empty_object() {
        let mut d = FrameDecoder::new();
        let got = d.push(b"{}");
        assert!(got[0].as_ref().unwrap().is_heartbeat());
    }

    #[test]
    fn malformed_frame_is_reported_and_skipped() {
        let mut d = FrameDecoder::new();
        let got = d.push(br#"{"Offset": "x"} {"Offset":3,"Data":"YWJj","File":"f"}"#);
        assert!(got[0].is_err());
        assert_eq!(got[1].as_ref().unwrap().data, b"abc");
        let got = d.push(br#"{"Data":"not base64!"}"#);
        assert!(got[0].is_err());
    }
}
