//! A live view's frame: its status line, then the data, the error, or a loading note.

use crate::api::live::Live;
use crate::components::error_panel::ErrorPanel;
use crate::components::live_status::LiveStatus;
use leptos::prelude::*;
use std::sync::Arc;

/// Renders `children` with the data whenever it changes. An error with data on screen leaves
/// the data (marked stale by the status line) unless it is permanent (403, 404).
#[component]
pub fn LiveView<T, F, V>(live: Live<T>, children: F) -> impl IntoView
where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let error = Memo::new(move |_| live.state.with(|s| s.error.clone()));
    let permanent = move || error.with(|e| e.as_ref().is_some_and(|e| e.is_permanent()));
    view! {
        <LiveStatus state=live.state/>
        {move || {
            let blocking_error = error.get().filter(|e| e.is_permanent() || live.data.with(Option::is_none));
            blocking_error.map(|e| view! { <ErrorPanel error=e/> })
        }}
        {move || match live.data.get() {
            Some(d) if !permanent() => children(d).into_any(),
            Some(_) => ().into_any(),
            None if live.state.with(|s| s.loading) => view! { <p class="loading" data-testid="loading">"Loading…"</p> }.into_any(),
            None => ().into_any(),
        }}
    }
}
