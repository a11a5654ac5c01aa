//! Command-line flags (with environment variables where Nomad has an equivalent).

use caravan_listener::HttpLimitsArgs;
use clap::{Args, Parser, Subcommand};
use nomad_api::NomadVersion;
use nomad_proxy::{HostCheckArgs, ServeArgs};
use std::net::IpAddr;
use std::path::PathBuf;

/// `caravan-agent [flags]` runs the local agent; `caravan-agent serve` fronts a real one.
#[derive(Debug, Parser)]
#[command(
    name = "caravan-agent",
    version,
    about = "A single-node Nomad dev agent (server + client) speaking Nomad's v1 HTTP API",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub agent: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the built dashboard and forward /v1/* to a real Nomad agent from one origin, so the
    /// exec WebSocket and the endpoints without CORS work from the browser.
    Serve(ServeArgs),
}

/// The local agent's flags.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to bind the HTTP API to; loopback by default, as `nomad agent -dev`.
    #[arg(long, env = "NOMAD_BIND_ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,

    // `--allowed-host`: names requests may be addressed to besides loopback names and --bind
    // (DNS-rebinding protection, see README.md "Security").
    #[command(flatten)]
    pub host_check: HostCheckArgs,

    // `--http-max-conns-per-client`, and the connection timeouts (hidden, for tests).
    #[command(flatten)]
    pub http_limits: HttpLimitsArgs,

    /// HTTP port; 0 picks a free one (the address is printed either way).
    #[arg(long, env = "NOMAD_HTTP_PORT", default_value_t = 4646)]
    pub port: u16,

    /// State and allocation directories; a fresh temporary directory, removed at exit, by default.
    #[arg(long, env = "NOMAD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    #[arg(long, env = "NOMAD_REGION", default_value = "global")]
    pub region: String,

    #[arg(long, env = "NOMAD_DATACENTER", default_value = "dc1")]
    pub datacenter: String,

    /// Enable ACLs: bootstraps a management token and makes an operator and a read-only token.
    #[arg(long, env = "NOMAD_ACL_ENABLED")]
    pub acl: bool,

    /// A built dashboard to serve at /ui/ (index.html answers unknown paths).
    #[arg(long, env = "CARAVAN_UI_DIR")]
    pub ui_dir: Option<PathBuf>,

    /// Add this many allocations without processes, on synthetic nodes and jobs.
    #[arg(long, env = "CARAVAN_SYNTHETIC_ALLOCS", default_value_t = 0)]
    pub synthetic_allocs: usize,

    /// Spread the synthetic allocations evenly over this many synthetic jobs (0: varied sizes).
    #[arg(long, env = "CARAVAN_SYNTHETIC_JOBS", default_value_t = 0)]
    pub synthetic_jobs: usize,

    /// Place the synthetic allocations on this many synthetic nodes (0: one per 200).
    #[arg(long, env = "CARAVAN_SYNTHETIC_NODES", default_value_t = 0)]
    pub synthetic_nodes: usize,

    /// Synthetic allocation state changes per second.
    #[arg(long, env = "CARAVAN_CHURN", default_value_t = 0.0)]
    pub churn: f64,

    /// Batches (writes) the event stream keeps for readers resuming from an index
    /// (`event_buffer_size`; 0 is the default).
    #[arg(long, env = "CARAVAN_EVENT_BUFFER_SIZE", default_value_t = nomad_api::event::DEFAULT_BUFFER_SIZE)]
    pub event_buffer_size: usize,

    /// Serve no event stream (`enable_event_broker = false`).
    #[arg(long, env = "CARAVAN_NO_EVENT_BROKER")]
    pub no_event_broker: bool,

    /// Start without the demo jobs.
    #[arg(long, env = "CARAVAN_NO_DEMO")]
    pub no_demo: bool,

    /// The Nomad release to answer as (1.4 to 1.11; `1.10` is the newest 1.10 patch modelled,
    /// `1.10.0` that patch): every wire behaviour that changed between releases follows it.
    #[arg(long, env = "CARAVAN_NOMAD_VERSION", default_value_t = NomadVersion::LATEST)]
    pub nomad_version: NomadVersion,

    // Garbage collection thresholds and intervals (hidden flags, Nomad's defaults; crate::gc).
    #[command(flatten)]
    pub gc: crate::gc::GcArgs,
}

impl Config {
    /// An agent for tests: ephemeral port, no demo jobs, the given data directory.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            host_check: HostCheckArgs::default(),
            http_limits: HttpLimitsArgs::default(),
            port: 0,
            data_dir: Some(data_dir),
            region: "global".to_string(),
            datacenter: "dc1".to_string(),
            acl: false,
            ui_dir: None,
            synthetic_allocs: 0,
            synthetic_jobs: 0,
            synthetic_nodes: 0,
            churn: 0.0,
            event_buffer_size: nomad_api::event::DEFAULT_BUFFER_SIZE,
            no_event_broker: false,
            no_demo: true,
            nomad_version: NomadVersion::LATEST,
            gc: crate::gc::GcArgs::default(),
        }
    }
}
