//! The `serve` subcommand's flags. Flags named as Nomad's CLI names them win over the
//! environment variables the CLI reads (see `ProxyConfig::from_env_and_args`).

use crate::{BasePath, HostCheckArgs, CONTENT_SECURITY_POLICY};
use caravan_listener::HttpLimitsArgs;
use clap::Args;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CARAVAN_BIND_ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    // `--allowed-host`: names the dashboard is reached by besides loopback names and the --bind
    // address (any address when bound to 0.0.0.0 or ::), say caravan.example.com, or the Host a
    // proxy in front sends.
    #[command(flatten)]
    pub host_check: HostCheckArgs,

    // `--http-max-conns-per-client`, and the connection timeouts (hidden, for tests), as the
    // local agent's.
    #[command(flatten)]
    pub http_limits: HttpLimitsArgs,

    /// Port to listen on (beside Nomad's 4646-4648); 0 picks a free one.
    #[arg(long, env = "CARAVAN_PORT", default_value_t = 4649)]
    pub port: u16,

    /// The built dashboard (trunk's dist/), served at --base-path.
    #[arg(long, env = "CARAVAN_UI_DIR")]
    pub ui_dir: PathBuf,

    /// The path to serve the dashboard at (/ui/ as Nomad's agent, or say /tools/nomad/).
    #[arg(long, env = "CARAVAN_BASE_PATH", default_value_t = BasePath::nomad_ui())]
    pub base_path: BasePath,

    /// The Content-Security-Policy the dashboard is served with; empty sends none. Add
    /// `frame-ancestors` to limit which sites may embed it.
    #[arg(long, env = "CARAVAN_CONTENT_SECURITY_POLICY", default_value = CONTENT_SECURITY_POLICY, hide_default_value = true)]
    pub content_security_policy: String,

    /// The Nomad agent to forward /v1/* to [default: $NOMAD_ADDR, else http://127.0.0.1:4646].
    #[arg(long)]
    pub nomad_addr: Option<String>,

    /// PEM CA certificate(s) to verify the agent with [default: $NOMAD_CACERT].
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,

    /// Directory of PEM CA certificates, used when no --ca-cert [default: $NOMAD_CAPATH].
    #[arg(long)]
    pub ca_path: Option<PathBuf>,

    /// PEM client certificate for mutual TLS [default: $NOMAD_CLIENT_CERT].
    #[arg(long)]
    pub client_cert: Option<PathBuf>,

    /// PEM private key of the client certificate [default: $NOMAD_CLIENT_KEY].
    #[arg(long)]
    pub client_key: Option<PathBuf>,

    /// Server name to send (SNI) and verify the agent's certificate against, instead of the
    /// address's host [default: $NOMAD_TLS_SERVER_NAME].
    #[arg(long)]
    pub tls_server_name: Option<String>,

    /// Do not verify the agent's certificate [default: $NOMAD_SKIP_VERIFY].
    #[arg(long)]
    pub tls_skip_verify: bool,
}

impl ServeArgs {
    /// Where to listen: `--bind` and `--port`.
    pub fn listen_addr(&self) -> std::net::SocketAddr {
        (self.bind, self.port).into()
    }
}
