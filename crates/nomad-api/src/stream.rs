//! The framed stream of `/v1/client/fs/stream` and `/v1/client/fs/logs`.
//!
//! Nomad writes JSON objects back to back (Go's `json.Encoder`, so usually newline
//! separated). A heartbeat is `{}`. `Offset` is the byte offset *within `File`* of the end
//! of the frame's data, so a resume names the file and that offset.

use crate::serde_util::{base64_bytes, nullable};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

/// `FileEvent` of a frame saying the file was truncated; Nomad reads it again from offset 0.
pub const FILE_TRUNCATED: &str = "file truncated";
/// `FileEvent` of a frame saying the file was deleted; Nomad stops streaming it.
pub const FILE_DELETED: &str = "file deleted";

/// One frame of the stream (`StreamFrame`); `{}` is a heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StreamFrame {
    /// Byte offset within `File` of the end of `Data`; 0 is left out.
    #[serde(skip_serializing_if = "is_zero")]
    pub offset: i64,
    /// The bytes read, base64 in JSON; left out when empty.
    #[serde(with = "base64_bytes", skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<u8>,
    /// Path of the file the data is from, relative to the allocation directory.
    #[serde(deserialize_with = "nullable", skip_serializing_if = "String::is_empty")]
    pub file: String,
    /// An event about the file instead of data: [`FILE_TRUNCATED`], [`FILE_DELETED`], or `log`
    /// for the agent monitor.
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

/// A frame that is not valid JSON (or not a frame); the decoder skips it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed stream frame at byte {at}: {reason}")]
pub struct FrameError {
    /// Byte offset in the whole stream where the bad frame starts.
    pub at: u64,
    /// What `serde_json` reported.
    pub reason: String,
}

/// Incremental decoder: feed chunks split anywhere, get whole frames.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    pending: Vec<u8>,
    consumed: u64,
}

impl FrameDecoder {
    /// An empty decoder, at byte 0 of the stream.
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
                    let from = start + skip;
                    // A frame of the wrong shape is still one JSON value: skip it whole, so that
                    // an object nested in it is not taken for the next frame. Only broken JSON
                    // resynchronises at the next `{`; an unfinished value waits for its end.
                    let mut whole =
                        serde_json::Deserializer::from_slice(&self.pending[from..]).into_iter::<IgnoredAny>();
                    let next = match whole.next() {
                        Some(Err(syntax)) if syntax.is_eof() => {
                            start = from;
                            break;
                        }
                        Some(Ok(_)) => from + whole.byte_offset(),
                        _ => {
                            let bad = from + 1;
                            self.pending[bad..].iter().position(|&b| b == b'{').map_or(self.pending.len(), |p| bad + p)
                        }
                    };
                    out.push(Err(FrameError { at: self.consumed + from as u64, reason: e.to_string() }));
                    start = next;
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
            StreamFrame {
                offset: 5,
                data: "héllo".as_bytes()[..5].to_vec(),
                file: "alloc/logs/web.stdout.0".into(),
                ..Default::default()
            },
            StreamFrame::default(),
            StreamFrame {
                offset: 9,
                data: "llo\n".into(),
                file: "alloc/logs/web.stdout.0".into(),
                ..Default::default()
            },
            StreamFrame {
                file: "alloc/logs/web.stdout.0".into(),
                file_event: FILE_TRUNCATED.into(),
                ..Default::default()
            },
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
    fn a_frame_of_the_wrong_shape_is_skipped_whole() {
        // Its nested object is not a frame: no made-up heartbeat, one error, then the next frame.
        let mut d = FrameDecoder::new();
        let got = d.push(br#"{"Offset":"x","File":{"a":1}} {"Offset":3,"Data":"YWJj","File":"f"}"#);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].is_err());
        assert_eq!(got[1].as_ref().unwrap().data, b"abc");
    }

    #[test]
    fn an_unfinished_frame_of_the_wrong_shape_waits_for_its_end() {
        let mut d = FrameDecoder::new();
        assert!(d.push(br#"{"Offset":"x","File":{"a":1}"#).is_empty());
        let got = d.push(br#"} {"Offset":3,"Data":"YWJj","File":"f"}"#);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].is_err());
        assert_eq!(got[1].as_ref().unwrap().data, b"abc");
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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn frame() -> impl Strategy<Value = StreamFrame> {
            (
                any::<i64>(),
                prop::collection::vec(any::<u8>(), 0..48),
                any::<String>(),
                prop_oneof![Just(String::new()), Just(FILE_TRUNCATED.to_string()), any::<String>()],
            )
                .prop_map(|(offset, data, file, file_event)| StreamFrame {
                    offset,
                    data,
                    file,
                    file_event,
                })
        }

        /// Go's `json.Encoder` ends each frame with a newline; proxies and older agents may
        /// send none or other whitespace.
        fn separator() -> impl Strategy<Value = &'static str> {
            prop_oneof![Just(""), Just("\n"), Just(" "), Just("\r\n\t")]
        }

        /// Cuts `bytes` at the given fractions of its length, in order.
        fn chunks(bytes: &[u8], cuts: &[f64]) -> Vec<Vec<u8>> {
            let mut at: Vec<usize> = cuts.iter().map(|c| ((bytes.len() as f64) * c) as usize).collect();
            at.sort_unstable();
            let mut out = Vec::new();
            let mut from = 0;
            for to in at.into_iter().chain([bytes.len()]) {
                out.push(bytes[from..to].to_vec());
                from = to;
            }
            out
        }

        proptest! {
            /// Any frames, however the network splits them, come out whole and in order, with
            /// nothing left over.
            #[test]
            fn any_frames_over_any_splits(
                frames in prop::collection::vec((frame(), separator()), 0..8),
                cuts in prop::collection::vec(0.0..=1.0f64, 0..12),
            ) {
                let mut bytes = Vec::new();
                for (f, sep) in &frames {
                    bytes.extend(serde_json::to_vec(f).unwrap());
                    bytes.extend(sep.as_bytes());
                }
                let mut d = FrameDecoder::new();
                let mut got = Vec::new();
                for chunk in chunks(&bytes, &cuts) {
                    got.extend(d.push(&chunk));
                }
                let got: Vec<StreamFrame> = got.into_iter().collect::<Result<_, _>>().unwrap();
                let want: Vec<StreamFrame> = frames.into_iter().map(|(f, _)| f).collect();
                prop_assert_eq!(got, want);
                prop_assert_eq!(d.buffered(), 0);
            }

            /// A malformed frame costs an error and never the good frames after it, wherever
            /// the splits fall.
            #[test]
            fn good_frames_survive_a_bad_one_over_any_splits(
                before in prop::collection::vec(frame(), 0..3),
                bad in "[a-z0-9 ]{0,12}",
                after in prop::collection::vec(frame(), 1..4),
                cuts in prop::collection::vec(0.0..=1.0f64, 0..8),
            ) {
                let mut bytes = Vec::new();
                for f in &before {
                    bytes.extend(serde_json::to_vec(f).unwrap());
                }
                bytes.extend(format!("{{\"Offset\":\"{bad}\",\"File\":\"x\"}}\n").as_bytes());
                for f in &after {
                    bytes.extend(serde_json::to_vec(f).unwrap());
                }
                let mut d = FrameDecoder::new();
                let mut got = Vec::new();
                for chunk in chunks(&bytes, &cuts) {
                    got.extend(d.push(&chunk));
                }
                let errors = got.iter().filter(|r| r.is_err()).count();
                let good: Vec<StreamFrame> = got.into_iter().filter_map(Result::ok).collect();
                prop_assert!(errors >= 1);
                let want: Vec<StreamFrame> = before.into_iter().chain(after).collect();
                prop_assert_eq!(good, want);
            }
        }
    }
}
