//! `GET /v1/event/stream` (`command/agent/event_endpoint.go` `EventStream`,
//! `nomad/event_endpoint.go` `stream`): newline-delimited batches of the events the agent's
//! writes publish (`crate::events`), for the topics, namespace and index asked, as the token
//! may read them, with a `{}` heartbeat when the stream opens and every 30 seconds.

use super::request::{after_ignored_parse, ApiRequest, ALL_NAMESPACES};
use crate::error::ApiError;
use crate::events::{Cursor, EventBroker};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use nomad_api::event::{self, NamespaceScope, Topics, BROKER_NOT_CONFIGURED};
use std::sync::Arc;

/// `GET /v1/event/stream`: the request's own checks (`index`, `topic`), then the stream
/// RPC's (token, region, topics' ACL, broker), then the stream.
pub async fn stream(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let index = event::parse_index(req.get("index")).map_err(ApiError::bad_request)?;
    let topics = event::parse_topics(&req.all("topic")).map_err(ApiError::bad_request)?;
    // `EventStream` calls `parse` and ignores its failure (whose answer is written first).
    let parse_error = req.ignored_parse(&state.region);
    let namespace = match req.get("namespace") {
        "" => super::request::DEFAULT_NAMESPACE,
        ns => ns,
    };
    let region = req.write_region(&state.region);
    let subscribed = subscribe(&state, &req, &region, namespace, &topics);
    let hijacked = state.version.event_stream_hijacked();
    let result = match subscribed {
        Ok((broker, scope)) => {
            let cursor = broker.start_at(index);
            Ok(open(&state, broker, cursor, topics, scope))
        }
        // From 1.11.2 the head is on the wire before the RPC answers: its error ends an
        // empty 200.
        Err(_) if hijacked => Ok(head(Body::empty(), true)),
        Err(e) => Err(e),
    };
    after_ignored_parse(parse_error, result)
}

/// The stream RPC's checks, in the order each release makes them: the broker and the
/// namespaces the subscription covers.
fn subscribe(
    state: &AppState,
    req: &ApiRequest,
    region: &str,
    namespace: &str,
    topics: &Topics,
) -> Result<(Arc<EventBroker>, NamespaceScope), ApiError> {
    let version = state.version;
    let broker = || state.events.clone().ok_or_else(|| ApiError::internal(BROKER_NOT_CONFIGURED));
    // Any failure to resolve the token is `Permission denied` here.
    let authority =
        || state.authorize(req.token(), crate::acl::Realm::Server).map_err(|_| ApiError::permission_denied());
    if version.event_stream_checks_each_namespace() {
        let authority = authority()?;
        state.check_region(region)?;
        let names: Vec<String> = if namespace == ALL_NAMESPACES {
            state.cluster.read().namespaces().map(|n| n.name.clone()).collect()
        } else {
            vec![namespace.to_string()]
        };
        if !names.iter().all(|ns| event::allows_topics(&authority, ns, topics, version)) {
            return Err(ApiError::permission_denied());
        }
        Ok((broker()?, NamespaceScope::Only(names)))
    } else {
        // Before 1.10.0 the region is checked before the token's failure is reported, and the
        // broker before the topics.
        state.check_region(region)?;
        let authority = authority()?;
        let broker = broker()?;
        if !event::allows_topics(&authority, namespace, topics, version) {
            return Err(ApiError::permission_denied());
        }
        let scope = if namespace == ALL_NAMESPACES {
            NamespaceScope::All
        } else {
            NamespaceScope::Only(vec![namespace.to_string()])
        };
        Ok((broker, scope))
    }
}

/// The stream's head: JSON, not cached, never compressed; from 1.11.2 written on the hijacked
/// connection, which closes when the stream ends.
fn head(body: Body, hijacked: bool) -> Response {
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], body)
            .into_response();
    if hijacked {
        response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    response.extensions_mut().insert(super::compression::Uncompressed);
    response
}

/// The subscription's lines: `{}` at once, then each batch it wants as the writes publish
/// them, a `{}` every 30 seconds, until the reader falls behind the buffer (`event dropped
/// from buffer`, written after the last line before 1.11.2) or the agent stops.
fn open(state: &AppState, broker: Arc<EventBroker>, cursor: Cursor, topics: Topics, scope: NamespaceScope) -> Response {
    struct Session {
        broker: Arc<EventBroker>,
        cursor: Cursor,
        topics: Topics,
        scope: NamespaceScope,
        changes: tokio::sync::watch::Receiver<u64>,
        heartbeat: tokio::time::Interval,
        greeted: bool,
        ended: bool,
    }
    let hijacked = state.version.event_stream_hijacked();
    let start = tokio::time::Instant::now() + event::HEARTBEAT;
    let session = Session {
        broker,
        cursor,
        topics,
        scope,
        changes: state.cluster.subscribe(),
        heartbeat: tokio::time::interval_at(start, event::HEARTBEAT),
        greeted: false,
        ended: false,
    };
    let lines = futures::stream::unfold(session, move |mut s| async move {
        let line = |text: &str| Ok::<_, std::convert::Infallible>(Bytes::from(format!("{text}\n")));
        if s.ended {
            return None;
        }
        if !s.greeted {
            s.greeted = true;
            return Some((line(event::HEARTBEAT_LINE), s));
        }
        loop {
            s.changes.borrow_and_update();
            match s.broker.next(&mut s.cursor) {
                Err(message) => {
                    s.ended = true;
                    if hijacked {
                        return None;
                    }
                    return Some((Ok(Bytes::from_static(message.as_bytes())), s));
                }
                Ok(Some(batch)) => match s.broker.line(&batch, &s.topics, &s.scope) {
                    Some(text) => return Some((line(&text), s)),
                    None => continue,
                },
                Ok(None) => {}
            }
            tokio::select! {
                changed = s.changes.changed() => if changed.is_err() { return None },
                _ = s.heartbeat.tick() => return Some((line(event::HEARTBEAT_LINE), s)),
            }
        }
    });
    // Fused, as every body stream here: a layer may poll once more after the end.
    head(Body::from_stream(futures::StreamExt::fuse(lines)), hijacked)
}
