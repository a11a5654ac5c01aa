//! The Content-Security-Policy the dashboard is served with.
//!
//! Scripts only from the dashboard's origin and never inline (the build moves trunk's start
//! script into a file), plus `'wasm-unsafe-eval'` to compile the wasm. Styles may be inline:
//! the dashboard sizes rows and bars through `style` attributes and xterm.js themes the console
//! through `<style>` elements, and styles cannot run code. The API is reached on the same origin
//! (`'self'` covers the exec WebSocket's `ws:`/`wss:` too). No `frame-ancestors`, so portals of
//! any origin may embed the dashboard; add one to restrict them.

use crate::ProxyError;
use axum::http::HeaderValue;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; \
connect-src 'self'; \
object-src 'none'; \
base-uri 'self'; \
form-action 'self'";

/// `policy` as a header value; `None` for an empty policy (no header).
pub fn policy_header(policy: &str) -> Result<Option<HeaderValue>, ProxyError> {
    let policy = policy.trim();
    if policy.is_empty() {
        return Ok(None);
    }
    HeaderValue::from_str(policy).map(Some).map_err(|_| ProxyError::InvalidPolicy(policy.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_a_header_and_an_empty_one_is_none() {
        let header = policy_header(CONTENT_SECURITY_POLICY).unwrap().unwrap();
        assert!(header.to_str().unwrap().contains("script-src 'self' 'wasm-unsafe-eval';"));
        assert!(!header.to_str().unwrap().contains("frame-ancestors"));
        assert_eq!(policy_header("  ").unwrap(), None);
        assert!(matches!(policy_header("default-src\n'self'"), Err(ProxyError::InvalidPolicy(_))));
    }
}
