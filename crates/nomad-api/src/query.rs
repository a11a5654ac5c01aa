//! Building request URLs and reading response metadata, as Nomad's `api` package does.
//!
//! Every URL the dashboard requests is built here, so the pages never assemble one.

use crate::duration::format_wait;
use std::time::Duration;

pub const HEADER_INDEX: &str = "X-Nomad-Index";
pub const HEADER_KNOWN_LEADER: &str = "X-Nomad-KnownLeader";
pub const HEADER_LAST_CONTACT: &str = "X-Nomad-LastContact";
pub const HEADER_TOKEN: &str = "X-Nomad-Token";

/// Nomad caps a blocking query's `wait` at 5 minutes (the docs say 10; the code wins).
pub const MAX_WAIT: Duration = Duration::from_secs(300);
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// Options of every read (`api.QueryOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    pub region: Option<String>,
    pub namespace: Option<String>,
    pub stale: bool,
    /// Block until the data's index passes this one.
    pub index: Option<u64>,
    pub wait: Option<Duration>,
}

/// Metadata of a read (`api.QueryMeta`), from the response headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryMeta {
    pub last_index: u64,
    pub known_leader: bool,
    pub last_contact_ms: u64,
}

impl QueryMeta {
    /// Reads the `X-Nomad-*` headers through `header` (case-insensitive lookup).
    /// Missing headers are defaults: non-blocking endpoints send none.
    pub fn from_headers(header: impl Fn(&str) -> Option<String>) -> Self {
        let num = |name| header(name).and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        QueryMeta {
            last_index: num(HEADER_INDEX),
            known_leader: header(HEADER_KNOWN_LEADER).is_some_and(|v| v.trim() == "true"),
            last_contact_ms: num(HEADER_LAST_CONTACT),
        }
    }
}

/// A `/v1` path with its query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiUrl {
    path: String,
    query: Vec<(String, String)>,
}

impl ApiUrl {
    /// `segments` are joined under `/v1/`, each percent-encoded.
    pub fn new(segments: &[&str]) -> Self {
        let mut path = String::from("/v1");
        for s in segments {
            path.push('/');
            path.push_str(&encode(s));
        }
        ApiUrl { path, query: Vec::new() }
    }

    pub fn param(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn param_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    /// Adds the read options; `namespace` only where the endpoint takes one.
    pub fn query_options(self, o: &QueryOptions) -> Self {
        let mut u = self.param_opt("region", o.region.as_deref()).param_opt("namespace", o.namespace.as_deref());
        if o.stale {
            u = u.param("stale", "");
        }
        if let Some(index) = o.index {
            u = u.param("index", index);
            u = u.param("wait", format_wait(o.wait.unwrap_or(DEFAULT_WAIT).min(MAX_WAIT)));
        }
        u
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// `/v1/...?k=v&...`, ready to join to an agent address.
    pub fn path_and_query(&self) -> String {
        let mut s = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(&encode(k));
            if !v.is_empty() {
                s.push('=');
                s.push_str(&encode(v));
            }
        }
        s
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_blocking_query_urls() {
        let o = QueryOptions { namespace: Some("*".into()), index: Some(42), wait: Some(Duration::from_secs(600)), stale: true, ..Default::default() };
        let u = ApiUrl::new(&["allocations"]).param("task_states", false).query_options(&o);
        assert_eq!(u.path_and_query(), "/v1/allocations?task_states=false&namespace=%2A&stale&index=42&wait=300s");
        let u = ApiUrl::new(&["client", "fs", "logs", "ab/../c"]).param("type", "stdout");
        assert_eq!(u.path_and_query(), "/v1/client/fs/logs/ab%2F..%2Fc?type=stdout");
    }

    #[test]
    fn reads_query_meta() {
        let h = |name: &str| match name {
            HEADER_INDEX => Some("17".to_string()),
            HEADER_KNOWN_LEADER => Some("true".to_string()),
            HEADER_LAST_CONTACT => Some("garbage".to_string()),
            _ => None,
        };
        assert_eq!(QueryMeta::from_headers(h), QueryMeta { last_index: 17, known_leader: true, last_contact_ms: 0 });
    }
}
