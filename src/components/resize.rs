//! Follows an element's size.

use leptos::html::ElementType;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::ResizeObserver;

/// Calls `measure` once the element is laid out and again whenever its size changes, for any
/// cause (the window, the layout around it). A ResizeObserver reports after layout, so reading
/// sizes in `measure` forces none; it stops with the calling view.
pub fn on_resize<E>(node: NodeRef<E>, measure: impl Fn() + 'static)
where
    E: ElementType,
    E::Output: JsCast + Clone + AsRef<web_sys::Element> + 'static,
{
    let callback = Closure::<dyn FnMut()>::new(measure);
    let Ok(observer) = ResizeObserver::new(callback.as_ref().unchecked_ref()) else { return };
    let watching = observer.clone();
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            watching.observe(el.as_ref());
        }
    });
    let owned = send_wrapper::SendWrapper::new((observer, callback));
    on_cleanup(move || owned.0.disconnect());
}
