//! The exec WebSocket: the proxy's own pages reach the agent with its Origin, other sites' pages
//! are refused by the agent; token and query passed, frames and close codes relayed both ways,
//! refusals and an unreachable agent answered over HTTP.

use crate::common::*;
use axum::body::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Browser = WebSocketStream<MaybeTlsStream<TcpStream>>;

const EXEC_QUERY: &str = "task=web&tty=true&command=%5B%22%2Fbin%2Fsh%22%5D";

/// Opens the exec socket as a browser on a page the proxy served would, with a token header.
pub async fn open_exec(proxy_url: &str, alloc: &str) -> Result<Browser, Error> {
    open_exec_from(proxy_url, alloc, proxy_url).await
}

/// Opens the exec socket as a browser on a page of `origin` would.
pub async fn open_exec_from(proxy_url: &str, alloc: &str, origin: &str) -> Result<Browser, Error> {
    let url = format!("{}/v1/client/allocation/{alloc}/exec?{EXEC_QUERY}", proxy_url.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Origin", origin.parse().unwrap());
    request.headers_mut().insert("X-Nomad-Token", "s3cret-token".parse().unwrap());
    timeout(PATIENCE, tokio_tungstenite::connect_async(request)).await.unwrap().map(|(socket, _)| socket)
}

pub async fn next(browser: &mut Browser) -> Message {
    timeout(PATIENCE, browser.next()).await.unwrap().unwrap().unwrap()
}

/// Checks what the agent received, then that text and binary frames echo through.
pub async fn check_session(browser: &mut Browser, agent_address: &str) {
    let Message::Text(hello) = next(browser).await else { panic!("expected the agent's hello") };
    let hello: serde_json::Value = serde_json::from_str(hello.as_str()).unwrap();
    assert_eq!(hello["origin"], agent_address);
    assert_eq!(hello["host"], agent_address.split("://").nth(1).unwrap());
    assert_eq!(hello["token"], "s3cret-token");
    assert_eq!(hello["query"], EXEC_QUERY);

    let input = r#"{"stdin":{"data":"bHMK"}}"#;
    browser.send(Message::text(input)).await.unwrap();
    assert_eq!(next(browser).await, Message::text(input));
    browser.send(Message::binary(Bytes::from_static(&[0, 159, 146, 150]))).await.unwrap();
    assert_eq!(next(browser).await, Message::binary(Bytes::from_static(&[0, 159, 146, 150])));
}

#[tokio::test]
async fn frames_relay_and_the_agents_close_code_reaches_the_browser() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let mut browser = open_exec(&proxy.url, "a1").await.unwrap();
    check_session(&mut browser, &agent.address).await;

    browser.send(Message::text("exit")).await.unwrap();
    let Message::Close(Some(close)) = next(&mut browser).await else { panic!("expected a close frame") };
    assert_eq!(u16::from(close.code), EXIT_CODE);
    assert_eq!(close.reason.as_str(), EXIT_REASON);
}

#[tokio::test]
async fn an_agent_gone_without_a_close_ends_the_browsers_connection_the_same_way() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let mut browser = open_exec(&proxy.url, "a1").await.unwrap();
    check_session(&mut browser, &agent.address).await;

    browser.send(Message::text("vanish")).await.unwrap();
    let end = timeout(PATIENCE, browser.next()).await.unwrap();
    assert!(matches!(end, None | Some(Err(_))), "expected the connection to end without a close frame, got {end:?}");
}

#[tokio::test]
async fn the_browsers_close_code_reaches_the_agent() {
    let mut agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let mut browser = open_exec(&proxy.url, "a1").await.unwrap();
    check_session(&mut browser, &agent.address).await;

    let close = CloseFrame { code: CloseCode::Away, reason: "tab closed".into() };
    browser.close(Some(close)).await.unwrap();
    let seen = timeout(PATIENCE, agent.closes.recv()).await.unwrap().unwrap();
    assert_eq!(seen, (1001, "tab closed".to_string()));
}

#[tokio::test]
async fn the_agents_refusal_reaches_the_browser_as_sent() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let Err(Error::Http(response)) = open_exec(&proxy.url, "no-such-alloc").await else {
        panic!("the upgrade should be refused")
    };
    assert_eq!(response.status(), 404);
    assert_eq!(response.body().as_deref(), Some(b"alloc not found".as_slice()));
}

#[tokio::test]
async fn an_unreachable_agent_refuses_the_upgrade_with_502() {
    let address = dead_address().await;
    let proxy = start_proxy(&["--nomad-addr", &address], &[]).await;
    let Err(Error::Http(response)) = open_exec(&proxy.url, "a1").await else { panic!("the upgrade should be refused") };
    assert_eq!(response.status(), 502);
    let text = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
    assert!(text.starts_with(&format!("Cannot reach the Nomad agent at {address}")), "{text}");
}

#[tokio::test]
async fn a_page_of_another_site_is_refused_by_the_agent() {
    let agent = start_agent().await;
    let proxy = proxy_to(&agent).await;
    let foreign = open_exec_from(&proxy.url, "a1", "http://evil.example:8080").await;
    let Err(Error::Http(response)) = foreign else { panic!("a foreign page must not get a shell") };
    assert_eq!(response.status(), 403);
    assert_eq!(response.body().as_deref(), Some(b"origin not allowed".as_slice()));

    // The same host in other letters is the same origin, as gorilla compares them.
    let upper = proxy.url.replace("http://", "HTTP://").to_uppercase();
    let mut browser = open_exec_from(&proxy.url, "a1", &upper).await.unwrap();
    check_session(&mut browser, &agent.address).await;
}
