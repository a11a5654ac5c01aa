//! `/v1/operator/license` as the open-source build answers it
//! (`command/agent/operator_endpoint_ce.go`; `operator_endpoint_oss.go` before 1.7):
//! `GET` is `204 No Content`, `PUT` is Enterprise only; and the Enterprise features' routes
//! (Sentinel policies, quotas, recommendations), which the open-source build registers to
//! answer `501` whatever the method (`command/agent/http_ce.go`, `http_oss.go` before 1.7,
//! `entOnly`) — the web UI asks for a job's recommendations.

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

/// `entOnly`.
pub async fn enterprise_only() -> ApiError {
    ApiError::new(StatusCode::NOT_IMPLEMENTED, ENTERPRISE_ONLY)
}

/// The routes `registerEnterpriseHandlers` gives `entOnly` in the open-source build.
pub const ENTERPRISE_ROUTES: &[&str] = &[
    "/v1/sentinel/policies",
    "/v1/sentinel/policy/",
    "/v1/sentinel/policy/{*rest}",
    "/v1/quotas",
    "/v1/quota-usages",
    "/v1/quota/",
    "/v1/quota/{*rest}",
    "/v1/quota",
    "/v1/recommendation",
    "/v1/recommendations",
    "/v1/recommendations/apply",
    "/v1/recommendation/",
    "/v1/recommendation/{*rest}",
];
