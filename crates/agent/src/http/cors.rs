//! `wrapCORS` of Nomad's HTTP server: `rs/cors` allowing any origin, `HEAD` and `GET`, any
//! header, with credentials. Only requests that carry an `Origin` get CORS headers, only for
//! the allowed methods, and preflights are answered here without reaching the handler.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const ALLOWED: [Method; 2] = [Method::HEAD, Method::GET];

fn allow(headers: &mut HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
}

pub async fn cors(request: Request, next: Next) -> Response {
    let has_origin = request.headers().contains_key(header::ORIGIN);
    let preflight_method = request.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD).cloned();
    if request.method() == Method::OPTIONS && preflight_method.is_some() {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        for vary in ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"] {
            headers.append(header::VARY, HeaderValue::from_static(vary));
        }
        let method = preflight_method.as_ref().and_then(|m| m.to_str().ok()).map(str::to_ascii_uppercase);
        let allowed = method.as_deref().is_some_and(|m| ALLOWED.iter().any(|a| a.as_str() == m));
        if has_origin && allowed {
            allow(headers);
            if let Some(method) = method.and_then(|m| HeaderValue::from_str(&m).ok()) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, method);
            }
            if let Some(asked) = request.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            }
        }
        return response;
    }
    let allowed = ALLOWED.contains(request.method());
    let mut response = next.run(request).await;
    response.headers_mut().append(header::VARY, HeaderValue::from_static("Origin"));
    if has_origin && allowed {
        allow(response.headers_mut());
    }
    response
}
