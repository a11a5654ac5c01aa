//! The exec WebSocket (`/v1/client/allocation/:id/exec`), relayed frame by frame. The browser's
//! upgrade is accepted only once the agent has accepted ours, so a refusal (403, 404) reaches the
//! browser as the agent sent it. The agent refuses a page from another origin than its own
//! (gorilla's same-origin rule), which is what keeps other sites from driving a shell through a
//! visitor's browser. To the browser the proxy is the agent, so a page of the proxy's origin
//! reaches the agent with the agent's own address as `Origin`; any other page's `Origin` goes on
//! as it came, and the agent refuses it as it would refuse it directly.

use crate::connector::{Connection, CONNECT_TIMEOUT};
use crate::forward::{bad_gateway, Agent};
use crate::headers::remove_hop_by_hop;
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use hyper_util::rt::TokioIo;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self as ts, Error as WsError};
use tokio_tungstenite::WebSocketStream;
use tower::ServiceExt;

/// How long one side may take to answer a close the other side started.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Headers each side's handshake makes for itself (the `Origin` is chosen by `agent_origin`).
const HANDSHAKE: [HeaderName; 7] = [
    header::HOST,
    header::ORIGIN,
    header::SEC_WEBSOCKET_KEY,
    header::SEC_WEBSOCKET_VERSION,
    header::SEC_WEBSOCKET_EXTENSIONS,
    header::SEC_WEBSOCKET_PROTOCOL,
    header::SEC_WEBSOCKET_ACCEPT,
];

type AgentSocket = WebSocketStream<TokioIo<Connection>>;

pub(crate) fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

pub(crate) async fn relay(agent: &Agent, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let failed = |error: &dyn std::error::Error| bad_gateway(&agent.upstream, &Method::GET, &path, error);

    // Go's `Request.Host`: the authority of the request target (HTTP/2), else `Host`.
    let host = match parts.uri.authority() {
        Some(authority) => Some(authority.as_str().to_string()),
        None => parts.headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string),
    };
    let handshake = match handshake_request(agent, path_and_query, host.as_deref(), parts.headers) {
        Ok(request) => request,
        Err(error) => return failed(&error),
    };
    let connect_url = match agent.upstream.http_url(path_and_query) {
        Ok(url) => url,
        Err(error) => return failed(&error),
    };
    let connection = match agent.connector.clone().oneshot(connect_url).await {
        Ok(connection) => connection,
        Err(error) => return failed(&*error),
    };
    let connecting = tokio_tungstenite::client_async(handshake, TokioIo::new(connection));
    let socket = match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((socket, _))) => socket,
        Ok(Err(WsError::Http(refusal))) => return refused(*refusal),
        Ok(Err(error)) => return failed(&error),
        Err(elapsed) => return failed(&elapsed),
    };
    tracing::debug!(path, "relaying a WebSocket");
    upgrade.on_upgrade(move |browser| pump(browser, socket))
}

/// The browser's headers minus the connection's own and the handshake's, with the `Origin`
/// of `agent_origin`; `X-Nomad-Token` and cookies pass as they are.
fn handshake_request(
    agent: &Agent,
    path_and_query: &str,
    host: Option<&str>,
    mut headers: HeaderMap,
) -> Result<ts::handshake::client::Request, WsError> {
    let url = agent.upstream.ws_url(path_and_query).map_err(WsError::HttpFormat)?;
    let mut request = url.into_client_request()?;
    let origin = agent_origin(agent, host, &headers);
    remove_hop_by_hop(&mut headers);
    for name in &HANDSHAKE {
        headers.remove(name);
    }
    let forwarded = request.headers_mut();
    for (name, value) in &headers {
        forwarded.append(name, value.clone());
    }
    if let Some(origin) = origin {
        forwarded.insert(header::ORIGIN, origin);
    }
    Ok(request)
}

/// The agent's own address for a page of this proxy's origin (its `Origin` names the host the
/// browser asked us for, as gorilla compares them: port included, scheme and case ignored);
/// the browser's `Origin` for any other page; none when the client sent none (not a browser).
fn agent_origin(agent: &Agent, host: Option<&str>, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.parse::<Uri>().ok())
        .and_then(|o| o.authority().map(|a| a.as_str().to_string()));
    let ours = match (origin_host, host) {
        (Some(origin_host), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    };
    Some(if ours { agent.upstream.origin() } else { origin.clone() })
}

/// The agent's answer when it did not upgrade, passed on as it came.
fn refused(response: ts::http::Response<Option<Vec<u8>>>) -> Response {
    let (mut parts, body) = response.into_parts();
    remove_hop_by_hop(&mut parts.headers);
    Response::from_parts(parts, Body::from(body.unwrap_or_default()))
}

/// Both directions until each has passed on a close (or its connection ended); once one side
/// has closed, the other gets `CLOSE_GRACE` to answer. When the agent's connection ends without
/// a close, the browser's ends the same way at once: it sees what it would see without a proxy
/// in between (1006), as through nginx.
async fn pump(browser: WebSocket, agent: AgentSocket) {
    let (mut to_browser, mut from_browser) = browser.split();
    let (mut to_agent, mut from_agent) = agent.split();
    // Whether the agent's side ended with a close passed on.
    let down = async {
        while let Some(Ok(message)) = from_agent.next().await {
            let Some(message) = to_browser_message(message) else {
                continue;
            };
            let closing = matches!(message, Message::Close(_));
            if to_browser.send(message).await.is_err() || closing {
                return closing;
            }
        }
        false
    };
    let up = async {
        while let Some(Ok(message)) = from_browser.next().await {
            let Some(message) = to_agent_message(message) else {
                continue;
            };
            let closing = matches!(message, ts::Message::Close(_));
            if to_agent.send(message).await.is_err() || closing {
                return;
            }
        }
        let _ = to_agent.close().await;
    };
    tokio::pin!(down, up);
    tokio::select! {
        closed = &mut down => if closed { let _ = tokio::time::timeout(CLOSE_GRACE, up).await; },
        () = &mut up => { let _ = tokio::time::timeout(CLOSE_GRACE, down).await; }
    }
}

// Pings and pongs are not relayed: each side's library answers its own peer's.

fn to_browser_message(message: ts::Message) -> Option<Message> {
    match message {
        ts::Message::Text(text) => Some(Message::Text(text.as_str().into())),
        ts::Message::Binary(data) => Some(Message::Binary(data)),
        ts::Message::Close(frame) => {
            Some(Message::Close(frame.map(|f| CloseFrame { code: f.code.into(), reason: f.reason.as_str().into() })))
        }
        ts::Message::Ping(_) | ts::Message::Pong(_) | ts::Message::Frame(_) => None,
    }
}

fn to_agent_message(message: Message) -> Option<ts::Message> {
    match message {
        Message::Text(text) => Some(ts::Message::Text(text.as_str().into())),
        Message::Binary(data) => Some(ts::Message::Binary(data)),
        Message::Close(frame) => Some(ts::Message::Close(
            frame.map(|f| ts::protocol::CloseFrame { code: f.code.into(), reason: f.reason.as_str().into() }),
        )),
        Message::Ping(_) | Message::Pong(_) => None,
    }
}
