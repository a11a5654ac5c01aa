//! The built dashboard at /ui/, index.html for client-side routes, / redirecting to /ui/.

use crate::common::*;
use nomad_proxy::ProxyError;

#[tokio::test]
async fn files_are_served_and_other_paths_get_index_html() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let script = get(&proxy, "/ui/app.js").await;
    assert_eq!(script.status(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(script.text().await.unwrap(), APP_JS);

    for path in ["/ui/", "/ui/allocations/5b1c/logs?task=web", "/ui/jobs"] {
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
