//! Gzip for API answers, as Nomad's handler does it: never for a request carrying an `Upgrade`
//! header (gorilla's `CompressHandler` passes those through untouched), so a refused exec
//! WebSocket upgrade is answered in plain text.

use axum::extract::Request;
use axum::http::header::UPGRADE;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};

/// Marks the answer to a request that asked for a protocol upgrade.
#[derive(Clone, Copy)]
struct UpgradeRequested;

/// Marks an answer never to compress: the event stream, which Nomad writes on the bare
/// connection (1.11.2+) and whose lines must reach the reader as they are written.
#[derive(Clone, Copy)]
pub struct Uncompressed;

/// Must be inside `layer()`: the mark is on the response the compression sees.
pub async fn mark_upgrades(request: Request, next: Next) -> Response {
    let upgrade = request.headers().contains_key(UPGRADE);
    let mut response = next.run(request).await;
    if upgrade {
        response.extensions_mut().insert(UpgradeRequested);
    }
    response
}

/// Fastest gzip: a 10,000-allocation list is tens of megabytes of JSON, and the default level
/// would spend seconds on it for every browser request.
pub fn layer() -> CompressionLayer<impl Predicate> {
    let not_upgrade = |_, _, _: &_, extensions: &axum::http::Extensions| {
        extensions.get::<UpgradeRequested>().is_none() && extensions.get::<Uncompressed>().is_none()
    };
    CompressionLayer::new().quality(CompressionLevel::Fastest).compress_when(DefaultPredicate::new().and(not_upgrade))
}
