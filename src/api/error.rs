//! The one error type of every API call.

use crate::acl::Capability;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiError {
    /// No HTTP answer at all: the agent is down or restarting, or the browser refused the
    /// request (a cross-origin agent without CORS headers looks the same).
    #[error("Cannot reach the agent: {0}")]
    Network(String),
    /// 403: Nomad's body is just `Permission denied`; `needs` says what was missing.
    #[error("Permission denied: requires {needs}")]
    Forbidden { needs: Capability, message: String },
    /// 404 with Nomad's text (`alloc not found`, `Unknown allocation "..."`).
    #[error("Not found: {0}")]
    NotFound(String),
    /// Any other non-2xx status, with Nomad's plain-text body.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// A 2xx answer whose body is not what the endpoint returns.
    #[error("Malformed response: {0}")]
    Malformed(String),
}

impl ApiError {
    /// From a non-2xx status and its body.
    pub fn from_status(status: u16, body: &str, needs: Capability) -> Self {
        let message = body.trim().to_string();
        match status {
            403 => ApiError::Forbidden { needs, message },
            404 => ApiError::NotFound(if message.is_empty() { "404 Not Found".into() } else { message }),
            _ => ApiError::Status { status, message },
        }
    }

    /// Retrying cannot help (the view shows the error and stops polling until asked).
    pub fn is_permanent(&self) -> bool {
        matches!(self, ApiError::Forbidden { .. } | ApiError::NotFound(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_kinds() {
        let needs = Capability::Namespace("read-job");
        assert_eq!(
            ApiError::from_status(403, "Permission denied\n", needs),
            ApiError::Forbidden { needs, message: "Permission denied".into() }
        );
        assert_eq!(ApiError::from_status(404, "alloc not found", needs), ApiError::NotFound("alloc not found".into()));
        assert_eq!(ApiError::from_status(500, "rpc error", needs).to_string(), "HTTP 500: rpc error");
        assert_eq!(
            ApiError::from_status(403, "Permission denied", needs).to_string(),
            "Permission denied: requires namespace:read-job"
        );
        assert!(ApiError::NotFound(String::new()).is_permanent());
        assert!(!ApiError::Network("x".into()).is_permanent());
    }
}
