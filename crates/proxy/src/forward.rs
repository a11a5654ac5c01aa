//! `/v1/*`: plain requests forwarded as they come, WebSocket upgrades handed to the relay.
//! Bodies stream both ways frame by frame: nothing is buffered, measured or recompressed, so
//! log streams flow as the agent writes them and gzip from the agent arrives as it was sent.

use crate::connector::Connector;
use crate::headers::remove_hop_by_hop;
use crate::{websocket, ProxyConfig, Upstream};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Extensions, Method, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::error::Error;
use std::sync::Arc;

/// The agent behind the proxy, and how to reach it.
pub(crate) struct Agent {
    pub upstream: Upstream,
    pub connector: Connector,
    client: Client<Connector, Body>,
}

impl Agent {
    pub fn new(config: ProxyConfig) -> Self {
        let connector = Connector::new(&config);
        let client = Client::builder(TokioExecutor::new()).pool_timer(TokioTimer::new()).build(connector.clone());
        Agent { upstream: config.upstream, connector, client }
    }
}

pub(crate) async fn forward(State(agent): State<Arc<Agent>>, request: Request) -> Response {
    if websocket::is_upgrade(request.headers()) {
        return websocket::relay(&agent, request).await;
    }
    let method = request.method().clone();
    // Logged without the query: only the path is safe to write down.
    let path = request.uri().path().to_string();
    let (mut parts, body) = request.into_parts();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = match agent.upstream.http_url(path_and_query) {
        Ok(uri) => uri,
        Err(error) => return bad_gateway(&agent.upstream, &method, &path, &error),
    };
    remove_hop_by_hop(&mut parts.headers);
    parts.headers.insert(header::HOST, agent.upstream.host_header());
    parts.version = Version::HTTP_11;
    parts.extensions = Extensions::new();
    match agent.client.request(Request::from_parts(parts, body)).await {
        Ok(response) => {
            tracing::debug!(%method, path, status = response.status().as_u16(), "forwarded");
            let (mut parts, body) = response.into_parts();
            remove_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, Body::new(body))
        }
        Err(error) => bad_gateway(&agent.upstream, &method, &path, &error),
    }
}

/// 502 with the reason in plain text, as Nomad writes its errors.
pub(crate) fn bad_gateway(upstream: &Upstream, method: &Method, path: &str, error: &dyn Error) -> Response {
    let reason = error_chain(error);
    tracing::warn!(%method, path, "cannot reach the Nomad agent at {upstream}: {reason}");
    let body = format!("Cannot reach the Nomad agent at {upstream}: {reason}");
    (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// An error and its causes, each said once (wrappers often repeat their source's message).
fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text = format!("{text}: {message}");
        }
        source = cause.source();
    }
    text
}
