//! `caravan-agent serve`: the built dashboard and a real Nomad agent's API from one origin
//! (`nomad-proxy`), until SIGINT or SIGTERM.

use nomad_proxy::{ProxyConfig, ServeArgs};
use std::io::Write;
use tokio::net::TcpListener;

/// Resolves the configuration (so a bad address or certificate stops it at once), listens,
/// prints where, and serves until a signal.
pub async fn run(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let config = ProxyConfig::from_env_and_args(&args)?;
    let listener = TcpListener::bind(args.listen_addr()).await?;
    let url = format!("http://{}", listener.local_addr()?);
    let mut out = std::io::stdout().lock();
    writeln!(out, "Caravan serve listening on {url}")?;
    writeln!(out, "  dashboard: {url}{}", args.base_path)?;
    writeln!(out, "  /v1/* forwarded to {}", config.upstream())?;
    out.flush()?;
    drop(out);
    tokio::select! {
        served = nomad_proxy::serve(config, listener) => served?,
        signal = crate::shutdown_signal() => signal?,
    }
    Ok(())
}
