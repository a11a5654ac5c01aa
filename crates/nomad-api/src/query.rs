//! Query options and query metadata, both ways: the client's side (building request URLs
//! and reading response headers, as Nomad's `api` package does) and the server's (parsing a
//! request's query and token, and writing the headers, as `command/agent/http.go` does). One
//! module for both, so that what the dashboard writes is what the agent reads.
//!
//! Every URL the dashboard requests is built here, so the pages never assemble one.

use crate::duration::{format_wait, parse_go_duration};
use std::time::Duration;

/// The Raft index of the data answered: the `index` to block on next.
pub const HEADER_INDEX: &str = "X-Nomad-Index";
/// `true` or `false`: whether the answering server knew of a cluster leader.
pub const HEADER_KNOWN_LEADER: &str = "X-Nomad-KnownLeader";
/// Milliseconds since the answering server last heard from the leader; 0 on the leader.
pub const HEADER_LAST_CONTACT: &str = "X-Nomad-LastContact";
/// The header carrying a request's ACL secret (`Authorization: Bearer` is read too).
pub const HEADER_TOKEN: &str = "X-Nomad-Token";
/// `X-Nomad-NextToken`: set by `setMeta` when a paginated list has a next page; its value is
/// the `next_token` that reads it.
pub const HEADER_NEXT_TOKEN: &str = "X-Nomad-NextToken";

/// `structs.DefaultNamespace`.
pub const DEFAULT_NAMESPACE: &str = "default";
/// `structs.AllNamespacesSentinel`.
pub const ALL_NAMESPACES: &str = "*";

/// Nomad caps a blocking query's `wait` at 5 minutes (the docs say 10; the code wins).
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// The wait of a blocking query that names none: 5 minutes, `structs.DefaultBlockingRPCQueryTime`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// Options of every read (`api.QueryOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryOptions {
    /// `region`: the region to ask; `None` for the agent's own.
    pub region: Option<String>,
    /// `namespace`: a namespace, or `*` for all; `None` for `default`.
    pub namespace: Option<String>,
    /// `stale`: let any server answer, not only the leader (possibly out of date).
    pub stale: bool,
    /// Block until the data's index passes this one.
    pub index: Option<u64>,
    /// `wait`: how long a blocking query may wait; capped at [`MAX_WAIT`], [`DEFAULT_WAIT`] when `None`.
    pub wait: Option<Duration>,
}

/// Metadata of a read (`api.QueryMeta`), from the response headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryMeta {
    /// `X-Nomad-Index`: the Raft index of the data; 0 when the header is missing.
    pub last_index: u64,
    /// `X-Nomad-KnownLeader`: whether the answering server knew of a leader.
    pub known_leader: bool,
    /// `X-Nomad-LastContact`: milliseconds since the server last heard from the leader.
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

impl QueryMeta {
    /// `setMeta` (`command/agent/http.go`): index, last contact in milliseconds, known
    /// leader, in the order Nomad sets them. A write sends only the index (`setIndex`).
    pub fn to_headers(&self) -> [(&'static str, String); 3] {
        [
            (HEADER_INDEX, self.last_index.to_string()),
            (HEADER_LAST_CONTACT, self.last_contact_ms.to_string()),
            (HEADER_KNOWN_LEADER, self.known_leader.to_string()),
        ]
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

    /// Appends `key=value` to the query; an empty value writes the key alone (`stale`).
    pub fn param(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    /// Appends `key=value` when `value` is `Some`; nothing for `None`.
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

    /// The path, `/v1/...`, percent-encoded, without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query's pairs, unencoded, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.query
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

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `url.ParseQuery` as `URL.Query()` uses it (net/url): pairs split on `&`; a pair with a
/// `;` is dropped (Go 1.17 on), and so is one whose key or value is not valid
/// percent-encoding; `+` is a space. The other pairs are kept, in order.
pub fn parse_go_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.contains(';'))
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((go_query_unescape(key)?, go_query_unescape(value)?))
        })
        .collect()
}

/// `url.QueryUnescape`: `%XX` with two hex digits, `+` for a space; anything else after a `%`
/// is an error (`None`). Bytes that are not UTF-8 are replaced, as Rust strings need.
fn go_query_unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let digits = std::str::from_utf8(hex).ok()?;
                if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(digits, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `parseToken` (`command/agent/http.go`): `X-Nomad-Token` when present and not empty, else
/// the first word of an `Authorization: Bearer` value. Never from the URL. `trim_x_nomad_token`
/// is the release's [`NomadVersion::trims_x_nomad_token`](crate::NomadVersion::trims_x_nomad_token):
/// whether surrounding white space (Unicode's, as Go's `strings.TrimSpace`) is cut from
/// `X-Nomad-Token`; the `Bearer` value always is.
pub fn parse_token(x_nomad_token: Option<&str>, authorization: Option<&str>, trim_x_nomad_token: bool) -> String {
    if let Some(token) = x_nomad_token.filter(|t| !t.is_empty()) {
        return if trim_x_nomad_token { token.trim() } else { token }.to_string();
    }
    let Some(authorization) = authorization else { return String::new() };
    // `<Scheme> <Value>`: split on single spaces, as Go's `strings.Split(other, " ")`.
    match authorization.split_once(' ') {
        Some((scheme, value)) if scheme.eq_ignore_ascii_case("bearer") => {
            value.trim().split(' ').next().unwrap_or_default().trim().to_string()
        }
        _ => String::new(),
    }
}

/// The read options of `structs.QueryOptions`, as the server's `parse` fills them from a
/// request's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerQueryOptions {
    /// `region`: as asked, else the agent's own region.
    pub region: String,
    /// `namespace`: as asked (`*` for all), else `default`.
    pub namespace: String,
    /// `prefix`: the ID prefix a list is narrowed to; empty for none.
    pub prefix: String,
    /// `stale`: any server may answer (`?stale` alone, or a Go bool true).
    pub stale: bool,
    /// `index`: block until the data's index passes this one; 0 for no blocking.
    pub min_index: u64,
    /// As asked; the blocking query caps and defaults it.
    pub max_wait: Duration,
}

/// What `parse` refuses, with its words (all 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryOptionsError {
    /// `stale` is neither empty nor a Go bool (`strconv.ParseBool`).
    #[error("Expect `true` or `false` for `stale` query string parameter")]
    Stale,
    /// `per_page` is not an `int32`.
    #[error("Expect a number for `per_page` query string parameter")]
    PerPage,
    /// `wait` is not a Go duration (`time.ParseDuration`).
    #[error("Invalid wait time")]
    Wait,
    /// `index` is not a `uint64`.
    #[error("Invalid index")]
    Index,
}

impl ServerQueryOptions {
    /// Nomad's `parse` (`command/agent/http.go`, v1.4.0 to v1.11.3): region, consistency,
    /// prefix, namespace, pagination, then wait and index. `params` is the query as
    /// [`parse_go_query`] reads it; a parameter's first value counts, as `Query().Get`.
    pub fn parse(params: &[(String, String)], agent_region: &str) -> Result<Self, QueryOptionsError> {
        let first = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let get = |key: &str| first(key).unwrap_or("");
        let region = match get("region") {
            "" => agent_region.to_string(),
            r => r.to_string(),
        };
        let stale = match first("stale") {
            None => false,
            Some("") => true,
            Some(v) => parse_go_bool(v).ok_or(QueryOptionsError::Stale)?,
        };
        let prefix = get("prefix").to_string();
        let namespace = match get("namespace") {
            "" => DEFAULT_NAMESPACE.to_string(),
            ns => ns.to_string(),
        };
        let per_page = get("per_page");
        if !per_page.is_empty() && per_page.parse::<i32>().is_err() {
            return Err(QueryOptionsError::PerPage);
        }
        let max_wait = match get("wait") {
            "" => Duration::ZERO,
            text => parse_wait(text).ok_or(QueryOptionsError::Wait)?,
        };
        let min_index = match get("index") {
            "" => 0,
            text => text.parse::<u64>().map_err(|_| QueryOptionsError::Index)?,
        };
        Ok(ServerQueryOptions { region, namespace, prefix, stale, min_index, max_wait })
    }
}

/// Go's `time.ParseDuration`, which also takes negative durations: those, like zero,
/// leave the blocking query to its default wait.
fn parse_wait(text: &str) -> Option<Duration> {
    match text.strip_prefix('-') {
        Some(rest) => parse_go_duration(rest).ok().map(|_| Duration::ZERO),
        None => parse_go_duration(text).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_blocking_query_urls() {
        let o = QueryOptions {
            namespace: Some("*".into()),
            index: Some(42),
            wait: Some(Duration::from_secs(600)),
            stale: true,
            ..Default::default()
        };
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

    #[test]
    fn parses_query_options_as_nomad() {
        let parse = |q: &str| ServerQueryOptions::parse(&parse_go_query(q), "global");
        let o = parse("namespace=*&index=12&wait=10s&stale&prefix=ab").unwrap();
        assert_eq!(o.namespace, "*");
        assert_eq!((o.min_index, o.max_wait, o.stale), (12, Duration::from_secs(10), true));
        assert_eq!((o.region.as_str(), o.prefix.as_str()), ("global", "ab"));
        let o = parse("wait=-5s&stale=false").unwrap();
        assert_eq!((o.namespace.as_str(), o.max_wait, o.stale), ("default", Duration::ZERO, false));
        assert_eq!(parse("wait=soon"), Err(QueryOptionsError::Wait));
        assert_eq!(parse("index=-1"), Err(QueryOptionsError::Index));
        assert_eq!(
            parse("stale=maybe").unwrap_err().to_string(),
            "Expect `true` or `false` for `stale` query string parameter"
        );
        assert_eq!(
            parse("per_page=x").unwrap_err().to_string(),
            "Expect a number for `per_page` query string parameter"
        );
        // Bad pairs are dropped before `parse` sees them.
        let o = parse("index=1;2&wait=%zz").unwrap();
        assert_eq!((o.min_index, o.max_wait), (0, Duration::ZERO));
    }

    /// net/url `parseQuery` (Go 1.24): `;` pairs and bad escapes dropped, the rest kept.
    #[test]
    fn reads_the_query_as_go_does() {
        let pairs = parse_go_query("a=1&b=%zz&c=1;2&d=x+y%21&e&=f&&g=%4");
        let expected = [("a", "1"), ("d", "x y!"), ("e", ""), ("", "f")];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())));
    }

    /// `parseToken` (`command/agent/http.go`, v1.11.3).
    #[test]
    fn reads_tokens_as_parse_token() {
        assert_eq!(parse_token(Some(" abc "), Some("Bearer xyz"), true), "abc");
        assert_eq!(parse_token(None, Some("Bearer xyz"), true), "xyz");
        assert_eq!(parse_token(Some(""), Some("bearer  xyz more"), true), "xyz");
        assert_eq!(parse_token(None, Some("Basic xyz"), true), "");
        assert_eq!(parse_token(None, Some("Bearer"), true), "");
        // A header of spaces is present: its trimmed value, empty, wins over Authorization.
        assert_eq!(parse_token(Some("  "), Some("Bearer xyz"), true), "");
        // Go does not trim Authorization before splitting: a leading space is an empty scheme.
        assert_eq!(parse_token(None, Some(" Bearer xyz"), true), "");
    }

    /// `parseToken` at v1.5.1 and every 1.4 release takes `X-Nomad-Token` as sent; v1.5.2
    /// trims it (hashicorp/nomad#16469), with `strings.TrimSpace`'s Unicode white space.
    #[test]
    fn trims_x_nomad_token_only_when_the_release_does() {
        assert_eq!(parse_token(Some(" abc\u{a0}"), None, false), " abc\u{a0}");
        assert_eq!(parse_token(Some(" abc\u{a0}"), None, true), "abc");
        assert_eq!(parse_token(Some("  "), Some("Bearer xyz"), false), "  ");
        // The Bearer value is trimmed in every release.
        assert_eq!(parse_token(None, Some("Bearer  xyz\u{a0}"), false), "xyz");
    }

    #[test]
    fn query_meta_headers_round_trip() {
        let meta = QueryMeta { last_index: 9, known_leader: true, last_contact_ms: 0 };
        let headers = meta.to_headers();
        let header = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        assert_eq!(QueryMeta::from_headers(header), meta);
    }
}
