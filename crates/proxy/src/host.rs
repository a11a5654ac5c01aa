//! Which `Host` a request may name: the one rule against DNS rebinding, shared by the local
//! agent and `serve`.
//!
//! A page of any site can make the browser resolve its own name to 127.0.0.1 (DNS rebinding)
//! and then talk to a server there as if it were same-origin: the browser sends that site's
//! name as `Host` and `Origin`, so an Origin check (the exec WebSocket's) passes. The `Host`
//! is the only thing the page cannot choose freely, so a server that answers only requests
//! addressed to its own address, a loopback name, or a name it was told to expect is out of
//! such a page's reach. Nomad itself does not check `Host`; Caravan's servers do.

use crate::ProxyError;
use axum::extract::{Request, State};
use axum::http::{header, uri::Authority, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clap::Args;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

/// The environment variable of `--allowed-host` (comma-separated).
pub const ALLOWED_HOSTS_ENV: &str = "CARAVAN_ALLOWED_HOSTS";

/// `--allowed-host`, flattened into the agent's and `serve`'s flags.
#[derive(Debug, Clone, Default, Args)]
pub struct HostCheckArgs {
    /// A name (or address) requests may be addressed to besides this server's own address and
    /// loopback names; repeatable, with or without a port. `*` allows any (no DNS-rebinding
    /// protection: only behind a proxy that checks Host itself).
    #[arg(long = "allowed-host", value_name = "NAME", env = ALLOWED_HOSTS_ENV, value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
}

/// The hosts a server bound to one address answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    bound: IpAddr,
    /// Lower case, without port or trailing dot; IPv6 addresses without brackets.
    names: Vec<String>,
    any: bool,
}

/// The host part of `host[:port]` (`[v6]:port` too), lower case, without a trailing dot.
fn host_part(text: &str) -> Option<String> {
    let authority = Authority::from_str(text.trim()).ok()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = authority.host();
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let host = host.strip_suffix('.').unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

impl AllowedHosts {
    /// For a server listening on `bound`, also answering `names` (`NAME` or `NAME:PORT`).
    pub fn new(bound: IpAddr, names: &[String]) -> Result<Self, ProxyError> {
        let mut allowed = AllowedHosts { bound, names: Vec::new(), any: false };
        for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
            if name == "*" {
                allowed.any = true;
                continue;
            }
            let host = host_part(name).ok_or_else(|| ProxyError::InvalidAllowedHost(name.to_string()))?;
            allowed.names.push(host);
        }
        Ok(allowed)
    }

    /// Whether a request whose `Host` is `host` (with or without a port) is answered: a loopback
    /// name or address, the address the server is bound to (any address when it is bound to all
    /// of them: a rebinding page always sends a name, never an address), or a name allowed.
    pub fn allows(&self, host: &str) -> bool {
        if self.any {
            return true;
        }
        let Some(host) = host_part(host) else {
            return false;
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return ip.is_loopback() || ip == self.bound || self.bound.is_unspecified() || self.names.contains(&host);
        }
        host == "localhost" || self.names.contains(&host)
    }

    /// The 403's text: what was refused, why, and how to allow it.
    pub fn refusal(host: &str) -> String {
        let name =
            host_part(host).map_or_else(|| host.to_string(), |h| if h.contains(':') { format!("[{h}]") } else { h });
        format!(
            "Host {host:?} is not allowed: this server answers only requests addressed to its own address or to \
             localhost, 127.0.0.1 or [::1], so that no web page can reach it through DNS rebinding. To allow \
             this name, start it with --allowed-host {name} (repeatable; or {ALLOWED_HOSTS_ENV}={name}, \
             comma-separated)."
        )
    }
}

/// The request's host as Go's `Request.Host` reads it: the request target's authority (an
/// absolute URI), else the `Host` header. None when it has neither (not a browser).
fn request_host(request: &Request) -> Option<Result<String, ()>> {
    if let Some(authority) = request.uri().authority() {
        return Some(Ok(authority.as_str().to_string()));
    }
    let value: &HeaderValue = request.headers().get(header::HOST)?;
    Some(value.to_str().map(str::to_string).map_err(|_| ()))
}

/// Middleware: refuses with 403 (plain text, as every error of the API) a request whose host is
/// not allowed, before anything else sees it.
pub async fn check_host(State(allowed): State<Arc<AllowedHosts>>, request: Request, next: Next) -> Response {
    match request_host(&request) {
        None => next.run(request).await,
        Some(Ok(host)) if allowed.allows(&host) => next.run(request).await,
        Some(Ok(host)) => {
            tracing::warn!(host, "refused a request addressed to a host that is not allowed");
            refuse(StatusCode::FORBIDDEN, AllowedHosts::refusal(&host))
        }
        Some(Err(())) => refuse(StatusCode::BAD_REQUEST, "Invalid Host header".to_string()),
    }
}

fn refuse(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// `router` behind the host check.
pub fn with_host_check<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    allowed: AllowedHosts,
) -> axum::Router<S> {
    router.layer(axum::middleware::from_fn_with_state(Arc::new(allowed), check_host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(bound: &str, names: &[&str]) -> AllowedHosts {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        AllowedHosts::new(bound.parse().unwrap(), &names).unwrap()
    }

    #[test]
    fn loopback_names_and_the_bound_address_are_allowed_with_or_without_a_port() {
        let local = hosts("127.0.0.1", &[]);
        for ok in [
            "127.0.0.1",
            "127.0.0.1:4646",
            "127.1.2.3:80",
            "localhost",
            "LOCALHOST:4646",
            "localhost.",
            "[::1]",
            "[::1]:4646",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for refused in [
            "rebind.attacker.example",
            "rebind.attacker.example:4646",
            "10.0.0.5",
            "nomad",
            "localhost.attacker.example",
            "",
            "a b",
            "user@127.0.0.1",
        ] {
            assert!(!local.allows(refused), "{refused}");
        }
        let lan = hosts("192.168.1.20", &[]);
        assert!(
            lan.allows("192.168.1.20:4646")
                && lan.allows("localhost")
                && !lan.allows("192.168.1.21")
                && !lan.allows("devbox")
        );
        let all = hosts("0.0.0.0", &[]);
        assert!(all.allows("10.1.2.3:4649") && all.allows("[fe80::1]:4649") && !all.allows("devbox:4649"));
        let v6 = hosts("::", &[]);
        assert!(v6.allows("192.168.1.20") && !v6.allows("rebind.attacker.example"));
    }

    #[test]
    fn allowed_names_match_in_any_case_and_with_any_port() {
        let named = hosts("127.0.0.1", &["Caravan.Example.com:443", "nomad", "[fe80::1]"]);
        assert!(
            named.allows("caravan.example.com") && named.allows("CARAVAN.example.com:8080") && named.allows("nomad")
        );
        assert!(named.allows("[fe80::1]:4646") && !named.allows("evil.example.com"));
        assert!(hosts("127.0.0.1", &["*"]).allows("anything.example"));
        assert!(matches!(
            AllowedHosts::new("127.0.0.1".parse().unwrap(), &["bad name".to_string()]),
            Err(ProxyError::InvalidAllowedHost(_))
        ));
    }

    #[test]
    fn the_refusal_says_how_to_allow_the_name() {
        let text = AllowedHosts::refusal("rebind.attacker.example:4646");
        assert!(text.starts_with("Host \"rebind.attacker.example:4646\" is not allowed"), "{text}");
        assert!(
            text.contains(
                "--allowed-host rebind.attacker.example (repeatable; or CARAVAN_ALLOWED_HOSTS=rebind.attacker.example"
            ),
            "{text}"
        );
        assert!(AllowedHosts::refusal("[fe80::1]:80").contains("--allowed-host [fe80::1] "));
    }
}
