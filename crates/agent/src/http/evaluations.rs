//! `/v1/evaluations` and `/v1/evaluation/:id[/allocations]` (`command/agent/eval_endpoint.go`,
//! `nomad/eval_endpoint.go`): the evaluations the scheduler recorded, each complete.

use super::alloc_stub::StubFields;
use super::allocations::{check_uuid, check_uuid_prefix};
use super::listing::{allowed_namespaces, create_index_token, id_token, with_next_token, Paging};
use super::meta::QueryMeta;
use super::request::{json_response, ApiRequest, ALL_NAMESPACES};
use crate::acl::{cap, Realm};
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::state::{Store, Table};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::search::{uuid_has_prefix_bytes, uuid_prefix_bytes};
use nomad_api::Evaluation;

/// `GET /v1/evaluations` lists; `DELETE` deletes (refused while the scheduler runs).
pub async fn list(State(state): State<AppState>, req: ApiRequest, body: Bytes) -> Result<Response, ApiError> {
    match req.method {
        Method::GET => list_evals(&state, &req).await,
        Method::DELETE => delete(&state, &req, &body),
        _ => Err(ApiError::invalid_method()),
    }
}

/// `Eval.List` (namespace:read-job): by ID prefix, else by namespace and create index, else
/// (`*`) all by create index; `job` and `status` filter; paginated.
async fn list_evals(state: &AppState, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    let (job, status) = (req.get("job").to_string(), req.get("status").to_string());
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    let paging = Paging::of(req)?;
    // `structs.ErrIncompatibleFiltering`.
    if paging.filter.is_some() && !(job.is_empty() && status.is_empty()) {
        return Err(ApiError::bad_request("Filter expression cannot be used with other filter parameters"));
    }
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Evals)).await;
    let store = state.cluster.read();
    let index = store.table_index(Table::Evals);
    let allowed = allowed_namespaces(&authority, store.namespaces().map(|n| n.name.as_str()), |ns| {
        authority.allow_ns_op(ns, cap::READ_JOB)
    });
    if allowed.as_ref().is_some_and(Vec::is_empty) {
        return req.reply(Some(QueryMeta::Query { index }), &Vec::<Evaluation>::new());
    }
    let namespace = opts.namespace.as_str();
    let wanted = |e: &&Evaluation| {
        (namespace == ALL_NAMESPACES || e.namespace == namespace)
            && (job.is_empty() || e.job_id == job)
            && (status.is_empty() || e.status == status)
    };
    let select = |e: &&Evaluation| allowed.as_ref().is_none_or(|a| a.contains(&e.namespace));
    let (evals, next_token) = if !opts.prefix.is_empty() {
        check_uuid_prefix(&opts.prefix, "eval").map_err(|e| ApiError::internal(e.message))?;
        // The UUID index compares bytes: hyphens and case in the prefix do not matter.
        let bytes = uuid_prefix_bytes(&opts.prefix).unwrap_or_default();
        let mut matching: Vec<&Evaluation> =
            store.evals().filter(|e| uuid_has_prefix_bytes(&e.id, &bytes)).filter(wanted).collect();
        if paging.reverse {
            matching.reverse();
        }
        paging.page(matching, |e, t| id_token(&e.id, t), select)?
    } else {
        let mut ordered: Vec<&Evaluation> = store.evals().filter(wanted).collect();
        ordered.sort_by(|a, b| (a.create_index, &a.id).cmp(&(b.create_index, &b.id)));
        if paging.reverse {
            ordered.reverse();
        }
        paging.page(ordered, |e, t| create_index_token(e.create_index, &e.id, t), select)?
    };
    let response = req.reply(Some(QueryMeta::Query { index }), &evals)?;
    Ok(with_next_token(response, &next_token))
}

/// `DELETE /v1/evaluations` (`evalsDeleteRequest`, `Eval.Delete`): the body is checked, then
/// the token must be a management token; then Nomad refuses while its eval broker runs,
/// which on this agent it always does.
fn delete(state: &AppState, req: &ApiRequest, body: &[u8]) -> Result<Response, ApiError> {
    let args = super::request::decode_body_object(body, "structs.EvalDeleteRequest", &[("Filter", "string")])?;
    let field = |name: &str| super::request::body_field(&args, name);
    let ids = field("EvalIDs").and_then(|v| v.as_array()).map_or(0, Vec::len);
    let filter = field("Filter").and_then(|v| v.as_str()).unwrap_or("");
    if !filter.is_empty() && ids > 0 {
        return Err(ApiError::bad_request("evals cannot be deleted by both ID and filter"));
    }
    if filter.is_empty() && ids == 0 {
        return Err(ApiError::bad_request("evals must be deleted by either ID or filter"));
    }
    const MAX_UUIDS_PER_WRITE_REQUEST: usize = 7281;
    if ids > MAX_UUIDS_PER_WRITE_REQUEST {
        return Err(ApiError::bad_request(format!(
            "request includes {ids} evaluation IDs, must be {MAX_UUIDS_PER_WRITE_REQUEST} or fewer"
        )));
    }
    state.check_region(&req.write_region(&state.region))?;
    if !super::listing::allows_unruled(&state.authorize(req.token(), Realm::Server)?) {
        return Err(ApiError::permission_denied());
    }
    Err(ApiError::internal("eval broker is enabled; eval broker must be paused to delete evals"))
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req).await
}

/// `/v1/evaluation/:id[/allocations]`, split by suffix as `EvalSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    match rest.strip_suffix("/allocations") {
        Some(id) => allocations(&state, id, &req).await,
        None => get(&state, &rest, &req).await,
    }
}

/// `Eval.GetEval` (namespace:read-job, and read-job in the evaluation's own namespace).
async fn get(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    // `EvalByID`'s error for an ID its index cannot read, wrapped by `Eval.GetEval`.
    check_uuid(id, "eval").map_err(|e| ApiError::internal(format!("failed to lookup eval: {}", e.message)))?;
    let index_of = |s: &Store| s.eval(id).map_or_else(|| s.table_index(Table::Evals), |e| e.modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;
    let store = state.cluster.read();
    let meta = QueryMeta::Query { index: index_of(&store) };
    match store.eval(id) {
        Some(eval) if !authority.allow_ns_op(&eval.namespace, cap::READ_JOB) => Err(ApiError::permission_denied()),
        // `related=true` adds `RelatedEvals`; these evaluations have no next, previous or
        // blocked evaluation, so the list is empty and, the struct being omitempty, absent.
        Some(eval) => req.reply(Some(meta), eval),
        None => Err(ApiError::not_found("eval not found").with_meta(meta)),
    }
}

/// `Eval.Allocations` (namespace:read-job; read-job in the allocations' namespace too unless
/// it is the one asked for): the stubs of the allocations the evaluation placed.
async fn allocations(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Allocs)).await;
    let store = state.cluster.read();
    let allocs: Vec<_> = store.allocs().filter(|a| a.eval_id == id).collect();
    if let Some(first) = allocs.first() {
        if first.namespace != opts.namespace && !authority.allow_ns_op(&first.namespace, cap::READ_JOB) {
            return Err(ApiError::permission_denied());
        }
    }
    let body = state.alloc_stubs.encode(req, &store, allocs.into_iter(), StubFields::default(), state.version)?;
    Ok(json_response(Some(QueryMeta::Query { index: store.table_index(Table::Allocs) }), body))
}
