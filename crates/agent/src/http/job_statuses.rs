//! `GET`/`POST /v1/jobs/statuses` (1.8.0+; `command/agent/job_endpoint_statuses.go`
//! `JobStatusesRequest`, `nomad/job_endpoint_statuses.go` `Job.Statuses`): the web UI's job
//! index, newest change first, paginated by modify index, blocking on the page's highest index.

use super::listing::{with_next_token, Paging};
use super::meta::QueryMeta;
use super::request::{decode_body_object, ApiRequest, ALL_NAMESPACES, DEFAULT_NAMESPACE};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::state::{Store, Table};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use nomad_api::job_statuses::{JobStatusesJob, JobStatusesRequest, NamespacedId};
use nomad_api::{Job, NomadVersion};
use std::collections::BTreeSet;

/// What one request asks for, once read.
struct Query {
    /// `None` when every namespace is allowed.
    allowed: Option<Vec<String>>,
    jobs: Option<BTreeSet<NamespacedId>>,
    include_children: bool,
    paging: Paging,
}

/// The handler: `parse`, the method, `include_children`, the body's jobs; then the RPC.
pub async fn statuses(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    if !state.version.job_statuses() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    let mut opts = req.query_options(&state.region)?;
    req.require_method(&[Method::GET, Method::POST])?;
    let mut include_children =
        req.bool_param("include_children").map_err(|e| ApiError::bad_request(e.message))?.unwrap_or(false);
    let mut jobs = None;
    if !body.is_empty() {
        let fields = decode_body_object(&body, "api.JobStatusesRequest", &[("IncludeChildren", "bool")])
            .map_err(|e| ApiError::bad_request(format!("error decoding request: {}", e.message)))?;
        let asked: JobStatusesRequest = serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| ApiError::bad_request(format!("error decoding request: {e}")))?;
        let asked_jobs = asked.jobs.unwrap_or_default();
        if asked_jobs.is_empty() {
            return Err(ApiError::bad_request("no jobs in request"));
        }
        // Jobs of several namespaces: the wildcard, unless they share one (below).
        if opts.namespace == DEFAULT_NAMESPACE {
            opts.namespace = ALL_NAMESPACES.to_string();
        }
        let set: BTreeSet<NamespacedId> = asked_jobs
            .into_iter()
            .map(|j| NamespacedId {
                namespace: if j.namespace.is_empty() { DEFAULT_NAMESPACE.into() } else { j.namespace },
                id: j.id,
            })
            .collect();
        let namespaces: BTreeSet<&str> = set.iter().map(|j| j.namespace.as_str()).collect();
        if let [only] = namespaces.into_iter().collect::<Vec<_>>().as_slice() {
            opts.namespace = only.to_string();
        }
        include_children |= asked.include_children;
        jobs = Some(set);
    }
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    let mut allowed = {
        let store = state.cluster.read();
        super::listing::allowed_namespaces(&authority, store.namespaces().map(|n| n.name.as_str()), |ns| {
            authority.allow_ns_op(ns, cap::READ_JOB)
        })
    };
    if allowed.as_ref().is_some_and(Vec::is_empty) {
        return req.reply(Some(QueryMeta::Query { index: 0 }), &Vec::<JobStatusesJob>::new());
    }
    if !opts.namespace.is_empty() && opts.namespace != ALL_NAMESPACES {
        allowed = Some(vec![opts.namespace.clone()]);
    }
    // The paginator's errors are 500 here (`Job.Statuses`), and `reverse` flips the default
    // newest-first order.
    let mut paging = Paging::of(&req).map_err(|e| ApiError::internal(e.message))?;
    paging.reverse = !paging.reverse;
    if let Some(set) = &jobs {
        paging.per_page = i32::try_from(set.len()).unwrap_or(i32::MAX);
    }
    let query = Query { allowed, jobs, include_children, paging };
    let version = state.version;

    // `prevJobs`: once the blocking query has run, a page of other jobs answers the jobs
    // table's index.
    let first = page(&state.cluster.read(), &query, version)?;
    let first_ids: Vec<NamespacedId> =
        first.0.iter().map(|j| NamespacedId { id: j.id.clone(), namespace: j.namespace.clone() }).collect();
    let index_of = |store: &Store| match page(store, &query, version) {
        Ok((jobs, _, highest)) => {
            let same = jobs.len() == first_ids.len()
                && jobs.iter().zip(&first_ids).all(|(j, f)| j.id == f.id && j.namespace == f.namespace);
            if same {
                highest
            } else {
                store.table_index(Table::Jobs)
            }
        }
        Err(_) => store.index(),
    };
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let index = index_of(&store);
    let (jobs, next_token, _) = page(&store, &query, version)?;
    drop(store);
    // The types are written as Nomad writes them (no omitempty, `null` for nil lists).
    let response = req.reply(Some(QueryMeta::Query { index }), &jobs)?;
    Ok(with_next_token(response, &next_token))
}

/// One run of the query: the page, the next token and the highest index on the page.
fn page(store: &Store, query: &Query, version: NomadVersion) -> Result<(Vec<JobStatusesJob>, String, u64), ApiError> {
    // `JobsByModifyIndex`: by modify index (ties by namespace and ID), walked newest first
    // unless `reverse`.
    let mut ordered: Vec<&Job> = store.jobs().collect();
    ordered.sort_unstable_by(|a, b| (a.modify_index, &a.namespace, &a.id).cmp(&(b.modify_index, &b.namespace, &b.id)));
    if query.paging.reverse {
        ordered.reverse();
    }
    let select = |job: &&Job| {
        query.allowed.as_ref().is_none_or(|ns| ns.contains(&job.namespace))
            && (query.include_children || job.parent_id.is_empty())
            && query
                .jobs
                .as_ref()
                .is_none_or(|set| set.contains(&NamespacedId { id: job.id.clone(), namespace: job.namespace.clone() }))
    };
    // `ModifyIndexTokenizer`: the index as text, compared as a number.
    let token = |job: &&Job, target: &str| {
        let target: u64 = target.parse().unwrap_or(0);
        (job.modify_index.to_string(), job.modify_index.cmp(&target))
    };
    let (jobs, next_token) = query
        .paging
        .page(ordered, token, select)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.message))?;
    let mut highest = 0;
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let children = store.jobs().filter(|c| c.namespace == job.namespace && c.id.starts_with(&job.id));
        let (status, index) = JobStatusesJob::of(job, store.allocs_of_job(&job.namespace, &job.id), children, version);
        highest = highest.max(index);
        out.push(status);
    }
    Ok((out, next_token, highest))
}
