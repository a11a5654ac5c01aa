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
//! these endpoints answer what Nomad answers for an empty table.

use super::listing::Paging;
use super::meta::QueryMeta;
use super::request::{json_response, ApiRequest};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::AppState;
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
        super::allocations::check_uuid_prefix(&opts.prefix, "deployment").map_err(|e| {
            ApiError::internal(e.message.trim_start_matches("deployment lookup failed: ").to_string())
        })?;
    }
    wait_past_index(&state.cluster, &opts, |_| DEPLOYMENT_TABLE_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: DEPLOYMENT_TABLE_INDEX }), &Vec::<Deployment>::new())
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req).await
}

/// `/v1/deployment/...`, split by prefix as `DeploymentSpecificRequest` does. The writes
/// (`fail/`, `pause/`, `promote/`, `allocation-health/`, `unblock/`) name a deployment,
/// and there is none.
pub async fn specific(State(state): State<AppState>, Path(rest): Path<String>, req: ApiRequest) -> Result<Response, ApiError> {
    if let Some(id) = rest.strip_prefix("allocations/") {
        return allocations(&state, id, &req).await;
    }
    for write in ["fail/", "pause/", "promote/", "allocation-health/", "unblock/"] {
        if rest.starts_with(write) {
            req.require_method(&[Method::PUT, Method::POST])?;
            return Err(super::listing::write_not_modelled("changing a deployment"));
        }
    }
    get(&state, &rest, &req).await
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
