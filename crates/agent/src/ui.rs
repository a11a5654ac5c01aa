//! The dashboard at `/ui/` as Nomad's agent serves its UI, through the same routes as the
//! `serve` subcommand (`nomad_proxy::dashboard_routes`): index.html for every path that is not
//! a file, `/` redirecting there, and the same Content-Security-Policy. Without a dashboard,
//! Nomad's "UI is disabled" page.

use crate::AppState;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use nomad_proxy::{dashboard_routes, mount_at, BasePath, CONTENT_SECURITY_POLICY};
use std::convert::Infallible;
use std::path::PathBuf;

/// What Nomad serves at `/ui/` when its UI is disabled.
const UI_DISABLED: &str = "<html><p>Nomad UI is disabled</p></html>";

pub fn routes(ui_dir: Option<PathBuf>) -> Router<AppState> {
    let base = BasePath::nomad_ui();
    let Some(dir) = ui_dir else { return every_page(&base, || Html(UI_DISABLED).into_response()) };
    let policy = HeaderValue::from_static(CONTENT_SECURITY_POLICY);
    match dashboard_routes(&dir, &base, Some(policy)) {
        Ok(dashboard) => dashboard.with_state(()),
        Err(e) => {
            // Said at start and on every page, rather than a blank dashboard.
            tracing::error!("{e}");
            let message = e.to_string();
            every_page(&base, move || (StatusCode::SERVICE_UNAVAILABLE, message.clone()).into_response())
        }
    }
}

/// The same page at every path under `base`.
fn every_page(base: &BasePath, page: impl Fn() -> Response + Clone + Send + Sync + 'static) -> Router<AppState> {
    let pages = tower::service_fn(move |_: axum::extract::Request| std::future::ready(Ok::<_, Infallible>(page())));
    mount_at(base, pages).with_state(())
}
