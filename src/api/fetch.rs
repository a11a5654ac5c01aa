//! One HTTP exchange through the browser's `fetch`, aborted if its future is dropped.

use super::error::ApiError;
use nomad_api::query::{QueryMeta, HEADER_TOKEN};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, Response};

/// An answer of any status, its body read in full.
pub struct Answer {
    pub status: u16,
    pub meta: QueryMeta,
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

/// Aborts the request when dropped before it completed: the view that made it went away,
/// the tab was hidden, or its long-poll slot was given to a visible view. The browser then
/// closes the connection, which is what frees it.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.abort();
        }
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

/// `token` goes only into the `X-Nomad-Token` header.
pub async fn fetch(method: &str, url: &str, token: Option<&str>, body: Option<&str>) -> Result<Answer, ApiError> {
    let controller = AbortController::new().map_err(network)?;
    let mut guard = AbortOnDrop(Some(controller.clone()));
    let headers = Headers::new().map_err(network)?;
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        headers.set(HEADER_TOKEN, token).map_err(network)?;
    }
    let init = RequestInit::new();
    init.set_method(method);
    init.set_headers(&headers);
    init.set_signal(Some(&controller.signal()));
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(network)?
        .dyn_into()
        .map_err(network)?;
    let h = response.headers();
    let meta = QueryMeta::from_headers(|name| h.get(name).ok().flatten());
    let buffer = JsFuture::from(response.array_buffer().map_err(network)?).await.map_err(network)?;
    let body = js_sys::Uint8Array::new(&buffer).to_vec();
    // Complete: nothing left to abort.
    guard.0 = None;
    Ok(Answer { status: response.status(), meta, body })
}
