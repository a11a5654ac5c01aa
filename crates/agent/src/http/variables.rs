//! `GET /v1/vars` (Nomad 1.4+; `command/agent/variable_endpoint.go`,
//! `nomad/variables_endpoint.go` `Variables.List`): this agent stores no variables, so the
//! list is empty, at the variables table's index floored to 1 (`setReplyQueryMeta`).

use super::listing::{allows_unruled, Paging};
use super::meta::QueryMeta;
use super::request::{ApiRequest, ALL_NAMESPACES};
use crate::acl::Realm;
use crate::blocking::wait_past_index;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;

/// `state.Index(TableVariables)` floored to 1: the table is never written.
const VARIABLES_INDEX: u64 = 1;

pub async fn list(State(state): State<AppState>, req: ApiRequest) -> Result<Response, ApiError> {
    req.require_method(&[Method::GET])?;
    // `parse` has already written its error when the handler adds its own to the body.
    let opts = req
        .query_options(&state.region)
        .map_err(|e| ApiError::bad_request(format!("{}failed to parse parameters", e.message)))?;
    state.check_region(&opts.region)?;
    let authority = state.authorize(req.token(), Realm::Server)?;
    // 1.4.0 to 1.4.2 first required `list` on the prefix in the namespace; the agent's
    // policies have no variables rules.
    if state.version.variables_list_checks_prefix() && opts.namespace != ALL_NAMESPACES && !allows_unruled(&authority) {
        return Err(ApiError::permission_denied());
    }
    Paging::of(&req)?;
    wait_past_index(&state.cluster, &opts, |_| VARIABLES_INDEX).await;
    req.reply(Some(QueryMeta::Query { index: VARIABLES_INDEX }), &Vec::<serde_json::Value>::new())
}
