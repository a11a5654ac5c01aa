//! Cluster-wide lists and status: `/v1/regions`, `/v1/namespaces`, `/v1/status/leader`.

use super::meta::QueryMeta;
use super::request::ApiRequest;
use crate::acl::Realm;
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::state::Table;
use crate::{AppState, RPC_PORT};
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use nomad_api::Namespace;

/// `GET /v1/regions`: the regions this server knows, just its own.
pub async fn regions(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    req.reply(None, &[&state.region])
}

/// `GET /v1/status/leader`: the leader's RPC address, this server's.
pub async fn leader(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    req.reply(None, &format!("{}:{RPC_PORT}", state.http_addr.ip()))
}

/// `GET /v1/namespaces`: those the token has any capability in, blocking on the table.
pub async fn namespaces(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Namespaces)).await;
    let store = state.cluster.read();
    let list: Vec<&Namespace> = store
        .namespaces()
        .filter(|ns| ns.name.starts_with(&opts.prefix) && authority.allow_namespace(&ns.name))
        .collect();
    req.reply(
        Some(QueryMeta::Query { index: store.table_index(Table::Namespaces) }),
        &nomad_api::Wire::new(&list, state.version),
    )
}
