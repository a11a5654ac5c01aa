//! index.html as the dashboard needs it at its mount: the build writes `<base href="/ui/">`
//! and every other URL of the page is relative to it, so writing the mount's path there is all
//! another base path takes. Read on every request, so a new build is seen at once.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;

/// How the build spells the start of its base element (scripts/postbuild.mjs), and what
/// nginx's `sub_filter` in deploy/nginx.conf matches too.
const BASE_HREF: &str = "<base href=\"";

/// `html` with the `href` of its `<base>` element set to `base` (a path of plain segments, so
/// nothing to escape); `None` for a page without one, which is served as it is.
pub(crate) fn with_base(html: &str, base: &str) -> Option<String> {
    let start = html.find(BASE_HREF)? + BASE_HREF.len();
    let end = start + html[start..].find('"')?;
    Some(format!("{}{base}{}", &html[..start], &html[end..]))
}

/// Answers with `index` as the dashboard mounted at `base` needs it.
pub(crate) async fn serve_index(index: PathBuf, base: String) -> Response {
    let html = match tokio::fs::read_to_string(&index).await {
        Ok(html) => html,
        Err(e) => return unavailable(format!("cannot read {}: {e}", index.display())),
    };
    let html = with_base(&html, &base).unwrap_or(html);
    let html_type = HeaderValue::from_static("text/html; charset=utf-8");
    ([(header::CONTENT_TYPE, html_type)], html).into_response()
}

/// Said in the log and on the page, rather than a blank dashboard.
fn unavailable(reason: String) -> Response {
    tracing::error!("{reason}");
    (StatusCode::SERVICE_UNAVAILABLE, format!("no dashboard: {reason}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::with_base;

    #[test]
    fn the_base_href_is_replaced() {
        let html = r#"<title>x</title><base href="/ui/"><link href=a.css>"#;
        let expected = r#"<title>x</title><base href="/tools/nomad/"><link href=a.css>"#;
        assert_eq!(with_base(html, "/tools/nomad/").as_deref(), Some(expected));
        assert_eq!(with_base(html, "/ui/").as_deref(), Some(html));
    }

    #[test]
    fn a_page_without_the_builds_base_element_is_left_alone() {
        for html in ["<title>x</title>", "<base target=_top>", r#"<base href="/ui/"#] {
            assert_eq!(with_base(html, "/x/"), None, "{html}");
        }
    }
}
