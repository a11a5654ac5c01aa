//! The two body encodings of a frame stream: Nomad's framed JSON and `plain=true`.

use crate::error::FsError;
use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use nomad_api::StreamFrame;

/// Framed mode: each frame as a JSON object, back to back with no separator, as Nomad's
/// JSON codec writes them (`{}` for a heartbeat).
pub fn framed<S>(frames: S) -> impl Stream<Item = Result<Bytes, FsError>> + Send + 'static
where
    S: Stream<Item = Result<StreamFrame, FsError>> + Send + 'static,
{
    frames.map(|frame| Ok(Bytes::from(serde_json::to_vec(&frame?)?)))
}

/// Plain mode: only the bytes of the file; heartbeats and file events send nothing.
pub fn plain<S>(frames: S) -> impl Stream<Item = Result<Bytes, FsError>> + Send + 'static
where
    S: Stream<Item = Result<StreamFrame, FsError>> + Send + 'static,
{
    frames.filter_map(|frame| {
        std::future::ready(match frame {
            Ok(frame) if frame.data.is_empty() => None,
            Ok(frame) => Some(Ok(Bytes::from(frame.data))),
            Err(e) => Some(Err(e)),
        })
    })
}
