//! What every handler reads from a request, parsed as Nomad's HTTP server parses it
//! (`parse`, `parseWait`, `parseConsistency`, `parseRegion`, `parseNamespace`, `parseToken`).
//! The rules themselves are `nomad_api::query`'s; this is their axum glue.

use crate::error::ApiError;
use crate::http::meta::QueryMeta;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
pub use nomad_api::query::{parse_go_bool, parse_go_query, ALL_NAMESPACES, DEFAULT_NAMESPACE};
use nomad_api::query::{parse_token, ServerQueryOptions, HEADER_TOKEN};
use serde::Serialize;
use std::convert::Infallible;

/// The read options of `structs.QueryOptions`.
pub type QueryOptions = ServerQueryOptions;

#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    params: Vec<(String, String)>,
    token: String,
    /// The release the agent answers as, for rules a handler reads from the request alone
    /// (the `filter` grammar, `Paging::of`).
    version: nomad_api::NomadVersion,
}

/// What the extractor needs of the router's state: how the release's `parseToken` reads
/// `X-Nomad-Token` ([`nomad_api::NomadVersion::trims_x_nomad_token`]).
pub trait TokenRules {
    fn trims_x_nomad_token(&self) -> bool;
    /// The release whose rules the request is read by; the latest unless told.
    fn nomad_version(&self) -> nomad_api::NomadVersion {
        nomad_api::NomadVersion::LATEST
    }
}

impl TokenRules for AppState {
    fn trims_x_nomad_token(&self) -> bool {
        self.version.trims_x_nomad_token()
    }

    fn nomad_version(&self) -> nomad_api::NomadVersion {
        self.version
    }
}

impl<S: TokenRules + Send + Sync> FromRequestParts<S> for ApiRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        // Like Go's `URL.Query()`, malformed pairs never fail the request.
        let params = parts.uri.query().map(parse_go_query).unwrap_or_default();
        let token = token_of(&parts.headers, state.trims_x_nomad_token());
        Ok(ApiRequest { method: parts.method.clone(), params, token, version: state.nomad_version() })
    }
}

/// `X-Nomad-Token`, else an `Authorization: Bearer` value. Never from the URL. Go reads a
/// header's bytes as they came, non-ASCII included (a UTF-8 no-break space is white space
/// to `strings.TrimSpace`), so they are read lossily rather than dropped.
fn token_of(headers: &HeaderMap, trim_x_nomad_token: bool) -> String {
    let text = |name| headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()));
    let (x_nomad_token, authorization) = (text(HEADER_TOKEN), text(header::AUTHORIZATION.as_str()));
    parse_token(x_nomad_token.as_deref(), authorization.as_deref(), trim_x_nomad_token)
}

impl ApiRequest {
    /// The first value of a parameter, as Go's `Query().Get` (absent and empty alike).
    pub fn get(&self, key: &str) -> &str {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn has(&self, key: &str) -> bool {
        self.params.iter().any(|(k, _)| k == key)
    }

    /// The first value of every parameter, as the handlers that read `Query().Get` see them.
    pub fn first_values(&self) -> std::collections::HashMap<String, String> {
        let mut values = std::collections::HashMap::new();
        for (key, value) in &self.params {
            values.entry(key.clone()).or_insert_with(|| value.clone());
        }
        values
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.params.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }

    /// The release the agent answers as.
    pub fn version(&self) -> nomad_api::NomadVersion {
        self.version
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn require_method(&self, allowed: &[Method]) -> Result<(), ApiError> {
        if allowed.contains(&self.method) {
            Ok(())
        } else {
            Err(ApiError::invalid_method())
        }
    }

    /// `parseBool`: absent is `None`; a bad value is an uncoded error, so a 500 as in Nomad.
    pub fn bool_param(&self, key: &str) -> Result<Option<bool>, ApiError> {
        let text = self.get(key);
        if text.is_empty() {
            return Ok(None);
        }
        parse_go_bool(text).map(Some).ok_or_else(|| {
            ApiError::internal(format!(
                "Failed to parse value of {key:?} ({text}) as a bool: strconv.ParseBool: parsing {text:?}: invalid syntax"
            ))
        })
    }

    /// Nomad's `parse`: region, consistency, prefix, namespace, pagination, then wait and index.
    pub fn query_options(&self, agent_region: &str) -> Result<QueryOptions, ApiError> {
        ServerQueryOptions::parse(&self.params, agent_region).map_err(|e| ApiError::bad_request(e.to_string()))
    }

    /// `parse`'s error for a handler that calls it without checking its result (the fs and
    /// client allocation endpoints, client stats and GC, the monitor, exec). See
    /// [`after_ignored_parse`].
    pub fn ignored_parse(&self, agent_region: &str) -> Option<ApiError> {
        self.query_options(agent_region).err()
    }

    /// The region of a write (`parseWriteRequest`), which has no other options to fail on.
    pub fn write_region(&self, agent_region: &str) -> String {
        match self.get("region") {
            "" => agent_region.to_string(),
            r => r.to_string(),
        }
    }

    /// `pretty` present with a first value other than `0`.
    pub fn pretty(&self) -> bool {
        self.params.iter().find(|(k, _)| k == "pretty").is_some_and(|(_, v)| v != "0")
    }

    /// The JSON body of a successful answer, encoded as `wrap` encodes it.
    pub fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::with_capacity(1024);
        let result = if self.pretty() {
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            value.serialize(&mut ser)
        } else {
            value.serialize(&mut serde_json::Serializer::new(&mut out))
        };
        result.map_err(|e| ApiError::internal(e.to_string()))?;
        if self.pretty() {
            out.push(b'\n');
        }
        Ok(out)
    }

    /// A JSON answer with optional query metadata.
    pub fn reply<T: Serialize + ?Sized>(&self, meta: Option<QueryMeta>, value: &T) -> Result<Response, ApiError> {
        Ok(json_response(meta, self.encode(value)?))
    }
}

/// Bodies above this go out in pieces of this size, so that compressing one piece overlaps
/// sending the last (a 10,000-allocation list is 7 MB), as Go's server streams a large body.
pub const PIECE: usize = 256 * 1024;

pub fn json_response(meta: Option<QueryMeta>, body: Vec<u8>) -> Response {
    json_body_response(meta, json_body(body))
}

/// A body written whole: in pieces of [`PIECE`] when larger.
pub fn json_body(body: Vec<u8>) -> axum::body::Body {
    if body.len() > PIECE {
        let body = axum::body::Bytes::from(body);
        let pieces: Vec<_> = (0..body.len())
            .step_by(PIECE)
            .map(|at| Ok::<_, Infallible>(body.slice(at..(at + PIECE).min(body.len()))))
            .collect();
        axum::body::Body::from_stream(futures::stream::iter(pieces))
    } else {
        axum::body::Body::from(body)
    }
}

/// As [`json_response`], for a body written as it is sent.
pub fn json_body_response(meta: Option<QueryMeta>, body: axum::body::Body) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    if let Some(meta) = meta {
        meta.apply(response.headers_mut());
    }
    response
}

/// What Nomad answers when a handler ignored `parse`'s failure: `parse` has already written
/// its status (400) and message, so the status and headers stay those, and whatever the
/// handler then writes, its result or its error's text, follows the message in the body.
pub fn after_ignored_parse(
    parse_error: Option<ApiError>,
    result: Result<Response, ApiError>,
) -> Result<Response, ApiError> {
    let Some(parse_error) = parse_error else { return result };
    let rest = match result {
        Ok(response) => response.into_body(),
        Err(e) => axum::body::Body::from(e.message),
    };
    let first =
        futures::stream::once(std::future::ready(Ok::<_, axum::Error>(axum::body::Bytes::from(parse_error.message))));
    let body = axum::body::Body::from_stream(futures::StreamExt::chain(first, rest.into_data_stream()));
    Ok((parse_error.status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response())
}

/// An answer with no body, as Nomad's handlers that return `nil, nil`.
pub fn empty_response(meta: Option<QueryMeta>) -> Response {
    let mut response = ().into_response();
    if let Some(meta) = meta {
        meta.apply(response.headers_mut());
    }
    response
}

/// `decodeBody` into a struct of Go type `go_type` (`command/agent/http.go`): an empty body is
/// `Request body is empty`; what Go's decoder cannot read gets its words
/// (`nomad_api::gojson`), all 400 as the handlers code them. `fields` are the struct's
/// fields the handler reads, with their Go types, checked as Go checks them.
pub fn decode_body_object(
    body: &[u8],
    go_type: &str,
    fields: &[(&str, &str)],
) -> Result<serde_json::Map<String, serde_json::Value>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("Request body is empty"));
    }
    let go_struct = go_type.rsplit('.').next().unwrap_or(go_type);
    match nomad_api::gojson::decode_object(body, go_type, go_struct, fields) {
        Ok(Some(fields)) => Ok(fields),
        Ok(None) => Err(ApiError::bad_request("EOF")),
        Err(e) => Err(ApiError::bad_request(e)),
    }
}

/// A field of a decoded body as Go's `encoding/json` finds it: by name in any case.
pub fn body_field<'a>(
    fields: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<&'a serde_json::Value> {
    fields.get(name).or_else(|| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The rules of the latest release, for requests made without an agent.
    impl TokenRules for () {
        fn trims_x_nomad_token(&self) -> bool {
            true
        }
    }

    fn request(query: &str, headers: &[(&str, &str)]) -> ApiRequest {
        let mut builder = axum::http::Request::builder().uri(format!("/v1/allocations?{query}"));
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let (mut parts, _) = builder.body(()).unwrap().into_parts();
        let fut = ApiRequest::from_request_parts(&mut parts, &());
        futures_lite(fut)
    }

    /// The extractor never awaits anything, so one poll finishes it.
    fn futures_lite<F: std::future::Future<Output = Result<ApiRequest, Infallible>>>(f: F) -> ApiRequest {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(Ok(r)) => r,
            _ => unreachable!("the extractor is synchronous"),
        }
    }

    #[test]
    fn parses_query_options_as_nomad() {
        let o = request("namespace=*&index=12&wait=10s&stale&prefix=ab", &[]).query_options("global").unwrap();
        assert_eq!(o.namespace, "*");
        assert_eq!((o.min_index, o.max_wait, o.stale), (12, Duration::from_secs(10), true));
        assert_eq!((o.region.as_str(), o.prefix.as_str()), ("global", "ab"));
        let o = request("wait=-5s", &[]).query_options("global").unwrap();
        assert_eq!((o.namespace.as_str(), o.max_wait), ("default", Duration::ZERO));

        let err = |q: &str| request(q, &[]).query_options("global").unwrap_err().message;
        assert_eq!(err("wait=soon"), "Invalid wait time");
        assert_eq!(err("index=-1"), "Invalid index");
        assert_eq!(err("stale=maybe"), "Expect `true` or `false` for `stale` query string parameter");
        assert_eq!(err("per_page=x"), "Expect a number for `per_page` query string parameter");
    }

    #[test]
    fn reads_tokens_from_headers_only() {
        assert_eq!(request("", &[("X-Nomad-Token", " abc ")]).token(), "abc");
        assert_eq!(request("", &[("Authorization", "Bearer xyz")]).token(), "xyz");
        assert_eq!(request("", &[("Authorization", "Basic xyz")]).token(), "");
        assert_eq!(request("token=abc", &[]).token(), "");
    }

    #[test]
    fn pretty_indents_with_four_spaces() {
        let body = request("pretty", &[]).encode(&serde_json::json!({"A": 1})).unwrap();
        assert_eq!(String::from_utf8(body).unwrap(), "{\n    \"A\": 1\n}\n");
        let body = request("pretty=0", &[]).encode(&serde_json::json!({"A": 1})).unwrap();
        assert_eq!(String::from_utf8(body).unwrap(), "{\"A\":1}");
    }
}
