//! `/v1/deployments`, `/v1/deployment/:id` and `/v1/deployment/allocations/:id`
//! (`command/agent/deployment_endpoint.go`, `nomad/deployment_endpoint.go`).
//!
//! Nomad creates a deployment for each new version of a service job whose groups have an
//! `update` strategy, and every service job registered over the HTTP API has one: the
//! handler canonicalizes the job with the Go API's `Job.Canonicalize`, which gives service
//! jobs `DefaultUpdateStrategy()` (`max_parallel = 1`; `api/jobs.go`), and the reconciler
//! then creates a deployment (`scheduler/reconciler`). This agent places every allocation of
//! a version at once and models neither update strategies nor allocation health, so it
//! creates no deployment: the deployments table is empty and never written (index 0), and
//! these endpoints answer what Nomad answers for an empty table, writes included.

use super::listing::Paging;
use super::meta::QueryMeta;
use super::request::{body_field, decode_body_object, json_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::Deployment;

/// `state.Index("deployment")`: never written here.
pub const DEPLOYMENT_TABLE_INDEX: u64 = 0;

/// `GET /v1/deployments` (`Deployment.List`, namespace:read-job).
pub async fn list(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    // The paginator reads the filter after the ACL checks.
    Paging::of(&req)?;
    if !opts.prefix.is_empty() {
        // `DeploymentsByIDPrefix` over the UUID index: go-memdb's error, unwrapped.
        super::allocations::check_uuid_prefix(&opts.prefix, "deployment")
            .map_err(|e| ApiError::internal(e.message.trim_start_matches("deployment lookup failed: ").to_string()))?;
    }
    wait_past_index(&state.cluster, &opts, |_| DEPLOYMENT_TABLE_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: DEPLOYMENT_TABLE_INDEX }), &Vec::<Deployment>::new())
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req, body).await
}

/// `/v1/deployment/...`, split by prefix as `DeploymentSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(id) = rest.strip_prefix("allocations/") {
        return allocations(&state, id, &req).await;
    }
    for write in [Write::Fail, Write::Pause, Write::Promote, Write::AllocHealth, Write::Unblock] {
        if let Some(id) = rest.strip_prefix(write.prefix()) {
            return update(&state, write, id, &req, &body);
        }
    }
    get(&state, &rest, &req).await
}

/// The deployment writes, each a `Deployment.*` RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Fail,
    Pause,
    Promote,
    AllocHealth,
    Unblock,
}

impl Write {
    fn prefix(self) -> &'static str {
        match self {
            Write::Fail => "fail/",
            Write::Pause => "pause/",
            Write::Promote => "promote/",
            Write::AllocHealth => "allocation-health/",
            Write::Unblock => "unblock/",
        }
    }

    /// The Go type the handler decodes the body into (`Fail` reads none).
    fn body_type(self) -> Option<&'static str> {
        match self {
            Write::Fail => None,
            Write::Pause => Some("structs.DeploymentPauseRequest"),
            Write::Promote => Some("structs.DeploymentPromoteRequest"),
            Write::AllocHealth => Some("structs.DeploymentAllocHealthRequest"),
            Write::Unblock => Some("structs.DeploymentUnblockRequest"),
        }
    }
}

/// `deploymentFail`, `deploymentPause`, ...: the body must name the path's deployment; then
/// the RPC checks the ID and looks the deployment up before the token's capabilities (which
/// are checked in the deployment's namespace). There is never one here, so every request
/// that gets that far is `deployment not found`, an uncoded error (500), for any token.
fn update(state: &AppState, write: Write, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    req.require_method(&[Method::PUT, Method::POST])?;
    let mut alloc_ids = 0;
    if let Some(go_type) = write.body_type() {
        let fields = decode_body_object(body, go_type, &[("DeploymentID", "string")])?;
        let named = body_field(&fields, "DeploymentID").and_then(|v| v.as_str()).unwrap_or_default();
        if named.is_empty() {
            return Err(ApiError::bad_request("DeploymentID must be specified"));
        }
        if named != id {
            return Err(ApiError::bad_request("Deployment ID does not match"));
        }
        let count = |name| body_field(&fields, name).and_then(|v| v.as_array()).map_or(0, Vec::len);
        alloc_ids = count("HealthyAllocationIDs") + count("UnhealthyAllocationIDs");
    }
    state.check_region(&req.write_region(&state.region))?;
    state.authorize(req.token(), Realm::Server)?;
    if id.is_empty() {
        return Err(ApiError::internal("missing deployment ID"));
    }
    if write == Write::AllocHealth && alloc_ids == 0 {
        return Err(ApiError::internal("must specify at least one healthy/unhealthy allocation ID"));
    }
    super::allocations::check_uuid(id, "deployment")?;
    Err(ApiError::internal("deployment not found"))
}

/// `Deployment.GetDeployment` (namespace:read-job): `404 deployment not found`.
async fn get(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    if id.is_empty() {
        return Err(ApiError::internal("missing deployment ID"));
    }
    super::allocations::check_uuid(id, "deployment")?;
    wait_past_index(&state.cluster, &opts, |_| DEPLOYMENT_TABLE_INDEX).await;
    Err(ApiError::not_found("deployment not found").with_meta(QueryMeta::Query { index: DEPLOYMENT_TABLE_INDEX }))
}

/// `Deployment.Allocations` (namespace:read-job): the allocations of a deployment, none,
/// at the allocations table's index.
async fn allocations(state: &AppState, _id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    let allocs_index = |s: &crate::state::Store| s.table_index(crate::state::Table::Allocs);
    wait_past_index(&state.cluster, &opts, allocs_index).await;
    let index = allocs_index(&state.cluster.read());
    Ok(json_response(Some(QueryMeta::Query { index }), req.encode(&Vec::<Deployment>::new())?))
}
