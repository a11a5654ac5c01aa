//! The built dashboard at /ui/ (or another base path, written into index.html's `<base>`),
//! index.html for client-side routes, / redirecting there, revalidated on every load, compressed
//! and sent with a Content-Security-Policy.

use crate::common::*;
use nomad_proxy::{ProxyError, CONTENT_SECURITY_POLICY};

#[tokio::test]
async fn files_are_served_and_other_paths_get_index_html() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let script = get(&proxy, "/ui/app.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(script.text().await.unwrap(), APP_JS);

    for path in ["/ui/", "/ui/index.html", "/ui/allocations/5b1c/logs?task=web", "/ui/jobs"] {
        let page = get(&proxy, path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(page.text().await.unwrap(), INDEX_HTML, "{path}");
    }
}

#[tokio::test]
async fn the_root_redirects_to_the_dashboard_keeping_the_query() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = get(&proxy, "/").await;
    assert_eq!(response.status(), 307);
    assert_eq!(response.headers()["location"], "/ui/");
    let response = get(&proxy, "/?region=eu").await;
    assert_eq!(response.headers()["location"], "/ui/?region=eu");
}

#[test]
fn a_directory_without_index_html_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let config = config(empty.path(), &[], &[]).unwrap();
    let err = nomad_proxy::proxy_router(config).err().unwrap();
    assert!(matches!(err, ProxyError::DashboardMissing(_)), "{err}");
}

#[tokio::test]
async fn the_base_path_without_its_slash_redirects_permanently() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = get(&proxy, "/ui?region=eu").await;
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/ui/?region=eu");
}

#[tokio::test]
async fn any_base_path_serves_the_same_files() {
    let agent = start_agent().await;
    let flags = ["--nomad-addr", &agent.address, "--base-path", "/tools/nomad"];
    let proxy = start_proxy(&flags, &[]).await;
    assert_eq!(get(&proxy, "/tools/nomad/app.js").await.text().await.unwrap(), APP_JS);
    let rebased = INDEX_HTML.replace(r#"<base href="/ui/">"#, r#"<base href="/tools/nomad/">"#);
    for path in ["/tools/nomad/", "/tools/nomad/index.html", "/tools/nomad/jobs/web@default"] {
        assert_eq!(get(&proxy, path).await.text().await.unwrap(), rebased, "{path}");
    }
    assert_eq!(get(&proxy, "/").await.headers()["location"], "/tools/nomad/");
    assert_eq!(get(&proxy, "/ui/").await.status(), 404);
    // The API stays at the root whatever the base path.
    assert_eq!(get(&proxy, "/v1/gzip").await.status(), 200);
}

#[tokio::test]
async fn files_are_revalidated_and_compressed() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let response = client().get(format!("{}/ui/", proxy.url)).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let script = get(&proxy, "/ui/app.js").await;
    assert_eq!(script.headers()["cache-control"], "no-cache");
    let last_modified = script.headers()["last-modified"].clone();
    let again = client()
        .get(format!("{}/ui/app.js", proxy.url))
        .header("If-Modified-Since", last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn precompressed_copies_are_sent_as_they_are() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let wasm = |encoding: &'static str| {
        client().get(format!("{}/ui/app.wasm", proxy.url)).header("Accept-Encoding", encoding).send()
    };
    let gzipped = wasm("gzip, deflate, br, zstd").await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["content-type"], "application/wasm");
    assert_eq!(gzipped.headers()["vary"], "accept-encoding");
    assert_eq!(gzipped.bytes().await.unwrap(), APP_WASM_GZ);
    // Without a copy in the encoding asked for, or without any asked for, the file itself.
    let plain = wasm("identity").await.unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.bytes().await.unwrap(), APP_JS.repeat(100).as_bytes());
}

#[tokio::test]
async fn pages_carry_the_content_security_policy_and_may_be_framed() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    for path in ["/ui/", "/ui/allocations/a1/exec", "/ui/app.js"] {
        let response = get(&proxy, path).await;
        assert_eq!(response.headers()["content-security-policy"], CONTENT_SECURITY_POLICY, "{path}");
        assert!(!response.headers().contains_key("x-frame-options"), "{path}");
    }
    // The API's answers are Nomad's own.
    assert!(!get(&proxy, "/v1/gzip").await.headers().contains_key("content-security-policy"));
}

#[tokio::test]
async fn the_policy_can_be_replaced_or_left_out() {
    let agent = start_agent().await;
    let strict = "default-src 'self'; frame-ancestors https://portal.example";
    let flags = ["--nomad-addr", &agent.address, "--content-security-policy", strict];
    let proxy = start_proxy(&flags, &[]).await;
    assert_eq!(get(&proxy, "/ui/").await.headers()["content-security-policy"], strict);

    let flags = ["--nomad-addr", &agent.address, "--content-security-policy", ""];
    let proxy = start_proxy(&flags, &[]).await;
    assert!(!get(&proxy, "/ui/").await.headers().contains_key("content-security-policy"));

    let dir = dashboard_dir();
    let bad = ["--content-security-policy", "default-src\n'self'"];
    let err = config(dir.path(), &bad, &[]).unwrap_err();
    assert!(matches!(err, ProxyError::InvalidPolicy(_)), "{err}");
}
