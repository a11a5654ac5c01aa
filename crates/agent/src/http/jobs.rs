//! `/v1/jobs`, `/v1/job/:id` and `/v1/job/:id/allocations`.

use super::alloc_stub::StubFields;
use super::allocations::namespace_filter;
use super::listing::{namespace_id_token, with_next_token, Paging};
use super::meta::QueryMeta;
use super::request::{json_response, ApiRequest, QueryOptions};
use crate::acl::{cap, Authority, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::jobspec::validate;
use crate::state::{scheduler, Store, Table};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::{
    Job, JobDeregisterResponse, JobListStub, JobRegisterRequest, JobRegisterResponse, JobStubFields, JobSubmission,
    Wire,
};

/// `Job.Stub`, with the job's summary, and its `Meta` when asked (`JobStubFields.Meta`).
pub(super) fn stub(store: &Store, job: &Job, meta: bool) -> JobListStub {
    JobListStub::from_job(job, store.summary(&job.namespace, &job.id).cloned(), JobStubFields { meta })
}

/// `GET /v1/jobs` lists (namespace:list-jobs); `PUT`/`POST` registers.
pub async fn jobs(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    match req.method {
        Method::GET => list(&state, &req).await,
        Method::PUT | Method::POST => register(&state, &req, &body, None),
        _ => Err(ApiError::invalid_method()),
    }
}

/// `Job.List` (`nomad/job_endpoint.go`, paginated from 1.4.0): jobs in (namespace, ID)
/// order, `NamespaceIDTokenizer` tokens (`<namespace>.<id>`), the filter reading the job.
async fn list(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    // `meta` is read since 1.4.3 (`jobListRequest`); 1.4.0 ignores it.
    let meta = if state.version.job_stub_meta() { req.bool_param("meta")?.unwrap_or(false) } else { false };
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::LIST_JOBS) {
        return Err(ApiError::permission_denied());
    }
    let paging = Paging::of(req)?;
    let tables = [Table::Jobs, Table::JobSummary];
    // `blockingRPC` (`nomad/rpc.go`) runs the query once before it waits: a filter that fails
    // on a job (a regular expression that does not compile) answers at once.
    if opts.min_index > 0 && paging.filter.is_some() {
        list_page(&state.cluster.read(), &opts, &paging, &authority)?;
    }
    wait_past_index(&state.cluster, &opts, |s| s.max_index(&tables)).await;
    let store = state.cluster.read();
    let (page, next_token) = list_page(&store, &opts, &paging, &authority)?;
    let stubs: Vec<JobListStub> = page.into_iter().map(|j| stub(&store, j, meta)).collect();
    let response =
        req.reply(Some(QueryMeta::Query { index: store.max_index(&tables) }), &Wire::new(&stubs, state.version))?;
    Ok(with_next_token(response, &next_token))
}

/// The page of `GET /v1/jobs` the store holds now, and the next page's token.
fn list_page<'s>(
    store: &'s Store,
    opts: &QueryOptions,
    paging: &Paging,
    authority: &Authority,
) -> Result<(Vec<&'s Job>, String), ApiError> {
    let in_namespace = namespace_filter(authority, &opts.namespace, cap::LIST_JOBS);
    let all = opts.namespace == super::request::ALL_NAMESPACES;
    let mut jobs: Vec<&Job> =
        store.jobs().filter(|j| (all || j.namespace == opts.namespace) && j.id.starts_with(&opts.prefix)).collect();
    if paging.reverse {
        jobs.reverse();
    }
    paging.page(jobs, |j, t| namespace_id_token(&j.namespace, &j.id, t), |j| in_namespace(&j.namespace))
}

/// `Job.Register` (namespace:submit-job). `path_id` is the ID in `/v1/job/:id`, which must
/// match the job's. As Nomad does, the job is validated (`jobspec::validate`) before the
/// token's capabilities are checked, after the token itself from 1.5.0 (`Authenticate`).
fn register(state: &AppState, req: &ApiRequest, body: &[u8], path_id: Option<&str>) -> Result<Response, ApiError> {
    // `decodeBody` into an `api.JobRegisterRequest`: Go's words for what it cannot read; the
    // type errors inside the job are serde's.
    let raw = super::request::decode_body_object(body, "api.JobRegisterRequest", &[])?;
    let args: JobRegisterRequest = serde_json::from_value(serde_json::Value::Object(raw.clone()))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let Some(mut job) = args.job else { return Err(ApiError::bad_request("Job must be specified")) };
    // What the request itself says, which `api.Job.Canonicalize` reads (absent or not).
    let raw_job = super::request::body_field(&raw, "Job");
    if !validate::names_id(raw_job) {
        return Err(ApiError::bad_request("Job ID hasn't been provided"));
    }
    // `jobUpdate` compares them only when the path names a job (`/v1/job/` names none).
    if path_id.is_some_and(|id| !id.is_empty() && id != job.id) {
        return Err(ApiError::bad_request("Job ID does not match name"));
    }
    state.check_region(&req.write_region(&state.region))?;
    let authenticated =
        if state.version.server_authenticates() { Some(state.authorize(req.token(), Realm::Server)?) } else { None };
    validate::apply_api_defaults(&mut job, raw_job);
    validate::validate(&job, state.version)?;
    let namespace = if job.namespace.is_empty() { req.get("namespace") } else { &job.namespace };
    let namespace = if namespace.is_empty() { super::request::DEFAULT_NAMESPACE } else { namespace }.to_string();
    let authority = match authenticated {
        Some(authority) => authority,
        None => state.authorize(req.token(), Realm::Server)?,
    };
    if !authority.allow_ns_op(&namespace, cap::SUBMIT_JOB) {
        return Err(ApiError::permission_denied());
    }
    if args.enforce_index {
        let existing = state.cluster.read().job(&namespace, &job.id).map(|j| j.job_modify_index);
        let want = args.job_modify_index;
        let conflict = match existing {
            Some(_) if want == 0 => Some("Enforcing job modify index 0: job already exists".to_string()),
            Some(have) if have != want => {
                Some(format!("Enforcing job modify index {want}: job exists with conflicting job modify index: {have}"))
            }
            None if want != 0 => Some(format!("Enforcing job modify index {want}: job does not exist")),
            _ => None,
        };
        if let Some(message) = conflict {
            return Err(ApiError::internal(message));
        }
    }
    // `apiJobSubmissionToStructs`, then `submissionController`: a source over
    // `job_max_source_size` is dropped with a warning, the job registered all the same.
    // Releases before 1.6 have no `Submission` in the request, and ignore it.
    let mut warnings = Vec::new();
    let submission =
        args.submission.as_ref().filter(|_| state.version.job_submissions()).map(JobSubmission::from_request).filter(
            |sub| match sub.discarded(state.version.job_submission_flags_escaped()) {
                Some(warning) => {
                    warnings.push(warning);
                    false
                }
                None => true,
            },
        );
    let registered = state.register_submitted_job(Job { namespace, ..job }, submission.as_ref())?;
    let response = JobRegisterResponse {
        eval_id: registered.eval_id,
        eval_create_index: registered.eval_create_index,
        job_modify_index: registered.job_modify_index,
        warnings: nomad_api::submission::merge_warnings(&warnings),
        index: registered.index,
        ..JobRegisterResponse::default()
    };
    req.reply(Some(QueryMeta::Index(registered.index)), &response)
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req, body).await
}

/// `/v1/job/:id[/allocations]`, split by suffix as `JobSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    if let Some(job_id) = rest.strip_suffix("/allocations") {
        return allocations(&state, job_id, &req).await;
    }
    if let Some(sub) = super::job_subresources::SubResource::of(&rest, state.version) {
        return super::job_subresources::handle(&state, sub, &req, &body).await;
    }
    match req.method {
        Method::GET => get(&state, &rest, &req).await,
        Method::PUT | Method::POST => register(&state, &req, &body, Some(&rest)),
        Method::DELETE => deregister(&state, &rest, &req),
        _ => Err(ApiError::invalid_method()),
    }
}

/// `GET /v1/job/:id` (namespace:read-job), blocking on the job.
async fn get(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    let index_of =
        |s: &Store| s.job(&opts.namespace, id).map_or_else(|| s.table_index(Table::Jobs), |j| j.modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let meta = QueryMeta::Query { index: index_of(&store) };
    match store.job(&opts.namespace, id) {
        Some(job) => req.reply(Some(meta), &Wire::new(job, state.version)),
        None => Err(ApiError::not_found("job not found").with_meta(meta)),
    }
}

/// `GET /v1/job/:id/allocations` (namespace:read-job), blocking on the allocations table.
async fn allocations(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    // `jobAllocations` reads `all` with its parse error dropped: anything else is false.
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    if !state.authorize(req.token(), Realm::Server)?.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Allocs)).await;
    let store = state.cluster.read();
    let fields = StubFields::default();
    let body =
        state.alloc_stubs.encode(req, &store, store.allocs_of_job(&opts.namespace, id), fields, state.version)?;
    Ok(json_response(Some(QueryMeta::Query { index: store.table_index(Table::Allocs) }), body))
}

/// `DELETE /v1/job/:id` (namespace:submit-job): stops the job, or removes it with `purge`.
fn deregister(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    // `jobDelete`'s parameters, in its order and words (the `%qq` of `no_shutdown_delay` too).
    let purge = req.bool_param("purge")?.unwrap_or(false);
    req.bool_param("global")?;
    let eval_priority = match req.get("eval_priority") {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|e| {
            let why = if matches!(e.kind(), std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) {
                "value out of range"
            } else {
                "invalid syntax"
            };
            ApiError::internal(format!(
                "Failed to parse value of \"eval_priority\" ({text}) as a int: strconv.Atoi: parsing {text:?}: {why}"
            ))
        })?),
    };
    let no_shutdown_delay = req.get("no_shutdown_delay");
    if !no_shutdown_delay.is_empty() && super::request::parse_go_bool(no_shutdown_delay).is_none() {
        return Err(ApiError::internal(format!(
            "Failed to parse value of \"no_shutdown_delay\"q ({no_shutdown_delay}) as a bool: strconv.ParseBool: parsing {no_shutdown_delay:?}: invalid syntax"
        )));
    }
    if eval_priority.is_some_and(|p| p > 100) {
        return Err(ApiError::bad_request("Eval priority must be between 1 and 100 inclusively"));
    }
    state.check_region(&req.write_region(&state.region))?;
    let namespace = match req.get("namespace") {
        "" => super::request::DEFAULT_NAMESPACE,
        ns => ns,
    };
    if !state.authorize(req.token(), Realm::Server)?.allow_ns_op(namespace, cap::SUBMIT_JOB) {
        return Err(ApiError::permission_denied());
    }
    let (result, index) = state.cluster.write(|txn| (scheduler::deregister(txn, namespace, id, purge), txn.index));
    let Some((eval_id, job_modify_index)) = result else { return Err(ApiError::not_found("job not found")) };
    let eval_create_index = state.cluster.read().eval(&eval_id).map_or(index, |e| e.create_index);
    let response = JobDeregisterResponse { eval_id, eval_create_index, job_modify_index, index, ..Default::default() };
    req.reply(Some(QueryMeta::Index(index)), &response)
}
