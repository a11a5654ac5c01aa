//! DNS rebinding: `serve` answers only requests addressed to its own address, a loopback name
//! or a name given with `--allowed-host`, whatever the path (API, exec WebSocket, dashboard).

use crate::common::*;

const REBOUND: &str = "rebind.attacker.example";

async fn get_as(proxy: &Proxy, host: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", proxy.url))
        .header("Host", host)
        .header("Origin", format!("http://{host}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_rebound_name_is_refused_with_how_to_allow_it() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let port = proxy.url.rsplit(':').next().unwrap();
    let rebound = format!("{REBOUND}:{port}");
    for path in ["/v1/echo", "/ui/", "/", "/v1/client/allocation/a1/exec?command=%5B%22sh%22%5D"] {
        let response = get_as(&proxy, &rebound, path).await;
        assert_eq!(response.status(), 403, "{path}");
        let text = response.text().await.unwrap();
        assert!(text.starts_with(&format!("Host \"{rebound}\" is not allowed")), "{text}");
        assert!(text.contains(&format!("--allowed-host {REBOUND} ")), "{text}");
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}"), "localhost".to_string()] {
        let response = get_as(&proxy, &host, "/v1/echo").await;
        assert_eq!(response.status(), 201, "{host}");
    }
}

#[tokio::test]
async fn an_allowed_name_is_answered() {
    let agent = start_agent().await;
    let proxy = start_proxy(
        &["--nomad-addr", &agent.address, "--allowed-host", "Caravan.Example.com", "--allowed-host", REBOUND],
        &[],
    )
    .await;
    for host in ["caravan.example.com", "caravan.example.com:443", REBOUND] {
        let response = get_as(&proxy, host, "/v1/echo").await;
        assert_eq!(response.status(), 201, "{host}");
    }
    assert_eq!(get_as(&proxy, "other.example.com", "/v1/echo").await.status(), 403);
}

#[test]
fn a_name_that_is_not_one_stops_serve_at_start() {
    let ui = dashboard_dir();
    let error = config(ui.path(), &["--allowed-host", "not a name"], &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid --allowed-host \"not a name\": expected a host name or address, with or without a port"
    );
}
