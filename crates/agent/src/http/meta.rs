//! Response metadata of reads: `setMeta` / `setIndex` of Nomad's HTTP server, onto axum's
//! headers. The headers themselves are `nomad_api::query::QueryMeta`'s.

use axum::http::{HeaderMap, HeaderValue};
use nomad_api::query::HEADER_INDEX;

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
        match self {
            QueryMeta::Query { index } => {
                let meta = nomad_api::query::QueryMeta { last_index: index, known_leader: true, last_contact_ms: 0 };
                for (name, value) in meta.to_headers() {
                    // Digits and `true`: always a valid header value.
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        headers.insert(name, value);
                    }
                }
            }
            QueryMeta::Index(index) => {
                headers.insert(HEADER_INDEX, HeaderValue::from(index));
            }
        }
    }
}
