//! The one error type of every handler, written as Nomad's `wrap` writes errors: the status
//! code and a plain-text body, keeping the query metadata headers already set (Nomad sets
//! `X-Nomad-Index` before it finds out that, say, an allocation does not exist).

use crate::http::meta::QueryMeta;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `ErrInvalidMethod`.
pub const INVALID_METHOD: &str = "Invalid method";
/// `structs.ErrPermissionDenied`.
pub const PERMISSION_DENIED: &str = "Permission denied";
/// `structs.ErrTokenNotFound`.
pub const TOKEN_NOT_FOUND: &str = "ACL token not found";
/// `structs.ErrNoRegionPath`.
pub const NO_REGION_PATH: &str = "No path to region";
/// `resourceNotFoundErr` of the allocation endpoints.
pub const RESOURCE_NOT_FOUND: &str = "resource not found";
/// `structs.ErrNoNodeConn`: the node of the allocation is not connected to this agent.
pub const NO_NODE_CONN: &str = "No path to node";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Headers of a query that ran before the error was found.
    pub meta: Option<QueryMeta>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), meta: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// Nomad answers 500 for errors that carry no code, whatever their cause.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
    pub fn permission_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, PERMISSION_DENIED)
    }
    pub fn invalid_method() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, INVALID_METHOD)
    }
    pub fn with_meta(mut self, meta: QueryMeta) -> Self {
        self.meta = Some(meta);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], self.message).into_response();
        if let Some(meta) = self.meta {
            meta.apply(response.headers_mut());
        }
        response
    }
}

impl From<caravan_client::ClientError> for ApiError {
    fn from(e: caravan_client::ClientError) -> Self {
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else if e.is_bad_request() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        ApiError::new(status, e.to_string())
    }
}
