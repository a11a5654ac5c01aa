//! Caravan: a live dashboard for HashiCorp Nomad, in Rust and WebAssembly.
//!
//! `api` talks to Nomad (endpoints, client, the blocking-query engine), `session` holds the
//! connection and identity, `pages` are the routes and `components` the views they share.
//! `acl`, `model` and the pure parts of `api` are framework-free and unit-tested natively;
//! everything else needs a browser and builds only for wasm32.

pub mod acl;
pub mod api;
pub mod model;

#[cfg(target_arch = "wasm32")]
mod app;
// Public (not part of any API) so that the browser component tests in `tests/web.rs` can mount
// the views.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod components;
#[cfg(target_arch = "wasm32")]
mod deployment;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod pages;
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod session;

/// Reads the deployment's settings, then mounts the dashboard on the page's `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    // A panic would otherwise leave a dead page with nothing in the console.
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        deployment::load().await;
        leptos::mount::mount_to_body(app::App);
    });
}
