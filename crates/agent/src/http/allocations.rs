//! `/v1/allocations` and `/v1/allocation/:id[/stop]`.

use super::alloc_stub::StubFields;
use super::listing::{create_index_token, id_token, with_next_token, Paging};
use super::meta::QueryMeta;
use super::request::{json_body_response, json_response, ApiRequest, QueryOptions, ALL_NAMESPACES};
use crate::acl::{cap, Authority, Realm};
use crate::blocking::wait_past_index;
use crate::error::{ApiError, RESOURCE_NOT_FOUND};
use crate::state::{scheduler, Store, Table};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use nomad_api::{AllocStopResponse, Allocation, Wire};
use serde::Serialize;
use std::sync::Arc;

/// The errors go-memdb's UUID index gives a bad ID prefix, wrapped as Nomad's state store
/// wraps them (`alloc lookup failed: index error: ...`), which the RPC returns uncoded: 500
/// (`nomad/state/state_store.go` `AllocsByIDPrefix`, `NodesByIDPrefix`).
pub fn check_uuid_prefix(prefix: &str, what: &str) -> Result<(), ApiError> {
    let fail = |m: String| Err(ApiError::internal(format!("{what} lookup failed: index error: {m}")));
    if prefix.len() > 36 {
        return fail(format!("Invalid UUID length. UUID have 36 characters; got {}", prefix.len()));
    }
    let hyphens = prefix.matches('-').count();
    if hyphens > 4 {
        return fail(format!("UUID should have maximum of 4 \"-\"; got {hyphens}"));
    }
    let hex: Vec<u8> = prefix.bytes().filter(|b| *b != b'-').collect();
    if !hex.len().is_multiple_of(2) {
        return fail("Input (without hyphens) must be even length".into());
    }
    if let Some(b) = hex.iter().find(|b| !b.is_ascii_hexdigit()) {
        return fail(format!("Invalid UUID: encoding/hex: invalid byte: U+{:04X} {:?}", b, *b as char));
    }
    Ok(())
}

/// go-memdb's UUID index given a whole ID (`UUIDFieldIndex.FromArgs`): 36 characters, at
/// most 4 hyphens, hex. Its error, wrapped as the state store wraps it (`alloc lookup
/// failed: index error: UUID must be 36 characters`), is returned uncoded: 500, before the
/// object is looked for (`AllocByID`, `NodeByID`, `EvalByID`, `DeploymentByID` in
/// `nomad/state/state_store.go`).
pub fn check_uuid(id: &str, what: &str) -> Result<(), ApiError> {
    if id.len() != 36 {
        return Err(ApiError::internal(format!("{what} lookup failed: index error: UUID must be 36 characters")));
    }
    check_uuid_prefix(id, what)
}

/// The namespaces a list query covers: one, or with `*` all those the token may read.
pub fn namespace_filter<'a>(authority: &'a Authority, namespace: &'a str, op: &'a str) -> impl Fn(&str) -> bool + 'a {
    move |ns: &str| if namespace == ALL_NAMESPACES { authority.allow_ns_op(ns, op) } else { ns == namespace }
}

/// An allocation as the paginator's filter reads it: the state store's object (not the list
/// stub), whose job is left out when no selector of the filter reads `Job`, so that filtering
/// 100,000 allocations does not write 100,000 jobs.
struct Filtered<'a> {
    alloc: &'a Allocation,
    with_job: bool,
}

impl Serialize for Filtered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.with_job || self.alloc.job.is_none() {
            self.alloc.serialize(serializer)
        } else {
            Allocation { job: None, ..self.alloc.clone() }.serialize(serializer)
        }
    }
}

/// `GET /v1/allocations` (namespace:read-job), blocking on the allocations table, through
/// Nomad's paginator (`nomad/alloc_endpoint.go` `List`, the same from 1.4.0 to 1.11.3): with a
/// prefix in ID order (`AllocsByIDPrefix`, `IDTokenizer`), else in create-index order
/// (`namespace_create_prefix` / `create` indexes, `CreateIndexAndIDTokenizer`), `reverse`
/// reversing either; `filter` reads each allocation before the namespace selector, a page
/// holds `per_page`, and `X-Nomad-NextToken` names the next page's first.
pub async fn list(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    let defaults = StubFields::default();
    let fields = StubFields {
        resources: req.bool_param("resources")?.unwrap_or(defaults.resources),
        task_states: req.bool_param("task_states")?.unwrap_or(defaults.task_states),
    };
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    if !authority.allow_ns_op(&opts.namespace, cap::READ_JOB) {
        return Err(ApiError::permission_denied());
    }
    check_uuid_prefix(&opts.prefix, "alloc")?;
    // `NewPaginator` runs in the blocking query, after the ACL checks.
    let paging = Paging::of(&req)?;
    // `blockingRPC` (`nomad/rpc.go`) runs the query once before it waits: a filter that fails
    // on an allocation (a regular expression that does not compile) answers at once.
    if opts.min_index > 0 && paging.filter.is_some() {
        list_page(&state.cluster.read(), &opts, &paging, &authority)?;
    }
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::Allocs)).await;

    let store = state.cluster.read();
    let (page, next_token) = list_page(&store, &opts, &paging, &authority)?;
    // Shared with the store, so that the answer is written after the lock is let go.
    let page: Vec<Arc<Allocation>> = page.iter().filter_map(|f| store.alloc_arc(&f.alloc.id).cloned()).collect();
    let body = super::alloc_stub::list_body(&state, &req, &store, page, fields)?;
    let index = store.table_index(Table::Allocs);
    drop(store);
    Ok(with_next_token(json_body_response(Some(QueryMeta::Query { index }), body), &next_token))
}

/// The page of `GET /v1/allocations` the store holds now, and the next page's token.
fn list_page<'s>(
    store: &'s Store,
    // `allocs_with_prefix` borrows the prefix for as long as the store.
    opts: &'s QueryOptions,
    paging: &Paging,
    authority: &Authority,
) -> Result<(Vec<Filtered<'s>>, String), ApiError> {
    let in_namespace = namespace_filter(authority, &opts.namespace, cap::READ_JOB);
    let with_job = paging.filter.as_ref().is_some_and(|f| f.selects("Job"));
    let of_namespace = |a: &&Allocation| opts.namespace == ALL_NAMESPACES || a.namespace == opts.namespace;
    let mut ordered: Vec<&Allocation> = if opts.prefix.is_empty() {
        let mut all: Vec<&Allocation> = store.allocs().filter(of_namespace).collect();
        all.sort_unstable_by(|a, b| (a.create_index, &a.id).cmp(&(b.create_index, &b.id)));
        all
    } else {
        store.allocs_with_prefix(&opts.prefix).filter(of_namespace).collect()
    };
    if paging.reverse {
        ordered.reverse();
    }
    let items = ordered.into_iter().map(|alloc| Filtered { alloc, with_job });
    let select = |f: &Filtered| in_namespace(&f.alloc.namespace);
    if opts.prefix.is_empty() {
        paging.page(items, |f, t| create_index_token(f.alloc.create_index, &f.alloc.id, t), select)
    } else {
        paging.page(items, |f, t| id_token(&f.alloc.id, t), select)
    }
}

pub async fn specific_root(state: State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    specific(state, Path(String::new()), req).await
}

/// `/v1/allocation/:id` and `/v1/allocation/:id/stop`, split as `AllocSpecificRequest` does.
pub async fn specific(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    req: ApiRequest,
) -> Result<Response, ApiError> {
    let tokens: Vec<&str> = rest.split('/').collect();
    match tokens.as_slice() {
        [id] => get(&state, id, &req).await,
        [id, "stop"] => stop(&state, id, &req),
        _ => Err(ApiError::not_found(RESOURCE_NOT_FOUND)),
    }
}

/// `GET /v1/allocation/:id`, blocking on the allocation (its `ModifyIndex`).
async fn get(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    check_uuid(id, "alloc")?;
    let index_of =
        |s: &crate::state::Store| s.alloc(id).map_or_else(|| s.table_index(Table::Allocs), |a| a.modify_index);
    wait_past_index(&state.cluster, &opts, index_of).await;

    let store = state.cluster.read();
    let index = index_of(&store);
    let Some(alloc) = store.alloc(id) else {
        return Err(ApiError::not_found("alloc not found").with_meta(QueryMeta::Query { index }));
    };
    // Nomad answers an allocation of a namespace the token cannot read as unknown.
    if !authority.allow_ns_op(&alloc.namespace, cap::READ_JOB) {
        return Err(ApiError::internal(unknown_allocation(id)));
    }
    let body = req.encode(&Wire::new(alloc, state.version))?;
    Ok(json_response(Some(QueryMeta::Query { index }), body))
}

/// `structs.NewErrUnknownAllocation`.
pub fn unknown_allocation(id: &str) -> String {
    format!("Unknown allocation {id:?}")
}

/// `POST`/`PUT /v1/allocation/:id/stop` (namespace:alloc-lifecycle).
fn stop(state: &AppState, id: &str, req: &ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::POST, Method::PUT])?;
    if state.version.alloc_stop_reschedule() {
        req.bool_param("no_shutdown_delay")?;
        req.bool_param("reschedule")?;
    } else {
        let no_shutdown_delay = req.get("no_shutdown_delay");
        if !no_shutdown_delay.is_empty() && super::request::parse_go_bool(no_shutdown_delay).is_none() {
            return Err(ApiError::internal(format!(
                "no_shutdown_delay value is not a boolean: strconv.ParseBool: parsing {no_shutdown_delay:?}: invalid syntax"
            )));
        }
    }
    state.check_region(&req.write_region(&state.region))?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    check_uuid(id, "alloc")?;
    let namespace = state.cluster.read().alloc(id).map(|a| a.namespace.clone());
    let Some(namespace) = namespace else { return Err(ApiError::not_found("allocation not found")) };
    if !authority.allow_ns_op(&namespace, cap::ALLOC_LIFECYCLE) {
        return Err(ApiError::permission_denied());
    }
    let (eval_id, index) = state.cluster.write(|txn| (scheduler::stop_alloc(txn, id), txn.index));
    let eval_id = eval_id.ok_or_else(|| ApiError::not_found("allocation not found"))?;
    req.reply(Some(QueryMeta::Index(index)), &AllocStopResponse { eval_id, index })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_errors_read_as_go_memdb_ones() {
        assert!(check_uuid_prefix("", "alloc").is_ok() && check_uuid_prefix("a8198d79-cf", "alloc").is_ok());
        let msg = |p: &str| check_uuid_prefix(p, "alloc").unwrap_err().message;
        assert_eq!(msg("423"), "alloc lookup failed: index error: Input (without hyphens) must be even length");
        assert_eq!(msg("zz"), "alloc lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'");
        assert!(msg(&"a".repeat(40)).ends_with("UUID have 36 characters; got 40"));
        assert_eq!(
            check_uuid("abc", "alloc").unwrap_err().message,
            "alloc lookup failed: index error: UUID must be 36 characters"
        );
        assert!(check_uuid("a8198d79-cf2e-4b7c-9d6f-3c9e2f1a0b4d", "alloc").is_ok());
        let zs = "z".repeat(36);
        assert_eq!(
            check_uuid(&zs, "node").unwrap_err().message,
            "node lookup failed: index error: Invalid UUID: encoding/hex: invalid byte: U+007A 'z'"
        );
    }
}
