//! `GET /v1/status/peers` (`command/agent/status_endpoint.go`, `nomad/status_endpoint.go`
//! `Status.Peers`): the Raft peers' addresses, this single server's RPC address. Nomad
//! authenticates only to count the request: any token, or none, gets the answer.

use super::request::ApiRequest;
use crate::error::ApiError;
use crate::{AppState, RPC_PORT};
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

pub async fn peers(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    req.reply(None, &[format!("{}:{RPC_PORT}", state.http_addr.ip())])
}
