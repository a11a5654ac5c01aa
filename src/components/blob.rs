//! Bytes the dashboard fetched (with the token in a header, never in a URL) handed to the
//! browser: saved as a download (an object URL), or shown as an image (a `data:` URL, which
//! the dashboard's Content-Security-Policy allows for images where `blob:` is not).

use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

fn js_error(e: JsValue) -> String {
    e.as_string().unwrap_or_else(|| "the browser refused".into())
}

/// An object URL, revoked when dropped.
struct ObjectUrl(String);

impl ObjectUrl {
    fn new(bytes: &[u8], mime: &str) -> Result<ObjectUrl, String> {
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
        Url::create_object_url_with_blob(&blob).map(ObjectUrl).map_err(js_error)
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

impl Drop for ObjectUrl {
    fn drop(&mut self) {
        let _ = Url::revoke_object_url(&self.0);
    }
}

/// Saves `bytes` as a download named `name`.
pub fn save(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let url = ObjectUrl::new(bytes, mime)?;
    let anchor: HtmlAnchorElement = document().create_element("a").map_err(js_error)?.unchecked_into();
    anchor.set_href(url.as_str());
    anchor.set_download(name);
    anchor.click();
    // The download reads the URL after this returns: revoke it a while later.
    set_timeout(move || drop(url), Duration::from_secs(60));
    Ok(())
}

/// `data:<mime>;base64,...`.
pub fn data_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    // btoa takes a "binary string": one character per byte.
    let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
    let encoded = window().btoa(&binary).map_err(js_error)?;
    Ok(format!("data:{mime};base64,{encoded}"))
}
