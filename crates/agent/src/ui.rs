//! The dashboard's static files at `/ui/`, with index.html for every path that is not a file
//! (the dashboard routes on the client), and `/` redirecting there as Nomad's agent does.

use crate::AppState;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use axum::Router;
use std::path::PathBuf;
use tower_http::services::{ServeDir, ServeFile};

/// What Nomad serves at `/ui/` when its UI is disabled.
const UI_DISABLED: &str = "<html><p>Nomad UI is disabled</p></html>";

/// `/` → `/ui/` keeping the query, with a temporary redirect as `handleRootFallthrough`.
async fn root(uri: Uri) -> Response {
    let target = match uri.query() {
        Some(q) => format!("/ui/?{q}"),
        None => "/ui/".to_string(),
    };
    Redirect::temporary(&target).into_response()
}

pub fn routes(ui_dir: Option<PathBuf>) -> Router<AppState> {
    let router = Router::new().route("/", any(root));
    match ui_dir {
        Some(dir) => {
            let files = ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html")));
            router.nest_service("/ui", files)
        }
        None => router
            .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
            .route("/ui/", any(|| async { Html(UI_DISABLED) }))
            .route("/ui/{*rest}", any(|| async { (StatusCode::OK, Html(UI_DISABLED)) })),
    }
}
