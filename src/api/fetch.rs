//! Every HTTP exchange with the agent, through gloo-net's `Request`: the one place a request is
//! set up (method, the token in the `X-Nomad-Token` header, the body, an abort signal). A
//! request is aborted when its future, or the streaming body it opened, is dropped.
//!
//! Three pieces stay on web-sys because gloo-net 0.6 has no equivalent: the `AbortController`
//! (gloo only takes its signal, `RequestBuilder::abort_signal`), the reader that takes a
//! streaming body chunk by chunk (gloo's `Response::body` hands over the `ReadableStream`), and
//! a fallible `Headers::set` (see `send`).

use super::error::ApiError;
use gloo_net::http::{Headers, Method, RequestBuilder, Response};
use nomad_api::query::{QueryMeta, HEADER_NEXT_TOKEN, HEADER_TOKEN};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader};

/// An answer of any status, its body read in full.
pub struct Answer {
    pub status: u16,
    pub meta: QueryMeta,
    /// `X-Nomad-NextToken`: a paginated list has a next page, read with this token.
    pub next_token: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Aborts its request when dropped: the view that made it went away, the tab was hidden, or
/// its long-poll slot was given to a visible view. The browser then closes the connection,
/// which is what frees it. (Aborting a request that has completed does nothing.)
struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) fn network(e: JsValue) -> ApiError {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "request failed".into());
    ApiError::Network(text)
}

fn gloo(e: gloo_net::Error) -> ApiError {
    ApiError::Network(match e {
        // The browser's words ("Failed to fetch"), without the error's name in front.
        gloo_net::Error::JsError(e) => e.message,
        gloo_net::Error::GlooError(text) => text,
        // Decoding JSON is `client::decode`'s; gloo's `json` is never used.
        _ => "request failed".into(),
    })
}

/// Sends a request; `token` goes only into the `X-Nomad-Token` header.
async fn send(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(Response, AbortOnDrop), ApiError> {
    let method = match method {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        other => return Err(ApiError::Network(format!("the dashboard does not send {other} requests"))),
    };
    let abort = AbortOnDrop(AbortController::new().map_err(network)?);
    // Built on web-sys's `Headers`: gloo's `RequestBuilder::header` throws into JavaScript
    // (`unwrap_throw`) on a value the browser refuses, such as a pasted token with a line
    // break; this way it is an error like any other.
    let headers = web_sys::Headers::new().map_err(network)?;
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        headers.set(HEADER_TOKEN, token).map_err(network)?;
    }
    // gloo-net 0.6 sends a URL that has a query with a `&` appended (rustwasm/gloo#498): an
    // empty pair, which Go's `url.ParseQuery` (Nomad) and the agent's `parse_go_query` skip.
    let request = RequestBuilder::new(url)
        .method(method)
        .headers(Headers::from_raw(headers))
        .abort_signal(Some(&abort.0.signal()));
    let request = match body {
        Some(body) => request.body(body),
        None => request.build(),
    }
    .map_err(gloo)?;
    let response = request.send().await.map_err(gloo)?;
    Ok((response, abort))
}

/// A request whose answer is read in full.
pub async fn fetch(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> Result<Answer, ApiError> {
    let (response, _abort) = send(method, url, token, body).await?;
    let headers = response.headers();
    let meta = QueryMeta::from_headers(|name| headers.get(name));
    let next_token = headers.get(HEADER_NEXT_TOKEN).filter(|t| !t.is_empty());
    let body = response.binary().await.map_err(gloo)?;
    Ok(Answer { status: response.status(), meta, next_token, body })
}

/// What a streaming GET got.
pub enum Stream {
    /// A 2xx answer, its body still arriving.
    Open(Body),
    /// Any other answer, with its body's text (which says why).
    Refused { status: u16, text: String },
}

/// A GET whose body is read as it arrives.
pub async fn stream(url: &str, token: Option<&str>) -> Result<Stream, ApiError> {
    let (response, abort) = send("GET", url, token, None).await?;
    if !response.ok() {
        let body = response.binary().await.map_err(gloo)?;
        return Ok(Stream::Refused { status: response.status(), text: String::from_utf8_lossy(&body).into_owned() });
    }
    let stream = response.body().ok_or_else(|| ApiError::Malformed("the answer has no body".into()))?;
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    Ok(Stream::Open(Body { reader, _abort: abort }))
}

/// A streaming body; dropping it aborts the request.
pub struct Body {
    reader: ReadableStreamDefaultReader,
    _abort: AbortOnDrop,
}

impl Body {
    /// The next chunk; `None` when the body ended.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, ApiError> {
        let result = JsFuture::from(self.reader.read()).await.map_err(network)?;
        let field = |name: &str| js_sys::Reflect::get(&result, &name.into()).map_err(network);
        if field("done")?.as_bool().unwrap_or(true) {
            return Ok(None);
        }
        Ok(Some(js_sys::Uint8Array::new(&field("value")?).to_vec()))
    }
}
