//! `/v1/system/gc` (`command/agent/system_endpoint.go` `GarbageCollectRequest`,
//! `nomad/system_endpoint.go` `System.GarbageCollect`): a management token forces the core
//! scheduler's GC now (`forceGC`, every threshold one millisecond). Nomad enqueues the
//! collection and answers at once; this agent collects before it answers.

use super::request::{empty_response, ApiRequest};
use crate::acl::Realm;
use crate::error::ApiError;
use crate::state::gc::Thresholds;
use crate::AppState;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

/// `PUT /v1/system/gc`: 405 for any other method; the query is parsed, the request goes to
/// its region, then the token must be a management token. 200 with no body.
pub async fn gc(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::PUT])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.is_management() {
        return Err(ApiError::permission_denied());
    }
    crate::gc::collect(&state, &Thresholds::FORCE);
    Ok(empty_response(None))
}
