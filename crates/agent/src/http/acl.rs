//! The ACL endpoints a UI reads (`command/agent/acl_endpoint.go`): the request's own token,
//! policies, and the token, role and auth method lists. The decisions are in `crate::acl`;
//! these handlers add what Nomad's HTTP layer adds (region, blocking, `X-Nomad-Index`).

use super::listing::{allows_unruled, write_not_modelled};
use super::meta::QueryMeta;
use super::request::{body_field, decode_body_object, ApiRequest};
use crate::acl::Realm;
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::state::Table;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use nomad_api::acl::{AclAuthMethodStub, AclRoleListStub, ACL_DISABLED};

/// The ACL RPCs refuse before forwarding (so before the region) when ACLs are off.
fn require_enabled(state: &AppState) -> Result<(), ApiError> {
    if state.acl.enabled() {
        Ok(())
    } else {
        Err(ApiError::bad_request(ACL_DISABLED))
    }
}

/// `GET /v1/acl/token/self`: the request's token, as the release answers (see
/// `Acl::token_self`). Not a blocking query.
pub async fn token_self(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    if !state.version.token_self_is_who_am_i() {
        require_enabled(&state)?;
    }
    state.check_region(&opts.region)?;
    let table_index = state.cluster.read().table_index(Table::AclToken);
    let answer = state.acl.token_self(req.token(), state.version, table_index)?;
    req.reply(Some(QueryMeta::Query { index: answer.index }), &answer.token)
}

/// `GET /v1/acl/policy/`: `Missing Policy Name`, whatever the method.
pub async fn policy_without_name() -> ApiError {
    ApiError::bad_request("Missing Policy Name")
}

/// `GET /v1/acl/policy/:name`: a policy with its parsed `RulesJSON`, which is how a UI learns
/// what its token may do. Blocks on the policy. `PUT`/`POST` and `DELETE` write it.
pub async fn policy(
    State(state): State<AppState>,
    Path(name): Path<String>,
    req: ApiRequest,
    body: Bytes,
) -> Result<Response, ApiError> {
    if name == "self" && state.version.acl_policy_self() {
        return self_policies(state, req).await;
    }
    match req.method {
        Method::GET => {}
        Method::PUT | Method::POST => return policy_write(&state, &req, &name, Some(&body)),
        Method::DELETE => return policy_write(&state, &req, &name, None),
        _ => return Err(ApiError::invalid_method()),
    }
    let opts = req.query_options(&state.region)?;
    require_enabled(&state)?;
    state.check_region(&opts.region)?;
    let (policy, index) = match state.acl.policy(req.token(), &name, state.version) {
        Ok(policy) => {
            let index = policy.modify_index;
            (Ok(policy), index)
        }
        // Not there (yet): the query blocks on the policy table, and the 404 carries its index.
        Err(e) if e.status == StatusCode::NOT_FOUND => (Err(e), state.acl.policy_index()),
        Err(e) => return Err(e),
    };
    wait_past_index(&state.cluster, &opts, |_| index).await;
    req.reply(Some(QueryMeta::Query { index }), &policy?)
}

/// `aclPolicyUpdate` (with the body) and `aclPolicyDelete`: the body names the policy of the
/// path; then `ACL.UpsertPolicies` / `ACL.DeletePolicies`, which go to the authoritative
/// region whatever the request's, need a management token. The built-in policies are not
/// written: past the checks, the write is not modelled.
fn policy_write(state: &AppState, req: &ApiRequest, name: &str, body: Option<&[u8]>) -> Result<Response, ApiError> {
    if let Some(body) = body {
        let policy = decode_body_object(body, "structs.ACLPolicy", &[("Name", "string")])?;
        if body_field(&policy, "Name").and_then(|v| v.as_str()).unwrap_or_default() != name {
            return Err(ApiError::bad_request("ACL policy name does not match request path"));
        }
    }
    require_enabled(state)?;
    if !allows_unruled(&state.authorize(req.token(), Realm::Server)?) {
        return Err(ApiError::permission_denied());
    }
    Err(write_not_modelled("writing an ACL policy"))
}

/// `GET /v1/acl/policy/self` (1.10.2+): the policies of the caller's token, as the policy
/// list answers them for it (not refused with ACLs off unless the secret is a UUID).
async fn self_policies(state: AppState, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.check_region(&opts.region)?;
    let list = state.acl.self_policies(req.token(), state.version)?;
    let index = state.acl.policy_index().max(1);
    wait_past_index(&state.cluster, &opts, |_| index).await;
    req.reply(Some(QueryMeta::Query { index }), &list)
}

/// `GET /v1/acl/policies`: the policies the token may read, blocking on the policy table
/// (whose index Nomad floors at 1).
pub async fn policies(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    require_enabled(&state)?;
    state.check_region(&opts.region)?;
    let list = state.acl.policies(req.token(), &opts.prefix, state.version)?;
    let index = state.acl.policy_index().max(1);
    wait_past_index(&state.cluster, &opts, |_| index).await;
    req.reply(Some(QueryMeta::Query { index }), &list)
}

/// `GET /v1/acl/tokens`: management tokens only, blocking on the token table.
pub async fn tokens(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    require_enabled(&state)?;
    state.check_region(&opts.region)?;
    let list = state.acl.token_stubs(req.token(), &opts.prefix, state.version)?;
    wait_past_index(&state.cluster, &opts, |s| s.table_index(Table::AclToken)).await;
    let index = state.cluster.read().table_index(Table::AclToken);
    req.reply(Some(QueryMeta::Query { index }), &list)
}

/// `GET /v1/acl/roles`: the roles the token links; the agent has none, so `[]` at the
/// roles table's index floored at 1 (`setReplyQueryMeta`).
pub async fn roles(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    require_enabled(&state)?;
    state.check_region(&opts.region)?;
    state.acl.check_list_roles(req.token(), state.version)?;
    wait_past_index(&state.cluster, &opts, |_| 1).await;
    req.reply(Some(QueryMeta::Query { index: 1 }), &Vec::<AclRoleListStub>::new())
}

/// `GET /v1/acl/auth-methods` (1.5.0+; before, Nomad's root handler answers 404 with no
/// body): open to anyone; the agent has none.
pub async fn auth_methods(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    if !state.version.acl_auth_methods() {
        return Ok(StatusCode::NOT_FOUND.into_response());
    }
    req.require_method(&[Method::GET])?;
    let opts = req.query_options(&state.region)?;
    state.acl.check_list_auth_methods()?;
    state.check_region(&opts.region)?;
    wait_past_index(&state.cluster, &opts, |_| 1).await;
    req.reply(Some(QueryMeta::Query { index: 1 }), &Vec::<AclAuthMethodStub>::new())
}
