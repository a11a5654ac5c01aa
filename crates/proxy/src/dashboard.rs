//! The built dashboard at its base path (`/ui/` as Nomad's agent serves its UI, or any other),
//! index.html for every path that is not a file since the dashboard routes in the browser, and
//! `/` redirecting there as Nomad's agent does. index.html gets the base path written into its
//! `<base href>` (every other URL of the page is relative to it, and the dashboard finds its
//! `config.json` beside it); all of it is revalidated on every load so a new build or config is
//! picked up at once, compressed (the wasm is megabytes) and sent with the
//! Content-Security-Policy given.

use crate::index::serve_index;
use crate::ProxyError;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use std::convert::Infallible;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use tower::{Service, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where Nomad's agent serves its UI.
pub const NOMAD_UI_PATH: &str = "/ui/";

/// The path the dashboard is mounted at: starts and ends with `/`, plain segments only, and
/// not under `/v1/` (the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePath(String);

impl BasePath {
    /// `/ui/`, where Nomad's agent serves its UI.
    pub fn nomad_ui() -> Self {
        BasePath(NOMAD_UI_PATH.to_string())
    }

    /// With its trailing slash: `/ui/`, `/tools/nomad/`, `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Without its trailing slash (`/ui`); empty for `/`.
    fn mount(&self) -> &str {
        self.0.trim_end_matches('/')
    }
}

impl Default for BasePath {
    fn default() -> Self {
        Self::nomad_ui()
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BasePath {
    type Err = ProxyError;

    /// Accepts `/tools/nomad` or `/tools/nomad/` (the same), and `/`.
    fn from_str(path: &str) -> Result<Self, ProxyError> {
        let invalid = |reason: &str| ProxyError::InvalidBasePath { path: path.to_string(), reason: reason.to_string() };
        let Some(rest) = path.strip_prefix('/') else {
            return Err(invalid("it must start with /"));
        };
        if rest.starts_with('/') {
            return Err(invalid("segments must not be empty"));
        }
        let segments: Vec<&str> = rest.strip_suffix('/').unwrap_or(rest).split('/').collect();
        if segments == [""] {
            return Ok(BasePath("/".to_string()));
        }
        for segment in &segments {
            let plain = segment.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
            if segment.is_empty() || *segment == "." || *segment == ".." || !plain {
                return Err(invalid("segments must be non-empty and made of letters, digits and -._~"));
            }
        }
        if segments[0] == "v1" {
            return Err(invalid("/v1/ is the API"));
        }
        Ok(BasePath(format!("/{}/", segments.join("/"))))
    }
}

/// The dashboard in `dir` at `base`, its pages sent with `policy` as their
/// Content-Security-Policy. Fails if `dir` has no index.html.
pub fn dashboard_routes(dir: &Path, base: &BasePath, policy: Option<HeaderValue>) -> Result<Router, ProxyError> {
    let index = dir.join("index.html");
    if !index.is_file() {
        return Err(ProxyError::DashboardMissing(dir.to_path_buf()));
    }
    let base_href = base.as_str().to_string();
    let page = move || serve_index(index.clone(), base_href.clone());
    let page_service = {
        let page = page.clone();
        tower::service_fn(move |_: Request| {
            let page = page();
            async move { Ok::<_, Infallible>(page.await) }
        })
    };
    // Directories are not listed or answered with their index.html as it is: the page answers.
    // The build writes brotli and gzip copies of its large files: sent as they are, instead
    // of compressing the wasm again on every load.
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page_service);
    let pages = Router::new().route("/index.html", get(page)).fallback_service(files).layer(
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
            .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy))
            // Precompressed copies are chosen by Accept-Encoding too (compressing on the fly
            // says so itself).
            .layer(SetResponseHeaderLayer::if_not_present(header::VARY, HeaderValue::from_static("accept-encoding")))
            .layer(CompressionLayer::new()),
    );
    Ok(mount_at(base, pages))
}

/// `pages` answering every path under `base`, with `/` and `base` without its slash redirecting
/// to `base` (keeping the query) as Nomad's agent does for `/ui/`: `handleRootFallthrough`
/// redirects temporarily, and Go's ServeMux answers the path without its slash with a 301.
pub fn mount_at<S>(base: &BasePath, pages: S) -> Router
where
    S: Service<Request, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    if base.mount().is_empty() {
        return Router::new().fallback_service(pages);
    }
    Router::new()
        .route("/", any(redirect(base.as_str(), StatusCode::TEMPORARY_REDIRECT)))
        .route(base.mount(), any(redirect(base.as_str(), StatusCode::MOVED_PERMANENTLY)))
        .nest_service(base.as_str(), pages)
}

/// A handler redirecting to `target` with `status`, keeping the request's query.
fn redirect(target: &str, status: StatusCode) -> impl Fn(Uri) -> std::future::Ready<Response> + Clone + Send + 'static {
    let target = target.to_string();
    move |uri: Uri| {
        let location = match uri.query() {
            Some(query) => format!("{target}?{query}"),
            None => target.clone(),
        };
        std::future::ready((status, [(header::LOCATION, location)]).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised_to_a_trailing_slash() {
        for (given, expected) in [
            ("/ui/", "/ui/"),
            ("/ui", "/ui/"),
            ("/tools/nomad", "/tools/nomad/"),
            ("/tools/nomad/", "/tools/nomad/"),
            ("/", "/"),
            ("/a.b/c~d_e-f/", "/a.b/c~d_e-f/"),
        ] {
            assert_eq!(given.parse::<BasePath>().unwrap().as_str(), expected);
        }
    }

    #[test]
    fn base_paths_that_cannot_be_mounted_are_refused() {
        for bad in ["ui/", "", "//", "/a//b/", "/../x/", "/./", "/a b/", "/a?b/", "/v1/", "/v1/ui"] {
            let err = bad.parse::<BasePath>().unwrap_err();
            assert!(matches!(err, ProxyError::InvalidBasePath { .. }), "{bad}: {err}");
        }
    }
}
