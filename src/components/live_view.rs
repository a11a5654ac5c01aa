//! A live view's frame: its status line, its error where the data would be, then the data.

use crate::api::live::Live;
use crate::components::error_panel::ErrorPanel;
use crate::components::live_status::LiveStatus;
use leptos::prelude::*;
use std::sync::Arc;

/// The status line, and the error panel when there is no data to show (or the error is
/// permanent: 403, 404). Views that render their data themselves use this alone.
#[component]
pub fn LiveHeader<T: Send + Sync + 'static>(live: Live<T>) -> impl IntoView {
    let error = Memo::new(move |_| live.state.with(|s| s.error.clone()));
    view! {
        <LiveStatus state=live.state />
        {move || {
            error
                .get()
                .filter(|e| e.is_permanent() || live.data.with(Option::is_none))
                .map(|e| view! { <ErrorPanel error=e /> })
        }}
    }
}

/// Renders `children` with the data whenever it changes; stale data stays on screen (the
/// status line says so) unless the error is permanent.
#[component]
pub fn LiveView<T, F, V>(live: Live<T>, children: F) -> impl IntoView
where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let permanent = Memo::new(move |_| live.state.with(|s| s.error.as_ref().is_some_and(|e| e.is_permanent())));
    let loading = Memo::new(move |_| live.state.with(|s| s.loading));
    view! {
        <LiveHeader live />
        {move || match live.data.get() {
            Some(d) if !permanent.get() => children(d).into_any(),
            Some(_) => ().into_any(),
            None if loading.get() => {
                view! {
                    <p class="loading" data-testid="loading">
                        "Loading…"
                    </p>
                }
                    .into_any()
            }
            None => ().into_any(),
        }}
    }
}
