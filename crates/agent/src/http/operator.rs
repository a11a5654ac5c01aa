//! `/v1/operator/license` as the open-source build answers it
//! (`command/agent/operator_endpoint_ce.go`; `operator_endpoint_oss.go` before 1.7):
//! `GET` is `204 No Content`, `PUT` is Enterprise only.

use super::request::{empty_response, ApiRequest};
use crate::error::ApiError;
use axum::http::{Method, StatusCode};
use axum::response::Response;

/// `ErrEntOnly`.
pub const ENTERPRISE_ONLY: &str = "Nomad Enterprise only endpoint";

pub async fn license(req: ApiRequest) -> Result<Response, ApiError> {
    match req.method {
        Method::GET => {
            let mut response = empty_response(None);
            *response.status_mut() = StatusCode::NO_CONTENT;
            Ok(response)
        }
        Method::PUT => Err(ApiError::new(StatusCode::NOT_IMPLEMENTED, ENTERPRISE_ONLY)),
        _ => Err(ApiError::invalid_method()),
    }
}
