//! `/v1/client/*`: what the client half of the agent answers about the allocations it runs.
//! Allocations of synthetic nodes have no client behind them: Nomad's server answers most
//! requests for them with `No path to node`. Their stats are the exception: a synthetic node
//! stands for a client on this host, so its host stats are this host's, and a synthetic
//! allocation runs no process, so its usage is zero, in the shape Nomad writes.

use super::allocations::{check_uuid, unknown_allocation};
use super::request::{after_ignored_parse, empty_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::error::{ApiError, NO_NODE_CONN, RESOURCE_NOT_FOUND};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::{
    docker_measured_memory, gojson, task_state, AllocResourceUsage, AllocRestartRequest, AllocSignalRequest,
    Allocation, CpuStats, GenericResponse, MemoryStats, NanoTime, NomadVersion, ResourceUsage, TaskResourceUsage,
    DOCKER_MEASURED_CPU,
};

/// Where a `node_id` parameter sends a request (`rpcHandlerForNode`): this agent's own client
/// (none given, or its own ID), or the server, which forwards to the node's client.
fn is_local_node(state: &AppState, node_id: &str) -> bool {
    node_id.is_empty() || node_id == state.node_id
}

/// The server's `getNodeForRpc` for a node other than this agent's: unknown, or a synthetic
/// node, which no client connection reaches.
fn remote_node(state: &AppState, node_id: &str) -> Result<(), ApiError> {
    match state.cluster.read().node(node_id) {
        Some(_) => Ok(()),
        None => Err(ApiError::internal(format!("Unknown node {node_id}"))),
    }
}

/// `GET /v1/client/stats` (node:read), `ClientStatsRequest`. A synthetic node stands for a
/// client on this host, so it answers with this host's stats, as this agent's own node does;
/// an unknown node is `404 Unknown node <id>` (`command/agent/stats_endpoint.go` maps it).
pub async fn stats(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    // `ClientStatsRequest` calls `parse` first and ignores its failure.
    after_ignored_parse(req.ignored_parse(&state.region), host_stats(&state, &req))
}

fn host_stats(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let node_id = req.get("node_id");
    let local = is_local_node(state, node_id);
    // The client checks the token itself; the server (`ClientStats.Stats`) does before it
    // looks the node up.
    let realm = if local { Realm::Client } else { Realm::Server };
    if !state.authorize(req.token(), realm)?.allow_node_read() {
        return Err(ApiError::permission_denied());
    }
    if !local {
        remote_node(state, node_id).map_err(|e| ApiError::not_found(e.message))?;
    }
    req.reply(None, &state.client.host_stats().as_release(state.version))
}

/// `/v1/client/gc` (node:write): collects every terminal allocation of the client. For another
/// node the server checks the token, then the node (`ClientAllocations.GarbageCollectAll`): an
/// unknown one is a plain error (500), a synthetic one has no connection (404).
pub async fn gc_all(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    // `ClientGCRequest` calls `parse` first and ignores its failure.
    let parse_error = req.ignored_parse(&state.region);
    after_ignored_parse(parse_error, collect_all(&state, &req).await)
}

async fn collect_all(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let node_id = req.get("node_id");
    let local = is_local_node(state, node_id);
    let realm = if local { Realm::Client } else { Realm::Server };
    if !state.authorize(req.token(), realm)?.allow_node_write() {
        return Err(ApiError::permission_denied());
    }
    if !local {
        remote_node(state, node_id)?;
        return Err(ApiError::not_found(NO_NODE_CONN));
    }
    state.client.gc_all().await?;
    Ok(empty_response(None))
}

/// `/v1/client/allocation/` names no allocation: `ClientAllocRequest` answers any method
/// `404 resource not found`.
pub async fn allocation_root() -> ApiError {
    ApiError::not_found(RESOURCE_NOT_FOUND)
}

/// Routes `/v1/client/allocation/:id/:action` as `ClientAllocRequest` does. `snapshot`,
/// `checks` and `pause` are not served yet and answer as unknown actions. Each action calls
/// `parse` and ignores its failure (`command/agent/alloc_endpoint.go`): the signal after
/// decoding its body, the others first.
pub async fn allocation(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    let tokens: Vec<&str> = rest.split('/').collect();
    let [id, action] = tokens.as_slice() else { return Err(ApiError::not_found(RESOURCE_NOT_FOUND)) };
    let parse = || req.ignored_parse(&state.region);
    match *action {
        "stats" => after_ignored_parse(parse(), alloc_stats(&state, id, &req)),
        "signal" => {
            req.require_method(&[Method::POST, Method::PUT])?;
            let args = decode_signal(&body)?;
            after_ignored_parse(parse(), signal(&state, id, &req, args).await)
        }
        "restart" => after_ignored_parse(parse(), restart(&state, id, &req, &body).await),
        "gc" => after_ignored_parse(parse(), gc(&state, id, &req).await),
        _ => Err(ApiError::not_found(RESOURCE_NOT_FOUND)),
    }
}

/// Finds the allocation a client request names and checks `op` on its namespace. Only
/// allocations of this agent's node have a client to answer.
pub fn authorize_alloc(state: &AppState, id: &str, req: &ApiRequest, op: &str) -> Result<(), ApiError> {
    authorize_alloc_with(state, id, req, op, |e| e)
}

/// [`authorize_alloc`], with the error of a secret this client cannot resolve recoded as the
/// endpoint sends it (the streaming ones put their own code on it, `client/fs_endpoint.go`).
pub fn authorize_alloc_with(
    state: &AppState,
    id: &str,
    req: &ApiRequest,
    op: &str,
    unresolved: impl FnOnce(ApiError) -> ApiError,
) -> Result<(), ApiError> {
    // An allocation this client does not run is the server's (`rpcHandlerForAlloc`), whose
    // `getAlloc` fails first on an ID its index cannot read.
    check_uuid(id, "alloc")?;
    let (namespace, node_id) = {
        let store = state.cluster.read();
        let alloc = store.alloc(id).ok_or_else(|| ApiError::not_found(unknown_allocation(id)))?;
        (alloc.namespace.clone(), alloc.node_id.clone())
    };
    let local = node_id == state.node_id;
    let authority = if local {
        state.authorize(req.token(), Realm::Client).map_err(unresolved)?
    } else {
        state.authorize(req.token(), Realm::Server)?
    };
    if !authority.allow_ns_op(&namespace, op) {
        return Err(ApiError::permission_denied());
    }
    if !local {
        return Err(ApiError::not_found(NO_NODE_CONN));
    }
    Ok(())
}

/// `GET /v1/client/allocation/:id/stats` (namespace:read-job), `Allocations.Stats`; `task`
/// narrows it to that task, and a task the allocation does not have leaves `Tasks` empty
/// (`LatestAllocStats` filters without checking). A synthetic allocation answers zeros.
fn alloc_stats(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    check_uuid(id, "alloc")?;
    let alloc = state.cluster.read().alloc(id).map(|a| (a.namespace.clone(), a.node_id.clone()));
    let (namespace, node_id) = alloc.ok_or_else(|| ApiError::not_found(unknown_allocation(id)))?;
    let local = node_id == state.node_id;
    let realm = if local { Realm::Client } else { Realm::Server };
    if !state.authorize(req.token(), realm)?.allow_ns_op(&namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    let running_only = state.version.alloc_usage_sums_running_tasks_only();
    let task = Some(req.get("task")).filter(|t| !t.is_empty());
    let usage = if local {
        state.client.alloc_stats(id, task, running_only)?
    } else {
        remote_node(state, &node_id)?;
        let store = state.cluster.read();
        let alloc = store.alloc(id).ok_or_else(|| ApiError::not_found(unknown_allocation(id)))?;
        synthetic_usage(alloc, task, state.version, crate::state::store::now_nanos())
    };
    req.reply(None, &usage)
}

/// A synthetic allocation's usage: its tasks (docker, by their job) run no process, so every
/// number is zero; each task that has started reports, with the docker driver's `Measured`
/// lists on cgroups v2 (`drivers/docker/util/stats_posix.go`) and no `Pids`.
fn synthetic_usage(alloc: &Allocation, task: Option<&str>, version: NomadVersion, now: i64) -> AllocResourceUsage {
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut usage = AllocResourceUsage::empty();
    for (name, state) in alloc.task_states.iter().filter(|(name, _)| task.is_none_or(|t| t == name.as_str())) {
        let Some(started) = state.started_at else { continue };
        let running = state.state == task_state::RUNNING;
        // A finished task's last sample is from before it finished.
        let at = if running { now } else { state.finished_at.map_or(started.0, |f| f.0) };
        let task = TaskResourceUsage {
            resource_usage: ResourceUsage {
                memory_stats: MemoryStats {
                    measured: strings(docker_measured_memory(version)),
                    ..MemoryStats::default()
                },
                cpu_stats: CpuStats { measured: strings(&DOCKER_MEASURED_CPU), ..CpuStats::default() },
                device_stats: None,
            },
            timestamp: NanoTime(at),
            pids: None,
        };
        if running || !version.alloc_usage_sums_running_tasks_only() {
            usage.add(&task);
        }
        usage.tasks.insert(name.clone(), task);
    }
    usage
}

/// `decodeBody` into `structs.AllocSignalRequest`, as `allocSignal` reports its failure:
/// `400 Failed to decode body: ...` with Go's words (`nomad_api::gojson`).
fn decode_signal(body: &[u8]) -> Result<AllocSignalRequest, ApiError> {
    let fail = |e: String| ApiError::bad_request(format!("Failed to decode body: {e}"));
    if body.is_empty() {
        return Err(fail("Request body is empty".into()));
    }
    let fields = [("Task", "string"), ("Signal", "string")];
    let object = gojson::decode_object(body, "structs.AllocSignalRequest", "AllocSignalRequest", &fields)
        .map_err(fail)?
        .ok_or_else(|| fail("EOF".into()))?;
    serde_json::from_value(serde_json::Value::Object(object)).map_err(|e| fail(e.to_string()))
}

/// `allocRestart`'s own decoder: no body at all is fine, anything it cannot decode is its
/// error returned uncoded (500), without the `Failed to decode body` of `decodeBody`.
fn decode_restart(body: &[u8]) -> Result<AllocRestartRequest, ApiError> {
    let go_type = "struct { TaskName string; AllTasks bool }";
    let fields = [("TaskName", "string"), ("AllTasks", "bool")];
    match gojson::decode_object(body, go_type, "", &fields).map_err(ApiError::internal)? {
        None => Ok(AllocRestartRequest::default()),
        Some(object) => {
            serde_json::from_value(serde_json::Value::Object(object)).map_err(|e| ApiError::internal(e.to_string()))
        }
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `POST`/`PUT /v1/client/allocation/:id/signal` (namespace:alloc-lifecycle).
async fn signal(state: &AppState, id: &str, req: &ApiRequest, args: AllocSignalRequest) -> Result<Response, ApiError> {
    authorize_alloc(state, id, req, cap::ALLOC_LIFECYCLE)?;
    state.client.signal(id, non_empty(&args.task), &args.signal).await?;
    req.reply(None, &GenericResponse {})
}

/// `/v1/client/allocation/:id/restart` (namespace:alloc-lifecycle); the body may be empty.
/// `AllTasks` restarts the tasks that have finished too.
async fn restart(state: &AppState, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    let args = decode_restart(body)?;
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
