//! The built dashboard at `/ui/` (where its build puts its base), index.html for every path that
//! is not a file since the dashboard routes in the browser, and `/` redirecting there as
//! Nomad's agent does.

use crate::ProxyError;
use axum::http::Uri;
use axum::response::Redirect;
use axum::routing::get;
use axum::Router;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

pub fn dashboard_routes(dir: &Path) -> Result<Router, ProxyError> {
    let index = dir.join("index.html");
    if !index.is_file() {
        return Err(ProxyError::DashboardMissing(dir.to_path_buf()));
    }
    let files = ServeDir::new(dir).fallback(ServeFile::new(index));
    Ok(Router::new()
        .route("/", get(to_ui))
        .nest_service("/ui", files))
}

/// `/` → `/ui/`, keeping the query, with a temporary redirect as Nomad's agent.
async fn to_ui(uri: Uri) -> Redirect {
    match uri.query() {
        Some(query) => Redirect::temporary(&format!("/ui/?{query}")),
        None => Redirect::temporary("/ui/"),
    }
}
