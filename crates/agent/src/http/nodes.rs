//! `/v1/nodes`, `/v1/node/:id`, `/v1/node/:id/allocations` and `/v1/node/:id/eligibility`.

use super::allocations::{check_uuid, check_uuid_prefix};
use super::listing::{id_token, with_next_token, Paging};
use super::meta::QueryMeta;
use super::request::{body_field, decode_body_object, json_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::node::{stub, NodeStubFields};
use crate::state::{Store, Table};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::{Allocation, NodeListStub, Wire};

/// Nomad checks `node:read` before anything else a node endpoint does.
fn authorize_node_read(state: &AppState, req: &ApiRequest) -> Result<crate::acl::Authority, ApiError> {
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_node_read() {
        return Err(ApiError::permission_denied());
    }
    Ok(authority)
}

/// `GET /v1/nodes` (node:read), blocking on the nodes table; paginated in ID order
/// (`Node.List` in `nomad/node_endpoint.go` from 1.4.0, `IDTokenizer`, the filter reading the
/// node).
pub async fn list(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    // `parseNodeListStubFields` codes its error from 1.6.0.
    let field = |key: &str| {
        req.bool_param(key).map_err(|e| match state.version.node_list_fields_error_coded() {
            true => ApiError::bad_request(format!("Failed to parse node list fields: {}", e.message)),
            false => e,
        })
    };
    let fields = NodeStubFields { resources: field("resources")?.unwrap_or(false), os: field("os")?.unwrap_or(false) };
    state.check_region(&opts.region)?;
    authorize_node_read(&state, &req)?;
    check_uuid_prefix(&opts.prefix, "node")?;
    let paging = Paging::of(&req)?;
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Nodes)).await;
    let store = state.cluster.read();
    let mut nodes: Vec<&nomad_api::Node> = store.nodes().filter(|n| n.id.starts_with(&opts.prefix)).collect();
    if paging.reverse {
        nodes.reverse();
    }
    let (page, next_token) = paging.page(nodes, |n, t| id_token(&n.id, t), |_| true)?;
    let stubs: Vec<NodeListStub> = page.into_iter().map(|n| stub(n, fields)).collect();
    let response = req
        .reply(Some(QueryMeta::Query { index: store.table_index(Table::Nodes) }), &Wire::new(&stubs, state.version))?;
    Ok(with_next_token(response, &next_token))
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req, body).await
}

/// `/v1/node/:id[/allocations|/eligibility]`, split by suffix as `NodeSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(id) = rest.strip_suffix("/eligibility") {
        return eligibility(&state, id, &req, &body);
    }
    req.require_method(&[Method::GET])?;
    match rest.strip_suffix("/allocations") {
        Some(id) => allocations(&state, id, &req).await,
        None => get(&state, &rest, &req).await,
    }
}

/// `PUT`/`POST /v1/node/:id/eligibility` (`nodeToggleEligibility` in
/// `command/agent/node_endpoint.go`, `Node.UpdateEligibility` in `nomad/node_endpoint.go`,
/// alike from 1.4.0 to 1.11.3). The body's `NodeID`, else the path's; node:write; then the
/// RPC's uncoded checks (500): an ID, no `NodeEvent`, a valid value, a known node, no drain
/// for `eligible`. Answers `X-Nomad-Index` and `structs.NodeEligibilityUpdateResponse`.
fn eligibility(state: &AppState, path_id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    req.require_method(&[Method::PUT, Method::POST])?;
    const GO_TYPE: &str = "structs.NodeUpdateEligibilityRequest";
    let fields =
        decode_body_object(body, GO_TYPE, &[("NodeID", "string"), ("Eligibility", "string"), ("Region", "string")])?;
    let text = |name| body_field(&fields, name).and_then(|v| v.as_str()).unwrap_or_default();
    // `NodeEvent` is a `*structs.NodeEvent`: anything but an object (or null) fails decoding.
    let node_event = body_field(&fields, "NodeEvent");
    if let Some(kind) = node_event.and_then(|v| nomad_api::gojson::kind(v).filter(|k| *k != "object")) {
        return Err(ApiError::bad_request(nomad_api::gojson::field_type_error(
            kind,
            "NodeUpdateEligibilityRequest",
            "NodeEvent",
            "structs.NodeEvent",
        )));
    }
    let id = match text("NodeID") {
        "" => path_id,
        id => id,
    };
    // `parseRegion`: the query's region, else the body's, else the agent's.
    let region = match (req.get("region"), text("Region")) {
        ("", "") => state.region.clone(),
        ("", body) => body.to_string(),
        (query, _) => query.to_string(),
    };
    state.check_region(&region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_node_write() {
        return Err(ApiError::permission_denied());
    }
    if id.is_empty() {
        return Err(ApiError::internal("missing node ID for setting scheduling eligibility"));
    }
    if node_event.is_some() {
        return Err(ApiError::internal("node event must not be set"));
    }
    let requested = text("Eligibility");
    // The value is checked before the node is looked up.
    nomad_api::eligibility_change("", requested, false).map_err(ApiError::internal)?;
    check_uuid(id, "node")?;
    let response =
        crate::eligibility::update(&state.cluster, state.version, id, requested).map_err(ApiError::internal)?;
    req.reply(Some(QueryMeta::Index(response.index)), &response)
}

/// `GET /v1/node/:id` (node:read), blocking on the node.
async fn get(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    authorize_node_read(state, req)?;
    // `Node.GetNode` (nomad/node_endpoint.go): no ID, then the ID the index cannot read.
    if id.is_empty() {
        return Err(ApiError::internal("missing node ID"));
    }
    check_uuid(id, "node")?;
    let index_of = |s: &Store| s.node(id).map_or_else(|| s.table_index(Table::Nodes), |n| n.modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let meta = QueryMeta::Query { index: index_of(&store) };
    match store.node(id) {
        Some(node) => req.reply(Some(meta), &Wire::new(node, state.version)),
        None => Err(ApiError::not_found("node not found").with_meta(meta)),
    }
}

/// `Node.GetAllocs`: the largest `ModifyIndex` of the node's allocations, or the allocations
/// table's index when it has none (never 0, which would not block).
fn node_allocs_index(store: &Store, id: &str) -> u64 {
    store.allocs_of_node(id).map(|a| a.modify_index).max().unwrap_or_else(|| store.table_index(Table::Allocs).max(1))
}

/// `GET /v1/node/:id/allocations` (node:read; allocations of namespaces the token cannot
/// read are left out).
async fn allocations(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = authorize_node_read(state, req)?;
    wait_past_index(&state.cluster, &opts, |s| node_allocs_index(s, id)).await;
    let store = state.cluster.read();
    let allocs: Vec<&Allocation> =
        store.allocs_of_node(id).filter(|a| authority.allow_ns_op(&a.namespace, cap::READ_JOB)).collect();
    let body = req.encode(&Wire::new(&allocs, state.version))?;
    Ok(json_response(Some(QueryMeta::Query { index: node_allocs_index(&store, id) }), body))
}
