//! The read endpoints under `/v1/job/:id/` besides the job and its allocations: `summary`,
//! `versions`, `evaluations`, `deployment`, `deployments`, `scale`, `services` and (1.6+)
//! `submission` (`command/agent/job_endpoint.go`, `nomad/job_endpoint.go`). Each checks
//! read-job in the request's namespace, as `Job.*` RPCs do, and blocks on the index Nomad
//! answers with.

use super::deployments::DEPLOYMENT_TABLE_INDEX;
use super::listing::write_not_modelled;
use super::meta::QueryMeta;
use super::request::{body_field, decode_body_object, parse_go_bool, ApiRequest};
use crate::acl::{cap, Authority, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::state::{is_terminal, Store, Table};
use crate::AppState;
use axum::http::Method;
use axum::response::Response;
use nomad_api::{client_status, Deployment, Evaluation, JobScaleStatus, JobVersionsResponse, TaskGroupScaleStatus};
use std::collections::BTreeMap;

/// The sub-resource a `/v1/job/` path names, if it is one of these.
pub enum SubResource<'a> {
    Summary(&'a str),
    Versions(&'a str),
    Evaluations(&'a str),
    Deployments(&'a str),
    Deployment(&'a str),
    Scale(&'a str),
    Services(&'a str),
    Submission(&'a str),
}

impl<'a> SubResource<'a> {
    /// Splits a path after `/v1/job/` by its suffix, in `JobSpecificRequest`'s order. The
    /// submission exists from 1.6.0; before, the path is a job ID like any other.
    pub fn of(path: &'a str, version: nomad_api::NomadVersion) -> Option<SubResource<'a>> {
        let suffix = |s: &str| path.strip_suffix(s);
        if let Some(id) = suffix("/evaluations") {
            return Some(SubResource::Evaluations(id));
        }
        if let Some(id) = suffix("/summary") {
            return Some(SubResource::Summary(id));
        }
        if let Some(id) = suffix("/versions") {
            return Some(SubResource::Versions(id));
        }
        if let Some(id) = suffix("/deployments") {
            return Some(SubResource::Deployments(id));
        }
        if let Some(id) = suffix("/deployment") {
            return Some(SubResource::Deployment(id));
        }
        if let Some(id) = suffix("/scale") {
            return Some(SubResource::Scale(id));
        }
        if let Some(id) = suffix("/services") {
            return Some(SubResource::Services(id));
        }
        match suffix("/submission") {
            Some(id) if version.job_submissions() => Some(SubResource::Submission(id)),
            _ => None,
        }
    }
}

/// Answers a sub-resource request.
pub async fn handle(
    state: &AppState,
    sub: SubResource<'_>,
    req: &ApiRequest,
    body: &[u8],
) -> Result<Response, ApiError> {
    match sub {
        SubResource::Summary(id) => summary(state, id, req).await,
        SubResource::Versions(id) => versions(state, id, req).await,
        SubResource::Evaluations(id) => evaluations(state, id, req).await,
        SubResource::Deployments(id) => deployments(state, id, req).await,
        SubResource::Deployment(id) => latest_deployment(state, id, req).await,
        SubResource::Scale(id) => scale(state, id, req, body).await,
        SubResource::Services(id) => services(state, id, req).await,
        SubResource::Submission(id) => submission(state, id, req).await,
    }
}

/// The query options, the region, then read-job in the namespace (or `also`, where the RPC
/// accepts another capability in its place).
fn authorize_read(
    state: &AppState,
    req: &ApiRequest,
    also: Option<&str>,
) -> Result<(super::request::QueryOptions, Authority), ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    let allowed = authority.allow_ns_op(&opts.namespace, cap::READ_JOB)
        || also.is_some_and(|op| authority.allow_ns_op(&opts.namespace, op));
    if !allowed {
        return Err(ApiError::permission_denied());
    }
    Ok((opts, authority))
}

/// `GET /v1/job/:id/summary` (`Job.Summary`; the handler checks no method): the summary's
/// index, or the summaries table's when there is none (`404 job not found`).
async fn summary(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let (opts, _) = authorize_read(state, req, None)?;
    let index_of =
        |s: &Store| s.summary(&opts.namespace, id).map_or_else(|| s.table_index(Table::JobSummary), |j| j.modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let meta = QueryMeta::Query { index: index_of(&store) };
    match store.summary(&opts.namespace, id) {
        Some(summary) => req.reply(Some(meta), &nomad_api::Wire::new(summary, state.version)),
        None => Err(ApiError::not_found("job not found").with_meta(meta)),
    }
}

/// `GET /v1/job/:id/versions` (`Job.GetJobVersions`; no method check): the versions kept,
/// newest first, in the whole response struct, at the largest `ModifyIndex` among them.
/// `diff_version` and `diff_tag` exist from 1.9; this agent keeps no version tags.
async fn versions(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let diffs = match req.get("diffs") {
        "" => false,
        text => parse_go_bool(text).ok_or_else(|| {
            ApiError::internal(format!(
                "Failed to parse value of \"diffs\" ({text}) as a bool: strconv.ParseBool: parsing {text:?}: invalid syntax"
            ))
        })?,
    };
    let tags = state.version.job_version_tags();
    let diff_version = match req.get("diff_version") {
        _ if !tags => None,
        "" => None,
        text => Some(text.parse::<u64>().map_err(|_| {
            ApiError::internal(format!(
                "Failed to parse value of \"diff_version\" ({text}) as a uint64: strconv.ParseUint: parsing {text:?}: invalid syntax"
            ))
        })?),
    };
    let diff_tag = if tags { req.get("diff_tag").to_string() } else { String::new() };
    let (opts, _) = authorize_read(state, req, None)?;
    let index_of = |s: &Store| {
        s.job_versions(&opts.namespace, id)
            .map(|j| j.modify_index)
            .max()
            .unwrap_or_else(|| s.table_index(Table::JobVersion))
    };
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let index = index_of(&store);
    let versions: Vec<_> = store.job_versions(&opts.namespace, id).cloned().collect();
    drop(store);
    let meta = QueryMeta::Query { index };
    if versions.is_empty() {
        return Err(ApiError::not_found("job versions not found").with_meta(meta));
    }
    if diffs {
        if !diff_tag.is_empty() {
            return Err(ApiError::internal(format!("tag {diff_tag:?} not found")).with_meta(meta));
        }
        if let Some(v) = diff_version.filter(|v| !versions.iter().any(|j| j.version == *v)) {
            return Err(ApiError::internal(format!("version {v} not found")).with_meta(meta));
        }
    }
    // Each version against the next older one, or against `diff_version` (`nomad/structs/diff.go`
    // through `nomad_api::job_diff`); `null` when nothing was diffed.
    let diffs = if diffs {
        let computed = nomad_api::job_diff::version_diffs(&versions, diff_version, state.version)
            .map_err(|e| ApiError::internal(format!("failed to create job diff: {e}")).with_meta(meta))?;
        Some(computed).filter(|d| !d.is_empty())
    } else {
        None
    };
    let response =
        JobVersionsResponse { versions, diffs, index, last_contact: 0, known_leader: true, ..Default::default() };
    // The versions are Jobs, written as the release writes a Job (`GET /v1/job/:id`).
    req.reply(Some(meta), &nomad_api::Wire::new(&response, state.version))
}

/// `GET /v1/job/:id/evaluations` (`Job.Evaluations`): the job's evaluations in the order of
/// the `job` index (status, then ID), at the evaluations table's index.
async fn evaluations(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let (opts, _) = authorize_read(state, req, None)?;
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Evals)).await;
    let store = state.cluster.read();
    let mut evals: Vec<&Evaluation> = store.evals_of_job(&opts.namespace, id).collect();
    evals.sort_by(|a, b| (a.status.to_lowercase(), &a.id).cmp(&(b.status.to_lowercase(), &b.id)));
    req.reply(Some(QueryMeta::Query { index: store.table_index(Table::Evals) }), &evals)
}

/// `GET /v1/job/:id/deployments` (`Job.Deployments`): none (see `super::deployments`).
async fn deployments(state: &AppState, _id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let (opts, _) = authorize_read(state, req, None)?;
    wait_past_index(&state.cluster, &opts, |_| DEPLOYMENT_TABLE_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: DEPLOYMENT_TABLE_INDEX }), &Vec::<Deployment>::new())
}

/// `GET /v1/job/:id/deployment` (`Job.LatestDeployment`): the latest deployment, `null`
/// (status 200) when there is none.
async fn latest_deployment(state: &AppState, _id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let (opts, _) = authorize_read(state, req, None)?;
    wait_past_index(&state.cluster, &opts, |_| DEPLOYMENT_TABLE_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: DEPLOYMENT_TABLE_INDEX }), &None::<Deployment>)
}

/// `/v1/job/:id/scale`: `GET` is `Job.ScaleStatus` (read-job or read-job-scaling); the
/// scaling write is not modelled.
async fn scale(state: &AppState, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    match req.method {
        Method::GET => scale_status(state, id, req).await,
        Method::PUT | Method::POST => scale_action(state, id, req, body),
        _ => Err(ApiError::invalid_method()),
    }
}

/// `jobScaleAction`, `Job.Scale`: the body (whose `Target.Job`, if any, is the path's job),
/// then scale-job or submit-job in the namespace. Past the checks, not modelled.
fn scale_action(state: &AppState, id: &str, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    let args = decode_body_object(body, "api.ScalingRequest", &[("Message", "string"), ("Error", "bool")])?;
    let target_job =
        body_field(&args, "Target").and_then(|t| t.get("Job")).and_then(|v| v.as_str()).unwrap_or_default();
    if !target_job.is_empty() && target_job != id {
        return Err(ApiError::bad_request("job ID in payload did not match URL"));
    }
    state.check_region(&req.write_region(&state.region))?;
    let namespace = match req.get("namespace") {
        "" => super::request::DEFAULT_NAMESPACE,
        ns => ns,
    };
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !(authority.allow_ns_op(namespace, cap::SCALE_JOB) || authority.allow_ns_op(namespace, cap::SUBMIT_JOB)) {
        return Err(ApiError::permission_denied());
    }
    Err(write_not_modelled("scaling a job"))
}

/// The scale status and its index: the job's `ModifyIndex` or that of the latest counted
/// allocation; for no job, the latest index.
fn scale_status_of(store: &Store, namespace: &str, id: &str) -> (Option<JobScaleStatus>, u64) {
    let Some(job) = store.job(namespace, id) else { return (None, store.index()) };
    let mut groups: BTreeMap<String, TaskGroupScaleStatus> = job
        .task_groups
        .iter()
        .map(|g| (g.name.clone(), TaskGroupScaleStatus { desired: g.count, events: None, ..Default::default() }))
        .collect();
    let mut index = job.modify_index;
    // `AllocsByJob(..., false)`: the allocations of this job, not of a purged namesake.
    let allocs = store
        .allocs_of_job(namespace, id)
        .filter(|a| a.job.as_ref().is_some_and(|j| j.create_index == job.create_index));
    for alloc in allocs {
        if alloc.deployment_status.as_ref().is_some_and(|d| d.canary) || is_terminal(alloc) {
            continue;
        }
        let Some(group) = groups.get_mut(&alloc.task_group) else { continue };
        group.placed += 1;
        if alloc.client_status == client_status::RUNNING {
            group.running += 1;
        }
        match alloc.deployment_status.as_ref().and_then(|d| d.healthy) {
            Some(true) => group.healthy += 1,
            Some(false) => group.unhealthy += 1,
            None => {}
        }
        index = index.max(alloc.modify_index);
    }
    let status = JobScaleStatus {
        job_id: job.id.clone(),
        namespace: job.namespace.clone(),
        job_create_index: job.create_index,
        job_modify_index: job.modify_index,
        job_stopped: job.stop,
        task_groups: groups,
    };
    (Some(status), index)
}

async fn scale_status(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let (opts, _) = authorize_read(state, req, Some(cap::READ_JOB_SCALING))?;
    wait_past_index(&state.cluster, &opts, |s| scale_status_of(s, &opts.namespace, id).1).await;
    let (status, index) = scale_status_of(&state.cluster.read(), &opts.namespace, id);
    let meta = QueryMeta::Query { index };
    match status {
        Some(status) => req.reply(Some(meta), &status),
        None => Err(ApiError::not_found("job not found").with_meta(meta)),
    }
}

/// `GET /v1/job/:id/services` (`Job.GetServiceRegistrations`): this agent registers no
/// Nomad services, so an existing job has `[]`, at the registrations table's index floored
/// to 1 (`setReplyQueryMeta`); a missing job is `404 job not found` at index 0.
async fn services(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let (opts, _) = authorize_read(state, req, None)?;
    let index_of = |s: &Store| if s.job(&opts.namespace, id).is_some() { 1 } else { 0 };
    wait_past_index(&state.cluster, &opts, index_of).await;
    let index = index_of(&state.cluster.read());
    let meta = QueryMeta::Query { index };
    if index == 0 {
        return Err(ApiError::not_found("job not found").with_meta(meta));
    }
    req.reply(Some(meta), &Vec::<serde_json::Value>::new())
}

/// `GET /v1/job/:id/submission?version=N` (1.6+, `jobSubmissionCRUD`,
/// `Job.GetJobSubmission`): the version is parsed before anything else, then the method,
/// then read-job. The source kept for that version, at its job's `JobModifyIndex`; none is
/// `404 job source not found` at index 0.
async fn submission(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    // `strconv.ParseUint`: digits only (Rust would also take a leading `+`).
    let text = req.get("version");
    let Some(version) = text.parse::<u64>().ok().filter(|_| !text.starts_with('+')) else {
        return Err(ApiError::bad_request("Unable to parse job submission version parameter"));
    };
    req.require_method(&[Method::GET])?;
    let (opts, _) = authorize_read(state, req, None)?;
    let index_of = |s: &Store| s.job_submission(&opts.namespace, id, version).map_or(0, |sub| sub.job_modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let meta = QueryMeta::Query { index: index_of(&store) };
    match store.job_submission(&opts.namespace, id, version) {
        Some(submission) => req.reply(Some(meta), submission),
        None => Err(ApiError::not_found("job source not found").with_meta(meta)),
    }
}
