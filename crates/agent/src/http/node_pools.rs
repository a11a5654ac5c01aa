//! `/v1/node/pools` and `/v1/node/pool/:name[/nodes|/jobs]` (Nomad 1.6+;
//! `command/agent/node_pool_endpoint.go`, `nomad/node_pool_endpoint.go`). The agent has the
//! two built-in pools and no others; they never change, so their table's index is 1.
//!
//! Before 1.6 these paths fall to `/v1/node/`, where `pools` and `pool/<name>` are node
//! IDs that go-memdb's UUID index cannot read: `500 node lookup failed: index error: UUID
//! must be 36 characters`, as `super::nodes` answers.

use super::listing::{
    allowed_namespaces, allows_unruled, id_token, namespace_id_token, with_next_token, write_not_modelled, Paging,
};
use super::meta::QueryMeta;
use super::request::ALL_NAMESPACES;
use super::request::{body_field, decode_body_object, ApiRequest};
use crate::acl::{cap, Authority, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::node::{stub, NodeStubFields};
use crate::state::Table;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::node_pool::{BUILT_IN_POOLS_INDEX, NODE_POOL_ALL};
use nomad_api::{Job, NodeListStub, NodePool, Wire};

/// `AllowNodePoolOperation(pool, "read")`: the agent's policies carry no `node_pool` rules.
fn allow_pool_read(authority: &Authority) -> bool {
    allows_unruled(authority)
}

/// `/v1/node/pools`: `GET` lists the pools the token may read; writes are not modelled.
pub async fn pools(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    if !state.version.node_pools() {
        return super::nodes::specific(State(state), Path("pools".to_string()), req, body).await;
    }
    match req.method {
        Method::GET => list(&state, &req).await,
        Method::PUT | Method::POST => upsert(&state, &req, "", &body),
        _ => Err(ApiError::invalid_method()),
    }
}

/// `nodePoolUpsert`, `NodePool.UpsertNodePools`: the body (naming the path's pool, if the
/// path names one), then node pool write on it, which only a management token has here.
/// The built-in pools are all this agent has: past the checks, not modelled.
fn upsert(state: &AppState, req: &ApiRequest, path_name: &str, body: &[u8]) -> Result<Response, ApiError> {
    let pool = decode_body_object(body, "structs.NodePool", &[("Name", "string")])?;
    if !path_name.is_empty() && body_field(&pool, "Name").and_then(|v| v.as_str()).unwrap_or_default() != path_name {
        return Err(ApiError::bad_request("Node pool name does not match request path"));
    }
    check_pool_write(state, req)?;
    Err(write_not_modelled("writing a node pool"))
}

/// The region, then node pool write (or delete): a management token here.
fn check_pool_write(state: &AppState, req: &ApiRequest) -> Result<(), ApiError> {
    state.check_region(&req.write_region(&state.region))?;
    if !allows_unruled(&state.authorize(req.token(), Realm::Server)?) {
        return Err(ApiError::permission_denied());
    }
    Ok(())
}

/// `NodePool.List`: by name (prefix), the pools the token may read, paginated, at the
/// node pools table's index floored to 1.
async fn list(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    let paging = Paging::of(req)?;
    wait_past_index(&state.cluster, &opts, |_| BUILT_IN_POOLS_INDEX).await;
    let mut pools: Vec<NodePool> =
        NodePool::built_in(state.version).into_iter().filter(|p| p.name.starts_with(&opts.prefix)).collect();
    if paging.reverse {
        pools.reverse();
    }
    let (pools, next_token) = paging.page(pools, |p, t| id_token(&p.name, t), |_| allow_pool_read(&authority))?;
    let response = req.reply(Some(QueryMeta::Query { index: BUILT_IN_POOLS_INDEX }), &pools)?;
    Ok(with_next_token(response, &next_token))
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req, body).await
}

/// `/v1/node/pool/:name[/nodes|/jobs]`, split by suffix as `NodePoolSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !state.version.node_pools() {
        return super::nodes::specific(State(state), Path(format!("pool/{rest}")), req, body).await;
    }
    if let Some(name) = rest.strip_suffix("/nodes") {
        return nodes(&state, name, &req).await;
    }
    if let Some(name) = rest.strip_suffix("/jobs") {
        return jobs(&state, name, &req).await;
    }
    match req.method {
        Method::GET => get(&state, &rest, &req).await,
        Method::PUT | Method::POST => upsert(&state, &req, &rest, &body),
        Method::DELETE => {
            check_pool_write(&state, &req)?;
            Err(write_not_modelled("deleting a node pool"))
        }
        _ => Err(ApiError::invalid_method()),
    }
}

/// `nodePoolJobList`, `NodePool.ListJobs`: the options (no `prefix`), `meta`, then node pool
/// read. The stubs of the pool's jobs in the request's namespace (with `*`, every namespace
/// the token may list jobs in), in (namespace, ID) order, paginated by `<namespace>.<id>`,
/// at the larger of the jobs and job summaries tables' indexes; `[]` at index 0 for a pool
/// that does not exist. A job is in the pool it names: `all` holds only jobs that name it.
async fn jobs(state: &AppState, name: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    if !opts.prefix.is_empty() {
        return Err(ApiError::bad_request("prefix argument not allowed"));
    }
    let meta = req.bool_param("meta")?.unwrap_or(false);
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !allow_pool_read(&authority) {
        return Err(ApiError::permission_denied());
    }
    let paging = Paging::of(req)?;
    let exists = NodePool::built_in(state.version).iter().any(|p| p.name == name);
    let tables = [Table::Jobs, Table::JobSummary];
    let index_of = |s: &crate::state::Store| if exists { s.max_index(&tables) } else { 0 };
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let index = index_of(&store);
    let mut stubs = Vec::new();
    let mut next_token = String::new();
    if exists {
        let allowed = allowed_namespaces(&authority, store.namespaces().map(|n| n.name.as_str()), |ns| {
            authority.allow_ns_op(ns, cap::LIST_JOBS)
        });
        let all = opts.namespace == ALL_NAMESPACES;
        let in_namespace = |job: &&Job| all || job.namespace == opts.namespace;
        let mut jobs: Vec<&Job> = store.jobs().filter(in_namespace).collect();
        // `JobsByNamespace` reads backwards with `reverse` from 1.8; `JobsByPool` (for `*`)
        // never does, though the paginator compares tokens backwards all the same.
        if paging.reverse && !all && state.version.node_pool_jobs_sorted() {
            jobs.reverse();
        }
        let select = |job: &&Job| {
            job.node_pool == name && allowed.as_ref().is_none_or(|allowed| allowed.contains(&job.namespace))
        };
        let (page, next) = paging.page(jobs, |j, t| namespace_id_token(&j.namespace, &j.id, t), select)?;
        stubs = page.into_iter().map(|job| super::jobs::stub(&store, job, meta)).collect();
        next_token = next;
    }
    let response = req.reply(Some(QueryMeta::Query { index }), &Wire::new(&stubs, state.version))?;
    Ok(with_next_token(response, &next_token))
}

/// `NodePool.GetNodePool` (node pool read): the pool, or `404 node pool not found`.
async fn get(state: &AppState, name: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !allow_pool_read(&state.authorize(req.token(), Realm::Server)?) {
        return Err(ApiError::permission_denied());
    }
    wait_past_index(&state.cluster, &opts, |_| BUILT_IN_POOLS_INDEX).await;
    let meta = QueryMeta::Query { index: BUILT_IN_POOLS_INDEX };
    match NodePool::built_in(state.version).into_iter().find(|p| p.name == name) {
        Some(pool) => req.reply(Some(meta), &pool),
        None => Err(ApiError::not_found("node pool not found").with_meta(meta)),
    }
}

/// `NodePool.ListNodes` (node read and node pool read): the pool's nodes (every node for
/// `all`), paginated by ID; `[]` at index 0 for a pool that does not exist.
async fn nodes(state: &AppState, name: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    let field = |key: &str| {
        req.bool_param(key)
            .map_err(|e| ApiError::bad_request(format!("Failed to parse node list fields: {}", e.message)))
    };
    let fields = NodeStubFields { resources: field("resources")?.unwrap_or(false), os: field("os")?.unwrap_or(false) };
    if !opts.prefix.is_empty() {
        return Err(ApiError::bad_request("prefix argument not allowed"));
    }
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !(authority.allow_node_read() && allow_pool_read(&authority)) {
        return Err(ApiError::permission_denied());
    }
    let paging = Paging::of(req)?;
    let exists = NodePool::built_in(state.version).iter().any(|p| p.name == name);
    let index_of = |s: &crate::state::Store| if exists { s.table_index(Table::Nodes).max(1) } else { 0 };
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let index = index_of(&store);
    let in_pool = |n: &&nomad_api::Node| exists && (name == NODE_POOL_ALL || n.node_pool == name);
    let (nodes, next_token) = paging.page(store.nodes().filter(in_pool), |n, t| id_token(&n.id, t), |_| true)?;
    let stubs: Vec<NodeListStub> = nodes.into_iter().map(|n| stub(n, fields)).collect();
    let response = req.reply(Some(QueryMeta::Query { index }), &stubs)?;
    Ok(with_next_token(response, &next_token))
}
