//! The raw JSON of a read, fetched when opened so it is exactly what the agent sends now.

use crate::api::client::use_client;
use crate::api::endpoints::Read;
use leptos::prelude::*;

/// Indented by the browser's own JSON, so no JSON printer ships in the wasm.
fn pretty(text: &str) -> String {
    js_sys::JSON::parse(text)
        .ok()
        .and_then(|v| {
            js_sys::JSON::stringify_with_replacer_and_space(
                &v,
                &wasm_bindgen::JsValue::NULL,
                &wasm_bindgen::JsValue::from(2),
            )
            .ok()
        })
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| text.to_string())
}

#[component]
pub fn RawJson(#[prop(into)] read: Signal<Option<Read>>) -> impl IntoView {
    let client = use_client();
    let open = RwSignal::new(false);
    let text = LocalResource::new(move || {
        let read = open.get().then(|| read.get()).flatten();
        async move {
            let read = read?;
            Some(match client.get(&read, None, std::time::Duration::ZERO).await {
                Ok(answer) => pretty(&answer.text()),
                Err(e) => e.to_string(),
            })
        }
    });
    view! {
        <details
            class="panel raw-json"
            data-testid="raw-json"
            on:toggle=move |ev| {
                let el: web_sys::HtmlDetailsElement = event_target(&ev);
                open.set(el.open());
            }
        >
            <summary>"Raw JSON"</summary>
            <Transition fallback=|| {
                view! { <p class="loading">"Loading…"</p> }
            }>{move || text.get().flatten().map(|t| view! { <pre data-testid="raw-json-text">{t}</pre> })}</Transition>
        </details>
    }
}
