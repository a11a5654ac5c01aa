//! The few browser facilities the engine waits on: timers, the clock, page visibility.

use futures::channel::oneshot;
use leptos::prelude::*;
use std::cell::RefCell;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// In `[0, 1)`.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Resolves after `d` (a timer that outlives a cancelled wait just resolves nothing).
pub async fn sleep(d: Duration) {
    let ms = d.as_millis().min(i32::MAX as u128) as i32;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Lets the browser render and handle input before continuing a long computation.
pub async fn yield_now() {
    sleep(Duration::ZERO).await
}

thread_local! {
    static VISIBLE: RefCell<Option<ArcRwSignal<bool>>> = const { RefCell::new(None) };
    static WAITERS: RefCell<Vec<(bool, oneshot::Sender<()>)>> = const { RefCell::new(Vec::new()) };
}

fn document_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() != web_sys::VisibilityState::Hidden)
}

/// Whether the tab is visible, as a signal; installs the listener on first use. (A
/// reference-counted signal: no component owns it.)
pub fn visible() -> ArcRwSignal<bool> {
    if let Some(s) = VISIBLE.with(|v| v.borrow().clone()) {
        return s;
    }
    let signal = ArcRwSignal::new(document_visible());
    VISIBLE.with(|v| *v.borrow_mut() = Some(signal.clone()));
    let setter = signal.clone();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        let now = document_visible();
        setter.set(now);
        let ready: Vec<_> = WAITERS.with(|w| {
            let mut w = w.borrow_mut();
            let (ready, rest) = w.drain(..).partition(|(want, _)| *want == now);
            *w = rest;
            ready
        });
        for (_, tx) in ready {
            let _ = tx.send(());
        }
    });
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        let _ = d.add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page.
    on_change.forget();
    signal
}

/// Resolves once the tab's visibility is `want` (at once if it already is).
pub async fn until_visible(want: bool) {
    if visible().get_untracked() == want {
        return;
    }
    let (tx, rx) = oneshot::channel();
    WAITERS.with(|w| w.borrow_mut().push((want, tx)));
    let _ = rx.await;
}
