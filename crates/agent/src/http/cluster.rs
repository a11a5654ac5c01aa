//! Cluster-wide lists and status: `/v1/regions`, `/v1/namespaces`, `/v1/status/leader`,
//! and `/v1/acl/token/self`.

use super::meta::QueryMeta;
use super::request::ApiRequest;
use crate::acl::Realm;
use crate::blocking::wait_past_index;
use crate::error::{ApiError, TOKEN_NOT_FOUND};
use crate::state::Table;
use crate::{AppState, RPC_PORT};
use axum::extract::{Path, State};
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
    req.reply(Some(QueryMeta::Query { index: store.table_index(Table::Namespaces) }), &nomad_api::Wire::new(&list, state.version))
}

/// `GET /v1/acl/token/self`: the token of the request. 400 when ACLs are off.
pub async fn token_self(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.acl.enabled() {
        return Err(ApiError::bad_request("ACL support disabled"));
    }
    let Some(token) = state.acl.token(req.token()) else {
        let index = state.cluster.read().table_index(Table::AclToken);
        return Err(ApiError::not_found(TOKEN_NOT_FOUND).with_meta(QueryMeta::Query { index }));
    };
    req.reply(Some(QueryMeta::Query { index: token.modify_index }), token)
}

/// `GET /v1/acl/policy/:name`: a policy the token carries (any, for a management token),
/// with its parsed `RulesJSON`, which is how a UI learns what its token may do.
pub async fn policy(State(state): State<AppState>, Path(name): Path<String>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let policy = state.acl.policy(req.token(), &name)?;
    req.reply(Some(QueryMeta::Query { index: policy.modify_index }), &policy)
}
