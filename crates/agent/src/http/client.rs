//! `/v1/client/*`: what the client half of the agent answers about the allocations it runs.
//! Allocations of synthetic nodes have no client behind them: Nomad's server answers those
//! with `No path to node`.

use super::allocations::unknown_allocation;
use super::request::{empty_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::error::{ApiError, NO_NODE_CONN, RESOURCE_NOT_FOUND};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::{AllocRestartRequest, AllocSignalRequest, GenericResponse};
use serde::de::DeserializeOwned;

/// The node a `node_id` parameter names must be this agent's (`rpcHandlerForNode`).
fn check_node(state: &AppState, node_id: &str) -> Result<(), ApiError> {
    if node_id.is_empty() || node_id == state.node_id {
        return Ok(());
    }
    match state.cluster.read().node(node_id) {
        Some(_) => Err(ApiError::not_found(NO_NODE_CONN)),
        None => Err(ApiError::not_found(format!("Unknown node {node_id:?}"))),
    }
}

/// `GET /v1/client/stats` (node:read).
pub async fn stats(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    check_node(&state, req.get("node_id"))?;
    if !state.authorize(req.token(), Realm::Client)?.allow_node_read() {
        return Err(ApiError::permission_denied());
    }
    req.reply(None, &state.client.host_stats())
}

/// `/v1/client/gc` (node:write): collects every terminal allocation of the client.
pub async fn gc_all(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    check_node(&state, req.get("node_id"))?;
    if !state.authorize(req.token(), Realm::Client)?.allow_node_write() {
        return Err(ApiError::permission_denied());
    }
    state.client.gc_all().await?;
    Ok(empty_response(None))
}

/// Routes `/v1/client/allocation/:id/:action` as `ClientAllocRequest` does. `exec` and
/// `snapshot` are not served yet and answer as unknown actions.
pub async fn allocation(State(state): State<AppState>, Path(rest): Path<String>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    let tokens: Vec<&str> = rest.split('/').collect();
    let [id, action] = tokens.as_slice() else { return Err(ApiError::not_found(RESOURCE_NOT_FOUND)) };
    match *action {
        "stats" => alloc_stats(&state, id, &req),
        "signal" => signal(&state, id, &req, &body).await,
        "restart" => restart(&state, id, &req, &body).await,
        "gc" => gc(&state, id, &req).await,
        _ => Err(ApiError::not_found(RESOURCE_NOT_FOUND)),
    }
}

/// Finds the allocation a client request names and checks `op` on its namespace. Only
/// allocations of this agent's node have a client to answer.
pub fn authorize_alloc(state: &AppState, id: &str, req: &ApiRequest, op: &str) -> Result<(), ApiError> {
    let (namespace, node_id) = {
        let store = state.cluster.read();
        let alloc = store.alloc(id).ok_or_else(|| ApiError::not_found(unknown_allocation(id)))?;
        (alloc.namespace.clone(), alloc.node_id.clone())
    };
    let local = node_id == state.node_id;
    let realm = if local { Realm::Client } else { Realm::Server };
    if !state.authorize(req.token(), realm)?.allow_ns_op(&namespace, op) {
        return Err(ApiError::permission_denied());
    }
    if !local {
        return Err(ApiError::not_found(NO_NODE_CONN));
    }
    Ok(())
}

/// `GET /v1/client/allocation/:id/stats` (namespace:read-job); `task` narrows it to one task.
fn alloc_stats(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    authorize_alloc(state, id, req, cap::READ_JOB)?;
    let mut usage = state.client.alloc_stats(id)?;
    let task = req.get("task");
    if !task.is_empty() {
        if !usage.tasks.contains_key(task) {
            return Err(ApiError::internal(format!("task {task:?} not in allocation")));
        }
        usage.tasks.retain(|name, _| name == task);
    }
    req.reply(None, &usage)
}

/// `decodeBody`: an empty body or bad JSON is a 400.
fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request("Failed to decode body: Request body is empty"));
    }
    let fail = |e: String| ApiError::bad_request(format!("Failed to decode body: {e}"));
    // Go decodes only an object into a struct; serde would take an array too.
    match serde_json::from_slice::<serde_json::Value>(body).map_err(|e| fail(e.to_string()))? {
        object @ serde_json::Value::Object(_) => serde_json::from_value(object).map_err(|e| fail(e.to_string())),
        other => Err(fail(format!("cannot unmarshal {} into a request object", json_kind(&other)))),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::Bool(_) => "bool",
        _ => "null",
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `POST`/`PUT /v1/client/allocation/:id/signal` (namespace:alloc-lifecycle).
async fn signal(state: &AppState, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    req.require_method(&[Method::POST, Method::PUT])?;
    let args: AllocSignalRequest = decode_body(body)?;
    authorize_alloc(state, id, req, cap::ALLOC_LIFECYCLE)?;
    state.client.signal(id, non_empty(&args.task), &args.signal).await?;
    req.reply(None, &GenericResponse {})
}

/// `/v1/client/allocation/:id/restart` (namespace:alloc-lifecycle); the body may be empty.
/// `AllTasks` restarts the tasks that have finished too.
async fn restart(state: &AppState, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    let args: AllocRestartRequest = if body.is_empty() { AllocRestartRequest::default() } else { decode_body(body)? };
    authorize_alloc(state, id, req, cap::ALLOC_LIFECYCLE)?;
    if args.all_tasks && args.task_name.is_empty() {
        state.client.restart_all_tasks(id).await?;
    } else {
        state.client.restart(id, non_empty(&args.task_name)).await?;
    }
    req.reply(None, &GenericResponse {})
}

/// `/v1/client/allocation/:id/gc` (namespace:submit-job).
async fn gc(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    authorize_alloc(state, id, req, cap::SUBMIT_JOB)?;
    state.client.gc(id).await?;
    Ok(empty_response(None))
}
