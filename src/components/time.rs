//! Times shown relative ("5s ago") and, on hover, absolute in the browser's time zone.

use crate::model::format::{known_time, relative, NONE};
use leptos::prelude::*;
use std::cell::RefCell;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

thread_local! {
    static CLOCK: RefCell<Option<ArcRwSignal<f64>>> = const { RefCell::new(None) };
}

/// The current time in ms, ticking once a second: one timer for every relative time on the
/// page. Reference-counted, so no view owns it.
pub fn clock() -> ArcRwSignal<f64> {
    if let Some(c) = CLOCK.with(|c| c.borrow().clone()) {
        return c;
    }
    let signal = ArcRwSignal::new(js_sys::Date::now());
    CLOCK.with(|c| *c.borrow_mut() = Some(signal.clone()));
    let tick = {
        let signal = signal.clone();
        Closure::<dyn FnMut()>::new(move || signal.set(js_sys::Date::now()))
    };
    if let Some(w) = web_sys::window() {
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 1000);
    }
    tick.forget();
    signal
}

/// `2024-05-01 14:03:07` in local time; `–` for a time that never came.
pub fn absolute(ms: f64) -> String {
    let Some(ms) = known_time(ms) else { return NONE.to_string() };
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// A relative time that stays current, with the absolute time as its tooltip; `–` for a time
/// that never came.
#[component]
pub fn RelativeTime(ms: f64) -> impl IntoView {
    let now = clock();
    let Some(ms) = known_time(ms) else {
        return view! { <span class="muted">{NONE}</span> }.into_any();
    };
    view! { <time title=absolute(ms)>{move || relative(ms, now.get())}</time> }.into_any()
}
