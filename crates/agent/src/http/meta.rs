//! Response metadata of reads: `setMeta` / `setIndex` of Nomad's HTTP server.

use axum::http::{HeaderMap, HeaderValue};
use nomad_api::query::{HEADER_INDEX, HEADER_KNOWN_LEADER, HEADER_LAST_CONTACT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryMeta {
    /// A query answered by this server, the leader of its single-node cluster:
    /// `X-Nomad-Index`, `X-Nomad-LastContact: 0`, `X-Nomad-KnownLeader: true`.
    Query { index: u64 },
    /// A write: only `X-Nomad-Index`.
    Index(u64),
}

impl QueryMeta {
    pub fn apply(self, headers: &mut HeaderMap) {
        let index = match self {
            QueryMeta::Query { index } | QueryMeta::Index(index) => index,
        };
        headers.insert(HEADER_INDEX, HeaderValue::from(index));
        if let QueryMeta::Query { .. } = self {
            headers.insert(HEADER_LAST_CONTACT, HeaderValue::from_static("0"));
            headers.insert(HEADER_KNOWN_LEADER, HeaderValue::from_static("true"));
        }
    }
}
