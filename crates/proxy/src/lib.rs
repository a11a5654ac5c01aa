//! `serve` mode: the built dashboard and a real Nomad agent's `/v1/*` API from one origin.
//!
//! Nomad's exec WebSocket refuses foreign origins and most `/v1` endpoints send no CORS
//! headers, so a dashboard on another origin cannot talk to the agent. This serves the dashboard
//! at `/ui/` (or another `--base-path`) and forwards `/v1/*` (plain requests, blocking queries, log and file streams and
//! the exec WebSocket) to the agent at `--nomad-addr`/`NOMAD_ADDR`, over TLS configured as
//! Nomad's CLI configures it.
//!
//! Mount the router at the root and do not wrap it in a compression or timeout layer: streams
//! must pass unbuffered and blocking queries last up to 5 minutes plus jitter.

mod args;
mod config;
mod connector;
mod dashboard;
mod error;
mod forward;
mod headers;
mod host;
mod index;
mod policy;
mod tls;
mod upstream;
mod websocket;

pub use args::ServeArgs;
pub use config::{ProxyConfig, DEFAULT_NOMAD_ADDR};
pub use dashboard::{dashboard_routes, mount_at, BasePath, NOMAD_UI_PATH};
pub use error::ProxyError;
pub use host::{with_host_check, AllowedHosts, HostCheckArgs, ALLOWED_HOSTS_ENV};
pub use policy::{policy_header, CONTENT_SECURITY_POLICY};
pub use upstream::Upstream;

use axum::routing::any;
use axum::Router;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The dashboard at its base path (`/` redirects there) and `/v1/*` forwarded to the agent,
/// for requests addressed to an allowed host only.
pub fn proxy_router(config: ProxyConfig) -> Result<Router, ProxyError> {
    let dashboard = dashboard_routes(&config.ui_dir, &config.base_path, config.content_security_policy.clone())?;
    let allowed_hosts = config.allowed_hosts.clone();
    let agent = Arc::new(forward::Agent::new(config));
    let router = Router::new().route("/v1/{*path}", any(forward::forward)).with_state(agent).merge(dashboard);
    Ok(with_host_check(router, allowed_hosts))
}

/// Serves [`proxy_router`] on `listener` until the future is dropped, with the local agent's
/// limits on connections (`caravan-listener`): the soft descriptor limit raised to the hard
/// one, connections capped below it, header, idle and body timeouts, and the per-client limit.
pub async fn serve(config: ProxyConfig, listener: TcpListener) -> Result<(), ProxyError> {
    let (upstream, base) = (config.upstream.clone(), config.base_path.clone());
    let cap = caravan_listener::connection_cap(caravan_listener::raise_descriptor_limit().map_err(ProxyError::Serve)?);
    let limits = config.http_limits.limits(cap);
    let router = proxy_router(config)?;
    let address = listener.local_addr().map_err(ProxyError::Serve)?;
    tracing::info!("dashboard at http://{address}{base}, /v1/* forwarded to {upstream}");
    // Never stopped from here: the caller stops serving by dropping this future.
    let (_running, stopped) = watch::channel(false);
    caravan_listener::serve(listener, router, limits, stopped).await;
    Ok(())
}
